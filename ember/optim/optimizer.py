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

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.pop("_flat", None)   # flat buffers describe the replaced state
        self._init_hooks()
        self.defaults.setdefault("differentiable", False)

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


# -- flat state: many small parameters updated by a few big ufunc calls ------------------------
_FLAT_MIN = 4   # below this, per-parameter ufunc calls cost less than gathering


class _FlatState:
    """Per-group flat buffers. The group's state tensors become views into one flat array
    per state key, so an elementwise update over many parameters runs as a few ufunc calls
    over all their elements (the same operations element by element, so the same results as
    parameter by parameter). Gradients are gathered into ``g``; the update is computed in
    ``d`` and added to each parameter through ``d_views``."""

    __slots__ = ("params", "keys", "bufs", "views", "g", "d", "d_views", "ok")

    @staticmethod
    def build(params: list, sts: list, keys: tuple) -> "_FlatState":
        f = _FlatState()
        f.params = list(params)
        f.keys = keys
        f.ok = False
        if not params:
            return f
        dt = params[0]._data.dtype
        if dt.kind != "f" or len(set(map(id, params))) != len(params):
            return f
        for p, state in zip(params, sts):
            if p._data.dtype != dt:
                return f
            for k in keys:
                if state[k]._data.shape != p._data.shape:
                    return f
        sizes = [p._data.size for p in params]
        offsets = np.cumsum([0] + sizes).tolist()
        spans = list(zip(offsets[:-1], offsets[1:]))
        n = offsets[-1]
        f.bufs = []
        f.views = []
        for k in keys:
            buf = np.empty(n, dt)
            views = []
            for p, state, (a, b) in zip(params, sts, spans):
                st = state[k]
                flat = buf[a:b]
                flat[...] = st._data.reshape(-1)
                view = flat.reshape(p._data.shape)
                st._data = view
                views.append(view)
            f.bufs.append(buf)
            f.views.append(views)
        f.g = np.empty(n, dt)
        f.d = np.empty(n, dt)
        f.d_views = [f.d[a:b].reshape(p._data.shape) for p, (a, b) in zip(params, spans)]
        f.ok = True
        return f

    def valid_for(self, params: list, sts: list) -> bool:
        """Still describing ``params`` (whose state dicts are ``sts``) with their state
        tensors still our views."""
        mine = self.params
        if len(params) != len(mine):
            return False
        for p, q in zip(params, mine):
            if p is not q:
                return False
        if not self.ok:
            return True
        for p, v in zip(params, self.views[0]):
            if p._data.shape != v.shape:
                return False
        for k, views in zip(self.keys, self.views):
            for st, v in zip(sts, views):
                if st[k]._data is not v:
                    return False
        return True


def _flat_state(opt: Optimizer, group: dict, sts: list, keys: tuple) -> "_FlatState | None":
    """The group's flat buffers (built on first use or after its state was replaced), or
    None where the group cannot use them (mixed dtypes, complex, repeated parameters).
    ``sts`` are the state dicts of all the group's parameters, in order."""
    cache = opt.__dict__.get("_flat")
    if cache is None:
        cache = opt.__dict__["_flat"] = {}
    params = group["params"]
    f = cache.get(id(group))
    if f is None or f.keys != keys or not f.valid_for(params, sts):
        f = _FlatState.build(params, sts, keys)
        cache[id(group)] = f
    return f if f.ok else None
