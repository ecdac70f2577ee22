"""``torch.amp.autocast`` on the CPU.

Inside ``autocast("cpu", dtype=...)`` the ops of PyTorch's CPU autocast lists run in a chosen
precision: matrix products, ``linear`` and ``prelu`` in the lower-precision dtype
(``bfloat16`` by default, or ``float16``), the losses in ``float32``. Each listed op starts
with ``if AUTOCAST.enabled:`` and casts its floating tensor arguments with ``lower`` or
``fp32``; as in PyTorch, ``float64`` tensors are never cast. Nothing changes with
``enabled=False``, and a ``"cuda"`` autocast is disabled with PyTorch's warning.
"""
from __future__ import annotations

import functools
import warnings

from .. import _dtype
from .._tensor import Tensor

__all__ = ["autocast", "is_autocast_available", "AUTOCAST", "lower", "fp32"]


class _AutocastState:
    """The innermost autocast region's settings (one per process, like PyTorch's
    thread-local state in a single-threaded program)."""

    __slots__ = ("enabled", "dtype", "cpu_dtype")

    def __init__(self) -> None:
        self.enabled = False
        self.dtype = None
        self.cpu_dtype = None      # the default ``dtype`` of a CPU autocast


AUTOCAST = _AutocastState()

_CASTABLE = ("float16", "bfloat16", "float32")


def _default_cpu_dtype():
    if AUTOCAST.cpu_dtype is None:
        # bfloat16 as PyTorch; float16 until ember has bfloat16
        AUTOCAST.cpu_dtype = getattr(_dtype, "bfloat16", None) or _dtype.float16
    return AUTOCAST.cpu_dtype


def _cast(t, dt):
    if (isinstance(t, Tensor) and t.dtype is not dt and t.dtype.is_floating_point
            and str(t.dtype)[6:] in _CASTABLE):
        return t.to(dt)
    return t


def lower(t):
    """``t`` in the autocast dtype if it is a float16/bfloat16/float32 tensor."""
    return _cast(t, AUTOCAST.dtype)


def fp32(t):
    """``t`` in float32 if it is a lower-precision floating tensor."""
    return _cast(t, _dtype.float32)


def is_autocast_available(device_type: str) -> bool:
    return device_type in ("cpu", "cuda")


class autocast:
    """Run the ops of PyTorch's autocast lists in ``dtype`` inside the region (a context
    manager or a decorator). Only ``device_type="cpu"`` computes anything here."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self.fast_dtype = _default_cpu_dtype() if dtype is None else dtype
        self._enabled = enabled
        if device_type == "cuda" and enabled:
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                          stacklevel=2)
            self._enabled = False
        elif device_type == "cpu" and enabled and str(self.fast_dtype)[6:] not in (
                "bfloat16", "float16"):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling "
                          "autocast.\nCPU Autocast only supports dtypes of torch.bfloat16, "
                          "torch.float16 currently.", stacklevel=2)
            self._enabled = False
        elif device_type not in ("cpu", "cuda"):
            raise RuntimeError(f"User specified an unsupported autocast device_type "
                               f"'{device_type}'")
        self._prev = None

    def __enter__(self) -> "autocast":
        self._prev = (AUTOCAST.enabled, AUTOCAST.dtype)
        if self.device == "cpu":
            AUTOCAST.enabled = self._enabled
            AUTOCAST.dtype = self.fast_dtype if self._enabled else AUTOCAST.dtype
        return self

    def __exit__(self, *exc) -> bool:
        AUTOCAST.enabled, AUTOCAST.dtype = self._prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled):
                return func(*args, **kwargs)
        return decorated


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether a CPU autocast region is active (``device_type`` None asks about CUDA, as
    PyTorch's legacy form does: never)."""
    if device_type is None or device_type == "cuda":
        return False
    return AUTOCAST.enabled


def get_autocast_dtype(device_type: str):
    if device_type == "cpu":
        return AUTOCAST.dtype if AUTOCAST.enabled else _default_cpu_dtype()
    return _dtype.float16
