"""``nn.utils.parametrizations.orthogonal`` against PyTorch: the same weight from the same
seed, the same float64 SGD trajectory, orthonormality, state_dict names, assignment."""
from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

CASES = [(shape, omap, triv) for shape in [(4, 4), (6, 3), (3, 6)]
         for omap in (None, "matrix_exp", "cayley", "householder") for triv in (True, False)]


def _run(lib, shape, omap, triv):
    lib.manual_seed(0)
    lin = lib.nn.Linear(shape[1], shape[0]).double()
    lib.nn.utils.parametrizations.orthogonal(lin, orthogonal_map=omap, use_trivialization=triv)
    w0 = lin.weight.detach().numpy().copy()
    name = lin.weight.grad_fn.name()
    opt = lib.optim.SGD(lin.parameters(), lr=0.1)
    x = lib.randn(5, shape[1], dtype=lib.float64)
    traj = []
    for _ in range(3):
        loss = (lin(x) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        traj.append((loss.item(), lin.weight.detach().numpy().copy()))
    return lin, w0, name, traj


@pytest.mark.parametrize("shape,omap,triv", CASES)
def test_orthogonal_linear_trains_as_torch(shape, omap, triv):
    (tl, tw, tn, tt), (el, ew, en, et) = (_run(lib, shape, omap, triv) for lib in (torch, ember))
    np.testing.assert_allclose(ew, tw, rtol=1e-12, atol=1e-13)
    assert en == tn
    for (tloss, tw), (eloss, ew) in zip(tt, et):
        assert eloss == pytest.approx(tloss, rel=1e-12)
        np.testing.assert_allclose(ew, tw, rtol=1e-11, atol=1e-12)
    W = el.weight.detach().numpy()
    G = W.T @ W if shape[0] >= shape[1] else W @ W.T
    np.testing.assert_allclose(G, np.eye(min(shape)), atol=1e-12)
    assert list(el.state_dict()) == list(tl.state_dict())
    assert repr(el) == repr(tl)


@pytest.mark.parametrize("shape,omap,triv", CASES[::3])
def test_assigning_a_weight(shape, omap, triv):
    res = []
    for lib in (torch, ember):
        lin, *_ = _run(lib, shape, omap, triv)
        lib.manual_seed(1)
        q = lib.nn.init.orthogonal_(lib.empty(*shape, dtype=lib.float64))
        try:
            with lib.no_grad():
                lin.weight = q
            res.append(lin.weight.detach().numpy())
        except NotImplementedError as e:
            res.append(str(e))
    if isinstance(res[0], str):
        assert res[1] == res[0]
    else:
        np.testing.assert_allclose(res[1], res[0], atol=1e-12)


def test_orthogonal_errors():
    for lib in (torch, ember):
        P = lib.nn.utils.parametrizations
        with pytest.raises(ValueError, match="Expected a matrix or batch of matrices"):
            P.orthogonal(lib.nn.Linear(3, 3), "bias")
        with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp"'):
            P.orthogonal(lib.nn.Linear(3, 3), orthogonal_map="qr")


def test_float32_default_map_keeps_dtype_and_orthonormal():
    ember.manual_seed(0)
    lin = ember.nn.utils.parametrizations.orthogonal(ember.nn.Linear(8, 5))
    W = lin.weight
    assert W.dtype == ember.float32
    np.testing.assert_allclose((W @ W.T).detach().numpy(), np.eye(5), atol=1e-5)
