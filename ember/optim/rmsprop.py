"""RMSprop (Hinton), optionally centered and with momentum."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _check_group_flags, _check_lr, _check_nonneg, _counted_items,
                        _lerp_, _Plan, _step_params, _value)

__all__ = ["RMSprop"]

_multiply = np.multiply


class RMSprop(Optimizer):
    """RMSprop: divides the gradient by a running root mean square of recent gradients."""

    def __init__(self, params, lr: float | Tensor = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        _check_nonneg("epsilon", eps)
        _check_nonneg("momentum", momentum)
        _check_nonneg("weight_decay", weight_decay)
        _check_nonneg("alpha", alpha)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    _group_defaults = {"momentum": 0, "centered": False, "foreach": None, "maximize": False,
                       "differentiable": False, "capturable": False}
    _tensor_state_keys = ("step",)

    def step(self, closure=None):
        """One RMSprop step over every parameter that has a gradient; returns the closure's
        loss."""
        return self._step_groups(closure)

    def _update_group(self, group: dict) -> None:
        _check_group_flags(group)
        lr = _value(group["lr"])
        momentum = group["momentum"]
        centered = group["centered"]
        plan = _Plan(_rmsprop_core, (group["alpha"], group["eps"], lr, momentum, centered),
                     group["maximize"], _value(group["weight_decay"]))
        keys = ("square_avg",) + (("momentum_buffer",) if momentum > 0 else ()) + (
            ("grad_avg",) if centered else ())
        # (the update does not depend on the step count: one plan for every parameter)
        items = [(p, st, None) for p, st, _ in _counted_items(self, group, keys)]
        _step_params(self, group, items, keys, lambda _: plan)


def _rmsprop_core(arrays: list, plan: _Plan) -> None:
    """``arrays = [out, grad, square_avg(, momentum_buffer)(, grad_avg)]``, with torch's
    ``square_avg.mul_(alpha).addcmul_(g, g, value=1 - alpha)``, the centered variance
    ``square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()``, ``avg.add_(eps)``, then
    ``buf.mul_(momentum).addcdiv_(g, avg)`` and ``-lr * buf``, or ``addcdiv(g, avg, -lr)``."""
    d, g, sq = arrays[0], arrays[1], arrays[2]
    alpha, eps, lr, momentum, centered = plan.hp
    sq *= alpha
    _multiply(g, 1 - alpha, out=d)
    d *= g
    sq += d
    if centered:
        ga = arrays[-1]
        _lerp_(ga, g, 1 - alpha, d)
        avg = np.negative(ga)
        avg *= ga
        avg += sq
        np.sqrt(avg, out=avg)
    else:
        avg = np.sqrt(sq)
    avg += eps
    if momentum > 0:
        buf = arrays[3]
        buf *= momentum
        np.divide(g, avg, out=d)
        buf += d
        _multiply(buf, -lr, out=d)
    else:
        _multiply(g, -lr, out=d)
        d /= avg
