"""Padding: ``F.pad`` in its constant, reflect, replicate and circular modes.

Constant padding writes the input into a filled array (negative amounts crop); its gradient
crops what was added. The other modes gather: each output element copies one input element,
chosen per padded dim by an index vector, so the gradient adds each output gradient back into
the element it came from. Circular padding first crops (negative amounts) and then wraps
around what is left, as PyTorch does.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record1

__all__ = ["pad", "constant_pad_nd"]

_wrap = Tensor._wrap


# -- constant ---------------------------------------------------------------------------------
def _constant_pad_np(d: np.ndarray, pad: tuple, value) -> np.ndarray:
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
    return out


def constant_pad(input: Tensor, pad: tuple, value=0) -> Tensor:
    """``torch.constant_pad_nd``: pad (or crop, for negative amounts) with ``value``."""
    out = _constant_pad_np(input._data, pad, value)
    if STATE.enabled and input._rg:
        node = ConstantPadNdBackward0()
        node.pad = pad
        return record1(node, out, input)
    return _wrap(out)


def constant_pad_nd(input: Tensor, pad, value=0) -> Tensor:
    """``torch.constant_pad_nd``: ``F.pad`` in constant mode (negative amounts crop)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"constant_pad_nd(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    return constant_pad(input, tuple(int(p) for p in pad), value)


def _crop(grad, pad: tuple):
    """Undo a constant padding: pad by the opposite amounts (arrays or tensors)."""
    neg = tuple(-p for p in pad)
    if anp.is_array(grad):
        return _constant_pad_np(grad, neg, 0)
    return constant_pad(grad, neg, 0)


class ConstantPadNdBackward0(Node):
    __slots__ = ("pad",)

    def backward(self, grad):
        return (_crop(grad, self.pad),)


# -- reflect / replicate / circular -----------------------------------------------------------
def _scatter_dim(g, dim: int, idx: np.ndarray, size: int, core: tuple):
    """Sum ``g`` along ``dim`` into ``size`` slots: output position j goes to ``idx[j]``.
    ``core = (j0, i0, n)``: positions j0..j0+n map to i0..i0+n (one slice copy); only the
    few padded positions are added one at a time."""
    j0, i0, n = core
    if not anp.is_array(g):
        # on tensors, a one-hot matrix product: differentiable, and its gradient is the gather
        onehot = np.zeros((len(idx), size), dtype=g._data.dtype)
        onehot[np.arange(len(idx)), idx] = 1
        return (g.movedim(dim, -1) @ _wrap(onehot)).movedim(-1, dim)
    shape = list(g.shape)
    shape[dim] = size
    out = np.zeros(shape, dtype=g.dtype)
    lead = (slice(None),) * dim
    out[lead + (slice(i0, i0 + n),)] = g[lead + (slice(j0, j0 + n),)]
    for j in list(range(j0)) + list(range(j0 + n, len(idx))):
        out[lead + (idx[j],)] += g[lead + (j,)]
    return out


class _GatherPadBackward(Node):
    """Backward of reflect/replicate/circular padding: add each output gradient into the
    input element it was copied from."""

    __slots__ = ("plan",)

    def backward(self, grad):
        for dim, idx, size, core in reversed(self.plan):
            grad = _scatter_dim(grad, dim, idx, size, core)
        return (grad,)


class CircularPadBackward(_GatherPadBackward):
    """PyTorch builds circular padding from slice copies, so its node is CopySlices."""

    __slots__ = ()

    def name(self) -> str:
        return "torch::autograd::CopySlices"


_PAD_NODES = {("circular", n): CircularPadBackward for n in (1, 2, 3)}
for _mode, _cname in (("reflect", "ReflectionPad"), ("replicate", "ReplicationPad")):
    for _n in (1, 2, 3):
        _PAD_NODES[(_mode, _n)] = type(f"{_cname}{_n}DBackward0", (_GatherPadBackward,),
                                       {"__slots__": (), "__module__": __name__})
ReflectionPad1DBackward0 = _PAD_NODES[("reflect", 1)]
ReflectionPad2DBackward0 = _PAD_NODES[("reflect", 2)]
ReflectionPad3DBackward0 = _PAD_NODES[("reflect", 3)]
ReplicationPad1DBackward0 = _PAD_NODES[("replicate", 1)]
ReplicationPad2DBackward0 = _PAD_NODES[("replicate", 2)]
ReplicationPad3DBackward0 = _PAD_NODES[("replicate", 3)]


def _plan(mode: str, shape: tuple, pad: tuple, n: int) -> tuple:
    """Per padded dim: (dim, index vector into the input, input size, identity core)."""
    nd = len(shape)
    plan = []
    for k in range(n):
        dim = nd - 1 - k
        lo, hi = pad[2 * k], pad[2 * k + 1]
        size = shape[dim]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(f"Argument #{4 + 2 * k}: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({lo}, {hi}) "
                               f"at dimension {dim} of input {list(shape)}")
        kept = size + min(lo, 0) + min(hi, 0)     # what is left after negative amounts crop
        if mode == "circular":
            if lo > size or hi > size:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if size + lo + hi < 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
            if size + lo + hi == 0:
                idx = np.arange(0)
            elif kept <= 0:
                # nothing left to wrap around (PyTorch reads uninitialised memory here)
                raise RuntimeError("Padding value causes wrapping around more than once.")
            else:
                # crop first, then wrap around the cropped part
                idx = max(-lo, 0) + np.mod(np.arange(-max(lo, 0), kept + max(hi, 0)), kept)
        else:
            idx = np.arange(-lo, size + hi)
            if mode == "reflect":
                idx = np.abs(idx)
                idx = np.where(idx >= size, 2 * (size - 1) - idx, idx)
            else:
                idx = np.clip(idx, 0, size - 1)
        core = (max(lo, 0), max(-lo, 0), max(kept, 0)) if len(idx) else (0, 0, 0)
        plan.append((dim, idx, size, core))
    return tuple(plan)


def _check_int_pad(pad) -> tuple:
    return tuple(int(p) for p in pad)


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left_last, right_last, left_prev, ...)``.
    Negative amounts crop."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    pad = _check_int_pad(pad)
    nd = input._data.ndim
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the "
                           f"input dimension but got padding length {len(pad)} and input of "
                           f"dimension {nd}")
    if mode == "constant":
        return constant_pad(input, pad, 0 if value is None else value)
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
    # PyTorch's reflect and replicate kernels refuse empty dims; circular wraps what it has
    if mode != "circular" and any(s == 0 for s in shape[1 if nd == n + 2 else 0:]):
        raise RuntimeError(f"Expected {n + 1}D or {n + 2}D (batch mode) tensor with possibly 0 "
                           f"batch size and other non-zero dimensions for input, but got: "
                           f"{list(shape)}")
    plan = _plan(mode, shape, pad, n)
    r = input._data
    for dim, idx, _, _ in plan:
        r = np.take(r, idx, axis=dim)
    if STATE.enabled and input._rg:
        node = _PAD_NODES[(mode, n)]()
        node.plan = plan
        return record1(node, r, input)
    return _wrap(r)
