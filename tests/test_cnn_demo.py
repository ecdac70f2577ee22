"""``ember demo --model cnn`` and the LeNet example run end to end."""
from __future__ import annotations

import subprocess
import sys

import pytest


def _run(args):
    out = subprocess.run([sys.executable] + args, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_cnn_demo_reaches_the_mlps_accuracy_and_reloads(tmp_path):
    pytest.importorskip("sklearn")
    out = _run(["-m", "ember", "demo", "--model", "cnn", "--out", str(tmp_path)])
    assert "-parameter CNN on" in out
    acc = float(out.split("test accuracy: ")[1].split("%")[0])
    assert acc >= 97.0, out
    assert "same" in out and (tmp_path / "digits_cnn.pt").exists()
    assert (tmp_path / "loss_curve.png").stat().st_size > 1000


def test_lenet_example_runs_under_ember_run():
    pytest.importorskip("sklearn")
    out = _run(["-m", "ember", "run", "examples/lenet_digits.py", "1"])
    assert "(conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))" in out
    assert "epoch 1: train loss" in out
