"""TensorBoard event files through the ``tensorboard`` package's own writer and protos."""
from __future__ import annotations

import os
import socket
import time
from datetime import datetime

import numpy as np

__all__ = ["SummaryWriter"]


def _tb():
    """The tensorboard modules the writer needs (PyTorch's ImportError without them)."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2
        from tensorboard.compat.proto import tensor_shape_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError:
        raise ImportError("TensorBoard logging requires TensorBoard version 1.15 or above") \
            from None
    return event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, EventFileWriter


def _value(x) -> float:
    return float(x.item() if hasattr(x, "item") else x)


def _array(values) -> np.ndarray:
    if hasattr(values, "detach"):
        values = values.detach().numpy()
    return np.asarray(values, dtype=np.float64)


class SummaryWriter:
    """Writes events for TensorBoard into ``log_dir`` (default ``runs/<date>_<host><comment>``
    as PyTorch names it)."""

    def __init__(self, log_dir: str | None = None, comment: str = "", purge_step=None,
                 max_queue: int = 10, flush_secs: int = 120, filename_suffix: str = "") -> None:
        event_pb2, summary_pb2, tensor_pb2, shape_pb2, writer_cls = _tb()
        self._event, self._summary = event_pb2, summary_pb2
        self._tensor, self._shape = tensor_pb2, shape_pb2
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = str(log_dir)
        self.purge_step = purge_step
        self.max_queue, self.flush_secs = max_queue, flush_secs
        self.filename_suffix = filename_suffix
        self._writer = writer_cls(log_dir, max_queue, flush_secs, filename_suffix)
        self._children = {}

    def get_logdir(self) -> str:
        return self.log_dir

    def _add(self, summary, global_step, walltime) -> None:
        event = self._event.Event(summary=summary,
                                  wall_time=time.time() if walltime is None else walltime)
        if global_step is not None:
            event.step = int(global_step)
        self._writer.add_event(event)

    def add_scalar(self, tag: str, scalar_value, global_step=None, walltime=None,
                   new_style: bool = False, double_precision: bool = False) -> None:
        """One value of the curve ``tag`` at step ``global_step``."""
        value = self._summary.Summary.Value(tag=tag, simple_value=_value(scalar_value))
        self._add(self._summary.Summary(value=[value]), global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict, global_step=None,
                    walltime=None) -> None:
        """Several curves in one chart: each goes to its own run ``<log_dir>/<main_tag>_<tag>``
        under the tag ``main_tag``, as PyTorch lays them out."""
        walltime = time.time() if walltime is None else walltime
        for tag, value in tag_scalar_dict.items():
            path = self.log_dir + "/" + main_tag.replace("/", "_") + "_" + tag
            child = self._children.get(path)
            if child is None:
                child = self._children[path] = SummaryWriter(path, max_queue=self.max_queue,
                                                             flush_secs=self.flush_secs)
            child.add_scalar(main_tag, value, global_step, walltime)

    def add_histogram(self, tag: str, values, global_step=None, bins="tensorflow",
                      walltime=None, max_bins=None) -> None:
        """The distribution of ``values`` (NumPy's bin edges for a string ``bins``)."""
        v = _array(values).reshape(-1)
        if v.size == 0:
            raise ValueError("The input has no element.")
        edges = "auto" if bins == "tensorflow" else bins
        counts, limits = np.histogram(v, bins=edges)
        histo = self._summary.HistogramProto(
            min=float(v.min()), max=float(v.max()), num=int(v.size), sum=float(v.sum()),
            sum_squares=float((v * v).sum()), bucket_limit=[float(x) for x in limits[1:]],
            bucket=[float(c) for c in counts])
        value = self._summary.Summary.Value(tag=tag, histo=histo)
        self._add(self._summary.Summary(value=[value]), global_step, walltime)

    def add_text(self, tag: str, text_string: str, global_step=None, walltime=None) -> None:
        """A markdown note shown in TensorBoard's text tab."""
        from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData
        meta = self._summary.SummaryMetadata(plugin_data=self._summary.SummaryMetadata.PluginData(
            plugin_name="text", content=TextPluginData(version=0).SerializeToString()))
        shape = self._shape.TensorShapeProto(dim=[self._shape.TensorShapeProto.Dim(size=1)])
        tensor = self._tensor.TensorProto(dtype="DT_STRING",
                                          string_val=[text_string.encode("utf-8")],
                                          tensor_shape=shape)
        value = self._summary.Summary.Value(tag=tag + "/text_summary", metadata=meta,
                                            tensor=tensor)
        self._add(self._summary.Summary(value=[value]), global_step, walltime)

    def flush(self) -> None:
        self._writer.flush()
        for child in self._children.values():
            child.flush()

    def close(self) -> None:
        self._writer.close()
        for child in self._children.values():
            child.close()
        self._children = {}

    def __enter__(self) -> "SummaryWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
