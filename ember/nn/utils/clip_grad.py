"""Gradient clipping, in place on ``.grad``, as PyTorch computes it."""
from __future__ import annotations

import math

import numpy as np

from ..._tensor import Tensor


def _grads(parameters) -> list:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p._grad for p in parameters if p._grad is not None]


def _norm(a: np.ndarray, p: float):
    if p == math.inf:
        return np.abs(a).max() if a.size else np.zeros((), a.dtype)
    if p == 2:
        return np.sqrt(np.sum(a * a, dtype=a.dtype))
    return np.sum(np.abs(a) ** p, dtype=a.dtype) ** (1.0 / p)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """The norm of all given tensors' norms (a 0-d tensor)."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    tensors = list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._wrap(np.zeros((), np.float32))
    norms = np.array([_norm(t._data, norm_type) for t in tensors])
    total = _norm(norms.astype(tensors[0]._data.dtype), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm "
                           "anyway, set `error_if_nonfinite=False`")
    return Tensor._wrap(np.asarray(total))


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale gradients so their total norm is at most ``max_norm``; returns the norm."""
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    if not grads:
        return total
    dt = grads[0]._data.dtype
    coef = np.asarray(float(max_norm), dt) / (total._data.astype(dt) + np.asarray(1e-6, dt))
    coef = np.minimum(coef, np.asarray(1.0, dt))
    for g in grads:
        g._data *= coef.astype(g._data.dtype)
        g._bump()
    return total


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element into [-clip_value, clip_value]."""
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
        g._bump()
