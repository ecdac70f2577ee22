"""Adadelta (Zeiler): steps scaled by running averages of squared gradients and updates."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _check_group_flags, _check_lr, _check_nonneg, _counted_items,
                        _Plan, _step_params, _value)

__all__ = ["Adadelta"]



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

    _group_defaults = {"foreach": None, "maximize": False, "differentiable": False,
                       "capturable": False}
    _tensor_state_keys = ("step",)

    def step(self, closure=None):
        """One Adadelta step over every parameter that has a gradient; returns the closure's
        loss."""
        return self._step_groups(closure)

    def _update_group(self, group: dict) -> None:
        _check_group_flags(group)
        plan = _Plan(_adadelta_core, (group["rho"], group["eps"], _value(group["lr"])),
                     group["maximize"], _value(group["weight_decay"]))
        # (the update does not depend on the step count: one plan for every parameter)
        items = [(p, st, None) for p, st, _ in _counted_items(self, group, _KEYS)]
        _step_params(self, group, items, _KEYS, lambda _: plan)


_KEYS = ("square_avg", "acc_delta")   # the state buffers, in torch's order


def _adadelta_core(arrays: list, plan: _Plan) -> None:
    """``arrays = [out, grad, square_avg, acc_delta]``, with torch's operations:
    ``square_avg.mul_(rho).addcmul_(g, g, value=1 - rho)``, ``std = (square_avg +
    eps).sqrt_()``, ``delta = (acc_delta + eps).sqrt_().div_(std).mul_(g)``,
    ``acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)``, ``-lr * delta``."""
    d, g, sq, acc = arrays
    rho, eps, lr = plan.hp
    sq *= rho
    np.multiply(g, 1 - rho, out=d)
    d *= g
    sq += d
    std = np.add(sq, eps)
    np.sqrt(std, out=std)
    delta = np.add(acc, eps)
    np.sqrt(delta, out=delta)
    delta /= std
    delta *= g
    acc *= rho
    np.multiply(delta, 1 - rho, out=d)
    d *= delta
    acc += d
    np.multiply(delta, -lr, out=d)
