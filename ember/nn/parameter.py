"""``nn.Parameter``: a leaf tensor that a Module registers as a parameter."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _init_fields, _rebuild


class Parameter(Tensor):
    """A tensor that is a module parameter; requires grad by default."""

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            data = Tensor._wrap(np.empty((0,), np.float32))
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter data must be a Tensor, got {type(data).__name__}")
        p = object.__new__(cls)
        _init_fields(p, data._data)
        # A parameter shares memory with the tensor it wraps, and its version counter.
        p._vc = data._version_counter()
        p.requires_grad_(requires_grad)
        return p

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data.copy(), self._rg, self.__dict__ or None, Parameter))

    def __deepcopy__(self, memo):
        key = id(self)
        if key in memo:
            return memo[key]
        new = Parameter(Tensor._wrap(self._data.copy()), self._rg)
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        memo[key] = new
        return new


class Buffer(Tensor):
    """Marker type for ``nn.Buffer(tensor)``: assigning one to a Module registers a buffer."""

    __slots__ = ("persistent",)

    def __new__(cls, data: Tensor, *, persistent: bool = True):
        b = object.__new__(cls)
        _init_fields(b, data._data)
        b._rg = data._rg
        b.persistent = persistent
        return b

    def __init__(self, data=None, *, persistent: bool = True) -> None:
        pass
