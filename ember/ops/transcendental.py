"""Transcendental functions: roots, exponentials and logarithms, trigonometric and
hyperbolic functions and their inverses, atan2, hypot, logaddexp, angle conversions, with
their in-place forms.

Each forward function is followed by its backward node, named as in PyTorch, its formula
written once against ember.autograd.anp. Integer input gives the default float dtype
(``sqrt`` of an int tensor is float32), as in PyTorch.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, holomorphic, record2
from . import _reduced
from ._util import check_tensor
from ._elementwise import (_SAVE_INPUT, _SAVE_NONE, _SAVE_RESULT, _binary_inplace, _call_broadcast,
                           _fdata, _finish, _float_pair, _float_unary, _ndarray,
                           _no_inplace_derivative, _out, _unary_inplace, _wrap)


# =============================================================================================
# exponentials, logarithms, roots
# =============================================================================================
def sqrt(input: Tensor, *, out=None) -> Tensor:
    """Square root (NaN for negative input)."""
    return _float_unary(input, np.sqrt, SqrtBackward0, _SAVE_RESULT, out, "sqrt")


class SqrtBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d sqrt(a) = grad / (2 sqrt(a)): inf at 0
        r = self.result()
        return grad / (r * 2),


def _rsqrt_np(d):
    r = np.sqrt(d)
    return anp.recip_array(r, out=r) if r.__class__ is _ndarray else 1 / r


def rsqrt(input: Tensor, *, out=None) -> Tensor:
    """``1 / sqrt(input)``."""
    d = getattr(input, "_data", None)
    if d is not None and d.dtype == _dtype.BF16:
        from .._threads import get_num_threads
        return _finish(input, _reduced.rsqrt(d, d.dtype, get_num_threads()), RsqrtBackward0,
                       _SAVE_RESULT, out)
    return _float_unary(input, _rsqrt_np, RsqrtBackward0, _SAVE_RESULT, out, "rsqrt")


class RsqrtBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d a^-1/2 = -1/2 a^-3/2 = -r^3 / 2
        r = self.result()
        # PyTorch's order (-0.5 * grad * result^3): it decides the rounding of subnormal results
        return (grad * -0.5) * (r * r * r),


def exp(input: Tensor, *, out=None) -> Tensor:
    """``e ** input``."""
    return _float_unary(input, np.exp, ExpBackward0, _SAVE_RESULT, out, "exp")


class ExpBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d exp(a) = exp(a)
        r = self.result()
        return grad * r,


def exp2(input: Tensor, *, out=None) -> Tensor:
    """``2 ** input``."""
    return _float_unary(input, np.exp2, Exp2Backward0, _SAVE_RESULT, out, "exp2")


class Exp2Backward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d 2^a = 2^a ln 2
        r = self.result()
        return grad * (r * math.log(2.0)),


def expm1(input: Tensor, *, out=None) -> Tensor:
    """``exp(input) - 1``, accurate near 0."""
    return _float_unary(input, np.expm1, Expm1Backward0, _SAVE_RESULT, out, "expm1")


class Expm1Backward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d expm1(a) = expm1(a) + 1
        r = self.result()
        return grad * (r + 1),


def log(input: Tensor, *, out=None) -> Tensor:
    """Natural logarithm (-inf at 0, NaN below)."""
    return _float_unary(input, np.log, LogBackward0, _SAVE_INPUT, out, "log")


class LogBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # d log(a) = 1 / a
        a, = self.saved()
        return grad / a,


def log2(input: Tensor, *, out=None) -> Tensor:
    """Base-2 logarithm."""
    return _float_unary(input, np.log2, Log2Backward0, _SAVE_INPUT, out, "log2")


class Log2Backward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / (a ln 2)
        a, = self.saved()
        return grad / (a * math.log(2.0)),


def log10(input: Tensor, *, out=None) -> Tensor:
    """Base-10 logarithm."""
    return _float_unary(input, np.log10, Log10Backward0, _SAVE_INPUT, out, "log10")


class Log10Backward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / (a ln 10)
        a, = self.saved()
        return grad / (a * math.log(10.0)),


def log1p(input: Tensor, *, out=None) -> Tensor:
    """``log(1 + input)``, accurate near 0."""
    return _float_unary(input, np.log1p, Log1PBackward0, _SAVE_INPUT, out, "log1p")


class Log1PBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / (1 + a)
        a, = self.saved()
        return grad / (a + 1),


# =============================================================================================
# trigonometric and hyperbolic functions
# =============================================================================================
def sin(input: Tensor, *, out=None) -> Tensor:
    """Sine (radians)."""
    return _float_unary(input, np.sin, SinBackward0, _SAVE_INPUT, out, "sin")



def _np_sinc(x: np.ndarray) -> np.ndarray:
    # sin(pi x) / (pi x) in the input's dtype as PyTorch's kernel computes it; 1 at x = 0
    px = x * x.dtype.type(math.pi)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.sin(px) / px
    return np.where(x == 0, x.dtype.type(1), r)


def sinc(input: Tensor, *, out=None) -> Tensor:
    """The normalised sinc, ``sin(pi x) / (pi x)`` (1 at 0)."""
    return _float_unary(input, _np_sinc, SincBackward0, _SAVE_INPUT, out, "sinc")


class SincBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):
        a, = self.saved()
        pa = a * math.pi
        d = (pa * anp.cos(pa) - anp.sin(pa)) / (pa * a)
        return anp.where(a == 0, 0.0, grad * anp.where(a == 0, 1.0, d)),

class SinBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):
        a, = self.saved()
        return grad * anp.cos(a),


def cos(input: Tensor, *, out=None) -> Tensor:
    """Cosine (radians)."""
    return _float_unary(input, np.cos, CosBackward0, _SAVE_INPUT, out, "cos")


class CosBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):
        a, = self.saved()
        return grad * -anp.sin(a),


def tan(input: Tensor, *, out=None) -> Tensor:
    """Tangent (radians)."""
    return _float_unary(input, np.tan, TanBackward0, _SAVE_RESULT, out, "tan")


class TanBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d tan = 1 + tan^2
        r = self.result()
        return grad * (r * r + 1),


def asin(input: Tensor, *, out=None) -> Tensor:
    """Inverse sine (NaN outside [-1, 1])."""
    return _float_unary(input, np.arcsin, AsinBackward0, _SAVE_INPUT, out, "asin")


arcsin = asin


class AsinBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / sqrt(1 - a^2)
        a, = self.saved()
        return grad * anp.rsqrt(1 - a * a),


def acos(input: Tensor, *, out=None) -> Tensor:
    """Inverse cosine (NaN outside [-1, 1])."""
    return _float_unary(input, np.arccos, AcosBackward0, _SAVE_INPUT, out, "acos")


arccos = acos


class AcosBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # -1 / sqrt(1 - a^2)
        a, = self.saved()
        return grad * -anp.rsqrt(1 - a * a),


def atan(input: Tensor, *, out=None) -> Tensor:
    """Inverse tangent."""
    return _float_unary(input, np.arctan, AtanBackward0, _SAVE_INPUT, out, "atan")


arctan = atan


class AtanBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / (1 + a^2)
        a, = self.saved()
        return grad / (a * a + 1),


def sinh(input: Tensor, *, out=None) -> Tensor:
    """Hyperbolic sine."""
    return _float_unary(input, np.sinh, SinhBackward0, _SAVE_INPUT, out, "sinh")


class SinhBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):
        a, = self.saved()
        return grad * anp.cosh(a),


def cosh(input: Tensor, *, out=None) -> Tensor:
    """Hyperbolic cosine."""
    return _float_unary(input, np.cosh, CoshBackward0, _SAVE_INPUT, out, "cosh")


class CoshBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):
        a, = self.saved()
        return grad * anp.sinh(a),


def tanh(input: Tensor, *, out=None) -> Tensor:
    """Hyperbolic tangent."""
    return _float_unary(input, np.tanh, TanhBackward0, _SAVE_RESULT, out, "tanh")


class TanhBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d tanh = 1 - tanh^2
        r = self.result()
        return grad * (1 - r * r),


def asinh(input: Tensor, *, out=None) -> Tensor:
    """Inverse hyperbolic sine."""
    return _float_unary(input, np.arcsinh, AsinhBackward0, _SAVE_INPUT, out, "asinh")


arcsinh = asinh


class AsinhBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / sqrt(a^2 + 1)
        a, = self.saved()
        return grad * anp.rsqrt(a * a + 1),


def acosh(input: Tensor, *, out=None) -> Tensor:
    """Inverse hyperbolic cosine (NaN below 1)."""
    return _float_unary(input, np.arccosh, AcoshBackward0, _SAVE_INPUT, out, "acosh")


arccosh = acosh


class AcoshBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / sqrt(a^2 - 1)
        a, = self.saved()
        return grad * anp.rsqrt(a * a - 1),


def atanh(input: Tensor, *, out=None) -> Tensor:
    """Inverse hyperbolic tangent (±inf at ±1, NaN outside)."""
    return _float_unary(input, np.arctanh, AtanhBackward0, _SAVE_INPUT, out, "atanh")


arctanh = atanh


class AtanhBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / (1 - a^2)
        a, = self.saved()
        return grad / (1 - a * a),


def atan2(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """The angle of the point (other, input): ``atan(input / other)`` in the right quadrant."""
    check_tensor(input, "atan2", pos=1)
    check_tensor(other, "atan2", "other", 2)
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
        a, b = self.saved(like=grad)
        rec = anp.reciprocal(a * a + b * b)
        rec = anp.where(anp.isinf(rec), 0.0, rec)
        fa, fb = self.next_functions
        return (grad * b * rec if fa[0] is not None else None,
                grad * -a * rec if fb[0] is not None else None)


# =============================================================================================
# binary floating functions
# =============================================================================================
def hypot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``sqrt(input^2 + other^2)`` without intermediate overflow."""
    check_tensor(input, "hypot", pos=1)
    check_tensor(other, "hypot", "other", 2)
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
        a, b = self.saved(like=grad)
        r = self.result()
        fa, fb = self.next_functions
        return (grad * (a / r) if fa[0] is not None else None,
                grad * (b / r) if fb[0] is not None else None)


def logaddexp(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``log(exp(input) + exp(other))`` without overflow."""
    check_tensor(input, "logaddexp", pos=1)
    check_tensor(other, "logaddexp", "other", 2)
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
        a, b = self.saved(like=grad)
        fa, fb = self.next_functions
        return (grad / (anp.exp(b - a) + 1) if fa[0] is not None else None,
                grad / (anp.exp(a - b) + 1) if fb[0] is not None else None)


def logaddexp2(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``log2(2^input + 2^other)`` without overflow."""
    check_tensor(input, "logaddexp2", pos=1)
    check_tensor(other, "logaddexp2", "other", 2)
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
        a, b = self.saved(like=grad)
        fa, fb = self.next_functions
        return (grad / (anp.exp2(b - a) + 1) if fa[0] is not None else None,
                grad / (anp.exp2(a - b) + 1) if fb[0] is not None else None)


# =============================================================================================
# angle conversions
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


# =============================================================================================
# in-place forms
# =============================================================================================
atan2_ = _binary_inplace(atan2, "atan2_")
arctan2_ = atan2_
hypot_ = _binary_inplace(hypot, "hypot_")


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
sinc_ = _unary_inplace(sinc, "sinc_")
cos_ = _unary_inplace(cos, "cos_")
tan_ = _unary_inplace(tan, "tan_")
asin_ = _unary_inplace(asin, "asin_")
acos_ = _unary_inplace(acos, "acos_")
atan_ = _unary_inplace(atan, "atan_")
arcsin_, arccos_, arctan_ = asin_, acos_, atan_
sinh_ = _unary_inplace(sinh, "sinh_")
cosh_ = _unary_inplace(cosh, "cosh_")
tanh_ = _unary_inplace(tanh, "tanh_")


asinh_ = _no_inplace_derivative(asinh, "asinh_")
acosh_ = _no_inplace_derivative(acosh, "acosh_")
atanh_ = _no_inplace_derivative(atanh, "atanh_")
arcsinh_, arccosh_, arctanh_ = asinh_, acosh_, atanh_


deg2rad_ = _unary_inplace(deg2rad, "deg2rad_")
rad2deg_ = _unary_inplace(rad2deg, "rad2deg_")


# Complex gradients: these formulas are the real-number derivatives of analytic functions
# (the engine conjugates, ember/autograd/graph.py)
holomorphic(SqrtBackward0, RsqrtBackward0, ExpBackward0, Exp2Backward0, Expm1Backward0,
            LogBackward0, Log2Backward0, Log10Backward0, Log1PBackward0, SincBackward0,
            SinBackward0, CosBackward0, TanBackward0, AsinBackward0, AcosBackward0,
            AtanBackward0, SinhBackward0, CoshBackward0, TanhBackward0, AsinhBackward0,
            AcoshBackward0, AtanhBackward0)
