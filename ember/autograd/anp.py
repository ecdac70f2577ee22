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

from .._tensor import Tensor

__all__ = ["is_array", "where", "exp", "exp2", "log", "log1p", "sqrt", "rsqrt", "reciprocal",
           "pow", "div", "sign", "sgn", "abs", "real", "sin", "cos", "sinh", "cosh", "tanh",
           "sigmoid", "clamp_min", "isfinite", "isnan", "isinf", "sum", "sum_to", "expand",
           "unsqueeze", "transpose", "zeros_like", "ones_like", "full_like", "maximum",
           "minimum", "as_dtype_of",
           # shape, indexing, scans and matrix products (ops/shape, indexing, reduction,
           # linalg)
           "astype", "bmm", "cat", "conj", "constant", "cumprod", "cumsum", "diagonal", "flip",
           "gather", "index_add", "index_fill", "index_select", "masked_fill", "mean", "mm",
           "mv", "narrow", "ones", "permute", "reshape", "roll", "rot90", "scatter",
           "scatter_add", "squeeze", "stack", "t", "tril", "triu", "unbind", "value", "zeros",
           # log-space scans (ops/reduction)
           "logcumsumexp", "lowest"]

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
    return recip_array(np.sqrt(x)) if isinstance(x, _ARRAY) else x.rsqrt()


_ONES = {np.dtype(t): t(1) for t in (np.float16, np.float32, np.float64)}


def recip_array(x, out=None):
    """``1 / x`` of a NumPy array or scalar. For real floats as ``np.divide(1, x)``: bit for
    bit np.reciprocal's result (both round the exact quotient once), in half its time
    (NumPy has vector loops for division only)."""
    one = _ONES.get(x.dtype)
    if one is None:
        return np.reciprocal(x, out=out)
    return np.divide(one, x, out=out)


def reciprocal(x):
    """``1 / x``. (A Python number divided by a tensor is ``reciprocal(t) * number`` in ember
    and PyTorch, which NumPy's ``number / array`` does not round alike: write it so.)"""
    return recip_array(x) if isinstance(x, _ARRAY) else x.reciprocal()


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
    return np.sign(x) if isinstance(x, _ARRAY) else x.sign()


def sgn(x):
    """``sign`` for real values; ``x / |x|`` (0 at 0) for complex ones."""
    if not isinstance(x, _ARRAY):
        return x.sgn()
    if x.dtype.kind == "f":            # 0 at NaN, as the ember op (np.sign gives NaN there)
        return (x > 0).astype(x.dtype) - (x < 0)
    if x.dtype.kind != "c":
        return np.sign(x)
    a = np.abs(x)
    return np.where(a == 0, 0, x / np.where(a == 0, 1, a)).astype(x.dtype)


def abs(x):  # noqa: A001 - the namespace mirrors NumPy's names
    return np.abs(x) if isinstance(x, _ARRAY) else x.abs()


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


def log1p(x):
    return np.log1p(x) if isinstance(x, _ARRAY) else x.log1p()


def sigmoid(x):
    if isinstance(x, _ARRAY):
        # ember's sigmoid kernel, so both forms of a formula agree bit for bit: for very
        # negative x the exponential overflows to inf and the result is exactly 0
        with np.errstate(over="ignore"):
            return 1 / (1 + np.exp(-x))
    return x.sigmoid()


def clamp_min(x, m: float):
    """``max(x, m)`` for a number ``m``."""
    return np.maximum(x, m) if isinstance(x, _ARRAY) else x.clamp(min=m)


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
    ones = tuple(i + lead for i, s in enumerate(shape) if s == 1 and x.shape[i + lead] != 1)
    if not ones and isinstance(x, _ARRAY):
        # only leading dims: summed away, a fresh array (not a view of one, which a leaf
        # could not keep as its .grad without a copy)
        return sum(x, tuple(range(lead)))
    r = sum(x, tuple(range(lead)) + ones, keepdim=True)
    return r.reshape(tuple(shape))


def expand(x, shape: tuple):
    """A broadcast view of ``x`` with ``shape`` (read-only for an array)."""
    if isinstance(x, _ARRAY):
        return _broadcast_array(x, shape)
    return x.expand(*shape)


def _broadcast_array(a, shape: tuple) -> np.ndarray:
    # np.broadcast_to builds an iterator per call; for a 0-d value or one of the same rank
    # (the gradient of a sum or mean: the hot case) the strided view is made directly
    if a.__class__ is not np.ndarray:
        a = np.asarray(a)
    n = len(shape)
    if a.ndim == 0:
        strides = (0,) * n
    elif a.ndim == n and a.flags.c_contiguous and all(
            k == m or k == 1 for k, m in zip(a.shape, shape)):
        strides = tuple(0 if k != m else s for k, m, s in zip(a.shape, shape, a.strides))
    else:
        return np.broadcast_to(a, shape)
    r = np.ndarray(shape, a.dtype, a, 0, strides)
    r.flags.writeable = False
    return r


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


# -- shape, indexing, scans and matrix products ---------------------------------------------
# (the formulas of ops/shape.py, indexing.py, reduction.py and linalg.py). ``index`` arguments
# are NumPy integer arrays kept by the node, whichever form the values take.

def astype(x, dtype: np.dtype):
    """``x`` in the NumPy ``dtype`` (no copy when it already is)."""
    if isinstance(x, _ARRAY):
        return x if x.dtype == dtype else x.astype(dtype)
    if x._data.dtype == dtype:
        return x
    from .._dtype import from_np
    return x.to(from_np(dtype))


def bmm(a, b):
    """Batched matrix product of two 3-d values."""
    return np.matmul(a, b) if isinstance(a, _ARRAY) else a.bmm(b)


def matmul(a, b):
    """Matrix product broadcast over the leading dims (``@``)."""
    return np.matmul(a, b) if isinstance(a, _ARRAY) else a.matmul(b)


def cat(xs: list, dim: int):
    if isinstance(xs[0], _ARRAY):
        return np.concatenate(xs, dim)
    from ..ops.shape import cat as _cat
    return _cat(xs, dim)


def conj(x):
    """The complex conjugate (a real value is its own, with no copy)."""
    if isinstance(x, _ARRAY):
        return np.conj(x) if x.dtype.kind == "c" else x
    return x.conj() if x.is_complex() else x


def constant(a: np.ndarray, like):
    """The NumPy array ``a`` in ``like``'s form: itself, or a constant tensor (a mask or an
    identity matrix a formula builds from the data)."""
    if isinstance(like, _ARRAY):
        return a
    return Tensor._wrap(np.asarray(a))


def cumprod(x, dim: int):
    """Running product along ``dim`` (float16 accumulates in float32, as the op does)."""
    if isinstance(x, _ARRAY):
        if x.dtype == np.float16:
            return np.cumprod(x, axis=dim, dtype=np.float32).astype(np.float16)
        return np.cumprod(x, axis=dim)
    return x.cumprod(dim)


def cumsum(x, dim: int):
    """Running sum along ``dim`` (float16 accumulates in float32, as the op does)."""
    if isinstance(x, _ARRAY):
        if x.dtype == np.float16:
            return np.cumsum(x, axis=dim, dtype=np.float32).astype(np.float16)
        return np.cumsum(x, axis=dim)
    return x.cumsum(dim)


def diagonal(x, offset: int, dim1: int, dim2: int):
    if isinstance(x, _ARRAY):
        return np.diagonal(x, offset, dim1, dim2)
    return x.diagonal(offset, dim1, dim2)


def flip(x, dims: tuple):
    return np.flip(x, dims) if isinstance(x, _ARRAY) else x.flip(dims)


def _coords(index: np.ndarray, dim: int) -> tuple:
    # the fancy index addressing, for each element of ``index``, its position with the
    # index's value along ``dim`` (gather/scatter's addressing)
    c = list(np.indices(index.shape, sparse=True))
    c[dim] = index
    return tuple(c)


def gather(x, dim: int, index: np.ndarray):
    """``x`` picked at ``index`` along ``dim`` (``index`` has ``x``'s rank, or both are at
    most 1-d)."""
    if isinstance(x, _ARRAY):
        if x.ndim <= 1 and index.ndim <= 1:
            return np.reshape(x, -1)[index]
        return x[_coords(index, dim)]
    return x.gather(dim, _index_tensor(index))


def index_add(x, dim: int, index: np.ndarray, src):
    """``x`` with the slices of ``src`` added at ``index`` along ``dim`` (repeats add up)."""
    if isinstance(x, _ARRAY):
        out = np.array(x, ndmin=1)     # a copy (a 0-d value as 1-d, as the op)
        s = np.moveaxis(src, dim, 0) if np.ndim(src) else np.reshape(src, 1)
        np.add.at(np.moveaxis(out, dim, 0), index, s)
        return out.reshape(np.shape(x))
    return x.index_add(dim, _index_tensor(index), src)


def index_fill(x, dim: int, index: np.ndarray, value):
    """``x`` with the slices at ``index`` along ``dim`` set to the number ``value``."""
    if isinstance(x, _ARRAY):
        out = np.array(x, ndmin=1)
        np.moveaxis(out, dim, 0)[index] = value
        return out.reshape(np.shape(x))
    return x.index_fill(dim, _index_tensor(index), value)


def index_select(x, dim: int, index: np.ndarray):
    if isinstance(x, _ARRAY):
        if not np.ndim(x):
            return np.reshape(x, 1)[index]
        return np.take(x, index, axis=dim)
    return x.index_select(dim, _index_tensor(index))


def masked_fill(x, mask, value):
    """``x`` with the number ``value`` where the bool ``mask`` holds (a NumPy mask, or one in
    ``x``'s form)."""
    if isinstance(x, _ARRAY):
        if (x.dtype.kind == "f" and isinstance(value, (int, float)) and x.ndim >= mask.ndim
                and np.broadcast_shapes(mask.shape, x.shape) == x.shape):
            # a copy then a masked copy of the scalar: half of np.where's time
            out = np.array(x, order="C")
            np.copyto(out, value, where=mask)
            return out
        return np.where(mask, value, x)
    return x.masked_fill(mask if not isinstance(mask, _ARRAY) else _index_tensor(mask), value)


def mean(x, dim=None, keepdim: bool = False):
    """Mean over ``dim`` (an int, a tuple, or None for all), as ``sum / n`` like the op."""
    if isinstance(x, _ARRAY):
        dims = range(np.ndim(x)) if dim is None else (dim,) if isinstance(dim, int) else dim
        n = 1
        for k in dims:
            n *= x.shape[k]
        acc = np.float32 if x.dtype == np.float16 else x.dtype
        r = np.sum(x, axis=dim, dtype=acc, keepdims=keepdim) / np.asarray(n, acc)
        return r.astype(x.dtype, copy=False)
    if dim is None:
        return x.mean()
    return x.mean(dim, keepdim=keepdim)


def mm(a, b):
    """The product of two matrices (an inner size of 1 as a broadcast product, as the op)."""
    if isinstance(a, _ARRAY):
        return a * b if a.shape[1] == 1 else a @ b
    return a.mm(b)


def mv(a, v):
    """Matrix times vector."""
    return a @ v if isinstance(a, _ARRAY) else a.mv(v)


def narrow(x, dim: int, start: int, length: int):
    """The ``length`` elements from ``start`` along ``dim`` (a view)."""
    if isinstance(x, _ARRAY):
        return x[(slice(None),) * (dim % x.ndim) + (slice(start, start + length),)]
    return x.narrow(dim, start, length)


def ones(shape: tuple, like):
    """Ones of ``shape`` in ``like``'s dtype and form."""
    if isinstance(like, _ARRAY):
        return np.ones(shape, like.dtype)
    return like.new_ones(shape)


def permute(x, dims):
    return np.transpose(x, dims) if isinstance(x, _ARRAY) else x.permute(dims)


def reshape(x, shape: tuple):
    return x.reshape(shape)      # (the same method on arrays and tensors)


def roll(x, shifts, dims):
    return np.roll(x, shifts, dims) if isinstance(x, _ARRAY) else x.roll(shifts, dims)


def rot90(x, k: int, dims):
    return np.rot90(x, k, dims) if isinstance(x, _ARRAY) else x.rot90(k, dims)


def scatter(x, dim: int, index: np.ndarray, src):
    """``x`` with ``src`` (values of ``index``'s shape, or a number) written at ``index``."""
    if isinstance(x, _ARRAY):
        out = np.array(x, ndmin=1)
        if out.ndim == 1 and index.ndim <= 1:
            out[np.reshape(index, -1)] = np.reshape(src, -1) if np.ndim(src) else src
        else:
            out[_coords(index, dim)] = src
        return out.reshape(np.shape(x))
    return x.scatter(dim, _index_tensor(index), src)


def scatter_add(x, dim: int, index: np.ndarray, src):
    """``x`` with ``src`` added at ``index`` along ``dim`` (repeats add up)."""
    if isinstance(x, _ARRAY):
        out = np.array(x, ndmin=1)
        if out.ndim == 1 and index.ndim <= 1:
            np.add.at(out, np.reshape(index, -1), np.reshape(src, -1))
        else:
            np.add.at(out, _coords(index, dim), src)
        return out.reshape(np.shape(x))
    return x.scatter_add(dim, _index_tensor(index), src)


def squeeze(x, dim):
    return np.squeeze(x, dim) if isinstance(x, _ARRAY) else x.squeeze(dim)


def stack(xs: list, dim: int):
    if isinstance(xs[0], _ARRAY):
        return np.stack(xs, dim)
    from ..ops.shape import stack as _stack
    return _stack(xs, dim)


def t(x):
    """The transpose of a matrix (a vector or a number is itself)."""
    return x.T if isinstance(x, _ARRAY) else x.t()


def tril(x, k: int):
    return np.tril(x, k) if isinstance(x, _ARRAY) else x.tril(k)


def triu(x, k: int):
    return np.triu(x, k) if isinstance(x, _ARRAY) else x.triu(k)


def unbind(x, dim: int) -> tuple:
    """The slices along ``dim``, one per index."""
    if isinstance(x, _ARRAY):
        return tuple(np.moveaxis(x, dim, 0))
    return x.unbind(dim)


def value(x) -> np.ndarray:
    """The NumPy value of ``x``, for a decision a formula takes on the data (where the zeros
    are, which branch to take); never part of the differentiated result."""
    return x if isinstance(x, _ARRAY) else x._data


def zeros(shape: tuple, like):
    """Zeros of ``shape`` in ``like``'s dtype (and form: an array or a constant tensor)."""
    if isinstance(like, _ARRAY):
        return np.zeros(shape, like.dtype)
    return like.new_zeros(shape)


def _index_tensor(a: np.ndarray):
    return Tensor._wrap(np.asarray(a))


def logcumsumexp(x, dim: int):
    """``log(cumsum(exp(x)))`` along ``dim`` without overflow (a running logaddexp)."""
    if isinstance(x, _ARRAY):
        return np.logaddexp.accumulate(x, axis=dim) if x.ndim else x
    return x.logcumsumexp(dim)


def lowest(x) -> float:
    """The most negative finite value of ``x``'s floating dtype (a log of zero that stays
    finite, so that differences of such logs are not NaN)."""
    return float(np.finfo(x.dtype if isinstance(x, _ARRAY) else x.dtype.np).min)
