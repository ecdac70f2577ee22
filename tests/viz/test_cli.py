"""``ember run --graph OUT_DIR [--graph-every N] script.py``: the script runs unchanged
(same output as under PyTorch) and the graphs of the chosen backward() calls are written."""
import contextlib
import io
import pathlib
import runpy
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import torch  # noqa: F401  (the script's "import torch" gets PyTorch)

import ember
from ember.viz.cli import graph_options

SCRIPT = '''import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 2)
y = x.sum(dim=1, keepdim=True)
for step in range(5):
    loss = nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    if step < 4:
        loss.backward()
    else:
        torch.autograd.backward([loss])
    opt.step()
    print(f"step {step} loss {loss.item():.6f}")
'''


def _python(args, cwd):
    out = subprocess.run([sys.executable] + args, capture_output=True, text=True, cwd=cwd,
                         timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return out


def test_run_with_graph_writes_the_chosen_calls(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    root = str(pathlib.Path(ember.__file__).parent.parent)
    plain = io.StringIO()
    with contextlib.redirect_stdout(plain):          # real PyTorch, in this process
        runpy.run_path(str(script), run_name="__main__")
    drawn = _python(["-m", "ember", "run", "--graph", str(tmp_path / "out"), "--graph-every",
                     "2", str(script)], cwd=root)
    assert drawn.stdout == plain.getvalue()
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [f"backward_000{k}.{s}" for k in (1, 3, 5) for s in ("html", "svg")]
    svg = (tmp_path / "out" / "backward_0001.svg").read_text()
    labels = {el.get("data-label") for el in ET.fromstring(svg).iter()
              if el.get("data-label")}
    assert labels == {"loss", "model.0", "model.2"}     # the two Linear layers, collapsed
    html = (tmp_path / "out" / "backward_0003.html").read_text()
    assert "model.0.weight" in html and "MseLossBackward0" in html
    assert "backward() call 1 written to" in drawn.stderr
    assert "MseLossBackward0" in (tmp_path / "out" / "backward_0005.html").read_text()


def test_graph_options_parsing():
    assert graph_options(["a.py", "--graph", "x"]) == (["a.py", "--graph", "x"], None)
    rest, opts = graph_options(["--graph=out", "--other", "a.py", "1"])
    assert rest == ["--other", "a.py", "1"] and opts.out_dir == "out" and opts.every == 0
    assert [opts.wanted(k) for k in (1, 2, 3)] == [True, False, False]
    rest, opts = graph_options(["--graph-every", "3", "--graph", "o", "s.py"])
    assert rest == ["s.py"] and [k for k in range(1, 11) if opts.wanted(k)] == [1, 4, 7, 10]
    for bad in (["--graph-every", "0", "--graph", "o", "s.py"], ["--graph-every", "2", "s.py"],
                ["--graph-every", "two", "--graph", "o", "s.py"], ["--graph"]):
        with pytest.raises(SystemExit):
            graph_options(bad)
