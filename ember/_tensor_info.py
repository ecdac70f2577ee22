"""Tensor attributes that describe storage and kind (``storage_offset``, ``itemsize``,
``is_signed``...), with PyTorch's answers for a CPU tensor."""
from __future__ import annotations

from ._dtype import kind as _kind
from ._tensor import Tensor


def storage_offset(self: Tensor) -> int:
    """Elements between the start of the memory this tensor views and its first element."""
    base = self if self._base is None else self._base
    delta = (self._data.__array_interface__["data"][0]
             - base._data.__array_interface__["data"][0])
    return delta // self._data.itemsize if self._data.size else 0


def itemsize(self: Tensor) -> int:
    return self._data.itemsize


def nbytes(self: Tensor) -> int:
    return self._data.nbytes


def get_device(self: Tensor) -> int:
    """-1: the tensor is on the CPU."""
    return -1


def is_signed(self: Tensor) -> bool:
    return _kind(self._data.dtype) in "fic"


def is_inference(self: Tensor) -> bool:
    """False: ember's inference mode is a no-grad mode and makes no inference tensors."""
    return False


def is_nonzero(self: Tensor) -> bool:
    n = self._data.size
    if n != 1:
        what = "no values" if n == 0 else "more than one value"
        raise RuntimeError(f"Boolean value of Tensor with {what} is ambiguous")
    return bool(self._data.reshape(-1)[0])


def is_same_size(self: Tensor, other: Tensor) -> bool:
    return self._data.shape == other._data.shape


def _false(self: Tensor) -> bool:
    return False


def _same(self: Tensor) -> Tensor:
    return self


TABLE = {
    "storage_offset": storage_offset, "itemsize": property(itemsize),
    "nbytes": property(nbytes), "get_device": get_device, "is_signed": is_signed,
    "is_inference": is_inference,
    "is_nonzero": is_nonzero, "is_same_size": is_same_size,
    # ember has no conjugate/negative views, sparse, quantized, nested or meta tensors
    "is_conj": _false, "is_neg": _false,
    "resolve_conj": _same, "resolve_neg": _same,
    "is_sparse": property(_false), "is_quantized": property(_false),
    "is_nested": property(_false), "is_meta": property(_false), "is_mps": property(_false),
    "is_xpu": property(_false), "is_mkldnn": property(_false),
}


def _function(name: str, method):
    """The ``torch.<name>(input)`` form of a method, with PyTorch's TypeError for a non-tensor."""
    def fn(input: Tensor):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return method(input)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``input.{name}()``."
    return fn


FUNCTIONS = {name: _function(name, TABLE[name]) for name in
             ("is_signed", "is_inference", "is_conj", "is_neg", "resolve_conj", "resolve_neg")}
