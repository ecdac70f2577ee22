"""``torch.autograd.Variable``: the wrapper that tracked gradients before PyTorch 0.4 merged it
into the Tensor. Old tutorials and course slides still write ``Variable(x, requires_grad=True)``;
as in PyTorch 2, it now returns ``x`` detached (sharing its memory), a leaf that requires grad
when asked, and every tensor is an instance of ``Variable``."""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor

__all__ = ["Variable"]

_VOLATILE = ("volatile was removed and now has no effect. Use `with torch.no_grad():` "
             "instead.")


class _VariableMeta(type):
    def __instancecheck__(cls, other) -> bool:
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False)``: ``data`` detached, as a new leaf."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = False,
                volatile: bool = False) -> Tensor:
        if volatile:
            warnings.warn(_VOLATILE, UserWarning, stacklevel=2)
            if requires_grad:
                raise ValueError("Variable can't be volatile and require_grad at the same time!")
        if data is None:
            data = Tensor._wrap(np.empty((0,), _dtype.get_default_dtype().np))
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if requires_grad and _dtype.kind(data._data.dtype) not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t = data.detach()
        if requires_grad:
            t.requires_grad_(True)
        return t


Variable.__module__ = "torch.autograd.variable"
