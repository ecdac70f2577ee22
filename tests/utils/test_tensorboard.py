"""SummaryWriter: the events ember writes read back as the ones PyTorch's writer writes."""
from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa


def _write(lib, log_dir):
    from importlib import import_module
    writer_cls = import_module(lib.__name__ + ".utils.tensorboard").SummaryWriter
    with writer_cls(log_dir) as w:
        for step in range(3):
            w.add_scalar("loss/train", lib.tensor(1.5 / (step + 1)), step)
            w.add_scalar("lr", 0.1 * step, global_step=step)
        w.add_scalars("acc", {"train": 0.5, "val": 0.25}, 7)
        w.add_text("note", "hello *ember*", 2)
        w.add_histogram("weights", lib.tensor(np.linspace(-1, 1, 50)), 1)


def _read(path):
    acc = EventAccumulator(str(path))
    acc.Reload()
    tags = acc.Tags()
    scalars = {t: [(e.step, e.value) for e in acc.Scalars(t)] for t in tags["scalars"]}
    histos = {t: [(e.step, e.histogram_value.num, e.histogram_value.sum)
                  for e in acc.Histograms(t)] for t in tags["histograms"]}
    texts = {t: [(e.step, e.tensor_proto.string_val) for e in acc.Tensors(t)]
             for t in tags["tensors"]}
    return scalars, histos, texts


def test_events_read_back_as_pytorch_writes_them(tmp_path):
    _write(torch, tmp_path / "torch")
    _write(ember, tmp_path / "ember")
    assert _read(tmp_path / "ember") == _read(tmp_path / "torch")
    for sub in ("acc_train", "acc_val"):
        assert _read(tmp_path / "ember" / sub) == _read(tmp_path / "torch" / sub)


def test_default_log_dir_and_context(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from ember.utils.tensorboard import SummaryWriter
    w = SummaryWriter(comment="_x")
    assert w.get_logdir().startswith("runs") and w.get_logdir().endswith("_x")
    w.close()


def test_needs_tensorboard_only_when_a_writer_is_made(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "tensorboard.summary.writer.event_file_writer", None)
    from ember.utils.tensorboard import SummaryWriter    # importing needs nothing
    with pytest.raises(ImportError, match="TensorBoard logging requires TensorBoard"):
        SummaryWriter("unused")
