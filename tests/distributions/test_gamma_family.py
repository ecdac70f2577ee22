"""Gamma, Chi2, Beta, Dirichlet and StudentT against torch: PyTorch's gamma sampler bit for
bit (values and the generator state after), log_prob/entropy/moments, rsample gradients,
KL pairs and validation errors."""
import math

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

_ALPHAS = [[0.5], [1.0], [0.1, 0.9, 1.0, 2.0, 1e-3], [100.0, 1e4, 3.3],
           list(np.linspace(0.01, 20, 57)), [7.0] * 33, [1e-30, 5e-39, 0.0, 1e6],
           [float("nan"), float("inf"), -1.0, -0.5]]


def _same_state() -> bool:
    return np.array_equal(torch.get_rng_state().numpy(), ember.get_rng_state().numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", range(len(_ALPHAS)))
def test_standard_gamma_stream(dtype, case):
    a = np.array(_ALPHAS[case], dtype)
    torch.manual_seed(case)
    ember.manual_seed(case)
    t = torch._standard_gamma(torch.tensor(a)).numpy()
    e = ember._standard_gamma(ember.tensor(a)).numpy()
    assert e.dtype == t.dtype
    assert np.array_equal(e, t, equal_nan=True)
    assert _same_state()
    # the cached second Box-Muller value carries over to the next draws
    assert np.array_equal(ember.randn(3).numpy(), torch.randn(3).numpy())


def test_standard_gamma_shapes_generator_and_errors():
    a = np.random.default_rng(0).uniform(0.05, 4, (3, 4, 5)).astype(np.float32)
    g_t = torch.Generator().manual_seed(7)
    g_e = ember.Generator().manual_seed(7)
    t = torch._standard_gamma(torch.tensor(a).transpose(0, 2), generator=g_t)
    e = ember._standard_gamma(ember.tensor(a).transpose(0, 2), generator=g_e)
    assert tuple(e.shape) == tuple(t.shape)
    assert np.array_equal(e.numpy(), t.numpy())
    assert np.array_equal(g_e.get_state().numpy(), g_t.get_state().numpy())
    for bad in (np.array([1, 2]), np.array([1.0], np.float16)):
        with pytest.raises(NotImplementedError):
            torch._standard_gamma(torch.tensor(bad))
        with pytest.raises(NotImplementedError):
            ember._standard_gamma(ember.tensor(bad))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_standard_gamma_grad_matches(dtype):
    rng = np.random.default_rng(1)
    a = rng.uniform(0.01, 30, 2000).astype(dtype)
    x = np.maximum(rng.gamma(a), 1e-30).astype(dtype)
    t = torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)).numpy()
    e = ember._standard_gamma_grad(ember.tensor(a), ember.tensor(x)).numpy()
    assert np.array_equal(e, t)
    ta = torch.tensor(a[:50], requires_grad=True)
    ea = ember.tensor(a[:50], requires_grad=True)
    torch.manual_seed(3)
    ember.manual_seed(3)
    ts, es = torch._standard_gamma(ta), ember._standard_gamma(ea)
    assert es.grad_fn.name() == ts.grad_fn.name() == "StandardGammaBackward0"
    ts.sum().backward()
    es.sum().backward()
    assert np.array_equal(ea.grad.numpy(), ta.grad.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(2,), (5,), (3, 4), (2, 17), (4, 64), (2, 3, 9)])
def test_sample_dirichlet_stream(dtype, shape):
    a = np.random.default_rng(2).uniform(0.05, 10, shape).astype(dtype)
    torch.manual_seed(11)
    ember.manual_seed(11)
    t = torch._sample_dirichlet(torch.tensor(a)).numpy()
    e = ember._sample_dirichlet(ember.tensor(a)).numpy()
    assert np.array_equal(e, t)
    assert _same_state()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dirichlet_grad(dtype):
    rng = np.random.default_rng(3)
    al = rng.uniform(0.05, 15, (3000, 2)).astype(dtype)
    al[:100] *= 10      # the large-alpha saddle point branch
    x = torch._sample_dirichlet(torch.tensor(al))
    tot = np.repeat(al.sum(-1, keepdims=True), 2, -1)
    t = torch._dirichlet_grad(x, torch.tensor(al), torch.tensor(tot)).numpy()
    e = ember._dirichlet_grad(ember.tensor(x.numpy()), ember.tensor(al),
                              ember.tensor(tot)).numpy()
    if dtype == np.float64:
        assert np.array_equal(e, t)
    else:   # float32 logf/powf of the small-x series, emulated within an ulp
        np.testing.assert_allclose(e, t, rtol=2e-6, atol=0)


def _family(lib, dtype):
    D = lib.distributions

    def T(v):
        return lib.tensor(np.array(v, dtype))

    return [
        D.Gamma(T([0.5, 1.0, 3.0, 20.0]), T([1.0, 2.0, 0.5, 3.0])),
        D.Chi2(T([0.5, 1.0, 3.0, 7.0])),
        D.Beta(T([0.5, 1.0, 3.0, 20.0]), T([2.0, 0.7, 3.0, 9.0])),
        D.Dirichlet(T([[0.5, 1.0, 3.0], [2.0, 2.0, 0.3]])),
        D.StudentT(T([0.8, 1.5, 3.0, 30.0]), T([0.0, 1.0, -2.0, 0.5]),
                   T([1.0, 2.0, 0.5, 3.0])),
    ]


def _values(d, lib, dtype):
    name = type(d).__name__
    if name == "Dirichlet":
        return lib.tensor(np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]], dtype))
    if name == "Beta":
        return lib.tensor(np.array([0.1, 0.5, 0.7, 0.99], dtype))
    if name == "StudentT":
        return lib.tensor(np.array([-1.0, 0.5, 2.0, 10.0], dtype))
    return lib.tensor(np.array([0.1, 1.0, 2.5, 7.0], dtype))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("idx", range(5))
def test_distribution_against_torch(dtype, idx):
    de, dt = _family(ember, dtype)[idx], _family(torch, dtype)[idx]
    # float32 scores cancel terms near 60 (lgamma(20), 19 log 7): a few ulps of those
    tol = {"rtol": 2e-6, "atol": 3e-5} if dtype == "float32" else {"rtol": 1e-12, "atol": 1e-12}
    ve, vt = _values(de, ember, dtype), _values(dt, torch, dtype)
    np.testing.assert_allclose(de.log_prob(ve).numpy(), dt.log_prob(vt).numpy(), **tol)
    np.testing.assert_allclose(de.entropy().numpy(), dt.entropy().numpy(), **tol)
    for attr in ("mean", "mode", "variance", "stddev"):
        np.testing.assert_allclose(getattr(de, attr).numpy(), getattr(dt, attr).numpy(),
                                   equal_nan=True, **tol)
    assert de.batch_shape == dt.batch_shape and de.event_shape == dt.event_shape
    assert repr(de.support) == repr(dt.support)
    assert sorted(de.arg_constraints) == sorted(dt.arg_constraints)
    for seed, shape in ((0, ()), (1, (3,)), (2, (2, 5))):
        torch.manual_seed(seed)
        ember.manual_seed(seed)
        t = dt.sample(shape).numpy()
        e = de.sample(shape).numpy()
        assert e.dtype == t.dtype and e.shape == t.shape
        assert np.array_equal(e, t)
        assert _same_state()
    xe, xt = de.expand((3,) + tuple(de.batch_shape)), dt.expand((3,) + tuple(dt.batch_shape))
    assert xe.batch_shape == xt.batch_shape
    torch.manual_seed(5)
    ember.manual_seed(5)
    assert np.array_equal(xe.sample().numpy(), xt.sample().numpy())


def _params(d):
    name = type(d).__name__
    return {"Gamma": ("concentration", "rate"), "Chi2": ("concentration",),
            "Beta": (), "Dirichlet": ("concentration",),
            "StudentT": ("df", "loc", "scale")}[name]


@pytest.mark.parametrize("idx", range(5))
def test_rsample_gradients(idx):
    D_e, D_t = ember.distributions, torch.distributions
    rng = np.random.default_rng(idx)
    a = rng.uniform(0.3, 12, 6)
    b = rng.uniform(0.3, 12, 6)
    ctors = [
        lambda D, x, y: D.Gamma(x, y), lambda D, x, y: D.Chi2(x),
        lambda D, x, y: D.Beta(x, y), lambda D, x, y: D.Dirichlet(x.reshape(2, 3) * y[:3]),
        lambda D, x, y: D.StudentT(x, y, x + y)]
    xe, ye = ember.tensor(a, requires_grad=True), ember.tensor(b, requires_grad=True)
    xt, yt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    torch.manual_seed(9)
    ember.manual_seed(9)
    se = ctors[idx](D_e, xe, ye).rsample((4,))
    st = ctors[idx](D_t, xt, yt).rsample((4,))
    assert np.array_equal(se.detach().numpy(), st.detach().numpy())
    w = np.linspace(-1, 2, st.numel()).reshape(tuple(st.shape))
    (se * ember.tensor(w)).sum().backward()
    (st * torch.tensor(w)).sum().backward()
    for pe, pt in ((xe, xt), (ye, yt)):
        if pt.grad is None:
            assert pe.grad is None
        else:
            np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-12,
                                       atol=1e-14)


def test_dirichlet_rsample_grad_fn():
    c = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert ember.distributions.Dirichlet(c).rsample().grad_fn.name() == "_DirichletBackward"


def _kl_pairs(lib):
    D = lib.distributions

    def T(v):
        return lib.tensor(np.array(v, np.float64))

    g1 = D.Gamma(T([0.5, 2.0, 9.0]), T([1.0, 3.0, 0.2]))
    g2 = D.Gamma(T([1.5, 0.7, 4.0]), T([2.0, 0.5, 1.0]))
    b1 = D.Beta(T([0.5, 2.0, 9.0]), T([1.0, 3.0, 0.2]))
    b2 = D.Beta(T([1.5, 0.7, 4.0]), T([2.0, 0.5, 1.0]))
    d1 = D.Dirichlet(T([[0.5, 2.0, 9.0], [1.0, 1.0, 1.0]]))
    d2 = D.Dirichlet(T([[1.5, 0.7, 4.0], [2.0, 0.5, 3.0]]))
    e = D.Exponential(T([0.5, 1.0, 2.0]))
    n = D.Normal(T([0.0, 1.0, -1.0]), T([1.0, 2.0, 0.5]))
    u = D.Uniform(T([0.1, 0.0, -1.0]), T([0.5, 1.0, 0.5]))
    u2 = D.Uniform(T([0.1, 0.5, 0.2]), T([0.5, 3.0, 9.0]))
    c = D.Chi2(T([1.0, 3.0, 5.0]))
    return [(g1, g2), (b1, b2), (d1, d2), (c, g1), (g1, c), (e, g1), (g1, e), (g1, n),
            (b1, e), (b1, g1), (b1, n), (b1, u), (u, b1), (u2, g1), (g1, b1), (g1, u),
            (e, b1), (n, b1), (n, g1)]


def test_kl_pairs():
    for (pe, qe), (pt, qt) in zip(_kl_pairs(ember), _kl_pairs(torch)):
        ke = ember.distributions.kl_divergence(pe, qe).numpy()
        kt = torch.distributions.kl_divergence(pt, qt).numpy()
        np.testing.assert_allclose(ke, kt, rtol=1e-12, atol=1e-12,
                                   err_msg=f"{type(pt).__name__}-{type(qt).__name__}")


def _error(fn):
    try:
        fn()
    except Exception as exc:   # noqa: BLE001 - the class and message are compared
        return type(exc).__name__, str(exc).split("\n")[0]
    return None


@pytest.mark.parametrize("make", [
    lambda lib: lib.distributions.Gamma(lib.tensor([-1.0]), lib.tensor([1.0])),
    lambda lib: lib.distributions.Gamma(lib.tensor([1.0]), lib.tensor([0.0])),
    lambda lib: lib.distributions.Chi2(lib.tensor([-2.0])),
    lambda lib: lib.distributions.Beta(lib.tensor([0.0]), lib.tensor([1.0])),
    lambda lib: lib.distributions.Dirichlet(lib.tensor(1.0)),
    lambda lib: lib.distributions.Dirichlet(lib.tensor([1.0, -1.0])),
    lambda lib: lib.distributions.StudentT(lib.tensor([0.0])),
    lambda lib: lib.distributions.StudentT(1.0, 0.0, -1.0),
    lambda lib: lib.distributions.Gamma(lib.tensor([1.0]), lib.tensor([1.0])).log_prob(
        lib.tensor([-1.0])),
    lambda lib: lib.distributions.Beta(lib.tensor([1.0]), lib.tensor([1.0])).log_prob(
        lib.tensor([1.5])),
    lambda lib: lib.distributions.Dirichlet(lib.tensor([1.0, 1.0])).log_prob(
        lib.tensor([0.3, 0.3])),
])
def test_validation_errors(make):
    te = _error(lambda: make(ember))
    tt = _error(lambda: make(torch))
    assert tt is not None and te == tt


def test_scalar_parameters_and_repr():
    for lib in (ember, torch):
        g = lib.distributions.Gamma(2.0, 3.0)
        assert g.batch_shape == () and g.concentration.dtype == lib.float32
    assert repr(ember.distributions.Chi2(ember.tensor([1.0]))) == \
        repr(torch.distributions.Chi2(torch.tensor([1.0])))
    assert ember.distributions.Chi2(ember.tensor([3.0])).df.item() == 3.0
    st = ember.distributions.StudentT(ember.tensor([0.5, 1.5, 3.0]))
    m = st.mean.numpy()
    assert math.isnan(m[0]) and m[1] == 0.0


def test_standard_gamma_from_a_torch_state_mid_block():
    torch.manual_seed(4)
    torch.rand(3, dtype=torch.float64)
    torch.randn(1, dtype=torch.float64)           # leaves a cached normal behind
    ember.set_rng_state(ember.tensor(torch.get_rng_state().numpy()))
    a = np.array([0.3, 1.0, 2.0, 50.0] * 300)
    t = torch._standard_gamma(torch.tensor(a)).numpy()
    e = ember._standard_gamma(ember.tensor(a)).numpy()
    assert np.array_equal(e, t)
    assert _same_state()
