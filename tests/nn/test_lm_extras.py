"""EmbeddingBag, CosineSimilarity and PairwiseDistance modules against PyTorch."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _np(t):
    return t.detach().numpy()


@pytest.mark.parametrize("kw", [dict(mode="sum"),
                                dict(mode="max", padding_idx=2), dict(mode="mean")])
def test_embedding_bag_module(kw):
    res = []
    for lib in (torch, ember):
        lib.manual_seed(0)
        m = lib.nn.EmbeddingBag(6, 3, **kw)
        idx = lib.tensor([1, 2, 2, 5, 3, 1, 0])
        out = m(idx, lib.tensor([0, 3, 3, 5]))
        (out * lib.arange(12, dtype=lib.float32).view(4, 3)).sum().backward()
        res.append((repr(m), _np(m.weight), _np(out), _np(m.weight.grad)))
    (tr, tw, to, tg), (er, ew, eo, eg) = res
    assert tr == er
    assert np.array_equal(tw, ew)
    np.testing.assert_allclose(eo, to, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(eg, tg, rtol=1e-6, atol=1e-6)


def test_embedding_bag_errors():
    for lib in (torch, ember):
        F = lib.nn.functional
        w = lib.ones(4, 2)
        with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
            F.embedding_bag(lib.tensor([1, 2]), w, lib.tensor([0]), mode="mean",
                            per_sample_weights=lib.ones(2))
        with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
            F.embedding_bag(lib.tensor([[1, 2]]), w, lib.tensor([0]))
        with pytest.raises(RuntimeError, match="Index 1 of input takes value 9 which is not "
                           "in the valid range"):
            F.embedding_bag(lib.tensor([[1, 9]]), w)


def test_distance_modules():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 5)).astype("f4"), rng.standard_normal((4, 5)).astype("f4")
    for name, kw in [("CosineSimilarity", {}), ("CosineSimilarity", dict(dim=0, eps=1e-6)),
                     ("PairwiseDistance", {}), ("PairwiseDistance", dict(p=1.0, keepdim=True))]:
        t = getattr(torch.nn, name)(**kw)
        e = getattr(ember.nn, name)(**kw)
        assert repr(t) == repr(e)
        np.testing.assert_allclose(_np(e(ember.tensor(a), ember.tensor(b))),
                                   _np(t(torch.tensor(a), torch.tensor(b))), rtol=1e-6,
                                   atol=1e-6)


def _both(build):
    out = []
    for lib in (torch, ember):
        lib.manual_seed(0)
        out.append(build(lib))
    return out


def test_parametrized_weight_norm_and_spectral_norm():
    def build(lib):
        P = lib.nn.utils.parametrizations
        m = P.weight_norm(lib.nn.Linear(4, 3), dim=0)
        c = P.spectral_norm(lib.nn.Linear(5, 3))
        x = lib.tensor(np.linspace(-1, 1, 20, dtype="f4").reshape(4, 5))
        y = c(x)
        z = m(y @ lib.ones(3, 4))
        (z * z).sum().backward()
        grads = [p.grad for p in list(m.parameters()) + list(c.parameters())]
        return repr(m), dict(m.state_dict()), dict(c.state_dict()), z, grads, m, c
    (tr, tsd, tcs, tz, tg, tm, tc), (er, esd, ecs, ez, eg, em, ec) = _both(build)
    assert tr == er and type(em).__name__ == "ParametrizedLinear"
    for a, b in ((tsd, esd), (tcs, ecs)):
        assert list(a) == list(b)
        for k in a:
            np.testing.assert_allclose(_np(b[k]), _np(a[k]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(ez), _np(tz), rtol=1e-5, atol=1e-5)
    for a, b in zip(tg, eg):
        np.testing.assert_allclose(_np(b), _np(a), rtol=1e-4, atol=1e-5)
    for lib, m in ((torch, tm), (ember, em)):
        lib.nn.utils.parametrize.remove_parametrizations(m, "weight")
    assert repr(tm) == repr(em) and list(tm.state_dict()) == list(em.state_dict())
    np.testing.assert_allclose(_np(em.weight), _np(tm.weight), rtol=1e-6, atol=1e-6)


def test_old_weight_norm():
    def build(lib):
        with pytest.warns(FutureWarning, match="is deprecated in favor of"):
            m = lib.nn.utils.weight_norm(lib.nn.Linear(4, 3), dim=None)
        y = m(lib.ones(2, 4))
        y.sum().backward()
        sd = dict(m.state_dict())
        lib.nn.utils.remove_weight_norm(m)
        return sd, y, m.weight
    (tsd, ty, tw), (esd, ey, ew) = _both(build)
    assert list(tsd) == list(esd) == ["bias", "weight_g", "weight_v"]
    for k in tsd:
        np.testing.assert_allclose(_np(esd[k]), _np(tsd[k]), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(_np(ey), _np(ty), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(_np(ew), _np(tw), rtol=1e-6, atol=1e-6)
