"""``x[idx]`` and ``x[idx] = v``: basic indexing gives views, advanced indexing copies."""
from __future__ import annotations

import re

import numpy as np

from .._tensor import Tensor, check_inplace
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record1, record2
from . import inplace as _ip
from .shape import UnsqueezeBackward0, make_view

_wrap = Tensor._wrap


def _convert_index(idx):
    """NumPy index for a PyTorch index; also whether it is basic (gives a view)."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out = []
    basic = True
    for i in idx:
        if i is None or i is Ellipsis:
            out.append(i)
        elif isinstance(i, slice):
            s = slice(*(None if v is None else _int_bound(v) for v in (i.start, i.stop, i.step)))
            if s.step is not None and s.step <= 0:
                raise ValueError("step must be greater than zero")
            out.append(s)
        elif isinstance(i, bool):
            out.append(np.array(i))
            basic = False
        elif isinstance(i, (int, np.integer)):
            out.append(int(i))
        elif isinstance(i, Tensor):
            d = i._data
            if d.dtype.kind == "b":
                out.append(d)
                basic = False
            elif d.dtype.kind in "iu":
                if d.ndim == 0:
                    out.append(int(d))
                else:
                    out.append(d)
                    basic = False
            else:
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
        elif isinstance(i, (list, np.ndarray, range)):
            a = np.asarray([_item(v) for v in i] if isinstance(i, list) else i)
            if a.dtype.kind not in "iub":
                if a.size == 0:
                    a = a.astype(np.int64)
                else:
                    raise IndexError("tensors used as indices must be long, int, byte or bool "
                                     "tensors")
            out.append(a)
            basic = False
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                             "byte Variables are valid indices (got "
                             f"{type(i).__name__})")
    return tuple(out), basic


def _item(v):
    if isinstance(v, Tensor):
        return v._data.item()
    if isinstance(v, list):
        return [_item(x) for x in v]
    return v


def _int_bound(v) -> int:
    if isinstance(v, Tensor):
        return int(v._data.item())
    return int(v.__index__())


_NP_BOUNDS = re.compile(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)")
_NP_TOO_MANY = re.compile(r"too many indices for array: array is (\d+)-dimensional")


def _translate(err: IndexError, ndim: int) -> IndexError:
    msg = str(err)
    m = _NP_BOUNDS.search(msg)
    if m:
        return IndexError(f"index {m.group(1)} is out of bounds for dimension {m.group(2)} "
                          f"with size {m.group(3)}")
    if _NP_TOO_MANY.search(msg):
        return IndexError(f"too many indices for tensor of dimension {ndim}")
    if "boolean index did not match" in msg:
        return IndexError(msg.replace("array", "tensor").replace("axis", "dimension"))
    return IndexError(msg)


def _view_node_name(idx) -> type:
    kind = None
    for i in idx:
        if i is None:
            kind = UnsqueezeBackward0
        elif isinstance(i, int):
            kind = SelectBackward0
        elif isinstance(i, slice) and i != slice(None):
            kind = SliceBackward0
        elif isinstance(i, slice) and kind is None:
            kind = SliceBackward0
    return kind or AliasBackward0


def getitem(input: Tensor, idx) -> Tensor:
    """``input[idx]``: views for ints/slices/None/..., copies for masks and index arrays."""
    np_idx, basic = _convert_index(idx)
    d = input._data
    try:
        data = d[np_idx]
    except IndexError as e:
        raise _translate(e, d.ndim) from None
    if basic:
        node = _view_node_name(np_idx)()
        node.shape = d.shape
        node.index = np_idx
        if node.__class__ is UnsqueezeBackward0:
            node.dim = None
        return make_view(input, data, node, lambda b: getitem(b, idx))
    if STATE.enabled and input._rg:
        node = IndexBackward0()
        node.shape = d.shape
        node.index = np_idx
        return record1(node, data, input)
    return _wrap(data)


class SliceBackward0(Node):
    """Gradient of a basic-index view: placed into zeros of the input's shape."""

    __slots__ = ("shape", "index")

    def backward(self, grad):
        return index_put_zeros(grad, self.shape, self.index, False),


class SelectBackward0(SliceBackward0):
    __slots__ = ()


class AliasBackward0(SliceBackward0):
    __slots__ = ()


class IndexBackward0(SliceBackward0):
    """Gradient of advanced indexing: repeated indices accumulate."""

    __slots__ = ()

    def backward(self, grad):
        return index_put_zeros(grad, self.shape, self.index, True),


def index_put_zeros(values: Tensor, shape: tuple, index, accumulate: bool) -> Tensor:
    """Zeros of ``shape`` with ``values`` put (or added) at ``index``; differentiable."""
    z = np.zeros(shape, values._data.dtype)
    if accumulate:
        np.add.at(z, index, values._data)
    else:
        z[index] = values._data
    if STATE.enabled and values._rg:
        node = IndexPutZerosBackward()
        node.index = index
        return record1(node, z, values)
    return _wrap(z)


class IndexPutZerosBackward(Node):
    """Backward of scattering a gradient into zeros: gather it back (double backward)."""

    __slots__ = ("index",)

    def backward(self, grad):
        return _wrap(grad._data[self.index]) if not STATE.enabled else \
            getitem_np(grad, self.index),


def getitem_np(x: Tensor, np_idx) -> Tensor:
    """Index with an already converted NumPy index (differentiable)."""
    data = x._data[np_idx]
    if STATE.enabled and x._rg:
        node = IndexBackward0()
        node.shape = x._data.shape
        node.index = np_idx
        return record1(node, data, x)
    return _wrap(np.asarray(data))


def setitem(input: Tensor, idx, value) -> None:
    """``input[idx] = value``, in place, with autograd through it."""
    check_inplace(input)
    np_idx, basic = _convert_index(idx)
    if _ip.needs_graph(input, value):
        if basic and input._base is None:
            # As in PyTorch: a copy_ into the view input[idx], so the history is CopySlices.
            copy_(getitem(input, idx), value)
            return
        _ip.commit(input, index_put(input, np_idx, value, False))
        return
    v = value._data if isinstance(value, Tensor) else value
    try:
        input._data[np_idx] = v
    except IndexError as e:
        raise _translate(e, input._data.ndim) from None
    except ValueError:
        region = input._data[np_idx].shape
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(v))} cannot "
                           f"be broadcast to indexing result of shape {list(region)}") from None
    input._bump()


def index_put(input: Tensor, np_idx, value, accumulate: bool) -> Tensor:
    """Out of place: ``input`` with ``value`` written (or added) at ``np_idx``."""
    data = input._data.copy()
    v = value._data if isinstance(value, Tensor) else value
    try:
        if accumulate:
            np.add.at(data, np_idx, v)
        else:
            data[np_idx] = v
    except IndexError as e:
        raise _translate(e, data.ndim) from None
    if STATE.enabled and (input._rg or isinstance(value, Tensor) and value._rg):
        node = IndexPutBackward0()
        node.index = np_idx
        node.accumulate = accumulate
        return record2(node, data, input, value)
    return _wrap(data)


class IndexPutBackward0(Node):
    __slots__ = ("index", "accumulate")

    def backward(self, grad):
        if self.accumulate:
            g_in = grad
        else:
            mask = np.ones(grad._data.shape, dtype=bool)
            mask[self.index] = False
            g_in = grad * _wrap(mask)
        return g_in, getitem_np(grad, self.index)


def copy_(input: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast) into ``input``'s memory."""
    check_inplace(input)
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not "
                        f"{type(src).__name__}")
    shape = input._data.shape
    try:
        data = np.broadcast_to(src._data, shape)
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({shape[-1] if shape else 1}) must match the "
                           f"size of tensor b ({src._data.shape[-1] if src._data.ndim else 1}) "
                           f"at non-singleton dimension {max(len(shape) - 1, 0)}") from None
    if _ip.needs_graph(input, src):
        y = record1(CopyBackwards(), data.astype(input._data.dtype), src) if src._rg \
            else _wrap(data.astype(input._data.dtype))
        if not src._rg:
            # Constant values overwrite the history of what was there before.
            y = record1(CopyBackwards(), y._data, input)
            y.grad_fn._zero = True
        return _ip.commit(input, y)
    _ip.write(input, data)
    return input


class CopyBackwards(Node):
    __slots__ = ("_zero",)

    def name(self) -> str:
        return "torch::autograd::CopyBackwards"

    def backward(self, grad):
        if getattr(self, "_zero", False):
            return grad * 0,
        return grad,


def _set_name(cls, name):
    cls.name = lambda self: name


_set_name(_ip.CopySlices, "torch::autograd::CopySlices")
