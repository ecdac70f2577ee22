"""torch.special: the namespace, and its own functions at their hard points (the far tails
where erfc underflows and Phi rounds to 1, the centre of ndtri, zeros, infinities, NaN)."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import ember

inf, nan = math.inf, math.nan
GRIDS = {
    "erfcx": [-30., -26.6, -26., -5, -1., -0.5, -0.3, 0., 0.3, 0.49, 0.5, 1., 1.99, 2., 3.9,
              4., 5., 26., 30., 1e5, 1e10, 1e200, inf, -inf, nan],
    "log_ndtr": [-1e5, -40., -38., -10., -1.0001, -1., -0.5, 0., 1., 5., 8.3, 10., 40., inf,
                 -inf, nan],
    "ndtri": [0., 1e-300, 1e-20, 1e-10, 0.01, 0.2, 0.4999, 0.5, 0.5001, 0.8, 0.99, 1 - 1e-10,
              1 - 2 ** -53, 1., 1.5, -0.1, nan],
    "entr": [0., -0., -1., 1e-300, 0.5, 1., 2., 1e300, nan, inf, -inf],
    "ndtr": [-40., -10., -1., 0., 1., 10., inf, -inf, nan],
}


def test_namespace_is_lazy_and_named_as_torch():
    assert set(ember.special.__all__) >= {"expit", "erf", "erfcx", "log_ndtr", "ndtri", "ndtr",
                                          "entr", "xlog1py", "xlogy", "logsumexp", "softmax"}
    assert ember.special.expit is ember.sigmoid


@pytest.mark.parametrize("name", list(GRIDS))
@pytest.mark.parametrize("dtype, rtol", [("float64", 80 * 2.0 ** -52), ("float32", 8e-6)])
def test_hard_points_match_torch(name, dtype, rtol):
    # (float64 within 80 ulp: PyTorch's own error reaches 75 ulp at erfcx(-26.6) and 48 at
    # log_ndtr(8.3); float32 within 8e-6: PyTorch's float32 log_ndtr(8.3) is 3.5e-6 off.
    # ember's float64 is checked against 40-digit values below, its float32 against it.)
    torch = pytest.importorskip("torch")
    with np.errstate(over="ignore"):
        x = np.array(GRIDS[name], dtype=dtype)
    e = getattr(ember.special, name)(ember.tensor(x)).numpy()
    t = getattr(torch.special, name)(torch.tensor(x)).numpy()
    assert e.dtype == t.dtype
    np.testing.assert_array_equal(np.isnan(e), np.isnan(t))
    finite = np.isfinite(t)
    np.testing.assert_array_equal(e[~finite & ~np.isnan(t)], t[~finite & ~np.isnan(t)])
    tiny = np.finfo(dtype).tiny
    np.testing.assert_allclose(e[finite], t[finite], rtol=rtol, atol=tiny)
    if dtype == "float32":     # ember's float64 result on the same inputs, rounded once
        e64 = getattr(ember.special, name)(ember.tensor(x.astype(np.float64))).numpy()
        with np.errstate(over="ignore"):
            np.testing.assert_allclose(e, e64.astype(np.float32), rtol=2.0 ** -23, atol=tiny)


def test_values_against_high_precision():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    xs = [-40.0, -10.0, -1.0, 1.0, 2.9, 3.1, 5.0, 8.3, 10.0, 30.0]
    got = ember.special.log_ndtr(ember.tensor(xs, dtype=ember.float64)).tolist()
    for x, g in zip(xs, got):
        assert g == pytest.approx(float(mpmath.log(mpmath.ncdf(x))), rel=4e-16)
    ps = [1e-300, 1e-10, 0.2, 0.4999, 0.5001, 0.99]
    got = ember.special.ndtri(ember.tensor(ps, dtype=ember.float64)).tolist()
    for p, g in zip(ps, got):
        want = float(mpmath.findroot(lambda x: mpmath.ncdf(x) - p, g))
        assert g == pytest.approx(want, rel=4e-16)
    xs = [-5.0, 0.3, 1.99, 4.0, 1e10]
    got = ember.special.erfcx(ember.tensor(xs, dtype=ember.float64)).tolist()
    for x, g in zip(xs, got):
        want = float(mpmath.exp(mpmath.mpf(x) ** 2) * mpmath.erfc(x))
        assert g == pytest.approx(want, rel=4e-16)


def test_special_points_exactly():
    S = ember.special
    f64 = ember.float64
    assert S.entr(ember.tensor([0.0, -1.0, inf], dtype=f64)).tolist() == [0.0, -inf, -inf]
    assert S.ndtri(ember.tensor([0.0, 0.5, 1.0], dtype=f64)).tolist() == [-inf, 0.0, inf]
    assert S.erfcx(ember.tensor([0.0, inf, -inf], dtype=f64)).tolist() == [1.0, 0.0, inf]
    a = ember.tensor([0.0, 0.0, 2.0, 1.0], dtype=f64)
    b = ember.tensor([nan, -1.0, 2.0, -1.0], dtype=f64)
    r = S.xlog1py(a, b).tolist()
    assert math.isnan(r[0]) and r[1:] == [0.0, 2 * math.log1p(2.0), -inf]
    # integers compute in the default float dtype; complex is refused as PyTorch does
    for name in ("entr", "erfcx", "log_ndtr", "ndtri", "ndtr"):
        assert getattr(S, name)(ember.tensor([0, 1])).dtype is ember.float32
        with pytest.raises(NotImplementedError, match="not implemented for 'ComplexFloat'"):
            getattr(S, name)(ember.tensor([1j]))


def test_gradients_at_the_edges():
    x = ember.tensor([0.0, 0.5, 2.0], requires_grad=True)
    ember.special.entr(x).sum().backward()
    assert x.grad[0].item() == inf and x.grad[1].item() == pytest.approx(-math.log(0.5) - 1)
    x = ember.tensor([-40.0, 0.0], dtype=ember.float64, requires_grad=True)
    ember.special.log_ndtr(x).sum().backward()
    # d/dx log Phi(x) -> -x in the far lower tail (Mills' ratio), 2 phi(0) at 0
    assert x.grad[0].item() == pytest.approx(40.025, rel=1e-4)
    assert x.grad[1].item() == pytest.approx(2 / math.sqrt(2 * math.pi), rel=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.special.ndtri(ember.tensor([0.0, 1.0, 2.0]))    # no NumPy warnings leak


GAMMA_X = [0.0, -0.0, -1.0, -2.5, 1.0, 1.4616321449683622, 10.0, 1e-300, 1e17, 1e20, inf, -inf,
           nan, 2.5, -3.7, 0.2, 30.5, -0.5]


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.lgamma(x), lambda lib, x: lib.digamma(x),
    lambda lib, x: lib.polygamma(1, x), lambda lib, x: lib.polygamma(2, x),
    lambda lib, x: lib.polygamma(3, x), lambda lib, x: lib.special.multigammaln(x + 3, 4)])
def test_gamma_family_at_special_points_as_torch(fn):
    torch = pytest.importorskip("torch")
    x = np.array(GAMMA_X)
    e = fn(ember, ember.tensor(x)).numpy()
    t = fn(torch, torch.tensor(x)).numpy()
    np.testing.assert_array_equal(np.isnan(e), np.isnan(t))
    np.testing.assert_array_equal(e[np.isinf(t)], t[np.isinf(t)])
    ok = np.isfinite(t)
    # (digamma's root 1.4616 is an absolute 4e-17 off, as PyTorch's is)
    np.testing.assert_allclose(e[ok], t[ok], rtol=2e-13, atol=1e-16)


def test_gamma_family_edges():
    f64 = ember.float64
    assert ember.digamma(ember.tensor([0.0, -0.0], dtype=f64)).tolist() == [-inf, inf]
    assert math.isnan(ember.digamma(ember.tensor(-2.0, dtype=f64)).item())
    assert ember.lgamma(ember.tensor([0.0, -3.0, -inf], dtype=f64)).tolist() == [inf] * 3
    with pytest.raises(RuntimeError, match="does not support negative n"):
        ember.polygamma(-1, ember.ones(2))
    # a very negative q: its 10^6 direct Hurwitz terms are summed in chunks, not one by one
    v = ember.polygamma(2, ember.tensor([-1e6 - 0.5], dtype=f64)).item()
    assert v == pytest.approx(-1e-12, rel=1e-3)        # psi''(1 - x) = -1 / x^2 ...
    assert ember.lgamma(ember.tensor([1, 2])).dtype is ember.float32
    x = ember.tensor([1.5], requires_grad=True)
    x.lgamma().backward()
    assert x.grad.item() == pytest.approx(0.03648997397857652, rel=1e-6)   # digamma(1.5)
    assert ember.tensor([2.5]).mvlgamma_(2).item() == pytest.approx(0.8570478, rel=1e-6)
    assert ember.special.psi is ember.special.digamma
