"""Op table entries for ember/ops/distance.py (``cdist``, ``dist``, ``pdist``)."""
import numpy as np

from op_db import ErrorCase, OpInfo, Sample


def _pts(rng, *shape):
    return np.asarray(rng.uniform(-1.0, 1.0, shape))


def _cdist_samples(rng):
    a, b = _pts(rng, 2, 4, 3), _pts(rng, 5, 3)
    return [Sample((a, b)),
            Sample((_pts(rng, 3, 2), _pts(rng, 4, 2)), {"p": 1.0}),
            Sample((_pts(rng, 3, 2), _pts(rng, 4, 2)), {"p": 3.0}),
            Sample((_pts(rng, 3, 2), _pts(rng, 4, 2)), {"p": 0.5}),
            Sample((_pts(rng, 2, 3, 2), _pts(rng, 1, 4, 2)), {"p": float("inf")}),
            Sample((_pts(rng, 3, 2), _pts(rng, 4, 2)), {"p": 0.0}),
            Sample((_pts(rng, 30, 3), _pts(rng, 4, 3)),
                   {"compute_mode": "donot_use_mm_for_euclid_dist"})]


def _cdist_errors():
    return [ErrorCase((np.ones(3), np.ones((2, 3))), {}, RuntimeError, "at least 2D"),
            ErrorCase((np.ones((2, 4)), np.ones((2, 3))), {}, RuntimeError,
                      "same number of columns"),
            ErrorCase((np.ones((2, 3)), np.ones((2, 3))), {"p": -1.0}, RuntimeError,
                      "non-negative p"),
            ErrorCase((np.ones((2, 3), np.int64), np.ones((2, 3), np.int64)), {}, RuntimeError,
                      "floating-point"),
            ErrorCase((np.ones((2, 3)), np.ones((2, 3), np.float32)), {}, RuntimeError,
                      "expected scalar type"),
            ErrorCase((np.ones((3, 2, 3)), np.ones((2, 2, 3))), {}, RuntimeError),
            ErrorCase((np.ones((2, 3)), np.ones((2, 3))), {"compute_mode": "mm"}, ValueError,
                      "not a valid value")]


def _pdist_samples(rng):
    return [Sample((_pts(rng, 5, 3),)), Sample((_pts(rng, 4, 2), 1.0)),
            Sample((_pts(rng, 4, 3), 3.0)), Sample((_pts(rng, 3, 2), 0.5)),
            Sample((_pts(rng, 4, 3), float("inf"))), Sample((_pts(rng, 4, 2), 0.0)),
            Sample((_pts(rng, 1, 3),)), Sample((_pts(rng, 2, 1),))]


def _pdist_errors():
    return [ErrorCase((np.ones(3),), {}, RuntimeError, "2D tensors, got: 1D"),
            ErrorCase((np.ones((2, 3, 4)),), {}, RuntimeError, "2D tensors, got: 3D"),
            ErrorCase((np.ones((3, 2)), -1.0), {}, RuntimeError, "non-negative p"),
            ErrorCase((np.ones((3, 2), np.int64),), {}, RuntimeError, "floating-point")]


OPS = [
    OpInfo("cdist", lambda lib, a, b, **kw: lib.cdist(a, b, **kw), _cdist_samples,
           grad_fn="CdistBackward0", errors=_cdist_errors, atol=1e-5),
    # p=2 over more than 25 rows (or asked for): PyTorch's matrix-product composite, whose
    # matmul backward sums in another order on tensors than on arrays
    OpInfo("cdist_mm", lambda lib, a, b, **kw: lib.cdist(a, b, **kw),
           lambda rng: [Sample((_pts(rng, 30, 3), _pts(rng, 4, 3))),
                        Sample((_pts(rng, 2, 3, 3), _pts(rng, 4, 3)),
                               {"compute_mode": "use_mm_for_euclid_dist"})],
           grad_fn="ViewBackward0", atol=1e-5, formula_tol=(1e-6, 1e-7)),
    # PyTorch's pdist has no second derivative (ember's formula has one, checked numerically
    # by the second-order gradcheck of F.pdist in tests/nn/test_native_aliases.py)
    OpInfo("pdist", lambda lib, a, *p: lib.pdist(a, *p), _pdist_samples,
           grad_fn="PdistBackward0", errors=_pdist_errors, second_order=False),
    OpInfo("F_pdist", lambda lib, a, *p: lib.nn.functional.pdist(a, *p),
           lambda rng: [Sample((_pts(rng, 5, 3), 2.0))], grad_fn="PdistBackward0",
           second_order=False),
    OpInfo("dist", lambda lib, a, b, *p: lib.dist(a, b, *p), lambda rng: [
        Sample((_pts(rng, 2, 3), _pts(rng, 3))), Sample((_pts(rng, 4), _pts(rng, 4), 1.0)),
        Sample((_pts(rng, 2, 2), _pts(rng, 2, 2), 3.0)),
        Sample((_pts(rng, 3), _pts(rng, 1), 0.5)),
        Sample((_pts(rng, 2, 3), _pts(rng, 2, 3), float("inf")))],
           grad_fn="DistBackward0",
           errors=lambda: [ErrorCase((np.ones(3, np.int64), np.ones(3, np.int64)), {},
                                     RuntimeError, "floating point"),
                           ErrorCase((np.ones(3), np.ones(2)), {}, RuntimeError)]),
    # PyTorch's p=0 backward fails outright, so only values are compared
    OpInfo("dist_zero_p", lambda lib, a, b: lib.dist(a, b, 0), lambda rng: [
        Sample((_pts(rng, 2, 3), _pts(rng, 3)))], differentiable=False),
    OpInfo("dist_method", lambda lib, a, b: a.dist(b, 2),
           lambda rng: [Sample((_pts(rng, 2, 3), _pts(rng, 3)))]),
    OpInfo("dist_mixed_dtypes", lambda lib, a, b: lib.dist(a, b.float()),
           lambda rng: [Sample((_pts(rng, 2, 3), _pts(rng, 3)))], differentiable=False),
]
