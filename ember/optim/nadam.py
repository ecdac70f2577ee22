"""NAdam (Dozat): Adam with Nesterov momentum and a momentum-decay schedule."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from .optimizer import (Optimizer, _as_real, _check_betas, _check_group_flags, _check_lr,
                        _check_nonneg, _grad_for_update, _init_step, _lerp_, _next_step,
                        _run_closure, _scalar_tensor, _value)

__all__ = ["NAdam"]

_zeros_like = np.zeros_like


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

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
        self._steps_to_tensors(("step", "mu_product"))

    def step(self, closure=None):
        """One NAdam step over every parameter that has a gradient; returns the closure's
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
        momentum_decay = group["momentum_decay"]
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
                st["mu_product"] = _scalar_tensor(1.0)
                st["exp_avg"] = Tensor._wrap(_zeros_like(pd))
                st["exp_avg_sq"] = Tensor._wrap(_zeros_like(pd))
            step = _next_step(st["step"])
            bias_correction2 = 1 - beta2 ** step
            if wd != 0 and decoupled:
                pd *= 1 - lr * wd
            gd = g._data
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
            # mu_product is a scalar tensor: the product rounds in its own dtype.
            mp = st["mu_product"]._data
            np.multiply(mp, mu, out=mp)
            mu_product = mp.item()
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
            denom = np.divide(v, bias_correction2)
            np.sqrt(denom, out=denom)
            mu_product_next = mu_product * mu_next
            denom += eps
            # Two addcdiv_: the gradient's part, then the momentum's.
            np.multiply(gd, -lr * (1.0 - mu) / (1.0 - mu_product), out=t)
            t /= denom
            pd += t
            np.multiply(m, (-lr * mu_next) / (1.0 - mu_product_next), out=t)
            t /= denom
            pd += t
            p._bump()
