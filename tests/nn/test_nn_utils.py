"""nn.utils against PyTorch: clip_grad_norm_ (norm types, returned norm, non-finite norms),
clip_grad_value_, get_total_norm, parameters_to_vector and vector_to_parameters."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

rng = np.random.default_rng(3)
TOL = {"float64": dict(rtol=1e-14, atol=0), "float32": dict(rtol=2e-6, atol=1e-7)}


def outcome(fn, *args):
    try:
        return "ok", fn(*args)
    except Exception as e:  # noqa: BLE001 - the class and message are what we compare
        return type(e).__name__, str(e)


def params_with_grads(lib, dt, grads, with_none=True):
    ps = []
    for g in grads:
        p = lib.nn.Parameter(lib.zeros(g.shape, dtype=getattr(lib, dt)))
        p.grad = lib.tensor(g, dtype=getattr(lib, dt))
        ps.append(p)
    if with_none:
        ps.insert(1, lib.nn.Parameter(lib.ones(2, dtype=getattr(lib, dt))))  # grad None
    return ps


GRADS = [rng.standard_normal((3, 4)) * 3, rng.standard_normal(5), rng.standard_normal((2, 2, 2))]


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("norm_type", [2, 2.0, 1, 3.5, 0.5, math.inf, -math.inf, 0, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dt):
    out = []
    for lib in (torch, ember):
        ps = params_with_grads(lib, dt, GRADS)
        total = lib.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
        out.append((total, [p.grad for p in ps]))
    (tt, tg), (et, eg) = out
    assert isinstance(et, ember.Tensor) and et.shape == () and str(et.dtype) == str(tt.dtype)
    np.testing.assert_allclose(et.numpy(), tt.numpy(), **TOL[dt])
    for a, b in zip(tg, eg):
        if a is None:
            assert b is None
        else:
            assert str(b.dtype) == str(a.dtype)
            np.testing.assert_allclose(b.numpy(), a.numpy(), **TOL[dt])


def test_clip_grad_norm_in_place_and_single_tensor():
    p = ember.nn.Parameter(ember.ones(4))
    p.grad = ember.full((4,), 3.0)
    g = p.grad
    v = g._version
    total = ember.nn.utils.clip_grad_norm_(p, 1.0)
    assert p.grad is g and g._version > v
    assert total.item() == pytest.approx(6.0)
    np.testing.assert_allclose(g.numpy(), np.full(4, 3.0 / (6.0 + 1e-6)), rtol=1e-6)


def test_clip_grad_norm_mixed_dtypes():
    out = []
    for lib in (torch, ember):
        a = lib.nn.Parameter(lib.ones(3))
        b = lib.nn.Parameter(lib.ones(2, dtype=lib.float64))
        a.grad = lib.tensor([1.0, 2.0, 3.0])
        b.grad = lib.tensor([4.0, 5.0], dtype=lib.float64)
        t = lib.nn.utils.clip_grad_norm_([a, b], 1.0)
        out.append((str(t.dtype), t.item(), a.grad.tolist(), b.grad.tolist()))
    assert out[0][0] == out[1][0]
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-7)
    np.testing.assert_allclose(out[1][2], out[0][2], rtol=1e-6)
    np.testing.assert_allclose(out[1][3], out[0][3], rtol=1e-12)


def test_clip_grad_norm_nonfinite():
    def run(lib, bad, error):
        p = lib.nn.Parameter(lib.ones(3))
        p.grad = lib.tensor([1.0, bad, 2.0])
        r = outcome(lambda: lib.nn.utils.clip_grad_norm_([p], 1.0,
                                                         error_if_nonfinite=error).item())
        return r, np.isnan(p.grad.numpy()).tolist()

    for bad in (float("nan"), float("inf")):
        for error in (True, False):
            t, e = run(torch, bad, error), run(ember, bad, error)
            assert t[0][0] == e[0][0] and t[1] == e[1]
            if t[0][0] == "ok":
                np.testing.assert_equal(e[0][1], t[0][1])
            else:
                assert t[0][1] == e[0][1]


def test_clip_grad_norm_empty_cases():
    for lib in (torch, ember):
        ps = [lib.nn.Parameter(lib.ones(2))]
        t = lib.nn.utils.clip_grad_norm_(ps, 1.0)      # no grads at all
        assert t.item() == 0.0 and str(t.dtype).endswith("float32")
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.nn.utils.clip_grad_norm_((p for p in []), 1.0)
        assert "empty generator" in str(w[0].message)
        with pytest.warns(FutureWarning, match="clip_grad_norm_"):
            lib.nn.utils.clip_grad_norm(ps, 1.0)


def test_foreach_flag_accepted():
    for fn in (lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 1.0, foreach=True),
               lambda lib, ps: lib.nn.utils.clip_grad_value_(ps, 1.0, foreach=True)):
        res = []
        for lib in (torch, ember):
            p = lib.nn.Parameter(lib.ones(2))
            p.grad = lib.ones(2)
            res.append(outcome(fn, lib, [p]))
        assert res[0][0] == res[1][0] == "ok"


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_get_total_norm_matches_torch(dt):
    for norm_type in (2.0, 1.0, math.inf, 4.0):
        t = torch.nn.utils.get_total_norm([torch.tensor(g, dtype=getattr(torch, dt))
                                           for g in GRADS], norm_type)
        e = ember.nn.utils.get_total_norm([ember.tensor(g, dtype=getattr(ember, dt))
                                           for g in GRADS], norm_type)
        np.testing.assert_allclose(e.numpy(), t.numpy(), **TOL[dt])


@pytest.mark.parametrize("clip", [0.3, 1, 10.0])
@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_clip_grad_value_matches_torch(clip, dt):
    out = []
    for lib in (torch, ember):
        ps = params_with_grads(lib, dt, GRADS)
        ps[0].grad[0, 0] = float("nan")
        r = lib.nn.utils.clip_grad_value_(ps, clip)
        assert r is None
        out.append([None if p.grad is None else p.grad.numpy().copy() for p in ps])
    for a, b in zip(*out):
        if a is None:
            assert b is None
        else:
            np.testing.assert_array_equal(b, a)
    p = ember.nn.Parameter(ember.ones(3))
    p.grad = ember.tensor([-5.0, 0.5, 5.0])
    g = p.grad
    ember.nn.utils.clip_grad_value_(p, 1)
    assert p.grad is g and g.tolist() == [-1.0, 0.5, 1.0]


def _model(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.Linear(2, 1, bias=False))


def test_parameters_to_vector():
    tv = torch.nn.utils.parameters_to_vector(_model(torch).parameters())
    m = _model(ember)
    ev = ember.nn.utils.parameters_to_vector(m.parameters())
    np.testing.assert_array_equal(ev.detach().numpy(), tv.detach().numpy())
    assert type(ev.grad_fn).__name__ == type(tv.grad_fn).__name__ == "CatBackward0"
    (ev * ember.arange(len(ev), dtype=ember.float32)).sum().backward()
    assert m[1].weight.grad.tolist() == [[8.0, 9.0]]     # after 6 weights and 2 biases


def test_vector_to_parameters_like_torch():
    res = []
    for lib in (torch, ember):
        m = _model(lib)
        before = list(m.parameters())
        vec = lib.arange(11, dtype=lib.float32) * 0.5
        lib.nn.utils.vector_to_parameters(vec, m.parameters())
        same_objects = [a is b for a, b in zip(before, m.parameters())]
        vals = [p.detach().numpy().copy() for p in m.parameters()]
        with lib.no_grad():
            vec[0] = 100.0          # the parameters now view vec's memory, as in PyTorch
        aliased = m[0].weight[0, 0].item()
        res.append((same_objects, vals, aliased, [p.requires_grad for p in m.parameters()],
                    [p.is_leaf for p in m.parameters()]))
    (ts, tv, ta, tr, tl), (es, ev, ea, er, el) = res
    assert ts == es == [True] * 3 and ta == ea == 100.0 and tr == er and tl == el
    for a, b in zip(tv, ev):
        np.testing.assert_array_equal(b, a)
    # an optimizer created before still updates the same parameters
    m = _model(ember)
    opt = ember.optim.SGD(m.parameters(), lr=1.0)
    ember.nn.utils.vector_to_parameters(ember.ones(11), m.parameters())
    m(ember.ones(1, 3)).sum().backward()
    opt.step()
    assert m[1].weight.tolist() == [[-3.0, -3.0]]     # 1 - lr * (3 * 1 + 1)


def test_vector_to_parameters_errors():
    for fn in (lambda lib: lib.nn.utils.vector_to_parameters([1.0], _model(lib).parameters()),
               lambda lib: lib.nn.utils.vector_to_parameters(lib.zeros(3),
                                                             _model(lib).parameters())):
        t, e = outcome(fn, torch), outcome(fn, ember)
        assert t[0] == e[0] != "ok" and t[1] == e[1]


def _fusion_case(lib):
    nn = lib.nn
    lib.manual_seed(0)
    conv, bn = nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)
    lin, bn1 = nn.Linear(5, 4), nn.BatchNorm1d(4)
    ct = nn.ConvTranspose2d(3, 4, 3)
    x, xl = lib.randn(2, 3, 6, 6), lib.randn(8, 5)
    bn(conv(x))
    bn1(lin(xl))                      # running statistics from one training-mode batch
    for m in (conv, bn, lin, bn1, ct):
        m.eval()
    f = nn.utils.fuse_conv_bn_eval(conv, bn)
    fl = nn.utils.fuse_linear_bn_eval(lin, bn1)
    ft = nn.utils.fuse_conv_bn_eval(ct, bn, transpose=True)
    with lib.no_grad():
        diffs = [(f(x) - bn(conv(x))).abs().max().item(),
                 (fl(xl) - bn1(lin(xl))).abs().max().item(),
                 (ft(x) - bn(ct(x))).abs().max().item()]
    return [p.detach().numpy() for p in (f.weight, f.bias, fl.weight, fl.bias, ft.weight)], diffs


def test_conv_and_linear_bn_fusion_match_torch():
    (ep, ed), (tp, _) = _fusion_case(ember), _fusion_case(torch)
    assert max(ed) < 1e-5                  # the fused layer computes layer + batch norm
    for a, b in zip(ep, tp):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    nn = ember.nn
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        nn.utils.fuse_conv_bn_eval(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2))
    with pytest.raises(AssertionError, match="linear.out_features=4 and bn.num_features=3"):
        nn.utils.fuse_linear_bn_eval(nn.Linear(2, 4).eval(), nn.BatchNorm1d(3).eval())
    w, b = nn.utils.fuse_linear_bn_weights(ember.ones(2, 3), None, ember.zeros(2),
                                           ember.ones(2), 0.0, ember.ones(2), ember.zeros(2))
    assert isinstance(w, nn.Parameter) and b.tolist() == [0.0, 0.0]
