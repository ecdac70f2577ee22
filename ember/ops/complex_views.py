"""Complex numbers: seen as real pairs and back (``view_as_real``, ``view_as_complex``, and
the ``real``/``imag`` parts, ``view_as_real(z).select(-1, 0 or 1)`` as PyTorch composes them:
views sharing the complex memory), made from parts (``complex``, ``polar``), and their
``angle`` and ``conj_physical``, with their backward nodes."""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record1, record2
from ._util import broadcast_shapes
from .shape import make_view
from .reduction import with_out as _with_out

__all__ = ["view_as_real", "view_as_complex", "real", "imag", "angle", "conj_physical",
           "complex", "polar"]

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


def angle(input: Tensor, *, out=None) -> Tensor:
    """The argument of each element: atan2(imag, real) for complex input; for real input 0,
    pi for negative numbers, NaN kept (integers give the default float dtype)."""
    d = input._data
    if d.dtype.kind == "c":
        r = np.angle(d)
    else:
        if d.dtype.kind in "biu":
            d = d.astype(_dtype.get_default_dtype().np)
        r = np.where(d < 0, np.pi, 0.0).astype(d.dtype)
        r[np.isnan(d)] = np.nan
    if STATE.enabled and input._rg:
        node = AngleBackward0()
        t = record1(node, r, input)
        node.save1(input)
        return t if out is None else _copy_out(t, out)
    t = _wrap(r)
    return t if out is None else _copy_out(t, out)


class AngleBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # complex: i z grad / |z|^2 (0 at 0); real: 0
        z, = self.saved()
        if anp.value(z).dtype.kind != "c":
            return anp.zeros_like(z),
        mag2 = anp.abs(z) * anp.abs(z)
        zero = anp.value(mag2) == 0
        g = grad * z / anp.where(zero, 1.0, mag2) * 1j
        return anp.where(zero, 0.0, g),


def conj_physical(input: Tensor) -> Tensor:
    """The complex conjugate as a new tensor (a real tensor is returned as it is)."""
    d = input._data
    if d.dtype.kind != "c":
        return input
    r = np.conj(d)
    if STATE.enabled and input._rg:
        return record1(ConjPhysicalBackward0(), r, input)
    return _wrap(r)


class ConjPhysicalBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return anp.conj(grad),


@_with_out("complex")
def complex(real: Tensor, imag: Tensor, *, out=None) -> Tensor:
    """The complex tensor ``real + i imag`` (float32 parts give complex64, float64 parts
    complex128; broadcast)."""
    a, b = real._data, imag._data
    if a.dtype.kind != "f" or b.dtype.kind != "f":
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{_name(a)} and {_name(b)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"Expected object of scalar type {_name(a)} but got scalar type "
                           f"{_name(b)} for second argument")
    shape = broadcast_shapes(a.shape, b.shape)
    r = np.empty(shape, _COMPLEX_OF[a.dtype])
    r.real = a
    r.imag = b
    if STATE.enabled and (real._rg or imag._rg):
        return record2(ComplexBackward0(), r, real, imag)
    return _wrap(r)


class ComplexBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # the parts of the gradient
        if anp.is_array(grad):
            return grad.real.copy(), grad.imag.copy()
        return real(grad), imag(grad)


@_with_out("polar")
def polar(abs: Tensor, angle: Tensor, *, out=None) -> Tensor:
    """The complex tensor with magnitude ``abs`` and argument ``angle``."""
    a, t = abs._data, angle._data
    if a.dtype != t.dtype:
        raise RuntimeError(f"Expected object of scalar type {_name(a)} but got scalar type "
                           f"{_name(t)} for second argument")
    shape = broadcast_shapes(a.shape, t.shape)
    r = np.empty(shape, _COMPLEX_OF[a.dtype])
    r.real = a * np.cos(t)
    r.imag = a * np.sin(t)
    if STATE.enabled and (abs._rg or angle._rg):
        node = PolarBackward0()
        out_t = record2(node, r, abs, angle)
        node.save_result(out_t)
        return out_t
    return _wrap(r)


class PolarBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # abs: Re(grad conj(sgn z)); angle: Re(grad conj(i z))
        z = self.result()
        fa, ft = self.next_functions
        ga = _re(grad * anp.conj(anp.sgn(z))) if fa[0] is not None else None
        gt = _re(grad * anp.conj(z * 1j)) if ft[0] is not None else None
        return ga, gt


def _re(x):
    return x.real if anp.is_array(x) else real(x)


def _name(a: np.ndarray) -> str:
    return _dtype.from_np(a.dtype)._legacy[:-6]


def _copy_out(t: Tensor, out: Tensor) -> Tensor:
    from ._elementwise import _out
    return _out(t, out)


_wrap = Tensor._wrap
