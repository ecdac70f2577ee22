"""``Optimizer``: the base class of every optimizer (param groups, per-parameter state,
state dicts, hooks), with PyTorch's structure, errors and warnings."""
from __future__ import annotations

import functools
import warnings
from collections import defaultdict
from collections.abc import Iterable
from copy import deepcopy
from itertools import chain
from typing import Any, Callable

import numpy as np

from .. import _dtype
from ..ops import _reduced
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..autograd.graph import RemovableHandle, _HookDict

__all__ = ["Optimizer", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook", "required"]

_global_pre_hooks: dict = _HookDict()
_global_post_hooks: dict = _HookDict()

_CAPTURABLE_DEVICES = "['cuda', 'xpu', 'hpu', 'privateuseone', 'xla']"


class _RequiredParameter:
    """Marks a default that every param group must set itself."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj) -> str:
    # torch.typename: a tensor's legacy type, else the qualified class or object name.
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qual = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qual = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qual = obj.__class__.__qualname__
    return qual if module in ("", "builtins") else f"{module}.{qual}"


def _scalar_dtype() -> np.dtype:
    """The dtype of ``state['step']`` and other scalar state: float32, or float64 when that
    is the default dtype (torch's ``_get_scalar_dtype``)."""
    return (np.dtype(np.float64) if _dtype.get_default_dtype() is _dtype.float64
            else np.dtype(np.float32))


def _scalar_tensor(value: float) -> Tensor:
    return Tensor._wrap(np.array(value, _scalar_dtype()))


def _value(x) -> float:
    """A hyperparameter as a Python number (a one-element tensor gives its value)."""
    return x.item() if isinstance(x, Tensor) else x


def _check_lr(lr) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_betas(betas) -> None:
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


def _check_nonneg(name: str, value) -> None:
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name} value: {value}")


def _check_group_flags(group: dict) -> None:
    """What ember does not implement, refused the way torch refuses it on a CPU."""
    if group.get("capturable", False):
        raise AssertionError("If capturable=True, params and state_steps must be on "
                             f"supported devices: {_CAPTURABLE_DEVICES}.")
    if group.get("differentiable", False):
        for p in group["params"]:
            if p.grad_fn is None and p._rg:
                raise RuntimeError("a leaf Variable that requires grad is being used in an "
                                   "in-place operation.")
        raise NotImplementedError("ember optimizers do not support differentiable=True "
                                  "(autograd through the optimizer step)")


def _hooked(step):
    """Run the global and per-instance step pre/post hooks around a subclass's ``step``."""
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        if _global_pre_hooks or self._optimizer_step_pre_hooks:
            for hook in chain(list(_global_pre_hooks.values()),
                              list(self._optimizer_step_pre_hooks.values())):
                result = hook(self, args, kwargs)
                if result is not None:
                    if isinstance(result, tuple) and len(result) == 2:
                        args, kwargs = result
                    else:
                        raise RuntimeError(f"{step} must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {result}.")
        out = step(self, *args, **kwargs)
        if self._optimizer_step_post_hooks or _global_post_hooks:
            for hook in chain(list(self._optimizer_step_post_hooks.values()),
                              list(_global_post_hooks.values())):
                hook(self, args, kwargs)
        return out
    wrapper.hooked = True
    return wrapper


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """``hook(optimizer, args, kwargs)`` runs before every optimizer's step."""
    handle = RemovableHandle(_global_pre_hooks)
    _global_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """``hook(optimizer, args, kwargs)`` runs after every optimizer's step."""
    handle = RemovableHandle(_global_post_hooks)
    _global_post_hooks[handle.id] = hook
    return handle


def _run_closure(closure):
    if closure is None:
        return None
    prev = STATE.enabled
    STATE.enabled = True
    try:
        return closure()
    finally:
        STATE.enabled = prev


class Optimizer:
    """Base class of all optimizers.

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts that each
    define a parameter group (``{"params": [...], "lr": ...}``); ``defaults`` holds the
    options a group does not set itself.
    """

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "hooked", False):
            cls.step = _hooked(step)

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._init_hooks()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def _init_hooks(self) -> None:
        d = self.__dict__
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks",
                     "_optimizer_load_state_dict_post_hooks"):
            if name not in d:
                d[name] = _HookDict()

    # -- pickling ---------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    # Unpickling an optimizer saved by an older version fills the options it lacked with these
    # (per optimizer), and turns these state entries from numbers into scalar tensors.
    _group_defaults: dict = {}
    _tensor_state_keys: tuple = ()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.pop("_flat", None)   # flat buffers describe the replaced state
        self._init_hooks()
        self.defaults.setdefault("differentiable", False)
        for group in self.param_groups:
            for key, value in self._group_defaults.items():
                group.setdefault(key, value)
        if self._tensor_state_keys:
            self._steps_to_tensors(self._tensor_state_keys)

    def __repr__(self) -> str:
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    s += f"    {key}: {group[key]}\n"
        return s + ")"

    # -- param groups --------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with its own options) to ``param_groups``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        tensors, names = [], []
        for p in params:
            if isinstance(p, tuple):
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some "
                                 "param names are missing")
            param_group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not self.defaults.get("differentiable", None) and not (
                    p.grad_fn is None or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        if len(tensors) != len(set(tensors)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen: set = set()
        for group in self.param_groups:
            seen.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                txt = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {txt} to the optimizer")
        if not seen.isdisjoint(tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # -- gradients and stepping ----------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors (to None by default)."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g._data[...] = 0
                    g._bump()

    def step(self, closure=None):
        """Perform one optimization step; ``closure`` re-evaluates the model and returns the
        loss."""
        raise NotImplementedError

    def _step_groups(self, closure):
        """The built-in optimizers' step: the closure with grad enabled, then each group's
        update (``_update_group``) without recording a graph."""
        loss = _run_closure(closure)
        prev = STATE.enabled
        STATE.enabled = False
        try:
            for group in self.param_groups:
                self._update_group(group)
        finally:
            STATE.enabled = prev
        return loss

    # -- state dicts -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``; the
        state's tensors are the optimizer's own (not copies), as in torch."""
        for hook in list(self._optimizer_state_dict_pre_hooks.values()):
            hook(self)
        mapping: dict[int, int] = {}
        start = 0

        def pack(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        groups = [pack(g) for g in self.param_groups]
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v
                 for k, v in self.state.items()}
        sd = {"state": state, "param_groups": groups}
        for hook in list(self._optimizer_state_dict_post_hooks.values()):
            r = hook(self, sd)
            if r is not None:
                sd = r
        return sd

    @staticmethod
    def _cast_state_value(param: Tensor, value: Tensor, key) -> Tensor:
        # Buffers follow the parameter's floating dtype; 'step' stays as saved.
        if key == "step":
            return value
        if param._data.dtype.kind == "f" and value._data.dtype != param._data.dtype:
            return value.to(param.dtype)
        return value

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict made by ``state_dict()`` (parameters are matched by order)."""
        state_dict = state_dict.copy()
        for hook in list(self._optimizer_load_state_dict_pre_hooks.values()):
            r = hook(self, state_dict)
            if r is not None:
                state_dict = r
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def cast(param, value, key=None):
            if isinstance(value, Tensor):
                return Optimizer._cast_state_value(param, value, key)
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, (str, bytes)):
                return value
            if isinstance(value, Iterable):
                return type(value)(cast(param, v) for v in value)
            return value

        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = cast(param, v)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})
        for hook in list(self._optimizer_load_state_dict_post_hooks.values()):
            hook(self)

    def _steps_to_tensors(self, state_keys=("step",)) -> None:
        """Old state dicts kept ``step`` as a number; torch 2.x keeps a scalar tensor."""
        for group in self.param_groups:
            for p in group["params"]:
                st = self.state.get(p)
                if st:
                    for key in state_keys:
                        if key in st and not isinstance(st[key], Tensor):
                            st[key] = _scalar_tensor(float(st[key]))

    # -- hooks ---------------------------------------------------------------------------
    @staticmethod
    def _add(hooks: dict, hook, prepend: bool = False) -> RemovableHandle:
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` runs before ``step``; it may return new
        ``(args, kwargs)``."""
        return self._add(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` runs after ``step``."""
        return self._add(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable,
                                     prepend: bool = False) -> RemovableHandle:
        return self._add(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable,
                                      prepend: bool = False) -> RemovableHandle:
        return self._add(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable,
                                          prepend: bool = False) -> RemovableHandle:
        return self._add(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable,
                                           prepend: bool = False) -> RemovableHandle:
        return self._add(self._optimizer_load_state_dict_post_hooks, hook, prepend)


# -- numeric helpers shared by the optimizers (NumPy arrays, updated in place) -----------------
def _init_step(state: dict) -> None:
    state["step"] = _scalar_tensor(0.0)


def _counted_items(opt: "Optimizer", group: dict, keys: tuple, scalars: dict | None = None
                   ) -> list:
    """``(param, state, step)`` for each parameter of ``group`` that has a gradient, its step
    counter advanced. A parameter's first step creates its state in torch's order: ``step``,
    the scalar tensors of ``scalars`` (name -> value), a zero buffer for each of ``keys``."""
    states = opt.state
    items = []
    for p in group["params"]:
        if p._grad is None:
            continue
        st = states[p]
        if not st:
            _init_step(st)
            if scalars:
                for k, v in scalars.items():
                    st[k] = _scalar_tensor(v)
            pd = p._data
            for k in keys:
                st[k] = Tensor._wrap(np.zeros_like(pd))
        items.append((p, st, _next_step(st["step"])))
    return items


def _next_step(step: Tensor) -> float:
    """``step += 1`` on the scalar state tensor; returns the new count as a float."""
    a = step._data
    s = a.item() + 1.0
    a[()] = s
    # Past 2**24 a float32 counter stops moving, as torch's does.
    return s if s < 16777216.0 else a.item()


def _grad_for_update(p: np.ndarray, g: np.ndarray, maximize: bool, wd: float) -> np.ndarray:
    """The gradient an update uses: ``-g`` when maximizing, plus ``wd * p`` (L2 decay).
    Returns ``g`` itself when neither applies (callers must not write into it then)."""
    if wd != 0:
        t = np.multiply(p, wd)
        if maximize:
            np.subtract(t, g, out=t)
        else:
            np.add(g, t, out=t)
        return t
    if maximize:
        return np.negative(g)
    return g


def _lerp_(m: np.ndarray, g: np.ndarray, w: float, d: np.ndarray) -> None:
    """``m.lerp_(g, w)`` with torch's two formulas (from ``m`` for small weights, from ``g``
    for large ones); ``d`` is scratch of the same shape."""
    np.subtract(g, m, out=d)
    if abs(w) < 0.5:
        d *= w
        m += d
    else:
        d *= m.dtype.type(w) - 1
        np.add(g, d, out=m)


def _as_real(a: np.ndarray) -> np.ndarray:
    """A writable view for the elementwise update math: complex as real pairs
    (torch.view_as_real), and 0-d as 1-element (NumPy returns scalars from 0-d ufuncs)."""
    if a.ndim == 0:
        a = a.reshape(1)
    return a.view(a.real.dtype) if a.dtype.kind == "c" else a


# -- running elementwise updates ----------------------------------------------------------------
# An optimizer's update is a chain of ufuncs, each one rounding as torch's op does. The chain
# is its ``core(arrays, plan)``: ``arrays`` = the increments it writes (``plan.n_out`` of
# them, added to the parameter one after the other), the gradient to use, then the state
# buffers named by the optimizer's keys; scalars are in ``plan.hp``.

# Chains are memory-bound: run on chunks of this many bytes per array, a chain's operands stay
# in the L2 cache between its ops (a 400k-element Adam step runs 1.7x faster).
_CHUNK_BYTES = 1 << 18
_FLAT_MIN = 4            # fewer small parameters than this: per-parameter calls cost less
_FLAT_MAX_NUMEL = 4096   # bigger parameters gain less from flat buffers than gathering costs


# An optimizer whose chain has a bfloat16 form registers it here (core -> bf16 kernel): a chain
# of ufuncs on bfloat16 arrays rounds where PyTorch's ops do not (ml_dtypes computes each ufunc
# in float32, but a Python scalar is first rounded to bfloat16, and torch's fused ops such as
# lerp_, addcmul_ and addcdiv_ round once), so those kernels spell out torch's ops on float32
# values, rounding once per op.
BF16_CORES: dict = {}


def bf16_decay_and_grad(p: np.ndarray, g: np.ndarray, plan: "_Plan") -> np.ndarray:
    """bfloat16 ``param.mul_(decay)`` in place, and the float32 gradient the update uses:
    ``-grad`` when maximizing, then ``grad.add(param, alpha=l2)`` (rounded once)."""
    f = np.float32
    bf = p.dtype
    if plan.decay != 1:
        p[...] = (p.astype(f) * f(plan.decay)).astype(bf)
    gf = g.astype(f)
    if plan.maximize:
        gf = -gf
    if plan.l2 != 0:
        # add's alpha, like an added scalar, is rounded to bfloat16 first; its scalar lanes
        # (see _reduced.scalar_lanes) also round alpha * param before adding
        from .._threads import get_num_threads
        pf = p.astype(f)
        alpha = f(np.asarray(plan.l2, bf))
        r = _reduced.fma(pf, alpha, gf)
        lanes = _reduced.scalar_lanes(p, get_num_threads())
        if lanes.any():
            r = np.where(lanes, gf + (pf * alpha).astype(bf).astype(f), r)
        gf = r.astype(bf).astype(f)
    return gf


class _Plan:
    """One step's update of a group: the chain and its scalars."""

    __slots__ = ("core", "hp", "n_out", "maximize", "l2", "decay")

    def __init__(self, core, hp: tuple, maximize: bool = False, l2: float = 0,
                 decay: float = 1, n_out: int = 1) -> None:
        self.core = core
        self.hp = hp
        self.n_out = n_out
        self.maximize = maximize
        self.l2 = l2          # L2 penalty folded into the gradient (grad + l2 * param)
        self.decay = decay    # decoupled weight decay: param *= decay before the update


def _param_kernel(arrays: list, plan: _Plan) -> None:
    """One parameter (or a chunk of it): ``arrays`` = param, grad, state buffers (the list
    is reused for the core's arguments)."""
    p = arrays[0]
    if p.dtype == _dtype.BF16 and plan.core in BF16_CORES:
        BF16_CORES[plan.core](arrays, plan)
        return
    if plan.decay != 1:
        p *= plan.decay
    if plan.maximize or plan.l2 != 0:
        arrays[1] = _grad_for_update(p, arrays[1], plan.maximize, plan.l2)
    if plan.n_out == 1:
        d = arrays[0] = np.empty_like(p)
        plan.core(arrays, plan)
        p += d
        return
    outs = [np.empty_like(p) for _ in range(plan.n_out)]
    plan.core(outs + arrays[1:], plan)
    for d in outs:
        p += d


def _apply(kernel, arrays: list, plan: _Plan) -> None:
    """``kernel(arrays, plan)`` over cache-sized chunks of the arrays' flat views (the same
    elements in the same order for all of them), or at once when small or not contiguous."""
    a0 = arrays[0]
    n = a0.size
    step = _CHUNK_BYTES // a0.itemsize
    if n < 2 * step:
        kernel(arrays, plan)
        return
    for a in arrays:
        if not a.flags.c_contiguous:
            kernel(arrays, plan)
            return
    flats = [a.reshape(-1) for a in arrays]
    for i in range(0, n, step):
        j = i + step
        kernel([f[i:j] for f in flats], plan)


def _step_params(opt: Optimizer, group: dict, items: list, keys: tuple, make_plan) -> None:
    """Update ``items`` = ``(param, state, step)`` of ``group`` (its parameters that have a
    gradient, state initialized, step counted) with ``make_plan(step)``'s chain. When they
    all share the step count, the small ones go through flat buffers."""
    if not items:
        return
    step = items[0][2]
    plan = None
    # bfloat16 parameters are updated one whole tensor at a time, as torch's kernels see them
    # (their scalar lanes depend on the tensor's size)
    bf16 = any(it[0]._data.dtype == _dtype.BF16 for it in items)
    if all(it[2] == step for it in items):
        plan = make_plan(step)
        if len(items) == len(group["params"]) and not bf16:
            items = _flat_small(opt, group, items, keys, plan)
    for p, st, s in items:
        pd = p._data
        arrays = [pd, p._grad._data]
        for k in keys:
            arrays.append(st[k]._data)
        if pd.ndim == 0 or pd.dtype.kind == "c":
            arrays = [_as_real(a) for a in arrays]
        if plan is None or s != step:
            plan = make_plan(s)
            step = s
        if pd.nbytes < 2 * _CHUNK_BYTES or bf16:
            _param_kernel(arrays, plan)
        else:
            _apply(_param_kernel, arrays, plan)
        p._bump()


def _flat_small(opt: Optimizer, group: dict, items: list, keys: tuple, plan: _Plan) -> list:
    """Update the small parameters of ``items`` through the group's flat buffers; returns
    the items left to update one by one."""
    small = []
    rest = []
    for it in items:
        (small if it[0]._data.size <= _FLAT_MAX_NUMEL else rest).append(it)
    if len(small) < _FLAT_MIN:
        return items
    flat = _flat_state(opt, group, [it[0] for it in small], [it[1] for it in small], keys,
                       plan.n_out)
    if flat is None:
        return items
    g = flat.g
    np.concatenate([p._grad._data.reshape(-1) for p, _, _ in small], out=g)
    if plan.maximize:
        np.negative(g, out=g)
    if plan.l2 != 0:
        d = flat.outs[0]
        np.concatenate([p._data.reshape(-1) for p, _, _ in small], out=d)
        d *= plan.l2
        g += d
    if plan.decay != 1:
        for p, _, _ in small:
            pd = p._data
            pd *= plan.decay
    _apply(plan.core, flat.outs + [g] + flat.bufs, plan)
    for out_views in flat.out_views:
        for (p, _, _), dv in zip(small, out_views):
            pd = p._data
            pd += dv
    for p, _, _ in small:
        p._bump()
    return rest


class _FlatState:
    """Flat buffers for a group's small parameters. Their state tensors become views into
    one flat array per state key, so an update over many parameters runs as a few ufunc
    calls over all their elements (the same operations element by element, hence the same
    numbers as parameter by parameter). Gradients are gathered into ``g``; increments are
    computed in ``outs`` and added to each parameter through ``out_views``."""

    __slots__ = ("params", "keys", "bufs", "views", "g", "outs", "out_views", "ok")

    @staticmethod
    def build(params: list, sts: list, keys: tuple, n_out: int) -> "_FlatState":
        f = _FlatState()
        f.params = list(params)
        f.keys = keys
        f.ok = False
        dt = params[0]._data.dtype
        if dt.kind != "f" or len(set(map(id, params))) != len(params):
            return f
        for p, state in zip(params, sts):
            if p._data.dtype != dt:
                return f
            for k in keys:
                t = state.get(k)
                if not isinstance(t, Tensor) or t._data.shape != p._data.shape:
                    return f
        sizes = [p._data.size for p in params]
        offsets = np.cumsum([0] + sizes).tolist()
        spans = list(zip(offsets[:-1], offsets[1:]))
        n = offsets[-1]

        def split(buf):
            return [buf[a:b].reshape(p._data.shape) for p, (a, b) in zip(params, spans)]
        f.bufs = []
        f.views = []
        for k in keys:
            buf = np.empty(n, dt)
            views = split(buf)
            for state, view in zip(sts, views):
                st = state[k]
                view[...] = st._data
                st._data = view
            f.bufs.append(buf)
            f.views.append(views)
        f.g = np.empty(n, dt)
        f.outs = [np.empty(n, dt) for _ in range(n_out)]
        f.out_views = [split(o) for o in f.outs]
        f.ok = True
        return f

    def valid_for(self, params: list, sts: list, keys: tuple, n_out: int) -> bool:
        """Still describing ``params`` (whose state dicts are ``sts``) with their state
        tensors still our views."""
        mine = self.params
        if keys != self.keys or len(params) != len(mine):
            return False
        for p, q in zip(params, mine):
            if p is not q:
                return False
        if not self.ok or n_out != len(self.outs):
            return False
        for p, v in zip(params, self.out_views[0]):
            d = p._data
            if d.shape != v.shape or d.dtype != v.dtype:
                return False
        for k, views in zip(keys, self.views):
            for st, v in zip(sts, views):
                t = st.get(k)
                if t is None or t._data is not v:
                    return False
        return True


def _flat_state(opt: Optimizer, group: dict, params: list, sts: list, keys: tuple,
                n_out: int) -> "_FlatState | None":
    """Flat buffers for ``params`` of ``group`` (built on first use or after their state was
    replaced), or None where they cannot be used (mixed dtypes, repeated parameters, missing
    state). ``sts`` are the parameters' state dicts, in order."""
    cache = opt.__dict__.get("_flat")
    if cache is None:
        cache = opt.__dict__["_flat"] = {}
    f = cache.get(id(group))
    if f is None or not f.valid_for(params, sts, keys, n_out):
        f = _FlatState.build(params, sts, keys, n_out)
        cache[id(group)] = f
    return f if f.ok else None
