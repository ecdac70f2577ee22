"""``embedding_bag``: sums, means or maxima of bags of embedding rows, without materialising
the rows of every bag as a separate tensor.

The bags are contiguous segments of the flat index list (``offsets`` give their starts), so
their sums are one ``np.add.reduceat`` and the backward is a scatter-add of each bag's
gradient into the rows it used (``_scatter_rows``, an array/tensor dispatcher so the one
formula also runs under ``create_graph``).
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record

__all__ = ["embedding_bag"]

_wrap = Tensor._wrap
_MODES = {"sum": 0, "mean": 1, "max": 2}


def _scatter_rows(values, index: tuple, shape: tuple):
    """Zeros of ``shape`` with ``values`` added at ``index`` (an array or a tensor)."""
    if anp.is_array(values):
        out = np.zeros(shape, values.dtype)
        np.add.at(out, index, values)
        return out
    from .indexing import index_put_zeros
    return index_put_zeros(values, shape, index, True)


def _bags(idx: np.ndarray, offsets: np.ndarray | None, include_last_offset: bool):
    """Flat indices, the bag of each, and the bag count."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found "
                             f"offsets of type {type(offsets).__name__}")
        n_bags, length = idx.shape
        return idx.reshape(-1), np.repeat(np.arange(n_bags), length), n_bags, idx.size
    if idx.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{idx.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    starts = offsets[:-1] if include_last_offset else offsets
    n_bags = starts.size
    if n_bags and starts[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the "
                           f"mini-batch has to start from position 0. However, got "
                           f"{starts[0]}")
    if n_bags and starts[-1] > idx.size:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length "
                           f"({idx.size}), but got offsets[-1] of {starts[-1]}")
    bag = np.searchsorted(starts, np.arange(idx.size), side="right") - 1
    # with include_last_offset, indices past the last offset belong to no bag
    end = int(offsets[-1]) if include_last_offset and offsets.size else idx.size
    return idx, bag, n_bags, end


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """The sum, mean or max of the embedding rows of each bag; bags are the rows of a 2-D
    ``input`` or the segments of a 1-D one starting at ``offsets``. ``per_sample_weights``
    scale the rows (``mode='sum'`` only); ``padding_idx`` entries are left out."""
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            f"GitHub.")
    if max_norm is not None:
        from ..nn.functional import _embedding_renorm
        _embedding_renorm(weight, input._data.reshape(-1), max_norm, norm_type)
    wd = weight._data
    num, dim = wd.shape
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num
    psw = None if per_sample_weights is None else per_sample_weights._data.reshape(-1)
    if per_sample_weights is not None and psw.size != input._data.size:
        raise ValueError(f"per_sample_weights.shape[0] {psw.size} and input.shape[0] "
                         f"{input._data.size} must be the same")
    idx, bag, n_bags, end = _bags(input._data, None if offsets is None else offsets._data,
                             include_last_offset)
    bad = np.flatnonzero((idx < 0) | (idx >= num))
    if bad.size:
        raise RuntimeError(f"Index {bad[0]} of input takes value {idx[bad[0]]} which is not "
                           f"in the valid range [0, {num})")
    keep = np.ones(idx.size, bool) if padding_idx is None else idx != padding_idx
    keep[end:] = False
    counts = np.bincount(bag[keep], minlength=n_bags)
    rows = wd[idx]
    out = np.zeros((n_bags, dim), wd.dtype)
    arg = None
    if mode == "max":
        rows = np.where(keep[:, None], rows, -np.inf)
        out = np.full((n_bags, dim), -np.inf, wd.dtype)
        np.maximum.at(out, bag, rows)
        # the first position of each bag's maximum, per feature (its gradient goes there)
        pos = np.where(rows == out[bag], np.arange(idx.size)[:, None], idx.size)
        first = np.full((n_bags, dim), idx.size)
        np.minimum.at(first, bag, pos)
        out[counts == 0] = 0
        arg = first
    else:
        scale = keep.astype(wd.dtype)
        if psw is not None:
            scale = scale * psw
        if mode == "mean":
            scale = scale / np.maximum(counts, 1)[bag].astype(wd.dtype)
        np.add.at(out, bag, rows * scale[:, None])
    inputs = (weight,) if per_sample_weights is None else (weight, per_sample_weights)
    if STATE.enabled and any(t._rg for t in inputs):
        node = EmbeddingBagBackward0()
        node.mode = mode
        node.idx, node.bag, node.keep, node.counts, node.arg = idx, bag, keep, counts, arg
        node.num_weights = num
        node.dtype = wd.dtype
        node.freq = scale_grad_by_freq and mode != "max"
        res = record(node, out, inputs)
        node.save(weight, per_sample_weights)
        return res
    return _wrap(out)


class EmbeddingBagBackward0(Node):
    __slots__ = ("mode", "idx", "bag", "keep", "counts", "arg", "num_weights", "dtype",
                 "freq")
    _saved_names = ("weight", "per_sample_weights")

    def backward(self, grad):
        weight, psw = self.saved()
        idx, bag, keep = self.idx, self.bag, self.keep
        shape = (self.num_weights, grad.shape[-1])
        if self.mode == "max":
            used = self.arg < idx.size             # empty bags send nothing back
            b, f = np.nonzero(used)
            rows = idx[self.arg[b, f]]
            return (_scatter_rows(grad[b, f], (rows, f), shape), None)
        scale = keep.astype(self.dtype)
        if self.mode == "mean":
            scale = scale / np.maximum(self.counts, 1)[bag].astype(self.dtype)
        g_scale = scale
        if self.freq:        # each row's gradient divided by how often its index occurs
            scale = scale / np.bincount(idx, minlength=self.num_weights)[idx].astype(self.dtype)
        if not anp.is_array(grad):
            scale, g_scale = _wrap(scale), _wrap(g_scale)
        g_rows = grad[bag]
        g_psw = None
        if psw is not None:
            g_psw = anp.sum(g_rows * weight[idx], -1) * g_scale
            g_rows = g_rows * anp.unsqueeze(psw, 1)
        g_weight = _scatter_rows(g_rows * anp.unsqueeze(scale, 1), (idx,), shape)
        return (g_weight, g_psw)
