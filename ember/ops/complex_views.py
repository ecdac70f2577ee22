"""Complex tensors seen as real pairs and back: ``view_as_real``, ``view_as_complex``, and the
``real``/``imag`` parts (``view_as_real(z).select(-1, 0 or 1)``, PyTorch's own composition),
all views sharing the complex tensor's memory, with their backward nodes."""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd import anp
from ..autograd.graph import Node
from .shape import make_view

__all__ = ["view_as_real", "view_as_complex", "real", "imag"]

_REAL_OF = {np.dtype(np.complex64): np.float32, np.dtype(np.complex128): np.float64}
_COMPLEX_OF = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}


def _pairs(z: np.ndarray) -> np.ndarray:
    """The float view ``(..., 2)`` of a complex array (real and imaginary parts)."""
    part = z.real
    shape = z.shape + (2,)
    strides = z.strides + (part.itemsize,)
    return np.lib.stride_tricks.as_strided(part, shape, strides, writeable=z.flags.writeable)


def _complex(x: np.ndarray) -> np.ndarray:
    """The complex view of a float array whose last dimension is a contiguous pair."""
    return x.view(_COMPLEX_OF[x.dtype])[..., 0]


def view_as_real(input: Tensor) -> Tensor:
    """A complex tensor's memory as real pairs: shape ``(..., 2)``."""
    d = input._data
    if d.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return make_view(input, _pairs(d), ViewAsRealBackward0(), view_as_real)


class ViewAsRealBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # the pairs' gradient, read back as complex numbers
        if anp.is_array(grad):
            return _complex(np.ascontiguousarray(grad)),
        return view_as_complex(grad.contiguous()),


def view_as_complex(input: Tensor) -> Tensor:
    """A float tensor whose last dimension is 2 (and contiguous) as complex numbers."""
    d = input._data
    if d.dtype not in _COMPLEX_OF:
        raise RuntimeError("view_as_complex is only supported for half, float and double "
                           f"tensors, but got a tensor of scalar type: "
                           f"{_dtype.from_np(d.dtype)._legacy[:-6]}")
    if not d.ndim or d.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if d.strides[-1] != d.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    return make_view(input, _complex(d), ViewAsComplexBackward0(), view_as_complex)


class ViewAsComplexBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # the complex gradient as real pairs
        if anp.is_array(grad):
            return _pairs(np.asarray(grad, dtype=grad.dtype)).copy(),
        return view_as_real(grad),


def real(input: Tensor) -> Tensor:
    """The real part: the tensor itself when it is not complex, else a view."""
    if input._data.dtype.kind != "c":
        return input
    return view_as_real(input).select(-1, 0)


def imag(input: Tensor) -> Tensor:
    """The imaginary part of a complex tensor, as a view."""
    if input._data.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return view_as_real(input).select(-1, 1)
