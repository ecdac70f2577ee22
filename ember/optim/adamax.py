"""Adamax: Adam's variant with an infinity-norm second moment."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from .optimizer import (Optimizer, _as_real, _check_betas, _check_group_flags, _check_lr,
                        _check_nonneg, _grad_for_update, _init_step, _lerp_, _next_step,
                        _run_closure, _value)

__all__ = ["Adamax"]

_zeros_like = np.zeros_like


class Adamax(Optimizer):
    """Adamax: ``exp_inf = max(beta2 * exp_inf, |g| + eps)``."""

    def __init__(self, params, lr: float | Tensor = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        _check_lr(lr)
        _check_nonneg("epsilon", eps)
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
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
        """One Adamax step over every parameter that has a gradient; returns the closure's
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
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        wd = _value(group["weight_decay"])
        maximize = group["maximize"]
        w1 = 1 - beta1
        states = self.state
        for p in group["params"]:
            g = p._grad
            if g is None:
                continue
            pd = p._data
            st = states[p]
            if not st:
                _init_step(st)
                st["exp_avg"] = Tensor._wrap(_zeros_like(pd))
                st["exp_inf"] = Tensor._wrap(_zeros_like(pd))
            step = _next_step(st["step"])
            gd = g._data
            m = st["exp_avg"]._data
            u = st["exp_inf"]._data
            if pd.ndim == 0 or pd.dtype.kind == "c":
                pd, gd, m, u = _as_real(pd), _as_real(gd), _as_real(m), _as_real(u)
            gd = _grad_for_update(pd, gd, maximize, wd)
            t = np.empty_like(m)
            _lerp_(m, gd, w1, t)
            # torch.maximum(exp_inf.mul_(beta2), grad.abs().add_(eps), out=exp_inf)
            u *= beta2
            np.abs(gd, out=t)
            t += eps
            np.maximum(u, t, out=u)
            clr = lr / (1 - beta1 ** step)
            # param.addcdiv_(exp_avg, exp_inf, value=-clr)
            np.multiply(m, -clr, out=t)
            t /= u
            pd += t
            p._bump()
