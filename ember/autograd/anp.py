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

__all__ = ["is_array", "where", "exp", "exp2", "log", "sqrt", "rsqrt", "reciprocal", "pow",
           "div", "sign", "sgn", "abs", "conj", "real", "sin", "cos", "sinh", "cosh", "tanh",
           "sigmoid", "isfinite", "isnan", "isinf", "sum", "sum_to", "expand", "unsqueeze",
           "transpose", "zeros_like", "ones_like", "full_like", "maximum", "minimum", "as_dtype_of"]

_ARRAY = (np.ndarray, np.generic)


def is_array(x) -> bool:
    """True for NumPy values (an ordinary backward), False for tensors (create_graph)."""
    return isinstance(x, _ARRAY)


def where(cond, a, b):
    """``a`` where ``cond`` holds, else ``b`` (either may be a Python number)."""
    if isinstance(cond, _ARRAY):
        # np.where of an array and a Python number keeps the array's dtype (NEP 50), as the
        # ember op does; of two numbers it would give float64, never needed by a formula
        if b.__class__ in _NUMBERS and b == 0 and isinstance(a, _ARRAY):
            return _select(cond, a, True)
        if a.__class__ in _NUMBERS and a == 0 and isinstance(b, _ARRAY):
            return _select(cond, b, False)
        return np.where(cond, a, b)
    if hasattr(a, "where"):
        return a.where(cond, b)
    return b.where(~cond, a)


_NUMBERS = (int, float)
_BITS = {np.dtype(np.float16): np.int16, np.dtype(np.float32): np.int32,
         np.dtype(np.float64): np.int64}


def _select(cond, g, keep: bool):
    """``where(cond, g, 0)`` (``keep``) or ``where(cond, 0, g)``, fast for float values.

    np.where is ~10x slower on a scattered mask (a ReLU's) than this branch-free form: the
    mask as all-ones or all-zeros bit patterns, ANDed with the values' bits, gives exactly
    where's result (+0.0 where dropped; NaN, inf and -0.0 kept where kept)."""
    if not g.ndim and not cond.ndim:    # 0-d values (a scalar graph's): no ufunc at all
        zero = g.dtype.type(0)
        return (g if cond else zero) if keep else (zero if cond else g)
    bits = _BITS.get(g.dtype)
    if bits is not None and cond.__class__ is np.ndarray and cond.shape == g.shape:
        m = cond.astype(bits)
        if keep:
            np.negative(m, out=m)        # 1 -> all bits set
        else:
            m -= 1                       # 0 -> all bits set
        m &= g.view(bits)
        return m.view(g.dtype)
    return np.where(cond, g, 0) if keep else np.where(cond, 0, g)


def exp(x):
    return np.exp(x) if isinstance(x, _ARRAY) else x.exp()


def log(x):
    return np.log(x) if isinstance(x, _ARRAY) else x.log()


def sqrt(x):
    return np.sqrt(x) if isinstance(x, _ARRAY) else x.sqrt()


def exp2(x):
    return np.exp2(x) if isinstance(x, _ARRAY) else x.exp2()


def rsqrt(x):
    return np.reciprocal(np.sqrt(x)) if isinstance(x, _ARRAY) else x.rsqrt()


def reciprocal(x):
    """``1 / x``. (A Python number divided by a tensor is ``reciprocal(t) * number`` in ember
    and PyTorch, which NumPy's ``number / array`` does not round alike: write it so.)"""
    return np.reciprocal(x) if isinstance(x, _ARRAY) else x.reciprocal()


def pow(x, e):  # noqa: A001
    """``x ** e`` as the ember op computes it: ``x * x`` for 2, complex powers as
    ``exp(e log x)``; ``e`` a number or a value of x's kind."""
    if not isinstance(x, _ARRAY):
        return x.pow(e)
    if e.__class__ in _NUMBERS and e == 2:
        return x * x
    if x.dtype.kind == "c" or np.iscomplexobj(e):
        return np.exp(e * np.log(x)).astype(np.result_type(x, e), copy=False)
    return np.power(x, e)


def div(a, b, rounding_mode=None):
    """``a / b``, or rounded with ``rounding_mode`` 'trunc' or 'floor' (float operands)."""
    if not isinstance(a, _ARRAY):
        return a.div(b, rounding_mode=rounding_mode)
    if rounding_mode is None:
        return np.true_divide(a, b)
    if rounding_mode == "floor":
        return np.floor_divide(a, b)
    return np.trunc(np.true_divide(a, b))


def sign(x):
    if isinstance(x, _ARRAY):
        if x.dtype.kind == "f":        # 0 for NaN, as the ember op (np.sign gives NaN)
            return (x > 0).astype(x.dtype) - (x < 0)
        return np.sign(x)
    return x.sign()


def sgn(x):
    """``sign`` for real values; ``x / |x|`` (0 at 0) for complex ones."""
    if not isinstance(x, _ARRAY):
        return x.sgn()
    if x.dtype.kind != "c":
        return sign(x)
    a = np.abs(x)
    return np.where(a == 0, 0, x / np.where(a == 0, 1, a)).astype(x.dtype)


def abs(x):  # noqa: A001 - the namespace mirrors NumPy's names
    return np.abs(x) if isinstance(x, _ARRAY) else x.abs()


def conj(x):
    """The complex conjugate (a real value itself, as the ember op)."""
    if isinstance(x, _ARRAY):
        return np.conj(x) if x.dtype.kind == "c" else x
    return x.conj()


def real(x):
    """The real part. (On a tensor: as a complex tensor with zero imaginary part, which
    ``(x + conj(x)) / 2`` gives exactly and differentiably; the arithmetic it meets is that of
    the real part.)"""
    if isinstance(x, _ARRAY):
        return x.real
    return (x + x.conj()) / 2


def sin(x):
    return np.sin(x) if isinstance(x, _ARRAY) else x.sin()


def cos(x):
    return np.cos(x) if isinstance(x, _ARRAY) else x.cos()


def sinh(x):
    return np.sinh(x) if isinstance(x, _ARRAY) else x.sinh()


def cosh(x):
    return np.cosh(x) if isinstance(x, _ARRAY) else x.cosh()


def tanh(x):
    return np.tanh(x) if isinstance(x, _ARRAY) else x.tanh()


def sigmoid(x):
    if isinstance(x, _ARRAY):
        # float32 stays float32: 1 / (1 + exp(-x)) with a weak Python 1
        return 1 / (1 + np.exp(-x))
    return x.sigmoid()


def isfinite(x):
    return np.isfinite(x) if isinstance(x, _ARRAY) else x.isfinite()


def isnan(x):
    return np.isnan(x) if isinstance(x, _ARRAY) else x.isnan()


def isinf(x):
    return np.isinf(x) if isinstance(x, _ARRAY) else x.isinf()


def sum(x, dim=None, keepdim: bool = False):  # noqa: A001
    """Sum over ``dim`` (an int, a tuple, or None for all)."""
    if isinstance(x, _ARRAY):
        if x.dtype == np.float16:
            return np.sum(x, axis=dim, dtype=np.float32, keepdims=keepdim).astype(np.float16)
        return np.sum(x, axis=dim, keepdims=keepdim)
    if dim is None:
        return x.sum()
    return x.sum(dim, keepdim=keepdim)


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


def zeros_like(x):
    return np.zeros_like(x) if isinstance(x, _ARRAY) else x.new_zeros(x.shape)


def ones_like(x):
    return np.ones_like(x) if isinstance(x, _ARRAY) else x.new_ones(x.shape)


def full_like(x, value):
    """A constant like ``x`` (its shape and dtype) filled with the number ``value``."""
    return np.full_like(x, value) if isinstance(x, _ARRAY) else x.new_full(x.shape, value)


def maximum(a, b):
    return np.maximum(a, b) if isinstance(a, _ARRAY) else a.maximum(b)


def minimum(a, b):
    return np.minimum(a, b) if isinstance(a, _ARRAY) else a.minimum(b)


def as_dtype_of(x, like):
    """``x`` in ``like``'s dtype (a formula's intermediate kept in the gradient's dtype)."""
    if isinstance(x, _ARRAY):
        return x if x.dtype == like.dtype else x.astype(like.dtype)
    return x if x.dtype == like.dtype else x.to(like.dtype)
