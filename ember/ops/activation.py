"""Activations: the softmax family and the elementwise nonlinearities, each forward beside
its backward node (one formula: ``grad * f'(x)`` with operators and ``anp``)."""
from __future__ import annotations

import math
import warnings
import numpy as np

from .. import _dtype
from .._errstate import QUIET as _QUIET, quiet_off as _quiet_off, quiet_on as _quiet_on
from .._tensor import Tensor
from ..amp.autocast_mode import AUTOCAST, lower
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record1, record2
from . import pointwise as _pw
from . import reduction as _rd
from ._util import wrap_dim
from . import _reduced
from ._nn_util import _check_tensor, _float_data, _inplace, _tname, _wants

_wrap = Tensor._wrap


def _get_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_check(input: Tensor, dim: int, name: str) -> None:
    """PyTorch's NotImplementedError (naming its kernel) for a non-floating input (complex
    included: PyTorch has no complex softmax)."""
    d = input._data
    if d.dtype.kind != "f" and d.dtype != _dtype.BF16:
        last = "_lastdim" if d.ndim == 0 or wrap_dim(dim, d.ndim) == d.ndim - 1 else ""
        raise NotImplementedError(f'"{name}{last}_kernel_impl" not implemented for '
                                  f"'{_tname(input)}'")


def _softmax_call(op, name: str, input: Tensor, dim, stacklevel: int, dtype) -> Tensor:
    # The functional forms' checks (dim inference, integer errors) before the reduction op.
    _check_tensor(input, name)
    if dim is None:
        dim = _get_softmax_dim(name, input._data.ndim, stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    _softmax_check(input, dim, name)
    return op(input, dim)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (computed without overflow)."""
    return _softmax_call(_rd.softmax, "softmax", input, dim, _stacklevel + 1, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``."""
    return _softmax_call(_rd.log_softmax, "log_softmax", input, dim, _stacklevel + 1, dtype)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """A sample of the Gumbel-softmax (concrete) distribution over ``dim``: ``softmax((logits
    + g) / tau)`` with Gumbel noise ``g = -log(Exponential(1))`` drawn as PyTorch draws it;
    ``hard`` returns the one-hot of its argmax with the soft sample's gradient (straight
    through)."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -logits.new_empty(logits.shape).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = logits.new_zeros(logits.shape).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``softmax(-x)`` along ``dim``."""
    _check_tensor(input, "softmin")
    if dim is None:
        dim = _get_softmax_dim("softmin", input._data.ndim, _stacklevel)
    neg = -input
    if dtype is not None:
        neg = neg.to(dtype)
    _softmax_check(neg, dim, "softmax")
    return _rd.softmax(neg, dim)


_SQRT1_2 = math.sqrt(0.5)
_SQRT_2_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_F32_SIXTH = float(np.float32(1.0 / 6.0))


def _saved_unary(node: Node, r: np.ndarray, input: Tensor) -> Tensor:
    t = record1(node, r, input)
    node.save1(input)
    return t


class _Elementwise(Node):
    """An elementwise activation of the saved input ``self``: ``backward`` is ``grad * f'(x)``
    written once with operators and ``anp``."""

    __slots__ = ()
    _saved_names = ("self",)


def _bf16_array(x) -> bool:
    """Whether a formula's input is a bfloat16 array: its gradient is then PyTorch's bfloat16
    backward kernel (float32 inside; the engine rounds the result to bfloat16 once). Under
    create_graph the formula's ops record the graph instead, each rounding as its op does."""
    return anp.is_array(x) and x.dtype == _dtype.BF16


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    return anp.sigmoid(x)


def _softplus_np(x: np.ndarray) -> np.ndarray:
    """log(1 + exp(x)) without overflow."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))




def _erf(x):
    """ember's erf, on a tensor or (in a formula) an array."""
    if anp.is_array(x):
        return _pw.erf(_wrap(np.asarray(x)))._data
    return _pw.erf(x)


def _softplus(x):
    """log(1 + exp(x)), on a tensor or an array."""
    return _softplus_np(x) if anp.is_array(x) else softplus(x)


def _logsigmoid(x):
    """log(sigmoid(x)), on a tensor or an array."""
    if anp.is_array(x):
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
    return logsigmoid(x)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)``; in place when ``inplace``."""
    return _pw.relu_(input) if inplace else _pw.relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place ``relu``."""
    return _pw.relu_(input)


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-x))``."""
    return _pw.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return _pw.tanh(input)


# Phi(-|x|) for float32 GELU, evaluated in float32 passes (~25 cheap ones and one exp, which
# also gives the density; ~15x the speed of erf in float64): Phi(-a) = t Q(t) exp(-a^2 / 2)
# with t = 1 / (1 + p a) and Q a degree-9 fit (relative error 4e-8 with float32 coefficients,
# checked in the tests) written in u = s t + o, which keeps its coefficients small so that float32
# Horner stays accurate. Unlike 0.5 (1 + erf), this keeps the small CDF of a negative x to
# a relative error.
_f32 = np.float32
_PHI_P = _f32(0.3)
_PHI_S, _PHI_O = _f32(2.4694836139678955), _f32(-1.4694836139678955)
_PHI_C = tuple(_f32(c) for c in (
    0.2565802037715912, 0.16240765154361725, 0.0672970861196518, 0.014980790205299854,
    -0.000311174982925877, -0.0009887849446386099, -4.0052815165836364e-05,
    7.896584429545328e-05, 1.4404458852368407e-06, -6.111235052230768e-06))
_MHALF32, _ONE32 = _f32(-0.5), _f32(1.0)
_INV_SQRT_2PI32 = _f32(_INV_SQRT_2PI)


def _phi32(x: np.ndarray, want_pdf: bool) -> tuple:
    """The standard normal CDF of a float32 array (and its density when ``want_pdf``)."""
    tok = _quiet_on(_QUIET)
    try:
        t = np.abs(x)
        t *= _PHI_P
        t += _ONE32
        anp.recip_array(t, out=t)
        u = t * _PHI_S
        u += _PHI_O
        c = _PHI_C
        r = u * c[-1]
        r += c[-2]
        for k in range(len(c) - 3, -1, -1):
            r *= u
            r += c[k]
        r *= t
        q = np.multiply(x, x, out=u)
        q *= _MHALF32
        np.exp(q, out=q)
        r *= q                                  # Phi(-|x|)
        pdf = None
        if want_pdf:
            pdf = q * _INV_SQRT_2PI32
        # Phi(x): Phi(-|x|) where x's sign bit is set, 1 - Phi(-|x|) elsewhere, picked with
        # bit operations (np.where and copysign cost 5-30 passes' time)
        d = np.subtract(_ONE32, r, out=t)
        m = np.right_shift(x.view(np.int32), 31, out=q.view(np.int32))
        ri, di = r.view(np.int32), d.view(np.int32)
        np.bitwise_xor(ri, di, out=ri)
        np.bitwise_and(ri, m, out=ri)
        np.bitwise_xor(ri, di, out=ri)
        return r, pdf
    finally:
        _quiet_off(tok)


# GELU's CDF and slope, written once for arrays (the forward keeps the slope) and tensors
# (recomputed under create_graph)
def _erf_cdf(x):
    return 0.5 * (1 + _erf(x * _SQRT1_2))


def _erf_slope(x, cdf):             # d/dx x Phi(x) = Phi(x) + x phi(x)
    return cdf + x * anp.exp(-0.5 * x * x) * _INV_SQRT_2PI


def _tanh_inner(x):
    return anp.tanh(_SQRT_2_PI * (x + 0.044715 * x * x * x))


def _tanh_slope(x, t):
    dinner = _SQRT_2_PI * (1 + 3 * 0.044715 * x * x)
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dinner


def _gelu_np(x: np.ndarray, approximate: str, want_slope: bool) -> tuple:
    """GELU of an array and, when ``want_slope``, its derivative (kept for the backward)."""
    if approximate == "none":
        if x.dtype == np.float32:
            cdf, pdf = _phi32(x, want_slope)
            r = x * cdf
            if want_slope:
                pdf *= x
                pdf += cdf
            return r, pdf
        cdf = _erf_cdf(x)
        r = x * cdf
        return r, (_erf_slope(x, cdf) if want_slope else None)
    with np.errstate(over="ignore", invalid="ignore"):
        t = _tanh_inner(x)
        r = 0.5 * x * (1 + t)
        return r, (_tanh_slope(x, t) if want_slope else None)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)``, Phi the standard normal CDF (``approximate='tanh'``: its tanh form)."""
    _check_tensor(input, "gelu")
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    x = _float_data(input, "GeluKernelImpl")
    grad = STATE.enabled and input._rg
    if x.dtype == _dtype.BF16:      # PyTorch's float32 kernel, rounded once
        r = _reduced.gelu(x.astype(np.float32), approximate, _reduced._lanes(x)).astype(x.dtype)
        slope = None
    else:
        r, slope = _gelu_np(x, approximate, grad)
    if grad:
        node = GeluBackward0()
        node.approximate = approximate
        node.slope = slope
        return _saved_unary(node, r, input)
    return _wrap(r)


def _gelu_slope(node, x):
    """GELU's derivative at ``x``: kept from the forward in an ordinary backward, recomputed
    with ember ops under create_graph so that second-order gradients flow through it."""
    if anp.is_array(x):
        return node.slope
    if node.approximate == "none":
        return _erf_slope(x, _erf_cdf(x))
    return _tanh_slope(x, _tanh_inner(x))


class GeluBackward0(_Elementwise):
    __slots__ = ("approximate", "slope")

    def backward(self, grad):
        x, = self.saved()
        if _bf16_array(x):          # PyTorch's bfloat16 kernel: one float32 formula
            return _reduced.gelu_backward(grad.astype(np.float32), x.astype(np.float32),
                                          self.approximate, _reduced._lanes(x)),
        return grad * _gelu_slope(self, x),

    def _release_extra(self) -> None:
        self.slope = None


def _silu(input: Tensor) -> Tensor:
    x = _float_data(input, "silu_cpu")
    if x.dtype == _dtype.BF16:
        r = _reduced.silu(x.astype(np.float32), _reduced._lanes(x)).astype(x.dtype)
    else:
        r = x * _stable_sigmoid(x)
    if STATE.enabled and input._rg:
        return _saved_unary(SiluBackward0(), r, input)
    return _wrap(r)


class SiluBackward0(_Elementwise):
    __slots__ = ()

    def backward(self, grad):
        x, = self.saved()
        if _bf16_array(x):
            return _reduced.silu_backward(grad.astype(np.float32), x.astype(np.float32),
                                          _reduced._lanes(x)),
        s = anp.sigmoid(x)
        return grad * (s * (1 + x * (1 - s))),


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish)."""
    _check_tensor(input, "silu")
    return _inplace(input, _silu) if inplace else _silu(input)


def _mish(input: Tensor) -> Tensor:
    x = _float_data(input, "mish_cpu")
    r = x * np.tanh(_softplus_np(x))
    if STATE.enabled and input._rg:
        return _saved_unary(MishBackward0(), r, input)
    return _wrap(r)


class MishBackward0(_Elementwise):
    __slots__ = ()

    def backward(self, grad):
        x, = self.saved()
        t = anp.tanh(_softplus(x))
        return grad * (t + x * anp.sigmoid(x) * (1 - t * t)),


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    _check_tensor(input, "mish")
    return _inplace(input, _mish) if inplace else _mish(input)


def _elu(input: Tensor, alpha: float, scale: float, input_scale: float, node_cls,
         kernel: str) -> Tensor:
    x = _float_data(input, kernel)
    neg = x <= 0
    with np.errstate(over="ignore"):
        em1 = np.expm1(np.where(neg, x, 0) * input_scale)
    r = np.where(neg, em1 * (alpha * scale), x * scale).astype(x.dtype, copy=False)
    if STATE.enabled and input._rg:
        node = node_cls()
        node.alpha, node.scale, node.input_scale = alpha, scale, input_scale
        if node_cls._from_result:       # the in-place forms keep the result, as PyTorch's
            t = record1(node, r, input)
            node.save_result(t)
            return t
        return _saved_unary(node, r, input)
    return _wrap(r)


class EluBackward0(_Elementwise):
    __slots__ = ("alpha", "scale", "input_scale")
    _from_result = False

    def _input_scale(self) -> float:
        return self.input_scale

    def backward(self, grad):
        x, = self.saved()
        s = self._input_scale()
        neg = x <= 0
        # exp of the negative part only: no overflow where the branch is not taken
        e = anp.exp(anp.where(neg, x, 0) * s)
        return grad * anp.where(neg, e * (self.alpha * self.scale * s), self.scale),


class EluBackward1(EluBackward0):
    """The in-place forms' backward, from the result y (the input is gone): for y <= 0,
    ``grad * input_scale * (y + alpha * scale)``, PyTorch's formula and order."""

    __slots__ = ()
    _from_result = True
    _saved_names = ("result",)

    def backward(self, grad):
        y = self.result()
        neg = y <= 0
        return anp.where(neg, grad * self._input_scale() * (y + self.alpha * self.scale),
                         grad * self.scale),




def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` for x > 0, ``alpha * (exp(x) - 1)`` otherwise."""
    _check_tensor(input, "elu")
    if inplace:
        return _inplace(input, _elu, alpha, 1.0, 1.0, EluBackward1, "elu_cpu")
    return _elu(input, alpha, 1.0, 1.0, EluBackward0, "elu_cpu")


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``elu``."""
    return elu(input, alpha, True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    _check_tensor(input, "selu")
    if inplace:
        return _inplace(input, _elu, _SELU_ALPHA, _SELU_SCALE, 1.0, EluBackward1, "elu_cpu")
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0, EluBackward0, "elu_cpu")


def selu_(input: Tensor) -> Tensor:
    """In-place ``selu``."""
    return selu(input, True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    _check_tensor(input, "celu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    if inplace:
        return _inplace(input, _elu, alpha, 1.0, 1.0 / alpha, CeluBackward1, "elu_cpu")
    return _elu(input, alpha, 1.0, 1.0 / alpha, CeluBackward0, "elu_cpu")


class _CeluBackward(EluBackward0):
    """CELU's backward: PyTorch's scale there is ``1.0 / float32(alpha)`` (in forward it is
    ``1 / alpha`` in double), and ``scale`` is 1."""

    __slots__ = ()

    def _input_scale(self) -> float:
        return 1.0 / float(np.float32(self.alpha))


class CeluBackward0(_CeluBackward):
    __slots__ = ()


class CeluBackward1(_CeluBackward, EluBackward1):
    __slots__ = ()


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``celu``."""
    return celu(input, alpha, True)


def _leaky_relu(input: Tensor, slope: float, node_cls) -> Tensor:
    x = _float_data(input, "leaky_relu_cpu")
    r = np.where(x > 0, x, x * slope).astype(x.dtype, copy=False)
    if STATE.enabled and input._rg:
        node = node_cls()
        node.slope = slope
        return _saved_unary(node, r, input)
    return _wrap(r)


class LeakyReluBackward0(_Elementwise):
    __slots__ = ("slope",)

    def backward(self, grad):
        x, = self.saved()
        return anp.where(x > 0, grad, grad * self.slope),


class LeakyReluBackward1(LeakyReluBackward0):
    __slots__ = ()


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` for x > 0, ``negative_slope * x`` otherwise."""
    _check_tensor(input, "leaky_relu")
    if inplace:
        return _inplace(input, _leaky_relu, negative_slope, LeakyReluBackward1)
    return _leaky_relu(input, negative_slope, LeakyReluBackward0)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place ``leaky_relu``."""
    return leaky_relu(input, negative_slope, True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` for x > 0, ``weight * x`` otherwise; ``weight`` has 1 or C (dim 1) entries."""
    if AUTOCAST.enabled:
        input, weight = lower(input), lower(weight)
    _check_tensor(input, "prelu")
    _check_tensor(weight, "prelu", "weight", 2)
    wd = weight._data
    x = input._data
    if wd.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {wd.ndim}")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if wd.size != 1 and wd.size != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {wd.size} and channel size = {channels}.")
    _float_data(input, "prelu_cpu")
    if wd.dtype != x.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {_tname(input)} and "
                           f"{_tname(weight)}")
    bshape = (1, wd.size) + (1,) * (x.ndim - 2) if wd.size != 1 else ()
    wb = wd.reshape(bshape)
    r = np.where(x > 0, x, wb * x).astype(x.dtype, copy=False)
    if STATE.enabled and (input._rg or weight._rg):
        node = PreluKernelBackward0()
        node.bshape = bshape
        t = record2(node, r, input, weight)
        node.save2(input, weight)
        return t
    return _wrap(r)


class PreluKernelBackward0(Node):
    __slots__ = ("bshape",)
    _saved_names = ("self", "weight")

    def backward(self, grad):
        x, w = self.saved()
        pos = x > 0
        gx = gw = None
        if _wants(self, 0):
            gx = anp.where(pos, grad, grad * w.reshape(self.bshape))
        if _wants(self, 1):
            red = tuple(i for i in range(x.ndim) if i != 1 or not self.bshape)
            part = anp.where(pos, 0, grad * x)
            gw = (anp.sum(part, red) if red else part).reshape(tuple(w.shape))
        return gx, gw


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, inplace: bool = False) -> Tensor:
    """Leaky ReLU with a random slope in [lower, upper] per negative element (training) or
    their mean (evaluation)."""
    return _rrelu(input, lower, upper, training, inplace, None)


def _rrelu(input: Tensor, lower: float, upper: float, training: bool, inplace: bool,
           generator) -> Tensor:
    """``rrelu`` drawing its slopes from ``generator`` (None: the default one)."""
    _check_tensor(input, "rrelu")
    x = _float_data(input, "rrelu_with_noise_cpu")
    if training:
        from .. import _generator as _g
        neg = x <= 0
        noise = np.ones(x.shape, x.dtype)
        k = int(np.count_nonzero(neg))
        if k:
            # one double draw per non-positive element, in order, as PyTorch's kernel: its
            # bounds in the op's math type (float below float64), x * (hi - lo) + lo unfused
            bound = np.float64 if x.dtype == np.float64 else np.float32
            lo, hi = float(bound(lower)), float(bound(upper))
            noise[neg] = _g.uniform((k,), np.float64, 0.0, 1.0, generator) * (hi - lo) + lo
    else:
        noise = np.where(x <= 0, (lower + upper) / 2, 1.0).astype(x.dtype)

    def compute(inp: Tensor) -> Tensor:
        r = inp._data * noise
        if STATE.enabled and inp._rg:
            node = RreluWithNoiseBackward1() if inplace else RreluWithNoiseBackward0()
            node.noise = noise
            return record1(node, r, inp)
        return _wrap(r)
    return _inplace(input, compute) if inplace else compute(input)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """In-place ``rrelu``."""
    return _rrelu(input, lower, upper, training, True, None)


class RreluWithNoiseBackward0(Node):
    __slots__ = ("noise",)

    def backward(self, grad):
        return grad * anp.constant(self.noise, grad),


class RreluWithNoiseBackward1(RreluWithNoiseBackward0):
    __slots__ = ()


def _hardtanh(input: Tensor, min_val: float, max_val: float) -> Tensor:
    x = input._data
    if x.dtype == np.bool_:
        raise NotImplementedError("\"hardtanh_cpu\" not implemented for 'Bool'")
    if x.dtype.kind in "iu":
        lo, hi = math.ceil(min_val), math.floor(max_val)
        r = np.clip(x, lo, hi)
    else:
        r = np.clip(x, min_val, max_val)
    if STATE.enabled and input._rg:
        node = HardtanhBackward0()
        node.min_val, node.max_val = min_val, max_val
        return _saved_unary(node, r, input)
    return _wrap(r)


class HardtanhBackward0(_Elementwise):
    __slots__ = ("min_val", "max_val")

    def backward(self, grad):
        x, = self.saved()
        return anp.where((x > self.min_val) & (x < self.max_val), grad, 0),


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``clamp(x, min_val, max_val)``."""
    _check_tensor(input, "hardtanh")
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return _inplace(input, _hardtanh, min_val, max_val)
    return _hardtanh(input, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place ``hardtanh``."""
    return hardtanh(input, min_val, max_val, True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(0, x), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _hardsigmoid(input: Tensor) -> Tensor:
    x = _float_data(input, "hardsigmoid_cpu")
    r = np.clip(x + 3, 0, 6) / 6
    if STATE.enabled and input._rg:
        return _saved_unary(HardsigmoidBackward0(), r, input)
    return _wrap(r)


class HardsigmoidBackward0(_Elementwise):
    __slots__ = ()

    def backward(self, grad):
        x, = self.saved()
        # PyTorch's kernel multiplies by the float32 constant 1/6 for every dtype
        return anp.where((x > -3) & (x < 3), grad * _F32_SIXTH, 0),


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``."""
    _check_tensor(input, "hardsigmoid")
    return _inplace(input, _hardsigmoid) if inplace else _hardsigmoid(input)


def _hardswish(input: Tensor) -> Tensor:
    x = _float_data(input, "hardswish_cpu")
    r = x * np.clip(x + 3, 0, 6) / 6
    if STATE.enabled and input._rg:
        return _saved_unary(HardswishBackward0(), r, input)
    return _wrap(r)


class HardswishBackward0(_Elementwise):
    __slots__ = ()

    def backward(self, grad):
        x, = self.saved()
        return anp.where(x < -3, 0, anp.where(x <= 3, grad * (x / 3 + 0.5), grad)),


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    _check_tensor(input, "hardswish")
    return _inplace(input, _hardswish) if inplace else _hardswish(input)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))`` without overflow."""
    _check_tensor(input, "logsigmoid")
    x = _float_data(input, "log_sigmoid_cpu")
    r = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
    if STATE.enabled and input._rg:
        return _saved_unary(LogSigmoidBackward0(), r, input)
    return _wrap(r)


class LogSigmoidBackward0(_Elementwise):
    __slots__ = ()

    def backward(self, grad):
        x, = self.saved()
        return grad * anp.sigmoid(-x),


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``; linear where ``beta * x > threshold``."""
    _check_tensor(input, "softplus")
    x = _float_data(input, "softplus_cpu")
    bx = x * beta
    lin = bx > threshold
    r = np.where(lin, x, _softplus_np(np.where(lin, 0, bx)) / beta).astype(x.dtype, copy=False)
    if STATE.enabled and input._rg:
        node = SoftplusBackward0()
        node.beta, node.threshold = beta, threshold
        return _saved_unary(node, r, input)
    return _wrap(r)


class SoftplusBackward0(_Elementwise):
    __slots__ = ("beta", "threshold")

    def backward(self, grad):
        x, = self.saved()
        bx = x * self.beta
        return anp.where(bx > self.threshold, grad, grad * anp.sigmoid(bx)),


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    return input - input.tanh()


def _threshold(input: Tensor, threshold: float, value: float, node_cls) -> Tensor:
    x = input._data
    r = np.where(x > threshold, x, value).astype(x.dtype, copy=False)
    if STATE.enabled and input._rg:
        node = node_cls()
        node.threshold = threshold
        return _saved_unary(node, r, input)
    return _wrap(r)


class ThresholdBackward0(_Elementwise):
    __slots__ = ("threshold",)

    def backward(self, grad):
        x, = self.saved()
        return anp.where(x > self.threshold, grad, 0),


class ThresholdBackward1(ThresholdBackward0):
    __slots__ = ()


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``."""
    _check_tensor(input, "threshold")
    if inplace:
        return _inplace(input, _threshold, threshold, value, ThresholdBackward1)
    return _threshold(input, threshold, value, ThresholdBackward0)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place ``threshold``."""
    return _inplace(input, _threshold, threshold, value, ThresholdBackward1)


def _check_lambd(input: Tensor, lambd: float) -> None:
    _float_data(input, "softshrink_check")
    if lambd < 0:
        hi = "1.79769e+308" if input._data.dtype == np.float64 else "3.40282e+38"
        raise RuntimeError(f"lambda must be in range [0, {hi}] for input dtype "
                           f"{_tname(input)}, but found {lambd:g}")


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0."""
    _check_tensor(input, "hardshrink")
    x = _float_data(input, "hardshrink_cpu")
    r = np.where((x >= -lambd) & (x <= lambd), 0, x).astype(x.dtype, copy=False)
    if STATE.enabled and input._rg:
        node = HardshrinkBackward0()
        node.lambd = lambd
        return _saved_unary(node, r, input)
    return _wrap(r)


class HardshrinkBackward0(_Elementwise):
    __slots__ = ("lambd",)

    def backward(self, grad):
        x, = self.saved()
        return anp.where((x < -self.lambd) | (x > self.lambd), grad, 0),


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""
    _check_tensor(input, "softshrink")
    _check_lambd(input, lambd)
    x = _float_data(input, "softshrink_cpu")
    r = np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0)).astype(x.dtype)
    if STATE.enabled and input._rg:
        node = SoftshrinkBackward0()
        node.lambd = lambd
        return _saved_unary(node, r, input)
    return _wrap(r)


class SoftshrinkBackward0(HardshrinkBackward0):
    __slots__ = ()


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """``a * sigmoid(b)`` where ``a``, ``b`` are the halves of ``input`` along ``dim``."""
    _check_tensor(input, "glu")
    x = input._data
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    ax = wrap_dim(dim, x.ndim)
    n = x.shape[ax]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {ax} is size {n}")
    x = _float_data(input, "glu_cpu")
    a, b = np.split(x, 2, axis=ax)
    r = a * _stable_sigmoid(b)
    if STATE.enabled and input._rg:
        node = GluBackward0()
        node.dim = ax
        return _saved_unary(node, r, input)
    return _wrap(r)


class GluBackward0(Node):
    __slots__ = ("dim",)
    _saved_names = ("self",)

    def backward(self, grad):          # d(a*s(b)): s(b), a*s(b)*(1-s(b))
        x, = self.saved()
        ax = self.dim
        h = x.shape[ax] // 2
        a, b = _narrow(x, ax, 0, h), _narrow(x, ax, h, h)
        s = anp.sigmoid(b)
        return anp.cat([grad * s, grad * a * s * (1 - s)], ax),


def _narrow(x, dim: int, start: int, length: int):
    if anp.is_array(x):
        index = [slice(None)] * x.ndim
        index[dim] = slice(start, start + length)
        return x[tuple(index)]
    return x.narrow(dim, start, length)
