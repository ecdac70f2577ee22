"""``nn.functional``: the stateless forms of layers, activations and losses."""
from __future__ import annotations

from .._tensor import Tensor
from ..ops import pointwise as _pw


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)``; in place when ``inplace``."""
    return _pw.relu_(input) if inplace else _pw.relu(input)


def relu_(input: Tensor) -> Tensor:
    return _pw.relu_(input)
