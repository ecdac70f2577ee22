"""RMSprop (Hinton), optionally centered and with momentum."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from .optimizer import (Optimizer, _as_real, _check_group_flags, _check_lr, _check_nonneg,
                        _grad_for_update, _init_step, _lerp_, _next_step, _run_closure,
                        _value)

__all__ = ["RMSprop"]

_zeros_like = np.zeros_like
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

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("momentum", 0)
            group.setdefault("centered", False)
            group.setdefault("foreach", None)
            group.setdefault("maximize", False)
            group.setdefault("differentiable", False)
            group.setdefault("capturable", False)
        self._steps_to_tensors()

    def step(self, closure=None):
        """One RMSprop step over every parameter that has a gradient; returns the closure's
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
        alpha = group["alpha"]
        eps = group["eps"]
        wd = _value(group["weight_decay"])
        momentum = group["momentum"]
        centered = group["centered"]
        maximize = group["maximize"]
        w = 1 - alpha
        states = self.state
        for p in group["params"]:
            g = p._grad
            if g is None:
                continue
            pd = p._data
            st = states[p]
            if not st:
                _init_step(st)
                st["square_avg"] = Tensor._wrap(_zeros_like(pd))
                if momentum > 0:
                    st["momentum_buffer"] = Tensor._wrap(_zeros_like(pd))
                if centered:
                    st["grad_avg"] = Tensor._wrap(_zeros_like(pd))
            _next_step(st["step"])
            gd = g._data
            sq = st["square_avg"]._data
            if pd.ndim == 0 or pd.dtype.kind == "c":
                pd, gd, sq = _as_real(pd), _as_real(gd), _as_real(sq)
            gd = _grad_for_update(pd, gd, maximize, wd)
            # square_avg.mul_(alpha).addcmul_(g, g, value=1 - alpha)
            sq *= alpha
            t = _multiply(gd, w)
            t *= gd
            sq += t
            if centered:
                ga = _as_real(st["grad_avg"]._data)
                _lerp_(ga, gd, w, t)
                # avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
                avg = np.negative(ga)
                avg *= ga
                avg += sq
                np.sqrt(avg, out=avg)
            else:
                avg = np.sqrt(sq)
            avg += eps
            if momentum > 0:
                buf = _as_real(st["momentum_buffer"]._data)
                buf *= momentum
                np.divide(gd, avg, out=t)
                buf += t
                _multiply(buf, -lr, out=t)
                pd += t
            else:
                _multiply(gd, -lr, out=t)
                t /= avg
                pd += t
            p._bump()
