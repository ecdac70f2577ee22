"""Op table entries for the numeric and indexing utilities: ldexp, frexp, nextafter,
combinations, chain_matmul, the *_scatter ops, renorm, put, index_reduce and trapezoid."""
import numpy as np

from op_db import ErrorCase, OpInfo, Sample, anyreal


def _err(*cases):
    return lambda: list(cases)


def _mant(rng, *shape):
    # values well inside (2^k, 2^(k+1)): frexp's mantissa is linear there
    x = rng.uniform(1.1, 1.9, shape) * 2.0 ** rng.integers(-3, 4, shape)
    return np.asarray(x * rng.choice([-1.0, 1.0], shape))


def _rows(rng):
    # rows whose 2-, 1- and inf-norms are far from maxnorm 1.5 (below and above it)
    x = anyreal(rng, 4, 3)
    x[0] *= 0.15
    x[2] *= 0.1
    return x


I64 = np.int64
OPS = [
    OpInfo("ldexp", lambda lib, a, e: lib.ldexp(a, e), lambda rng: [
        Sample((anyreal(rng, 3, 4), rng.uniform(-3, 3, (3, 4)))),
        Sample((anyreal(rng, 2, 3), np.array([1, 0, 5], I64))),
        Sample((anyreal(rng, 3), rng.uniform(-3, 3, (2, 1))))],
        grad_fn="LdexpBackward0",
        errors=_err(ErrorCase((np.ones(2), np.array([True, False])), {}, NotImplementedError),
                    ErrorCase((np.ones(2), np.ones(3)), {}, RuntimeError, "must match"))),
    OpInfo("ldexp_method", lambda lib, a, e: a.ldexp(e), lambda rng: [
        Sample((anyreal(rng, 3, 4), np.array([1, 0, 2, 3], I64)))], grad_fn="LdexpBackward0"),
    OpInfo("frexp", lambda lib, a: lib.frexp(a), lambda rng: [
        Sample((_mant(rng, 3, 4),)), Sample((_mant(rng, 5),))], output_index=0,
        grad_fn="FrexpBackward0",
        errors=_err(ErrorCase((np.array([1, 2]),), {}, RuntimeError, "floating-point"))),
    OpInfo("nextafter", lambda lib, a, b: lib.nextafter(a, b), lambda rng: [
        Sample((anyreal(rng, 3, 4), anyreal(rng, 3, 4) * 5))], grad_fn="NextafterBackward0"),
    OpInfo("combinations", lambda lib, a: lib.combinations(a), lambda rng: [
        Sample((anyreal(rng, 4),))], grad_fn="StackBackward0",
        errors=_err(ErrorCase((np.ones((2, 2)),), {}, RuntimeError, "Expect a 1D vector"))),
    OpInfo("combinations_r3_rep", lambda lib, a: lib.combinations(a, 3, True), lambda rng: [
        Sample((anyreal(rng, 3),))], grad_fn="StackBackward0"),
    OpInfo("chain_matmul", lambda lib, a, b, c: lib.chain_matmul(a, b, c), lambda rng: [
        Sample((anyreal(rng, 2, 3), anyreal(rng, 3, 4), anyreal(rng, 4, 2)))],
        grad_fn="ViewBackward0",
        errors=_err(ErrorCase((np.ones(3), np.ones((3, 3)), np.ones((3, 3))), {}, RuntimeError,
                              "Tensor dimension is 1, expected 2 instead."))),
    OpInfo("diagonal_scatter", lambda lib, a, s: lib.diagonal_scatter(a, s), lambda rng: [
        Sample((anyreal(rng, 3, 4), anyreal(rng, 3)))], grad_fn="DiagonalScatterBackward0",
        errors=_err(ErrorCase((np.ones((3, 4)), np.ones(2)), {}, RuntimeError,
                              "expected src to have a size equal to the slice of self"))),
    OpInfo("diagonal_scatter_dims", lambda lib, a, s: a.diagonal_scatter(s, -1, 2, 0),
           lambda rng: [Sample((anyreal(rng, 3, 2, 4), anyreal(rng, 2, 3)))],
           grad_fn="DiagonalScatterBackward0",
           errors=_err(ErrorCase((np.ones((3, 4)), np.ones(3)), {}, IndexError))),
    OpInfo("select_scatter", lambda lib, a, s: lib.select_scatter(a, s, 1, -1), lambda rng: [
        Sample((anyreal(rng, 3, 4), anyreal(rng, 3)))], grad_fn="SelectScatterBackward0",
        errors=_err(ErrorCase((np.ones((3, 4)), np.ones(4)), {}, RuntimeError,
                              "src size = [4], slice size = [3]"))),
    OpInfo("slice_scatter", lambda lib, a, s: lib.slice_scatter(a, s, 1, 1, None, 2),
           lambda rng: [Sample((anyreal(rng, 3, 5), anyreal(rng, 3, 2)))],
           grad_fn="SliceScatterBackward0",
           errors=_err(ErrorCase((np.ones((3, 5)), np.ones((3, 3))), {}, RuntimeError,
                                 "src size = [3, 3], slice size = [3, 2]"))),
    OpInfo("slice_scatter_method", lambda lib, a, s: a.slice_scatter(s, start=-3),
           lambda rng: [Sample((anyreal(rng, 5, 2), anyreal(rng, 3, 2)))],
           grad_fn="SliceScatterBackward0"),
    OpInfo("renorm", lambda lib, a, p: lib.renorm(a, p, 0, 1.5), lambda rng: [
        Sample((_rows(rng), 2)), Sample((_rows(rng), 1)), Sample((_rows(rng), 3.0)),
        Sample((_rows(rng), float("inf")))], grad_fn="RenormBackward0",
        errors=_err(ErrorCase((np.ones(3), 2), {}, RuntimeError, "at least 2 dimensions"),
                    ErrorCase((np.ones((2, 2)), 0), {}, RuntimeError, "non-positive-norm"))),
    OpInfo("renorm_dim1", lambda lib, a: a.renorm(2, -1, 0.8), lambda rng: [
        Sample((_rows(rng).T.copy(),))], grad_fn="RenormBackward0"),
    OpInfo("put", lambda lib, a, i, s: a.put(i, s), lambda rng: [
        Sample((anyreal(rng, 3, 4), np.array([0, 5, -1], I64), anyreal(rng, 3)))],
        grad_fn="PutBackward0",
        errors=_err(ErrorCase((np.ones((2, 2)), np.array([4], I64), np.ones(1)), {}, IndexError,
                              "out of range"))),
    OpInfo("put_accumulate", lambda lib, a, i, s: lib.put(a, i, s, accumulate=True),
           lambda rng: [Sample((anyreal(rng, 3, 4), np.array([[0, 5], [0, 11]], I64),
                                anyreal(rng, 2, 2)))], grad_fn="PutBackward0"),
] + [
    OpInfo(f"index_reduce_{red}_{'self' if inc else 'noself'}",
           (lambda red, inc, dim: lambda lib, a, i, s: a.index_reduce(
               dim, i, s, red, include_self=inc))(red, inc, dim),
           (lambda dim: lambda rng: [
               Sample((anyreal(rng, 4, 3) if dim == 0 else anyreal(rng, 3, 4),
                       np.array([0, 2, 0, 3, 2], I64),
                       anyreal(rng, 5, 3) if dim == 0 else anyreal(rng, 3, 5)))])(dim),
           grad_fn="IndexReduceBackward0",
           errors=_err(ErrorCase((np.ones((4, 3)), np.array([0, 4], I64), np.ones((2, 3))), {},
                                 IndexError, "index out of range in self"),
                       ErrorCase((np.ones((4, 3)), np.array([0, 1], I64), np.ones((3, 3))), {},
                                 RuntimeError, "Number of indices (2)")) if dim == 0 else None)
    for red, inc, dim in (("prod", True, 0), ("prod", False, 1), ("mean", True, 1),
                          ("mean", False, 0), ("amax", True, 0), ("amax", False, 1),
                          ("amin", True, 1), ("amin", False, 0))
] + [
    OpInfo("trapezoid_x", lambda lib, y, x: lib.trapezoid(y, x), lambda rng: [
        Sample((anyreal(rng, 3, 4), np.sort(rng.uniform(0, 3, 4)))),
        Sample((anyreal(rng, 2, 3, 4), np.sort(rng.uniform(0, 3, (3, 4)))))],
        grad_fn="DivBackward1",
        errors=_err(ErrorCase((np.ones((3, 4)), np.ones(3)), {}, RuntimeError,
                              "There must be one `x` value for each sample point"))),
    OpInfo("trapezoid_dx", lambda lib, y: lib.trapezoid(y, dx=0.3, dim=0), lambda rng: [
        Sample((anyreal(rng, 3, 4),)), Sample((anyreal(rng, 5),))], grad_fn="MulBackward1"),
    OpInfo("trapz", lambda lib, y, x: lib.trapz(y, x), lambda rng: [
        Sample((anyreal(rng, 3, 4), np.array([0.0, 0.5, 2.0, 2.5])))], grad_fn="DivBackward1"),
    OpInfo("cumulative_trapezoid_x", lambda lib, y, x: lib.cumulative_trapezoid(y, x),
           lambda rng: [Sample((anyreal(rng, 3, 4), np.sort(rng.uniform(0, 3, 4))))],
           grad_fn="DivBackward1"),
    OpInfo("cumulative_trapezoid_dx", lambda lib, y: lib.cumulative_trapezoid(y, dx=2, dim=0),
           lambda rng: [Sample((anyreal(rng, 3, 4),))], grad_fn="CumsumBackward0"),
]
