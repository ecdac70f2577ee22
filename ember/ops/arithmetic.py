"""Arithmetic: ``+ - * /`` (true, floor and trunc division, remainder, fmod), negation, abs,
reciprocal, sign and sgn, powers, rounding, copysign, lerp, addcmul and addcdiv, fills,
copies and casts, with their in-place and operator forms.

Each forward function is followed by its backward node, named as in PyTorch, its formula
written once against ember.autograd.anp. Results follow PyTorch's dtype rules (``floor`` of
an int tensor stays int) and its gradients at special points (``abs`` at 0 is 0).
"""
from __future__ import annotations

import builtins
import math
import operator as _operator

import numpy as np

from .. import _dtype
from .._errstate import QUIET as _QUIET, quiet_off as _quiet_off, quiet_on as _quiet_on
from .._tensor import Tensor, check_inplace
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, holomorphic, record, record1, record2
from . import _reduced, inplace as _ip
from ._util import binary_arrays, broadcast_shapes, check_tensor, scalar_value, tname
from ._elementwise import (_CTYPE, _NUMBER, _SAVE_NONE, _SAVE_RESULT, _apply_inplace, _binary,
                           _binary_inplace, _call_broadcast, _check_inplace_broadcast,
                           _check_int_arg, _data, _declines, _fast_inplace, _finish, _float_pair,
                           _float_unary, _is_bool, _ndarray, _not_impl, _not_implemented_grad, _out,
                           _q1, _q2, _quiet_inplace_op, _res_dtype, _type_error, _unary_inplace,
                           _wrap)


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


def add(input, other, *, alpha=1, out=None, _op=False) -> Tensor:
    """``input + alpha * other``, broadcasting."""
    try:
        if alpha.__class__ is int and alpha == 1:
            r = _binary(np.add, input, other, _operator.add)
        else:
            r = _call_broadcast(np.add, *_scaled_operands(input, other, alpha))
    except TypeError:
        if _declines(_op, other):
            return NotImplemented
        raise
    if STATE.enabled and (isinstance(input, Tensor) and input._rg or
                          isinstance(other, Tensor) and other._rg):
        node = AddBackward0()
        node.alpha = alpha
        t = record2(node, r, input, other)
        return t if out is None else _out(t, out)
    t = _wrap(r)
    return t if out is None else _out(t, out)


class AddBackward0(Node):
    __slots__ = ("alpha",)

    def backward(self, grad):          # d(a + alpha b) = grad, alpha grad
        a = self.alpha
        return grad, (grad if a == 1 else grad * a)


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


def sub(input, other, *, alpha=1, out=None, _op=False) -> Tensor:
    """``input - alpha * other``, broadcasting."""
    if input.__class__ is Tensor and other.__class__ is Tensor:
        if input._data.dtype.kind == "b" or other._data.dtype.kind == "b":
            _check_sub(input, other)
    elif _is_bool(input) or _is_bool(other):
        _check_sub(input, other)
    try:
        if alpha.__class__ is int and alpha == 1:
            r = _binary(np.subtract, input, other, _operator.sub)
        else:
            r = _call_broadcast(np.subtract, *_scaled_operands(input, other, alpha))
    except TypeError:
        if _declines(_op, other):
            return NotImplemented
        raise
    if STATE.enabled and (isinstance(input, Tensor) and input._rg or
                          isinstance(other, Tensor) and other._rg):
        node = SubBackward0()
        node.alpha = alpha
        t = record2(node, r, input, other)
        return t if out is None else _out(t, out)
    t = _wrap(r)
    return t if out is None else _out(t, out)


subtract = sub


class SubBackward0(Node):
    __slots__ = ("alpha",)

    def backward(self, grad):          # d(a - alpha b) = grad, -alpha grad
        a = self.alpha
        return grad, (-grad if a == 1 else grad * -a)


def rsub(input: Tensor, other, *, alpha=1, _op=False) -> Tensor:
    """``other - alpha * input`` (what ``2 - x`` calls)."""
    check_tensor(input, "rsub", pos=1)
    if input._data.dtype == np.bool_ or isinstance(other, (bool, np.bool_)) or \
            isinstance(other, Tensor) and other._data.dtype == np.bool_:
        _check_sub(other, input)
    try:
        xs, ys = _scaled_operands(other, input, alpha)
    except TypeError:
        if _declines(_op, other):
            return NotImplemented
        raise
    r = _call_broadcast(np.subtract, xs, ys)
    if STATE.enabled and (input._rg or isinstance(other, Tensor) and other._rg):
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


class RsubBackward1(Node):
    __slots__ = ("alpha",)

    def backward(self, grad):
        return (-grad if self.alpha == 1 else grad * -self.alpha),


def mul(input, other, *, out=None, _op=False) -> Tensor:
    """Elementwise product, broadcasting."""
    try:
        r = _binary(np.multiply, input, other, _operator.mul)
    except TypeError:
        if _declines(_op, other):
            return NotImplemented
        raise
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

    def backward(self, grad):          # d(a*b) = grad*b, grad*a
        a, b = self.saved(like=grad)
        if a is None and b is None:    # times a Python number
            return grad * self.other, None
        return (None if b is None else grad * b,
                None if a is None else grad * a)


def div(input, other, *, rounding_mode=None, out=None, _op=False) -> Tensor:
    """True division (integers give floats); ``rounding_mode`` 'trunc' or 'floor'."""
    if rounding_mode is not None:
        return _out(_rounded_div(input, other, rounding_mode), out)
    try:
        x, y = _float_pair(input, other)
    except TypeError:
        if _declines(_op, other):
            return NotImplemented
        raise
    r = _call_broadcast(np.true_divide, x, y)
    if STATE.enabled and (isinstance(input, Tensor) and input._rg or
                          isinstance(other, Tensor) and other._rg):
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
        a, b = self.saved(like=grad)
        if b is None:                  # divided by a Python number
            return grad / self.other, None
        fa, fb = self.next_functions
        ga = grad / b if fa[0] is not None else None
        if fb[0] is None:
            return ga, None
        if a is None:                  # a Python number divided by b
            a = self.self_scalar
        return ga, -grad * ((a / b) / b)


def rdiv(input: Tensor, other) -> Tensor:
    """``other / input``: PyTorch computes ``other * reciprocal(input)``."""
    if isinstance(other, Tensor):
        return div(other, input)
    return mul(reciprocal(input), other)


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
    if STATE.enabled and (isinstance(a, Tensor) and a._rg or isinstance(b, Tensor) and b._rg):
        return record2(DivBackward2(), r, a, b)
    return _wrap(r)


class DivBackward2(Node):
    """Rounded division is piecewise constant: its gradient is zero, as in PyTorch."""

    __slots__ = ()

    def backward(self, grad):
        z = anp.zeros_like(grad)
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
    if STATE.enabled and (isinstance(input, Tensor) and input._rg or
                          isinstance(other, Tensor) and other._rg):
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
    return _modulus("remainder", _remainder_np, RemainderBackward0, RemainderBackward1, input,
                    other, out)


def _modulus(name: str, np_fn, scalar_node, tensor_node, input: Tensor, other, out) -> Tensor:
    """remainder/fmod of a tensor ``input``: ``np_fn`` after their dtype and integer-zero
    checks, recording ``scalar_node`` for a number ``other``, else ``tensor_node``."""
    x, y = binary_arrays(input, other)
    dt = _res_dtype(x, y)
    if dt.kind in "bc":
        raise _not_impl(f"{name}_cpu", dt)
    _int_zero_check(x, y)
    r = _call_broadcast(np_fn, x, y)
    if STATE.enabled and (input._rg or isinstance(other, Tensor) and other._rg):
        if isinstance(other, Tensor):
            node = tensor_node()
            t = record2(node, r, input, other)
            node.save2(input, other)
        else:
            t = record1(scalar_node(), r, input)
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
        a, b = self.saved(like=grad)
        gb = None
        if self.next_functions[1][0] is not None:
            gb = -grad * anp.div(a, b, rounding_mode="floor")
        return grad, gb


def rremainder(input: Tensor, other) -> Tensor:
    """``other % input`` (what ``2 % x`` calls)."""
    return remainder(other, input)


def fmod(input: Tensor, other, *, out=None) -> Tensor:
    """C-style modulus: the result has the sign of the dividend."""
    check_tensor(input, "fmod", pos=1)
    return _modulus("fmod", np.fmod, FmodBackward0, FmodBackward1, input, other, out)


class FmodBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad,


class FmodBackward1(Node):
    __slots__ = ()
    _saved_names = ("self", "other")

    def backward(self, grad):          # a - trunc(a/b) b
        a, b = self.saved(like=grad)
        gb = None
        if self.next_functions[1][0] is not None:
            gb = -grad * anp.div(a, b, rounding_mode="trunc")
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
        a, = self.saved()
        return grad * anp.sgn(a),


def reciprocal(input: Tensor, *, out=None) -> Tensor:
    """``1 / input`` (integers give floats)."""
    return _float_unary(input, anp.recip_array, ReciprocalBackward0, _SAVE_RESULT, out,
                        "reciprocal")


class ReciprocalBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d(1/a) = -grad / a^2 = -grad * r^2 (conjugated)
        r = self.result()
        return -grad * anp.conj(r * r),


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
        return anp.zeros_like(grad),


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
        if not self._saved:            # real input: sgn is sign, piecewise constant
            return anp.zeros_like(grad),
        # complex: (grad - Re(grad conj(sgn)) sgn) / |x|, 0 where x == 0
        x, = self.saved()
        s = self.result()
        a = anp.abs(x)
        proj = anp.real(grad * anp.conj(s))
        g = (grad - proj * s) / anp.where(a == 0, 1.0, a)
        return anp.where(a == 0, 0.0, g),


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


def pow(input, exponent, *, out=None, _op=False) -> Tensor:
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
        if _declines(_op, exponent):
            return NotImplemented
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
        a, = self.saved()
        e = self.exponent
        if e == 0:
            return anp.zeros_like(grad),
        if e == 2:
            return grad * (a * 2),
        return grad * (anp.pow(a, e - 1) * e),


class PowBackward1(Node):
    __slots__ = ()
    _saved_names = ("self", "exponent")

    def backward(self, grad):          # d(a^b): b a^(b-1) (0 where b == 0), a^b log(a)
        a, b = self.saved(like=grad)
        fa, fb = self.next_functions
        ga = gb = None
        if fa[0] is not None:
            ga = anp.where(b == 0, 0.0, grad * (b * anp.pow(a, b - 1)))
        if fb[0] is not None:
            r = self.result()
            gb = anp.where((a == 0) & (b >= 0), 0.0, grad * (r * anp.log(a)))
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
        e, = self.saved(like=grad)
        r = self.result()
        c = self.base
        if c == 0:
            return anp.where(e >= 0, 0.0, grad * (r * -math.inf)),
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
        raise RuntimeError(f"the base given to float_power_ has dtype {tname(input._data.dtype)}"
                           f" but the operation's result requires dtype {tname(need)}")
    return _apply_inplace(input, lambda x: float_power(x, exponent), exponent, "float_power_")


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
        return anp.zeros_like(grad),


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
# copysign, lerp, addcmul, addcdiv
# =============================================================================================
def copysign(input: Tensor, other, *, out=None) -> Tensor:
    """``|input|`` with the sign of ``other`` (integers give floats)."""
    check_tensor(input, "copysign", pos=1)
    x, y = _float_pair(input, other, real="copysign_cpu")
    r = _call_broadcast(np.copysign, x, y)
    if STATE.enabled and (input._rg or isinstance(other, Tensor) and other._rg):
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
        a, = self.saved(like=grad)
        r = self.result()
        z = a == 0
        g = grad * anp.where(z, 0.0, r / anp.where(z, 1.0, a))
        return (g, anp.zeros_like(grad)) if len(self.next_functions) == 2 else (g,)


class CopysignBackward1(CopysignBackward0):
    __slots__ = ()


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
    check_tensor(input, "lerp", pos=1)
    check_tensor(end, "lerp", "end", 2)
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
        if rt == _dtype.BF16:
            # its vector kernel: fmadd(w < 0.5 ? w : w - 1, end - start, w < 0.5 ? start : end)
            r = _reduced.lerp(a, b, w)
        elif isinstance(w, _ndarray):
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
        a, b, w = self.saved(like=grad)
        fa, fb, fw = self.next_functions
        return (grad * (1 - w) if fa[0] is not None else None,
                grad * w if fb[0] is not None else None,
                grad * (b - a) if fw[0] is not None else None)


def lerp_(input: Tensor, end: Tensor, weight) -> Tensor:
    """In-place :func:`lerp`."""
    other = end if isinstance(end, Tensor) and end._rg else weight
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
        if rt == _dtype.BF16:
            # PyTorch's kernel: float32 self + value * t1 * t2, the add fused (one FMA)
            f = np.float32
            r = _reduced.fma(f(v) * b.astype(f), c.astype(f), a.astype(f)).astype(rt)
        else:
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
        t1, t2 = self.saved(like=grad)
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
        if rt == _dtype.BF16:       # PyTorch's kernel: float32 self + value * t1 / t2
            f = np.float32
            r = (a.astype(f) + f(v) * b.astype(f) / c.astype(f)).astype(rt)
        else:
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
        t1, t2 = self.saved(like=grad)
        v = self.value
        _, f1, f2 = self.next_functions
        return (grad,
                grad * (anp.reciprocal(t2) * v) if f1[0] is not None else None,
                -grad * (t1 * v / (t2 * t2)) if f2[0] is not None else None)


def addcmul_(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """In-place :func:`addcmul`."""
    other = tensor1 if isinstance(tensor1, Tensor) and tensor1._rg else tensor2
    return _apply_inplace(input, lambda x: addcmul(x, tensor1, tensor2, value=value), other,
                          "addcmul_")


def addcdiv_(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """In-place :func:`addcdiv`."""
    other = tensor1 if isinstance(tensor1, Tensor) and tensor1._rg else tensor2
    return _apply_inplace(input, lambda x: addcdiv(x, tensor1, tensor2, value=value), other,
                          "addcdiv_")


# =============================================================================================
# fills, casts, copies, conj
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
        return anp.zeros_like(grad),


class FillBackward3(Node):
    __slots__ = ()

    def backward(self, grad):          # the filled value gets the summed gradient
        return anp.zeros_like(grad), anp.sum(grad)


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
        return anp.zeros_like(grad),


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
        return anp.conj(grad),


# =============================================================================================
# in-place forms
# =============================================================================================
def add_(input: Tensor, other, *, alpha=1, _op=False) -> Tensor:
    """In-place :func:`add`."""
    if alpha.__class__ is int and alpha == 1 and _fast_inplace(input, other, np.add):
        return input
    if _declines(_op, other):
        return NotImplemented
    _check_inplace_broadcast(input, other)
    if alpha.__class__ is not int or alpha != 1:
        return _apply_inplace(input, lambda x: add(x, other, alpha=alpha), other, "add_")
    return _quiet_inplace_op(input, other, np.add, add)


def sub_(input: Tensor, other, *, alpha=1, _op=False) -> Tensor:
    """In-place :func:`sub`."""
    if alpha.__class__ is int and alpha == 1 and _fast_inplace(input, other, np.subtract):
        return input
    if _declines(_op, other):
        return NotImplemented
    _check_inplace_broadcast(input, other)
    if isinstance(input, Tensor) and (input._data.dtype == np.bool_ or _is_bool(other)):
        _check_sub(input, other)
    if alpha.__class__ is not int or alpha != 1:
        return _apply_inplace(input, lambda x: sub(x, other, alpha=alpha), other, "sub_")
    return _quiet_inplace_op(input, other, np.subtract, sub)


def mul_(input: Tensor, other, *, _op=False) -> Tensor:
    """In-place :func:`mul`."""
    if _fast_inplace(input, other, np.multiply):
        return input
    if _declines(_op, other):
        return NotImplemented
    _check_inplace_broadcast(input, other)
    return _quiet_inplace_op(input, other, np.multiply, mul)


def div_(input: Tensor, other, *, rounding_mode=None, _op=False) -> Tensor:
    """In-place :func:`div`."""
    if rounding_mode is None and _fast_inplace(input, other, np.true_divide):
        return input
    if _declines(_op, other):
        return NotImplemented
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


copysign_ = _binary_inplace(copysign, "copysign_")


def square_(input: Tensor) -> Tensor:
    """In-place :func:`square`."""
    return _apply_inplace(input, square, None, "square_")


def round_(input: Tensor, *, decimals: int | None = None) -> Tensor:
    """In-place :func:`round`."""
    return _apply_inplace(input, lambda x: round(x, decimals=decimals), None, "round_")


neg_ = _unary_inplace(neg, "neg_")
negative_ = neg_
abs_ = _unary_inplace(abs, "abs_")
absolute_ = abs_
reciprocal_ = _unary_inplace(reciprocal, "reciprocal_")


sign_ = _unary_inplace(sign, "sign_")
sgn_ = _unary_inplace(sgn, "sgn_")
floor_ = _unary_inplace(floor, "floor_")
ceil_ = _unary_inplace(ceil, "ceil_")
trunc_ = _unary_inplace(trunc, "trunc_")
fix_ = trunc_
frac_ = _unary_inplace(frac, "frac_")


# -- operator forms -----------------------------------------------------------------------------
def _rpow(self, other):
    if not isinstance(other, _NUMBER):
        return NotImplemented
    return pow(other, self)


# Complex gradients: these formulas are the real-number derivatives of analytic functions
# (the engine conjugates, ember/autograd/graph.py)
holomorphic(MulBackward0, DivBackward0, DivBackward2, PowBackward0, PowBackward1, PowBackward2,
            LerpBackward1, AddcmulBackward0, AddcdivBackward0)


# =============================================================================================
# frexp, ldexp, nextafter
# =============================================================================================
def frexp(input: Tensor, *, out=None):
    """``(mantissa, exponent)`` with ``input = mantissa * 2**exponent`` and ``0.5 <= |m| < 1``
    (``torch.return_types.frexp``; the exponent is int32)."""
    from .reduction import frexp_type
    check_tensor(input, "frexp", pos=1)
    d = input._data
    if _dtype.kind(d.dtype) != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = np.frexp(d)       # (bfloat16 comes back in float32: the mantissa is exact in it)
    m = m.astype(d.dtype, copy=False)
    e = e.astype(np.int32, copy=False)
    exponent = _wrap(e)
    if STATE.enabled and input._rg:
        node = FrexpBackward0()
        with np.errstate(over="ignore"):
            node.scale = np.ldexp(np.ones((), m.dtype if m.dtype.kind == "f" else np.float32),
                                  e)
        mantissa = record1(node, m, input)
    else:
        mantissa = _wrap(m)
    from .reduction import _fill_out
    return _fill_out(frexp_type(mantissa, exponent), out)


class FrexpBackward0(Node):
    __slots__ = ("scale",)

    def backward(self, grad):          # mantissa = input / 2**exponent, exponent held fixed
        return (grad / anp.as_dtype_of(anp.constant(self.scale, grad), grad),)


def ldexp(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``input * 2**other``; integer operands give the default float dtype."""
    check_tensor(input, "ldexp", pos=1)
    check_tensor(other, "ldexp", "other", 2)
    ed = other._data
    if ed.dtype == np.bool_:
        raise _not_impl("ldexp_cpu_exp", ed.dtype)
    rt = _dtype.result_type(input, other).np
    if _dtype.kind(rt) not in "fc":
        rt = _dtype.get_default_dtype().np
    r = _ldexp_np(input._data, ed, rt)
    if STATE.enabled and (input._rg or other._rg):
        node = LdexpBackward0()
        t = record2(node, r, input, other)
        node.save2(input, other)
        return _out(t, out)
    return _out(_wrap(r), out)


def _ldexp_np(x: np.ndarray, e: np.ndarray, rt: np.dtype) -> np.ndarray:
    """PyTorch's ``x * pow(2, e)``: a floating exponent's power is taken in its own dtype
    (``2**130.`` overflows in float32 even beside a float64 input), an integer one's in the
    result's; half types compute in float32 and round once."""
    wide = rt if rt.itemsize > 2 else np.dtype(np.float32)
    tok = _quiet_on(_QUIET)
    try:
        if _dtype.kind(e.dtype) in "iu":
            s = np.ldexp(np.ones((), wide if wide.kind == "f" else
                                 np.finfo(wide).dtype), e.astype(np.int64).clip(-2000, 2000))
        else:
            ew = e.astype(np.float32) if e.dtype.itemsize <= 2 else e
            s = np.exp2(ew).astype(e.dtype).astype(ew.dtype)
        try:
            r = np.multiply(x.astype(wide, copy=False), s)
        except ValueError:
            broadcast_shapes(x.shape, e.shape)
            raise
        return r.astype(rt, copy=False)
    finally:
        _quiet_off(tok)


class LdexpBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "other")

    def backward(self, grad):          # d(x 2^e) = grad 2^e, grad x 2^e ln 2
        x, e = self.saved(like=grad)
        s = anp.exp2(e)
        fx, fe = self.next_functions
        return (grad * s if fx[0] is not None else None,
                grad * (x * s) * math.log(2.0) if fe[0] is not None else None)


def ldexp_(input: Tensor, other: Tensor) -> Tensor:
    """In-place :func:`ldexp` (a floating tensor only: the result is never integral)."""
    if isinstance(input, Tensor) and _dtype.kind(input._data.dtype) not in "fc":
        raise RuntimeError(f"ldexp can't be cast to the desired output type "
                           f"{tname(input._data.dtype)}")
    return _apply_inplace(input, lambda x: ldexp(x, other), other, "ldexp_")


def nextafter(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """The next floating value after ``input`` towards ``other``."""
    check_tensor(input, "nextafter", pos=1)
    check_tensor(other, "nextafter", "other", 2)
    x, y = binary_arrays(input, other)
    dt = _res_dtype(x, y)
    if _dtype.kind(dt) != "f":
        raise _not_impl("nextafter_cpu", dt)
    if dt is _dtype.BF16:
        r = _bf16_nextafter(x, y)
    else:
        r = _call_broadcast(np.nextafter, x, y)
    if STATE.enabled and (input._rg or other._rg):
        return _out(record2(NextafterBackward0(), r, input, other), out)
    return _out(_wrap(r), out)


def _bf16_nextafter(x, y):
    """nextafter on bfloat16 through its 16-bit pattern (NumPy has no loop for it)."""
    x, y = np.broadcast_arrays(x, y)
    bx = x.view(np.uint16).astype(np.int32)
    xf, yf = x.astype(np.float32), y.astype(np.float32)
    # towards larger magnitude adds one to the pattern, towards smaller subtracts one
    step = np.where((yf > xf) == (xf >= 0), 1, -1)
    nb = np.where(xf == 0, np.where(yf > 0, 1, 0x8001), bx + step)
    nb = np.where(xf == yf, y.view(np.uint16), nb)
    nb = np.where(np.isnan(xf) | np.isnan(yf), 0x7FC0, nb)
    return nb.astype(np.uint16).view(x.dtype)


class NextafterBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # PyTorch passes the gradient to input, zeros to other
        fx, fo = self.next_functions
        return (grad if fx[0] is not None else None,
                anp.zeros_like(grad) if fo[0] is not None else None)


nextafter_ = _binary_inplace(nextafter, "nextafter_")
