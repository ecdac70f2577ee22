"""Adagrad (Duchi et al.): per-coordinate steps scaled by the accumulated squared
gradients."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from .optimizer import (Optimizer, _as_real, _check_group_flags, _check_lr, _check_nonneg,
                        _grad_for_update, _init_step, _next_step, _run_closure, _value)

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

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("fused", None)
        self._steps_to_tensors()

    def share_memory(self) -> None:
        """A no-op on one process (torch moves ``sum`` to shared memory)."""

    def step(self, closure=None):
        """One Adagrad step over every parameter that has a gradient; returns the closure's
        loss."""
        loss = _run_closure(closure)
        prev = STATE.enabled
        STATE.enabled = False
        try:
            for group in self.param_groups:
                self._update_group(group)
        finally:
            STATE.enabled = prev
        return loss

    def _update_group(self, group: dict) -> None:
        _check_group_flags(group)
        lr = _value(group["lr"])
        wd = _value(group["weight_decay"])
        lr_decay = group["lr_decay"]
        eps = group["eps"]
        maximize = group["maximize"]
        states = self.state
        for p in group["params"]:
            g = p._grad
            if g is None:
                continue
            pd = p._data
            st = states[p]
            if not st:
                # Parameters added later get torch's default (the optimizer-wide value).
                _init_state(st, p, self.defaults["initial_accumulator_value"])
            step = _next_step(st["step"])
            gd = g._data
            clr = lr / (1 + (step - 1) * lr_decay)
            acc = st["sum"]._data
            if pd.ndim == 0 or pd.dtype.kind == "c":
                pd, gd, acc = _as_real(pd), _as_real(gd), _as_real(acc)
            gd = _grad_for_update(pd, gd, maximize, wd)
            # state_sum.addcmul_(g, g, value=1)
            t = np.multiply(gd, gd)
            acc += t
            std = np.sqrt(acc)
            std += eps
            # param.addcdiv_(g, std, value=-clr)
            np.multiply(gd, -clr, out=t)
            t /= std
            pd += t
            p._bump()
