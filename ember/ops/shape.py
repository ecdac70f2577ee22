"""Shape ops. Views share memory and the version counter with their base, and remember how to
recompute themselves from it (``_view``), which in-place writes through a view need."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record, record1
from ._util import shape_arg, wrap_dim, wrap_dims

_wrap = Tensor._wrap


def make_view(input: Tensor, data: np.ndarray, node, fn) -> Tensor:
    """Wrap ``data`` (a NumPy view of ``input``'s memory) as a view tensor.

    ``node`` is the backward node (recorded if grad is needed); ``fn(base) -> view`` re-derives
    this view from ``input``, composed with ``input``'s own derivation if it is a view."""
    if STATE.enabled and input._rg:
        t = record1(node, data, input)
    else:
        t = _wrap(data)
    base = input._base
    t._base = input if base is None else base
    t._vc = input._version_counter()
    parent = input._view
    t._view = fn if parent is None else (lambda b: fn(parent(b)))
    return t


def _infer_shape(shape: tuple, numel: int) -> tuple:
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[:neg[0]] + (numel // known,) + shape[neg[0] + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def view(input: Tensor, *shape) -> Tensor:
    """The same memory with a new shape; RuntimeError if the strides don't allow it."""
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer, tuple, list)):
        from .. import _dtype
        if isinstance(shape[0], _dtype.dtype):
            return _view_dtype(input, shape[0])
    shape = _infer_shape(shape_arg(shape), input._data.size)
    try:
        data = np.reshape(input._data, shape, copy=False)
    except ValueError:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.") from None
    node = ViewBackward0()
    node.shape = input._data.shape
    return make_view(input, data, node, lambda b: b.view(shape))


def _view_dtype(input: Tensor, dt) -> Tensor:
    data = input._data.view(dt.np)
    return make_view(input, data, ViewBackward0(), lambda b: b.view(dt))


class ViewBackward0(Node):
    __slots__ = ("shape",)

    def backward(self, grad):
        return grad.reshape(self.shape),


def reshape(input: Tensor, *shape) -> Tensor:
    """Like ``view`` when possible, otherwise a copy."""
    shape = _infer_shape(shape_arg(shape), input._data.size)
    try:
        data = np.reshape(input._data, shape, copy=False)
    except ValueError:
        data = None
    if data is not None:
        node = ViewBackward0()
        node.shape = input._data.shape
        return make_view(input, data, node, lambda b: b.reshape(shape))
    data = np.reshape(input._data, shape)  # copies
    if STATE.enabled and input._rg:
        node = UnsafeViewBackward0()
        node.shape = input._data.shape
        return record1(node, data, input)
    return _wrap(data)


class UnsafeViewBackward0(Node):
    __slots__ = ("shape",)

    def backward(self, grad):
        return grad.reshape(self.shape),


def view_as(input: Tensor, other: Tensor) -> Tensor:
    return view(input, other._data.shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    return reshape(input, other._data.shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one."""
    shape = input._data.shape
    n = len(shape)
    if n == 0:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, n), wrap_dim(end_dim, n)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    size = 1
    for d in shape[s:e + 1]:
        size *= d
    return reshape(input, shape[:s] + (size,) + shape[e + 1:])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split one dim into ``sizes`` (one may be -1)."""
    shape = input._data.shape
    d = wrap_dim(dim, len(shape))
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        sizes = _infer_shape(sizes, shape[d])
    except RuntimeError:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({shape[d]}) in the input tensor") from None
    return view(input, shape[:d] + sizes + shape[d + 1:])


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove size-1 dims (all, or only ``dim``, an int or tuple)."""
    shape = input._data.shape
    if dim is None:
        dims = tuple(i for i, s in enumerate(shape) if s == 1)
        node = SqueezeBackward0()
    else:
        dims = tuple(d for d in wrap_dims(dim, len(shape)) if len(shape) and shape[d] == 1)
        node = SqueezeBackward1() if isinstance(dim, int) else SqueezeBackward2()
    data = np.squeeze(input._data, dims) if dims else input._data.view()
    node.shape = shape
    return make_view(input, data, node, lambda b: b.squeeze(dim))


class SqueezeBackward0(Node):
    __slots__ = ("shape",)

    def backward(self, grad):
        return grad.reshape(self.shape),


class SqueezeBackward1(SqueezeBackward0):
    __slots__ = ()


class SqueezeBackward2(SqueezeBackward0):
    __slots__ = ()


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim``."""
    d = wrap_dim(dim, input._data.ndim + 1)
    data = np.expand_dims(input._data, d)
    node = UnsqueezeBackward0()
    node.dim = d
    node.shape = node.index = None
    return make_view(input, data, node, lambda b: b.unsqueeze(d))


class UnsqueezeBackward0(Node):
    """From ``unsqueeze(dim)``, or from ``x[..., None]`` (then ``index`` is set, ``dim`` None)."""

    __slots__ = ("dim", "shape", "index")

    def backward(self, grad):
        if self.dim is None:
            from .indexing import index_put_zeros
            return index_put_zeros(grad, self.shape, self.index, False),
        return grad.squeeze(self.dim),


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims (a view)."""
    n = input._data.ndim
    d0, d1 = wrap_dim(dim0, n), wrap_dim(dim1, n)
    data = np.swapaxes(input._data, d0, d1) if n else input._data.view()
    node = TransposeBackward0()
    node.dims = (d0, d1)
    return make_view(input, data, node, lambda b: b.transpose(d0, d1))


swapaxes = swapdims = transpose


class TransposeBackward0(Node):
    __slots__ = ("dims",)

    def backward(self, grad):
        return grad.transpose(*self.dims),


def t(input: Tensor) -> Tensor:
    """Transpose a tensor of at most 2 dims."""
    n = input._data.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    data = input._data.T
    return make_view(input, data, TBackward0(), lambda b: b.t())


class TBackward0(Node):
    __slots__ = ()

    def backward(self, grad):
        return grad.t(),


def permute(input: Tensor, *dims) -> Tensor:
    """Reorder dims (a view)."""
    n = input._data.ndim
    dims = shape_arg(dims) if dims and not (len(dims) == 1 and isinstance(dims[0], (tuple, list))) \
        else tuple(dims[0]) if dims else ()
    if len(dims) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {n} is not equal to len(dims) = {len(dims)}")
    perm = tuple(wrap_dim(d, n) for d in dims)
    if len(set(perm)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    data = np.transpose(input._data, perm)
    node = PermuteBackward0()
    node.dims = perm
    return make_view(input, data, node, lambda b: b.permute(perm))


class PermuteBackward0(Node):
    __slots__ = ("dims",)

    def backward(self, grad):
        return grad.permute(tuple(np.argsort(self.dims).tolist())),


def T(input: Tensor) -> Tensor:
    n = input._data.ndim
    if n == 2:
        return t(input)
    if n != 0:
        import warnings
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                      "shape is deprecated and it will throw an error in a future release. "
                      "Consider `x.mT` to transpose batches of matrices or `x.permute(*torch."
                      "arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                      UserWarning, stacklevel=3)
    return permute(input, tuple(range(n - 1, -1, -1)))


def mT(input: Tensor) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {input._data.ndim}-D tensor.")
    return transpose(input, -2, -1)


def expand(input: Tensor, *sizes) -> Tensor:
    """Broadcast size-1 dims to ``sizes`` without copying (-1 keeps a dim)."""
    sizes = shape_arg(sizes) if not (len(sizes) == 1 and isinstance(sizes[0], (tuple, list))) \
        else tuple(int(s) for s in sizes[0])
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand(torch.{input.dtype._legacy}{{{list(shape)}}}, "
                           f"size={list(sizes)}): the number of sizes provided "
                           f"({len(sizes)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for i, s in enumerate(sizes):
        cur = shape[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            s = cur
        elif cur is not None and cur != 1 and cur != s:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({cur}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(shape)}")
        target.append(s)
    target = tuple(target)
    data = np.broadcast_to(input._data, target)
    node = ExpandBackward0()
    return make_view(input, data, node, lambda b: b.expand(target))


class ExpandBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # the engine sums the broadcast dims back
        return grad,


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other._data.shape)


def broadcast_to(input: Tensor, size) -> Tensor:
    return expand(input, tuple(size))


def contiguous(input: Tensor, memory_format=None) -> Tensor:
    """Self if already C-contiguous, else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    from .pointwise import clone
    return clone(input)


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Concatenate along an existing dim."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(x).__name__}")
    # Legacy rule: 1-d empty tensors are skipped.
    parts = [x for x in tensors if not (x._data.ndim == 1 and x._data.shape[0] == 0)] or tensors
    ref = parts[0]._data
    d = wrap_dim(dim, ref.ndim)
    for i, x in enumerate(tensors):
        xd = x._data
        if xd.ndim == 1 and xd.shape[0] == 0:
            continue
        if xd.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and "
                               f"{xd.ndim}")
        for k in range(ref.ndim):
            if k != d and xd.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref.shape[k]} but got size {xd.shape[k]} "
                                   f"for tensor number {i} in the list.")
    from .._dtype import result_type
    rt = result_type(*parts).np if len(parts) > 1 else ref.dtype
    data = np.concatenate([x._data for x in parts], axis=d, dtype=rt, casting="unsafe")
    if STATE.enabled and any(x._rg for x in tensors):
        node = CatBackward0()
        node.dim = d
        node.sizes = [x._data.shape[d] if x._data.ndim > d else 0 for x in tensors]
        node.skip = [x._data.ndim == 1 and x._data.shape[0] == 0 and len(parts) != len(tensors)
                     for x in tensors]
        res = record(node, data, tensors)
    else:
        res = _wrap(data)
    if out is not None:
        from .pointwise import _out
        return _out(res, out)
    return res


concat = concatenate = cat


class CatBackward0(Node):
    __slots__ = ("dim", "sizes", "skip")

    def backward(self, grad):
        out = []
        start = 0
        for size, skip in zip(self.sizes, self.skip):
            if skip:
                out.append(None)
                continue
            out.append(grad.narrow(self.dim, start, size))
            start += size
        return tuple(out)


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join tensors of equal shape along a new dim."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, x in enumerate(tensors):
        if x._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape)} at entry 0 and {list(x._data.shape)} at entry "
                               f"{i}")
    d = wrap_dim(dim, len(shape) + 1)
    from .._dtype import result_type
    rt = result_type(*tensors).np
    data = np.stack([x._data for x in tensors], axis=d, dtype=rt, casting="unsafe")
    if STATE.enabled and any(x._rg for x in tensors):
        node = StackBackward0()
        node.dim = d
        res = record(node, data, tensors)
    else:
        res = _wrap(data)
    if out is not None:
        from .pointwise import _out
        return _out(res, out)
    return res


class StackBackward0(Node):
    __slots__ = ("dim",)

    def backward(self, grad):
        return tuple(grad.unbind(self.dim))


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """``length`` elements of ``dim`` from ``start`` (a view)."""
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    start = int(start)
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    idx = (slice(None),) * d + (slice(start, start + length),)
    data = input._data[idx]
    from .indexing import SliceBackward0
    node = SliceBackward0()
    node.shape = input._data.shape
    node.index = idx
    return make_view(input, data, node, lambda b: b.narrow(d, start, length))


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim`` as a tuple of views."""
    d = wrap_dim(dim, input._data.ndim)
    moved = np.moveaxis(input._data, d, 0)
    parts = tuple(moved[i] for i in range(moved.shape[0]))
    if STATE.enabled and input._rg:
        node = UnbindBackward0()
        node.dim = d
        node._n_out = len(parts)
        outs = record(node, parts, (input,))
    else:
        outs = tuple(_wrap(p) for p in parts)
    base = input if input._base is None else input._base
    vc = input._version_counter()
    for o in outs:
        o._base = base
        o._vc = vc
    return outs


class UnbindBackward0(Node):
    __slots__ = ("dim", "_n_out")

    def backward(self, grads):
        from .creation import zeros_like_data
        ref = next(g for g in grads if g is not None)
        parts = [g if g is not None else Tensor._wrap(zeros_like_data(ref._data))
                 for g in grads]
        return stack(parts, self.dim),
