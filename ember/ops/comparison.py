"""Comparisons and selection: eq/ne/lt/le/gt/ge, maximum/minimum, fmax/fmin, clamp, relu,
where, logical and bitwise ops, predicates (isnan, isinf, ...), nan_to_num, isclose/equal
and heaviside, with their in-place and operator forms.

Comparisons give bool tensors and no gradient. Where a value is selected, the gradient goes
to the selected input, as in PyTorch: ``maximum`` splits ties in half, ``clamp`` passes the
gradient at its boundaries, ``relu`` passes none at 0.
"""
from __future__ import annotations

import operator as _operator
import warnings

import numpy as np

from .. import _dtype
from .._errstate import QUIET as _QUIET, quiet_off as _quiet_off, quiet_on as _quiet_on
from .._tensor import Tensor, check_inplace
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record, record1, record2
from . import inplace as _ip
from ._util import binary_arrays, broadcast_shapes, check_tensor, scalar_value, tname
from ._elementwise import (_CTYPE, _NUMBER, _SAVE_INPUT, _apply_inplace, _binary_inplace,
                           _broadcasting, _call_broadcast, _can_store, _check_inplace_broadcast,
                           _check_int_arg, _data, _finish, _ndarray, _not_impl,
                           _not_implemented_grad, _out, _q2, _type_error, _wrap, _zero_ties)
from .arithmetic import clone


# =============================================================================================
# relu
# =============================================================================================
def _keeps_input_on_ties(dtype, zero_first: bool) -> bool:
    """Whether ``np.maximum`` with 0 in the given place returns the input where both are
    zeros (so relu(-0.0) is -0.0, as PyTorch's) in every loop NumPy may pick: contiguous
    (vector body and tail), strided, reversed and 0-d. Probed once per dtype, since which
    operand a loop returns on ties depends on the loop (and the CPU's vector unit)."""
    x = np.full(67, -0.0, dtype)
    for v in (x, x[1:], x[::2], x[::-1], x[:3], x[0]):
        r = np.maximum(0, v) if zero_first else np.maximum(v, 0)
        if r.dtype != dtype or not np.signbit(np.asarray(r, np.float64)).all():
            return False
    return True


def _relu_order(dtype) -> int:
    """1: ``maximum(0, x)`` keeps -0.0; 2: ``maximum(x, 0)`` does; 0: neither (fix ties)."""
    order = _RELU_ORDER.get(dtype)
    if order is None:
        order = (1 if _keeps_input_on_ties(dtype, True)
                 else 2 if _keeps_input_on_ties(dtype, False) else 0)
        _RELU_ORDER[dtype] = order
    return order


_RELU_ORDER: dict = {}


def relu(input: Tensor) -> Tensor:
    """``max(input, 0)``; its gradient is 0 where the output is <= 0."""
    d = _data(input, "relu")
    k = d.dtype.kind
    if k == "f" or d.dtype == _dtype.BF16:
        # one pass: the operand order that returns the input on ties keeps -0.0 as PyTorch
        order = _RELU_ORDER.get(d.dtype) or _relu_order(d.dtype)
        if order == 1:
            r = np.maximum(0, d)
        elif order == 2:
            r = np.maximum(d, 0)
        else:
            r = _zero_ties(np.maximum(d, 0), d)
    elif k == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    elif k == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    else:
        r = np.maximum(d, 0)
    if STATE.enabled and input._rg:
        node = ReluBackward0()
        t = record1(node, r, input)
        node.save_result(t)
        return t
    return _wrap(r)


class ReluBackward0(Node):
    __slots__ = ()

    def backward(self, grad):          # PyTorch's threshold_backward: 0 where output <= 0
        r = self.result()              # (so a NaN output passes the gradient on)
        return anp.where(r <= 0, 0, grad),


def relu_(input: Tensor) -> Tensor:
    """In-place ReLU (``nn.ReLU(inplace=True)``)."""
    _data(input, "relu_")
    d = input._data
    if d.dtype == np.bool_ or d.dtype.kind == "c":
        return relu(input)
    check_inplace(input)
    if _ip.needs_graph(input):
        return _ip.commit(input, relu(input))
    if d.ndim and d.flags.writeable:
        order = _relu_order(d.dtype) if d.dtype.kind == "f" or d.dtype == _dtype.BF16 else 2
        neg_zero = None
        if order == 0:
            # -0.0 stays -0.0 (PyTorch keeps the input on ties)
            z = d == 0
            if z.any():
                neg_zero = z & np.signbit(d)
        if order == 1:
            _q2(lambda a, b: np.maximum(b, a, out=a), d, 0)
        else:
            _q2(lambda a, b: np.maximum(a, b, out=a), d, 0)
        if neg_zero is not None:
            d[neg_zero] = -0.0
        input._bump()
    else:
        _ip.write(input, _zero_ties(np.maximum(d, 0), d))
    return input


# =============================================================================================
# maximum / minimum / clamp
# =============================================================================================
def _minmax_operands(fname: str, input, other):
    if input.__class__ is not Tensor:
        check_tensor(input, fname, pos=1)
    if other.__class__ is not Tensor:
        check_tensor(other, fname, "other", 2)
    x, y = binary_arrays(input, other)
    if x.dtype.kind == "c":
        raise RuntimeError(f"{fname} not implemented for complex tensors.")
    return x, y


def _extreme(name: str, np_fn, node_cls, input: Tensor, other: Tensor, out) -> Tensor:
    """maximum/minimum/fmax/fmin: ``np_fn`` of the two operands (signed-zero ties as PyTorch),
    recording ``node_cls`` with both operands saved."""
    x, y = _minmax_operands(name, input, other)
    r = _zero_ties(_broadcasting(np_fn, x, y), x)
    if STATE.enabled and (input._rg or other._rg):
        node = node_cls()
        t = record2(node, r, input, other)
        node.save2(input, other)
        return _out(t, out)
    return _out(_wrap(r), out)


def maximum(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Elementwise max (NaN propagates); ties split the gradient in half, as in PyTorch."""
    return _extreme("maximum", np.maximum, MaximumBackward0, input, other, out)


def minimum(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Elementwise min (NaN propagates); ties split the gradient in half."""
    return _extreme("minimum", np.minimum, MinimumBackward0, input, other, out)


class MaximumBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "other")
    _loses = staticmethod(_operator.lt)  # where input loses to other (maximum: a < b)

    def backward(self, grad):
        # PyTorch: where(a == b, grad / 2, grad), zeroed where the input lost. With a NaN,
        # neither side lost, so both get the whole gradient.
        a, b = self.saved(like=grad)
        half = anp.where(a == b, grad / 2, grad)
        fa, fb = self.next_functions
        return (anp.where(self._loses(a, b), 0, half) if fa[0] is not None else None,
                anp.where(self._loses(b, a), 0, half) if fb[0] is not None else None)


class MinimumBackward0(MaximumBackward0):
    __slots__ = ()
    _loses = staticmethod(_operator.gt)


def fmax(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Elementwise max ignoring NaN (NaN only where both are NaN)."""
    return _extreme("fmax", np.fmax, FmaxBackward0, input, other, out)


def fmin(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Elementwise min ignoring NaN."""
    return _extreme("fmin", np.fmin, FminBackward0, input, other, out)


class FmaxBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "other")
    _wins = staticmethod(_operator.ge)

    def backward(self, grad):
        # the input gets the gradient where it won (ties included) or other is NaN
        a, b = self.saved(like=grad)
        to_a = self._wins(a, b) | anp.isnan(b)
        fa, fb = self.next_functions
        return (anp.where(to_a, grad, 0) if fa[0] is not None else None,
                anp.where(to_a, 0, grad) if fb[0] is not None else None)


class FminBackward0(FmaxBackward0):
    __slots__ = ()
    _wins = staticmethod(_operator.le)


def _clamp_bound(v, d: np.ndarray, fname: str, arg: str):
    """A Python-number bound, checked against an integer tensor's range as PyTorch does."""
    v = scalar_value(v)
    if not isinstance(v, (int, float)):
        raise TypeError(f"{fname}(): argument '{arg}' must be Number, not {type(v).__name__}")
    _check_int_arg(v)
    if isinstance(v, int) and not isinstance(v, bool) and d.dtype.kind in "iu":
        info = np.iinfo(d.dtype)
        if not info.min <= v <= info.max:
            raise RuntimeError(f"value cannot be converted to type {_CTYPE[d.dtype]} without "
                               "overflow")
    return v


def _plain_bound(v) -> bool:
    """None or a Python float/int that a float tensor takes without any conversion check."""
    c = v.__class__
    return v is None or c is float or c is int and -2 ** 63 <= v < 2 ** 63


def clamp(input: Tensor, min=None, max=None, *, out=None) -> Tensor:
    """Limit values to [min, max] (either may be None, a number or a tensor; NaN bounds give
    NaN). With min > max every element becomes max."""
    d = _data(input, "clamp")
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    tmin, tmax = isinstance(min, Tensor), isinstance(max, Tensor)
    if tmin or tmax:
        # a 0-d tensor next to a number is taken as a number (PyTorch's Scalar overload)
        if tmin and not tmax and max is not None and min._data.ndim == 0:
            min, tmin = min.item(), False
        elif tmax and not tmin and min is not None and max._data.ndim == 0:
            max, tmax = max.item(), False
    if tmin or tmax:
        if (min is not None and not tmin) or (max is not None and not tmax):
            raise TypeError("clamp() received an invalid combination of arguments - got "
                            f"(Tensor, {type(min).__name__}, {type(max).__name__}), but "
                            "expected one of:\n * (Tensor input, Tensor min = None, Tensor "
                            "max = None)\n * (Tensor input, Number min = None, Number max = "
                            "None)")
        return _out(_clamp_tensor(input, min, max), out)
    if d.dtype.kind == "f" and _plain_bound(min) and _plain_bound(max):
        lo, hi = min, max       # a float tensor keeps its dtype with Python-number bounds
    else:
        if d.dtype.kind == "c":
            raise NotImplementedError("clamp is not supported for complex types")
        lo = None if min is None else _clamp_bound(min, d, "clamp", "min")
        hi = None if max is None else _clamp_bound(max, d, "clamp", "max")
        rt = _dtype.result_type(input, *[v for v in (lo, hi) if v is not None]).np
        if rt == np.bool_:
            raise _not_impl("clamp_scalar_cpu", rt)
        if rt != d.dtype:
            d = d.astype(rt)
    if lo is None:
        r = np.minimum(d, hi)
    else:
        r = np.maximum(d, lo)
        if hi is not None:
            r = np.minimum(r, hi, out=r) if r.__class__ is _ndarray else np.minimum(r, hi)
    if lo == 0 or hi == 0:
        r = _zero_ties(r, d)
    if STATE.enabled and input._rg:
        node = ClampBackward1()
        node.lo, node.hi = lo, hi
        t = record1(node, r, input)
        node.save1(input)
        return _out(t, out)
    return _out(_wrap(r), out)


clip = clamp


class ClampBackward1(Node):
    """Gradient passes where min <= x <= max (boundaries included, as in PyTorch)."""

    __slots__ = ("lo", "hi")
    _saved_names = ("self",)

    def backward(self, grad):
        x, = self.saved()
        if self.lo is None:
            keep = x <= self.hi
        elif self.hi is None:
            keep = x >= self.lo
        else:
            keep = (x >= self.lo) & (x <= self.hi)
        return anp.where(keep, grad, 0),


def _clamp_tensor(input: Tensor, lo, hi) -> Tensor:
    parts = [t for t in (input, lo, hi) if t is not None]
    rt = _dtype.result_type(*parts).np
    if rt.kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    arrs = [t._data if t._data.dtype == rt else t._data.astype(rt) for t in parts]
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrs))
    except ValueError:
        s = arrs[0].shape
        for a in arrs[1:]:
            s = broadcast_shapes(s, a.shape)
        raise
    r = arrs[0]
    tok = _quiet_on(_QUIET)
    try:
        if lo is not None:
            r = np.maximum(r, arrs[1])
        if hi is not None:
            r = np.minimum(r, arrs[-1])
    finally:
        _quiet_off(tok)
    if r.shape != shape:
        r = np.broadcast_to(r, shape).copy()
    r = _zero_ties(r, arrs[0])
    inputs = (input, lo, hi)
    if STATE.enabled and (input._rg or isinstance(lo, Tensor) and lo._rg or
                          isinstance(hi, Tensor) and hi._rg):
        node = ClampBackward0()
        t = record(node, r, inputs)
        node.save(input, lo, hi)
        return t
    return _wrap(r)


class ClampBackward0(Node):
    """Clamp with tensor bounds: the gradient goes to whichever of x, min, max was chosen
    (PyTorch's rules: x where min <= x <= max; min where x < min < max; max where x > max or
    max < min)."""

    __slots__ = ()
    _saved_names = ("self", "min", "max")

    def backward(self, grad):
        x, lo, hi = self.saved(like=grad)
        if lo is None:
            to_x, to_lo, to_hi = x <= hi, None, x > hi
        elif hi is None:
            to_x, to_lo, to_hi = x >= lo, x < lo, None
        else:
            to_x, to_lo, to_hi = (x >= lo) & (x <= hi), (x < lo) & (lo < hi), (x > hi) | (hi < lo)
        return tuple(None if m is None or f is None else anp.where(m, grad, 0)
                     for m, (f, _) in zip((to_x, to_lo, to_hi), self.next_functions))


def clamp_min(input: Tensor, min) -> Tensor:
    """``max(input, min)`` (min a number or a tensor)."""
    return _clamp_one(input, min, True)


def clamp_max(input: Tensor, max) -> Tensor:
    """``min(input, max)`` (max a number or a tensor)."""
    return _clamp_one(input, max, False)


def _clamp_one(input: Tensor, bound, is_min: bool) -> Tensor:
    d = _data(input, "clamp_min" if is_min else "clamp_max")
    if isinstance(bound, Tensor):
        x, b = binary_arrays(input, bound)
        r = _zero_ties(_call_broadcast(np.maximum if is_min else np.minimum, x, b), x)
        if STATE.enabled and (input._rg or bound._rg):
            node = ClampMinBackward1() if is_min else ClampMaxBackward1()
            t = record2(node, r, input, bound)
            node.save2(input, bound)
            return t
        return _wrap(r)
    if d.dtype.kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    fname = "clamp_min" if is_min else "clamp_max"
    v = _clamp_bound(bound, d, fname, "min" if is_min else "max")
    rt = _dtype.result_type(input, v).np
    x = d if rt == d.dtype else d.astype(rt)
    r = _q2(np.maximum if is_min else np.minimum, x, v)
    if v == 0:
        r = _zero_ties(r, x)
    if STATE.enabled and input._rg:
        node = ClampMinBackward0() if is_min else ClampMaxBackward0()
        node.bound = v
        t = record1(node, r, input)
        node.save1(input)
        return t
    return _wrap(r)


class ClampMinBackward0(Node):
    __slots__ = ("bound",)
    _saved_names = ("self",)

    def backward(self, grad):          # passes where x >= min
        x, = self.saved()
        return anp.where(x >= self.bound, grad, 0),


class ClampMaxBackward0(ClampMinBackward0):
    __slots__ = ()

    def backward(self, grad):          # passes where x <= max
        x, = self.saved()
        return anp.where(x <= self.bound, grad, 0),


class ClampMinBackward1(Node):
    __slots__ = ()
    _saved_names = ("self", "min")

    def backward(self, grad):          # to x where x >= min, to min where x < min
        x, b = self.saved(like=grad)
        m = x >= b
        fx, fb = self.next_functions
        return (anp.where(m, grad, 0) if fx[0] is not None else None,
                anp.where(m, 0, grad) if fb[0] is not None else None)


class ClampMaxBackward1(Node):
    __slots__ = ()
    _saved_names = ("self", "max")

    def backward(self, grad):          # to x where x <= max, to max where x > max
        x, b = self.saved(like=grad)
        m = x <= b
        fx, fb = self.next_functions
        return (anp.where(m, grad, 0) if fx[0] is not None else None,
                anp.where(m, 0, grad) if fb[0] is not None else None)


def clamp_(input: Tensor, min=None, max=None) -> Tensor:
    """In-place :func:`clamp`."""
    other = min if isinstance(min, Tensor) else max
    return _apply_inplace(input, lambda x: clamp(x, min, max), other, "clamp_")


clip_ = clamp_


def clamp_min_(input: Tensor, min) -> Tensor:
    """In-place :func:`clamp_min`."""
    return _apply_inplace(input, lambda x: clamp_min(x, min), min, "clamp_min_")


def clamp_max_(input: Tensor, max) -> Tensor:
    """In-place :func:`clamp_max`."""
    return _apply_inplace(input, lambda x: clamp_max(x, max), max, "clamp_max_")


# =============================================================================================
# where
# =============================================================================================
def where(condition: Tensor, input=None, other=None, *, out=None):
    """``input`` where ``condition`` else ``other`` (``where(cond)`` is ``nonzero`` as a
    tuple of index tensors)."""
    c = _data(condition, "where")
    if input is None and other is None:
        return tuple(_wrap(i) for i in np.nonzero(c))
    if input is None or other is None:
        raise TypeError("where() received an invalid combination of arguments - got "
                        "(Tensor, Tensor), but expected one of:\n * (Tensor condition)\n * "
                        "(Tensor condition, Tensor input, Tensor other, *, Tensor out = None)")
    if c.dtype != np.bool_:
        if c.dtype == np.uint8:
            warnings.warn("where received a uint8 condition tensor. This behavior is "
                          "deprecated and will be removed in a future version of PyTorch. "
                          "Use a boolean condition instead. (Triggered internally at "
                          "/__w/pytorch/pytorch/aten/src/ATen/native/TensorCompare.cpp:621.)",
                          UserWarning, stacklevel=2)
            c = c.astype(bool)
        else:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {tname(c.dtype)}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        dt = _dtype.result_type(scalar_value(input), scalar_value(other)).np
        x, y = np.asarray(input, dt), np.asarray(other, dt)
    else:
        x, y = binary_arrays(input, other)
    try:
        r = np.where(c, x, y)
    except ValueError:
        broadcast_shapes(c.shape, broadcast_shapes(np.shape(x), np.shape(y)))
        raise
    if STATE.enabled and (isinstance(input, Tensor) and input._rg or
                          isinstance(other, Tensor) and other._rg):
        node = WhereBackward0()
        t = record2(node, r, input, other)
        node.save1(condition if c is condition._data else _wrap(c))
        return _out(t, out)
    return _out(_wrap(r), out)


class WhereBackward0(Node):
    __slots__ = ()
    _saved_names = ("condition",)

    def backward(self, grad):          # grad where chosen, 0 elsewhere
        c, = self.saved()
        fa, fb = self.next_functions
        return (anp.where(c, grad, 0) if fa[0] is not None else None,
                anp.where(c, 0, grad) if fb[0] is not None else None)


# =============================================================================================
# comparisons (no gradient)
# =============================================================================================
def _compare(np_fn, name: str):
    ordering = name not in ("eq", "ne")

    def fn(input: Tensor, other, *, out=None) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({type(input).__name__}, {type(other).__name__}), but expected "
                            f"one of:\n * (Tensor input, Tensor other, *, Tensor out = None)\n"
                            f" * (Tensor input, Number other, *, Tensor out = None)")
        x, y = binary_arrays(input, other)
        if ordering and x.dtype.kind == "c":
            raise _not_impl(f"{name}_cpu", x.dtype)
        t = _wrap(_broadcasting(np_fn, x, y))
        return t if out is None else _out(t, out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` comparison, giving a bool tensor."
    return fn


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")
not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge


def _compare_dunder(fn):
    """An operator form: other kinds of objects are left to Python (``x == None`` is False)."""
    def op(self, other):
        if other.__class__ is not Tensor and not isinstance(other, (Tensor,) + _NUMBER):
            return NotImplemented
        return fn(self, other)
    op.__name__ = op.__qualname__ = f"__{fn.__name__}__"
    return op


__eq__ = _compare_dunder(eq)
__ne__ = _compare_dunder(ne)
__lt__ = _compare_dunder(lt)
__le__ = _compare_dunder(le)
__gt__ = _compare_dunder(gt)
__ge__ = _compare_dunder(ge)


class _CompareInplaceBackward(Node):
    """In-place comparison on a tensor that requires grad: the result is constant."""

    __slots__ = ()

    def backward(self, grad):
        return (anp.zeros_like(grad),) * len(self.next_functions)


def _compare_inplace(fn, name: str, node_name: str):
    cls0 = type(node_name + "Backward0", (_CompareInplaceBackward,), {"__slots__": ()})
    cls1 = type(node_name + "Backward1", (_CompareInplaceBackward,), {"__slots__": ()})

    def graph_fn(x, other):
        r = fn(x.detach(), other)._data
        if STATE.enabled and (x._rg or isinstance(other, Tensor) and other._rg):
            if isinstance(other, Tensor):
                return record2(cls1(), r, x, other)
            return record1(cls0(), r, x)
        return _wrap(r)

    def op(input: Tensor, other) -> Tensor:
        return _apply_inplace(input, lambda x: graph_fn(x, other), other, name)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"In-place :func:`{fn.__name__}`: writes 1 or 0 in ``input``'s dtype."
    return op, cls0, cls1


eq_, EqBackward0, EqBackward1 = _compare_inplace(eq, "eq_", "Eq")
ne_, NeBackward0, NeBackward1 = _compare_inplace(ne, "ne_", "Ne")
lt_, LtBackward0, LtBackward1 = _compare_inplace(lt, "lt_", "Lt")
le_, LeBackward0, LeBackward1 = _compare_inplace(le, "le_", "Le")
gt_, GtBackward0, GtBackward1 = _compare_inplace(gt, "gt_", "Gt")
ge_, GeBackward0, GeBackward1 = _compare_inplace(ge, "ge_", "Ge")


# =============================================================================================
# logical and bitwise ops
# =============================================================================================
def _logical(np_fn, name: str):
    def fn(input: Tensor, other: Tensor, *, out=None) -> Tensor:
        check_tensor(input, name, pos=1)
        check_tensor(other, name, "other", 2)
        r = _call_broadcast(np_fn, input._data, other._data)
        return _out(_wrap(r), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` of the truth values (nonzero is True); bool result."
    return fn


logical_and = _logical(np.logical_and, "logical_and")
logical_or = _logical(np.logical_or, "logical_or")
logical_xor = _logical(np.logical_xor, "logical_xor")


def logical_not(input: Tensor, *, out=None) -> Tensor:
    """Elementwise not of the truth values (nonzero is True); bool result."""
    return _out(_wrap(np.logical_not(_data(input, "logical_not"))), out)


def _logical_inplace(fn, name: str):
    def op(input: Tensor, other: Tensor) -> Tensor:
        return _apply_inplace(input, lambda x: _wrap(fn(x.detach(), other)._data), None, name)
    op.__name__ = op.__qualname__ = name
    return op


logical_and_ = _logical_inplace(logical_and, "logical_and_")
logical_or_ = _logical_inplace(logical_or, "logical_or_")
logical_xor_ = _logical_inplace(logical_xor, "logical_xor_")


def logical_not_(input: Tensor) -> Tensor:
    """In-place :func:`logical_not` (writes 1/0 in the tensor's dtype)."""
    return _apply_inplace(input, lambda x: _wrap(logical_not(x.detach())._data), None,
                          "logical_not_")


def _bitwise(np_fn, name: str, kernel: str, allow_bool: bool = True):
    def fn(input, other, *, out=None) -> Tensor:
        if not isinstance(input, Tensor):
            if not isinstance(other, Tensor):
                raise _type_error(name, input)
        elif other is None or not isinstance(other, (Tensor,) + _NUMBER):
            raise _type_error(name, other, "other", 2)
        x, y = binary_arrays(input, other)
        dt = x.dtype if isinstance(x, _ndarray) else np.asarray(y).dtype
        if dt.kind not in "biu" or (dt.kind == "b" and not allow_bool):
            raise _not_impl(kernel, dt)
        return _out(_wrap(_call_broadcast(np_fn, x, y)), out)
    fn.__name__ = fn.__qualname__ = name
    return fn


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and", "bitwise_and_cpu")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or", "bitwise_or_cpu")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor", "bitwise_xor_cpu")
bitwise_and.__doc__ = "Elementwise bitwise and (logical and for bool tensors)."
bitwise_or.__doc__ = "Elementwise bitwise or (logical or for bool tensors)."
bitwise_xor.__doc__ = "Elementwise bitwise xor (logical xor for bool tensors)."


def _shift_np(left: bool):
    def fn(x, y):
        # Shifts by a negative amount or by the width or more are defined in PyTorch (0, or
        # the sign for a right shift of a negative number); NumPy's are undefined there.
        # a Python-number operand takes the tensor's dtype (it is a weak scalar)
        xa = x if x.__class__ is _ndarray else np.asarray(x, dtype=y.dtype)
        ya = y if y.__class__ is _ndarray else np.asarray(y, dtype=xa.dtype)
        bits = xa.dtype.itemsize * 8
        bad = (ya < 0) | (ya >= bits)
        safe = np.where(bad, 0, ya).astype(ya.dtype) if bad.any() else ya
        r = np.left_shift(xa, safe) if left else np.right_shift(xa, safe)
        if bad.any():
            fill = 0 if left else np.where(xa < 0, -1, 0)
            r = np.where(bad, fill, r).astype(r.dtype)
        return r
    return fn


bitwise_left_shift = _bitwise(_shift_np(True), "bitwise_left_shift", "lshift_cpu", False)
bitwise_right_shift = _bitwise(_shift_np(False), "bitwise_right_shift", "rshift_cpu", False)
bitwise_left_shift.__doc__ = "``input << other`` (integers)."
bitwise_right_shift.__doc__ = "``input >> other`` (integers; arithmetic for signed types)."


def bitwise_not(input: Tensor, *, out=None) -> Tensor:
    """Elementwise bitwise not (logical not for bool tensors)."""
    d = _data(input, "bitwise_not")
    if d.dtype.kind not in "biu":
        raise _not_impl("bitwise_not_cpu", d.dtype)
    return _out(_wrap(np.invert(d)), out)


def _bit_dunder(fn, reverse: bool = False):
    def op(self, other):
        if not isinstance(other, (Tensor,) + _NUMBER):
            return NotImplemented
        return fn(other, self) if reverse else fn(self, other)
    return op


def _bit_inplace(fn, name: str):
    def op(input: Tensor, other) -> Tensor:
        if isinstance(input, Tensor) and isinstance(other, (Tensor,) + _NUMBER):
            check_inplace(input)
            _check_inplace_broadcast(input, other)
            # PyTorch checks that the result fits the tensor before the kernel's dtype
            rt = _dtype.result_type(input, scalar_value(other)).np
            if not _can_store(rt, input._data.dtype):
                raise RuntimeError(f"result type {tname(rt)} can't be cast to the desired "
                                   f"output type {tname(input._data.dtype)}")
        return _apply_inplace(input, lambda x: fn(x, other), None, name)
    op.__name__ = op.__qualname__ = name
    return op


bitwise_and_ = _bit_inplace(bitwise_and, "bitwise_and_")
bitwise_or_ = _bit_inplace(bitwise_or, "bitwise_or_")
bitwise_xor_ = _bit_inplace(bitwise_xor, "bitwise_xor_")
bitwise_left_shift_ = _bit_inplace(bitwise_left_shift, "bitwise_left_shift_")
bitwise_right_shift_ = _bit_inplace(bitwise_right_shift, "bitwise_right_shift_")


def bitwise_not_(input: Tensor) -> Tensor:
    """In-place :func:`bitwise_not`."""
    return _apply_inplace(input, bitwise_not, None, "bitwise_not_")


# =============================================================================================
# predicates, nan_to_num, closeness
# =============================================================================================
def isnan(input: Tensor) -> Tensor:
    """Where the elements are NaN."""
    d = _data(input, "isnan")
    return _wrap(np.isnan(d) if d.dtype.kind in "fc" else np.zeros(d.shape, bool))


def isinf(input: Tensor) -> Tensor:
    """Where the elements are +inf or -inf."""
    d = _data(input, "isinf")
    return _wrap(np.isinf(d) if d.dtype.kind in "fc" else np.zeros(d.shape, bool))


def isfinite(input: Tensor) -> Tensor:
    """Where the elements are neither inf nor NaN."""
    d = _data(input, "isfinite")
    return _wrap(np.isfinite(d) if d.dtype.kind in "fc" else np.ones(d.shape, bool))


def _isinf_sign(input, positive: bool, out) -> Tensor:
    name = "isposinf" if positive else "isneginf"
    d = _data(input, name)
    if d.dtype.kind == "c":
        raise RuntimeError(f"{name} does not support complex inputs.")
    if d.dtype.kind != "f":
        r = np.zeros(d.shape, bool)
    else:
        r = d == (np.inf if positive else -np.inf)
    return _out(_wrap(r), out)


def isposinf(input: Tensor, *, out=None) -> Tensor:
    """Where the elements are +inf."""
    return _isinf_sign(input, True, out)


def isneginf(input: Tensor, *, out=None) -> Tensor:
    """Where the elements are -inf."""
    return _isinf_sign(input, False, out)


def isreal(input: Tensor) -> Tensor:
    """Where the elements have no imaginary part (all of them for real dtypes)."""
    d = _data(input, "isreal")
    return _wrap(d.imag == 0 if d.dtype.kind == "c" else np.ones(d.shape, bool))


def signbit(input: Tensor, *, out=None) -> Tensor:
    """Where the sign bit is set (including -0.0)."""
    d = _data(input, "signbit")
    if d.dtype.kind == "c":
        raise NotImplementedError("signbit is not implemented for complex tensors.")
    return _out(_wrap(np.signbit(d) if d.dtype.kind != "b" else np.zeros(d.shape, bool)), out)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf=None, neginf=None, *,
               out=None) -> Tensor:
    """NaN, +inf, -inf replaced by ``nan``, ``posinf`` (default: the dtype's max) and
    ``neginf`` (default: its lowest value)."""
    d = _data(input, "nan_to_num")
    if d.dtype.kind not in "fc":
        return _out(clone(input), out)
    info = np.finfo(d.dtype)
    r = np.nan_to_num(d, nan=nan, posinf=info.max if posinf is None else posinf,
                      neginf=info.min if neginf is None else neginf)
    return _finish(input, r, NanToNumBackward0, _SAVE_INPUT, out)


class NanToNumBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # 1 where finite, else 0
        a, = self.saved()
        return grad * anp.isfinite(a),


def nan_to_num_(input: Tensor, nan: float = 0.0, posinf=None, neginf=None) -> Tensor:
    """In-place :func:`nan_to_num`."""
    return _apply_inplace(input, lambda x: nan_to_num(x, nan, posinf, neginf), None,
                          "nan_to_num_")


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """``|input - other| <= atol + rtol * |other|`` elementwise (infinities equal only to
    themselves; NaN equal to NaN only with ``equal_nan``)."""
    a = _data(input, "isclose")
    check_tensor(other, "isclose", "other", 2)
    b = other._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"{tname(a.dtype)} did not match {tname(b.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    try:
        close = a == b
    except ValueError:
        broadcast_shapes(a.shape, b.shape)
        raise
    if a.dtype == np.bool_:
        return _wrap(np.asarray(close))
    if equal_nan and a.dtype.kind in "fc":
        close = close | (np.isnan(a) & np.isnan(b))
    if rtol or atol:
        if a.dtype.kind not in "fc":
            a = a.astype(_dtype.get_default_dtype().np)
            b = b.astype(a.dtype)
        tok = _quiet_on(_QUIET)
        try:
            allowed = atol + np.abs(rtol * b)
            actual = np.abs(a - b)
            close = close | (np.isfinite(actual) & (actual <= allowed))
        finally:
            _quiet_off(tok)
    return _wrap(np.asarray(close))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether all elements are close: ``|a - b| <= atol + rtol * |b|``."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """Same shape and the same values (NaN never equal)."""
    a = _data(input, "equal")
    check_tensor(other, "equal", "other", 2)
    b = other._data
    if a.shape != b.shape:
        return False
    if a.dtype != b.dtype:
        rt = _dtype.promote_types(input.dtype, other.dtype).np
        a, b = a.astype(rt), b.astype(rt)
    return bool(np.array_equal(a, b))


# =============================================================================================
# heaviside
# =============================================================================================
def heaviside(input: Tensor, values: Tensor, *, out=None) -> Tensor:
    """0 where input < 0, 1 where input > 0, ``values`` where input == 0."""
    check_tensor(input, "heaviside", pos=1)
    check_tensor(values, "heaviside", "values", 2)
    if input._data.dtype.kind == "c" or values._data.dtype.kind == "c":
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different "
                           "dtypes")
    x, v = input._data, values._data
    r = _call_broadcast(lambda a, b: np.where(a == 0, b, (a > 0)).astype(a.dtype), x, v)
    if STATE.enabled and (input._rg or values._rg):
        return _out(_not_implemented_grad(r, (input, values), "heaviside"), out)
    return _out(_wrap(r), out)


heaviside_ = _binary_inplace(heaviside, "heaviside_")


__and__ = _bit_dunder(bitwise_and)
__or__ = _bit_dunder(bitwise_or)
__xor__ = _bit_dunder(bitwise_xor)
__lshift__ = _bit_dunder(bitwise_left_shift)
__rshift__ = _bit_dunder(bitwise_right_shift)
__rand__ = _bit_dunder(bitwise_and, True)
__ror__ = _bit_dunder(bitwise_or, True)
__rxor__ = _bit_dunder(bitwise_xor, True)
__rlshift__ = _bit_dunder(bitwise_left_shift, True)
__rrshift__ = _bit_dunder(bitwise_right_shift, True)


def isin(elements, test_elements, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """Whether each of ``elements`` occurs in ``test_elements`` (either may be a number)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments - got "
                        f"({type(elements).__name__}, {type(test_elements).__name__})")
    e = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    t = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return _wrap(np.isin(e, t, assume_unique=assume_unique, invert=invert))


# -- gcd, lcm -----------------------------------------------------------------------------------
def _gcd_like(np_fn, name: str):
    def fn(input: Tensor, other: Tensor, *, out=None) -> Tensor:
        check_tensor(input, name, pos=1)
        check_tensor(other, name, "other", 2)
        x, y = binary_arrays(input, other)
        if x.dtype.kind not in "iu":
            raise _not_impl(f"{name}_cpu", x.dtype)
        return _out(_wrap(_call_broadcast(np_fn, x, y)), out)
    fn.__name__ = fn.__qualname__ = name
    return fn


gcd = _gcd_like(np.gcd, "gcd")
gcd.__doc__ = "Elementwise greatest common divisor of integer tensors (non-negative)."
lcm = _gcd_like(np.lcm, "lcm")
lcm.__doc__ = "Elementwise least common multiple of integer tensors (non-negative)."
gcd_ = _bit_inplace(gcd, "gcd_")
lcm_ = _bit_inplace(lcm, "lcm_")
