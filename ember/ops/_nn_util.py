"""Helpers shared by the nn op families (argument checks, in-place activation)."""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._tensor import Tensor, check_inplace
from ..autograd.graph import Node
from . import inplace as _ip

_wrap = Tensor._wrap


def _tname(x) -> str:
    """PyTorch's scalar-type name of a tensor ('Float', 'Long', ...)."""
    return x.dtype._legacy[:-6]


def _check_tensor(x, fname: str, arg: str = "input", pos: int = 1) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _float_data(x: Tensor, kernel: str) -> np.ndarray:
    """The data of a floating tensor; PyTorch's NotImplementedError for other dtypes."""
    d = x._data
    if d.dtype.kind != "f" and d.dtype != _dtype.BF16:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_tname(x)}\'')
    return d


def _const(a) -> Tensor:
    return _wrap(np.asarray(a))


def _wants(node: Node, i: int) -> bool:
    """Whether input ``i`` of ``node`` needs a gradient."""
    return node.next_functions[i][0] is not None


def _inplace(input: Tensor, out_of_place, *args) -> Tensor:
    """Run an activation in place: the out-of-place result is written back into ``input`` (its
    autograd history rebased onto the new values, as PyTorch's in-place ops do)."""
    check_inplace(input)
    if _ip.needs_graph(input):
        return _ip.commit(input, out_of_place(_ip.snapshot(input), *args))
    r = out_of_place(input, *args)
    _ip.write(input, r._data)
    return input
