"""Op table entries for ember/ops/pointwise.py."""
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
    return lambda rng: [Sample((gen(rng, 3, 4),)), Sample((gen(rng),)), Sample((gen(rng, 5),))]


def _broadcast_error():
    return [ErrorCase((np.ones((2, 3)), np.ones((4, 3))), exc=RuntimeError,
                      match="must match the size of tensor b (4) at non-singleton dimension 0")]


OPS = [
    OpInfo("add", lambda lib, a, b: lib.add(a, b), _binary_samples(anyreal),
           grad_fn="AddBackward0", errors=_broadcast_error, second_order=True),
    OpInfo("add_alpha", lambda lib, a, b: lib.add(a, b, alpha=2.0),
           _binary_samples(anyreal), grad_fn="AddBackward0"),
    OpInfo("sub", lambda lib, a, b: lib.sub(a, b), _binary_samples(anyreal),
           errors=_broadcast_error),
    OpInfo("rsub_scalar", lambda lib, a: 2.0 - a, _unary_samples(anyreal)),
    OpInfo("mul", lambda lib, a, b: a * b, _binary_samples(anyreal), errors=_broadcast_error),
    OpInfo("div", lambda lib, a, b: a / b, _binary_samples(anyreal), errors=_broadcast_error),
    OpInfo("rdiv_scalar", lambda lib, a: 2.0 / a, _unary_samples(anyreal)),
    OpInfo("pow_scalar", lambda lib, a: a ** 3, _unary_samples(anyreal)),
    OpInfo("pow_frac", lambda lib, a: a.pow(2.5), _unary_samples(positive)),
    OpInfo("pow_tensor", lambda lib, a, b: lib.pow(a, b), _binary_samples(positive, unit)),
    OpInfo("rpow_scalar", lambda lib, a: 2.0 ** a, _unary_samples(unit)),
    OpInfo("neg", lambda lib, a: -a, _unary_samples(anyreal)),
    OpInfo("reciprocal", lambda lib, a: a.reciprocal(), _unary_samples(anyreal)),
    OpInfo("square", lambda lib, a: lib.square(a), _unary_samples(anyreal)),
    OpInfo("sqrt", lambda lib, a: lib.sqrt(a), _unary_samples(positive)),
    OpInfo("exp", lambda lib, a: lib.exp(a), _unary_samples(anyreal)),
    OpInfo("log", lambda lib, a: lib.log(a), _unary_samples(positive)),
    OpInfo("relu", lambda lib, a: lib.relu(a), _unary_samples(anyreal)),
    OpInfo("sigmoid", lambda lib, a: lib.sigmoid(a), _unary_samples(anyreal)),
    OpInfo("tanh", lambda lib, a: lib.tanh(a), _unary_samples(anyreal)),
    OpInfo("abs", lambda lib, a: lib.abs(a), _unary_samples(anyreal)),
    OpInfo("sign", lambda lib, a: lib.sign(a), _unary_samples(anyreal)),
    OpInfo("sin", lambda lib, a: lib.sin(a), _unary_samples(anyreal)),
    OpInfo("cos", lambda lib, a: lib.cos(a), _unary_samples(anyreal)),
    OpInfo("where", lambda lib, c, a, b: lib.where(c > 0, a, b),
           lambda rng: [Sample((anyreal(rng, 3, 4), anyreal(rng, 3, 4), anyreal(rng, 4)),
                               grad=(1, 2))]),
    OpInfo("clone", lambda lib, a: a.clone(), _unary_samples(anyreal)),
    OpInfo("to_float64", lambda lib, a: a.to(lib.float64) * 1, _unary_samples(anyreal),
           dtypes=("float32",)),
    OpInfo("remainder_scalar", lambda lib, a: a % 1.5, _unary_samples(positive)),
]

def _tensor_pairs(gen):
    full = _binary_samples(gen)
    return lambda rng: [s for s in full(rng) if isinstance(s.inputs[1], np.ndarray)]


def _scalar_other_error():
    return [ErrorCase((np.ones(2), 2.5), exc=TypeError)]


OPS += [
    OpInfo("maximum", lambda lib, a, b: lib.maximum(a, b), _tensor_pairs(anyreal),
           errors=_scalar_other_error),
    OpInfo("minimum", lambda lib, a, b: lib.minimum(a, b), _tensor_pairs(anyreal)),
    OpInfo("clamp", lambda lib, a: a.clamp(-0.5, 0.5), _unary_samples(anyreal)),
    OpInfo("clamp_min", lambda lib, a: a.clamp(min=0.3), _unary_samples(anyreal)),
    OpInfo("clamp_tensor", lambda lib, a, b: a.clamp(min=b), _tensor_pairs(anyreal)),
    OpInfo("floor", lambda lib, a: a.floor() * a, _unary_samples(anyreal)),
    OpInfo("round", lambda lib, a: a.round(), _unary_samples(anyreal)),
    OpInfo("log1p", lambda lib, a: a.log1p(), _unary_samples(positive)),
    OpInfo("expm1", lambda lib, a: a.expm1(), _unary_samples(anyreal)),
    OpInfo("rsqrt", lambda lib, a: a.rsqrt(), _unary_samples(positive)),
    OpInfo("tan", lambda lib, a: a.tan(), _unary_samples(unit)),
    OpInfo("atan2", lambda lib, a, b: lib.atan2(a, b), _tensor_pairs(anyreal)),
    OpInfo("lerp", lambda lib, a, b: lib.lerp(a, b, 0.3), _tensor_pairs(anyreal)),
    OpInfo("lerp_tensor", lambda lib, a, b: lib.lerp(a, b, b.sigmoid()), _tensor_pairs(anyreal)),
    OpInfo("addcmul", lambda lib, a, b: lib.addcmul(a, a, b, value=0.5),
           _tensor_pairs(anyreal)),
    OpInfo("addcdiv", lambda lib, a, b: lib.addcdiv(a, a, b, value=0.5),
           _tensor_pairs(anyreal)),
    OpInfo("hypot", lambda lib, a, b: lib.hypot(a, b), _tensor_pairs(anyreal)),
    OpInfo("frac", lambda lib, a: a.frac(), _unary_samples(anyreal)),
    OpInfo("clamp_both_tensors", lambda lib, a, b: a.clamp(min=b - 1.0, max=b + 1.0),
           _tensor_pairs(anyreal)),
    OpInfo("nan_to_num", lambda lib, a: lib.nan_to_num(a * 2), _unary_samples(anyreal)),
    OpInfo("logical", lambda lib, a, b: (a > 0) & (b < 0) | ~(a > b),
           _binary_samples(anyreal), differentiable=False),
]
