"""The array namespace backward formulas are written against (in the spirit of HIPS
autograd's ``autograd.numpy``).

A node's ``backward`` is written once. In an ordinary backward pass its gradient and saved
values are NumPy arrays (or NumPy scalars for 0-d values) and each function here is the NumPy
call; under ``create_graph=True`` they are ember tensors and each function is the ember op,
so the formula itself records a differentiable graph. Python operators (``+ - * / ** @``,
comparisons, ``.T``, ``.shape``, indexing) are already polymorphic and need no entry here.

The NumPy branches keep ember's dtype rules for the values formulas meet (a float16 sum
accumulates in float32, as the tensor op does). Add a function here when a formula needs one:
a NumPy branch and the tensor branch calling the ember op of the same meaning.
"""
from __future__ import annotations

import numpy as np

__all__ = ["is_array", "constant", "where", "exp", "log", "log1p", "sqrt", "sign", "abs",
           "tanh", "sigmoid", "clamp_min", "sum", "mean", "sum_to", "expand", "unsqueeze",
           "transpose", "cat", "zeros", "zeros_like", "ones_like", "maximum", "minimum", "as_dtype_of"]

_ARRAY = (np.ndarray, np.generic)


def is_array(x) -> bool:
    """True for NumPy values (an ordinary backward), False for tensors (create_graph)."""
    return isinstance(x, _ARRAY)


def constant(a: np.ndarray, like):
    """A NumPy array the formula uses as a constant, in ``like``'s form and dtype: the array
    itself (cast) in an ordinary backward, a tensor that needs no grad under create_graph."""
    if isinstance(like, _ARRAY):
        return a if a.dtype == like.dtype else a.astype(like.dtype)
    return like._wrap(a.astype(like._data.dtype, copy=False))


def where(cond, a, b):
    """``a`` where ``cond`` holds, else ``b`` (either may be a Python number)."""
    if isinstance(cond, _ARRAY):
        r = np.where(cond, a, b)
        # np.where of an array and a Python number keeps the array's dtype (NEP 50), as the
        # ember op does; of two numbers it would give float64, never needed by a formula
        return r
    if hasattr(a, "where"):
        return a.where(cond, b)
    return b.where(~cond, a)


def exp(x):
    return np.exp(x) if isinstance(x, _ARRAY) else x.exp()


def log(x):
    return np.log(x) if isinstance(x, _ARRAY) else x.log()


def log1p(x):
    return np.log1p(x) if isinstance(x, _ARRAY) else x.log1p()


def sqrt(x):
    return np.sqrt(x) if isinstance(x, _ARRAY) else x.sqrt()


def sign(x):
    return np.sign(x) if isinstance(x, _ARRAY) else x.sign()


def abs(x):  # noqa: A001 - the namespace mirrors NumPy's names
    return np.abs(x) if isinstance(x, _ARRAY) else x.abs()


def tanh(x):
    return np.tanh(x) if isinstance(x, _ARRAY) else x.tanh()


def sigmoid(x):
    if isinstance(x, _ARRAY):
        # exp of -|x| only, so no overflow for large negative x
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
    return x.sigmoid()


def clamp_min(x, m: float):
    """``max(x, m)`` for a number ``m``."""
    return np.maximum(x, m) if isinstance(x, _ARRAY) else x.clamp(min=m)


def sum(x, dim=None, keepdim: bool = False):  # noqa: A001
    """Sum over ``dim`` (an int, a tuple, or None for all)."""
    if isinstance(x, _ARRAY):
        if x.dtype == np.float16:
            return np.sum(x, axis=dim, dtype=np.float32, keepdims=keepdim).astype(np.float16)
        return np.sum(x, axis=dim, keepdims=keepdim)
    if dim is None:
        return x.sum()
    return x.sum(dim, keepdim=keepdim)


def mean(x, dim, keepdim: bool = False):
    """Mean over ``dim`` (an int or a tuple); float16 accumulates in float32 as in ember."""
    if isinstance(x, _ARRAY):
        return x.mean(dim, keepdims=keepdim)
    return x.mean(dim, keepdim=keepdim)


def sum_to(x, shape: tuple):
    """Sum a broadcast value back to ``shape`` (what the engine does for returned grads)."""
    if tuple(x.shape) == tuple(shape):
        return x
    lead = len(x.shape) - len(shape)
    dims = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and x.shape[i + lead] != 1)
    r = sum(x, dims, keepdim=True)
    return r.reshape(tuple(shape))


def expand(x, shape: tuple):
    """A broadcast view of ``x`` with ``shape``."""
    if isinstance(x, _ARRAY):
        return np.broadcast_to(x, shape)
    return x.expand(*shape)


def unsqueeze(x, dim: int):
    if isinstance(x, _ARRAY):
        return np.expand_dims(x, dim)
    return x.unsqueeze(dim)


def transpose(x, dim0: int, dim1: int):
    if isinstance(x, _ARRAY):
        return np.swapaxes(x, dim0, dim1)
    return x.transpose(dim0, dim1)


def cat(xs: list, dim: int):
    """Concatenate along ``dim``."""
    if isinstance(xs[0], _ARRAY):
        return np.concatenate(xs, axis=dim)
    from ..ops.shape import cat as _cat   # ops import this module: resolved at call time
    return _cat(xs, dim)


def zeros(shape: tuple, dtype: np.dtype, like):
    """Zeros of ``shape`` and NumPy ``dtype``, in ``like``'s form (array or tensor)."""
    z = np.zeros(shape, dtype)
    return z if isinstance(like, _ARRAY) else like._wrap(z)


def zeros_like(x):
    return np.zeros_like(x) if isinstance(x, _ARRAY) else x.new_zeros(x.shape)


def ones_like(x):
    return np.ones_like(x) if isinstance(x, _ARRAY) else x.new_ones(x.shape)


def maximum(a, b):
    return np.maximum(a, b) if isinstance(a, _ARRAY) else a.maximum(b)


def minimum(a, b):
    return np.minimum(a, b) if isinstance(a, _ARRAY) else a.minimum(b)


def as_dtype_of(x, like):
    """``x`` in ``like``'s dtype (a formula's intermediate kept in the gradient's dtype)."""
    if isinstance(x, _ARRAY):
        return x if x.dtype == like.dtype else x.astype(like.dtype)
    return x if x.dtype == like.dtype else x.to(like.dtype)
