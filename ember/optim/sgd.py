"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from .optimizer import (Optimizer, _check_group_flags, _grad_for_update,
                        _run_closure, _value)

__all__ = ["SGD"]

_multiply = np.multiply


class SGD(Optimizer):
    """SGD: ``p -= lr * g`` where ``g`` may carry momentum (optionally Nesterov's)."""

    def __init__(self, params, lr: float | Tensor = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float | Tensor = 0,
                 nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def step(self, closure=None):
        """One SGD step over every parameter that has a gradient; returns the closure's
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
        wd = _value(group["weight_decay"])
        momentum = group["momentum"]
        dampening = group["dampening"]
        nesterov = group["nesterov"]
        maximize = group["maximize"]
        neg_lr = -lr
        states = self.state
        for p in group["params"]:
            g = p._grad
            if g is None:
                continue
            pd = p._data
            gd0 = g._data
            if pd.ndim == 0:
                pd, gd0 = pd.reshape(1), gd0.reshape(1)
            gd = _grad_for_update(pd, gd0, maximize, wd)
            owned = gd is not gd0
            if momentum != 0:
                st = states[p]
                buf_t = st.get("momentum_buffer")
                if buf_t is None:
                    # The first buffer is a copy of the gradient (no decay of zeros).
                    buf = gd if owned else gd.copy()
                    st["momentum_buffer"] = Tensor._wrap(buf.reshape(p._data.shape))
                    owned = False
                else:
                    buf = buf_t._data
                    if buf.ndim == 0:
                        buf = buf.reshape(1)
                    buf *= momentum
                    if dampening == 0:
                        buf += gd
                    else:
                        buf += _multiply(gd, 1 - dampening)
                    st["momentum_buffer"] = buf_t
                if nesterov:
                    t = _multiply(buf, momentum)
                    gd = np.add(gd, t, out=t)
                    owned = True
                else:
                    gd = buf
                    owned = False
            # param.add_(g, alpha=-lr)
            if owned:
                gd *= neg_lr
                pd += gd
            else:
                pd += _multiply(gd, neg_lr)
            p._bump()
