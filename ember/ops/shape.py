"""Shape ops: views (same memory, PyTorch's strides) and the copies that reorder data.

A view shares memory and the version counter with its base and remembers how to recompute
itself from the base (``t._view = (replay, creation)``), which in-place writes through views
and the regeneration of other views' history need (see ops/inplace.py). The hot views keep
that replay as data (``(f, *args)``, meaning ``f(base, *args)``), made a function by
``replay_fn`` only when a write needs it: most views are never written through. Which
results are views, their strides and contiguity follow PyTorch.
"""
from __future__ import annotations

import math
import weakref

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _VersionCounter
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record, record1
from ._util import wrap_dim
from .._dtype import kind as _kind

_wrap = Tensor._wrap
_ndarray = np.ndarray
_as_strided = np.lib.stride_tricks.as_strided

# How a view was made (PyTorch's CreationMeta): in-place writes through NO_GRAD and
# MULTI_OUTPUT views may not be recorded.
DEFAULT, NO_GRAD, MULTI_OUTPUT = 0, 1, 2


# -- views: bookkeeping --------------------------------------------------------------------------
class _ViewList:
    """Weak references to the live views of one base (kept on its version counter), so that
    an in-place write can give every other view its new history."""

    __slots__ = ("refs", "limit")

    def __init__(self) -> None:
        self.refs = []
        self.limit = 16

    def add(self, t: Tensor) -> None:
        self.refs.append(_ref(t))
        if len(self.refs) > self.limit:
            self.prune()

    def prune(self) -> None:
        # Dead views are dropped in batches: amortised O(1) per view.
        refs = self.refs
        refs[:] = [r for r in refs if r() is not None]
        self.limit = max(16, 2 * len(refs))

    def live(self) -> list:
        out = []
        for r in self.refs:
            t = r()
            if t is not None:
                out.append(t)
        return out


_ref = weakref.ref


def replay_fn(replay):
    """A view's recorded replay as the function ``base -> view``."""
    if replay.__class__ is tuple:
        f, *args = replay
        return lambda b: f(b, *args)
    return replay


def _composed(b, fn, parent):
    return replay_fn(fn)(replay_fn(parent)(b))


def link_view(t: Tensor, input: Tensor, fn, creation: int = DEFAULT) -> Tensor:
    """Make ``t`` (already holding a NumPy view of ``input``'s memory) a view of ``input``'s
    base: shared version counter, ``_base``, and ``fn(base) -> view`` for replays (a function
    or its recorded form, see ``replay_fn``)."""
    enabled = STATE.enabled
    if creation == DEFAULT and not enabled:
        creation = NO_GRAD
    base = input._base
    if base is None:
        base = input
    else:
        pfn, pcreation = input._view
        fn = (_composed, fn, pfn)
        if creation == DEFAULT:
            creation = pcreation
    vc = input._vc
    if vc is None:
        vc = input._vc = _VersionCounter()
    t._base = base
    t._vc = vc
    t._view = (fn, creation)
    # A view's history can change later only if its base's can: not for leaves that require
    # grad (in-place on them is refused), nor for plain tensors viewed in no_grad mode.
    if base._rg:
        if base.grad_fn is None:
            return t
    elif not enabled:
        return t
    views = vc.views
    if views is None:
        views = vc.views = _ViewList()
    refs = views.refs
    refs.append(_ref(t))        # (_ViewList.add written out)
    if len(refs) > views.limit:
        views.prune()
    return t


def make_view(input: Tensor, data: np.ndarray, node, fn, creation: int = DEFAULT) -> Tensor:
    """Wrap ``data`` (a NumPy view of ``input``'s memory) as a view tensor.

    ``node`` is the backward node (recorded if grad is needed); ``fn(base) -> view`` re-derives
    this view from ``input`` with ember ops."""
    if STATE.enabled and input._rg:
        t = record1(node, data, input)
    else:
        t = _wrap(data)
    return link_view(t, input, fn, creation)


def _multi_views(input: Tensor, parts: list, node, fns: list) -> tuple:
    """Several views from one multi-output node (split, chunk, unbind)."""
    if STATE.enabled and input._rg:
        node._n_out = len(parts)
        outs = record(node, tuple(parts), (input,))
    else:
        outs = tuple(_wrap(p) for p in parts)
    for o, fn in zip(outs, fns):
        link_view(o, input, fn, MULTI_OUTPUT)
    return outs


# -- strided arrays ------------------------------------------------------------------------------
def restride(a: np.ndarray, shape: tuple, strides: tuple) -> np.ndarray:
    """A NumPy view of ``a``'s memory (from its first element) with ``strides`` in elements."""
    item = a.itemsize
    st = tuple(s * item for s in strides)
    if a.strides == st and a.shape == shape:
        return a
    try:
        return _ndarray(shape, a.dtype, a, 0, st)
    except (TypeError, ValueError, BufferError):
        # ``a`` exports no single buffer (not contiguous in any order)
        return _as_strided(a, shape, st)


def elem_strides(a: np.ndarray) -> tuple:
    item = a.itemsize
    return tuple(s // item for s in a.strides)


def contiguous_strides(shape) -> tuple:
    """PyTorch's contiguous strides (a size-0 or size-1 dim counts as size 1)."""
    st = []
    acc = 1
    for s in reversed(shape):
        st.append(acc)
        acc *= s if s > 1 else 1
    return tuple(reversed(st))


def non_overlapping_and_dense(shape, strides) -> bool:
    """PyTorch's is_non_overlapping_and_dense."""
    n = len(shape)
    if n == 1:
        return shape[0] < 2 or strides[0] == 1
    perm = sorted((d for d in range(n) if shape[d] >= 2), key=lambda d: strides[d])
    need = 1
    for d in perm:
        if strides[d] != need:
            return False
        need *= shape[d]
    return True


def like_layout(src: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` (of ``src``'s shape) in the memory layout PyTorch's
    ``empty_like(src)`` (preserve format) gives: ``src``'s strides when it is dense, else
    contiguous."""
    if src.flags.c_contiguous:
        return values if values.flags.c_contiguous else np.asarray(values, order="C")
    shape = src.shape
    st = elem_strides(src)
    if not non_overlapping_and_dense(shape, st):
        return np.asarray(values, order="C")
    out = _ndarray(shape, values.dtype, np.empty(values.size, values.dtype), 0,
                   tuple(s * values.itemsize for s in st))
    np.copyto(out, values)
    return out


# -- view / reshape ----------------------------------------------------------------------------
def _sizes(sizes, fname: str = "view", arg: str = "size") -> tuple:
    """Sizes given as ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or a Size; -1 allowed."""
    for s in sizes:
        if s.__class__ is not int:
            break
    else:
        return sizes            # f(2, 3): the tuple of ints already
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    elif len(sizes) == 1 and not hasattr(sizes[0], "__index__"):
        raise TypeError(f"{fname}(): argument '{arg}' (position 1) must be tuple of ints, not "
                        f"{type(sizes[0]).__name__}")
    out = []
    for s in sizes:
        if isinstance(s, (bool, float)) or not hasattr(s, "__index__"):
            raise TypeError(f"{fname}(): argument '{arg}' failed to unpack the object at pos "
                            f"{len(out) + 1} with error \"type must be tuple of ints,but got "
                            f"{type(s).__name__}\"")
        out.append(s.__index__())
    return tuple(out)


def _infer_shape(shape: tuple, numel: int) -> tuple:
    if math.prod(shape) == numel and (not shape or min(shape) >= 0):
        return shape            # nothing to infer or refuse
    neg = -1
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if neg >= 0:
                raise RuntimeError("only one dimension can be inferred")
            neg = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape "
                               f"{list(shape)}")
        else:
            known *= s
    if neg >= 0:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        return shape[:neg] + (numel // known,) + shape[neg + 1:]
    if known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def view_strides(oldshape: tuple, oldstride: tuple, newshape: tuple):
    """The strides of ``newshape`` over the same memory (PyTorch's computeStride), or None
    when the memory layout does not allow a view."""
    if not oldshape:
        return (1,) * len(newshape)
    numel = math.prod(oldshape)
    if numel == 0:
        if oldshape == newshape:
            return oldstride
        return contiguous_strides(newshape)
    newstride = [0] * len(newshape)
    view_d = len(newshape) - 1
    chunk = oldstride[-1]
    tensor_numel = 1
    view_numel = 1
    for d in range(len(oldshape) - 1, -1, -1):
        tensor_numel *= oldshape[d]
        if d == 0 or (oldshape[d - 1] != 1 and oldstride[d - 1] != tensor_numel * chunk):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                chunk = oldstride[d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(newstride)


def _try_view(d: np.ndarray, shape: tuple):
    if d.flags.c_contiguous and d.size:
        # NumPy's view of a contiguous array already has PyTorch's contiguous strides
        return d.reshape(shape)
    if d.flags.c_contiguous:
        st = view_strides(d.shape, elem_strides(d), shape) if d.size == 0 else \
            contiguous_strides(shape)
    else:
        st = view_strides(d.shape, elem_strides(d), shape)
        if st is None:
            return None
    return restride(d, shape, st)


def view(input: Tensor, *shape) -> Tensor:
    """The same memory with a new shape; RuntimeError if the strides don't allow it."""
    d = input._data
    for s in shape:
        if s.__class__ is not int or s < 0:     # a dtype, a sequence, -1, a bad size...
            if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
                return _view_dtype(input, shape[0])
            shape = _infer_shape(_sizes(shape), d.size)
            break
    else:
        if math.prod(shape) != d.size:
            shape = _infer_shape(shape, d.size)   # (raises PyTorch's error)
    # (_try_view's contiguous case written out)
    data = d.reshape(shape) if d.flags.c_contiguous and d.size else _try_view(d, shape)
    if data is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    # make_view written out: the node is made only when recorded
    if STATE.enabled and input._rg:
        node = ViewBackward0()
        node.shape = d.shape
        t = record1(node, data, input)
    else:
        t = _wrap(data)
    return link_view(t, input, (_view_replay, shape))


def _view_replay(b: Tensor, shape: tuple) -> Tensor:
    return b.view(shape)


def _view_dtype(input: Tensor, dt) -> Tensor:
    d = input._data
    if d.itemsize != dt.np.itemsize and (d.ndim == 0 or d.strides[-1] != d.itemsize):
        raise RuntimeError("self.stride(-1) must be 1 to view " + str(d.dtype) + " as " +
                           str(dt) + " (different element sizes), but got "
                           f"{d.strides[-1] // d.itemsize if d.ndim else 0}")
    data = d.view(dt.np)
    return make_view(input, data, ViewBackward0(), lambda b: b.view(dt))


class ViewBackward0(Node):
    __slots__ = ("shape",)

    def backward(self, grad):
        return anp.reshape(grad, self.shape),


def reshape(input: Tensor, *shape) -> Tensor:
    """Like ``view`` when the strides allow it, otherwise a contiguous copy."""
    shape = _infer_shape(_sizes(shape, "reshape", "shape"), input._data.size)
    d = input._data
    data = _try_view(d, shape)
    if data is not None:
        node = ViewBackward0()
        node.shape = d.shape
        return make_view(input, data, node, lambda b: b.reshape(shape))
    data = np.reshape(d, shape)  # copies, C order
    if STATE.enabled and input._rg:
        node = UnsafeViewBackward0()
        node.shape = d.shape
        return record1(node, data, input)
    return _wrap(data)


class UnsafeViewBackward0(ViewBackward0):
    __slots__ = ()


def view_as(input: Tensor, other: Tensor) -> Tensor:
    return view(input, other._data.shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    return reshape(input, other._data.shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one (a view when the strides allow)."""
    shape = input._data.shape
    n = len(shape)
    if n == 0:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, n), wrap_dim(end_dim, n)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    return reshape(input, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-d tensor (a view of a contiguous copy if needed)."""
    return view(contiguous(input), -1)


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


# -- squeeze / unsqueeze -----------------------------------------------------------------------
def squeeze(input: Tensor, dim=None) -> Tensor:
    """Remove size-1 dims (all, or only those in ``dim``, an int or tuple)."""
    d = input._data
    shape = d.shape
    n = len(shape)
    if dim is None:
        dims = tuple(i for i, s in enumerate(shape) if s == 1)
        node = SqueezeBackward0()
    else:
        single = not isinstance(dim, (tuple, list))
        dl = (dim,) if single else tuple(dim)
        dims = []
        for x in dl:
            w = wrap_dim(int(x), n)
            if n and shape[w] == 1 and w not in dims:
                dims.append(w)
        dims = tuple(dims)
        node = SqueezeBackward1() if single else SqueezeBackward2()
    data = np.squeeze(d, dims) if dims else d.view()
    node.shape = shape
    return make_view(input, data, node, lambda b: b.squeeze(dim))


class SqueezeBackward0(ViewBackward0):
    __slots__ = ()


class SqueezeBackward1(SqueezeBackward0):
    __slots__ = ()


class SqueezeBackward2(SqueezeBackward0):
    __slots__ = ()


def _unsqueeze_array(d: np.ndarray, dim: int) -> np.ndarray:
    # PyTorch gives the new dim the stride size*stride of the dim it precedes (NumPy: 0).
    st = elem_strides(d)
    new = 1 if dim >= d.ndim else d.shape[dim] * st[dim]
    return restride(d, d.shape[:dim] + (1,) + d.shape[dim:], st[:dim] + (new,) + st[dim:])


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim``."""
    d = wrap_dim(dim, input._data.ndim + 1)
    data = _unsqueeze_array(input._data, d)
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
        return anp.squeeze(grad, self.dim),


# -- transposes ----------------------------------------------------------------------------------
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
        return anp.transpose(grad, *self.dims),


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
        return anp.t(grad),


def _dims_arg(dims) -> tuple:
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    return tuple(int(d) for d in dims)


def permute(input: Tensor, *dims) -> Tensor:
    """Reorder dims (a view)."""
    n = input._data.ndim
    dims = _dims_arg(dims)
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

    def backward(self, grad):          # the inverse permutation
        inv = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inv[d] = i
        return anp.permute(grad, inv),


def movedim(input: Tensor, source, destination) -> Tensor:
    """Move dims ``source`` to positions ``destination`` (ints or sequences); a view."""
    n = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} "
                           "dims)")
    ws = [wrap_dim(int(d), n) for d in src]
    wd = [wrap_dim(int(d), n) for d in dst]
    if len(set(ws)) != len(ws):
        raise RuntimeError(f"movedim: repeated dim in `source` ({src})")
    if len(set(wd)) != len(wd):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({dst})")
    perm = [-1] * n
    for s, d in zip(ws, wd):
        perm[d] = s
    rest = iter(d for d in range(n) if d not in ws)
    perm = [p if p >= 0 else next(rest) for p in perm]
    return permute(input, perm)


moveaxis = movedim


def T(input: Tensor) -> Tensor:
    """All dims reversed (``x.T``); deprecated by PyTorch for other than 2-d."""
    n = input._data.ndim
    import warnings
    if n == 2:
        pass
    elif n == 0:
        warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in "
                      "these cases.", UserWarning, stacklevel=3)
    else:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                      "shape is deprecated and it will throw an error in a future release. "
                      "Consider `x.mT` to transpose batches of matrices or `x.permute(*torch."
                      "arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                      UserWarning, stacklevel=3)
    return permute(input, tuple(range(n - 1, -1, -1)))


def mT(input: Tensor) -> Tensor:
    """The last two dims swapped (batches of matrices)."""
    if input._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {input._data.ndim}-D tensor.")
    return transpose(input, -2, -1)


def mH(input: Tensor) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError("tensor.mH is only supported on matrices or batches of matrices. "
                           f"Got {input._data.ndim}-D tensor.")
    if _kind(input._data.dtype) == "c":
        from .pointwise import conj
        return transpose(conj(input), -2, -1)
    return transpose(input, -2, -1)


def H(input: Tensor) -> Tensor:
    """The conjugate transpose of a matrix (``x.H``)."""
    n = input._data.ndim
    if n == 0:
        import warnings
        warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().",
                      UserWarning, stacklevel=3)
        return input.conj()
    if n != 2:
        hint = " For batches of matrices, consider using tensor.mH" if n > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {n}-D "
                           f"tensor.{hint}")
    return mH(input)


def adjoint(input: Tensor) -> Tensor:
    return mH(input)


# -- expand / broadcast ------------------------------------------------------------------------
def _expand_geometry(d: np.ndarray, sizes: tuple, legacy: str) -> tuple:
    shape = d.shape
    st = elem_strides(d)
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand(torch.{legacy}{{{list(shape)}}}, size={list(sizes)}): the "
                           f"number of sizes provided ({len(sizes)}) must be greater or equal "
                           f"to the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    out_shape = [0] * len(sizes)
    out_st = [0] * len(sizes)
    for i in range(len(sizes) - 1, -1, -1):
        j = i - lead
        if j >= 0:
            size, stride = shape[j], st[j]
        else:
            size = 1
            stride = out_shape[i + 1] * out_st[i + 1] if i + 1 < len(sizes) else 1
        target = sizes[i]
        if target == -1:
            if j < 0:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            target = size
        if size != target:
            if size != 1:
                raise RuntimeError(f"The expanded size of the tensor ({target}) must match the "
                                   f"existing size ({size}) at non-singleton dimension {i}.  "
                                   f"Target sizes: {list(sizes)}.  Tensor sizes: "
                                   f"{list(shape)}")
            if target < 0:
                raise RuntimeError(f"The expanded size of the tensor ({target}) isn't allowed "
                                   f"in a leading, non-existing dimension {i}")
            size, stride = target, 0
        out_shape[i] = size
        out_st[i] = stride
    return tuple(out_shape), tuple(out_st)


def expand(input: Tensor, *sizes, implicit: bool = False) -> Tensor:
    """Broadcast size-1 dims to ``sizes`` without copying (-1 keeps a dim)."""
    sizes = _sizes(sizes, "expand")
    d = input._data
    shape, st = _expand_geometry(d, sizes, input.dtype._legacy)
    data = restride(d, shape, st)
    return make_view(input, data, ExpandBackward0(), lambda b: b.expand(shape))


class ExpandBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # the engine sums the broadcast dims back
        return grad,


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other._data.shape)


def broadcast_to(input: Tensor, size) -> Tensor:
    return expand(input, tuple(size))


def broadcast_shapes(*shapes):
    """The shape all ``shapes`` broadcast to (PyTorch's RuntimeError when they can't)."""
    from ._util import broadcast_shapes as _bs
    from .._size import Size
    out = ()
    for s in shapes:
        s = (s,) if isinstance(s, int) else tuple(s)
        for x in s:
            if x < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {x}: "
                                   f"{list(s)}")
        out = _bs(out, s)
    return Size(out)


def broadcast_tensors(*tensors) -> tuple:
    """Expand all tensors to their common shape (views; unchanged tensors are returned)."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    from ._util import broadcast_shapes as _bs
    shape = ()
    for x in tensors:
        shape = _bs(shape, x._data.shape)
    return tuple(x if x._data.shape == shape else expand(x, shape) for x in tensors)


# -- copies that reorder -------------------------------------------------------------------------
def contiguous(input: Tensor, memory_format=None) -> Tensor:
    """Self if already C-contiguous, else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    r = np.asarray(input._data, order="C")
    if STATE.enabled and input._rg:
        from .pointwise import CloneBackward0
        return record1(CloneBackward0(), r, input)
    return _wrap(r)


def repeat_interleave(input: Tensor, repeats=None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each element (or slice along ``dim``; of the flattened tensor when ``dim`` is None)
    repeated ``repeats`` times in place: an int, or a tensor of counts per slice. With the
    tensor of counts alone, the indices ``0..n-1`` each repeated by its count."""
    if repeats is None:
        counts = input._data
        if counts.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        return _wrap(_repeat_indices(counts, output_size))
    if dim is None:
        input, dim = input.flatten(), 0
    d = wrap_dim(dim, input._data.ndim)
    if isinstance(repeats, Tensor):
        counts = repeats._data
        if counts.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        size = input._data.shape[d] if input._data.ndim else 1
        if counts.ndim == 0:
            counts = np.full(size, counts)
        elif counts.shape[0] != size:
            raise RuntimeError("repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {counts.shape[0]} and input.size({d}) = "
                               f"{size}")
        # PyTorch's composite: an index_select of the repeated positions
        return input.index_select(d, _wrap(_repeat_indices(counts, output_size)))
    repeats = int(repeats)
    if repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    if output_size is not None and output_size != input._data.shape[d] * repeats:
        raise RuntimeError("allocated size does not match required size")
    # PyTorch's composite: a new dim expanded, made contiguous, viewed back into dim
    shape = input._data.shape
    wide = input.unsqueeze(d + 1).expand(shape[:d + 1] + (repeats,) + shape[d + 1:])
    return wide.contiguous().view(shape[:d] + (shape[d] * repeats,) + shape[d + 1:])


def _repeat_indices(counts: np.ndarray, output_size) -> np.ndarray:
    if counts.dtype.kind not in "iu":
        raise NotImplementedError('"repeat_interleave_cpu" not implemented for '
                                  f"'{_dtype.from_np(counts.dtype)._legacy[:-6]}'")
    if counts.size and counts.min() < 0:
        raise RuntimeError("repeats can not be negative")
    if output_size is not None and output_size != int(counts.sum()):
        raise RuntimeError("allocated size does not match required size")
    return np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)


def repeat(input: Tensor, *sizes) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along each dim (new leading dims allowed)."""
    reps = _sizes(sizes, "repeat", "repeats")
    d = input._data
    if len(reps) < d.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    for r in reps:
        if r < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {r}: "
                               f"{list(reps)}")
    src = d.reshape((1,) * (len(reps) - d.ndim) + d.shape)
    data = np.tile(src, reps)
    if not data.flags.c_contiguous or data is src:
        data = np.array(data, copy=True)
    if STATE.enabled and input._rg:
        node = RepeatBackward0()
        node.reps = reps
        node.shape = d.shape
        return record1(node, data, input)
    return _wrap(data)


class RepeatBackward0(Node):
    __slots__ = ("reps", "shape")

    def backward(self, grad):          # each dim split into (repeat, size): sum the repeats
        reps, shape = self.reps, self.shape
        lead = len(reps) - len(shape)
        full = (1,) * lead + tuple(shape)
        split = []
        for r, s in zip(reps, full):
            split += [r, s]
        g = anp.sum(anp.reshape(grad, tuple(split)), tuple(range(0, 2 * len(reps), 2)))
        return anp.reshape(g, shape),


def tile(input: Tensor, dims) -> Tensor:
    """``repeat`` with ``dims`` padded by leading ones to the tensor's rank."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    n = input._data.ndim
    if len(dims) < n:
        dims = (1,) * (n - len(dims)) + dims
    return repeat(input, dims)


def _tensor_list(tensors, fname: str) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{fname}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        "not Tensor")
    tensors = list(tensors)
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(x).__name__}")
    return tensors


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Concatenate along an existing dim."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    arrays = [x._data for x in tensors]
    d = _cat_plain(arrays, dim)
    if d is not None:
        parts, skip, rt = arrays, None, arrays[0].dtype
    else:
        d, parts, skip = _cat_checked(tensors, dim)
        rt = _dtype.result_type(*parts).np if len(parts) > 1 else parts[0]._data.dtype
        parts = [x._data for x in parts]
    shape = list(parts[0].shape)
    shape[d] = sum(a.shape[d] for a in parts)
    data = np.empty(shape, rt)   # C order whatever the inputs' layouts
    np.concatenate(parts, axis=d, out=data, casting="unsafe")
    if STATE.enabled and any(x._rg for x in tensors):
        node = CatBackward0()
        node.dim = d
        node.sizes = [a.shape[d] if a.ndim > d else 0 for a in arrays]
        node.skip = skip or [False] * len(arrays)
        res = record(node, data, tensors)
    else:
        res = _wrap(data)
    if out is not None:
        from .pointwise import _out
        return _out(res, out)
    return res


def _cat_plain(arrays: list, dim: int):
    """The wrapped dim when the arrays share one dtype and rank (at least 1, no legacy empty
    1-d one) and agree off ``dim``: the common case, which needs none of the general checks;
    None otherwise."""
    ref = arrays[0]
    nd, dt = ref.ndim, ref.dtype
    if nd == 0:
        return None
    d = wrap_dim(dim, nd)
    for a in arrays:
        if a.ndim != nd or a.dtype is not dt or (nd == 1 and not a.shape[0]):
            return None
        for k in range(nd):
            if k != d and a.shape[k] != ref.shape[k]:
                return None
    return d


def _cat_checked(tensors: list, dim: int) -> tuple:
    """PyTorch's checks of a general ``cat``: the wrapped dim, the tensors that take part and
    which are skipped (the legacy rule: empty 1-d tensors are)."""
    for i, x in enumerate(tensors):
        if x._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    empty = [x._data.ndim == 1 and x._data.shape[0] == 0 for x in tensors]
    parts = [x for x, e in zip(tensors, empty) if not e] or tensors
    skip = [e and len(parts) != len(tensors) for e in empty]
    ref = parts[0]._data
    d = wrap_dim(dim, ref.ndim)
    for i, x in enumerate(tensors):
        xd = x._data
        if skip[i]:
            continue
        if xd.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and "
                               f"{xd.ndim}")
        for k in range(ref.ndim):
            if k != d and xd.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref.shape[k]} but got size {xd.shape[k]} "
                                   f"for tensor number {i} in the list.")
    return d, parts, skip


concat = concatenate = cat


class CatBackward0(Node):
    __slots__ = ("dim", "sizes", "skip")

    def backward(self, grad):          # each input's slice of the gradient
        out = []
        start = 0
        fns = self.next_functions
        for i, (size, skip) in enumerate(zip(self.sizes, self.skip)):
            if skip:                   # a legacy empty 1-d input, skipped by the forward
                out.append(anp.zeros((0,), grad))
                continue
            out.append(anp.narrow(grad, self.dim, start, size) if fns[i][0] is not None
                       else None)
            start += size
        return out


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join tensors of equal shape along a new dim."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, x in enumerate(tensors):
        if x._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape)} at entry 0 and {list(x._data.shape)} at entry "
                               f"{i}")
    d = wrap_dim(dim, len(shape) + 1)
    rt = _dtype.result_type(*tensors).np
    data = np.empty(shape[:d] + (len(tensors),) + shape[d:], rt)
    np.stack([x._data for x in tensors], axis=d, out=data, casting="unsafe")
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
        return anp.unbind(grad, self.dim)


def atleast_1d(*tensors):
    """Tensors with at least one dim (0-d ones become shape [1])."""
    return _atleast(tensors, 1)


def atleast_2d(*tensors):
    return _atleast(tensors, 2)


def atleast_3d(*tensors):
    return _atleast(tensors, 3)


def _atleast(tensors, n: int):
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    out = tuple(_atleast_one(x, n) for x in tensors)
    return out[0] if single else out


def _atleast_one(x: Tensor, n: int) -> Tensor:
    k = x._data.ndim
    if k >= n:
        return x
    if k == 0:
        return reshape(x, (1,) * n)
    if n == 2:
        return unsqueeze(x, 0)
    if k == 1:
        return unsqueeze(unsqueeze(x, 0), -1)
    return unsqueeze(x, -1)


def hstack(tensors, *, out=None) -> Tensor:
    """Concatenate along dim 1 (dim 0 for 1-d tensors)."""
    ts = atleast_1d(*_tensor_list(tensors, "hstack"))
    if not ts:
        raise RuntimeError("hstack expects a non-empty TensorList")
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None) -> Tensor:
    """Concatenate along dim 0 after making every tensor at least 2-d."""
    ts = atleast_2d(*_tensor_list(tensors, "vstack"))
    if not ts:
        raise RuntimeError("vstack expects a non-empty TensorList")
    return cat(ts, 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None) -> Tensor:
    """Concatenate along dim 2 after making every tensor at least 3-d."""
    ts = atleast_3d(*_tensor_list(tensors, "dstack"))
    if not ts:
        raise RuntimeError("dstack expects a non-empty TensorList")
    return cat(ts, 2, out=out)


def column_stack(tensors, *, out=None) -> Tensor:
    """1-d (and 0-d) tensors become columns, then everything joins along dim 1."""
    ts = [reshape(x, (x._data.size, 1)) if x._data.ndim <= 1 else x
          for x in _tensor_list(tensors, "column_stack")]
    if not ts:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    return cat(ts, 1, out=out)


# -- splitting -----------------------------------------------------------------------------------
def _narrow_fn(d: int, start: int, length: int):
    return lambda b: b.narrow(d, start, length)


def split(input: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` (the last may be smaller) or of the given sizes; views."""
    shape = input._data.shape
    d = wrap_dim(dim, len(shape))
    if len(shape) == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    size = shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        for s in sizes:
            if s < 0:
                raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                                   f"entries, but got split_sizes={sizes}")
        if sum(sizes) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
        node = SplitWithSizesBackward0()
    else:
        step = int(split_size_or_sections)
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={step}")
        if step == 0 and size != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {size}")
        n = max(1, -(-size // step)) if step else 1
        sizes = [min(step, size - i * step) for i in range(n)]
        node = SplitBackward0()
    return _split_views(input, d, sizes, node)


def _split_views(input: Tensor, d: int, sizes: list, node) -> tuple:
    data = input._data
    parts, fns = [], []
    start = 0
    lead = (slice(None),) * d
    for s in sizes:
        parts.append(data[lead + (slice(start, start + s),)])
        fns.append(_narrow_fn(d, start, s))
        start += s
    node.dim = d
    node.sizes = sizes
    node.shape = data.shape
    return _multi_views(input, parts, node, fns)


class SplitBackward0(Node):
    __slots__ = ("dim", "sizes", "shape", "_n_out")

    def backward(self, grads):         # the pieces joined again (zeros for those without)
        if self._n_out == 1:   # one piece: the engine hands over its gradient alone
            grads = (grads,)
        parts = []
        ref = next(g for g in grads if g is not None)
        for g, s in zip(grads, self.sizes):
            if g is None:
                shp = list(self.shape)
                shp[self.dim] = s
                g = anp.zeros(tuple(shp), ref)
            parts.append(g)
        return anp.cat(parts, self.dim),


class SplitWithSizesBackward0(SplitBackward0):
    __slots__ = ()


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` pieces of equal size (the last may be smaller); views."""
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    step = -(-size // chunks)
    if step == 0:
        # an empty dim: `chunks` empty pieces
        return _split_views(input, d, [0] * chunks, SplitBackward0())
    return split(input, step, d)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim`` as a tuple of views."""
    data = input._data
    if data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, data.ndim)
    lead = (slice(None),) * d
    parts = [data[lead + (i, Ellipsis)] for i in range(data.shape[d])]
    fns = [(lambda b, i=i: b.select(d, i)) for i in range(len(parts))]
    node = UnbindBackward0()
    node.dim = d
    node.shape = data.shape
    return _multi_views(input, parts, node, fns)


class UnbindBackward0(Node):
    __slots__ = ("dim", "shape", "_n_out")

    def backward(self, grads):
        if self._n_out == 1:   # a size-1 dim: the engine hands over the one gradient alone
            grads = (grads,)
        ref = next(g for g in grads if g is not None)
        return anp.stack([g if g is not None else anp.zeros_like(ref) for g in grads],
                         self.dim),


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Split into ``sections`` near-equal pieces or at ``indices`` (each a slice view)."""
    data = input._data
    if data.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = wrap_dim(dim, data.ndim)
    size = data.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if _kind(ios._data.dtype) not in "iu":
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have "
                               f"integer dtype, but got {ios.dtype}")
        if ios._data.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a "
                               "zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {ios._data.ndim} dims")
        ios = int(ios._data) if ios._data.ndim == 0 else ios._data.tolist()
    if isinstance(ios, (list, tuple)):
        bounds = [0] + [int(i) for i in ios] + [size]
        pieces = []
        for a, b in zip(bounds[:-1], bounds[1:]):
            a = min(max(a + size if a < 0 else a, 0), size)
            b = min(max(b + size if b < 0 else b, 0), size)
            pieces.append((a, max(b - a, 0)))
    else:
        n = int(ios)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        q, r = divmod(size, n)
        pieces = []
        start = 0
        for i in range(n):
            length = q + (1 if i < r else 0)
            pieces.append((start, length))
            start += length
    return tuple(narrow(input, d, a, length) for a, length in pieces)


def _split_dim(name: str, input: Tensor, ios, dim: int, min_dim: int) -> tuple:
    n = input._data.ndim
    if n < min_dim:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dim} dimension, "
                           f"but got a tensor with {n} dimensions!")
    if isinstance(ios, int):
        size = input._data.shape[dim]
        if ios <= 0 or size % ios:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but "
                               f"the size of the dimension {size} is not divisible by the "
                               f"split_size {ios}!")
    return tensor_split(input, ios, dim)


def hsplit(input: Tensor, indices_or_sections) -> tuple:
    return _split_dim("hsplit", input, indices_or_sections,
                      1 if input._data.ndim > 1 else 0, 1)


def vsplit(input: Tensor, indices_or_sections) -> tuple:
    return _split_dim("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections) -> tuple:
    return _split_dim("dsplit", input, indices_or_sections, 2, 3)


# -- slices --------------------------------------------------------------------------------------
def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """``length`` elements of ``dim`` from ``start`` (a view)."""
    data = input._data
    if data.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, data.ndim)
    size = data.shape[d]
    start = int(start)
    length = int(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    idx = (slice(None),) * d + (slice(start, start + length),)
    from .indexing import SliceBackward0
    node = SliceBackward0()
    node.shape = data.shape
    node.index = idx
    return make_view(input, data[idx], node, lambda b: b.narrow(d, start, length))


def _select_at(data: np.ndarray, dim: int, index) -> tuple:
    """``(dim, index)`` of a ``select`` on ``data``, wrapped and checked as PyTorch checks."""
    if data.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, data.ndim)
    size = data.shape[d]
    i = int(index)
    if not -size <= i < size:
        raise IndexError(f"select(): index {i} out of range for tensor of size "
                         f"{list(data.shape)} at dimension {d}")
    return d, i + size if i < 0 else i


def select(input: Tensor, dim: int, index) -> Tensor:
    """The slice at ``index`` along ``dim``, without that dim (a view)."""
    data = input._data
    d, i = _select_at(data, dim, index)
    idx = (slice(None),) * d + (i,)
    from .indexing import SelectBackward0
    node = SelectBackward0()
    node.shape = data.shape
    node.index = idx
    return make_view(input, data[idx + (Ellipsis,)], node, lambda b: b.select(d, i))


# -- flips, rolls, triangles -------------------------------------------------------------------
def flip(input: Tensor, *dims) -> Tensor:
    """Reverse the order of elements along ``dims`` (a copy, in the input's layout)."""
    data = input._data
    dims = _dims_arg(dims)
    n = data.ndim
    wd = []
    for x in dims:
        w = wrap_dim(x, n)
        if w in wd:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        wd.append(w)
    r = like_layout(data, np.flip(data, tuple(wd)) if wd else data)
    if r is data:
        r = data.copy(order="K")
    if STATE.enabled and input._rg:
        node = FlipBackward0()
        node.dims = tuple(wd)
        return record1(node, r, input)
    return _wrap(r)


class FlipBackward0(Node):
    __slots__ = ("dims",)

    def backward(self, grad):
        return anp.flip(grad, self.dims),


def fliplr(input: Tensor) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input: Tensor) -> Tensor:
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements circularly along ``dims`` (flattened when no dims); a copy."""
    data = input._data
    sh = (shifts,) if isinstance(shifts, int) else tuple(int(s) for s in shifts)
    if dims is None:
        if len(sh) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, dims:0")
        r = np.roll(np.asarray(data, order="C").reshape(-1), sh[0]).reshape(data.shape)
        dl = None
    else:
        dl = (dims,) if isinstance(dims, int) else tuple(int(x) for x in dims)
        if len(sh) != len(dl):
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(sh)}, "
                               f"dims:{len(dl)}")
        dl = tuple(wrap_dim(x, data.ndim) for x in dl)
        r = np.asarray(np.roll(data, sh, dl), order="C")
    if r is data or np.shares_memory(r, data):
        r = r.copy()
    if STATE.enabled and input._rg:
        node = RollBackward0()
        node.shifts = sh
        node.dims = dl
        return record1(node, r, input)
    return _wrap(r)


class RollBackward0(Node):
    __slots__ = ("shifts", "dims")

    def backward(self, grad):          # rolled back
        neg = tuple(-s for s in self.shifts)
        return anp.roll(grad, neg if self.dims is not None else neg[0], self.dims),


def _triangle(input: Tensor, k: int, lower: bool) -> Tensor:
    data = input._data
    name = "tril" if lower else "triu"
    if data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    r = np.tril(data, k) if lower else np.triu(data, k)
    r = np.asarray(r, order="C")
    if STATE.enabled and input._rg:
        node = TrilBackward0() if lower else TriuBackward0()
        node.k = k
        return record1(node, r, input)
    return _wrap(r)


def tril(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    """Zero the elements above the ``diagonal``-th diagonal."""
    res = _triangle(input, int(diagonal), True)
    if out is not None:
        from .pointwise import _out
        return _out(res, out)
    return res


def triu(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    """Zero the elements below the ``diagonal``-th diagonal."""
    res = _triangle(input, int(diagonal), False)
    if out is not None:
        from .pointwise import _out
        return _out(res, out)
    return res


class TrilBackward0(Node):
    __slots__ = ("k",)

    def backward(self, grad):
        return anp.tril(grad, self.k),


class TriuBackward0(Node):
    __slots__ = ("k",)

    def backward(self, grad):
        return anp.triu(grad, self.k),


def _triangle_(input: Tensor, k: int, lower: bool) -> Tensor:
    from . import inplace as _ip
    from .._tensor import check_inplace
    check_inplace(input)
    if _ip.needs_graph(input):
        return _ip.commit(input, _triangle(_ip.snapshot(input), k, lower))
    r = np.tril(input._data, k) if lower else np.triu(input._data, k)
    _ip.write(input, r)
    return input


def tril_(input: Tensor, diagonal: int = 0) -> Tensor:
    return _triangle_(input, int(diagonal), True)


def triu_(input: Tensor, diagonal: int = 0) -> Tensor:
    return _triangle_(input, int(diagonal), False)


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane of ``dims`` (from the first towards the
    second)."""
    data = input._data
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    n = data.ndim
    if n < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {n}")
    d0, d1 = wrap_dim(dims[0], n), wrap_dim(dims[1], n)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    k = k % 4
    if k == 1:
        r = np.swapaxes(like_layout(data, np.flip(data, d1)), d0, d1)
    elif k == 2:
        r = like_layout(data, np.flip(data, (d0, d1)))
    elif k == 3:
        r = np.swapaxes(like_layout(data, np.flip(data, d0)), d0, d1)
    else:
        r = np.array(data, order="C", copy=True)
    if STATE.enabled and input._rg:
        node = Rot90Backward0()
        node.k = k
        node.dims = (d0, d1)
        return record1(node, r, input)
    return _wrap(r)


class Rot90Backward0(Node):
    __slots__ = ("k", "dims")

    def backward(self, grad):
        return anp.rot90(grad, -self.k, self.dims),


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """All windows of ``size`` elements, ``step`` apart, along ``dimension``, as a new last
    dim (a view)."""
    data = input._data
    n = data.ndim
    d = wrap_dim(dimension, n) if n else 0
    length = data.shape[d] if n else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is "
                           f"{size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    st = elem_strides(data)
    count = (length - size) // step + 1
    if n == 0:
        shape, strides = (size,), (1,)
    else:
        shape = data.shape[:d] + (count,) + data.shape[d + 1:] + (size,)
        strides = st[:d] + (st[d] * step,) + st[d + 1:] + (st[d],)
    out = restride(data, shape, strides)
    node = UnfoldBackward0()
    node.args = (d, size, step)
    node.shape = data.shape
    return make_view(input, out, node, lambda b: b.unfold(dimension, size, step))


class UnfoldBackward0(Node):
    __slots__ = ("args", "shape")

    def backward(self, grad):
        from .inplace import view_scatter
        d, size, step = self.args
        return view_scatter(grad, self.shape, lambda b: b.unfold(d, size, step)),


def _varargs_tensors(tensors: tuple) -> list:
    """Varargs or one list/tuple of tensors, as PyTorch's ``TensorList`` functions take them."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return list(tensors[0])
    return list(tensors)


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 0-d/1-d tensors: each output is an expanded view of its input."""
    ts = _varargs_tensors(tensors)
    if indexing is None:
        import warnings
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError('torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f"{indexing}")
    if not ts:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in ts:
        if t._data.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t}")
        if t._data.dtype != ts[0]._data.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    # 'xy' swaps the first two axes: input 0 runs along dim 1 and input 1 along dim 0.
    axes = list(range(len(ts)))
    if indexing == "xy" and len(ts) > 1:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(ts)
    for t, ax in zip(ts, axes):
        shape[ax] = t._data.size
    out = []
    for t, ax in zip(ts, axes):
        vshape = [1] * len(ts)
        vshape[ax] = -1
        out.append(t.view(vshape).expand(shape))
    return tuple(out)


def cartesian_prod(*tensors) -> Tensor:
    """The Cartesian product of 1-d tensors, one row per combination."""
    ts = _tensor_list(tensors, "cartesian_prod")
    for t in ts:
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._data.shape)}")
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(ts, indexing="ij")
    return stack([g.flatten() for g in grids], 1)


def block_diag(*tensors) -> Tensor:
    """A block-diagonal matrix of the inputs (0-d as 1x1, 1-d as one row)."""
    ts = _tensor_list(tensors, "block_diag")
    mats = []
    for i, t in enumerate(ts):
        d = t._data
        if d.ndim > 2:
            raise RuntimeError("torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {d.ndim} dimensions")
        mats.append(d.reshape((1,) * (2 - d.ndim) + d.shape))
    if not ts:
        return _wrap(np.empty((1, 0), _dtype.get_default_dtype().np))
    rt = _dtype.result_type(*ts).np if len(ts) > 1 else mats[0].dtype
    out = np.zeros((sum(m.shape[0] for m in mats), sum(m.shape[1] for m in mats)), rt)
    r = c = 0
    for m in mats:
        out[r:r + m.shape[0], c:c + m.shape[1]] = m
        r += m.shape[0]
        c += m.shape[1]
    if STATE.enabled and any(t._rg for t in ts):
        node = BlockDiagBackward0()
        node.shapes = [t._data.shape for t in ts]
        return record(node, out, ts)
    return _wrap(out)


class BlockDiagBackward0(Node):
    """Each input's block of the gradient, in the input's own shape."""

    __slots__ = ("shapes",)

    def backward(self, grad):
        out = []
        r = c = 0
        for shape in self.shapes:
            h, w = ((1,) * (2 - len(shape)) + tuple(shape))
            block = anp.narrow(anp.narrow(grad, 0, r, h), 1, c, w)
            out.append(anp.reshape(block, tuple(shape)))
            r += h
            c += w
        return tuple(out)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of a 1-d tensor's elements, one per row, in
    ``itertools.combinations`` order (``combinations_with_replacement`` with the flag).

    Built as PyTorch composes it (masked selections of an ``r``-fold meshgrid, stacked), so
    the gradient and its ``grad_fn`` (``StackBackward0``) are PyTorch's."""
    from .indexing import masked_select
    if input._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input._data.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return Tensor._wrap(np.empty(0, input._data.dtype))
    n = input._data.size
    idx = np.meshgrid(*([np.arange(n)] * r), indexing="ij")
    mask = np.ones(idx[0].shape, bool)
    for i in range(r - 1):
        mask &= (idx[i] <= idx[i + 1]) if with_replacement else (idx[i] < idx[i + 1])
    m = Tensor._wrap(mask)
    grids = meshgrid(*([input] * r), indexing="ij")
    return stack([masked_select(g, m) for g in grids], 1)


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    """Views of ``input`` of the given sizes along ``dim`` (they must add up to its size)."""
    if not isinstance(split_sizes, (list, tuple)) or \
            not all(isinstance(s, (int, np.integer)) for s in split_sizes):
        raise TypeError(f"split_with_sizes(): argument 'split_sizes' (position 1) must be "
                        f"tuple of ints, not {type(split_sizes).__name__}")
    return split(input, list(split_sizes), dim)


# -- the *_scatter ops: a copy of input with src written over one view of it -------------------
def _scatter_region(a: np.ndarray, kind: str, args: tuple) -> np.ndarray:
    """The writable NumPy view of ``a`` that ``kind`` (diagonal, select or slice) scatters
    into; ``args`` are the op's normalized arguments."""
    if kind == "diagonal":
        from .linalg import _diag_view_np
        return _diag_view_np(a, *args)
    d, i = args
    return a[(slice(None),) * d + (i, Ellipsis)]      # (Ellipsis: a 0-d view, not a scalar)


def _view_scatter(input: Tensor, src: Tensor, kind: str, args: tuple, node_cls) -> Tensor:
    out = np.array(input._data, order="C")
    region = _scatter_region(out, kind, args)
    if region.shape != src._data.shape:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src._data.shape)}, slice size = {list(region.shape)}")
    region[...] = src._data
    if STATE.enabled and (input._rg or src._rg):
        node = node_cls()
        node.kind, node.args = kind, args
        return record(node, out, (input, src))
    return Tensor._wrap(out)


class DiagonalScatterBackward0(Node):
    __slots__ = ("kind", "args")

    def backward(self, grad):          # input: grad with the region zeroed; src: the region
        fi, fs = self.next_functions
        gi = gs = None
        if anp.is_array(grad):
            if fi[0] is not None:
                gi = np.array(grad, order="C")
                _scatter_region(gi, self.kind, self.args)[...] = 0
            if fs[0] is not None:
                gs = np.array(_scatter_region(grad, self.kind, self.args))
            return gi, gs
        reg = _region_of(grad, self.kind, self.args)
        if fi[0] is not None:
            gi = _view_scatter(grad, anp.zeros_like(reg), self.kind, self.args, type(self))
        return gi, (reg if fs[0] is not None else None)


class SelectScatterBackward0(DiagonalScatterBackward0):
    __slots__ = ()


class SliceScatterBackward0(DiagonalScatterBackward0):
    __slots__ = ()


def _region_of(t: Tensor, kind: str, args: tuple) -> Tensor:
    """The region as an ember view (the create_graph form of the formula)."""
    if kind == "diagonal":
        from .linalg import diagonal
        return diagonal(t, *args)
    d, i = args
    if isinstance(i, slice):
        from .indexing import getitem
        return getitem(t, (slice(None),) * d + (i,))
    return select(t, d, i)


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0,
                     dim2: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` on its diagonal (``input.diagonal(offset, dim1,
    dim2)``'s positions)."""
    from .linalg import _diag_dims
    d1, d2 = _diag_dims(input._data.ndim, dim1, dim2)
    return _view_scatter(input, src, "diagonal", (offset, d1, d2), DiagonalScatterBackward0)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``input`` with ``src`` at ``index`` along ``dim``."""
    return _view_scatter(input, src, "select", _select_at(input._data, dim, index),
                         SelectScatterBackward0)


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None,
                  end: int | None = None, step: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` at ``input[..., start:end:step]`` (along ``dim``)."""
    data = input._data
    d = wrap_dim(dim, max(data.ndim, 1))
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    if data.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    size = data.shape[d]
    lo, hi, _ = slice(start, end, step).indices(size)
    sl = slice(lo, max(lo, hi), step)
    return _view_scatter(input, src, "slice", (d, sl), SliceScatterBackward0)
