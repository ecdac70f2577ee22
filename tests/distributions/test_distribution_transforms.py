"""torch.distributions.transforms and TransformedDistribution against torch: values, inverses,
log-det-Jacobians, signs, (co)domains, reprs, caching, composition, and sampling/scoring through
the transforms (SAC's tanh-squashed Gaussian) with gradients."""
import numpy as np
import pytest

import ember
from dist_helpers import assert_same as _assert_same, to_np as _np

torch = pytest.importorskip("torch")


def _transforms(lib, dtype):
    T = lib.distributions.transforms
    x = lib.tensor([[-1.5, 0.2, 0.7], [2.0, -0.3, 0.1]], dtype=dtype)
    pos = x.abs() + 0.5
    out = []
    scale = lib.tensor([2.0, -0.5, 1.5], dtype=dtype)
    for t in (T.ExpTransform(), T.SigmoidTransform(), T.TanhTransform(),
              T.AffineTransform(1.0, -2.0), T.AffineTransform(lib.zeros(3, dtype=dtype), scale),
              T.AffineTransform(0.5, scale, event_dim=1),
              T.PowerTransform(lib.tensor(2.5, dtype=dtype)), T.ExpTransform().inv,
              T.ComposeTransform([T.AffineTransform(0.0, 3.0), T.TanhTransform()]),
              T.ComposeTransform([T.SigmoidTransform(), T.ExpTransform().inv])):
        # (the power and log maps take positive inputs)
        v = pos if isinstance(t, T.PowerTransform) or repr(t).startswith("_Inv") else x
        y = t(v)
        out += [repr(t), repr(t.domain), repr(t.codomain), t.bijective, y, t.inv(y),
                t.log_abs_det_jacobian(v, y), t.sign, repr(t.inv), t.inv.inv is t]
    sm = T.SoftmaxTransform()
    out += [repr(sm), sm(x), sm.inv(sm(x)), repr(sm.domain), repr(sm.codomain), sm.bijective]
    ab = T.AbsTransform()
    out += [ab(x), ab.inv(x), repr(ab.codomain)]
    sb = T.StickBreakingTransform()
    y = sb(x)
    out += [y, sb.inv(y), sb.log_abs_det_jacobian(x, y), tuple(sb.forward_shape((2, 3))),
            tuple(sb.inverse_shape((2, 3)))]
    ident = T.identity_transform
    out += [repr(ident), ident(x), ident.log_abs_det_jacobian(x, x), ident.sign,
            repr(ident.domain)]
    c = T.ComposeTransform([T.ExpTransform(), T.AffineTransform(0.0, -1.0)])
    out += [c.sign, c.inv(c(x)), T.ExpTransform() == T.ExpTransform(),
            T.AffineTransform(1.0, 2.0) == T.AffineTransform(1.0, 2.0),
            T.AffineTransform(1.0, 2.0) != T.AffineTransform(1.0, 3.0),
            T.ExpTransform().inv == T.ExpTransform().inv, T.ExpTransform() == T.AbsTransform(),
            T.PowerTransform(lib.tensor(2.0)) == T.PowerTransform(lib.tensor(2.0)),
            T.TanhTransform().event_dim,
            T.AffineTransform(0.0, 1.0, event_dim=2).event_dim]
    p = T.PowerTransform(lib.tensor(-2.0, dtype=dtype))
    out += [p.sign, tuple(T.AffineTransform(lib.zeros(4, 1), 1.0).forward_shape((3,)))]
    return _np(out)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_transforms_match_torch(dtype):
    _assert_same(_transforms(ember, getattr(ember, dtype)),
                 _transforms(torch, getattr(torch, dtype)),
                 rtol=2e-6 if dtype == "float32" else 1e-12, atol=1e-7)


def _cache(lib):
    T = lib.distributions.transforms
    t = T.TanhTransform(cache_size=1)
    x = lib.tensor([25.0, -30.0, 0.5])
    y = t(x)
    out = [t(x) is y, t.inv(y) is x, t.inv(y.clone()), t.with_cache(1) is t,
           T.TanhTransform().with_cache(1)._cache_size, t.inv.with_cache(0)._cache_size,
           T.ComposeTransform([T.ExpTransform()], cache_size=1).parts[0]._cache_size]
    t0 = T.ExpTransform()
    out.append(t0.inv(t0(x)) is x)
    for bad in (lambda: T.ExpTransform(cache_size=2),
                lambda: T.AbsTransform().sign,
                lambda: T.StickBreakingTransform().forward_shape(()),
                lambda: T.SoftmaxTransform().log_abs_det_jacobian(x, x)):
        with pytest.raises(Exception) as info:
            bad()
        out.append((type(info.value).__name__, str(info.value)))
    return _np(out)


def _more_transforms(lib, dtype):
    T = lib.distributions.transforms
    x = lib.tensor([[-1.5, 0.2, 0.7], [2.0, -0.3, 40.0]], dtype=dtype)
    out = []
    sp = T.SoftplusTransform()
    y = sp(x)
    out += [repr(sp), y, sp.inv(y), sp.log_abs_det_jacobian(x, y), sp.sign,
            repr(sp.codomain), sp == T.SoftplusTransform()]
    it = T.IndependentTransform(T.TanhTransform(), 1)
    y = it(x)
    out += [repr(it), y, it.inv(y), it.log_abs_det_jacobian(x, y), repr(it.domain),
            repr(it.codomain), it.sign, it.bijective, it.with_cache(1).base_transform._cache_size]
    rt = T.ReshapeTransform((3,), (3, 1))
    y = rt(x)
    out += [repr(rt.domain), repr(rt.codomain), y, rt.inv(y), rt.log_abs_det_jacobian(x, y),
            tuple(rt.forward_shape((5, 3))), tuple(rt.inverse_shape((5, 3, 1)))]
    for bad in (lambda: T.ReshapeTransform((3,), (2, 2)), lambda: rt.forward_shape((3, 2)),
                lambda: rt.inverse_shape((3,)),
                lambda: T.IndependentTransform(T.ExpTransform(), 2)(lib.zeros(3))):
        with pytest.raises(ValueError) as info:
            bad()
        out.append(str(info.value))
    return _np(out)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softplus_independent_reshape_transforms_match_torch(dtype):
    _assert_same(_more_transforms(ember, getattr(ember, dtype)),
                 _more_transforms(torch, getattr(torch, dtype)),
                 rtol=2e-6 if dtype == "float32" else 1e-12, atol=1e-7)


def test_caching_and_errors_match_torch():
    e, t = _cache(ember), _cache(torch)
    _assert_same(e, t)


def _transformed(lib):
    D = lib.distributions
    T = D.transforms
    out = []
    lib.manual_seed(0)
    loc = lib.tensor([0.5, -1.0, 20.0], requires_grad=True)
    scale = lib.tensor([1.0, 0.5, 0.1], requires_grad=True)
    # SAC: a = tanh(u), u ~ N(loc, scale); scoring the sample uses the cached u
    sq = D.TransformedDistribution(D.Normal(loc, scale), [T.TanhTransform(cache_size=1)])
    a = sq.rsample()
    lp = sq.log_prob(a)
    (lp.sum() + a.sum()).backward()
    out += [a, lp, loc.grad, scale.grad, tuple(sq.batch_shape), tuple(sq.event_shape),
            repr(sq.support), sq.has_rsample, repr(sq)]
    base = D.Normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 2.0]))
    aff = D.TransformedDistribution(base, [T.AffineTransform(1.0, -3.0), T.ExpTransform()])
    v = lib.tensor([0.5, 2.0])
    out += [aff.sample((3,)), aff.rsample(), aff.log_prob(v), aff.cdf(v),
            aff.icdf(lib.tensor([0.2, 0.9])), repr(aff.support)]
    # a transform's parameters broadcast the base; a vector transform makes events
    wide = D.TransformedDistribution(D.Normal(0.0, 1.0),
                                     T.AffineTransform(lib.zeros(2, 3), lib.ones(3)))
    out += [tuple(wide.batch_shape), wide.sample().shape == (2, 3)]
    ev = D.TransformedDistribution(D.Normal(lib.zeros(4, 3), lib.ones(4, 3)),
                                   T.StickBreakingTransform())
    s = ev.sample()
    out += [tuple(ev.batch_shape), tuple(ev.event_shape), s, ev.log_prob(s),
            repr(ev.support), type(ev.base_dist).__name__]
    ex = aff.expand((4, 2))
    out += [tuple(ex.batch_shape), ex.sample().shape == (4, 2), ex.log_prob(v)]
    for bad in (lambda: D.TransformedDistribution(base, "exp"),
                lambda: D.TransformedDistribution(base, [T.ExpTransform(), 3]),
                lambda: D.TransformedDistribution(D.Normal(0.0, 1.0),
                                                  T.StickBreakingTransform()),
                lambda: aff.log_prob(lib.tensor([-1.0, 1.0]))):
        with pytest.raises(ValueError) as info:
            bad()
        out.append(str(info.value))
    return _np(out)


def test_transformed_distribution_matches_torch():
    _assert_same(_transformed(ember), _transformed(torch), rtol=1e-5, atol=1e-6)
