"""What ``import ember`` loads: the core only. ml_dtypes (bfloat16's storage) and the big
families (nn, optim, data loading, distributed, ONNX, safetensors, serialization, compile,
viz; inside nn the recurrent and transformer layers) load on first use, where a PyTorch
script cannot tell the difference. Each check runs in a fresh interpreter."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LAZY = ["ml_dtypes", "ember.nn", "ember.optim", "ember.utils", "ember.distributed", "ember.onnx",
        "ember.safetensors", "ember.serialization", "ember.compiler", "ember.viz",
        "ember.nn.modules.rnn", "ember.nn.modules.transformer", "ember.nn.modules.conv",
        "ember.utils.tensorboard", "numpy.random", "multiprocessing"]


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _loaded(code: str, names) -> set:
    """Which of ``names`` are in sys.modules after running ``code``."""
    out = _run(code + f"\nimport sys\nprint(sorted(n for n in {list(names)!r} "
                      "if n in sys.modules))")
    return set(eval(out.strip().splitlines()[-1]))


def test_import_ember_loads_no_lazy_family():
    assert _loaded("import ember", LAZY) == set()


def test_import_ember_nn_leaves_recurrent_transformer_and_distributed_unloaded():
    names = ["ember.nn.modules.rnn", "ember.nn.modules.transformer", "ember.distributed",
             "ember.nn.parallel.distributed", "ml_dtypes"]
    assert _loaded("import ember.nn", names) == set()


def test_lazy_names_resolve_after_a_bare_import():
    out = _run("""
import pickle
import ember as torch
import ember.nn.modules.rnn as rnn_mod
from ember.nn import LSTM
from ember import nn
assert torch.nn.Conv2d.__module__ == "ember.nn.modules.conv"
assert LSTM is rnn_mod.LSTM is torch.nn.LSTM is torch.nn.modules.LSTM
assert torch.nn.TransformerEncoderLayer.__module__ == "ember.nn.modules.transformer"
assert torch.nn.functional.conv2d is torch.conv2d
assert torch.nn.parallel.DistributedDataParallel.__name__ == "DistributedDataParallel"
assert torch.utils.data.DataLoader.__name__ == "DataLoader"
assert torch.optim.Adam.__name__ == "Adam"
assert callable(torch.save) and callable(torch.load) and callable(torch.compile)
assert torch.save is torch.serialization.save and torch.compile is torch.compiler.compile
m = nn.LSTM(2, 3)
assert isinstance(m, nn.Module) and isinstance(m, nn.RNNBase)
m2 = pickle.loads(pickle.dumps(m))
assert type(m2) is nn.LSTM
assert {"nn", "optim", "utils", "save", "compile"} <= set(dir(torch))
assert {"LSTM", "Transformer", "Linear"} <= set(dir(torch.nn))
try:
    torch.no_such_name
except AttributeError as e:
    assert "no_such_name" in str(e)
else:
    raise AssertionError("no AttributeError")
print("ok")
""")
    assert out.strip() == "ok"


def test_float32_training_script_never_loads_ml_dtypes(tmp_path):
    path = os.path.join(str(tmp_path), "model.pt")
    code = f"""
import ember as torch
from ember import nn
from ember.utils.data import DataLoader, TensorDataset
torch.manual_seed(0)
x, y = torch.randn(64, 8), torch.randint(0, 3, (64,))
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for xb, yb in DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True):
    loss = nn.functional.cross_entropy(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
print(loss, model(x[:2]), torch.finfo(torch.float32), torch.float32, torch.bfloat16)
torch.save(model.state_dict(), {path!r})
model.load_state_dict(torch.load({path!r}))
"""
    assert _loaded(code, ["ml_dtypes"]) == set()


def test_bfloat16_loads_ml_dtypes_on_first_use():
    out = _run("""
import sys
import ember as torch
d = torch.bfloat16
assert repr(d) == "torch.bfloat16" and d.is_floating_point and d.itemsize == 2
assert torch.promote_types(d, torch.float16) is torch.float32
assert "ml_dtypes" not in sys.modules
x = torch.ones(3, dtype=d) + 1
assert "ml_dtypes" in sys.modules
assert x.dtype is d and x.numpy().dtype.name == "bfloat16" and d.np.name == "bfloat16"
assert torch.finfo(d).eps == 2.0 ** -7
print(x)
""")
    assert "dtype=torch.bfloat16" in out


@pytest.mark.parametrize("make", ["from_numpy", "tensor", "as_tensor"])
def test_bfloat16_array_made_before_ember_needed_it(make):
    # the caller imports ml_dtypes after ember and hands ember a bfloat16 array
    out = _run(f"""
import numpy as np
import ember as torch
import ml_dtypes
a = np.array([1.5, -2.25, 3.0], dtype=ml_dtypes.bfloat16)
t = torch.{make}(a)
assert t.dtype is torch.bfloat16, t.dtype
print((t * 2).tolist())
""")
    assert out.strip() == "[3.0, -4.5, 6.0]"


def test_ml_dtypes_imported_first_is_used_at_once():
    out = _run("""
import ml_dtypes
import ember as torch
assert torch._dtype.bf16_loaded()
assert torch._dtype.from_np(np_dt := __import__("numpy").dtype(ml_dtypes.bfloat16)) \\
    is torch.bfloat16
print("ok")
""")
    assert out.strip() == "ok"
