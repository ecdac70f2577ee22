"""Op table entries for ember/ops/reduction.py.

Selections (max, median, mode, amax, cummax, inf-norms) get distinct values so finite
differences never cross a tie; ties are tested against torch in tests/ops/test_reduction.py.
"""
import numpy as np

from op_db import ErrorCase, OpInfo, Sample, anyreal, positive


def _distinct(rng, *shape):
    n = int(np.prod(shape)) if shape else 1
    vals = rng.permutation(n).astype(np.float64) * 0.37 + rng.uniform(0, 0.1, n)
    return np.asarray(vals.reshape(shape) - n * 0.15)


def _with_zeros(rng, shape, flat_positions):
    a = positive(rng, *shape) * rng.choice([-1.0, 1.0], shape)
    a.flat[list(flat_positions)] = 0.0
    return a


def _with_nan(rng, *shape):
    a = anyreal(rng, *shape)
    a.flat[1] = np.nan
    return a


def _reduce(gen=anyreal, dims=(None, 0, 1, -1, (0, 1), (-1, 0)), zero_d=True):
    """Whole-tensor and per-dim samples, keepdim both ways, plus a 3-d and a 0-d input."""
    def samples(rng):
        out = [Sample((gen(rng, 3, 4),))] if None in dims else []
        for d in dims:
            if d is None:
                continue
            for k in (False, True):
                out.append(Sample((gen(rng, 3, 4),), {"dim": d, "keepdim": k}))
        out.append(Sample((gen(rng, 2, 3, 2),), {"dim": (0, 2)}))
        out.append(Sample((gen(rng, 2, 3, 2),), {"dim": -2, "keepdim": True}))
        if zero_d:
            out.append(Sample((gen(rng),), {"dim": 0}))
        return out
    return samples


def _dim_only(gen=anyreal, shape=(3, 4)):
    def samples(rng):
        out = [Sample((gen(rng, *shape),), {"dim": d, "keepdim": k})
               for d in (0, 1, -1) for k in (False, True)]
        out.append(Sample((gen(rng, 2, 3, 2),), {"dim": 1}))
        out.append(Sample((gen(rng),), {"dim": 0}))
        return out
    return samples


def _one(gen, *shape):
    return lambda rng: [Sample((gen(rng, *shape),))]


def _dim_error():
    return [ErrorCase((np.ones((2, 3)),), {"dim": 2}, IndexError,
                      "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
            ErrorCase((np.ones((2, 3)),), {"dim": (0, -2)}, RuntimeError,
                      "dim 0 appears multiple times in the list of dims")]


def _empty_max_errors():
    return [ErrorCase((np.ones((0, 3)),), {}, RuntimeError,
                      "max(): Expected reduction dim to be specified for input.numel() == 0")]


def _empty_max_dim_errors():
    return [ErrorCase((np.ones((0, 3)),), {"dim": 0}, IndexError,
                      "max(): Expected reduction dim 0 to have non-zero size"),
            ErrorCase((np.ones(3),), {"dim": 1}, IndexError, "Dimension out of range")]


def _float_only(name, msg):
    return lambda: [ErrorCase((np.array([1, 2, 3]),), {}, RuntimeError, msg)]


def _softmax_errors():
    return [ErrorCase((np.ones((2, 3), dtype=np.int64), 1), {}, NotImplementedError,
                      "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
            ErrorCase((np.ones((2, 3), dtype=np.int64), 0), {}, NotImplementedError,
                      "\"softmax_kernel_impl\" not implemented for 'Long'"),
            ErrorCase((np.ones((2, 3)), 3), {}, IndexError, "Dimension out of range")]


def _aminmax(lib, a, **kw):
    r = lib.aminmax(a, **kw)
    return r.min + 2.0 * r.max            # both outputs' gradients at once


def _var_mean(lib, a, **kw):
    v, m = lib.var_mean(a, **kw)
    return v + 3.0 * m


def _std_mean(lib, a, **kw):
    s, m = lib.std_mean(a, **kw)
    return s - 2.0 * m


OPS = [
    OpInfo("sum", lambda lib, a, **kw: a.sum(**kw), _reduce(), errors=_dim_error),
    OpInfo("sum_dim_none", lambda lib, a: lib.sum(a, dim=None, keepdim=True),
           _one(anyreal, 3, 4)),
    OpInfo("sum_dtype", lambda lib, a: a.sum(1, dtype=lib.float64), _one(anyreal, 3, 4),
           dtypes=("float32",)),
    OpInfo("mean", lambda lib, a, **kw: a.mean(**kw), _reduce(), errors=_float_only(
        "mean", "mean(): could not infer output dtype. Input dtype must be either a floating "
        "point or complex dtype. Got: Long")),
    OpInfo("nansum", lambda lib, a, **kw: lib.nansum(a, **kw),
           lambda rng: [Sample((_with_nan(rng, 3, 4),)),
                        Sample((_with_nan(rng, 3, 4),), {"dim": 1, "keepdim": True}),
                        Sample((anyreal(rng, 2, 3, 2),), {"dim": (0, 2)})]),
    OpInfo("nanmean", lambda lib, a, **kw: lib.nanmean(a, **kw),
           lambda rng: [Sample((_with_nan(rng, 3, 4),)),
                        Sample((_with_nan(rng, 3, 4),), {"dim": 0}),
                        Sample((_with_nan(rng, 3, 4),), {"dim": (0, 1), "keepdim": True})],
           errors=_float_only("nanmean", "nanmean(): expected input to have floating point")),
    OpInfo("prod", lambda lib, a, **kw: a.prod(**kw),
           lambda rng: [Sample((positive(rng, 3, 4),)),
                        Sample((positive(rng, 3, 4),), {"dim": 1}),
                        Sample((positive(rng, 3, 4),), {"dim": 0, "keepdim": True}),
                        Sample((_with_zeros(rng, (3, 4), [5]),)),
                        Sample((_with_zeros(rng, (3, 4), [1, 5, 6]),), {"dim": 1}),
                        Sample((_with_zeros(rng, (3, 4), [0, 4]),), {"dim": 0}),
                        Sample((positive(rng),), {"dim": 0})],
           errors=lambda: [ErrorCase((np.ones((2, 3)),), {"dim": (0, 1)}, TypeError)]),
    OpInfo("prod_two_zeros", lambda lib, a: a.prod(),
           lambda rng: [Sample((_with_zeros(rng, (3, 4), [2, 7]),))]),
    OpInfo("max_all", lambda lib, a: a.max(), _one(_distinct, 3, 4),
           errors=_empty_max_errors),
    OpInfo("min_all", lambda lib, a: lib.min(a), _one(_distinct, 3, 4)),
    OpInfo("max_dim", lambda lib, a, **kw: a.max(**kw), _dim_only(_distinct), output_index=0,
           errors=_empty_max_dim_errors),
    OpInfo("min_dim", lambda lib, a, **kw: lib.min(a, **kw), _dim_only(_distinct),
           output_index=0),
    OpInfo("max_binary", lambda lib, a, b: lib.max(a, b),
           lambda rng: [Sample((_distinct(rng, 3, 4), _distinct(rng, 4) + 0.05))]),
    OpInfo("amax", lambda lib, a, **kw: lib.amax(a, **kw), _reduce(_distinct),
           errors=lambda: [ErrorCase((np.ones((0, 3)),), {}, RuntimeError,
                                     "amax(): Expected reduction dim to be specified")]),
    OpInfo("amin", lambda lib, a, **kw: a.amin(**kw), _reduce(_distinct)),
    OpInfo("aminmax", _aminmax,
           lambda rng: [Sample((_distinct(rng, 3, 4),)),
                        Sample((_distinct(rng, 3, 4),), {"dim": 1}),
                        Sample((_distinct(rng, 3, 4),), {"dim": -2, "keepdim": True})],
           errors=lambda: [ErrorCase((np.ones(0),), {}, RuntimeError,
                                     "aminmax(): cannot compute aminmax over an empty")]),
    OpInfo("argmax", lambda lib, a, **kw: a.argmax(**kw),
           lambda rng: [Sample((_distinct(rng, 3, 4),), kw) for kw in
                        ({}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"keepdim": True})],
           differentiable=False,
           errors=lambda: [ErrorCase((np.ones((0, 3)),), {}, IndexError,
                                     "argmax(): Expected reduction dim to be specified")]),
    OpInfo("argmin", lambda lib, a, **kw: lib.argmin(a, **kw),
           lambda rng: [Sample((_distinct(rng, 3, 4),), kw) for kw in
                        ({}, {"dim": -1}, {"dim": 0, "keepdim": True})],
           differentiable=False),
    OpInfo("var", lambda lib, a, **kw: a.var(**kw), _reduce(zero_d=False),
           errors=_float_only("var", "std and var only support floating point and complex")),
    OpInfo("var_correction", lambda lib, a, **kw: lib.var(a, **kw),
           lambda rng: [Sample((anyreal(rng, 3, 4),), {"dim": 1, "correction": 0}),
                        Sample((anyreal(rng, 3, 4),), {"dim": (0, 1), "correction": 2.5}),
                        Sample((anyreal(rng, 3, 4),), {"dim": 0, "unbiased": False,
                                                       "keepdim": True}),
                        Sample((anyreal(rng),), {"dim": 0, "correction": 0})]),
    OpInfo("var_unbiased_positional", lambda lib, a: a.var(False), _one(anyreal, 3, 4)),
    OpInfo("std", lambda lib, a, **kw: a.std(**kw), _reduce(zero_d=False)),
    OpInfo("std_correction", lambda lib, a: lib.std(a, 0, correction=0, keepdim=True),
           _one(anyreal, 3, 4)),
    OpInfo("var_mean", _var_mean,
           lambda rng: [Sample((anyreal(rng, 3, 4),)),
                        Sample((anyreal(rng, 3, 4),), {"dim": 1, "keepdim": True}),
                        Sample((anyreal(rng, 3, 4),), {"dim": 0, "correction": 0})]),
    OpInfo("std_mean", _std_mean,
           lambda rng: [Sample((anyreal(rng, 3, 4),)),
                        Sample((anyreal(rng, 3, 4),), {"dim": (0, 1), "keepdim": True})]),
    OpInfo("norm", lambda lib, a, **kw: a.norm(**kw), _reduce(dims=(None, 1, (0, 1))),
           errors=lambda: [ErrorCase((np.array([1, 2]),), {}, RuntimeError,
                                     "linalg.vector_norm: Expected a floating point or complex "
                                     "tensor as input. Got Long")]),
    OpInfo("norm_p", lambda lib, a, p, **kw: lib.norm(a, p, **kw),
           lambda rng: [Sample((anyreal(rng, 3, 4), p), kw)
                        for p in (1, 3, 1.5, 0.5, 0) for kw in ({}, {"dim": 1})]),
    OpInfo("norm_inf", lambda lib, a, p, **kw: a.norm(p, **kw),
           lambda rng: [Sample((_distinct(rng, 3, 4), p), kw)
                        for p in (float("inf"), -float("inf"))
                        for kw in ({}, {"dim": 0, "keepdim": True})]),
    OpInfo("norm_nuc", lambda lib, a: a.norm(p="nuc"), _one(anyreal, 3, 4)),
    OpInfo("logsumexp", lambda lib, a, **kw: lib.logsumexp(a, **kw),
           _reduce(dims=(0, 1, -1, (0, 1)))),
    OpInfo("cumsum", lambda lib, a, d: a.cumsum(d),
           lambda rng: [Sample((anyreal(rng, 3, 4), d)) for d in (0, 1, -1)] +
           [Sample((anyreal(rng), 0))]),
    OpInfo("logcumsumexp", lambda lib, a, d: lib.logcumsumexp(a, d),
           lambda rng: [Sample((anyreal(rng, 3, 4), d)) for d in (0, 1, -1)] +
           [Sample((anyreal(rng), 0)), Sample((anyreal(rng, 5) * 300.0, 0))],
           grad_fn="LogcumsumexpBackward0",
           errors=lambda: [ErrorCase((np.arange(3),), {"d": 0}, NotImplementedError,
                                     "\"logcumsumexp_out_cpu\" not implemented for 'Long'"),
                           ErrorCase((np.ones((2, 2)),), {"d": 2}, IndexError,
                                     "Dimension out of range")]),
    OpInfo("cumprod", lambda lib, a, d: a.cumprod(d),
           lambda rng: [Sample((anyreal(rng, 3, 4), d)) for d in (0, 1)] +
           [Sample((_with_zeros(rng, (3, 4), [1, 6, 7]), 1)),
            Sample((_with_zeros(rng, (4, 3), [3, 9]), 0))]),
    OpInfo("cummax", lambda lib, a, d: lib.cummax(a, d), lambda rng: [
        Sample((_distinct(rng, 3, 4), d)) for d in (0, 1)], output_index=0),
    OpInfo("cummin", lambda lib, a, d: a.cummin(d), lambda rng: [
        Sample((_distinct(rng, 3, 4), d)) for d in (1, -2)], output_index=0),
    OpInfo("softmax", lambda lib, a, d: a.softmax(d),
           lambda rng: [Sample((anyreal(rng, 3, 4), d)) for d in (0, 1, -1)] +
           [Sample((anyreal(rng, 2, 3, 2), 1))], errors=_softmax_errors),
    OpInfo("softmax_dtype", lambda lib, a: lib.softmax(a, 1, dtype=lib.float64),
           _one(anyreal, 3, 4), dtypes=("float32",)),
    OpInfo("log_softmax", lambda lib, a, d: lib.log_softmax(a, d),
           lambda rng: [Sample((anyreal(rng, 3, 4), d)) for d in (0, 1)] +
           [Sample((anyreal(rng), 0))]),
    OpInfo("median_all", lambda lib, a: a.median(),
           lambda rng: [Sample((_distinct(rng, 3, 5),)), Sample((_distinct(rng, 2, 3),))]),
    OpInfo("median_dim", lambda lib, a, **kw: a.median(**kw), _dim_only(_distinct),
           output_index=0),
    OpInfo("nanmedian_dim", lambda lib, a, **kw: lib.nanmedian(a, **kw),
           lambda rng: [Sample((_distinct(rng, 3, 4),), {"dim": 1}),
                        Sample((_distinct(rng, 4, 3),), {"dim": 0, "keepdim": True})],
           output_index=0),
    OpInfo("mode", lambda lib, a, **kw: a.mode(**kw),
           lambda rng: [Sample((_distinct(rng, 3, 4),)),
                        Sample((_distinct(rng, 3, 4),), {"dim": 0, "keepdim": True})],
           output_index=0),
    OpInfo("diff", lambda lib, a, **kw: lib.diff(a, **kw),
           lambda rng: [Sample((anyreal(rng, 3, 4),)),
                        Sample((anyreal(rng, 3, 4),), {"n": 2, "dim": 0}),
                        Sample((anyreal(rng, 4),), {"n": 3})]),
    OpInfo("diff_prepend", lambda lib, a, b: lib.diff(a, dim=1, prepend=b, append=b),
           lambda rng: [Sample((anyreal(rng, 3, 4), anyreal(rng, 3, 2)))]),
    OpInfo("all_any", lambda lib, a: lib.stack([(a > 0).all(), (a > 0).any(1).all(),
                                                (a > 0).all(dim=(0, 1))]),
           _one(anyreal, 3, 4), differentiable=False),
    OpInfo("count_nonzero", lambda lib, a, **kw: lib.count_nonzero((a > 0).float(), **kw),
           lambda rng: [Sample((anyreal(rng, 3, 4),), kw) for kw in
                        ({}, {"dim": 1}, {"dim": (0, 1)})], differentiable=False),
    OpInfo("bincount", lambda lib, a, w=None, **kw: lib.bincount(a, w, **kw), lambda rng: [
        Sample((rng.integers(0, 5, 7),)), Sample((rng.integers(0, 5, 7),), {"minlength": 9}),
        Sample((rng.integers(0, 4, 6), anyreal(rng, 6))),
        Sample((rng.integers(0, 4, 6), rng.integers(-3, 3, 6)), {"minlength": 2}),
        Sample((np.zeros(0, np.int64),)), Sample((np.array([0, 2], np.uint8),))],
           differentiable=False,
           errors=lambda: [ErrorCase((np.array([1, -1]),), {}, RuntimeError, "non-negative"),
                           ErrorCase((np.ones((2, 2), np.int64),), {}, RuntimeError, "1-d"),
                           ErrorCase((np.ones(2),), {}, NotImplementedError, "'Double'"),
                           ErrorCase((np.ones(2, np.int64),), {"minlength": -1}, RuntimeError,
                                     "minlength should be >= 0"),
                           ErrorCase((np.ones(2, np.int64), np.ones(3)), {}, RuntimeError,
                                     "same length as input")]),
    OpInfo("bincount_method", lambda lib, a, w: a.bincount(w),
           lambda rng: [Sample((rng.integers(0, 4, 6), anyreal(rng, 6)))],
           differentiable=False, dtypes=("float32",)),
    OpInfo("histc", lambda lib, a, *args: lib.histc(a, *args), lambda rng: [
        Sample((anyreal(rng, 3, 5), 4)), Sample((anyreal(rng, 20), 7, -1.0, 1.5)),
        Sample((np.array([1.0, 1.0, 1.0]), 4)), Sample((np.array([0.0, 0.5, 1.0, 2.0]), 2, 0, 1)),
        Sample((np.zeros(0), 3))],
           differentiable=False,
           errors=lambda: [ErrorCase((np.ones(3), 4, 3.0, 0.0), {}, RuntimeError,
                                     "max must be larger than min"),
                           ErrorCase((np.ones(3), 0), {}, RuntimeError, "bins must be > 0"),
                           ErrorCase((np.ones(3, np.int64), 3), {}, NotImplementedError,
                                     "'Long'"),
                           ErrorCase((np.array([1.0, np.inf]), 3), {}, RuntimeError,
                                     "is not finite")]),
    OpInfo("histc_method", lambda lib, a: a.histc(5, 0, 1), lambda rng: [
        Sample((np.linspace(-0.2, 1.2, 29),))], differentiable=False),
    OpInfo("quantile", lambda lib, a, q, **kw: lib.quantile(a, q, **kw), lambda rng: [
        Sample((anyreal(rng, 3, 4), 0.3)), Sample((anyreal(rng, 3, 4), 0.3), {"dim": 1}),
        Sample((anyreal(rng, 3, 4), np.array([0.2, 0.9])), {"dim": 0, "keepdim": True},
               grad=(0,)),
        Sample((anyreal(rng, 2, 3, 4), np.asarray(0.5)), {"dim": 1}, grad=(0,)),
        Sample((anyreal(rng, 5), 0.6), {"interpolation": "lower"}),
        Sample((anyreal(rng, 5), 0.6), {"interpolation": "higher"}),
        Sample((anyreal(rng, 2, 5), 0.6), {"dim": -1, "interpolation": "midpoint"}),
        Sample((anyreal(rng, 2, 5), np.array([0.1, 0.5, 0.7])),
               {"dim": 0, "interpolation": "nearest"}, grad=(0,)),
        Sample((anyreal(rng, 3, 4), 1.0), {"keepdim": True}), Sample((np.asarray(1.5), 0.2))],
           grad_fn="SqueezeBackward4",
           errors=lambda: [ErrorCase((np.zeros(0), 0.5), {}, RuntimeError, "non-empty"),
                           ErrorCase((np.ones(3), 1.5), {}, RuntimeError, "range [0, 1]"),
                           ErrorCase((np.ones(3), np.ones((1, 1)) / 2), {}, RuntimeError,
                                     "scalar or 1D"),
                           ErrorCase((np.ones(3, np.int64), 0.5), {}, RuntimeError,
                                     "float or double"),
                           ErrorCase((np.ones(3), 0.5), {"interpolation": "cubic"},
                                     RuntimeError, "interpolation must be one of"),
                           ErrorCase((np.ones(3), np.ones(1, np.float32)), {}, RuntimeError,
                                     "same dtype"),
                           ErrorCase((np.ones((2, 2)), 0.5), {"dim": 2}, IndexError)]),
    # linear interpolation is differentiable in q as well (through its rank weights)
    OpInfo("quantile_q_grad", lambda lib, a, q, **kw: lib.quantile(a, q, **kw), lambda rng: [
        Sample((anyreal(rng, 3, 4), np.array([0.2, 0.9])), {"dim": 1}),
        Sample((anyreal(rng, 5), np.asarray(0.55)))], grad_fn="SqueezeBackward4"),
    OpInfo("nanquantile_q_grad", lambda lib, a, q: lib.nanquantile(a, q, 0, True),
           lambda rng: [Sample((np.array([[1.0, np.nan], [2.5, 0.5], [0.7, 4.0]]),
                                np.array([0.3, 0.6])), grad=(1,))]),
    OpInfo("quantile_nan", lambda lib, a, q: lib.quantile(a, q, 1),
           lambda rng: [Sample((np.array([[1.0, np.nan, 3.0], [2.0, 0.5, 4.0]]), 0.4))],
           differentiable=False),
    OpInfo("nanquantile", lambda lib, a, q, **kw: lib.nanquantile(a, q, **kw), lambda rng: [
        Sample((anyreal(rng, 3, 4), 0.3), {"dim": 1}),
        Sample((anyreal(rng, 3, 4), np.array([0.25, 0.8])), grad=(0,)),
        Sample((anyreal(rng, 2, 5), 0.6), {"dim": 0, "interpolation": "nearest"})],
           grad_fn="SqueezeBackward4",
           errors=lambda: [ErrorCase((np.ones(3), -0.5), {}, RuntimeError, "range [0, 1]")]),
    OpInfo("nanquantile_nan", lambda lib, a, q: a.nanquantile(q, 1, True),
           lambda rng: [Sample((np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan],
                                          [2.0, 0.5, 4.0]]), 0.4))],
           differentiable=False),
    OpInfo("cov", lambda lib, a, fw=None, aw=None, **kw: lib.cov(a, fweights=fw, aweights=aw,
                                                                 **kw), lambda rng: [
        Sample((anyreal(rng, 3, 5),)), Sample((anyreal(rng, 3, 5),), {"correction": 0}),
        Sample((anyreal(rng, 6),)), Sample((anyreal(rng, 2, 4), rng.integers(1, 4, 4))),
        Sample((anyreal(rng, 2, 4), rng.integers(1, 4, 4), positive(rng, 4)), grad=(0,)),
        Sample((anyreal(rng, 2, 4), None, positive(rng, 4)), {"correction": 2}, grad=(0,))],
           grad_fn="SqueezeBackward0",
           errors=lambda: [ErrorCase((np.ones((2, 2, 2)),), {}, RuntimeError,
                                     "two or fewer dimensions"),
                           ErrorCase((np.ones((2, 3)), np.ones(3)), {}, RuntimeError,
                                     "integral dtype"),
                           ErrorCase((np.ones((2, 3)), np.ones(2, np.int64)), {}, RuntimeError,
                                     "same numel"),
                           ErrorCase((np.ones((2, 3)), -np.ones(3, np.int64)), {},
                                     RuntimeError, "cannot be negative"),
                           ErrorCase((np.ones((2, 3), bool),), {}, RuntimeError, "bool")]),
    OpInfo("corrcoef", lambda lib, a: lib.corrcoef(a), lambda rng: [
        Sample((anyreal(rng, 3, 5),)), Sample((anyreal(rng, 1, 4),))],
           grad_fn="ClampBackward1",
           errors=lambda: [ErrorCase((np.ones((2, 2, 2)),), {}, RuntimeError,
                                     "two or fewer dimensions")]),
    OpInfo("corrcoef_vector", lambda lib, a: a.corrcoef(), lambda rng: [
        Sample((anyreal(rng, 5),))], grad_fn="DivBackward0"),
    OpInfo("cov_int", lambda lib, a: lib.cov(a), lambda rng: [
        Sample((rng.integers(0, 9, (2, 5)),))], differentiable=False, atol=1e-6),
    OpInfo("cov_method", lambda lib, a: a.cov(correction=0), lambda rng: [
        Sample((anyreal(rng, 2, 3),))]),
]
