"""``torch.jit``: ember has no TorchScript. ``script`` and ``trace`` hand back the eager
module or function (with a one-time warning saying so), so scripts that script a model for
speed keep working; the decorators TorchScript reads are accepted and change nothing."""
from __future__ import annotations

import warnings

__all__ = ["script", "trace", "ignore", "unused", "export", "is_scripting", "is_tracing",
           "Final", "Attribute", "ScriptModule", "ScriptFunction", "interface"]

_WARNED = [False]


def _warn_once(what: str) -> None:
    if not _WARNED[0]:
        _WARNED[0] = True
        warnings.warn(f"torch.jit.{what}: ember has no TorchScript; the eager module or "
                      "function is returned and runs as written", UserWarning, stacklevel=3)


def script(obj, optimize=None, _frames_up: int = 0, _rcb=None, example_inputs=None):
    """``obj`` itself (ember cannot compile TorchScript)."""
    _warn_once("script")
    return obj


def trace(func, example_inputs=None, optimize=None, check_trace: bool = True,
          check_inputs=None, check_tolerance: float = 1e-5, strict: bool = True,
          _force_outplace: bool = False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs: bool = True):
    """``func`` itself, not a recorded graph (ember cannot trace into TorchScript)."""
    _warn_once("trace")
    return func


def ignore(drop=False, **kwargs):
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    return fn


def export(fn):
    return fn


def interface(obj):
    return obj


def is_scripting() -> bool:
    return False


def is_tracing() -> bool:
    return False


class _Annotation:
    """``Final[int]`` and similar annotations: subscripting gives back the type."""

    def __getitem__(self, item):
        return item


Final = _Annotation()


def Attribute(value, type=None):  # noqa: N802 - PyTorch's name
    return value


class ScriptModule:
    """Never made by ember; exists so ``isinstance(m, torch.jit.ScriptModule)`` is False."""


class ScriptFunction:
    """Never made by ember."""
