"""In-place writes: version bumps, and rebasing autograd history onto the written tensor.

An in-place op on ``x`` is computed out of place as ``y`` (recording the graph as usual), then
``y``'s values are written into ``x``'s memory and ``x`` takes over ``y``'s history. When ``x``
is a view, its base's history becomes a ``CopySlices`` node: the gradient outside the view
flows to the old base, the gradient inside it flows to ``y``.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor, check_inplace
from ..autograd.grad_mode import STATE, no_grad
from ..autograd.graph import Node, edge, _sequence

__all__ = ["commit", "snapshot", "CopySlices", "needs_graph"]


def needs_graph(x: Tensor, other=None) -> bool:
    """Whether an in-place op on ``x`` (with ``other``) must record autograd history."""
    if not STATE.enabled:
        return False
    if x._rg or (isinstance(other, Tensor) and other._rg):
        return True
    base = x._base
    return base is not None and base._rg


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


def write(x: Tensor, values: np.ndarray) -> None:
    """Store ``values`` in ``x``'s memory (cast to its dtype) and bump its version."""
    xd = x._data
    if xd.ndim == 0 and not xd.flags.writeable:
        x._data = np.array(values, dtype=xd.dtype)
    else:
        np.copyto(xd, values, casting="unsafe")
    x._bump()


def commit(x: Tensor, y: Tensor) -> Tensor:
    """Make ``x`` hold ``y``: its values always, its autograd history when ``y`` has one."""
    write(x, y._data)
    if y.grad_fn is None:
        return x
    base = x._base
    if base is None:
        x.grad_fn = y.grad_fn
        x._out_nr = y._out_nr
        x._rg = True
        return x
    view_fn = x._view
    node = CopySlices()
    node.view_fn = view_fn
    node.next_functions = (edge(base), edge(y))
    node._in_meta = ((base._data.shape, base._data.dtype), (y._data.shape, y._data.dtype))
    node._saved = ()
    node._result = None
    node._seq = next(_sequence)
    node._hooks = None
    base.grad_fn = node
    base._out_nr = 0
    base._rg = True
    # The view's own history is now "this view of the updated base".
    with _enable():
        v = view_fn(base)
    x.grad_fn = v.grad_fn
    x._out_nr = v._out_nr
    x._rg = True
    return x


class _enable:
    def __enter__(self):
        self.prev = STATE.enabled
        STATE.enabled = True

    def __exit__(self, *exc):
        STATE.enabled = self.prev


class CopySlices(Node):
    """History of a base tensor after an in-place write through one of its views."""

    __slots__ = ("view_fn",)

    def backward(self, grad):
        # The written region's old values no longer reach the output: zero it for the base.
        mask = np.ones(grad._data.shape, dtype=bool)
        with no_grad():
            self.view_fn(Tensor._wrap(mask))._data[...] = False
        grad_base = grad * Tensor._wrap(mask)
        return grad_base, self.view_fn(grad)


def inplace_op(x: Tensor, other, np_fn, graph_fn) -> Tensor:
    """Shared body of binary in-place ops (``add_``, ``mul_``, ...).

    Without a graph the NumPy ufunc writes straight into ``x``; otherwise the out-of-place
    ``graph_fn(snapshot(x), other)`` is committed into ``x``."""
    check_inplace(x)
    if needs_graph(x, other):
        return commit(x, graph_fn(snapshot(x), other))
    from ._util import binary_arrays, broadcast_shapes
    a, b = binary_arrays(x, other)
    xd = x._data
    if a.dtype != xd.dtype and not _can_store(a.dtype, xd.dtype):
        from .._dtype import from_np
        raise RuntimeError(f"result type {_cat_name(from_np(a.dtype))} can't be cast to the "
                           f"desired output type {_cat_name(from_np(xd.dtype))}")
    if isinstance(b, np.ndarray) and b.shape != xd.shape:
        if broadcast_shapes(xd.shape, b.shape) != xd.shape:
            raise RuntimeError(f"output with shape {list(xd.shape)} doesn't match the "
                               f"broadcast shape {list(broadcast_shapes(xd.shape, b.shape))}")
    if xd.ndim == 0 or not xd.flags.writeable:
        write(x, np_fn(a, b))
    else:
        np_fn(a, b, out=xd, casting="unsafe")
        x._bump()
    return x


def _can_store(src, dst) -> bool:
    order = "biufc"
    return order.index(src.kind) <= order.index(dst.kind)


def _cat_name(dt) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat",
            "complex128": "ComplexDouble"}[dt.name]
