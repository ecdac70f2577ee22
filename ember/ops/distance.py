"""Distances and similarities: ``normalize``, ``cosine_similarity``, ``pairwise_distance``."""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from . import pointwise as _pw
from . import reduction as _rd
from ._util import broadcast_shapes
from ._nn_util import _check_tensor, _tname
from .composite import _add_scalar, _clamp_min, _vector_norm

_wrap = Tensor._wrap


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``."""
    _check_tensor(input, "normalize")
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {_tname(input)}")
    norm = _rd.norm(input, p, dim, True)
    denom = _clamp_min(norm, eps).expand_as(input)
    if out is not None:
        return _pw.div(input, denom, out=out)
    return input / denom


def _promote_pair(x1: Tensor, x2: Tensor):
    if x1._data.dtype != x2._data.dtype:
        dt = _dtype.result_type(x1, x2)
        x1, x2 = x1.to(dt), x2.to(dt)
    return x1, x2


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (broadcasting)."""
    _check_tensor(x1, "cosine_similarity", "x1")
    _check_tensor(x2, "cosine_similarity", "x2", 2)
    x1, x2 = _promote_pair(x1, x2)
    if x1._data.dtype.kind not in "fc":
        dt = _dtype.get_default_dtype()
        x1, x2 = x1.to(dt), x2.to(dt)
    shape = broadcast_shapes(x1._data.shape, x2._data.shape)
    if x1._data.shape != shape:
        x1 = x1.expand(shape)
    if x2._data.shape != shape:
        x2 = x2.expand(shape)
    n1 = _rd.norm(x1, 2, dim, True).clone()
    n2 = _rd.norm(x2, 2, dim, True).clone()
    # PyTorch clamps the norm copies in place outside autograd.
    np.maximum(n1._data, eps, out=n1._data)
    np.maximum(n2._data, eps, out=n2._data)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dim."""
    _check_tensor(x1, "pairwise_distance", "x1")
    _check_tensor(x2, "pairwise_distance", "x2", 2)
    out_dim = max(x1._data.ndim, x2._data.ndim)
    diff = _add_scalar(x1 - x2, eps)
    if out_dim == 0:
        diff = diff.reshape(1)
        return _vector_norm(diff, p, 0, keepdim).reshape((1,) if keepdim else ())
    return _vector_norm(diff, p, out_dim - 1, keepdim)
