"""``nn.Parameter`` (a leaf tensor a Module registers as a parameter) and ``nn.Buffer``."""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _init_fields, _rebuild

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A tensor that is a module parameter; requires grad by default."""

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            data = Tensor._wrap(np.empty((0,), np.float32))
        if not isinstance(data, Tensor):
            raise AttributeError(f"'{type(data).__name__}' object has no attribute 'detach'")
        if requires_grad and _dtype.kind(data._data.dtype) not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        p = object.__new__(cls)
        _init_fields(p, data._data)
        # A parameter shares memory with the tensor it wraps, and its version counter.
        p._vc = data._version_counter()
        p._rg = bool(requires_grad)
        return p

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data.copy(), self._rg, self.__dict__ or None, Parameter))

    def __deepcopy__(self, memo):
        # PyTorch copies the data and requires_grad only (not .grad).
        key = id(self)
        if key in memo:
            return memo[key]
        new = type(self)(Tensor._wrap(self._data.copy()), self._rg)
        memo[key] = new
        return new


class _BufferMeta(type):
    # ``Buffer(t)`` returns a plain tensor marked as a buffer; isinstance checks the mark.
    def __instancecheck__(cls, instance) -> bool:
        if isinstance(instance, Tensor):
            d = getattr(instance, "__dict__", None)
            return bool(d and d.get("_is_buffer", False))
        return False


class Buffer(metaclass=_BufferMeta):
    """``nn.Buffer(tensor, persistent=True)``: assigning one to a Module registers a buffer."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            data = Tensor._wrap(np.empty((0,), np.float32))
        t = data.detach()
        t._rg = data._rg
        t.persistent = persistent
        t._is_buffer = True
        return t
