"""Process-wide switches scripts set and read: float32 matmul precision, deterministic
algorithms, warn-always. Ember's kernels are deterministic NumPy calls in full float32, so
the switches are recorded and reported back, and change no result."""
from __future__ import annotations

import warnings

__all__ = ["set_float32_matmul_precision", "get_float32_matmul_precision",
           "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled", "set_warn_always",
           "is_warn_always_enabled"]

_STATE = {"precision": "highest", "deterministic": False, "warn_only": False,
          "warn_always": False}


def set_float32_matmul_precision(precision: str) -> None:
    """Recorded only: float32 products always run in float32 (PyTorch's "highest")."""
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", stacklevel=2)
        return
    _STATE["precision"] = precision


def get_float32_matmul_precision() -> str:
    return _STATE["precision"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Recorded only: every ember op is already deterministic."""
    _STATE["deterministic"] = bool(mode)
    _STATE["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _STATE["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _STATE["warn_only"]


def set_warn_always(b: bool) -> None:
    _STATE["warn_always"] = bool(b)


def is_warn_always_enabled() -> bool:
    return _STATE["warn_always"]
