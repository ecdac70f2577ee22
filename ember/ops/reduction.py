"""Reductions over all elements or over dims (``dim`` int or tuple, negative allowed)."""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record1
from ._util import wrap_dims

_wrap = Tensor._wrap


def _expand_back(grad: Tensor, shape: tuple, dims, keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the reduced dims."""
    if dims is not None and not keepdim:
        for d in dims:
            grad = grad.unsqueeze(d)
    return grad.expand(shape)


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum of all elements, or over ``dim``; integers and bools sum as int64."""
    d = input._data
    if dtype is not None:
        d = d.astype(dtype.np)
    elif d.dtype.kind in "bi" and d.dtype != np.int64 or d.dtype.kind == "u":
        d = d.astype(np.int64)
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        r = np.sum(d, keepdims=keepdim) if keepdim else np.sum(d)
        dims = None
        node_cls = SumBackward0
    else:
        dims = wrap_dims(dim, d.ndim)
        r = np.sum(d, axis=dims if d.ndim else None, keepdims=keepdim)
        node_cls = SumBackward1
    if STATE.enabled and input._rg:
        node = node_cls()
        node.shape = input._data.shape
        node.dims = dims if d.ndim else None
        node.keepdim = keepdim
        return record1(node, r, input)
    return _wrap(r)


class SumBackward0(Node):
    __slots__ = ("shape", "dims", "keepdim")

    def backward(self, grad):          # every element contributed once
        return _expand_back(grad, self.shape, self.dims, self.keepdim),


class SumBackward1(SumBackward0):
    __slots__ = ()


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Arithmetic mean (floating dtypes only, as in PyTorch)."""
    d = input._data
    if dtype is not None:
        d = d.astype(dtype.np)
    elif d.dtype.kind not in "fc":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           "floating point or complex dtype. Got: "
                           f"{_dtype.from_np(d.dtype)._legacy[:-6]}")
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        r = np.mean(d, keepdims=keepdim) if keepdim else np.mean(d)
        dims = None
        node_cls = MeanBackward0
        n = d.size
    else:
        dims = wrap_dims(dim, d.ndim)
        r = np.mean(d, axis=dims if d.ndim else None, keepdims=keepdim)
        node_cls = MeanBackward1
        n = 1
        for k in dims:
            n *= d.shape[k] if d.ndim else 1
    r = np.asarray(r, dtype=d.dtype)
    if STATE.enabled and input._rg:
        node = node_cls()
        node.shape = input._data.shape
        node.dims = dims if d.ndim else None
        node.keepdim = keepdim
        node.n = n
        return record1(node, r, input)
    return _wrap(r)


class MeanBackward0(Node):
    __slots__ = ("shape", "dims", "keepdim", "n")

    def backward(self, grad):          # each element contributed 1/n
        return _expand_back(grad, self.shape, self.dims, self.keepdim) / self.n,


class MeanBackward1(MeanBackward0):
    __slots__ = ()
