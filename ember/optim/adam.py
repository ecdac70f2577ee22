"""Adam (Kingma & Ba), with AMSGrad, L2 or decoupled weight decay and maximize."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..ops import _reduced
from .optimizer import (BF16_CORES, Optimizer, bf16_decay_and_grad, _check_betas,
                        _check_group_flags, _check_lr, _check_nonneg, _counted_items, _lerp_,
                        _Plan, _step_params, _value)

__all__ = ["Adam"]

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

    _group_defaults = {"amsgrad": False, "maximize": False, "foreach": None, "capturable": False,
                       "differentiable": False, "decoupled_weight_decay": False, "fused": None}
    _tensor_state_keys = ("step",)

    def step(self, closure=None):
        """One Adam step over every parameter that has a gradient; returns the closure's
        loss."""
        return self._step_groups(closure)

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
        keys = _KEYS_AMS if amsgrad else _KEYS
        items = _counted_items(self, group, keys)

        def make_plan(step: float) -> _Plan:
            # torch's single-tensor Adam computes these in Python floats, in this order.
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            step_size = lr / bias_correction1
            hp = (beta1, beta2, eps, -step_size, bias_correction2 ** 0.5)
            if decoupled:
                return _Plan(_adam_core, hp, maximize, 0, 1 - lr * wd if wd != 0 else 1)
            return _Plan(_adam_core, hp, maximize, wd)

        _step_params(self, group, items, keys, make_plan)


_KEYS = ("exp_avg", "exp_avg_sq")
_KEYS_AMS = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")


def _adam_core(arrays: list, plan: _Plan) -> None:
    """``arrays = [out, grad, exp_avg, exp_avg_sq(, max_exp_avg_sq)]``: update the moments in
    place and leave the parameter's increment in ``out``, with torch's operations:
    ``m.lerp_(g, 1 - beta1)``, ``v.mul_(beta2).addcmul_(g, g, value=1 - beta2)``,
    ``denom = v.sqrt() / bias_correction2_sqrt + eps``, ``addcdiv(m, denom, -step_size)``."""
    d, g, m, v = arrays[0], arrays[1], arrays[2], arrays[3]
    beta1, beta2, eps, neg_step_size, bias_correction2_sqrt = plan.hp
    _lerp_(m, g, 1 - beta1, d)
    v *= beta2
    _multiply(g, 1 - beta2, out=d)
    d *= g
    v += d
    if len(arrays) == 5:
        mx = arrays[4]
        _maximum(mx, v, out=mx)
        v = mx
    denom = _sqrt(v)
    denom /= bias_correction2_sqrt
    denom += eps
    _multiply(m, neg_step_size, out=d)
    d /= denom


def _adam_bf16(arrays: list, plan: _Plan) -> None:
    """The Adam step on bfloat16 ``[param, grad, exp_avg, exp_avg_sq(, max_exp_avg_sq)]``,
    op by op as torch's single-tensor Adam runs it, each op computed in float32 with its
    scalar as a float32 and rounded once: ``lerp_``, ``mul_``, ``addcmul_`` (one FMA),
    ``sqrt``, ``/``, ``add_(eps)`` (an added scalar is rounded to bfloat16 first) and
    ``addcdiv_``."""
    f = np.float32
    p, m, v = arrays[0], arrays[2], arrays[3]
    bf = p.dtype
    g = bf16_decay_and_grad(p, arrays[1], plan)
    beta1, beta2, eps, neg_step_size, bias_correction2_sqrt = plan.hp
    m[...] = _reduced.lerp(m.astype(f), g, f(1 - beta1)).astype(bf)
    vf = (v.astype(f) * f(beta2)).astype(bf).astype(f)
    v[...] = _reduced.fma(f(1 - beta2) * g, g, vf).astype(bf)
    if len(arrays) == 5:
        np.maximum(arrays[4], v, out=arrays[4])
        v = arrays[4]
    denom = np.sqrt(v.astype(f)).astype(bf).astype(f)
    denom = (denom / f(bias_correction2_sqrt)).astype(bf).astype(f)
    denom = (denom + f(np.asarray(eps, bf))).astype(bf).astype(f)
    p[...] = (p.astype(f) + f(neg_step_size) * m.astype(f) / denom).astype(bf)


BF16_CORES[_adam_core] = _adam_bf16
