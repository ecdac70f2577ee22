"""ember.save / ember.load: PyTorch's file format both ways, safety, atomicity."""
import collections
import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import ember
from ember import serialization

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="needs torch")


def _sample():
    return {
        "w": ember.arange(6.0).reshape(2, 3)[:, 1:],          # a non-contiguous view
        "i": ember.tensor([1, -2, 3]), "h": ember.tensor([1.5], dtype=ember.float16),
        "d": ember.tensor([[0.25]], dtype=ember.float64), "b": ember.tensor([True, False]),
        "u": ember.tensor([7], dtype=ember.uint8), "z": ember.tensor(2.0),
        "e": ember.zeros(0, 3), "p": ember.nn.Parameter(ember.ones(2)),
        "nested": [1, 2.5, "s", None, True, (3, {"k": ember.ones(1)})],
        "size": ember.Size([2, 3]), "dtype": ember.float64,
    }


def _same(a, b):
    if isinstance(a, ember.Tensor) or (torch is not None and isinstance(a, torch.Tensor)):
        assert str(a.dtype) == str(b.dtype) and tuple(a.shape) == tuple(b.shape)
        np.testing.assert_array_equal(np.asarray(a.detach()), np.asarray(b.detach()))
        assert a.requires_grad == b.requires_grad
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple)) and not type(a).__name__ == "Size":
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert repr(a) == repr(b)


def test_round_trip_path_and_file_object(tmp_path):
    obj = _sample()
    ember.save(obj, tmp_path / "ckpt.pt")
    _same(obj, ember.load(tmp_path / "ckpt.pt"))
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    back = ember.load(buf)
    _same(obj, back)
    assert isinstance(back["p"], ember.nn.Parameter)


def test_shared_tensors_stay_shared(tmp_path):
    t = ember.ones(3)
    ember.save({"a": t, "b": t}, tmp_path / "s.pt")
    back = ember.load(tmp_path / "s.pt")
    back["a"].add_(1)
    assert back["b"].tolist() == [2.0, 2.0, 2.0]


@needs_torch
def test_torch_reads_ember_files(tmp_path):
    obj = _sample()
    ember.save(obj, tmp_path / "e.pt")
    back = torch.load(tmp_path / "e.pt", weights_only=True)
    _same(obj, back)
    assert isinstance(back["p"], torch.nn.Parameter)


@needs_torch
def test_ember_reads_torch_files(tmp_path):
    obj = {"w": torch.arange(6.0).reshape(2, 3)[:, 1:], "i": torch.tensor([1, 2]),
           "p": torch.nn.Parameter(torch.ones(2)),
           "sd": torch.nn.Linear(3, 2).state_dict(),
           "opt": {"state": {0: {"step": torch.tensor(3.0)}},
                   "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0]}]},
           "h": torch.tensor([2.5], dtype=torch.float16), "size": torch.Size([4])}
    torch.save(obj, tmp_path / "t.pt")
    back = ember.load(tmp_path / "t.pt")
    _same(obj, back)
    assert isinstance(back["sd"], collections.OrderedDict)


def _malicious_archive(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path}/pwned",))
    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("evil/data.pkl", pickle.dumps({"x": Evil()}, protocol=2))
        zf.writestr("evil/version", "3\n")
    return path


def test_load_never_executes_code(tmp_path):
    path = _malicious_archive(tmp_path)
    # PyTorch's weights_only message, naming what to allow-list
    with pytest.raises(pickle.UnpicklingError, match=r"GLOBAL posix.system was not an allowed "
                       r"global by default. Please use `torch.serialization.add_safe_globals"):
        ember.load(path)
    with pytest.raises(pickle.UnpicklingError):
        ember.load(path, weights_only=True)
    assert not (tmp_path / "pwned").exists()


def test_truncated_and_corrupt_files_give_clear_errors(tmp_path):
    ember.save({"w": ember.ones(100)}, tmp_path / "ok.pt")
    data = (tmp_path / "ok.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match="truncated or corrupt"):
        ember.load(tmp_path / "cut.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint at all")
    with pytest.raises(RuntimeError, match="not a PyTorch/ember checkpoint"):
        ember.load(tmp_path / "junk.pt")


def test_bad_tensor_geometry_is_rejected(tmp_path):
    stype = serialization._StorageType(np.float32)
    with pytest.raises(RuntimeError, match="corrupt checkpoint"):
        serialization._rebuild_tensor_v2(np.zeros(4, np.float32), 0, (10,), (1,))
    with pytest.raises(RuntimeError, match="corrupt checkpoint"):
        serialization._rebuild_tensor_v2(np.zeros(4, np.float32), 0, (2,), (-1,))
    assert stype.dtype == np.float32


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    ember.save({"v": ember.tensor([1.0])}, path)
    before = path.read_bytes()

    def crash(out, *args):
        out.write(b"partial")
        raise KeyboardInterrupt("power cut")
    monkeypatch.setattr(serialization, "_write_archive", crash)
    with pytest.raises(KeyboardInterrupt):
        ember.save({"v": ember.tensor([2.0])}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]
    assert ember.load(path)["v"].tolist() == [1.0]


def test_storage_records_are_64_byte_aligned(tmp_path):
    ember.save({"a": ember.ones(3), "b": ember.ones(5, dtype=ember.float64)}, tmp_path / "a.pt")
    with zipfile.ZipFile(tmp_path / "a.pt") as zf, open(tmp_path / "a.pt", "rb") as f:
        for info in zf.infolist():
            if "/data/" in info.filename:
                f.seek(info.header_offset + 26)
                n, m = np.frombuffer(f.read(4), np.uint16)
                assert (info.header_offset + 30 + n + m) % 64 == 0
