"""Special functions: the error function family (erf, erfc, erfinv: NumPy has none, so
ember evaluates its own polynomial fits), the logistic sigmoid and its inverse logit, and
xlogy, with their in-place forms.

Each forward function is followed by its backward node, named as in PyTorch, its formula
written once against ember.autograd.anp.
"""
from __future__ import annotations

import math

import numpy as np

from .._errstate import QUIET as _QUIET, quiet_off as _quiet_off, quiet_on as _quiet_on
from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, holomorphic, record1, record2
from ._util import scalar_value
from ._elementwise import (_SAVE_INPUT, _SAVE_RESULT, _apply_inplace, _binary_inplace,
                           _call_broadcast, _finish, _float_pair, _float_unary, _out, _real_fdata,
                           _res_dtype, _type_error, _unary_inplace, _wrap)


# =============================================================================================
# the logistic sigmoid
# =============================================================================================
def _sigmoid_np(x):
    # 1 / (1 + e^-x): for very negative x the exponential overflows to inf and the result is
    # exactly 0, as in PyTorch, so no branch is needed.
    if not x.ndim:
        return 1 / (1 + np.exp(-x))
    e = np.negative(x)
    np.exp(e, out=e)
    e += 1
    return anp.recip_array(e, out=e)


def sigmoid(input: Tensor, *, out=None) -> Tensor:
    """``1 / (1 + exp(-input))``, without overflow."""
    return _float_unary(input, _sigmoid_np, SigmoidBackward0, _SAVE_RESULT, out, "sigmoid")


class SigmoidBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # d sigmoid = (1 - s) s
        r = self.result()
        return grad * ((1 - r) * r),


# =============================================================================================
# erf and friends
# =============================================================================================
# NumPy has no erf. These are polynomial fits derived for ember (Chebyshev interpolation in
# 50-digit arithmetic, converted to monomials; see tests/ops/test_pointwise.py, which
# re-derives them and checks the functions against mpmath and math.erf):
#   |x| < 1:   erf(x) = x + x * P(x^2)
#   [0.5, 1), [1, 2):  erfc(x) = exp(-x^2) * Q(t), t the interval mapped to [-1, 1]
#   [2, 4), [4, inf):  erfc(x) = exp(-x^2) / x * R(t), t from s = 1/x^2 mapped to [-1, 1]
# The results are within 1 ulp (erf) and 3 ulp (erfc) of the exact float64 values.
_ERF_SMALL = (0.12837916709551256, -0.37612638903183754, 0.1128379167095512,
              -0.02686617064512984, 0.0052239776254232985, -0.000854832702193483,
              0.00012055332902888736, -1.4925647567519332e-05, 1.6462045441468418e-06,
              -1.6364642158167616e-07, 1.4792401209404813e-08, -1.216456005728345e-09,
              8.709045129053106e-11, -4.230945824295338e-12)
_ERFCX_1 = (0.5069376502931449, -0.09199317291394885, 0.014434883221956143,
            -0.002028688468670017, 0.00026090055674831536, -3.114966996062544e-05,
            3.4885738930506322e-06, -3.693562193204623e-07, 3.719539429927566e-08,
            -3.580139366634323e-09, 3.3068719940073687e-10, -2.9410027836191583e-11,
            2.5256004719947655e-12, -2.098775696242263e-13, 1.6922598911156157e-14,
            -1.3586639402228971e-15, 1.0350358504999337e-16)
_ERFCX_2 = (0.3215854164543175, -0.08181145886628004, 0.01903775996386935,
            -0.0041163631624453285, 0.0008360838095666697, -0.0001608111733745648,
            2.947085745359352e-05, -5.171328643578382e-06, 8.72304470097022e-07,
            -1.4191195854702173e-07, 2.232843003399725e-08, -3.405754747088907e-09,
            5.046311879732297e-10, -7.276837070052906e-11, 1.0226959909395401e-11,
            -1.398818937040212e-12, 1.8756699565480571e-13, -2.6641436745735938e-14,
            3.4121119792861588e-15)
_ERFC_3 = (0.5277490693204527, -0.018393146163290356, 0.0016122840171444964,
           -0.0002040128479827398, 3.2000956989119594e-05, -5.80647340485303e-06,
           1.1726816666717486e-06, -2.57341823218384e-07, 6.03739241484745e-08,
           -1.4968306254531932e-08, 3.88821117180285e-09, -1.0513028048452211e-09,
           2.943973357279953e-10, -8.500297947547629e-11, 2.51303968060021e-11,
           -7.63792307868121e-12, 2.485759715573743e-12, -7.922268937337503e-13,
           1.7347365424950234e-13, -5.533504792730704e-14, 5.3172702658186426e-14,
           -1.8346127759890997e-14)
_ERFC_4 = (0.5557581685752836, -0.008073805168515994, 0.0003335970130800048,
           -2.1861074882065853e-05, 1.914712564892638e-06, -2.064193580990145e-07,
           2.6102696072636216e-08, -3.751930062113734e-09, 5.996535945133904e-10,
           -1.048552852969214e-10, 1.981165796402094e-11, -4.0062019084292596e-12,
           8.63060426516199e-13, -1.9571964613670144e-13, 4.378724399415839e-14,
           -1.0767355802796814e-14, 4.2475922618130844e-15, -1.1679235255541014e-15)


def _economize(coef, n: int) -> tuple:
    """The first ``n`` Chebyshev terms of the polynomial ``sum coef[i] t^i`` on [-1, 1], back
    in monomials: a near-minimax fit of lower degree, enough for float32 results."""
    from numpy.polynomial import chebyshev
    return tuple(chebyshev.cheb2poly(chebyshev.poly2cheb(np.asarray(coef))[:n]))


def _erf_small_in_t(n: int) -> tuple:
    # erf(x) / x as a polynomial in t = 2 x^2 - 1 (the stored form is x + x * P(x^2))
    from numpy.polynomial import Polynomial
    p = Polynomial((_ERF_SMALL[0] + 1,) + _ERF_SMALL[1:])(Polynomial([0.5, 0.5]))
    return _economize(p.coef, n)


class _ErfFit:
    """Coefficient sets for one working precision: ``small`` for |x| < 1 (None: the float64
    form x + x P(x^2)), ``pieces`` (lo, hi, in s = 1/x^2?, coefficients) for erfc on x >= 0.5."""

    __slots__ = ("small", "pieces")

    def __init__(self, small, pieces) -> None:
        self.small = small
        self.pieces = pieces


_FIT64 = _ErfFit(None, ((0.5, 1.0, False, _ERFCX_1), (1.0, 2.0, False, _ERFCX_2),
                        (2.0, 4.0, True, _ERFC_3), (4.0, math.inf, True, _ERFC_4)))
_FIT32_CACHE: list = []


def _fit32() -> _ErfFit:
    """float32/float16 results need ~1e-9: about half the terms (checked in the tests).
    Derived at first use: numpy.polynomial is not worth loading on "import ember"."""
    if not _FIT32_CACHE:
        _FIT32_CACHE.append(_ErfFit(_erf_small_in_t(7),
                                    ((0.5, 1.0, False, _economize(_ERFCX_1, 8)),
                                     (1.0, 2.0, False, _economize(_ERFCX_2, 9)),
                                     (2.0, 4.0, True, _economize(_ERFC_3, 8)),
                                     (4.0, math.inf, True, _economize(_ERFC_4, 6)))))
    return _FIT32_CACHE[0]
_HI26 = np.uint64(0xFFFFFFFFF8000000)
_SMALL_SIZE = 64     # below this, math.erf per element is faster than the vector forms


def _horner(coef, t: np.ndarray) -> np.ndarray:
    r = np.full(t.shape, coef[-1])
    for c in coef[-2::-1]:
        r *= t
        r += c
    return r


def _exp_neg_square(x: np.ndarray) -> np.ndarray:
    """exp(-x^2) to ~1 ulp: x^2 rounds, so x is split as s + (x - s) with s * s exact."""
    s = (x.view(np.uint64) & _HI26).view(np.float64)
    return np.exp(-(s * s)) * np.exp((s - x) * (s + x))


def _exp_square(x: np.ndarray) -> np.ndarray:
    """exp(x^2) to ~1 ulp, split as ``_exp_neg_square`` (inf for |x| inf)."""
    s = (x.view(np.uint64) & _HI26).view(np.float64)
    return np.exp(s * s) * np.exp(np.where(np.isinf(x), 0.0, (x - s) * (x + s)))


def _erf_small(x: np.ndarray, fit: _ErfFit) -> np.ndarray:
    """erf(x) for |x| < 1 (garbage, but no error, elsewhere)."""
    if fit.small is None:
        return x + x * _horner(_ERF_SMALL, x * x)
    return x * _horner(fit.small, x * x * 2 - 1)


def _erfc_tail(x: np.ndarray, fit: _ErfFit, scaled: bool = False) -> np.ndarray:
    """erfc(x) for float64 x >= 0.5 (0 once it underflows; NaN stays NaN); with ``scaled``,
    erfcx(x) = exp(x^2) erfc(x), the fits without their exp(-x^2) factor."""
    if not scaled:
        x = np.minimum(x, 30.0)
    out = np.full_like(x, np.nan)
    for lo, hi, inv, coef in fit.pieces:
        idx = np.flatnonzero((x >= lo) & (x < hi) if hi != math.inf else (x >= lo))
        if not idx.size:
            continue
        xs = x[idx]
        if inv:
            s = 1 / (xs * xs)
            slo, shi = 1 / (hi * hi), 1 / (lo * lo)
            t = (s - (slo + shi) / 2) * (2 / (shi - slo))
            r = _horner(coef, t) / xs
        else:
            t = (xs - (lo + hi) / 2) * (2 / (hi - lo))
            r = _horner(coef, t)
        out[idx] = r if scaled else r * _exp_neg_square(xs)
    return out


def _per_element(fn, d: np.ndarray) -> np.ndarray:
    vals = [fn(v) if v == v else v for v in d.reshape(-1).tolist()]
    return np.array(vals, dtype=np.float64).reshape(d.shape).astype(d.dtype, copy=False)


def _erf_np(d: np.ndarray) -> np.ndarray:
    """erf of a float array (computed in float64, returned in d's dtype)."""
    if d.size <= _SMALL_SIZE:
        return _per_element(math.erf, d)
    fit = _FIT64 if d.dtype == np.float64 else _fit32()
    tok = _quiet_on(_QUIET)
    try:
        x = np.asarray(d, dtype=np.float64).reshape(-1)
        ax = np.abs(x)
        out = _erf_small(x, fit)
        big = np.flatnonzero(~(ax < 1))        # NaN included: _erfc_tail keeps it
        if big.size:
            xb = x[big]
            out[big] = np.copysign(1 - _erfc_tail(np.minimum(ax[big], 6.0), fit), xb)
        return out.reshape(d.shape).astype(d.dtype, copy=False)
    finally:
        _quiet_off(tok)


def _erfc_np(d: np.ndarray) -> np.ndarray:
    if d.size <= _SMALL_SIZE:
        return _per_element(math.erfc, d)
    fit = _FIT64 if d.dtype == np.float64 else _fit32()
    tok = _quiet_on(_QUIET)
    try:
        x = np.asarray(d, dtype=np.float64).reshape(-1)
        ax = np.abs(x)
        out = 1 - _erf_small(x, fit)
        big = np.flatnonzero(~(ax < 0.5))
        if big.size:
            e = _erfc_tail(ax[big], fit)
            out[big] = np.where(x[big] < 0, 2 - e, e)
        return out.reshape(d.shape).astype(d.dtype, copy=False)
    finally:
        _quiet_off(tok)


def _erfcx_np(d: np.ndarray) -> np.ndarray:
    """erfcx(x) = exp(x^2) erfc(x) of a float array, computed in float64: the erfc fits
    without their Gaussian factor for x >= 0.5 (so no underflow), exp(x^2) erfc(x) below, and
    2 exp(x^2) - erfcx(-x) for x <= -0.5 (inf once exp(x^2) overflows)."""
    fit = _FIT64
    tok = _quiet_on(_QUIET)
    try:
        x = np.asarray(d, dtype=np.float64).reshape(-1)
        out = np.full_like(x, np.nan)
        ax = np.abs(x)
        mid = np.flatnonzero(ax < 0.5)
        if mid.size:
            xm = x[mid]
            out[mid] = (1 - _erf_small(xm, fit)) * _exp_square(xm)
        hi = np.flatnonzero(x >= 0.5)
        if hi.size:
            out[hi] = _erfc_tail(x[hi], fit, scaled=True)
        lo = np.flatnonzero(x <= -0.5)
        if lo.size:
            xl = x[lo]
            out[lo] = 2 * _exp_square(xl) - _erfc_tail(-xl, fit, scaled=True)
        return out.reshape(d.shape).astype(d.dtype, copy=False)
    finally:
        _quiet_off(tok)


_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _erfinv_np(d: np.ndarray) -> np.ndarray:
    y = np.asarray(d, dtype=np.float64).reshape(-1)
    a = np.abs(y)
    steps = 3 if d.dtype == np.float64 else 2
    tok = _quiet_on(_QUIET)
    try:
        # Winitzki's closed form (relative error < 2e-3) refined by Halley steps (cubic) on
        # erf(x) = a, or on erfc(x) = 1 - a in the tail, where 1 - a is exact
        lg = np.log1p(-a) + np.log1p(a)
        k = 2 / (math.pi * 0.147) + lg / 2
        x = np.sqrt(np.sqrt(k * k - lg / 0.147) - k)
        x[~np.isfinite(x)] = 0.0
        for idx, tail in ((np.flatnonzero(a <= 0.5), False), (np.flatnonzero(a > 0.5), True)):
            if not idx.size:
                continue
            xs, target = x[idx], (1 - a[idx]) if tail else a[idx]
            for _ in range(steps):
                f = target - _erfc_np(xs) if tail else _erf_np(xs) - target
                q = f / (_TWO_OVER_SQRT_PI * np.exp(-xs * xs))
                xs = xs - q / (1 + xs * q)
            x[idx] = xs
        x[a == 1] = np.inf
        x[(a > 1) | np.isnan(a)] = np.nan
        return np.copysign(x, y).reshape(d.shape).astype(d.dtype, copy=False)
    finally:
        _quiet_off(tok)


def erf(input: Tensor, *, out=None) -> Tensor:
    """The error function."""
    d = _real_fdata(input, "erf", "erf_vml_cpu")
    return _finish(input, _erf_np(d), ErfBackward0, _SAVE_INPUT, out)


class ErfBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 2/sqrt(pi) exp(-a^2)
        a, = self.saved()
        return grad * (anp.exp(-(a * a)) * _TWO_OVER_SQRT_PI),


def erfc(input: Tensor, *, out=None) -> Tensor:
    """``1 - erf(input)``, accurate where erf is close to 1."""
    d = _real_fdata(input, "erfc", "erfc_vml_cpu")
    return _finish(input, _erfc_np(d), ErfcBackward0, _SAVE_INPUT, out)


class ErfcBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # -2/sqrt(pi) exp(-a^2)
        a, = self.saved()
        return grad * (anp.exp(-(a * a)) * -_TWO_OVER_SQRT_PI),


def erfinv(input: Tensor, *, out=None) -> Tensor:
    """The inverse of ``erf`` on (-1, 1) (±inf at ±1, NaN outside)."""
    d = _real_fdata(input, "erfinv", "erfinv_vml_cpu")
    return _finish(input, _erfinv_np(d), ErfinvBackward0, _SAVE_RESULT, out)


class ErfinvBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # sqrt(pi)/2 exp(erfinv(a)^2)
        r = self.result()
        return grad * (anp.exp(r * r) * (math.sqrt(math.pi) / 2)),


# =============================================================================================
# xlogy, logit
# =============================================================================================
def _xlogy_np(x, y):
    dt = _res_dtype(x, y)
    xa, ya = np.asarray(x, dt), np.asarray(y, dt)
    r = xa * np.log(ya)
    return np.where((xa == 0) & ~np.isnan(ya), 0, r).astype(dt, copy=False)


def xlogy(input, other, *, out=None) -> Tensor:
    """``input * log(other)``, 0 where input is 0 (unless other is NaN)."""
    return _xlog_pair(input, other, _xlogy_np, "xlogy", "xlogy_cpu",
                      (XlogyBackward0, XlogyBackward1, XlogyBackward2), out)


def _xlog_pair(input, other, np_fn, fname: str, kernel: str, nodes: tuple, out) -> Tensor:
    """xlogy and xlog1py: ``np_fn`` of the promoted operands, recording ``nodes`` (two
    tensors; a number and a tensor; a tensor and a number)."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise _type_error(fname, input)
    x, y = _float_pair(input, other, real=kernel)
    r = _call_broadcast(np_fn, x, y)
    if STATE.enabled and (isinstance(input, Tensor) and input._rg or
                          isinstance(other, Tensor) and other._rg):
        if not isinstance(input, Tensor):
            node = nodes[1]()
            node.scalar = scalar_value(input)
            t = record1(node, r, other)
            node.save1(other)
        elif not isinstance(other, Tensor):
            node = nodes[2]()
            node.scalar = scalar_value(other)
            t = record1(node, r, input)
            node.save1(input)
        else:
            node = nodes[0]()
            t = record2(node, r, input, other)
            node.save2(input, other)
        return _out(t, out)
    return _out(_wrap(r), out)


class XlogyBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "other")

    def backward(self, grad):          # log(b) (0 where a == 0 and b <= 0), a / b
        a, b = self.saved(like=grad)
        fa, fb = self.next_functions
        ga = gb = None
        if fa[0] is not None:
            ga = grad * anp.where((a == 0) & (b <= 0), 0.0, anp.log(b))
        if fb[0] is not None:
            gb = grad * a / b
        return ga, gb


class XlogyBackward1(Node):
    """xlogy(number, tensor): d/db = c / b."""

    __slots__ = ("scalar",)
    _saved_names = ("other",)

    def backward(self, grad):
        b, = self.saved(like=grad)
        return grad * self.scalar / b,


class XlogyBackward2(Node):
    """xlogy(tensor, number): d/da = log(c) (0 where a == 0 and c <= 0), log(c) computed in
    the tensor's dtype."""

    __slots__ = ("scalar",)
    _saved_names = ("self",)

    def backward(self, grad):
        a, = self.saved()
        c = self.scalar
        return grad * anp.where((a == 0) & (c <= 0), 0.0, anp.log(anp.full_like(a, c))),


def logit(input: Tensor, eps=None, *, out=None) -> Tensor:
    """``log(p / (1 - p))``, with p clamped to [eps, 1 - eps] when eps is given."""
    d = _real_fdata(input, "logit", "logit_cpu")
    x = d if eps is None else np.clip(d, eps, 1 - eps)
    tok = _quiet_on(_QUIET)
    try:
        r = np.log(x / (1 - x))
    finally:
        _quiet_off(tok)
    if STATE.enabled and input._rg:
        node = LogitBackward0()
        node.eps = eps
        t = record1(node, r.astype(d.dtype, copy=False), input)
        node.save1(input)
        return _out(t, out)
    return _out(_wrap(r.astype(d.dtype, copy=False)), out)


class LogitBackward0(Node):
    __slots__ = ("eps",)
    _saved_names = ("self",)

    def backward(self, grad):          # 1 / (p (1 - p)); 0 outside [eps, 1 - eps]
        x, = self.saved()
        g = grad / (x * (1 - x))
        if self.eps is None:
            return g,
        return anp.where((x < self.eps) | (x > 1 - self.eps), 0.0, g),


# =============================================================================================
# torch.special's own functions (ember/special.py is the namespace)
# =============================================================================================
def _special_unary(input, fname: str, np_fn, node_cls, keep_input: bool,
                   keep_result: bool, wide: bool = True) -> Tensor:
    """A real function of torch.special, computed in float64 (``wide``; else in the input's
    own dtype) and rounded to the input's floating dtype (integers give the default dtype);
    the node keeps the input and/or the result its formula reads."""
    d = _real_fdata(input, fname, f"{fname}_cpu")
    work = d.astype(np.float64) if wide and d.dtype != np.float64 else d
    tok = _quiet_on(_QUIET)
    try:
        r = np.asarray(np_fn(work)).astype(d.dtype, copy=False)
    finally:
        _quiet_off(tok)
    if STATE.enabled and input._rg:
        node = node_cls()
        t = record1(node, r, input)
        if keep_input:
            node.save1(input)
        if keep_result:
            node.save_result(t)
        return t
    return _wrap(r)


def _entr_np(x):
    r = -x * np.log(x)
    r = np.where(x == 0, 0.0, r)
    return np.where(x < 0, -np.inf, r)


def entr(input: Tensor) -> Tensor:
    """Elementwise entropy ``-x log(x)``: 0 at 0, -inf below 0."""
    return _special_unary(input, "entr", _entr_np, SpecialEntrBackward0, True, False)


class SpecialEntrBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # -(1 + log x)
        x, = self.saved()
        return grad * -(anp.log(x) + 1),


def erfcx(input: Tensor) -> Tensor:
    """The scaled complementary error function ``exp(x^2) erfc(x)``, without its overflow
    and underflow."""
    return _special_unary(input, "erfcx", _erfcx_np, SpecialErfcxBackward0, True, True)


class SpecialErfcxBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 2 x erfcx(x) - 2 / sqrt(pi)
        x, = self.saved()
        return grad * (2 * x * self.result() - _TWO_OVER_SQRT_PI),


def _exp_neg_half_square(x: np.ndarray) -> np.ndarray:
    """exp(-x^2 / 2) to ~1 ulp, split as ``_exp_neg_square``."""
    s = (x.view(np.uint64) & _HI26).view(np.float64)
    return np.exp(-(s * s) / 2) * np.exp(np.where(np.isinf(x), 0.0, (s - x) * (s + x)) / 2)


def _log_ndtr_np(x):
    # log Phi(x): through erfcx in the lower tail (where Phi underflows); above, log1p of
    # -Phi(-x), which for x > 3 is erfcx(x / sqrt 2) exp(-x^2 / 2) / 2 (erfc of the rounded
    # x / sqrt 2 would carry its rounding into the tail, magnified 2 x^2 / 2 times)
    t = x * (1 / math.sqrt(2))
    low = x < -1
    up = x > 3
    tl = np.where(low, t, 0.0)
    tail = np.log(_erfcx_np(-tl) / 2) - tl * tl
    xu = np.where(up, x, 0.0)
    upper = _erfcx_np(np.where(up, t, 0.0)) * _exp_neg_half_square(xu) / 2
    mid = _erfc_np(np.where(low | up, 0.0, t)) / 2
    return np.where(low, tail, np.log1p(-np.where(up, upper, mid)))


def log_ndtr(input: Tensor) -> Tensor:
    """``log`` of the standard normal CDF, accurate far into the lower tail."""
    return _special_unary(input, "log_ndtr", _log_ndtr_np, SpecialLogNdtrBackward0, True,
                          True)


class SpecialLogNdtrBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # phi(x) / Phi(x) = exp(-x^2 / 2 - log Phi(x)) / sqrt(2 pi)
        x, = self.saved()
        return grad * (anp.exp(-(x * x) / 2 - self.result()) * (1 / math.sqrt(2 * math.pi))),


def _ndtri_np(p):
    """Phi^-1(p) in float64. Near the centre it solves erf(x / sqrt 2) / 2 = p - 0.5 (p - 0.5
    is exact there, and erf keeps its relative accuracy near 0); in the tails it solves
    log Phi(x) = log q for q = min(p, 1 - p) (1 - p is exact for p >= 0.5), which stays
    accurate far out (q = 1e-300). Both start from Abramowitz and Stegun's 26.2.23 (error
    < 4.5e-4) and take Newton steps (quadratic: 4.5e-4 -> 1e-7 -> 1e-14 -> exact)."""
    q = np.where(p > 0.5, 1 - p, p)
    inner = (q > 0) & (q <= 0.5)
    qs = np.where(inner, q, 0.25)
    t = np.sqrt(-2 * np.log(qs))
    x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) /
          (1 + t * (1.432788 + t * (0.189269 + t * 0.001308))))
    centre = qs > 0.2
    y = np.where(centre, np.where(p > 0.5, 0.5 - p, p - 0.5), 0.0)    # = q - 0.5, exactly
    target = np.log(qs)
    for _ in range(5):
        lg = _log_ndtr_np(x)
        tail_step = (lg - target) * math.sqrt(2 * math.pi) * np.exp(x * x / 2 + lg)
        centre_step = (_erf_np(x * (1 / math.sqrt(2))) / 2 - y) * math.sqrt(2 * math.pi) * \
            np.exp(x * x / 2)
        x = x - np.where(centre, centre_step, tail_step)
    x = np.where(p > 0.5, -x, x)
    x = np.where(p == 0.5, 0.0, x)
    x = np.where(q == 0, np.where(p > 0.5, np.inf, -np.inf), x)
    return np.where((p < 0) | (p > 1) | np.isnan(p), np.nan, x)


def ndtri(input: Tensor) -> Tensor:
    """The inverse of the standard normal CDF (the normal quantile function)."""
    return _special_unary(input, "ndtri", _ndtri_np, SpecialNdtriBackward0, False, True)


class SpecialNdtriBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # sqrt(2 pi) exp(x^2 / 2), x the result
        r = self.result()
        return grad * (anp.exp(r * r / 2) * math.sqrt(2 * math.pi)),


def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF, as PyTorch composes it: ``(1 + erf(x / sqrt 2)) * 0.5`` (its
    graph: MulBackward1, AddBackward1, ErfBackward0, MulBackward1)."""
    from .composite import _add_scalar, _mul_scalar
    if not isinstance(input, Tensor):
        raise _type_error("special_ndtr", input)
    d = _real_fdata(input, "ndtr", "erf_vml_cpu")      # (erf's refusal of complex input)
    if d is not input._data:           # an integer tensor: the default float dtype
        input = Tensor._wrap(d)
    return _mul_scalar(_add_scalar(erf(_mul_scalar(input, 1 / math.sqrt(2))), 1.0), 0.5)


def _xlog1py_np(x, y):
    dt = _res_dtype(x, y)
    xa, ya = np.asarray(x, dt), np.asarray(y, dt)
    r = xa * np.log1p(ya)
    return np.where((xa == 0) & ~np.isnan(ya), 0, r).astype(dt, copy=False)


def xlog1py(input, other) -> Tensor:
    """``input * log1p(other)``, 0 where input is 0 (unless other is NaN)."""
    return _xlog_pair(input, other, _xlog1py_np, "special_xlog1py", "xlog1py_cpu",
                      (SpecialXlog1PyBackward0, SpecialXlog1PyBackward1,
                       SpecialXlog1PyBackward2), None)


class SpecialXlog1PyBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "other")

    def backward(self, grad):          # log1p(b) (0 where a == 0 and b <= -1), a / (1 + b)
        a, b = self.saved(like=grad)
        fa, fb = self.next_functions
        ga = gb = None
        if fa[0] is not None:
            ga = grad * anp.where((a == 0) & (b <= -1), 0.0, anp.log1p(b))
        if fb[0] is not None:
            gb = grad * a / (1 + b)
        return ga, gb


class SpecialXlog1PyBackward1(Node):
    """xlog1py(number, tensor): d/db = c / (1 + b)."""

    __slots__ = ("scalar",)
    _saved_names = ("other",)

    def backward(self, grad):
        b, = self.saved(like=grad)
        return grad * self.scalar / (1 + b),


class SpecialXlog1PyBackward2(Node):
    """xlog1py(tensor, number): d/da = log1p(c) (0 where a == 0 and c <= -1)."""

    __slots__ = ("scalar",)
    _saved_names = ("self",)

    def backward(self, grad):
        a, = self.saved()
        c = self.scalar
        return grad * anp.where((a == 0) & (c <= -1), 0.0, anp.log1p(anp.full_like(a, c))),


# =============================================================================================
# the gamma family: lgamma, digamma, polygamma, mvlgamma
# =============================================================================================
# lgamma by the C library's lgamma/lgammaf per element, as PyTorch's kernel (NumPy has none);
# the rest in float64, rounded to the input's dtype: digamma and trigamma by their recurrences
# to x >= 10 and asymptotic series (the reflection formula below 0, as PyTorch's kernels),
# higher orders by the Hurwitz zeta function's Euler-Maclaurin sum.
_PI = math.pi
# B_2k / 2k, k = 1..7: psi(x) ~ log x - 1/(2x) - sum (B_2k / 2k) x^-2k
_PSI_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)
_PSI_10 = 2.25175258906672110764     # psi(10), where the recurrence stops exactly
# (2j)! / B_2j, j = 1..12: the Euler-Maclaurin corrections of the Hurwitz zeta sum
_ZETA_EM = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
            7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
            -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18)
_ZETA_DIRECT = 64     # direct terms summed across elements; beyond, element by element


def _lgamma_np(x):
    """lgamma as PyTorch's CPU kernel computes it: the C library's ``lgamma`` on float64,
    ``lgammaf`` on float32 (and on float16/bfloat16, widened to float32 first)."""
    from .. import _libm
    x = np.asarray(x)
    if x.dtype == np.float64:
        f, wide = _libm.lgamma(), np.float64
    else:
        f, wide = _libm.lgammaf(), np.float32
    r = np.frompyfunc(f, 1, 1)(x.astype(wide))
    return np.asarray(r, dtype=wide).astype(x.dtype, copy=False)


def _digamma_np(x):
    x = np.array(x, dtype=np.float64)
    zero = x == 0              # -inf at +0, +inf at -0
    signed_zero = np.copysign(np.inf, -x)
    out = np.zeros_like(x)
    # below 0: psi(x) = psi(1 - x) - pi / tan(pi * frac(x)) (NaN at the poles)
    neg = x < 0
    if neg.any():
        frac = np.where(neg, x - np.trunc(x), 0.5)
        out -= np.where(neg, _PI / np.tan(_PI * frac), 0.0)
        out[neg & (frac == 0)] = np.nan
        x = np.where(neg, 1 - x, x)
    # up to 10 by psi(x) = psi(x + 1) - 1 / x, then the series (psi(10) itself exactly)
    for _ in range(10):
        low = x < 10
        if not low.any():
            break
        out -= np.where(low, 1 / np.where(low, x, 1.0), 0.0)
        x = np.where(low, x + 1, x)
    z = 1 / (x * x)
    series = z * _horner(_PSI_SERIES, z)
    series = np.where(x < 1e17, series, 0.0)
    out += np.where(x == 10, _PSI_10, np.log(x) - 0.5 / x - series)
    return np.where(zero, signed_zero, out)


def _trigamma_np(x):
    x = np.array(x, dtype=np.float64)
    out = np.zeros_like(x)
    low = x < 0.5       # reflection: psi'(x) = -psi'(1 - x) + pi^2 / sin^2(pi x)
    sign = np.where(low, -1.0, 1.0)
    sin = np.sin(_PI * x)
    out -= np.where(low, (_PI * _PI) / (sin * sin), 0.0)
    x = np.where(low, 1 - x, x)
    for _ in range(6):
        out += 1 / (x * x)
        x = x + 1
    ixx = 1 / (x * x)
    out += (1 + 1 / (2 * x) + ixx * (1 / 6 - ixx * (1 / 30 - ixx * (1 / 42)))) / x
    return sign * out


def _zeta_np(s, q):
    """The Hurwitz zeta function sum_k (q + k)^-s for s > 1 (inf at s = 1, NaN below; inf
    at a non-positive integer q): direct terms until q + k > 9, then Euler-Maclaurin."""
    s, q = np.broadcast_arrays(np.asarray(s, np.float64), np.asarray(q, np.float64))
    n_direct = np.maximum(10, np.ceil(np.nan_to_num(10 - q, nan=0.0, posinf=0.0, neginf=0.0)))
    total = np.zeros(s.shape)
    for k in range(min(int(n_direct.max()) if n_direct.size else 0, _ZETA_DIRECT)):
        term = np.power(q + k, -s)
        total += np.where(k < n_direct, term, 0.0)
    # a very negative q: its many direct terms summed in chunks, element by element
    for i in np.flatnonzero(n_direct > _ZETA_DIRECT):
        for lo in range(_ZETA_DIRECT, int(n_direct.flat[i]), 1 << 20):
            k = np.arange(lo, min(lo + (1 << 20), int(n_direct.flat[i])), dtype=np.float64)
            total.flat[i] += np.power(q.flat[i] + k, -s.flat[i]).sum()
    w = q + n_direct - 1                       # the last direct term's base
    b = np.power(w, -s)
    total += b * w / (s - 1) - 0.5 * b
    a = np.ones(s.shape)
    k = 0.0
    for c in _ZETA_EM:
        a = a * (s + k)
        b = b / w
        total += a * b / c
        k += 1
        a = a * (s + k)
        b = b / w
        k += 1
    total = np.where(s == 1, np.inf, np.where(s < 1, np.nan, total))
    pole = (q <= 0) & (q == np.floor(q))
    return np.where(pole, np.inf, np.where((q <= 0) & (s != np.floor(s)), np.nan, total))


def _polygamma_np(n: int, x):
    if n == 0:
        return _digamma_np(x)
    if n == 1:
        return _trigamma_np(x)
    return (1.0 if n % 2 else -1.0) * math.exp(math.lgamma(n + 1.0)) * _zeta_np(n + 1.0, x)


def lgamma(input: Tensor, *, out=None) -> Tensor:
    """The log of the absolute value of the gamma function (+inf at its poles)."""
    return _out(_special_unary(input, "lgamma", _lgamma_np, LgammaBackward0, True, False,
                               wide=False), out)


class LgammaBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # digamma
        x, = self.saved()
        return grad * _gamma_op(digamma, _digamma_np, x),


def digamma(input: Tensor, *, out=None) -> Tensor:
    """The logarithmic derivative of the gamma function, psi (-inf at 0, NaN at the negative
    integers)."""
    return _out(_special_unary(input, "digamma", _digamma_np, DigammaBackward0, True, False),
                out)


class DigammaBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # trigamma
        x, = self.saved()
        return grad * _gamma_op(lambda t: polygamma(1, t), _trigamma_np, x),


def polygamma(n: int, input: Tensor, *, out=None) -> Tensor:
    """The n-th derivative of digamma (n = 0: digamma itself)."""
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    n = int(n)
    t = _special_unary(input, "polygamma", lambda x: _polygamma_np(n, x), PolygammaBackward0,
                       True, False)
    if t.grad_fn is not None:
        t.grad_fn.n = n
    return _out(t, out)


class PolygammaBackward0(Node):
    __slots__ = ("n",)
    _saved_names = ("self",)

    def backward(self, grad):          # polygamma(n + 1)
        x, = self.saved()
        n = self.n + 1
        return grad * _gamma_op(lambda t: polygamma(n, t), lambda a: _polygamma_np(n, a), x),


def polygamma_method(input: Tensor, n: int) -> Tensor:
    """``x.polygamma(n)``: the method takes n after the tensor."""
    return polygamma(n, input)


def mvlgamma(input: Tensor, p: int, *, out=None) -> Tensor:
    """The multivariate log-gamma of dimension ``p``: sum_j lgamma(x - j / 2) plus
    p (p - 1) / 4 log(pi), summed as PyTorch sums it (j from (p - 1) / 2 down to 0)."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    d = _real_fdata(input, "mvlgamma", "mvlgamma_cpu")
    x = d[..., None] + np.arange(-p / 2 + 0.5, 0.5, 0.5, dtype=d.dtype)
    tok = _quiet_on(_QUIET)
    try:
        r = _lgamma_np(x).sum(-1) + p * (p - 1) * math.log(math.pi) / 4
    finally:
        _quiet_off(tok)
    r = np.asarray(r).astype(d.dtype, copy=False)
    if STATE.enabled and input._rg:
        node = MvlgammaBackward0()
        node.p = p
        t = record1(node, r, input)
        node.save1(input)
        return _out(t, out)
    return _out(_wrap(r), out)


class MvlgammaBackward0(Node):
    __slots__ = ("p",)
    _saved_names = ("self",)

    def backward(self, grad):          # sum_j digamma(x - j / 2)
        x, = self.saved()
        total = 0
        for j in range(self.p):
            total = total + _gamma_op(digamma, _digamma_np, x - j / 2)
        return grad * total,


def _gamma_op(op, np_fn, x):
    """A gamma-family function of a backward formula's operand: ``np_fn`` on an array (in
    float64, back in its dtype), the recorded op on a tensor (double backward)."""
    if anp.is_array(x):
        a = np.asarray(x)
        tok = _quiet_on(_QUIET)
        try:
            return np_fn(a.astype(np.float64)).astype(a.dtype, copy=False)
        finally:
            _quiet_off(tok)
    return op(x)


# =============================================================================================
# in-place forms
# =============================================================================================
xlogy_ = _binary_inplace(xlogy, "xlogy_")


def logit_(input: Tensor, eps=None) -> Tensor:
    """In-place :func:`logit`."""
    return _apply_inplace(input, lambda x: logit(x, eps), None, "logit_")


sigmoid_ = _unary_inplace(sigmoid, "sigmoid_")
erf_ = _unary_inplace(erf, "erf_")
erfc_ = _unary_inplace(erfc, "erfc_")
erfinv_ = _unary_inplace(erfinv, "erfinv_")
lgamma_ = _unary_inplace(lgamma, "lgamma_")
digamma_ = _unary_inplace(digamma, "digamma_")


def polygamma_(input: Tensor, n: int) -> Tensor:
    """In-place :func:`polygamma` (``x.polygamma_(n)``)."""
    return _apply_inplace(input, lambda x: polygamma(n, x), None, "polygamma_")


def mvlgamma_(input: Tensor, p: int) -> Tensor:
    """In-place :func:`mvlgamma`."""
    return _apply_inplace(input, lambda x: mvlgamma(x, p), None, "mvlgamma_")


# Complex gradients: these formulas are the real-number derivatives of analytic functions
# (the engine conjugates, ember/autograd/graph.py)
holomorphic(SigmoidBackward0)
