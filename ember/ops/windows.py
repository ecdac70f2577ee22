"""Window functions: ``torch.hann_window``, ``hamming_window``, ``blackman_window``,
``bartlett_window`` and ``kaiser_window``.

Each follows PyTorch's recipe step by step in the window's own dtype (its scalars rounded to
that dtype's compute type, float32 for float16 and bfloat16, with a rounding to the dtype after
each step), so float64 windows are bit for bit PyTorch's and float32 ones within an ulp or
two (where the two libraries' cosines differ). A periodic window of length N is the symmetric
window of length N + 1 without its last value. Windows are constants: no graph, though
``requires_grad=True`` makes a leaf as in PyTorch.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from .. import _dtype
from .._size import check_factory_device
from .._tensor import Tensor
from ._util import tname

_UNSET = object()
# PyTorch prints the refused dtype by its C++ name
_CXX = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
        "uint8": "unsigned char", "bool": "bool"}


def _length(fname: str, window_length) -> int:
    if isinstance(window_length, (bool, float)):
        raise TypeError(f"{fname}(): argument 'window_length' (position 1) must be int, not "
                        f"{type(window_length).__name__}")
    try:
        return operator.index(window_length)
    except TypeError:
        raise TypeError(f"{fname}(): argument 'window_length' (position 1) must be int, not "
                        f"{type(window_length).__name__}") from None


def _overload_error(fname: str, given: str, extra: tuple) -> TypeError:
    opts = "*, torch.dtype dtype = None, torch.layout layout = None, torch.device device = " \
        "None, bool pin_memory = False, bool requires_grad = False"
    lines = [f" * (int window_length, {opts})", f" * (int window_length, bool periodic, {opts})"]
    for i in range(len(extra)):
        params = ", ".join(f"float {n}" for n in extra[:i + 1])
        lines.append(f" * (int window_length, bool periodic, {params}, {opts})")
    return TypeError(f"{fname}() received an invalid combination of arguments - got "
                     f"({given}), but expected one of:\n" + "\n".join(lines) + "\n")


class _Setup:
    """The checked arguments of one window call: its length N (already N + 1 for a periodic
    window), the compute type ``ct``, the result dtype and whether it was periodic."""

    __slots__ = ("ct", "done", "dt", "n", "periodic")

    def __init__(self, fname: str, window_length, periodic, dtype, device, layout,
                 floats: dict, requires_grad: bool) -> None:
        n = _length(fname, window_length)
        named = [k for k, v in floats.items() if v is not _UNSET]
        if periodic is _UNSET and named or (named and named != list(floats)[:len(named)]):
            kw = ", ".join(f"{k}=float" for k in named)
            raise _overload_error(fname, "int" + (", bool" if periodic is not _UNSET else "")
                                  + ", " + kw, tuple(floats))
        if periodic is _UNSET:
            periodic = True
        elif not isinstance(periodic, (bool, np.bool_)):
            raise _overload_error(fname, f"int, periodic={type(periodic).__name__}",
                                  tuple(floats))
        check_factory_device(device)
        dt = dtype or _dtype.get_default_dtype()
        if n < 0:
            raise RuntimeError(f"{fname} requires non-negative window_length, got "
                               f"window_length={n}")
        if not (dt.is_floating_point or dt.is_complex):
            raise RuntimeError(
                f"{fname} expects floating point dtypes, got: TensorOptions(dtype="
                f"{_CXX.get(str(dt).replace('torch.', ''), str(dt))}, device=cpu, layout="
                "Strided (default), requires_grad=false (default), pinned_memory=false, "
                "memory_format=(nullopt))")
        self.dt = dt
        self.done = None
        if n <= 1:       # empty, or the single value 1 (whatever the formula would give)
            self.done = _finish(np.ones(n, dt.np), requires_grad)
            return
        if dt.is_complex:
            raise NotImplementedError(f'"arange_cpu" not implemented for \'{tname(dt.np)}\'')
        self.periodic = bool(periodic)
        self.n = n + 1 if periodic else n
        self.ct = np.float64 if dt.np == np.float64 else np.float32

    def step(self, a: np.ndarray) -> np.ndarray:
        """One of PyTorch's in-place steps done: rounded to the window's dtype, back in the
        compute type."""
        return a if a.dtype == self.dt.np else a.astype(self.dt.np).astype(self.ct)

    def const(self, x: float):
        """A Python scalar as PyTorch's op uses it: rounded to the dtype, in the compute
        type."""
        return np.asarray(x, self.dt.np).astype(self.ct)

    def cos(self, a: np.ndarray) -> np.ndarray:
        """cos rounded to the dtype: through float64 for float32 and below, which rounds as
        PyTorch's vectorized float cosine does far more often than NumPy's float32 one."""
        return self.step(np.cos(a.astype(np.float64)).astype(self.ct))

    def arange(self) -> np.ndarray:
        return self.step(np.arange(self.n, dtype=self.ct))

    def finish(self, w: np.ndarray, requires_grad: bool) -> Tensor:
        w = w.astype(self.dt.np, copy=False)
        return _finish(w[:-1] if self.periodic else w, requires_grad)


def _finish(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(np.ascontiguousarray(data))
    if requires_grad:
        t.requires_grad_(True)
    return t


def hamming_window(window_length: int, periodic=_UNSET, alpha=_UNSET, beta=_UNSET, *,
                   dtype=None, layout=None, device=None, pin_memory: bool = False,
                   requires_grad: bool = False) -> Tensor:
    """The generalized Hamming window ``alpha - beta cos(2 pi n / (N - 1))`` (alpha 0.54,
    beta 0.46 by default)."""
    s = _Setup("hamming_window", window_length, periodic, dtype, device, layout,
               {"alpha": alpha, "beta": beta}, requires_grad)
    if s.done is not None:
        return s.done
    a = 0.54 if alpha is _UNSET else float(alpha)
    b = 0.46 if beta is _UNSET else float(beta)
    return _cosine_sum(s, a, b, requires_grad)


def _cosine_sum(s: _Setup, alpha: float, beta: float, requires_grad: bool) -> Tensor:
    w = s.step(s.arange() * s.const(math.pi * 2.0 / (s.n - 1)))
    w = s.cos(w)
    w = s.step(w * s.const(-beta))
    return s.finish(s.step(w + s.const(alpha)), requires_grad)


def hann_window(window_length: int, periodic=_UNSET, *, dtype=None, layout=None, device=None,
                pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """The Hann window ``0.5 - 0.5 cos(2 pi n / (N - 1))``."""
    s = _Setup("hann_window", window_length, periodic, dtype, device, layout, {},
               requires_grad)
    if s.done is not None:
        return s.done
    return _cosine_sum(s, 0.5, 0.5, requires_grad)


def blackman_window(window_length: int, periodic=_UNSET, *, dtype=None, layout=None,
                    device=None, pin_memory: bool = False,
                    requires_grad: bool = False) -> Tensor:
    """The Blackman window ``0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))``."""
    s = _Setup("blackman_window", window_length, periodic, dtype, device, layout, {},
               requires_grad)
    if s.done is not None:
        return s.done
    w = s.step(s.arange() * s.const(math.pi / (s.n - 1)))
    four = s.step(s.cos(s.step(w * s.const(4))) * s.const(0.08))
    two = s.step(s.cos(s.step(w * s.const(2))) * s.const(0.5))
    return s.finish(s.step(s.step(four - two) + s.const(0.42)), requires_grad)


def bartlett_window(window_length: int, periodic=_UNSET, *, dtype=None, layout=None,
                    device=None, pin_memory: bool = False,
                    requires_grad: bool = False) -> Tensor:
    """The Bartlett (triangular) window: ``2 n / (N - 1)`` rising, ``2 - 2 n / (N - 1)``
    falling."""
    s = _Setup("bartlett_window", window_length, periodic, dtype, device, layout, {},
               requires_grad)
    if s.done is not None:
        return s.done
    w = s.step(s.arange() * s.const(2.0 / (s.n - 1)))
    half = ((s.n - 1) >> 1) + 1
    w[half:] = s.step(s.step(-w[half:]) + s.const(2))
    return s.finish(w, requires_grad)


def kaiser_window(window_length: int, periodic=_UNSET, beta=_UNSET, *, dtype=None,
                  layout=None, device=None, pin_memory: bool = False,
                  requires_grad: bool = False) -> Tensor:
    """The Kaiser window ``I0(beta sqrt(1 - ((n - a) / a)^2)) / I0(beta)``, a = (N - 1) / 2
    (beta 12 by default)."""
    from .bessel import _i0_np
    s = _Setup("kaiser_window", window_length, periodic, dtype, device, layout,
               {"beta": beta}, requires_grad)
    if s.done is not None:
        return s.done
    ct = s.ct       # (the kernel's scalars are in the compute type, not the dtype)
    b = ct(12.0 if beta is _UNSET else float(beta))
    a = ct((s.n - 1) / 2.0)
    with np.errstate(all="ignore"):
        r = (s.arange() - a) / a
        w = _i0_np(b * np.sqrt(np.abs(1 - r * r))) / _i0_np(np.asarray(b))
    return s.finish(s.step(w), requires_grad)
