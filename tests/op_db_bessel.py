"""Op table entries for ember/ops/bessel.py (``i0``, ``special.i0e``, ``i1``, ``i1e``)."""
import numpy as np
from op_db import ErrorCase, OpInfo, Sample


def _wide(rng, *shape):
    # both pieces of the expansions (|x| <= 8 and beyond), both signs, off 0 (i0e's kink)
    x = rng.uniform(0.3, 12.0, shape)
    return np.asarray(x * rng.choice([-1.0, 1.0], shape))


def _samples(rng):
    return [Sample((_wide(rng, 3, 4),)), Sample((_wide(rng),)), Sample((_wide(rng, 5),)),
            Sample((_wide(rng, 2, 1, 3),))]


def _errors(kernel: str):
    return lambda: [ErrorCase((np.ones(2, np.complex64),), {}, NotImplementedError, kernel),
                    ErrorCase((1.0,), {}, TypeError, "must be Tensor")]


OPS = [
    OpInfo("i0", lambda lib, a: lib.i0(a), _samples, grad_fn="I0Backward0",
           errors=_errors("i0_vml_cpu")),
    OpInfo("i0_method", lambda lib, a: a.i0(), _samples, grad_fn="I0Backward0"),
    OpInfo("special_i0", lambda lib, a: lib.special.i0(a), _samples, grad_fn="I0Backward0"),
    OpInfo("special_i0e", lambda lib, a: lib.special.i0e(a), _samples,
           grad_fn="SpecialI0EBackward0", errors=_errors("i0e_cpu")),
    OpInfo("special_i1", lambda lib, a: lib.special.i1(a), _samples,
           grad_fn="SpecialI1Backward0", errors=_errors("i1_cpu")),
    OpInfo("special_i1e", lambda lib, a: lib.special.i1e(a), _samples,
           grad_fn="SpecialI1EBackward0", errors=_errors("i1e_cpu")),
]
