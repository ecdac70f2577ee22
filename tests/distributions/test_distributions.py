"""torch.distributions against torch: the same seed gives the same samples (sample, rsample,
multinomial's one-sample path), the same log_prob/cdf/icdf/entropy/KL, gradients through
rsample and log_prob, reprs, and PyTorch's validation errors."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _assert_same(e: list, t: list, rtol: float, atol: float) -> None:
    """Arrays within ``rtol``/``atol`` (dtype and shape exactly), everything else equal."""
    assert len(e) == len(t)
    for a, b in zip(e, t):
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
        else:
            assert a == b


def _run(lib):
    D = lib.distributions
    out = []
    lib.manual_seed(0)
    n = D.Normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 2.0]))
    v = lib.tensor([0.5, -1.0])
    out += [n.sample(), n.sample((3,)), n.rsample((2,)), n.log_prob(v), n.cdf(v),
            n.icdf(lib.tensor([0.3, 0.9])), n.entropy(), n.mean, n.stddev, n.variance]
    loc = lib.tensor([0.5], requires_grad=True)
    sc = lib.tensor([1.5], requires_grad=True)
    x = D.Normal(loc, sc).rsample((4,))
    x.sum().backward()
    out += [x, loc.grad, sc.grad]
    c = D.Categorical(probs=lib.tensor([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]))
    out += [c.sample(), c.sample((4,)), c.log_prob(lib.tensor([2, 0])), c.entropy(), c.logits,
            c.mode, c.enumerate_support()]
    lg = lib.tensor([1.0, 2.0, 0.5], requires_grad=True)
    cl = D.Categorical(logits=lg)
    a = cl.sample()
    lp = cl.log_prob(a)
    lp.backward()                       # REINFORCE's score function
    out += [a, lp, lg.grad, cl.probs]
    b = D.Bernoulli(lib.tensor([0.3, 0.9]))
    out += [b.sample((3,)), b.log_prob(lib.tensor([1.0, 0.0])), b.entropy(), b.logits, b.mode,
            b.enumerate_support()]
    bl = D.Bernoulli(logits=lib.tensor([0.2, -1.0]))
    out += [bl.probs, bl.log_prob(lib.tensor([1.0, 1.0]))]
    u = D.Uniform(lib.tensor([0.0, 1.0]), lib.tensor([2.0, 5.0]))
    w = lib.tensor([1.0, 4.0])
    out += [u.sample((2,)), u.log_prob(w), u.entropy(), u.cdf(w), u.mean, u.variance]
    kl = D.kl_divergence
    out += [kl(n, D.Normal(lib.tensor([1.0, 0.0]), lib.tensor([2.0, 1.0]))),
            kl(c, D.Categorical(logits=lib.zeros(2, 3))),
            kl(b, D.Bernoulli(lib.tensor([0.5, 0.5]))),
            kl(D.Uniform(0.0, 1.0), D.Uniform(-1.0, 2.0)),
            kl(D.Uniform(0.0, 3.0), D.Uniform(-1.0, 2.0))]
    reprs = [repr(d) for d in (n, D.Normal(0.0, 1.0), c, b, D.Bernoulli(0.3), u,
                               D.Uniform(0.0, 2.0))] + [repr(u.support), repr(c.support)]
    return [t.detach().numpy() for t in out], reprs


def test_samples_and_scores_match_torch():
    (e, er), (t, tr) = _run(ember), _run(torch)
    assert er == tr
    for i, (a, b) in enumerate(zip(e, t)):
        assert a.dtype == b.dtype and a.shape == b.shape, i
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-7, err_msg=str(i))


@pytest.mark.parametrize("make", [
    lambda D, lib: D.Normal(lib.tensor([0.0, 1.0]), lib.tensor([-1.0, 1.0])),
    lambda D, lib: D.Normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 1.0])).log_prob(
        lib.tensor([float("nan"), 1.0])),
    lambda D, lib: D.Categorical(probs=lib.tensor([-0.2, 0.8])),
    lambda D, lib: D.Categorical(probs=lib.tensor([0.2, 0.8])).log_prob(lib.tensor(3)),
    lambda D, lib: D.Bernoulli(probs=0.3, logits=0.1),
    lambda D, lib: D.Categorical(),
    lambda D, lib: D.Uniform(1.0, 0.0),
    lambda D, lib: D.Uniform(0.0, 1.0).log_prob(lib.tensor(2.0)),
    lambda D, lib: D.Bernoulli(lib.tensor(0.3)).log_prob(lib.tensor(0.5)),
    lambda D, lib: D.Normal(lib.zeros(2), lib.ones(2)).log_prob(lib.zeros(3)),
    lambda D, lib: D.kl_divergence(D.Categorical(logits=lib.zeros(3)), D.Normal(0.0, 1.0)),
    lambda D, lib: D.Categorical(logits=lib.zeros(3)).rsample()])
def test_errors_match_torch(make):
    got = []
    for lib in (torch, ember):
        with pytest.raises(Exception) as info:
            make(lib.distributions, lib)
        got.append((type(info.value).__name__, str(info.value)))
    assert got[0] == got[1]


def test_validation_can_be_turned_off():
    D = ember.distributions
    assert np.isnan(D.Normal(0.0, 1.0, validate_args=False).log_prob(
        ember.tensor(float("nan"))).item())
    try:
        D.Distribution.set_default_validate_args(False)
        D.Normal(0.0, -1.0)                     # no error now
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0.0, -1.0)


def test_multinomial_one_sample_draws_as_torch():
    # one sample with replacement takes PyTorch's exponential (Gumbel-max) path: the same
    # draw and the same stream afterwards
    p = [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]
    got = []
    for lib in (torch, ember):
        lib.manual_seed(0)
        got.append((lib.multinomial(lib.tensor(p), 1, True).tolist(), lib.rand(3).tolist()))
    assert got[0] == got[1]


def _more(lib):
    D = lib.distributions
    out = []
    lib.manual_seed(0)
    e = D.Exponential(lib.tensor([0.5, 2.0]))
    v = lib.tensor([1.0, 3.0])
    out += [repr(e), e.sample((2,)), e.rsample(), e.log_prob(v), e.cdf(v),
            e.icdf(lib.tensor([0.2, 0.7])), e.entropy(), e.mean, e.variance, repr(e.support)]
    la = D.Laplace(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 0.5]))
    w = lib.tensor([0.5, -1.0])
    out += [repr(la), la.sample((2,)), la.rsample(), la.log_prob(w), la.cdf(w),
            la.icdf(lib.tensor([0.2, 0.7])), la.entropy(), la.stddev]
    p = D.Poisson(lib.tensor([0.5, 4.0, 20.0]))
    out += [repr(p), p.sample((2,)), p.log_prob(lib.tensor([0.0, 3.0, 18.0])), p.mode,
            repr(p.support)]
    ind = D.Independent(D.Normal(lib.zeros(3, 2), lib.ones(3, 2)), 1)
    out += [repr(ind), tuple(ind.batch_shape), tuple(ind.event_shape),
            ind.log_prob(lib.ones(3, 2)), ind.entropy(), repr(ind.support), ind.rsample()]
    kl = D.kl_divergence
    out += [kl(e, D.Exponential(lib.tensor([1.0, 1.0]))),
            kl(la, D.Laplace(lib.tensor([1.0, 0.0]), lib.tensor([2.0, 1.0]))),
            kl(p, D.Poisson(lib.tensor([1.0, 1.0, 1.0]))),
            kl(ind, D.Independent(D.Normal(lib.ones(3, 2), lib.ones(3, 2) * 2), 1))]
    rate = lib.tensor([1.5], requires_grad=True)
    x = D.Exponential(rate).rsample((3,))
    x.sum().backward()
    out += [x, rate.grad]
    for bad in (lambda: D.Exponential(lib.tensor([-1.0])),
                lambda: e.log_prob(lib.tensor([-1.0, 1.0])),
                lambda: D.Poisson(lib.tensor([1.0])).log_prob(lib.tensor([0.5])),
                lambda: D.Independent(D.Normal(0.0, 1.0), 1)):
        with pytest.raises(ValueError) as info:
            bad()
        out.append(str(info.value))
    return [o.detach().numpy() if hasattr(o, "detach") else o for o in out]


def test_exponential_laplace_poisson_independent_match_torch():
    _assert_same(_more(ember), _more(torch), rtol=2e-6, atol=1e-7)


def _mvn(lib):
    D = lib.distributions
    out = []
    lib.manual_seed(0)
    C = lib.tensor([[2.0, 0.3], [0.3, 1.0]])
    m = D.MultivariateNormal(lib.tensor([0.5, -1.0]), covariance_matrix=C)
    out += [repr(m), tuple(m.batch_shape), tuple(m.event_shape), m.sample(), m.sample((3,)),
            m.log_prob(lib.tensor([1.0, 0.0])), m.entropy(), m.variance, m.scale_tril,
            m.precision_matrix, m.covariance_matrix]
    mp = D.MultivariateNormal(lib.zeros(2), precision_matrix=lib.linalg.inv(C))
    out += [mp.scale_tril, mp.log_prob(lib.tensor([[1.0, 0.0], [0.2, 0.3]]))]
    L = lib.tensor([[[1.0, 0.0], [0.5, 2.0]], [[1.5, 0.0], [-0.2, 0.7]]], requires_grad=True)
    loc = lib.zeros(3, 1, 2, requires_grad=True)
    mb = D.MultivariateNormal(loc, scale_tril=L)
    lp = mb.log_prob(lib.ones(3, 2, 2))
    lp.sum().backward()
    out += [tuple(mb.batch_shape), mb.rsample(), lp, L.grad, loc.grad,
            D.kl_divergence(m, D.MultivariateNormal(lib.zeros(2), scale_tril=lib.eye(2) * 1.5))]
    for bad in (lambda: D.MultivariateNormal(lib.zeros(2), covariance_matrix=lib.tensor(
                    [[1.0, 2.0], [2.0, 1.0]])),
                lambda: D.MultivariateNormal(lib.zeros(2)),
                lambda: D.MultivariateNormal(lib.tensor(0.0), covariance_matrix=C),
                lambda: D.MultivariateNormal(lib.zeros(2), scale_tril=lib.tensor(
                    [[1.0, 1.0], [0.0, 1.0]]))):
        with pytest.raises(ValueError) as info:
            bad()
        out.append(str(info.value))
    return [o.detach().numpy() if hasattr(o, "detach") else o for o in out]


def test_multivariate_normal_matches_torch():
    _assert_same(_mvn(ember), _mvn(torch), rtol=1e-5, atol=1e-6)


def _expanded(lib):
    D = lib.distributions
    lib.manual_seed(0)
    ds = [D.Normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 2.0])),
          D.Bernoulli(lib.tensor([0.3, 0.6])), D.Bernoulli(logits=lib.tensor([0.3, 0.6])),
          D.Categorical(probs=lib.tensor([[0.2, 0.8], [0.5, 0.5]])),
          D.Uniform(lib.zeros(2), lib.ones(2)), D.Exponential(lib.tensor([1.0, 2.0])),
          D.Laplace(lib.zeros(2), lib.ones(2)), D.Poisson(lib.tensor([1.0, 2.0])),
          D.Independent(D.Normal(lib.zeros(2, 3), lib.ones(2, 3)), 1),
          D.MultivariateNormal(lib.zeros(2, 3), scale_tril=lib.eye(3))]
    out = []
    for d in ds:
        e = d.expand((4, 2))
        s = e.sample()
        out.append((type(e).__name__, tuple(e.batch_shape), tuple(e.event_shape),
                    s.numpy().tolist(), np.round(e.log_prob(s).numpy(), 5).tolist(), repr(e)))
    with pytest.raises(RuntimeError):
        ds[0].expand((3,))
    return out


def test_expand_matches_torch():
    for e, t in zip(_expanded(ember), _expanded(torch)):
        assert e[:3] == t[:3] and e[5] == t[5]
        # (float32 log1p and friends may differ from PyTorch's in the last bit)
        np.testing.assert_allclose(e[3], t[3], rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(e[4], t[4], rtol=1e-5, atol=1e-5)


def _onehot_geometric(lib):
    D = lib.distributions
    lib.manual_seed(0)
    o = D.OneHotCategorical(probs=lib.tensor([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]]))
    out = [repr(o), tuple(o.batch_shape), tuple(o.event_shape), o.sample(), o.sample((2,)),
           o.log_prob(lib.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])), o.entropy(), o.mode,
           tuple(o.enumerate_support().shape), o.variance]
    lg = lib.tensor([0.1, 0.5, -0.3], requires_grad=True)
    s = D.OneHotCategoricalStraightThrough(logits=lg).rsample()
    (s * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
    out += [s, lg.grad]
    g = D.Geometric(lib.tensor([0.3, 0.8]))
    out += [repr(g), g.sample((3,)), g.log_prob(lib.tensor([2.0, 0.0])), g.entropy(), g.mean,
            g.variance, repr(g.support), D.Geometric(logits=lib.tensor([0.2])).probs,
            D.kl_divergence(o, D.OneHotCategorical(logits=lib.zeros(2, 3))),
            o.expand((4, 2)).sample()]
    for bad in (lambda: D.Geometric(lib.tensor([0.0, 0.5])),
                lambda: o.log_prob(lib.tensor([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]]))):
        with pytest.raises(ValueError) as info:
            bad()
        out.append(str(info.value))
    return [o.detach().numpy() if hasattr(o, "detach") else o for o in out]


def test_one_hot_categorical_and_geometric_match_torch():
    _assert_same(_onehot_geometric(ember), _onehot_geometric(torch), rtol=1e-5, atol=1e-6)
