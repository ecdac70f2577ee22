"""Grad mode: whether ops record the graph. Context managers that also work as decorators."""
from __future__ import annotations

import functools
import inspect
import sys
import warnings

# The state lives below the Tensor (ember/_autograd_state.py), which reads it; re-exported here.
from .._autograd_state import ANOMALY, STATE  # noqa: F401

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


def is_grad_enabled() -> bool:
    """True when operations record the autograd graph."""
    return STATE.enabled


def is_inference_mode_enabled() -> bool:
    return STATE.inference


class _DecoratorContextManager:
    """Base of the grad-mode managers: usable as ``with``, as ``@deco()`` and (where PyTorch
    allows it) as ``@deco``; a decorated generator runs each step under the mode."""

    def __call__(self, func):
        if inspect.isclass(func):
            warnings.warn("Decorating classes is deprecated and will be disabled in future "
                          "versions. You should only decorate functions or methods. To preserve "
                          "the current behavior of class decoration, you can directly decorate "
                          "the `__init__` method and nothing else.", FutureWarning,
                          stacklevel=2)
            cls = func
            func = lambda *args, **kwargs: cls(*args, **kwargs)  # noqa: E731
        if inspect.isgeneratorfunction(func):
            return _wrap_generator(self.clone, func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)()


def _wrap_generator(make_ctx, func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        gen = func(*args, **kwargs)
        # Every resumption of the generator (send, throw, close) runs under the mode, and
        # the caller's mode is back whenever it yields.
        try:
            with make_ctx():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with make_ctx():
                        gen.close()
                    raise
                except BaseException:
                    with make_ctx():
                        response = gen.throw(*sys.exc_info())
                else:
                    with make_ctx():
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value
    return wrapper


class _NoParamDecoratorContextManager(_DecoratorContextManager):
    """Also usable as a bare decorator: ``@no_grad``."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecoratorContextManager):
    """Disable gradient recording inside the block (or the decorated function)."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = STATE.enabled
        STATE.enabled = False

    def __exit__(self, *exc) -> None:
        STATE.enabled = self.prev


class enable_grad(_NoParamDecoratorContextManager):
    """Enable gradient recording inside the block, even within ``no_grad``."""

    def __enter__(self) -> None:
        self.prev = STATE.enabled
        STATE.enabled = True

    def __exit__(self, *exc) -> None:
        STATE.enabled = self.prev


class set_grad_enabled(_DecoratorContextManager):
    """Set grad mode on or off: takes effect at once, and restores on leaving a block."""

    def __init__(self, mode: bool) -> None:
        self.prev = STATE.enabled
        self.mode = mode
        STATE.enabled = bool(mode)

    def __enter__(self) -> None:
        STATE.enabled = bool(self.mode)

    def __exit__(self, *exc) -> None:
        STATE.enabled = self.prev

    def __str__(self) -> str:
        return f"torch.autograd.grad_mode.set_grad_enabled(mode={self.mode})"

    __repr__ = __str__

    def clone(self):
        return set_grad_enabled(self.mode)

    def __call__(self, func):
        # Used as a decorator the constructor must not have changed the mode.
        STATE.enabled = self.prev
        return super().__call__(func)


class inference_mode(_DecoratorContextManager):
    """Like ``no_grad``; ``inference_mode(False)`` turns grad mode back on inside it."""

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)              # @inference_mode without parentheses

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self.prev = (True, False)

    def __enter__(self) -> None:
        self.prev = (STATE.enabled, STATE.inference)
        STATE.enabled = not self.mode
        STATE.inference = bool(self.mode)

    def __exit__(self, *exc) -> None:
        STATE.enabled, STATE.inference = self.prev

    def clone(self):
        return inference_mode(self.mode)
