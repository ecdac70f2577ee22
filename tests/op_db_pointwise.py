"""Op table entries for ember/ops/pointwise.py.

Inputs stay off kinks and discontinuities (|x| >= 0.2 for abs/sign/relu, domains inside
(-1, 1) for asin/atanh/erfinv, > 1 for acosh). Special points (ties, zeros, NaN), integer and
bool dtypes, in-place semantics and out= are compared with torch in tests/ops/test_pointwise.py.
"""
import numpy as np

from op_db import ErrorCase, OpInfo, Sample, anyreal, positive, unit


def _binary_samples(gen_a, gen_b=None):
    gen_b = gen_b or gen_a

    def samples(rng):
        return [
            Sample((gen_a(rng, 3, 4), gen_b(rng, 3, 4))),
            Sample((gen_a(rng, 3, 4), gen_b(rng, 4))),          # broadcast
            Sample((gen_a(rng, 2, 1, 3), gen_b(rng, 4, 1))),     # both broadcast
            Sample((gen_a(rng), gen_b(rng, 3))),                  # 0-d with 1-d
            Sample((gen_a(rng, 3), 2.5)),                         # Python scalar
        ]
    return samples


def _unary_samples(gen):
    return lambda rng: [Sample((gen(rng, 3, 4),)), Sample((gen(rng),)), Sample((gen(rng, 5),)),
                        Sample((gen(rng, 2, 1, 3),))]


def _tensor_pairs(gen_a, gen_b=None):
    full = _binary_samples(gen_a, gen_b)
    return lambda rng: [s for s in full(rng) if isinstance(s.inputs[1], np.ndarray)]


def above_one(rng, *shape):
    return np.asarray(rng.uniform(1.2, 3.0, shape))


def fractional(rng, *shape):
    # away from integers, so rounding ops and remainders stay on one piece
    return np.asarray(rng.integers(-3, 4, shape) + rng.uniform(0.15, 0.85, shape))


def _inplace_pairs(gen_a, gen_b=None, tensors_only=False):
    """Binary samples whose second operand broadcasts to the first one's shape (an in-place
    result keeps the tensor's shape; larger broadcasts are errors, tested separately)."""
    full = _binary_samples(gen_a, gen_b)

    def ok(s):
        a, b = s.inputs
        if not isinstance(b, np.ndarray):
            return not tensors_only
        return np.broadcast_shapes(a.shape, b.shape) == a.shape
    return lambda rng: [s for s in full(rng) if ok(s)]


def _inplace_tensors(gen_a, gen_b=None):
    return _inplace_pairs(gen_a, gen_b, tensors_only=True)


def _inplace_error():
    return [ErrorCase((np.ones(3), np.ones((2, 3))), exc=RuntimeError,
                      match="output with shape [3] doesn't match the broadcast shape [2, 3]")]


def _ints(*shape):
    return np.arange(int(np.prod(shape))).reshape(shape) - 2


def _broadcast_error():
    return [ErrorCase((np.ones((2, 3)), np.ones((4, 3))), exc=RuntimeError,
                      match="must match the size of tensor b (4) at non-singleton dimension 0")]


def _scalar_other_error():
    return [ErrorCase((np.ones(2), 2.5), exc=TypeError, match="must be Tensor, not float")]


def _not_for(exc, match, *arrays):
    return lambda: [ErrorCase(tuple(arrays), exc=exc, match=match)]


_BOOL = np.array([True, False])

OPS = [
    # -- arithmetic ------------------------------------------------------------------------
    OpInfo("add", lambda lib, a, b: lib.add(a, b), _binary_samples(anyreal),
           grad_fn="AddBackward0", errors=_broadcast_error),
    OpInfo("add_alpha", lambda lib, a, b: lib.add(a, b, alpha=2.0),
           _binary_samples(anyreal), grad_fn="AddBackward0",
           errors=_not_for(RuntimeError, "alpha must not be a floating point", _ints(2),
                           _ints(2))),
    OpInfo("sub", lambda lib, a, b: lib.sub(a, b), _binary_samples(anyreal),
           errors=lambda: _broadcast_error() + [
               ErrorCase((_BOOL, _BOOL), exc=RuntimeError, match="with two bool tensors")]),
    OpInfo("sub_alpha", lambda lib, a, b: a.sub(b, alpha=-1.5), _binary_samples(anyreal)),
    OpInfo("rsub_scalar", lambda lib, a: 2.0 - a, _unary_samples(anyreal)),
    OpInfo("rsub_tensor", lambda lib, a, b: lib.rsub(a, b, alpha=3), _tensor_pairs(anyreal)),
    OpInfo("mul", lambda lib, a, b: a * b, _binary_samples(anyreal), errors=_broadcast_error),
    OpInfo("rmul_scalar", lambda lib, a: 3 * a, _unary_samples(anyreal)),
    OpInfo("div", lambda lib, a, b: a / b, _binary_samples(anyreal), errors=_broadcast_error),
    OpInfo("rdiv_scalar", lambda lib, a: 2.0 / a, _unary_samples(anyreal)),
    OpInfo("div_scalar_first", lambda lib, a: lib.div(2.0, a), _unary_samples(anyreal)),
    OpInfo("div_trunc", lambda lib, a, b, rounding_mode="trunc":
           lib.div(a, b, rounding_mode=rounding_mode),
           _binary_samples(fractional, positive), grad_fn="DivBackward2",
           errors=lambda: [ErrorCase((_ints(2), np.array([1, 0])), {"rounding_mode": "trunc"},
                                     exc=RuntimeError, match="ZeroDivisionError"),
                           ErrorCase((np.ones(2), 2.0), {"rounding_mode": "round"},
                                     exc=RuntimeError, match="rounding_mode")]),
    OpInfo("div_floor", lambda lib, a, b: lib.div(a, b, rounding_mode="floor"),
           _binary_samples(fractional, positive)),
    OpInfo("floor_divide", lambda lib, a, b: a // b, _binary_samples(fractional, positive),
           differentiable=False,
           errors=lambda: [ErrorCase((_ints(3), np.array([1, 0, 2])), exc=RuntimeError,
                                     match="ZeroDivisionError"),
                           ErrorCase((_BOOL, _BOOL), exc=NotImplementedError,
                                     match="div_floor_cpu")]),
    OpInfo("remainder_scalar", lambda lib, a: a % 1.5, _unary_samples(fractional),
           grad_fn="RemainderBackward0"),
    OpInfo("remainder", lambda lib, a, b: a % b, _tensor_pairs(fractional, positive),
           grad_fn="RemainderBackward1",
           errors=lambda: [ErrorCase((_ints(2), np.array([0, 1])), exc=RuntimeError,
                                     match="ZeroDivisionError")]),
    OpInfo("fmod_scalar", lambda lib, a: lib.fmod(a, 1.5), _unary_samples(fractional),
           grad_fn="FmodBackward0"),
    OpInfo("fmod", lambda lib, a, b: lib.fmod(a, b), _tensor_pairs(fractional, positive),
           grad_fn="FmodBackward1",
           errors=lambda: [ErrorCase((_ints(2), 0), exc=RuntimeError,
                                     match="ZeroDivisionError"),
                           ErrorCase((_BOOL, _BOOL), exc=NotImplementedError, match="fmod")]),
    OpInfo("neg", lambda lib, a: -a, _unary_samples(anyreal),
           errors=_not_for(RuntimeError, "Negation, the `-` operator, on a bool tensor",
                           _BOOL)),
    OpInfo("positive", lambda lib, a: lib.positive(a) * 2, _unary_samples(anyreal),
           errors=_not_for(RuntimeError, "on a bool tensor is not supported", _BOOL)),
    OpInfo("abs", lambda lib, a: lib.abs(a), _unary_samples(anyreal),
           errors=_not_for(NotImplementedError, "\"abs_cpu\" not implemented for 'Bool'",
                           _BOOL)),
    OpInfo("reciprocal", lambda lib, a: a.reciprocal(), _unary_samples(anyreal)),
    OpInfo("square", lambda lib, a: lib.square(a), _unary_samples(anyreal),
           grad_fn="PowBackward0"),
    # -- powers ----------------------------------------------------------------------------
    OpInfo("pow_scalar", lambda lib, a, e=3: a ** e, _unary_samples(anyreal),
           errors=_not_for(RuntimeError, "Integers to negative integer powers", _ints(3), -1)),
    OpInfo("pow_frac", lambda lib, a: a.pow(2.5), _unary_samples(positive)),
    OpInfo("pow_zero", lambda lib, a: a ** 0, _unary_samples(anyreal)),
    OpInfo("pow_tensor", lambda lib, a, b: lib.pow(a, b), _binary_samples(positive, unit),
           errors=_not_for(NotImplementedError, "\"pow\" not implemented for 'Bool'", _BOOL,
                           _BOOL)),
    OpInfo("rpow_scalar", lambda lib, a: 2.0 ** a, _unary_samples(unit),
           grad_fn="PowBackward2"),
    OpInfo("float_power", lambda lib, a, b: lib.float_power(a, b),
           _binary_samples(positive, unit), grad_fn="PowBackward1"),
    OpInfo("float_power_scalar", lambda lib, a: a.float_power(2), _unary_samples(anyreal)),
    OpInfo("float_power_base", lambda lib, a: lib.float_power(1.5, a), _unary_samples(unit)),
    # -- exponentials, logarithms, roots ---------------------------------------------------
    OpInfo("sqrt", lambda lib, a: lib.sqrt(a), _unary_samples(positive)),
    OpInfo("rsqrt", lambda lib, a: a.rsqrt(), _unary_samples(positive)),
    OpInfo("exp", lambda lib, a: lib.exp(a), _unary_samples(anyreal),
           errors=_not_for(TypeError, "must be Tensor, not float", 2.0)),
    OpInfo("exp2", lambda lib, a: lib.exp2(a), _unary_samples(anyreal)),
    OpInfo("expm1", lambda lib, a: a.expm1(), _unary_samples(anyreal)),
    OpInfo("log", lambda lib, a: lib.log(a), _unary_samples(positive)),
    OpInfo("log2", lambda lib, a: lib.log2(a), _unary_samples(positive)),
    OpInfo("log10", lambda lib, a: a.log10(), _unary_samples(positive)),
    OpInfo("log1p", lambda lib, a: a.log1p(), _unary_samples(positive)),
    # -- trigonometric and hyperbolic ------------------------------------------------------
    OpInfo("sin", lambda lib, a: lib.sin(a), _unary_samples(anyreal)),
    OpInfo("cos", lambda lib, a: lib.cos(a), _unary_samples(anyreal)),
    OpInfo("sinc", lambda lib, a: lib.sinc(a), lambda rng: [
        Sample((anyreal(rng, 3, 4),)), Sample((np.array([0.5, -1.5, 2.0, 3.25]),)),
        Sample((np.asarray(0.7),))], grad_fn="SincBackward0"),
    # at 0 PyTorch's formula masks the gradient to 0, so its own derivative there is 0 too
    OpInfo("sinc_at_zero", lambda lib, a: lib.sinc(a),
           lambda rng: [Sample((np.array([0.0, 0.5, -1.5]),))], second_order=False),
    OpInfo("sinc_int", lambda lib, a: a.sinc(), lambda rng: [Sample((np.arange(-2, 3),))],
           differentiable=False),
    OpInfo("sinc_", lambda lib, a: (a * 1).sinc_(), _unary_samples(anyreal),
           grad_fn="SincBackward0"),
    OpInfo("tan", lambda lib, a: a.tan(), _unary_samples(unit)),
    OpInfo("asin", lambda lib, a: lib.asin(a), _unary_samples(unit)),
    OpInfo("acos", lambda lib, a: lib.acos(a), _unary_samples(unit)),
    OpInfo("atan", lambda lib, a: lib.arctan(a), _unary_samples(anyreal),
           grad_fn="AtanBackward0"),
    OpInfo("atan2", lambda lib, a, b: lib.atan2(a, b), _tensor_pairs(anyreal),
           errors=_scalar_other_error),
    OpInfo("arctan2", lambda lib, a, b: lib.arctan2(a, b), _tensor_pairs(anyreal),
           grad_fn="Atan2Backward0"),
    OpInfo("sinh", lambda lib, a: lib.sinh(a), _unary_samples(anyreal)),
    OpInfo("cosh", lambda lib, a: lib.cosh(a), _unary_samples(anyreal)),
    OpInfo("tanh", lambda lib, a: lib.tanh(a), _unary_samples(anyreal)),
    OpInfo("asinh", lambda lib, a: lib.asinh(a), _unary_samples(anyreal)),
    OpInfo("acosh", lambda lib, a: lib.acosh(a), _unary_samples(above_one)),
    OpInfo("atanh", lambda lib, a: a.atanh(), _unary_samples(unit)),
    OpInfo("deg2rad", lambda lib, a: lib.deg2rad(a), _unary_samples(anyreal)),
    OpInfo("rad2deg", lambda lib, a: lib.rad2deg(a), _unary_samples(anyreal)),
    # -- activations and special functions -------------------------------------------------
    OpInfo("relu", lambda lib, a: lib.relu(a), _unary_samples(anyreal),
           errors=_not_for(RuntimeError, "Boolean inputs not supported for relu", _BOOL)),
    OpInfo("sigmoid", lambda lib, a: lib.sigmoid(a), _unary_samples(anyreal)),
    OpInfo("logit", lambda lib, a: lib.logit(a), lambda rng: [Sample((rng.uniform(
        0.1, 0.9, (3, 4)),)), Sample((np.asarray(rng.uniform(0.1, 0.9)),))]),
    OpInfo("logit_eps", lambda lib, a: a.logit(eps=0.05), lambda rng: [Sample((rng.uniform(
        0.1, 0.9, (3, 4)),))]),
    OpInfo("erf", lambda lib, a: lib.erf(a), _unary_samples(anyreal),
           errors=_not_for(NotImplementedError, "erf_vml_cpu", np.ones(2, np.complex64))),
    OpInfo("erfc", lambda lib, a: lib.erfc(a), _unary_samples(anyreal)),
    OpInfo("erfinv", lambda lib, a: lib.erfinv(a), _unary_samples(unit)),
    # -- the gamma family (anyreal: the reflection formulas below 0 too) ---------------------
    OpInfo("lgamma", lambda lib, a: lib.lgamma(a), _unary_samples(anyreal)),
    OpInfo("digamma", lambda lib, a: a.digamma(), _unary_samples(anyreal)),
    OpInfo("polygamma_1", lambda lib, a: lib.polygamma(1, a), _unary_samples(anyreal),
           grad_fn="PolygammaBackward0"),
    OpInfo("polygamma_2", lambda lib, a: a.polygamma(2), _unary_samples(positive),
           grad_fn="PolygammaBackward0"),
    OpInfo("polygamma_3", lambda lib, a: lib.polygamma(3, a), _unary_samples(anyreal),
           grad_fn="PolygammaBackward0"),
    OpInfo("mvlgamma", lambda lib, a: lib.mvlgamma(a + 2, 3), _unary_samples(positive)),
    OpInfo("special_gammaln", lambda lib, a: lib.special.gammaln(a), _unary_samples(positive),
           grad_fn="LgammaBackward0"),
    OpInfo("lgamma_", lambda lib, a: (a * 1).lgamma_(), _unary_samples(positive)),
    # -- torch.special's own (ember/special.py) ---------------------------------------------
    OpInfo("special_entr", lambda lib, a: lib.special.entr(a), _unary_samples(positive)),
    OpInfo("special_erfcx", lambda lib, a: lib.special.erfcx(a), _unary_samples(anyreal)),
    OpInfo("special_log_ndtr", lambda lib, a: lib.special.log_ndtr(a * 3),
           _unary_samples(anyreal)),
    OpInfo("special_ndtri", lambda lib, a: lib.special.ndtri(a * 0.5 + 0.5),
           _unary_samples(unit)),
    OpInfo("special_ndtr", lambda lib, a: lib.special.ndtr(a), _unary_samples(anyreal),
           grad_fn="MulBackward1"),
    OpInfo("special_xlog1py", lambda lib, a, b: lib.special.xlog1py(a, b),
           _tensor_pairs(anyreal, positive)),
    OpInfo("special_xlog1py_scalar_other", lambda lib, a: lib.special.xlog1py(a, 2.5),
           _unary_samples(anyreal), grad_fn="SpecialXlog1PyBackward2"),
    OpInfo("special_xlog1py_scalar_self", lambda lib, a: lib.special.xlog1py(2.5, a),
           _unary_samples(positive), grad_fn="SpecialXlog1PyBackward1"),
    OpInfo("special_expit", lambda lib, a: lib.special.expit(a), _unary_samples(anyreal)),
    OpInfo("special_round", lambda lib, a: lib.special.round(a), _unary_samples(fractional),
           grad_fn="RoundBackward1"),
    OpInfo("sign", lambda lib, a: lib.sign(a), _unary_samples(anyreal)),
    OpInfo("sgn", lambda lib, a: a.sgn() * a, _unary_samples(anyreal)),
    OpInfo("where", lambda lib, c, a, b: lib.where(c > 0, a, b),
           lambda rng: [Sample((anyreal(rng, 3, 4), anyreal(rng, 3, 4), anyreal(rng, 4)),
                               grad=(1, 2)),
                        Sample((anyreal(rng, 3, 1), anyreal(rng), anyreal(rng, 4)),
                               grad=(1, 2))],
           errors=lambda: [ErrorCase((np.ones(2), np.ones(2), np.ones(3)), exc=RuntimeError,
                                     match="must match the size")]),
    OpInfo("where_scalar", lambda lib, c, a: lib.where(c > 0, 0.5, a),
           lambda rng: [Sample((anyreal(rng, 3, 4), anyreal(rng, 4)), grad=(1,))]),
    OpInfo("where_cond_dtype", lambda lib, c, a: lib.where(c, a, -a),
           lambda rng: [Sample((np.array([True, False]), anyreal(rng, 2)), grad=(1,))],
           errors=lambda: [ErrorCase((np.array([1, 0]), np.ones(2)),
                                     exc=RuntimeError, match="boolean tensor")]),
    OpInfo("clone", lambda lib, a: a.clone(), _unary_samples(anyreal)),
    OpInfo("to_float64", lambda lib, a: a.to(lib.float64) * 1, _unary_samples(anyreal),
           dtypes=("float32",)),
    # -- rounding --------------------------------------------------------------------------
    OpInfo("floor", lambda lib, a: a.floor() * a, _unary_samples(fractional)),
    OpInfo("ceil", lambda lib, a: lib.ceil(a), _unary_samples(fractional),
           errors=_not_for(NotImplementedError, "ceil_vml_cpu", _BOOL)),
    OpInfo("trunc", lambda lib, a: lib.trunc(a), _unary_samples(fractional)),
    OpInfo("fix", lambda lib, a: lib.fix(a), _unary_samples(fractional),
           grad_fn="TruncBackward0"),
    OpInfo("round", lambda lib, a: a.round(), _unary_samples(fractional)),
    OpInfo("round_decimals", lambda lib, a: lib.round(a, decimals=2),
           _unary_samples(fractional), grad_fn="RoundBackward1",
           errors=_not_for(NotImplementedError, "round_cpu", _ints(2))),
    OpInfo("frac", lambda lib, a: a.frac(), _unary_samples(fractional),
           errors=_not_for(NotImplementedError, "frac_cpu", _ints(2))),
]

OPS += [
    # -- maximum / minimum / clamp ----------------------------------------------------------
    OpInfo("maximum", lambda lib, a, b: lib.maximum(a, b), _tensor_pairs(anyreal),
           errors=_scalar_other_error),
    OpInfo("minimum", lambda lib, a, b: lib.minimum(a, b), _tensor_pairs(anyreal)),
    OpInfo("fmax", lambda lib, a, b: lib.fmax(a, b), _tensor_pairs(anyreal),
           errors=_scalar_other_error),
    OpInfo("fmin", lambda lib, a, b: lib.fmin(a, b), _tensor_pairs(anyreal)),
    OpInfo("clamp", lambda lib, a, lo=-0.5, hi=0.5: a.clamp(lo, hi), _unary_samples(anyreal),
           grad_fn="ClampBackward1",
           errors=lambda: [ErrorCase((np.ones(2),), {"lo": None, "hi": None},
                                     exc=RuntimeError, match="At least one of 'min' or 'max'"),
                           ErrorCase((_ints(2),), {"lo": -1, "hi": 2 ** 63}, exc=RuntimeError,
                                     match="value cannot be converted to type int64_t"),
                           ErrorCase((_ints(2),), {"lo": 2 ** 70}, exc=OverflowError)]),
    OpInfo("clamp_min", lambda lib, a: a.clamp(min=0.3), _unary_samples(anyreal)),
    OpInfo("clamp_max", lambda lib, a: a.clamp(max=0.3), _unary_samples(anyreal)),
    OpInfo("clip", lambda lib, a: lib.clip(a, -1.0, 0.3), _unary_samples(anyreal)),
    OpInfo("clamp_min_fn", lambda lib, a: lib.clamp_min(a, 0.3), _unary_samples(anyreal),
           grad_fn="ClampMinBackward0"),
    OpInfo("clamp_max_fn", lambda lib, a: lib.clamp_max(a, 0.3), _unary_samples(anyreal),
           grad_fn="ClampMaxBackward0"),
    OpInfo("clamp_min_tensor", lambda lib, a, b: a.clamp_min(b), _tensor_pairs(anyreal),
           grad_fn="ClampMinBackward1"),
    OpInfo("clamp_max_tensor", lambda lib, a, b: a.clamp_max(b), _tensor_pairs(anyreal),
           grad_fn="ClampMaxBackward1"),
    OpInfo("clamp_tensor", lambda lib, a, b: a.clamp(min=b), _tensor_pairs(anyreal),
           grad_fn="ClampBackward0", errors=lambda: [
               ErrorCase((np.ones(2), np.ones(3)), exc=RuntimeError, match="must match")]),
    OpInfo("clamp_tensor_max", lambda lib, a, b: a.clamp(max=b), _tensor_pairs(anyreal)),
    OpInfo("clamp_both_tensors", lambda lib, a, b: a.clamp(min=b - 1.0, max=b + 1.0),
           _tensor_pairs(anyreal)),
    # -- binary floating functions ---------------------------------------------------------
    OpInfo("hypot", lambda lib, a, b: lib.hypot(a, b), _tensor_pairs(anyreal),
           errors=_not_for(NotImplementedError, "\"hypot_cpu\" not implemented for 'Long'",
                           _ints(2), _ints(2))),
    OpInfo("logaddexp", lambda lib, a, b: lib.logaddexp(a, b), _tensor_pairs(anyreal),
           errors=_scalar_other_error),
    OpInfo("logaddexp2", lambda lib, a, b: lib.logaddexp2(a, b), _tensor_pairs(anyreal)),
    OpInfo("xlogy", lambda lib, a, b: lib.xlogy(a, b), _tensor_pairs(anyreal, positive)),
    OpInfo("xlogy_scalar_other", lambda lib, a: lib.xlogy(a, 2.5), _unary_samples(anyreal),
           grad_fn="XlogyBackward2"),
    OpInfo("xlogy_scalar_self", lambda lib, a: lib.xlogy(2.5, a), _unary_samples(positive),
           grad_fn="XlogyBackward1"),
    OpInfo("copysign", lambda lib, a, b: lib.copysign(a, b), _binary_samples(anyreal)),
    OpInfo("lerp", lambda lib, a, b, w=0.3: lib.lerp(a, b, w), _tensor_pairs(anyreal),
           errors=_not_for(RuntimeError, "expected dtype", np.ones(2, np.float32),
                           np.ones(2), 0.5)),
    OpInfo("lerp_high", lambda lib, a, b: lib.lerp(a, b, 0.8), _tensor_pairs(anyreal)),
    OpInfo("lerp_tensor", lambda lib, a, b: lib.lerp(a, b, b.sigmoid()), _tensor_pairs(anyreal)),
    OpInfo("lerp_weight_input", lambda lib, a, b, w: lib.lerp(a, b, w),
           lambda rng: [Sample((anyreal(rng, 3, 4), anyreal(rng, 4), unit(rng, 3, 1)))],
           grad_fn="LerpBackward1"),
    OpInfo("addcmul", lambda lib, a, b: lib.addcmul(a, a, b, value=0.5),
           _tensor_pairs(anyreal)),
    OpInfo("addcmul_three", lambda lib, a, b, c: lib.addcmul(a, b, c, value=-2),
           lambda rng: [Sample((anyreal(rng, 3, 4), anyreal(rng, 4), anyreal(rng, 3, 1)))],
           grad_fn="AddcmulBackward0"),
    OpInfo("addcdiv", lambda lib, a, b: lib.addcdiv(a, a, b, value=0.5),
           _tensor_pairs(anyreal),
           errors=_not_for(RuntimeError, "Integer division with addcdiv", _ints(2),
                           _ints(2))),
    OpInfo("addcdiv_three", lambda lib, a, b, c: lib.addcdiv(a, b, c),
           lambda rng: [Sample((anyreal(rng, 3, 4), anyreal(rng, 4), anyreal(rng, 3, 1)))],
           grad_fn="AddcdivBackward0"),
    OpInfo("nan_to_num", lambda lib, a: lib.nan_to_num(a * 2), _unary_samples(anyreal)),
    # -- in-place forms (on a non-leaf copy, so the graph goes through the write) ----------
    OpInfo("exp_", lambda lib, a: (a * 1).exp_(), _unary_samples(anyreal),
           grad_fn="ExpBackward0"),
    OpInfo("sigmoid_", lambda lib, a: (a * 1).sigmoid_(), _unary_samples(anyreal),
           grad_fn="SigmoidBackward0"),
    OpInfo("tanh_", lambda lib, a: (a * 1).tanh_(), _unary_samples(anyreal)),
    OpInfo("sqrt_", lambda lib, a: (a * 1).sqrt_(), _unary_samples(positive)),
    OpInfo("log_", lambda lib, a: (a + 0).log_(), _unary_samples(positive)),
    OpInfo("sin_", lambda lib, a: (a * 1).sin_(), _unary_samples(anyreal)),
    OpInfo("abs_", lambda lib, a: (a * 1).abs_(), _unary_samples(anyreal)),
    OpInfo("neg_", lambda lib, a: (a * 1).neg_(), _unary_samples(anyreal)),
    OpInfo("clamp_", lambda lib, a: (a * 1).clamp_(-0.5, 0.5), _unary_samples(anyreal)),
    OpInfo("clamp_tensor_", lambda lib, a, b: (a * 1).clamp_(min=b), _inplace_tensors(anyreal),
           grad_fn="ClampBackward0"),
    OpInfo("pow_", lambda lib, a: (a * 1).pow_(3), _unary_samples(anyreal)),
    OpInfo("mul_", lambda lib, a, b: (a * 1).mul_(b), _inplace_pairs(anyreal),
           grad_fn="MulBackward0", errors=_inplace_error),
    OpInfo("div_", lambda lib, a, b: (a * 1).div_(b), _inplace_pairs(anyreal),
           errors=_inplace_error),
    OpInfo("add_alpha_", lambda lib, a, b: (a * 1).add_(b, alpha=-2), _inplace_pairs(anyreal)),
    OpInfo("lerp_", lambda lib, a, b: (a * 1).lerp_(b, 0.7), _inplace_tensors(anyreal),
           grad_fn="LerpBackward0"),
    OpInfo("addcmul_", lambda lib, a, b: (a * 1).addcmul_(b, b, value=2),
           _inplace_tensors(anyreal)),
    OpInfo("addcdiv_", lambda lib, a, b: (a * 1).addcdiv_(a, b), _inplace_tensors(anyreal)),
    OpInfo("xlogy_", lambda lib, a, b: (a * 1).xlogy_(b), _inplace_tensors(anyreal, positive)),
    OpInfo("atan2_", lambda lib, a, b: (a * 1).atan2_(b), _inplace_tensors(anyreal)),
    OpInfo("erf_", lambda lib, a: (a * 1).erf_(), _unary_samples(anyreal)),
    OpInfo("floor_", lambda lib, a: (a * 1).floor_() * a, _unary_samples(fractional)),
    OpInfo("square_", lambda lib, a: (a * 1).square_(), _unary_samples(anyreal),
           grad_fn="PowBackward0"),
    OpInfo("round_", lambda lib, a: (a * 1).round_(decimals=1), _unary_samples(fractional),
           grad_fn="RoundBackward1"),
    OpInfo("zero_", lambda lib, a: (a * 1).zero_(), _unary_samples(anyreal),
           grad_fn="ZeroBackward0"),
    OpInfo("fill_", lambda lib, a, v=0.5: (a * 1).fill_(v), _unary_samples(anyreal),
           grad_fn="FillBackward2",
           errors=_not_for(RuntimeError, "fill_ only supports 0-dimension value tensor",
                           np.ones(2), np.ones(2))),
    OpInfo("fill_tensor_", lambda lib, a, b: (a * 1).fill_(b.sum()), _tensor_pairs(anyreal),
           grad_fn="FillBackward3"),
    OpInfo("eq_", lambda lib, a, b: (a * 1).eq_(b), _inplace_tensors(anyreal),
           grad_fn="EqBackward1"),
    OpInfo("lt_scalar_", lambda lib, a: (a * 1).lt_(0.5), _unary_samples(anyreal),
           grad_fn="LtBackward0"),
    OpInfo("conj_real", lambda lib, a: a.conj() * 2, _unary_samples(anyreal)),
    OpInfo("iadd_view", lambda lib, a, b: _iadd_view(a, b),
           _inplace_tensors(anyreal),
           errors=lambda: [ErrorCase((np.ones((2, 1, 3)), np.ones((4, 1))), exc=RuntimeError,
                                     match="doesn't match the broadcast shape")]),
    # -- no gradient: comparisons, logical and bitwise ops, predicates ---------------------
    OpInfo("compare", lambda lib, a, b: (a < b) | (a == b) ^ (a >= 2.0),
           _binary_samples(anyreal), differentiable=False),
    OpInfo("logical", lambda lib, a, b: (a > 0) & (b < 0) | ~(a > b),
           _binary_samples(anyreal), differentiable=False),
    OpInfo("logical_fns", lambda lib, a, b: lib.logical_xor(lib.logical_and(a, b),
                                                          lib.logical_not(a > 0.5)),
           _tensor_pairs(anyreal), differentiable=False,
           errors=_not_for(TypeError, "must be Tensor, not float", np.ones(2), 1.0)),
    OpInfo("bitwise", lambda lib, a, b, raw=False: a & b if raw else
           ((a > 0).long() << 3) ^ ((b < 0).int() | 5) >> 1,
           _tensor_pairs(anyreal), differentiable=False,
           errors=lambda: [ErrorCase((np.ones(2, np.float32), np.ones(2, np.float32)),
                                     {"raw": True}, exc=NotImplementedError,
                                     match="\"bitwise_and_cpu\" not implemented for 'Float'")]),
    OpInfo("isclose", lambda lib, a, b: lib.isclose(a, b, rtol=0.5, atol=0.1),
           _tensor_pairs(anyreal), differentiable=False,
           errors=_not_for(RuntimeError, "Float did not match Double",
                           np.ones(2, np.float32), np.ones(2))),
    OpInfo("heaviside", lambda lib, a, b: lib.heaviside(a, b), _tensor_pairs(anyreal),
           differentiable=False),
    OpInfo("logical_inplace", lambda lib, a, b: (a > 0).logical_and_(b > 0).logical_xor_(a > b),
           _inplace_tensors(anyreal), differentiable=False),
    OpInfo("bitwise_not", lambda lib, a, raw=False: lib.bitwise_not(a) if raw else
           ~(a > 0) ^ lib.bitwise_not((a < 1).long()),
           _unary_samples(anyreal), differentiable=False,
           errors=lambda: [ErrorCase((np.ones(2),), {"raw": True}, exc=NotImplementedError,
                                     match="\"bitwise_not_cpu\" not implemented for 'Double'")]),
    OpInfo("predicates", lambda lib, a: lib.stack([lib.isnan(a / 0 * 0), lib.isinf(a / 0),
                                                  lib.isposinf(a / 0), lib.isneginf(a / 0),
                                                  lib.isfinite(a), lib.isreal(a),
                                                  lib.signbit(a)]),
           _unary_samples(anyreal), differentiable=False),
    OpInfo("isin", lambda lib, a, b, **kw: lib.isin(a, b, **kw), lambda rng: [
        Sample((rng.integers(0, 6, (3, 4)), rng.integers(0, 6, 3))),
        Sample((rng.integers(0, 6, (3, 4)), rng.integers(0, 6, (2, 2))), {"invert": True}),
        Sample((np.arange(5.0), np.array([1.0, 3.0, 7.0])), {"assume_unique": True}),
        Sample((rng.integers(0, 6, 5), 3)), Sample((2, rng.integers(0, 6, 5)))],
           differentiable=False),
]


def _iadd_view(a, b):
    # an in-place write through a view of a non-leaf: CopySlices on the base
    y = a * 1
    y[..., :1] += b[..., :1] * 2
    return y
