"""QR modes, geqrf and matrix_exp beyond the op table: the complete and 'r' modes (whose
derivative PyTorch refuses in some shapes), geqrf's missing derivative, large norms."""
from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else t._data


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (3, 3), (2, 4, 2)])
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr_modes_match_torch(shape, mode):
    a = np.random.default_rng(0).standard_normal(shape)
    res = []
    for lib in (torch, ember):
        x = lib.tensor(a, requires_grad=True)
        q, r = lib.linalg.qr(x, mode=mode)
        loss = (q * q.detach() * 0.3).sum() + (r * r.detach()).sum()
        try:
            loss.backward()
            err = None
        except RuntimeError as e:
            err = str(e)
        res.append((q, r, q.grad_fn.name(), err, x.grad))
    (tq, tr, tn, terr, tg), (eq, er, en, eerr, eg) = res
    assert tuple(eq.shape) == tuple(tq.shape) and tuple(er.shape) == tuple(tr.shape)
    np.testing.assert_allclose(_np(eq), _np(tq), atol=1e-12)
    np.testing.assert_allclose(_np(er), _np(tr), atol=1e-12)
    assert en == tn == "LinalgQrBackward0"
    assert eerr == terr
    if tg is not None:
        np.testing.assert_allclose(_np(eg), _np(tg), rtol=1e-10, atol=1e-12)


def test_qr_float32_orthonormal():
    x = ember.randn(6, 4)
    q, r = ember.linalg.qr(x)
    assert q.dtype == ember.float32
    np.testing.assert_allclose(_np(q.mT @ q), np.eye(4), atol=1e-5)
    np.testing.assert_allclose(_np(q @ r), _np(x), atol=1e-5)


def test_geqrf_has_no_derivative():
    a = np.random.default_rng(1).standard_normal((4, 3))
    errs = []
    for lib in (torch, ember):
        g = lib.geqrf(lib.tensor(a, requires_grad=True))
        assert g.a.grad_fn.name() == "GeqrfBackward0"
        with pytest.raises(NotImplementedError) as e:
            g.a.sum().backward()
        errs.append(str(e.value))
    assert errs[0] == errs[1]


def test_householder_product_of_geqrf_is_qr():
    a = ember.tensor(np.random.default_rng(2).standard_normal((2, 5, 3)))
    h, tau = ember.geqrf(a)
    q = ember.linalg.householder_product(h, tau)
    np.testing.assert_allclose(_np(q), _np(ember.linalg.qr(a).Q), atol=1e-12)


@pytest.mark.parametrize("scale", [1e-3, 1.0, 8.0, 40.0])
def test_matrix_exp_large_and_small_norms(scale):
    a = np.random.default_rng(3).standard_normal((3, 4, 4)) * scale
    t = torch.linalg.matrix_exp(torch.tensor(a)).numpy()
    e = _np(ember.linalg.matrix_exp(ember.tensor(a)))
    np.testing.assert_allclose(e, t, rtol=1e-10, atol=1e-12 * np.abs(t).max())
