"""``torch.compile`` and ``torch.compiler``: ember has no graph compiler, so a compiled model
or function runs eagerly, op by op, as PyTorch's ``backend="eager"`` runs it. Models come back
wrapped in an ``OptimizedModule`` as in PyTorch (its state_dict keys start with
``_orig_mod.``), so code that unwraps them works unchanged."""
from __future__ import annotations

import functools
from typing import Callable

from .nn.modules.module import Module

__all__ = ["compile", "OptimizedModule", "is_compiling", "is_dynamo_compiling", "disable",
           "reset", "allow_in_graph", "assume_constant_result"]


class OptimizedModule(Module):
    """A compiled module: calls ``_orig_mod`` and reads unknown attributes from it."""

    def __init__(self, mod: Module) -> None:
        super().__init__()
        self._orig_mod = mod

    def forward(self, *args, **kwargs):
        return self._orig_mod(*args, **kwargs)

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._modules["_orig_mod"], name)


def compile(model: Callable | None = None, *, fullgraph: bool = False,
            dynamic: bool | None = None, backend="inductor", mode: str | None = None,
            options: dict | None = None, name: str | None = None, disable: bool = False,
            recompile_limit: int | None = None, isolate_recompiles: bool = False,
            shapes_spec=None):
    """PyTorch's ``torch.compile`` signature; the result runs eagerly (as with
    ``backend="eager"``), so it computes exactly what the uncompiled model computes.
    Without ``model`` it returns a decorator."""
    if model is None:
        return lambda m: compile(m, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                 mode=mode, options=options, disable=disable)
    if not callable(model):
        raise RuntimeError(f"torch.compile expects a callable, got {type(model).__name__}")
    if disable:
        return model
    if isinstance(model, Module):
        return OptimizedModule(model)

    @functools.wraps(model)
    def compiled(*args, **kwargs):
        return model(*args, **kwargs)
    return compiled


def is_compiling() -> bool:
    """False: nothing is ever traced by a compiler."""
    return False


is_dynamo_compiling = is_compiling


def disable(fn=None, recursive: bool = True, *, reason: str | None = None):
    """A decorator that leaves ``fn`` as it is (nothing is compiled anyway)."""
    return fn if fn is not None else (lambda f: f)


def reset() -> None:
    """No compiled code to drop."""


def allow_in_graph(fn):
    return fn


def assume_constant_result(fn):
    return fn
