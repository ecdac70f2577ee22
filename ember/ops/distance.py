"""Distances and similarities: ``normalize``, ``cosine_similarity``, ``pairwise_distance``,
``cdist``, ``pdist``."""
from __future__ import annotations

import numpy as np

import math

from .. import _dtype
from .._tensor import Tensor
from . import pointwise as _pw
from . import reduction as _rd
from . import shape as _sh
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record1, record2
from ._util import broadcast_shapes, tname
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


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                "donot_use_mm_for_euclid_dist")


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """p-norm distances between each row of ``x1`` and each row of ``x2`` (batched)."""
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    a, b = x1._data, x2._data
    for name, d in (("X1", a), ("X2", b)):
        if d.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {d.ndim}D")
        if d.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{tname(d.dtype)}")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} "
                           f"X2: {b.shape[-1]}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {tname(a.dtype)} but found {tname(b.dtype)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    P, R = a.shape[-2], b.shape[-2]
    out_shape = batch + (P, R)
    if p == 2 and P and R and a.shape[-1] and (
            compute_mode == "use_mm_for_euclid_dist" or
            (compute_mode == _CDIST_MODES[0] and (P > 25 or R > 25))):
        return _euclidean_mm(x1.expand(batch + a.shape[-2:]), x2.expand(batch + b.shape[-2:]),
                             out_shape)
    diff = np.abs(a[..., :, None, :] - b[..., None, :, :])
    r = _pnorm_last(diff, p)
    if STATE.enabled and (x1._rg or x2._rg):
        node = CdistBackward0()
        node.p = p
        out = record2(node, r, x1, x2)
        node.save2(x1, x2)
        node.save_result(out)
        return out
    return _wrap(r)


def _pnorm_last(diff: np.ndarray, p: float) -> np.ndarray:
    """The p-norm over the last axis of the absolute differences ``diff``."""
    if p == 0:
        return np.count_nonzero(diff, axis=-1).astype(diff.dtype)
    if p == 1:
        return diff.sum(-1)
    if p == 2:
        return np.sqrt(np.einsum("...i,...i->...", diff, diff))
    if math.isinf(p):
        return diff.max(-1, initial=0)
    return (diff ** p).sum(-1) ** (1.0 / p)


def _euclidean_mm(x1: Tensor, x2: Tensor, out_shape: tuple) -> Tensor:
    """PyTorch's matrix-product form of p=2 distances, ``|x|^2 + |y|^2 - 2 x.y``, written with
    the same ember ops so its graph and rounding are those of PyTorch's composite."""
    x1n = x1.pow(2).sum(-1, keepdim=True)
    x2n = x2.pow(2).sum(-1, keepdim=True)
    x1_ = _sh.cat([x1.mul(-2), x1n, x1n.new_ones(x1n.shape)], -1)
    x2_ = _sh.cat([x2, x2n.new_ones(x2n.shape), x2n], -1)
    res = x1_.matmul(x2_.mT)
    res.clamp_min_(0).sqrt_()
    return res.view(out_shape)


class CdistBackward0(Node):
    """d r_ij / d x1_i = sign(x1_i - x2_j) |x1_i - x2_j|^(p-1) / r_ij^(p-1); zero where r_ij
    (or, for p < 1, a coordinate's difference) is zero; x2 takes the negated sum over i."""

    __slots__ = ("p",)

    def backward(self, grad):
        x1, x2 = self.saved()
        r = self.result()
        p = self.p
        if p == 0 or not r.size:
            return anp.zeros_like(x1), anp.zeros_like(x2)
        diff = anp.unsqueeze(x1, -2) - anp.unsqueeze(x2, -3)
        t = _pnorm_grad(diff, anp.unsqueeze(grad, -1), anp.unsqueeze(r, -1), p)
        return anp.sum(t, -2), -anp.sum(t, -3)


def _pnorm_grad(diff, g, dist, p: float):
    """The gradient ``g`` of the distances ``dist`` (p-norms over the last axis of ``diff``,
    kept as a size-1 axis) taken to ``diff``: zero where a distance is zero; for p = inf each
    tied largest coordinate takes the whole gradient, as PyTorch's cdist and pdist kernels."""
    if p == 1:
        return anp.sign(diff) * g
    if p == 2:
        return anp.where(dist == 0, 0.0, diff * (g / anp.where(dist == 0, 1.0, dist)))
    if math.isinf(p):
        t = anp.where(anp.abs(diff) == dist, anp.sign(diff) * g, 0.0)
        return anp.where(dist == 0, 0.0, t)
    safe = anp.where(dist == 0, 1.0, dist)
    ad = anp.abs(diff)
    t = anp.sign(diff) * anp.pow(anp.where(ad == 0, 1.0, ad), p - 1) * g
    return anp.where(dist == 0, 0.0, t / anp.pow(safe, p - 1))


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm distances between each pair of rows ``i < j`` of a 2-D ``input``, in row-major
    order of the pairs (the upper triangle of ``cdist(input, input)``)."""
    x = input._data
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.ndim}D")
    if x.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    i, j = np.triu_indices(x.shape[0], 1)
    r = _pnorm_last(np.abs(x[i] - x[j]), p)
    if STATE.enabled and input._rg:
        node = PdistBackward0()
        node.p, node.rows = p, (i, j)
        out = record1(node, r, input)
        node.save1(input)
        node.save_result(out)
        return out
    return _wrap(r)


class PdistBackward0(Node):
    """Each pair's gradient (as cdist's) added to its first row and taken from its second.
    (PyTorch's own pdist has no second derivative; this formula has one.)"""

    __slots__ = ("p", "rows")

    def backward(self, grad):
        x, = self.saved()
        r = self.result()
        i, j = self.rows
        if self.p == 0 or not r.size:
            return anp.zeros_like(x),
        diff = anp.index_select(x, 0, i) - anp.index_select(x, 0, j)
        t = _pnorm_grad(diff, anp.unsqueeze(grad, -1), anp.unsqueeze(r, -1), self.p)
        both = np.concatenate([i, j])
        return anp.index_add(anp.zeros_like(x), 0, both, anp.cat([t, -t], 0)),


def dist(input: Tensor, other: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm of ``input - other`` (broadcast) over all elements."""
    input, other = _promote_pair(input, other)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError("norm(): input dtype should be either floating point or complex. "
                           f"Got {_tname(input)} instead.")
    shape = broadcast_shapes(input._data.shape, other._data.shape)
    a = np.abs(input._data - other._data).reshape(-1)
    if not a.size and p == math.inf:
        raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor "
                           "because the operation does not have an identity")
    r = np.asarray(_pnorm_last(a, p), a.dtype)
    if STATE.enabled and (input._rg or other._rg):
        node = DistBackward0()
        node.p, node.shape = p, shape
        out = record2(node, r, input, other)
        node.save2(input, other)
        node.save_result(out)
        return out
    return _wrap(r)


class DistBackward0(Node):
    """PyTorch's norm_backward on ``input - other``: 0 where the norm is 0; for p = inf the
    gradient is shared among the tied largest differences. ``other`` takes its negation."""

    __slots__ = ("p", "shape")

    def backward(self, grad):
        x1, x2 = self.saved()
        n = self.result()
        p = self.p
        x = x1 - x2
        if p == 0:
            g = grad * 0 * x
        elif p == 1:
            g = grad * anp.sign(x)
        elif p == 2:
            g = anp.where(n == 0, 0.0, grad * x / anp.where(n == 0, 1.0, n))
        elif math.isinf(p):
            hit = anp.as_dtype_of(anp.abs(x) == n, x)
            g = grad * anp.sign(x) * hit / anp.sum(hit)
        else:
            g = anp.where(n == 0, 0.0, grad * (x * anp.abs(x) ** (p - 2) / n ** (p - 1)))
        return g, -g
