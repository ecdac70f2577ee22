"""Elementwise ops: arithmetic, powers, exponentials, activations, comparisons.

Each forward function is followed by its backward node, named as in PyTorch.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record1, record2
from . import inplace as _ip
from ._util import binary_arrays, broadcast_shapes, scalar_value

_wrap = Tensor._wrap


def _binary(np_fn, a, b):
    """Apply a NumPy binary ufunc with PyTorch's promotion and broadcast error."""
    x, y = binary_arrays(a, b)
    try:
        return np_fn(x, y)
    except ValueError:
        broadcast_shapes(np.shape(x), np.shape(y))
        raise


def _floating(x: Tensor) -> np.ndarray:
    """The data as a floating array: integer inputs of float functions give the default
    float dtype, as in PyTorch."""
    d = x._data
    if d.dtype.kind in "fc":
        return d
    return d.astype(_dtype.get_default_dtype().np)


def _check_tensor(x, fname: str, arg: str = "input") -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")


# -- add / sub ---------------------------------------------------------------------------------
def add(input: Tensor, other, *, alpha=1, out=None) -> Tensor:
    """``input + alpha * other``, broadcasting."""
    if alpha != 1:
        other = other * alpha
    r = _binary(np.add, input, other)
    if STATE.enabled and (input._rg or (isinstance(other, Tensor) and other._rg)):
        return _out(record2(AddBackward0(), r, input, other), out)
    return _out(_wrap(r), out)


class AddBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad, grad


def sub(input: Tensor, other, *, alpha=1, out=None) -> Tensor:
    """``input - alpha * other``, broadcasting."""
    if isinstance(other, Tensor) and other._data.dtype == np.bool_ \
            or isinstance(other, bool) and input._data.dtype == np.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if alpha != 1:
        other = other * alpha
    r = _binary(np.subtract, input, other)
    if STATE.enabled and (input._rg or (isinstance(other, Tensor) and other._rg)):
        return _out(record2(SubBackward0(), r, input, other), out)
    return _out(_wrap(r), out)


class SubBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad, -grad


def rsub(input: Tensor, other, *, alpha=1) -> Tensor:
    """``other - alpha * input`` (what ``2 - x`` calls)."""
    if isinstance(other, Tensor):
        return sub(other, input, alpha=alpha)
    x = input * alpha if alpha != 1 else input
    r = _binary(np.subtract, other, x)
    if STATE.enabled and input._rg:
        node = RsubBackward1()
        node.alpha = alpha
        return record1(node, r, input)
    return _wrap(r)


class RsubBackward1(Node):
    __slots__ = ("alpha",)

    def backward(self, grad):
        return (-grad if self.alpha == 1 else grad * -self.alpha),


# -- mul / div -------------------------------------------------------------------------------
def mul(input: Tensor, other, *, out=None) -> Tensor:
    """Elementwise product, broadcasting."""
    r = _binary(np.multiply, input, other)
    if STATE.enabled and (input._rg or (isinstance(other, Tensor) and other._rg)):
        node = MulBackward0()
        t = record2(node, r, input, other)
        if isinstance(other, Tensor):
            node.save(input, other)
        else:
            node.save(input, None)
            node.other = other
        return _out(t, out)
    return _out(_wrap(r), out)


class MulBackward0(Node):
    __slots__ = ("other",)
    _saved_names = ("self", "other")

    def backward(self, grad):          # d(a*b) = grad*b, grad*a
        a, b = self.saved_tensors()
        fa, fb = self.next_functions
        if b is None:
            return grad * self.other, None
        return (grad * b if fa[0] is not None else None,
                grad * a if fb[0] is not None else None)


def div(input: Tensor, other, *, rounding_mode=None, out=None) -> Tensor:
    """True division (integers give floats); ``rounding_mode`` 'trunc' or 'floor'."""
    if rounding_mode is not None:
        return _out(_rounded_div(input, other, rounding_mode), out)
    x, y = binary_arrays(input, other)
    if np.asarray(x).dtype.kind not in "fc" and np.asarray(y).dtype.kind not in "fc":
        f = _dtype.get_default_dtype().np
        x = np.asarray(x).astype(f)
        y = np.asarray(y).astype(f) if isinstance(y, np.ndarray) else y
    with np.errstate(divide="ignore", invalid="ignore"):
        try:
            r = np.true_divide(x, y)
        except ValueError:
            broadcast_shapes(np.shape(x), np.shape(y))
            raise
    if STATE.enabled and (input._rg or (isinstance(other, Tensor) and other._rg)):
        node = DivBackward0()
        t = record2(node, r, input, other)
        if isinstance(other, Tensor):
            node.save(input, other)
        else:
            node.save(None, None)
            node.other = other
        return _out(t, out)
    return _out(_wrap(r), out)


class DivBackward0(Node):
    __slots__ = ("other",)
    _saved_names = ("self", "other")

    def backward(self, grad):          # d(a/b) = grad/b, -grad*a/b^2
        a, b = self.saved_tensors()
        if b is None:
            return grad / self.other, None
        fa, fb = self.next_functions
        ga = grad / b if fa[0] is not None else None
        gb = -grad * a / (b * b) if fb[0] is not None else None
        return ga, gb


def rdiv(input: Tensor, other) -> Tensor:
    """``other / input``: PyTorch computes ``other * reciprocal(input)``."""
    if isinstance(other, Tensor):
        return div(other, input)
    return mul(reciprocal(input), other)


def _rounded_div(a, b, mode: str) -> Tensor:
    x, y = binary_arrays(a, b)
    if mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or "
                           f"'floor' but found '{mode}'")
    integral = np.asarray(x).dtype.kind in "iub" and np.asarray(y).dtype.kind in "iub"
    if integral and np.any(np.asarray(y) == 0):
        raise RuntimeError("ZeroDivisionError")
    with np.errstate(divide="ignore", invalid="ignore"):
        if mode == "floor":
            r = np.floor_divide(x, y)
        elif integral:
            q = np.floor_divide(x, y)
            r = q + ((np.remainder(x, y) != 0) & ((np.asarray(x) < 0) != (np.asarray(y) < 0)))
            r = r.astype(q.dtype)
        else:
            r = np.trunc(np.true_divide(x, y))
    res = _wrap(np.asarray(r))
    if STATE.enabled and (a._rg or isinstance(b, Tensor) and b._rg):
        # Rounded division is piecewise constant: its gradient is zero, as in PyTorch.
        return record2(DivBackward1(), res._data, a, b)
    return res


class DivBackward1(Node):
    __slots__ = ()

    def backward(self, grad):
        z = grad * 0
        return z, z


def floor_divide(input: Tensor, other) -> Tensor:
    return _rounded_div(input, other, "floor")


def rfloordiv(input: Tensor, other) -> Tensor:
    return _rounded_div(_as_tensor_like(other, input), input, "floor")


def remainder(input: Tensor, other) -> Tensor:
    """Python-style modulus (the sign of the divisor)."""
    x, y = binary_arrays(input, other)
    integral = np.asarray(x).dtype.kind in "iub" and np.asarray(y).dtype.kind in "iub"
    if integral and np.any(np.asarray(y) == 0):
        raise RuntimeError("ZeroDivisionError")
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.remainder(x, y)
    if STATE.enabled and (input._rg or isinstance(other, Tensor) and other._rg):
        node = RemainderBackward0() if not isinstance(other, Tensor) else RemainderBackward1()
        t = record2(node, r, input, other)
        node.save(input, other if isinstance(other, Tensor) else None)
        return t
    return _wrap(np.asarray(r))


class RemainderBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad, None


class RemainderBackward1(Node):
    __slots__ = ()

    def backward(self, grad):          # a - floor(a/b)*b
        a, b = self.saved_tensors()
        return grad, -grad * (a / b).floor()


def rremainder(input: Tensor, other) -> Tensor:
    return remainder(_as_tensor_like(other, input), input)


def _as_tensor_like(x, like: Tensor) -> Tensor:
    if isinstance(x, Tensor):
        return x
    from .._dtype import result_type
    return _wrap(np.asarray(x, dtype=result_type(like, x).np))


# -- unary arithmetic ------------------------------------------------------------------------
def neg(input: Tensor) -> Tensor:
    if input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    r = np.negative(input._data)
    if STATE.enabled and input._rg:
        return record1(NegBackward0(), r, input)
    return _wrap(r)


class NegBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return -grad,


def reciprocal(input: Tensor) -> Tensor:
    with np.errstate(divide="ignore"):
        r = np.reciprocal(_floating(input))
    if STATE.enabled and input._rg:
        node = ReciprocalBackward0()
        t = record1(node, r, input)
        node.save_result(t)
        return t
    return _wrap(r)


class ReciprocalBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d(1/a) = -grad / a^2 = -grad * r^2
        r = self.saved_result()
        return -grad * (r * r).conj() if r._data.dtype.kind == "c" else -grad * r * r,


# -- powers ---------------------------------------------------------------------------------
def pow(input, exponent, *, out=None) -> Tensor:
    """``input ** exponent``: tensor**number, tensor**tensor, or number**tensor."""
    if not isinstance(input, Tensor):
        return _out(_scalar_pow(input, exponent), out)
    if isinstance(exponent, Tensor):
        x, y = binary_arrays(input, exponent)
        r = _np_pow(x, y)
        if STATE.enabled and (input._rg or exponent._rg):
            node = PowBackward1()
            t = record2(node, r, input, exponent)
            node.save(input, exponent)
            node.save_result(t)
            return _out(t, out)
        return _out(_wrap(r), out)
    e = scalar_value(exponent)
    x, _ = binary_arrays(input, e)
    r = _np_pow(x, e)
    if STATE.enabled and input._rg:
        node = PowBackward0()
        t = record1(node, r, input)
        node.save(input)
        node.exponent = e
        return _out(t, out)
    return _out(_wrap(r), out)


def _np_pow(x, y):
    if np.asarray(x).dtype.kind in "iu" and np.any(np.asarray(y) < 0):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        try:
            return np.power(x, y)
        except ValueError:
            broadcast_shapes(np.shape(x), np.shape(y))
            raise


class PowBackward0(Node):
    __slots__ = ("exponent",)
    _saved_names = ("self",)

    def backward(self, grad):          # d(a^e) = e * a^(e-1)
        a, = self.saved_tensors()
        e = self.exponent
        if e == 0:
            return grad * 0,
        return grad * (a ** (e - 1) * e),


class PowBackward1(Node):
    __slots__ = ()
    _saved_names = ("self", "exponent")

    def backward(self, grad):          # d(a^b): b*a^(b-1), a^b*log(a) (0 where a == 0 <= b)
        a, b = self.saved_tensors()
        fa, fb = self.next_functions
        ga = gb = None
        if fa[0] is not None:
            ga = grad * b * a ** (b - 1)
        if fb[0] is not None:
            r = self.saved_result()
            zero = _wrap(np.asarray((a._data == 0) & (b._data >= 0)))
            gb = where(zero, grad * 0, grad * r * a.log())
        return ga, gb


def _scalar_pow(base, exponent: Tensor) -> Tensor:
    b = scalar_value(base)
    _, y = binary_arrays(b, exponent)
    r = _np_pow(np.asarray(b, dtype=y.dtype) if y.dtype.kind in "fc" else b, y)
    if STATE.enabled and exponent._rg:
        node = PowBackward2()
        t = record1(node, r, exponent)
        node.base = b
        node.save_result(t)
        return t
    return _wrap(np.asarray(r))


class PowBackward2(Node):
    __slots__ = ("base",)

    def backward(self, grad):          # d(c^b) = c^b * log(c)
        r = self.saved_result()
        return grad * r * math.log(self.base) if self.base > 0 else grad * r * float("nan"),


def square(input: Tensor) -> Tensor:
    return pow(input, 2)


def sqrt(input: Tensor) -> Tensor:
    with np.errstate(invalid="ignore"):
        r = np.sqrt(_floating(input))
    if STATE.enabled and input._rg:
        node = SqrtBackward0()
        t = record1(node, r, input)
        node.save_result(t)
        return t
    return _wrap(r)


class SqrtBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d sqrt(a) = grad / (2 sqrt(a))
        return grad / (2 * self.saved_result()),


def exp(input: Tensor) -> Tensor:
    with np.errstate(over="ignore"):
        r = np.exp(_floating(input))
    if STATE.enabled and input._rg:
        node = ExpBackward0()
        t = record1(node, r, input)
        node.save_result(t)
        return t
    return _wrap(r)


class ExpBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d exp(a) = grad * exp(a)
        return grad * self.saved_result(),


def log(input: Tensor) -> Tensor:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.log(_floating(input))
    if STATE.enabled and input._rg:
        node = LogBackward0()
        t = record1(node, r, input)
        node.save(input)
        return t
    return _wrap(r)


class LogBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # d log(a) = grad / a
        a, = self.saved_tensors()
        return grad / a,


# -- activations ---------------------------------------------------------------------------
def relu(input: Tensor) -> Tensor:
    """``max(input, 0)``; its gradient is 0 where input <= 0."""
    d = input._data
    if d.dtype == np.bool_:
        raise RuntimeError('"clamp_min_cpu" not implemented for \'Bool\'')
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
        return grad * (r > 0),


def relu_(input: Tensor) -> Tensor:
    """In-place ReLU (``nn.ReLU(inplace=True)``)."""
    from .._tensor import check_inplace
    check_inplace(input)
    if _ip.needs_graph(input):
        return _ip.commit(input, relu(input))
    np.maximum(input._data, 0, out=input._data)
    input._bump()
    return input


def sigmoid(input: Tensor) -> Tensor:
    x = _floating(input)
    # Split by sign so that exp never overflows: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) below.
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))
    r = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
    if STATE.enabled and input._rg:
        node = SigmoidBackward0()
        t = record1(node, r, input)
        node.save_result(t)
        return t
    return _wrap(r)


class SigmoidBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d sigmoid = s * (1 - s)
        s = self.saved_result()
        return grad * (s * (1 - s)),


def tanh(input: Tensor) -> Tensor:
    r = np.tanh(_floating(input))
    if STATE.enabled and input._rg:
        node = TanhBackward0()
        t = record1(node, r, input)
        node.save_result(t)
        return t
    return _wrap(r)


class TanhBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d tanh = 1 - t^2
        t = self.saved_result()
        return grad * (1 - t * t),


def abs(input: Tensor) -> Tensor:
    r = np.abs(input._data)
    if STATE.enabled and input._rg:
        node = AbsBackward0()
        t = record1(node, r, input)
        node.save(input)
        return t
    return _wrap(r)


class AbsBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # d|a| = sign(a)
        a, = self.saved_tensors()
        return grad * a.sign(),


def sign(input: Tensor) -> Tensor:
    r = np.sign(input._data)
    if STATE.enabled and input._rg:
        return record1(SignBackward0(), r, input)
    return _wrap(r)


class SignBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad * 0,


def sin(input: Tensor) -> Tensor:
    r = np.sin(_floating(input))
    if STATE.enabled and input._rg:
        node = SinBackward0()
        t = record1(node, r, input)
        node.save(input)
        return t
    return _wrap(r)


class SinBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):
        a, = self.saved_tensors()
        return grad * a.cos(),


def cos(input: Tensor) -> Tensor:
    r = np.cos(_floating(input))
    if STATE.enabled and input._rg:
        node = CosBackward0()
        t = record1(node, r, input)
        node.save(input)
        return t
    return _wrap(r)


class CosBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):
        a, = self.saved_tensors()
        return grad * -a.sin(),


# -- comparisons (no gradient) -----------------------------------------------------------------
def _compare(np_fn):
    def fn(input: Tensor, other, *, out=None) -> Tensor:
        return _out(_wrap(np.asarray(_binary(np_fn, input, other))), out)
    return fn


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)
for _f, _n in ((eq, "eq"), (ne, "ne"), (lt, "lt"), (le, "le"), (gt, "gt"), (ge, "ge")):
    _f.__name__ = _f.__qualname__ = _n
    _f.__doc__ = f"Elementwise ``{_n}`` comparison, giving a bool tensor."


# -- where ----------------------------------------------------------------------------------
def where(condition: Tensor, input=None, other=None) -> Tensor:
    """``input`` where ``condition`` else ``other`` (``where(cond)`` is ``nonzero`` as tuple)."""
    if input is None and other is None:
        return tuple(_wrap(i) for i in np.nonzero(condition._data))
    c = condition._data
    if c.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                           f"tensor with dtype {condition.dtype.name.capitalize()}")
    if not isinstance(input, Tensor):
        if not isinstance(other, Tensor):
            from .._dtype import result_type
            dt = result_type(input, other)
            return _wrap(np.where(c, np.asarray(input, dt.np), np.asarray(other, dt.np)))
        x, y = binary_arrays(input, other)
    else:
        x, y = binary_arrays(input, other)
    try:
        r = np.where(c, x, y)
    except ValueError:
        broadcast_shapes(c.shape, broadcast_shapes(np.shape(x), np.shape(y)))
        raise
    if STATE.enabled and (isinstance(input, Tensor) and input._rg
                          or isinstance(other, Tensor) and other._rg):
        node = WhereBackward0()
        t = record2(node, r, input, other)
        node.condition = condition
        return t
    return _wrap(np.asarray(r))


class WhereBackward0(Node):
    __slots__ = ("condition",)

    def backward(self, grad):
        z = grad * 0
        c = self.condition
        return where(c, grad, z), where(c, z, grad)


# -- casts and copies ----------------------------------------------------------------------
def _to_dtype(input: Tensor, dt) -> Tensor:
    with np.errstate(invalid="ignore", over="ignore"):
        r = input._data.astype(dt.np)
    if STATE.enabled and input._rg and dt.np.kind in "fc":
        return record1(ToCopyBackward0(), r, input)
    return _wrap(r)


class ToCopyBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # the engine casts back to the input's dtype
        return grad,


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy with its own memory; gradients pass straight through."""
    r = input._data.copy()
    if STATE.enabled and input._rg:
        return record1(CloneBackward0(), r, input)
    return _wrap(r)


class CloneBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad,


def _out(t: Tensor, out):
    """Honour ``out=``: write the result into ``out`` (resizing as PyTorch does)."""
    if out is None:
        return t
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if STATE.enabled and (t._rg or out._rg):
        raise RuntimeError("out=... arguments don't support automatic differentiation, but "
                           "one of the arguments requires grad.")
    if out._data.shape != t._data.shape:
        out._data = np.empty(t._data.shape, out._data.dtype)
    np.copyto(out._data, t._data, casting="unsafe")
    out._bump()
    return out


# -- in-place arithmetic ----------------------------------------------------------------------
def add_(input: Tensor, other, *, alpha=1) -> Tensor:
    if alpha != 1:
        other = other * alpha
    return _ip.inplace_op(input, other, np.add, add)


def sub_(input: Tensor, other, *, alpha=1) -> Tensor:
    if alpha != 1:
        other = other * alpha
    return _ip.inplace_op(input, other, np.subtract, sub)


def mul_(input: Tensor, other) -> Tensor:
    return _ip.inplace_op(input, other, np.multiply, mul)


def div_(input: Tensor, other, *, rounding_mode=None) -> Tensor:
    if rounding_mode is not None:
        from .._tensor import check_inplace
        check_inplace(input)
        return _ip.commit(input, _rounded_div(input, other, rounding_mode))
    return _ip.inplace_op(input, other, np.true_divide, div)


def pow_(input: Tensor, exponent) -> Tensor:
    return _ip.inplace_op(input, exponent, np.power, pow)
