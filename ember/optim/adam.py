"""Adam (Kingma & Ba), with AMSGrad, L2 or decoupled weight decay and maximize."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from .optimizer import (_FLAT_MIN, Optimizer, _as_real, _check_betas, _check_group_flags,
                        _check_lr, _check_nonneg, _flat_state, _grad_for_update, _init_step,
                        _lerp_, _next_step, _run_closure, _value)

__all__ = ["Adam"]

_zeros_like = np.zeros_like
_sqrt = np.sqrt
_multiply = np.multiply
_maximum = np.maximum


class Adam(Optimizer):
    """Adam. ``decoupled_weight_decay=True`` makes it AdamW."""

    def __init__(self, params, lr: float | Tensor = 1e-3,
                 betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and "
                                 "foreach=True")
        _check_lr(lr)
        _check_nonneg("epsilon", eps)
        _check_betas(betas)
        _check_nonneg("weight_decay", weight_decay)
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, b in enumerate(betas):
            if isinstance(b, Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for "
                                     "capturable=False and foreach=True")
                if b.numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(b.squeeze() if isinstance(b, Tensor) and b.dim() != 0 else b
                      for b in betas)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable,
                    "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("fused", None)
        self._steps_to_tensors()

    def step(self, closure=None):
        """One Adam step over every parameter that has a gradient; returns the closure's
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
        beta1 = _value(beta1)
        beta2 = _value(beta2)
        eps = group["eps"]
        wd = _value(group["weight_decay"])
        amsgrad = group["amsgrad"]
        maximize = group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        states = self.state
        items = []
        for p in group["params"]:
            if p._grad is None:
                continue
            st = states[p]
            if not st:
                pd = p._data
                _init_step(st)
                st["exp_avg"] = Tensor._wrap(_zeros_like(pd))
                st["exp_avg_sq"] = Tensor._wrap(_zeros_like(pd))
                if amsgrad:
                    st["max_exp_avg_sq"] = Tensor._wrap(_zeros_like(pd))
            items.append((p, st, _next_step(st["step"])))
        if not items:
            return
        # Scalars of torch's single-tensor Adam, in its order of operations.
        step = items[0][2]
        uniform = all(it[2] == step for it in items)
        if uniform and len(items) >= _FLAT_MIN and len(items) == len(group["params"]):
            flat = _flat_state(self, group, [it[1] for it in items],
                               _KEYS_AMS if amsgrad else _KEYS)
            if flat is not None:
                self._flat_step(flat, items, lr, beta1, beta2, eps, wd, amsgrad, maximize,
                                decoupled, step)
                return
        for p, st, step in items:
            self._param_step(p, st, lr, beta1, beta2, eps, wd, amsgrad, maximize, decoupled,
                             step)

    @staticmethod
    def _param_step(p, st, lr, beta1, beta2, eps, wd, amsgrad, maximize, decoupled,
                    step) -> None:
        pd = p._data
        if wd != 0 and decoupled:
            pd *= 1 - lr * wd
        gd = p._grad._data
        m = st["exp_avg"]._data
        v = st["exp_avg_sq"]._data
        mx = st["max_exp_avg_sq"]._data if amsgrad else None
        if pd.ndim == 0 or pd.dtype.kind == "c":
            pd, gd, m, v = _as_real(pd), _as_real(gd), _as_real(m), _as_real(v)
            mx = None if mx is None else _as_real(mx)
        gd = _grad_for_update(pd, gd, maximize, 0 if decoupled else wd)
        d = np.empty_like(m)
        _adam_update(m, v, mx, gd, d, None, beta1, beta2, eps, lr, step)
        pd += d
        p._bump()

    @staticmethod
    def _flat_step(flat, items, lr, beta1, beta2, eps, wd, amsgrad, maximize, decoupled,
                   step) -> None:
        g, d = flat.g, flat.d
        np.concatenate([p._grad._data.reshape(-1) for p, _, _ in items], out=g)
        if maximize:
            np.negative(g, out=g)
        if wd != 0:
            if decoupled:
                for p, _, _ in items:
                    pd = p._data
                    pd *= 1 - lr * wd
            else:
                np.concatenate([p._data.reshape(-1) for p, _, _ in items], out=d)
                d *= wd
                g += d
        bufs = flat.bufs
        # The gradient buffer is free once the moments are updated: it takes the denominator.
        _adam_update(bufs[0], bufs[1], bufs[2] if amsgrad else None, g, d, g, beta1, beta2,
                     eps, lr, step)
        for (p, _, _), dv in zip(items, flat.d_views):
            pd = p._data
            pd += dv
            p._bump()


_KEYS = ("exp_avg", "exp_avg_sq")
_KEYS_AMS = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")


def _adam_update(m, v, mx, g, d, denom, beta1, beta2, eps, lr, step) -> None:
    """Update the moments in place and leave the parameter's increment in ``d``, with torch's
    operations: ``m.lerp_(g, 1 - beta1)``, ``v.mul_(beta2).addcmul_(g, g, value=1 - beta2)``,
    ``denom = sqrt(v) / sqrt(bias_correction2) + eps``, ``-step_size * m / denom``.
    ``denom`` is scratch (None: allocate one)."""
    _lerp_(m, g, 1 - beta1, d)
    v *= beta2
    _multiply(g, 1 - beta2, out=d)
    d *= g
    v += d
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = bias_correction2 ** 0.5
    if mx is not None:
        _maximum(mx, v, out=mx)
        v = mx
    denom = _sqrt(v, out=denom) if denom is not None else _sqrt(v)
    denom /= bias_correction2_sqrt
    denom += eps
    _multiply(m, -step_size, out=d)
    d /= denom
