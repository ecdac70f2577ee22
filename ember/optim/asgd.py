"""ASGD (Polyak and Juditsky): SGD with a decaying step and a running average of the
parameters (``state["ax"]``) for use after training."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _as_real, _check_group_flags, _check_lr, _check_nonneg,
                        _counted_items, _grad_for_update, _value)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD: ``param = param * (1 - lambd * eta) - eta * grad``, ``ax`` the average of
    the parameters from step ``t0`` on; ``eta = lr / (1 + lambd * lr * step) ** alpha``."""

    def __init__(self, params, lr: float | Tensor = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check_lr(lr)
        _check_nonneg("weight_decay", weight_decay)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    _group_defaults = {"foreach": None, "maximize": False, "differentiable": False,
                       "capturable": False}
    _tensor_state_keys = ("step", "eta", "mu")

    def step(self, closure=None):
        """One ASGD step over every parameter that has a gradient; returns the closure's
        loss."""
        return self._step_groups(closure)

    def _update_group(self, group: dict) -> None:
        # torch's single-tensor loop, whole parameters at a time: the average reads the
        # updated parameter, and eta and mu are each parameter's own state
        _check_group_flags(group)
        lr = _value(group["lr"])
        lambd, alpha, t0 = group["lambd"], group["alpha"], group["t0"]
        wd = _value(group["weight_decay"])
        for p, st, step in _counted_items(self, group, ("ax",), {"eta": lr, "mu": 1.0}):
            pd = _as_real(p._data)
            g = _grad_for_update(pd, _as_real(p._grad._data), group["maximize"], wd)
            eta_t, mu_t = st["eta"]._data, st["mu"]._data
            eta = eta_t.item()
            pd *= 1 - lambd * eta                   # the decay term
            pd += np.multiply(g, -eta)             # the SGD step
            ax = _as_real(st["ax"]._data)
            mu = mu_t.item()
            if mu != 1:
                ax += np.multiply(pd - ax, mu_t)
            else:
                np.copyto(ax, pd)
            eta_t[()] = lr / ((1 + lambd * lr * step) ** alpha)
            mu_t[()] = 1 / max(1, step - t0)
            p._bump()
