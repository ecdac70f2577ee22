"""Op table entries for ember/ops/linalg_lu.py: the solvers from factors, the legacy
linear-algebra API, least squares and LU."""
import numpy as np

from op_db import ErrorCase, OpInfo, Sample


def _r(rng, *shape):
    return np.asarray(rng.uniform(-1.0, 1.0, shape))


def _wellcond(rng, *shape):
    """Random square matrices (or batches) far from singular."""
    a = rng.uniform(-1.0, 1.0, shape)
    return np.asarray(a + 3.0 * np.eye(shape[-1]) * rng.choice([-1.0, 1.0]))


def _factor(rng, *shape):
    """A Cholesky-like factor: a well-conditioned matrix with a positive diagonal."""
    return np.asarray(rng.uniform(-1.0, 1.0, shape) + 3.0 * np.eye(shape[-1]))


def _tri(lib, t, upper):
    # the solvers read one triangle: differentiate through that triangle only, as the
    # numeric derivative sees it
    return t.triu() if upper else t.tril()


def _spd(lib, a):
    return a @ a.mT + 0.5 * lib.eye(a.shape[-2], dtype=a.dtype)


OPS = [
    OpInfo("cholesky_solve",
           lambda lib, b, t, upper=False: lib.cholesky_solve(b, _tri(lib, t, upper), upper),
           lambda rng: [Sample((_r(rng, 3, 2), _factor(rng, 3, 3))),
                        Sample((_r(rng, 3, 2), _factor(rng, 3, 3)), {"upper": True}),
                        Sample((_r(rng, 2, 3, 1), _factor(rng, 3, 3)))],
           errors=lambda: [ErrorCase((np.ones((3, 1)), np.eye(2)), {}, RuntimeError,
                                     "Incompatible matrix sizes for cholesky_solve: each A "
                                     "matrix is 2 by 2 but each b matrix is 3 by 1"),
                           ErrorCase((np.ones(3), np.eye(3)), {}, RuntimeError,
                                     "b should have at least 2 dimensions, but has 1 "
                                     "dimensions instead"),
                           ErrorCase((np.ones((3, 1)), np.ones((3, 2))), {}, RuntimeError,
                                     "A must be batches of square matrices, but they are 3 by 2 "
                                     "matrices")]),
    OpInfo("cholesky_inverse",
           lambda lib, t, upper=False: lib.cholesky_inverse(_tri(lib, t, upper), upper),
           lambda rng: [Sample((_factor(rng, 3, 3),)),
                        Sample((_factor(rng, 3, 3),), {"upper": True}),
                        Sample((_factor(rng, 2, 3, 3),))],
           errors=lambda: [ErrorCase((np.ones((3, 2)),), {}, RuntimeError,
                                     "cholesky_inverse: A must be batches of square matrices, "
                                     "but they are 3 by 2 matrices"),
                           ErrorCase((np.zeros((2, 2)),), {}, RuntimeError,
                                     "cholesky_inverse: The diagonal element 1 is zero, the "
                                     "inversion could not be completed because the input "
                                     "matrix is singular.")]),
    OpInfo("cholesky_legacy",
           lambda lib, a, upper=False: lib.cholesky(_spd(lib, a), upper),
           lambda rng: [Sample((_r(rng, 3, 3),)), Sample((_r(rng, 2, 3, 3),), {"upper": True})]),
    OpInfo("triangular_solve",
           lambda lib, b, a, **kw: lib.triangular_solve(b, a, **kw),
           lambda rng: [Sample((_r(rng, 3, 2), _wellcond(rng, 3, 3))),
                        Sample((_r(rng, 3, 2), _wellcond(rng, 3, 3)),
                               {"upper": False, "transpose": True}),
                        Sample((_r(rng, 2, 3, 2), _wellcond(rng, 3, 3)),
                               {"upper": False, "unitriangular": True}),
                        Sample((_r(rng, 3, 1), _wellcond(rng, 2, 3, 3)), {"transpose": True})],
           output_index=0,
           errors=lambda: [ErrorCase((np.ones((3, 1)), np.eye(2)), {}, RuntimeError,
                                     "Incompatible matrix sizes for triangular_solve: each A "
                                     "matrix is 2 by 2 but each b matrix is 3 by 1"),
                           ErrorCase((np.ones(3), np.eye(3)), {}, RuntimeError,
                                     "torch.triangular_solve: Expected b to have at least 2 "
                                     "dimensions, but it has 1 dimensions instead")]),
    OpInfo("triangular_solve_both",
           lambda lib, b, a: (lambda r: r.solution.sum(-1, keepdim=True) * 0.5
                              + r.cloned_coefficient)(lib.triangular_solve(b, a, upper=False)),
           lambda rng: [Sample((_r(rng, 3, 2), _wellcond(rng, 3, 3))),
                        Sample((_r(rng, 2, 3, 2), _wellcond(rng, 3, 3)))]),
    OpInfo("pinverse", lambda lib, a, **kw: lib.pinverse(a, **kw),
           lambda rng: [Sample((_r(rng, 3, 5),)), Sample((_wellcond(rng, 2, 3, 3),)),
                        Sample((_wellcond(rng, 3, 3),), {"rcond": 0.1})]),
    OpInfo("logdet", lambda lib, a: lib.logdet(a),
           lambda rng: [Sample((_r(rng, 3, 3) + 3.0 * np.eye(3),)),
                        Sample((_r(rng, 2, 3, 3) + 3.0 * np.eye(3),))],
           errors=lambda: [ErrorCase((np.ones((3, 2)),), {}, RuntimeError,
                                     "logdet: A must be batches of square matrices, but they "
                                     "are 3 by 2 matrices"),
                           ErrorCase((np.ones(3),), {}, RuntimeError,
                                     "logdet: The input tensor A must have at least 2 "
                                     "dimensions.")]),
    OpInfo("logdet_negative", lambda lib, a: lib.logdet(a),
           lambda rng: [Sample((np.array([[1.0, 2.0], [3.0, 4.0]]),)),
                        Sample((np.zeros((2, 2)),)), Sample((np.eye(3),))],
           differentiable=False),
    OpInfo("linalg_lstsq", lambda lib, a, b, **kw: lib.linalg.lstsq(a, b, **kw),
           lambda rng: [Sample((_r(rng, 5, 3), _r(rng, 5, 2))),
                        Sample((_r(rng, 3, 5), _r(rng, 3, 2))),
                        Sample((_r(rng, 2, 4, 3), _r(rng, 2, 4))),
                        Sample((_r(rng, 1, 4, 4) + 3.0 * np.eye(4), _r(rng, 2, 4, 1)),
                               {"driver": "gelsd"})],
           output_index=0, formula_tol=(1e-5, 1e-7),
           errors=lambda: [ErrorCase((np.ones((3, 2)), np.ones((4, 1))), {}, RuntimeError,
                                     "torch.linalg.lstsq: input.size(-2) should match "
                                     "other.size(-2)"),
                           ErrorCase((np.ones((3, 2)), np.ones((3, 1))), {"driver": "x"},
                                     RuntimeError, "torch.linalg.lstsq: parameter `driver` "
                                     "should be one of (gels, gelsy, gelsd, gelss)"),
                           ErrorCase((np.ones(3), np.ones(3)), {}, RuntimeError,
                                     "torch.linalg.lstsq: input must have at least 2 "
                                     "dimensions.")]),
    OpInfo("linalg_lstsq_residuals",
           lambda lib, a, b, **kw: lib.linalg.lstsq(a, b, **kw),
           lambda rng: [Sample((_r(rng, 5, 3), _r(rng, 5, 2)), {"driver": "gelsd"}),
                        Sample((_r(rng, 2, 4, 2), _r(rng, 2, 4)), {"driver": "gels"})],
           output_index=1),
    # LU: the pivots are integers chosen by comparisons, constant under the small steps of
    # the numeric derivative for these samples
    OpInfo("linalg_lu_factor", lambda lib, a, **kw: lib.linalg.lu_factor(a, **kw),
           lambda rng: [Sample((_r(rng, 3, 3),)), Sample((_r(rng, 2, 4, 4),)),
                        Sample((_r(rng, 4, 2),)), Sample((_r(rng, 2, 5),))],
           output_index=0,
           errors=lambda: [ErrorCase((np.zeros((3, 3)),), {}, RuntimeError,
                                     "torch.linalg.lu_factor: U[1,1] is zero and using it on "
                                     "lu_solve would result in a division by zero."),
                           ErrorCase((np.ones(3),), {}, RuntimeError,
                                     "torch.lu_factor: Expected tensor with 2 or more "
                                     "dimensions. Got size: [3] instead"),
                           ErrorCase((np.ones((2, 2)),), {"pivot": False}, RuntimeError,
                                     "linalg.lu_factor: LU without pivoting is not implemented "
                                     "on the CPU")]),
    OpInfo("linalg_lu_factor_ex", lambda lib, a: lib.linalg.lu_factor_ex(a),
           lambda rng: [Sample((_r(rng, 3, 3),))], output_index=0),
    OpInfo("linalg_lu_L", lambda lib, a: lib.linalg.lu(a),
           lambda rng: [Sample((_r(rng, 3, 3),)), Sample((_r(rng, 2, 4, 4),)),
                        Sample((_r(rng, 4, 2),)), Sample((_r(rng, 2, 5),))],
           output_index=1),
    OpInfo("linalg_lu_U", lambda lib, a: lib.linalg.lu(a),
           lambda rng: [Sample((_r(rng, 3, 3),)), Sample((_r(rng, 4, 2),)),
                        Sample((_r(rng, 2, 5),))],
           output_index=2),
    OpInfo("linalg_lu_both",
           lambda lib, a: (lambda r: lib.cat([r.L.flatten(-2), r.U.flatten(-2) * 0.5], -1))(
               lib.linalg.lu(a)),
           lambda rng: [Sample((_r(rng, 3, 3),)), Sample((_r(rng, 4, 2),)),
                        Sample((_r(rng, 2, 5),))]),
    OpInfo("lu_legacy", lambda lib, a: lib.lu(a)[0],
           lambda rng: [Sample((_r(rng, 3, 3),)), Sample((_r(rng, 2, 3, 4),))]),
    OpInfo("lu_unpack_L",
           lambda lib, lu, **kw: lib.lu_unpack(lu, lib.linalg.lu_factor(lu.detach())[1], **kw),
           lambda rng: [Sample((_r(rng, 3, 3),)), Sample((_r(rng, 4, 2),)),
                        Sample((_r(rng, 2, 2, 5),))],
           output_index=1),
    OpInfo("lu_unpack_U",
           lambda lib, lu, **kw: lib.lu_unpack(lu, lib.linalg.lu_factor(lu.detach())[1], **kw),
           lambda rng: [Sample((_r(rng, 3, 3),)), Sample((_r(rng, 4, 2),)),
                        Sample((_r(rng, 2, 5),), {"unpack_pivots": False})],
           output_index=2),
    OpInfo("linalg_lu_solve",
           lambda lib, a, b, **kw: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b, **kw),
           lambda rng: [Sample((_wellcond(rng, 3, 3), _r(rng, 3, 2))),
                        Sample((_wellcond(rng, 3, 3), _r(rng, 3, 2)), {"adjoint": True}),
                        Sample((_wellcond(rng, 3, 3), _r(rng, 2, 3)), {"left": False}),
                        Sample((_wellcond(rng, 3, 3), _r(rng, 2, 3)),
                               {"left": False, "adjoint": True}),
                        Sample((_wellcond(rng, 2, 3, 3), _r(rng, 3, 1)))],
           errors=lambda: [ErrorCase((np.eye(3), np.ones((2, 2))), {}, RuntimeError,
                                     "linalg.lu_solve: Incompatible shapes of A and B for the "
                                     "equation AX = B (3x3 and 2x2)")]),
    # the packed factors as a leaf: the derivative in LU itself
    OpInfo("linalg_lu_solve_packed",
           lambda lib, lu, b: lib.linalg.lu_solve(
               lu, lib.linalg.lu_factor(lu.detach())[1], b),
           lambda rng: [Sample((_wellcond(rng, 3, 3), _r(rng, 3, 2))),
                        Sample((_wellcond(rng, 2, 3, 3), _r(rng, 2, 3, 1)))]),
    OpInfo("lu_solve_legacy",
           lambda lib, b, a: lib.lu_solve(b, *lib.linalg.lu_factor(a)),
           lambda rng: [Sample((_r(rng, 3, 2), _wellcond(rng, 3, 3)))]),
]
