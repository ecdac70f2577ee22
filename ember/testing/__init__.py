"""``torch.testing.assert_close``: tensors, NumPy arrays, Python numbers and nested
sequences / mappings of them compared within dtype-dependent tolerances, with PyTorch's
messages."""
from __future__ import annotations

import collections.abc
import math

import numpy as np

from .._tensor import Tensor

__all__ = ["assert_close", "assert_allclose"]

# (rtol, atol) by dtype name, as PyTorch's defaults
_TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
               "float64": (1e-7, 1e-7), "complex64": (1.3e-6, 1e-5),
               "complex128": (1e-7, 1e-7)}


class _Mismatch(Exception):
    """A comparison failed: the message and where in the nested inputs."""

    def __init__(self, msg: str, path: str = "", exc=AssertionError) -> None:
        super().__init__(msg)
        self.msg, self.path, self.exc = msg, path, exc


def _tolerances(names, rtol, atol) -> tuple:
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {missing}.")
    if rtol is not None:
        return rtol, atol
    pairs = [_TOLERANCES.get(n, (0.0, 0.0)) for n in names]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _dtype_name(a) -> str:
    return str(a.dtype).replace("torch.", "") if isinstance(a, Tensor) else str(a.dtype)


def _python(v):
    return v.item() if hasattr(v, "item") else v


def _compare_arrays(a: np.ndarray, e: np.ndarray, rtol, atol, equal_nan) -> None:
    if a.dtype == np.bool_:
        a, e = a.astype(np.int64), e.astype(np.int64)
    if a.dtype != e.dtype:
        dt = np.result_type(a, e)
        a, e = a.astype(dt), e.astype(dt)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        diff = np.abs(a - e)
        close = diff <= atol + rtol * np.abs(e)
        if equal_nan:
            close |= np.isnan(a) & np.isnan(e)
        if a.dtype.kind == "f":
            close &= ~(np.isnan(a) ^ np.isnan(e))
            close |= (a == e)                              # equal infinities
        if close.all():
            return
        floating = diff.dtype if diff.dtype.kind in "fc" else np.dtype(np.float32)
        rel = diff.astype(floating) / np.abs(e).astype(floating)
    if a.ndim == 0:
        # a 0-d tensor is reported as two scalars (differences in Python floats)
        _scalar_mismatch(a.item(), e.item(), rtol, atol)
    total, bad = close.size, int((~close).sum())
    exact = rtol == 0 and atol == 0
    lines = [f"Tensor-likes are not {'equal' if exact else 'close'}!", "",
             f"Mismatched elements: {bad} / {total} ({100.0 * bad / total:.1f}%)"]
    for what, values, tol in (("absolute", diff, atol), ("relative", rel, rtol)):
        masked = np.where(close, 0, values)
        flat = int(np.nanargmax(masked)) if not np.isnan(masked).all() else 0
        if np.isnan(masked).any():
            flat = int(np.argmax(np.isnan(masked)))
        index = tuple(int(i) for i in np.unravel_index(flat, values.shape))
        line = f"Greatest {what} difference: {_python(values.reshape(-1)[flat])} at index {index}"
        lines.append(line if exact else f"{line} (up to {tol} allowed)")
    raise _Mismatch("\n".join(lines))


def _compare_scalars(a, e, rtol, atol, equal_nan, check_dtype) -> None:
    if check_dtype and type(a) is not type(e):
        raise _Mismatch(f"The (d)types do not match: {type(a)} != {type(e)}.")
    if rtol is None:
        rtol, atol = (1e-7, 1e-7) if isinstance(a, float) or isinstance(e, float) else (0, 0)
    if a == e or (equal_nan and isinstance(a, float) and math.isnan(a) and math.isnan(e)):
        return
    diff = abs(a - e)
    if not (isinstance(diff, float) and math.isnan(diff)) and diff <= atol + rtol * abs(e):
        return
    _scalar_mismatch(a, e, rtol, atol)


def _scalar_mismatch(a, e, rtol, atol) -> None:
    diff = abs(a - e)
    rel = diff / abs(e) if e != 0 else math.inf
    exact = rtol == 0 and atol == 0
    lines = [f"Scalars are not {'equal' if exact else 'close'}!", "",
             f"Expected {e} but got {a}."]
    lines.append(f"Absolute difference: {diff}" + ("" if exact else f" (up to {atol} allowed)"))
    lines.append(f"Relative difference: {rel}" + ("" if exact else f" (up to {rtol} allowed)"))
    raise _Mismatch("\n".join(lines))


def _tensor_like(x) -> bool:
    return isinstance(x, (Tensor, np.ndarray))


def _compare(a, e, rtol, atol, equal_nan, check_dtype, path: str) -> None:
    try:
        if _tensor_like(a) and _tensor_like(e) and isinstance(a, Tensor) == isinstance(e, Tensor):
            ra, re_ = _tolerances((_dtype_name(a), _dtype_name(e)), rtol, atol)
            if tuple(a.shape) != tuple(e.shape):
                shape = type(a.shape).__name__ == "Size"
                fa = f"torch.Size({list(a.shape)})" if shape else str(tuple(a.shape))
                fe = f"torch.Size({list(e.shape)})" if shape else str(tuple(e.shape))
                raise _Mismatch(f"The values for attribute 'shape' do not match: {fa} != {fe}.")
            if check_dtype and _dtype_name(a) != _dtype_name(e):
                prefix = "torch." if isinstance(a, Tensor) else ""
                raise _Mismatch(f"The values for attribute 'dtype' do not match: "
                                f"{prefix}{_dtype_name(a)} != {prefix}{_dtype_name(e)}.")
            ad = a.detach().numpy() if isinstance(a, Tensor) else a
            ed = e.detach().numpy() if isinstance(e, Tensor) else e
            _compare_arrays(np.asarray(ad), np.asarray(ed), ra, re_, equal_nan)
        elif (isinstance(a, (int, float, complex)) and isinstance(e, (int, float, complex))
              and not isinstance(a, bool) and not isinstance(e, bool)):
            if (rtol is None) != (atol is None):
                _tolerances((), rtol, atol)
            _compare_scalars(a, e, rtol, atol, equal_nan, check_dtype)
        elif isinstance(a, bool) and isinstance(e, bool):
            if a != e:
                raise _Mismatch(f"Booleans mismatch: {a} is not {e}")
        elif (isinstance(a, collections.abc.Sequence) and isinstance(e, collections.abc.Sequence)
              and not isinstance(a, str) and not isinstance(e, str)):
            if len(a) != len(e):
                raise _Mismatch(f"The length of the sequences mismatch: {len(a)} != {len(e)}")
            for i, (x, y) in enumerate(zip(a, e)):
                _compare(x, y, rtol, atol, equal_nan, check_dtype, f"{path}[{i}]")
        elif isinstance(a, collections.abc.Mapping) and isinstance(e, collections.abc.Mapping):
            if set(a) != set(e):
                raise _Mismatch(f"The keys of the mappings do not match:\nMissing keys in the "
                                f"actual mapping: {sorted(set(e) - set(a), key=repr)}\n"
                                f"Additional keys in the actual mapping: "
                                f"{sorted(set(a) - set(e), key=repr)}")
            for k in e:
                _compare(a[k], e[k], rtol, atol, equal_nan, check_dtype, f"{path}[{k!r}]")
        else:
            raise _Mismatch(f"No comparison pair was able to handle inputs of type {type(a)} "
                            f"and {type(e)}.", exc=TypeError)
    except _Mismatch as m:
        if not m.path and path:
            m.path = path
        raise


def assert_close(actual, expected, *, allow_subclasses: bool = True, rtol=None, atol=None,
                 equal_nan: bool = False, check_device: bool = True, check_dtype: bool = True,
                 check_layout: bool = True, check_stride: bool = False, msg=None) -> None:
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` are close:
    ``|actual - expected| <= atol + rtol * |expected|`` elementwise, with the default
    tolerances of their dtype (exact for integers and bools) when none are given."""
    try:
        _compare(actual, expected, rtol, atol, equal_nan, check_dtype, "")
    except _Mismatch as m:
        text = m.msg
        if m.path:
            text += f"\n\nThe failure occurred for item {m.path}"
        if callable(msg):
            text = msg(text)
        elif msg is not None:
            text = msg
        raise m.exc(text) from None


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan: bool = True,
                    msg: str = "") -> None:
    """The deprecated form: ``assert_close`` without the dtype check."""
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                 check_dtype=False, msg=msg or None)
