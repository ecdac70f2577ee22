"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _check_group_flags, _grad_for_update, _Plan,
                        _step_params, _value)

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

    _group_defaults = {"nesterov": False, "maximize": False, "foreach": None,
                       "differentiable": False, "fused": False}

    def step(self, closure=None):
        """One SGD step over every parameter that has a gradient; returns the closure's
        loss."""
        return self._step_groups(closure)

    def _update_group(self, group: dict) -> None:
        _check_group_flags(group)
        lr = _value(group["lr"])
        wd = _value(group["weight_decay"])
        momentum = group["momentum"]
        dampening = group["dampening"]
        nesterov = group["nesterov"]
        maximize = group["maximize"]
        plan = _Plan(_sgd_core, (-lr, momentum, dampening, nesterov), maximize, wd)
        states = self.state
        items = []
        for p in group["params"]:
            if p._grad is None:
                continue
            if momentum == 0:
                items.append((p, None, None))
                continue
            st = states[p]
            if st.get("momentum_buffer") is None:
                self._first_momentum_step(p, st, plan)
            else:
                items.append((p, st, None))
        _step_params(self, group, items, _KEYS if momentum != 0 else (), lambda _: plan)

    @staticmethod
    def _first_momentum_step(p: Tensor, st: dict, plan: _Plan) -> None:
        """The first momentum buffer is a copy of the gradient (no decay of zeros)."""
        pd = p._data
        gd = p._grad._data
        if pd.ndim == 0:
            pd, gd = pd.reshape(1), gd.reshape(1)
        g = _grad_for_update(pd, gd, plan.maximize, plan.l2)
        buf = g.copy() if g is gd else g
        st["momentum_buffer"] = Tensor._wrap(buf.reshape(p._data.shape))
        neg_lr, momentum, _, nesterov = plan.hp
        if nesterov:
            d = np.multiply(buf, momentum)
            np.add(g, d, out=d)
            d *= neg_lr
        else:
            d = np.multiply(buf, neg_lr)
        pd += d
        p._bump()


_KEYS = ("momentum_buffer",)


def _sgd_core(arrays: list, plan: _Plan) -> None:
    """``arrays = [out, grad(, momentum_buffer)]``: torch's ``buf.mul_(momentum).add_(g,
    alpha=1 - dampening)``, Nesterov's ``g.add(buf, alpha=momentum)``, then ``-lr * g`` into
    ``out``."""
    d, g = arrays[0], arrays[1]
    neg_lr, momentum, dampening, nesterov = plan.hp
    if len(arrays) == 3:
        buf = arrays[2]
        buf *= momentum
        if dampening == 0:
            buf += g
        else:
            _multiply(g, 1 - dampening, out=d)
            buf += d
        if nesterov:
            _multiply(buf, momentum, out=d)
            np.add(g, d, out=d)
            d *= neg_lr
            return
        g = buf
    _multiply(g, neg_lr, out=d)
