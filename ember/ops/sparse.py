"""Sparse lookups: ``embedding`` (rows of a weight, gradient scattered back) and ``one_hot``."""
from __future__ import annotations

import math
import numpy as np

from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record1
from ._nn_util import _check_tensor, _tname

_wrap = Tensor._wrap


def _embedding_renorm(weight: Tensor, idx: np.ndarray, max_norm: float,
                      norm_type: float) -> None:
    """Scale the looked-up rows of ``weight`` in place so their norm is at most max_norm."""
    w = weight._data
    rows = np.unique(idx)
    sub = w[rows]
    if norm_type == math.inf:
        norms = np.max(np.abs(sub), axis=1)
    else:
        norms = np.sum(np.abs(sub) ** norm_type, axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if np.any(big):
        scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        w[rows[big]] = sub[big] * scale[:, None]
        weight._bump()


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` picked by the integer ``input``."""
    _check_tensor(input, "embedding")
    _check_tensor(weight, "embedding", "weight", 2)
    wd = weight._data
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= wd.shape[0]:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -wd.shape[0]:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = wd.shape[0] + padding_idx
    idx = input._data
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got torch.{_tname(input)}"
                           f"Tensor instead (while checking arguments for embedding)")
    if wd.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if idx.size and (idx.min() < 0 or idx.max() >= wd.shape[0]):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _embedding_renorm(weight, idx, max_norm, norm_type)
    r = np.take(wd, idx, axis=0)
    if STATE.enabled and weight._rg:
        node = EmbeddingBackward0()
        node.indices = idx.copy()
        node.num_weights = wd.shape[0]
        node.padding_idx = -1 if padding_idx is None else padding_idx
        node.scale_grad_by_freq = scale_grad_by_freq
        return record1(node, r, weight)
    return _wrap(r)


class EmbeddingBackward0(Node):
    __slots__ = ("indices", "num_weights", "padding_idx", "scale_grad_by_freq")

    def backward(self, grad):          # scatter-add each row's gradient into its weight row
        idx = self.indices.reshape(-1)
        dim = grad.shape[-1]
        g = grad.reshape((idx.size, dim))
        scale = None
        if self.padding_idx >= 0:
            scale = (idx != self.padding_idx).astype(np.float64)
        if self.scale_grad_by_freq:
            f = 1.0 / np.bincount(idx, minlength=self.num_weights)[idx]
            scale = f if scale is None else scale * f
        if scale is not None:
            g = g * anp.constant(scale[:, None].astype(anp.value(g).dtype), g)
        return _rows_add(g, idx, self.num_weights),


def _rows_add(g, idx: np.ndarray, n: int):
    """An ``(n, dim)`` zero matrix with row ``g[i]`` added into row ``idx[i]`` for each i."""
    if anp.is_array(g):
        out = np.zeros((n, g.shape[1]), g.dtype)
        if idx.size < 64:
            np.add.at(out, idx, g)
            return out
        # np.add.at is slow (~1 ms for 768 rows); adding the first occurrence of every index,
        # then the second, ... adds each row's terms in the same order (PyTorch's, bit for bit)
        # with a few whole-row fancy-index passes
        order = np.argsort(idx, kind="stable")
        si = idx[order]
        new_run = np.empty(si.size, bool)
        new_run[0] = True
        np.not_equal(si[1:], si[:-1], out=new_run[1:])
        starts = np.flatnonzero(new_run)
        rank = np.arange(si.size) - np.repeat(starts, np.diff(np.append(starts, si.size)))
        runs = int(rank.max()) + 1
        if runs > 64:           # an index repeated that often: one pass per repeat costs more
            np.add.at(out, idx, g)
            return out
        for j in range(runs):
            rows = order[rank == j]
            out[idx[rows]] += g[rows]
        return out
    from ..ops.indexing import index_put_zeros
    return index_put_zeros(g, (n, g.shape[1]), (idx,), True)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot vectors along a new last dim (``num_classes=-1``: max + 1)."""
    _check_tensor(tensor, "one_hot", "tensor")
    d = tensor._data
    if d.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if d.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(d.max()) + 1
    if d.size:
        if d.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if d.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    elif num_classes < -1:
        raise RuntimeError("Class values must be smaller than num_classes.")
    if num_classes < 0:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(d.shape + (num_classes,), np.int64)
    np.put_along_axis(out, d[..., None], 1, axis=-1)
    return _wrap(out)
