"""The fused multiply-add that linspace needs (NumPy has none): correctly rounded, checked
against exact rational arithmetic."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from ember.ops.creation import _fma


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fma_rounds_once(dtype):
    r = np.random.default_rng(11)
    n = 4000
    a = (r.standard_normal(n) * 10.0 ** r.integers(-8, 8, n)).astype(dtype)
    b = np.concatenate([r.integers(0, 5000, n // 2), r.standard_normal(n - n // 2)]).astype(dtype)
    # c close to -a*b: the cancelling cases where a rounded product loses the most
    c = (-(a.astype(np.float64) * b) * (1 + r.standard_normal(n) * 1e-6)).astype(dtype)
    c[::3] = r.standard_normal(len(c[::3])).astype(dtype)
    got = _fma(a, b, c)
    assert got.dtype == dtype
    want = [Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z))
            for x, y, z in zip(a, b, c)]
    if dtype is np.float64:
        exact = np.array([float(w) for w in want])
    else:
        # float(w) rounds to double first: compare against both float neighbours of w instead
        exact = np.array([_round_f32(w) for w in want], np.float32)
    np.testing.assert_array_equal(got, exact)
    plain = (a * b + c).astype(dtype)
    assert (plain != exact).mean() > 0.05        # the test cases do need the fused rounding


def _round_f32(w: Fraction) -> np.float32:
    """The float32 nearest to ``w`` (ties to even), from exact comparisons."""
    f = np.float32(float(w))
    lo, hi = (np.nextafter(f, np.float32(-np.inf)), f) if Fraction(float(f)) > w else \
        (f, np.nextafter(f, np.float32(np.inf)))
    dlo, dhi = w - Fraction(float(lo)), Fraction(float(hi)) - w
    if dlo != dhi:
        return lo if dlo < dhi else hi
    return lo if int(lo.view(np.int32)) % 2 == 0 else hi


def test_fma_non_finite_as_plain():
    a = np.array([np.inf, 1.0, np.nan, 1e308], np.float64)
    b = np.array([0.0, np.inf, 1.0, 10.0], np.float64)
    c = np.array([1.0, -np.inf, 0.0, 0.0], np.float64)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(_fma(a, b, c), a * b + c)
