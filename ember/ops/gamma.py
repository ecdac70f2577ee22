"""Gamma and Dirichlet sampling: ``torch._standard_gamma``, ``torch._sample_dirichlet`` and
the reparameterization gradients ``torch._standard_gamma_grad`` and ``torch._dirichlet_grad``.

The samplers reproduce PyTorch's CPU kernels bit for bit: one element after another (in
memory order of the contiguous input), Marsaglia and Tsang's rejection method with the
``alpha < 1`` boost, drawing 53-bit uniform doubles and scalar Box-Muller normals (whose
second value the generator caches) from the same generator. Parameters of a float32 input
are prepared in float32 (``alpha + 1``, ``1 / alpha``, ``alpha - 1/3``) and everything else
runs in double, as PyTorch's template does; a NaN in the acceptance test accepts, as the
compiled comparisons in PyTorch's build do.

The gradient kernels follow PyTorch's series and rational approximations in the same
operation order, in double (the small-x Beta series of ``_dirichlet_grad`` in the input's
dtype, as PyTorch's).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _generator as _g
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record
from ._elementwise import _not_implemented_grad

__all__ = ["_dirichlet_grad", "_sample_dirichlet", "_standard_gamma", "_standard_gamma_grad"]

_wrap = Tensor._wrap
_F32 = np.float32
_THIRD_F = float(_F32(1.0) / _F32(3.0))     # 1.0f / 3.0f
_C0331 = float(_F32(0.0331))
_TWO_PI = 2.0 * math.pi
_log, _log1p, _sqrt, _pow = math.log, math.log1p, math.sqrt, math.pow


# -- the sampler ---------------------------------------------------------------------------
class _Draws:
    """The generator's 32-bit words read ahead in blocks (one NumPy call per block, not per
    draw); ``close`` rewinds the generator and advances it by exactly the words used, so its
    state ends where PyTorch's does."""

    __slots__ = ("g", "snap", "words", "pos", "used", "block", "cached")

    def __init__(self, g, n: int) -> None:
        self.g = g
        self.snap = g._state_bytes()
        self.words: list = []
        self.pos = 0
        self.used = 0
        self.block = min(max(64, 8 * n), 1 << 20)
        self.cached = g._normal_d        # the second Box-Muller value PyTorch keeps

    def uniform(self) -> float:
        """at::uniform_real_distribution<double>(0, 1): 53 bits of random64() times 2**-53."""
        pos = self.pos
        if pos + 2 > len(self.words):
            rest = self.words[pos:]
            self.used += pos
            self.words = rest + self.g._u32(self.block).tolist()
            pos = 0
        self.pos = pos + 2
        w = self.words
        return ((w[pos] & 0x1FFFFF) * 4294967296 + w[pos + 1]) * 2.0 ** -53

    def normal(self) -> float:
        """at::normal_distribution<double>(0, 1): Box-Muller, the sine half kept for the
        next call."""
        cached = self.cached
        if cached is not None:
            self.cached = None
            return cached + 0.0
        u1 = self.uniform()
        u2 = self.uniform()
        r = _sqrt(-2.0 * _log1p(-u2))
        theta = _TWO_PI * u1
        self.cached = r * math.sin(theta)
        return r * math.cos(theta) + 0.0

    def close(self) -> None:
        g = self.g
        used = self.used + self.pos
        g._set_state_bytes(self.snap)
        if used:
            g._u32(used)
        g._normal_d = self.cached


def _nlt(a: float, b: float) -> bool:
    # the comparison as PyTorch's build evaluates it: true when either side is NaN
    return not a >= b


def _gamma_one(alpha: float, single: bool, s: _Draws) -> float:
    """One standard gamma draw for ``alpha`` (a float32 value when ``single``)."""
    scale = 1.0
    if alpha < 1.0:
        if alpha == 0.0:
            return 0.0
        inv = float(_F32(1.0) / _F32(alpha)) if single else 1.0 / alpha
        scale *= _pow(1.0 - s.uniform(), inv)
        alpha = float(_F32(alpha) + _F32(1.0)) if single else alpha + 1.0
    d = float(_F32(alpha) - _F32(_THIRD_F)) if single else alpha - _THIRD_F
    c = 1.0 / _sqrt(9.0 * d) if d >= 0 else math.nan
    while True:
        while True:
            x = s.normal()
            y = 1.0 + c * x
            if not y <= 0:
                break
        v = y * y * y
        u = 1.0 - s.uniform()
        xx = x * x
        if _nlt(u, 1.0 - _C0331 * xx * xx):
            return scale * d * v
        lv = _log(v) if v > 0 else (-math.inf if v == 0 else math.nan)
        lu = _log(u) if u > 0 else -math.inf
        if _nlt(lu, 0.5 * xx + d * (1.0 - v + lv)):
            return scale * d * v


def _gamma_array(alpha: np.ndarray, generator, single: bool) -> np.ndarray:
    """Draws for each element of ``alpha`` in C order, as doubles."""
    g = _g._gen(generator)
    flat = alpha.ravel().tolist()
    out = np.empty(len(flat), np.float64)
    if not flat:
        return out
    s = _Draws(g, len(flat))
    try:
        for i, a in enumerate(flat):
            out[i] = _gamma_one(a, single, s)
    finally:
        s.close()
    return out


def _check_float(d: np.ndarray, kernel: str) -> None:
    if d.dtype not in (np.float32, np.float64):
        raise _g._not_implemented(kernel, d.dtype)


def _check_generator(generator, fname: str) -> None:
    if generator is not None and not isinstance(generator, _g.Generator):
        raise TypeError(f"{fname}(): argument 'generator' must be torch.Generator, not "
                        f"{type(generator).__name__}")


def _standard_gamma(input: Tensor, generator=None) -> Tensor:
    """Standard gamma samples (rate 1) with concentrations ``input``, in its dtype;
    differentiable through the implicit reparameterization gradient."""
    _check_generator(generator, "_standard_gamma")
    d = input._data
    _check_float(d, "gamma_cpu")
    vals = _gamma_array(d, generator, d.dtype == np.float32)
    r = vals.astype(d.dtype).reshape(d.shape)
    # std::max(min normal, sample): zeros and NaNs come out as the smallest normal number
    tiny = np.finfo(d.dtype).tiny
    r = np.where(r >= tiny, r, d.dtype.type(tiny))
    if STATE.enabled and input._rg:
        node = StandardGammaBackward0()
        t = record(node, r, (input,))
        node.save1(input)
        node.save_result(t)
        return t
    return _wrap(r)


class StandardGammaBackward0(Node):
    """d sample / d alpha = -(d cdf / d alpha) / pdf at the sample."""

    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):
        alpha, = self.saved()
        x = self.result()
        if isinstance(alpha, Tensor):
            return grad * _standard_gamma_grad(alpha, x),
        return grad * _gamma_grad_array(np.asarray(alpha), np.asarray(x)),


def _sample_dirichlet(input: Tensor, generator=None) -> Tensor:
    """Dirichlet samples over the last dimension: gamma draws (in double) normalized."""
    _check_generator(generator, "_sample_dirichlet")
    d = input._data
    _check_float(d, "dirichlet")
    if d.ndim == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    gam = _gamma_array(d.astype(np.float64), generator, False).reshape(d.shape)
    gam = np.maximum(gam, np.finfo(np.float64).tiny)
    total = _sum_last(gam)
    ratio = (gam / total).astype(d.dtype)
    hi = np.nextafter(d.dtype.type(1.0), d.dtype.type(0.0))
    r = np.minimum(hi, np.maximum(np.finfo(d.dtype).tiny, ratio))
    if STATE.enabled and input._rg:
        return _not_implemented_grad(r, (input,), "_sample_dirichlet")
    return _wrap(r)


def _sum_last(a: np.ndarray) -> np.ndarray:
    """``a.sum(-1, keepdim=True)`` for a float ``a`` in the order PyTorch's AVX2 sum kernel
    adds (in ``a``'s dtype): rows of a vector or more in 32-byte vectors, four vector
    accumulators (cascaded every 16 steps and more for long rows), then the scalar tail and
    the lanes."""
    n = a.shape[-1]
    lanes = 32 // a.dtype.itemsize
    rows = np.ascontiguousarray(a).reshape(-1, n)
    if n < lanes:
        # scalars: four accumulators over groups of four, then the tail into the first
        size = n // 4
        part = _multi_row_sum(rows[:, :size * 4].reshape(rows.shape[0], size, 4, 1), size)
        for k in range(size * 4, n):
            part[:, 0, 0] += rows[:, k]
        for k in range(1, 4):
            part[:, 0] += part[:, k]
        return part[:, 0, 0].reshape(a.shape[:-1] + (1,))
    nv = n // lanes
    vecs = rows[:, :nv * lanes].reshape(-1, nv, lanes)
    size = nv // 4
    part = _multi_row_sum(vecs[:, :size * 4].reshape(rows.shape[0], size, 4, lanes), size)
    for i in range(size * 4, nv):
        part[:, 0] += vecs[:, i]
    for k in range(1, 4):
        part[:, 0] += part[:, k]
    total = np.zeros(rows.shape[0], a.dtype)
    for k in range(nv * lanes, n):
        total += rows[:, k]
    for lane in range(lanes):
        total += part[:, 0, lane]
    return total.reshape(a.shape[:-1] + (1,))


def _multi_row_sum(x: np.ndarray, size: int) -> np.ndarray:
    """PyTorch's multi_row_sum over ``size`` steps of ``x`` (rows, size, 4, lanes): accumulators
    on four levels, each level folded into the next every 2**level_power steps."""
    power = max(4, (size - 1).bit_length() // 4) if size > 1 else 4
    step = 1 << power
    mask = step - 1
    acc = np.zeros((4,) + x.shape[:1] + x.shape[2:], x.dtype)
    i = 0
    while i + step <= size:
        for _ in range(step):
            acc[0] += x[:, i]
            i += 1
        for j in range(1, 4):
            acc[j] += acc[j - 1]
            acc[j - 1] = 0.0
            if i & (mask << (j * power)):
                break
    while i < size:
        acc[0] += x[:, i]
        i += 1
    for j in range(1, 4):
        acc[0] += acc[j]
    return acc[0]


# -- d sample / d alpha for the gamma distribution -----------------------------------------
_PSI_10 = 2.25175258906672110764
_PSI_A = (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
          -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
          8.33333333333333333333E-2)
_F08 = float(_F32(0.8))
_F09 = float(_F32(0.9))
_F11 = float(_F32(1.1))
_COEF_UV = ((0.16009398, -0.094634809, 0.025146376, -0.0030648343,
             1, 0.32668115, 0.10406089, 0.0014179084),
            (0.53487893, 0.1298071, 0.065735949, -0.0015649758,
             0.16639465, 0.020070113, -0.0035938915, -0.00058392623),
            (0.040121004, -0.0065914022, -0.0026286047, -0.0013441777,
             0.017050642, -0.0021309326, 0.00085092367, -1.5247877e-07))


def _digamma(x, single: bool = False) -> float:
    """PyTorch's digamma_one: the recurrence up to 10, then the asymptotic series. With
    ``single`` the argument and its steps are float32 (the accumulation stays double)."""
    f = _F32 if single else float
    x = f(x)
    if x == 0:
        return math.inf
    extra = 0.0
    if x < 0:
        if x == math.floor(x):
            return math.inf
        pi = f(math.pi)
        extra = float(-pi / f(math.tan(float(pi * x)))) if single else -math.pi / math.tan(
            math.pi * x)
        x = f(1) - x
    result = 0.0
    while x < 10:
        result -= float(f(1) / x)
        x = x + f(1)
    if x == 10:
        return result + _PSI_10 + extra
    y = 0.0
    if x < 1.0e17:
        z = 1.0 / float(x * x)
        p = 0.0
        for a in _PSI_A:
            p = p * z + a
        y = z * p
    lx = float(_F32(math.log(x))) if single else math.log(x)
    return result + lx - float(f(0.5) / x) - y + extra


def _gamma_grad_one(alpha: float, x: float) -> float:
    """PyTorch's standard_gamma_grad_one in double."""
    if x < _F08:
        numer = 1.0
        denom = alpha
        s1 = numer / denom
        s2 = numer / (denom * denom)
        for i in range(1, 6):
            numer *= -x / i
            denom += 1
            s1 += numer / denom
            s2 += numer / (denom * denom)
        pxa = _cpow(x, alpha)
        pdf = _cpow(x, alpha - 1) * math.exp(-x)
        cdf = pxa * s1
        cdf_alpha = (_clog(x) - _digamma(alpha)) * cdf - pxa * s2
        res = _div(-cdf_alpha, pdf)
        return 0.0 if math.isnan(res) else res
    if alpha > 8.0:
        if _F09 * alpha <= x <= _F11 * alpha:
            n1 = 1 + 24 * alpha * (1 + 12 * alpha)
            n2 = 1440 * (alpha * alpha) + 6 * x * (53 - 120 * x) - 65 * x * x / alpha + \
                alpha * (107 + 3600 * x)
            den = 1244160 * (alpha * alpha) * (alpha * alpha)
            return n1 * n2 / den
        den = math.sqrt(8 * alpha)
        term2 = _div(den, alpha - x)
        term3 = _cpow(x - alpha - alpha * _clog(x / alpha), -1.5)
        term23 = term2 - term3 if x < alpha else term2 + term3
        term1 = _clog(x / alpha) * term23 - \
            _div(math.sqrt(2 / alpha) * (alpha + x), (alpha - x) * (alpha - x))
        stirling = 1 + 1 / (12 * alpha) * (1 + 1 / (24 * alpha))
        return -stirling * (x * term1) / den
    u = _clog(x / alpha)
    v = _clog(alpha)
    cv = [_COEF_UV[0][i] + u * (_COEF_UV[1][i] + u * _COEF_UV[2][i]) for i in range(8)]
    p = cv[0] + v * (cv[1] + v * (cv[2] + v * cv[3]))
    q = cv[4] + v * (cv[5] + v * (cv[6] + v * cv[7]))
    return _cexp(_div(p, q))


def _safe(fn, *args) -> float:
    """``fn(*args)``, redone on NumPy doubles (IEEE division) if Python divides by zero."""
    try:
        return fn(*args)
    except ZeroDivisionError:
        return fn(*(np.float64(a) if type(a) is float else a for a in args))


def _div(a: float, b: float) -> float:
    """IEEE division (Python raises on a zero divisor)."""
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _clog(x: float) -> float:
    if x > 0:
        return math.log(x)
    return -math.inf if x == 0 else math.nan


def _cexp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _cpow(x: float, y: float) -> float:
    try:
        return math.pow(x, y)
    except ZeroDivisionError:     # 0 ** negative
        return math.inf
    except (OverflowError, ValueError):
        return float(np.power(np.float64(x), np.float64(y)))


def _gamma_grad_array(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    alpha, x = np.broadcast_arrays(alpha, x)
    out = np.fromiter((_safe(_gamma_grad_one, a, b) for a, b in
                       zip(alpha.ravel().tolist(), x.ravel().tolist())), np.float64, alpha.size)
    return out.astype(np.result_type(alpha.dtype, x.dtype)).reshape(alpha.shape)


def _standard_gamma_grad(input: Tensor, output: Tensor) -> Tensor:
    """d sample / d alpha of standard gamma samples ``output`` drawn with ``input``."""
    a, x = input._data, output._data
    _check_float(a, "_standard_gamma_grad_cpu")
    if a.shape != x.shape:
        raise RuntimeError(f"The size of tensor a ({a.shape}) must match the size of tensor b "
                           f"({x.shape})")
    with np.errstate(all="ignore"):
        r = _gamma_grad_array(a, x.astype(a.dtype))
    if STATE.enabled and (input._rg or output._rg):
        return record(StandardGammaGradBackward0(), r, (input, output))
    return _wrap(r)


class StandardGammaGradBackward0(Node):
    """PyTorch has no derivative for ``_standard_gamma_grad``."""

    __slots__ = ()

    def backward(self, grad):
        raise NotImplementedError("the derivative for '_standard_gamma_grad' is not "
                                  "implemented.")


# -- d sample / d alpha for the Dirichlet (through Beta marginals) --------------------------
def _beta_grad_alpha_small(x, alpha, beta, f) -> float:
    factor = f(_digamma(alpha, f is _F32)) - f(_digamma(alpha + beta, f is _F32)) - f(
        _flog(x, f))
    numer = f(1)
    series = numer / alpha * (factor + f(1) / alpha)
    for i in range(1, 11):
        ci = f(i)
        numer *= (ci - beta) * x / ci
        den = alpha + ci
        series += numer / den * (factor + f(1) / den)
    res = x * f(_cpow(float(f(1) - x), float(-beta))) * series
    return 0.0 if math.isnan(res) else float(res)


def _beta_grad_beta_small(x, alpha, beta, f) -> float:
    factor = f(_digamma(alpha + beta, f is _F32)) - f(_digamma(beta, f is _F32))
    numer, betas, dbetas = f(1), f(1), f(0)
    series = factor / alpha
    for i in range(1, 9):
        ci = f(i)
        numer *= -x / ci
        dbetas = dbetas * (beta - ci) + betas
        betas = betas * (beta - ci)
        series += numer / (alpha + ci) * (dbetas + factor * betas)
    res = -f(_cpow(float(f(1) - x), float(f(1) - beta))) * series
    return 0.0 if math.isnan(res) else float(res)


def _flog(x, f):
    return f(_clog(float(x)))


def _beta_grad_alpha_mid(x: float, alpha: float, beta: float) -> float:
    total = alpha + beta
    mean = alpha / total
    std = math.sqrt(alpha * beta / (total + 1)) / total
    if mean - 0.1 * std <= x <= mean + 0.1 * std:
        poly = 47 * x * (beta * beta) * (beta * beta) + alpha * (
            (43 + 20 * (16 + 27 * beta) * x) * (beta * beta) * beta + alpha * (
                3 * (59 + 180 * beta - 90 * x) * (beta * beta) + alpha * (
                    (453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (
                        8 * (1 - x) * (135 * beta - 11)))))
        pre_num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
        pre_den = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total)
        return pre_num / (1 - x) * poly / pre_den
    prefactor = -x / math.sqrt(2 * alpha * beta / total)
    stirling = (1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha)) \
        * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta)) \
        / (1 + 1 / (12 * total) + 1 / (288 * total * total))
    t1_num = 2 * (alpha * alpha) * (x - 1) + alpha * beta * (x - 1) - x * (beta * beta)
    axbx = alpha * (x - 1) + beta * x
    t1_den = math.sqrt(2 * alpha / beta) * math.pow(total, 1.5) * axbx * axbx
    term1 = _div(t1_num, t1_den)
    term2 = 0.5 * _clog(alpha / (total * x))
    t3_num = math.sqrt(8 * alpha * beta / total)
    term3 = _div(t3_num, beta * x + alpha * (x - 1))
    t4_base = beta * _clog(beta / (total * (1 - x))) + alpha * _clog(alpha / (total * x))
    term4 = _cpow(t4_base, -1.5)
    return stirling * prefactor * (term1 + term2 * (term3 + (term4 if x < mean else -term4)))


_DC = ((((1.003668233, -0.01061107488, -0.0657888334, 0.01201642863),
         (0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033),
         (-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013)),
        ((0.221950385, -0.3187676331, 0.01799915743, 0.01074823814),
         (-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057),
         (0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05)),
        ((-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565),
         (0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181),
         (0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05))),
       (((1, -0.02924021934, -0.04438342661, 0.007285809825),
         (0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521),
         (-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149)),
        ((0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273),
         (0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956),
         (-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05)),
        ((0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05),
         (0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05),
         (-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06))))


def _dirichlet_grad_one(x, alpha, total, f) -> float:
    """PyTorch's dirichlet_grad_one: -(d cdf / d alpha) / pdf / (1 - x) of a Beta(alpha,
    total - alpha) marginal at ``x``; ``f`` is the input's scalar type."""
    xd, ad, td = float(x), float(alpha), float(total)
    beta = total - alpha
    beta_d = td - ad
    boundary = total * x * (f(1) - x)
    if x <= 0.5 and boundary < 2.5:
        return _beta_grad_alpha_small(x, alpha, beta, f)
    if x >= 0.5 and boundary < 0.75:
        return -_beta_grad_beta_small(f(1) - x, beta, alpha, f)
    if alpha > 6 and beta > 6:
        return _beta_grad_alpha_mid(xd, ad, beta_d)
    u = _clog(xd)
    a = _clog(ad) - u
    b = _clog(td) - a
    pu = (1.0, u, u * u)
    pa = (1.0, a, a * a)
    p = q = 0.0
    for i in range(3):
        for j in range(3):
            ua = pu[i] * pa[j]
            c0, c1 = _DC[0][i][j], _DC[1][i][j]
            p += ua * (c0[0] + b * (c0[1] + b * (c0[2] + b * c0[3])))
            q += ua * (c1[0] + b * (c1[1] + b * (c1[2] + b * c1[3])))
    approx = xd * (float(f(_digamma(td, f is _F32))) - float(f(_digamma(ad, f is _F32)))) \
        / beta_d
    return _div(p, q) * approx


def _dirichlet_grad(x: Tensor, alpha: Tensor, total: Tensor) -> Tensor:
    """``torch._dirichlet_grad``: the Dirichlet reparameterization gradient, elementwise."""
    xs, al, to = x._data, alpha._data, total._data
    _check_float(xs, "_dirichlet_grad_cpu")
    if not (xs.shape == al.shape == to.shape):
        raise RuntimeError(f"_dirichlet_grad: expected x, alpha and total to have the same "
                           f"shape, but got {tuple(xs.shape)}, {tuple(al.shape)} and "
                           f"{tuple(to.shape)}")
    dt = xs.dtype
    f = _F32 if dt == np.float32 else float
    with np.errstate(all="ignore"):
        vals = [_safe(_dirichlet_grad_one, f(a), f(b), f(c), f) for a, b, c in
                zip(xs.ravel().tolist(), al.ravel().tolist(), to.ravel().tolist())]
    r = np.array(vals, np.float64).astype(dt).reshape(xs.shape)
    if STATE.enabled and (x._rg or alpha._rg or total._rg):
        return _not_implemented_grad(r, (x, alpha, total), "_dirichlet_grad")
    return _wrap(r)


# -- Dirichlet.rsample: the sample with its implicit reparameterization gradient ------------
def _dirichlet_rsample(concentration: Tensor) -> Tensor:
    """``_Dirichlet.apply(concentration)`` of torch.distributions: ``_sample_dirichlet`` with
    the backward ``_DirichletBackward`` (once differentiable, as PyTorch's Function)."""
    from ..autograd.grad_mode import no_grad
    with no_grad():
        x = _sample_dirichlet(concentration)
    if STATE.enabled and concentration._rg:
        node = _DirichletBackward()
        t = record(node, x._data, (concentration,))
        node.save2(t.detach(), concentration)
        return t
    return x


class _DirichletBackward(Node):
    """grad * (g - sum(x * g)) with the Beta-marginal gradients of ``_dirichlet_grad``."""

    __slots__ = ()

    def backward(self, grad):
        x, alpha = (np.asarray(v._data if isinstance(v, Tensor) else v) for v in self.saved())
        g = np.asarray(grad._data if isinstance(grad, Tensor) else grad)
        total = np.broadcast_to(_sum_last(alpha), alpha.shape)
        dg = _dirichlet_grad(_wrap(x), _wrap(np.ascontiguousarray(alpha)),
                             _wrap(np.ascontiguousarray(total)))._data
        r = dg * (g - _sum_last(x * g))
        return (_wrap(r) if isinstance(grad, Tensor) else r),
