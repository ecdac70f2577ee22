"""dtypes, their NumPy counterparts, and PyTorch's type-promotion rules."""
from __future__ import annotations

import math
import sys

import numpy as np

__all__ = ["dtype", "get_default_dtype", "set_default_dtype", "finfo", "iinfo", "promote_types",
           "result_type", "can_cast"]

# Categories order the kinds so that a higher one wins over a lower one in promotion.
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type, printed the way PyTorch prints it (``torch.float32``)."""

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize",
                 "_category", "_legacy", "kind")

    def __init__(self, name: str, np_dtype, category: int, legacy: str, itemsize: int = 0
                 ) -> None:
        self.name = name
        self._category = category
        # NumPy gives ml_dtypes' bfloat16 kind "V"; ``kind`` is the kind PyTorch means.
        self.kind = "f" if category == _FLOAT else np.dtype(np_dtype).kind
        self.is_floating_point = category == _FLOAT
        self.is_complex = category == _COMPLEX
        self.is_signed = name not in ("uint8", "bool")
        self._legacy = legacy
        if np_dtype is None:    # bfloat16: ``np`` stays unset until first read (__getattr__)
            self.itemsize = itemsize
        else:
            self.np = np.dtype(np_dtype)
            self.itemsize = self.np.itemsize

    def __getattr__(self, name: str):
        # Reached only for an unset slot: bfloat16's NumPy dtype before ml_dtypes is loaded.
        if name == "np" and self.name == "bfloat16":
            _load_bf16()
            return self.np
        raise AttributeError(f"'torch.dtype' object has no attribute '{name}'")

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        # dtypes are singletons: pickling refers to the module attribute.
        return (_dtype_by_name, (self.name,))

    def to_real(self) -> "dtype":
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    def to_complex(self) -> "dtype":
        return {"float32": complex64, "float64": complex128}.get(self.name, self)


float16 = dtype("float16", np.float16, _FLOAT, "HalfTensor")
# bfloat16's storage is ml_dtypes' NumPy type; its ufuncs compute each element in float32 and
# round the result back, as PyTorch's CPU kernels do. ml_dtypes costs more to import than the
# rest of ember, so it is loaded when bfloat16's NumPy dtype is first needed (_load_bf16).
bfloat16 = dtype("bfloat16", None, _FLOAT, "BFloat16Tensor", 2)
float32 = dtype("float32", np.float32, _FLOAT, "FloatTensor")
float64 = dtype("float64", np.float64, _FLOAT, "DoubleTensor")
complex64 = dtype("complex64", np.complex64, _COMPLEX, "ComplexFloatTensor")
complex128 = dtype("complex128", np.complex128, _COMPLEX, "ComplexDoubleTensor")
int8 = dtype("int8", np.int8, _INT, "CharTensor")
int16 = dtype("int16", np.int16, _INT, "ShortTensor")
int32 = dtype("int32", np.int32, _INT, "IntTensor")
int64 = dtype("int64", np.int64, _INT, "LongTensor")
uint8 = dtype("uint8", np.uint8, _INT, "ByteTensor")
bool_ = dtype("bool", np.bool_, _BOOL, "BoolTensor")

_ALL = (float16, bfloat16, float32, float64, complex64, complex128, int8, int16, int32, int64,
        uint8, bool_)
_BY_NAME = {d.name: d for d in _ALL}
_BY_NP = {d.np: d for d in _ALL if d is not bfloat16}
# Until ml_dtypes is loaded no array can be bfloat16: ``BF16`` is then a NumPy dtype that no
# ember array has, so the ``a.dtype == BF16`` tests of the kernels are simply False.
BF16 = np.dtype([("ember_bfloat16_not_loaded", np.uint16)])
# The kind of every supported NumPy dtype as PyTorch sees it (bfloat16 is floating).
_KIND = {d.np: d.kind for d in _ALL if d is not bfloat16}
_BF16_HOOKS: list = []


def on_bf16_load(fn) -> None:
    """Call ``fn()`` once bfloat16's NumPy dtype exists (now, if it already does): modules
    that keep ``BF16`` in a global of their own refresh it there."""
    if _bf16_loaded:
        fn()
    else:
        _BF16_HOOKS.append(fn)


_bf16_loaded = False


def _load_bf16() -> None:
    """Import ml_dtypes and give bfloat16 its NumPy dtype, lookups and promotion entries."""
    global BF16, _bf16_loaded
    if _bf16_loaded:
        return
    import ml_dtypes
    nd = np.dtype(ml_dtypes.bfloat16)
    bfloat16.np = nd
    BF16 = nd
    _BY_NP[nd] = bfloat16
    _KIND[nd] = "f"
    _bf16_loaded = True
    for fn in _BF16_HOOKS:
        fn()
    _BF16_HOOKS.clear()


def bf16_loaded() -> bool:
    """Whether ml_dtypes (bfloat16's storage) has been loaded."""
    return _bf16_loaded


def kind(np_dtype) -> str:
    """``np_dtype.kind``, except that bfloat16 (kind "V" to NumPy) is "f"."""
    k = _KIND.get(np_dtype)
    return np_dtype.kind if k is None else k


def is_float_np(np_dtype) -> bool:
    """Whether a NumPy dtype is floating point (bfloat16 included)."""
    return np_dtype.kind == "f" or np_dtype == BF16


def cast(a: np.ndarray, np_dtype) -> np.ndarray:
    """``a.astype(np_dtype)``, converting to bfloat16 through float32 as PyTorch does (a
    double is rounded twice; ml_dtypes would round it once)."""
    if np_dtype == BF16 and a.dtype != np.float32 and a.dtype != BF16:
        a = a.astype(np.float32)
    return a.astype(np_dtype)


def compute_np(np_dtype):
    """The NumPy dtype that kernels compute in: float32 for bfloat16 (PyTorch's CPU kernels
    upcast it, then round the result back), the dtype itself otherwise."""
    return np.dtype(np.float32) if np_dtype == BF16 else np_dtype
# PyTorch's aliases, exported from the package namespace.
ALIASES = {"half": float16, "float": float32, "double": float64, "short": int16, "int": int32,
           "long": int64, "cfloat": complex64, "cdouble": complex128, "bool": bool_}


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_np(np_dtype) -> dtype:
    """The ember dtype of a NumPy dtype; TypeError for one ember does not support."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        pass
    nd = np.dtype(np_dtype)
    if nd in _BY_NP:
        return _BY_NP[nd]
    if nd.name == "bfloat16" and "ml_dtypes" in sys.modules and not bf16_loaded():
        _load_bf16()    # the caller made a bfloat16 array with ml_dtypes before ember needed it
        return from_np(nd)
    raise TypeError(
        f"can't convert np.ndarray of type numpy.{nd.type.__name__}. The only supported types "
        "are: float64, float32, float16, bfloat16, complex64, complex128, int64, int32, "
        "int16, int8, uint8, and bool.")


class _Defaults:
    __slots__ = ("float",)


_defaults = _Defaults()
_defaults.float = float32


def get_default_dtype() -> dtype:
    """The dtype of floating tensors created from Python floats (float32 unless changed)."""
    return _defaults.float


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype (float32, float64, float16 or bfloat16)."""
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _defaults.float = d


_PROMOTE: dict = {}


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's ``promote_types``: the smallest dtype both can be safely cast to."""
    key = (a, b)
    r = _PROMOTE.get(key)
    if r is None:
        if a is b:
            r = a
        elif a._category != b._category and max(a._category, b._category) >= _FLOAT:
            # Unlike NumPy, an integer never widens a float: int64 + float16 is float16.
            hi, lo = (a, b) if a._category > b._category else (b, a)
            r = hi
            if hi.is_complex and lo.is_floating_point and lo.itemsize > hi.itemsize // 2:
                r = complex128
        elif a._category == _FLOAT and bfloat16 in (a, b):
            # Neither float16 nor bfloat16 holds the other: they meet in float32.
            other = b if a is bfloat16 else a
            r = float32 if other is float16 else other
        else:
            r = from_np(np.promote_types(a.np, b.np))
        _PROMOTE[key] = r
    return r


def _scalar_dtype(x) -> dtype:
    """The dtype a Python number takes when it is a "wrapped" (weak) operand."""
    if isinstance(x, bool):
        return bool_
    if isinstance(x, int):
        return int64
    if isinstance(x, complex):
        return complex64 if _defaults.float is float32 else complex128
    return _defaults.float


def _combine(higher, lower):
    # How a lower-priority tier (0-d tensors, then Python scalars) may raise the result: only
    # when it belongs to a higher category than the tiers above it.
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher._category >= lower._category:
        if higher is bool_ and lower is bool_:
            return bool_
        return higher
    if lower._category == _COMPLEX and higher._category == _FLOAT:
        return higher.to_complex() if higher.itemsize > 2 else complex64
    return lower


def result_type(*operands) -> dtype:
    """PyTorch's ``result_type`` over tensors and Python numbers (three priority tiers)."""
    dim = zero = wrapped = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype):
            if x.ndim:
                dim = d if dim is None else promote_types(dim, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
        else:
            d = _scalar_dtype(x)
            if wrapped is None or d._category > wrapped._category:
                wrapped = d
    # A wrapped float/complex scalar counts as the default dtype of its category.
    return _combine(_combine(dim, zero), wrapped)


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether PyTorch allows an in-place result of ``from_`` to be stored in ``to``."""
    return from_._category <= to._category


class finfo:
    """Machine limits of a floating dtype, like ``torch.finfo``."""

    def __init__(self, type: dtype | None = None) -> None:
        type = get_default_dtype() if type is None else type
        if not (type.is_floating_point or type.is_complex):
            raise TypeError(f"finfo() requires a floating point input type, got {type}")
        if type is bfloat16:
            import ml_dtypes
            info = ml_dtypes.finfo(type.np)
        else:
            info = np.finfo(type.np)
        self.dtype = type.name
        self.bits = info.bits
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = float(info.tiny)
        self.smallest_normal = float(info.smallest_normal)
        # (ml_dtypes rounds bfloat16's resolution to its own precision; PyTorch gives 0.01)
        self.resolution = 10.0 ** -math.floor(-math.log10(self.eps))

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype, like ``torch.iinfo``."""

    def __init__(self, type: dtype) -> None:
        if type.is_floating_point or type.is_complex:
            raise TypeError(f"iinfo() requires an integer input type, got {type}")
        info = np.iinfo(type.np) if type is not bool_ else None
        self.dtype = type.name
        self.bits = 8 if info is None else info.bits
        self.max = 1 if info is None else int(info.max)
        self.min = 0 if info is None else int(info.min)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


if "ml_dtypes" in sys.modules:   # already paid for by the caller: no reason to wait
    _load_bf16()
