"""``torch.signal.windows``: SciPy's window functions as PyTorch writes them, from public ops
(a ``linspace`` of the sample positions, then the waveform), so the same ops in ember give the
same values and, with ``requires_grad=True``, the same graph.

``sym=True`` (the default) gives the symmetric window for filter design; ``sym=False`` the
periodic one for spectral analysis (the symmetric window of M + 1 samples without the last).
"""
from __future__ import annotations

import math
from collections.abc import Iterable

from .. import _dtype
from .._tensor import Tensor
from ..ops.bessel import i0
from ..ops.creation import arange, empty, linspace, ones, tensor
from ..ops.pointwise import abs as _abs
from ..ops.pointwise import cos, exp, minimum, sin, sqrt

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine",
           "general_hamming", "hamming", "hann", "kaiser", "nuttall"]


def _checks(name: str, M: int, dtype, layout) -> object:
    """PyTorch's argument checks of every window; the dtype to use."""
    dtype = dtype or _dtype.get_default_dtype()
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout is not None and layout != "torch.strided":
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    if dtype not in (_dtype.float32, _dtype.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dtype}")
    return dtype


def _trivial(M: int, dtype, device, requires_grad: bool) -> Tensor | None:
    """The empty window and the one-sample window (1), else None."""
    if M == 0:
        return empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    if M == 1:
        return ones((1,), dtype=dtype, device=device, requires_grad=requires_grad)
    return None


def _span(M: int, sym: bool) -> int:
    """The denominator of the sample spacing: M - 1 for a symmetric window, M otherwise."""
    return M - 1 if sym else M


def exponential(M: int, *, center: float | None = None, tau: float = 1.0, sym: bool = True,
                dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """The exponential (Poisson) window ``exp(-|n - center| / tau)``."""
    dtype = _checks("exponential", M, dtype, layout)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    if M == 0:
        return empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    if center is None:
        center = (M if not sym and M > 1 else M - 1) / 2.0
    scale = 1 / tau
    k = linspace(-center * scale, (M - 1 - center) * scale, M, dtype=dtype, device=device,
                 requires_grad=requires_grad)
    return exp(-_abs(k))


def cosine(M: int, *, sym: bool = True, dtype=None, layout=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """The cosine (sine) window ``sin(pi (n + 1/2) / M)``, as SciPy's."""
    dtype = _checks("cosine", M, dtype, layout)
    if M == 0:
        return empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    step = math.pi / (M + 1 if not sym and M > 1 else M)
    k = linspace(0.5 * step, (0.5 + (M - 1)) * step, M, dtype=dtype, device=device,
                 requires_grad=requires_grad)
    return sin(k)


def gaussian(M: int, *, std: float = 1.0, sym: bool = True, dtype=None, layout=None,
             device=None, requires_grad: bool = False) -> Tensor:
    """The Gaussian window ``exp(-(n / (2 std))^2)`` about the centre."""
    dtype = _checks("gaussian", M, dtype, layout)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    if M == 0:
        return empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    first = -(M if not sym and M > 1 else M - 1) / 2.0
    scale = 1 / (std * math.sqrt(2))
    k = linspace(first * scale, (first + (M - 1)) * scale, M, dtype=dtype, device=device,
                 requires_grad=requires_grad)
    return exp(-(k ** 2))


def kaiser(M: int, *, beta: float = 12.0, sym: bool = True, dtype=None, layout=None,
           device=None, requires_grad: bool = False) -> Tensor:
    """The Kaiser window ``I0(beta sqrt(1 - (2 n / N - 1)^2)) / I0(beta)``."""
    dtype = _checks("kaiser", M, dtype, layout)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    done = _trivial(M, dtype, device, requires_grad)
    if done is not None:
        return done
    b = tensor(beta, dtype=dtype)
    # positions from -beta in steps of 2 beta / N, the last one clipped to beta
    step = 2.0 * b / _span(M, sym)
    last = minimum(b, -b + (M - 1) * step)
    k = linspace(-b, last, M, dtype=dtype, device=device, requires_grad=requires_grad)
    return i0(sqrt(b * b - k ** 2)) / i0(b)


def general_cosine(M: int, *, a: Iterable, sym: bool = True, dtype=None, layout=None,
                   device=None, requires_grad: bool = False) -> Tensor:
    """The generalized cosine window ``sum_i (-1)^i a_i cos(2 pi i n / N)``."""
    dtype = _checks("general_cosine", M, dtype, layout)
    done = _trivial(M, dtype, device, requires_grad)
    if done is not None:
        return done
    if not isinstance(a, Iterable):
        raise TypeError("Coefficients must be a list/tuple")
    if not a:
        raise ValueError("Coefficients cannot be empty")
    step = 2 * math.pi / _span(M, sym)
    k = linspace(0, (M - 1) * step, M, dtype=dtype, device=device,
                 requires_grad=requires_grad)
    coef = tensor([(-1) ** i * w for i, w in enumerate(a)], dtype=dtype, device=device,
                  requires_grad=requires_grad)
    order = arange(coef.shape[0], dtype=coef.dtype, requires_grad=coef.requires_grad)
    return (coef.unsqueeze(-1) * cos(order.unsqueeze(-1) * k)).sum(0)


def general_hamming(M: int, *, alpha: float = 0.54, sym: bool = True, dtype=None,
                    layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """The generalized Hamming window ``alpha - (1 - alpha) cos(2 pi n / N)``."""
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)


def hamming(M: int, *, sym: bool = True, dtype=None, layout=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """The Hamming window (alpha 0.54)."""
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def hann(M: int, *, sym: bool = True, dtype=None, layout=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """The Hann window (alpha 0.5)."""
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def blackman(M: int, *, sym: bool = True, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """The Blackman window (coefficients 0.42, 0.5, 0.08)."""
    _checks("blackman", M, dtype, layout)
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)


def nuttall(M: int, *, sym: bool = True, dtype=None, layout=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Nuttall's minimum 4-term Blackman-Harris window."""
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym,
                          dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def bartlett(M: int, *, sym: bool = True, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """The Bartlett (triangular) window ``1 - |2 n / N - 1|``."""
    dtype = _checks("bartlett", M, dtype, layout)
    done = _trivial(M, dtype, device, requires_grad)
    if done is not None:
        return done
    step = 2 / _span(M, sym)
    k = linspace(-1, -1 + (M - 1) * step, M, dtype=dtype, device=device,
                 requires_grad=requires_grad)
    return 1 - _abs(k)
