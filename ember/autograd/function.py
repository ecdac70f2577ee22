"""Custom differentiable operations: ``autograd.Function`` (``torch.autograd.function``).

A subclass defines ``forward`` and ``backward`` staticmethods; ``MyFn.apply(...)`` runs the
forward without recording, then attaches one backward node to the outputs. As in PyTorch the
node *is* the ``ctx`` object: each Function subclass gets a ``<Name>Backward`` node class,
created by the metaclass, so ``y.grad_fn.saved_tensors`` and ``ctx.some_attr`` are the same.
"""
from __future__ import annotations

import functools
import inspect
import warnings
from typing import Any

import numpy as np

from .graph import Node, _SECOND_TIME, _raise_modified, _sequence, _meta_of, edge, record
from .grad_mode import STATE, no_grad

__all__ = ["FunctionCtx", "BackwardCFunction", "FunctionMeta", "Function",
           "once_differentiable", "InplaceFunction"]


def _tensor_cls():
    from .._tensor import Tensor
    return Tensor


class FunctionCtx:
    """The methods ``forward``/``setup_context`` call on ``ctx``."""

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors (or None) for ``backward``, where ``ctx.saved_tensors`` returns them
        after checking that none was modified in place."""
        self.to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        for t in tensors:
            if not (t is None or isinstance(t, _tensor_cls())):
                raise AssertionError("save_for_forward expects all arguments to be tensors; you "
                                     "should save non-tensors as attributes on ctx.")
        self.saved_for_forward = tensors

    def mark_dirty(self, *args) -> None:
        """Declare the inputs that ``forward`` modified in place (they must be returned)."""
        self.dirty_tensors = args

    def mark_non_differentiable(self, *args) -> None:
        """Declare outputs that never require grad (their gradients arrive as zeros)."""
        self.non_differentiable = args

    def set_materialize_grads(self, value: bool) -> None:
        """With False, ``backward`` receives None (not zeros) for outputs without gradient."""
        self.materialize_grads = value


class BackwardCFunction(Node, FunctionCtx):
    """The backward node of one ``Function.apply`` call (and its ``ctx``)."""

    __slots__ = ("_n_out", "_needs", "_tensor_pos", "_n_args", "_out_meta")
    _forward_cls = None
    _run_without_grads = True

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<torch.autograd.function.{self.name()} object at {hex(id(self))}>"

    @property
    def needs_input_grad(self) -> tuple:
        """One bool per forward argument: whether it is a tensor that requires grad."""
        return self._needs

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``, checked against in-place changes."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(_SECOND_TIME)
        out = []
        for entry in saved:
            if entry is None:
                out.append(None)
            elif entry[0] == 0:                       # an input or an intermediate
                t, v = entry[1], entry[2]
                if t._vc.v != v:
                    _raise_modified(t, v)
                out.append(t)
            else:                                     # one of this node's outputs
                out.append(self._unpack_output(entry))
        return tuple(out)

    def _unpack_output(self, entry):
        # Outputs are kept as data + version counter: holding the tensor itself would make
        # a reference cycle (output -> grad_fn -> output).
        _, data, vc, v, nr, differentiable = entry
        t = _tensor_cls()._wrap(data)
        t._vc = vc
        if differentiable and (STATE.enabled or vc.v != v):
            # with grad mode on (create_graph), double backward goes through this node
            t.grad_fn, t._out_nr, t._rg = self, nr, True
        if vc.v != v:
            _raise_modified(t, v)
        return t

    def apply(self, *grads):
        """Run the user's backward on these output gradients (what the engine does)."""
        return self._forward_cls.backward(self, *grads)

    def backward(self, grads):
        """Run the user's ``backward``. User code is written for tensors, so in an ordinary
        backward (gradients as NumPy arrays) they are wrapped on the way in and unwrapped on
        the way out, and the saved tensors it reads stay tensors."""
        Tensor = _tensor_cls()
        grads = (grads,) if self._n_out == 1 else tuple(grads)
        arrays = STATE.arrays
        if arrays:
            grads = tuple(None if g is None else Tensor._wrap(np.asarray(g)) for g in grads)
        if self.__dict__.get("materialize_grads", True):
            grads = tuple(
                Tensor._wrap(np.zeros(m[0], m[1])) if g is None and m is not None else g
                for g, m in zip(grads, self._out_meta))
        STATE.arrays = False
        try:
            result = self._check_grads(self._forward_cls.backward(self, *grads))
        finally:
            STATE.arrays = arrays
        if arrays:
            result = tuple(None if g is None else g._data for g in result)
        return result

    def _check_grads(self, result) -> tuple:
        """PyTorch's checks of what a custom backward returned; one grad per tensor input."""
        Tensor = _tensor_cls()
        if not isinstance(result, tuple):
            result = (result,)
        n = self._n_args
        if len(result) != n:
            if len(result) > n and all(r is None for r in result[n:]):
                result = result[:n]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                                   f"gradients (expected {n}, got {len(result)})")
        pos = self._tensor_pos
        for i, g in enumerate(result):
            if g is None:
                continue
            if not isinstance(g, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
            if i not in pos:
                raise RuntimeError(f"function {self.name()} returned a gradient different than "
                                   f"None at position {i + 1}, but the corresponding forward "
                                   "input was not a Variable")
        return tuple(result[i] for i in pos)


class FunctionMeta(type):
    """Gives every Function subclass its backward node class, ``<Name>Backward``."""

    def __init__(cls, name, bases, attrs) -> None:
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,),
                                 {"__slots__": (), "_forward_cls": cls,
                                  "__module__": "torch.autograd.function",
                                  "__qualname__": name + "Backward"})
        super().__init__(name, bases, attrs)


class _SingleLevelFunction(FunctionCtx, metaclass=FunctionMeta):
    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        """``forward(ctx, *args)`` (or ``forward(*args)`` with ``setup_context``)."""
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> Any:
        """Optionally fill ``ctx`` from the inputs and output, after ``forward(*args)``."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        """One gradient per forward output in, one per forward input out (None allowed)."""
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx: Any, *grad_inputs: Any) -> Any:
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")


class Function(_SingleLevelFunction):
    """Base class of custom autograd operations; call them with ``MyFn.apply(...)``."""

    generate_vmap_rule = False

    def __init__(self, *args, **kwargs) -> None:
        warnings.warn(f"{self.__class__} should not be instantiated. Methods on autograd "
                      "functions are all static, so you should invoke them on the class itself. "
                      "Instantiating an autograd function will raise an error in a future "
                      "version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is "
                           "deprecated. Please use new-style autograd function with static "
                           "forward method. (Example: https://pytorch.org/docs/stable/"
                           "autograd.html#torch.autograd.Function)")

    @staticmethod
    def vmap(info, in_dims, *args):
        raise NotImplementedError("To use autograd.Function with vmap, you must either override "
                                  "the vmap staticmethod or set generate_vmap_rule=True.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` without recording, then record one node for the whole op."""
        Tensor = _tensor_cls()
        ctx = cls._backward_cls()
        ctx.to_save = ctx.dirty_tensors = ctx.non_differentiable = None
        setup = cls.setup_context is not _SingleLevelFunction.setup_context
        if setup:
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, bound.kwargs
        # keyword arguments count as inputs after the positional ones, as in PyTorch
        inputs = args + tuple(kwargs.values()) if kwargs else args
        needs = tuple(isinstance(a, Tensor) and a._rg for a in inputs)
        ctx._needs = needs
        with no_grad():
            if setup:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        if not (STATE.enabled and any(needs)):
            return _plain_outputs(ctx, inputs, output, Tensor)
        return _wrap_outputs(ctx, inputs, output, Tensor)


InplaceFunction = Function


def _plain_outputs(ctx, args, output, Tensor):
    """No graph: inputs returned as they are become aliases, nothing else changes."""
    is_tuple = isinstance(output, tuple)
    outs = output if is_tuple else (output,)
    ids = {id(a) for a in args if isinstance(a, Tensor)}
    dirty = {id(t) for t in ctx.__dict__.get("dirty_tensors") or ()}
    res = []
    for o in outs:
        if isinstance(o, Tensor) and id(o) in ids:
            if id(o) in dirty:
                o._bump()
                if o._rg:   # PyTorch hands back a new alias of it here
                    o = _alias(o, Tensor)
            else:
                o = _alias(o, Tensor)
        res.append(o)
    return tuple(res) if is_tuple else res[0]


def _alias(t, Tensor):
    a = Tensor._wrap(t._data)
    a._vc = t._version_counter()
    return a


def _wrap_outputs(ctx, args, output, Tensor):
    """Attach ``ctx`` as grad_fn of the outputs, handling inputs returned, dirty inputs and
    non-differentiable outputs as PyTorch does."""
    is_tuple = isinstance(output, tuple)
    outs = output if is_tuple else (output,)
    d = ctx.__dict__
    tensor_pos = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
    tensor_args = [args[i] for i in tensor_pos]
    ctx._tensor_pos = tensor_pos
    ctx._n_args = len(args)
    ctx._n_out = len(outs)
    ctx.next_functions = tuple(edge(t) for t in tensor_args)
    ctx._in_meta = tuple(_meta_of(t) for t in tensor_args)
    ctx._saved = ()
    ctx._result = None
    ctx._seq = next(_sequence)
    ctx._hooks = None

    input_ids = {id(t) for t in tensor_args}
    dirty = {id(t): t for t in d.get("dirty_tensors") or ()}
    returned = {id(o) for o in outs if isinstance(o, Tensor)}
    if any(k not in returned for k in dirty):
        raise RuntimeError("Some elements marked as dirty during the forward method were not "
                           "returned as output. The inputs that are modified inplace must all be "
                           "outputs of the Function.")
    non_diff = {id(t) for t in d.get("non_differentiable") or ()}

    res = []
    meta = []
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            res.append(o)
            meta.append(None)
            continue
        meta.append((o._data.shape, o._data.dtype))
        differentiable = id(o) not in non_diff and o._data.dtype.kind in "fc"
        if id(o) in dirty:
            o = _rebase_dirty(o, ctx, i, differentiable, Tensor)
        elif id(o) in input_ids:
            o = _alias(o, Tensor)
            if differentiable:
                o.grad_fn, o._out_nr, o._rg = ctx, i, True
        elif differentiable:
            o.grad_fn, o._out_nr, o._rg = ctx, i, True
        else:
            o.grad_fn, o._out_nr, o._rg = None, 0, False
        res.append(o)
    ctx._out_meta = tuple(meta)
    _save(ctx, res, Tensor)
    return tuple(res) if is_tuple else res[0]


def _rebase_dirty(t, ctx, i, differentiable, Tensor):
    """An input modified in place becomes this output: its history is now ``ctx``."""
    if t._rg and t.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad has been used in an in-place "
                           "operation.")
    base = t._base
    if base is not None and base._rg and base.grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    if not differentiable:
        t._bump()
        return t
    if t._base is not None:
        from ..ops.inplace import commit
        return commit(t, Tensor._from_node(t._data, ctx, i))
    t._bump()
    t.grad_fn, t._out_nr, t._rg = ctx, i, True
    return t


def _save(ctx, outputs, Tensor) -> None:
    to_save = ctx.__dict__.get("to_save")
    if not to_save:
        return
    out_ids = {id(o): n for n, o in enumerate(outputs) if isinstance(o, Tensor)}
    entries = []
    for k, t in enumerate(to_save):
        if t is None:
            entries.append(None)
            continue
        if not isinstance(t, Tensor):
            raise TypeError(f"save_for_backward can only save variables, but argument {k} is of "
                            f"type {type(t).__name__}")
        vc = t._version_counter()
        if id(t) in out_ids:
            entries.append((1, t._data, vc, vc.v, out_ids[id(t)], t.grad_fn is ctx))
        else:
            entries.append((0, t, vc.v))
    ctx._saved = tuple(entries)
    ctx.to_save = None


class Error(Node):
    """Gives outputs a history whose backward raises (PyTorch's ``DelayedError`` node, used by
    ``once_differentiable``)."""

    __slots__ = ("msg", "_n_out")

    def name(self) -> str:
        return "torch::autograd::Error"

    def backward(self, grads):
        raise RuntimeError(self.msg)


def once_differentiable(fn):
    """Decorate a custom ``backward`` that is not itself differentiable: it runs without
    recording, and differentiating its results (double backward) raises."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        Tensor = _tensor_cls()
        if not STATE.enabled or not any(isinstance(a, Tensor) and a._rg for a in args):
            return outputs
        outs = outputs if isinstance(outputs, tuple) else (outputs,)
        fakes = []
        for o in outs:
            if o is not None:
                o = o.detach()
                o._rg = True
            fakes.append(o)
        node = Error()
        node.msg = ("trying to differentiate twice a function that was marked with "
                    "@once_differentiable")
        node._n_out = len(fakes)
        wrapped = record(node, tuple(np.asarray(0.0) if o is None else o._data for o in fakes),
                         [o for o in fakes])
        res = tuple(None if o is None else w for o, w in zip(fakes, wrapped))
        return res if len(res) > 1 or isinstance(outputs, tuple) else res[0]

    return wrapper
