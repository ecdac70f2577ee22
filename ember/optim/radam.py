"""RAdam (Liu et al.): Adam with a rectified adaptive learning rate."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from .optimizer import (Optimizer, _as_real, _check_betas, _check_group_flags, _check_lr,
                        _check_nonneg, _grad_for_update, _init_step, _lerp_, _next_step,
                        _run_closure, _value)

__all__ = ["RAdam"]

_zeros_like = np.zeros_like


class RAdam(Optimizer):
    """RAdam: plain momentum steps until the variance estimate is tractable (rho_t > 5),
    then rectified Adam steps."""

    def __init__(self, params, lr: float | Tensor = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        _check_nonneg("epsilon", eps)
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("capturable", False)
        self._steps_to_tensors()

    def step(self, closure=None):
        """One RAdam step over every parameter that has a gradient; returns the closure's
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
        decoupled = group["decoupled_weight_decay"]
        maximize = group["maximize"]
        l2 = 0 if decoupled else wd
        w1 = 1 - beta1
        w2 = 1 - beta2
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
                st["exp_avg_sq"] = Tensor._wrap(_zeros_like(pd))
            step = _next_step(st["step"])
            if wd != 0 and decoupled:
                pd *= 1 - lr * wd
            gd = g._data
            m = st["exp_avg"]._data
            v = st["exp_avg_sq"]._data
            if pd.ndim == 0 or pd.dtype.kind == "c":
                pd, gd, m, v = _as_real(pd), _as_real(gd), _as_real(m), _as_real(v)
            gd = _grad_for_update(pd, gd, maximize, l2)
            t = np.empty_like(m)
            _lerp_(m, gd, w1, t)
            v *= beta2
            np.multiply(gd, w2, out=t)
            t *= gd
            v += t
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            # bias_corrected_exp_avg * lr, as torch orders it
            np.divide(m, bias_correction1, out=t)
            t *= lr
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
            if rho_t > 5.0:
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                # adaptive lr = bias_correction2 ** 0.5 / (sqrt(v) + eps), computed as
                # torch's scalar / tensor: reciprocal, then times the scalar
                ad = np.sqrt(v)
                ad += eps
                np.reciprocal(ad, out=ad)
                ad *= bias_correction2 ** 0.5
                t *= ad
                t *= rect
            pd -= t
            p._bump()
