"""Adadelta (Zeiler): steps scaled by running averages of squared gradients and updates."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from .optimizer import (Optimizer, _as_real, _check_group_flags, _check_lr, _check_nonneg,
                        _grad_for_update, _init_step, _next_step, _run_closure, _value)

__all__ = ["Adadelta"]

_zeros_like = np.zeros_like


class Adadelta(Optimizer):
    """Adadelta: ``delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g``."""

    def __init__(self, params, lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonneg("epsilon", eps)
        _check_nonneg("weight_decay", weight_decay)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
        self._steps_to_tensors()

    def step(self, closure=None):
        """One Adadelta step over every parameter that has a gradient; returns the closure's
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
        rho = group["rho"]
        eps = group["eps"]
        wd = _value(group["weight_decay"])
        maximize = group["maximize"]
        w = 1 - rho
        states = self.state
        for p in group["params"]:
            g = p._grad
            if g is None:
                continue
            pd = p._data
            st = states[p]
            if not st:
                _init_step(st)
                st["square_avg"] = Tensor._wrap(_zeros_like(pd))
                st["acc_delta"] = Tensor._wrap(_zeros_like(pd))
            _next_step(st["step"])
            gd = g._data
            sq = st["square_avg"]._data
            acc = st["acc_delta"]._data
            if pd.ndim == 0 or pd.dtype.kind == "c":
                pd, gd, sq, acc = _as_real(pd), _as_real(gd), _as_real(sq), _as_real(acc)
            gd = _grad_for_update(pd, gd, maximize, wd)
            # square_avg.mul_(rho).addcmul_(g, g, value=1 - rho)
            sq *= rho
            t = np.multiply(gd, w)
            t *= gd
            sq += t
            std = np.add(sq, eps)
            np.sqrt(std, out=std)
            delta = np.add(acc, eps)
            np.sqrt(delta, out=delta)
            delta /= std
            delta *= gd
            # acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
            acc *= rho
            np.multiply(delta, w, out=t)
            t *= delta
            acc += t
            # param.add_(delta, alpha=-lr)
            delta *= -lr
            pd += delta
            p._bump()
