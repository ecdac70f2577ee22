"""LogNormal, HalfNormal, Gumbel, Cauchy, HalfCauchy and LogisticNormal against torch: the same
seed gives the same samples; log_prob, cdf/icdf, entropy, moments, supports, shapes, expand,
rsample gradients, KL divergences and validation errors agree."""
import numpy as np
import pytest

import ember
from dist_helpers import assert_same as _assert_same, to_np as _np

torch = pytest.importorskip("torch")


def _props(d, v, lib) -> list:
    """What every distribution here answers (NotImplementedError where torch has none)."""
    out = [repr(d), tuple(d.batch_shape), tuple(d.event_shape), repr(d.support),
           d.has_rsample, d.sample(), d.sample((2,)), d.log_prob(v)]
    for name in ("mean", "mode", "variance", "stddev", "entropy", "cdf", "icdf"):
        try:
            if name == "entropy":
                out.append(d.entropy())
            elif name == "cdf":
                out.append(d.cdf(v))
            elif name == "icdf":
                out.append(d.icdf(lib.full_like(v, 0.3)))
            else:
                out.append(getattr(d, name))
        except NotImplementedError:
            out.append("n/a")
    return out


def _dists(lib, dtype):
    D = lib.distributions
    out = []
    lib.manual_seed(0)
    t = lambda *v: lib.tensor(list(v), dtype=dtype)
    pos = t(0.5, 2.0)
    out += _props(D.LogNormal(t(0.0, 1.0), t(1.0, 0.5)), pos, lib)
    out += _props(D.LogNormal(0.0, 1.0), lib.tensor(1.5, dtype=dtype), lib)
    out += _props(D.HalfNormal(t(1.0, 2.0)), pos, lib)
    out += _props(D.HalfNormal(1.5), pos, lib)
    out += _props(D.Gumbel(t(0.0, 1.0), t(1.0, 2.0)), t(0.5, -1.0), lib)
    out += _props(D.Gumbel(1.0, 2.0), t(0.5, -1.0), lib)
    out += _props(D.Cauchy(t(0.0, 1.0), t(1.0, 2.0)), t(0.5, -1.0), lib)
    out += _props(D.Cauchy(0.0, 1.0), t(0.5), lib)
    out += _props(D.HalfCauchy(t(1.0, 2.0)), pos, lib)
    out += _props(D.HalfCauchy(1.0), pos, lib)
    ln = D.LogisticNormal(lib.zeros(2, 3, dtype=dtype), t(1.0, 0.5, 2.0))
    s = ln.sample()
    out += [repr(ln), tuple(ln.batch_shape), tuple(ln.event_shape), s, ln.log_prob(s),
            ln.rsample((2,)), repr(ln.support), ln.loc, ln.scale]
    ln0 = D.LogisticNormal(0.0, 1.0)
    out += [tuple(ln0.batch_shape), tuple(ln0.event_shape), ln0.sample()]
    # the stream after every draw is the same too
    out.append(lib.rand(2, dtype=dtype))
    return _np(out)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_distributions_match_torch(dtype):
    f32 = dtype == "float32"
    got = []
    for lib in (ember, torch):
        # (number parameters take the default dtype)
        lib.set_default_dtype(getattr(lib, dtype))
        try:
            got.append(_dists(lib, getattr(lib, dtype)))
        finally:
            lib.set_default_dtype(lib.float32)
    _assert_same(*got, rtol=2e-6 if f32 else 1e-12, atol=1e-7 if f32 else 1e-14)


def test_cauchy_method_draws_as_torch():
    got = []
    for lib in (torch, ember):
        lib.manual_seed(3)
        a = lib.empty(5).cauchy_(1.0, 2.0)
        b = lib.empty(3, dtype=lib.float64).cauchy_()
        got.append((a.numpy(), b.numpy()))
    for x, y in zip(*got):
        np.testing.assert_allclose(x, y, rtol=2e-7)


def _grads(lib):
    D = lib.distributions
    lib.manual_seed(1)
    out = []
    for make in (lambda a, b: D.LogNormal(a, b), lambda a, b: D.Gumbel(a, b),
                 lambda a, b: D.Cauchy(a, b), lambda a, b: D.HalfNormal(b),
                 lambda a, b: D.HalfCauchy(b), lambda a, b: D.LogisticNormal(a, b)):
        a = lib.tensor([0.3, -0.4], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([1.2, 0.7], dtype=lib.float64, requires_grad=True)
        d = make(a, b)
        x = d.rsample((3,)) if d.has_rsample else d.sample((3,))
        loss = x.sum() + d.log_prob(x.detach()).sum()
        loss.backward()
        out += [x, a.grad if a.grad is not None else "none", b.grad]
    return _np(out)


def test_rsample_and_log_prob_gradients_match_torch():
    _assert_same(_grads(ember), _grads(torch), rtol=1e-10, atol=1e-12)


def _kl_and_expand(lib):
    D = lib.distributions
    lib.manual_seed(2)
    t = lambda *v: lib.tensor(list(v))
    n = D.Normal(t(0.0, 1.0), t(1.0, 2.0))
    g = D.Gumbel(t(0.5, -1.0), t(2.0, 0.5))
    g2 = D.Gumbel(t(0.0, 0.0), t(1.0, 1.0))
    e = D.Exponential(t(0.5, 2.0))
    u = D.Uniform(t(0.0, -1.0), t(1.0, 2.0))
    kl = D.kl_divergence
    out = [kl(g, g2), kl(n, g), kl(g, n), kl(e, g), kl(g, e), kl(u, g), kl(g, u),
           kl(D.Cauchy(t(0.0, 1.0), t(1.0, 2.0)), D.Cauchy(t(1.0, 1.0), t(0.5, 2.0))),
           kl(D.HalfNormal(t(1.0, 2.0)), D.HalfNormal(t(2.0, 0.5))),
           kl(D.LogNormal(t(0.0, 1.0), t(1.0, 2.0)), D.LogNormal(t(1.0, 0.0), t(0.5, 1.0))),
           kl(D.HalfCauchy(t(1.0, 2.0)), D.HalfCauchy(t(2.0, 1.0))),
           kl(D.LogisticNormal(lib.zeros(2), t(1.0, 2.0)),
              D.LogisticNormal(lib.ones(2), t(1.0, 1.0)))]
    for d in (D.LogNormal(t(0.0, 1.0), t(1.0, 2.0)), D.HalfNormal(t(1.0, 2.0)), g,
              D.Cauchy(t(0.0, 1.0), t(1.0, 2.0)), D.HalfCauchy(t(1.0, 2.0)),
              D.LogisticNormal(lib.zeros(2, 3), lib.ones(3))):
        x = d.expand((4, 2))
        s = x.sample()
        out += [type(x).__name__, tuple(x.batch_shape), tuple(x.event_shape), s,
                x.log_prob(s), repr(x)]
    with pytest.raises(NotImplementedError):
        kl(D.LogNormal(0.0, 1.0), D.HalfNormal(1.0))
    return _np(out)


def test_kl_and_expand_match_torch():
    _assert_same(_kl_and_expand(ember), _kl_and_expand(torch), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [
    lambda D, lib: D.LogNormal(lib.tensor([0.0]), lib.tensor([-1.0])),
    lambda D, lib: D.LogNormal(0.0, 1.0).log_prob(lib.tensor([-1.0])),
    lambda D, lib: D.HalfNormal(lib.tensor([0.0, 1.0])),
    lambda D, lib: D.HalfNormal(1.0).log_prob(lib.tensor([-0.5])),
    lambda D, lib: D.HalfNormal(1.0).cdf(lib.tensor([-0.5])),
    lambda D, lib: D.Gumbel(lib.tensor([0.0]), lib.tensor([-2.0])),
    lambda D, lib: D.Gumbel(0.0, 1.0).log_prob(lib.tensor([float("nan")])),
    lambda D, lib: D.Cauchy(0.0, -1.0),
    lambda D, lib: D.HalfCauchy(lib.tensor([-1.0])),
    lambda D, lib: D.HalfCauchy(1.0).log_prob(lib.tensor([-1.0])),
    lambda D, lib: D.LogisticNormal(lib.zeros(3), lib.ones(3)).log_prob(
        lib.tensor([0.5, 0.6, 0.1, 0.1])),
    lambda D, lib: D.Gumbel(0.0, 1.0).expand((2,)).log_prob(lib.zeros(3))])
def test_errors_match_torch(make):
    got = []
    for lib in (torch, ember):
        with pytest.raises(Exception) as info:
            make(lib.distributions, lib)
        got.append((type(info.value).__name__, str(info.value)))
    assert got[0] == got[1]


def _exponential_built(lib, dtype):
    D = lib.distributions
    out = []
    lib.manual_seed(4)
    t = lambda *v: lib.tensor(list(v), dtype=dtype)
    out += _props(D.Pareto(t(1.0, 2.0), t(0.5, 3.0)), t(1.5, 3.0), lib)
    out += _props(D.Pareto(1.0, 2.5), t(1.5, 3.0), lib)
    out += _props(D.Weibull(t(1.0, 2.0), t(0.5, 3.0)), t(1.5, 3.0), lib)
    out += _props(D.Weibull(2.0, 1.5), t(0.5), lib)
    temp = lib.tensor(0.5, dtype=dtype)
    for d in (D.RelaxedBernoulli(temp, probs=t(0.2, 0.7)),
              D.RelaxedBernoulli(temp, logits=t(-1.0, 0.5, 3.0)),
              D.RelaxedBernoulli(temp, probs=0.4),
              D.RelaxedOneHotCategorical(temp, logits=t(0.1, 0.5, -0.2)),
              D.RelaxedOneHotCategorical(temp, probs=lib.tensor([[0.2, 0.3, 0.5],
                                                               [0.6, 0.2, 0.2]], dtype=dtype))):
        s = d.sample((2,))
        out += [repr(d), tuple(d.batch_shape), tuple(d.event_shape), repr(d.support), s,
                d.log_prob(s), d.rsample(), d.probs, d.logits, d.temperature]
    out.append(lib.rand(2, dtype=dtype))
    return _np(out)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pareto_weibull_relaxed_match_torch(dtype):
    f32 = dtype == "float32"
    got = []
    for lib in (ember, torch):
        lib.set_default_dtype(getattr(lib, dtype))
        try:
            got.append(_exponential_built(lib, getattr(lib, dtype)))
        finally:
            lib.set_default_dtype(lib.float32)
    _assert_same(*got, rtol=1e-5 if f32 else 1e-11, atol=1e-6 if f32 else 1e-13)


def _exponential_built_kl(lib):
    D = lib.distributions
    lib.manual_seed(5)
    t = lambda *v: lib.tensor(list(v))
    p = D.Pareto(t(1.0, 2.0, 1.0), t(0.5, 3.0, 2.5))
    kl = D.kl_divergence
    out = [kl(p, D.Pareto(t(1.5, 1.0, 0.5), t(1.0, 2.0, 2.0))),
           kl(p, D.Exponential(t(1.0, 2.0, 0.5))), kl(p, D.Normal(t(0.0, 1.0, 2.0), 1.0)),
           kl(p, D.Uniform(0.0, 5.0)), kl(D.Exponential(t(1.0)), p),
           kl(D.Normal(0.0, t(1.0)), p), kl(D.Laplace(0.0, t(1.0)), p),
           kl(D.Gumbel(0.0, t(1.0)), p),
           kl(D.Uniform(t(1.0, 2.5, 0.5), t(3.0, 4.0, 2.0)), p),
           kl(D.Weibull(t(1.0, 2.0), t(0.5, 3.0)), D.Weibull(t(1.0, 2.0), t(0.5, 3.0)))]
    temp = lib.tensor(0.3)
    for d in (D.Pareto(t(1.0, 2.0), t(0.5, 3.0)), D.Weibull(t(1.0, 2.0), t(0.5, 3.0)),
              D.RelaxedBernoulli(temp, probs=t(0.2, 0.7)),
              D.RelaxedOneHotCategorical(temp, logits=lib.zeros(2, 3))):
        x = d.expand((4, 2))
        s = x.sample()
        out += [type(x).__name__, tuple(x.batch_shape), tuple(x.event_shape), s,
                x.log_prob(s), repr(x)]
    a = lib.tensor([0.3, 0.7], dtype=lib.float64, requires_grad=True)
    for make in (lambda: D.Pareto(a + 1, a * 3), lambda: D.Weibull(a, a + 1),
                 lambda: D.RelaxedBernoulli(lib.tensor(0.5, dtype=lib.float64), probs=a),
                 lambda: D.RelaxedOneHotCategorical(lib.tensor(0.5, dtype=lib.float64),
                                                    probs=a)):
        a.grad = None
        d = make()
        x = d.rsample((3,))
        (x.sum() + d.log_prob(x.detach()).sum()).backward()
        out += [x, a.grad]
    return _np(out)


def test_pareto_weibull_relaxed_kl_expand_grads_match_torch():
    _assert_same(_exponential_built_kl(ember), _exponential_built_kl(torch), rtol=1e-5,
                 atol=1e-6)


@pytest.mark.parametrize("make", [
    lambda D, lib: D.Pareto(lib.tensor([1.0]), lib.tensor([-1.0])),
    lambda D, lib: D.Pareto(2.0, 1.0).log_prob(lib.tensor([1.0])),
    lambda D, lib: D.Weibull(lib.tensor([0.0]), lib.tensor([1.0])),
    lambda D, lib: D.Weibull(1.0, 1.0).log_prob(lib.tensor([-1.0])),
    lambda D, lib: D.RelaxedBernoulli(lib.tensor(0.5)),
    lambda D, lib: D.RelaxedBernoulli(lib.tensor(0.5), probs=lib.tensor([1.5])),
    lambda D, lib: D.RelaxedBernoulli(lib.tensor(0.5), probs=0.3).log_prob(lib.tensor(2.0)),
    lambda D, lib: D.RelaxedOneHotCategorical(lib.tensor(0.5), probs=lib.tensor([-0.1, 1.1])),
    lambda D, lib: D.RelaxedOneHotCategorical(lib.tensor(0.5), logits=lib.zeros(3)).log_prob(
        lib.tensor([0.5, 0.6, 0.1]))])
def test_more_errors_match_torch(make):
    got = []
    for lib in (torch, ember):
        with pytest.raises(Exception) as info:
            make(lib.distributions, lib)
        got.append((type(info.value).__name__, str(info.value)))
    assert got[0] == got[1]
