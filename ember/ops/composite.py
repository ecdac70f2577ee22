"""Private differentiable ops that PyTorch's C++ composites record under their own
node names (``MulBackward1``, ``NormBackward1``): used by distances and losses."""
from __future__ import annotations

import math
import numpy as np

from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, holomorphic, record1
from . import pointwise as _pw
from ._util import wrap_dim

_wrap = Tensor._wrap


def _scalar_result(node_cls, r: np.ndarray, x: Tensor, s: float) -> Tensor:
    """``r`` = ``x`` combined with the number ``s``, recording ``node_cls`` (``other = s``)
    when a graph is needed."""
    if STATE.enabled and x._rg:
        node = node_cls()
        node.other = s
        return record1(node, r, x)
    return _wrap(r)


def _mul_scalar(x, s: float):
    """``x * s`` as PyTorch's C++ composites record it (``MulBackward1``); on an array (a
    formula in an ordinary backward) the plain product."""
    if anp.is_array(x):
        return x * s
    return _scalar_result(MulBackward1, x._data * s, x, s)


class MulBackward1(Node):
    __slots__ = ("other",)

    def backward(self, grad):
        return _mul_scalar(grad, self.other),


def _div_scalar(x, s: float):
    """``x / s`` as PyTorch's C++ composites record it (``DivBackward1``); on an array the
    plain quotient."""
    if anp.is_array(x):
        return np.true_divide(x, s)
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
        x, = self.saved()
        n = self.result()
        p, dim = self.p, self.dim
        if not self.keepdim:
            grad = anp.unsqueeze(grad, dim)
            n = anp.unsqueeze(n, dim)
        if p == 0:
            return grad * 0 * x,
        if p == 1:
            return grad * anp.sign(x),
        if p == 2:
            return anp.where(n == 0, 0.0, grad * x / n),
        if math.isinf(p):
            hit = anp.as_dtype_of(anp.abs(x) == n, x)
            count = anp.sum(hit, dim, keepdim=True)
            return grad * anp.sign(x) * hit / count,
        scale = x * anp.abs(x) ** (p - 2) / n ** (p - 1)
        return anp.where(n == 0, 0.0, grad * scale),


# Complex gradients: these formulas are the real-number derivatives of analytic functions
# (the engine conjugates, ember/autograd/graph.py)
holomorphic(MulBackward1, DivBackward1)
