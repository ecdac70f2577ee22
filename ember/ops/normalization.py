"""Normalisation: layer, RMS, batch, instance and group norm, each forward beside its
backward node (statistics kept from the forward; recomputed as ops under create_graph)."""
from __future__ import annotations

import math
import numbers
import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..autograd import anp
from ..autograd.graph import Node, record
from . import _reduced, pointwise as _pw
from . import shape as _sh
from ._util import wrap_dim
from ._nn_util import _check_tensor, _float_data, _wants
from .composite import _add_scalar

_wrap = Tensor._wrap



def _standardize_grad(g, xhat, rstd, axes):
    """d(xhat)/dx applied to ``g``, where xhat = (x - mean(x)) * rstd over ``axes``."""
    return rstd * (g - _mean(g, axes) - xhat * _mean(g * xhat, axes))


def _gemv_ok(t, axes: tuple) -> bool:
    # BLAS takes float32/float64 only
    return (anp.is_array(t) and len(axes) == 1 and axes[0] == t.ndim - 1
            and t.dtype.kind == "f" and t.dtype.itemsize >= 4 and t.shape[-1] > 0)


def _mean(t, axes: tuple):
    """The mean over ``axes`` (kept): over an array's last axis as a matrix-vector product,
    five times faster than NumPy's reduction for rows of a few hundred."""
    if _gemv_ok(t, axes):
        n = t.shape[-1]
        return np.divide(t @ np.ones(n, t.dtype), t.dtype.type(n))[..., None]
    return anp.mean(t, axes, keepdim=True)


def _moments(node, x, axes):
    """The forward's mean and 1/std of ``x`` over ``axes``: kept from the forward in an
    ordinary backward, recomputed with ember ops under create_graph so that second-order
    gradients flow through them."""
    if anp.is_array(x):
        return node.mean, node.rstd
    mean = x.mean(axes, keepdim=True)
    xc = x - mean
    return mean, ((xc * xc).mean(axes, keepdim=True) + node.eps) ** -0.5


def _sum_dims(t, dims: tuple):
    """The sum over the leading ``dims``: of an array whose other dim is its last, as a
    vector-matrix product."""
    if not dims:
        return t
    if _gemv_ok(t, (t.ndim - 1,)) and len(dims) == t.ndim - 1:
        m = t.reshape(-1, t.shape[-1])
        return np.ones(m.shape[0], t.dtype) @ m
    return anp.sum(t, dims)


def _int_tuple(v, fname: str, arg: str, pos: int) -> tuple:
    """A sequence of ints as a tuple; PyTorch's TypeError for anything else."""
    if not isinstance(v, (tuple, list)) and not hasattr(v, "__iter__") or isinstance(v, str):
        raise TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be tuple of ints, "
                        f"not {type(v).__name__}")
    out = []
    for i, s in enumerate(v):
        if not isinstance(s, numbers.Integral) or isinstance(s, bool):
            raise TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be tuple of "
                            f"ints, but found element of type {type(s).__name__} at pos {i}")
        out.append(int(s))
    return tuple(out)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims, then scale and shift."""
    return _layer_norm(input, normalized_shape, weight, bias, eps)[0]


def _layer_norm(input: Tensor, normalized_shape, weight: Tensor | None, bias: Tensor | None,
                eps: float) -> tuple:
    """``layer_norm`` and its statistics, the arrays mean and 1/std (``native_layer_norm``)."""
    _check_tensor(input, "layer_norm")
    ns = _int_tuple(normalized_shape, "layer_norm", "normalized_shape", 2)
    x = input._data
    k = len(ns)
    if k == 0 or x.ndim < k or x.shape[x.ndim - k:] != ns:
        want = ", ".join(str(s) for s in ns)
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*, {want}], but got input of size{list(x.shape)}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and p._data.shape != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(p._data.shape)} and "
                               f"normalized_shape = {list(ns)}")
    x = _float_data(input, "LayerNormKernelImpl")
    axes = tuple(range(x.ndim - k, x.ndim))
    # mean, 1/std and the standardised input stay on the node: an ordinary backward reuses
    # them instead of recomputing them
    if x.dtype == _dtype.BF16:
        y, mean, rstd = _bf16_layer_norm(x, axes, eps, weight, bias)
        xhat = None
    else:
        mean = _mean(x, axes)
        xhat = x - mean
        sq = np.multiply(xhat, xhat)
        rstd = 1.0 / np.sqrt(_mean(sq, axes) + eps)
        xhat *= rstd
        y = xhat
        if weight is not None:
            y = np.multiply(xhat, weight._data, out=sq)
        if bias is not None:
            y = np.add(y, bias._data, out=sq)
    if STATE.enabled and (input._rg or weight is not None and weight._rg or
                          bias is not None and bias._rg):
        node = NativeLayerNormBackward0()
        node.axes, node.eps = axes, eps
        node.mean, node.rstd = mean, rstd
        # (without an affine part the output is xhat itself, which the caller may modify)
        node.xhat = None if y is xhat else xhat
        t = record(node, y, (input, weight, bias))
        node.save2(input, weight)
        return t, mean, rstd
    return _wrap(y), mean, rstd


def _bf16_layer_norm(x: np.ndarray, axes: tuple, eps: float, weight, bias) -> np.ndarray:
    """PyTorch's bfloat16 LayerNormKernel: per row float32 mean and rstd = 1 / sqrt(var + eps),
    then ``(x - mean) * rstd * gamma + beta`` in float32 (the last step one FMA), rounded once.
    (Its moments come from a float32 Welford pass; these are the exact moments rounded to
    float32, which can differ in the last float32 bit and, rarely, in the result's.)"""
    f = np.float32
    xf = x.astype(f)
    mean = xf.mean(axes, dtype=np.float64, keepdims=True)
    var = np.square(xf - mean).mean(axes, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        rstd = f(1) / np.sqrt(var.astype(f) + f(eps))
        y = (xf - mean.astype(f)) * rstd
        if weight is not None and bias is not None:
            y = _reduced.fma(y, weight._data.astype(f), bias._data.astype(f))
        elif weight is not None:
            y *= weight._data.astype(f)
        elif bias is not None:
            y += bias._data.astype(f)
    # PyTorch keeps the mean and rstd for the backward in the input's dtype
    return y.astype(x.dtype), mean.astype(x.dtype).astype(f), rstd.astype(x.dtype).astype(f)


def _bf16_layer_norm_backward(dy, x, w, mean, rstd, axes, want):
    """PyTorch's bfloat16 LayerNormBackwardKernel, in float32 from the saved bfloat16 mean and
    rstd: dx = a dy g + b x + c with a = rstd, b = (db mean - ds) a^3 / N,
    c = -b mean - db a / N (ds = sum dy x g, db = sum dy g per row); dgamma and dbeta sum
    dy (a x - a mean) and dy over the rows. The engine rounds each to bfloat16."""
    f = np.float32
    dy, x = dy.astype(f), x.astype(f)
    g = None if w is None else w.astype(f)
    lead = tuple(range(axes[0]))
    gx = gw = gb = None
    if want[0]:
        n = 1
        for k in axes:
            n *= x.shape[k]
        scale = f(1) / f(n)
        dyg = dy if g is None else dy * g
        ds = (dyg * x).sum(axes, keepdims=True)
        db = dyg.sum(axes, keepdims=True)
        a = rstd
        b = (db * mean - ds) * a * a * a * scale
        c = -b * mean - db * a * scale
        gx = _reduced.fma(b, x, a * dyg) + c
    if want[1] or want[2]:
        gw, gb = _bf16_param_grads(dy, x, mean, rstd, len(lead), x.dtype if w is None
                                   else w.dtype, want)
    return gx, gw, gb


def _bf16_param_grads(dy, x, mean, rstd, nlead: int, bf, want):
    """dgamma and dbeta as PyTorch's kernel sums them: each thread of at::parallel_for adds
    its rows, in order, into a buffer of the input's dtype (rounded at every row); the
    threads' buffers are then added in float32."""
    from .._threads import get_num_threads
    f = np.float32
    shape = x.shape[nlead:]
    m = 1
    for k in x.shape[:nlead]:
        m *= k
    dy, x = dy.reshape(m, -1), x.reshape(m, -1)
    mean, rstd = mean.reshape(m, 1), rstd.reshape(m, 1)
    nt = max(1, min(get_num_threads(), m))
    chunk = -(-m // nt)
    nt = -(-m // chunk)
    starts = np.arange(nt) * chunk
    bw = np.zeros((nt, x.shape[1]), f)
    bb = np.zeros((nt, x.shape[1]), f)
    for i in range(chunk):
        rows = starts + i
        rows = rows[rows < m]
        k = len(rows)
        if want[1]:
            a = rstd[rows]
            t = _reduced.fma(dy[rows], _reduced.fma(a, x[rows], -a * mean[rows]), bw[:k])
            bw[:k] = t.astype(bf).astype(f)
        if want[2]:
            bb[:k] = (bb[:k] + dy[rows]).astype(bf).astype(f)
    gw = bw.sum(0).reshape(shape) if want[1] else None
    gb = bb.sum(0).reshape(shape) if want[2] else None
    return gw, gb


class NativeLayerNormBackward0(Node):
    """y = xhat * w + b with xhat = (x - mean) * rstd over the normalised dims: the bias and
    weight gradients sum over the leading dims, the input's goes through the standardisation."""

    __slots__ = ("axes", "eps", "mean", "rstd", "xhat")
    _saved_names = ("input", "weight")

    def backward(self, grad):
        x, w = self.saved()
        axes = self.axes
        if anp.is_array(x) and x.dtype == _dtype.BF16:     # PyTorch's bfloat16 kernel
            return _bf16_layer_norm_backward(grad, x, w, self.mean, self.rstd, axes,
                                             (_wants(self, 0), _wants(self, 1), _wants(self, 2)))
        lead = tuple(range(axes[0]))
        mean, rstd = _moments(self, x, axes)
        xhat = _standardized(self, x, mean, rstd)
        gx = gw = gb = None
        if _wants(self, 0):
            gx = _standardize_grad(grad if w is None else grad * w, xhat, rstd, axes)
        if _wants(self, 1):
            gw = _sum_dims(grad * xhat, lead)
        if _wants(self, 2):
            gb = _sum_dims(grad, lead)
        return gx, gw, gb

    def _release_extra(self) -> None:
        self.mean = self.rstd = self.xhat = None


def _standardized(node, x, mean, rstd):
    """(x - mean) * rstd: the forward's array in an ordinary backward where it kept one."""
    if anp.is_array(x) and node.xhat is not None:
        return node.xhat
    return (x - mean) * rstd


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """``x / sqrt(mean(x^2) + eps) * weight`` over the last dims (PyTorch's composite)."""
    _check_tensor(input, "rms_norm")
    ns = _int_tuple(normalized_shape, "rms_norm", "normalized_shape", 2)
    x = input._data
    k = len(ns)
    if x.ndim < k or x.shape[x.ndim - k:] != ns:
        want = ", ".join(str(s) for s in ns)
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*{want}], but got input of size{list(x.shape)}")
    if weight is not None and weight._data.shape != ns:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got "
                           f"weight of shape {list(weight._data.shape)} and normalized_shape "
                           f"= {list(ns)}")
    _float_data(input, "rms_norm")
    if eps is None:
        eps = float(np.finfo(x.dtype).eps)
    dims = tuple(range(x.ndim - k, x.ndim))
    ms = input.pow(2).mean(dims, keepdim=True) if dims else input.pow(2)
    out = input * _pw.rsqrt(_add_scalar(ms, eps))
    return out if weight is None else out * weight


def _bn_check(t, name: str, c: int) -> None:
    if t is not None and t._data.size != c:
        raise RuntimeError(f"{name} should contain {c} elements not {t._data.size}")


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) with batch statistics (training, updating the running
    ones in place) or with the running statistics (evaluation)."""
    _check_tensor(input, "batch_norm")
    shape = input._data.shape
    if training:
        size = list(shape)
        prod = size[0] if size else 1
        for s in size[2:]:
            prod *= s
        if prod == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got "
                             f"input size torch.Size({size})")
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
                       eps)[0]


def _batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
                weight: Tensor | None, bias: Tensor | None, training: bool, momentum: float,
                eps: float) -> tuple:
    """``batch_norm`` without the Python-level checks of ``nn.functional`` (the native op's),
    and its statistics: the arrays mean and 1/std in the broadcast shape (1, C, 1...)."""
    _check_tensor(input, "batch_norm")
    shape = input._data.shape
    c = shape[wrap_dim(1, len(shape))]
    x = _float_data(input, "batch_norm")
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        _bn_check(t, name, c)
    axes = (0,) + tuple(range(2, x.ndim))
    bshape = (1, c) + (1,) * (x.ndim - 2)
    if training:
        # Statistics accumulate in double, as PyTorch's CPU kernel does.
        x64 = x.astype(np.float64, copy=False)
        mean64 = x64.mean(axes)
        var64 = ((x64 - mean64.reshape(bshape)) ** 2).mean(axes)
        n = x.size // c if c else 0
        if running_mean is not None:
            rm = running_mean._data
            rm[...] = momentum * mean64 + (1 - momentum) * rm
            running_mean._bump()
        if running_var is not None:
            rv = running_var._data
            unbiased = var64 * n / (n - 1) if n > 1 else np.full_like(var64, np.nan)
            rv[...] = momentum * unbiased + (1 - momentum) * rv
            running_var._bump()
        mean = mean64.astype(x.dtype).reshape(bshape)
        rstd = (1.0 / np.sqrt(var64 + eps)).astype(x.dtype).reshape(bshape)
    else:
        if running_mean is None:
            raise RuntimeError("running_mean must be defined in evaluation mode")
        if running_var is None:
            raise RuntimeError("running_var must be defined in evaluation mode")
        mean = running_mean._data.astype(x.dtype, copy=False).reshape(bshape)
        rv = running_var._data.astype(x.dtype, copy=False).reshape(bshape)
        rstd = 1.0 / np.sqrt(rv + eps)
    y = (x - mean) * rstd
    wb = bb = None
    if weight is not None:
        wb = weight._data.reshape(bshape)
        y *= wb
    if bias is not None:
        bb = bias._data.reshape(bshape)
        y += bb
    if STATE.enabled and (input._rg or weight is not None and weight._rg or
                          bias is not None and bias._rg):
        node = NativeBatchNormBackward0()
        node.axes, node.bshape, node.eps, node.training = axes, bshape, eps, bool(training)
        node.mean, node.rstd = mean, rstd
        t = record(node, y, (input, weight, bias))
        node.save2(input, weight)
        return t, mean, rstd
    return _wrap(y), mean, rstd


class NativeBatchNormBackward0(Node):
    """Training: the batch statistics depend on x, so x's gradient is the standardisation's;
    evaluation: the running statistics are constants and x's gradient is a plain scaling."""

    __slots__ = ("axes", "bshape", "eps", "training", "mean", "rstd")
    _saved_names = ("input", "weight")

    def backward(self, grad):
        x, w = self.saved()
        axes = self.axes
        if self.training:
            mean, rstd = _moments(self, x, axes)
        else:                          # running statistics: constants
            mean, rstd = anp.constant(self.mean, x), anp.constant(self.rstd, x)
        xhat = (x - mean) * rstd
        gx = gw = gb = None
        if _wants(self, 0):
            g = grad if w is None else grad * w.reshape(self.bshape)
            gx = _standardize_grad(g, xhat, rstd, axes) if self.training else g * rstd
        if _wants(self, 1):
            gw = anp.sum(grad * xhat, axes)
        if _wants(self, 2):
            gb = anp.sum(grad, axes)
        return gx, gw, gb

    def _release_extra(self) -> None:
        self.mean = self.rstd = None


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its spatial dims."""
    shape = input._data.shape
    if use_input_stats:
        prod = 1
        for s in shape[2:]:
            prod *= s
        if prod == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input "
                             f"size torch.Size({list(shape)})")
    return _instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                          momentum, eps)


def _instance_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
                   weight: Tensor | None, bias: Tensor | None, use_input_stats: bool,
                   momentum: float, eps: float) -> Tensor:
    """``instance_norm`` without the Python-level check of ``nn.functional``."""
    shape = input._data.shape
    n, c = shape[0], shape[1]
    # PyTorch's composite: a batch norm of one sample whose channels are all (sample, channel)
    # pairs; the per-channel running statistics are tiled over the batch and averaged back
    x = input.reshape((1, n * c) + shape[2:])
    rm = rv = None
    if running_mean is not None:
        rm = _wrap(np.tile(running_mean._data, n))
    if running_var is not None:
        rv = _wrap(np.tile(running_var._data, n))
    w = None if weight is None else _cat_repeat(weight, n)
    b = None if bias is None else _cat_repeat(bias, n)
    out = _batch_norm(x, rm, rv, w, b, use_input_stats, momentum, eps)[0]
    if use_input_stats:
        if running_mean is not None:
            running_mean._data[...] = rm._data.reshape(n, c).mean(0)
            running_mean._bump()
        if running_var is not None:
            running_var._data[...] = rv._data.reshape(n, c).mean(0)
            running_var._bump()
    return out.view(shape)


def _cat_repeat(t: Tensor, n: int) -> Tensor:
    return _sh.cat([t] * n, 0)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise groups of channels of each sample, then scale and shift per channel."""
    return _group_norm(input, num_groups, weight, bias, eps, True)


def _group_norm(input: Tensor, num_groups: int, weight: Tensor | None, bias: Tensor | None,
                eps: float, check_size: bool) -> Tensor:
    """``group_norm``; ``check_size``: ``nn.functional``'s Python-level check that each group
    holds more than one value (the native op has none)."""
    _check_tensor(input, "group_norm")
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{len(shape)}")
    n, c = shape[0], shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(shape)} and "
                           f"num_groups={num_groups}")
    size = [n * c // num_groups, num_groups] + list(shape[2:])
    prod = size[0]
    for s in size[2:]:
        prod *= s
    if prod == 1 and check_size:
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size {size}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and (p._data.ndim != 1 or p._data.shape[0] != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape "
                               f"{list(p._data.shape)} and input of shape {list(shape)}")
    x = _float_data(input, "GroupNormKernelImpl")
    # statistics per (sample, group): the group's channels and spatial dims flattened together
    xg = x.reshape(n, num_groups, -1)
    mean = xg.mean(2, keepdims=True)
    xc = xg - mean
    rstd = 1.0 / np.sqrt((xc * xc).mean(2, keepdims=True) + eps)
    y = (xc * rstd).reshape(shape)
    bshape = (1, c) + (1,) * (len(shape) - 2)
    if weight is not None:
        y = y * weight._data.reshape(bshape)
    if bias is not None:
        y = y + bias._data.reshape(bshape)
    if STATE.enabled and (input._rg or weight is not None and weight._rg or
                          bias is not None and bias._rg):
        node = NativeGroupNormBackward0()
        node.groups, node.eps, node.bshape = num_groups, eps, bshape
        node.mean, node.rstd = mean, rstd
        t = record(node, y, (input, weight, bias))
        node.save2(input, weight)
        return t
    return _wrap(y)


class NativeGroupNormBackward0(Node):
    __slots__ = ("groups", "eps", "bshape", "mean", "rstd")
    _saved_names = ("input", "weight")

    def backward(self, grad):
        x, w = self.saved()
        shape = tuple(x.shape)
        n = shape[0]
        gs = (n, self.groups, math.prod(shape) // (n * self.groups) if n * self.groups else 0)
        red = (0,) + tuple(range(2, len(shape)))
        xg = x.reshape(gs)
        mean, rstd = _moments(self, xg, (2,))
        xhat = (xg - mean) * rstd
        gx = gw = gb = None
        if _wants(self, 0):
            g = grad if w is None else grad * w.reshape(self.bshape)
            gx = _standardize_grad(g.reshape(gs), xhat, rstd, (2,)).reshape(shape)
        xhat = xhat.reshape(shape)
        if _wants(self, 1):
            gw = anp.sum(grad * xhat, red)
        if _wants(self, 2):
            gb = anp.sum(grad, red)
        return gx, gw, gb

    def _release_extra(self) -> None:
        self.mean = self.rstd = None
