"""Reductions over all elements or over dims (``dim`` an int or a tuple, negative allowed),
scans (cumsum, cummax...), selections (max, median, mode...) and softmax.

Every backward is written once against ``ember.autograd.anp``: it runs on NumPy arrays in an
ordinary backward and on tensors (so it can itself be differentiated) under create_graph.
"""
from __future__ import annotations

import builtins
import collections
import functools
import math
import warnings

import numpy as np

from .. import _dtype
from .._dtype import kind as _kind
from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, holomorphic, record, record1
from . import _reduced, pointwise as _pw
from ._util import tname, wrap_dim, wrap_dims

_wrap = Tensor._wrap
_ndarray = np.ndarray


class _NoDim:
    """Default of ``dim`` where PyTorch tells ``sum(x)`` (SumBackward0) apart from
    ``sum(x, dim=None)`` (SumBackward1)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "None"


_NODIM = _NoDim()


# -- helpers ----------------------------------------------------------------------------------
def _dims(dim, ndim: int):
    """Wrapped, sorted reduction dims, or None for "all" (None, (), [] or a 0-d tensor)."""
    if dim is None or dim is _NODIM:
        return None
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        return None
    dims = wrap_dims(dim, ndim)
    return dims if ndim else None


def _count(shape: tuple, dims) -> int:
    if dims is None:
        return math.prod(shape)
    return math.prod(shape[k] for k in dims)


def _restore(g, dims, keepdim: bool):
    """Put the reduced dims back into a gradient (as size 1) so it broadcasts over the input."""
    if keepdim or dims is None:
        return g
    for k in dims:
        g = anp.unsqueeze(g, k)
    return g


def _acc(npdt):
    # Half precision accumulates in float32, as PyTorch's CPU kernels do.
    return np.float32 if npdt == np.float16 or npdt == _dtype.BF16 else None


def _out(result, out, name: str):
    if out is None:
        return result
    if STATE.enabled and result._rg:
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    return _pw._out(result, out)


def _outs(results: tuple, out, name: str):
    """Honour ``out=`` for an op with several results: a tuple of tensors, one per result,
    each written (and resized) as ``_out`` writes one; PyTorch then returns those tensors,
    in the result's ``_out`` named tuple."""
    if not isinstance(out, (tuple, list)):
        raise TypeError(f"{name}(): argument 'out' must be tuple of Tensors, not "
                        f"{type(out).__name__}")
    if len(out) != len(results):
        raise TypeError(f"expected tuple of {len(results)} elements but got {len(out)}")
    written = [_out(r, o, name) for r, o in zip(results, out)]
    cls = type(results)
    if not hasattr(cls, "_fields"):
        return tuple(written)
    out_cls = _OUT_TYPES.get(cls)
    if out_cls is None:
        out_cls = _OUT_TYPES[cls] = _return_type(cls.__name__ + "_out", cls._fields)
    return out_cls(*written)


_OUT_TYPES: dict = {}


def with_out(name: str):
    """Give an op written without ``out=`` PyTorch's ``out=`` (a tensor, or a tuple for an op
    with several results); for ops off the hot path, where a wrapper call costs nothing."""
    def wrap(fn):
        @functools.wraps(fn)
        def op(*args, out=None, **kwargs):
            r = fn(*args, **kwargs)
            if out is None:
                return r
            return _outs(r, out, name) if isinstance(r, tuple) else _out(r, out, name)
        return op
    return wrap


def _check_grad_dtype(input: Tensor, r: np.ndarray) -> None:
    if STATE.enabled and input._rg and _kind(r.dtype) not in "fc":
        raise RuntimeError(f"Autograd not support dtype: {tname(r.dtype)}")


# -- pieces of the backward formulas (arrays or tensors alike, see autograd/anp.py) ---------
def _scatter_add(src, index: np.ndarray, dim: int, shape: tuple):
    """Zeros of ``shape`` with ``src`` added at ``index`` along ``dim`` (repeats add up)."""
    return anp.scatter_add(anp.zeros(shape, src), dim, index, src)


def _reversed_cumsum(w, dim: int):
    return anp.flip(anp.cumsum(anp.flip(w, (dim,)), dim), (dim,))


def _scale_by_count(g, mask, dims):
    """``(g / count) * mask`` with the count of hits per reduced slice (amax/amin's rule)."""
    m = anp.as_dtype_of(mask, g)
    return g / anp.sum(m, dims, keepdim=True) * m


# -- named tuples -------------------------------------------------------------------------------
def _return_type(name: str, fields=("values", "indices")):
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
nanmedian_type = _return_type("nanmedian")
mode_type = _return_type("mode")
aminmax_type = _return_type("aminmax", ("min", "max"))
cummax_type = _return_type("cummax")
cummin_type = _return_type("cummin")
frexp_type = _return_type("frexp", ("mantissa", "exponent"))
histogram_type = _return_type("histogram", ("hist", "bin_edges"))


_OUT_TYPES: dict = {}


def _fill_out(res, out):
    """``out=(values, indices)`` for the named-tuple reductions; PyTorch then returns the
    ``<name>_out`` named tuple."""
    if out is None:
        return res
    if STATE.enabled and res[0]._rg:
        raise RuntimeError(f"{type(res).__name__}(): functions with out=... arguments don't "
                           "support automatic differentiation, but one of the arguments "
                           "requires grad.")
    vals, idx = out
    _pw._out(res[0], vals)
    _pw._out(res[1], idx)
    name = type(res).__name__ + "_out"
    cls = _OUT_TYPES.get(name)
    if cls is None:
        cls = _OUT_TYPES[name] = _return_type(name, res._fields)
    return cls(vals, idx)


# -- sum / mean ---------------------------------------------------------------------------------
def _sum_np(d: np.ndarray, axis, keepdim: bool, dtype) -> np.ndarray:
    # NumPy would sum int32 as int32 (and bool as int64 only by accident of platform);
    # PyTorch always promotes integers and bools to int64 unless dtype= says otherwise.
    if dtype is not None:
        target = dtype.np
    elif _kind(d.dtype) in "biu":
        target = np.dtype(np.int64)
    else:
        target = d.dtype
    acc = _acc(target)
    if acc is not None:
        return np.asarray(np.sum(d, axis=axis, dtype=acc, keepdims=keepdim)).astype(target)
    return np.sum(d, axis=axis, dtype=target, keepdims=keepdim)


def sum(input: Tensor, dim=_NODIM, keepdim: bool = False, *, dtype=None, out=None,
        axis=None, keepdims=None) -> Tensor:
    """Sum of all elements, or over ``dim``; integers and bools sum as int64."""
    # axis=/keepdims=: PyTorch's argument parser accepts NumPy's names as aliases.
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    d = input._data
    if dim is _NODIM and dtype is None and _kind(d.dtype) in "fc" and d.dtype != np.float16 \
            and d.dtype != _dtype.BF16:
        dims = None                     # the common case, without the dtype rules
        r = d.sum(keepdims=keepdim)
    else:
        dims = _dims(dim, d.ndim)
        r = _sum_np(d, dims, keepdim, dtype)
    if STATE.enabled and input._rg:
        _check_grad_dtype(input, r)
        node = SumBackward0() if dim is _NODIM else SumBackward1()
        node.shape, node.dims, node.keepdim = d.shape, dims, keepdim
        return _out(record1(node, r, input), out, "sum")
    return _out(_wrap(r), out, "sum")


class SumBackward0(Node):
    __slots__ = ("shape", "dims", "keepdim")


    def backward(self, grad):          # every element contributed once
        return anp.expand(_restore(grad, self.dims, self.keepdim), self.shape),


class SumBackward1(SumBackward0):
    __slots__ = ()


def mean(input: Tensor, dim=_NODIM, keepdim: bool = False, *, dtype=None, out=None,
         axis=None, keepdims=None) -> Tensor:
    """Arithmetic mean (floating and complex dtypes only, as in PyTorch)."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    d = input._data
    if dtype is None and _kind(d.dtype) not in "fc":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {tname(d.dtype)}")
    target = d.dtype if dtype is None else dtype.np
    dims = _dims(dim, d.ndim)
    n = _count(d.shape, dims)
    acc = _acc(target) or target
    # sum / n rather than np.mean: an empty reduction gives NaN without NumPy's warning
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.sum(d, axis=dims, dtype=acc, keepdims=keepdim) / np.asarray(n, acc)
    r = np.asarray(r, dtype=target)
    if STATE.enabled and input._rg:
        _check_grad_dtype(input, r)
        node = MeanBackward0() if dim is _NODIM else MeanBackward1()
        node.shape, node.dims, node.keepdim, node.n = d.shape, dims, keepdim, n
        return _out(record1(node, r, input), out, "mean")
    return _out(_wrap(r), out, "mean")


class MeanBackward0(Node):
    __slots__ = ("shape", "dims", "keepdim", "n")


    def backward(self, grad):          # each element contributed 1/n
        return anp.expand(_restore(grad, self.dims, self.keepdim), self.shape) / self.n,


class MeanBackward1(MeanBackward0):
    __slots__ = ()


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Sum treating NaN as zero."""
    d = input._data
    dims = _dims(dim, d.ndim)
    src = np.where(np.isnan(d), 0, d) if _kind(d.dtype) in "fc" else d
    r = _sum_np(src, dims, keepdim, dtype)
    if STATE.enabled and input._rg:
        _check_grad_dtype(input, r)
        node = NansumBackward0()
        node.shape, node.dims, node.keepdim = d.shape, dims, keepdim
        t = record1(node, r, input)
        node.save1(input)
        return _out(t, out, "nansum")
    return _out(_wrap(r), out, "nansum")


class NansumBackward0(Node):
    __slots__ = ("shape", "dims", "keepdim")
    _saved_names = ("self",)


    def backward(self, grad):          # NaN positions get no gradient
        x, = self.saved()
        return anp.expand(_restore(grad, self.dims, self.keepdim), self.shape) * (x == x),


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None,
            out=None) -> Tensor:
    """Mean over the non-NaN elements (NaN where there are none)."""
    d = input._data
    if _kind(d.dtype) not in "fc":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {tname(d.dtype)}")
    count = sum(_wrap(~np.isnan(d)), dim, keepdim)
    return _out(_pw.div(nansum(input, dim, keepdim, dtype=dtype), count), out, "nanmean")


# -- product --------------------------------------------------------------------------------
def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """Product of the elements, or along one ``dim``; integers and bools give int64."""
    # PyTorch has no tuple-of-dims overload for prod
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"prod() received an invalid combination of arguments - got "
                        f"(dim={type(dim).__name__}), but expected one of: (*, dtype), "
                        "(int dim, bool keepdim, *, dtype)")
    d = input._data
    if dtype is not None:
        target = dtype.np
    elif _kind(d.dtype) in "biu":
        target = np.dtype(np.int64)
    else:
        target = d.dtype
    k = None if dim is None else wrap_dim(int(dim), d.ndim)
    axis = k if d.ndim else None
    acc = _acc(target) or target
    with np.errstate(over="ignore", invalid="ignore"):
        if dim is not None and not d.ndim:
            r = d.astype(target)
        elif target == _dtype.BF16 and d.dtype == target and d.size:
            # bfloat16 products rounded one by one, in the order PyTorch's kernel takes them
            from .._threads import get_num_threads
            r = _reduced.prod(d, axis, keepdim and dim is not None, get_num_threads())
        else:
            r = np.asarray(np.prod(d, axis=axis, dtype=acc,
                                   keepdims=keepdim and dim is not None)).astype(target)
    if STATE.enabled and input._rg:
        _check_grad_dtype(input, r)
        node = ProdBackward0() if dim is None else ProdBackward1()
        node.dim, node.keepdim = axis, keepdim
        t = record1(node, r, input)
        node.save1(input)
        node.save_result(t)
        return _out(t, out, "prod")
    return _out(_wrap(r), out, "prod")


class ProdBackward0(Node):
    """d prod / d x_i is the product of the other elements: computed without dividing by zero
    when the input has zeros (PyTorch's prod_backward)."""

    __slots__ = ("dim", "keepdim")
    _saved_names = ("self",)


    def backward(self, grad):
        x, = self.saved()
        r = self.result()
        if x.ndim == 0:
            return grad,
        k = self.dim
        if k is not None and not self.keepdim:
            grad, r = anp.unsqueeze(grad, k), anp.unsqueeze(r, k)
        if not anp.value(x == 0).any():
            return grad * (r / x),
        if k is None:
            return anp.reshape(grad * _prod_others(anp.reshape(x, (-1,)), 0), x.shape),
        return grad * _prod_others(x, k),


class ProdBackward1(ProdBackward0):
    __slots__ = ()


def _prod_others(x, dim: int):
    """For each element, the product of the others along ``dim`` (exclusive prefix times
    exclusive suffix products, so zeros need no division)."""
    n = x.shape[dim]
    ones_shape = list(x.shape)
    ones_shape[dim] = 1
    one = anp.ones(tuple(ones_shape), x)
    if n == 1:
        return one
    before = anp.cumprod(anp.cat([one, anp.narrow(x, dim, 0, n - 1)], dim), dim)
    rev = anp.flip(anp.narrow(x, dim, 1, n - 1), (dim,))
    after = anp.flip(anp.cumprod(anp.cat([one, rev], dim), dim), (dim,))
    return before * after


# -- max / min ------------------------------------------------------------------------------
def _empty_all(d: np.ndarray, name: str, exc=RuntimeError) -> None:
    if d.size == 0:
        tail = " Specify the reduction dim with the 'dim' argument." if exc is RuntimeError \
            else ""
        raise exc(f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
                  + tail)


def _empty_dim(d: np.ndarray, k: int, name: str) -> None:
    if d.ndim and d.shape[k] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {k} to have non-zero size.")


def _select_dim(input: Tensor, k: int, keepdim: bool, idx: np.ndarray, node_cls, rtype):
    """Values of ``input`` at ``idx`` (keepdim layout along ``k``) and the indices, as a named
    tuple whose values backpropagate into the picked positions."""
    d = input._data
    if d.ndim == 0:
        vals, idx_out = d.copy(), np.zeros((), np.int64)
    else:
        vals = np.take_along_axis(d, idx, axis=k)
        idx_out = idx.astype(np.int64, copy=False)
        if not keepdim:
            vals, idx_out = np.squeeze(vals, k), np.squeeze(idx_out, k)
    if STATE.enabled and input._rg:
        node = node_cls()
        node.shape, node.dim, node.keepdim, node.indices = d.shape, k, keepdim, idx
        v = record1(node, vals, input)
    else:
        v = _wrap(vals)
    return rtype(v, _wrap(idx_out))


def _extreme(input: Tensor, dim, keepdim: bool, other, out, is_max: bool):
    name = "max" if is_max else "min"
    # max(a, b) with a tensor in the dim position is the elementwise maximum
    if isinstance(dim, Tensor) and other is None:
        other, dim = dim, None
    if other is not None:
        return _pw.maximum(input, other) if is_max else _pw.minimum(input, other)
    d = input._data
    if dim is None:
        _empty_all(d, name)
        r = np.max(d) if is_max else np.min(d)
        if STATE.enabled and input._rg:
            node = MaxBackward1() if is_max else MinBackward1()
            t = record1(node, r, input)
            node.save1(input)
            node.save_result(t)
            return _out(t, out, name)
        return _out(_wrap(np.asarray(r)), out, name)
    k = wrap_dim(int(dim), d.ndim)
    _empty_dim(d, k, name)
    idx = None
    if d.ndim:
        # NaN wins, as in PyTorch: argmax/argmin return the first NaN.
        idx = np.argmax(d, axis=k, keepdims=True) if is_max else \
            np.argmin(d, axis=k, keepdims=True)
    res = _select_dim(input, k, keepdim, idx, MaxBackward0 if is_max else MinBackward0,
                      max_type if is_max else min_type)
    return _fill_out(res, out)


def max(input: Tensor, dim=None, keepdim: bool = False, *, other=None, out=None, axis=None,
        keepdims=None):
    """Largest element; with ``dim`` a (values, indices) named tuple; with a tensor, maximum."""
    return _extreme(input, dim if axis is None else axis,
                    keepdim if keepdims is None else keepdims, other, out, True)


def min(input: Tensor, dim=None, keepdim: bool = False, *, other=None, out=None, axis=None,
        keepdims=None):
    """Smallest element; with ``dim`` a (values, indices) named tuple; with a tensor, minimum."""
    return _extreme(input, dim if axis is None else axis,
                    keepdim if keepdims is None else keepdims, other, out, False)


class MaxBackward1(Node):
    """Max over all elements: the gradient is shared evenly among tied maxima."""

    __slots__ = ()
    _saved_names = ("self",)


    def backward(self, grad):          # PyTorch's evenly_distribute_backward
        x, = self.saved()
        v = self.result()
        hit = (x != x) if anp.value(v != v).all() else (x == v)   # NaN picks the NaNs
        return anp.where(hit, grad / int(anp.value(hit).sum()), 0.0),


class MinBackward1(MaxBackward1):
    __slots__ = ()


class MaxBackward0(Node):
    """A value picked along a dim: the gradient goes to the returned index only."""

    __slots__ = ("shape", "dim", "keepdim", "indices")


    def backward(self, grad):
        if not self.shape:
            return grad,
        g = grad if self.keepdim else anp.unsqueeze(grad, self.dim)
        return _scatter_add(g, self.indices, self.dim, self.shape),


class MinBackward0(MaxBackward0):
    __slots__ = ()


def _amaxmin(input: Tensor, dim, keepdim: bool, out, is_max: bool) -> Tensor:
    name = "amax" if is_max else "amin"
    d = input._data
    dims = _dims(dim, d.ndim)
    # no identity for max: only a reduction over an empty extent is an error
    if d.size == 0:
        if dims is None:
            _empty_all(d, name)
        for k in dims:
            _empty_dim(d, k, name)
    fn = np.max if is_max else np.min
    r = np.asarray(fn(d, axis=dims, keepdims=keepdim))
    if STATE.enabled and input._rg:
        node = AmaxBackward0() if is_max else AminBackward0()
        t = record1(node, r, input)
        node.dims, node.keepdim = dims, keepdim
        node.save1(input)
        node.save_result(t)
        return _out(t, out, name)
    return _out(_wrap(r), out, name)


def amax(input: Tensor, dim=(), keepdim: bool = False, *, out=None) -> Tensor:
    """Maximum over ``dim`` (all dims by default); ties share the gradient evenly."""
    return _amaxmin(input, dim, keepdim, out, True)


def amin(input: Tensor, dim=(), keepdim: bool = False, *, out=None) -> Tensor:
    """Minimum over ``dim`` (all dims by default); ties share the gradient evenly."""
    return _amaxmin(input, dim, keepdim, out, False)


class AmaxBackward0(Node):
    __slots__ = ("dims", "keepdim")
    _saved_names = ("self",)


    def backward(self, grad):          # ties share the gradient evenly
        x, = self.saved()
        r = _restore(self.result(), self.dims, self.keepdim)
        g = _restore(grad, self.dims, self.keepdim)
        return _scale_by_count(g, x == r, self.dims),


class AminBackward0(AmaxBackward0):
    __slots__ = ()


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False, out=None):
    """(min, max) in one pass, as a named tuple; ties share the gradient evenly."""
    d = input._data
    dims = None if dim is None else _dims(int(dim), d.ndim)
    if d.size == 0 and dim is None:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    if dims is not None and d.ndim and d.shape[dims[0]] == 0:
        raise IndexError(f"aminmax: Expected reduction dim {dims[0]} to have non-zero size.")
    lo = np.asarray(np.min(d, axis=dims, keepdims=keepdim))
    hi = np.asarray(np.max(d, axis=dims, keepdims=keepdim))
    if STATE.enabled and input._rg:
        node = AminmaxBackward0()
        node._n_out = 2
        node.dims, node.keepdim = dims, keepdim
        res = aminmax_type(*record(node, (lo, hi), (input,)))
        node.save1(input)
        node.lo, node.hi = lo, hi
        return _fill_out(res, out)
    return _fill_out(aminmax_type(_wrap(lo), _wrap(hi)), out)


class AminmaxBackward0(Node):
    __slots__ = ("dims", "keepdim", "lo", "hi", "_n_out")
    _saved_names = ("self",)


    def backward(self, grads):
        x, = self.saved()
        total = None
        for g, v in zip(grads, (self.lo, self.hi)):
            if g is None:
                continue
            hit = anp.constant(anp.value(x) == _restore(v, self.dims, self.keepdim), x)
            part = _scale_by_count(_restore(g, self.dims, self.keepdim), hit, self.dims)
            total = part if total is None else total + part
        return total,


def _arg(input: Tensor, dim, keepdim: bool, is_max: bool) -> Tensor:
    name = "argmax" if is_max else "argmin"
    d = input._data
    if d.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    fn = np.argmax if is_max else np.argmin
    if dim is None:
        _empty_all(d, name, IndexError)
        r = fn(d)
        if keepdim:
            r = np.reshape(r, (1,) * d.ndim)
        return _wrap(np.asarray(r, dtype=np.int64))
    k = wrap_dim(int(dim), d.ndim)
    _empty_dim(d, k, name)
    if not d.ndim:
        return _wrap(np.zeros((), np.int64))
    return _wrap(np.asarray(fn(d, axis=k, keepdims=keepdim), dtype=np.int64))


def argmax(input: Tensor, dim=None, keepdim: bool = False, *, out=None, axis=None) -> Tensor:
    """Index of the largest element (of the flattened tensor without ``dim``); int64."""
    return _out(_arg(input, dim if axis is None else axis, keepdim, True), out, "argmax")


def argmin(input: Tensor, dim=None, keepdim: bool = False, *, out=None, axis=None) -> Tensor:
    """Index of the smallest element (of the flattened tensor without ``dim``); int64."""
    return _out(_arg(input, dim if axis is None else axis, keepdim, False), out, "argmin")


# -- median / mode ----------------------------------------------------------------------------
def _median_all(input: Tensor, ignore_nan: bool) -> Tensor:
    d = input._data
    flat = d.reshape(-1)
    if ignore_nan:
        flat = flat[~np.isnan(flat)] if _kind(d.dtype) in "fc" else flat
    if flat.size == 0 or (not ignore_nan and _kind(d.dtype) in "fc" and np.isnan(flat).any()):
        r = np.asarray(np.nan if _kind(d.dtype) in "fc" else 0, d.dtype)
    else:
        # the lower median (PyTorch never averages the two middle values); partition
        # finds it without a full sort
        r = np.asarray(np.partition(flat, (flat.size - 1) // 2)[(flat.size - 1) // 2])
    if STATE.enabled and input._rg:
        node = NanmedianBackward0() if ignore_nan else MedianBackward0()
        t = record1(node, r, input)
        node.save1(input)
        node.save_result(t)
        return t
    return _wrap(r)


def _median_dim(input: Tensor, dim, keepdim: bool, ignore_nan: bool, name: str):
    d = input._data
    k = wrap_dim(int(dim), d.ndim)
    _empty_dim(d, k, name)
    rtype = nanmedian_type if ignore_nan else median_type
    node_cls = NanmedianBackward1 if ignore_nan else MedianBackward1
    if not d.ndim:
        return _select_dim(input, 0, keepdim, None, node_cls, rtype)
    src = np.moveaxis(d, k, -1)
    n = src.shape[-1]
    order = np.argsort(src, axis=-1, kind="stable")   # NaNs sort last
    nan = np.isnan(src) if _kind(d.dtype) in "fc" else None
    if ignore_nan and nan is not None:
        valid = n - nan.sum(-1)
        mid = np.maximum(valid - 1, 0) // 2
        idx = np.take_along_axis(order, mid[..., None], -1)[..., 0]
        idx = np.where(valid == 0, 0, idx)
    else:
        idx = order[..., (n - 1) // 2]
        if nan is not None and not ignore_nan:
            any_nan = nan.any(-1)
            if any_nan.any():           # a NaN makes the median NaN: its first position
                idx = np.where(any_nan, np.argmax(nan, -1), idx)
    idx = np.expand_dims(idx, k)
    return _select_dim(input, k, keepdim, idx, node_cls, rtype)


def _no_bool_median(input: Tensor, dim) -> None:
    if input._data.dtype == np.bool_:
        kernel = "median_cpu" if dim is None else "median_out"
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def median(input: Tensor, dim=None, keepdim: bool = False, *, out=None):
    """The lower median (NaN if any NaN); with ``dim`` a (values, indices) named tuple."""
    _no_bool_median(input, dim)
    if dim is None:
        return _out(_median_all(input, False), out, "median")
    return _fill_out(_median_dim(input, dim, keepdim, False, "median"), out)


def nanmedian(input: Tensor, dim=None, keepdim: bool = False, *, out=None):
    """The lower median of the non-NaN elements."""
    _no_bool_median(input, dim)
    if dim is None:
        return _out(_median_all(input, True), out, "nanmedian")
    return _fill_out(_median_dim(input, dim, keepdim, True, "nanmedian"), out)


class MedianBackward0(MaxBackward1):
    __slots__ = ()


class NanmedianBackward0(MaxBackward1):
    __slots__ = ()


class MedianBackward1(MaxBackward0):
    __slots__ = ()


class NanmedianBackward1(MaxBackward0):
    __slots__ = ()


def mode(input: Tensor, dim: int = -1, keepdim: bool = False, *, out=None):
    """The most frequent value along ``dim`` (the smallest among equally frequent ones) and
    the index of its last occurrence, as a named tuple."""
    d = input._data
    k = wrap_dim(int(dim), d.ndim)
    _empty_dim(d, k, "mode")
    if not d.ndim:
        return _fill_out(_select_dim(input, 0, keepdim, None, ModeBackward0, mode_type), out)
    src = np.moveaxis(d, k, -1)
    rows = src.reshape(-1, src.shape[-1])
    n = rows.shape[1]
    idx = np.empty(rows.shape[0], np.int64)
    # np.unique returns sorted values, so argmax over the counts picks the smallest of the
    # equally frequent values; PyTorch reports the last position of that value
    for i, row in enumerate(rows):
        vals, counts = np.unique(row, return_counts=True)
        v = vals[np.argmax(counts)]
        hit = (row == v) | ((row != row) & (v != v))
        idx[i] = n - 1 - int(np.argmax(hit[::-1]))
    idx = np.expand_dims(idx.reshape(src.shape[:-1]), k)
    return _fill_out(_select_dim(input, k, keepdim, idx, ModeBackward0, mode_type), out)


class ModeBackward0(MaxBackward0):
    __slots__ = ()


# -- variance / standard deviation ----------------------------------------------------------
def _correction(name: str, dim, unbiased, correction):
    if isinstance(dim, bool):           # var(x, True): the (unbiased) overload
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both "
                        "'unbiased' and 'correction'")
    if correction is not None:
        return dim, float(correction)
    return dim, 0.0 if unbiased is False else 1.0


def _var_np(name: str, d: np.ndarray, dims, corr: float, keepdim: bool) -> np.ndarray:
    if _kind(d.dtype) not in "fc":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    n = _count(d.shape, dims)
    denom = builtins.max(0.0, n - corr)
    if denom <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=4)
    acc = _acc(d.dtype)
    x = d if acc is None else d.astype(acc)
    # two passes (mean, then squared deviations): E[x^2] - E[x]^2 would cancel badly
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.sum(x, axis=dims, keepdims=True) / np.asarray(n, x.dtype) if n else \
            np.zeros((1,) * x.ndim, x.dtype)
        dev = x - m
        sq = (dev * dev.conj()).real if _kind(x.dtype) == "c" else dev * dev
        ss = np.sum(sq, axis=dims, keepdims=keepdim)
        r = ss / np.asarray(denom, sq.dtype)
        if name == "std":
            r = np.sqrt(r)
    out_dt = np.real(np.zeros((), d.dtype)).dtype
    return np.asarray(r, dtype=out_dt)


def _var_std(input: Tensor, dim, unbiased, keepdim: bool, correction, is_std: bool) -> Tensor:
    name = "std" if is_std else "var"
    dim, corr = _correction(name, dim, unbiased, correction)
    d = input._data
    dims = _dims(dim, d.ndim)
    r = _var_np(name, d, dims, corr, keepdim)
    if STATE.enabled and input._rg:
        node = StdBackward0() if is_std else VarBackward0()
        t = record1(node, r, input)
        node.dims, node.keepdim = dims, keepdim
        node.denom = builtins.max(0.0, _count(d.shape, dims) - corr)
        node.save1(input)
        node.save_result(t)
        return t
    return _wrap(r)


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,
        out=None, axis=None, keepdims=None) -> Tensor:
    """Variance with Bessel's correction by default (``correction=1``)."""
    return _out(_var_std(input, dim if axis is None else axis, unbiased,
                         keepdim if keepdims is None else keepdims, correction, False), out, "var")


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,
        out=None, axis=None, keepdims=None) -> Tensor:
    """Standard deviation (square root of ``var``)."""
    return _out(_var_std(input, dim if axis is None else axis, unbiased,
                         keepdim if keepdims is None else keepdims, correction, True), out, "std")


def _var_grad(g, x, dims, denom: float):
    # d var / dx = 2 (x - mean) / (N - correction)
    scale = 2.0 / denom if denom > 0 else math.inf
    return scale * g * (x - anp.mean(x, dims, keepdim=True))


def _std_scale(g, r):
    # d std = d var / (2 std); zero where std is zero (PyTorch masks those)
    return anp.where(r == 0, 0.0, g / (r * 2))


class VarBackward0(Node):
    __slots__ = ("dims", "keepdim", "denom")
    _saved_names = ("self",)


    def backward(self, grad):
        x, = self.saved()
        return _var_grad(_restore(grad, self.dims, self.keepdim), x, self.dims, self.denom),


class StdBackward0(VarBackward0):
    __slots__ = ()

    def backward(self, grad):
        x, = self.saved()
        g = _restore(grad, self.dims, self.keepdim)
        r = _restore(self.result(), self.dims, self.keepdim)
        return _var_grad(_std_scale(g, r), x, self.dims, self.denom),


def _var_std_mean(input: Tensor, dim, unbiased, keepdim: bool, correction, is_std: bool):
    name = "std" if is_std else "var"
    dim, corr = _correction(name + "_mean", dim, unbiased, correction)
    d = input._data
    dims = _dims(dim, d.ndim)
    v = _var_np(name, d, dims, corr, keepdim)
    n = _count(d.shape, dims)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.asarray(np.sum(d, axis=dims, keepdims=keepdim) / np.asarray(n, d.dtype),
                       dtype=d.dtype)
    if STATE.enabled and input._rg:
        node = StdMeanBackward0() if is_std else VarMeanBackward0()
        node._n_out = 2
        node.dims, node.keepdim, node.n = dims, keepdim, n
        node.shape = d.shape
        node.denom = builtins.max(0.0, n - corr)
        a, b = record(node, (v, m), (input,))
        node.save1(input)
        node.corr = corr if is_std else None
        return a, b
    return _wrap(v), _wrap(m)


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,
             correction=None):
    """(var, mean) over ``dim`` in one call."""
    return _var_std_mean(input, dim, unbiased, keepdim, correction, False)


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,
             correction=None):
    """(std, mean) over ``dim`` in one call."""
    return _var_std_mean(input, dim, unbiased, keepdim, correction, True)


class VarMeanBackward0(Node):
    __slots__ = ("dims", "keepdim", "n", "shape", "denom", "corr", "_n_out")
    _saved_names = ("self",)


    def backward(self, grads):
        x, = self.saved()
        g_spread, g_mean = grads
        total = None
        if g_spread is not None:
            g = _restore(g_spread, self.dims, self.keepdim)
            if self.corr is not None:
                # the std itself, recomputed so that higher-order gradients see it depend on x
                dev = x - anp.mean(x, self.dims, keepdim=True)
                g = _std_scale(g, anp.sqrt(anp.sum(dev * dev, self.dims, keepdim=True)
                                           / self.denom))
            total = _var_grad(g, x, self.dims, self.denom)
        if g_mean is not None:
            part = anp.expand(_restore(g_mean, self.dims, self.keepdim), self.shape) / self.n
            total = part if total is None else total + part
        return total,


class StdMeanBackward0(VarMeanBackward0):
    __slots__ = ()


# -- norms ----------------------------------------------------------------------------------
def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None,
                out=None) -> Tensor:
    """``sum(|x|**ord)**(1/ord)`` over ``dim`` (all elements by default); ord may be inf,
    -inf or 0 (the count of non-zeros)."""
    if isinstance(ord, complex):
        raise RuntimeError("linalg.vector_norm: Expected a non-complex scalar as the order of "
                           "norm.")
    d = x._data
    if _kind(d.dtype) not in "fc":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {tname(d.dtype)}")
    if dtype is not None:
        _check_norm_dtype(dtype, d.dtype, "linalg.vector_norm")
        x = x.to(dtype)
        d = x._data
    p = float(ord)
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    dims = _dims(dim, d.ndim)
    if d.size == 0 and (p < 0 or p == math.inf):
        if dims is None:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {_fmt_ord(ord)} norm on "
                               "an empty tensor because the operation does not have an "
                               "identity")
        for k in dims:
            if d.shape[k] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {_fmt_ord(ord)} norm "
                                   f"on the dimension {k}because this dimension is empty and "
                                   "the operation does not have an identity")
    acc = _acc(d.dtype)
    a = np.abs(d if acc is None else d.astype(acc))
    # special orders get their exact reductions; p=2 has no rescaling, so it overflows
    # where PyTorch's does
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if p == math.inf:
            r = np.max(a, axis=dims, keepdims=keepdim)
        elif p == -math.inf:
            r = np.min(a, axis=dims, keepdims=keepdim)
        elif p == 0:
            r = np.sum(a != 0, axis=dims, keepdims=keepdim)
        elif p == 1:
            r = np.sum(a, axis=dims, keepdims=keepdim)
        elif p == 2:
            r = np.sqrt(np.sum(a * a, axis=dims, keepdims=keepdim))
        else:
            r = np.sum(a ** p, axis=dims, keepdims=keepdim) ** (1.0 / p)
    r = np.asarray(r, dtype=np.abs(np.zeros((), d.dtype)).dtype)
    if STATE.enabled and x._rg:
        node = LinalgVectorNormBackward0()
        t = record1(node, r, x)
        node.p, node.dims, node.keepdim = p, dims, keepdim
        node.save1(x)
        node.save_result(t)
        return _out(t, out, "linalg_vector_norm")
    return _out(_wrap(r), out, "linalg_vector_norm")


def _fmt_ord(ord) -> str:
    f = float(ord)
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return str(int(f)) if f.is_integer() else str(f)


def _check_norm_dtype(dtype, self_np, name: str) -> None:
    if dtype.np.kind not in "fc":
        raise RuntimeError(f"{name}: dtype should be floating point or complex, but got "
                           f"torch.{dtype.name}")
    if (dtype.np.kind == "c") != (self_np.kind == "c"):
        kind = "complex" if self_np.kind == "c" else "real"
        raise RuntimeError(f"{name}: dtype should be {kind} for {kind} inputs, but got "
                           f"torch.{dtype.name}")
    if np.promote_types(self_np, dtype.np) != dtype.np:
        raise RuntimeError(f"{name}: the dtype of the input ({_dtype.from_np(self_np)}) should "
                           f"be convertible without narrowing to the specified dtype "
                           f"({dtype})")


class LinalgVectorNormBackward0(Node):
    """PyTorch's norm_backward, case by case in ``p``."""

    __slots__ = ("p", "dims", "keepdim")
    _saved_names = ("self",)


    def backward(self, grad):
        x, = self.saved()
        r = self.result()
        if x.ndim:
            grad = _restore(grad, self.dims, self.keepdim)
            r = _restore(r, self.dims, self.keepdim)
        p = self.p
        zero = r == 0
        if p == 0:                     # PyTorch returns an undefined gradient
            return None,
        if p == 1:
            return anp.sign(x) * grad,
        if p == 2:
            return grad * anp.where(zero, 0.0, x / anp.where(zero, 1.0, r)),
        if math.isinf(p):
            ax = anp.abs(x)
            return anp.sign(x) * _scale_by_count(grad, (ax == r) | (ax != ax), self.dims),
        if p < 1:
            scaled = anp.sign(x) * anp.where(x == 0, 0.0, anp.abs(x) ** (p - 1))
            return scaled * grad * r ** (1 - p),
        scaled = anp.sign(x) * anp.abs(x) ** (p - 1) if p < 2 else x * anp.abs(x) ** (p - 2)
        scale = anp.where(zero, 0.0, grad / anp.where(zero, 1.0, r) ** (p - 1))
        return scaled * scale,


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None,
         dtype=None) -> Tensor:
    """``torch.norm``: vector p-norms over ``dim`` ('fro' is the 2-norm); 'nuc' and
    Frobenius over more than two dims go through ``linalg.matrix_norm``."""
    if isinstance(dim, (int, np.integer)):
        dim = [int(dim)]
    if isinstance(p, str):
        if p == "fro" and (dim is None or len(dim) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype, out=out)
        from .linalg import matrix_norm
        if dim is None:
            dim = list(range(input._data.ndim))
        return _out(matrix_norm(input, p, dim, keepdim, dtype=dtype), out, "norm")
    return vector_norm(input, 2.0 if p is None else p, dim, keepdim, dtype=dtype, out=out)


# -- logsumexp ------------------------------------------------------------------------------
def logsumexp(input: Tensor, dim, keepdim: bool = False, *, out=None) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim``, computed without overflow."""
    d = input._data
    if _kind(d.dtype) not in "fc":
        d = d.astype(_dtype.get_default_dtype().np)
    dims = _dims(dim, d.ndim)
    acc = _acc(d.dtype)
    x = d if acc is None else d.astype(acc)
    if x.size:
        # shift by the max so exp cannot overflow; an infinite max is replaced by 0 so that
        # inf - inf does not turn the result into NaN (PyTorch's masked_fill)
        m = np.max(x, axis=dims, keepdims=True)
        m = np.where(np.isfinite(m), m, 0).astype(x.dtype)
    else:
        m = np.zeros((1,) * x.ndim, x.dtype)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        r = np.log(np.sum(np.exp(x - m), axis=dims, keepdims=True)) + m
    if not keepdim:
        r = r.reshape(()) if dims is None else np.squeeze(r, axis=dims)
    r = np.asarray(r, dtype=d.dtype)
    if STATE.enabled and input._rg:
        node = LogsumexpBackward0()
        t = record1(node, r, input)
        node.dims, node.keepdim = dims, keepdim
        node.save1(input)
        node.save_result(t)
        return _out(t, out, "logsumexp")
    return _out(_wrap(r), out, "logsumexp")


class LogsumexpBackward0(Node):
    __slots__ = ("dims", "keepdim")
    _saved_names = ("self",)


    def backward(self, grad):          # d lse / dx = softmax(x)
        x, = self.saved()
        r = _restore(self.result(), self.dims, self.keepdim)
        return _restore(grad, self.dims, self.keepdim) * anp.exp(x - r),


# -- scans ----------------------------------------------------------------------------------
def _scan_dtype(d: np.ndarray, dtype) -> np.ndarray:
    if dtype is not None:
        return d.astype(dtype.np, copy=False)
    if _kind(d.dtype) in "biu" and d.dtype != np.int64:
        return d.astype(np.int64)
    return d


def cumsum(input: Tensor, dim: int, *, dtype=None, out=None) -> Tensor:
    """Running sum along ``dim`` (integers and bools accumulate as int64)."""
    d = _scan_dtype(input._data, dtype)
    k = wrap_dim(int(dim), d.ndim)
    acc = _acc(d.dtype)
    r = (np.cumsum(d, axis=k, dtype=acc).astype(d.dtype, copy=False) if d.ndim
         else d.copy())
    if STATE.enabled and input._rg:
        _check_grad_dtype(input, r)
        node = CumsumBackward0()
        node.dim = k if d.ndim else None
        return _out(record1(node, r, input), out, "cumsum")
    return _out(_wrap(r), out, "cumsum")


class CumsumBackward0(Node):
    __slots__ = ("dim",)


    def backward(self, grad):          # the reversed running sum of grad
        if self.dim is None:
            return grad,
        return _reversed_cumsum(grad, self.dim),


def logcumsumexp(input: Tensor, dim: int, *, out=None) -> Tensor:
    """``log(cumsum(exp(input)))`` along ``dim``, computed as a running ``logaddexp`` so that
    large values do not overflow."""
    d = input._data
    if d.dtype.kind not in "fc":
        raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for '
                                  f"'{tname(d.dtype)}'")
    k = wrap_dim(int(dim), d.ndim)
    r = np.logaddexp.accumulate(d, axis=k) if d.ndim else d.copy()
    if STATE.enabled and input._rg:
        node = LogcumsumexpBackward0()
        node.dim = k
        t = record1(node, r, input)
        node.save1(input)
        node.save_result(t)
        return _out(t, out, "logcumsumexp")
    return _out(_wrap(r), out, "logcumsumexp")


class LogcumsumexpBackward0(Node):
    """d out_j / d x_i = exp(x_i - out_j) for j >= i: a reversed running sum, kept in log
    space, once over the positive and once over the negative part of the gradient."""

    __slots__ = ("dim",)
    _saved_names = ("self", "result")

    def backward(self, grad):
        (x,) = self.saved()
        out, dim = self.result(), self.dim
        if x.ndim == 0:
            return grad,
        low = anp.lowest(grad)
        log_abs = anp.log(anp.abs(grad))
        parts = []
        for log_part in (anp.where(grad > 0, log_abs, low), anp.where(grad < 0, log_abs, low)):
            rev = anp.flip(anp.logcumsumexp(anp.flip(log_part - out, dim), dim), dim)
            parts.append(anp.exp(rev + x))
        return parts[0] - parts[1],


def cumprod(input: Tensor, dim: int, *, dtype=None, out=None) -> Tensor:
    """Running product along ``dim``."""
    d = _scan_dtype(input._data, dtype)
    k = wrap_dim(int(dim), d.ndim)
    acc = _acc(d.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        r = (np.cumprod(d, axis=k, dtype=acc).astype(d.dtype, copy=False) if d.ndim
             else d.copy())
    if STATE.enabled and input._rg:
        _check_grad_dtype(input, r)
        node = CumprodBackward0()
        node.dim = k
        t = record1(node, r, input)
        node.save1(input)
        node.save_result(t)
        return _out(t, out, "cumprod")
    return _out(_wrap(r), out, "cumprod")


class CumprodBackward0(Node):
    """PyTorch's cumprod_backward: divide when there are no zeros; otherwise its O(n^2)
    formula without division (differentiable, so higher orders work too)."""

    __slots__ = ("dim",)
    _saved_names = ("self",)

    def backward(self, grad):
        x, = self.saved()
        k = self.dim
        if x.ndim == 0 or x.shape[k] <= 1 or 0 in x.shape:
            return grad,
        if not anp.value(x == 0).any():
            return _reversed_cumsum(grad * self.result(), k) / x,
        # With zeros: for each i, sum_{j >= i} g_j * prod_{l <= j, l != i} x_l, the products
        # built without dividing (O(n^2), differentiable: PyTorch's formula under grad mode)
        n = x.shape[k]
        lead = (slice(None),) * k
        res = anp.zeros(x.shape, grad)
        for i in range(n):
            # omitted[j] = prod_{l <= j, l != i} x_l for j >= i
            if i == 0:
                before = anp.ones(x.shape[:k] + (1,) + x.shape[k + 1:], x)
            else:
                before = anp.cumprod(anp.narrow(x, k, 0, i), k)[lead + (slice(i - 1, i),)]
            omitted = before
            if i < n - 1:
                rest = anp.cumprod(anp.narrow(x, k, i + 1, n - i - 1), k)
                omitted = anp.cat([before, before * rest], k)
            res[lead + (i,)] = anp.sum(anp.narrow(grad, k, i, n - i) * omitted, k)
        return res,


def _cum_extreme(input: Tensor, dim: int, is_max: bool):
    d = input._data
    k = wrap_dim(int(dim), d.ndim)
    rtype = cummax_type if is_max else cummin_type
    if d.ndim == 0 or d.size == 0:
        vals, idx = d.copy(), np.zeros(d.shape, np.int64)
    else:
        # the running extreme is an accumulate; its index is the last position where the
        # element reached (>=) the running value, carried forward by a running max
        fn = np.maximum if is_max else np.minimum
        vals = fn.accumulate(d, axis=k)
        n = d.shape[k]
        prev = np.concatenate([np.take(vals, [0], axis=k), np.take(vals, range(n - 1), axis=k)],
                              axis=k)
        better = d >= prev if is_max else d <= prev
        if _kind(d.dtype) in "fc":
            # A NaN always takes over, and nothing after it but another NaN does.
            better = (better & ~np.isnan(prev)) | np.isnan(d)
        pos = np.arange(n).reshape((n,) + (1,) * (d.ndim - k - 1))
        idx = np.maximum.accumulate(np.where(better, pos, 0), axis=k).astype(np.int64)
    if STATE.enabled and input._rg:
        node = CummaxBackward0() if is_max else CumminBackward0()
        node.dim, node.indices, node.shape = k, idx, d.shape
        v = record1(node, vals, input)
    else:
        v = _wrap(vals)
    return rtype(v, _wrap(idx))


def cummax(input: Tensor, dim: int, *, out=None):
    """Running maximum along ``dim`` and where it was found, as a named tuple."""
    return _fill_out(_cum_extreme(input, dim, True), out)


def cummin(input: Tensor, dim: int, *, out=None):
    """Running minimum along ``dim`` and where it was found, as a named tuple."""
    return _fill_out(_cum_extreme(input, dim, False), out)


class CummaxBackward0(Node):
    __slots__ = ("dim", "indices", "shape")


    def backward(self, grad):          # each output's grad goes to the element it copied
        if not self.shape:
            return grad,
        return _scatter_add(grad, self.indices, self.dim, self.shape),


class CumminBackward0(CummaxBackward0):
    __slots__ = ()


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """n-th forward difference along ``dim`` (``prepend``/``append`` joined first)."""
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    k = wrap_dim(dim, input._data.ndim)
    x = input
    if prepend is not None or append is not None:
        from .shape import cat
        for extra in (prepend, append):
            if extra is not None and extra._data.ndim != input._data.ndim:
                raise RuntimeError("diff expects prepend or append to be the same dimension as "
                                   "input")
        parts = [p for p in (prepend, x, append) if p is not None]
        x = cat(parts, k)
    for _ in range(n):
        size = x._data.shape[k]
        if size == 0:
            break
        hi, lo = x.narrow(k, 1, size - 1), x.narrow(k, 0, size - 1)
        x = _pw.logical_xor(hi, lo) if x._data.dtype == np.bool_ else hi - lo
    return x


# -- logical reductions ---------------------------------------------------------------------
def _logical(input: Tensor, dim, keepdim: bool, fn) -> Tensor:
    d = input._data
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        r = d.astype(np.bool_)          # an empty dim list reduces nothing here
    else:
        r = np.asarray(fn(d, axis=_dims(dim, d.ndim), keepdims=keepdim))
    if d.dtype == np.uint8:             # PyTorch keeps uint8 for all/any of uint8
        r = r.astype(np.uint8)
    return _wrap(r)


def all(input: Tensor, dim=None, keepdim: bool = False, *, out=None, axis=None) -> Tensor:
    """Whether every element (along ``dim``) is non-zero; bool (uint8 for uint8 input)."""
    return _out(_logical(input, dim if axis is None else axis, keepdim, np.all), out, "all")


def any(input: Tensor, dim=None, keepdim: bool = False, *, out=None, axis=None) -> Tensor:
    """Whether some element (along ``dim``) is non-zero; bool (uint8 for uint8 input)."""
    return _out(_logical(input, dim if axis is None else axis, keepdim, np.any), out, "any")


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """Number of non-zero elements (along ``dim``), int64."""
    d = input._data
    dims = _dims(dim, d.ndim)
    return _wrap(np.asarray(np.count_nonzero(d, axis=dims), dtype=np.int64))


def sum_to_size(input: Tensor, *size) -> Tensor:
    """``input`` summed down to ``size``, which it must broadcast from (dims of size 1 and
    leading dims are summed away), as a broadcast's gradient is."""
    from ._util import shape_arg
    shape = shape_arg(size)
    d = input._data
    ok = len(shape) <= d.ndim and builtins.all(s in (1, n) for s, n in
                                                zip(shape[::-1], d.shape[::-1]))
    if not ok:
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size "
                           f"{{{list(d.shape)}}}.")
    lead = d.ndim - len(shape)
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                      if s == 1 and d.shape[lead + i] != 1)
    if not dims:
        return input
    r = sum(input, dims, keepdim=True)
    return r.view(shape) if lead else r


# -- softmax ----------------------------------------------------------------------------------
def _softmax_input(input: Tensor, dim, dtype, name: str):
    # dtype= casts before the op (a ToCopyBackward0 below it), as PyTorch does
    x = input if dtype is None else input.to(dtype)
    d = x._data
    k = wrap_dim(int(dim), d.ndim)
    if _kind(d.dtype) != "f":          # (no complex softmax in PyTorch either)
        last = "_lastdim" if d.ndim == 0 or k == d.ndim - 1 else ""
        raise NotImplementedError(f'"{name}{last}_kernel_impl" not implemented for '
                                  f"'{tname(d.dtype)}'")
    return x, d, k


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, stable for large inputs."""
    x, d, k = _softmax_input(input, dim, dtype, "softmax")
    acc = _acc(d.dtype)
    a = d if acc is None else d.astype(acc)
    if d.ndim == 0:
        r = np.ones_like(d)
    elif d.size == 0:
        r = d.copy()
    else:
        # shifted by the max (no overflow); steps in place to spare temporaries
        with np.errstate(invalid="ignore", over="ignore"):
            e = a - a.max(axis=k, keepdims=True)
            np.exp(e, out=e)
            e /= e.sum(axis=k, keepdims=True)
            r = e.astype(d.dtype, copy=False)
    return _softmax_result(SoftmaxBackward0, r, x, k)


def _bf16(a) -> bool:
    return anp.is_array(a) and a.dtype == _dtype.BF16


def _kernel_sum(a, dim: int, reduced: bool):
    """``sum(a, dim, keepdim=True)``; along the last dim of a (float32 copy of a) bfloat16
    array in the order of PyTorch's vector kernel (_reduced.vec_sum_rows)."""
    if reduced and dim == a.ndim - 1:
        return _reduced.vec_sum_rows(a.reshape(-1, a.shape[-1])).reshape(a.shape[:-1] + (1,))
    return anp.sum(a, dim, keepdim=True)


def _opmath(a):
    """A bfloat16 array as float32: PyTorch's bfloat16 (log_)softmax backward kernels compute
    in float32 and round once (the engine rounds the gradient to the input's dtype). Tensors
    (create_graph) and other dtypes pass through."""
    return a.astype(np.float32) if anp.is_array(a) and a.dtype == _dtype.BF16 else a


def _softmax_result(node_cls, r: np.ndarray, x: Tensor, k: int) -> Tensor:
    """Wrap a (log-)softmax result over dim ``k``, recording ``node_cls`` (which keeps the
    result for its backward) when a graph is needed."""
    if STATE.enabled and x._rg:
        node = node_cls()
        node.dim = k
        t = record1(node, r, x)
        node.save_result(t)
        return t
    return _wrap(r)


class SoftmaxBackward0(Node):
    __slots__ = ("dim",)


    def backward(self, grad):          # y * (g - sum(g * y))
        y = self.result()
        if y.ndim == 0:
            return grad * 0,
        reduced = _bf16(y)
        y, grad = _opmath(y), _opmath(grad)
        return y * (grad - _kernel_sum(grad * y, self.dim, reduced)),


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``."""
    x, d, k = _softmax_input(input, dim, dtype, "log_softmax")
    acc = _acc(d.dtype)
    a = d if acc is None else d.astype(acc)
    if d.ndim == 0:
        r = np.zeros_like(d)
    elif d.size == 0:
        r = d.copy()
    else:
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            z = a - a.max(axis=k, keepdims=True)
            if acc is not None and k == d.ndim - 1:
                # PyTorch's last-dim kernel sums in its vector order and keeps the sum and its
                # log in the input's dtype
                e = (_reduced.exp(z) if d.dtype == _dtype.BF16 else np.exp(z)).reshape(
                    -1, z.shape[-1])
                s = _reduced.vec_sum_rows(e).reshape(z.shape[:-1] + (1,))
                s = np.log(s.astype(d.dtype).astype(acc)).astype(d.dtype).astype(acc)
            else:
                s = np.log(np.exp(z).sum(axis=k, keepdims=True))
            z -= s
            r = z.astype(d.dtype, copy=False)
    return _softmax_result(LogSoftmaxBackward0, r, x, k)


class LogSoftmaxBackward0(Node):
    __slots__ = ("dim",)


    def backward(self, grad):          # g - softmax * sum(g)
        y = self.result()
        if y.ndim == 0:
            return grad * 0,
        reduced = _bf16(y)
        y, grad = _opmath(y), _opmath(grad)
        return grad - anp.exp(y) * _kernel_sum(grad, self.dim, reduced),


def cumsum_(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """In-place running sum along ``dim`` (in the tensor's own dtype)."""
    from .linalg import _inplace
    return _inplace(input, cumsum(input, dim, dtype=dtype or input.dtype), "cumsum_")


def cumprod_(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """In-place running product along ``dim`` (in the tensor's own dtype)."""
    from . import inplace as _ip
    from .linalg import _inplace
    # the backward saves its input: compute from a snapshot of the value being overwritten
    src = _ip.snapshot(input) if STATE.enabled and input._rg else input
    return _inplace(input, cumprod(src, dim, dtype=dtype or input.dtype), "cumprod_")


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """Counts (or sums of ``weights``) of each non-negative integer value of 1-d ``input``."""
    d = input._data
    if d.dtype.kind not in "iu":
        raise NotImplementedError(f'"bincount_cpu" not implemented for \'{tname(d.dtype)}\'')
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if d.ndim != 1 or (d.size and d.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    # PyTorch counts an empty input in int64 even when weights are given
    if weights is None or not d.size:
        return _wrap(np.bincount(d, minlength=minlength).astype(np.int64, copy=False))
    w = weights._data
    if w.ndim != 1 or w.shape[0] != d.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    # PyTorch sums float32 weights in float32 and every other dtype in float64
    rt = np.float32 if w.dtype == np.float32 else np.float64
    return _wrap(np.bincount(d, w.astype(np.float64), minlength).astype(rt))


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0,  # noqa: A002
          *, out=None) -> Tensor:
    """Counts of ``input`` in ``bins`` equal bins over [min, max] (the data's range if both
    are 0); values outside are ignored, the maximum falls in the last bin."""
    d = input._data
    if d.dtype.kind != "f":
        raise NotImplementedError(f'"histogram_cpu" not implemented for \'{tname(d.dtype)}\'')
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo == hi and d.size:
        lo, hi = float(d.min()), float(d.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_fmt_edge(lo)}, {_fmt_edge(hi)}] is not "
                           "finite")
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    x = d.reshape(-1)
    x = x[(x >= lo) & (x <= hi)].astype(np.float64)
    idx = ((x - lo) * bins / (hi - lo)).astype(np.int64)
    np.minimum(idx, bins - 1, out=idx)
    res = _wrap(np.bincount(idx, minlength=bins).astype(d.dtype))
    if out is not None:
        return _pw._out(res, out)
    return res


def _fmt_edge(v: float) -> str:
    return "-nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else \
        f"{v:g}"


_QUANTILE_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input: Tensor, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool,
              name: str) -> Tensor:
    """PyTorch's quantile_impl step by step (sort, gather at the ranks, an in-place lerp, an
    in-place squeeze), so the graph and its node names are PyTorch's."""
    d = input._data
    qa = q._data if isinstance(q, Tensor) else np.asarray(q, d.dtype)
    if d.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if qa.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if isinstance(q, Tensor) and qa.dtype != d.dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    if interpolation not in _QUANTILE_MODES:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    wd = None if dim is None else wrap_dim(dim, builtins.max(d.ndim, 1))
    if not d.size:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if qa.size and (qa.min() < 0 or qa.max() > 1):
        bad = qa.reshape(-1)[(qa.reshape(-1) < 0) | (qa.reshape(-1) > 1)][0]
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {bad:g}")
    if dim is not None and d.ndim:
        out_shape = list(d.shape)
        if keepdim:
            out_shape[wd] = 1
        else:
            del out_shape[wd]
    else:
        out_shape = [1] * d.ndim if keepdim else []
    if dim is None:
        srt = input.flatten().sort()[0]
    elif wd == d.ndim - 1:
        srt = input.sort()[0]
    else:
        srt = input.unsqueeze(-1).transpose(wd, -1).sort()[0]
    in_shape = out_shape + [srt.shape[-1]]
    srt = srt.view(in_shape)
    s = srt._data
    last = s.shape[-1] - 1
    nan = np.isnan(s)
    q1 = qa.reshape(-1) if qa.ndim else qa
    if ignore_nan:
        ranks = q1 * (np.sum(~nan, -1, keepdims=True) - 1).astype(d.dtype)
        ranks[ranks < 0] = 0
    else:
        ranks = np.broadcast_to(q1 * d.dtype.type(last), np.broadcast_shapes(
            q1.shape, nan.shape[:-1] + (1,))).copy()
        ranks[np.broadcast_to(nan.any(-1, keepdims=True), ranks.shape)] = last
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.round(ranks)
    below = ranks.astype(np.int64)
    vals = srt.gather(-1, _wrap(below))
    if interpolation in ("linear", "midpoint"):
        if interpolation == "linear" and isinstance(q, Tensor) and STATE.enabled and q._rg:
            # PyTorch's weights are ``ranks - ranks_below`` with ranks computed from q, so
            # the linear quantile is differentiable in q too: the same steps on tensors
            if ignore_nan:
                rk = q.reshape(q1.shape) * _wrap((np.sum(~nan, -1, keepdims=True) - 1)
                                                 .astype(d.dtype))
                rk = rk.masked_fill(_wrap(rk._data < 0), 0)
            else:
                rk = (q.reshape(q1.shape) * last).expand(ranks.shape)
                rk = rk.masked_fill(_wrap(np.broadcast_to(nan.any(-1, keepdims=True),
                                                          ranks.shape)), last)
            w = rk - _wrap(below)
        else:
            w = _wrap((np.full_like(ranks, 0.5) if interpolation == "midpoint"
                       else ranks - below).astype(d.dtype, copy=False))
        above = srt.gather(-1, _wrap(np.ceil(ranks).astype(np.int64)))
        vals.lerp_(above, w)
    if not qa.ndim:
        return vals.squeeze_(-1)
    return vals.unsqueeze_(0).transpose_(0, -1).squeeze_(-1)


def quantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear", out=None) -> Tensor:
    """The ``q``-th quantiles of ``input`` (over ``dim``, or all elements); NaN if any is."""
    res = _quantile(input, q, dim, keepdim, interpolation, False, "quantile")
    return res if out is None else _pw._out(res, out)


def nanquantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear", out=None) -> Tensor:
    """``quantile`` ignoring NaN values (NaN where a slice has no other value)."""
    res = _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")
    return res if out is None else _pw._out(res, out)


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance of the rows (variables) of ``input`` over its columns (observations),
    with optional frequency and observation weights; PyTorch's composite, op for op."""
    d = input._data
    if d.ndim > 2:
        raise RuntimeError("cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {d.ndim} dimensions")
    if d.dtype == np.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input.view(1, -1) if d.ndim < 2 else input
    n = x.shape[1]
    w = None
    for name, wt in (("fweights", fweights), ("aweights", aweights)):
        if wt is None:
            continue
        if wt._data.ndim > 1:
            raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                               f"{name} with {wt._data.ndim} dimensions")
        if wt._data.size != n:
            raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                               f"observations in the input but got {wt._data.size} != {n}")
        if name == "fweights" and wt._data.dtype.kind not in "iu":
            raise RuntimeError("cov(): expected fweights to have integral dtype but got "
                               f"fweights with {tname(wt._data.dtype)} dtype")
        if name == "aweights" and wt._data.dtype.kind not in "fc":
            raise RuntimeError("cov(): expected aweights to have floating point dtype but got "
                               f"aweights with {tname(wt._data.dtype)} dtype")
        if wt._data.size and wt._data.min() < 0:
            raise RuntimeError(f"cov(): {name} cannot be negative")
        w = wt if w is None else w * wt
    w_sum = w.sum() if w is not None else _wrap(np.asarray(n, np.int64))
    if w is not None and not w_sum._data:
        raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = (x * w if w is not None else x).sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm = w_sum - correction
    if norm._data <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm = norm * 0
    x = x - avg.unsqueeze(1)
    c = x.mm((x * w if w is not None else x).t().conj())
    return _pw.true_divide(c, norm).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the rows of ``input``, clipped to [-1, 1]."""
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError("corrcoef(): expected input to have two or fewer dimensions but got "
                           f"an input with {nd} dimensions")
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    sd = c.diagonal().sqrt()
    c = c / sd.view(-1, 1)
    c = c / sd.view(1, -1)
    return c.clip(-1, 1)


# Complex gradients: these formulas are the real-number derivatives of analytic functions
# (the engine conjugates, ember/autograd/graph.py)
holomorphic(ProdBackward0, ProdBackward1, LogsumexpBackward0, CumprodBackward0)


# -- renorm -------------------------------------------------------------------------------------
def _renorm_norm(x, p: float, dims: tuple):
    """The ``p``-norm of each slice (over ``dims``, kept): arrays, or differentiably."""
    ax = anp.abs(x)
    if p == math.inf:
        return anp.astype(np.max(ax, dims, keepdims=True), ax.dtype) if anp.is_array(ax) \
            else ax.amax(dims, keepdim=True)
    if p == 1:
        return anp.sum(ax, dims, keepdim=True)
    if p == 2:
        return anp.sqrt(anp.sum(ax * ax, dims, keepdim=True))
    return anp.pow(anp.sum(anp.pow(ax, p), dims, keepdim=True), 1.0 / p)


def renorm(input: Tensor, p, dim: int, maxnorm) -> Tensor:
    """Each slice along ``dim`` scaled down to ``p``-norm ``maxnorm`` where its norm is
    larger (by ``maxnorm / (norm + 1e-7)``, as PyTorch)."""
    d = input._data
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if d.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {d.ndim} "
                           "dimensions")
    k = wrap_dim(dim, d.ndim)
    if _kind(d.dtype) not in "fc":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {tname(d.dtype)}")
    dims = tuple(i for i in range(d.ndim) if i != k)
    if p == math.inf:
        for i in dims:
            if d.shape[i] == 0:     # (sic: PyTorch's message lacks the space)
                raise RuntimeError(f"linalg.vector_norm cannot compute the inf norm on the "
                                   f"dimension {i}because this dimension is empty and the "
                                   "operation does not have an identity")
    # half types compute in float32 and round once, as PyTorch's accumulation type
    x = d.astype(np.float32) if d.dtype.itemsize == 2 else d
    with np.errstate(all="ignore"):
        n = _renorm_norm(x, float(p), dims)
        f = np.where(n > maxnorm, maxnorm / (n + 1e-7), 1.0).astype(n.dtype)
        r = (x * f).astype(d.dtype)
    if STATE.enabled and input._rg:
        node = RenormBackward0()
        node.p, node.dims, node.maxnorm = float(p), dims, maxnorm
        t = record1(node, r, input)
        node.save1(input)
        return t
    return _wrap(r)


class RenormBackward0(Node):
    __slots__ = ("p", "dims", "maxnorm")
    _saved_names = ("self",)

    def backward(self, grad):
        # out = x f(n) with f = maxnorm / (n + 1e-7) where n > maxnorm (else 1):
        # dx = f (grad - dn/dx sum(conj(x) grad) / (n + 1e-7)) there, grad elsewhere
        x, = self.saved()
        p, dims = self.p, self.dims
        n = _renorm_norm(x, p, dims)
        over = anp.constant(anp.value(n) > self.maxnorm, x)
        safe = anp.where(over, n, 1.0)
        s = anp.sum(anp.real(anp.conj(x) * grad), dims, keepdim=True)
        ax = anp.abs(x)
        if p == math.inf:
            hit = anp.as_dtype_of(anp.constant(anp.value(ax) == anp.value(n), x), ax)
            dn = anp.sgn(x) * hit / anp.sum(hit, dims, keepdim=True)
        elif p == 1:
            dn = anp.sgn(x)
        elif p == 2:
            dn = x / safe
        else:
            # (at x = 0, where |x|^(p-1) is infinite for p < 1, the sign's 0 wins, as PyTorch)
            nz = anp.where(anp.constant(anp.value(ax) == 0, x), 1.0, ax)
            dn = anp.sgn(x) * anp.pow(nz, p - 1) / anp.pow(safe, p - 1)
        inv = anp.reciprocal(n + 1e-7)
        return (anp.where(over, inv * self.maxnorm * (grad - inv * s * dn), grad),)


def renorm_(input: Tensor, p, dim: int, maxnorm) -> Tensor:
    """In-place :func:`renorm`."""
    from ._elementwise import _apply_inplace
    return _apply_inplace(input, lambda x: renorm(x, p, dim, maxnorm), None, "renorm_")


# -- histogram ----------------------------------------------------------------------------------
def _fma_linspace(lo: float, hi: float, n: int, dt: np.dtype) -> np.ndarray:
    """The bin edges: PyTorch's CPU linspace in ``dt`` (one fused multiply-add a value)."""
    from .creation import _linspace_values
    s, e = dt.type(lo), dt.type(hi)
    if n == 1:
        return np.array([s], dt)
    return _linspace_values(s, e, (e - s) / dt.type(n - 1), n, dt.type)


_HIST_CNAME = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}


def histogram(input: Tensor, bins=100, *, range=None, weight: Tensor | None = None,  # noqa: A002
              density: bool = False, out=None):
    """Counts (or summed ``weight``) of ``input``'s values in ``bins`` equal bins over
    ``range`` (the data's by default) or between the edges of a 1-d ``bins`` tensor; the last
    bin includes its right edge. ``torch.return_types.histogram(hist, bin_edges)``."""
    d = input._data
    if d.dtype not in _HIST_CNAME:
        raise NotImplementedError(f'"histogramdd" not implemented for \'{tname(d.dtype)}\'')
    if isinstance(bins, Tensor):
        if range is not None:
            raise TypeError("histogram() received an invalid combination of arguments - got "
                            "(Tensor, Tensor, range=tuple), but expected one of:\n * (Tensor "
                            "input, Tensor bins, *, Tensor weight = None, bool density = False, "
                            "tuple of Tensors out = None)\n * (Tensor input, int bins = 100, *, "
                            "tuple of floats range = None, Tensor weight = None, bool density "
                            "= False, tuple of Tensors out = None)\n")
        e = bins._data
        if e.ndim != 1:
            raise RuntimeError(f"torch.histogramdd: bins tensor should have one dimension, but "
                               f"got {e.ndim} dimensions in the bins tensor for dimension 0")
        if e.size - 1 <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {e.size - 1} for "
                               "dimension 0")
        if e.dtype != d.dtype:
            raise RuntimeError(f"torch.histogramdd: input tensor and bins tensors should have "
                               f"the same dtype, but got input with dtype {_HIST_CNAME[d.dtype]} "
                               f"and bins for dimension 0 with dtype "
                               f"{_HIST_CNAME.get(e.dtype, tname(e.dtype).lower())}")
        edges = e.copy()
    else:
        if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)):
            raise TypeError(f"histogram(): argument 'bins' must be int or Tensor, not "
                            f"{type(bins).__name__}")
        if bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                               "dimension 0")
    if weight is not None:
        if weight._data.shape != d.shape:
            raise RuntimeError(f"torch.histogramdd: if weight tensor is provided it should have "
                               f"the same shape as the input tensor excluding its innermost "
                               f"dimension, but got input with shape {[d.size, 1]} and weight "
                               f"with shape {list(weight._data.shape)}")
        if weight._data.dtype != d.dtype:
            raise RuntimeError(f"torch.histogramdd: if weight tensor is provided, input tensor "
                               f"and weight tensor should have the same dtype, but got input("
                               f"{_HIST_CNAME[d.dtype]}), and weight("
                               f"{_HIST_CNAME.get(weight._data.dtype, 'other')})")
    if not isinstance(bins, Tensor):
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif d.size:
            lo, hi = float(d.min()), float(d.max())
        else:
            lo, hi = 0.0, 1.0
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min "
                               f"{lo:g} max {hi:g} for dimension 0")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"torch.histogramdd: dimension 0's range [{lo:g}, {hi:g}] is "
                               "not finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = _fma_linspace(lo, hi, int(bins) + 1, d.dtype)
    x = d.reshape(-1)
    nb = edges.size - 1
    keep = (x >= edges[0]) & (x <= edges[-1])        # (NaN falls outside)
    # the bin whose [left, right) holds x (the last one closed), as PyTorch's search
    idx = np.minimum(np.searchsorted(edges, x[keep], side="right") - 1, nb - 1)
    hist = np.zeros(nb, d.dtype)
    w = np.ones(idx.size, d.dtype) if weight is None else weight._data.reshape(-1)[keep]
    np.add.at(hist, idx, w)
    if density:
        with np.errstate(all="ignore"):
            hist = (hist / hist.sum(dtype=d.dtype) / np.diff(edges)).astype(d.dtype)
    inputs = [t for t in (input, bins, weight) if isinstance(t, Tensor)]
    if out is not None:
        return _fill_out(histogram_type(_wrap(hist), _wrap(edges)), out)
    if STATE.enabled and builtins.any(t._rg for t in inputs):
        from ._elementwise import _not_implemented_grad
        return histogram_type(_not_implemented_grad(hist, inputs, "histogram"),
                              _not_implemented_grad(edges, inputs, "histogram"))
    return histogram_type(_wrap(hist), _wrap(edges))


# -- trapezoid, cumulative_trapezoid -------------------------------------------------------------
# Composed of ember ops in PyTorch's order, so the graph (grad_fn DivBackward1 with an ``x``,
# MulBackward1 or CumsumBackward0 with a ``dx``) and the dtypes are PyTorch's.
def _trapz_signature_error(name: str, got: str) -> TypeError:
    x_form = " * (Tensor y, Tensor x, *, int dim = -1)\n"
    dx_form = f" * (Tensor y, *, {'float' if name == 'trapz' else 'Number'} dx = 1, int dim = -1)\n"
    forms = dx_form + x_form if name == "trapz" else x_form + dx_form
    return TypeError(f"{name}() received an invalid combination of arguments - got ({got}), but "
                     f"expected one of:\n{forms}")


def _trapz_args(name: str, y: Tensor, x, dx, dim: int):
    """PyTorch's argument checks; returns ``(dim, x viewed to broadcast along dim, dx)``."""
    if x is not None and not isinstance(x, Tensor):
        raise _trapz_signature_error(name, f"Tensor, {type(x).__name__}")
    if x is not None and dx is not None:
        raise _trapz_signature_error(name, f"Tensor, Tensor, dx={type(dx).__name__}")
    if x is None and isinstance(dx, complex) and name == "trapz":
        raise _trapz_signature_error(name, "Tensor, dx=complex")
    if x is None and isinstance(dx, complex):
        raise RuntimeError(f"{name}: Currently, we only support dx as a real number.")
    d = wrap_dim(dim, y.dim())
    name = "trapezoid" if name == "trapz" else name     # (the kernel's messages)
    if x is None:
        if y.dtype is _dtype.bool_:
            raise RuntimeError(f"{name}: received a bool input for `y`, but bool is not "
                               "supported")
        return d, None, 1 if dx is None else dx
    if y.dtype is _dtype.bool_ or x.dtype is _dtype.bool_:
        raise RuntimeError(f"{name}: received a bool input for `x` or `y`, but bool is not "
                           "supported")
    if x.dim() == 1:
        if x.shape[0] != y.shape[d]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        shape = [1] * y.dim()
        shape[d] = x.shape[0]
        x = x.view(shape)
    elif x.dim() < y.dim():
        x = x.view([1] * (y.dim() - x.dim()) + list(x.shape))
    return d, x, None


def _along(t: Tensor, dim: int, start, stop) -> Tensor:
    return t[(slice(None),) * dim + (slice(start, stop),)]


def _smul(t: Tensor, s) -> Tensor:
    """``t * s`` for a number ``s``, recorded as PyTorch's C++ (``MulBackward1``)."""
    from .composite import _mul_scalar
    return _mul_scalar(t, s) if _kind(t._data.dtype) in "fc" else t * s


def _sdiv(t: Tensor, s) -> Tensor:
    """``t / s`` for a number ``s``, recorded as PyTorch's C++ (``DivBackward1``)."""
    from .composite import _div_scalar
    return _div_scalar(t, s) if _kind(t._data.dtype) in "fc" else t / s


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1,
              _name: str = "trapezoid") -> Tensor:
    """The trapezoidal rule's integral of ``y`` along ``dim``, at sample points ``x`` or with
    spacing ``dx`` (default 1)."""
    if y.dim() == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d, xv, step = _trapz_args(_name, y, x, dx, dim)
    if y.shape[d] == 0:
        return y.new_zeros([s for i, s in enumerate(y.shape) if i != d])
    if xv is None:
        return _smul(y.sum(d) - _smul(y.select(d, 0) + y.select(d, -1), 0.5), step)
    h = _along(xv, d, 1, None) - _along(xv, d, 0, -1)
    return _sdiv((h * (_along(y, d, 1, None) + _along(y, d, 0, -1))).sum(d), 2.0)


def trapz(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1) -> Tensor:
    """The deprecated spelling of :func:`trapezoid`."""
    return trapezoid(y, x, dx=dx, dim=dim, _name="trapz")


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None,
                         dim: int = -1) -> Tensor:
    """The running trapezoidal integral of ``y`` along ``dim`` (one value fewer than ``y``)."""
    d, xv, step = _trapz_args("cumulative_trapezoid", y, x, dx, dim)
    if y.dim() == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    if xv is None:
        return _smul(_along(y, d, 1, None) + _along(y, d, 0, -1), step / 2.0).cumsum(d)
    h = _along(xv, d, 1, None) - _along(xv, d, 0, -1)
    return _sdiv((h * (_along(y, d, 1, None) + _along(y, d, 0, -1))).cumsum(d), 2.0)
