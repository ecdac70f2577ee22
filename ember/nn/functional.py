"""``nn.functional``: the stateless forms of layers, activations and losses.

Each function computes its forward pass with NumPy. Where PyTorch runs one fused kernel (gelu,
nll_loss, layer_norm...) the result gets one backward node named as PyTorch's; where PyTorch
composes ops (softsign, l1_loss, kl_div...) the function composes ember ops the same way, so
``grad_fn`` names match. Backward formulas take a NumPy fast path for a plain ``backward()``
and use ember ops when ``create_graph=True`` (grad mode is on inside backward only then), so
higher-order gradients work.
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor, check_inplace
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record, record1, record2
from ..ops import inplace as _ip
from ..ops import linalg as _la
from ..ops import pointwise as _pw
from ..ops import reduction as _rd
from ..ops import shape as _sh
from ..ops._util import binary_arrays, broadcast_shapes, wrap_dim

_wrap = Tensor._wrap


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def _tname(x) -> str:
    """PyTorch's scalar-type name of a tensor ('Float', 'Long', ...)."""
    return x.dtype._legacy[:-6]


def _check_tensor(x, fname: str, arg: str = "input", pos: int = 1) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _float_data(x: Tensor, kernel: str) -> np.ndarray:
    """The data of a floating tensor; PyTorch's NotImplementedError for other dtypes."""
    d = x._data
    if d.dtype.kind != "f" and d.dtype != _dtype.BF16:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_tname(x)}\'')
    return d


def _const(a) -> Tensor:
    return _wrap(np.asarray(a))


def _needs(*tensors) -> bool:
    if not STATE.enabled:
        return False
    for t in tensors:
        if t is not None and t._rg:
            return True
    return False


def _wants(node: Node, i: int) -> bool:
    """Whether input ``i`` of ``node`` needs a gradient."""
    return node.next_functions[i][0] is not None


def _inplace(input: Tensor, out_of_place, *args) -> Tensor:
    """Run an activation in place: the out-of-place result is written back into ``input`` (its
    autograd history rebased onto the new values, as PyTorch's in-place ops do)."""
    check_inplace(input)
    if _ip.needs_graph(input):
        return _ip.commit(input, out_of_place(_ip.snapshot(input), *args))
    r = out_of_place(input, *args)
    _ip.write(input, r._data)
    return input


# ---------------------------------------------------------------------------------------------
# private differentiable ops used by the compositions below (named as PyTorch's nodes)
# ---------------------------------------------------------------------------------------------
def _scalar_result(node_cls, r: np.ndarray, x: Tensor, s: float) -> Tensor:
    """``r`` = ``x`` combined with the number ``s``, recording ``node_cls`` (``other = s``)
    when a graph is needed."""
    if STATE.enabled and x._rg:
        node = node_cls()
        node.other = s
        return record1(node, r, x)
    return _wrap(r)


def _mul_scalar(x: Tensor, s: float) -> Tensor:
    """``x * s`` as PyTorch's C++ composites record it (``MulBackward1``)."""
    return _scalar_result(MulBackward1, x._data * s, x, s)


class MulBackward1(Node):
    __slots__ = ("other",)

    def backward(self, grad):
        return _mul_scalar(grad, self.other),


def _div_scalar(x: Tensor, s: float) -> Tensor:
    """``x / s`` as PyTorch's C++ composites record it (``DivBackward1``)."""
    return _scalar_result(DivBackward1, np.true_divide(x._data, s), x, s)


class DivBackward1(Node):
    __slots__ = ("other",)

    def backward(self, grad):
        return _div_scalar(grad, self.other),


def _add_scalar(x: Tensor, s: float) -> Tensor:
    """``x + s`` as PyTorch's C++ composites record it (``AddBackward1``)."""
    r = x._data + s
    if STATE.enabled and x._rg:
        return record1(AddBackward1(), r, x)
    return _wrap(r)


class AddBackward1(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad,


def _clamp_min(x: Tensor, m: float) -> Tensor:
    """``max(x, m)``; the gradient flows where ``x >= m`` (ClampMinBackward0)."""
    return _pw.clamp_min(x, m)


def _xlogy(x: Tensor, y: Tensor) -> Tensor:
    """``x * log(y)``, 0 where ``x == 0`` (PyTorch's xlogy)."""
    return _pw.xlogy(x, y)


def _vector_norm(x: Tensor, p: float, dim: int, keepdim: bool) -> Tensor:
    """``at::norm`` over one dim, as pairwise_distance records it (``NormBackward1``)."""
    d = x._data
    ax = wrap_dim(dim, d.ndim)
    a = np.abs(d)
    if p == 2:
        r = np.sqrt(np.sum(a * a, axis=ax, keepdims=keepdim))
    elif p == 1:
        r = np.sum(a, axis=ax, keepdims=keepdim)
    elif p == math.inf:
        r = np.max(a, axis=ax, keepdims=keepdim, initial=0)
    elif p == -math.inf:
        r = np.min(a, axis=ax, keepdims=keepdim)
    elif p == 0:
        r = np.sum(a != 0, axis=ax, keepdims=keepdim).astype(d.dtype)
    else:
        with np.errstate(divide="ignore", over="ignore"):
            r = np.sum(a ** p, axis=ax, keepdims=keepdim) ** (1.0 / p)
    r = np.asarray(r, dtype=d.dtype)
    if STATE.enabled and x._rg:
        node = NormBackward1()
        node.p, node.dim, node.keepdim = p, ax, keepdim
        t = record1(node, r, x)
        node.save1(x)
        node.save_result(t)
        return t
    return _wrap(r)


class NormBackward1(Node):
    __slots__ = ("p", "dim", "keepdim")
    _saved_names = ("self",)

    def backward(self, grad):          # PyTorch's norm_backward: 0 where the norm is 0
        x, = self.saved_tensors()
        n = self.saved_result()
        p, dim = self.p, self.dim
        if not self.keepdim:
            grad = grad.unsqueeze(dim)
            n = n.unsqueeze(dim)
        zero = _const(n._data == 0)
        if p == 0:
            return grad * 0 * x,
        if p == 1:
            return grad * x.sign(),
        if p == 2:
            return _pw.where(zero, 0.0, grad * x / n),
        if math.isinf(p):
            hit = _const((np.abs(x._data) == n._data).astype(x._data.dtype))
            count = hit.sum(dim, keepdim=True)
            return grad * x.sign() * hit / count,
        a = x.abs()
        scale = x * a ** (p - 2) / n ** (p - 1)
        return _pw.where(zero, 0.0, grad * scale),


# ---------------------------------------------------------------------------------------------
# linear layers
# ---------------------------------------------------------------------------------------------
def _addmm(bias: Tensor, mat1: Tensor, mat2: Tensor) -> Tensor:
    """``bias + mat1 @ mat2`` (bias broadcast over rows): linalg.addmm, AddmmBackward0."""
    return _la.addmm(bias, mat1, mat2)


def _matmul_error(rows: int, k: int, wrows: int, wcols: int) -> RuntimeError:
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and "
                        f"{wcols}x{wrows})")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` over the last dim of ``input``."""
    _check_tensor(input, "linear")
    _check_tensor(weight, "linear", "weight", 2)
    xd, wd = input._data, weight._data
    if xd.ndim == 0 or wd.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{xd.ndim}D and {wd.ndim}D")
    if wd.ndim == 1:
        out = (input * weight).sum(-1)
        return out if bias is None else out + bias
    if wd.ndim != 2:
        raise RuntimeError(f"linear(): weight must be 1-D or 2-D, but got {wd.ndim}-D")
    k = xd.shape[-1]
    lead = xd.shape[:-1]
    rows = 1
    for s in lead:
        rows *= s
    if k != wd.shape[1]:
        raise _matmul_error(rows, k, wd.shape[0], wd.shape[1])
    if xd.dtype != wd.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_la._cname(input)} != {_la._cname(weight)}")
    nout = wd.shape[0]
    if bias is not None:
        bd = bias._data
        if bd.dtype != xd.dtype:
            raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                               f"{_tname(bias)} and {_tname(input)}")
        if bd.ndim > 2 or (bd.shape and bd.shape[-1] not in (1, nout)):
            bs = list(bd.shape)
            raise RuntimeError(f"The expanded size of the tensor ({nout}) must match the "
                               f"existing size ({bs[-1]}) at non-singleton dimension 1.  "
                               f"Target sizes: [{rows}, {nout}].  Tensor sizes: {bs}")
    if not _needs(input, weight, bias):
        x2 = xd if xd.ndim == 2 else xd.reshape(rows, k)
        r = _la._bf16_matmul(x2, wd.T, None if bias is None else bias._data)
        return _wrap(r if xd.ndim == 2 else r.reshape(lead + (nout,)))
    wt = _sh.t(weight)
    if xd.ndim == 2:
        return _la.mm(input, wt) if bias is None else _addmm(bias, input, wt)
    if bias is not None and not (xd.flags.c_contiguous and bias._data.ndim == 1):
        # PyTorch's non-fused path: matmul, then add the bias
        return linear(input, weight) + bias
    x2 = input.reshape(rows, k)
    if bias is not None:
        return _addmm(bias, x2, wt).view(lead + (nout,))
    if xd.ndim == 1:
        return _la.mm(x2, wt).squeeze(0)
    m = _la.mm(x2, wt)
    node = _sh.UnsafeViewBackward0()
    node.shape = m._data.shape
    return record1(node, m._data.reshape(lead + (nout,)), m)


def _einsum3(spec: str, a: Tensor, b: Tensor, c: Tensor) -> Tensor:
    """A three-operand contraction ``spec`` ('ij,jk,k->i' style), differentiable to any
    order: each operand's gradient is again such a contraction."""
    r = np.einsum(spec, a._data, b._data, c._data, optimize=True)
    if _needs(a, b, c):
        node = TrilinearBackward0()
        node.spec = spec
        t = record(node, np.asarray(r), (a, b, c))
        node.save(a, b, c)
        return t
    return _wrap(np.asarray(r))


class TrilinearBackward0(Node):
    __slots__ = ("spec",)
    _saved_names = ("i1", "i2", "i3")

    def backward(self, grad):
        ops = self.saved_tensors()
        ins, out = self.spec.split("->")
        subs = ins.split(",")
        res = []
        for i in range(3):
            if not _wants(self, i):
                res.append(None)
                continue
            others = [j for j in range(3) if j != i]
            spec = f"{out},{subs[others[0]]},{subs[others[1]]}->{subs[i]}"
            res.append(_einsum3(spec, grad, ops[others[0]], ops[others[1]]))
        return tuple(res)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """``y_k = x1^T A_k x2 + b_k`` over the last dims of ``input1`` and ``input2``."""
    s1, s2, sw = input1._data.shape, input2._data.shape, weight._data.shape
    if len(s1) != len(s2):
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {len(s1)} and "
                           f"{len(s2)}")
    for i in range(len(s1) - 1):
        if s1[i] != s2[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got "
                               f"{s1[i]} and {s2[i]}")
    if len(sw) != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got {len(sw)}")
    if s1[-1] != sw[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{s1[-1]} but expected {sw[1]}")
    if s2[-1] != sw[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{s2[-1]} but expected {sw[2]}")
    if bias is not None and bias._data.shape != (sw[0],):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias._data.shape[-1] if bias._data.ndim else 1} but expected "
                           f"{sw[0]}")
    lead = s1[:-1]
    rows = int(np.prod(lead, dtype=np.int64))
    a = input1.reshape(rows, s1[-1])
    b = input2.reshape(rows, s2[-1])
    out = _einsum3("bi,oij,bj->bo", a, weight, b).view(lead + (sw[0],))
    return out if bias is None else out + bias


# ---------------------------------------------------------------------------------------------
# dropout
# ---------------------------------------------------------------------------------------------
def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_mask(input: Tensor, p: float) -> np.ndarray:
    """PyTorch's noise: ``empty_like(input).bernoulli_(1 - p).div_(1 - p)``, drawn from the
    default generator in the same order, so it equals PyTorch's bit for bit."""
    from .. import _generator as _g
    d = input._data
    if d.flags.c_contiguous:
        noise = _g.bernoulli(1 - p, d.shape, d.dtype)
    else:
        from ..ops import random as _rn
        noise = _rn.bernoulli_(_rn._empty_like(input, None), 1 - p)._data
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
    keep = _g.bernoulli(1 - p, d.shape, d.dtype)
    alpha = 1.7580993408473766
    a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    b = (keep - 1) * (alpha * a) + alpha * a * p
    keep *= a
    out = input.mul_(_wrap(keep)) if inplace else input * _wrap(keep)
    return out.add_(_wrap(b)) if inplace else out + _wrap(b)


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool) -> Tensor:
    """Zero whole channels: one draw per (sample, channel), PyTorch's feature noise."""
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


# ---------------------------------------------------------------------------------------------
# sparse: embedding, one_hot
# ---------------------------------------------------------------------------------------------
def _embedding_renorm(weight: Tensor, idx: np.ndarray, max_norm: float,
                      norm_type: float) -> None:
    """Scale the looked-up rows of ``weight`` in place so their norm is at most max_norm."""
    w = weight._data
    rows = np.unique(idx)
    sub = w[rows]
    if norm_type == math.inf:
        norms = np.max(np.abs(sub), axis=1)
    else:
        norms = np.sum(np.abs(sub) ** norm_type, axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if np.any(big):
        scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        w[rows[big]] = sub[big] * scale[:, None]
        weight._bump()


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` picked by the integer ``input``."""
    _check_tensor(input, "embedding")
    _check_tensor(weight, "embedding", "weight", 2)
    wd = weight._data
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= wd.shape[0]:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -wd.shape[0]:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = wd.shape[0] + padding_idx
    idx = input._data
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got torch.{_tname(input)}"
                           f"Tensor instead (while checking arguments for embedding)")
    if wd.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if idx.size and (idx.min() < 0 or idx.max() >= wd.shape[0]):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _embedding_renorm(weight, idx, max_norm, norm_type)
    r = np.take(wd, idx, axis=0)
    if STATE.enabled and weight._rg:
        node = EmbeddingBackward0()
        node.indices = idx.copy()
        node.num_weights = wd.shape[0]
        node.padding_idx = -1 if padding_idx is None else padding_idx
        node.scale_grad_by_freq = scale_grad_by_freq
        return record1(node, r, weight)
    return _wrap(r)


class EmbeddingBackward0(Node):
    __slots__ = ("indices", "num_weights", "padding_idx", "scale_grad_by_freq")

    def backward(self, grad):          # scatter-add each row's gradient into its weight row
        idx = self.indices.reshape(-1)
        dim = grad._data.shape[-1]
        scale = None
        if self.padding_idx >= 0:
            scale = (idx != self.padding_idx).astype(grad._data.dtype)
        if self.scale_grad_by_freq:
            counts = np.bincount(idx, minlength=self.num_weights)[idx]
            f = (1.0 / counts).astype(grad._data.dtype)
            scale = f if scale is None else scale * f
        g = grad.reshape(idx.size, dim)
        if STATE.enabled:
            from ..ops.indexing import index_put_zeros
            if scale is not None:
                g = g * _const(scale[:, None])
            return index_put_zeros(g, (self.num_weights, dim), (idx,), True),
        gd = g._data if scale is None else g._data * scale[:, None]
        out = np.zeros((self.num_weights, dim), gd.dtype)
        np.add.at(out, idx, gd)
        return _wrap(out),


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot vectors along a new last dim (``num_classes=-1``: max + 1)."""
    _check_tensor(tensor, "one_hot", "tensor")
    d = tensor._data
    if d.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if d.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(d.max()) + 1
    if d.size:
        if d.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if d.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    elif num_classes < -1:
        raise RuntimeError("Class values must be smaller than num_classes.")
    if num_classes < 0:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(d.shape + (num_classes,), np.int64)
    np.put_along_axis(out, d[..., None], 1, axis=-1)
    return _wrap(out)


# ---------------------------------------------------------------------------------------------
# normalization
# ---------------------------------------------------------------------------------------------
def _standardize_grad_np(gw: np.ndarray, xhat: np.ndarray, rstd: np.ndarray, axes) -> np.ndarray:
    """d(xhat)/dx applied to ``gw`` where xhat = (x - mean(x)) * rstd over ``axes``."""
    return rstd * (gw - gw.mean(axes, keepdims=True)
                   - xhat * (gw * xhat).mean(axes, keepdims=True))


def _standardize_grad(gw: Tensor, x: Tensor, axes, eps: float):
    """The same with ember ops, statistics recomputed from ``x`` (differentiable)."""
    mean = x.mean(axes, keepdim=True)
    xc = x - mean
    rstd = ((xc * xc).mean(axes, keepdim=True) + eps) ** -0.5
    xhat = xc * rstd
    gx = rstd * (gw - gw.mean(axes, keepdim=True)
                 - xhat * (gw * xhat).mean(axes, keepdim=True))
    return gx, xhat


def _sum_dims(t: Tensor, dims: tuple) -> Tensor:
    return t.sum(dims) if dims else t


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
    mean = x.mean(axes, keepdims=True)
    xc = x - mean
    rstd = 1.0 / np.sqrt((xc * xc).mean(axes, keepdims=True) + eps)
    y = xc * rstd
    if weight is not None:
        y *= weight._data
    if bias is not None:
        y += bias._data
    if _needs(input, weight, bias):
        node = NativeLayerNormBackward0()
        node.axes, node.eps = axes, eps
        node.mean, node.rstd = mean, rstd
        t = record(node, y, (input, weight, bias))
        node.save2(input, weight)
        return t
    return _wrap(y)


class NativeLayerNormBackward0(Node):
    __slots__ = ("axes", "eps", "mean", "rstd")
    _saved_names = ("input", "weight")

    def backward(self, grad):
        x, w = self.saved_tensors()
        axes = self.axes
        lead = tuple(range(axes[0]))
        gx = gw = gb = None
        if STATE.enabled:
            g = grad * w if w is not None else grad
            dx, xhat = _standardize_grad(g, x, axes, self.eps)
            gx = dx if _wants(self, 0) else None
            if _wants(self, 1):
                gw = _sum_dims(grad * xhat, lead)
            if _wants(self, 2):
                gb = _sum_dims(grad, lead)
            return gx, gw, gb
        g = grad._data
        xhat = (x._data - self.mean) * self.rstd
        if _wants(self, 0):
            gwd = g * w._data if w is not None else g
            gx = _wrap(_standardize_grad_np(gwd, xhat, self.rstd, axes))
        if _wants(self, 1):
            gw = _wrap(np.sum(g * xhat, axis=lead))
        if _wants(self, 2):
            gb = _wrap(np.sum(g, axis=lead))
        return gx, gw, gb

    def _release_extra(self) -> None:
        self.mean = self.rstd = None


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
    if _needs(input, weight, bias):
        node = NativeBatchNormBackward0()
        node.axes, node.bshape, node.eps, node.training = axes, bshape, eps, bool(training)
        node.mean, node.rstd = mean, rstd
        t = record(node, y, (input, weight, bias))
        node.save2(input, weight)
        return t
    return _wrap(y)


class NativeBatchNormBackward0(Node):
    __slots__ = ("axes", "bshape", "eps", "training", "mean", "rstd")
    _saved_names = ("input", "weight")

    def backward(self, grad):
        x, w = self.saved_tensors()
        axes, bshape = self.axes, self.bshape
        gx = gw = gb = None
        if STATE.enabled:
            wb = w.reshape(bshape) if w is not None else None
            g = grad * wb if wb is not None else grad
            if self.training:
                dx, xhat = _standardize_grad(g, x, axes, self.eps)
            else:
                rstd = _const(self.rstd)
                xhat = (x - _const(self.mean)) * rstd
                dx = g * rstd
            gx = dx if _wants(self, 0) else None
            if _wants(self, 1):
                gw = (grad * xhat).sum(axes)
            if _wants(self, 2):
                gb = grad.sum(axes)
            return gx, gw, gb
        g = grad._data
        xhat = (x._data - self.mean) * self.rstd
        if _wants(self, 0):
            gwd = g * w._data.reshape(bshape) if w is not None else g
            if self.training:
                gx = _wrap(_standardize_grad_np(gwd, xhat, self.rstd, axes))
            else:
                gx = _wrap(gwd * self.rstd)
        if _wants(self, 1):
            gw = _wrap(np.sum(g * xhat, axis=axes))
        if _wants(self, 2):
            gb = _wrap(np.sum(g, axis=axes))
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
    n, c = shape[0], shape[1]
    x = input.reshape((1, n * c) + shape[2:])
    rm = rv = None
    if running_mean is not None:
        rm = _wrap(np.tile(running_mean._data, n))
    if running_var is not None:
        rv = _wrap(np.tile(running_var._data, n))
    w = None if weight is None else _cat_repeat(weight, n)
    b = None if bias is None else _cat_repeat(bias, n)
    out = batch_norm(x, rm, rv, w, b, use_input_stats, momentum, eps)
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
    if prod == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size {size}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and (p._data.ndim != 1 or p._data.shape[0] != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape "
                               f"{list(p._data.shape)} and input of shape {list(shape)}")
    x = _float_data(input, "GroupNormKernelImpl")
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
    if _needs(input, weight, bias):
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
        x, w = self.saved_tensors()
        shape = x._data.shape
        n, gcount, bshape = shape[0], self.groups, self.bshape
        red = (0,) + tuple(range(2, len(shape)))
        gx = gw = gb = None
        if STATE.enabled:
            g = grad * w.reshape(bshape) if w is not None else grad
            gs = (n, gcount, x._data.size // (n * gcount) if n * gcount else 0)
            dx, xhat = _standardize_grad(g.reshape(gs), x.reshape(gs), (2,), self.eps)
            xhat = xhat.reshape(shape)
            gx = dx.reshape(shape) if _wants(self, 0) else None
            if _wants(self, 1):
                gw = (grad * xhat).sum(red)
            if _wants(self, 2):
                gb = grad.sum(red)
            return gx, gw, gb
        g = grad._data
        xhat = ((x._data.reshape(n, gcount, -1) - self.mean) * self.rstd)
        if _wants(self, 0):
            gwd = g * w._data.reshape(bshape) if w is not None else g
            gx = _wrap(_standardize_grad_np(gwd.reshape(n, gcount, -1), xhat, self.rstd,
                                            (2,)).reshape(shape))
        xhat = xhat.reshape(shape)
        if _wants(self, 1):
            gw = _wrap(np.sum(g * xhat, axis=red))
        if _wants(self, 2):
            gb = _wrap(np.sum(g, axis=red))
        return gx, gw, gb

    def _release_extra(self) -> None:
        self.mean = self.rstd = None


# ---------------------------------------------------------------------------------------------
# padding
# ---------------------------------------------------------------------------------------------
def _constant_pad(input: Tensor, pad: tuple, value) -> Tensor:
    d = input._data
    nd = d.ndim
    out_shape = list(d.shape)
    src, dst = [slice(None)] * nd, [slice(None)] * nd
    for k in range(len(pad) // 2):
        dim = nd - 1 - k
        lo, hi = pad[2 * k], pad[2 * k + 1]
        size = d.shape[dim]
        new = size + lo + hi
        if new < 0 or size + min(lo, 0) < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        out_shape[dim] = new
        src[dim] = slice(max(-lo, 0), size - max(-hi, 0))
        dst[dim] = slice(max(lo, 0), new - max(hi, 0))
    out = np.full(out_shape, value, dtype=d.dtype)
    out[tuple(dst)] = d[tuple(src)]
    if STATE.enabled and input._rg:
        node = ConstantPadNdBackward0()
        node.pad = pad
        return record1(node, out, input)
    return _wrap(out)


class ConstantPadNdBackward0(Node):
    __slots__ = ("pad",)

    def backward(self, grad):          # pad by the opposite amounts: crops what was added
        return _constant_pad(grad, tuple(-p for p in self.pad), 0),


def _gather_pad(input: Tensor, plan: tuple, node_cls) -> Tensor:
    r = input._data
    for dim, idx, _ in plan:
        r = np.take(r, idx, axis=dim)
    if STATE.enabled and input._rg:
        node = node_cls()
        node.plan = plan
        return record1(node, r, input)
    return _wrap(r)


def _scatter_pad(grad: Tensor, plan: tuple) -> Tensor:
    r = grad._data
    for dim, idx, size in reversed(plan):
        shape = list(r.shape)
        shape[dim] = size
        z = np.zeros(shape, r.dtype)
        np.add.at(z, (slice(None),) * dim + (idx,), r)
        r = z
    if STATE.enabled and grad._rg:
        node = PadScatterBackward()
        node.plan = plan
        return record1(node, r, grad)
    return _wrap(r)


class _PadBackward(Node):
    """Backward of reflect/replicate/circular padding: add each output gradient into the
    input element it was copied from."""

    __slots__ = ("plan",)

    def backward(self, grad):
        return _scatter_pad(grad, self.plan),


class PadScatterBackward(Node):
    """Backward of that scatter (for double backward): the gather again."""

    __slots__ = ("plan",)

    def backward(self, grad):
        return _gather_pad(grad, self.plan, PadGatherBackward),


class PadGatherBackward(_PadBackward):
    __slots__ = ()


def _pad_node(mode: str, n: int):
    return _PAD_NODES[(mode, n)]


_PAD_NODES = {}
for _mode, _cname in (("reflect", "ReflectionPad"), ("replicate", "ReplicationPad"),
                      ("circular", "CircularPad")):
    for _n in (1, 2, 3):
        _PAD_NODES[(_mode, _n)] = type(f"{_cname}{_n}DBackward0", (_PadBackward,),
                                       {"__slots__": (), "__module__": __name__})


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left_last, right_last, left_prev, ...)``.
    Negative amounts crop."""
    _check_tensor(input, "pad")
    pad = tuple(int(p) for p in pad)
    nd = input._data.ndim
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the "
                           f"input dimension but got padding length {len(pad)} and input of "
                           f"dimension {nd}")
    if mode == "constant":
        return _constant_pad(input, pad, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    n = len(pad) // 2
    if n not in (1, 2, 3) or nd not in (n + 1, n + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {nd}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    shape = input._data.shape
    if any(s == 0 for s in shape[1 if nd == n + 2 else 0:]):
        raise RuntimeError(f"Expected {n + 1}D or {n + 2}D (batch mode) tensor with possibly 0 "
                           f"batch size and other non-zero dimensions for input, but got: "
                           f"{list(shape)}")
    plan = []
    for k in range(n):
        dim = nd - 1 - k
        lo, hi = pad[2 * k], pad[2 * k + 1]
        size = shape[dim]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(f"Argument #{4 + 2 * k}: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({lo}, {hi}) "
                               f"at dimension {dim} of input {list(shape)}")
        if mode == "circular" and (lo > size or hi > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        idx = np.arange(-lo, size + hi)
        if mode == "reflect":
            idx = np.abs(idx)
            idx = np.where(idx >= size, 2 * (size - 1) - idx, idx)
        elif mode == "replicate":
            idx = np.clip(idx, 0, size - 1)
        else:
            idx = np.mod(idx, size)
        plan.append((dim, idx, size))
    return _gather_pad(input, tuple(plan), _pad_node(mode, n))


# ---------------------------------------------------------------------------------------------
# distances
# ---------------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------------
# softmax family
# ---------------------------------------------------------------------------------------------
def _get_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_check(input: Tensor, dim: int, name: str) -> None:
    """PyTorch's NotImplementedError (naming its kernel) for a non-floating input."""
    d = input._data
    if d.dtype.kind not in "fc":
        last = "_lastdim" if d.ndim == 0 or wrap_dim(dim, d.ndim) == d.ndim - 1 else ""
        raise NotImplementedError(f'"{name}{last}_kernel_impl" not implemented for '
                                  f"'{_tname(input)}'")


def _softmax_call(op, name: str, input: Tensor, dim, stacklevel: int, dtype) -> Tensor:
    # The functional forms' checks (dim inference, integer errors) before the reduction op.
    _check_tensor(input, name)
    if dim is None:
        dim = _get_softmax_dim(name, input._data.ndim, stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    _softmax_check(input, dim, name)
    return op(input, dim)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (computed without overflow)."""
    return _softmax_call(_rd.softmax, "softmax", input, dim, _stacklevel + 1, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``."""
    return _softmax_call(_rd.log_softmax, "log_softmax", input, dim, _stacklevel + 1, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """``softmax(-x)`` along ``dim``."""
    _check_tensor(input, "softmin")
    if dim is None:
        dim = _get_softmax_dim("softmin", input._data.ndim, _stacklevel)
    neg = -input
    if dtype is not None:
        neg = neg.to(dtype)
    _softmax_check(neg, dim, "softmax")
    return _rd.softmax(neg, dim)


# ---------------------------------------------------------------------------------------------
# activations
# ---------------------------------------------------------------------------------------------
_SQRT1_2 = math.sqrt(0.5)
_SQRT_2_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_F32_SIXTH = float(np.float32(1.0 / 6.0))


def _saved_unary(node: Node, r: np.ndarray, input: Tensor) -> Tensor:
    t = record1(node, r, input)
    node.save1(input)
    return t


class _Elementwise(Node):
    """An elementwise activation: backward is ``grad * f'(x)``, with ``f'`` from NumPy
    (``deriv_np``) or, under create_graph, from differentiable ember ops (``deriv``)."""

    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):
        x, = self.saved_tensors()
        return grad * self.deriv(x),

    def _np_backward(self, grad):
        x, = self.saved_tensors()
        return (grad * self.deriv_np(x._data)).astype(grad.dtype, copy=False),


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _softplus_np(x: np.ndarray) -> np.ndarray:
    """log(1 + exp(x)) without overflow."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _erf_np(x: np.ndarray) -> np.ndarray:
    return _pw.erf(_wrap(x))._data


def _erf(x: Tensor) -> Tensor:
    return _pw.erf(x)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)``; in place when ``inplace``."""
    return _pw.relu_(input) if inplace else _pw.relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place ``relu``."""
    return _pw.relu_(input)


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-x))``."""
    return _pw.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return _pw.tanh(input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``x * Phi(x)``, Phi the standard normal CDF (``approximate='tanh'``: its tanh form)."""
    _check_tensor(input, "gelu")
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    x = _float_data(input, "GeluKernelImpl")
    if approximate == "none":
        r = x * 0.5 * (1 + _erf_np(x * _SQRT1_2))
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            r = 0.5 * x * (1 + np.tanh(_SQRT_2_PI * (x + 0.044715 * x * x * x)))
    if STATE.enabled and input._rg:
        node = GeluBackward0()
        node.approximate = approximate
        return _saved_unary(node, r, input)
    return _wrap(r)


class GeluBackward0(_Elementwise):
    __slots__ = ("approximate",)

    def deriv(self, x):
        if self.approximate == "none":
            cdf = (_erf(x * _SQRT1_2) + 1) * 0.5
            return cdf + x * (x * x * -0.5).exp() * _INV_SQRT_2PI
        inner = (x + x * x * x * 0.044715) * _SQRT_2_PI
        t = inner.tanh()
        dinner = (x * x * (3 * 0.044715) + 1) * _SQRT_2_PI
        return (t + 1) * 0.5 + x * 0.5 * (1 - t * t) * dinner

    def deriv_np(self, x):
        with np.errstate(over="ignore", invalid="ignore"):
            if self.approximate == "none":
                cdf = 0.5 * (1 + _erf_np(x * _SQRT1_2))
                return cdf + x * np.exp(-0.5 * x * x) * _INV_SQRT_2PI
            t = np.tanh(_SQRT_2_PI * (x + 0.044715 * x * x * x))
            dinner = _SQRT_2_PI * (1 + 3 * 0.044715 * x * x)
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dinner


def _silu(input: Tensor) -> Tensor:
    x = _float_data(input, "silu_cpu")
    r = x * _stable_sigmoid(x)
    if STATE.enabled and input._rg:
        return _saved_unary(SiluBackward0(), r, input)
    return _wrap(r)


class SiluBackward0(_Elementwise):
    __slots__ = ()

    def deriv(self, x):
        s = x.sigmoid()
        return s * (x * (1 - s) + 1)

    def deriv_np(self, x):
        s = _stable_sigmoid(x)
        return s * (1 + x * (1 - s))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (swish)."""
    _check_tensor(input, "silu")
    return _inplace(input, _silu) if inplace else _silu(input)


def _mish(input: Tensor) -> Tensor:
    x = _float_data(input, "mish_cpu")
    r = x * np.tanh(_softplus_np(x))
    if STATE.enabled and input._rg:
        return _saved_unary(MishBackward0(), r, input)
    return _wrap(r)


class MishBackward0(_Elementwise):
    __slots__ = ()

    def deriv(self, x):
        t = softplus(x).tanh()
        return t + x * x.sigmoid() * (1 - t * t)

    def deriv_np(self, x):
        t = np.tanh(_softplus_np(x))
        return t + x * _stable_sigmoid(x) * (1 - t * t)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    _check_tensor(input, "mish")
    return _inplace(input, _mish) if inplace else _mish(input)


def _elu(input: Tensor, alpha: float, scale: float, input_scale: float, node_cls,
         kernel: str) -> Tensor:
    x = _float_data(input, kernel)
    neg = x <= 0
    with np.errstate(over="ignore"):
        em1 = np.expm1(np.where(neg, x, 0) * input_scale)
    r = np.where(neg, em1 * (alpha * scale), x * scale).astype(x.dtype, copy=False)
    if STATE.enabled and input._rg:
        node = node_cls()
        node.alpha, node.scale, node.input_scale = alpha, scale, input_scale
        return _saved_unary(node, r, input)
    return _wrap(r)


class EluBackward0(_Elementwise):
    __slots__ = ("alpha", "scale", "input_scale")

    def deriv(self, x):
        neg = _const(x._data <= 0)
        e = (x * self.input_scale).exp() * (self.alpha * self.scale * self.input_scale)
        return _pw.where(neg, e, self.scale)

    def deriv_np(self, x):
        neg = x <= 0
        with np.errstate(over="ignore"):
            e = np.exp(np.where(neg, x, 0) * self.input_scale)
        return np.where(neg, e * (self.alpha * self.scale * self.input_scale), self.scale)


class EluBackward1(EluBackward0):
    __slots__ = ()




def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` for x > 0, ``alpha * (exp(x) - 1)`` otherwise."""
    _check_tensor(input, "elu")
    if inplace:
        return _inplace(input, _elu, alpha, 1.0, 1.0, EluBackward1, "elu_cpu")
    return _elu(input, alpha, 1.0, 1.0, EluBackward0, "elu_cpu")


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``elu``."""
    return elu(input, alpha, True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants."""
    _check_tensor(input, "selu")
    if inplace:
        return _inplace(input, _elu, _SELU_ALPHA, _SELU_SCALE, 1.0, EluBackward1, "elu_cpu")
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0, EluBackward0, "elu_cpu")


def selu_(input: Tensor) -> Tensor:
    """In-place ``selu``."""
    return selu(input, True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    _check_tensor(input, "celu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    if inplace:
        return _inplace(input, _elu, alpha, 1.0, 1.0 / alpha, CeluBackward1, "elu_cpu")
    return _elu(input, alpha, 1.0, 1.0 / alpha, CeluBackward0, "elu_cpu")


class _CeluBackward(EluBackward0):
    """CELU's backward: PyTorch's scale there is ``1.0 / float32(alpha)`` (in forward it is
    ``1 / alpha`` in double)."""

    __slots__ = ()

    def _scale(self) -> float:
        return 1.0 / float(np.float32(self.alpha))

    def deriv(self, x):
        s = self._scale()
        neg = _const(x._data <= 0)
        return _pw.where(neg, (x * s).exp() * (self.alpha * s), 1.0)

    def deriv_np(self, x):
        s = self._scale()
        neg = x <= 0
        with np.errstate(over="ignore"):
            e = np.exp(np.where(neg, x, 0) * s)
        return np.where(neg, e * (self.alpha * s), 1.0)


class CeluBackward0(_CeluBackward):
    __slots__ = ()


class CeluBackward1(_CeluBackward):
    __slots__ = ()


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``celu``."""
    return celu(input, alpha, True)


def _leaky_relu(input: Tensor, slope: float, node_cls) -> Tensor:
    x = _float_data(input, "leaky_relu_cpu")
    r = np.where(x > 0, x, x * slope).astype(x.dtype, copy=False)
    if STATE.enabled and input._rg:
        node = node_cls()
        node.slope = slope
        return _saved_unary(node, r, input)
    return _wrap(r)


class LeakyReluBackward0(_Elementwise):
    __slots__ = ("slope",)

    def deriv(self, x):
        return _const(np.where(x._data > 0, 1.0, self.slope).astype(x._data.dtype))

    def deriv_np(self, x):
        return np.where(x > 0, 1.0, self.slope)


class LeakyReluBackward1(LeakyReluBackward0):
    __slots__ = ()


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` for x > 0, ``negative_slope * x`` otherwise."""
    _check_tensor(input, "leaky_relu")
    if inplace:
        return _inplace(input, _leaky_relu, negative_slope, LeakyReluBackward1)
    return _leaky_relu(input, negative_slope, LeakyReluBackward0)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place ``leaky_relu``."""
    return leaky_relu(input, negative_slope, True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` for x > 0, ``weight * x`` otherwise; ``weight`` has 1 or C (dim 1) entries."""
    _check_tensor(input, "prelu")
    _check_tensor(weight, "prelu", "weight", 2)
    wd = weight._data
    x = input._data
    if wd.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {wd.ndim}")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if wd.size != 1 and wd.size != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {wd.size} and channel size = {channels}.")
    _float_data(input, "prelu_cpu")
    if wd.dtype != x.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {_tname(input)} and "
                           f"{_tname(weight)}")
    bshape = (1, wd.size) + (1,) * (x.ndim - 2) if wd.size != 1 else ()
    wb = wd.reshape(bshape)
    r = np.where(x > 0, x, wb * x).astype(x.dtype, copy=False)
    if _needs(input, weight):
        node = PreluKernelBackward0()
        node.bshape = bshape
        t = record2(node, r, input, weight)
        node.save2(input, weight)
        return t
    return _wrap(r)


class PreluKernelBackward0(Node):
    __slots__ = ("bshape",)
    _saved_names = ("self", "weight")

    def backward(self, grad):
        x, w = self.saved_tensors()
        pos = x._data > 0
        wshape = w._data.shape
        red = tuple(i for i in range(x._data.ndim) if i != 1 or not self.bshape)
        gx = gw = None
        if STATE.enabled:
            mask = _const(pos)
            if _wants(self, 0):
                gx = _pw.where(mask, grad, grad * w.reshape(self.bshape))
            if _wants(self, 1):
                gw = _pw.where(mask, 0.0, grad * x).sum(red).reshape(wshape) if red else \
                    _pw.where(mask, 0.0, grad * x).reshape(wshape)
            return gx, gw
        g = grad._data
        if _wants(self, 0):
            gx = _wrap(np.where(pos, g, g * w._data.reshape(self.bshape)).astype(g.dtype))
        if _wants(self, 1):
            part = np.where(pos, 0, g * x._data).astype(g.dtype)
            gw = _wrap(np.sum(part, axis=red).reshape(wshape))
        return gx, gw


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, inplace: bool = False) -> Tensor:
    """Leaky ReLU with a random slope in [lower, upper] per negative element (training) or
    their mean (evaluation)."""
    _check_tensor(input, "rrelu")
    x = _float_data(input, "rrelu_with_noise_cpu")
    if training:
        from .. import _generator as _g
        neg = x <= 0
        noise = np.ones(x.shape, x.dtype)
        k = int(np.count_nonzero(neg))
        if k:
            # one double draw per non-positive element, in order, as PyTorch's kernel
            noise[neg] = _g.uniform((k,), np.float64, lower, upper)
    else:
        noise = np.where(x <= 0, (lower + upper) / 2, 1.0).astype(x.dtype)

    def compute(inp: Tensor) -> Tensor:
        r = inp._data * noise
        if STATE.enabled and inp._rg:
            node = RreluWithNoiseBackward1() if inplace else RreluWithNoiseBackward0()
            node.noise = noise
            return record1(node, r, inp)
        return _wrap(r)
    return _inplace(input, compute) if inplace else compute(input)


class RreluWithNoiseBackward0(Node):
    __slots__ = ("noise",)

    def backward(self, grad):
        return grad * _const(self.noise),


class RreluWithNoiseBackward1(RreluWithNoiseBackward0):
    __slots__ = ()


def _hardtanh(input: Tensor, min_val: float, max_val: float) -> Tensor:
    x = input._data
    if x.dtype == np.bool_:
        raise NotImplementedError("\"hardtanh_cpu\" not implemented for 'Bool'")
    if x.dtype.kind in "iu":
        lo, hi = math.ceil(min_val), math.floor(max_val)
        r = np.clip(x, lo, hi)
    else:
        r = np.clip(x, min_val, max_val)
    if STATE.enabled and input._rg:
        node = HardtanhBackward0()
        node.min_val, node.max_val = min_val, max_val
        return _saved_unary(node, r, input)
    return _wrap(r)


class HardtanhBackward0(_Elementwise):
    __slots__ = ("min_val", "max_val")

    def deriv(self, x):
        return _const(self.deriv_np(x._data).astype(x._data.dtype))

    def deriv_np(self, x):
        return ((x > self.min_val) & (x < self.max_val)).astype(x.dtype)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``clamp(x, min_val, max_val)``."""
    _check_tensor(input, "hardtanh")
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return _inplace(input, _hardtanh, min_val, max_val)
    return _hardtanh(input, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place ``hardtanh``."""
    return hardtanh(input, min_val, max_val, True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(0, x), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _hardsigmoid(input: Tensor) -> Tensor:
    x = _float_data(input, "hardsigmoid_cpu")
    r = np.clip(x + 3, 0, 6) / 6
    if STATE.enabled and input._rg:
        return _saved_unary(HardsigmoidBackward0(), r, input)
    return _wrap(r)


class HardsigmoidBackward0(_Elementwise):
    __slots__ = ()

    def deriv(self, x):
        return _const(self.deriv_np(x._data).astype(x._data.dtype))

    def deriv_np(self, x):
        # PyTorch's kernel multiplies by the float32 constant 1/6 for every dtype
        return np.where((x > -3) & (x < 3), _F32_SIXTH, 0.0)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``."""
    _check_tensor(input, "hardsigmoid")
    return _inplace(input, _hardsigmoid) if inplace else _hardsigmoid(input)


def _hardswish(input: Tensor) -> Tensor:
    x = _float_data(input, "hardswish_cpu")
    r = x * np.clip(x + 3, 0, 6) / 6
    if STATE.enabled and input._rg:
        return _saved_unary(HardswishBackward0(), r, input)
    return _wrap(r)


class HardswishBackward0(_Elementwise):
    __slots__ = ()

    def deriv(self, x):
        mid = _const((x._data >= -3) & (x._data <= 3))
        high = _const((x._data > 3).astype(x._data.dtype))
        return _pw.where(mid, x / 3 + 0.5, high)

    def deriv_np(self, x):
        return np.where(x < -3, 0.0, np.where(x <= 3, x / 3 + 0.5, 1.0))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``."""
    _check_tensor(input, "hardswish")
    return _inplace(input, _hardswish) if inplace else _hardswish(input)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))`` without overflow."""
    _check_tensor(input, "logsigmoid")
    x = _float_data(input, "log_sigmoid_cpu")
    r = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
    if STATE.enabled and input._rg:
        return _saved_unary(LogSigmoidBackward0(), r, input)
    return _wrap(r)


class LogSigmoidBackward0(_Elementwise):
    __slots__ = ()

    def deriv(self, x):
        return (-x).sigmoid()

    def deriv_np(self, x):
        return _stable_sigmoid(-x)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``; linear where ``beta * x > threshold``."""
    _check_tensor(input, "softplus")
    x = _float_data(input, "softplus_cpu")
    bx = x * beta
    lin = bx > threshold
    r = np.where(lin, x, _softplus_np(np.where(lin, 0, bx)) / beta).astype(x.dtype, copy=False)
    if STATE.enabled and input._rg:
        node = SoftplusBackward0()
        node.beta, node.threshold = beta, threshold
        return _saved_unary(node, r, input)
    return _wrap(r)


class SoftplusBackward0(_Elementwise):
    __slots__ = ("beta", "threshold")

    def deriv(self, x):
        lin = _const(x._data * self.beta > self.threshold)
        return _pw.where(lin, 1.0, (x * self.beta).sigmoid())

    def deriv_np(self, x):
        bx = x * self.beta
        return np.where(bx > self.threshold, 1.0, _stable_sigmoid(bx))


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``."""
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``."""
    return input - input.tanh()


def _threshold(input: Tensor, threshold: float, value: float, node_cls) -> Tensor:
    x = input._data
    r = np.where(x > threshold, x, value).astype(x.dtype, copy=False)
    if STATE.enabled and input._rg:
        node = node_cls()
        node.threshold = threshold
        return _saved_unary(node, r, input)
    return _wrap(r)


class ThresholdBackward0(_Elementwise):
    __slots__ = ("threshold",)

    def deriv(self, x):
        return _const((x._data > self.threshold).astype(x._data.dtype))

    def deriv_np(self, x):
        return (x > self.threshold).astype(x.dtype)


class ThresholdBackward1(ThresholdBackward0):
    __slots__ = ()


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``."""
    _check_tensor(input, "threshold")
    if inplace:
        return _inplace(input, _threshold, threshold, value, ThresholdBackward1)
    return _threshold(input, threshold, value, ThresholdBackward0)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place ``threshold``."""
    return _inplace(input, _threshold, threshold, value, ThresholdBackward1)


def _check_lambd(input: Tensor, lambd: float) -> None:
    _float_data(input, "softshrink_check")
    if lambd < 0:
        hi = "1.79769e+308" if input._data.dtype == np.float64 else "3.40282e+38"
        raise RuntimeError(f"lambda must be in range [0, {hi}] for input dtype "
                           f"{_tname(input)}, but found {lambd:g}")


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0."""
    _check_tensor(input, "hardshrink")
    x = _float_data(input, "hardshrink_cpu")
    r = np.where((x >= -lambd) & (x <= lambd), 0, x).astype(x.dtype, copy=False)
    if STATE.enabled and input._rg:
        node = HardshrinkBackward0()
        node.lambd = lambd
        return _saved_unary(node, r, input)
    return _wrap(r)


class HardshrinkBackward0(_Elementwise):
    __slots__ = ("lambd",)

    def deriv(self, x):
        return _const(self.deriv_np(x._data).astype(x._data.dtype))

    def deriv_np(self, x):
        return ((x < -self.lambd) | (x > self.lambd)).astype(x.dtype)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""
    _check_tensor(input, "softshrink")
    _check_lambd(input, lambd)
    x = _float_data(input, "softshrink_cpu")
    r = np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0)).astype(x.dtype)
    if STATE.enabled and input._rg:
        node = SoftshrinkBackward0()
        node.lambd = lambd
        return _saved_unary(node, r, input)
    return _wrap(r)


class SoftshrinkBackward0(HardshrinkBackward0):
    __slots__ = ()


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """``a * sigmoid(b)`` where ``a``, ``b`` are the halves of ``input`` along ``dim``."""
    _check_tensor(input, "glu")
    x = input._data
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    ax = wrap_dim(dim, x.ndim)
    n = x.shape[ax]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {ax} is size {n}")
    x = _float_data(input, "glu_cpu")
    a, b = np.split(x, 2, axis=ax)
    r = a * _stable_sigmoid(b)
    if STATE.enabled and input._rg:
        node = GluBackward0()
        node.dim = ax
        return _saved_unary(node, r, input)
    return _wrap(r)


class GluBackward0(Node):
    __slots__ = ("dim",)
    _saved_names = ("self",)

    def backward(self, grad):          # d(a*s(b)): s(b), a*s(b)*(1-s(b))
        x, = self.saved_tensors()
        ax = self.dim
        if STATE.enabled:
            h = x._data.shape[ax] // 2
            a, b = x.narrow(ax, 0, h), x.narrow(ax, h, h)
            s = b.sigmoid()
            return _sh.cat([grad * s, grad * a * s * (1 - s)], ax),
        a, b = np.split(x._data, 2, axis=ax)
        s = _stable_sigmoid(b)
        g = grad._data
        return _wrap(np.concatenate([g * s, g * a * s * (1 - s)], axis=ax)),


# ---------------------------------------------------------------------------------------------
# losses
# ---------------------------------------------------------------------------------------------
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
    """A loss ``reduce(l(x, t))``: backward scales ``dl/dx`` and ``dl/dt`` by the incoming
    gradient (divided by the element count for 'mean')."""

    __slots__ = ("reduction", "numel")
    _saved_names = ("self", "target")

    def backward(self, grad):
        x, t = self.saved_tensors()
        want_x, want_t = _wants(self, 0), _wants(self, 1)
        if self.reduction == "mean":
            grad = grad / self.numel
        dx, dt = self.derivs(x, t, want_x, want_t)
        return (grad * dx if want_x else None), (grad * dt if want_t else None)

    def _np_backward(self, grad):
        x, t = self.saved_tensors()
        want_x, want_t = _wants(self, 0), _wants(self, 1)
        if self.reduction == "mean":
            grad = grad / self.numel
        xd, td = x._data, t._data
        if xd.dtype != td.dtype:
            dt_ = np.result_type(xd, td)
            xd, td = xd.astype(dt_), td.astype(dt_)
        dx, dt = self.derivs_np(xd, td, want_x, want_t)
        return (grad * dx if want_x else None), (grad * dt if want_t else None)


def _pointwise_loss(node_cls, loss: np.ndarray, input: Tensor, target: Tensor,
                    reduction: str) -> Tensor:
    r = _reduce_np(loss, reduction)
    if _needs(input, target):
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
        d = (x - t) * 2
        return d, -d

    def derivs_np(self, x, t, wx, wt):
        d = 2 * (x - t)
        return d, (-d if wt else None)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|input - target|``, reduced (PyTorch's composite)."""
    _size_warning(input, target)
    red = _reduction(reduction, size_average, reduce)
    err = (input - target).abs()
    if weight is not None:
        return _weighted_sum_loss(err, weight, input, red)
    return _apply_reduction(err, red)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Quadratic below ``beta`` (``0.5 d^2 / beta``), linear above (``|d| - beta / 2``)."""
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
        g = _pw.where(_const(np.abs(d._data) < self.beta), d / self.beta, d.sign())
        return g, -g

    def derivs_np(self, x, t, wx, wt):
        d = x - t
        g = np.where(np.abs(d) < self.beta, d / self.beta, np.sign(d)).astype(d.dtype)
        return g, -g


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """Quadratic below ``delta`` (``0.5 d^2``), linear above (``delta (|d| - delta / 2)``)."""
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
        g = _pw.where(_const(np.abs(d._data) < self.delta), d, d.sign() * self.delta)
        return g, -g

    def derivs_np(self, x, t, wx, wt):
        d = x - t
        g = np.where(np.abs(d) < self.delta, d, self.delta * np.sign(d)).astype(d.dtype)
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
        x, t = self.saved_tensors()
        if self.reduction == "mean":
            grad = grad / self.numel
        return grad * -t * (-t * x).sigmoid(),

    def _np_backward(self, grad):
        x, t = self.saved_tensors()
        if self.reduction == "mean":
            grad = grad / self.numel
        xd, td = x._data, t._data
        return grad * (-td * _stable_sigmoid((-td * xd).astype(xd.dtype))),


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``-w (t log(x) + (1 - t) log(1 - x))`` with each log clamped at -100, reduced."""
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
    if _needs(input, target):
        node = BinaryCrossEntropyBackward0()
        node.reduction, node.numel, node.weight = red, loss.size, w
        out = record2(node, r, input, target)
        node.save2(input, target)
        return out
    return _wrap(r)


class BinaryCrossEntropyBackward0(_PointwiseLoss):
    __slots__ = ("weight",)

    def derivs(self, x, t, wx, wt):
        w = None if self.weight is None else _const(self.weight)
        dx = dt = None
        if wx:
            dx = (x - t) / _pw.clamp((1 - x) * x, min=1e-12)
            dx = dx if w is None else dx * w
        if wt:
            dt = (1 - x).log() - x.log()
            dt = dt if w is None else dt * w
        return dx, dt

    def derivs_np(self, x, t, wx, wt):
        dx = dt = None
        if wx:
            dx = (x - t) / np.maximum((1 - x) * x, 1e-12)
            if self.weight is not None:
                dx = dx * self.weight
        if wt:
            with np.errstate(divide="ignore"):
                dt = np.log1p(-x) - np.log(x)
            if self.weight is not None:
                dt = dt * self.weight
        return dx, dt


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """``binary_cross_entropy(sigmoid(input), target)`` computed stably from the logits;
    ``pos_weight`` scales the positive term."""
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
    if _needs(input, target):
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
        pw = None if self.pos_weight is None else _const(self.pos_weight)
        dx = dt = None
        if wx:
            if pw is None:
                dx = x.sigmoid() - t
            else:
                pt = pw * t
                dx = (pt + 1 - t) * x.sigmoid() - pt
        if wt:
            dt = -x if pw is None else logsigmoid(-x) - logsigmoid(x) * pw
        if self.weight is not None:
            w = _const(self.weight)
            dx = None if dx is None else dx * w
            dt = None if dt is None else dt * w
        return dx, dt

    def derivs_np(self, x, t, wx, wt):
        pw = self.pos_weight
        dx = dt = None
        if wx:
            s = _stable_sigmoid(x)
            dx = s - t if pw is None else (pw * t + 1 - t) * s - pw * t
        if wt:
            if pw is None:
                dt = -x
            else:
                ls = np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))
                dt = (ls - x) - ls * pw
        if self.weight is not None:
            dx = None if dx is None else dx * self.weight
            dt = None if dt is None else dt * self.weight
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

    def _expands(self) -> bool:
        # a per-sample gradient ('none') gets the class dim back to broadcast over it
        return self.reduction == "none" and len(self.shape) > 1

    def backward(self, grad):
        g = grad.unsqueeze(1) if self._expands() else grad
        return g * _const(self._scatter()),

    def _np_backward(self, grad):
        m = self._scatter()
        m *= np.expand_dims(grad, 1) if self._expands() else grad
        return m,


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
    cdim = 0 if input._data.ndim == 1 else 1
    return _nll_nd(log_softmax(input, cdim), target, weight, red, ignore_index)


# -- divergences and distances -----------------------------------------------------------------
def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """``target * (log(target) - input)`` (``input`` holds log-probabilities; with
    ``log_target`` so does ``target``); 'batchmean' divides the sum by the batch size."""
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
    for t in (input, target):
        if t._data.dtype.kind == "c":
            raise RuntimeError("kl_div: Complex inputs not supported.")
        if t._data.dtype.kind != "f":
            raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        out = target.exp() * (target - input)
    else:
        out = _xlogy(target, target) - target * input
    out = _apply_reduction(out, red)
    if reduction == "batchmean" and input._data.ndim != 0:
        out = out / input._data.shape[0]
    return out


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
