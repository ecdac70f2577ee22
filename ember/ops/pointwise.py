"""Elementwise ops: arithmetic, powers, exponentials, trigonometry, rounding, comparisons,
logical and bitwise ops, clamping, and their in-place forms.

Each forward function is followed by its backward node, named as in PyTorch. Results follow
PyTorch's dtype rules (``sqrt`` of an int tensor is float32, ``floor`` of one stays int,
comparisons give bool) and its gradients at special points (``abs`` at 0 is 0, ``maximum``
splits ties in half, ``clamp`` passes the gradient at its boundaries).
"""
from __future__ import annotations

import builtins
import math
import operator as _operator
import warnings

import numpy as np

from .. import _dtype
from .._errstate import QUIET as _QUIET, quiet_off as _quiet_off, quiet_on as _quiet_on
from .._tensor import Tensor, check_inplace
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record, record1, record2
from . import inplace as _ip
from ._util import binary_arrays, broadcast_shapes, scalar_value

_wrap = Tensor._wrap
_ndarray = np.ndarray
_NUMBER = (bool, int, float, complex, np.number, np.bool_)

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
_TNAME = {np.dtype(k): v for k, v in (
    ("float16", "Half"), ("float32", "Float"), ("float64", "Double"), ("int8", "Char"),
    ("int16", "Short"), ("int32", "Int"), ("int64", "Long"), ("uint8", "Byte"),
    ("bool", "Bool"), ("complex64", "ComplexFloat"), ("complex128", "ComplexDouble"))}
_TNAME[_dtype.BF16] = "BFloat16"
_CTYPE = {np.dtype(k): v for k, v in (
    ("uint8", "uint8_t"), ("int8", "int8_t"), ("int16", "int16_t"), ("int32", "int"),
    ("int64", "int64_t"), ("bool", "bool"))}


def _tname(dt) -> str:
    """PyTorch's scalar-type name of a NumPy dtype ('Float', 'Long', ...)."""
    return _TNAME[np.dtype(dt)]


def _not_impl(kernel: str, dt) -> NotImplementedError:
    return NotImplementedError(f'"{kernel}" not implemented for \'{_tname(dt)}\'')


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


def _check_tensor(x, fname: str, arg: str = "input") -> None:
    if not isinstance(x, Tensor):
        raise _type_error(fname, x, arg, 1 if arg == "input" else 2)


def _tensor_arg(fname: str, other, arg: str = "other", pos: int = 2) -> None:
    if not isinstance(other, Tensor):
        raise _type_error(fname, other, arg, pos)


def _rg(x) -> bool:
    return isinstance(x, Tensor) and x._rg


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
        if x.dtype is not y.dtype:
            x, y = binary_arrays(a, b)
        elif py_fn is not None and not x.ndim and not y.ndim and x.dtype.kind == "f":
            v = py_fn(x.item(), y.item())
            lim = _FINITE.get(x.dtype, 0.0)
            if -lim < v < lim:      # (else NumPy below: inf and NaN without a cast warning)
                return np.array(v, x.dtype)
    else:
        x, y = binary_arrays(a, b)
    tok = _quiet_on(_QUIET)
    try:
        if getattr(x, "dtype", None) == _dtype.BF16 or getattr(y, "dtype", None) == _dtype.BF16:
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
        x = x if isinstance(x, _ndarray) else float(np.asarray(x, bf))
        y = y if isinstance(y, _ndarray) else float(np.asarray(y, bf))
    r = np_fn(x.astype(np.float32) if getattr(x, "dtype", None) == bf else x,
              y.astype(np.float32) if getattr(y, "dtype", None) == bf else y)
    return r.astype(bf) if r.dtype == np.float32 else r


def _call_broadcast(np_fn, x, y):
    """``np_fn(x, y)`` quietly, with PyTorch's error for shapes that do not broadcast."""
    tok = _quiet_on(_QUIET)
    try:
        if getattr(x, "dtype", None) == _dtype.BF16 or getattr(y, "dtype", None) == _dtype.BF16:
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


def _const(a) -> Tensor:
    return _wrap(np.asarray(a))


def _zeros_like(g: Tensor) -> Tensor:
    return _wrap(np.zeros(g._data.shape, g._data.dtype))


def _mask(m, g: Tensor) -> Tensor:
    """A 0/1 tensor in the gradient's dtype (multiplying by it keeps NaN grads where 1)."""
    return _wrap(np.asarray(m, dtype=g._data.dtype))


def _select(cond: np.ndarray, grad: Tensor) -> Tensor:
    """``where(cond, grad, 0)`` (0 even for inf/NaN grads), differentiable in ``grad``."""
    if STATE.enabled:
        return where(_const(cond), grad, 0.0)
    return _wrap(_select_np(cond, grad._data))


def _select_np(cond: np.ndarray, g):
    """``_select`` on arrays."""
    if g.__class__ is not _ndarray:     # a NumPy scalar (the gradient of a 0-d tensor)
        return g if cond else g.dtype.type(0)
    # a product is many times faster than np.where on scattered masks; it differs only
    # where the gradient is not finite
    if np.isfinite(g).all():
        return np.multiply(g, cond, dtype=g.dtype)
    return np.where(cond, g, 0).astype(g.dtype, copy=False)


def _promoted(g, x):
    """A gradient array and a saved array in the dtype ember's promotion gives ``g * x``
    (NumPy promotes integer and 0-d operands differently), for the NumPy formulas."""
    dx = x.dtype
    if dx is g.dtype or dx == g.dtype:
        return g, x
    rt = _dtype.result_type(_wrap(np.asarray(g)), _wrap(x)).np
    return g.astype(rt), x.astype(rt)


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
        raise RuntimeError(f"result type {_tname(src.dtype)} can't be cast to the desired "
                           f"output type {_tname(od.dtype)}")
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
        raise RuntimeError(f"result type {_tname(yd.dtype)} can't be cast to the desired "
                           f"output type {_tname(xd.dtype)}")
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


# =============================================================================================
# add / sub / mul / div
# =============================================================================================
def _scaled_operands(a, b, alpha):
    """NumPy operands of ``a (+/-) alpha * b`` with ``b`` already scaled (no graph node for
    the scaling, as PyTorch's fused kernel)."""
    x, y = binary_arrays(a, b)
    alpha = scalar_value(alpha)
    if alpha.__class__ is int and alpha == 1:
        return x, y
    dt = x.dtype if x.__class__ is _ndarray else np.asarray(y).dtype
    if isinstance(alpha, float) and dt.kind in "iub":
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    if isinstance(alpha, bool) and dt != np.bool_:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if y.__class__ is _ndarray:
        return x, _q2(np.multiply, y, alpha)
    return x, y * alpha


def add(input, other, *, alpha=1, out=None) -> Tensor:
    """``input + alpha * other``, broadcasting."""
    if alpha.__class__ is int and alpha == 1:
        r = _binary(np.add, input, other, _operator.add)
    else:
        r = _call_broadcast(np.add, *_scaled_operands(input, other, alpha))
    if STATE.enabled and (isinstance(input, Tensor) and input._rg or
                          isinstance(other, Tensor) and other._rg):
        node = AddBackward0()
        node.alpha = alpha
        return _out(record2(node, r, input, other), out)
    t = _wrap(r)
    return t if out is None else _out(t, out)


class AddBackward0(Node):
    __slots__ = ("alpha",)

    def backward(self, grad):          # d(a + alpha b) = grad, alpha grad
        a = self.alpha
        return grad, (grad if a == 1 else grad * a)

    _np_backward = backward


def _check_sub(a, b) -> None:
    da = a._data.dtype if isinstance(a, Tensor) else None
    db = b._data.dtype if isinstance(b, Tensor) else None
    ba = da == np.bool_ or isinstance(a, (bool, np.bool_))
    bb = db == np.bool_ or isinstance(b, (bool, np.bool_))
    if ba and bb:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if ba or bb:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not "
                           "supported. If you are trying to invert a mask, use the `~` or "
                           "`logical_not()` operator instead.")


def sub(input, other, *, alpha=1, out=None) -> Tensor:
    """``input - alpha * other``, broadcasting."""
    if input.__class__ is Tensor and other.__class__ is Tensor:
        if input._data.dtype.kind == "b" or other._data.dtype.kind == "b":
            _check_sub(input, other)
    elif _is_bool(input) or _is_bool(other):
        _check_sub(input, other)
    if alpha.__class__ is int and alpha == 1:
        r = _binary(np.subtract, input, other, _operator.sub)
    else:
        r = _call_broadcast(np.subtract, *_scaled_operands(input, other, alpha))
    if STATE.enabled and (isinstance(input, Tensor) and input._rg or
                          isinstance(other, Tensor) and other._rg):
        node = SubBackward0()
        node.alpha = alpha
        return _out(record2(node, r, input, other), out)
    t = _wrap(r)
    return t if out is None else _out(t, out)


subtract = sub


class SubBackward0(Node):
    __slots__ = ("alpha",)

    def backward(self, grad):          # d(a - alpha b) = grad, -alpha grad
        a = self.alpha
        return grad, (-grad if a == 1 else grad * -a)

    _np_backward = backward


def rsub(input: Tensor, other, *, alpha=1) -> Tensor:
    """``other - alpha * input`` (what ``2 - x`` calls)."""
    _check_tensor(input, "rsub")
    if input._data.dtype == np.bool_ or isinstance(other, (bool, np.bool_)) or \
            isinstance(other, Tensor) and other._data.dtype == np.bool_:
        _check_sub(other, input)
    xs, ys = _scaled_operands(other, input, alpha)
    r = _call_broadcast(np.subtract, xs, ys)
    if STATE.enabled and (input._rg or _rg(other)):
        if isinstance(other, Tensor):
            node = RsubBackward0()
            node.alpha = alpha
            return record2(node, r, input, other)
        node = RsubBackward1()
        node.alpha = alpha
        return record1(node, r, input)
    return _wrap(r)


class RsubBackward0(Node):
    __slots__ = ("alpha",)

    def backward(self, grad):          # d(b - alpha a) = -alpha grad, grad
        return (-grad if self.alpha == 1 else grad * -self.alpha), grad

    _np_backward = backward


class RsubBackward1(Node):
    __slots__ = ("alpha",)

    def backward(self, grad):
        return (-grad if self.alpha == 1 else grad * -self.alpha),

    _np_backward = backward


def mul(input, other, *, out=None) -> Tensor:
    """Elementwise product, broadcasting."""
    r = _binary(np.multiply, input, other, _operator.mul)
    if STATE.enabled and (isinstance(input, Tensor) and input._rg or
                          isinstance(other, Tensor) and other._rg):
        if not isinstance(input, Tensor):
            input, other = other, input
        node = MulBackward0()
        t = record2(node, r, input, other)
        if isinstance(other, Tensor):
            node.save2(input if other._rg else None, other if input._rg else None)
        else:
            node.save2(None, None)
            node.other = scalar_value(other)
        return t if out is None else _out(t, out)
    t = _wrap(r)
    return t if out is None else _out(t, out)


multiply = mul


class MulBackward0(Node):
    __slots__ = ("other",)
    _saved_names = ("self", "other")
    _wants_tensors = False

    def backward(self, grad):          # d(a*b) = grad*b, grad*a
        a, b = self.saved()
        if a is None and b is None:    # times a Python number
            return grad * self.other, None
        return (None if b is None else grad * b,
                None if a is None else grad * a)


def div(input, other, *, rounding_mode=None, out=None) -> Tensor:
    """True division (integers give floats); ``rounding_mode`` 'trunc' or 'floor'."""
    if rounding_mode is not None:
        return _out(_rounded_div(input, other, rounding_mode), out)
    x, y = _float_pair(input, other)
    r = _call_broadcast(np.true_divide, x, y)
    if STATE.enabled and (_rg(input) or _rg(other)):
        node = DivBackward0()
        t = record2(node, r, input, other)
        if not isinstance(other, Tensor):
            node.save2(None, None)
            node.other = scalar_value(other)
        elif isinstance(input, Tensor):
            node.save2(input if other._rg else None, other)
        else:
            node.save2(None, other)
            node.self_scalar = scalar_value(input)
        return t if out is None else _out(t, out)
    t = _wrap(r)
    return t if out is None else _out(t, out)


divide = true_divide = div


class DivBackward0(Node):
    __slots__ = ("other", "self_scalar")
    _saved_names = ("self", "other")

    def backward(self, grad):          # d(a/b) = grad/b, -grad*a/b^2
        a, b = self.saved_tensors()
        if b is None:
            return grad / self.other, None
        fa, fb = self.next_functions
        ga = grad / b if fa[0] is not None else None
        gb = None
        if fb[0] is not None:
            if a is None:
                a = self.self_scalar
            gb = -grad * ((a / b) / b)
        return ga, gb

    def _np_backward(self, grad):
        a, b = self.saved_tensors()
        if b is None:
            return grad / self.other, None
        fa, fb = self.next_functions
        g, bd = _promoted(grad, b._data)
        ga = g / bd if fa[0] is not None else None
        gb = None
        if fb[0] is not None:
            ad = self.self_scalar if a is None else _promoted(grad, a._data)[1]
            gb = -g * ((ad / bd) / bd)
        return ga, gb


def rdiv(input: Tensor, other) -> Tensor:
    """``other / input``: PyTorch computes ``other * reciprocal(input)``."""
    if isinstance(other, Tensor):
        return div(other, input)
    return mul(reciprocal(input), other)


def _res_dtype(x, y) -> np.dtype:
    """The (already promoted) dtype of NumPy operands, one of which may be a Python number."""
    return x.dtype if x.__class__ is _ndarray else np.asarray(y).dtype


def _int_zero_check(x, y) -> None:
    if _res_dtype(x, y).kind in "iu" and np.any(np.asarray(y) == 0):
        raise RuntimeError("ZeroDivisionError")


def _rounded_div(a, b, mode: str) -> Tensor:
    if mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or "
                           f"'floor' but found '{mode}'")
    x, y = binary_arrays(a, b)
    dt = _res_dtype(x, y)
    if dt.kind in "bc":
        raise _not_impl("div_floor_cpu" if mode == "floor" else "div_trunc_cpu", dt)
    _int_zero_check(x, y)
    if mode == "floor":
        r = _call_broadcast(np.floor_divide, x, y)
    elif dt.kind in "iu":
        q = _call_broadcast(np.floor_divide, x, y)
        # C division truncates: one more than the floor where the signs differ and it is inexact
        fix = (np.remainder(x, y) != 0) & ((np.asarray(x) < 0) != (np.asarray(y) < 0))
        r = np.asarray(q + fix).astype(dt)
    else:
        r = _q1(np.trunc, _call_broadcast(np.true_divide, x, y))
    if STATE.enabled and (_rg(a) or _rg(b)):
        return record2(DivBackward2(), r, a, b)
    return _wrap(r)


class DivBackward2(Node):
    """Rounded division is piecewise constant: its gradient is zero, as in PyTorch."""

    __slots__ = ()

    def backward(self, grad):
        z = _zeros_like(grad)
        return z, z


def floor_divide(input, other, *, out=None) -> Tensor:
    """Division rounded down (Python's ``//``); its derivative is not implemented."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise _type_error("floor_divide", input)
    x, y = binary_arrays(input, other)
    dt = _res_dtype(x, y)
    if dt.kind in "bc":
        raise _not_impl("div_floor_cpu", dt)
    _int_zero_check(x, y)
    r = _call_broadcast(np.floor_divide, x, y)
    if STATE.enabled and (_rg(input) or _rg(other)):
        return _out(_not_implemented_grad(r, (input, other), "floor_divide"), out)
    return _out(_wrap(r), out)


def rfloordiv(input: Tensor, other) -> Tensor:
    """``other // input`` (what ``2 // x`` calls)."""
    return floor_divide(other, input)


def _remainder_np(x, y):
    """Python-style modulus. For floats PyTorch's formula: fmod, plus the divisor where the
    signs differ (a zero result keeps fmod's sign, unlike NumPy's remainder)."""
    if _res_dtype(x, y).kind in "iu":
        return np.remainder(x, y)
    r = np.fmod(x, y)
    fix = (r != 0) & ((r < 0) != (np.asarray(y) < 0))
    if fix.any():
        r = np.where(fix, r + y, r)
    return r


def remainder(input, other, *, out=None) -> Tensor:
    """Python-style modulus: the result has the sign of the divisor."""
    if not isinstance(input, Tensor):
        if not isinstance(other, Tensor):
            raise _type_error("remainder", input)
        x, y = binary_arrays(input, other)
        if y.dtype.kind in "bc":
            raise _not_impl("remainder_cpu", y.dtype)
        _int_zero_check(x, y)
        r = _call_broadcast(_remainder_np, x, y)
        if STATE.enabled and other._rg:
            return _out(_not_implemented_grad(r, (other,), "remainder"), out)
        return _out(_wrap(r), out)
    x, y = binary_arrays(input, other)
    dt = _res_dtype(x, y)
    if dt.kind in "bc":
        raise _not_impl("remainder_cpu", dt)
    _int_zero_check(x, y)
    r = _call_broadcast(_remainder_np, x, y)
    if STATE.enabled and (input._rg or _rg(other)):
        if isinstance(other, Tensor):
            node = RemainderBackward1()
            t = record2(node, r, input, other)
            node.save2(input, other)
        else:
            t = record1(RemainderBackward0(), r, input)
        return _out(t, out)
    return _out(_wrap(r), out)


class RemainderBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad,


class RemainderBackward1(Node):
    __slots__ = ()
    _saved_names = ("self", "other")

    def backward(self, grad):          # a - floor(a/b) b
        a, b = self.saved_tensors()
        gb = None
        if self.next_functions[1][0] is not None:
            gb = -grad * div(a, b, rounding_mode="floor")
        return grad, gb


def rremainder(input: Tensor, other) -> Tensor:
    """``other % input`` (what ``2 % x`` calls)."""
    return remainder(other, input)


def fmod(input: Tensor, other, *, out=None) -> Tensor:
    """C-style modulus: the result has the sign of the dividend."""
    _check_tensor(input, "fmod")
    x, y = binary_arrays(input, other)
    dt = _res_dtype(x, y)
    if dt.kind in "bc":
        raise _not_impl("fmod_cpu", dt)
    _int_zero_check(x, y)
    r = _call_broadcast(np.fmod, x, y)
    if STATE.enabled and (input._rg or _rg(other)):
        if isinstance(other, Tensor):
            node = FmodBackward1()
            t = record2(node, r, input, other)
            node.save2(input, other)
        else:
            t = record1(FmodBackward0(), r, input)
        return _out(t, out)
    return _out(_wrap(r), out)


class FmodBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad,


class FmodBackward1(Node):
    __slots__ = ()
    _saved_names = ("self", "other")

    def backward(self, grad):          # a - trunc(a/b) b
        a, b = self.saved_tensors()
        gb = None
        if self.next_functions[1][0] is not None:
            gb = -grad * div(a, b, rounding_mode="trunc")
        return grad, gb


# =============================================================================================
# unary arithmetic
# =============================================================================================
def neg(input: Tensor, *, out=None) -> Tensor:
    """``-input``."""
    d = _data(input, "neg")
    if d.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return _finish(input, np.negative(d), NegBackward0, _SAVE_NONE, out)


negative = neg


class NegBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return -grad,

    _np_backward = backward


def positive(input: Tensor) -> Tensor:
    """``+input``: the tensor itself."""
    d = _data(input, "positive")
    if d.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def abs(input: Tensor, *, out=None) -> Tensor:
    """Absolute value (the modulus for complex input, giving a real tensor)."""
    d = _data(input, "abs")
    if d.dtype == np.bool_:
        raise _not_impl("abs_cpu", d.dtype)
    if STATE.enabled and input._rg:
        node = AbsBackward0()
        t = record1(node, np.abs(d), input)
        node.save1(input)
        return _out(t, out)
    return _out(_wrap(np.abs(d)), out)


absolute = abs


class AbsBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # d|a| = sgn(a): 0 at 0
        a, = self.saved_tensors()
        return grad * sgn(a),


def reciprocal(input: Tensor, *, out=None) -> Tensor:
    """``1 / input`` (integers give floats)."""
    return _float_unary(input, np.reciprocal, ReciprocalBackward0, _SAVE_RESULT, out,
                        "reciprocal")


class ReciprocalBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d(1/a) = -grad / a^2 = -grad * r^2
        r = self.saved_result()
        if r._data.dtype.kind == "c":
            return -grad * (r * r).conj(),
        return -grad * (r * r),


def sign(input: Tensor, *, out=None) -> Tensor:
    """-1, 0 or 1 by the sign of each element (0 for NaN, as PyTorch); bool stays bool."""
    d = _data(input, "sign")
    k = d.dtype.kind
    if k == "c":
        raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support "
                                  "complex numbers. Please use torch.sgn instead.")
    if k == "b":
        r = d.copy()
    elif k == "f":
        r = np.greater(d, 0).astype(d.dtype)
        r -= np.less(d, 0)
    else:
        r = np.sign(d)
    return _finish(input, r, SignBackward0, _SAVE_NONE, out)


class SignBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return _zeros_like(grad),


def sgn(input: Tensor, *, out=None) -> Tensor:
    """``sign`` for real input; ``x / |x|`` (0 at 0) for complex input."""
    d = _data(input, "sgn")
    if d.dtype.kind != "c":
        r = sign(input.detach() if isinstance(input, Tensor) else input)._data
        return _finish(input, r, SgnBackward0, _SAVE_NONE, out)
    a = np.abs(d)
    r = np.where(a == 0, 0, _q2(np.true_divide, d, np.where(a == 0, 1, a))).astype(d.dtype)
    if STATE.enabled and input._rg:
        node = SgnBackward0()
        t = record1(node, r, input)
        node.save1(input)
        node.save_result(t)
        return _out(t, out)
    return _out(_wrap(r), out)


class SgnBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        if not self._saved:
            return _zeros_like(grad),
        # complex: (grad - Re(grad conj(sgn)) sgn) / |x|, 0 where x == 0
        x, = self.saved_tensors()
        s = self.saved_result()
        a = abs(x)
        proj = (grad * s.conj())
        proj = _wrap(proj._data.real.astype(grad._data.dtype)) if not STATE.enabled else proj
        g = (grad - proj * s) / where(a == 0, 1.0, a)
        return where(a == 0, 0.0, g),


def square(input: Tensor, *, out=None) -> Tensor:
    """``input ** 2`` (a bool tensor gives int64)."""
    return pow(input, 2, out=out)


# =============================================================================================
# powers
# =============================================================================================
def _int_power(x, y):
    """Integer powers with C semantics: a negative exponent gives 0 (1 and -1 excepted)."""
    ya = np.asarray(y)
    neg = ya < 0
    if not neg.any():
        return np.power(x, y)
    xa = np.asarray(x)
    r = np.power(x, np.where(neg, 0, ya).astype(ya.dtype))
    odd = (ya % 2) != 0
    fill = np.where(xa == 1, 1, np.where(xa == -1, np.where(odd, -1, 1), 0))
    return np.where(neg, fill, r).astype(r.dtype)


def _float_power_np(x, y):
    # complex powers as exp(y log x), as PyTorch (0 ** 0 is then NaN, not NumPy's 1)
    if np.asarray(x).dtype.kind == "c" or np.asarray(y).dtype.kind == "c":
        r = np.exp(y * np.log(x))
        return r.astype(np.result_type(x, y), copy=False) if hasattr(r, "astype") else r
    return np.power(x, y)


def pow(input, exponent, *, out=None) -> Tensor:
    """``input ** exponent``: tensor ** number, tensor ** tensor, or number ** tensor."""
    if not isinstance(input, Tensor):
        if not isinstance(exponent, Tensor):
            raise _type_error("pow", input)
        return _out(_scalar_pow(input, exponent), out)
    if isinstance(exponent, Tensor):
        x, y = binary_arrays(input, exponent)
        dt = np.asarray(x).dtype
        if dt == np.bool_:
            raise _not_impl("pow", dt)
        tok = _quiet_on(_QUIET)
        try:
            r = _int_power(x, y) if dt.kind in "iu" else _float_power_np(x, y)
        except ValueError:
            broadcast_shapes(np.shape(x), np.shape(y))
            raise
        finally:
            _quiet_off(tok)
        if STATE.enabled and (input._rg or exponent._rg):
            node = PowBackward1()
            t = record2(node, r, input, exponent)
            node.save2(input, exponent)
            node.save_result(t)
            return _out(t, out)
        return _out(_wrap(r), out)
    e = scalar_value(exponent)
    if not isinstance(e, (int, float, complex)):
        raise TypeError(f"pow(): argument 'exponent' must be Tensor or Number, not "
                        f"{type(exponent).__name__}")
    d = input._data
    if isinstance(e, bool) and d.dtype == np.bool_:
        # bool ** True is the tensor, bool ** False is ones (PyTorch's shortcuts)
        r = d.copy() if e else np.ones(d.shape, np.bool_)
    else:
        x, _ = binary_arrays(input, e)
        if x.dtype.kind in "iu" and e < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if e == 2:
            r = np.multiply(x, x) if x.dtype.kind in "iub" else _q2(np.multiply, x, x)
        else:
            r = _q2(_float_power_np, x, e)
    if STATE.enabled and input._rg:
        node = PowBackward0()
        t = record1(node, r, input)
        node.save1(input)
        node.exponent = e
        return _out(t, out)
    return _out(_wrap(r), out)


class PowBackward0(Node):
    __slots__ = ("exponent",)
    _saved_names = ("self",)

    def backward(self, grad):          # d(a^e) = e a^(e-1); 0 when e == 0
        a, = self.saved_tensors()
        e = self.exponent
        if e == 0:
            return _zeros_like(grad),
        if e == 2:
            return grad * (a * 2),
        return grad * (pow(a, e - 1) * e),

    def _np_backward(self, grad):
        a, = self.saved_tensors()
        a = a._data
        e = self.exponent
        if e == 0:
            return np.zeros(np.shape(grad), grad.dtype),
        if e == 2:
            return grad * (a * 2),
        return grad * ((a * a if e == 3 else _float_power_np(a, e - 1)) * e),


class PowBackward1(Node):
    __slots__ = ()
    _saved_names = ("self", "exponent")

    def backward(self, grad):          # d(a^b): b a^(b-1) (0 where b == 0), a^b log(a)
        a, b = self.saved_tensors()
        fa, fb = self.next_functions
        ga = gb = None
        if fa[0] is not None:
            ga = where(_const(b._data == 0), 0.0, grad * (b * pow(a, b - 1)))
        if fb[0] is not None:
            r = self.saved_result()
            zero = _const((a._data == 0) & (b._data >= 0))
            gb = where(zero, 0.0, grad * (r * log(a)))
        return ga, gb


def _scalar_pow(base, exponent: Tensor) -> Tensor:
    b = scalar_value(base)
    if not isinstance(b, (int, float, complex)):
        raise _type_error("pow", base)
    xb, y = binary_arrays(b, exponent)
    dt = y.dtype
    if dt == np.bool_ and isinstance(b, bool):
        raise _not_impl("pow", dt)
    if dt.kind in "iu":
        # the base wraps into the tensor's integer type, as a C cast does
        r = _int_power(np.asarray(b).astype(dt), y)
    else:
        r = _q2(_float_power_np, np.asarray(b, dtype=dt), y)
    if STATE.enabled and exponent._rg:
        node = PowBackward2()
        t = record1(node, r, exponent)
        node.base = b
        node.save1(exponent)
        node.save_result(t)
        return t
    return _wrap(r)


class PowBackward2(Node):
    __slots__ = ("base",)
    _saved_names = ("exponent",)

    def backward(self, grad):          # d(c^b) = c^b log(c); 0 where c == 0 <= b
        e, = self.saved_tensors()
        r = self.saved_result()
        c = self.base
        if c == 0:
            return where(_const(e._data >= 0), 0.0, grad * (r * -math.inf)),
        lc = math.log(c) if c > 0 else math.nan
        return grad * (r * lc),


def float_power(input, exponent, *, out=None) -> Tensor:
    """``pow`` computed in double precision (complex128 for complex operands)."""
    cplx = any(isinstance(v, complex) or isinstance(v, Tensor) and v._data.dtype.kind == "c"
               for v in (input, exponent))
    dt = _dtype.complex128 if cplx else _dtype.float64

    def up(v):
        if isinstance(v, Tensor):
            return v if v._data.dtype == dt.np else _to_dtype(v, dt)
        v = scalar_value(v)
        return complex(v) if cplx else (float(v) if not isinstance(v, complex) else v)
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise _type_error("float_power", input)
    return pow(up(input), up(exponent), out=out)


def float_power_(input: Tensor, exponent) -> Tensor:
    """In-place :func:`float_power`; the tensor must already be float64 (or complex128)."""
    cplx = input._data.dtype.kind == "c" or isinstance(exponent, complex) or \
        isinstance(exponent, Tensor) and exponent._data.dtype.kind == "c"
    need = np.dtype(np.complex128 if cplx else np.float64)
    if input._data.dtype != need:
        raise RuntimeError(f"the base given to float_power_ has dtype {_tname(input._data.dtype)}"
                           f" but the operation's result requires dtype {_tname(need)}")
    return _apply_inplace(input, lambda x: float_power(x, exponent), exponent, "float_power_")


# =============================================================================================
# exponentials, logarithms, roots
# =============================================================================================
def sqrt(input: Tensor, *, out=None) -> Tensor:
    """Square root (NaN for negative input)."""
    return _float_unary(input, np.sqrt, SqrtBackward0, _SAVE_RESULT, out, "sqrt")


class SqrtBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d sqrt(a) = grad / (2 sqrt(a)): inf at 0
        return grad / (self.saved_result() * 2),


def _rsqrt_np(d):
    r = np.sqrt(d)
    return np.reciprocal(r, out=r) if r.__class__ is _ndarray else 1 / r


def rsqrt(input: Tensor, *, out=None) -> Tensor:
    """``1 / sqrt(input)``."""
    return _float_unary(input, _rsqrt_np, RsqrtBackward0, _SAVE_RESULT, out, "rsqrt")


class RsqrtBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d a^-1/2 = -1/2 a^-3/2 = -r^3 / 2
        r = self.saved_result()
        return grad * (r * r * r) * -0.5,


def exp(input: Tensor, *, out=None) -> Tensor:
    """``e ** input``."""
    return _float_unary(input, np.exp, ExpBackward0, _SAVE_RESULT, out, "exp")


class ExpBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d exp(a) = exp(a)
        return grad * self.saved_result(),

    def _np_backward(self, grad):
        return grad * self._result_array(),


def exp2(input: Tensor, *, out=None) -> Tensor:
    """``2 ** input``."""
    return _float_unary(input, np.exp2, Exp2Backward0, _SAVE_RESULT, out, "exp2")


class Exp2Backward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d 2^a = 2^a ln 2
        return grad * (self.saved_result() * math.log(2.0)),


def expm1(input: Tensor, *, out=None) -> Tensor:
    """``exp(input) - 1``, accurate near 0."""
    return _float_unary(input, np.expm1, Expm1Backward0, _SAVE_RESULT, out, "expm1")


class Expm1Backward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d expm1(a) = expm1(a) + 1
        return grad * (self.saved_result() + 1),


def log(input: Tensor, *, out=None) -> Tensor:
    """Natural logarithm (-inf at 0, NaN below)."""
    return _float_unary(input, np.log, LogBackward0, _SAVE_INPUT, out, "log")


class LogBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # d log(a) = 1 / a
        a, = self.saved_tensors()
        return grad / a,


def log2(input: Tensor, *, out=None) -> Tensor:
    """Base-2 logarithm."""
    return _float_unary(input, np.log2, Log2Backward0, _SAVE_INPUT, out, "log2")


class Log2Backward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / (a ln 2)
        a, = self.saved_tensors()
        return grad / (a * math.log(2.0)),


def log10(input: Tensor, *, out=None) -> Tensor:
    """Base-10 logarithm."""
    return _float_unary(input, np.log10, Log10Backward0, _SAVE_INPUT, out, "log10")


class Log10Backward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / (a ln 10)
        a, = self.saved_tensors()
        return grad / (a * math.log(10.0)),


def log1p(input: Tensor, *, out=None) -> Tensor:
    """``log(1 + input)``, accurate near 0."""
    return _float_unary(input, np.log1p, Log1PBackward0, _SAVE_INPUT, out, "log1p")


class Log1PBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / (1 + a)
        a, = self.saved_tensors()
        return grad / (a + 1),


# =============================================================================================
# trigonometric and hyperbolic functions
# =============================================================================================
def sin(input: Tensor, *, out=None) -> Tensor:
    """Sine (radians)."""
    return _float_unary(input, np.sin, SinBackward0, _SAVE_INPUT, out, "sin")


class SinBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):
        a, = self.saved_tensors()
        return grad * cos(a),


def cos(input: Tensor, *, out=None) -> Tensor:
    """Cosine (radians)."""
    return _float_unary(input, np.cos, CosBackward0, _SAVE_INPUT, out, "cos")


class CosBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):
        a, = self.saved_tensors()
        return grad * -sin(a),


def tan(input: Tensor, *, out=None) -> Tensor:
    """Tangent (radians)."""
    return _float_unary(input, np.tan, TanBackward0, _SAVE_RESULT, out, "tan")


class TanBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d tan = 1 + tan^2
        r = self.saved_result()
        return grad * (r * r + 1),


def asin(input: Tensor, *, out=None) -> Tensor:
    """Inverse sine (NaN outside [-1, 1])."""
    return _float_unary(input, np.arcsin, AsinBackward0, _SAVE_INPUT, out, "asin")


arcsin = asin


class AsinBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / sqrt(1 - a^2)
        a, = self.saved_tensors()
        return grad * rsqrt(1 - a * a),


def acos(input: Tensor, *, out=None) -> Tensor:
    """Inverse cosine (NaN outside [-1, 1])."""
    return _float_unary(input, np.arccos, AcosBackward0, _SAVE_INPUT, out, "acos")


arccos = acos


class AcosBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # -1 / sqrt(1 - a^2)
        a, = self.saved_tensors()
        return grad * -rsqrt(1 - a * a),


def atan(input: Tensor, *, out=None) -> Tensor:
    """Inverse tangent."""
    return _float_unary(input, np.arctan, AtanBackward0, _SAVE_INPUT, out, "atan")


arctan = atan


class AtanBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / (1 + a^2)
        a, = self.saved_tensors()
        return grad / (a * a + 1),


def sinh(input: Tensor, *, out=None) -> Tensor:
    """Hyperbolic sine."""
    return _float_unary(input, np.sinh, SinhBackward0, _SAVE_INPUT, out, "sinh")


class SinhBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):
        a, = self.saved_tensors()
        return grad * cosh(a),


def cosh(input: Tensor, *, out=None) -> Tensor:
    """Hyperbolic cosine."""
    return _float_unary(input, np.cosh, CoshBackward0, _SAVE_INPUT, out, "cosh")


class CoshBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):
        a, = self.saved_tensors()
        return grad * sinh(a),


def tanh(input: Tensor, *, out=None) -> Tensor:
    """Hyperbolic tangent."""
    return _float_unary(input, np.tanh, TanhBackward0, _SAVE_RESULT, out, "tanh")


class TanhBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d tanh = 1 - tanh^2
        t = self.saved_result()
        return grad * (1 - t * t),

    def _np_backward(self, grad):
        t = self._result_array()
        return grad * (1 - t * t),


def asinh(input: Tensor, *, out=None) -> Tensor:
    """Inverse hyperbolic sine."""
    return _float_unary(input, np.arcsinh, AsinhBackward0, _SAVE_INPUT, out, "asinh")


arcsinh = asinh


class AsinhBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / sqrt(a^2 + 1)
        a, = self.saved_tensors()
        return grad * rsqrt(a * a + 1),


def acosh(input: Tensor, *, out=None) -> Tensor:
    """Inverse hyperbolic cosine (NaN below 1)."""
    return _float_unary(input, np.arccosh, AcoshBackward0, _SAVE_INPUT, out, "acosh")


arccosh = acosh


class AcoshBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / sqrt(a^2 - 1)
        a, = self.saved_tensors()
        return grad * rsqrt(a * a - 1),


def atanh(input: Tensor, *, out=None) -> Tensor:
    """Inverse hyperbolic tangent (±inf at ±1, NaN outside)."""
    return _float_unary(input, np.arctanh, AtanhBackward0, _SAVE_INPUT, out, "atanh")


arctanh = atanh


class AtanhBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / (1 - a^2)
        a, = self.saved_tensors()
        return grad / (1 - a * a),


def atan2(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """The angle of the point (other, input): ``atan(input / other)`` in the right quadrant."""
    _check_tensor(input, "atan2")
    _tensor_arg("atan2", other)
    x, y = _float_pair(input, other, real="atan2_cpu")
    r = _call_broadcast(np.arctan2, x, y)
    if STATE.enabled and (input._rg or other._rg):
        node = Atan2Backward0()
        t = record2(node, r, input, other)
        node.save2(input, other)
        return _out(t, out)
    return _out(_wrap(r), out)


arctan2 = atan2


class Atan2Backward0(Node):
    __slots__ = ()
    _saved_names = ("self", "other")

    def backward(self, grad):          # (b, -a) / (a^2 + b^2); 0 at the origin
        a, b = self.saved_tensors()
        rec = reciprocal(a * a + b * b)
        rec = where(_const(np.isinf(rec._data)), 0.0, rec)
        fa, fb = self.next_functions
        return (grad * b * rec if fa[0] is not None else None,
                grad * -a * rec if fb[0] is not None else None)


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


# =============================================================================================
# activations and special functions
# =============================================================================================
def relu(input: Tensor) -> Tensor:
    """``max(input, 0)``; its gradient is 0 where input <= 0."""
    d = _data(input, "relu")
    k = d.dtype.kind
    if k == "f":
        r = np.maximum(d, 0)
        if not d.all():
            r = _zero_ties(r, d)
    elif k == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    elif k == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    else:
        r = np.maximum(d, 0)
    if STATE.enabled and input._rg:
        node = ReluBackward0()
        t = record1(node, r, input)
        node.save_result(t)
        return t
    return _wrap(r)


class ReluBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # passes grad where the output is > 0, else 0
        r = self.saved_result()
        return _select(r._data > 0, grad),

    def _np_backward(self, grad):
        return _select_np(self._result_array() > 0, grad),


def relu_(input: Tensor) -> Tensor:
    """In-place ReLU (``nn.ReLU(inplace=True)``)."""
    _data(input, "relu_")
    d = input._data
    if d.dtype == np.bool_ or d.dtype.kind == "c":
        return relu(input)
    check_inplace(input)
    if _ip.needs_graph(input):
        return _ip.commit(input, relu(input))
    if d.ndim and d.flags.writeable:
        neg_zero = None
        if d.dtype.kind == "f":
            # -0.0 stays -0.0 (PyTorch keeps the input on ties)
            z = d == 0
            if z.any():
                neg_zero = z & np.signbit(d)
        _q2(lambda a, b: np.maximum(a, b, out=a), d, 0)
        if neg_zero is not None:
            d[neg_zero] = -0.0
        input._bump()
    else:
        _ip.write(input, _zero_ties(np.maximum(d, 0), d))
    return input


def _sigmoid_np(x):
    # 1 / (1 + e^-x): for very negative x the exponential overflows to inf and the result is
    # exactly 0, as in PyTorch, so no branch is needed.
    if not x.ndim:
        return 1 / (1 + np.exp(-x))
    e = np.negative(x)
    np.exp(e, out=e)
    e += 1
    return np.reciprocal(e, out=e)


def sigmoid(input: Tensor, *, out=None) -> Tensor:
    """``1 / (1 + exp(-input))``, without overflow."""
    return _float_unary(input, _sigmoid_np, SigmoidBackward0, _SAVE_RESULT, out, "sigmoid")


class SigmoidBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d sigmoid = (1 - s) s
        s = self.saved_result()
        return grad * ((1 - s) * s),

    def _np_backward(self, grad):
        s = self._result_array()
        return grad * ((1 - s) * s),


# -- erf and friends -----------------------------------------------------------------------------
# NumPy has no erf. These are polynomial fits derived for ember (Chebyshev interpolation in
# 50-digit arithmetic, converted to monomials; see tests/ops/test_pointwise.py, which
# re-derives them and checks the functions against mpmath and math.erf):
#   |x| < 1:   erf(x) = x + x * P(x^2)
#   [0.5, 1), [1, 2):  erfc(x) = exp(-x^2) * Q(t), t the interval mapped to [-1, 1]
#   [2, 4), [4, inf):  erfc(x) = exp(-x^2) / x * R(t), t from s = 1/x^2 mapped to [-1, 1]
# The results are within 1 ulp (erf) and 3 ulp (erfc) of the exact float64 values.
_ERF_SMALL = (0.12837916709551256, -0.37612638903183754, 0.1128379167095512,
              -0.02686617064512984, 0.0052239776254232985, -0.000854832702193483,
              0.00012055332902888736, -1.4925647567519332e-05, 1.6462045441468418e-06,
              -1.6364642158167616e-07, 1.4792401209404813e-08, -1.216456005728345e-09,
              8.709045129053106e-11, -4.230945824295338e-12)
_ERFCX_1 = (0.5069376502931449, -0.09199317291394885, 0.014434883221956143,
            -0.002028688468670017, 0.00026090055674831536, -3.114966996062544e-05,
            3.4885738930506322e-06, -3.693562193204623e-07, 3.719539429927566e-08,
            -3.580139366634323e-09, 3.3068719940073687e-10, -2.9410027836191583e-11,
            2.5256004719947655e-12, -2.098775696242263e-13, 1.6922598911156157e-14,
            -1.3586639402228971e-15, 1.0350358504999337e-16)
_ERFCX_2 = (0.3215854164543175, -0.08181145886628004, 0.01903775996386935,
            -0.0041163631624453285, 0.0008360838095666697, -0.0001608111733745648,
            2.947085745359352e-05, -5.171328643578382e-06, 8.72304470097022e-07,
            -1.4191195854702173e-07, 2.232843003399725e-08, -3.405754747088907e-09,
            5.046311879732297e-10, -7.276837070052906e-11, 1.0226959909395401e-11,
            -1.398818937040212e-12, 1.8756699565480571e-13, -2.6641436745735938e-14,
            3.4121119792861588e-15)
_ERFC_3 = (0.5277490693204527, -0.018393146163290356, 0.0016122840171444964,
           -0.0002040128479827398, 3.2000956989119594e-05, -5.80647340485303e-06,
           1.1726816666717486e-06, -2.57341823218384e-07, 6.03739241484745e-08,
           -1.4968306254531932e-08, 3.88821117180285e-09, -1.0513028048452211e-09,
           2.943973357279953e-10, -8.500297947547629e-11, 2.51303968060021e-11,
           -7.63792307868121e-12, 2.485759715573743e-12, -7.922268937337503e-13,
           1.7347365424950234e-13, -5.533504792730704e-14, 5.3172702658186426e-14,
           -1.8346127759890997e-14)
_ERFC_4 = (0.5557581685752836, -0.008073805168515994, 0.0003335970130800048,
           -2.1861074882065853e-05, 1.914712564892638e-06, -2.064193580990145e-07,
           2.6102696072636216e-08, -3.751930062113734e-09, 5.996535945133904e-10,
           -1.048552852969214e-10, 1.981165796402094e-11, -4.0062019084292596e-12,
           8.63060426516199e-13, -1.9571964613670144e-13, 4.378724399415839e-14,
           -1.0767355802796814e-14, 4.2475922618130844e-15, -1.1679235255541014e-15)
def _economize(coef, n: int) -> tuple:
    """The first ``n`` Chebyshev terms of the polynomial ``sum coef[i] t^i`` on [-1, 1], back
    in monomials: a near-minimax fit of lower degree, enough for float32 results."""
    from numpy.polynomial import chebyshev
    return tuple(chebyshev.cheb2poly(chebyshev.poly2cheb(np.asarray(coef))[:n]))


def _erf_small_in_t(n: int) -> tuple:
    # erf(x) / x as a polynomial in t = 2 x^2 - 1 (the stored form is x + x * P(x^2))
    from numpy.polynomial import Polynomial
    p = Polynomial((_ERF_SMALL[0] + 1,) + _ERF_SMALL[1:])(Polynomial([0.5, 0.5]))
    return _economize(p.coef, n)


class _ErfFit:
    """Coefficient sets for one working precision: ``small`` for |x| < 1 (None: the float64
    form x + x P(x^2)), ``pieces`` (lo, hi, in s = 1/x^2?, coefficients) for erfc on x >= 0.5."""

    __slots__ = ("small", "pieces")

    def __init__(self, small, pieces) -> None:
        self.small = small
        self.pieces = pieces


_FIT64 = _ErfFit(None, ((0.5, 1.0, False, _ERFCX_1), (1.0, 2.0, False, _ERFCX_2),
                        (2.0, 4.0, True, _ERFC_3), (4.0, math.inf, True, _ERFC_4)))
# float32/float16 results need ~1e-9: about half the terms (checked in the tests)
_FIT32 = _ErfFit(_erf_small_in_t(7),
                 ((0.5, 1.0, False, _economize(_ERFCX_1, 8)),
                  (1.0, 2.0, False, _economize(_ERFCX_2, 9)),
                  (2.0, 4.0, True, _economize(_ERFC_3, 8)),
                  (4.0, math.inf, True, _economize(_ERFC_4, 6))))
_HI26 = np.uint64(0xFFFFFFFFF8000000)
_SMALL_SIZE = 64     # below this, math.erf per element is faster than the vector forms


def _horner(coef, t: np.ndarray) -> np.ndarray:
    r = np.full(t.shape, coef[-1])
    for c in coef[-2::-1]:
        r *= t
        r += c
    return r


def _exp_neg_square(x: np.ndarray) -> np.ndarray:
    """exp(-x^2) to ~1 ulp: x^2 rounds, so x is split as s + (x - s) with s * s exact."""
    s = (x.view(np.uint64) & _HI26).view(np.float64)
    return np.exp(-(s * s)) * np.exp((s - x) * (s + x))


def _erf_small(x: np.ndarray, fit: _ErfFit) -> np.ndarray:
    """erf(x) for |x| < 1 (garbage, but no error, elsewhere)."""
    if fit.small is None:
        return x + x * _horner(_ERF_SMALL, x * x)
    return x * _horner(fit.small, x * x * 2 - 1)


def _erfc_tail(x: np.ndarray, fit: _ErfFit) -> np.ndarray:
    """erfc(x) for float64 x >= 0.5 (0 once it underflows; NaN stays NaN)."""
    x = np.minimum(x, 30.0)
    out = np.full_like(x, np.nan)
    for lo, hi, inv, coef in fit.pieces:
        idx = np.flatnonzero((x >= lo) & (x < hi) if hi != math.inf else (x >= lo))
        if not idx.size:
            continue
        xs = x[idx]
        if inv:
            s = 1 / (xs * xs)
            slo, shi = 1 / (hi * hi), 1 / (lo * lo)
            t = (s - (slo + shi) / 2) * (2 / (shi - slo))
            out[idx] = _horner(coef, t) / xs * _exp_neg_square(xs)
        else:
            t = (xs - (lo + hi) / 2) * (2 / (hi - lo))
            out[idx] = _horner(coef, t) * _exp_neg_square(xs)
    return out


def _per_element(fn, d: np.ndarray) -> np.ndarray:
    vals = [fn(v) if v == v else v for v in d.reshape(-1).tolist()]
    return np.array(vals, dtype=np.float64).reshape(d.shape).astype(d.dtype, copy=False)


def _erf_np(d: np.ndarray) -> np.ndarray:
    """erf of a float array (computed in float64, returned in d's dtype)."""
    if d.size <= _SMALL_SIZE:
        return _per_element(math.erf, d)
    fit = _FIT64 if d.dtype == np.float64 else _FIT32
    tok = _quiet_on(_QUIET)
    try:
        x = np.asarray(d, dtype=np.float64).reshape(-1)
        ax = np.abs(x)
        out = _erf_small(x, fit)
        big = np.flatnonzero(~(ax < 1))        # NaN included: _erfc_tail keeps it
        if big.size:
            xb = x[big]
            out[big] = np.copysign(1 - _erfc_tail(np.minimum(ax[big], 6.0), fit), xb)
        return out.reshape(d.shape).astype(d.dtype, copy=False)
    finally:
        _quiet_off(tok)


def _erfc_np(d: np.ndarray) -> np.ndarray:
    if d.size <= _SMALL_SIZE:
        return _per_element(math.erfc, d)
    fit = _FIT64 if d.dtype == np.float64 else _FIT32
    tok = _quiet_on(_QUIET)
    try:
        x = np.asarray(d, dtype=np.float64).reshape(-1)
        ax = np.abs(x)
        out = 1 - _erf_small(x, fit)
        big = np.flatnonzero(~(ax < 0.5))
        if big.size:
            e = _erfc_tail(ax[big], fit)
            out[big] = np.where(x[big] < 0, 2 - e, e)
        return out.reshape(d.shape).astype(d.dtype, copy=False)
    finally:
        _quiet_off(tok)


_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _erfinv_np(d: np.ndarray) -> np.ndarray:
    y = np.asarray(d, dtype=np.float64).reshape(-1)
    a = np.abs(y)
    steps = 3 if d.dtype == np.float64 else 2
    tok = _quiet_on(_QUIET)
    try:
        # Winitzki's closed form (relative error < 2e-3) refined by Halley steps (cubic) on
        # erf(x) = a, or on erfc(x) = 1 - a in the tail, where 1 - a is exact
        lg = np.log1p(-a) + np.log1p(a)
        k = 2 / (math.pi * 0.147) + lg / 2
        x = np.sqrt(np.sqrt(k * k - lg / 0.147) - k)
        x[~np.isfinite(x)] = 0.0
        for idx, tail in ((np.flatnonzero(a <= 0.5), False), (np.flatnonzero(a > 0.5), True)):
            if not idx.size:
                continue
            xs, target = x[idx], (1 - a[idx]) if tail else a[idx]
            for _ in range(steps):
                f = target - _erfc_np(xs) if tail else _erf_np(xs) - target
                q = f / (_TWO_OVER_SQRT_PI * np.exp(-xs * xs))
                xs = xs - q / (1 + xs * q)
            x[idx] = xs
        x[a == 1] = np.inf
        x[(a > 1) | np.isnan(a)] = np.nan
        return np.copysign(x, y).reshape(d.shape).astype(d.dtype, copy=False)
    finally:
        _quiet_off(tok)


def erf(input: Tensor, *, out=None) -> Tensor:
    """The error function."""
    d = _real_fdata(input, "erf", "erf_vml_cpu")
    return _finish(input, _erf_np(d), ErfBackward0, _SAVE_INPUT, out)


class ErfBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 2/sqrt(pi) exp(-a^2)
        a, = self.saved_tensors()
        return grad * (exp(-(a * a)) * _TWO_OVER_SQRT_PI),


def erfc(input: Tensor, *, out=None) -> Tensor:
    """``1 - erf(input)``, accurate where erf is close to 1."""
    d = _real_fdata(input, "erfc", "erfc_vml_cpu")
    return _finish(input, _erfc_np(d), ErfcBackward0, _SAVE_INPUT, out)


class ErfcBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # -2/sqrt(pi) exp(-a^2)
        a, = self.saved_tensors()
        return grad * (exp(-(a * a)) * -_TWO_OVER_SQRT_PI),


def erfinv(input: Tensor, *, out=None) -> Tensor:
    """The inverse of ``erf`` on (-1, 1) (±inf at ±1, NaN outside)."""
    d = _real_fdata(input, "erfinv", "erfinv_vml_cpu")
    return _finish(input, _erfinv_np(d), ErfinvBackward0, _SAVE_RESULT, out)


class ErfinvBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # sqrt(pi)/2 exp(erfinv(a)^2)
        r = self.saved_result()
        return grad * (exp(r * r) * (math.sqrt(math.pi) / 2)),


# =============================================================================================
# rounding
# =============================================================================================
def _rounding(input, np_fn, node_cls, kernel: str, fname: str, out) -> Tensor:
    d = _data(input, fname)
    k = d.dtype.kind
    if k == "b":
        raise _not_impl(kernel, d.dtype)
    if k == "c":
        raise NotImplementedError(f"{fname} is not supported for complex inputs")
    r = d.copy() if k in "iu" else np_fn(d)
    return _finish(input, r, node_cls, _SAVE_NONE, out)


class FloorBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return _zeros_like(grad),


class CeilBackward0(FloorBackward0):
    __slots__ = ()


class TruncBackward0(FloorBackward0):
    __slots__ = ()


class RoundBackward0(FloorBackward0):
    __slots__ = ()


class RoundBackward1(FloorBackward0):
    __slots__ = ()


def floor(input: Tensor, *, out=None) -> Tensor:
    """Round down; integer tensors are returned as they are."""
    return _rounding(input, np.floor, FloorBackward0, "floor_vml_cpu", "floor", out)


def ceil(input: Tensor, *, out=None) -> Tensor:
    """Round up; integer tensors are returned as they are."""
    return _rounding(input, np.ceil, CeilBackward0, "ceil_vml_cpu", "ceil", out)


def trunc(input: Tensor, *, out=None) -> Tensor:
    """Round toward zero; integer tensors are returned as they are."""
    return _rounding(input, np.trunc, TruncBackward0, "trunc_vml_cpu", "trunc", out)


fix = trunc


def round(input: Tensor, *, decimals: int | None = None, out=None) -> Tensor:
    """Round half to even; with ``decimals``, PyTorch's ``rint(x * 10^d) / 10^d`` (passing
    ``decimals``, even 0, selects that overload: RoundBackward1, floats only)."""
    d = _data(input, "round")
    if decimals is None:
        if d.dtype.kind == "c":
            raise _not_impl("round_vml_cpu", d.dtype)
        return _rounding(input, np.rint, RoundBackward0, "round_vml_cpu", "round", out)
    if d.dtype.kind not in "f":
        raise _not_impl("round_cpu" if decimals else "round_vml_cpu", d.dtype)
    if decimals == 0:
        return _finish(input, np.rint(d), RoundBackward1, _SAVE_NONE, out)
    tok = _quiet_on(_QUIET)
    try:
        p = d.dtype.type(10.0 ** builtins.abs(decimals))
        r = np.rint(d / p) * p if decimals < 0 else np.rint(d * p) / p
    finally:
        _quiet_off(tok)
    return _finish(input, r, RoundBackward1, _SAVE_NONE, out)


def frac(input: Tensor, *, out=None) -> Tensor:
    """``input - trunc(input)``; its gradient is 1."""
    d = _data(input, "frac")
    if _dtype.kind(d.dtype) != "f":
        raise _not_impl("frac_cpu", d.dtype)
    return _finish(input, _q2(np.subtract, d, np.trunc(d)), FracBackward0, _SAVE_NONE, out)


class FracBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad,



# =============================================================================================
# maximum / minimum / clamp
# =============================================================================================
def _minmax_operands(fname: str, input, other):
    if input.__class__ is not Tensor:
        _check_tensor(input, fname)
    if other.__class__ is not Tensor:
        _tensor_arg(fname, other)
    x, y = binary_arrays(input, other)
    if x.dtype.kind == "c":
        raise RuntimeError(f"{fname} not implemented for complex tensors.")
    return x, y


def maximum(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Elementwise max (NaN propagates); ties split the gradient in half, as in PyTorch."""
    x, y = _minmax_operands("maximum", input, other)
    r = _zero_ties(_broadcasting(np.maximum, x, y), x)
    if STATE.enabled and (input._rg or other._rg):
        node = MaximumBackward0()
        t = record2(node, r, input, other)
        node.save2(input, other)
        return _out(t, out)
    return _out(_wrap(r), out)


def minimum(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Elementwise min (NaN propagates); ties split the gradient in half."""
    x, y = _minmax_operands("minimum", input, other)
    r = _zero_ties(_broadcasting(np.minimum, x, y), x)
    if STATE.enabled and (input._rg or other._rg):
        node = MinimumBackward0()
        t = record2(node, r, input, other)
        node.save2(input, other)
        return _out(t, out)
    return _out(_wrap(r), out)


class MaximumBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "other")
    _loses = staticmethod(np.less)       # where input loses to other (maximum: a < b)

    def backward(self, grad):
        # PyTorch: where(a == b, grad / 2, grad), zeroed where the input lost. With a NaN,
        # neither side lost, so both get the whole gradient.
        a, b = self.saved_tensors()
        ad, bd = a._data, b._data
        tie = ad == bd
        half = where(_const(tie), grad / 2, grad)
        fa, fb = self.next_functions
        ga = _masked_zero(half, self._loses(ad, bd)) if fa[0] is not None else None
        gb = _masked_zero(half, self._loses(bd, ad)) if fb[0] is not None else None
        return ga, gb


class MinimumBackward0(MaximumBackward0):
    __slots__ = ()
    _loses = staticmethod(np.greater)


def _masked_zero(g: Tensor, m: np.ndarray) -> Tensor:
    """``g`` with zeros where ``m`` (differentiable in g)."""
    if not np.any(m):
        return g
    return _select(~m, g)


def fmax(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Elementwise max ignoring NaN (NaN only where both are NaN)."""
    x, y = _minmax_operands("fmax", input, other)
    r = _zero_ties(_broadcasting(np.fmax, x, y), x)
    if STATE.enabled and (input._rg or other._rg):
        node = FmaxBackward0()
        t = record2(node, r, input, other)
        node.save2(input, other)
        return _out(t, out)
    return _out(_wrap(r), out)


def fmin(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Elementwise min ignoring NaN."""
    x, y = _minmax_operands("fmin", input, other)
    r = _zero_ties(_broadcasting(np.fmin, x, y), x)
    if STATE.enabled and (input._rg or other._rg):
        node = FminBackward0()
        t = record2(node, r, input, other)
        node.save2(input, other)
        return _out(t, out)
    return _out(_wrap(r), out)


class FmaxBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "other")
    _wins = staticmethod(np.greater_equal)

    def backward(self, grad):
        # the input gets the gradient where it won (ties included) or other is NaN
        a, b = self.saved_tensors()
        ad, bd = a._data, b._data
        to_a = self._wins(ad, bd) | np.isnan(bd)
        fa, fb = self.next_functions
        ga = _masked_zero(grad, ~to_a) if fa[0] is not None else None
        gb = _masked_zero(grad, to_a) if fb[0] is not None else None
        return ga, gb


class FminBackward0(FmaxBackward0):
    __slots__ = ()
    _wins = staticmethod(np.less_equal)


def _check_int_arg(v) -> None:
    # PyTorch's argument parser takes Python ints up to 64 bits (unsigned at the top)
    if isinstance(v, int) and not -2 ** 63 <= v < 2 ** 64:
        raise OverflowError("int too big to convert")


def _clamp_bound(v, d: np.ndarray, fname: str, arg: str):
    """A Python-number bound, checked against an integer tensor's range as PyTorch does."""
    v = scalar_value(v)
    if not isinstance(v, (int, float)):
        raise TypeError(f"{fname}(): argument '{arg}' must be Number, not {type(v).__name__}")
    _check_int_arg(v)
    if isinstance(v, int) and not isinstance(v, bool) and d.dtype.kind in "iu":
        info = np.iinfo(d.dtype)
        if not info.min <= v <= info.max:
            raise RuntimeError(f"value cannot be converted to type {_CTYPE[d.dtype]} without "
                               "overflow")
    return v


def _plain_bound(v) -> bool:
    """None or a Python float/int that a float tensor takes without any conversion check."""
    c = v.__class__
    return v is None or c is float or c is int and -2 ** 63 <= v < 2 ** 63


def clamp(input: Tensor, min=None, max=None, *, out=None) -> Tensor:
    """Limit values to [min, max] (either may be None, a number or a tensor; NaN bounds give
    NaN). With min > max every element becomes max."""
    d = _data(input, "clamp")
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    tmin, tmax = isinstance(min, Tensor), isinstance(max, Tensor)
    if tmin or tmax:
        # a 0-d tensor next to a number is taken as a number (PyTorch's Scalar overload)
        if tmin and not tmax and max is not None and min._data.ndim == 0:
            min, tmin = min.item(), False
        elif tmax and not tmin and min is not None and max._data.ndim == 0:
            max, tmax = max.item(), False
    if tmin or tmax:
        if (min is not None and not tmin) or (max is not None and not tmax):
            raise TypeError("clamp() received an invalid combination of arguments - got "
                            f"(Tensor, {type(min).__name__}, {type(max).__name__}), but "
                            "expected one of:\n * (Tensor input, Tensor min = None, Tensor "
                            "max = None)\n * (Tensor input, Number min = None, Number max = "
                            "None)")
        return _out(_clamp_tensor(input, min, max), out)
    if d.dtype.kind == "f" and _plain_bound(min) and _plain_bound(max):
        lo, hi = min, max       # a float tensor keeps its dtype with Python-number bounds
    else:
        if d.dtype.kind == "c":
            raise NotImplementedError("clamp is not supported for complex types")
        lo = None if min is None else _clamp_bound(min, d, "clamp", "min")
        hi = None if max is None else _clamp_bound(max, d, "clamp", "max")
        rt = _dtype.result_type(input, *[v for v in (lo, hi) if v is not None]).np
        if rt == np.bool_:
            raise _not_impl("clamp_scalar_cpu", rt)
        if rt != d.dtype:
            d = d.astype(rt)
    if lo is None:
        r = np.minimum(d, hi)
    else:
        r = np.maximum(d, lo)
        if hi is not None:
            r = np.minimum(r, hi, out=r) if r.__class__ is _ndarray else np.minimum(r, hi)
    if lo == 0 or hi == 0:
        r = _zero_ties(r, d)
    if STATE.enabled and input._rg:
        node = ClampBackward1()
        node.lo, node.hi = lo, hi
        t = record1(node, r, input)
        node.save1(input)
        return _out(t, out)
    return _out(_wrap(r), out)


clip = clamp


class ClampBackward1(Node):
    """Gradient passes where min <= x <= max (boundaries included, as in PyTorch)."""

    __slots__ = ("lo", "hi")
    _saved_names = ("self",)

    def backward(self, grad):
        x, = self.saved_tensors()
        d = x._data
        if self.lo is None:
            keep = d <= self.hi
        elif self.hi is None:
            keep = d >= self.lo
        else:
            keep = (d >= self.lo) & (d <= self.hi)
        return _select(keep, grad),


def _clamp_tensor(input: Tensor, lo, hi) -> Tensor:
    parts = [t for t in (input, lo, hi) if t is not None]
    rt = _dtype.result_type(*parts).np
    if rt.kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    arrs = [t._data if t._data.dtype == rt else t._data.astype(rt) for t in parts]
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrs))
    except ValueError:
        s = arrs[0].shape
        for a in arrs[1:]:
            s = broadcast_shapes(s, a.shape)
        raise
    r = arrs[0]
    tok = _quiet_on(_QUIET)
    try:
        if lo is not None:
            r = np.maximum(r, arrs[1])
        if hi is not None:
            r = np.minimum(r, arrs[-1])
    finally:
        _quiet_off(tok)
    if r.shape != shape:
        r = np.broadcast_to(r, shape).copy()
    r = _zero_ties(r, arrs[0])
    inputs = (input, lo, hi)
    if STATE.enabled and (input._rg or _rg(lo) or _rg(hi)):
        node = ClampBackward0()
        t = record(node, r, inputs)
        node.save(input, lo, hi)
        return t
    return _wrap(r)


class ClampBackward0(Node):
    """Clamp with tensor bounds: the gradient goes to whichever of x, min, max was chosen
    (PyTorch's rules: x where min <= x <= max; min where x < min < max; max where x > max or
    max < min)."""

    __slots__ = ()
    _saved_names = ("self", "min", "max")

    def backward(self, grad):
        x, lo, hi = self.saved_tensors()
        xd = x._data
        fx, fl, fh = self.next_functions
        gx = gl = gh = None
        if lo is not None and hi is not None:
            ld, hd = lo._data, hi._data
            if fx[0] is not None:
                gx = _select((xd >= ld) & (xd <= hd), grad)
            if fl[0] is not None:
                gl = _select((xd < ld) & (ld < hd), grad)
            if fh[0] is not None:
                gh = _select((xd > hd) | (hd < ld), grad)
        elif lo is not None:
            ld = lo._data
            if fx[0] is not None:
                gx = _select(xd >= ld, grad)
            if fl[0] is not None:
                gl = _select(xd < ld, grad)
        else:
            hd = hi._data
            if fx[0] is not None:
                gx = _select(xd <= hd, grad)
            if fh[0] is not None:
                gh = _select(xd > hd, grad)
        return gx, gl, gh


def clamp_min(input: Tensor, min) -> Tensor:
    """``max(input, min)`` (min a number or a tensor)."""
    return _clamp_one(input, min, True)


def clamp_max(input: Tensor, max) -> Tensor:
    """``min(input, max)`` (max a number or a tensor)."""
    return _clamp_one(input, max, False)


def _clamp_one(input: Tensor, bound, is_min: bool) -> Tensor:
    d = _data(input, "clamp_min" if is_min else "clamp_max")
    if isinstance(bound, Tensor):
        x, b = binary_arrays(input, bound)
        r = _zero_ties(_call_broadcast(np.maximum if is_min else np.minimum, x, b), x)
        if STATE.enabled and (input._rg or bound._rg):
            node = ClampMinBackward1() if is_min else ClampMaxBackward1()
            t = record2(node, r, input, bound)
            node.save2(input, bound)
            return t
        return _wrap(r)
    if d.dtype.kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    fname = "clamp_min" if is_min else "clamp_max"
    v = _clamp_bound(bound, d, fname, "min" if is_min else "max")
    rt = _dtype.result_type(input, v).np
    x = d if rt == d.dtype else d.astype(rt)
    r = _q2(np.maximum if is_min else np.minimum, x, v)
    if v == 0:
        r = _zero_ties(r, x)
    if STATE.enabled and input._rg:
        node = ClampMinBackward0() if is_min else ClampMaxBackward0()
        node.bound = v
        t = record1(node, r, input)
        node.save1(input)
        return t
    return _wrap(r)


class ClampMinBackward0(Node):
    __slots__ = ("bound",)
    _saved_names = ("self",)

    def backward(self, grad):          # passes where x >= min
        x, = self.saved_tensors()
        return _select(x._data >= self.bound, grad),


class ClampMaxBackward0(ClampMinBackward0):
    __slots__ = ()

    def backward(self, grad):          # passes where x <= max
        x, = self.saved_tensors()
        return _select(x._data <= self.bound, grad),


class ClampMinBackward1(Node):
    __slots__ = ()
    _saved_names = ("self", "min")

    def backward(self, grad):          # to x where x >= min, to min where x < min
        x, b = self.saved_tensors()
        m = x._data >= b._data
        fx, fb = self.next_functions
        return (_select(m, grad) if fx[0] is not None else None,
                _select(~m, grad) if fb[0] is not None else None)


class ClampMaxBackward1(Node):
    __slots__ = ()
    _saved_names = ("self", "max")

    def backward(self, grad):          # to x where x <= max, to max where x > max
        x, b = self.saved_tensors()
        m = x._data <= b._data
        fx, fb = self.next_functions
        return (_select(m, grad) if fx[0] is not None else None,
                _select(~m, grad) if fb[0] is not None else None)


def clamp_(input: Tensor, min=None, max=None) -> Tensor:
    """In-place :func:`clamp`."""
    other = min if isinstance(min, Tensor) else max
    return _apply_inplace(input, lambda x: clamp(x, min, max), other, "clamp_")


clip_ = clamp_


def clamp_min_(input: Tensor, min) -> Tensor:
    """In-place :func:`clamp_min`."""
    return _apply_inplace(input, lambda x: clamp_min(x, min), min, "clamp_min_")


def clamp_max_(input: Tensor, max) -> Tensor:
    """In-place :func:`clamp_max`."""
    return _apply_inplace(input, lambda x: clamp_max(x, max), max, "clamp_max_")


# =============================================================================================
# binary floating functions
# =============================================================================================
def hypot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``sqrt(input^2 + other^2)`` without intermediate overflow."""
    _check_tensor(input, "hypot")
    _tensor_arg("hypot", other)
    x, y = _float_pair(input, other, "hypot_cpu", "hypot_cpu")
    r = _call_broadcast(np.hypot, x, y)
    if STATE.enabled and (input._rg or other._rg):
        node = HypotBackward0()
        t = record2(node, r, input, other)
        node.save2(input, other)
        node.save_result(t)
        return _out(t, out)
    return _out(_wrap(r), out)


class HypotBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "other")

    def backward(self, grad):          # (a, b) / hypot(a, b)
        a, b = self.saved_tensors()
        r = self.saved_result()
        fa, fb = self.next_functions
        return (grad * (a / r) if fa[0] is not None else None,
                grad * (b / r) if fb[0] is not None else None)


def logaddexp(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``log(exp(input) + exp(other))`` without overflow."""
    _check_tensor(input, "logaddexp")
    _tensor_arg("logaddexp", other)
    x, y = _float_pair(input, other, "logaddexp_cpu")
    r = _call_broadcast(np.logaddexp if x.dtype.kind == "f" else _logaddexp_complex, x, y)
    if STATE.enabled and (input._rg or other._rg):
        node = LogaddexpBackward0()
        t = record2(node, r, input, other)
        node.save2(input, other)
        return _out(t, out)
    return _out(_wrap(r), out)


def _logaddexp_complex(x, y):
    # log(e^x + e^y) around the operand with the larger real part
    big = np.where(x.real >= y.real, x, y)
    small = np.where(x.real >= y.real, y, x)
    return big + np.log1p(np.exp(small - big))


class LogaddexpBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "other")

    def backward(self, grad):          # 1 / (1 + exp(b - a)), 1 / (1 + exp(a - b))
        a, b = self.saved_tensors()
        fa, fb = self.next_functions
        return (grad / (exp(b - a) + 1) if fa[0] is not None else None,
                grad / (exp(a - b) + 1) if fb[0] is not None else None)


def logaddexp2(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``log2(2^input + 2^other)`` without overflow."""
    _check_tensor(input, "logaddexp2")
    _tensor_arg("logaddexp2", other)
    x, y = _float_pair(input, other, "logaddexp2_cpu", "logaddexp2_cpu")
    r = _call_broadcast(np.logaddexp2, x, y)
    if STATE.enabled and (input._rg or other._rg):
        node = Logaddexp2Backward0()
        t = record2(node, r, input, other)
        node.save2(input, other)
        return _out(t, out)
    return _out(_wrap(r), out)


class Logaddexp2Backward0(Node):
    __slots__ = ()
    _saved_names = ("self", "other")

    def backward(self, grad):          # 1 / (1 + 2^(b - a)), 1 / (1 + 2^(a - b))
        a, b = self.saved_tensors()
        fa, fb = self.next_functions
        return (grad / (exp2(b - a) + 1) if fa[0] is not None else None,
                grad / (exp2(a - b) + 1) if fb[0] is not None else None)


def _xlogy_np(x, y):
    dt = _res_dtype(x, y)
    xa, ya = np.asarray(x, dt), np.asarray(y, dt)
    r = xa * np.log(ya)
    return np.where((xa == 0) & ~np.isnan(ya), 0, r).astype(dt, copy=False)


def xlogy(input, other, *, out=None) -> Tensor:
    """``input * log(other)``, 0 where input is 0 (unless other is NaN)."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise _type_error("xlogy", input)
    x, y = _float_pair(input, other, real="xlogy_cpu")
    r = _call_broadcast(_xlogy_np, x, y)
    if STATE.enabled and (_rg(input) or _rg(other)):
        if not isinstance(input, Tensor):
            node = XlogyBackward1()
            node.scalar = scalar_value(input)
            t = record1(node, r, other)
            node.save1(other)
        elif not isinstance(other, Tensor):
            node = XlogyBackward2()
            node.scalar = scalar_value(other)
            t = record1(node, r, input)
            node.save1(input)
        else:
            node = XlogyBackward0()
            t = record2(node, r, input, other)
            node.save2(input, other)
        return _out(t, out)
    return _out(_wrap(r), out)


class XlogyBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "other")

    def backward(self, grad):          # log(b) (0 where a == 0 and b <= 0), a / b
        a, b = self.saved_tensors()
        fa, fb = self.next_functions
        ga = gb = None
        if fa[0] is not None:
            ga = grad * _xlogy_self_grad(a._data, b)
        if fb[0] is not None:
            gb = grad * a / b
        return ga, gb


def _xlogy_self_grad(a: np.ndarray, b) -> Tensor:
    """d xlogy(a, b) / da as PyTorch computes it: log(b), but 0 where a == 0 and b <= 0."""
    if not isinstance(b, Tensor):
        b = _const(np.asarray(b, dtype=a.dtype))
    return where(_const((a == 0) & (b._data <= 0)), 0.0, log(b))


class XlogyBackward1(Node):
    """xlogy(number, tensor): d/db = c / b."""

    __slots__ = ("scalar",)
    _saved_names = ("other",)

    def backward(self, grad):
        b, = self.saved_tensors()
        return grad * self.scalar / b,


class XlogyBackward2(Node):
    """xlogy(tensor, number): d/da = log(c) (0 where a == 0 and c <= 0)."""

    __slots__ = ("scalar",)
    _saved_names = ("self",)

    def backward(self, grad):
        a, = self.saved_tensors()
        return grad * _xlogy_self_grad(a._data, self.scalar),


def copysign(input: Tensor, other, *, out=None) -> Tensor:
    """``|input|`` with the sign of ``other`` (integers give floats)."""
    _check_tensor(input, "copysign")
    x, y = _float_pair(input, other, real="copysign_cpu")
    r = _call_broadcast(np.copysign, x, y)
    if STATE.enabled and (input._rg or _rg(other)):
        node = CopysignBackward0() if isinstance(other, Tensor) else CopysignBackward1()
        t = record2(node, r, input, other) if isinstance(other, Tensor) else \
            record1(node, r, input)
        node.save1(input)
        node.save_result(t)
        return _out(t, out)
    return _out(_wrap(r), out)


class CopysignBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # result / a (0 where a == 0); no gradient for other
        a, = self.saved_tensors()
        r = self.saved_result()
        z = a._data == 0
        ratio = where(_const(z), 0.0, r / where(_const(z), 1.0, a))
        g = grad * ratio
        return (g, _zeros_like(grad)) if len(self.next_functions) == 2 else (g,)


class CopysignBackward1(CopysignBackward0):
    __slots__ = ()


# =============================================================================================
# where, lerp, addcmul, addcdiv
# =============================================================================================
def where(condition: Tensor, input=None, other=None, *, out=None):
    """``input`` where ``condition`` else ``other`` (``where(cond)`` is ``nonzero`` as a
    tuple of index tensors)."""
    c = _data(condition, "where")
    if input is None and other is None:
        return tuple(_wrap(i) for i in np.nonzero(c))
    if input is None or other is None:
        raise TypeError("where() received an invalid combination of arguments - got "
                        "(Tensor, Tensor), but expected one of:\n * (Tensor condition)\n * "
                        "(Tensor condition, Tensor input, Tensor other, *, Tensor out = None)")
    if c.dtype != np.bool_:
        if c.dtype == np.uint8:
            warnings.warn("where received a uint8 condition tensor. This behavior is "
                          "deprecated and will be removed in a future version of PyTorch. "
                          "Use a boolean condition instead. (Triggered internally at "
                          "/__w/pytorch/pytorch/aten/src/ATen/native/TensorCompare.cpp:621.)",
                          UserWarning, stacklevel=2)
            c = c.astype(bool)
        else:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {_tname(c.dtype)}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        dt = _dtype.result_type(scalar_value(input), scalar_value(other)).np
        x, y = np.asarray(input, dt), np.asarray(other, dt)
    else:
        x, y = binary_arrays(input, other)
    try:
        r = np.where(c, x, y)
    except ValueError:
        broadcast_shapes(c.shape, broadcast_shapes(np.shape(x), np.shape(y)))
        raise
    if STATE.enabled and (_rg(input) or _rg(other)):
        node = WhereBackward0()
        t = record2(node, r, input, other)
        node.condition = condition if c is condition._data else _wrap(c)
        return _out(t, out)
    return _out(_wrap(r), out)


class WhereBackward0(Node):
    __slots__ = ("condition",)

    @property
    def _saved_condition(self):
        return self.condition

    def backward(self, grad):          # grad where chosen, 0 elsewhere
        c = self.condition
        fa, fb = self.next_functions
        return (where(c, grad, 0.0) if fa[0] is not None else None,
                where(c, 0.0, grad) if fb[0] is not None else None)


def _same_dtype(fname: str, base: Tensor, arg: str, t: Tensor) -> None:
    if t._data.dtype != base._data.dtype:
        names = {"float32": "float", "float64": "double", "float16": "c10::Half",
                 "int64": "long int", "int32": "int", "int16": "short int",
                 "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
                 "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}
        raise RuntimeError(f"expected dtype {names[base._data.dtype.name]} for `{arg}` but got "
                           f"dtype {names[t._data.dtype.name]}")


def lerp(input: Tensor, end: Tensor, weight, *, out=None) -> Tensor:
    """``input + weight * (end - input)`` (PyTorch's two-sided form for accuracy)."""
    _check_tensor(input, "lerp")
    _tensor_arg("lerp", end, "end")
    _same_dtype("lerp", input, "end", end)
    a, b = input._data, end._data
    rt = a.dtype
    if rt == _dtype.BF16:      # in float32, rounded once (PyTorch's opmath)
        a, b = a.astype(np.float32), b.astype(np.float32)
    elif a.dtype.kind not in "fc":
        raise _not_impl("lerp_kernel_tensor" if isinstance(weight, Tensor)
                        else "lerp_kernel_scalar", a.dtype)
    if isinstance(weight, Tensor):
        if weight._data.ndim:
            _same_dtype("lerp", input, "weight", weight)
        w = weight._data.astype(a.dtype, copy=False)
    else:
        w = scalar_value(weight)
    tok = _quiet_on(_QUIET)
    try:
        diff = b - a
        # PyTorch's two-sided form: exact at both ends of the interval
        if isinstance(w, _ndarray):
            r = np.where(np.abs(w) < 0.5, a + w * diff, b - diff * (1 - w))
        elif builtins.abs(w) < 0.5:
            r = a + w * diff
        else:
            r = b - diff * (1 - w)
    except ValueError:
        s = broadcast_shapes(a.shape, b.shape)
        if isinstance(w, _ndarray):
            broadcast_shapes(s, w.shape)
        raise
    finally:
        _quiet_off(tok)
    r = np.asarray(r, dtype=rt)
    if isinstance(weight, Tensor):
        if STATE.enabled and (input._rg or end._rg or weight._rg):
            node = LerpBackward1()
            t = record(node, r, (input, end, weight))
            node.save(input, end, weight)
            return _out(t, out)
        return _out(_wrap(r), out)
    if STATE.enabled and (input._rg or end._rg):
        node = LerpBackward0()
        node.weight = w
        t = record2(node, r, input, end)
        return _out(t, out)
    return _out(_wrap(r), out)


class LerpBackward0(Node):
    __slots__ = ("weight",)

    def backward(self, grad):
        w = self.weight
        fa, fb = self.next_functions
        return (grad * (1 - w) if fa[0] is not None else None,
                grad * w if fb[0] is not None else None)


class LerpBackward1(Node):
    __slots__ = ()
    _saved_names = ("self", "end", "weight")

    def backward(self, grad):
        a, b, w = self.saved_tensors()
        fa, fb, fw = self.next_functions
        return (grad * (1 - w) if fa[0] is not None else None,
                grad * w if fb[0] is not None else None,
                grad * (b - a) if fw[0] is not None else None)


def lerp_(input: Tensor, end: Tensor, weight) -> Tensor:
    """In-place :func:`lerp`."""
    other = end if _rg(end) else weight
    return _apply_inplace(input, lambda x: lerp(x, end, weight), other, "lerp_")


def _addc_operands(fname: str, input, t1, t2, value):
    for arg, t, pos in (("input", input, 1), ("tensor1", t1, 2), ("tensor2", t2, 3)):
        if not isinstance(t, Tensor):
            raise _type_error(fname, t, arg, pos)
    rt = _dtype.result_type(input, t1, t2).np
    v = scalar_value(value)
    if rt.kind in "iub" and isinstance(v, float):
        v = int(v)        # PyTorch casts the scalar to the integral result type
    arrs = [t._data if t._data.dtype == rt else t._data.astype(rt) for t in (input, t1, t2)]
    return arrs, v, rt


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 * tensor2``."""
    (a, b, c), v, rt = _addc_operands("addcmul", input, tensor1, tensor2, value)
    tok = _quiet_on(_QUIET)
    try:
        r = a + (b * v) * c if v != 1 else a + b * c
    except ValueError:
        broadcast_shapes(a.shape, broadcast_shapes(b.shape, c.shape))
        raise
    finally:
        _quiet_off(tok)
    r = np.asarray(r, dtype=rt)
    if STATE.enabled and (input._rg or tensor1._rg or tensor2._rg):
        node = AddcmulBackward0()
        node.value = v
        t = record(node, r, (input, tensor1, tensor2))
        node.save2(tensor1 if tensor2._rg else None, tensor2 if tensor1._rg else None)
        return _out(t, out)
    return _out(_wrap(r), out)


class AddcmulBackward0(Node):
    __slots__ = ("value",)
    _saved_names = ("tensor1", "tensor2")

    def backward(self, grad):          # grad, grad * t2 * v, grad * t1 * v
        t1, t2 = self.saved_tensors()
        v = self.value
        _, f1, f2 = self.next_functions
        return (grad,
                grad * (t2 * v) if f1[0] is not None else None,
                grad * (t1 * v) if f2[0] is not None else None)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 / tensor2``."""
    if isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor) and \
            tensor1._data.dtype.kind in "iub" and tensor2._data.dtype.kind in "iub":
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) "
            "for float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    (a, b, c), v, rt = _addc_operands("addcdiv", input, tensor1, tensor2, value)
    tok = _quiet_on(_QUIET)
    try:
        r = a + (b * v) / c if v != 1 else a + b / c
    except ValueError:
        broadcast_shapes(a.shape, broadcast_shapes(b.shape, c.shape))
        raise
    finally:
        _quiet_off(tok)
    r = np.asarray(r, dtype=rt)
    if STATE.enabled and (input._rg or tensor1._rg or tensor2._rg):
        node = AddcdivBackward0()
        node.value = v
        t = record(node, r, (input, tensor1, tensor2))
        node.save2(tensor1 if tensor2._rg else None, tensor2)
        return _out(t, out)
    return _out(_wrap(r), out)


class AddcdivBackward0(Node):
    __slots__ = ("value",)
    _saved_names = ("tensor1", "tensor2")

    def backward(self, grad):          # grad, grad * v / t2, -grad * v * t1 / t2^2
        t1, t2 = self.saved_tensors()
        v = self.value
        _, f1, f2 = self.next_functions
        return (grad,
                grad * (v / t2) if f1[0] is not None else None,
                -grad * (t1 * v / (t2 * t2)) if f2[0] is not None else None)


def addcmul_(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """In-place :func:`addcmul`."""
    other = tensor1 if _rg(tensor1) else tensor2
    return _apply_inplace(input, lambda x: addcmul(x, tensor1, tensor2, value=value), other,
                          "addcmul_")


def addcdiv_(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """In-place :func:`addcdiv`."""
    other = tensor1 if _rg(tensor1) else tensor2
    return _apply_inplace(input, lambda x: addcdiv(x, tensor1, tensor2, value=value), other,
                          "addcdiv_")


# =============================================================================================
# comparisons (no gradient)
# =============================================================================================
def _compare(np_fn, name: str):
    ordering = name not in ("eq", "ne")

    def fn(input: Tensor, other, *, out=None) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({type(input).__name__}, {type(other).__name__}), but expected "
                            f"one of:\n * (Tensor input, Tensor other, *, Tensor out = None)\n"
                            f" * (Tensor input, Number other, *, Tensor out = None)")
        x, y = binary_arrays(input, other)
        if ordering and x.dtype.kind == "c":
            raise _not_impl(f"{name}_cpu", x.dtype)
        t = _wrap(_broadcasting(np_fn, x, y))
        return t if out is None else _out(t, out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` comparison, giving a bool tensor."
    return fn


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")
not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge


def _compare_dunder(fn):
    """An operator form: other kinds of objects are left to Python (``x == None`` is False)."""
    def op(self, other):
        if other.__class__ is not Tensor and not isinstance(other, (Tensor,) + _NUMBER):
            return NotImplemented
        return fn(self, other)
    op.__name__ = op.__qualname__ = f"__{fn.__name__}__"
    return op


__eq__ = _compare_dunder(eq)
__ne__ = _compare_dunder(ne)
__lt__ = _compare_dunder(lt)
__le__ = _compare_dunder(le)
__gt__ = _compare_dunder(gt)
__ge__ = _compare_dunder(ge)


class _CompareInplaceBackward(Node):
    """In-place comparison on a tensor that requires grad: the result is constant."""

    __slots__ = ()

    def backward(self, grad):
        return (_zeros_like(grad),) * len(self.next_functions)


def _compare_inplace(fn, name: str, node_name: str):
    cls0 = type(node_name + "Backward0", (_CompareInplaceBackward,), {"__slots__": ()})
    cls1 = type(node_name + "Backward1", (_CompareInplaceBackward,), {"__slots__": ()})

    def graph_fn(x, other):
        r = fn(x.detach(), other)._data
        if STATE.enabled and (x._rg or _rg(other)):
            if isinstance(other, Tensor):
                return record2(cls1(), r, x, other)
            return record1(cls0(), r, x)
        return _wrap(r)

    def op(input: Tensor, other) -> Tensor:
        return _apply_inplace(input, lambda x: graph_fn(x, other), other, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"In-place :func:`{fn.__name__}`: writes 1 or 0 in ``input``'s dtype."
    return op, cls0, cls1


eq_, EqBackward0, EqBackward1 = _compare_inplace(eq, "eq_", "Eq")
ne_, NeBackward0, NeBackward1 = _compare_inplace(ne, "ne_", "Ne")
lt_, LtBackward0, LtBackward1 = _compare_inplace(lt, "lt_", "Lt")
le_, LeBackward0, LeBackward1 = _compare_inplace(le, "le_", "Le")
gt_, GtBackward0, GtBackward1 = _compare_inplace(gt, "gt_", "Gt")
ge_, GeBackward0, GeBackward1 = _compare_inplace(ge, "ge_", "Ge")


# =============================================================================================
# logical and bitwise ops
# =============================================================================================
def _logical(np_fn, name: str):
    def fn(input: Tensor, other: Tensor, *, out=None) -> Tensor:
        _check_tensor(input, name)
        _tensor_arg(name, other)
        r = _call_broadcast(np_fn, input._data, other._data)
        return _out(_wrap(r), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` of the truth values (nonzero is True); bool result."
    return fn


logical_and = _logical(np.logical_and, "logical_and")
logical_or = _logical(np.logical_or, "logical_or")
logical_xor = _logical(np.logical_xor, "logical_xor")


def logical_not(input: Tensor, *, out=None) -> Tensor:
    """Elementwise not of the truth values (nonzero is True); bool result."""
    return _out(_wrap(np.logical_not(_data(input, "logical_not"))), out)


def _logical_inplace(fn, name: str):
    def op(input: Tensor, other: Tensor) -> Tensor:
        return _apply_inplace(input, lambda x: _wrap(fn(x.detach(), other)._data), None, name)
    op.__name__ = op.__qualname__ = name
    return op


logical_and_ = _logical_inplace(logical_and, "logical_and_")
logical_or_ = _logical_inplace(logical_or, "logical_or_")
logical_xor_ = _logical_inplace(logical_xor, "logical_xor_")


def logical_not_(input: Tensor) -> Tensor:
    """In-place :func:`logical_not` (writes 1/0 in the tensor's dtype)."""
    return _apply_inplace(input, lambda x: _wrap(logical_not(x.detach())._data), None,
                          "logical_not_")


def _bitwise(np_fn, name: str, kernel: str, allow_bool: bool = True):
    def fn(input, other, *, out=None) -> Tensor:
        if not isinstance(input, Tensor):
            if not isinstance(other, Tensor):
                raise _type_error(name, input)
        elif other is None or not isinstance(other, (Tensor,) + _NUMBER):
            raise _type_error(name, other, "other", 2)
        x, y = binary_arrays(input, other)
        dt = x.dtype if isinstance(x, _ndarray) else np.asarray(y).dtype
        if dt.kind not in "biu" or (dt.kind == "b" and not allow_bool):
            raise _not_impl(kernel, dt)
        return _out(_wrap(_call_broadcast(np_fn, x, y)), out)
    fn.__name__ = fn.__qualname__ = name
    return fn


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and", "bitwise_and_cpu")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or", "bitwise_or_cpu")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor", "bitwise_xor_cpu")
bitwise_and.__doc__ = "Elementwise bitwise and (logical and for bool tensors)."
bitwise_or.__doc__ = "Elementwise bitwise or (logical or for bool tensors)."
bitwise_xor.__doc__ = "Elementwise bitwise xor (logical xor for bool tensors)."


def _shift_np(left: bool):
    def fn(x, y):
        # Shifts by a negative amount or by the width or more are defined in PyTorch (0, or
        # the sign for a right shift of a negative number); NumPy's are undefined there.
        # a Python-number operand takes the tensor's dtype (it is a weak scalar)
        xa = x if x.__class__ is _ndarray else np.asarray(x, dtype=y.dtype)
        ya = y if y.__class__ is _ndarray else np.asarray(y, dtype=xa.dtype)
        bits = xa.dtype.itemsize * 8
        bad = (ya < 0) | (ya >= bits)
        safe = np.where(bad, 0, ya).astype(ya.dtype) if bad.any() else ya
        r = np.left_shift(xa, safe) if left else np.right_shift(xa, safe)
        if bad.any():
            fill = 0 if left else np.where(xa < 0, -1, 0)
            r = np.where(bad, fill, r).astype(r.dtype)
        return r
    return fn


bitwise_left_shift = _bitwise(_shift_np(True), "bitwise_left_shift", "lshift_cpu", False)
bitwise_right_shift = _bitwise(_shift_np(False), "bitwise_right_shift", "rshift_cpu", False)
bitwise_left_shift.__doc__ = "``input << other`` (integers)."
bitwise_right_shift.__doc__ = "``input >> other`` (integers; arithmetic for signed types)."


def bitwise_not(input: Tensor, *, out=None) -> Tensor:
    """Elementwise bitwise not (logical not for bool tensors)."""
    d = _data(input, "bitwise_not")
    if d.dtype.kind not in "biu":
        raise _not_impl("bitwise_not_cpu", d.dtype)
    return _out(_wrap(np.invert(d)), out)


def _bit_dunder(fn, reverse: bool = False):
    def op(self, other):
        if not isinstance(other, (Tensor,) + _NUMBER):
            return NotImplemented
        return fn(other, self) if reverse else fn(self, other)
    return op


def _bit_inplace(fn, name: str):
    def op(input: Tensor, other) -> Tensor:
        if isinstance(input, Tensor) and isinstance(other, (Tensor,) + _NUMBER):
            check_inplace(input)
            _check_inplace_broadcast(input, other)
            # PyTorch checks that the result fits the tensor before the kernel's dtype
            rt = _dtype.result_type(input, scalar_value(other)).np
            if not _can_store(rt, input._data.dtype):
                raise RuntimeError(f"result type {_tname(rt)} can't be cast to the desired "
                                   f"output type {_tname(input._data.dtype)}")
        return _apply_inplace(input, lambda x: fn(x, other), None, name)
    op.__name__ = op.__qualname__ = name
    return op


bitwise_and_ = _bit_inplace(bitwise_and, "bitwise_and_")
bitwise_or_ = _bit_inplace(bitwise_or, "bitwise_or_")
bitwise_xor_ = _bit_inplace(bitwise_xor, "bitwise_xor_")
bitwise_left_shift_ = _bit_inplace(bitwise_left_shift, "bitwise_left_shift_")
bitwise_right_shift_ = _bit_inplace(bitwise_right_shift, "bitwise_right_shift_")


def bitwise_not_(input: Tensor) -> Tensor:
    """In-place :func:`bitwise_not`."""
    return _apply_inplace(input, bitwise_not, None, "bitwise_not_")


# =============================================================================================
# NaN / inf tests, nan_to_num, closeness
# =============================================================================================
def isnan(input: Tensor) -> Tensor:
    """Where the elements are NaN."""
    d = _data(input, "isnan")
    return _wrap(np.isnan(d) if d.dtype.kind in "fc" else np.zeros(d.shape, bool))


def isinf(input: Tensor) -> Tensor:
    """Where the elements are +inf or -inf."""
    d = _data(input, "isinf")
    return _wrap(np.isinf(d) if d.dtype.kind in "fc" else np.zeros(d.shape, bool))


def isfinite(input: Tensor) -> Tensor:
    """Where the elements are neither inf nor NaN."""
    d = _data(input, "isfinite")
    return _wrap(np.isfinite(d) if d.dtype.kind in "fc" else np.ones(d.shape, bool))


def _isinf_sign(input, positive: bool, out) -> Tensor:
    name = "isposinf" if positive else "isneginf"
    d = _data(input, name)
    if d.dtype.kind == "c":
        raise RuntimeError(f"{name} does not support complex inputs.")
    if d.dtype.kind != "f":
        r = np.zeros(d.shape, bool)
    else:
        r = d == (np.inf if positive else -np.inf)
    return _out(_wrap(r), out)


def isposinf(input: Tensor, *, out=None) -> Tensor:
    """Where the elements are +inf."""
    return _isinf_sign(input, True, out)


def isneginf(input: Tensor, *, out=None) -> Tensor:
    """Where the elements are -inf."""
    return _isinf_sign(input, False, out)


def isreal(input: Tensor) -> Tensor:
    """Where the elements have no imaginary part (all of them for real dtypes)."""
    d = _data(input, "isreal")
    return _wrap(d.imag == 0 if d.dtype.kind == "c" else np.ones(d.shape, bool))


def signbit(input: Tensor, *, out=None) -> Tensor:
    """Where the sign bit is set (including -0.0)."""
    d = _data(input, "signbit")
    if d.dtype.kind == "c":
        raise NotImplementedError("signbit is not implemented for complex tensors.")
    return _out(_wrap(np.signbit(d) if d.dtype.kind != "b" else np.zeros(d.shape, bool)), out)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf=None, neginf=None, *,
               out=None) -> Tensor:
    """NaN, +inf, -inf replaced by ``nan``, ``posinf`` (default: the dtype's max) and
    ``neginf`` (default: its lowest value)."""
    d = _data(input, "nan_to_num")
    if d.dtype.kind not in "fc":
        return _out(clone(input), out)
    info = np.finfo(d.dtype)
    r = np.nan_to_num(d, nan=nan, posinf=info.max if posinf is None else posinf,
                      neginf=info.min if neginf is None else neginf)
    return _finish(input, r, NanToNumBackward0, _SAVE_INPUT, out)


class NanToNumBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 where finite, else 0
        a, = self.saved_tensors()
        return grad * _mask(np.isfinite(a._data), grad),


def nan_to_num_(input: Tensor, nan: float = 0.0, posinf=None, neginf=None) -> Tensor:
    """In-place :func:`nan_to_num`."""
    return _apply_inplace(input, lambda x: nan_to_num(x, nan, posinf, neginf), None,
                          "nan_to_num_")


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """``|input - other| <= atol + rtol * |other|`` elementwise (infinities equal only to
    themselves; NaN equal to NaN only with ``equal_nan``)."""
    a = _data(input, "isclose")
    _tensor_arg("isclose", other)
    b = other._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"{_tname(a.dtype)} did not match {_tname(b.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    try:
        close = a == b
    except ValueError:
        broadcast_shapes(a.shape, b.shape)
        raise
    if a.dtype == np.bool_:
        return _wrap(np.asarray(close))
    if equal_nan and a.dtype.kind in "fc":
        close = close | (np.isnan(a) & np.isnan(b))
    if rtol or atol:
        if a.dtype.kind not in "fc":
            a = a.astype(_dtype.get_default_dtype().np)
            b = b.astype(a.dtype)
        tok = _quiet_on(_QUIET)
        try:
            allowed = atol + np.abs(rtol * b)
            actual = np.abs(a - b)
            close = close | (np.isfinite(actual) & (actual <= allowed))
        finally:
            _quiet_off(tok)
    return _wrap(np.asarray(close))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether all elements are close: ``|a - b| <= atol + rtol * |b|``."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """Same shape and the same values (NaN never equal)."""
    a = _data(input, "equal")
    _tensor_arg("equal", other)
    b = other._data
    if a.shape != b.shape:
        return False
    if a.dtype != b.dtype:
        rt = _dtype.promote_types(input.dtype, other.dtype).np
        a, b = a.astype(rt), b.astype(rt)
    return bool(np.array_equal(a, b))


# =============================================================================================
# fills
# =============================================================================================
def _fill_value(input: Tensor, value):
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value._data.ndim} dimensions.")
        value = value._data.item()
    v = scalar_value(value)
    if not isinstance(v, (bool, int, float, complex)):
        raise TypeError(f"fill_(): argument 'value' (position 1) must be Number, not "
                        f"{type(value).__name__}")
    d = input._data
    _check_int_arg(v)
    if isinstance(v, int) and not isinstance(v, bool) and d.dtype.kind in "iu":
        info = np.iinfo(d.dtype)
        if not info.min <= v <= info.max:
            raise RuntimeError(f"value cannot be converted to type {_CTYPE[d.dtype]} without "
                               "overflow")
    return v


def fill_(input: Tensor, value) -> Tensor:
    """Set every element to ``value`` (a number or a 0-d tensor)."""
    _data(input, "fill_")
    v = _fill_value(input, value)
    check_inplace(input)
    vt = value if isinstance(value, Tensor) else None
    if _ip.needs_graph(input, vt):
        if vt is not None and vt._rg:
            node = FillBackward3()
            y = record2(node, np.full(input._data.shape, v, input._data.dtype), input, vt)
        else:
            y = record1(FillBackward2(), np.full(input._data.shape, v, input._data.dtype),
                        input)
        return _ip.commit(input, y)
    d = input._data
    if d.ndim and d.flags.writeable:
        _q2(lambda a, b: np.copyto(a, b, casting="unsafe"), d, v)
        input._bump()
    else:
        _ip.write(input, np.full(d.shape, v, d.dtype))
    return input


def fill(input: Tensor, value) -> Tensor:
    """A new tensor like ``input`` with every element ``value``."""
    _data(input, "fill")
    return fill_(clone(input).detach(), value)


class FillBackward2(Node):
    __slots__ = ()

    def backward(self, grad):
        return _zeros_like(grad),


class FillBackward3(Node):
    __slots__ = ()

    def backward(self, grad):          # the filled value gets the summed gradient
        return _zeros_like(grad), grad.sum()


def zero_(input: Tensor) -> Tensor:
    """Set every element to zero."""
    _data(input, "zero_")
    check_inplace(input)
    if _ip.needs_graph(input):
        return _ip.commit(input, record1(ZeroBackward0(), np.zeros_like(input._data), input))
    d = input._data
    if d.ndim and d.flags.writeable:
        d.fill(0)
        input._bump()
    else:
        _ip.write(input, np.zeros_like(d))
    return input


class ZeroBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return _zeros_like(grad),


# =============================================================================================
# casts, copies, conj
# =============================================================================================
def _to_dtype(input: Tensor, dt) -> Tensor:
    r = _q1(lambda d: _dtype.cast(d, dt.np), input._data)
    if STATE.enabled and input._rg and dt.kind in "fc":
        return record1(ToCopyBackward0(), r, input)
    return _wrap(r)


class ToCopyBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # the engine casts back to the input's dtype
        return grad,


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy with its own memory; gradients pass straight through."""
    r = _data(input, "clone").copy()
    if STATE.enabled and input._rg:
        return record1(CloneBackward0(), r, input)
    return _wrap(r)


class CloneBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad,


def conj(input: Tensor) -> Tensor:
    """The complex conjugate (the tensor itself for real dtypes)."""
    d = _data(input, "conj")
    if d.dtype.kind != "c":
        return input
    return _finish(input, np.conj(d), ConjBackward0, _SAVE_NONE, None)


class ConjBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return conj(grad),


# =============================================================================================
# extras: angle conversions, logit, heaviside
# =============================================================================================
def deg2rad(input: Tensor, *, out=None) -> Tensor:
    """Degrees to radians (integers give floats)."""
    d = _fdata(input, "deg2rad")
    if d.dtype.kind == "c":
        raise RuntimeError("deg2rad is not supported for complex tensors.")
    return _finish(input, d * d.dtype.type(math.pi / 180), Deg2RadBackward0, _SAVE_NONE, out)


class Deg2RadBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad * (math.pi / 180),


def rad2deg(input: Tensor, *, out=None) -> Tensor:
    """Radians to degrees (integers give floats)."""
    d = _fdata(input, "rad2deg")
    if d.dtype.kind == "c":
        raise RuntimeError("rad2deg is not supported for complex tensors.")
    return _finish(input, d * d.dtype.type(180 / math.pi), Rad2DegBackward0, _SAVE_NONE, out)


class Rad2DegBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad * (180 / math.pi),


def logit(input: Tensor, eps=None, *, out=None) -> Tensor:
    """``log(p / (1 - p))``, with p clamped to [eps, 1 - eps] when eps is given."""
    d = _real_fdata(input, "logit", "logit_cpu")
    x = d if eps is None else np.clip(d, eps, 1 - eps)
    tok = _quiet_on(_QUIET)
    try:
        r = np.log(x / (1 - x))
    finally:
        _quiet_off(tok)
    if STATE.enabled and input._rg:
        node = LogitBackward0()
        node.eps = eps
        t = record1(node, r.astype(d.dtype, copy=False), input)
        node.save1(input)
        return _out(t, out)
    return _out(_wrap(r.astype(d.dtype, copy=False)), out)


class LogitBackward0(Node):
    __slots__ = ("eps",)
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / (p (1 - p)); 0 outside [eps, 1 - eps]
        x, = self.saved_tensors()
        g = grad / (x * (1 - x))
        if self.eps is None:
            return g,
        d = x._data
        return where(_const((d < self.eps) | (d > 1 - self.eps)), 0.0, g),


def heaviside(input: Tensor, values: Tensor, *, out=None) -> Tensor:
    """0 where input < 0, 1 where input > 0, ``values`` where input == 0."""
    _check_tensor(input, "heaviside")
    _tensor_arg("heaviside", values, "values")
    if input._data.dtype.kind == "c" or values._data.dtype.kind == "c":
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different "
                           "dtypes")
    x, v = input._data, values._data
    r = _call_broadcast(lambda a, b: np.where(a == 0, b, (a > 0)).astype(a.dtype), x, v)
    if STATE.enabled and (input._rg or values._rg):
        return _out(_not_implemented_grad(r, (input, values), "heaviside"), out)
    return _out(_wrap(r), out)


# =============================================================================================
# in-place forms
# =============================================================================================
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


def add_(input: Tensor, other, *, alpha=1) -> Tensor:
    """In-place :func:`add`."""
    if alpha.__class__ is int and alpha == 1 and _fast_inplace(input, other, np.add):
        return input
    _check_inplace_broadcast(input, other)
    if alpha.__class__ is not int or alpha != 1:
        return _apply_inplace(input, lambda x: add(x, other, alpha=alpha), other, "add_")
    return _quiet_inplace_op(input, other, np.add, add)


def sub_(input: Tensor, other, *, alpha=1) -> Tensor:
    """In-place :func:`sub`."""
    if alpha.__class__ is int and alpha == 1 and _fast_inplace(input, other, np.subtract):
        return input
    _check_inplace_broadcast(input, other)
    if isinstance(input, Tensor) and (input._data.dtype == np.bool_ or _is_bool(other)):
        _check_sub(input, other)
    if alpha.__class__ is not int or alpha != 1:
        return _apply_inplace(input, lambda x: sub(x, other, alpha=alpha), other, "sub_")
    return _quiet_inplace_op(input, other, np.subtract, sub)


def _is_bool(v) -> bool:
    return isinstance(v, (bool, np.bool_)) or isinstance(v, Tensor) and \
        v._data.dtype == np.bool_


def mul_(input: Tensor, other) -> Tensor:
    """In-place :func:`mul`."""
    if _fast_inplace(input, other, np.multiply):
        return input
    _check_inplace_broadcast(input, other)
    return _quiet_inplace_op(input, other, np.multiply, mul)


def div_(input: Tensor, other, *, rounding_mode=None) -> Tensor:
    """In-place :func:`div`."""
    if rounding_mode is None and _fast_inplace(input, other, np.true_divide):
        return input
    _check_inplace_broadcast(input, other)
    if rounding_mode is not None or isinstance(input, Tensor) and \
            input._data.dtype.kind not in "fc":
        return _apply_inplace(input, lambda x: div(x, other, rounding_mode=rounding_mode),
                              other, "div_")
    return _quiet_inplace_op(input, other, np.true_divide, div)


true_divide_ = divide_ = div_
subtract_, multiply_ = sub_, mul_


def pow_(input: Tensor, exponent) -> Tensor:
    """In-place :func:`pow`."""
    return _apply_inplace(input, lambda x: pow(x, exponent), exponent, "pow_")


floor_divide_ = _binary_inplace(floor_divide, "floor_divide_")
remainder_ = _binary_inplace(remainder, "remainder_")
fmod_ = _binary_inplace(fmod, "fmod_")
atan2_ = _binary_inplace(atan2, "atan2_")
arctan2_ = atan2_
hypot_ = _binary_inplace(hypot, "hypot_")
xlogy_ = _binary_inplace(xlogy, "xlogy_")
copysign_ = _binary_inplace(copysign, "copysign_")
heaviside_ = _binary_inplace(heaviside, "heaviside_")


def square_(input: Tensor) -> Tensor:
    """In-place :func:`square`."""
    return _apply_inplace(input, square, None, "square_")


def round_(input: Tensor, *, decimals: int | None = None) -> Tensor:
    """In-place :func:`round`."""
    return _apply_inplace(input, lambda x: round(x, decimals=decimals), None, "round_")


def logit_(input: Tensor, eps=None) -> Tensor:
    """In-place :func:`logit`."""
    return _apply_inplace(input, lambda x: logit(x, eps), None, "logit_")


neg_ = _unary_inplace(neg, "neg_")
negative_ = neg_
abs_ = _unary_inplace(abs, "abs_")
absolute_ = abs_
reciprocal_ = _unary_inplace(reciprocal, "reciprocal_")
sqrt_ = _unary_inplace(sqrt, "sqrt_")
rsqrt_ = _unary_inplace(rsqrt, "rsqrt_")
exp_ = _unary_inplace(exp, "exp_")
exp2_ = _unary_inplace(exp2, "exp2_")
expm1_ = _unary_inplace(expm1, "expm1_")
log_ = _unary_inplace(log, "log_")
log2_ = _unary_inplace(log2, "log2_")
log10_ = _unary_inplace(log10, "log10_")
log1p_ = _unary_inplace(log1p, "log1p_")
sin_ = _unary_inplace(sin, "sin_")
cos_ = _unary_inplace(cos, "cos_")
tan_ = _unary_inplace(tan, "tan_")
asin_ = _unary_inplace(asin, "asin_")
acos_ = _unary_inplace(acos, "acos_")
atan_ = _unary_inplace(atan, "atan_")
arcsin_, arccos_, arctan_ = asin_, acos_, atan_
sinh_ = _unary_inplace(sinh, "sinh_")
cosh_ = _unary_inplace(cosh, "cosh_")
tanh_ = _unary_inplace(tanh, "tanh_")


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


asinh_ = _no_inplace_derivative(asinh, "asinh_")
acosh_ = _no_inplace_derivative(acosh, "acosh_")
atanh_ = _no_inplace_derivative(atanh, "atanh_")
arcsinh_, arccosh_, arctanh_ = asinh_, acosh_, atanh_
sigmoid_ = _unary_inplace(sigmoid, "sigmoid_")
erf_ = _unary_inplace(erf, "erf_")
erfc_ = _unary_inplace(erfc, "erfc_")
erfinv_ = _unary_inplace(erfinv, "erfinv_")
sign_ = _unary_inplace(sign, "sign_")
sgn_ = _unary_inplace(sgn, "sgn_")
floor_ = _unary_inplace(floor, "floor_")
ceil_ = _unary_inplace(ceil, "ceil_")
trunc_ = _unary_inplace(trunc, "trunc_")
fix_ = trunc_
frac_ = _unary_inplace(frac, "frac_")
deg2rad_ = _unary_inplace(deg2rad, "deg2rad_")
rad2deg_ = _unary_inplace(rad2deg, "rad2deg_")


# -- operator forms -----------------------------------------------------------------------------
def _rpow(self, other):
    if not isinstance(other, _NUMBER):
        return NotImplemented
    return pow(other, self)


__and__ = _bit_dunder(bitwise_and)
__or__ = _bit_dunder(bitwise_or)
__xor__ = _bit_dunder(bitwise_xor)
__lshift__ = _bit_dunder(bitwise_left_shift)
__rshift__ = _bit_dunder(bitwise_right_shift)
__rand__ = _bit_dunder(bitwise_and, True)
__ror__ = _bit_dunder(bitwise_or, True)
__rxor__ = _bit_dunder(bitwise_xor, True)
__rlshift__ = _bit_dunder(bitwise_left_shift, True)
__rrshift__ = _bit_dunder(bitwise_right_shift, True)
