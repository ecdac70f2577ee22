"""Op table entries for ember/ops/reduction.py."""
import numpy as np

from op_db import ErrorCase, OpInfo, Sample, anyreal, positive


def _distinct(rng, *shape):
    # Distinct values keep max/min/median away from ties (the gradient's kink).
    n = int(np.prod(shape)) if shape else 1
    vals = rng.permutation(n).astype(np.float64) * 0.37 + rng.uniform(0, 0.1, n)
    return np.asarray(vals.reshape(shape)) - n * 0.15


def _reduce(gen=anyreal, dims=(None, 0, 1, -1, (0, 1)), keepdims=(False, True)):
    def samples(rng):
        out = []
        for d in dims:
            for k in keepdims:
                kw = {} if d is None else {"dim": d, "keepdim": k}
                if d is None and k:
                    continue
                out.append(Sample((gen(rng, 3, 4),), kw))
        out.append(Sample((gen(rng, 2, 3, 2),), {"dim": (0, 2)} if 0 in dims or None in dims
                          else {}))
        return out
    return samples


def _dim_only(gen=anyreal):
    return lambda rng: [Sample((gen(rng, 3, 4),), {"dim": d, "keepdim": k})
                        for d in (0, 1, -1) for k in (False, True)]


def _dim_error():
    return [ErrorCase((np.ones((2, 3)),), {"dim": 2}, IndexError, "Dimension out of range")]


OPS = [
    OpInfo("sum", lambda lib, a, **kw: a.sum(**kw), _reduce(), errors=_dim_error),
    OpInfo("mean", lambda lib, a, **kw: a.mean(**kw), _reduce(), errors=_dim_error),
    OpInfo("prod", lambda lib, a, **kw: a.prod(**kw),
           lambda rng: [Sample((positive(rng, 3, 4),)),
                        Sample((positive(rng, 3, 4),), {"dim": 1}),
                        Sample((positive(rng, 3, 4),), {"dim": 0, "keepdim": True})]),
    OpInfo("max_all", lambda lib, a: a.max(), lambda rng: [Sample((_distinct(rng, 3, 4),))]),
    OpInfo("min_all", lambda lib, a: a.min(), lambda rng: [Sample((_distinct(rng, 3, 4),))]),
    OpInfo("max_dim", lambda lib, a, **kw: a.max(**kw), _dim_only(_distinct), output_index=0),
    OpInfo("min_dim", lambda lib, a, **kw: a.min(**kw), _dim_only(_distinct), output_index=0),
    OpInfo("max_binary", lambda lib, a, b: lib.max(a, b),
           lambda rng: [Sample((_distinct(rng, 3, 4), _distinct(rng, 4) + 0.05))]),
    OpInfo("amax", lambda lib, a, **kw: lib.amax(a, **kw), _reduce(_distinct)),
    OpInfo("amin", lambda lib, a, **kw: lib.amin(a, **kw), _reduce(_distinct)),
    OpInfo("var", lambda lib, a, **kw: a.var(**kw), _reduce()),
    OpInfo("var_correction0", lambda lib, a: a.var(1, correction=0),
           lambda rng: [Sample((anyreal(rng, 3, 4),))]),
    OpInfo("std", lambda lib, a, **kw: a.std(**kw), _reduce()),
    OpInfo("norm", lambda lib, a, **kw: a.norm(**kw), _reduce(dims=(None, 1))),
    OpInfo("norm_p1", lambda lib, a: a.norm(p=1), lambda rng: [Sample((anyreal(rng, 3, 4),))]),
    OpInfo("norm_p3", lambda lib, a: a.norm(p=3, dim=1),
           lambda rng: [Sample((anyreal(rng, 3, 4),))]),
    OpInfo("norm_inf", lambda lib, a: a.norm(p=float("inf")),
           lambda rng: [Sample((_distinct(rng, 3, 4),))]),
    OpInfo("logsumexp", lambda lib, a, **kw: lib.logsumexp(a, **kw), _dim_only()),
    OpInfo("cumsum", lambda lib, a, d: a.cumsum(d),
           lambda rng: [Sample((anyreal(rng, 3, 4), d)) for d in (0, 1, -1)]),
    OpInfo("cumprod", lambda lib, a, d: a.cumprod(d),
           lambda rng: [Sample((anyreal(rng, 3, 4), d)) for d in (0, 1)]),
    OpInfo("softmax", lambda lib, a, d: a.softmax(d),
           lambda rng: [Sample((anyreal(rng, 3, 4), d)) for d in (0, 1, -1)]),
    OpInfo("log_softmax", lambda lib, a, d: a.log_softmax(d),
           lambda rng: [Sample((anyreal(rng, 3, 4), d)) for d in (0, 1)]),
    OpInfo("median_all", lambda lib, a: a.median(), lambda rng: [Sample((_distinct(rng, 3, 5),))]),
    OpInfo("median_dim", lambda lib, a, **kw: a.median(**kw), _dim_only(_distinct),
           output_index=0),
    OpInfo("argmax", lambda lib, a, **kw: a.argmax(**kw),
           lambda rng: [Sample((_distinct(rng, 3, 4),), kw) for kw in
                        ({}, {"dim": 1}, {"dim": 0, "keepdim": True})],
           differentiable=False),
    OpInfo("all_any", lambda lib, a: lib.stack([(a > 0).all(), (a > 0).any(1).all()]),
           lambda rng: [Sample((anyreal(rng, 3, 4),))], differentiable=False),
]
