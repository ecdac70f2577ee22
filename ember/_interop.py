"""Tensors next to NumPy arrays, as in PyTorch: operators, NumPy functions, DLPack.

PyTorch's rules, which this module reproduces:

* A tensor's arithmetic operators decline an ndarray operand (NotImplemented), so NumPy's
  reflected operator computes the result with NumPy's own type rules, on the tensor's
  memory (``__array__``), and hands it back as a tensor (``__array_wrap__``):
  ``float32 tensor + int64 array`` is a float64 tensor. ``ndarray / tensor`` is
  ``tensor.reciprocal() * ndarray``; ``tensor == ndarray`` compares as tensors.
* With the array on the left, ``__array_priority__`` makes NumPy defer to the tensor, which
  declines in turn: ``ndarray + tensor`` and ``tensor < ndarray`` raise TypeError and
  ``tensor != ndarray`` is Python's identity test (True), exactly as with PyTorch.
* ``np.asarray(tensor)`` is refused while the tensor requires grad; ``np.exp(tensor)`` is a
  tensor.
* ``from_dlpack`` and ``Tensor.__dlpack__`` exchange memory with any DLPack producer or
  consumer (NumPy's own ``np.from_dlpack`` included), without copying.
"""
from __future__ import annotations

from types import FunctionType

import numpy as np

from ._dtype import from_np
from ._tensor import Tensor
from .ops import pointwise as _pw

__all__ = ["from_dlpack"]

_ndarray = np.ndarray


def _operand(a: np.ndarray) -> Tensor:
    from_np(a.dtype)    # PyTorch's TypeError for dtypes it lacks (object, str, uint16...)
    return Tensor._wrap(a)


def _converting(fn):
    """``fn(self, other)`` with an ndarray ``other`` taken as a tensor."""
    def op(self, other):
        if other.__class__ is not Tensor and isinstance(other, _ndarray):
            other = _operand(other)
        return fn(self, other)
    op.__name__ = op.__qualname__ = fn.__name__
    op.__doc__ = fn.__doc__
    return op


def _declining(fn):
    """``fn(self, other)``, but NotImplemented for an ndarray ``other``."""
    def op(self, other):
        # (a tensor operand, the hot case, is decided by one identity test)
        if other.__class__ is not Tensor and isinstance(other, _ndarray):
            return NotImplemented
        return fn(self, other)
    op.__name__ = op.__qualname__ = getattr(fn, "__name__", "op")
    op.__doc__ = fn.__doc__
    return op


def _operator_form(fn):
    """``fn`` with its ``_op`` flag set: the same code, declining an ndarray on its own slow
    path (``_declines``), so that tensor and number operands pay no wrapper."""
    op = FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                      fn.__closure__)
    op.__kwdefaults__ = {**fn.__kwdefaults__, "_op": True}
    op.__qualname__ = fn.__qualname__
    op.__doc__ = fn.__doc__
    op.__module__ = fn.__module__
    return op


def _rtruediv(self, other):
    if isinstance(other, _ndarray):
        # PyTorch's __rtruediv__ is ``self.reciprocal() * other``: NumPy then multiplies
        return _pw.reciprocal(self) * other
    return _pw.rdiv(self, other)


_CONVERTING = ("__eq__",)
# the hot operators decline inside their op (its ``_op`` flag); the rest through a wrapper
# (``__rpow__`` and ``__rtruediv__`` decide themselves)
_FLAGGED = ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
            "__truediv__", "__pow__", "__matmul__", "__iadd__", "__isub__", "__imul__",
            "__itruediv__")
_DECLINING = ("__floordiv__", "__mod__", "__rfloordiv__", "__rmod__", "__rmatmul__",
              "__and__", "__or__", "__xor__", "__rand__", "__ror__", "__rxor__", "__lshift__",
              "__rshift__", "__rlshift__", "__rrshift__", "__lt__", "__le__", "__gt__", "__ge__",
              "__ne__", "__ifloordiv__", "__imod__", "__ipow__", "__iand__", "__ior__",
              "__ixor__", "__ilshift__", "__irshift__")


def __dlpack__(self, stream=None, max_version=None, dl_device=None, copy=None):
    """A DLPack capsule sharing this tensor's memory."""
    if self._rg:
        raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
    kwargs = {}
    if max_version is not None:
        kwargs["max_version"] = max_version
    if copy is not None:
        kwargs["copy"] = copy
    return self._data.__dlpack__(stream=stream, **kwargs)


def __dlpack_device__(self) -> tuple:
    return (1, 0)   # (kDLCPU, device 0)


class _Capsule:
    """Lets NumPy import a bare DLPack capsule (what ``to_dlpack`` returns)."""

    __slots__ = ("capsule",)

    def __init__(self, capsule) -> None:
        self.capsule = capsule

    def __dlpack__(self, stream=None, max_version=None, dl_device=None, copy=None):
        return self.capsule

    def __dlpack_device__(self) -> tuple:
        return (1, 0)


def from_dlpack(ext_tensor) -> Tensor:
    """A tensor sharing the memory of a DLPack producer (an object with ``__dlpack__``, such
    as a NumPy array or another library's tensor, or a capsule from ``to_dlpack``)."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    if not hasattr(ext_tensor, "__dlpack__"):
        ext_tensor = _Capsule(ext_tensor)
    return _operand(np.from_dlpack(ext_tensor))


def to_dlpack(tensor: Tensor):
    """A DLPack capsule of ``tensor`` (``torch.utils.dlpack.to_dlpack``)."""
    return tensor.__dlpack__()


def _bind() -> None:
    for name in _CONVERTING:
        setattr(Tensor, name, _converting(getattr(Tensor, name)))
    for name in _FLAGGED:
        setattr(Tensor, name, _operator_form(getattr(Tensor, name)))
    for name in _DECLINING:
        fn = getattr(Tensor, name, None)
        if fn is not None:
            setattr(Tensor, name, _declining(fn))
    Tensor.__rtruediv__ = _rtruediv
    Tensor.__dlpack__ = __dlpack__
    Tensor.__dlpack_device__ = __dlpack_device__


_bind()
