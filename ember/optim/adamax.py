"""Adamax: Adam's variant with an infinity-norm second moment."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _check_betas, _check_group_flags, _check_lr, _check_nonneg,
                        _counted_items, _lerp_, _Plan, _step_params, _value)

__all__ = ["Adamax"]



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

    _group_defaults = {"foreach": None, "maximize": False, "differentiable": False,
                       "capturable": False}
    _tensor_state_keys = ("step",)

    def step(self, closure=None):
        """One Adamax step over every parameter that has a gradient; returns the closure's
        loss."""
        return self._step_groups(closure)

    def _update_group(self, group: dict) -> None:
        _check_group_flags(group)
        lr = _value(group["lr"])
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        wd = _value(group["weight_decay"])
        maximize = group["maximize"]
        items = _counted_items(self, group, _KEYS)

        def make_plan(step: float) -> _Plan:
            clr = lr / (1 - beta1 ** step)
            return _Plan(_adamax_core, (beta1, beta2, eps, -clr), maximize, wd)

        _step_params(self, group, items, _KEYS, make_plan)


_KEYS = ("exp_avg", "exp_inf")   # the state buffers, in torch's order


def _adamax_core(arrays: list, plan: _Plan) -> None:
    """``arrays = [out, grad, exp_avg, exp_inf]``: torch's ``exp_avg.lerp_(g, 1 - beta1)``,
    ``torch.maximum(exp_inf.mul_(beta2), g.abs().add_(eps), out=exp_inf)``,
    ``addcdiv(exp_avg, exp_inf, value=-clr)``."""
    d, g, m, u = arrays
    beta1, beta2, eps, neg_clr = plan.hp
    _lerp_(m, g, 1 - beta1, d)
    u *= beta2
    np.abs(g, out=d)
    d += eps
    np.maximum(u, d, out=u)
    np.multiply(m, neg_clr, out=d)
    d /= u
