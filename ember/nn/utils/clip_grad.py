"""Gradient clipping, in place on ``.grad``, computed as PyTorch computes it on the CPU: one
vector norm per gradient, the norm of those norms, and one scale factor for all."""
from __future__ import annotations

import math
import types
import warnings

import numpy as np

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm"]


def _as_list(tensors) -> list:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(a: np.ndarray, p: float) -> np.ndarray:
    """``linalg.vector_norm(a, p)`` over all elements, as a 0-d array of a's dtype."""
    if p == math.inf or p == -math.inf:
        if a.size == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p} norm on an empty "
                               "tensor because the operation does not have an identity")
        r = np.abs(a).max() if p > 0 else np.abs(a).min()
    elif p == 0:
        r = np.count_nonzero(a)
    elif p == 1:
        r = np.abs(a).sum()
    elif p == 2:
        r = np.sqrt(np.sum(a * a))
    else:
        r = np.sum(np.abs(a) ** p) ** (1.0 / p)
    return np.asarray(r, a.dtype)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """The ``norm_type`` norm of the tensors' norms: the norm of all their elements as one
    vector (a 0-d tensor)."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._wrap(np.zeros((), np.float32))
    norms = [_vector_norm(t._data, norm_type) for t in tensors]
    dt = np.result_type(*norms)
    total = Tensor._wrap(_vector_norm(np.array(norms, dtype=dt), norm_type))
    if error_if_nonfinite and not np.isfinite(total._data):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm "
                           "anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters, max_norm: float, total_norm: Tensor,
                          foreach=None) -> None:
    """Scale the gradients by ``min(1, max_norm / (total_norm + 1e-6))``."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    max_norm = float(max_norm)
    if not grads:
        return
    tn = total_norm._data
    # max_norm / (total_norm + 1e-6), clamped to 1, in the norm's dtype
    coef = np.minimum(tn.dtype.type(max_norm) / (tn + tn.dtype.type(1e-6)), tn.dtype.type(1.0))
    with no_grad():
        for g in grads:
            g._data *= coef.astype(g._data.dtype)
            g._bump()


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale gradients in place so their total norm is at most ``max_norm``; returns the total
    norm from before clipping."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will "
                          "occur.", stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Deprecated alias of ``clip_grad_norm_``."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    grads = [p.grad for p in parameters if p.grad is not None]
    for g in grads:
        np.clip(g._data, -clip_value, clip_value, out=g._data)
        g._bump()
