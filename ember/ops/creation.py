"""Tensor creation: from data, filled, ranges, identity."""
from __future__ import annotations

import math
import os
import warnings

import numpy as np

from .. import _dtype
from .._dtype import from_np
from .._errstate import QUIET as _QUIET, quiet_off as _quiet_off, quiet_on as _quiet_on
from .._size import check_device, check_factory_device
from .._tensor import Tensor
from ._util import new_shape, shape_arg, tname
from .._dtype import kind as _kind

_wrap = Tensor._wrap
_shape_arg = new_shape

__all__ = ["tensor", "as_tensor", "from_numpy", "asarray", "zeros", "ones", "full", "empty",
           "zeros_like", "ones_like", "full_like", "empty_like", "arange", "linspace",
           "logspace", "eye", "scalar_tensor", "range_"]


def _infer_np(a: np.ndarray) -> np.dtype:
    # Python floats become the default dtype; ints int64; bools bool (NumPy arrays keep theirs).
    k = _kind(a.dtype)
    if k == "f":
        return _dtype.get_default_dtype().np
    if k in "iu":
        return np.dtype(np.int64)
    if k == "b":
        return np.dtype(np.bool_)
    if k == "c":
        return _dtype.get_default_dtype().to_complex().np
    raise TypeError(f"Could not infer dtype of {a.dtype}")


def _from_sequence(data, infer: bool = True) -> np.ndarray:
    try:
        a = np.array(data)
    except ValueError as e:
        raise ValueError(_ragged_message(data)) from e
    if a.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(_first_leaf(data)).__name__}")
    if _kind(a.dtype) in "US":
        raise TypeError("new(): invalid data type 'str'")
    if _has_tensor(data) or not infer:
        # Tensors inside a list keep their dtype; an explicit dtype converts from the exact
        # (float64) values rather than through the default dtype.
        return a
    return a.astype(_infer_np(a), copy=False)


def _has_tensor(data) -> bool:
    if isinstance(data, Tensor):
        return True
    if isinstance(data, (list, tuple)) and data:
        return _has_tensor(data[0])
    return False


def _first_leaf(data):
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return data


def _ragged_message(data) -> str:
    def walk(x, dim):
        if not isinstance(x, (list, tuple)):
            return None
        lens = [len(e) if isinstance(e, (list, tuple)) else None for e in x]
        first = lens[0] if lens else None
        for e, n in zip(x, lens):
            if n != first:
                return f"expected sequence of length {first} at dim {dim + 1} (got {n})"
        for e in x:
            r = walk(e, dim + 1)
            if r:
                return r
        return None
    return walk(data, 0) or "could not convert data to a tensor"


def _to_array(data, dt, copy: bool) -> np.ndarray:
    """NumPy array for ``data`` with dtype ``dt`` (None: infer as PyTorch does)."""
    if isinstance(data, Tensor):
        a = data._data
    elif isinstance(data, np.ndarray):
        a = data
        if dt is None:
            from_np(a.dtype)  # raises TypeError for dtypes ember lacks
    elif isinstance(data, (list, tuple)):
        a = _from_sequence(data, infer=dt is None)
    elif isinstance(data, (bool, int, float, complex, np.generic)):
        if isinstance(data, np.generic):
            a = np.asarray(data)
            if dt is None and _kind(a.dtype) == "f":
                a = a.astype(a.dtype)
        else:
            if isinstance(data, int) and not isinstance(data, bool) and \
                    not -(1 << 63) <= data < (1 << 63):
                raise RuntimeError(f"value cannot be converted to type int64 without overflow")
            a = np.asarray(data)
            if dt is None:
                # a float beyond float32's range becomes inf, quietly (as in PyTorch)
                with np.errstate(over="ignore"):
                    a = a.astype(_infer_np(a), copy=False)
    elif hasattr(data, "__array__"):
        a = np.asarray(data)
    else:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    if dt is not None and a.dtype != dt.np:
        with np.errstate(invalid="ignore", over="ignore"):
            return _dtype.cast(a, dt.np)
    if copy:
        return a.copy()
    return a


def _out_dtype(out):
    """A factory's dtype when ``out=`` is given without ``dtype=``: out's own."""
    return out.dtype if isinstance(out, Tensor) else None


def _finish(data: np.ndarray, requires_grad: bool, out=None) -> Tensor:
    if out is not None:
        # a factory's out= keeps out's dtype (torch.zeros(3, out=long_tensor) is long) and
        # is resized without the warning other ops give
        if not isinstance(out, Tensor):
            raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
        if out._data.shape == data.shape:
            from . import inplace
            inplace.write(out, data.astype(out._data.dtype, copy=False))
            return out
        out._data = data.astype(out._data.dtype)
        out._bump()
        return out
    t = _wrap(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor copying ``data`` (nested lists, numbers, NumPy arrays, tensors)."""
    check_factory_device(device)
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    return _finish(_to_array(data, dtype, copy=True), requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array or tensor when it can."""
    check_factory_device(device)
    if isinstance(data, Tensor) and (dtype is None or data.dtype is dtype):
        return data
    return _wrap(_to_array(data, dtype, copy=False))


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad: bool = False) -> Tensor:
    t = as_tensor(obj, dtype=dtype)
    if copy:
        t = _wrap(t._data.copy())
    return _finish(t._data, requires_grad) if requires_grad else t


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    from_np(ndarray.dtype)
    return _wrap(ndarray)


def _filled(size, value, dtype, requires_grad, fill_default, out=None) -> Tensor:
    shape = new_shape(size)
    dt = dtype if dtype is not None else _out_dtype(out) or fill_default
    data = np.full(shape, value, dt.np) if value != 0 else np.zeros(shape, dt.np)
    return _finish(data, requires_grad, out)


def zeros(*size, out=None, dtype=None, layout=None, device=None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros; sizes as ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros([2, 3])``."""
    check_factory_device(device)
    return _filled(size, 0, dtype, requires_grad, _dtype.get_default_dtype(), out)


def ones(*size, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    check_factory_device(device)
    return _filled(size, 1, dtype, requires_grad, _dtype.get_default_dtype(), out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False, memory_format=None) -> Tensor:
    """An uninitialised tensor (ember zero-fills it: as cheap, and reproducible)."""
    check_factory_device(device)
    return _filled(size, 0, dtype, requires_grad, _dtype.get_default_dtype(), out)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value`` (its dtype inferred from the value)."""
    check_factory_device(device)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if isinstance(size, (int, np.integer)):
        size = (size,)
    return _filled((tuple(size),), fill_value, dtype, requires_grad,
                   _dtype._scalar_dtype(fill_value), out)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    dt = dtype or _dtype.get_default_dtype()
    return _finish(np.asarray(s, dt.np), requires_grad)


def _like(input: Tensor, dtype, device=None):
    check_device(device)     # None: the input's device, the CPU
    return (dtype or from_np(input._data.dtype)).np


def zeros_like(input: Tensor, *, dtype=None, layout=None, device=None,
               requires_grad: bool = False, memory_format=None) -> Tensor:
    return _finish(np.zeros(input._data.shape, _like(input, dtype, device)), requires_grad)


def ones_like(input: Tensor, *, dtype=None, layout=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    return _finish(np.ones(input._data.shape, _like(input, dtype, device)), requires_grad)


def empty_like(input: Tensor, *, dtype=None, layout=None, device=None,
               requires_grad: bool = False, memory_format=None) -> Tensor:
    return _finish(np.zeros(input._data.shape, _like(input, dtype, device)), requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, layout=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    return _finish(np.full(input._data.shape, fill_value, _like(input, dtype, device)),
                   requires_grad)


def zeros_like_data(a: np.ndarray) -> np.ndarray:
    return np.zeros(a.shape, a.dtype)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` by ``step``."""
    check_factory_device(device)
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dtype = _out_dtype(out)
    if dtype is None:
        dtype = _dtype.get_default_dtype() if any(isinstance(v, float) for v in vals) \
            else _dtype.int64
    if not (dtype.is_floating_point or dtype.is_complex):
        # integer outputs count in int64 from truncated start, end and step, as PyTorch does
        start, end, step = int(start), int(end), int(step)
        if step == 0:
            raise ValueError("step must be nonzero")
    n = max(0, math.ceil((end - start) / step))
    if dtype.is_floating_point:
        return _finish(_arange_values(start, step, n, dtype), requires_grad, out)
    data = (start + np.arange(n, dtype=np.int64) * step).astype(dtype.np)
    return _finish(data, requires_grad, out)


def _vector_bytes() -> int:
    """The width of PyTorch's CPU vectors here: 64 bytes where it runs its AVX-512 kernels,
    32 bytes otherwise (AVX2, the default build, NEON's register pairs)."""
    if _VEC_BYTES[0] is None:
        cap = os.environ.get("ATEN_CPU_CAPABILITY", "").lower()
        try:
            from numpy._core._multiarray_umath import __cpu_features__ as feat
        except ImportError:         # pragma: no cover - older NumPy
            feat = {}
        avx512 = all(feat.get(f) for f in ("AVX512F", "AVX512BW", "AVX512VL", "AVX512DQ"))
        _VEC_BYTES[0] = 64 if avx512 and cap in ("", "avx512") else 32
    return _VEC_BYTES[0]


_VEC_BYTES = [None]
_GRAIN = 32768                      # at::internal::GRAIN_SIZE


def _arange_values(start, step, n: int, dt) -> np.ndarray:
    """PyTorch's float arange kernel, value for value: ``[0, n)`` cut into one range per
    intra-op thread (above the grain size); in each, whole vectors two at a time, each
    ``base + j * step`` from its first index's ``base = start + step * i``, then the rest one
    by one as ``start + step * i``. The arithmetic is in the accumulate type (double for
    float and double, float for the half types, fused there by the compiler) and each
    value is rounded once to the dtype; so a value's bits depend on where it falls."""
    ct = dt.np
    half = ct.itemsize < 4
    acc = np.float32 if half else np.float64
    lanes = _vector_bytes() // ct.itemsize
    i = np.arange(n)
    if n > _GRAIN:
        from .._threads import get_num_threads
        chunk = -(-n // min(get_num_threads(), -(-n // _GRAIN)))
        b0 = (i // chunk) * chunk
        in_vec = i < b0 + ((np.minimum(n, b0 + chunk) - b0) // (2 * lanes)) * (2 * lanes)
        first = np.where(in_vec, b0 + ((i - b0) // lanes) * lanes, i)
    else:
        in_vec = i < (n // (2 * lanes)) * (2 * lanes)
        first = np.where(in_vec, (i // lanes) * lanes, i)
    tok = _quiet_on(_QUIET)
    try:
        if half:
            a, s = np.full(n, start, acc), np.full(n, step, acc)
            base = _fma(s, first.astype(acc), a).astype(ct)
            val = _fma(s, (i - first).astype(acc), base.astype(acc)).astype(ct)
        else:
            a, s = acc(start), acc(step)
            base = (s * first + a).astype(ct)
            val = (s * (i - first) + base.astype(acc)).astype(ct)
    finally:
        _quiet_off(tok)
    return np.where(in_vec, val, base)


def range_(start, end=None, step=1, *, dtype=None, layout=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Deprecated ``torch.range``: ``start`` to ``end`` inclusive by ``step``, in the default
    floating dtype unless ``dtype`` is given (exported as ``ember.range``)."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    check_factory_device(device)
    start, end, step = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    dt = dtype or _dtype.get_default_dtype()
    if dt is _dtype.bool_:
        raise NotImplementedError('"range_cpu" not implemented for \'Bool\'')
    n = int(math.floor((end - start) / step)) + 1
    exact = not dt.is_floating_point and all(isinstance(v, int) for v in (start, end, step))
    # start + i * step, in double (int64 for integers), rounded once to the dtype
    data = (start + np.arange(n, dtype=np.int64 if exact else np.float64) * step).astype(dt.np)
    return _finish(data, requires_grad)


def _type_name(v) -> str:
    return "Tensor" if isinstance(v, Tensor) else type(v).__name__


def _spaced_args(name: str, start, end, steps, base: str = ""):
    """``start``, ``end`` as Python numbers and ``steps`` as an int, checked as PyTorch's
    argument parser and kernel check them."""
    number = (int, float, complex, np.number)
    ok_steps = (isinstance(steps, (int, np.integer)) and not isinstance(steps, bool)) or (
        isinstance(steps, Tensor) and steps._data.ndim == 0 and steps._data.dtype.kind in "iu")
    if not ok_steps or not all(isinstance(v, number + (Tensor,)) for v in (start, end)):
        got = ", ".join(_type_name(v) for v in (start, end, steps))
        sigs = "".join(f"\n * ({a} start, {b} end, int steps{base}, *, Tensor out = None, "
                       "torch.dtype dtype = None, torch.layout layout = None, torch.device "
                       "device = None, bool pin_memory = False, bool requires_grad = False)"
                       for a, b in (("Tensor", "Tensor"), ("Number", "Tensor"),
                                    ("Tensor", "Number"), ("Number", "Number")))
        raise TypeError(f"{name}() received an invalid combination of arguments - got ({got}), "
                        f"but expected one of:{sigs}\n")
    for what, v in (("start", start), ("end", end)):
        if isinstance(v, Tensor) and v._data.ndim:
            raise RuntimeError(f"{name} only supports 0-dimensional start and end tensors, but "
                               f"got {what} with {v._data.ndim} dimension(s).")
    steps = int(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    start = start.item() if isinstance(start, Tensor) else start
    end = end.item() if isinstance(end, Tensor) else end
    return start, end, steps


def _check_spaced_dtype(name: str, dt) -> None:
    if dt is _dtype.bool_:
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'Bool\'')


_C_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
            "int64": "int64_t", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "float32": "float", "float64": "double"}


def _spaced_ends(dt, start, end) -> np.ndarray:
    """``start`` and ``end`` converted to ``dt`` as PyTorch's ``Scalar.to<T>()`` converts
    them: integers truncated (a negative number wraps into an unsigned type), and a value
    out of the type's range raising its overflow error."""
    name = str(dt).replace("torch.", "").replace("ember.", "")
    if dt.is_complex:
        return np.array([start, end]).astype(dt.np)
    integral = not dt.is_floating_point
    vals = [int(v.real if isinstance(v, complex) else v) if integral else
            float(v.real if isinstance(v, complex) else v) for v in (start, end)]
    for v in vals:
        if integral:
            info = np.iinfo(dt.np)
            lo = -info.max if info.min == 0 else info.min
            bad = v < lo or v > info.max
        else:
            bad = math.isfinite(v) and abs(v) > float(_dtype.finfo(dt).max)
        if bad:
            raise RuntimeError(f"value cannot be converted to type {_C_NAMES.get(name, name)} "
                               "without overflow")
    if integral:
        return np.array(vals, np.int64).astype(dt.np)
    f = np.array(vals, np.float64)
    # (C++ converts a double to Half or BFloat16 through float)
    return (f.astype(np.float32) if dt.np.itemsize < 4 else f).astype(dt.np)


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    check_factory_device(device)
    start, end, steps = _spaced_args("linspace", start, end, steps)
    dt = dtype or _out_dtype(out) or _dtype.get_default_dtype()
    _check_spaced_dtype("linspace", dt)
    integral = not (dt.is_floating_point or dt.is_complex)
    # PyTorch's kernel: the step in the output type (double for integers), the first half
    # counted up from start and the second half down from end, for symmetric rounding.
    ct = np.float64 if integral else dt.np.type
    if steps == 1:
        return _finish(np.array([start], dt.np), requires_grad, out)
    se = _spaced_ends(dt, start, end)
    s, e = ct(se[0]), ct(se[1])
    with np.errstate(over="ignore", invalid="ignore"):
        d = e - s
        # a complex step is divided part by part (NumPy's complex division multiplies by a
        # reciprocal instead)
        step = (ct(complex(d.real / (steps - 1), d.imag / (steps - 1))) if dt.is_complex
                else d / ct(steps - 1))
    return _finish(_linspace_values(s, e, step, steps, ct).astype(dt.np), requires_grad, out)


def _linspace_values(s, e, step, steps: int, ct) -> np.ndarray:
    # PyTorch's kernel (a serial loop): start + step * i for the first half, end - step *
    # (steps - 1 - i) for the second, which the compiler contracts into one fused
    # multiply-add for float and double (and for the double step of integer outputs);
    # float16/bfloat16 round after each operation.
    half = steps // 2
    i = np.arange(steps)
    k = np.where(i < half, i, steps - 1 - i).astype(ct)
    a = np.where(i < half, step, -step).astype(ct)
    c = np.where(i < half, s, e).astype(ct)
    with np.errstate(invalid="ignore", over="ignore"):
        if ct in (np.float32, np.float64):
            return _fma(a, k, c)
        if ct in (np.complex64, np.complex128):     # fused part by part (k is real)
            out = np.empty(steps, ct)
            out.real = _fma(a.real, k.real, c.real)
            out.imag = _fma(a.imag, k.real, c.imag)
            return out
        return c + a * k


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple:
    """``s, t`` with ``s = fl(a + b)`` and ``s + t == a + b`` exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _to_odd(s: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The value ``s + t`` (``s`` its nearest double) rounded to odd: when inexact, whichever
    of the two doubles around it has an odd last bit. Rounding that once more to a format at
    least two bits narrower gives the correctly rounded result (Boldo and Melquiond)."""
    fix = (t != 0) & ((s.view(np.int64) & 1) == 0)
    if fix.any():
        s = s.copy()
        s[fix] = np.nextafter(s[fix], np.copysign(np.inf, t[fix]))
    return s


def _split(a: np.ndarray) -> tuple:
    c = a * 134217729.0             # 2^27 + 1: Veltkamp's split into two 26-bit halves
    hi = c - (c - a)
    return hi, a - hi


def _fma(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``a * b + c`` rounded once, for float32 or float64 arrays (NumPy has no fused
    multiply-add); non-finite results are the plain expression's."""
    plain = a * b + c
    if a.dtype == np.float32:
        # the product of two floats is exact in double; the sum is rounded to odd there,
        # then once to float
        s, t = _two_sum(a.astype(np.float64) * b, c.astype(np.float64))
        r = _to_odd(s, t).astype(np.float32)
    else:
        p = a * b                   # Dekker's exact product p + q, then the three-term sum
        ah, al = _split(a)
        bh, bl = _split(b)
        q = ((ah * bh - p) + ah * bl + al * bh) + al * bl
        th, tl = _two_sum(c, p)
        v = _to_odd(*_two_sum(tl, q))
        r = th + v
    return np.where(np.isfinite(plain) & np.isfinite(r), r, plain)


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None,
             layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    check_factory_device(device)
    start, end, steps = _spaced_args("logspace", start, end, steps, ", float base = 10.0")
    dt = dtype or _out_dtype(out) or _dtype.get_default_dtype()
    _check_spaced_dtype("logspace", dt)
    if steps < 2:
        v = np.power(complex(base) if dt.is_complex else float(base), start)
        return _finish(np.full(steps, v).astype(dt.np), requires_grad, out)
    # PyTorch's loop: start and end in the output type, the step in double, the exponent
    # start + step * i (from end in the second half), pow in double, then one conversion
    # (through float for the half types, as C++ converts)
    st = _spaced_ends(dt, start, end)
    i = np.arange(steps)
    lo = i < steps // 2
    if dt.is_complex:               # all in the complex type, the base too
        step = (st[1] - st[0]) / dt.np.type(steps - 1)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            ex = np.where(lo, st[0] + step * i, st[1] - step * (steps - 1 - i))
            return _finish(np.power(dt.np.type(base), ex.astype(dt.np)), requires_grad, out)
    # (integer start/end subtract exactly in double; a float32 pair subtracts in float32)
    d = float(st[1] - st[0]) if dt.is_floating_point else float(st[1]) - float(st[0])
    step = d / (steps - 1)
    f64 = np.float64
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # (unlike linspace's, this sum is not fused into one rounding in PyTorch's build)
        ex = np.where(lo, f64(st[0]) + step * i, f64(st[1]) - step * (steps - 1 - i))
        r = np.power(f64(base), ex)
        if dt.is_floating_point and dt.np.itemsize < 4:
            r = r.astype(np.float32)
        return _finish(r.astype(dt.np), requires_grad, out)


def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix (``n`` x ``m``)."""
    check_factory_device(device)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    dt = dtype or _out_dtype(out) or _dtype.get_default_dtype()
    return _finish(np.eye(n, n if m is None else m, dtype=dt.np), requires_grad, out)


def _tri_indices(name: str, row: int, col: int, offset: int, dtype, device, layout,
                 upper: bool) -> Tensor:
    check_factory_device(device)
    dt = _dtype.int64 if dtype is None else dtype
    if dt.np.kind not in "iu":
        raise NotImplementedError(f'"{name}" not implemented for \'{tname(dt.np)}\'')
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    rows, cols = (np.triu_indices if upper else np.tril_indices)(row, offset, col)
    return _wrap(np.stack([rows, cols]).astype(dt.np, copy=False))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 layout=None) -> Tensor:
    """The (2, N) row/column indices of the lower triangle of a ``row`` x ``col`` matrix."""
    return _tri_indices("tril_indices", row, col, offset, dtype, device, layout, False)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None,
                 layout=None) -> Tensor:
    """The (2, N) row/column indices of the upper triangle of a ``row`` x ``col`` matrix."""
    return _tri_indices("triu_indices", row, col, offset, dtype, device, layout, True)
