"""``default_collate`` and ``default_convert``: samples to batches, as PyTorch does."""
from __future__ import annotations

import collections.abc

import numpy as np

from ..._tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_NP_STR = ("U", "S", "O")


def default_collate(batch):
    """Stack tensors/arrays/numbers into tensors; recurse into dicts, tuples and lists."""
    from ...ops.creation import tensor
    from ...ops.shape import stack
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in _NP_STR:
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, "
                            f"numbers, dicts or lists; found {elem.dtype}")
        return stack([Tensor._wrap(np.asarray(b)) for b in batch], 0)
    if isinstance(elem, np.generic) and elem.dtype.kind not in _NP_STR:
        return Tensor._wrap(np.array(batch))
    if isinstance(elem, float):
        from ..._dtype import float64
        return tensor(batch, dtype=float64)
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        try:
            return type(elem)({k: default_collate([d[k] for d in batch]) for k in elem})
        except TypeError:
            return {k: default_collate([d[k] for d in batch]) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        size = len(next(it))
        if not all(len(e) == size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(s) for s in transposed]
        try:
            return type(elem)([default_collate(s) for s in transposed])
        except TypeError:
            return [default_collate(s) for s in transposed]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                    f"dicts or lists; found {type(elem)}")


def default_convert(data):
    """Arrays to tensors, recursively; everything else unchanged (batch_size=None)."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in _NP_STR:
        return Tensor._wrap(data)
    if isinstance(data, np.generic) and data.dtype.kind not in _NP_STR:
        return Tensor._wrap(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return type(data)({k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data
