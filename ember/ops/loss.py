"""Losses: pointwise losses (one node each, ``derivs`` written once), NLL / cross entropy,
and the losses PyTorch composes from public ops."""
from __future__ import annotations

import math
import warnings
import numpy as np

from .. import _dtype
from .._errstate import QUIET as _QUIET, quiet_off as _quiet_off, quiet_on as _quiet_on
from .._tensor import Tensor
from ..amp.autocast_mode import AUTOCAST, fp32
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record1, record2
from . import pointwise as _pw
from ._util import binary_arrays, broadcast_shapes
from ._nn_util import _check_tensor, _const, _float_data, _tname, _wants
from .activation import _logsigmoid, _softplus_np, log_softmax, logsigmoid
from .composite import _add_scalar, _clamp_min, _div_scalar, _mul_scalar, _xlogy
from .distance import pairwise_distance
from .reduction import LogSoftmaxBackward0, _softmax_result

_wrap = Tensor._wrap


def _legacy_reduction(size_average, reduce) -> str:
    """PyTorch's mapping (and warning) for the deprecated ``size_average``/``reduce`` args."""
    if size_average is None:
        size_average = True
    if reduce is None:
        reduce = True
    ret = "mean" if size_average and reduce else ("sum" if reduce else "none")
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{ret}' instead.", stacklevel=3)
    return ret


def _reduction(reduction: str, size_average=None, reduce=None) -> str:
    """The reduction to apply: validated, or derived from the legacy arguments."""
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction in ("mean", "sum", "none"):
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", stacklevel=3)
        return "mean"
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _apply_reduction(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _reduce_np(loss: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        if loss.size == 0:  # nan, as PyTorch (and without NumPy's empty-slice warning)
            return np.asarray(np.nan, loss.dtype)
        if loss.dtype == np.float16:
            return np.asarray(loss.mean(), loss.dtype)    # accumulates in float32
        # what loss.mean() computes, without its Python-level wrapper
        return np.asarray(np.add.reduce(loss, axis=None) / loss.size, loss.dtype)
    if reduction == "sum":
        return np.asarray(loss.sum(), loss.dtype)
    return loss


def _size_warning(input: Tensor, target: Tensor) -> None:
    if input._data.shape != target._data.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due "
                      f"to broadcasting. Please ensure they have the same size.", stacklevel=3)


def _loss_arrays(input: Tensor, target: Tensor, kernel: str):
    """Both operands promoted to one floating dtype and broadcast (PyTorch's message when the
    shapes do not broadcast)."""
    if not (isinstance(input, Tensor) and isinstance(target, Tensor)):
        _check_tensor(input, kernel.split("_cpu")[0])
        _check_tensor(target, kernel.split("_cpu")[0], "target", 2)
    x, t = binary_arrays(input, target)
    if x.dtype.kind != "f" and x.dtype != _dtype.BF16:
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_dtype.from_np(x.dtype)._legacy[:-6]}'")
    if x.shape != t.shape:
        shape = broadcast_shapes(x.shape, t.shape)
        x, t = np.broadcast_to(x, shape), np.broadcast_to(t, shape)
    return x, t


class _PointwiseLoss(Node):
    """A loss ``reduce(l(x, t))``: backward scales ``dl/dx`` and ``dl/dt`` (``derivs``) by the
    incoming gradient (divided by the element count for 'mean')."""

    __slots__ = ("reduction", "numel")
    _saved_names = ("self", "target")

    def backward(self, grad):
        x, t = self.saved()
        want_x, want_t = _wants(self, 0), _wants(self, 1)
        if self.reduction == "mean":
            grad = grad / self.numel
        dx, dt = self.derivs(x, t, want_x, want_t)
        return (grad * dx if want_x else None), (grad * dt if want_t else None)


def _pointwise_loss(node_cls, loss: np.ndarray, input: Tensor, target: Tensor,
                    reduction: str) -> Tensor:
    r = _reduce_np(loss, reduction)
    if STATE.enabled and (input._rg or target._rg):
        node = node_cls()
        node.reduction, node.numel = reduction, loss.size
        t = record2(node, r, input, target)
        node.save2(input, target)
        return t
    return _wrap(r)


def _weighted_sum_loss(elementwise: Tensor, weight: Tensor, input: Tensor,
                       reduction: str) -> Tensor:
    if weight._data.shape != input._data.shape:
        raise ValueError("Weights and input must have the same size.")
    w = elementwise * weight
    if reduction == "none":
        return w
    if reduction == "sum":
        return w.sum()
    return w.sum() / weight.sum()


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error ``(input - target)^2``, reduced."""
    if AUTOCAST.enabled:
        input, target = fp32(input), fp32(target)
    _size_warning(input, target)
    red = _reduction(reduction, size_average, reduce)
    if weight is not None:
        return _weighted_sum_loss((input - target).pow(2), weight, input, red)
    x, t = _loss_arrays(input, target, "mse_cpu")
    d = x - t
    return _pointwise_loss(MseLossBackward0, d * d, input, target, red)


class MseLossBackward0(_PointwiseLoss):
    __slots__ = ()

    def derivs(self, x, t, wx, wt):
        d = 2 * (x - t)
        return d, (-d if wt else None)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|input - target|``, reduced (PyTorch's composite)."""
    if AUTOCAST.enabled:
        input, target = fp32(input), fp32(target)
    _size_warning(input, target)
    red = _reduction(reduction, size_average, reduce)
    err = (input - target).abs()
    if weight is not None:
        return _weighted_sum_loss(err, weight, input, red)
    return _apply_reduction(err, red)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Quadratic below ``beta`` (``0.5 d^2 / beta``), linear above (``|d| - beta / 2``)."""
    if AUTOCAST.enabled:
        input, target = fp32(input), fp32(target)
    _size_warning(input, target)
    red = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return l1_loss(input, target, reduction=red)
    x, t = _loss_arrays(input, target, "smooth_l1_cpu")
    z = np.abs(x - t)
    loss = np.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta).astype(z.dtype, copy=False)
    r = _pointwise_loss(SmoothL1LossBackward0, loss, input, target, red)
    if r.grad_fn is not None:
        r.grad_fn.beta = beta
    return r


class SmoothL1LossBackward0(_PointwiseLoss):
    __slots__ = ("beta",)

    def derivs(self, x, t, wx, wt):
        d = x - t
        g = anp.where(anp.abs(d) < self.beta, d / self.beta, anp.sign(d))
        return g, -g


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """Quadratic below ``delta`` (``0.5 d^2``), linear above (``delta (|d| - delta / 2)``)."""
    if AUTOCAST.enabled:
        input, target = fp32(input), fp32(target)
    _size_warning(input, target)
    red = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None and weight._data.shape != input._data.shape:
        raise ValueError("Weights and input must have the same size.")
    x, t = _loss_arrays(input, target, "huber_cpu")
    z = np.abs(x - t)
    # PyTorch's huber kernel writes into a tensor of the input's dtype
    loss = np.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta)).astype(
        input._data.dtype, copy=False)
    r = _pointwise_loss(HuberLossBackward0, loss, input, target,
                        "none" if weight is not None else red)
    if r.grad_fn is not None:
        r.grad_fn.delta = delta
    if weight is not None:
        # the weighted mean is a plain mean of the weighted terms here (unlike mse/l1)
        return _apply_reduction(r * weight, red)
    return r


class HuberLossBackward0(_PointwiseLoss):
    __slots__ = ("delta",)

    def derivs(self, x, t, wx, wt):
        d = x - t
        g = anp.where(anp.abs(d) < self.delta, d, self.delta * anp.sign(d))
        return g, -g


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-target * input))``, reduced."""
    red = _reduction(reduction, size_average, reduce)
    x, t = _loss_arrays(input, target, "soft_margin_cpu")
    if STATE.enabled and target._rg:
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect "
                           "to argument 'target'. This input cannot have requires_grad True.")
    loss = _softplus_np(-t * x).astype(input._data.dtype, copy=False)
    r = _reduce_np(loss, red)
    if STATE.enabled and input._rg:
        node = SoftMarginLossBackward0()
        node.reduction, node.numel = red, loss.size
        out = record1(node, r, input)
        node.save2(input, target)
        return out
    return _wrap(r)


class SoftMarginLossBackward0(_PointwiseLoss):
    __slots__ = ()

    def backward(self, grad):
        x, t = self.saved()
        if self.reduction == "mean":
            grad = grad / self.numel
        return grad * (-t * anp.sigmoid(-t * x)),


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``-w (t log(x) + (1 - t) log(1 - x))`` with each log clamped at -100, reduced."""
    if AUTOCAST.enabled:
        input, target, weight = fp32(input), fp32(target), fp32(weight)
    _check_tensor(input, "binary_cross_entropy")
    _check_tensor(target, "binary_cross_entropy", "target", 2)
    red = _reduction(reduction, size_average, reduce)
    if target._data.shape != input._data.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         f"size.")
    x, t = input._data, target._data
    if t.dtype != x.dtype:
        raise RuntimeError(f"Found dtype {_tname(target)} but expected {_tname(input)}")
    _float_data(input, "binary_cross_entropy")
    if np.any((x < 0) | (x > 1)):
        raise RuntimeError("all elements of input should be between 0 and 1")
    w = None
    if weight is not None:
        shape = broadcast_shapes(t.shape, weight._data.shape)
        w = np.broadcast_to(weight._data, shape)
    with np.errstate(divide="ignore"):
        loss = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log1p(-x), -100))
    if w is not None:
        loss = loss * w
    r = _reduce_np(loss.astype(x.dtype, copy=False), red)
    if STATE.enabled and (input._rg or target._rg):
        node = BinaryCrossEntropyBackward0()
        node.reduction, node.numel, node.weight = red, loss.size, w
        out = record2(node, r, input, target)
        node.save2(input, target)
        return out
    return _wrap(r)


class BinaryCrossEntropyBackward0(_PointwiseLoss):
    __slots__ = ("weight",)

    def derivs(self, x, t, wx, wt):
        w = None if self.weight is None else anp.constant(self.weight, x)
        dx = dt = None
        if wx:
            dx = (x - t) / anp.clamp_min((1 - x) * x, 1e-12)
            dx = dx if w is None else dx * w
        if wt:
            dt = anp.log1p(-x) - anp.log(x)
            dt = dt if w is None else dt * w
        return dx, dt


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """``binary_cross_entropy(sigmoid(input), target)`` computed stably from the logits;
    ``pos_weight`` scales the positive term."""
    if AUTOCAST.enabled:
        input, target = fp32(input), fp32(target)
        weight, pos_weight = fp32(weight), fp32(pos_weight)
    _check_tensor(input, "binary_cross_entropy_with_logits")
    _check_tensor(target, "binary_cross_entropy_with_logits", "target", 2)
    red = _reduction(reduction, size_average, reduce)
    if target._data.shape != input._data.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    x, t = binary_arrays(input, target)
    if x.dtype.kind != "f" or target._data.dtype.kind != "f":
        raise RuntimeError(f"result type {_dtype.from_np(x.dtype)._legacy[:-6]} can't be cast "
                           f"to the desired output type {_tname(target)}")
    logsig = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
    pw = None if pos_weight is None else pos_weight._data
    if pw is not None:
        logsig = logsig * ((pw - 1) * t + 1)
    loss = (1 - t) * x - logsig
    w = None if weight is None else weight._data
    if w is not None:
        loss = loss * w
    # PyTorch builds the loss in place on (1 - target): it has the target's dtype
    loss = np.asarray(loss, dtype=target._data.dtype)
    r = _reduce_np(loss, red)
    if STATE.enabled and (input._rg or target._rg):
        node = BinaryCrossEntropyWithLogitsBackward0()
        node.reduction, node.numel = red, loss.size
        node.weight, node.pos_weight = w, pw
        out = record2(node, r, input, target)
        node.save2(input, target)
        return out
    return _wrap(r)


class BinaryCrossEntropyWithLogitsBackward0(_PointwiseLoss):
    __slots__ = ("weight", "pos_weight")

    def derivs(self, x, t, wx, wt):
        pw = None if self.pos_weight is None else anp.constant(self.pos_weight, x)
        dx = dt = None
        if wx:
            s = anp.sigmoid(x)
            dx = s - t if pw is None else (pw * t + 1 - t) * s - pw * t
        if wt:
            if pw is None:
                dt = -x
            else:
                ls = _logsigmoid(x)
                dt = (ls - x) - ls * pw
        if self.weight is not None:
            w = anp.constant(self.weight, x)
            dx = None if dx is None else dx * w
            dt = None if dt is None else dt * w
        return dx, dt


# -- negative log likelihood and cross entropy ------------------------------------------------
def _nll(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str,
         ignore_index: int, node_cls) -> Tensor:
    """NLL over the class dim (0 for a 1-d input, else 1)."""
    x = _float_data(input, "nll_loss2d_forward_out_frame" if node_cls is NllLoss2DBackward0
                    else "nll_loss_out_frame")
    t = target._data
    cdim = 0 if x.ndim == 1 else 1
    c = x.shape[cdim]
    if weight is not None and (weight._data.ndim != 1 or weight._data.size != c):
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no "
                           f"classes but got weight tensor of shape: "
                           f"{list(weight._data.shape)}")
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= c))
    if np.any(bad):
        raise IndexError(f"Target {int(t[bad].flat[0])} is out of bounds.")
    tc = np.where(valid, t, 0).astype(np.intp)
    xs = x if x.ndim > 1 else x.reshape(1, c)
    tcs = tc.reshape(tc.shape[:1] + (1,) + tc.shape[1:]) if x.ndim > 1 else tc.reshape(1, 1)
    if xs.ndim == 2:
        rows = np.arange(xs.shape[0])
        picked = xs[rows, tcs[:, 0]].reshape(tc.shape)
    else:
        picked = np.take_along_axis(xs, tcs, axis=1).reshape(tc.shape)
    if weight is not None:
        wt = weight._data.astype(x.dtype, copy=False)[tc] * valid
    else:
        wt = valid.astype(x.dtype)
    losses = -(picked * wt)
    if reduction == "none":
        r = losses
        coef = -wt
    elif reduction == "sum":
        r = np.asarray(losses.sum(), x.dtype)
        coef = -wt
    else:
        total = wt.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.asarray(losses.sum() / total, x.dtype)
            coef = (-wt / total).astype(x.dtype)
    if STATE.enabled and input._rg:
        node = node_cls()
        node.target, node.coef, node.reduction = tcs, coef, reduction
        node.shape = x.shape
        return record1(node, r, input)
    return _wrap(r)


class NllLossBackward0(Node):
    """Scatter ``-w[target] * grad`` (divided by the total weight for 'mean') into the
    target positions; the gradient is linear in ``grad``, so double backward is a multiply."""

    __slots__ = ("target", "coef", "reduction", "shape")

    def _scatter(self) -> np.ndarray:
        """The per-element coefficient: ``coef`` at the target positions, 0 elsewhere."""
        shape = self.shape
        m = np.zeros(shape if len(shape) > 1 else (1,) + shape, self.coef.dtype)
        if m.ndim == 2:
            m[np.arange(m.shape[0]), self.target[:, 0]] = self.coef.reshape(-1)
        else:
            np.put_along_axis(m, self.target, self.coef.reshape(self.target.shape), axis=1)
        return m.reshape(shape)

    def backward(self, grad):
        # a per-sample gradient ('none') gets the class dim back to broadcast over it
        if self.reduction == "none" and len(self.shape) > 1:
            grad = anp.unsqueeze(grad, 1)
        return grad * anp.constant(self._scatter(), grad),


class NllLoss2DBackward0(NllLossBackward0):
    __slots__ = ()


def _check_nll_target(input: Tensor, target: Tensor) -> None:
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_tname(target)}")


def _nll_nd(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str,
            ignore_index: int) -> Tensor:
    nd = input._data.ndim
    ts = target._data.shape
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if nd != 1 and (not ts or input._data.shape[0] != ts[0]):
        raise ValueError(f"Expected input batch_size ({input._data.shape[0]}) to match target "
                         f"batch_size ({ts[0] if ts else 1}).")
    if nd <= 2:
        if len(ts) > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if nd == 1 and len(ts) == 1:
            raise RuntimeError(f"size mismatch (got input: {list(input.shape)}, target: "
                               f"{list(ts)})")
        _check_nll_target(input, target)
        return _nll(input, target, weight, reduction, ignore_index, NllLossBackward0)
    if nd == 4:
        if len(ts) != 3:
            raise RuntimeError(f"only batches of spatial targets supported (3D tensors) but got "
                               f"targets of dimension: {len(ts)}")
        if ts[1:] != input._data.shape[2:]:
            raise RuntimeError(f"size mismatch (got input: {list(input.shape)}, target: "
                               f"{list(ts)})")
        _check_nll_target(input, target)
        return _nll(input, target, weight, reduction, ignore_index, NllLoss2DBackward0)
    shape = input._data.shape
    n, c = shape[0], shape[1]
    out_size = (n,) + shape[2:]
    if ts[1:] != shape[2:]:
        raise RuntimeError(f"Expected target size {list(out_size)}, got {list(ts)}")
    _check_nll_target(input, target)
    rest = int(np.prod(shape[2:], dtype=np.int64))
    inp = input.contiguous().view(n, c, 1, rest)
    tgt = target.contiguous().view(n, 1, rest)
    out = _nll(inp, tgt, weight, reduction, ignore_index, NllLoss2DBackward0)
    return out.view(out_size) if reduction == "none" else out


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of the target classes (``input`` holds log-probabilities)."""
    if AUTOCAST.enabled:
        input, weight = fp32(input), fp32(weight)
    _check_tensor(input, "nll_loss")
    _check_tensor(target, "nll_loss", "target", 2)
    red = _reduction(reduction, size_average, reduce)
    return _nll_nd(input, target, weight, red, ignore_index)


def _class_weight_view(weight: Tensor, ndim: int, cdim: int) -> Tensor:
    shape = [1] * ndim
    shape[cdim] = weight._data.size
    return weight.view(tuple(shape))


def _ce_probabilities(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str,
                      label_smoothing: float) -> Tensor:
    cdim = 0 if input._data.ndim == 1 else 1
    c = input._data.shape[cdim]
    if weight is not None and (weight._data.ndim != 1 or weight._data.size != c):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {c} "
                           f"classes or no classes but got weight tensor of shape: "
                           f"{list(weight._data.shape)}")
    logp = log_softmax(input, cdim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                               f"{label_smoothing:g}")
        target = _add_scalar(_mul_scalar(target, 1 - label_smoothing), label_smoothing / c)
    prod = logp * target
    if weight is not None:
        prod = prod * _class_weight_view(weight, input._data.ndim, cdim)
    if reduction == "mean":
        if input._data.size == 0:
            return -prod.sum() * float("nan")
        return _div_scalar(-prod.sum(), input._data.size // c)
    if reduction == "sum":
        return -prod.sum()
    return -prod.sum(cdim)


def _ce_label_smoothing(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str,
                        ignore_index: int, label_smoothing: float) -> Tensor:
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing:g}")
    cdim = 0 if input._data.ndim == 1 else 1
    c = input._data.shape[cdim]
    logp = log_softmax(input, cdim)
    nll = _nll_nd(logp, target, weight, reduction, ignore_index)
    ignore = target._data == ignore_index
    if weight is not None:
        smooth = -(logp * _class_weight_view(weight, input._data.ndim, cdim)).sum(cdim)
    else:
        smooth = -logp.sum(cdim)
    if np.any(ignore):
        smooth = _pw.where(_const(ignore), 0.0, smooth)
    if reduction == "mean":
        if weight is not None:
            picked = weight._data[target._data[~ignore]]
            ret = smooth.sum() / _const(np.asarray(picked.sum(), weight._data.dtype))
        else:
            ret = smooth.sum() / _const(np.asarray(np.count_nonzero(~ignore)))
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return _mul_scalar(nll, 1 - label_smoothing) + _mul_scalar(ret, label_smoothing / c)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """``nll_loss(log_softmax(input, 1), target)`` for class indices; for class
    probabilities (a target shaped like ``input``), ``-sum(target * log_softmax(input))``."""
    if AUTOCAST.enabled:
        input, target, weight = fp32(input), fp32(target), fp32(weight)
    _check_tensor(input, "cross_entropy")
    _check_tensor(target, "cross_entropy", "target", 2)
    red = _reduction(reduction, size_average, reduce)
    if input._data.shape == target._data.shape:
        if target._data.dtype.kind != "f":
            raise RuntimeError(f"Expected floating point type for target with class "
                               f"probabilities, got {_tname(target)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _ce_probabilities(input, target, weight, red, label_smoothing)
    if label_smoothing > 0.0:
        return _ce_label_smoothing(input, target, weight, red, ignore_index, label_smoothing)
    if weight is None:
        fused = _ce_rows(input, target, red, ignore_index)
        if fused is not None:
            return fused
    cdim = 0 if input._data.ndim == 1 else 1
    return _nll_nd(log_softmax(input, cdim), target, weight, red, ignore_index)


_CE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _ce_rows(input: Tensor, target: Tensor, reduction: str, ignore_index: int):
    """``cross_entropy`` of (N, C) float32/64 logits and N in-range class indices (none
    ignored), in one pass: the log_softmax and the picked log-probabilities come from one
    function with no per-sample weights or masks, and the graph records the same
    LogSoftmaxBackward0 -> NllLossBackward0 nodes (with the same saved values) as the
    composed path, whose results it reproduces bit for bit. None when the case is not this
    one: the composed path then handles it, errors included."""
    x, t = input._data, target._data
    if x.ndim != 2 or t.ndim != 1 or t.dtype != np.int64 or x.dtype not in _CE_DTYPES:
        return None
    n, c = x.shape
    if n == 0 or c == 0 or t.shape[0] != n or n > 1 << 24:   # (n: float32 counts exactly)
        return None
    lo, hi = t.min(), t.max()
    if lo < 0 or hi >= c or 0 <= ignore_index < c:
        return None
    tok = _quiet_on(_QUIET)
    try:
        z = x - x.max(axis=1, keepdims=True)
        z -= np.log(np.exp(z).sum(axis=1, keepdims=True))
    finally:
        _quiet_off(tok)
    tc = t.astype(np.intp)           # a copy: the node must not see later writes to target
    losses = -z[_rows(n), tc]
    one = x.dtype.type(1)
    if reduction == "none":
        r = losses
        coef = np.full(n, -one)
    elif reduction == "sum":
        r = np.asarray(losses.sum(), x.dtype)
        coef = np.full(n, -one)
    else:
        total = x.dtype.type(n)
        r = np.asarray(losses.sum() / total, x.dtype)
        coef = np.full(n, -one / total)
    if not (STATE.enabled and input._rg):
        return _wrap(r)
    logp = _softmax_result(LogSoftmaxBackward0, z, input, 1)
    node = NllLossBackward0()
    node.target, node.coef, node.reduction = tc.reshape(n, 1), coef, reduction
    node.shape = x.shape
    return record1(node, r, logp)


def _rows(n: int) -> np.ndarray:
    """``arange(n)`` (read-only, cached: a batch size repeats every step)."""
    r = _ROWS.get(n)
    if r is None:
        if len(_ROWS) > 64:
            _ROWS.clear()
        r = _ROWS[n] = np.arange(n)
        r.flags.writeable = False
    return r


_ROWS: dict = {}


# -- divergences and distances -----------------------------------------------------------------
def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """``target * (log(target) - input)`` (``input`` holds log-probabilities; with
    ``log_target`` so does ``target``); 'batchmean' divides the sum by the batch size."""
    if AUTOCAST.enabled:
        input, target = fp32(input), fp32(target)
    _check_tensor(input, "kl_div")
    _check_tensor(target, "kl_div", "target", 2)
    if size_average is not None or reduce is not None:
        red = _legacy_reduction(size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                          "the support size.'batchmean' divides only by the batch size, and "
                          "aligns with the KL div math definition.'mean' will be changed to "
                          "behave the same as 'batchmean' in the next major release.",
                          stacklevel=2)
        red = "sum" if reduction == "batchmean" else _reduction(reduction)
    out = _kl_div(input, target, red, log_target)
    if reduction == "batchmean" and input._data.ndim != 0:
        out = out / input._data.shape[0]
    return out


def _kl_div(input: Tensor, target: Tensor, red: str, log_target: bool) -> Tensor:
    """``kl_div`` with a plain reduction, as the native op (no 'batchmean', no warning)."""
    for t in (input, target):
        if t._data.dtype.kind == "c":
            raise RuntimeError("kl_div: Complex inputs not supported.")
        if t._data.dtype.kind != "f":
            raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        out = target.exp() * (target - input)
    else:
        out = _xlogy(target, target) - target * input
    return _apply_reduction(out, red)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log likelihood: ``exp(input) - target * input`` (log_input) or
    ``input - target * log(input + eps)``; ``full`` adds Stirling's term."""
    red = _reduction(reduction, size_average, reduce)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * _add_scalar(input, eps).log()
    if full:
        t = target
        stirling = t * t.log() - t + (t * (2 * math.pi)).log() * 0.5
        loss = loss + _pw.where(_const(target._data <= 1), 0.0, stirling)
    return _apply_reduction(loss, red)


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Gaussian negative log likelihood ``0.5 (log(var) + (input - target)^2 / var)``."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * _wrap(np.ones_like(input._data))
    elif not isinstance(var, Tensor):
        raise TypeError(f"any(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(var < 0).__name__}")
    elif np.any(var._data < 0):
        raise ValueError("var has negative entry/entries")
    if var._data.shape != input._data.shape:
        ishape, vshape = input._data.shape, var._data.shape
        if ishape[:-1] == vshape:
            var = var.unsqueeze(-1)
        elif len(ishape) == len(vshape) and sum(
                y for x, y in zip(ishape, vshape) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    # clamped outside autograd, as PyTorch does (the gradient ignores the clamp)
    np.maximum(var._data, eps, out=var._data)
    loss = (var.log() + (input - target) ** 2 / var) * 0.5
    if full:
        loss += 0.5 * math.log(2 * math.pi)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where target is 1, ``max(0, cos(x1, x2) - margin)`` where -1."""
    red = _reduction(reduction, size_average, reduce)
    tdim = target._data.ndim
    if tdim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if tdim == 1 else 1
    if input1._data.ndim != want or input2._data.ndim != want:
        raise RuntimeError(f"{tdim}D target tensor expects {want}D input tensors, but found "
                           f"inputs with sizes {list(input1.shape)} and {list(input2.shape)}.")
    eps = 1e-12
    prod = (input1 * input2).sum(tdim)
    mag1 = _add_scalar((input1 * input1).sum(tdim), eps)
    mag2 = _add_scalar((input2 * input2).sum(tdim), eps)
    cos = prod / (mag1 * mag2).sqrt()
    zeros = _wrap(np.zeros_like(cos._data))
    pos = 1 - cos
    neg = _clamp_min(_add_scalar(cos, -margin), 0.0)
    out = _pw.where(target == 1, pos, zeros) + _pw.where(target == -1, neg, zeros)
    return _apply_reduction(out, red)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``, reduced."""
    red = _reduction(reduction, size_average, reduce)
    if not (input1._data.ndim == input2._data.ndim == target._data.ndim):
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.shape}, input2: {input2.shape}, "
                           f"target: {target.shape} ")
    return _margin_ranking_loss(input1, input2, target, margin, red)


def _margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float,
                         red: str) -> Tensor:
    """``margin_ranking_loss`` without the Python-level dims check (the native op's)."""
    out = _clamp_min(_add_scalar(-target * (input1 - input2), margin), 0.0)
    return _apply_reduction(out, red)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``x`` where target is 1, ``max(0, margin - x)`` where target is -1, reduced."""
    red = _reduction(reduction, size_average, reduce)
    zeros = _wrap(np.zeros_like(input._data))
    margin_clamp = _clamp_min(margin - input, 0.0)
    out_margin = _pw.where(target != 1, margin_clamp, zeros)
    out_self = _pw.where(target != -1, input, zeros)
    return _apply_reduction(out_margin + out_self, red)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    """Per-class logistic loss averaged over classes, reduced over the batch."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input._data.ndim - 1
    c = input._data.shape[class_dim]
    loss = loss.sum(class_dim) / c
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` with pairwise p-norm distances."""
    red = _reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, po, ne = anchor._data.ndim, positive._data.ndim, negative._data.ndim
    if not (a == po == ne):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {a}D, positive "
                           f"{po}D, and negative {ne}D inputs")
    return _triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, red)


def _triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float,
                         p: float, eps: float, swap: bool, red: str) -> Tensor:
    """``triplet_margin_loss`` without the Python-level checks (the native op's)."""
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = _pw.minimum(dist_neg, pairwise_distance(positive, negative, p, eps))
    out = _clamp_min(_add_scalar(dist_pos, margin) - dist_neg, 0.0)
    return _apply_reduction(out, red)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """The triplet loss with any distance function (default: pairwise_distance)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, po, ne = anchor._data.ndim, positive._data.ndim, negative._data.ndim
    if not (a == po == ne):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {a}D, positive "
                           f"{po}D, and negative {ne}D inputs")
    dist = distance_function if distance_function is not None else pairwise_distance
    dist_pos = dist(anchor, positive)
    dist_neg = dist(anchor, negative)
    if swap:
        dist_neg = _pw.minimum(dist_neg, dist(positive, negative))
    loss = _clamp_min(margin + dist_pos - dist_neg, 0.0)
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    return loss
