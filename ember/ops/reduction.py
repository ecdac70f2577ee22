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


# -- named tuples ---------------------------------------------------------------------------
def _return_type(name: str, fields=("values", "indices")):
    import collections
    base = collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields)
        return f"torch.return_types.{name}(\n{body})"
    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__str__": __repr__})
    cls.__module__ = "torch.return_types"
    return cls


max_type = _return_type("max")
min_type = _return_type("min")
median_type = _return_type("median")
mode_type = _return_type("mode")
var_mean_type = tuple
aminmax_type = _return_type("aminmax", ("min", "max"))
cummax_type = _return_type("cummax")
cummin_type = _return_type("cummin")


def _empty_check(d: np.ndarray, name: str) -> None:
    if d.size == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                           "input.numel() == 0. Specify the reduction dim with the 'dim' "
                           "argument.")


def _dim1(dim, ndim: int) -> int:
    from ._util import wrap_dim
    return wrap_dim(int(dim), ndim)


def _onehot(indices: np.ndarray, shape: tuple, dim: int, dtype) -> np.ndarray:
    """A 0/1 array of ``shape`` with ones at ``indices`` (keepdim layout) along ``dim``."""
    out = np.zeros(shape, dtype)
    np.put_along_axis(out, indices, 1, axis=dim)
    return out


# -- max / min ------------------------------------------------------------------------------
def _extreme(input: Tensor, dim, keepdim: bool, other, is_max: bool):
    from .pointwise import maximum, minimum
    name = "max" if is_max else "min"
    if isinstance(dim, Tensor) and other is None:
        other, dim = dim, None
    if other is not None:
        return maximum(input, other) if is_max else minimum(input, other)
    d = input._data
    if dim is None:
        _empty_check(d, name)
        r = np.max(d) if is_max else np.min(d)
        if STATE.enabled and input._rg:
            node = MaxBackward1() if is_max else MinBackward1()
            t = record1(node, r, input)
            node.save(input)
            node.save_result(t)
            return t
        return _wrap(np.asarray(r))
    k = _dim1(dim, d.ndim)
    if d.ndim and d.shape[k] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {k} to have non-zero size.")
    src = d if d.ndim else d.reshape(1)
    kk = k if d.ndim else 0
    # NaN wins, as in PyTorch: argmax/argmin find the first NaN.
    idx = np.argmax(src, axis=kk, keepdims=True) if is_max else \
        np.argmin(src, axis=kk, keepdims=True)
    vals = np.take_along_axis(src, idx, axis=kk)
    if not keepdim or not d.ndim:
        vals = vals.reshape(np.delete(np.array(src.shape), kk)) if d.ndim else vals.reshape(())
        idx_out = idx.reshape(vals.shape)
    else:
        idx_out = idx
    cls = max_type if is_max else min_type
    if STATE.enabled and input._rg:
        node = MaxBackward0() if is_max else MinBackward0()
        node.shape = d.shape
        node.dim = kk
        node.keepdim = keepdim or not d.ndim
        node.indices = idx
        v = record1(node, vals, input)
    else:
        v = _wrap(np.asarray(vals))
    return cls(v, _wrap(np.asarray(idx_out, dtype=np.int64)))


def max(input: Tensor, dim=None, keepdim: bool = False, *, other=None, out=None):
    """Largest element; with ``dim`` a (values, indices) named tuple; with a tensor, maximum."""
    return _extreme(input, dim, keepdim, other, True)


def min(input: Tensor, dim=None, keepdim: bool = False, *, other=None, out=None):
    """Smallest element; with ``dim`` a (values, indices) named tuple; with a tensor, minimum."""
    return _extreme(input, dim, keepdim, other, False)


class MaxBackward1(Node):
    """Gradient of max over all elements: shared evenly among tied maxima."""

    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):
        x, = self.saved_tensors()
        r = self.saved_result()
        mask = _wrap(np.asarray(x._data == r._data, dtype=x._data.dtype))
        return grad * mask / mask._data.sum(),


class MinBackward1(MaxBackward1):
    __slots__ = ()


class MaxBackward0(Node):
    """Gradient of max along a dim: to the index that was returned."""

    __slots__ = ("shape", "dim", "keepdim", "indices")

    def backward(self, grad):
        g = grad if self.keepdim else grad.unsqueeze(self.dim)
        if len(self.shape) == 0:
            return g.reshape(()),
        hot = _wrap(_onehot(self.indices, self.shape, self.dim, grad._data.dtype))
        return g * hot,


class MinBackward0(MaxBackward0):
    __slots__ = ()


def _amaxmin(input: Tensor, dim, keepdim: bool, is_max: bool) -> Tensor:
    d = input._data
    if dim is None or dim == () or dim == []:
        dims = tuple(range(d.ndim))
    else:
        dims = wrap_dims(dim, d.ndim) if d.ndim else ()
    if d.size == 0 and any(d.shape[k] == 0 for k in dims):
        raise IndexError(f"{'amax' if is_max else 'amin'}(): Expected reduction dim "
                         f"{dims[0]} to have non-zero size.")
    fn = np.max if is_max else np.min
    r = fn(d, axis=dims, keepdims=keepdim) if dims else d.copy()
    if STATE.enabled and input._rg:
        node = AmaxBackward0() if is_max else AminBackward0()
        t = record1(node, r, input)
        node.dims = dims
        node.keepdim = keepdim
        node.save(input)
        node.save_result(t)
        return t
    return _wrap(np.asarray(r))


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Maximum over ``dim`` (all by default); ties share the gradient evenly."""
    return _amaxmin(input, dim, keepdim, True)


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    return _amaxmin(input, dim, keepdim, False)


class AmaxBackward0(Node):
    __slots__ = ("dims", "keepdim")
    _saved_names = ("self",)

    def backward(self, grad):
        x, = self.saved_tensors()
        r = self.saved_result()
        rk = r._data if self.keepdim else np.expand_dims(r._data, self.dims)
        mask = np.asarray(x._data == rk, dtype=x._data.dtype)
        count = mask.sum(axis=self.dims, keepdims=True)
        g = grad if self.keepdim else _unsqueeze_dims(grad, self.dims)
        return g * _wrap(mask / count),


class AminBackward0(AmaxBackward0):
    __slots__ = ()


def _unsqueeze_dims(g: Tensor, dims) -> Tensor:
    for k in sorted(dims):
        g = g.unsqueeze(k)
    return g


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor without ``dim``)."""
    d = input._data
    if dim is None:
        _empty_check(d, "argmax")
        r = np.argmax(d)
        return _wrap(np.asarray(r if not keepdim else np.reshape(r, (1,) * d.ndim),
                                dtype=np.int64))
    return _extreme(input, dim, keepdim, None, True)[1]


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    d = input._data
    if dim is None:
        _empty_check(d, "argmin")
        r = np.argmin(d)
        return _wrap(np.asarray(r if not keepdim else np.reshape(r, (1,) * d.ndim),
                                dtype=np.int64))
    return _extreme(input, dim, keepdim, None, False)[1]


# -- products, spreads, norms ----------------------------------------------------------------
def _dims_or_all(dim, ndim: int):
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None
    return wrap_dims(dim, ndim) if ndim else None


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Product of elements (integers give int64)."""
    d = input._data
    if dtype is not None:
        d = d.astype(dtype.np)
    elif d.dtype.kind in "biu" and d.dtype != np.int64:
        d = d.astype(np.int64)
    if dim is None:
        r = np.prod(d)
        dims = None
    else:
        dims = (_dim1(dim, d.ndim),) if d.ndim else None
        r = np.prod(d, axis=dims, keepdims=keepdim) if dims else d.copy()
    if STATE.enabled and input._rg:
        node = ProdBackward0() if dim is None else ProdBackward1()
        t = record1(node, r, input)
        node.dims = dims
        node.keepdim = keepdim
        node.save(input)
        return t
    return _wrap(np.asarray(r))


class ProdBackward0(Node):
    """d prod / d x_i = product of the other elements (exact with zeros, no division)."""

    __slots__ = ("dims", "keepdim")
    _saved_names = ("self",)

    def backward(self, grad):
        x, = self.saved_tensors()
        d = x._data
        axis = None if self.dims is None else self.dims[0]
        if axis is None:
            flat = d.reshape(-1)
            others = _exclusive_prod(flat, 0).reshape(d.shape)
            g = grad
        else:
            others = _exclusive_prod(d, axis)
            g = grad if self.keepdim else grad.unsqueeze(axis)
        if not np.any(d == 0):
            # Without zeros the formula stays differentiable: prod / x.
            r = x.prod() if axis is None else x.prod(axis, keepdim=True)
            return g * (r / x),
        return g * _wrap(others),


class ProdBackward1(ProdBackward0):
    __slots__ = ()


def _exclusive_prod(a: np.ndarray, axis: int) -> np.ndarray:
    a = np.moveaxis(a, axis, -1)
    n = a.shape[-1]
    left = np.ones_like(a)
    right = np.ones_like(a)
    if n > 1:
        left[..., 1:] = np.cumprod(a[..., :-1], axis=-1)
        right[..., :-1] = np.cumprod(a[..., ::-1][..., :-1], axis=-1)[..., ::-1]
    return np.moveaxis(left * right, -1, axis)


def _correction(unbiased, correction) -> float:
    if correction is not None:
        return float(correction)
    if unbiased is None:
        return 1.0
    return 1.0 if unbiased else 0.0


def _var_args(dim, unbiased, correction):
    # var(x, True) in PyTorch means unbiased=True, not dim=True.
    if isinstance(dim, bool):
        return None, dim, correction
    return dim, unbiased, correction


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,
        correction=None) -> Tensor:
    """Variance with Bessel's correction by default (``correction=1``)."""
    dim, unbiased, correction = _var_args(dim, unbiased, correction)
    return _var_std(input, dim, _correction(unbiased, correction), keepdim, False)


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,
        correction=None) -> Tensor:
    """Standard deviation (square root of ``var``)."""
    dim, unbiased, correction = _var_args(dim, unbiased, correction)
    return _var_std(input, dim, _correction(unbiased, correction), keepdim, True)


def _var_std(input: Tensor, dim, corr: float, keepdim: bool, is_std: bool) -> Tensor:
    d = input._data
    if d.dtype.kind not in "fc":
        raise RuntimeError(f"{'std' if is_std else 'var'} and var only support floating "
                           f"point and complex dtypes")
    dims = _dims_or_all(dim, d.ndim)
    n = d.size if dims is None else int(np.prod([d.shape[k] for k in dims]))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.var(d, axis=dims, ddof=corr, keepdims=keepdim) if n - corr > 0 else \
            np.full(np.sum(d, axis=dims, keepdims=keepdim).shape, np.nan, d.dtype)
        if is_std:
            r = np.sqrt(r)
    r = np.asarray(r, dtype=d.dtype)
    if STATE.enabled and input._rg:
        node = StdBackward0() if is_std else VarBackward0()
        t = record1(node, r, input)
        node.dims = dims
        node.keepdim = keepdim
        node.denom = n - corr
        node.save(input)
        if is_std:
            node.save_result(t)
        return t
    return _wrap(r)


class VarBackward0(Node):
    __slots__ = ("dims", "keepdim", "denom")
    _saved_names = ("self",)

    def backward(self, grad):          # d var = 2 (x - mean) / (N - correction)
        x, = self.saved_tensors()
        mean = x.mean(self.dims, keepdim=True) if self.dims is not None else x.mean()
        g = grad if self.keepdim or self.dims is None else _unsqueeze_dims(grad, self.dims)
        return g * (x - mean) * (2.0 / self.denom),


class StdBackward0(VarBackward0):
    __slots__ = ()

    def backward(self, grad):          # d std = (x - mean) / ((N - correction) std)
        x, = self.saved_tensors()
        s = self.saved_result()
        mean = x.mean(self.dims, keepdim=True) if self.dims is not None else x.mean()
        if self.dims is not None and not self.keepdim:
            grad = _unsqueeze_dims(grad, self.dims)
            s = _unsqueeze_dims(s, self.dims)
        return grad * (x - mean) / (s * self.denom),


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,
             correction=None):
    return (var(input, dim, unbiased, keepdim, correction=correction),
            mean(input, dim if not isinstance(dim, bool) else None, keepdim))


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,
             correction=None):
    return (std(input, dim, unbiased, keepdim, correction=correction),
            mean(input, dim if not isinstance(dim, bool) else None, keepdim))


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Vector p-norm over ``dim`` (all elements by default); 'fro' is the 2-norm."""
    import math as _m
    if p == "fro" or p is None:
        p = 2.0
    if p == "nuc":
        raise NotImplementedError("nuclear norm is not implemented in ember")
    p = float(p)
    d = input._data
    if d.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {from_np_name(d.dtype)}")
    dims = _dims_or_all(dim, d.ndim)
    a = np.abs(d)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if p == _m.inf:
            r = np.max(a, axis=dims, keepdims=keepdim)
        elif p == -_m.inf:
            r = np.min(a, axis=dims, keepdims=keepdim)
        elif p == 0:
            r = np.sum(a != 0, axis=dims, keepdims=keepdim).astype(d.dtype)
        elif p == 1:
            r = np.sum(a, axis=dims, keepdims=keepdim)
        elif p == 2:
            r = np.sqrt(np.sum(a * a, axis=dims, keepdims=keepdim))
        else:
            r = np.sum(a ** p, axis=dims, keepdims=keepdim) ** (1.0 / p)
    r = np.asarray(r, dtype=d.dtype)
    if STATE.enabled and input._rg:
        node = LinalgVectorNormBackward0()
        t = record1(node, r, input)
        node.p = p
        node.dims = dims
        node.keepdim = keepdim
        node.save(input)
        node.save_result(t)
        return t
    return _wrap(r)


def from_np_name(npdt) -> str:
    return _dtype.from_np(npdt)._legacy[:-6]


class LinalgVectorNormBackward0(Node):
    __slots__ = ("p", "dims", "keepdim")
    _saved_names = ("self",)

    def backward(self, grad):
        import math as _m
        x, = self.saved_tensors()
        r = self.saved_result()
        if self.dims is not None and not self.keepdim:
            grad = _unsqueeze_dims(grad, self.dims)
            r = _unsqueeze_dims(r, self.dims)
        p = self.p
        if p == 0:
            return grad * 0 * x,
        if p == 1:
            return grad * x.sign(),
        if p in (_m.inf, -_m.inf):
            mask = _wrap(np.asarray(np.abs(x._data) == r._data, dtype=x._data.dtype))
            cnt = mask._data.sum(axis=self.dims, keepdims=True) if self.dims is not None \
                else mask._data.sum()
            return grad * x.sign() * mask / _wrap(np.asarray(cnt)),
        # zero norm gives zero gradient instead of 0/0
        safe = _wrap(np.where(r._data == 0, np.ones((), r._data.dtype), 0).astype(
            r._data.dtype))
        if p == 2:
            return grad * x / (r + safe) * (1 - safe),
        ax = x.abs()
        return grad * x.sign() * ax ** (p - 1) / ((r + safe) ** (p - 1)) * (1 - safe),


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``dim``, without overflow."""
    d = input._data
    if d.dtype.kind not in "fc":
        d = d.astype(_dtype.get_default_dtype().np)
    dims = wrap_dims(dim, d.ndim) if d.ndim else ()
    if not dims and d.ndim:
        dims = tuple(range(d.ndim))
    m = np.max(d, axis=dims, keepdims=True) if d.size else np.zeros((1,) * d.ndim, d.dtype)
    m = np.where(np.isfinite(m), m, 0).astype(d.dtype)
    with np.errstate(divide="ignore"):
        r = np.log(np.sum(np.exp(d - m), axis=dims, keepdims=True)) + m
    if not keepdim:
        r = np.squeeze(r, axis=dims) if dims else r
    if STATE.enabled and input._rg:
        node = LogsumexpBackward0()
        t = record1(node, r, input)
        node.dims = dims
        node.keepdim = keepdim
        node.save(input)
        node.save_result(t)
        return t
    return _wrap(np.asarray(r))


class LogsumexpBackward0(Node):
    __slots__ = ("dims", "keepdim")
    _saved_names = ("self",)

    def backward(self, grad):          # d lse = softmax(x)
        x, = self.saved_tensors()
        r = self.saved_result()
        if not self.keepdim and self.dims:
            grad = _unsqueeze_dims(grad, self.dims)
            r = _unsqueeze_dims(r, self.dims)
        return grad * (x - r).exp(),


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running sum along ``dim`` (integers accumulate as int64)."""
    d = input._data
    if dtype is not None:
        d = d.astype(dtype.np)
    elif d.dtype.kind in "biu" and d.dtype != np.int64:
        d = d.astype(np.int64)
    k = _dim1(dim, d.ndim)
    r = np.cumsum(d, axis=k) if d.ndim else d.copy()
    if STATE.enabled and input._rg:
        node = CumsumBackward0()
        node.dim = k
        node.nd = d.ndim
        return record1(node, r, input)
    return _wrap(r)


class CumsumBackward0(Node):
    __slots__ = ("dim", "nd")

    def backward(self, grad):          # the reversed cumulative sum of grad
        if not self.nd:
            return grad,
        return grad.sum(self.dim, keepdim=True) - grad.cumsum(self.dim) + grad,


def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    d = input._data
    if dtype is not None:
        d = d.astype(dtype.np)
    elif d.dtype.kind in "biu" and d.dtype != np.int64:
        d = d.astype(np.int64)
    k = _dim1(dim, d.ndim)
    r = np.cumprod(d, axis=k) if d.ndim else d.copy()
    if STATE.enabled and input._rg:
        node = CumprodBackward0()
        node.dim = k
        t = record1(node, r, input)
        node.save(input)
        node.save_result(t)
        return t
    return _wrap(r)


class CumprodBackward0(Node):
    __slots__ = ("dim",)
    _saved_names = ("self",)

    def backward(self, grad):
        x, = self.saved_tensors()
        out = self.saved_result()
        if x._data.ndim == 0:
            return grad,
        xd = x._data
        if not np.any(xd == 0):
            w = grad * out
            rev = w.sum(self.dim, keepdim=True) - w.cumsum(self.dim) + w
            return rev / x,
        # With zeros: d out_j / d x_i = prod_{k<=j, k!=i} x_k, summed against grad (exact).
        a = np.moveaxis(xd, self.dim, -1)
        g = np.moveaxis(grad._data, self.dim, -1)
        n = a.shape[-1]
        res = np.zeros_like(a)
        for i in range(n):
            left = np.prod(a[..., :i], axis=-1, keepdims=True)
            run = left[..., 0]
            acc = np.zeros(a.shape[:-1], a.dtype)
            for j in range(i, n):
                if j > i:
                    run = run * a[..., j]
                acc = acc + g[..., j] * run
            res[..., i] = acc
        return _wrap(np.moveaxis(res, -1, self.dim)),


def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    d = input._data
    if dim is None:
        return _wrap(np.asarray(np.all(d)))
    dims = wrap_dims(dim, d.ndim) if d.ndim else None
    return _wrap(np.asarray(np.all(d, axis=dims, keepdims=keepdim)))


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    d = input._data
    if dim is None:
        return _wrap(np.asarray(np.any(d)))
    dims = wrap_dims(dim, d.ndim) if d.ndim else None
    return _wrap(np.asarray(np.any(d, axis=dims, keepdims=keepdim)))


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    d = input._data
    dims = None if dim is None else wrap_dims(dim, d.ndim)
    return _wrap(np.asarray(np.count_nonzero(d, axis=dims), dtype=np.int64))


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    from .pointwise import where
    x = where(input != input, input * 0, input)
    return sum(x, dim, keepdim, dtype=dtype)


def median(input: Tensor, dim=None, keepdim: bool = False):
    """The lower median; with ``dim`` a (values, indices) named tuple."""
    d = input._data
    if dim is None:
        flat = d.reshape(-1)
        if flat.size == 0:
            return _wrap(np.asarray(np.nan, d.dtype))
        order = np.argsort(flat, kind="stable")
        k = order[(flat.size - 1) // 2]
        v = getitem_flat(input, int(k))
        return v
    k = _dim1(dim, d.ndim)
    src = d if d.ndim else d.reshape(1)
    kk = k if d.ndim else 0
    order = np.argsort(src, axis=kk, kind="stable")
    mid = (src.shape[kk] - 1) // 2
    idx = np.take(order, [mid], axis=kk)
    vals = np.take_along_axis(src, idx, axis=kk)
    keep = keepdim or not d.ndim
    if not keep:
        vals = np.squeeze(vals, axis=kk)
        idx_out = np.squeeze(idx, axis=kk)
    else:
        idx_out = idx
    if STATE.enabled and input._rg:
        node = MedianBackward1()
        node.shape = d.shape
        node.dim = kk
        node.keepdim = keep
        node.indices = idx
        v = record1(node, vals, input)
    else:
        v = _wrap(np.asarray(vals))
    return median_type(v, _wrap(np.asarray(idx_out, np.int64)))


class MedianBackward1(MaxBackward0):
    __slots__ = ()


def getitem_flat(input: Tensor, k: int) -> Tensor:
    """Element ``k`` of the flattened tensor (differentiable; MedianBackward0 in torch)."""
    d = input._data
    r = d.reshape(-1)[k]
    if STATE.enabled and input._rg:
        node = MedianBackward0()
        node.shape = d.shape
        node.k = k
        return record1(node, np.asarray(r), input)
    return _wrap(np.asarray(r))


class MedianBackward0(Node):
    __slots__ = ("shape", "k")

    def backward(self, grad):
        hot = np.zeros(self.shape, grad._data.dtype)
        hot.reshape(-1)[self.k] = 1
        return grad * _wrap(hot),


# -- softmax ----------------------------------------------------------------------------------
def _softmax_dim(dim, ndim: int, name: str) -> int:
    if dim is None:
        import warnings
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the "
                      "call to include dim=X as an argument.", UserWarning, stacklevel=3)
        dim = 0 if ndim in (0, 1, 3) else 1
    return _dim1(dim, ndim)


def softmax(input: Tensor, dim=None, dtype=None, *, _stacklevel: int = 3) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``, stable for large inputs."""
    d = input._data if dtype is None else input._data.astype(dtype.np)
    if d.dtype.kind not in "fc":
        raise RuntimeError(f'"softmax_lastdim_kernel_impl" not implemented for '
                           f"'{from_np_name(d.dtype)}'")
    k = _softmax_dim(dim, d.ndim, "softmax")
    if d.ndim == 0:
        r = np.ones_like(d)
    else:
        e = np.exp(d - np.max(d, axis=k, keepdims=True))
        r = e / np.sum(e, axis=k, keepdims=True)
    if STATE.enabled and input._rg:
        node = SoftmaxBackward0()
        node.dim = k
        t = record1(node, r, input)
        node.save_result(t)
        return t
    return _wrap(r)


class SoftmaxBackward0(Node):
    __slots__ = ("dim",)

    def backward(self, grad):          # y * (g - sum(g * y))
        y = self.saved_result()
        if y._data.ndim == 0:
            return grad * 0,
        return y * (grad - (grad * y).sum(self.dim, keepdim=True)),


def log_softmax(input: Tensor, dim=None, dtype=None, *, _stacklevel: int = 3) -> Tensor:
    """x - logsumexp(x) along ``dim``."""
    d = input._data if dtype is None else input._data.astype(dtype.np)
    if d.dtype.kind not in "fc":
        raise RuntimeError(f'"log_softmax_lastdim_kernel_impl" not implemented for '
                           f"'{from_np_name(d.dtype)}'")
    k = _softmax_dim(dim, d.ndim, "log_softmax")
    if d.ndim == 0:
        r = np.zeros_like(d)
    else:
        z = d - np.max(d, axis=k, keepdims=True)
        r = z - np.log(np.sum(np.exp(z), axis=k, keepdims=True))
    if STATE.enabled and input._rg:
        node = LogSoftmaxBackward0()
        node.dim = k
        t = record1(node, r, input)
        node.save_result(t)
        return t
    return _wrap(r)


class LogSoftmaxBackward0(Node):
    __slots__ = ("dim",)

    def backward(self, grad):          # g - softmax * sum(g)
        y = self.saved_result()
        if y._data.ndim == 0:
            return grad * 0,
        return grad - y.exp() * grad.sum(self.dim, keepdim=True),


def softmin(input: Tensor, dim=None, dtype=None) -> Tensor:
    from .pointwise import neg
    return softmax(neg(input), dim, dtype)
