"""Flatten parameters to one vector and back."""
from __future__ import annotations

import numpy as np

from ..._tensor import Tensor
from ...ops.shape import cat


def parameters_to_vector(parameters) -> Tensor:
    """One 1-d tensor of all parameters (differentiable)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy slices of ``vec`` into the parameters' data."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    offset = 0
    for p in parameters:
        n = p.numel()
        p._data = np.array(vec._data[offset:offset + n].reshape(p._data.shape))
        offset += n
