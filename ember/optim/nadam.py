"""NAdam (Dozat): Adam with Nesterov momentum and a momentum-decay schedule."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _check_betas, _check_group_flags, _check_lr, _check_nonneg,
                        _counted_items, _lerp_, _Plan, _step_params, _value)

__all__ = ["NAdam"]



class NAdam(Optimizer):
    """NAdam, optionally with decoupled (AdamW-style) weight decay."""

    def __init__(self, params, lr: float | Tensor = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        _check_nonneg("epsilon", eps)
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("momentum_decay", momentum_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    _group_defaults = {"maximize": False, "foreach": None, "capturable": False,
                       "differentiable": False, "decoupled_weight_decay": False}
    _tensor_state_keys = ("step", "mu_product")

    def step(self, closure=None):
        """One NAdam step over every parameter that has a gradient; returns the closure's
        loss."""
        return self._step_groups(closure)

    def _update_group(self, group: dict) -> None:
        _check_group_flags(group)
        lr = _value(group["lr"])
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        wd = _value(group["weight_decay"])
        momentum_decay = group["momentum_decay"]
        decoupled = group["decoupled_weight_decay"]
        maximize = group["maximize"]
        items = []
        for p, st, step in _counted_items(self, group, _KEYS, {"mu_product": 1.0}):
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            # mu_product is a scalar tensor: the product rounds in its own dtype.
            mp = st["mu_product"]._data
            np.multiply(mp, mu, out=mp)
            items.append((p, st, (step, mp.item())))

        def make_plan(key: tuple) -> _Plan:
            step, mu_product = key
            bias_correction2 = 1 - beta2 ** step
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            mu_product_next = mu_product * mu_next
            hp = (beta1, beta2, eps, bias_correction2,
                  -lr * (1.0 - mu) / (1.0 - mu_product),
                  (-lr * mu_next) / (1.0 - mu_product_next))
            if decoupled:
                return _Plan(_nadam_core, hp, maximize, 0, 1 - lr * wd if wd != 0 else 1, 2)
            return _Plan(_nadam_core, hp, maximize, wd, 1, 2)

        _step_params(self, group, items, _KEYS, make_plan)


_KEYS = ("exp_avg", "exp_avg_sq")   # the state buffers, in torch's order


def _nadam_core(arrays: list, plan: _Plan) -> None:
    """``arrays = [out1, out2, grad, exp_avg, exp_avg_sq]``: the moments as Adam's, ``denom
    = exp_avg_sq.div(bias_correction2).sqrt() + eps``, then torch's two ``addcdiv_``s (the
    gradient's part into ``out1``, the momentum's into ``out2``)."""
    d1, d2, g, m, v = arrays
    beta1, beta2, eps, bias_correction2, c_grad, c_avg = plan.hp
    _lerp_(m, g, 1 - beta1, d1)
    v *= beta2
    np.multiply(g, 1 - beta2, out=d1)
    d1 *= g
    v += d1
    denom = np.divide(v, bias_correction2)
    np.sqrt(denom, out=denom)
    denom += eps
    np.multiply(g, c_grad, out=d1)
    d1 /= denom
    np.multiply(m, c_avg, out=d2)
    d2 /= denom
