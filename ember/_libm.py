"""The C library's functions that PyTorch's CPU kernels call (``std::lgamma`` is the C
library's ``lgamma``/``lgammaf``; Python's ``math.lgamma`` is CPython's own approximation),
reached through ctypes so that ember computes the same bits. Python's function stands in
where no C library can be loaded."""
from __future__ import annotations

import math

__all__ = ["lgamma", "lgammaf"]


def _load(name: str, ctype_name: str):
    try:
        import ctypes
        import ctypes.util
        lib = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
        f = getattr(lib, name)
        ctype = getattr(ctypes, ctype_name)
        f.restype = ctype
        f.argtypes = [ctype]
        return f
    except (OSError, AttributeError):
        return None


_LOADED: dict = {}


def _fn(name: str, ctype_name: str):
    if name not in _LOADED:
        _LOADED[name] = _load(name, ctype_name)
    return _LOADED[name]


def _math_lgamma(v: float) -> float:
    # (math.lgamma raises at the poles, 0 and the negative integers, where C gives +inf)
    if v != v:
        return v
    if math.isinf(v) or (v <= 0 and v.is_integer()):
        return math.inf
    return math.lgamma(v)


def lgamma():
    """``lgamma`` of a double (the C library's, else Python's)."""
    return _fn("lgamma", "c_double") or _math_lgamma


def lgammaf():
    """``lgammaf`` of a float (the C library's, else Python's in double)."""
    return _fn("lgammaf", "c_float") or _math_lgamma
