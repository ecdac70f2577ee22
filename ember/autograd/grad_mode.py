"""Grad mode: whether ops record the graph. Context managers that also work as decorators."""
from __future__ import annotations

import functools
import inspect

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _GradState:
    # One attribute read per op ("STATE.enabled") is the cheapest global switch in Python.
    __slots__ = ("enabled", "inference")


STATE = _GradState()
STATE.enabled = True
STATE.inference = False


class _AnomalyState:
    __slots__ = ("enabled", "check_nan")


# Set by autograd.anomaly_mode; the engine reads it once per backward.
ANOMALY = _AnomalyState()
ANOMALY.enabled = False
ANOMALY.check_nan = True


def is_grad_enabled() -> bool:
    """True when operations record the autograd graph."""
    return STATE.enabled


def is_inference_mode_enabled() -> bool:
    return STATE.inference


class _DecoratorContextManager:
    """Base of the grad-mode managers: usable as ``with``, as ``@deco`` and as ``@deco()``."""

    def __call__(self, func):
        if inspect.isclass(func):
            raise TypeError(f"{type(self).__name__} cannot decorate a class")
        if inspect.isgeneratorfunction(func):
            return self._wrap_generator(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper

    def _wrap_generator(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            gen = func(*args, **kwargs)
            # Each resumption of the generator runs under this mode, as in PyTorch.
            with self.clone():
                value = next(gen)
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    gen.close()
                    raise
                with self.clone():
                    try:
                        value = gen.send(sent)
                    except StopIteration as stop:
                        return stop.value
        return wrapper

    def clone(self):
        return type(self)()


class no_grad(_DecoratorContextManager):
    """Disable gradient recording inside the block (or the decorated function)."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = STATE.enabled
        STATE.enabled = False

    def __exit__(self, *exc) -> None:
        STATE.enabled = self.prev


class enable_grad(_DecoratorContextManager):
    """Enable gradient recording inside the block, even within ``no_grad``."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = STATE.enabled
        STATE.enabled = True

    def __exit__(self, *exc) -> None:
        STATE.enabled = self.prev


class set_grad_enabled(_DecoratorContextManager):
    """Set grad mode on or off: takes effect at once, and restores on leaving a block."""

    def __init__(self, mode: bool) -> None:
        self.prev = STATE.enabled
        self.mode = bool(mode)
        STATE.enabled = self.mode

    def __enter__(self) -> None:
        STATE.enabled = self.mode

    def __exit__(self, *exc) -> None:
        STATE.enabled = self.prev

    def clone(self):
        return set_grad_enabled(self.mode)

    def __call__(self, func):
        # Used as a decorator the constructor must not have changed the mode.
        STATE.enabled = self.prev
        return super().__call__(func)


class inference_mode(_DecoratorContextManager):
    """Like ``no_grad`` (ember keeps no extra inference-only state)."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self.prev = (True, False)

    def __enter__(self) -> None:
        self.prev = (STATE.enabled, STATE.inference)
        if self.mode:
            STATE.enabled = False
            STATE.inference = True

    def __exit__(self, *exc) -> None:
        STATE.enabled, STATE.inference = self.prev

    def clone(self):
        return inference_mode(self.mode)

    def __call__(self, func):
        if isinstance(func, bool):  # @inference_mode(False) reached as inference_mode()(False)
            return inference_mode(func)
        return super().__call__(func)
