"""Machinery shared by the elementwise ops (ember.ops.arithmetic, transcendental, special,
comparison): PyTorch's dtype names and error messages, operand promotion for binary ufuncs
without NumPy's warnings, the unary-op driver that records a node, ``out=``, and the shared
body of the in-place forms.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype
from .._errstate import QUIET as _QUIET, quiet_off as _quiet_off, quiet_on as _quiet_on
from .._tensor import Tensor, check_inplace
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record, record1
from . import inplace as _ip
from ._util import binary_arrays, broadcast_shapes, scalar_value, tname


_wrap = Tensor._wrap
_ndarray = np.ndarray
_NUMBER = (bool, int, float, complex, np.number, np.bool_)
# bfloat16's NumPy dtype is one canonical object: an identity test is half the cost of ==
_BF16 = _dtype.BF16


def _bf16_loaded() -> None:
    global _BF16
    _BF16 = _dtype.BF16


_dtype.on_bf16_load(_bf16_loaded)



def _q1(fn, x):
    """``fn(x)`` without NumPy's floating-point warnings."""
    tok = _quiet_on(_QUIET)
    try:
        return fn(x)
    finally:
        _quiet_off(tok)


def _q2(fn, x, y):
    tok = _quiet_on(_QUIET)
    try:
        return fn(x, y)
    finally:
        _quiet_off(tok)


# -- helpers ----------------------------------------------------------------------------------
_CTYPE = {np.dtype(k): v for k, v in (
    ("uint8", "uint8_t"), ("int8", "int8_t"), ("int16", "int16_t"), ("int32", "int"),
    ("int64", "int64_t"), ("bool", "bool"))}


def _not_impl(kernel: str, dt) -> NotImplementedError:
    return NotImplementedError(f'"{kernel}" not implemented for \'{tname(dt)}\'')


def _type_error(fname: str, x, arg: str = "input", pos: int = 1) -> TypeError:
    return TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be Tensor, not "
                     f"{type(x).__name__}")


def _data(x, fname: str) -> np.ndarray:
    """``x``'s array; PyTorch's TypeError when ``x`` is not a tensor."""
    try:
        return x._data
    except AttributeError:
        raise _type_error(fname, x) from None


def _fdata(x, fname: str) -> np.ndarray:
    """The data as a floating array: integer and bool inputs of float functions give the
    default float dtype, as in PyTorch."""
    try:
        d = x._data
    except AttributeError:
        raise _type_error(fname, x) from None
    if d.dtype.kind in "fc" or d.dtype == _dtype.BF16:
        return d
    return d.astype(_dtype.get_default_dtype().np)


def _real_fdata(x, fname: str, kernel: str) -> np.ndarray:
    """Like ``_fdata``, refusing complex input (erf, ...) with PyTorch's error."""
    d = _fdata(x, fname)
    if d.dtype.kind == "c":
        raise _not_impl(kernel, d.dtype)
    return d


def _declines(op: bool, other) -> bool:
    """Whether the operator form of an op (its ``_op`` flag, set by ember/_interop.py) declines
    ``other``: an ndarray, which NumPy's reflected operator then computes with as PyTorch's
    do. Asked only on an op's slow path, so tensor and number operands pay nothing."""
    return op and isinstance(other, _ndarray)


# Below these magnitudes a double result converts to the float dtype without overflowing.
_FINITE = {np.dtype(np.float16): 65000.0, np.dtype(np.float32): 3.4e38,
           np.dtype(np.float64): math.inf}


def _binary(np_fn, a, b, py_fn=None):
    """Apply a NumPy binary ufunc with PyTorch's promotion and broadcast error.

    ``py_fn``, the same operation on Python floats, serves two 0-d floating tensors of one
    dtype (a scalar graph's every op): as exact (a double result of + - * on two floats rounds
    to the float NumPy computes) and several times faster than a ufunc on 0-d arrays."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        x = a._data
        y = b._data
        dt = x.dtype
        if dt is not y.dtype:
            x, y = binary_arrays(a, b)
        elif py_fn is not None and not x.ndim and not y.ndim:
            lim = _FINITE.get(dt)   # (None: not float16/32/64)
            if lim is not None:
                v = py_fn(x.item(), y.item())
                if -lim < v < lim:  # (else NumPy below: inf and NaN without a cast warning)
                    return np.array(v, dt)
    else:
        x, y = binary_arrays(a, b)
    tok = _quiet_on(_QUIET)
    try:
        if getattr(x, "dtype", None) is _BF16 or getattr(y, "dtype", None) is _BF16:
            return _bf16_binary(np_fn, x, y)
        return np_fn(x, y)
    except ValueError:
        broadcast_shapes(np.shape(x), np.shape(y))
        raise
    finally:
        _quiet_off(tok)


def _bf16_binary(np_fn, x, y):
    """A bfloat16 binary op as PyTorch's CPU kernels compute it: in float32, the result
    rounded once. A Python number stays float32 for * and /, but + and - first round it to
    bfloat16 (PyTorch's add kernel takes the scalar in the tensor's dtype)."""
    bf = _dtype.BF16
    if np_fn is np.add or np_fn is np.subtract:
        x = x if isinstance(x, np.ndarray) else float(np.asarray(x, bf))
        y = y if isinstance(y, np.ndarray) else float(np.asarray(y, bf))
    r = np_fn(x.astype(np.float32) if getattr(x, "dtype", None) == bf else x,
              y.astype(np.float32) if getattr(y, "dtype", None) == bf else y)
    return r.astype(bf) if r.dtype == np.float32 else r


def _call_broadcast(np_fn, x, y):
    """``np_fn(x, y)`` quietly, with PyTorch's error for shapes that do not broadcast."""
    tok = _quiet_on(_QUIET)
    try:
        if getattr(x, "dtype", None) is _BF16 or getattr(y, "dtype", None) is _BF16:
            return _bf16_binary(np_fn, x, y)
        return np_fn(x, y)
    except ValueError:
        broadcast_shapes(np.shape(x), np.shape(y))
        raise
    finally:
        _quiet_off(tok)


def _zero_ties(r, x):
    """A max/min-style result keeps the first operand where both are zeros, as PyTorch
    (``maximum(-0.0, 0.0)`` is -0.0; NumPy's vector loops return the second operand there)."""
    if r.dtype.kind != "f" or x.all():       # all() is False only where x has zeros
        return r
    if r.__class__ is not _ndarray or not r.flags.writeable:
        r = np.array(r)
    np.copyto(r, x, where=(x == 0) & (r == 0))
    return r


def _broadcasting(np_fn, x, y):
    """``np_fn(x, y)`` for ufuncs that never warn, with PyTorch's broadcast error."""
    try:
        return np_fn(x, y)
    except ValueError:
        broadcast_shapes(np.shape(x), np.shape(y))
        raise


_SAVE_NONE, _SAVE_INPUT, _SAVE_RESULT = 0, 1, 2


def _finish(input: Tensor, r, node_cls, save: int, out) -> Tensor:
    """Wrap the NumPy result of a unary op, recording ``node_cls`` when a graph is needed."""
    if STATE.enabled and input._rg:
        node = node_cls()
        t = record1(node, r, input)
        if save == _SAVE_INPUT:
            node.save1(input)
        elif save == _SAVE_RESULT:
            node.save_result(t)
        return t if out is None else _out(t, out)
    t = _wrap(r)
    return t if out is None else _out(t, out)


def _float_unary(input, np_fn, node_cls, save: int, out, fname: str) -> Tensor:
    d = _fdata(input, fname)
    if d.dtype == _dtype.BF16:
        # bfloat16 in float32, rounded once at the end (PyTorch's kernels; not at every step)
        return _finish(input, _q1(np_fn, d.astype(np.float32)).astype(d.dtype), node_cls,
                       save, out)
    return _finish(input, _q1(np_fn, d), node_cls, save, out)


def _out(t: Tensor, out):
    """Honour ``out=``: write the result into ``out`` (resizing it as PyTorch does)."""
    if out is None:
        return t
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if STATE.enabled and (t._rg or out._rg):
        raise RuntimeError("out=... arguments don't support automatic differentiation, but "
                           "one of the arguments requires grad.")
    src, od = t._data, out._data
    if src.dtype != od.dtype and not _can_store(src.dtype, od.dtype):
        raise RuntimeError(f"result type {tname(src.dtype)} can't be cast to the desired "
                           f"output type {tname(od.dtype)}")
    if od.shape != src.shape:
        if od.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(od.shape)}, which does not match the required output shape "
                f"{list(src.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                "with t.resize_(0). (Triggered internally at /__w/pytorch/pytorch/aten/src/"
                "ATen/native/Resize.cpp:30.)", UserWarning, stacklevel=3)
        out._data = np.empty(src.shape, od.dtype)
        out._data[...] = src
    else:
        _ip.write(out, src)
        return out
    out._bump()
    return out


_KIND_ORDER = "biufc"


def _can_store(src, dst) -> bool:
    """PyTorch's ``can_cast`` for results: never down a category (float into int...)."""
    return _KIND_ORDER.index(_dtype.kind(src)) <= _KIND_ORDER.index(_dtype.kind(dst))


# -- in-place machinery -------------------------------------------------------------------------
def _apply_inplace(input: Tensor, compute, other=None, name: str | None = None) -> Tensor:
    """Shared body of in-place ops: ``compute(x)`` is the out-of-place op applied to ``x``.

    With a graph, the result is computed from a snapshot of ``input`` and committed (history
    rebased onto ``input``); without, the values are written into ``input``'s memory."""
    if not isinstance(input, Tensor):
        raise _type_error(name or "inplace", input)
    check_inplace(input)
    _check_inplace_broadcast(input, other)
    if _ip.needs_graph(input, other):
        y = compute(_ip.snapshot(input))
        _check_inplace_result(input, y)
        return _ip.commit(input, y)
    y = compute(input)
    _check_inplace_result(input, y)
    _ip.write(input, y._data)
    return input


def _check_inplace_result(x: Tensor, y: Tensor) -> None:
    xd, yd = x._data, y._data
    if yd.dtype != xd.dtype and not _can_store(yd.dtype, xd.dtype):
        raise RuntimeError(f"result type {tname(yd.dtype)} can't be cast to the desired "
                           f"output type {tname(xd.dtype)}")
    if yd.shape != xd.shape:
        raise RuntimeError(f"output with shape {list(xd.shape)} doesn't match the broadcast "
                           f"shape {list(yd.shape)}")


def _unary_inplace(fn, name: str):
    """The in-place form ``name`` of the unary op ``fn``."""
    def op(input: Tensor) -> Tensor:
        return _apply_inplace(input, fn, None, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"In-place :func:`{fn.__name__}`."
    return op


def _binary_inplace(fn, name: str):
    """The in-place form ``name`` of the binary op ``fn(input, other)``."""
    def op(input: Tensor, other) -> Tensor:
        return _apply_inplace(input, lambda x: fn(x, other), other, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"In-place :func:`{fn.__name__}`."
    return op


class _NotImplementedBackward(Node):
    """PyTorch's node for ops without a derivative formula: backward raises."""

    __slots__ = ("op",)

    def name(self) -> str:
        return "torch::autograd::NotImplemented"

    def backward(self, grad):
        raise RuntimeError(f"derivative for aten::{self.op} is not implemented")


_NotImplementedBackward.__name__ = _NotImplementedBackward.__qualname__ = "NotImplemented"


def _not_implemented_grad(r, inputs, op: str) -> Tensor:
    node = _NotImplementedBackward()
    node.op = op
    return record(node, r, inputs)


def _res_dtype(x, y) -> np.dtype:
    """The (already promoted) dtype of NumPy operands, one of which may be a Python number."""
    return x.dtype if x.__class__ is _ndarray else np.asarray(y).dtype


def _float_pair(a, b, kernel: str | None = None, real: str | None = None):
    """Operands promoted as PyTorch does. When that type is integral, each operand goes
    straight to the default float dtype (a negative int64 0-d tensor next to a uint8 tensor
    stays negative), or, with ``kernel``, PyTorch's NotImplementedError is raised; ``real``
    names the kernel that refuses complex operands."""
    x, y = binary_arrays(a, b)
    dt = _res_dtype(x, y)
    if dt.kind == "c" and real is not None:
        raise _not_impl(real, dt)
    if _dtype.kind(dt) not in "fc":
        if kernel is not None:
            raise _not_impl(kernel, dt)
        f = _dtype.get_default_dtype().np
        x = a._data.astype(f) if isinstance(a, Tensor) else float(scalar_value(a))
        y = b._data.astype(f) if isinstance(b, Tensor) else float(scalar_value(b))
    return x, y


def _check_int_arg(v) -> None:
    # PyTorch's argument parser takes Python ints up to 64 bits (unsigned at the top)
    if isinstance(v, int) and not -2 ** 63 <= v < 2 ** 64:
        raise OverflowError("int too big to convert")


def _check_inplace_broadcast(x, other) -> None:
    """PyTorch's error when ``other`` would broadcast ``x`` to a larger shape."""
    if isinstance(other, Tensor) and isinstance(x, Tensor):
        xs, os_ = x._data.shape, other._data.shape
        if xs != os_:
            s = broadcast_shapes(xs, os_)
            if s != xs:
                raise RuntimeError(f"output with shape {list(xs)} doesn't match the broadcast "
                                   f"shape {list(s)}")


def _fast_inplace(x, other, ufunc) -> bool:
    """The common case of ``x op= other`` with no autograd to record, written straight into
    x's memory: a float tensor with a same-dtype, same-shape tensor or a Python number."""
    if not isinstance(x, Tensor):
        return False
    xd = x._data
    if xd.dtype.kind != "f" or not xd.ndim or not xd.flags.writeable or 0 in xd.strides:
        return False
    oc = other.__class__
    if oc is float or oc is int and -2 ** 53 <= other <= 2 ** 53:
        od = other
    elif oc is Tensor or isinstance(other, Tensor):
        od = other._data
        if od.dtype != xd.dtype or od.shape != xd.shape or other._rg and STATE.enabled:
            return False
    else:
        return False
    if STATE.enabled and (x._rg or x._base is not None and x._base._rg):
        return False
    tok = _quiet_on(_QUIET)
    try:
        ufunc(xd, od, out=xd)
    finally:
        _quiet_off(tok)
    x._bump()
    return True


def _quiet_inplace_op(input, other, ufunc, fn):
    tok = _quiet_on(_QUIET)
    try:
        return _ip.inplace_op(input, other, ufunc, fn)
    finally:
        _quiet_off(tok)


def _is_bool(v) -> bool:
    return isinstance(v, (bool, np.bool_)) or isinstance(v, Tensor) and \
        v._data.dtype == np.bool_


def _no_inplace_derivative(fn, name: str):
    """PyTorch has no derivative for these in-place forms: they work without a graph only."""
    def op(input: Tensor) -> Tensor:
        if isinstance(input, Tensor) and STATE.enabled and \
                (input._rg or input._base is not None and input._base._rg):
            check_inplace(input)
            raise NotImplementedError(f"the derivative for 'inplace version of {fn.__name__}' "
                                      "is not implemented.")
        return _apply_inplace(input, fn, None, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"In-place :func:`{fn.__name__}`."
    return op
