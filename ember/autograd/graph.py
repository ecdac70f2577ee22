"""Graph nodes: the backward-node base class, AccumulateGrad, saved tensors and recording.

Every differentiable op creates one ``Node`` subclass instance named like PyTorch's
(``MulBackward0``) whose ``backward(grad)`` returns one gradient (or None) per input. That
formula is written once: the engine calls it with NumPy arrays in an ordinary backward and with
tensors under ``create_graph`` (``STATE.arrays`` says which), and ``saved()``/``result()`` hand
it the saved values in the same form (see ``ember.autograd.anp``).

An op records a node when grad mode is on and an input requires grad, written the same way in
every op (inline: a helper call would cost more than the test)::

    if STATE.enabled and (input._rg or other._rg):

with ``t is not None and t._rg`` for an optional tensor, ``isinstance(x, Tensor) and x._rg``
for an operand that may be a Python number, and ``any(t._rg for t in ts)`` for a list.
"""
from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict

import numpy as np

from .. import _dtype
from .._autograd_state import STATE
from .._tensor import Tensor
from . import anp

__all__ = ["Node", "AccumulateGrad", "RemovableHandle"]
# (also the Tensor's autograd methods, bound in ember/_methods.py: accumulator, retain_grad,
# register_hook, register_post_accumulate_grad_hook)

# Creation order: the engine runs ready nodes latest-first, as PyTorch does.
_sequence = itertools.count()
_NO_EDGE = (None, 0)

_SECOND_TIME = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


class RemovableHandle:
    """Returned by ``register_*hook``; ``remove()`` unregisters the hook."""

    __slots__ = ("_dict_ref", "id")
    _next_id = itertools.count()

    def __init__(self, hooks_dict: dict) -> None:
        self._dict_ref = weakref.ref(hooks_dict)
        self.id = next(RemovableHandle._next_id)

    def remove(self) -> None:
        d = self._dict_ref()
        if d is not None:
            d.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def add_hook(hooks: dict, fn) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return handle


class _HookDict(OrderedDict):
    # OrderedDict cannot be weakly referenced; this subclass can (for RemovableHandle).
    pass


class _NodeHooks:
    """Hooks attached to a node, created only when someone registers one."""

    __slots__ = ("tensor_pre", "retain", "pre", "post")

    def __init__(self) -> None:
        self.tensor_pre = {}   # output_nr -> _HookDict of tensor hooks (non-leaf register_hook)
        self.retain = {}       # output_nr -> weakref of a tensor that called retain_grad()
        self.pre = _HookDict()   # grad_fn.register_prehook
        self.post = _HookDict()  # grad_fn.register_hook


class Node:
    """A backward function in the graph. Subclasses define ``backward``."""

    __slots__ = ("next_functions", "_in_meta", "_saved", "_versions", "_result", "_seq",
                 "_hooks", "__weakref__", "__dict__")
    _n_out = 1            # outputs of the forward; gradients arrive one per output
    _saved_names = ()     # names for PyTorch's grad_fn._saved_<name> introspection
    # The engine skips a node whose output grads are all None, unless it must see them
    # (custom Functions get zeros, as in PyTorch).
    _run_without_grads = False
    # A holomorphic op's formula is written as for real numbers (grad * f'(z)); PyTorch's
    # gradient for complex numbers is grad * conj(f'(z)), so for such a node the engine
    # conjugates a complex gradient on the way in and on the way out (``apply_backward``).
    _holomorphic = False

    def name(self) -> str:
        """The node's PyTorch name, e.g. ``MulBackward0``."""
        return type(self).__name__

    def backward(self, grad):
        """One gradient (or None) per input, from ``grad`` (a list for several outputs),
        written with operators and ``anp`` so it runs on arrays and on tensors alike."""
        raise NotImplementedError(f"{self.name()} does not implement backward")

    def __call__(self, *grads):
        """Apply the backward formula directly to tensors, like calling a PyTorch grad_fn."""
        prev = STATE.arrays
        STATE.arrays = False
        try:
            return apply_backward(self, grads[0] if self._n_out == 1 else grads)
        finally:
            STATE.arrays = prev

    @property
    def needs_input_grad(self) -> tuple:
        return tuple(fn is not None for fn, _ in self.next_functions)

    @property
    def metadata(self) -> dict:
        return self.__dict__

    def __repr__(self) -> str:
        # the class name, as PyTorch prints its nodes (name() may be "torch::autograd::...")
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    # -- saved tensors -------------------------------------------------------------------
    def save(self, *tensors) -> None:
        """Save input tensors (or None) for backward, remembering their versions."""
        self._saved = tensors
        self._versions = tuple(_version(t) for t in tensors)

    # A tensor without a version counter is at version 0: the counter is made by its first
    # in-place write or alias (which then sees the change), not here.
    def save1(self, t) -> None:
        """``save(t)`` without the generic packing (hot ops)."""
        self._saved = (t,)
        self._versions = (0 if t._vc is None else t._vc.v,)

    def save2(self, a, b) -> None:
        """``save(a, b)`` without the generic packing (hot ops); either may be None."""
        self._saved = (a, b)
        self._versions = (None if a is None else 0 if a._vc is None else a._vc.v,
                          None if b is None else 0 if b._vc is None else b._vc.v)

    def save_result(self, out) -> None:
        """Save this node's own output; only its data is kept, so no reference cycle forms."""
        vc = out._version_counter()
        self._result = (out._data, vc, vc.v)

    def saved(self, like=None) -> tuple:
        """The saved inputs for the formula: NumPy arrays in a backward without create_graph
        (a 0-d one as a NumPy scalar, whose arithmetic is many times faster), tensors with it.
        Raises PyTorch's errors if they were freed or modified in place.

        ``like``, the gradient, is given where a saved input may have another dtype than the
        gradient (a binary op's 0-d or integer operand): the inputs then come in the dtype
        ember's promotion gives them next to it, in both forms, so the formula computes alike
        on arrays and on tensors (NumPy alone would take a float32 gradient times a float64
        0-d value to float64)."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(_SECOND_TIME)
        if not STATE.arrays:
            for t, v in zip(saved, self._versions):
                if t is not None and t._vc is not None and t._vc.v != v:
                    _raise_modified(t, v)
            if like is None:
                return saved
            return [t if t is None or t.dtype == like.dtype else _promoted_to(t, like)
                    for t in saved]
        # one pass: the version check and the array (every node of a scalar graph calls this)
        dt = None if like is None else like.dtype
        versions = self._versions
        out = []
        i = -1
        for t in saved:        # (indexing: a zip costs more than this loop's body)
            i += 1
            if t is not None:
                vc = t._vc
                if vc is not None and vc.v != versions[i]:
                    _raise_modified(t, versions[i])
                t = t._data
                if dt is not None and t.dtype is not dt:
                    t = _promoted_to(t, like)
                if not t.ndim:
                    t = t[()]
            out.append(t)
        return out

    def result(self):
        """This node's saved output, as an array or a tensor like ``saved()``."""
        if not STATE.arrays:
            return self.saved_result()
        res = self._result      # _result_array() written out: hot nodes (exp, tanh) call this
        if res is None:
            raise RuntimeError(_SECOND_TIME)
        data, vc, v = res
        if vc.v != v:
            _raise_modified_output(self, data, vc.v, v)
        return data if data.ndim else data[()]

    def saved_tensors(self) -> tuple:
        saved = self._saved
        if saved is None:
            raise RuntimeError(_SECOND_TIME)
        for t, v in zip(saved, self._versions):
            if t is not None and t._vc is not None and t._vc.v != v:
                _raise_modified(t, v)
        return saved

    def saved_result(self):
        res = self._result
        if res is None:
            raise RuntimeError(_SECOND_TIME)
        data, vc, v = res
        if vc.v != v:
            _raise_modified_output(self, data, vc.v, v)
        # Rebuilt with this node as grad_fn, so double backward differentiates through it.
        t = Tensor._wrap(data)
        t._vc = vc
        if STATE.enabled:
            t.grad_fn = self
            t._rg = True
        return t

    def _result_array(self):
        """The saved output's array for a NumPy formula, after the same checks (a NumPy
        scalar for a 0-d output: arithmetic on those is many times faster)."""
        res = self._result
        if res is None:
            raise RuntimeError(_SECOND_TIME)
        data, vc, v = res
        if vc.v != v:
            _raise_modified_output(self, data, vc.v, v)
        return data if data.ndim else data[()]

    def _release(self) -> None:
        """Drop the saved tensors and result (the engine's loop has this written out)."""
        if self._saved:
            self._saved = None
        if self._result is not None:
            self._result = None
        if self._holds_extra:
            self._release_extra()

    _holds_extra = False   # whether the class overrides _release_extra (set just below)

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        # lets the engine skip a call per node for the classes with nothing extra to drop
        cls._holds_extra = cls._release_extra is not Node._release_extra

    def _release_extra(self) -> None:
        """Subclasses holding other large buffers drop them here."""

    def __getattr__(self, name: str):
        # PyTorch exposes saved values as grad_fn._saved_self, _saved_other, _saved_result.
        if name.startswith("_saved_"):
            key = name[7:]
            if key == "result" and self._result is not None:
                return self.saved_result()
            names = type(self)._saved_names
            if key in names and self._saved is not None:
                return self._saved[names.index(key)]
            if key in names or key == "result":
                raise RuntimeError(_SECOND_TIME)
        raise AttributeError(f"'{self.name()}' object has no attribute '{name}'")

    # -- hooks -----------------------------------------------------------------------------
    def _hook_state(self) -> _NodeHooks:
        h = self._hooks
        if h is None:
            h = self._hooks = _NodeHooks()
        return h

    def register_hook(self, fn) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs)`` runs after this node; may return new grad_inputs."""
        return add_hook(self._hook_state().post, fn)

    def register_prehook(self, fn) -> RemovableHandle:
        """``fn(grad_outputs)`` runs before this node; may return new grad_outputs."""
        return add_hook(self._hook_state().pre, fn)


def _promoted_to(x, grad):
    """``x`` (an array or a tensor, as ``grad``) in the dtype of ``result_type(grad, x)``."""
    if isinstance(x, np.ndarray):
        rt = _dtype.result_type(Tensor._wrap(np.asarray(grad)), Tensor._wrap(x)).np
        return x if x.dtype == rt else x.astype(rt)
    rt = _dtype.result_type(grad, x)
    return x if x.dtype == rt else x.to(rt)


def _version(t):
    return None if t is None else 0 if t._vc is None else t._vc.v


def _describe(t) -> str:
    shape = ", ".join(str(s) for s in t.shape)
    return f"[torch.{t.dtype._legacy} [{shape}]]"


def _op_name(node: Node) -> str:
    """The forward op's name as PyTorch's version error prints it: ``MulBackward0`` -> ``Mul``,
    ``SumBackward1`` -> ``Sum1``, a custom ``FBackward`` -> ``F``."""
    name = node.name()
    i = name.rfind("Backward")
    if i <= 0:
        return name
    suffix = name[i + 8:]
    return name[:i] + ("" if suffix == "0" else suffix)


_HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its "
         "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")


def _modified_error(desc: str, fn, nr: int, now: int, expected: int) -> RuntimeError:
    what = f", which is output {nr} of {_op_name(fn)}," if fn is not None else ""
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {desc}{what} is at version {now}; expected version {expected} instead. "
        + _HINT)


def _raise_modified(t, expected: int) -> None:
    raise _modified_error(_describe(t), t.grad_fn, t._out_nr, t._vc.v, expected)


def _raise_modified_output(node: Node, data, now: int, expected: int) -> None:
    raise _modified_error(_describe(Tensor._wrap(data)), node, 0, now, expected)


class AccumulateGrad(Node):
    """The sink of a leaf tensor's gradient: runs its hooks, then adds into ``.grad``."""

    __slots__ = ("_var",)

    def __init__(self, tensor) -> None:
        # Weak: a leaf owns its accumulator, never the other way round (no cycle).
        self._var = weakref.ref(tensor)
        self.next_functions = ()
        self._in_meta = ()
        self._saved = ()
        self._result = None
        self._seq = -1
        self._hooks = None

    @property
    def variable(self):
        return self._var()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def backward(self, grad):
        raise RuntimeError("AccumulateGrad is run by the engine")


def edge(t) -> tuple:
    """The (node, output_nr) pair a gradient for ``t`` flows into, or (None, 0)."""
    if not isinstance(t, Tensor) or not t._rg:
        return _NO_EDGE
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._out_nr)
    return (t._accumulator(), 0)


def _meta_of(t):
    if isinstance(t, Tensor) and t._rg:
        return (t._data.shape, t._data.dtype)
    return None


def record1(node: Node, out, a):
    """Attach ``node`` (one input ``a``) and wrap the NumPy result ``out`` as its output."""
    fn = a.grad_fn
    node.next_functions = ((fn, a._out_nr) if fn is not None else edge(a),)
    d = a._data
    node._in_meta = ((d.shape, d.dtype),)
    node._saved = ()
    node._result = None
    node._seq = next(_sequence)
    node._hooks = None
    return Tensor._from_node(out, node, 0)


def _is_complex(g) -> bool:
    if g is None:
        return False
    if isinstance(g, list):
        return any(_is_complex(x) for x in g)
    d = g._data if isinstance(g, Tensor) else g
    return getattr(d, "dtype", None) is not None and d.dtype.kind == "c"


def _conj(g):
    if g is None:
        return None
    if isinstance(g, (list, tuple)):
        return type(g)(_conj(x) for x in g)
    return anp.conj(g)


def apply_backward(node: Node, grad):
    """``node.backward(grad)``; for a holomorphic node and a complex gradient, conjugated
    in and out, which turns its formula's ``grad * f'(z)`` into PyTorch's
    ``grad * conj(f'(z))``."""
    if not node._holomorphic or not _is_complex(grad):
        return node.backward(grad)
    return _conj(node.backward(_conj(grad)))


def holomorphic(*classes) -> None:
    """Mark backward nodes whose formulas are the real-number derivative of an analytic
    function (each op module lists its own)."""
    for cls in classes:
        cls._holomorphic = True


def record2(node: Node, out, a, b):
    """Attach ``node`` with two inputs (either may be a Python number or a constant tensor)."""
    # edge(), _meta_of() and _accumulator() written out: every binary op of a graph comes
    # through here (a scalar graph's op spends half its time in this function)
    if (a.__class__ is Tensor or isinstance(a, Tensor)) and a._rg:
        fn = a.grad_fn
        if fn is not None:
            ea = (fn, a._out_nr)
        else:
            m = a._meta
            ea = (m.accum if m is not None and m.accum is not None else a._accumulator(), 0)
        d = a._data
        ma = (d.shape, d.dtype)
    else:
        ea = _NO_EDGE
        ma = None
    if (b.__class__ is Tensor or isinstance(b, Tensor)) and b._rg:
        fn = b.grad_fn
        if fn is not None:
            eb = (fn, b._out_nr)
        else:
            m = b._meta
            eb = (m.accum if m is not None and m.accum is not None else b._accumulator(), 0)
        d = b._data
        mb = (d.shape, d.dtype)
    else:
        eb = _NO_EDGE
        mb = None
    node.next_functions = (ea, eb)
    node._in_meta = (ma, mb)
    node._saved = ()
    node._result = None
    node._seq = next(_sequence)
    node._hooks = None
    return Tensor._from_node(out, node, 0)


def record(node: Node, out, inputs):
    """Attach ``node`` with any number of inputs; ``out`` is one array or a tuple of arrays."""
    node.next_functions = tuple(edge(t) for t in inputs)
    node._in_meta = tuple(_meta_of(t) for t in inputs)
    node._saved = ()
    node._result = None
    node._seq = next(_sequence)
    node._hooks = None
    if isinstance(out, tuple):
        return tuple(Tensor._from_node(o, node, i) for i, o in enumerate(out))
    return Tensor._from_node(out, node, 0)


# -- the Tensor's autograd methods (bound in ember/_methods.py) --------------------------------
def accumulator(self) -> AccumulateGrad:
    """``Tensor._accumulator``: the leaf's AccumulateGrad, made on first use and kept by the
    leaf (its consumers' edges point to it)."""
    m = self._meta
    if m is not None and m.accum is not None:
        return m.accum
    m = self._meta_state()
    acc = m.accum = AccumulateGrad(self)
    return acc


def retain_grad(self) -> None:
    """Keep ``.grad`` for this non-leaf tensor after backward."""
    if not self._rg:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if self.grad_fn is None:
        return
    m = self._meta_state()
    if m.retains_grad:
        return
    m.retains_grad = True
    self.grad_fn._hook_state().retain[self._out_nr] = weakref.ref(self)


def register_hook(self, hook) -> RemovableHandle:
    """``hook(grad)`` runs when this tensor's gradient is computed; may return a new one."""
    if not self._rg:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                           "gradient")
    if self.grad_fn is None:
        m = self._meta_state()
        if m.hooks is None:
            m.hooks = _HookDict()
        return add_hook(m.hooks, hook)
    per_out = self.grad_fn._hook_state().tensor_pre
    hooks = per_out.get(self._out_nr)
    if hooks is None:
        hooks = per_out[self._out_nr] = _HookDict()
    return add_hook(hooks, hook)


def register_post_accumulate_grad_hook(self, hook) -> RemovableHandle:
    """``hook(tensor)`` runs after a leaf's ``.grad`` has been accumulated."""
    if not self._rg:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                           "gradient")
    if self.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                           "tensors")
    m = self._meta_state()
    if m.post_acc_hooks is None:
        m.post_acc_hooks = _HookDict()
    return add_hook(m.post_acc_hooks, hook)
