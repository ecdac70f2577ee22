"""Linear layers: ``linear`` and ``bilinear`` (a three-operand contraction node)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..amp.autocast_mode import AUTOCAST, lower
from ..autograd.grad_mode import STATE
from ..autograd import anp
from ..autograd.graph import Node, record, record1
from . import linalg as _la
from . import shape as _sh
from ._nn_util import _check_tensor, _tname, _wants

_wrap = Tensor._wrap


def _addmm(bias: Tensor, mat1: Tensor, mat2: Tensor) -> Tensor:
    """``bias + mat1 @ mat2`` (bias broadcast over rows): linalg.addmm, AddmmBackward0."""
    return _la.addmm(bias, mat1, mat2)


def _matmul_error(rows: int, k: int, wrows: int, wcols: int) -> RuntimeError:
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and "
                        f"{wcols}x{wrows})")


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` over the last dim of ``input``."""
    if AUTOCAST.enabled:
        input, weight, bias = lower(input), lower(weight), lower(bias)
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
    if not (STATE.enabled and (input._rg or weight._rg or bias is not None and bias._rg)):
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


def _einsum3(spec: str, a, b, c):
    """A three-operand contraction ``spec`` ('ij,jk,k->i' style), differentiable to any
    order: each operand's gradient is again such a contraction (on arrays: NumPy's)."""
    if anp.is_array(a):
        return np.asarray(np.einsum(spec, a, b, c, optimize=True))
    r = np.einsum(spec, a._data, b._data, c._data, optimize=True)
    if STATE.enabled and (a._rg or b._rg or c._rg):
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
        ops = self.saved()
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
