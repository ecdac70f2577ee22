"""The multi-class hinge losses: ``multi_margin_loss`` (one target class per sample) and
``multilabel_margin_loss`` (several target classes per sample, listed up to the first -1).

Both are sums of hinges ``max(0, margin - x[target] + x[other])`` over a sample's classes,
divided by the class count. The forward picks the hinges with NumPy masks; the backward nodes
take those masks as constants (the hinges' kinks have zero second derivative there).
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..amp.autocast_mode import AUTOCAST, fp32
from ..autograd.graph import Node, record1
from .loss import _reduction

_wrap = Tensor._wrap


def _tname(a: np.ndarray) -> str:
    return _dtype.from_np(a.dtype)._legacy[:-6]


def _matrix(input: Tensor, kernel: str) -> np.ndarray:
    """The input as an (N, C) float matrix (a vector or 0-d input is one sample)."""
    x = input._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_tname(x)}\'')
    if x.ndim > 2 or (x.ndim and x.shape[-1] == 0):
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(x.shape)}")
    return x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1)


def _long_target(target: Tensor) -> np.ndarray:
    t = target._data
    if t.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {_tname(t)}")
    return t


def _reduce(loss: np.ndarray, reduction: str, shape: tuple) -> np.ndarray:
    if reduction == "mean":
        return np.asarray(loss.mean(), loss.dtype)
    if reduction == "sum":
        return np.asarray(loss.sum(), loss.dtype)
    return loss.reshape(shape)


def _record(node, out: np.ndarray, input: Tensor, reduction: str, n: int) -> Tensor:
    node.reduction, node.n, node.shape = reduction, n, input._data.shape
    t = record1(node, out, input)
    node.save1(input)
    return t


class _HingeBackward(Node):
    """Shared steps: the input as a matrix, and the incoming gradient per sample."""

    __slots__ = ("reduction", "n", "shape")

    def _per_sample(self, grad):
        if self.reduction == "none":
            return grad.reshape((self.n, 1))
        return grad / self.n if self.reduction == "mean" else grad


# -- multi_margin_loss ------------------------------------------------------------------------
def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """``sum_{i != y} w[y] * max(0, margin - x[y] + x[i]) ** p / C`` per sample, reduced."""
    if AUTOCAST.enabled:
        input, weight = fp32(input), fp32(weight)
    red = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = _matrix(input, "multi_margin_loss_cpu_kernel")
    n, c = x.shape
    y = _long_target(target)
    if y.size != n or (input._data.ndim == 2 and y.ndim != 1) or y.ndim > 1:
        raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to "
                           "the number of input samples (batch size). Expected target size "
                           f"[{n}], but got {list(y.shape)}. Input has shape "
                           f"{list(input._data.shape)}.")
    y = y.reshape(-1)
    if y.size and (y.min() < 0 or y.max() >= c):
        raise RuntimeError("target out of range")
    scale = np.full((n, 1), 1.0 / c, x.dtype)
    if weight is not None:
        w = weight._data
        if w.size != c:
            raise RuntimeError(f"inconsistent weight size, expected {c} but got "
                               f"{list(w.shape)}")
        if w.dtype != x.dtype:
            raise RuntimeError(f"expected scalar type {_tname(x)} but found {_tname(w)}")
        if STATE.enabled and weight._rg:
            raise RuntimeError("The function 'multi_margin_loss' is not differentiable with "
                               "respect to argument 'weight'. This input cannot have "
                               "requires_grad True.")
        scale = (w.reshape(-1)[y] / c).astype(x.dtype).reshape(n, 1)
    others = np.ones((n, c), x.dtype)
    others[np.arange(n), y] = 0
    margin = float(margin)
    z = margin - x[np.arange(n), y][:, None] + x
    hinge = np.where(z > 0, z if p == 1 else z * z, 0) * others * scale
    loss = hinge.sum(1).astype(x.dtype)
    out = _reduce(loss, red, y.shape if input._data.ndim < 2 else (n,))
    if input._data.ndim < 2 and red == "none":
        out = out.reshape(target._data.shape)
    if STATE.enabled and input._rg:
        node = MultiMarginLossBackward0()
        node.p, node.margin, node.others, node.scale = p, margin, others, scale
        return _record(node, out, input, red, n)
    return _wrap(out)


class MultiMarginLossBackward0(_HingeBackward):
    """Each active hinge adds its slope to its class and takes it from the target class."""

    __slots__ = ("p", "margin", "others", "scale")
    _saved_names = ("self",)

    def backward(self, grad):
        (x,) = self.saved()
        x = x.reshape(self.others.shape)
        others = anp.constant(self.others, x)
        target = 1 - others
        z = self.margin - anp.sum(x * target, 1, keepdim=True) + x
        slope = anp.where(z > 0, anp.ones_like(z) if self.p == 1 else 2 * z, 0)
        d = slope * others * anp.constant(self.scale, x)
        g = d - target * anp.sum(d, 1, keepdim=True)
        return (self._per_sample(grad) * g).reshape(self.shape),


# -- multilabel_margin_loss --------------------------------------------------------------------
def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """``sum_{j in targets} sum_{i not in targets} max(0, 1 - x[j] + x[i]) / C`` per sample,
    the targets of a sample being its target row up to the first -1; reduced."""
    if AUTOCAST.enabled:
        input, = fp32(input)
    red = _reduction(reduction, size_average, reduce)
    x = _matrix(input, "multilabel_margin_loss_forward_out_frame")
    n, c = x.shape
    t = _long_target(target)
    if t.shape != input._data.shape:
        raise RuntimeError(f"inconsistent target size: {list(t.shape)} for input of size: "
                           f"{list(input._data.shape)}")
    t = t.reshape(n, c)
    if t.size and (t.min() < -1 or t.max() >= c):
        raise RuntimeError("argument #2 'target' is out of range")
    listed = np.cumprod(t != -1, axis=1).astype(bool)         # before the first -1
    cls = np.where(listed, t, 0)
    # sel[n, j, i]: target slot j of sample n names class i
    sel = (cls[:, :, None] == np.arange(c)).astype(x.dtype) * listed[:, :, None]
    is_target = sel.max(1) if c else np.zeros((n, c), x.dtype)
    pairs = (listed[:, :, None] & (is_target[:, None, :] == 0)).astype(x.dtype) / c
    x_t = np.einsum("nji,ni->nj", sel, x)
    z = 1 - x_t[:, :, None] + x[:, None, :]
    loss = (np.where(z > 0, z, 0) * pairs).sum((1, 2)).astype(x.dtype)
    out = _reduce(loss, red, (n,) if input._data.ndim == 2 else ())
    if STATE.enabled and input._rg:
        node = MultilabelMarginLossBackward0()
        node.sel, node.pairs = sel, pairs
        return _record(node, out, input, red, n)
    return _wrap(out)


class MultilabelMarginLossBackward0(_HingeBackward):
    """Each active hinge (target slot j, other class i) adds 1/C to class i and takes it from
    the class slot j names."""

    __slots__ = ("sel", "pairs")
    _saved_names = ("self",)

    def backward(self, grad):
        (x,) = self.saved()
        n, c = self.pairs.shape[0], self.pairs.shape[2]
        x = x.reshape((n, c))
        sel = anp.constant(self.sel, x)
        x_t = anp.sum(x[:, None, :] * sel, 2)
        z = 1 - x_t[:, :, None] + x[:, None, :]
        active = anp.where(z > 0, anp.constant(self.pairs, x), 0)
        g = anp.sum(active, 1) - anp.sum(anp.sum(active, 2, keepdim=True) * sel, 1)
        return (self._per_sample(grad) * g).reshape(self.shape),
