"""Top-level names PyTorch scripts reach that ember binds to its existing ops (aliases and
legacy spellings), compared with real torch."""
import warnings

import numpy as np
import pytest
import torch

import ember


def _pair(a):
    return ember.tensor(a).requires_grad_(), torch.tensor(a).requires_grad_()


def test_detach_function():
    e, t = _pair(np.arange(3.0))
    d = ember.detach(e * 2)
    assert not d.requires_grad and d.grad_fn is None
    np.testing.assert_array_equal(d.numpy(), torch.detach(t * 2).numpy())


def test_layer_norm_positional_eps_and_cudnn_flag():
    a = np.random.default_rng(0).normal(size=(2, 5))
    (e, t), (ew, tw) = _pair(a), _pair(np.linspace(0.5, 1.5, 5))
    eo = ember.layer_norm(e, (5,), ew, None, 1e-3, False)
    to = torch.layer_norm(t, (5,), tw, None, 1e-3, False)
    assert type(eo.grad_fn).__name__ == type(to.grad_fn).__name__
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["cosine_similarity", "pairwise_distance"])
def test_distance_names(name):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    eo = getattr(ember, name)(ember.tensor(a), ember.tensor(b))
    to = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(eo.numpy(), to.numpy(), rtol=1e-12)


def test_svd_returns_v_and_zero_uv():
    a = np.random.default_rng(2).normal(size=(2, 4, 3))
    e, t = ember.svd(ember.tensor(a)), torch.svd(torch.tensor(a))
    assert type(e).__name__ == "svd" and e._fields == ("U", "S", "V")
    assert tuple(e.V.shape) == tuple(t.V.shape) == (2, 3, 3)
    np.testing.assert_allclose((e.U @ e.V.mT).numpy(), (t.U @ t.V.mT).numpy(), atol=1e-12)
    e, t = ember.svd(ember.tensor(a), some=False), torch.svd(torch.tensor(a), some=False)
    assert tuple(e.U.shape) == tuple(t.U.shape) == (2, 4, 4)
    e = ember.svd(ember.tensor(a), compute_uv=False)
    t = torch.svd(torch.tensor(a), compute_uv=False)
    for x, y in zip(e, t):
        assert tuple(x.shape) == tuple(y.shape)
        np.testing.assert_allclose(x.numpy(), y.numpy(), atol=1e-12)


def test_meshgrid_default_indexing_warns_like_torch():
    a, b = np.arange(2.0), np.arange(3.0)
    with pytest.warns(UserWarning, match="indexing argument"):
        e = ember.meshgrid(ember.tensor(a), ember.tensor(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.meshgrid(torch.tensor(a), torch.tensor(b))
    for x, y in zip(e, t):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_cartesian_prod_rejects_a_list_like_torch():
    with pytest.raises(TypeError):
        torch.cartesian_prod([torch.ones(2), torch.ones(3)])
    with pytest.raises(TypeError):
        ember.cartesian_prod([ember.ones(2), ember.ones(3)])


def test_cov_warns_without_degrees_of_freedom_like_torch():
    a = np.arange(3.0).reshape(3, 1)
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        e = ember.cov(ember.tensor(a))
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        t = torch.cov(torch.tensor(a))
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_tensor_methods_bound():
    x = ember.tensor([[1.0, 2.0], [3.0, 5.0]])
    for name in ("cov", "corrcoef", "diagflat", "sinc", "histc", "quantile", "nanquantile",
                 "dist", "svd", "bincount", "sinc_"):
        assert hasattr(x, name) and hasattr(torch.Tensor, name), name
    np.testing.assert_allclose(x.quantile(0.5, 0).numpy(),
                               torch.tensor(x.numpy()).quantile(0.5, 0).numpy())
