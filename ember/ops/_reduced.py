"""bfloat16 composites computed as PyTorch's CPU kernels compute them, bit for bit.

PyTorch's kernels for the reduced floating types convert each vector to float32, run the whole
composite in float32 and round once to bfloat16. Rounding a correctly computed float32 result
to bfloat16 hides most float32 differences, but not all: where a composite cancels (``1 +
erf(x)`` for negative x, ``1 + tanh(y)`` near saturation) or a result lies near a bfloat16
tie, the exact float32 operations decide the last bfloat16 bit. So these mirror the kernels'
operations one for one (ATen's ``Vectorized<float>``, compiled by GCC with FMA contraction):

- ``exp`` is SLEEF's expf_u10 (``Vectorized<float>::exp``), replayed here operation for
  operation;
- ``erf`` is Abramowitz-Stegun 7.1.26 with FMAs (``Vectorized<float>::erf``), not a correctly
  rounded erf;
- ``tanh`` is SLEEF's ``tanhf_u10``: within 1 ulp, and exactly +-1 beyond |x| > 8.664339742;
- ``a * b + c`` written in a kernel is one FMA where GCC contracts it (``addcmul``, the
  gelu-tanh inner term, layer norm's affine step);
- an elementwise kernel's scalar form (its tail lanes, see ``scalar_lanes``) calls glibc's
  ``expf``/``erff``/``tanhf``, which round correctly: float64 results rounded to float32 here.

An FMA is emulated in float64: the product of two float32 values is exact there, so only the
final sum is rounded twice (float64, then float32), which differs from one rounding only when
the float64 sum lies exactly on a float32 tie — not seen on any of the random inputs tested.
"""
from __future__ import annotations

import math

import numpy as np

_F32 = np.float32
_F64 = np.float64
_ONE = _F32(1.0)


def fma(a, b, c) -> np.ndarray:
    """float32 ``a * b + c`` with one rounding (emulated through float64)."""
    return (np.asarray(a, _F64) * np.asarray(b, _F64) + np.asarray(c, _F64)).astype(_F32)


_R_LN2 = _F32(1.442695040888963407359924681001892137426645954152985934135449406931)
_L2U = _F32(0.693145751953125)
_L2L = _F32(1.428606765330187045e-06)
_EXP_POLY = tuple(_F32(c) for c in (0.00139304355252534151077271, 0.00833336077630519866943359,
                                    0.0416664853692054748535156, 0.166666671633720397949219,
                                    0.5))


def exp(d: np.ndarray) -> np.ndarray:
    """SLEEF's expf_u10 (ATen's ``Vectorized<float>::exp``), operation for operation: q =
    rint(d / ln 2), s = d - q ln 2 in two FMAs, a degree-6 polynomial by FMAs, scaled by
    2^q in two halves; 0 below -104, inf above 100. (NumPy's float32 exp, itself within an
    ulp, differs from it in the last bit on about a third of the inputs.)"""
    d = np.asarray(d, _F32)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        q = np.rint(d * _R_LN2)
        s = fma(q, -_L2U, d)
        s = fma(q, -_L2L, s)
        u = _F32(0.000198527617612853646278381)
        for c in _EXP_POLY:
            u = fma(u, s, c)
        u = _ONE + fma(s * s, u, s)
        qi = np.clip(np.nan_to_num(q), -300, 300).astype(np.int32)
        h = qi >> 1
        u = u * np.ldexp(_ONE, h).astype(_F32) * np.ldexp(_ONE, qi - h).astype(_F32)
        u = np.where(d < -104, _F32(0), u)
        u = np.where(d > 100, _F32(np.inf), u)
        return np.where(np.isnan(d), d, u).astype(_F32)


def libm_exp(x: np.ndarray) -> np.ndarray:
    """glibc's expf (a kernel's scalar lanes): the correctly rounded float32 exp."""
    with np.errstate(over="ignore"):
        return np.exp(np.asarray(x, _F64)).astype(_F32)


def libm_erf(x: np.ndarray) -> np.ndarray:
    """glibc's erff (scalar lanes): ember's float64 erf rounded to float32."""
    from .special import _erf_np
    return _erf_np(np.asarray(x, _F64)).astype(_F32)


def libm_tanh(x: np.ndarray) -> np.ndarray:
    """glibc's tanhf (scalar lanes): the correctly rounded float32 tanh."""
    return np.tanh(np.asarray(x, _F64)).astype(_F32)


def _lanes(d: np.ndarray):
    """scalar_lanes(d) for the calling thread count, or None when there are none."""
    from .._threads import get_num_threads
    lanes = scalar_lanes(d, get_num_threads())
    return lanes if lanes.any() else None


def erf(x: np.ndarray) -> np.ndarray:
    """ATen's ``Vectorized<float>::erf``: sign(x) * (1 - r(t) * t * exp(-x^2)),
    t = 1 / (1 + p |x|), r a quartic in t (Abramowitz-Stegun 7.1.26)."""
    a = np.abs(x)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        t = _ONE / fma(_F32(0.3275911), a, _ONE)
        r = fma(_F32(1.061405429), t, _F32(-1.453152027))
        r = fma(r, t, _F32(1.421413741))
        r = fma(r, t, _F32(-0.284496736))
        r = fma(r, t, _F32(0.254829592))
        e = -exp(-(x * x))
        y = fma(e * t, r, _ONE)
    return np.copysign(y, x)


_TANH_ONE = _F32(8.664339742)


def tanh(x: np.ndarray) -> np.ndarray:
    """SLEEF's tanhf_u10 (ATen's ``Vectorized<float>::tanh``): the float32 tanh, saturating
    to exactly +-1 for |x| > 8.664339742."""
    r = np.tanh(np.asarray(x, _F64)).astype(_F32)
    return np.where(np.abs(x) > _TANH_ONE, np.copysign(_ONE, x), r)


_ALPHA = _F32(math.sqrt(0.5))                            # M_SQRT1_2
_BETA = _F32(math.sqrt(2.0) * (2.0 / math.sqrt(math.pi)) * 0.5)   # M_SQRT2 * M_2_SQRTPI / 2
_KAPPA = _F32(0.044715)
_PDF = _F32(2.0 / math.sqrt(math.pi) * math.sqrt(0.5) * 0.5)    # M_2_SQRTPI * M_SQRT1_2 / 2
_HALF = _F32(0.5)


def gelu(x: np.ndarray, approximate: str, lanes=None) -> np.ndarray:
    """GeluKernelImpl on float32 values (the caller rounds to bfloat16); ``lanes`` marks the
    elements of the kernel's scalar form, which calls glibc's erff/tanhf instead."""
    with np.errstate(over="ignore", invalid="ignore"):
        if approximate == "none":
            e = erf(x * _ALPHA)
            if lanes is not None:
                e = np.where(lanes, libm_erf(x * _ALPHA), e)
            return x * _HALF * (_ONE + e)
        inner = _BETA * fma(_KAPPA, x * x * x, x)
        t = tanh(inner)
        if lanes is not None:
            t = np.where(lanes, libm_tanh(inner), t)
        return _HALF * x * (_ONE + t)


_PDF_SCALAR = _F32(_F32(2.0 / math.sqrt(math.pi)) * _F32(math.sqrt(0.5)) * _F32(0.5))


def gelu_backward(dy: np.ndarray, x: np.ndarray, approximate: str, lanes=None) -> np.ndarray:
    """GeluBackwardKernelImpl on float32 values (scalar lanes as in ``gelu``)."""
    with np.errstate(over="ignore", invalid="ignore"):
        if approximate == "none":
            e = erf(x * _ALPHA)
            ex = exp(x * x * _F32(-0.5))
            pdf_c = _PDF
            if lanes is not None:
                e = np.where(lanes, libm_erf(x * _ALPHA), e)
                ex = np.where(lanes, libm_exp(x * x * _F32(-0.5)), ex)
                pdf_c = np.where(lanes, _PDF_SCALAR, _PDF)
            cdf = _HALF * (_ONE + e)
            pdf = pdf_c * ex
            return dy * fma(x, pdf, cdf)
        x_sq = x * x
        inner = _BETA * fma(_KAPPA, x * x * x, x)
        th = tanh(inner)
        if lanes is not None:
            th = np.where(lanes, libm_tanh(inner), th)
        left = _HALF * x
        right = _ONE + th
        d_tanh = fma(-th, th, _ONE)
        d_inner = _BETA * fma(_F32(3.0) * _KAPPA, x_sq, _ONE)
        return dy * fma(left * d_tanh, d_inner, _HALF * right)


def _exp_lanes(x: np.ndarray, lanes) -> np.ndarray:
    e = exp(x)
    return e if lanes is None else np.where(lanes, libm_exp(x), e)


def silu(x: np.ndarray, lanes=None) -> np.ndarray:
    """silu_kernel: x / (1 + exp(-x)) in float32 (SLEEF's exp; glibc's on scalar lanes)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return x / (_ONE + _exp_lanes(-x, lanes))


def silu_backward(dy: np.ndarray, x: np.ndarray, lanes=None) -> np.ndarray:
    """silu_backward_kernel: dy * s * (1 + x * (1 - s)), s = 1 / (1 + exp(-x))."""
    with np.errstate(over="ignore", invalid="ignore"):
        s = _ONE / (_ONE + _exp_lanes(-x, lanes))
        return dy * s * fma(x, _ONE - s, _ONE)


# -- cpu_kernel_vec's scalar lanes --------------------------------------------------------------
# An elementwise kernel runs its vector form over blocks of 2 * Vectorized<BFloat16>::size()
# = 32 elements (AVX2, PyTorch's x86-64 default) and its scalar form on the rest of each range;
# ranges are the whole (coalesced, contiguous) tensor, or with more than GRAIN_SIZE elements one
# of at::parallel_for's equal chunks per thread. Where the scalar form rounds differently (it
# computes on c10::BFloat16 values), those elements differ, and ember reproduces them.
_GRAIN = 32768
_BLOCK = 32


def scalar_lanes(a: np.ndarray, num_threads: int) -> np.ndarray:
    """Boolean mask of the elements of ``a`` that PyTorch computes with the scalar form."""
    n = a.size
    if a.flags.c_contiguous:
        order = "C"
    elif a.flags.f_contiguous:
        order = "F"
    else:       # strided: TensorIterator's basic loop, scalar throughout
        return np.ones(a.shape, bool)
    mask = np.zeros(n, bool)
    chunk = n
    if n > _GRAIN and num_threads > 1:
        nt = min(num_threads, -(-n // _GRAIN))
        chunk = -(-n // nt)
    for start in range(0, n, max(chunk, 1)):
        end = min(n, start + chunk)
        mask[end - (end - start) % _BLOCK:end] = True
    return mask.reshape(a.shape, order=order)


def rsqrt(d: np.ndarray, bf16, num_threads: int) -> np.ndarray:
    """rsqrt_kernel on bfloat16 data: ``1 / sqrt(x)`` in float32 (the vector form), except
    on the scalar lanes, where ``1 / std::sqrt(BFloat16)`` rounds the root to bfloat16 first."""
    x = d.astype(_F32)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(x)
        lanes = scalar_lanes(d, num_threads)
        if lanes.any():
            root = np.where(lanes, root.astype(bf16).astype(_F32), root)
        return (_ONE / root).astype(bf16)


# -- prod: binary_kernel_reduce_vec on c10::BFloat16 --------------------------------------------
# prod multiplies bfloat16 values pairwise, rounding every product, so the order decides the
# result. Along the contiguous last dim each row is reduced in blocks of 4 * 16 elements (four
# 16-lane accumulators, combined (0*1)*(2*3), then lane by lane), then the tail one by one; along
# any other dim each output is a running product in index order.
_LANES = 16


def _mul(a, b, bf16):
    return (a * b).astype(bf16).astype(_F32)


def _inner_prod(x: np.ndarray, bf16) -> np.ndarray:
    """Rows of ``x`` (float32 values of bfloat16 data, shape (m, n)) reduced as
    vectorized_inner_reduction does; returns float32 values of bfloat16 results."""
    m, n = x.shape
    out = np.ones(m, _F32)
    count = n // (4 * _LANES)
    if count:
        blocks = x[:, :count * 4 * _LANES].reshape(m, count, 4, _LANES)
        acc = blocks[:, 0]
        for i in range(1, count):
            acc = _mul(acc, blocks[:, i], bf16)
        lanes = _mul(_mul(acc[:, 0], acc[:, 1], bf16), _mul(acc[:, 2], acc[:, 3], bf16), bf16)
        b = lanes[:, 0]
        for j in range(1, _LANES):
            b = _mul(b, lanes[:, j], bf16)
        out = _mul(out, b, bf16)
    for k in range(count * 4 * _LANES, n):
        out = _mul(out, x[:, k], bf16)
    return out


def prod(d: np.ndarray, axis, keepdim: bool, num_threads: int) -> np.ndarray:
    """``prod`` of bfloat16 data over ``axis`` (None: all elements) in PyTorch's order."""
    bf16 = d.dtype
    x = d.astype(_F32)
    if axis is None:
        flat = x.reshape(-1)
        n = flat.size
        if n > _GRAIN and num_threads > 1:
            # at::parallel_for's chunks, one partial product each, multiplied in thread order
            nt = min(num_threads, -(-n // _GRAIN))
            chunk = -(-n // nt)
            r = np.ones(1, _F32)
            for s in range(0, n, chunk):
                r = _mul(r, _inner_prod(flat[s:s + chunk].reshape(1, -1), bf16), bf16)
        else:
            r = _inner_prod(flat.reshape(1, -1), bf16)
        return r.reshape(()).astype(bf16)
    if axis == x.ndim - 1:
        r = _inner_prod(x.reshape(-1, x.shape[-1]), bf16).reshape(x.shape[:-1])
    else:
        moved = np.moveaxis(x, axis, 0)
        r = np.ones(moved.shape[1:], _F32)
        for row in moved:
            r = _mul(r, row, bf16)
    if keepdim:
        r = np.expand_dims(r, axis)
    return r.astype(bf16)


def lerp(a: np.ndarray, b: np.ndarray, w) -> np.ndarray:
    """lerp's vector kernel on float32 values: ``fmadd(w < 0.5 ? w : w - 1, b - a,
    w < 0.5 ? a : b)``, ``w`` a float32 scalar or array (exact at both ends)."""
    w = np.asarray(w, _F32)
    small = np.abs(w) < 0.5
    return fma(np.where(small, w, w - _ONE), b - a, np.where(small, a, b))


_HALVES = [4, 5, 6, 7, 0, 1, 2, 3]
_PAIRS = [2, 3, 0, 1, 6, 7, 4, 5]
_NEIGHBOURS = [1, 0, 3, 2, 5, 4, 7, 6]


def vec_sum_rows(v: np.ndarray) -> np.ndarray:
    """The float32 sum of each row of ``v`` (shape (m, n)) in the order of ATen's bfloat16
    ``map_reduce_all``: two 8-lane accumulators over 16-element blocks (a partial block
    added lane by lane), added together and folded by AVX2's shuffle tree; a row shorter
    than 16 is summed lane by lane in index order (after folding lanes 8.. onto 0..)."""
    m, n = v.shape
    if n < 2 * 8:
        lanes = v[:, :8].copy() if n > 8 else v
        if n > 8:
            lanes[:, :n - 8] += v[:, 8:n]
        acc = lanes[:, 0].copy()
        for i in range(1, min(n, 8)):
            acc += lanes[:, i]
        return acc
    acc0, acc1 = v[:, 0:8].copy(), v[:, 8:16].copy()
    d = 16
    end = n - n % 16
    while d < end:
        acc0 += v[:, d:d + 8]
        acc1 += v[:, d + 8:d + 16]
        d += 16
    r = n - d
    if r > 8:
        acc0 += v[:, d:d + 8]
        acc1[:, :r - 8] += v[:, d + 8:n]
    elif r > 0:
        acc0[:, :r] += v[:, d:n]
    a = acc0 + acc1
    a = a + a[:, _HALVES]
    a = a + a[:, _PAIRS]
    a = a + a[:, _NEIGHBOURS]
    return a[:, 0]
