"""Adagrad (Duchi et al.): per-coordinate steps scaled by the accumulated squared
gradients."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _check_group_flags, _check_lr, _check_nonneg, _init_step,
                        _next_step, _Plan, _step_params, _value)

__all__ = ["Adagrad"]


def _init_state(state: dict, p: Tensor, initial_accumulator_value: float) -> None:
    _init_step(state)
    v = initial_accumulator_value
    if p._data.dtype.kind == "c":
        v = complex(v, v)
    state["sum"] = Tensor._wrap(np.full_like(p._data, v))


class Adagrad(Optimizer):
    """Adagrad with optional learning-rate decay and an initial accumulator value."""

    def __init__(self, params, lr: float | Tensor = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        _check_lr(lr)
        _check_nonneg("lr_decay", lr_decay)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("initial_accumulator_value", initial_accumulator_value)
        _check_nonneg("epsilon", eps)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        # Adagrad creates its state up front, so state_dict() has it before any step.
        for group in self.param_groups:
            for p in group["params"]:
                _init_state(self.state[p], p, initial_accumulator_value)

    _group_defaults = {"foreach": None, "maximize": False, "differentiable": False, "fused": None}
    _tensor_state_keys = ("step",)

    def share_memory(self) -> None:
        """A no-op on one process (torch moves ``sum`` to shared memory)."""

    def step(self, closure=None):
        """One Adagrad step over every parameter that has a gradient; returns the closure's
        loss."""
        return self._step_groups(closure)

    def _update_group(self, group: dict) -> None:
        _check_group_flags(group)
        lr = _value(group["lr"])
        wd = _value(group["weight_decay"])
        lr_decay = group["lr_decay"]
        eps = group["eps"]
        maximize = group["maximize"]
        states = self.state
        items = []
        for p in group["params"]:
            if p._grad is None:
                continue
            st = states[p]
            if not st:
                # Parameters added later get torch's default (the optimizer-wide value).
                _init_state(st, p, self.defaults["initial_accumulator_value"])
            items.append((p, st, _next_step(st["step"])))

        def make_plan(step: float) -> _Plan:
            clr = lr / (1 + (step - 1) * lr_decay)
            return _Plan(_adagrad_core, (-clr, eps), maximize, wd)

        _step_params(self, group, items, ("sum",), make_plan)


def _adagrad_core(arrays: list, plan: _Plan) -> None:
    """``arrays = [out, grad, sum]``: torch's ``state_sum.addcmul_(g, g, value=1)``,
    ``std = state_sum.sqrt().add_(eps)``, ``addcdiv(g, std, value=-clr)``."""
    d, g, acc = arrays
    neg_clr, eps = plan.hp
    np.multiply(g, g, out=d)
    acc += d
    std = np.sqrt(acc)
    std += eps
    np.multiply(g, neg_clr, out=d)
    d /= std
