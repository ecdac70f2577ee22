"""Tensor printing: ``repr``/``str`` of tensors, identical to PyTorch's output.

Everything works on the tensor's NumPy array.  The element formatter (width, integer
mode, scientific mode) is computed with vectorised NumPy reductions over only the
elements that will be shown, so printing a huge tensor costs about as much as printing
its summary.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any, Iterator

import numpy as np
from ._dtype import kind as _kind

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr",
           "tensor_format"]


class _PrintOptions:
    __slots__ = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

    def __init__(self) -> None:
        self.precision: int = 4
        self.threshold: float = 1000
        self.edgeitems: int = 3
        self.linewidth: int = 80
        self.sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set options for printing tensors (same arguments and profiles as PyTorch).

    ``profile`` is one of ``"default"``, ``"short"`` or ``"full"`` and is applied first;
    the other arguments override it.  ``sci_mode`` is always assigned, so a call that
    omits it returns scientific notation to automatic selection, as in PyTorch.
    """
    if profile is not None:
        if profile == "default":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, 1000
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
        elif profile == "short":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 2, 1000
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 2, 80
        elif profile == "full":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, math.inf
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Current print options as a dict that can be passed back to ``set_printoptions``."""
    return {name: getattr(PRINT_OPTS, name) for name in _PrintOptions.__slots__}


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Context manager that temporarily changes the print options."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Pads every shown element to one common width, choosing fixed/int/sci notation."""

    __slots__ = ("floating", "int_mode", "sci_mode", "max_width")

    def __init__(self, values: np.ndarray) -> None:
        kind = _kind(values.dtype)
        self.floating = kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if values.size == 0:
            return
        if not self.floating:
            self.max_width = max(1, _widest_plain(values))
            return

        flat = values.reshape(-1)
        nonzero = flat[np.isfinite(flat) & (flat != 0)]
        if nonzero.size == 0:
            return
        magnitudes = np.abs(nonzero)
        smallest = float(magnitudes.min())
        largest = float(magnitudes.max())
        self.int_mode = bool(np.all(nonzero == np.ceil(nonzero)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        # A formatted string grows monotonically with the magnitude on each side of zero
        # (rounding only ever adds digits), so the widest element is one of the extremes
        # of the positive or the negative values.
        positive = nonzero[nonzero > 0]
        negative = nonzero[nonzero < 0]
        candidates = []
        for part in (positive, negative):
            if part.size:
                candidates.append(float(part.min()))
                candidates.append(float(part.max()))
        precision = PRINT_OPTS.precision
        if self.sci_mode:
            spec, extra = f".{precision}e", 0
        elif self.int_mode:
            # The trailing "." that marks an integral float is not produced by ".0f".
            spec, extra = ".0f", 1
        else:
            spec, extra = f".{precision}f", 0
        self.max_width = max(self.max_width,
                             max(len(format(v, spec)) for v in candidates) + extra)

    def format(self, value: Any) -> str:
        """Format one Python scalar, right-aligned to the common width."""
        if self.floating:
            if self.sci_mode:
                text = format(value, f"{self.max_width}.{PRINT_OPTS.precision}e")
            elif self.int_mode:
                text = format(value, ".0f")
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = format(value, f".{PRINT_OPTS.precision}f")
        else:
            text = f"{value}"
        return (self.max_width - len(text)) * " " + text


def _widest_plain(values: np.ndarray) -> int:
    """Widest ``str()`` among bool or integer elements, from their extremes only."""
    if _kind(values.dtype) == "b":
        has_false = not bool(values.all())
        return 5 if has_false else 4
    return max(len(str(values.max().item())), len(str(values.min().item())))


def _summarized(values: np.ndarray) -> np.ndarray:
    """The elements a summarised print shows: ``edgeitems`` at each end of every dim."""
    edge = PRINT_OPTS.edgeitems
    if values.ndim == 0:
        return values
    if values.ndim == 1:
        # For 1-d, PyTorch concatenates x[:e] and x[-e:]; with e == 0 the second slice is
        # the whole tensor, which only affects the (unused) formatter width.
        if values.shape[0] > 2 * edge:
            return np.concatenate((values[:edge], values[-edge:]))
        return values
    if not edge:
        return values[(slice(0, 0),) * values.ndim]
    for axis, size in enumerate(values.shape):
        if size > 2 * edge:
            keep = np.r_[0:edge, size - edge:size]
            values = np.take(values, keep, axis=axis)
    return values


def _element_formatter(f_real: _Formatter, f_imag: _Formatter | None):
    if f_imag is None:
        return f_real.format

    def format_complex(value: complex) -> str:
        real = f_real.format(value.real)
        imag = (f_imag.format(value.imag) + "j").lstrip()
        # The imaginary part already carries its sign when negative (or "-0", "+inf").
        if imag[0] == "+" or imag[0] == "-":
            return real + imag
        return real + "+" + imag

    return format_complex


def _vector_str(values: np.ndarray, indent: int, summarize: bool,
                f_real: _Formatter, f_imag: _Formatter | None) -> str:
    element_length = f_real.max_width + 2
    if f_imag is not None:
        element_length += f_imag.max_width + 1
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    fmt = _element_formatter(f_real, f_imag)
    edge = PRINT_OPTS.edgeitems
    if summarize and not edge:
        data = ["..."]
    elif summarize and values.shape[0] > 2 * edge:
        data = ([fmt(v) for v in values[:edge].tolist()] + [" ..."]
                + [fmt(v) for v in values[-edge:].tolist()])
    else:
        data = [fmt(v) for v in values.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(values: np.ndarray, indent: int, summarize: bool,
                f_real: _Formatter, f_imag: _Formatter | None) -> str:
    ndim = values.ndim
    if ndim == 0:
        return _element_formatter(f_real, f_imag)(values.item())
    if ndim == 1:
        return _vector_str(values, indent, summarize, f_real, f_imag)
    size = values.shape[0]
    edge = PRINT_OPTS.edgeitems
    if summarize and size > 2 * edge:
        rows = ([_nested_str(values[i], indent + 1, summarize, f_real, f_imag)
                 for i in range(edge)] + ["..."]
                + [_nested_str(values[i], indent + 1, summarize, f_real, f_imag)
                   for i in range(size - edge, size)])
    else:
        rows = [_nested_str(values[i], indent + 1, summarize, f_real, f_imag)
                for i in range(size)]
    # Deeper tensors separate their blocks with more blank lines.
    return "[" + ("," + "\n" * (ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _array_str(values: np.ndarray, indent: int) -> str:
    """The bracketed body of a non-empty tensor, starting at column ``indent``."""
    summarize = values.size > PRINT_OPTS.threshold
    shown = _summarized(values) if summarize else values
    if _kind(values.dtype) == "c":
        f_real = _Formatter(shown.real)
        f_imag: _Formatter | None = _Formatter(shown.imag)
    else:
        f_real, f_imag = _Formatter(shown), None
    return _nested_str(values, indent, summarize, f_real, f_imag)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    # Counts two more than the last line's length, as PyTorch does.
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _numpy_dtype(dtype: Any) -> np.dtype:
    return np.dtype(getattr(dtype, "np", dtype))


def tensor_repr(t: Any) -> str:
    """What ``repr(t)`` and ``str(t)`` return for an ember tensor (PyTorch's format)."""
    from ember._dtype import get_default_dtype

    values = np.asarray(t._data)
    dtype = t.dtype
    np_dtype = values.dtype
    default_np = _numpy_dtype(get_default_dtype())
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if values.size == 0:
        # NumPy-style: only a shape other than (0,) is spelled out.
        if values.ndim != 1:
            suffixes.append("size=" + str(tuple(values.shape)))
        # Nothing in an empty tensor hints at its dtype, so anything but the default shows.
        if np_dtype != default_np:
            suffixes.append("dtype=" + repr(dtype))
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(tuple(values.shape)))
        default_complex = np.dtype(np.complex128 if default_np == np.float64
                                   else np.complex64)
        if np_dtype not in (default_np, default_complex, np.dtype(np.int64),
                            np.dtype(np.bool_)):
            suffixes.append("dtype=" + repr(dtype))
        body = _array_str(values, indent)

    grad_fn = getattr(t, "grad_fn", None)
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(grad_fn).__name__}>")  # as PyTorch: the class name
    elif getattr(t, "requires_grad", False):
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)


def tensor_format(t: Any, format_spec: str) -> str:
    """``Tensor.__format__``: a 0-d plain tensor formats as its Python scalar."""
    from ember._tensor import Tensor

    if type(t) is Tensor and np.ndim(t._data) == 0:
        return format(np.asarray(t._data).item(), format_spec)
    # Anything else (including 0-d Parameters) behaves like object.__format__, which
    # raises TypeError for a non-empty spec and otherwise uses str().
    return object.__format__(t, format_spec)
