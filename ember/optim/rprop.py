"""Rprop (Riedmiller and Braun): a per-element step size that grows while the gradient keeps
its sign and shrinks when it flips; the update uses only the gradient's sign."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _as_real, _check_group_flags, _check_lr, _counted_items,
                        _Plan, _step_params, _value)

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop: ``step_size *= etaplus`` (same sign) or ``etaminus`` (sign flip, and that
    element waits a step), clamped to ``step_sizes``; ``param -= sign(grad) * step_size``."""

    def __init__(self, params, lr: float | Tensor = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    _group_defaults = {"foreach": None, "maximize": False, "differentiable": False,
                       "capturable": False}
    _tensor_state_keys = ("step",)

    def step(self, closure=None):
        """One Rprop step over every parameter that has a gradient; returns the closure's
        loss."""
        return self._step_groups(closure)

    def _update_group(self, group: dict) -> None:
        _check_group_flags(group)
        lr = _value(group["lr"])
        etaminus, etaplus = group["etas"]
        smin, smax = group["step_sizes"]
        items = _counted_items(self, group, _KEYS)
        for _, st, step in items:
            if step == 1.0:    # a new state: torch's step sizes start at lr (both parts of
                _as_real(st["step_size"]._data)[...] = lr     # a complex one), not zero
        plan = _Plan(_rprop_core, (etaminus, etaplus, smin, smax), group["maximize"])
        _step_params(self, group, items, _KEYS, lambda step: plan)


_KEYS = ("prev", "step_size")   # the state buffers, in torch's order


def _rprop_core(arrays: list, plan: _Plan) -> None:
    """``arrays = [out, grad, prev, step_size]``: torch's sign of ``grad * prev`` mapped to
    etaplus/etaminus/1 (NaN stays NaN), ``step_size.mul_(sign).clamp_(min, max)``, the
    gradient zeroed where the sign flipped, ``param.addcmul_(grad.sign(), step_size,
    value=-1)`` and ``prev.copy_(grad)``."""
    d, g, prev, ss = arrays
    etaminus, etaplus, smin, smax = plan.hp
    s = np.multiply(g, prev)
    f = np.where(s > 0, etaplus, np.where(s < 0, etaminus, np.where(s == 0, 1.0, s)))
    f = f.astype(ss.dtype, copy=False)
    ss *= f
    np.clip(ss, smin, smax, out=ss)
    np.copyto(prev, g)
    prev[f == etaminus] = 0
    np.sign(prev, out=d)
    d *= ss
    np.negative(d, out=d)
