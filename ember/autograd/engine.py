"""The backward engine: an iterative walk of the graph, in PyTorch's order.

1. Count each node's incoming edges from the roots (iteratively: no recursion limit).
2. Seed the roots' gradients; run ready nodes, latest-created first (a heap on sequence number).
   Each node's ``backward`` formula is written once: without ``create_graph`` gradients are
   NumPy arrays and it runs on arrays; with it they are tensors and it records a graph.
3. Reduce each returned gradient to its input's shape and dtype (broadcasting is undone here,
   once, for every op), and add it out of place into the next node's buffer.
4. AccumulateGrad nodes write leaves' ``.grad``; unless ``retain_graph``, each node's saved
   tensors are released once it has run.

``_reference`` is exactly these steps, written to be read. By default a plain backward
(no targets, ``create_graph`` or anomaly mode) takes ``_tape``, the same walk without step 1:
nodes are created after their inputs' nodes, so running the reached ones latest-created first
is the order the counts give, and only accumulators need to know when their last gradient has
arrived. Everything else takes ``_fast``, ``_reference`` with its per-node work written out.
The tests run all three and compare them.

With targets (``autograd.grad``, ``backward(inputs=...)``) only the nodes leading to them run;
the others are neither called nor released, and their hooks do not fire, as in PyTorch.
Hooks run in PyTorch's order: tensor hooks, retain_grad, node pre-hooks, the node, node
post-hooks (which see gradients already reduced to the inputs' shapes).
"""
from __future__ import annotations

import itertools
import sys
from heapq import heappop, heappush
import warnings
from collections.abc import Mapping

import numpy as np

from .. import _dtype
from .._autograd_state import ANOMALY, STATE
from .._dtype import from_np, kind as _kind
from .._errstate import QUIET, quiet_off, quiet_on
from .._size import Size
from .._tensor import Tensor
from .graph import AccumulateGrad, Node, apply_backward, edge

_ndarray = np.ndarray
_wrap = Tensor._wrap
# NumPy scalar types whose scalar + rounds as the ufunc does (bfloat16's may round twice)
_IEEE_SCALARS = frozenset((np.float16, np.float32, np.float64))
_OBJECT = np.dtype(object)    # (what a gradient without a dtype is taken for: not complex)

__all__ = ["backward", "grad"]

_FIRST = -(1 << 62)  # AccumulateGrad runs as soon as it is ready, as in PyTorch

_WARNED_CREATE_GRAPH: list = []
_CREATE_GRAPH_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the "
    "parameter and its gradient which can cause a memory leak. We recommend using "
    "autograd.grad when creating the graph to avoid this. If you have to use this function, "
    "make sure to reset the .grad fields of your parameters to None after use to break the "
    "cycle and avoid the leak. (Triggered internally at "
    "/__w/pytorch/pytorch/torch/csrc/autograd/engine.cpp:1307.)")


def _make_grads(outputs, grad_outputs, Tensor, create_graph: bool,
                batched: bool = False) -> list:
    if grad_outputs is not None and len(grad_outputs) < len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if grad_outputs is not None else None
        if g is None:
            if not out._rg:
                grads.append(None)  # reported by _check_outputs, as PyTorch orders it
                continue
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not _dtype.is_float_np(out._data.dtype):
                raise RuntimeError("grad can be implicitly created only for real scalar "
                                   f"outputs but got {out.dtype}")
            g = Tensor._wrap(np.ones_like(out._data))
        else:
            if not isinstance(g, Tensor):
                raise TypeError(f"gradients can be either Tensors or None, but got "
                                f"{type(g).__name__}")
            gshape = g._data.shape[1:] if batched else g._data.shape
            if gshape != out._data.shape:
                if batched:
                    # PyTorch reports the shape of grad_output[i][0] minus its first dim
                    raise RuntimeError(
                        "If `is_grads_batched=True`, we interpret the first dimension of each "
                        "grad_output as the batch dimension. The sizes of the remaining "
                        "dimensions are expected to match the shape of corresponding output, "
                        f"but a mismatch was detected: grad_output[{i}] has a shape of "
                        f"{Size(gshape[1:])} and output[{i}] has a shape of {out.shape}. If "
                        "you only want some tensors in `grad_output` to be considered "
                        "batched, consider using vmap.")
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{g.shape} and output[{i}] has a shape of {out.shape}.")
            if not create_graph:
                g = g.detach()
        grads.append(g)
    return grads


def tensor_backward(self, gradient=None, retain_graph=None, create_graph: bool = False,
                    inputs=None) -> None:
    """``Tensor.backward`` (bound in ember/_methods.py): gradients of this tensor w.r.t. the
    graph leaves, into their ``.grad``."""
    if gradient is None and inputs is None and not create_graph and self._rg and \
            self._data.size == 1 and _kind(self._data.dtype) == "f":
        backward_scalar(self, retain_graph)
        return
    backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph,
             inputs=inputs)


def backward_scalar(t, retain_graph) -> None:
    """``t.backward()`` of a floating one-element tensor that requires grad: the common call,
    without the general entry's argument handling (the same work otherwise)."""
    d = t._data
    g = np.ones(d.shape, d.dtype) if d.ndim else np.array(1, d.dtype)
    _execute([edge(t)], [g], bool(retain_graph), False, None)


def _check_outputs(outputs) -> None:
    for i, t in enumerate(outputs):
        if not t._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")


def _inputs_tuple(inputs, Tensor, fname: str) -> tuple:
    if isinstance(inputs, Tensor):
        return (inputs,)
    if type(inputs) is dict:
        return tuple(inputs.values())
    if isinstance(inputs, Mapping):
        raise TypeError(f"`inputs` argument to `{fname}()` must be a dict, not "
                        f"{type(inputs).__name__}. Other Mapping types are not supported.")
    inputs = tuple(inputs)
    if not inputs:
        raise RuntimeError(f"`inputs` argument to `{fname}()` cannot be empty.")
    return inputs


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             grad_variables=None, inputs=None) -> None:
    """Accumulate into leaves' ``.grad`` the gradients of ``tensors`` (``torch.autograd
    .backward``)."""
    if grad_variables is not None:
        warnings.warn("`grad_variables` is deprecated. Use `grad_tensors` instead.",
                      FutureWarning, stacklevel=2)
        if grad_tensors is not None:
            raise RuntimeError("`grad_tensors` and `grad_variables` (deprecated) arguments both "
                               "passed to `backward()`. Please only use `grad_tensors`.")
        grad_tensors = grad_variables
    if inputs is not None:
        inputs = _inputs_tuple(inputs, Tensor, "backward")
    tensors = (tensors,) if isinstance(tensors, Tensor) else tuple(tensors)
    if isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,)
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(tensors, grad_tensors, Tensor, create_graph)
    _check_outputs(tensors)
    if create_graph and not _WARNED_CREATE_GRAPH:
        _WARNED_CREATE_GRAPH.append(True)   # PyTorch warns once per process
        warnings.warn(_CREATE_GRAPH_WARNING, UserWarning, stacklevel=2)
    roots = [edge(t) for t in tensors]
    if not create_graph:
        grads = _arrays(grads)
    if inputs is None:
        _execute(roots, grads, retain_graph, create_graph, None)
        return
    targets = []
    for t in inputs:
        # As in PyTorch: a non-leaf input gets its gradient through retain_grad() (which
        # also gives the error for a tensor without grad), a leaf through its accumulator.
        if t.grad_fn is not None or not t._rg:
            t.retain_grad()
        targets.append(edge(t))
    _execute(roots, grads, retain_graph, create_graph, targets, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused=None, is_grads_batched: bool = False,
         materialize_grads: bool = False):
    """The gradients of ``outputs`` w.r.t. ``inputs``, returned instead of stored (a dict of
    inputs gives a dict)."""
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    as_dict = type(inputs) is dict
    keys = tuple(inputs) if as_dict else None
    inputs = _inputs_tuple(inputs, Tensor, "grad")
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to "
                      "True). To accumulate gradient for other parts of the graph, please use "
                      "torch.autograd.backward.", FutureWarning, stacklevel=2)
    if isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    elif grad_outputs is not None:
        grad_outputs = tuple(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    for t in outputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"grad(): outputs must be Tensors, got {type(t).__name__}")
    grads = _make_grads(outputs, grad_outputs, Tensor, create_graph, is_grads_batched)
    _check_outputs(outputs)
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"grad(): inputs must be Tensors, got {type(t).__name__}")
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if is_grads_batched:
        result = _batched(outputs, inputs, grads, retain_graph, create_graph, allow_unused)
    else:
        result = _grad_once(outputs, inputs, grads, retain_graph, create_graph, allow_unused)
    if materialize_grads:
        result = [_zeros_for(t, create_graph) if g is None else g
                  for t, g in zip(inputs, result)]
    if as_dict:
        return dict(zip(keys, result))
    return tuple(result)


def _zeros_for(t, requires_grad: bool):
    z = type(t)._wrap(np.zeros_like(t._data))
    z._rg = requires_grad
    return z


def _grad_once(outputs, inputs, grads, retain_graph, create_graph, allow_unused) -> list:
    captured = _execute([edge(t) for t in outputs], grads if create_graph else _arrays(grads),
                        retain_graph, create_graph, [edge(t) for t in inputs])
    result = []
    for i, g in enumerate(captured):
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is "
                                   "the desired behavior.")
        elif not create_graph and g._rg:
            g = g.detach()
        result.append(g)
    return result


def _batched(outputs, inputs, grads, retain_graph, create_graph, allow_unused) -> list:
    """``is_grads_batched``: one backward per slice of the grad_outputs' first dim, stacked
    (PyTorch vmaps this; the results are the same)."""
    from ..ops.shape import stack
    sizes = {g._data.shape[0] for g in grads if g is not None}
    if len(sizes) > 1:
        raise RuntimeError("vmap: Expected all tensors to have the same size in the mapped "
                           f"dimension, got sizes {sorted(sizes)} for the mapped dimension")
    n = sizes.pop() if sizes else 1
    rows = []
    for b in range(n):
        gb = [None if g is None else g[b] for g in grads]
        keep = retain_graph or b < n - 1
        rows.append(_grad_once(outputs, inputs, gb, keep, create_graph, allow_unused))
    result = []
    for i in range(len(inputs)):
        col = [r[i] for r in rows]
        result.append(None if col[0] is None else stack(col))
    return result


# References to a gradient array when only the engine holds it: the arguments of _accumulate,
# _accumulate_raw and _private, and getrefcount's own (callers pop it from their list first).
_ENGINE_REFS = 4


def _private(d) -> bool:
    """Whether the gradient array ``d`` is fresh and seen by nothing else, so a leaf may keep
    it as its ``.grad`` without a copy (PyTorch steals such buffers too). A full contiguous
    view of such a buffer (a transposed weight gradient) qualifies as well; any doubt means a
    copy."""
    if d.__class__ is not _ndarray or not d.flags.writeable or \
            sys.getrefcount(d) > _ENGINE_REFS:
        return False
    b = d.base
    if b is None:
        return d.flags.owndata
    # referenced only by d (and here): no other view of it is alive anywhere
    return (b.__class__ is _ndarray and b.base is None and b.flags.owndata
            and b.size == d.size and d.flags.c_contiguous and sys.getrefcount(b) == 3)


def _accumulate_raw(t, g) -> None:
    """Add the gradient array ``g`` into the leaf ``t``'s ``.grad``."""
    old = t._grad
    if old is None:
        if g.__class__ is not _ndarray:
            t._grad = _wrap(np.array(g))       # a NumPy scalar from a 0-d formula
        elif _private(g):
            t._grad = _wrap(g)
        else:
            t._grad = _wrap(g.copy())
    elif old._rg:
        t._grad = old + _wrap(g)
    else:
        d = old._data
        if not d.ndim and g.__class__ in _IEEE_SCALARS and d.dtype is g.dtype:
            # a scalar graph's leaf: scalar addition, bit for bit the ufunc's, is 10x cheaper
            # than ``+=`` on a 0-d array
            d[()] = d[()] + g
        else:
            d += g


def _accumulate_into(t, g, create_graph: bool) -> None:
    if t._grad is None:
        t._grad = g if create_graph else type(g)._wrap(g._data.copy())
    elif create_graph or t._grad._rg:
        t._grad = t._grad + g
    else:
        t._grad._data += g._data


def _run_accumulate(node: AccumulateGrad, g, create_graph: bool) -> None:
    """A leaf's accumulator with hooks (or building a graph): tensor hooks, accumulate,
    post-accumulate hooks."""
    t = node._var()
    if t is None:
        return
    m = t._meta
    if m is not None and m.hooks:
        g = _tensor_hooks(m.hooks, g)
    _accumulate_into(t, g, create_graph)
    if m is not None and m.post_acc_hooks:
        for hook in tuple(m.post_acc_hooks.values()):
            hook(t)


def _hook_name(hook) -> str:
    return getattr(hook, "__name__", "<unknown>")


def _check_value(hook, old, new) -> None:
    """PyTorch's checks of a gradient a hook returned in place of ``old``."""
    if not isinstance(new, type(old)):
        raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
    if new._data.shape != old._data.shape:
        raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the size of value")
    if new._data.dtype != old._data.dtype:
        raise RuntimeError(f"hook '{_hook_name(hook)}' has changed the type of value (was "
                           f"torch.{old.dtype._legacy} got torch.{new.dtype._legacy})")


def _tensor_hooks(hooks: dict, g):
    for hook in tuple(hooks.values()):
        r = hook(g)
        if r is not None:
            _check_value(hook, g, r)
            g = r
    return g


def _check_values(hook, old, new) -> list:
    if not isinstance(new, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(new).__name__}'")
    if len(new) != len(old):
        raise RuntimeError(f"hook '{_hook_name(hook)}' has returned an incorrect number of "
                           f"values (got {len(new)}, but expected {len(old)})")
    for o, n in zip(old, new):
        if o is not None and n is not None:
            _check_value(hook, o, n)
    return list(new)


def _tensor_pre_hooks(grads: list, hooks, create_graph: bool) -> list:
    """Hooks of the tensors this node produced, then their retain_grad (PyTorch's order)."""
    for nr, hd in hooks.tensor_pre.items():
        g = grads[nr]
        if g is not None:
            grads[nr] = _tensor_hooks(hd, g)
    for nr, ref in hooks.retain.items():
        t = ref()
        g = grads[nr]
        if t is not None and g is not None:
            if t._grad is None:
                t._grad = g if create_graph else type(g)._wrap(g._data.copy())
            else:
                t._grad = t._grad + g
    return grads


def _pre_hooks(node: Node, grads: list, hooks, create_graph: bool) -> list:
    """Tensor hooks, then retain_grad, then the node's own pre-hooks (PyTorch's order)."""
    if hooks.tensor_pre or hooks.retain:
        grads = _tensor_pre_hooks(grads, hooks, create_graph)
    for hook in tuple(hooks.pre.values()):
        r = hook(tuple(grads))
        if r is not None:
            grads = _check_values(hook, grads, r)
    return grads


def _capture_only(node: Node, grads: list, create_graph: bool) -> list:
    """A target that need not run: only the hooks of its tensors fire (a leaf's hooks for
    its accumulator), as in PyTorch."""
    if node.__class__ is AccumulateGrad:
        t = node._var()
        m = None if t is None else t._meta
        if m is not None and m.hooks and grads[0] is not None:
            grads[0] = _tensor_hooks(m.hooks, grads[0])
        return grads
    hooks = node._hooks
    if hooks is not None:
        grads = _tensor_pre_hooks(grads, hooks, create_graph)
    return grads


def _post_hooks(node: Node, grad_in, grads, hooks) -> list:
    """The node's post-hooks see its input gradients already reduced and cast to the inputs'
    shapes and dtypes, as in PyTorch."""
    grad_in = list(grad_in)
    metas = node._in_meta
    for i, (nxt, _) in enumerate(node.next_functions):
        g = grad_in[i]
        if nxt is not None and g is not None:
            shape, dt = metas[i]
            if g._data.shape != shape:
                g = _reduce(g, shape, node, i)
            if g._data.dtype != dt:
                g = _cast_tensor(g, dt)
            grad_in[i] = g
    for hook in tuple(hooks.post.values()):
        r = hook(tuple(grad_in), tuple(grads))
        if r is not None:
            grad_in = _check_values(hook, grad_in, r)
    return grad_in


def _prune(deps: dict, roots: list, targets: set, accumulate: bool) -> set:
    """The nodes that must run to reach a target: those with a child from which a target is
    reachable (for ``backward(inputs=...)`` also the targets themselves, as PyTorch runs
    them)."""
    indeg = dict(deps)
    order = []
    ready = [n for n in roots if indeg.get(n, 0) == 0]
    seen = set(ready)
    while ready:
        n = ready.pop()
        order.append(n)
        for nxt, _ in n.next_functions:
            if nxt is not None:
                indeg[nxt] -= 1
                if indeg[nxt] == 0 and nxt not in seen:
                    seen.add(nxt)
                    ready.append(nxt)
    reach = set()
    execute = set()
    for n in reversed(order):
        if any(nx in reach for nx, _ in n.next_functions):
            execute.add(n)
            reach.add(n)
        elif n in targets:
            reach.add(n)
            if accumulate:
                execute.add(n)
    return execute


def _dependencies(roots: list) -> tuple:
    """The distinct root nodes, and how many edges reach each node below them (iteratively:
    no recursion limit)."""
    root_nodes = []
    for node, _ in roots:
        if node is not None and node not in root_nodes:
            root_nodes.append(node)
    deps = dict.fromkeys(root_nodes, 0)    # (a root reached from another is not walked twice)
    stack = list(root_nodes)
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None:
                n = deps.get(nxt)
                if n is None:
                    deps[nxt] = 1
                    stack.append(nxt)
                else:
                    deps[nxt] = n + 1
    return root_nodes, deps


def _reference(roots: list, root_grads: list, retain_graph: bool, create_graph: bool,
               targets, accumulate: bool = False):
    """The engine's algorithm as plainly as it can be written: the four steps of the module
    docstring and nothing else. ``_execute`` below computes exactly the same (the tests run
    both), with shortcuts that make it faster; read this one first."""
    raw = not create_graph     # gradients travel as NumPy arrays unless a graph is built
    # 1. Count each node's incoming edges from the roots.
    root_nodes, deps = _dependencies(roots)
    # autograd.grad: run only what leads to the targets
    capture, execute, results = _targets(targets, deps, root_nodes, accumulate)
    # 2. Seed the roots' gradients; run ready nodes, latest-created first.
    buffers, heap, tie = _seed(roots, root_grads, root_nodes, deps)
    with _BackwardMode(create_graph):
        while heap:
            node = heappop(heap)[1]
            grads = buffers.pop(node, None)
            grads = [grads] if node._n_out == 1 else grads or [None] * node._n_out
            if execute is not None:
                hit = capture.get(node)
                if node not in execute:          # a target that need not run
                    if hit is not None:
                        grads = _user(_capture_only, raw, node, grads, create_graph)
                        if not accumulate:
                            _store(results, hit, grads)
                    continue
                if hit is not None and not accumulate:
                    _store(results, hit, grads)
            hooks = node._hooks
            if hooks is not None:
                grads = _user(_pre_hooks, raw, node, grads, hooks, create_graph)
            if node.__class__ is AccumulateGrad:
                # 4. Accumulators write the leaves' .grad.
                if grads[0] is not None:
                    outs = _tensors(grads) if raw else grads
                    _accumulate(node, grads[0], raw)
                    if hooks is not None and hooks.post:
                        _post_hooks(node, (), outs, hooks)
                continue
            if not node._run_without_grads and all(g is None for g in grads):
                _skip(node, deps, heap, tie, retain_graph)
                continue
            grad_in = apply_backward(node, grads[0] if node._n_out == 1 else grads)
            if hooks is not None and hooks.post:
                grad_in = _user_post(node, grad_in, grads, hooks, raw)
            if ANOMALY.enabled and ANOMALY.check_nan:
                _check_nan(node, grad_in)
            if not retain_graph:
                node._release()
            # 3. Reduce each gradient to its input's shape and dtype, add it to the next
            # node's buffer; a node whose every incoming edge has delivered is ready.
            for i, (nxt, nr) in enumerate(node.next_functions):
                if nxt is None:
                    continue
                if grad_in[i] is not None:
                    g = _fit(grad_in[i], node._in_meta[i], node, i, raw)
                    _add_to_buffer(buffers, nxt, nr, g)
                deps[nxt] -= 1
                if deps[nxt] == 0:
                    heappush(heap, (_priority(nxt, tie), nxt))
    if raw and results is not None:
        results = _tensors(results)
    return results


def _targets(targets, deps: dict, root_nodes: list, accumulate: bool) -> tuple:
    """For ``autograd.grad`` (``targets``, a list of edges): which nodes' gradients to capture
    (node -> [(output_nr, result index)]), which nodes must run, and the results list; all
    None without targets."""
    if targets is None:
        return None, None, None
    capture: dict = {}
    for i, (node, nr) in enumerate(targets):
        if node is not None:
            capture.setdefault(node, []).append((nr, i))
    return capture, _prune(deps, root_nodes, set(capture), accumulate), [None] * len(targets)


def _seed(roots: list, root_grads: list, root_nodes: list, deps: dict) -> tuple:
    """The roots' gradients in their buffers, and the ready heap holding the roots that no
    other root reaches (with the tie counter that orders accumulators)."""
    buffers: dict = {}
    for (node, nr), g in zip(roots, root_grads):
        if node is not None:
            _add_to_buffer(buffers, node, nr, g)
    heap: list = []
    tie = itertools.count(_FIRST)
    for node in root_nodes:
        if deps[node] == 0:
            heappush(heap, (_priority(node, tie), node))
    return buffers, heap, tie


def _priority(node: Node, tie) -> int:
    """Heap key: latest-created first; accumulators (sequence -1) before everything, in the
    order they became ready. Keys are unique, so nodes are never compared."""
    s = node._seq
    return -s if s >= 0 else next(tie)


class _BackwardMode:
    """Grad mode as ``create_graph`` asks, formulas on arrays without it, NumPy quiet (its
    floating-point warnings where PyTorch's kernels give none); restored afterwards."""

    __slots__ = ("create_graph", "prev", "quiet")

    def __init__(self, create_graph: bool) -> None:
        self.create_graph = create_graph

    def __enter__(self) -> None:
        self.prev = STATE.enabled, STATE.arrays
        STATE.enabled = self.create_graph
        STATE.arrays = not self.create_graph
        self.quiet = quiet_on(QUIET)

    def __exit__(self, *exc) -> None:
        quiet_off(self.quiet)
        STATE.enabled, STATE.arrays = self.prev


def _user_post(node: Node, grad_in, grads, hooks, raw: bool):
    """The node's post-hooks, on tensors whichever form the gradients travel in."""
    if raw:
        return _arrays(_post_hooks(node, _tensors(grad_in), _tensors(grads), hooks))
    return _post_hooks(node, grad_in, grads, hooks)


def _cast(g, dt):
    """A gradient in its input's dtype; a complex gradient for a real input is its real part
    (PyTorch's rule), taken without NumPy's ComplexWarning."""
    if g.dtype.kind == "c" and dt.kind != "c":
        g = g.real
    return g.astype(dt)


def _cast_tensor(g, dt):
    """``_cast`` under create_graph: the real part as PyTorch records it (a view,
    SelectBackward0 over ViewAsRealBackward0), then the dtype."""
    if g._data.dtype.kind == "c" and dt.kind != "c":
        g = g.real
        if g._data.dtype == dt:
            return g
    return g.to(from_np(dt))


def _fit(g, meta: tuple, node: Node, i: int, raw: bool):
    """Gradient ``g`` for input ``i`` summed to that input's shape (undoing broadcasting) and
    cast to its dtype."""
    shape, dt = meta
    if raw:
        if g.shape != shape:
            g = _reduce_array(g, shape, node, i)
        return g if g.dtype == dt else _cast(g, dt)
    if g._data.shape != shape:
        g = _reduce(g, shape, node, i)
    return g if g._data.dtype == dt else _cast_tensor(g, dt)


def _execute(roots: list, root_grads: list, retain_graph: bool, create_graph: bool,
             targets, accumulate: bool = False):
    """The fast engine (the default): ``_reference``'s algorithm with its shortcuts."""
    if _USE_REFERENCE:
        return _reference(roots, root_grads, retain_graph, create_graph, targets, accumulate)
    if _USE_TAPE and targets is None and not create_graph and not ANOMALY.enabled and \
            all(n is None or n._seq >= 0 for n, _ in roots):
        return _tape(roots, root_grads, retain_graph)
    return _fast(roots, root_grads, retain_graph, create_graph, targets, accumulate)


_USE_REFERENCE = False
# The tape walk reads reference counts, exact only where a GIL serialises them.
_USE_TAPE = getattr(sys, "_is_gil_enabled", lambda: True)()


def use_tape_order(flag: bool = True) -> bool:
    """Let the fast engine walk a plain backward in tape order (the default) or always count
    dependencies; returns the previous setting. For the tests and benchmarks comparing them."""
    global _USE_TAPE
    prev, _USE_TAPE = _USE_TAPE, bool(flag)
    return prev


def use_reference_engine(flag: bool = True) -> bool:
    """Run every backward on the plain reference engine (``flag=True``) or the fast one;
    returns the previous setting. For teaching and for the tests that compare the two."""
    global _USE_REFERENCE
    prev, _USE_REFERENCE = _USE_REFERENCE, bool(flag)
    return prev


def _fast(roots: list, root_grads: list, retain_graph: bool, create_graph: bool,
          targets, accumulate: bool = False):
    """``_reference`` with its per-node work written out, for what the tape walk leaves to
    it: targets (``autograd.grad``, ``backward(inputs=...)``), ``create_graph`` and anomaly
    mode. With ``targets`` (a list of edges) only what leads to them runs, and their gradients
    are captured and returned (``accumulate``: left to the accumulators and retain_grad of
    ``backward(inputs=...)``).

    Without ``create_graph`` gradients travel as NumPy arrays (``root_grads`` too) and each
    node's formula runs on arrays; tensors are made only where user code sees them (hooks,
    ``.grad``, the returned gradients). With it, they are tensors and the formula records a
    graph. A node's pending gradient is the gradient itself, or for a node with several
    outputs a list of one per output.

    Written out, it is ~7-12% faster than ``_reference`` on ``autograd.grad`` of the
    micrograd graph (the whole step, process time): a one-output node's gradient is not put in
    a list, "all None?" is one test for it, and each gradient's reduction and cast are inline.
    Of the shortcuts it once had, only the clearing of locals is kept (below); a heap bypass, a
    queue for accumulators and release and buffer addition written out each measured under 2%
    on the tape walk's 0-d graphs (all three together 3-6%), under the 5% a shortcut must pay."""
    root_nodes, deps = _dependencies(roots)
    raw = not create_graph
    capture, execute, results = _targets(targets, deps, root_nodes, accumulate)
    buffers, heap, tie = _seed(roots, root_grads, root_nodes, deps)
    check_nan = ANOMALY.enabled and ANOMALY.check_nan
    with _BackwardMode(create_graph):
        while heap:
            node = heappop(heap)[1]
            single = node._n_out == 1
            if single:
                grads = [buffers.pop(node, None)]
            else:
                grads = buffers.pop(node, None) or [None] * node._n_out
            if execute is not None:
                hit = capture.get(node)
                if node not in execute:
                    # a target that need not run (nothing else below it runs either)
                    if hit is not None:
                        grads = _user(_capture_only, raw, node, grads, create_graph)
                        if not accumulate:
                            _store(results, hit, grads)
                    continue
                if hit is not None and not accumulate:
                    _store(results, hit, grads)   # before its hooks: PyTorch's order here
            hooks = node._hooks
            if hooks is not None:
                grads = _user(_pre_hooks, raw, node, grads, hooks, create_graph)
            if node.__class__ is AccumulateGrad:
                if grads[0] is not None:
                    if hooks is not None and hooks.post:
                        outs = _tensors(grads) if raw else grads
                        _accumulate(node, grads.pop(), raw)
                        _post_hooks(node, (), outs, hooks)
                    else:
                        # popped, so the engine holds it once (see _private)
                        _accumulate(node, grads.pop(), raw)
                continue
            if not node._run_without_grads and (
                    grads[0] is None if single else all(g is None for g in grads)):
                _skip(node, deps, heap, tie, retain_graph)
                continue
            grad_in = apply_backward(node, grads[0] if single else grads)
            if hooks is not None and hooks.post:
                grad_in = _user_post(node, grad_in, grads, hooks, raw)
            if check_nan:
                _check_nan(node, grad_in)
            if not retain_graph:
                node._release()
            metas = node._in_meta
            i = -1
            for nxt, nr in node.next_functions:
                i += 1
                if nxt is None:
                    continue
                g = grad_in[i]
                if g is not None:
                    shape, dt = metas[i]
                    if raw:
                        if g.shape != shape:
                            g = _reduce_array(g, shape, node, i)
                        if g.dtype is not dt and g.dtype != dt:
                            g = _cast(g, dt)
                    else:
                        gd = g._data
                        if gd.shape != shape:
                            g = _reduce(g, shape, node, i)
                        if gd.dtype != dt:
                            g = _cast_tensor(g, dt)
                    _add_to_buffer(buffers, nxt, nr, g)
                d = deps[nxt] - 1
                deps[nxt] = d
                if d == 0:
                    s = nxt._seq
                    heappush(heap, (-s if s >= 0 else next(tie), nxt))
            # Shortcut: drop this node's references, so that a fresh gradient held only by a
            # buffer becomes a leaf's .grad without a copy (``_private``; the MLP step's 2.7 MB
            # of weight gradients).
            grads = grad_in = g = gd = None
    if raw and results is not None:
        results = _tensors(results)
    return results


def _add_to_buffer(buffers: dict, node: Node, nr: int, g) -> None:
    """Add ``g`` to the pending gradient of ``node``'s output ``nr``."""
    if node._n_out == 1:
        old = buffers.get(node)
        buffers[node] = g if old is None else old + g
        return
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * node._n_out
    old = buf[nr]
    buf[nr] = g if old is None else old + g


def _accumulate(node: AccumulateGrad, g, raw: bool) -> None:
    """Run a leaf's accumulator on ``g`` (the leaf's hooks first, when it has any)."""
    t = node._var()
    if t is None or g is None:
        return                         # the leaf is gone; its gradient with it
    m = t._meta
    if raw and (m is None or not (m.hooks or m.post_acc_hooks)):
        _accumulate_raw(t, g)
    else:
        _run_accumulate(node, _tensor(g) if raw else g, not raw)


def _tensor(g):
    return _wrap(g if g.__class__ is _ndarray else np.asarray(g))


def _tensors(grads) -> list:
    """Arrays (or None) as tensors, for user code in a graph-free backward."""
    return [None if g is None else _tensor(g) for g in grads]


def _arrays(grads) -> list:
    return [None if g is None else g._data for g in grads]


def _user(fn, raw: bool, node: Node, grads: list, *args) -> list:
    """``fn(node, grads, *args)`` (hooks and captures) on tensors, whichever form the
    gradients travel in."""
    if raw:
        return _arrays(fn(node, _tensors(grads), *args))
    return fn(node, grads, *args)


def _store(results: list, hit: list, grads: list) -> None:
    for nr, i in hit:
        g = grads[nr]
        if g is not None:
            results[i] = g if results[i] is None else results[i] + g


def _check_nan(node: Node, grad_in) -> None:
    for i, g in enumerate(grad_in):
        d = getattr(g, "_data", g)       # a tensor's array; an array (or None) itself
        if d is not None and _dtype.kind(d.dtype) in "fc" and np.isnan(d).any():
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th "
                               "output.")


def _skip(node: Node, deps: dict, heap: list, tie, retain_graph: bool) -> None:
    """Pass over a node that receives no gradient (or is pruned): release its dependants."""
    if not retain_graph and node.__class__ is not AccumulateGrad:
        node._release()
    for nxt, _ in node.next_functions:
        if nxt is None:
            continue
        d = deps[nxt] - 1
        deps[nxt] = d
        if d == 0:
            s = nxt._seq
            heappush(heap, (-s if s >= 0 else next(tie), nxt))


def _check_reducible(gshape: tuple, shape: tuple, node: Node, i: int) -> None:
    if len(gshape) < len(shape) or any(
            s != gs and s != 1 for s, gs in zip(shape[::-1], gshape[::-1])):
        raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} "
                           f"- got {list(gshape)} but expected shape compatible with "
                           f"{list(shape)}")


def _reduce(g, shape: tuple, node: Node, i: int):
    """Sum a broadcast gradient tensor back to its input's shape (differentiably)."""
    from ..ops._util import sum_to
    _check_reducible(g._data.shape, shape, node, i)
    return sum_to(g, shape)


def _reduce_array(g, shape: tuple, node: Node, i: int):
    """``_reduce`` for a gradient array."""
    from ..ops._util import reduced_dims
    _check_reducible(g.shape, shape, node, i)
    dims = reduced_dims(g.shape, shape)
    if dims:
        g = _sum_array(g, dims)
    return g.reshape(shape)


def _sum_array(g, dims: tuple):
    # float16 sums accumulate in float32, as the tensor path's sum does
    if g.dtype == np.float16:
        return np.sum(g, axis=dims, dtype=np.float32, keepdims=True).astype(np.float16)
    return np.sum(g, axis=dims, keepdims=True)


# -- the tape-ordered walk -------------------------------------------------------------------
# Every node is created after the nodes of its inputs (``record`` draws its sequence number
# once its inputs exist), so running the reached nodes in decreasing sequence number runs a
# node only after every reachable node that feeds it: step 1's counting is not needed for them.
# Only accumulators (sequence -1) need to know when their last gradient has arrived.

def _refs_of_a_local() -> int:
    o = object()
    return sys.getrefcount(o)


# References to an accumulator at the tape walk's check besides its consumers' edges: the walk's
# local and getrefcount's argument (as for any local here), its key in ``buffers``, its leaf's
# ``_meta.accum``, and from its second delivery on its key in ``delivered`` (which counts the
# first delivery too, so one constant serves both checks).
_ACC_REFS = _refs_of_a_local() + 3
_UNSEEN = object()


def _tape(roots: list, root_grads: list, retain_graph: bool):
    """The default walk of a plain backward (gradients as arrays, no targets, no anomaly mode):
    ``_reference`` without step 1. A node reached by a gradient (or a None) waits in a heap;
    the reached nodes run in decreasing sequence number, which is the order the dependency
    counts give, since every node that feeds a node was created after it (``python -m
    benchmarks.bench_engine``: 7-9% faster than counting on the 0-d graphs).

    An accumulator runs once every edge into it has delivered. Its live consumers' edges are
    the references to it (beyond the walk's own and its leaf's), so when the deliveries reach
    that count no other node can add to it: it runs then, where the counts would have run it.
    When they do not (a leaf used twice, or by a graph other than this one), the walk counts,
    once, the edges into accumulators from what is left to run, and uses those counts."""
    buffers: dict = {}
    heap: list = []
    for (node, nr), g in zip(roots, root_grads):
        if node is not None:
            if node not in buffers:
                heappush(heap, (-node._seq, node))
            _add_to_buffer(buffers, node, nr, g)
    delivered: dict = {}        # accumulator -> edges that have delivered to it
    left = None                 # accumulator -> edges still to deliver, once counted
    ready: list = []            # accumulators whose last edge has delivered
    unsure = False
    getrefcount = sys.getrefcount
    pop = buffers.pop
    with _BackwardMode(False):
        while heap:
            node = heappop(heap)[1]
            grad = pop(node)     # a node of several outputs: a list, one per output
            single = node._n_out == 1
            hooks = node._hooks
            if hooks is not None:
                grad = _user(_pre_hooks, True, node, [grad] if single else grad, hooks, False)
                if single:
                    grad = grad[0]
            if not node._run_without_grads and (
                    grad is None if single else all(g is None for g in grad)):
                # reached, but no gradient: released, and its inputs reached with None
                grad_in = None
            else:
                if node._holomorphic and (not single or
                                          getattr(grad, "dtype", _OBJECT).kind == "c"):
                    grad_in = apply_backward(node, grad)     # (a complex gradient)
                else:
                    grad_in = node.backward(grad)
                if hooks is not None and hooks.post:
                    grad_in = _user_post(node, grad_in, [grad] if single else grad, hooks, True)
            if not retain_graph:       # node._release() written out: once per node
                if node._saved:
                    node._saved = None
                node._result = None
                if node._holds_extra:
                    node._release_extra()
            metas = node._in_meta
            i = -1
            for nxt, nr in node.next_functions:
                i += 1
                if nxt is None:
                    continue
                g = None if grad_in is None else grad_in[i]
                if g is not None:
                    shape, dt = metas[i]
                    # (a NumPy scalar of the dtype for a 0-d input fits: half the cost)
                    if shape or g.__class__ is not dt.type:
                        if g.shape != shape:
                            g = _reduce_array(g, shape, node, i)
                        if g.dtype is not dt and g.dtype != dt:
                            g = _cast(g, dt)
                if nxt._n_out == 1:    # (_deliver_to_one_of for several outputs)
                    old = buffers.get(nxt, _UNSEEN)
                    if old is _UNSEEN:
                        buffers[nxt] = g
                        first = True
                    else:
                        if g is not None:
                            buffers[nxt] = g if old is None else old + g
                        first = False
                else:
                    first = _deliver_to_one_of(buffers, nxt, nr, g)
                s = nxt._seq
                if s < 0:
                    if left is None:
                        # All its consumers' edges have delivered? (Read before ``nxt`` is
                        # put anywhere else; a dead leaf, one reference less, never passes.)
                        if first:
                            done = getrefcount(nxt) == _ACC_REFS
                        else:
                            k = delivered.get(nxt, 1) + 1
                            delivered[nxt] = k
                            done = getrefcount(nxt) - k == _ACC_REFS
                        if done and nxt._var() is not None:
                            ready.append(nxt)
                        else:
                            unsure = True
                    else:
                        k = left[nxt] - 1
                        left[nxt] = k
                        if k == 0:
                            ready.append(nxt)
                elif first:
                    heappush(heap, (-s, nxt))
            # Shortcut: drop this node's references, so that a fresh gradient held only by a
            # buffer becomes a leaf's .grad without a copy (``_private``; the MLP step's 2.7 MB
            # of weight gradients).
            grad = grad_in = g = old = None
            if unsure:
                unsure = False
                left, ready = _count_left(node, heap, buffers)
            if ready:
                for nxt in ready:
                    if nxt._hooks is None:
                        _accumulate(nxt, pop(nxt), True)
                    else:
                        _run_hooked_accumulator(nxt, buffers)
                ready.clear()


def _count_left(node: Node, heap: list, buffers: dict) -> tuple:
    """Edges into each accumulator from the nodes still to run; and the accumulators ``node``
    has completed, in the order of their last edge from it (the order counts give)."""
    stack = [n for _, n in heap]
    seen = set(stack)
    left: dict = {}
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is None:
                continue
            if nxt._seq < 0:
                left[nxt] = left.get(nxt, 0) + 1
            elif nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    order: list = []
    for nxt, _ in node.next_functions:
        if nxt is not None and nxt._seq < 0 and nxt in buffers and nxt not in left:
            if nxt in order:
                order.remove(nxt)
            order.append(nxt)
    return left, order


def _deliver_to_one_of(buffers: dict, node: Node, nr: int, g) -> bool:
    """Add ``g`` (None adds nothing) to the pending gradient of output ``nr`` of ``node``, a
    node of several outputs (the tape walk has the one-output case written out); whether this
    reached ``node`` for the first time."""
    buf = buffers.get(node)
    first = buf is None
    if first:
        buf = buffers[node] = [None] * node._n_out
    if g is not None:
        old = buf[nr]
        buf[nr] = g if old is None else old + g
    return first


def _run_hooked_accumulator(node: AccumulateGrad, buffers: dict) -> None:
    """An accumulator with node hooks, as the counting engine runs it."""
    hooks = node._hooks
    grads = _user(_pre_hooks, True, node, [buffers.pop(node, None)], hooks, False)
    if grads[0] is not None:
        outs = _tensors(grads) if hooks.post else None
        _accumulate(node, grads.pop(), True)
        if hooks.post:
            _post_hooks(node, (), outs, hooks)
