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


# -- maximum / minimum / clamp -----------------------------------------------------------------
def _tensor_arg(fname: str, other) -> None:
    if not isinstance(other, Tensor):
        raise TypeError(f"{fname}(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(other).__name__}")


def maximum(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Elementwise max (NaN propagates); ties split the gradient in half, as in PyTorch."""
    _tensor_arg("maximum", other)
    r = _binary(np.maximum, input, other)
    if STATE.enabled and (input._rg or isinstance(other, Tensor) and other._rg):
        node = MaximumBackward0()
        t = record2(node, r, input, other)
        node.save(input, other)
        return _out(t, out)
    return _out(_wrap(r), out)


def minimum(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    _tensor_arg("minimum", other)
    r = _binary(np.minimum, input, other)
    if STATE.enabled and (input._rg or isinstance(other, Tensor) and other._rg):
        node = MinimumBackward0()
        t = record2(node, r, input, other)
        node.save(input, other)
        return _out(t, out)
    return _out(_wrap(r), out)


class MaximumBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "other")
    _greater = staticmethod(np.greater)

    def backward(self, grad):
        a, b = self.saved_tensors()
        wins = self._greater(a._data, b._data)
        tie = a._data == b._data
        dt = grad._data.dtype
        wa = _wrap(np.where(tie, 0.5, wins).astype(dt))
        wb = _wrap(np.where(tie, 0.5, ~wins & ~tie).astype(dt))
        return grad * wa, grad * wb


class MinimumBackward0(MaximumBackward0):
    __slots__ = ()
    _greater = staticmethod(np.less)


def clamp(input: Tensor, min=None, max=None, *, out=None) -> Tensor:
    """Limit values to [min, max] (either may be None, a number or a tensor)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        lo = min if isinstance(min, Tensor) or min is None else _as_tensor_like(min, input)
        hi = max if isinstance(max, Tensor) or max is None else _as_tensor_like(max, input)
        r = input._data
        if lo is not None:
            r = _binary(np.maximum, Tensor._wrap(np.asarray(r)), lo)
        if hi is not None:
            r = _binary(np.minimum, Tensor._wrap(np.asarray(r)), hi)
        inputs = (input, lo, hi)
        if STATE.enabled and any(isinstance(t, Tensor) and t._rg for t in inputs):
            from ..autograd.graph import record
            node = ClampBackward0()
            t = record(node, np.asarray(r), inputs)
            node.save(input, lo, hi)
            return _out(t, out)
        return _out(_wrap(np.asarray(r)), out)
    d = input._data
    lo = scalar_value(min)
    hi = scalar_value(max)
    if (isinstance(lo, float) or isinstance(hi, float)) and d.dtype.kind not in "fc":
        d = d.astype(_dtype.get_default_dtype().np)
    r = d
    if lo is not None:
        r = np.maximum(r, lo)
    if hi is not None:
        r = np.minimum(r, hi)
    if r is d:
        r = d.copy()
    if STATE.enabled and input._rg:
        node = ClampBackward1()
        node.lo, node.hi = lo, hi
        t = record1(node, r, input)
        node.save(input)
        return _out(t, out)
    return _out(_wrap(np.asarray(r)), out)


clip = clamp


class ClampBackward1(Node):
    """Gradient passes where min <= x <= max (boundaries included, as in PyTorch)."""

    __slots__ = ("lo", "hi")
    _saved_names = ("self",)

    def backward(self, grad):
        x, = self.saved_tensors()
        d = x._data
        keep = np.ones(d.shape, bool)
        if self.lo is not None:
            keep &= d >= self.lo
        if self.hi is not None:
            keep &= d <= self.hi
        return grad * _wrap(keep),


class ClampBackward0(Node):
    """Clamp with tensor bounds: the gradient goes to whichever of x, min, max was chosen."""

    __slots__ = ()
    _saved_names = ("self", "min", "max")

    def backward(self, grad):
        x, lo, hi = self.saved_tensors()
        xd = x._data
        in_x = np.ones(np.broadcast_shapes(*(t._data.shape for t in (x, lo, hi)
                                             if t is not None)), bool)
        g_lo = g_hi = None
        if lo is not None:
            below = xd < lo._data
            in_x = in_x & ~below
            g_lo = grad * _wrap(below)
        if hi is not None:
            above = xd > hi._data
            if lo is not None:
                above = above & ~(lo._data > hi._data) | (lo._data > hi._data)
                g_lo = grad * _wrap((xd < lo._data) & ~(lo._data > hi._data))
            in_x = in_x & ~above
            g_hi = grad * _wrap(above)
        return grad * _wrap(in_x), g_lo, g_hi


def clamp_min(input: Tensor, min) -> Tensor:
    return clamp(input, min=min)


def clamp_max(input: Tensor, max) -> Tensor:
    return clamp(input, max=max)


def clamp_(input: Tensor, min=None, max=None) -> Tensor:
    from .._tensor import check_inplace
    check_inplace(input)
    return _ip.commit(input, clamp(_ip.snapshot(input) if _ip.needs_graph(input) else input,
                                   min, max))


clip_ = clamp_


# -- rounding and friends -----------------------------------------------------------------------
def _zero_grad_unary(np_fn, node_cls, keep_int: bool = True):
    def fn(input: Tensor) -> Tensor:
        d = input._data
        r = d.copy() if (keep_int and d.dtype.kind in "biu") else np_fn(_floating(input))
        if STATE.enabled and input._rg:
            return record1(node_cls(), r, input)
        return _wrap(np.asarray(r))
    return fn


class FloorBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad * 0,


class CeilBackward0(FloorBackward0):
    __slots__ = ()


class TruncBackward0(FloorBackward0):
    __slots__ = ()


class RoundBackward0(FloorBackward0):
    __slots__ = ()


floor = _zero_grad_unary(np.floor, FloorBackward0)
ceil = _zero_grad_unary(np.ceil, CeilBackward0)
trunc = _zero_grad_unary(np.trunc, TruncBackward0)
for _f, _n in ((floor, "floor"), (ceil, "ceil"), (trunc, "trunc")):
    _f.__name__ = _f.__qualname__ = _n


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even (with ``decimals``, as PyTorch: x * 10^d rounded, divided back)."""
    d = input._data
    if d.dtype.kind in "biu":
        r = d.copy()
    elif decimals:
        s = d.dtype.type(10.0 ** decimals)
        r = np.rint(d * s) / s
    else:
        r = np.rint(d)
    if STATE.enabled and input._rg:
        return record1(RoundBackward0(), r, input)
    return _wrap(np.asarray(r))


def frac(input: Tensor) -> Tensor:
    """x - trunc(x); its gradient is 1."""
    d = _floating(input)
    r = d - np.trunc(d)
    if STATE.enabled and input._rg:
        return record1(FracBackward0(), r, input)
    return _wrap(r)


class FracBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad,


def log1p(input: Tensor) -> Tensor:
    r = np.log1p(_floating(input))
    if STATE.enabled and input._rg:
        node = Log1PBackward0()
        t = record1(node, r, input)
        node.save(input)
        return t
    return _wrap(r)


class Log1PBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        a, = self.saved_tensors()
        return grad / (a + 1),


def expm1(input: Tensor) -> Tensor:
    r = np.expm1(_floating(input))
    if STATE.enabled and input._rg:
        node = Expm1Backward0()
        t = record1(node, r, input)
        node.save_result(t)
        return t
    return _wrap(r)


class Expm1Backward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad * (self.saved_result() + 1),


def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(x)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 1 / np.sqrt(_floating(input))
    if STATE.enabled and input._rg:
        node = RsqrtBackward0()
        t = record1(node, r, input)
        node.save_result(t)
        return t
    return _wrap(r)


class RsqrtBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d x^-1/2 = -1/2 x^-3/2 = -r^3 / 2
        r = self.saved_result()
        return grad * (r * r * r) * -0.5,


# -- logical and bitwise ------------------------------------------------------------------------
def _logical(np_fn):
    def fn(input: Tensor, other, *, out=None) -> Tensor:
        b = other._data if isinstance(other, Tensor) else other
        return _out(_wrap(np.asarray(np_fn(input._data.astype(bool), np.asarray(b)
                                           .astype(bool)))), out)
    return fn


logical_and = _logical(np.logical_and)
logical_or = _logical(np.logical_or)
logical_xor = _logical(np.logical_xor)


def logical_not(input: Tensor, *, out=None) -> Tensor:
    return _out(_wrap(np.logical_not(input._data)), out)


def _bitwise(np_fn, name):
    def fn(input: Tensor, other, *, out=None) -> Tensor:
        if input._data.dtype.kind in "fc" or (isinstance(other, Tensor) and
                                              other._data.dtype.kind in "fc") \
                or isinstance(other, float):
            raise RuntimeError(f'"{name}_cpu" not implemented for \'Float\'')
        return _out(_wrap(np.asarray(_binary(np_fn, input, other))), out)
    fn.__name__ = fn.__qualname__ = name
    return fn


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input: Tensor, *, out=None) -> Tensor:
    if input._data.dtype.kind in "fc":
        raise RuntimeError('"bitwise_not_cpu" not implemented for \'Float\'')
    return _out(_wrap(np.invert(input._data)), out)


def isnan(input: Tensor) -> Tensor:
    return _wrap(np.isnan(input._data) if input._data.dtype.kind in "fc"
                 else np.zeros(input._data.shape, bool))


def isinf(input: Tensor) -> Tensor:
    return _wrap(np.isinf(input._data) if input._data.dtype.kind in "fc"
                 else np.zeros(input._data.shape, bool))


def isfinite(input: Tensor) -> Tensor:
    return _wrap(np.isfinite(input._data) if input._data.dtype.kind in "fc"
                 else np.ones(input._data.shape, bool))


def nan_to_num(input: Tensor, nan: float = 0.0, posinf=None, neginf=None) -> Tensor:
    d = input._data
    if d.dtype.kind not in "fc":
        return clone(input)
    info = np.finfo(d.dtype)
    r = np.nan_to_num(d, nan=nan, posinf=info.max if posinf is None else posinf,
                      neginf=info.min if neginf is None else neginf)
    if STATE.enabled and input._rg:
        node = NanToNumBackward0()
        t = record1(node, r, input)
        node.save(input)
        return t
    return _wrap(r)


class NanToNumBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        a, = self.saved_tensors()
        return grad * _wrap(np.isfinite(a._data)),


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{input.dtype} did not match {other.dtype}")
    return _wrap(np.isclose(input._data, other._data, rtol=rtol, atol=atol,
                            equal_nan=equal_nan))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether all elements are close: |a - b| <= atol + rtol * |b|."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """Same shape and the same values."""
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data,
                                                                          other._data))


# -- fills ---------------------------------------------------------------------------------------
def zero_(input: Tensor) -> Tensor:
    return fill_(input, 0)


def fill_(input: Tensor, value) -> Tensor:
    from .._tensor import check_inplace
    check_inplace(input)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value._data.ndim} dimensions.")
        value = value._data.item()
    if _ip.needs_graph(input):
        y = record1(FillBackward0(), np.full(input._data.shape, value, input._data.dtype),
                    input)
        return _ip.commit(input, y)
    input._data[...] = value
    input._bump()
    return input


class FillBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad * 0,


def _ternary(node, data, inputs, save):
    from ..autograd.graph import record
    if STATE.enabled and any(isinstance(t, Tensor) and t._rg for t in inputs):
        t = record(node, np.asarray(data), inputs)
        node.save(*save)
        return t
    return _wrap(np.asarray(data))


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    """input + weight * (end - input)."""
    _tensor_arg("lerp", end)
    with no_grad_ctx():
        r = add(input, mul(sub(end, input), weight))._data
    if isinstance(weight, Tensor):
        return _ternary(LerpBackward1(), r, (input, end, weight), (input, end, weight))
    node = LerpBackward0()
    node.weight = scalar_value(weight)
    return _ternary(node, r, (input, end), (input, end))


class LerpBackward0(Node):
    __slots__ = ("weight",)

    def backward(self, grad):
        return grad * (1 - self.weight), grad * self.weight


class LerpBackward1(Node):
    __slots__ = ()
    _saved_names = ("self", "end", "weight")

    def backward(self, grad):
        a, b, w = self.saved_tensors()
        return grad * (1 - w), grad * w, grad * (b - a)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """input + value * tensor1 * tensor2."""
    with no_grad_ctx():
        r = add(input, mul(mul(tensor1, tensor2), value))._data
    node = AddcmulBackward0()
    node.value = scalar_value(value)
    return _ternary(node, r, (input, tensor1, tensor2), (tensor1, tensor2))


class AddcmulBackward0(Node):
    __slots__ = ("value",)
    _saved_names = ("tensor1", "tensor2")

    def backward(self, grad):
        t1, t2 = self.saved_tensors()
        v = self.value
        return grad, grad * t2 * v, grad * t1 * v


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """input + value * tensor1 / tensor2."""
    with no_grad_ctx():
        r = add(input, mul(div(tensor1, tensor2), value))._data
    node = AddcdivBackward0()
    node.value = scalar_value(value)
    return _ternary(node, r, (input, tensor1, tensor2), (tensor1, tensor2))


class AddcdivBackward0(AddcmulBackward0):
    __slots__ = ()

    def backward(self, grad):
        t1, t2 = self.saved_tensors()
        v = self.value
        return grad, grad * v / t2, -grad * v * t1 / (t2 * t2)


def no_grad_ctx():
    from ..autograd.grad_mode import no_grad
    return no_grad()


def atan2(input: Tensor, other: Tensor) -> Tensor:
    _tensor_arg("atan2", other)
    x, y = binary_arrays(input, other)
    r = np.arctan2(np.asarray(x, dtype=np.result_type(x, np.float32)), y)
    if STATE.enabled and (input._rg or isinstance(other, Tensor) and other._rg):
        node = Atan2Backward0()
        t = record2(node, r.astype(np.result_type(x, y, np.float32)), input, other)
        node.save(input, other)
        return t
    return _wrap(np.asarray(r))


class Atan2Backward0(Node):
    __slots__ = ()

    def backward(self, grad):
        a, b = self.saved_tensors()
        den = a * a + b * b
        return grad * b / den, grad * -a / den


def tan(input: Tensor) -> Tensor:
    r = np.tan(_floating(input))
    if STATE.enabled and input._rg:
        node = TanBackward0()
        t = record1(node, r, input)
        node.save_result(t)
        return t
    return _wrap(r)


class TanBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d tan = 1 + tan^2
        r = self.saved_result()
        return grad * (1 + r * r),


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """sqrt(a^2 + b^2) without intermediate overflow."""
    _tensor_arg("hypot", other)
    x, y = binary_arrays(input, other)
    r = np.hypot(x, y)
    if STATE.enabled and (input._rg or other._rg):
        node = HypotBackward0()
        t = record2(node, r, input, other)
        node.save(input, other)
        node.save_result(t)
        return t
    return _wrap(np.asarray(r))


class HypotBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        a, b = self.saved_tensors()
        r = self.saved_result()
        return grad * a / r, grad * b / r
