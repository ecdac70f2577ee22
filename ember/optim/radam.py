"""RAdam (Liu et al.): Adam with a rectified adaptive learning rate."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.anp import recip_array
from .optimizer import (Optimizer, _check_betas, _check_group_flags, _check_lr, _check_nonneg,
                        _counted_items, _lerp_, _Plan, _step_params, _value)

__all__ = ["RAdam"]



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

    _group_defaults = {"foreach": None, "maximize": False, "differentiable": False,
                       "decoupled_weight_decay": False, "capturable": False}
    _tensor_state_keys = ("step",)

    def step(self, closure=None):
        """One RAdam step over every parameter that has a gradient; returns the closure's
        loss."""
        return self._step_groups(closure)

    def _update_group(self, group: dict) -> None:
        _check_group_flags(group)
        lr = _value(group["lr"])
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        wd = _value(group["weight_decay"])
        decoupled = group["decoupled_weight_decay"]
        maximize = group["maximize"]
        items = _counted_items(self, group, _KEYS)

        def make_plan(step: float) -> _Plan:
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
            rect = None
            if rho_t > 5.0:
                # Rectified: the variance of the adaptive lr is tractable.
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            hp = (beta1, beta2, eps, lr, bias_correction1, bias_correction2 ** 0.5, rect)
            if decoupled:
                return _Plan(_radam_core, hp, maximize, 0, 1 - lr * wd if wd != 0 else 1)
            return _Plan(_radam_core, hp, maximize, wd)

        _step_params(self, group, items, _KEYS, make_plan)


_KEYS = ("exp_avg", "exp_avg_sq")   # the state buffers, in torch's order


def _radam_core(arrays: list, plan: _Plan) -> None:
    """``arrays = [out, grad, exp_avg, exp_avg_sq]``: the moments as Adam's, then torch's
    ``exp_avg / bias_correction1 * lr`` (times ``adaptive_lr * rect`` when rectified, where
    ``adaptive_lr = bias_correction2 ** 0.5 / (exp_avg_sq.sqrt() + eps)`` is computed as a
    scalar over a tensor: reciprocal, then product), negated into ``out``."""
    d, g, m, v = arrays
    beta1, beta2, eps, lr, bias_correction1, bias_correction2_sqrt, rect = plan.hp
    _lerp_(m, g, 1 - beta1, d)
    v *= beta2
    np.multiply(g, 1 - beta2, out=d)
    d *= g
    v += d
    np.divide(m, bias_correction1, out=d)
    d *= lr
    if rect is not None:
        adaptive = np.sqrt(v)
        adaptive += eps
        recip_array(adaptive, out=adaptive)
        adaptive *= bias_correction2_sqrt
        d *= adaptive
        d *= rect
    np.negative(d, out=d)
