"""Dropout family: ``dropout``, ``alpha_dropout`` and the feature (channel) dropouts,
``feature_alpha_dropout`` included, and ``native_dropout`` (the output and its mask)."""
from __future__ import annotations

import math
import warnings
import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record1
from ._nn_util import _check_tensor, _tname

_wrap = Tensor._wrap


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_draws(input: Tensor, q: float) -> np.ndarray:
    """``empty_like(input).bernoulli_(q)`` in ``input``'s dtype: drawn from the default
    generator in the order of ``input``'s memory, so it equals PyTorch's bit for bit."""
    from .. import _generator as _g
    d = input._data
    if d.flags.c_contiguous:
        return _g.bernoulli(q, d.shape, d.dtype)
    from ..ops import random as _rn
    return _rn.bernoulli_(_rn._empty_like(input, None), q)._data


def _dropout_mask(input: Tensor, p: float) -> np.ndarray:
    """PyTorch's noise: ``empty_like(input).bernoulli_(1 - p).div_(1 - p)``."""
    noise = _keep_draws(input, 1 - p)
    if noise.dtype == _dtype.BF16:     # divided in float32 and rounded, as PyTorch
        return (noise.astype(np.float32) / (1 - p)).astype(noise.dtype)
    if noise.dtype.kind != "f":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{_tname(input)}")
    np.divide(noise, 1 - p, out=noise)
    return noise


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``."""
    _check_tensor(input, "dropout")
    _check_p(p)
    if p == 0 or not training or input._data.size == 0:
        return input
    if p == 1:
        zero = _wrap(np.zeros((), input._data.dtype))
        return input.mul_(zero) if inplace else input * zero
    mask = _wrap(_dropout_mask(input, p))
    return input.mul_(mask) if inplace else input * mask


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout that keeps a SELU network's mean and variance (PyTorch's formula)."""
    _check_tensor(input, "alpha_dropout")
    _check_p(p)
    if p == 0 or not training or input._data.size == 0:
        return input
    if p == 1:
        zero = _wrap(np.zeros((), input._data.dtype))
        return input.mul_(zero) if inplace else input * zero
    from .. import _generator as _g
    d = input._data
    return _alpha_noise(input, _g.bernoulli(1 - p, d.shape, d.dtype), p, inplace)


def _alpha_noise(input: Tensor, keep: np.ndarray, p: float, inplace: bool) -> Tensor:
    """``input * (keep * a) + b``: the kept values scaled and the dropped ones moved to
    SELU's negative saturation, so that mean and variance stay (PyTorch's a and b)."""
    alpha = 1.7580993408473766
    a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    b = (keep - 1) * (alpha * a) + alpha * a * p
    keep *= a
    out = input.mul_(_wrap(keep)) if inplace else input * _wrap(keep)
    return out.add_(_wrap(b)) if inplace else out + _wrap(b)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """``alpha_dropout`` of whole channels: one draw per (sample, channel)."""
    _check_tensor(input, "feature_alpha_dropout")
    _check_p(p)
    return _feature_dropout(input, p, training, inplace, alpha=True)


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool,
                     alpha: bool = False) -> Tensor:
    """Zero whole channels: one draw per (sample, channel), PyTorch's feature noise (with
    ``alpha``, alpha dropout's map of the dropped channels)."""
    d = input._data
    if p == 0 or not training or d.size == 0:
        return input
    if p == 1:
        zero = _wrap(np.zeros((), d.dtype))
        return input.mul_(zero) if inplace else input * zero
    if d.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    from .. import _generator as _g
    noise = _g.bernoulli(1 - p, d.shape[:2] + (1,) * (d.ndim - 2), d.dtype)
    if alpha:
        return _alpha_noise(input, noise, p, inplace)
    np.divide(noise, 1 - p, out=noise)
    return input.mul_(_wrap(noise)) if inplace else input * _wrap(noise)


def _unbatched_feature_dropout(input: Tensor, p: float, training: bool,
                               inplace: bool) -> Tensor:
    if inplace:
        _feature_dropout(input.unsqueeze(0), p, training, True)
        return input
    return _feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) inputs."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. "
                           "Note that dropout1d exists to provide channel-wise dropout on "
                           "inputs with 1 spatial dimension, a channel dimension, and an "
                           "optional batch dimension (i.e. 2D or 3D inputs).")
    if nd == 2:
        return _unbatched_feature_dropout(input, p, training, inplace)
    return _feature_dropout(input, p, training, inplace)


def _feature_dim_warning(name: str, nd: int, dims: str, spatial: int) -> None:
    warnings.warn(f"{name}: Received a {nd}-D input to {name}, which is deprecated and will "
                  "result in an error in a future release. To retain the behavior and silence "
                  "this warning, please use dropout instead. Note that "
                  f"{name} exists to provide channel-wise dropout on inputs with {spatial} "
                  "spatial dimensions, a channel dimension, and an optional batch dimension "
                  f"(i.e. {dims} inputs).", stacklevel=3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) inputs (a 3-d input is taken as (N, C, L), as
    PyTorch still does)."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (3, 4):
        _feature_dim_warning("dropout2d", nd, "3D or 4D", 2)
    if nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.",
                      stacklevel=2)
    return _feature_dropout(input, p, training, inplace)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs."""
    _check_p(p)
    nd = input._data.ndim
    if nd not in (4, 5):
        _feature_dim_warning("dropout3d", nd, "4D or 5D", 3)
    if nd != 5:
        return _unbatched_feature_dropout(input, p, training, inplace)
    return _feature_dropout(input, p, training, inplace)


def native_dropout(input: Tensor, p: float, train: bool | None) -> tuple:
    """``torch.native_dropout``: ``(input * mask / (1 - p), mask)`` with a bool ``mask`` from
    the draws ``dropout`` makes; when not training, ``(input.clone(), all True)``."""
    _check_tensor(input, "native_dropout")
    d = input._data
    if d.size == 0:                    # PyTorch's early return: the input and an empty mask
        return input, _wrap(np.empty(d.shape, d.dtype))
    if train is None or train:
        if not 0.0 <= 1 - p <= 1.0:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={1 - p}")
        keep = _keep_draws(input, 1 - p).astype(bool)
        if d.dtype.kind != "f" and d.dtype != _dtype.BF16:
            raise RuntimeError(f"result type Float can't be cast to the desired output type "
                               f"{_tname(input)}")
        scale = 0.0 if p == 1 else 1.0 / (1 - p)
        if d.dtype.itemsize < 4:       # half types: the product in float32, rounded once
            r = (d.astype(np.float32) * keep * np.float32(scale)).astype(d.dtype)
        else:
            r = d * keep * d.dtype.type(scale)
    else:
        keep = np.ones(d.shape, bool)
        r = d.copy()
    mask = _wrap(keep)
    if STATE.enabled and input._rg:
        node = NativeDropoutBackward0()
        # PyTorch's derivative scales by 1 unless train is True (train=None drops in the
        # forward yet passes the kept gradients unscaled)
        node.mask, node.scale = keep, (scale if train else 1.0)
        return record1(node, r, input), mask
    return _wrap(r), mask


class NativeDropoutBackward0(Node):
    __slots__ = ("mask", "scale")

    def backward(self, grad):
        return grad * anp.constant(self.mask, grad) * self.scale,
