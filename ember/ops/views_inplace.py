"""``as_strided`` and the in-place view ops (``unsqueeze_``, ``squeeze_``, ``t_``,
``transpose_``, ``swapdims_``, ``swapaxes_``, ``as_strided_``).

An in-place view op changes only the tensor's shape and strides, not its memory. It is computed
as the out-of-place view ``y`` of ``x``; ``x`` then takes ``y``'s geometry and, when it records
history, ``y``'s node under PyTorch's name for the in-place form (``unsqueeze_`` gives
``UnsqueezeBackward1`` where ``unsqueeze`` gives ``UnsqueezeBackward0``).
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node
from . import shape as _sh
from .shape import make_view

_as_strided_np = np.lib.stride_tricks.as_strided


# -- as_strided -----------------------------------------------------------------------------------
def _storage(t: Tensor) -> tuple:
    """The flat memory ``t`` views (its base's, from the base's first element) and ``t``'s
    offset in it, in elements."""
    base = t if t._base is None else t._base
    bd = base._data
    if not bd.flags.c_contiguous:
        raise RuntimeError("as_strided: ember needs the tensor's base to be contiguous")
    offset = (t._data.__array_interface__["data"][0] - bd.__array_interface__["data"][0])
    return bd.reshape(-1), offset // bd.itemsize


def _positions(shape: tuple, strides: tuple, offset: int) -> np.ndarray:
    """The storage index of every element of a strided view."""
    pos = np.full(shape, offset, dtype=np.int64)
    for k, (n, s) in enumerate(zip(shape, strides)):
        pos += (np.arange(n, dtype=np.int64) * s).reshape((n,) + (1,) * (len(shape) - k - 1))
    return pos


def as_strided(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """A view of ``input``'s memory with the given ``size``, ``stride`` (in elements) and
    ``storage_offset`` (``input``'s own when None), counted from its storage's start."""
    size = tuple(int(n) for n in size)
    stride = tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    flat, own = _storage(input)
    offset = own if storage_offset is None else int(storage_offset)
    need = offset + 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else offset
    if need > flat.size:
        item = flat.itemsize
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {item} requiring a storage size of "
                           f"{need * item} are out of bounds for storage of size "
                           f"{flat.size * item}")
    item = flat.itemsize
    data = _as_strided_np(flat[offset:], size, tuple(s * item for s in stride))
    node = AsStridedBackward0()
    node.view = (size, stride, offset)
    node.own = (input._data.shape, input.stride(), own)
    node.storage_size = flat.size
    return make_view(input, data, node, lambda b: as_strided(b, size, stride, offset))


class AsStridedBackward0(Node):
    """The view's gradient added into a zero storage (elements the view repeats add up), then
    read back at the input's own positions in that storage."""

    __slots__ = ("view", "own", "storage_size")

    def backward(self, grad):
        storage = anp.index_add(anp.zeros((self.storage_size,), grad), 0,
                                _positions(*self.view).reshape(-1), grad.reshape(-1))
        return storage[_positions(*self.own)],     # a NumPy index serves arrays and tensors


class AsStridedBackward1(AsStridedBackward0):
    __slots__ = ()


# -- in-place views -------------------------------------------------------------------------------
class UnsqueezeBackward1(_sh.UnsqueezeBackward0):
    __slots__ = ()


class SqueezeBackward3(_sh.SqueezeBackward0):
    __slots__ = ()


class SqueezeBackward4(_sh.SqueezeBackward0):
    __slots__ = ()


class SqueezeBackward5(_sh.SqueezeBackward0):
    __slots__ = ()


class TBackward1(_sh.TBackward0):
    __slots__ = ()


class TransposeBackward1(_sh.TransposeBackward0):
    __slots__ = ()


def _check(x: Tensor) -> None:
    """The leaf checks of an in-place write. No memory is written, so unlike other in-place
    ops an expanded tensor may change its view."""
    if STATE.enabled and x._rg:
        if x.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
        base = x._base
        if base is not None and base.grad_fn is None and base._rg:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                               "an in-place operation.")


def _become(x: Tensor, y: Tensor, node_cls) -> Tensor:
    """Give ``x`` the geometry of its view ``y`` and, if recorded, ``y``'s history."""
    x._data = y._data
    fn = y.grad_fn
    if fn is not None:
        # The same formula under PyTorch's name for the in-place form (a subclass with no
        # fields of its own, so the node can change class in place).
        fn.__class__ = node_cls
        x.grad_fn = fn
        x._out_nr = 0
        x._rg = True
    if x._base is not None:
        x._view = y._view
    x._bump()
    return x


def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    """In-place ``unsqueeze``: ``self`` gains a size-1 dim at ``dim``."""
    _check(self)
    return _become(self, _sh.unsqueeze(self, dim), UnsqueezeBackward1)


def squeeze_(self: Tensor, dim=None) -> Tensor:
    """In-place ``squeeze``: ``self`` loses its size-1 dims (all, or those in ``dim``)."""
    _check(self)
    if dim is None:
        cls = SqueezeBackward3
    else:
        cls = SqueezeBackward5 if isinstance(dim, (tuple, list)) else SqueezeBackward4
    return _become(self, _sh.squeeze(self, dim), cls)


def t_(self: Tensor) -> Tensor:
    """In-place ``t``: a tensor of at most 2 dims transposed."""
    n = self._data.ndim
    if n > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {n}D")
    _check(self)
    return _become(self, _sh.t(self), TBackward1)


def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """In-place ``transpose`` (also ``swapdims_`` and ``swapaxes_``)."""
    _check(self)
    return _become(self, _sh.transpose(self, dim0, dim1), TransposeBackward1)


def as_strided_(self: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """In-place ``as_strided``: ``self`` takes the given geometry over its memory."""
    _check(self)
    return _become(self, as_strided(self, size, stride, storage_offset), AsStridedBackward1)


# -- storage-changing in-place ops -------------------------------------------------------------
def resize_(self: Tensor, *sizes, memory_format=None) -> Tensor:
    """Give ``self`` a new shape in place: its elements in order fill the new shape (the
    rest, where it grows, zeros: PyTorch leaves them uninitialised); never for a tensor that
    requires grad."""
    from ._util import new_shape
    if self._rg:
        raise RuntimeError("cannot resize variables that require grad")
    shape = new_shape(sizes)
    n = int(np.prod(shape, dtype=np.int64))
    flat = np.ascontiguousarray(self._data).reshape(-1)
    if n <= flat.size:
        data = flat[:n].copy().reshape(shape)
    else:
        data = np.zeros(n, self._data.dtype)
        data[:flat.size] = flat
        data = data.reshape(shape)
    self._data = data
    self._bump()
    return self


def resize_as_(self: Tensor, the_template: Tensor, *, memory_format=None) -> Tensor:
    """``resize_`` to ``the_template``'s shape."""
    return resize_(self, *the_template.shape)
