"""``nn.functional``: the stateless forms of layers, activations and losses, as PyTorch's
``torch.nn.functional``. The public face only: each family lives in ``ember/ops/<family>.py``,
its forward functions beside their backward nodes."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record1
from ..ops._nn_util import _check_tensor

_wrap = Tensor._wrap

from ..ops.linear import (  # noqa: F401
    bilinear, linear,
)
from ..ops.dropout import (  # noqa: F401
    alpha_dropout, dropout, dropout1d, dropout2d, dropout3d,
)
from ..ops.sparse import (  # noqa: F401
    embedding, one_hot,
)
from ..ops.normalization import (  # noqa: F401
    batch_norm, group_norm, instance_norm, layer_norm, rms_norm,
)
from ..ops.distance import (  # noqa: F401
    cosine_similarity, normalize, pairwise_distance,
)
from ..ops.activation import (  # noqa: F401
    celu, celu_, elu, elu_, gelu, glu, hardshrink, hardsigmoid, hardswish, hardtanh, hardtanh_,
    leaky_relu, leaky_relu_, log_softmax, logsigmoid, mish, prelu, relu, relu6, relu_, rrelu, selu,
    selu_, sigmoid, silu, softmax, softmin, softplus, softshrink, softsign, tanh, tanhshrink,
    threshold, threshold_,
)
from ..ops.loss import (  # noqa: F401
    binary_cross_entropy, binary_cross_entropy_with_logits, cosine_embedding_loss, cross_entropy,
    gaussian_nll_loss, hinge_embedding_loss, huber_loss, kl_div, l1_loss, margin_ranking_loss,
    mse_loss, multilabel_soft_margin_loss, nll_loss, poisson_nll_loss, smooth_l1_loss,
    soft_margin_loss, triplet_margin_loss, triplet_margin_with_distance_loss,
)
from ..ops.loss import _legacy_reduction  # noqa: F401  (nn.modules.loss uses it)


# ---------------------------------------------------------------------------------------------
# padding (moves to ember/ops/padding.py with the padding family)
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
