"""Discrete Fourier transforms: PyTorch's three primitives, complex to complex
(``FftC2CBackward0``), real to complex (``FftR2CBackward0``, the full or the one-sided
spectrum) and complex to real (``FftC2RBackward0``), computed with ``numpy.fft`` (in
single precision for float32/complex64 data) and differentiable; ``ember/fft.py`` builds
``torch.fft`` on them.

``norm`` is PyTorch's integer mode: 0 leaves the sums unscaled, 1 divides by sqrt(n), 2 by
n (n the product of the transformed sizes); each backward applies the adjoint transform with
the same mode, as PyTorch's formulas do."""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record1
from .complex_views import real

__all__ = ["fft_c2c", "fft_r2c", "fft_c2r"]

_wrap = Tensor._wrap


def _scaled(r: np.ndarray, norm: int, n: int) -> np.ndarray:
    if norm == 1:
        r *= r.real.dtype.type(1 / math.sqrt(n))
    elif norm == 2:
        r *= r.real.dtype.type(1 / n)
    return r


def _signal_size(shape: tuple, dims: tuple) -> int:
    return math.prod(shape[d] for d in dims)


def _c2c_np(x: np.ndarray, dims: tuple, norm: int, forward: bool) -> np.ndarray:
    r = np.fft.fftn(x, axes=dims) if forward else np.fft.ifftn(x, axes=dims, norm="forward")
    return _scaled(r, norm, _signal_size(x.shape, dims))


def _r2c_np(x: np.ndarray, dims: tuple, norm: int, onesided: bool) -> np.ndarray:
    r = np.fft.rfftn(x, axes=dims) if onesided else np.fft.fftn(x, axes=dims)
    return _scaled(r, norm, _signal_size(x.shape, dims))


def _c2r_np(x: np.ndarray, dims: tuple, norm: int, last_dim_size: int) -> np.ndarray:
    s = [x.shape[d] for d in dims[:-1]] + [last_dim_size]
    r = np.fft.irfftn(x, s=s, axes=dims, norm="forward")
    return _scaled(r, norm, math.prod(s))


def _record(node_cls, r: np.ndarray, x: Tensor, **fields) -> Tensor:
    if STATE.enabled and x._rg:
        node = node_cls()
        for k, v in fields.items():
            setattr(node, k, v)
        return record1(node, r, x)
    return _wrap(r)


def fft_c2c(x, dims: tuple, norm: int, forward: bool):
    """The complex transform of ``x`` over ``dims`` (``forward``: e^-i, else e^+i)."""
    if anp.is_array(x):
        return _c2c_np(x, dims, norm, forward)
    return _record(FftC2CBackward0, _c2c_np(x._data, dims, norm, forward), x, dims=dims,
                   norm=norm, forward=forward)


class FftC2CBackward0(Node):
    __slots__ = ("dims", "norm", "forward")

    def backward(self, grad):          # the adjoint: the opposite direction, the same scaling
        return fft_c2c(grad, self.dims, self.norm, not self.forward),


def fft_r2c(x, dims: tuple, norm: int, onesided: bool):
    """The forward transform of real ``x`` over ``dims``: the full complex spectrum, or with
    ``onesided`` only the non-negative frequencies of the last dim."""
    if anp.is_array(x):
        return _r2c_np(x, dims, norm, onesided)
    return _record(FftR2CBackward0, _r2c_np(x._data, dims, norm, onesided), x, dims=dims,
                   norm=norm, onesided=onesided, last_dim_size=x._data.shape[dims[-1]])


class FftR2CBackward0(Node):
    __slots__ = ("dims", "norm", "onesided", "last_dim_size")

    def backward(self, grad):
        # one-sided: the dropped half of the spectrum gets zeros, then the real part of the
        # adjoint complex transform
        if self.onesided:
            d = self.dims[-1]
            missing = self.last_dim_size - grad.shape[d]
            if missing > 0:
                grad = _zero_padded(grad, d, missing)
        full = fft_c2c(grad, self.dims, self.norm, False)
        return (full.real if anp.is_array(full) else real(full)),


def _zero_padded(g, d: int, missing: int):
    """``g`` with ``missing`` zeros appended along dim ``d`` (differentiable on a tensor)."""
    if anp.is_array(g):
        pad = [(0, 0)] * g.ndim
        pad[d] = (0, missing)
        return np.pad(g, pad)
    from .padding import constant_pad_nd
    return constant_pad_nd(g, (0, 0) * (g.dim() - 1 - d) + (0, missing))


def fft_c2r(x, dims: tuple, norm: int, last_dim_size: int):
    """The real signal whose one-sided spectrum over ``dims`` is ``x`` (``last_dim_size``
    samples along the last of them)."""
    if anp.is_array(x):
        return _c2r_np(x, dims, norm, last_dim_size)
    return _record(FftC2RBackward0, _c2r_np(x._data, dims, norm, last_dim_size), x,
                   dims=dims, norm=norm)


class FftC2RBackward0(Node):
    __slots__ = ("dims", "norm")

    def backward(self, grad):
        # the one-sided forward transform, the frequencies whose mirror images were
        # dropped counted twice
        g = fft_r2c(grad, self.dims, self.norm, True)
        d = self.dims[-1]
        twice = grad.shape[d] - g.shape[d]
        if twice > 0:
            w = np.ones(g.shape[d], dtype=anp.value(g).real.dtype)
            w[1:1 + twice] = 2
            w = w.reshape((-1,) + (1,) * (len(g.shape) - 1 - d))
            g = g * anp.constant(w, g)
        return g,
