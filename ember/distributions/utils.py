"""Helpers shared by the distributions: broadcasting parameters, probs and logits."""
from __future__ import annotations

from numbers import Number

from .. import _dtype
from .._tensor import Tensor

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs",
           "probs_to_logits"]


def broadcast_all(*values) -> tuple:
    """The values as tensors of one broadcast shape (numbers take the default float dtype,
    or the dtype of the tensors among them)."""
    from .. import broadcast_tensors, tensor
    if not all(isinstance(v, (Tensor, Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, "
                         "torch.Tensor or objects implementing __torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        like = next((v for v in values if isinstance(v, Tensor)), None)
        dt = like.dtype if like is not None else _dtype.get_default_dtype()
        values = [v if isinstance(v, Tensor) else tensor(v, dtype=dt) for v in values]
    return broadcast_tensors(*values)


def clamp_probs(probs: Tensor) -> Tensor:
    """Probabilities kept an epsilon away from 0 and 1."""
    eps = _dtype.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """Softmax over the last dimension (the logistic sigmoid when ``is_binary``)."""
    if is_binary:
        return logits.sigmoid()
    return logits.softmax(-1)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """Log-probabilities (log-odds when ``is_binary``), the probabilities clamped first."""
    ps = clamp_probs(probs)
    if is_binary:
        return ps.log() - (-ps).log1p()
    return ps.log()


class lazy_property:
    """A property computed once, on first read, then stored on the instance."""

    def __init__(self, wrapped) -> None:
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        from ..autograd.grad_mode import enable_grad
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value
