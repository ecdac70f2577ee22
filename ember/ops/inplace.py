"""In-place writes: version bumps, and rebasing autograd history onto the written tensor.

An in-place op on ``x`` is computed out of place as ``y`` (recording the graph as usual, with
``x``'s old value as the node's first input), then ``y``'s values are written into ``x``'s
memory and ``x`` takes over ``y``'s history. When ``x`` is a view, its base's history becomes
a ``CopySlices`` node wrapping ``y``'s node, as in PyTorch: the gradient outside the view
flows to the old base, the gradient inside it goes through ``y``'s node. Every other live view
of the base then gets a new history (``AsStridedBackward0`` of the updated base), which
PyTorch regenerates lazily when a view's version is stale.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor, check_inplace
from ..autograd import anp
from ..autograd.grad_mode import STATE, no_grad
from ..autograd.graph import Node, edge, record, record1
from .shape import DEFAULT, MULTI_OUTPUT, replay_fn

__all__ = ["commit", "snapshot", "CopySlices", "needs_graph", "write", "inplace_op",
           "view_scatter"]

_wrap = Tensor._wrap


def _op_name(node) -> str:
    # PyTorch's messages name the forward op: SplitBackward0 -> Split
    name = node.name()
    i = name.rfind("Backward")
    if i <= 0:
        return name
    suffix = name[i + 8:]
    return name[:i] + ("" if suffix == "0" else suffix)


def view_error(x: Tensor, creation: int, indirect: bool) -> RuntimeError:
    """PyTorch's refusal to record an in-place write through a no-grad or multi-output view."""
    modified = "its base or another view of its base has been" if indirect else "is being"
    fn = x.grad_fn
    if fn is not None and x._rg and not isinstance(fn, _StaleView):
        msg = f"Output {x._out_nr} of {_op_name(fn)} is a view and {modified} modified inplace."
    else:
        msg = (f"A view was created in no_grad mode and {modified} modified inplace with grad "
               "mode enabled.")
    if creation == MULTI_OUTPUT:
        msg += (" This view is the output of a function that returns multiple views. Such "
                "functions do not allow the output views to be modified inplace. You should "
                "replace the inplace operation by an out-of-place one.")
    else:
        msg += (" Given that this use case is ambiguous and error-prone, it is forbidden. You "
                "can clarify your code by moving both the view and the inplace either both "
                "inside the no_grad block (if you don't want the inplace to be tracked) or both "
                "outside (if you want the inplace to be tracked).")
    return RuntimeError(msg)


def needs_graph(x: Tensor, other=None) -> bool:
    """Whether an in-place op on ``x`` (with ``other``) must record autograd history.

    Raises PyTorch's error when that history would go through a view that may not carry it
    (made in no_grad mode, or one of several outputs of split/chunk/unbind)."""
    if not STATE.enabled:
        return False
    base = x._base
    if x._rg or (isinstance(other, Tensor) and other._rg):
        need = True
    else:
        need = base is not None and base._rg
    if need and base is not None:
        info = x._view
        if info is not None and info[1] != DEFAULT:
            raise view_error(x, info[1], False)
    return need


def snapshot(x: Tensor) -> Tensor:
    """``x``'s current value and history as a separate tensor, safe to save for backward
    while ``x`` itself is overwritten."""
    t = Tensor._wrap(x._data.copy())
    t._rg = x._rg
    t.grad_fn = x.grad_fn
    t._out_nr = x._out_nr
    if x._rg and x.grad_fn is None:
        # a view of a leaf never reaches here (check_inplace); a leaf keeps its accumulator
        t._meta_state().accum = x._accumulator()
    return t


def write(x: Tensor, values) -> None:
    """Store ``values`` in ``x``'s memory (cast to its dtype) and bump its version."""
    xd = x._data
    if xd.ndim == 0 and not xd.flags.writeable:
        x._data = np.array(values, dtype=xd.dtype)
    else:
        np.copyto(xd, values, casting="unsafe")
    x._bump()


def commit(x: Tensor, y: Tensor) -> Tensor:
    """Make ``x`` hold ``y``: its values always, its autograd history when ``y`` has one."""
    old = edge(x)
    write(x, y._data)
    fn = y.grad_fn
    if fn is None:
        return x
    res = fn._result
    if res is not None and res[0] is y._data:
        # the node saved its output: that is now x, whose later writes must be detected
        vc = x._vc
        fn._result = (x._data, vc, vc.v)
    base = x._base
    if base is None:
        x.grad_fn = fn
        x._out_nr = y._out_nr
        x._rg = True
        refresh_views(x, None)
        return x
    node = CopySlices()
    node.view_fn = replay_fn(x._view[0])
    node.shape = base._data.shape
    if fn._n_out == 1 and fn.next_functions and fn.next_functions[0] == old:
        # PyTorch's form: CopySlices runs fn on the view's part of the gradient
        record(node, (), (base,))
        # (edges copied, not shared: the tape walk counts an accumulator's consumers by the
        # references to it, one per edge tuple)
        node.next_functions = node.next_functions + tuple(
            (f, nr) for f, nr in fn.next_functions[1:])
        node._in_meta = node._in_meta + fn._in_meta[1:]
        node.fn = fn
    else:
        record(node, (), (base, y))
        node.fn = None
    base.grad_fn = node
    base._out_nr = 0
    base._rg = True
    x.grad_fn = as_strided_node(base, replay_fn(x._view[0]))
    x._out_nr = 0
    x._rg = True
    refresh_views(base, x)
    return x


def refresh_views(base: Tensor, written) -> None:
    """Give every other live view of ``base`` its history as a view of the updated base."""
    views = base._vc.views if base._vc is not None else None
    if views is None:
        return
    for w in views.live():
        if w is written or w._base is not base:
            continue
        fn, creation = w._view
        if creation == DEFAULT:
            w.grad_fn = as_strided_node(base, replay_fn(fn))
        else:
            node = _StaleView()
            node.error = view_error(w, creation, True)
            record(node, (), ())
            w.grad_fn = node
        w._out_nr = 0
        w._rg = True


def as_strided_node(base: Tensor, view_fn) -> "AsStridedBackward0":
    node = AsStridedBackward0()
    node.view_fn = view_fn
    node.shape = base._data.shape
    record(node, (), (base,))
    return node


# -- putting values into a view's region of a base-shaped array ----------------------------------
def _overlaps(a: np.ndarray) -> bool:
    """Whether two elements of ``a`` may share memory (sufficient test: each stride exceeds
    the span of the dims with smaller strides)."""
    dims = sorted((abs(s), n) for s, n in zip(a.strides, a.shape) if n > 1)
    span = 0
    for s, n in dims:
        if s <= span:
            return True
        span += (n - 1) * s
    return False


def put_region(out: np.ndarray, view_fn, values, add: bool) -> None:
    """Write (or add) ``values`` into the elements of the C-contiguous ``out`` that
    ``view_fn`` selects. Overlapping views (expand) accumulate when adding."""
    with no_grad():
        region = view_fn(_wrap(out))._data
    if np.may_share_memory(region, out) and not _overlaps(region):
        if add:
            np.add(region, values, out=region, casting="unsafe")
        else:
            region[...] = values
        return
    # The replay copied (or repeats elements): address the base through an index map.
    with no_grad():
        idx = view_fn(_wrap(np.arange(out.size).reshape(out.shape)))._data
    flat = out.reshape(-1)
    if add:
        np.add.at(flat, idx, values)
    else:
        flat[idx] = values


def view_of(x, view_fn):
    """The view ``view_fn`` (written for tensors) of ``x``, an array or a tensor."""
    if anp.is_array(x):
        with no_grad():
            return view_fn(_wrap(np.asarray(x)))._data
    return view_fn(x)


def view_scatter(values, shape: tuple, view_fn, name: str | None = None):
    """Zeros of ``shape`` with ``values`` added into the region ``view_fn`` selects (the
    backward of a view); on arrays or (differentiably) on tensors."""
    if anp.is_array(values):
        out = np.zeros(shape, values.dtype)
        put_region(out, view_fn, values, True)
        return out
    out = np.zeros(shape, values._data.dtype)
    put_region(out, view_fn, values._data, True)
    if STATE.enabled and values._rg:
        node = AsStridedScatterBackward0()
        node.view_fn = view_fn
        node._name = name
        return record1(node, out, values)
    return _wrap(out)


class AsStridedScatterBackward0(Node):
    """Backward of ``view_scatter``: read the region back."""

    __slots__ = ("view_fn", "_name")

    def name(self) -> str:
        return self._name or type(self).__name__

    def backward(self, grad):
        return view_of(grad, self.view_fn),


class AsStridedBackward0(Node):
    """History of a view regenerated from its base: the gradient goes into the view's region
    of zeros shaped like the base."""

    __slots__ = ("view_fn", "shape")

    def backward(self, grad):
        return view_scatter(grad, self.shape, self.view_fn),


class _StaleView(Node):
    """History of a no-grad or multi-output view whose base was modified in place since."""

    __slots__ = ("error",)

    def name(self) -> str:
        return "Invalid"

    def backward(self, grad):
        raise self.error


def _outside(grad, view_fn, inside):
    """``grad`` with the view's region replaced by ``inside`` (zeros when None): written into
    a copy of an array; masked and added (differentiably) for a tensor."""
    if anp.is_array(grad):
        out = np.array(grad, order="C")
        put_region(out, view_fn, 0 if inside is None else inside, False)
        return out
    shape = grad._data.shape
    mask = np.ones(shape, dtype=bool)
    put_region(mask, view_fn, False, False)
    g = grad * _wrap(mask)
    if inside is not None:
        g = g + view_scatter(inside, shape, view_fn)
    return g


class CopySlices(Node):
    """History of a base tensor after an in-place write through one of its views."""

    __slots__ = ("view_fn", "fn", "shape")

    def name(self) -> str:
        return "torch::autograd::CopySlices"

    def backward(self, grad):          # outside the view: grad; inside: through fn
        vf = self.view_fn
        fn = self.fn
        if fn is None:
            return _outside(grad, vf, None), view_of(grad, vf)
        inside = view_of(grad, vf)
        res = tuple(fn.backward(inside))
        g0 = res[0]
        meta = fn._in_meta[0]
        if g0 is not None and meta is not None:
            g0 = anp.astype(anp.sum_to(g0, meta[0]), meta[1])
        elif meta is None:
            g0 = None
        return (_outside(grad, vf, g0),) + res[1:]

    def _release_extra(self) -> None:
        if self.fn is not None:
            self.fn._release()


def inplace_op(x: Tensor, other, np_fn, graph_fn) -> Tensor:
    """Shared body of binary in-place ops (``add_``, ``mul_``, ...).

    Without a graph the NumPy ufunc writes straight into ``x``; otherwise the out-of-place
    ``graph_fn(snapshot(x), other)`` is committed into ``x``."""
    check_inplace(x)
    if needs_graph(x, other):
        return commit(x, graph_fn(snapshot(x), other))
    from ._util import binary_arrays, broadcast_shapes, tname
    a, b = binary_arrays(x, other)
    xd = x._data
    if a.dtype != xd.dtype and not _can_store(a.dtype, xd.dtype):
        raise RuntimeError(f"result type {tname(a.dtype)} can't be cast to the "
                           f"desired output type {tname(xd.dtype)}")
    if isinstance(b, np.ndarray) and b.shape != xd.shape:
        if broadcast_shapes(xd.shape, b.shape) != xd.shape:
            raise RuntimeError(f"output with shape {list(xd.shape)} doesn't match the "
                               f"broadcast shape {list(broadcast_shapes(xd.shape, b.shape))}")
    if xd.dtype == _dtype.BF16:
        # in float32, rounded once; a Python number stays float32 for * and / but is rounded
        # to bfloat16 first for + and - (as by PyTorch's kernels)
        f = np.float32
        if not isinstance(b, np.ndarray) and (np_fn is np.add or np_fn is np.subtract):
            b = float(np.asarray(b, xd.dtype))
        r = np_fn(a.astype(f), b.astype(f) if isinstance(b, np.ndarray) else b)
        write(x, r.astype(xd.dtype) if r.dtype == f else r)
    elif xd.ndim == 0 or not xd.flags.writeable:
        write(x, np_fn(a, b))
    else:
        np_fn(a, b, out=xd, casting="unsafe")
        x._bump()
    return x


def _can_store(src, dst) -> bool:
    order = "biufc"
    return order.index(_dtype.kind(src)) <= order.index(_dtype.kind(dst))
