"""Indexing as PyTorch does it: ``x[idx]``, ``x[idx] = v``, and the index, gather/scatter,
mask, sort and search ops.

``x[idx]`` first applies the basic items (ints select, slices, None, ...) as one view of
``x``, exactly as PyTorch's sequence of select/slice/unsqueeze would (so ints never count as
advanced indices), then indexes that view with the tensors, lists and masks (a copy, laid out
as PyTorch's TensorIterator lays it out).
"""
from __future__ import annotations

import warnings

import numpy as np

from .._dtype import kind as _kind
from .._tensor import Tensor, check_inplace
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record, record1, record2
from . import inplace as _ip
from ._util import tname, wrap_dim
from .shape import (UnsqueezeBackward0, contiguous_strides, elem_strides, link_view, make_view,
                    restride)

_wrap = Tensor._wrap
_I64 = np.int64


# == parsing an index ==========================================================================
_SEQ_WARNING = ("Using a non-tuple sequence for multidimensional indexing is deprecated and "
                "will be changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In "
                "pytorch 2.9 this will be interpreted as tensor index, x[torch.tensor(seq)], "
                "which will result either in an error or a different result")


def _as_items(idx) -> tuple:
    """The index as a tuple of items (PyTorch's rule for lists that hold sequences)."""
    if isinstance(idx, tuple):
        return idx
    if isinstance(idx, list) and len(idx) < 32:
        for it in idx:
            if isinstance(it, (Tensor, list, tuple, slice, str, np.ndarray)) or it is None \
                    or it is Ellipsis:
                warnings.warn(_SEQ_WARNING, UserWarning, stacklevel=3)
                return tuple(idx)
    return (idx,)


def _leaf(v):
    if isinstance(v, Tensor):
        return v._data.item() if v._data.ndim == 0 else v._data.tolist()
    if isinstance(v, (list, tuple)):
        return [_leaf(x) for x in v]
    return v


def _seq_array(obj) -> np.ndarray:
    """A list/tuple/range/ndarray index as an int64 (or bool / uint8 mask) array."""
    if isinstance(obj, np.ndarray):
        a = obj
    else:
        data = _leaf(obj) if isinstance(obj, (list, tuple)) else obj
        for v in _flat(data):
            if isinstance(v, str):
                raise TypeError("new(): invalid data type 'str'")
        a = np.asarray(data)
    if _kind(a.dtype) == "b" or a.dtype == np.uint8:
        return a
    if _kind(a.dtype) not in "iuf" and a.size:
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return a.astype(_I64)


def _flat(data):
    if isinstance(data, (list, tuple)):
        for x in data:
            yield from _flat(x)
    else:
        yield data


def _is_int(it) -> bool:
    if isinstance(it, (int, np.integer)) and not isinstance(it, (bool, np.bool_)):
        return True
    return isinstance(it, Tensor) and it._data.ndim == 0 and _kind(it._data.dtype) in "iu" \
        and it._data.dtype != np.uint8


def _slice_bounds(s: slice, size: int):
    """(start, stop, step) of a slice clamped like PyTorch; whether it is a full slice."""
    step = 1 if s.step is None else _index_int(s.step)
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if step < 0:
        raise ValueError("step must be greater than zero")
    start = 0 if s.start is None else _index_int(s.start)
    stop = None if s.stop is None else _index_int(s.stop)
    full = start == 0 and step == 1 and (stop is None or stop >= size)
    return slice(start, stop, step), full


def _index_int(v) -> int:
    if isinstance(v, Tensor):
        return int(v._data.item())
    if hasattr(v, "__index__"):
        return v.__index__()
    raise TypeError("slice indices must be integers or None or have an __index__ method")


class _Plan:
    """An index split into its basic part (one NumPy view) and its advanced part."""

    __slots__ = ("basic", "nones", "kind", "adv", "applied")

    def __init__(self) -> None:
        self.basic = []     # NumPy basic index: ints, slices, None
        self.nones = []     # (result position, original dim) of each inserted dim
        self.kind = None    # node class of the last view op applied
        self.adv = []       # (dim in the basic result, int64 array or bool mask)
        self.applied = False


def _plan(d: np.ndarray, items: tuple, single: bool) -> _Plan:
    ndim = d.ndim
    p = _Plan()
    spec = 0
    for it in items:
        if it is None or it is Ellipsis or isinstance(it, bool):
            continue
        if isinstance(it, Tensor) and (_kind(it._data.dtype) == "b" or it._data.dtype == np.uint8):
            spec += it._data.ndim
        else:
            spec += 1
    if spec > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    od = 0      # next original dim
    rpos = 0    # dims of the basic result so far
    basic = p.basic
    shape = d.shape
    for pos, it in enumerate(items):
        if it is None:
            basic.append(None)
            p.nones.append((rpos, od))
            rpos += 1
            p.kind = UnsqueezeBackward0
            p.applied = True
        elif it is Ellipsis:
            k = ndim - spec
            basic.extend([slice(None)] * k)
            od += k
            rpos += k
        elif isinstance(it, (bool, np.bool_)):
            basic.append(None)
            p.nones.append((rpos, od))
            p.adv.append((rpos, np.zeros(1 if it else 0, _I64)))
            rpos += 1
            p.applied = True
        elif _is_int(it):
            i = int(it) if not isinstance(it, Tensor) else int(it._data)
            size = shape[od]
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {pos} with size "
                                 f"{size}")
            basic.append(i)
            od += 1
            p.kind = SelectBackward0
            p.applied = True
        elif isinstance(it, slice):
            s, full = _slice_bounds(it, shape[od])
            basic.append(s)
            if single or not full:
                p.kind = SliceBackward0
                p.applied = True
            od += 1
            rpos += 1
        else:
            if isinstance(it, Tensor):
                a = it._data
                if _kind(a.dtype) not in "biu":
                    raise IndexError("tensors used as indices must be long, int, byte or bool "
                                     "tensors")
            elif isinstance(it, (list, tuple, range, np.ndarray)):
                a = _seq_array(it)
            elif isinstance(it, str):
                # a str is a sequence to PyTorch, then refused as tensor data
                raise TypeError("new(): invalid data type 'str'")
            else:
                raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long "
                                 "or byte Variables are valid indices (got "
                                 f"{type(it).__name__})")
            if _kind(a.dtype) == "b" or a.dtype == np.uint8:
                if a.ndim == 0:
                    basic.append(None)
                    p.nones.append((rpos, od))
                    p.adv.append((rpos, np.zeros(1 if a else 0, _I64)))
                    rpos += 1
                    p.applied = True
                    continue
                k = a.ndim
                basic.extend([slice(None)] * k)
                p.adv.append((rpos, a.astype(bool)))
                od += k
                rpos += k
            else:
                basic.append(slice(None))
                p.adv.append((rpos, a))
                od += 1
                rpos += 1
    return p


def _basic_array(d: np.ndarray, basic: tuple, nones) -> np.ndarray:
    data = d[basic + (Ellipsis,)]   # the Ellipsis keeps an all-int index a 0-d view
    if nones:
        # PyTorch's unsqueeze stride: size * stride of the dim the new one precedes
        st = list(elem_strides(data))
        dst = elem_strides(d)
        for pos, od in nones:
            st[pos] = d.shape[od] * dst[od] if od < d.ndim else 1
        data = restride(data, data.shape, tuple(st))
    return data


def _basic_view(x: Tensor, basic: tuple, nones, kind) -> Tensor:
    """The view ``x[basic]`` with the node PyTorch's last select/slice/unsqueeze records."""
    d = x._data
    data = _basic_array(d, basic, nones)
    # make_view written out: the node is made only when recorded
    if STATE.enabled and x._rg:
        node = kind()
        node.shape = d.shape
        node.index = basic
        if kind is UnsqueezeBackward0:
            node.dim = None
        t = record1(node, data, x)
    else:
        t = _wrap(data)
    return link_view(t, x, (_basic_view, basic, nones, kind))


def _alias(x: Tensor) -> Tensor:
    node = AliasBackward0()
    node.shape = x._data.shape
    node.index = ()
    return make_view(x, x._data.view(), node, _alias)


# == getitem ======================================================================================
def getitem(input: Tensor, idx) -> Tensor:
    """``input[idx]``: views for ints/slices/None/..., copies for masks and index tensors."""
    d = input._data
    if idx.__class__ is int:
        # the common x[i]: a select
        n = d.ndim
        if n == 0:
            if idx == 0:
                raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in "
                                 "Python or `tensor.item<T>()` in C++ to convert a 0-dim "
                                 "tensor to a number")
            raise IndexError(f"index {idx} is out of bounds for dimension 0 with size 0")
        size = d.shape[0]
        if not -size <= idx < size:
            raise IndexError(f"index {idx} is out of bounds for dimension 0 with size {size}")
        return _basic_view(input, (idx,), (), SelectBackward0)
    if idx.__class__ is slice and d.ndim and idx.step is None:
        # the common x[a:b]: what _slice_bounds and _plan make of it, without the plan
        start, stop = idx.start, idx.stop
        if (start is None or start.__class__ is int) and (stop is None or stop.__class__ is int):
            return _basic_view(input, (slice(0 if start is None else start, stop, 1),), (),
                               SliceBackward0)
    if idx is Ellipsis:
        return _alias(input)
    if isinstance(idx, slice) and d.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    single = not isinstance(idx, (tuple, list))
    items = _as_items(idx)
    p = _plan(d, items, single)
    if p.applied and p.kind is not None:
        t = _basic_view(input, tuple(p.basic), p.nones, p.kind)
    elif p.nones:
        t = None
    else:
        t = input
    if not p.adv:
        return _alias(input) if t is input else t
    if t is None:
        # a bool index only inserts a dim: the view PyTorch unsqueezes before indexing
        t = _basic_view(input, tuple(p.basic), p.nones, UnsqueezeBackward0)
    return _index(t, p.adv)


def _mask_check(mask: np.ndarray, shape: tuple, start: int) -> None:
    for j, s in enumerate(mask.shape):
        k = start + j
        if k >= len(shape) or s != shape[k]:
            raise IndexError(f"The shape of the mask {list(mask.shape)} at index {j} does not "
                             f"match the shape of the indexed tensor {list(shape)} at index "
                             f"{k}")


def _expand_adv(shape: tuple, adv) -> list:
    """Masks as their nonzero coordinates: a list of (dim, int array)."""
    out = []
    for dim, a in adv:
        if a.dtype == bool:
            _mask_check(a, shape, dim)
            # columns of an (N, k) array, as PyTorch's nonzero() gives them (stride k)
            nz = np.stack(np.nonzero(a), axis=1) if a.ndim else np.zeros((int(a), 0), _I64)
            for j in range(a.ndim):
                out.append((dim + j, nz[:, j]))
        else:
            out.append((dim, a))
    return out


def _broadcast(arrays: list) -> list:
    if len(arrays) == 1:
        return arrays
    try:
        return list(np.broadcast_arrays(*arrays))
    except ValueError:
        shapes = ", ".join(str(list(a.shape)) for a in arrays)
        raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together "
                         f"with shapes {shapes}") from None


def _np_index(shape: tuple, adv) -> tuple:
    """A NumPy index (slices plus index arrays) for PyTorch's advanced index ``adv``, with
    PyTorch's bounds errors."""
    adv = _expand_adv(shape, adv)
    arrays = _broadcast([a for _, a in adv])
    idx = [slice(None)] * len(shape)
    for k, ((dim, _), a) in enumerate(zip(adv, arrays)):
        size = shape[dim]
        if a.size:
            lo, hi = a.min(), a.max()
            if lo < -size or hi >= size:
                bad = a[(a < -size) | (a >= size)].flat[0]
                raise IndexError(f"index {bad} is out of bounds for dimension {k} with size "
                                 f"{size}")
        idx[dim] = a
    return tuple(idx)


def _index_layout(src: np.ndarray, idx: tuple, out: np.ndarray) -> np.ndarray:
    """``out`` (NumPy's C-ordered result of ``src[idx]``) in the layout PyTorch's index
    kernel allocates: TensorIterator orders the output's dims by the input strides."""
    dims = [i for i, a in enumerate(idx) if not isinstance(a, slice)]
    arrays = [idx[i] for i in dims]
    if src.flags.c_contiguous and all(a.flags.c_contiguous for a in arrays) and \
            dims == list(range(dims[0], dims[0] + len(dims))):
        return _contiguous(out)   # NumPy may lay fancy results out transposed
    st = elem_strides(src)
    shape = src.shape
    if dims != list(range(dims[0], dims[0] + len(dims))):
        order = dims + [i for i in range(len(shape)) if i not in dims]
        shape = tuple(shape[i] for i in order)
        st = tuple(st[i] for i in order)
        before, n_idx = 0, len(dims)
    else:
        before, n_idx = dims[0], len(dims)
    bshape = arrays[0].shape
    after = len(shape) - before - n_idx
    oshape = shape[:before] + bshape + shape[before + n_idx:]
    ops = [st[:before] + (0,) * len(bshape) + st[before + n_idx:]]
    from .shape import view_strides
    for a in arrays:
        # each index is viewed as [1] * before + its shape + [1] * after; TensorIterator
        # then zeroes the strides of its broadcast dims
        vshape = (1,) * before + a.shape + (1,) * after
        ast = view_strides(a.shape, elem_strides(a), vshape) or contiguous_strides(vshape)
        ops.append(tuple(0 if vs == 1 and o != 1 else s
                         for s, vs, o in zip(ast, vshape, oshape)))
    strides = ti_output_strides(oshape, ops)
    if strides == contiguous_strides(oshape):
        return _contiguous(out)
    r = np.ndarray(oshape, out.dtype, np.empty(max(out.size, 1), out.dtype), 0,
                   tuple(s * out.itemsize for s in strides))
    np.copyto(r, out)
    return r


def _contiguous(a: np.ndarray) -> np.ndarray:
    """``a`` C-ordered, with PyTorch's strides for its size-1 dims too."""
    a = np.asarray(a, order="C")
    cs = contiguous_strides(a.shape)
    return a if elem_strides(a) == cs else restride(a, a.shape, cs)


def ti_output_strides(shape: tuple, operands: list) -> tuple:
    """The strides TensorIterator gives a new output of ``shape`` from its inputs' strides
    (PyTorch's reorder_dimensions): the output follows the inputs' memory order."""
    n = len(shape)
    ops = [tuple(o) for o in operands]
    if n <= 1:
        return contiguous_strides(shape)
    perm = list(range(n - 1, -1, -1))

    def should_swap(d0: int, d1: int) -> int:
        for o in ops:
            s0, s1 = o[d0], o[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 < s1:
                return -1
            if s0 > s1:
                return 1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    for i in range(1, n):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    if perm == list(range(n - 1, -1, -1)):
        return contiguous_strides(shape)
    out = [0] * n
    acc = 1
    for d in perm:
        out[d] = acc
        acc *= shape[d]
    return tuple(out)


def _index(t: Tensor, adv) -> Tensor:
    """``t`` indexed by the advanced items only (IndexBackward0)."""
    d = t._data
    idx = _np_index(d.shape, adv)
    data = _index_layout(d, idx, d[idx])
    if STATE.enabled and t._rg:
        node = IndexBackward0()
        node.shape = d.shape
        node.index = idx
        return record1(node, data, t)
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

    def backward(self, grad):
        return grad,


class IndexBackward0(SliceBackward0):
    """Gradient of advanced indexing: repeated indices accumulate."""

    __slots__ = ()

    def backward(self, grad):
        return index_put_zeros(grad, self.shape, self.index, True),


def index_put_zeros(values, shape: tuple, index, accumulate: bool):
    """Zeros of ``shape`` with ``values`` put (or added) at the NumPy ``index``: on arrays,
    or differentiably on tensors (the backward of indexing)."""
    v = values if anp.is_array(values) else values._data
    z = np.zeros(shape, v.dtype)
    if accumulate:
        np.add.at(z, index, v)
    else:
        z[index] = v
    if v is values:
        return z
    if STATE.enabled and values._rg:
        node = IndexPutZerosBackward()
        node.index = index
        return record1(node, z, values)
    return _wrap(z)


class IndexPutZerosBackward(Node):
    """Backward of scattering a gradient into zeros: gather it back (double backward)."""

    __slots__ = ("index",)

    def name(self) -> str:
        return "IndexBackward0"

    def backward(self, grad):
        return getitem_np(grad, self.index),


def getitem_np(x, np_idx):
    """Index an array, or differentiably a tensor, with an already converted NumPy index."""
    if anp.is_array(x):
        return x[np_idx]
    data = np.asarray(x._data[np_idx])
    if data.base is not None and np.may_share_memory(data, x._data):
        data = data.copy()
    if STATE.enabled and x._rg:
        node = IndexBackward0()
        node.shape = x._data.shape
        node.index = np_idx
        return record1(node, data, x)
    return _wrap(data)


# == setitem ======================================================================================
def _value_tensor(x: Tensor, value) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float, complex, np.number, np.bool_)):
        if isinstance(value, (complex, np.complexfloating)) and _kind(x._data.dtype) != "c":
            raise RuntimeError(f"value cannot be converted to type "
                               f"{_C_TYPE.get(x._data.dtype.name, 'double')} without overflow")
        return _wrap(np.array(value).astype(x._data.dtype))
    mod = type(value).__module__
    name = type(value).__name__ if mod == "builtins" else f"{mod}.{type(value).__name__}"
    raise TypeError(f"can't assign a {name} to a torch.{x.dtype._legacy}")


# the C++ names PyTorch's messages print for dtypes
_C_TYPE = {"float32": "float", "float64": "double", "int64": "int64_t", "int32": "int",
           "int16": "int16_t", "int8": "int8_t", "uint8": "uint8_t", "bool": "bool"}
_META_NAME = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>"}


def _strip_ones(shape: tuple) -> tuple:
    i = 0
    while i < len(shape) and shape[i] == 1:
        i += 1
    return shape[i:]


def _copy_to(dst: Tensor, src: Tensor) -> None:
    """PyTorch's setitem copy: same shape copies, a 0-d value fills, else expand and copy."""
    if dst._data.shape == src._data.shape:
        copy_(dst, src)
        return
    if src._data.ndim == 0:
        fill_tensor_(dst, src)
        return
    from .shape import expand, view
    stripped = _strip_ones(src._data.shape)
    if stripped != src._data.shape:
        src = view(src, stripped)
    if src._data.shape != dst._data.shape:
        src = expand(src, dst._data.shape)
    copy_(dst, src)


def setitem(input: Tensor, idx, value) -> None:
    """``input[idx] = value``, in place, with autograd through it."""
    value = _value_tensor(input, value)
    d = input._data
    if idx is False:
        return
    if idx is Ellipsis:
        _copy_to(input, value)
        return
    if idx is None or idx is True:
        from .shape import unsqueeze
        _copy_to(unsqueeze(input, 0), value)
        return
    if idx.__class__ is int or (isinstance(idx, slice) and d.ndim):
        if idx.__class__ is int:
            n = d.ndim
            if n == 0:
                raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in "
                                 "Python or `tensor.item<T>()` in C++ to convert a 0-dim "
                                 "tensor to a number")
            size = d.shape[0]
            if not -size <= idx < size:
                raise IndexError(f"index {idx} is out of bounds for dimension 0 with size "
                                 f"{size}")
            target = _basic_view(input, (idx,), (), SelectBackward0)
        else:
            s, full = _slice_bounds(idx, d.shape[0])
            target = input if full else _basic_view(input, (s,), (), SliceBackward0)
        _copy_to(target, value)
        return
    if isinstance(idx, slice):
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    items = _as_items(idx)
    p = _plan(d, items, False)
    if p.applied and (p.kind is not None or p.nones):
        target = _basic_view(input, tuple(p.basic), p.nones, p.kind or UnsqueezeBackward0)
    else:
        target = input
    if not p.adv:
        _copy_to(target, value)
        return
    stripped = _strip_ones(value._data.shape)
    if stripped != value._data.shape:
        from .shape import view
        value = view(value, stripped)
    _index_put_(target, _np_index(target._data.shape, p.adv), value, False)


def _adv_shape(shape: tuple, idx: tuple) -> tuple:
    """The shape of ``x[idx]`` for a NumPy advanced index, without computing it."""
    dims = [i for i, a in enumerate(idx) if not isinstance(a, slice)]
    if not dims:
        return shape
    b = np.broadcast_shapes(*(idx[i].shape for i in dims))
    rest = [shape[i] for i in range(len(shape)) if i not in dims]
    if dims == list(range(dims[0], dims[0] + len(dims))):
        return tuple(shape[:dims[0]]) + b + tuple(shape[dims[-1] + 1:])
    return b + tuple(rest)


def _put_values(data: np.ndarray, idx: tuple, v: np.ndarray, accumulate: bool) -> None:
    region = _adv_shape(data.shape, idx)
    try:
        np.broadcast_shapes(v.shape, region)
        if np.broadcast_shapes(v.shape, region) != region:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(v.shape)} cannot be "
                           f"broadcast to indexing result of shape {list(region)}") from None
    if accumulate:
        np.add.at(data, idx, v)
    else:
        data[idx] = v


def _dtype_match(x: Tensor, v: Tensor) -> None:
    if x._data.dtype != v._data.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{tname(x)} for the destination and {tname(v)} for the source.")


def _index_put(input: Tensor, idx: tuple, values: Tensor, accumulate: bool) -> Tensor:
    """Out of place: ``input`` with ``values`` written (or added) at the NumPy ``idx``."""
    _dtype_match(input, values)
    data = input._data.copy()
    _put_values(data, idx, values._data, accumulate)
    if STATE.enabled and (input._rg or values._rg):
        node = IndexPutBackward0()
        node.index = idx
        node.accumulate = accumulate
        return record2(node, data, input, values)
    return _wrap(data)


def _index_put_(x: Tensor, idx: tuple, values: Tensor, accumulate: bool) -> Tensor:
    check_inplace(x)
    if _ip.needs_graph(x, values):
        return _ip.commit(x, _index_put(x, idx, values, accumulate))
    _dtype_match(x, values)
    _put_values(x._data, idx, values._data, accumulate)
    x._bump()
    return x


class IndexPutBackward0(Node):
    __slots__ = ("index", "accumulate")


    def backward(self, grad):          # the overwritten positions get no gradient
        fs = self.next_functions
        g_in = None
        if fs[0][0] is not None:
            if self.accumulate:
                g_in = grad
            else:
                mask = np.ones(grad.shape, dtype=bool)
                mask[self.index] = False
                g_in = grad * anp.constant(mask, grad)
        g_v = getitem_np(grad, self.index) if fs[1][0] is not None else None
        return g_in, g_v


def _indices_arg(x: Tensor, indices) -> tuple:
    """``index_put_``'s tuple of index tensors (None for a whole dim) as a NumPy index."""
    if isinstance(indices, Tensor):
        indices = (indices,)
    indices = tuple(indices)
    adv = []
    dim = 0
    for it in indices:
        if it is None:
            dim += 1
            continue
        a = it._data if isinstance(it, Tensor) else _seq_array(it)
        if _kind(a.dtype) not in "biu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if a.dtype == np.uint8:
            a = a.astype(bool)
        adv.append((dim, a))
        dim += a.ndim if a.dtype == bool else 1
    if dim > x._data.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x._data.ndim} (got "
                         f"{dim})")
    return _np_index(x._data.shape, adv)


def index_put_(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """Write (or add, with ``accumulate``) ``values`` at ``input[indices]``, in place."""
    return _index_put_(input, _indices_arg(input, indices), _value_tensor(input, values),
                       accumulate)


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """Out of place ``index_put_``."""
    return _index_put(input, _indices_arg(input, indices), _value_tensor(input, values),
                      accumulate)


def copy_(input: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast) into ``input``'s memory."""
    if not isinstance(src, Tensor):
        if isinstance(src, (int, float, bool)):
            from .pointwise import fill_
            return fill_(input, src)
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(src).__name__}")
    check_inplace(input)
    shape = input._data.shape
    sd = src._data
    if sd.shape != shape:
        from ._util import broadcast_shapes
        b = broadcast_shapes(shape, sd.shape)
        if b != shape:
            raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast "
                               f"shape {list(b)}")
    if _ip.needs_graph(input, src):
        data = np.broadcast_to(sd, shape).astype(input._data.dtype)
        return _ip.commit(input, record2(CopyBackwards(), data, input, src))
    _ip.write(input, sd)
    return input


class CopyBackwards(Node):
    __slots__ = ()

    def name(self) -> str:
        return "torch::autograd::CopyBackwards"


    def backward(self, grad):          # the destination was overwritten: all to the source
        fs = self.next_functions
        return (anp.zeros_like(grad) if fs[0][0] is not None else None,
                grad if fs[1][0] is not None else None)


def fill_tensor_(input: Tensor, value: Tensor) -> Tensor:
    """``fill_`` with a 0-d tensor value, differentiable in the value (FillBackward3)."""
    check_inplace(input)
    if value._data.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value._data.ndim} dimensions.")
    if _ip.needs_graph(input, value):
        data = np.full(input._data.shape, value._data, input._data.dtype)
        from .pointwise import FillBackward3  # fill_ with a 0-d tensor value: one class
        return _ip.commit(input, record2(FillBackward3(), data, input, value))
    _ip.write(input, value._data)
    return input


_ip.CopySlices.__module__ = __name__


# == index_select / gather / scatter / index_* ==================================================
def _index_dtype(index, fname: str, what: str = "int32 or int64") -> np.ndarray:
    if not isinstance(index, Tensor):
        raise TypeError(f"{fname}(): argument 'index' must be Tensor, not "
                        f"{type(index).__name__}")
    a = index._data
    if a.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{fname}(): Expected dtype {what} for index")
    return a


def index_select(input: Tensor, dim: int, index: Tensor, *, out=None) -> Tensor:
    """The slices at ``index`` (a vector) along ``dim``."""
    a = _index_dtype(index, "index_select")
    if a.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = input._data
    n = d.ndim
    dim = wrap_dim(dim, n)
    size = d.shape[dim] if n else 1
    flat = a.reshape(-1)
    if flat.size and n and not size:
        raise RuntimeError("index_select(): self indexing axis dim should be positive")
    if flat.size and (flat.min() < 0 or flat.max() >= size):
        if dim == 0:
            raise IndexError("index out of range in self")
        bad = flat[(flat < 0) | (flat >= size)][0]
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={size}")
    if n == 0:
        r = d.reshape(1)[flat].reshape(a.shape)
    else:
        r = np.take(d, flat, axis=dim)
    return _selection_result(IndexSelectBackward0, r, input, dim, flat, out)


def _selection_result(node_cls, r: np.ndarray, input: Tensor, dim: int, index: np.ndarray,
                      out) -> Tensor:
    """The result of a selection along ``dim`` (index_select, gather): its backward node keeps
    the dim, the index and the input's shape to scatter the gradient back; honours ``out=``."""
    if STATE.enabled and input._rg:
        node = node_cls()
        node.dim = dim
        node.index = index
        node.shape = input._data.shape
        res = record1(node, r, input)
    else:
        res = _wrap(r)
    if out is not None:
        from .pointwise import _out
        return _out(res, out)
    return res


class IndexSelectBackward0(Node):
    __slots__ = ("dim", "index", "shape")


    def backward(self, grad):
        if not self.shape:
            return anp.reshape(anp.sum(grad), ()),
        return anp.index_add(anp.zeros(self.shape, grad), self.dim, self.index, grad),


def _gather_check(d: np.ndarray, dim: int, a: np.ndarray, what: str = "gather") -> None:
    if a.ndim != d.ndim and not (a.ndim <= 1 and d.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input "
                           "tensor")
    for i in range(a.ndim):
        if i != dim and a.shape[i] > (d.shape[i] if d.ndim else 1):
            raise RuntimeError(f"Size does not match at dimension {i} expected index "
                               f"{list(a.shape)} to be no larger than self {list(d.shape)} "
                               f"apart from dimension {dim}")


def _bounds(a: np.ndarray, size: int, dim: int, exc=RuntimeError, prefix: str = "") -> None:
    if a.size and (a.min() < 0 or a.max() >= size):
        bad = a[(a < 0) | (a >= size)].flat[0]
        raise exc(f"{prefix}index {bad} is out of bounds for dimension {dim} with size {size}")


def _coords(a: np.ndarray, dim: int) -> tuple:
    """Fancy-index coordinates addressing, for each element of ``a``, position
    (..., a[...], ...) with ``a``'s value along ``dim``."""
    c = list(np.indices(a.shape, sparse=True))
    c[dim] = a
    return tuple(c)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False,
           out=None) -> Tensor:
    """``out[i][j] = input[i][index[i][j]]`` along ``dim`` (shape of ``index``)."""
    a = _index_dtype(index, "gather", "int32/int64")
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    _gather_check(d, dim, a)
    if d.ndim == 0:
        _bounds(a, 1, dim)
        r = np.broadcast_to(d, a.shape).copy()
    elif a.ndim == 0:
        _bounds(a, d.shape[dim], dim)
        r = d[int(a)].copy()
    else:
        _bounds(a, d.shape[dim], dim)
        r = d[_coords(a, dim)] if a.size else np.zeros(a.shape, d.dtype)
    r = np.asarray(r, order="C")
    return _selection_result(GatherBackward0, r, input, dim, a, out)


class GatherBackward0(Node):
    __slots__ = ("dim", "index", "shape")


    def backward(self, grad):
        return anp.scatter_add(anp.zeros(self.shape, grad), self.dim, self.index, grad),


def take_along_dim(input: Tensor, indices: Tensor, dim=None, *, out=None) -> Tensor:
    """``gather`` with ``indices`` broadcast against ``input`` (flattened without ``dim``)."""
    if indices._data.dtype != np.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{tname(indices)}")
    if dim is None:
        from .shape import reshape
        return gather(reshape(input, (-1,)), 0, reshape(indices, (-1,)), out=out)
    d = input._data
    n = d.ndim
    dim = wrap_dim(dim, n)
    if indices._data.ndim != n:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {n} dimensions for input, and "
                           f"{indices._data.ndim} dimensions for indices")
    from ._util import broadcast_shapes
    from .shape import expand
    si = list(d.shape)
    sx = list(indices._data.shape)
    si[dim] = sx[dim] = 1
    b = list(broadcast_shapes(tuple(si), tuple(sx)))
    bi = b.copy()
    bi[dim] = d.shape[dim]
    bx = b.copy()
    bx[dim] = indices._data.shape[dim]
    x = input if tuple(bi) == d.shape else expand(input, bi)
    ix = indices if tuple(bx) == indices._data.shape else expand(indices, bx)
    return gather(x, dim, ix, out=out)


def _scatter_check(d: np.ndarray, dim: int, a: np.ndarray, src) -> None:
    if a.ndim != d.ndim and not (a.ndim <= 1 and d.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self "
                           "tensor")
    for i in range(a.ndim):
        big_self = i != dim and a.shape[i] > (d.shape[i] if d.ndim else 1)
        big_src = src is not None and a.shape[i] > (src.shape[i] if src.ndim else 1)
        if big_self or big_src:
            if src is None:
                raise RuntimeError(f"Expected index {list(a.shape)} to be no larger than self "
                                   f"{list(d.shape)} apart from dimension {dim}")
            raise RuntimeError(f"Expected index {list(a.shape)} to be no larger than self "
                               f"{list(d.shape)} apart from dimension {dim} and to be no "
                               f"larger size than src {list(src.shape)}")


def _src_part(s: np.ndarray, a: np.ndarray) -> np.ndarray:
    return s[tuple(slice(0, k) for k in a.shape)] if s.ndim else s


def _scatter_data(input: Tensor, dim: int, index: Tensor, src, reduce, fname: str):
    a = _index_dtype(index, fname, "int64")
    if a.dtype != np.int64:
        raise RuntimeError(f"{fname}(): Expected dtype int64 for index")
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    sd = src._data if isinstance(src, Tensor) else None
    if sd is not None and sd.dtype != d.dtype:
        raise RuntimeError(f"{fname}(): Expected self.dtype to be equal to src.dtype")
    _scatter_check(d, dim, a, sd)
    out = d.copy() if d.ndim else d.reshape(1).copy()
    aa = a if d.ndim else a.reshape(-1)
    _bounds(aa, out.shape[dim], dim)
    if aa.size:
        co = _coords(aa, dim)
        v = _src_part(sd, a).reshape(aa.shape) if sd is not None else \
            np.asarray(src, dtype=d.dtype)
        if reduce is None:
            out[co] = v
        elif reduce == "add":
            np.add.at(out, co, v)
        else:
            np.multiply.at(out, co, v)
    return out.reshape(d.shape), dim, a


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None,
            reduce=None) -> Tensor:
    """``input`` with ``src`` (a tensor or a number) written at ``index`` along ``dim``."""
    if src is None:
        src = value
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        if isinstance(src, Tensor):
            warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated "
                          "and will be removed in a future PyTorch release. Use "
                          "torch.scatter_reduce instead for more reduction options.",
                          UserWarning, stacklevel=2)
    r, dim, a = _scatter_data(input, dim, index, src, reduce, "scatter")
    is_t = isinstance(src, Tensor)
    if STATE.enabled and (input._rg or is_t and src._rg):
        if reduce is not None:
            node = _NotImplemented()
            node.what = "scatter with reduce"
        else:
            node = ScatterBackward0() if is_t else ScatterBackward1()
            node.dim = dim
            node.index = a
        return record(node, r, (input, src) if is_t else (input,))
    return _wrap(r)


class ScatterBackward0(Node):
    __slots__ = ("dim", "index")


    def backward(self, grad):          # written positions: to src; the rest: to self
        fs = self.next_functions
        zero = 0.0 if anp.value(grad).dtype.kind == "f" else 0
        g_self = anp.scatter(grad, self.dim, self.index, zero) if fs[0][0] is not None \
            else None
        if len(fs) == 1:
            return g_self,
        return g_self, (anp.gather(grad, self.dim, self.index) if fs[1][0] is not None
                        else None)


class ScatterBackward1(ScatterBackward0):
    __slots__ = ()


class _NotImplemented(Node):
    """PyTorch's placeholder node for an op without a derivative formula."""

    __slots__ = ("what",)

    def name(self) -> str:
        return "torch::autograd::NotImplemented"

    def backward(self, grad):
        raise RuntimeError(f"derivative for {self.what} is not implemented")


_NotImplemented.__name__ = _NotImplemented.__qualname__ = "NotImplemented"


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``input`` plus ``src`` added at ``index`` along ``dim`` (repeats accumulate)."""
    r, dim, a = _scatter_data(input, dim, index, src, "add", "scatter_add")
    if STATE.enabled and (input._rg or src._rg):
        node = ScatterAddBackward0()
        node.dim = dim
        node.index = a
        return record2(node, r, input, src)
    return _wrap(r)


class ScatterAddBackward0(Node):
    __slots__ = ("dim", "index")


    def backward(self, grad):
        fs = self.next_functions
        return (grad if fs[0][0] is not None else None,
                anp.gather(grad, self.dim, self.index) if fs[1][0] is not None else None)


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """Reduce ``src`` into ``input`` at ``index`` along ``dim`` with sum, prod, mean, amax
    or amin (``include_self``: whether ``input``'s values take part)."""
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    a = _index_dtype(index, "scatter_reduce", "int64")
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    sd = src._data
    if sd.dtype != d.dtype:
        raise RuntimeError("scatter_reduce(): Expected self.dtype to be equal to src.dtype")
    _scatter_check(d, dim, a, sd)
    _bounds(a, d.shape[dim] if d.ndim else 1, dim)
    out = d.copy()
    co = _coords(a, dim) if a.size else None
    v = _src_part(sd, a)
    count = None
    if co is not None:
        if not include_self:
            init = {"sum": 0, "mean": 0, "prod": 1}.get(reduce)
            if init is None:
                init = _extreme_init(d.dtype, reduce == "amax")
            out[co] = init
        if reduce in ("sum", "mean"):
            np.add.at(out, co, v)
        elif reduce == "prod":
            np.multiply.at(out, co, v)
        elif reduce == "amax":
            np.maximum.at(out, co, v)
        else:
            np.minimum.at(out, co, v)
        if reduce == "mean":
            count = np.full(d.shape, 1 if include_self else 0, _I64)
            np.add.at(count, co, 1)
            count = np.maximum(count, 1)
            if _kind(out.dtype) in "fc":
                out = out / count.astype(out.dtype)
            else:
                out = np.floor_divide(out, count).astype(out.dtype)
    if STATE.enabled and (input._rg or src._rg):
        node = ScatterReduceBackward0()
        node.dim = dim
        node.index = a
        node.reduce = reduce
        node.include_self = include_self
        t = record2(node, out, input, src)
        node.save2(input, src)
        node.save_result(t)
        return t
    return _wrap(out)


def _extreme_init(dt, is_max: bool):
    if dt.kind == "f":
        return -np.inf if is_max else np.inf
    info = np.iinfo(dt) if dt.kind in "iu" else None
    if info is None:
        return not is_max
    return info.min if is_max else info.max


class ScatterReduceBackward0(Node):
    """PyTorch's scatter_reduce gradients (ties of amax/amin share the gradient evenly; a
    product's zero factors handled exactly)."""

    __slots__ = ("dim", "index", "reduce", "include_self")
    _saved_names = ("self", "src")


    def backward(self, grad):
        x, s = self.saved()
        r = self.result()
        dim = self.dim
        a = self.index
        red = self.reduce
        sp = s if s.shape == a.shape else getitem_np(s, tuple(slice(0, k) for k in a.shape))
        if red == "sum":
            g_self = grad
            g_src = anp.gather(grad, dim, a)
        elif red == "mean":                # divided by each position's count
            n = (anp.ones if self.include_self else anp.zeros)(grad.shape, grad)
            n = anp.scatter_add(n, dim, a, anp.ones(a.shape, grad))
            n = anp.masked_fill(n, n == 0, 1)
            g_self = grad / n
            g_src = anp.gather(grad, dim, a) / anp.gather(n, dim, a)
        elif red == "prod":                # the products of the others, zeros handled
            masked_self = anp.masked_fill(x, x == 0, 1)
            masked_self_result = _scatter_reduce(masked_self, dim, a, sp, red, self.include_self)
            g_self = grad * masked_self_result / masked_self
            src_zero = sp == 0
            n_zeros = anp.gather(anp.scatter_add(anp.zeros(x.shape, grad), dim, a,
                                                 anp.as_dtype_of(src_zero, grad)), dim, a)
            single = src_zero & (n_zeros == 1)
            masked_src_result = _scatter_reduce(x, dim, a, anp.masked_fill(sp, single, 1), red,
                                                self.include_self)
            g_src = anp.where(single, anp.gather(grad * masked_src_result, dim, a),
                              anp.gather(grad * r, dim, a) / anp.masked_fill(sp, src_zero, 1))
        else:                              # amax/amin: ties share evenly
            value = anp.gather(r, dim, a)
            self_is = anp.as_dtype_of(x == r, grad)
            src_is = anp.as_dtype_of(sp == value, grad)
            g = grad / anp.scatter_add(self_is, dim, a, src_is)
            g_self = self_is * g
            g_src = src_is * anp.gather(g, dim, a)
        if not self.include_self:
            g_self = anp.scatter(g_self, dim, a, 0)
        if g_src.shape != s.shape:
            g_src = index_put_zeros(g_src, s.shape, tuple(slice(0, k) for k in a.shape), False)
        fs = self.next_functions
        return (g_self if fs[0][0] is not None else None,
                g_src if fs[1][0] is not None else None)


def _scatter_reduce(x, dim: int, index: np.ndarray, src, reduce: str, include_self: bool):
    """``scatter_reduce`` on arrays, or (differentiably) on tensors."""
    if anp.is_array(x):
        return scatter_reduce(_wrap(np.asarray(x)), dim, _wrap(index), _wrap(np.asarray(src)),
                              reduce, include_self=include_self)._data
    return scatter_reduce(x, dim, _wrap(index), src, reduce, include_self=include_self)


def _index_along(input: Tensor, dim: int, index: Tensor, fname: str):
    a = _index_dtype(index, fname, "int32/int64")
    if a.ndim > 1:
        raise IndexError(f"{fname}(): Index is supposed to be a vector")
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    return d, dim, a.reshape(-1)


def _source_check(d: np.ndarray, dim: int, a: np.ndarray, s: np.ndarray, fname: str) -> None:
    ds = list(d.shape)
    ss = list(s.shape)
    if d.ndim and s.ndim:
        if len(ds) != len(ss) or any(x != y for i, (x, y) in enumerate(zip(ds, ss))
                                     if i != dim):
            raise RuntimeError(f"source tensor shape must match self tensor shape, excluding "
                               f"the specified dimension. Got self.shape = {ds} source.shape "
                               f"= {ss}")
    n_src = ss[dim] if s.ndim else 1
    if a.size != n_src:
        raise RuntimeError(f"{fname}(): Number of indices ({a.size}) should be equal to "
                           f"source.size(dim): ({n_src}), for dim: {dim}")


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """``input`` with ``alpha * source`` slices added at ``index`` along ``dim``."""
    d, dim, a = _index_along(input, dim, index, "index_add")
    s = source._data
    if s.dtype != d.dtype:
        raise RuntimeError(f"index_add_(): self ({tname(input)}) and source ({tname(source)}) "
                           "must have the same scalar type")
    _source_check(d, dim, a, s, "index_add_")
    size = d.shape[dim] if d.ndim else 1
    _bounds(a, size, dim)
    out = d.copy() if d.ndim else d.reshape(1).copy()
    sm = np.moveaxis(s, dim, 0) if s.ndim else s.reshape(1)
    if alpha != 1:
        sm = sm * alpha
    np.add.at(np.moveaxis(out, dim, 0), a, sm)
    out = out.reshape(d.shape)
    if STATE.enabled and (input._rg or source._rg):
        node = IndexAddBackward0()
        node.dim = dim
        node.index = a
        node.alpha = alpha
        node.shape = s.shape
        return record2(node, out, input, source)
    return _wrap(out)


class IndexAddBackward0(Node):
    __slots__ = ("dim", "index", "alpha", "shape")


    def backward(self, grad):
        fs = self.next_functions
        g_src = None
        if fs[1][0] is not None:
            g_src = anp.index_select(grad, self.dim, self.index)
            if self.alpha != 1:
                g_src = g_src * self.alpha
            if g_src.shape != self.shape:
                g_src = anp.reshape(g_src, self.shape)
        return (grad if fs[0][0] is not None else None), g_src


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """``input`` with slices at ``index`` along ``dim`` replaced by ``source``'s."""
    d, dim, a = _index_along(input, dim, index, "index_copy")
    s = source._data
    if s.dtype != d.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, "
                           f"but got (self) {tname(input)} and (source) {tname(source)}")
    if d.ndim and s.ndim and d.ndim != s.ndim:
        raise IndexError(f"index_copy_(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality ({s.ndim}), "
                         f"destination dimensionality ({d.ndim})")
    ds = [n for i, n in enumerate(d.shape) if i != dim]
    ss = [n for i, n in enumerate(s.shape) if i != dim]
    if ds != ss:
        raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice "
                           f"shapes. Destination slice shape: {' '.join(map(str, ds))} at "
                           f"dimension {dim} and source slice shape: "
                           f"{' '.join(map(str, ss))} at dimension 0.")
    n_src = s.shape[dim] if s.ndim else 1
    if a.size != n_src:
        raise IndexError(f"index_copy_(): Number of indices ({a.size}) should be equal to "
                         f"source.size(dim) ({n_src})")
    size = d.shape[dim] if d.ndim else 1
    _bounds(a, size, dim, IndexError, "index_copy_(): ")
    out = d.copy() if d.ndim else d.reshape(1).copy()
    sm = np.moveaxis(s, dim, 0) if s.ndim else s.reshape(1)
    np.moveaxis(out, dim, 0)[a] = sm
    out = out.reshape(d.shape)
    if STATE.enabled and (input._rg or source._rg):
        node = IndexCopyBackward0()
        node.dim = dim
        node.index = a
        node.shape = s.shape
        return record2(node, out, input, source)
    return _wrap(out)


class IndexCopyBackward0(Node):
    __slots__ = ("dim", "index", "shape")


    def backward(self, grad):
        fs = self.next_functions
        g_self = anp.index_fill(grad, self.dim, self.index, 0) if fs[0][0] is not None else None
        g_src = None
        if fs[1][0] is not None:
            g_src = anp.index_select(grad, self.dim, self.index)
            if g_src.shape != self.shape:
                g_src = anp.reshape(g_src, self.shape)
        return g_self, g_src


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """``input`` with the slices at ``index`` along ``dim`` set to ``value``."""
    d, dim, a = _index_along(input, dim, index, "index_fill")
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    size = d.shape[dim] if d.ndim else 1
    if a.size and (a.min() < -size or a.max() >= size):
        bad = a[(a < -size) | (a >= size)].flat[0]
        raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
    out = d.copy() if d.ndim else d.reshape(1).copy()
    v = value._data if isinstance(value, Tensor) else value
    np.moveaxis(out, dim, 0)[a] = v
    out = out.reshape(d.shape)
    is_t = isinstance(value, Tensor)
    if STATE.enabled and (input._rg or is_t and value._rg):
        node = IndexFillBackward1() if is_t else IndexFillBackward0()
        node.dim = dim
        node.index = a
        return record(node, out, (input, value) if is_t else (input,))
    return _wrap(out)


class IndexFillBackward0(Node):
    __slots__ = ("dim", "index")


    def backward(self, grad):
        fs = self.next_functions
        g_self = anp.index_fill(grad, self.dim, self.index, 0) if fs[0][0] is not None else None
        if len(fs) == 1:
            return g_self,
        g_v = anp.sum(anp.index_select(grad, self.dim, self.index)) if fs[1][0] is not None \
            else None
        return g_self, g_v


class IndexFillBackward1(IndexFillBackward0):
    __slots__ = ()


# == masks =======================================================================================
def _bool_mask(mask, fname: str) -> np.ndarray:
    if not isinstance(mask, Tensor):
        raise TypeError(f"{fname}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    m = mask._data
    if m.dtype != np.bool_:
        if fname == "masked_select":
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        raise RuntimeError(f"{fname}_ only supports boolean masks, but got mask with dtype "
                           f"{_META_NAME.get(m.dtype.name, m.dtype.name)}")
    return m


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``input`` (broadcast with ``mask``) with ``value`` where ``mask`` is True."""
    m = _bool_mask(mask, "masked_fill")
    is_t = isinstance(value, Tensor)
    if is_t and value._data.ndim:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    from ._util import broadcast_shapes
    d = input._data
    shape = broadcast_shapes(m.shape, d.shape)
    v = value._data if is_t else value
    if shape == d.shape:
        # a copy then a masked copy of the value: half of np.where's time
        out = np.array(d, order="C")
        np.copyto(out, np.asarray(v).astype(d.dtype), where=m)
    else:
        out = np.where(m, np.asarray(v).astype(d.dtype), d)
        out = np.broadcast_to(np.asarray(out, dtype=d.dtype), shape).copy()
    if STATE.enabled and (input._rg or is_t and value._rg):
        node = MaskedFillBackward1() if is_t else MaskedFillBackward0()
        node.mask = m
        return record(node, out, (input, value) if is_t else (input,))
    return _wrap(out)


class MaskedFillBackward0(Node):
    __slots__ = ("mask",)


    def backward(self, grad):
        fs = self.next_functions
        g_self = anp.masked_fill(grad, self.mask, 0) if fs[0][0] is not None else None
        if len(fs) == 1:
            return g_self,
        g_v = anp.sum(anp.where(anp.constant(self.mask, grad), grad, 0)) \
            if fs[1][0] is not None else None
        return g_self, g_v


class MaskedFillBackward1(MaskedFillBackward0):
    __slots__ = ()


def masked_fill_(input: Tensor, mask: Tensor, value) -> Tensor:
    """In-place ``masked_fill`` (the mask must broadcast to ``input``'s shape)."""
    m = _bool_mask(mask, "masked_fill")
    check_inplace(input)
    from ._util import broadcast_shapes
    shape = input._data.shape
    b = broadcast_shapes(shape, m.shape)
    if b != shape:
        raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape "
                           f"{list(b)}")
    if _ip.needs_graph(input, value):
        return _ip.commit(input, masked_fill(input, mask, value))
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value._data.ndim} dimension(s).")
        value = value._data
    np.copyto(input._data, np.asarray(value).astype(input._data.dtype), where=m)
    input._bump()
    return input


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements where ``mask`` (broadcast with ``input``) is True, as a 1-d tensor."""
    m = _bool_mask(mask, "masked_select")
    from ._util import broadcast_shapes
    d = input._data
    shape = broadcast_shapes(m.shape, d.shape)
    db = np.broadcast_to(d, shape)
    mb = np.broadcast_to(m, shape)
    out = db[mb]
    if STATE.enabled and input._rg:
        node = MaskedSelectBackward0()
        node.mask = mb
        return record1(node, out, input)
    return _wrap(out)


class MaskedSelectBackward0(Node):
    __slots__ = ("mask",)


    def backward(self, grad):
        return index_put_zeros(grad, self.mask.shape, self.mask, False),


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``input`` (broadcast with ``mask``) with ``source``'s first elements, in order, where
    ``mask`` is True."""
    m = _bool_mask(mask, "masked_scatter")
    d = input._data
    s = source._data
    if s.dtype != d.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got{tname(input)} and {tname(source)}")
    from ._util import broadcast_shapes
    shape = broadcast_shapes(d.shape, m.shape)
    mb = np.broadcast_to(m, shape)
    n = int(mb.sum())
    if n > s.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    out = np.array(np.broadcast_to(d, shape))
    out[mb] = s.reshape(-1)[:n]
    if STATE.enabled and (input._rg or source._rg):
        node = MaskedScatterBackward0()
        node.mask = mb
        node.shape = s.shape
        return record2(node, out, input, source)
    return _wrap(out)


class MaskedScatterBackward0(Node):
    __slots__ = ("mask", "shape")


    def backward(self, grad):          # src's leading elements went where the mask holds
        fs = self.next_functions
        g_self = anp.masked_fill(grad, self.mask, 0) if fs[0][0] is not None else None
        g_src = None
        if fs[1][0] is not None:
            sel = getitem_np(grad, self.mask)
            size = int(np.prod(self.shape))
            g_src = index_put_zeros(sel, (size,), slice(0, sel.shape[0]), False)
            g_src = anp.reshape(g_src, self.shape)
        return g_self, g_src


# == take / put / nonzero ======================================================================
def take(input: Tensor, index: Tensor) -> Tensor:
    """Elements of the flattened ``input`` at ``index`` (shape of ``index``)."""
    if index._data.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {tname(index)}")
    d = input._data
    a = index._data
    n = d.size
    if a.size and (a.min() < -n or a.max() >= n):
        bad = a[(a < -n) | (a >= n)].flat[0]
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")
    out = np.asarray(d, order="C").reshape(-1)[a] if a.size else np.zeros(a.shape, d.dtype)
    out = np.array(out, copy=True)
    if STATE.enabled and input._rg:
        node = TakeBackward0()
        node.index = a
        node.shape = d.shape
        return record1(node, out, input)
    return _wrap(out)


class TakeBackward0(Node):
    __slots__ = ("index", "shape")


    def backward(self, grad):
        size = int(np.prod(self.shape))
        flat = index_put_zeros(grad, (size,), np.where(self.index < 0, self.index + size,
                                                       self.index), True)
        return anp.reshape(flat, self.shape),


def _put_positions(input: Tensor, index: Tensor, source: Tensor) -> np.ndarray:
    """The flat positions ``put`` writes, non-negative, after PyTorch's checks."""
    if index._data.dtype != np.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {tname(index)}")
    if input._data.dtype != source._data.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {tname(input)} and source.dtype = {tname(source)}")
    if index._data.size != source._data.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source._data.size}, "
                         f"index.numel() = {index._data.size}")
    n = input._data.size
    a = index._data.reshape(-1)
    if a.size and (a.min() < -n or a.max() >= n):
        bad = a[(a < -n) | (a >= n)].flat[0]
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")
    return np.where(a < 0, a + n, a)


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``source`` written (or, with ``accumulate``, added) at the
    flat positions ``index`` (row-major, negative from the end)."""
    pos = _put_positions(input, index, source)
    d = input._data
    flat = np.array(d, order="C").reshape(-1)
    v = source._data.reshape(-1)
    if accumulate:
        np.add.at(flat, pos, v)
    else:
        flat[pos] = v
    out = flat.reshape(d.shape)
    if STATE.enabled and (input._rg or source._rg):
        node = PutBackward0()
        node.pos, node.accumulate, node.src_shape = pos, accumulate, source._data.shape
        return record2(node, out, input, source)
    return _wrap(out)


class PutBackward0(Node):
    __slots__ = ("pos", "accumulate", "src_shape")

    def backward(self, grad):          # self: grad (positions overwritten get none); source:
        fs, fv = self.next_functions   # the gradient taken at its positions
        gs = gv = None
        if fs[0] is not None:
            gs = grad if self.accumulate else _put_zeros(grad, self.pos)
        if fv[0] is not None:
            gv = anp.reshape(_take_flat(grad, self.pos), self.src_shape)
        return gs, gv


def _put_zeros(g, pos: np.ndarray):
    """``g`` with zeros at the flat positions ``pos`` (arrays, or differentiably)."""
    if anp.is_array(g):
        r = np.array(g, order="C")
        r.reshape(-1)[pos] = 0
        return r
    return put(g, _wrap(pos), _wrap(np.zeros(pos.shape, g._data.dtype)))


def _take_flat(g, pos: np.ndarray):
    if anp.is_array(g):
        return np.asarray(g).reshape(-1)[pos]
    return take(g, _wrap(pos))


def put_(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """Write (or add) ``source`` at the flat positions ``index`` of ``input``, in place."""
    check_inplace(input)
    if _ip.needs_graph(input, source):
        return _ip.commit(input, put(input, index, source, accumulate))
    pos = _put_positions(input, index, source)
    d = input._data
    v = source._data.reshape(-1)
    if d.ndim == 0:
        if pos.size:
            d[()] = d + v.sum() if accumulate else v[-1]
    elif accumulate:
        np.add.at(d, np.unravel_index(pos, d.shape), v)
    else:
        d[np.unravel_index(pos, d.shape)] = v
    input._bump()
    return input


def nonzero(input: Tensor, *, as_tuple: bool = False, out=None):
    """Coordinates of the non-zero elements: an (N, ndim) int64 tensor, or one 1-d tensor per
    dim with ``as_tuple``."""
    d = input._data
    if as_tuple:
        if d.ndim == 0:
            return (_wrap(np.zeros(1 if d else 0, _I64)),)
        return tuple(_wrap(np.asarray(c, dtype=_I64, order="C")) for c in np.nonzero(d))
    if d.ndim == 0:
        n = 1 if d else 0
        r = restride(np.zeros((n, 0), _I64), (n, 0), (1, max(n, 1)))
    else:
        # PyTorch fills the coordinates column by column: strides (1, N)
        r = np.array(np.nonzero(d), dtype=_I64).T
        r = restride(r, r.shape, (1, r.shape[0]))
    res = _wrap(r)
    if out is not None:
        from .pointwise import _out
        return _out(res, out)
    return res


def argwhere(input: Tensor) -> Tensor:
    return nonzero(input)


# == sort / topk / kthvalue / unique ============================================================
from .reduction import _return_type  # noqa: E402  (named tuples shared with the reductions)

sort_type = _return_type("sort")
topk_type = _return_type("topk")
kthvalue_type = _return_type("kthvalue")


def _rows(d: np.ndarray, dim: int) -> np.ndarray:
    return np.moveaxis(d, dim, -1).reshape(-1, d.shape[dim]) if d.ndim else d.reshape(1, 1)


def _has_ties(sorted_rows: np.ndarray) -> bool:
    if sorted_rows.shape[-1] < 2:
        return False
    a, b = sorted_rows[:, 1:], sorted_rows[:, :-1]
    eq = a == b
    if _kind(sorted_rows.dtype) in "fc":
        eq |= np.isnan(a) & np.isnan(b)
    return bool(eq.any())


def _cmp_asc(x, y) -> bool:
    return (x[0] == x[0] and y[0] != y[0]) or x[0] < y[0]


def _cmp_desc(x, y) -> bool:
    return (x[0] != x[0] and y[0] == y[0]) or x[0] > y[0]


def _sort_indices(d: np.ndarray, dim: int, descending: bool, stable: bool) -> np.ndarray:
    """Indices that sort ``d`` along ``dim`` in PyTorch's order: ties keep their order when
    ``stable``, else come out as the CPU kernel's std::sort leaves them."""
    n = d.shape[dim]
    if descending:
        rev = np.flip(d, dim)
        idx = np.flip(np.argsort(rev, axis=dim, kind="stable"), dim)
        idx = (n - 1) - idx
    else:
        idx = np.argsort(d, axis=dim, kind="stable")
    if stable or n < 2:
        return idx
    vals = np.take_along_axis(d, idx, dim)
    rows = _rows(vals, dim)
    if not _has_ties(rows):
        return idx
    from .._generator import _std_sort
    src = _rows(d, dim)
    out = _rows(np.asarray(idx, order="C"), dim).copy()
    comp = _cmp_desc if descending else _cmp_asc
    ties = rows[:, 1:] == rows[:, :-1]
    if _kind(rows.dtype) in "fc":
        ties |= np.isnan(rows[:, 1:]) & np.isnan(rows[:, :-1])
    for r in np.nonzero(ties.any(axis=1))[0]:
        q = list(zip(src[r].tolist(), range(n)))
        _std_sort(q, 0, n, comp)
        out[r] = [i for _, i in q]
    moved = out.reshape(np.moveaxis(d, dim, -1).shape)
    return np.moveaxis(moved, -1, dim)


_NO_STABLE = object()


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable=_NO_STABLE):
    """Values sorted along ``dim`` and their original indices (``torch.return_types.sort``);
    NaN sorts as the largest value."""
    if isinstance(dim, bool):
        descending, dim = dim, -1
    # passing ``stable`` at all selects PyTorch's sort.stable overload (SortBackward1)
    cls = SortBackward0 if stable is _NO_STABLE else SortBackward1
    stable = bool(stable) if stable is not _NO_STABLE else False
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    if d.ndim == 0:
        idx = np.zeros((), _I64)
        vals = d.copy()
    else:
        from .shape import like_layout
        idx = like_layout(d, _sort_indices(d, dim, descending, bool(stable)).astype(_I64))
        vals = like_layout(d, np.take_along_axis(d, idx, dim))
    values = _value_select(input, vals, idx, dim, True, cls)
    return sort_type(values, _wrap(idx))


def _value_select(input: Tensor, vals: np.ndarray, idx: np.ndarray, dim: int, keepdim: bool,
                  cls) -> Tensor:
    if STATE.enabled and input._rg:
        node = cls()
        node.dim = dim
        node.index = idx
        node.shape = input._data.shape
        node.keepdim = keepdim
        return record1(node, vals, input)
    return _wrap(vals)


class SortBackward0(Node):
    """Gradient of a value-selecting op: each value's gradient goes back to where it came
    from."""

    __slots__ = ("dim", "index", "shape", "keepdim")


    def backward(self, grad):
        if not self.shape:
            return anp.reshape(grad, ()),
        idx = self.index
        if not self.keepdim:
            idx = np.expand_dims(idx, self.dim)
            grad = anp.unsqueeze(grad, self.dim)
        return anp.scatter(anp.zeros(self.shape, grad), self.dim, np.asarray(idx, order="C"),
                           grad),


class SortBackward1(SortBackward0):
    __slots__ = ()


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):
    """The indices that sort ``input`` along ``dim``."""
    return sort(input, dim, descending, stable=stable).indices


def msort(input: Tensor) -> Tensor:
    return sort(input, 0).values


def _topk_row(row: list, k: int, largest: bool, sorted_: bool) -> list:
    from .._generator import _heap_select, _nth_element, _sort_heap, _std_sort
    q = list(zip(row, range(len(row))))
    comp = _cmp_desc if largest else _cmp_asc
    n = len(q)
    if k * 64 <= n:
        _heap_select(q, 0, k, n, comp)
        _sort_heap(q, 0, k, comp)
    else:
        _nth_element(q, 0, k - 1, n, comp)
        if sorted_:
            _std_sort(q, 0, k - 1, comp)
    return [i for _, i in q[:k]]


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The ``k`` largest (or smallest) values along ``dim`` and their indices
    (``torch.return_types.topk``)."""
    d = input._data
    n = d.ndim
    dim = wrap_dim(dim, n)
    size = d.shape[dim] if n else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    if n == 0:
        idx = np.zeros((), _I64)
        vals = d.copy()
        return topk_type(_value_select(input, vals, idx, dim, True, TopkBackward0), _wrap(idx))
    rows = _rows(d, dim)
    out = np.empty((rows.shape[0], k), _I64)
    if k:
        order = np.argsort(-rows if largest and _kind(rows.dtype) in "fi" else rows, axis=1,
                           kind="stable")
        if largest and _kind(rows.dtype) not in "fi":
            order = np.argsort(rows, axis=1, kind="stable")[:, ::-1]
        for r in range(rows.shape[0]):
            row = rows[r]
            top = row[order[r, :k + 1]]
            simple = not (_kind(rows.dtype) == "f" and np.isnan(row).any()) and \
                not np.any(top[1:] == top[:-1]) and largest and _kind(rows.dtype) in "fi"
            if simple:
                out[r] = order[r, :k]
            else:
                out[r] = _topk_row(row.tolist(), k, largest, sorted)
    moved_shape = np.moveaxis(d, dim, -1).shape[:-1] + (k,)
    idx = np.asarray(np.moveaxis(out.reshape(moved_shape), -1, dim), order="C")
    vals = np.asarray(np.take_along_axis(d, idx, dim), order="C")
    return topk_type(_value_select(input, vals, idx, dim, True, TopkBackward0), _wrap(idx))


class TopkBackward0(SortBackward0):
    __slots__ = ()


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """The ``k``-th smallest value along ``dim`` and its index
    (``torch.return_types.kthvalue``)."""
    d = input._data
    n = d.ndim
    dim = wrap_dim(dim, n)
    size = d.shape[dim] if n else 1
    if size == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {dim} to have non-zero size.")
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    if n == 0:
        idx = np.zeros((), _I64)
        return kthvalue_type(_value_select(input, d.copy(), idx, dim, True, KthvalueBackward0),
                             _wrap(idx))
    rows = _rows(d, dim)
    out = np.empty(rows.shape[0], _I64)
    for r in range(rows.shape[0]):
        out[r] = _quick_select(rows[r].tolist(), k - 1)
    moved_shape = np.moveaxis(d, dim, -1).shape[:-1]
    idx = out.reshape(moved_shape)
    vals = np.take_along_axis(d, np.expand_dims(idx, dim), dim)
    if keepdim:
        idx = np.expand_dims(idx, dim)
    else:
        vals = np.squeeze(vals, dim)
    vals = np.asarray(vals, order="C")
    idx = np.asarray(idx, order="C")
    return kthvalue_type(_value_select(input, vals, idx, dim, keepdim, KthvalueBackward0),
                         _wrap(idx))


def _gt_or_nan(x, y) -> bool:
    return (x != x and y == y) or x > y


def _quick_select(arr: list, k: int) -> int:
    """The original index of the element PyTorch's CPU quick select (median of three,
    NaN largest) leaves at position ``k``: which of equal values ``kthvalue`` reports."""
    idx = list(range(len(arr)))
    gt = _gt_or_nan

    def swap(i, j):
        arr[i], arr[j] = arr[j], arr[i]
        idx[i], idx[j] = idx[j], idx[i]

    lo, hi = 0, len(arr) - 1
    while True:
        if hi <= lo:
            return idx[k]
        if hi == lo + 1:
            if gt(arr[lo], arr[hi]):
                swap(lo, hi)
            return idx[k]
        mid = lo + (hi - lo) // 2
        swap(mid, lo + 1)
        if gt(arr[lo + 1], arr[hi]):
            swap(lo + 1, hi)
        if gt(arr[lo], arr[hi]):
            swap(lo, hi)
        if gt(arr[lo + 1], arr[lo]):
            swap(lo + 1, lo)
        i, j = lo + 1, hi
        piv = arr[lo]
        while True:
            i += 1
            while gt(piv, arr[i]):
                i += 1
            j -= 1
            while gt(arr[j], piv):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1


class KthvalueBackward0(SortBackward0):
    __slots__ = ()


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim=None):
    """The distinct values (sorted), optionally with the inverse map and the counts; with
    ``dim``, the distinct slices along that dim."""
    d = input._data
    if dim is None:
        # every NaN is its own value, as in PyTorch
        vals, inv, cnt = np.unique(d.reshape(-1), return_inverse=True, return_counts=True,
                                   equal_nan=False)
        inv = inv.reshape(d.shape)
    else:
        dim = wrap_dim(dim, d.ndim)
        if d.shape[dim] == 0 and d.size == 0:
            vals, inv, cnt = d, np.zeros(0, _I64), np.zeros(0, _I64)
        else:
            vals, inv, cnt = np.unique(d, return_inverse=True, return_counts=True, axis=dim)
            inv = inv.reshape(-1)
    out = [_wrap(np.asarray(vals, order="C"))]
    if return_inverse:
        out.append(_wrap(inv.astype(_I64)))
    if return_counts:
        out.append(_wrap(cnt.astype(_I64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(input: Tensor, return_inverse: bool = False,
                       return_counts: bool = False, dim=None):
    """The values with consecutive repeats collapsed (optionally the inverse and counts)."""
    d = input._data
    if dim is None:
        flat = d.reshape(-1)
        if flat.size == 0:
            starts = np.zeros(0, bool)
        else:
            starts = np.concatenate([[True], flat[1:] != flat[:-1]])
        vals = flat[starts]
        inv = (np.cumsum(starts) - 1).reshape(d.shape)
    else:
        dim = wrap_dim(dim, d.ndim)
        moved = np.moveaxis(d, dim, 0)
        n = moved.shape[0]
        if n == 0:
            starts = np.zeros(0, bool)
        else:
            diff = (moved[1:] != moved[:-1]).reshape(n - 1, -1).any(axis=1)
            starts = np.concatenate([[True], diff])
        vals = np.moveaxis(moved[starts], 0, dim)
        inv = np.cumsum(starts) - 1
    pos = np.flatnonzero(starts)
    cnt = np.diff(np.append(pos, starts.size))
    out = [_wrap(np.asarray(vals, order="C"))]
    if return_inverse:
        out.append(_wrap(inv.astype(_I64)))
    if return_counts:
        out.append(_wrap(cnt.astype(_I64)))
    return out[0] if len(out) == 1 else tuple(out)


def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False,
                 right: bool = False, side=None, sorter=None, out=None) -> Tensor:
    """Where ``input``'s values would be inserted into the (last dim of)
    ``sorted_sequence`` to keep it sorted."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        right = side == "right"
    s = sorted_sequence._data
    scalar = not isinstance(input, Tensor)
    v = np.asarray(input) if scalar else input._data
    if sorter is not None:
        s = np.take_along_axis(s, sorter._data, -1)
    how = "right" if right else "left"
    dt = np.int32 if out_int32 else _I64
    if s.ndim <= 1:
        r = np.searchsorted(s, v, side=how)
    else:
        if v.ndim == 0 or s.shape[:-1] != v.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension "
                               "or the first N-1 dimensions of boundaries tensor and input "
                               "value tensor must match, but we got boundaries tensor "
                               f"{list(s.shape)} and input value tensor {list(v.shape)}")
        sr = s.reshape(-1, s.shape[-1])
        vr = v.reshape(-1, v.shape[-1])
        r = np.stack([np.searchsorted(a, b, side=how) for a, b in zip(sr, vr)]).reshape(v.shape)
    res = _wrap(np.asarray(r, dtype=dt))
    if out is not None:
        from .pointwise import _out
        return _out(res, out)
    return res


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False,
              out=None) -> Tensor:
    """The bucket of each value of ``input`` between the 1-d sorted ``boundaries``."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got "
                           f"dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


# == in-place variants ============================================================================
def _inplace(input: Tensor, out_of_place, *args):
    """``input`` overwritten with ``out_of_place(input, *args)`` (autograd through commit)."""
    check_inplace(input)
    other = next((a for a in args if isinstance(a, Tensor) and a._rg), None)
    if _ip.needs_graph(input, other):
        return _ip.commit(input, out_of_place(input, *args))
    from ..autograd.grad_mode import no_grad
    with no_grad():
        r = out_of_place(input, *args)
    if r._data.shape != input._data.shape:
        raise RuntimeError(f"output with shape {list(input._data.shape)} doesn't match the "
                           f"broadcast shape {list(r._data.shape)}")
    _ip.write(input, r._data)
    return input


def scatter_(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None):
    return _inplace(input, lambda x, s: scatter(x, dim, index, s, reduce=reduce),
                    value if src is None else src)


def scatter_add_(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    return _inplace(input, lambda x, s: scatter_add(x, dim, index, s), src)


def scatter_reduce_(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    return _inplace(input, lambda x, s: scatter_reduce(x, dim, index, s, reduce,
                                                       include_self=include_self), src)


def index_add_(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    return _inplace(input, lambda x, s: index_add(x, dim, index, s, alpha=alpha), source)


def index_copy_(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    return _inplace(input, lambda x, s: index_copy(x, dim, index, s), source)


def index_fill_(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    return _inplace(input, lambda x, v: index_fill(x, dim, index, v), value)


def masked_scatter_(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    return _inplace(input, lambda x, s: masked_scatter(x, mask, s), source)


def fill_diagonal_(input: Tensor, fill_value, wrap: bool = False) -> Tensor:
    """Write ``fill_value`` on the main diagonal in place (all dims of equal length, or a
    matrix; ``wrap`` continues a tall matrix's diagonal below every N + 1 rows)."""
    d = input._data
    if d.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if d.ndim > 2 and len(set(d.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    if d.ndim == 2:
        rows, cols = d.shape
        step = cols + 1
        end = rows * cols if wrap and rows > cols + 1 else min(rows, cols) * cols
        flat = np.arange(0, end, step)
    else:
        n = d.shape[0]
        step = sum(n ** k for k in range(d.ndim))
        flat = np.arange(n) * step
    from .._tensor import Tensor as _T
    if d.flags.c_contiguous:        # through a flat view, as PyTorch (CopySlices)
        input.view(-1)[_T._wrap(flat)] = fill_value
    else:
        input[tuple(_T._wrap(i) for i in np.unravel_index(flat, d.shape))] = fill_value
    return input


def unravel_index(indices: Tensor, shape) -> tuple:
    """The coordinates in an array of ``shape`` of flat ``indices``, one int64 tensor per
    dim (indices wrap as PyTorch's floor division and remainder make them)."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"expected 'indices' to be a Tensor, but got {type(indices).__name__}")
    d = indices._data
    if _kind(d.dtype) not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (int(shape),)
    elif isinstance(shape, (list, tuple)):
        for s in shape:
            if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
                raise TypeError(f"expected 'shape' sequence to only contain ints, but got "
                                f"{type(s)}")
        shape = tuple(int(s) for s in shape)
    else:
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got "
                        f"{type(shape)}")
    if any(s < 0 for s in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    # each coordinate is (index // stride) % size, the strides of a contiguous array of shape
    strides = np.cumprod((shape[1:] + (1,))[::-1], dtype=np.int64)[::-1]
    sizes = np.array(shape, np.int64)
    if d.size and (0 in shape):
        raise RuntimeError("ZeroDivisionError")
    q = d.astype(np.int64)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        res = np.remainder(np.floor_divide(q, strides), sizes)
    return Tensor._wrap(res).unbind(-1)


# == index_reduce =================================================================================
_INDEX_REDUCE_WARNED = False
_REDUCE_AT = {"prod": np.multiply, "mean": np.add, "amax": np.maximum, "amin": np.minimum}


def _reduce_identity(reduce: str, dt: np.dtype):
    if reduce == "prod":
        return 1
    if reduce == "mean":
        return 0
    big = np.inf if _kind(dt) == "f" else np.iinfo(dt).max
    return -big if reduce == "amax" else big


def _index_reduce_np(d: np.ndarray, dim: int, a: np.ndarray, s: np.ndarray, reduce: str,
                     include_self: bool) -> np.ndarray:
    out = np.array(d, ndmin=1)
    om = np.moveaxis(out, dim, 0)
    sm = np.moveaxis(s, dim, 0) if s.ndim else s.reshape(1)
    if not include_self:
        om[a] = _reduce_identity(reduce, d.dtype)
    _REDUCE_AT[reduce].at(om, a, sm)       # (maximum/minimum: NaN wins, as PyTorch)
    if reduce == "mean":
        counts = _index_counts(om.shape[0], a, include_self)
        shape = (-1,) + (1,) * (om.ndim - 1)
        if _kind(d.dtype) == "f":
            om /= counts.reshape(shape).astype(d.dtype)
        else:
            om //= counts.reshape(shape).astype(d.dtype)
    return out.reshape(d.shape)


def _index_counts(n: int, a: np.ndarray, include_self: bool) -> np.ndarray:
    """How many values each slot of a ``mean`` averages (1 for slots no index names)."""
    counts = np.zeros(n, np.int64)
    np.add.at(counts, a, 1)
    hit = counts > 0
    if include_self:
        counts[hit] += 1
    counts[~hit] = 1
    return counts


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """``input`` with the slices of ``source`` reduced (``prod``, ``mean``, ``amax``,
    ``amin``) into the slots ``index`` names along ``dim``; ``include_self=False`` leaves
    ``input``'s own values of those slots out."""
    global _INDEX_REDUCE_WARNED
    if not _INDEX_REDUCE_WARNED:
        _INDEX_REDUCE_WARNED = True
        warnings.warn("index_reduce() is in beta and the API may change at any time. (Triggered "
                      "internally at /__w/pytorch/pytorch/aten/src/ATen/native/"
                      "TensorAdvancedIndexing.cpp:1523.)", UserWarning, stacklevel=2)
    if reduce not in _REDUCE_AT:
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    fname = "index_reduce_"
    if not isinstance(index, Tensor):
        raise TypeError(f"index_reduce(): argument 'index' (position 2) must be Tensor, not "
                        f"{type(index).__name__}")
    a = index._data
    if a.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{fname}(): Expected dtype int32/int64 for index but got: "
                           f"{tname(a.dtype)}")
    d, s = input._data, source._data
    dim = wrap_dim(dim, d.ndim)
    if a.ndim > 1:
        raise IndexError(f"{fname}(): Index is supposed to be a vector, but got dim: {a.ndim} "
                         f"with type: {tname(a.dtype)} and size: {list(a.shape)}")
    a = a.reshape(-1)
    if s.dtype != d.dtype:
        raise RuntimeError(f"{fname}(): self ({tname(input)}) and source ({tname(source)}) "
                           "must have the same scalar type")
    _source_check(d, dim, a, s, fname)
    size = d.shape[dim] if d.ndim else 1
    if a.size and (a.min() < 0 or a.max() >= size):
        raise IndexError("index out of range in self")
    out = _index_reduce_np(d, dim, a, s, reduce, include_self)
    if STATE.enabled and (input._rg or source._rg):
        node = IndexReduceBackward0()
        node.dim, node.index, node.reduce, node.include_self = dim, a, reduce, include_self
        t = record2(node, out, input, source)
        node.save2(input, source)
        node.save_result(t)
        return t
    return _wrap(out)


def index_reduce_(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                  include_self: bool = True) -> Tensor:
    """In-place :func:`index_reduce`."""
    from ._elementwise import _apply_inplace
    return _apply_inplace(input, lambda x: index_reduce(x, dim, index, source, reduce,
                                                        include_self=include_self),
                          None, "index_reduce_")


def _ir_prod(x, dim: int, index: np.ndarray, src):
    """``index_reduce(x, dim, index, src, "prod")`` on arrays or (differentiably) tensors."""
    if anp.is_array(x):
        return _index_reduce_np(np.asarray(x), dim, index, np.asarray(src), "prod", True)
    return index_reduce(x, dim, _wrap(index), src, "prod")


class IndexReduceBackward0(Node):
    __slots__ = ("dim", "index", "reduce", "include_self")
    _saved_names = ("self", "source")

    def backward(self, grad):
        x, src = self.saved()
        r = self.result()
        dim, idx, red = self.dim, self.index, self.reduce
        n = x.shape[dim] if len(x.shape) else 1
        # slots whose own value takes part (all of them, or those no index names)
        own = np.ones(n, bool)
        if not self.include_self:
            own[idx] = False
        own = own.reshape((-1,) + (1,) * (len(x.shape) - dim - 1)) if len(x.shape) else own[0]
        own_c = anp.constant(np.broadcast_to(own, x.shape), x)
        if red == "mean":
            c = _index_counts(n, idx, self.include_self).reshape(np.shape(own))
            g = grad / anp.as_dtype_of(anp.constant(c, grad), grad)
            return anp.where(own_c, g, 0.0), anp.index_select(g, dim, idx)
        if red in ("amax", "amin"):
            # ties share the gradient evenly, as PyTorch (whose count includes a left-out
            # self value equal to the result, though that value gets no gradient)
            tie = anp.value(x) == anp.value(r)
            hs = anp.constant(tie & np.broadcast_to(own, tie.shape), x)
            hv = anp.constant(anp.value(src) == np.take(anp.value(r), idx, axis=dim)
                              if len(x.shape) else anp.value(src) == anp.value(r), x)
            fs = anp.as_dtype_of(anp.constant(tie, x), grad)
            g = grad / anp.index_add(fs, dim, idx, anp.as_dtype_of(hv, grad))
            return (anp.where(hs, g, 0.0), anp.where(hv, anp.index_select(g, dim, idx), 0.0))
        # prod: each factor's derivative is the product of the others, found without
        # dividing by zero: from the product of the group's nonzero members and its zero count
        xin = anp.where(own_c, x, 1.0)
        zx = anp.value(xin) == 0
        zs = anp.value(src) == 0
        nzx = anp.where(anp.constant(zx, x), 1.0, xin)
        nzs = anp.where(anp.constant(zs, x), 1.0, src)
        p = _ir_prod(nzx, dim, idx, nzs)
        zc = anp.index_add(zx.astype(np.int64), dim, idx, zs.astype(np.int64))
        zc_s = np.take(zc, idx, axis=dim) if len(x.shape) else zc[idx]
        p_s = anp.index_select(p, dim, idx)
        ex = anp.where(anp.constant(zx, x), anp.where(anp.constant(zc == 1, x), p, 0.0),
                       anp.where(anp.constant(zc == 0, x), p / nzx, 0.0))
        es = anp.where(anp.constant(zs, x), anp.where(anp.constant(zc_s == 1, x), p_s, 0.0),
                       anp.where(anp.constant(zc_s == 0, x), p_s / nzs, 0.0))
        return (anp.where(own_c, grad * ex, 0.0), anp.index_select(grad, dim, idx) * es)
