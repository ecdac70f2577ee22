"""Helpers shared by the ops: dim handling, operand promotion, shape checks."""
from __future__ import annotations

import numpy as np

from .. import _dtype
from .._dtype import from_np, result_type
from .._tensor import Tensor
from .._dtype import kind as _kind

_ndarray = np.ndarray
_INT_RANGE = {np.dtype(t): (np.iinfo(t).min, np.iinfo(t).max)
              for t in (np.int8, np.int16, np.int32, np.int64, np.uint8)}


def tname(x) -> str:
    """PyTorch's short scalar-type name ('Float', 'Long', 'Bool'...) of a tensor or a NumPy
    dtype, as its messages print it."""
    dt = x._data.dtype if isinstance(x, Tensor) else np.dtype(x)
    return from_np(dt)._legacy[:-6]


def check_tensor(x, fname: str, arg: str = "input", pos: int | None = None) -> None:
    """PyTorch's TypeError when an argument that must be a tensor is not (naming its
    position ``pos`` when given, as the messages of the functional forms do)."""
    if not isinstance(x, Tensor):
        at = "" if pos is None else f" (position {pos})"
        raise TypeError(f"{fname}(): argument '{arg}'{at} must be Tensor, not "
                        f"{type(x).__name__}")


def wrap_dim(dim: int, ndim: int) -> int:
    """A possibly negative dim as an index, with PyTorch's IndexError when out of range."""
    n = ndim if ndim > 0 else 1  # a 0-d tensor accepts dims -1 and 0
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


def wrap_dims(dim, ndim: int) -> tuple:
    """An int or a sequence of dims as a sorted tuple; PyTorch's error for a repeat."""
    if isinstance(dim, (int, np.integer)):
        return (wrap_dim(int(dim), ndim),)
    out = []
    for d in dim:
        w = wrap_dim(int(d), ndim)
        if w in out:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        out.append(w)
    return tuple(sorted(out))


def shape_arg(size) -> tuple:
    """Sizes given as ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or a Size, as a tuple.

    Negative values are left to the caller: view/reshape/expand infer -1, permute wraps
    dims; creation checks with ``new_shape``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        shape = tuple(int(s) for s in size)
    except TypeError:
        bad = next(s for s in size if not isinstance(s, (int, np.integer, Tensor)))
        raise TypeError(f"expected a sequence of ints as size, but got an element of type "
                        f"{type(bad).__name__}") from None
    return shape


def new_shape(size) -> tuple:
    """``shape_arg`` for creating a tensor: every size must be >= 0."""
    shape = shape_arg(size)
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(shape)}")
    return shape


def scalar_value(x):
    """A Python number for a NumPy scalar (so it acts as a weak operand, like PyTorch's)."""
    if isinstance(x, np.generic):
        return x.item()
    return x


def broadcast_shapes(sa: tuple, sb: tuple) -> tuple:
    """The broadcast shape, or PyTorch's RuntimeError naming the mismatching sizes."""
    if sa == sb:
        return sa
    na, nb = len(sa), len(sb)
    n = max(na, nb)
    out = []
    for i in range(-n, 0):
        x = sa[i] if -i <= na else 1
        y = sb[i] if -i <= nb else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {n + i}")
        out.append(y if x == 1 else x)
    return tuple(out)


def check_broadcast(a: np.ndarray, b) -> None:
    if isinstance(b, _ndarray) and a.shape != b.shape:
        broadcast_shapes(a.shape, b.shape)


def _fit_int_scalar(arr: np.ndarray, s):
    # NumPy refuses a Python int outside an int dtype's range; PyTorch wraps it around.
    lo, hi = _INT_RANGE.get(arr.dtype, (None, None))
    if lo is not None and not lo <= s <= hi:
        return np.array(s).astype(arr.dtype)
    return s


def binary_arrays(a, b):
    """NumPy operands for a binary op, cast to PyTorch's result dtype.

    Python numbers stay Python numbers: NumPy 2 treats them as weak scalars, which matches
    PyTorch's wrapped-number rule except for a float with an integer or bool tensor."""
    if isinstance(b, Tensor):
        if isinstance(a, Tensor):
            da, db = a._data, b._data
            if da.dtype is db.dtype:
                return da, db
            rt = result_type(a, b).np
            return (da if da.dtype == rt else da.astype(rt),
                    db if db.dtype == rt else db.astype(rt))
        a, b = b, a
        swap = True
    else:
        swap = False
        if not isinstance(a, Tensor):
            raise TypeError(f"expected at least one Tensor operand, got {type(a).__name__} and "
                            f"{type(b).__name__}")
    da = a._data
    s = scalar_value(b)
    kind = _kind(da.dtype)
    if isinstance(s, bool):
        pass
    elif isinstance(s, int):
        if kind == "b":
            da = da.astype(np.int64)
        elif kind in "iu":
            s = _fit_int_scalar(da, s)
    elif isinstance(s, float):
        if kind not in "fc":
            da = da.astype(_dtype.get_default_dtype().np)
    elif isinstance(s, complex):
        if kind != "c":
            da = da.astype(result_type(a, s).np)
    else:
        raise TypeError(f"unsupported operand type: {type(b).__name__}; expected a Tensor or "
                        "a number")
    return (s, da) if swap else (da, s)


def sum_to(grad: Tensor, shape: tuple) -> Tensor:
    """Sum a broadcast gradient back to ``shape`` (ember ops, so it stays differentiable)."""
    dims = reduced_dims(grad._data.shape, shape)
    if dims:
        grad = grad.sum(dims, keepdim=True)
    if grad._data.shape != shape:
        grad = grad.reshape(shape)
    return grad


def reduced_dims(gshape: tuple, shape: tuple) -> tuple:
    """The dims of a gradient of shape ``gshape`` that broadcasting added to ``shape`` (the
    leading ones and those where ``shape`` has size 1): summed to undo the broadcast."""
    lead = len(gshape) - len(shape)
    return tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)


def dtype_of(x) -> "_dtype.dtype":
    return from_np(x._data.dtype) if isinstance(x, Tensor) else _dtype._scalar_dtype(x)
