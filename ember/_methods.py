"""The one explicit table binding Tensor methods and operators to op functions.

``x * y``, ``x.mul(y)`` and ``torch.mul(x, y)`` are the same call. Each section lists the
functions of one module of ``ember/ops``.
"""
from __future__ import annotations

from ._tensor import Tensor
from .ops import creation as _cr
from .ops import indexing as _ix
from .ops import linalg as _la
from .ops import pointwise as _pw
from .ops import reduction as _rd
from .ops import shape as _sh
from .ops import random as _rn

_TABLE = {
    # --- pointwise (ember/ops/pointwise.py)
    "add": _pw.add, "__add__": _pw.add, "__radd__": _pw.add, "__iadd__": _pw.add_,
    "add_": _pw.add_,
    "sub": _pw.sub, "subtract": _pw.sub, "__sub__": _pw.sub, "__rsub__": _pw.rsub,
    "__isub__": _pw.sub_, "sub_": _pw.sub_,
    "mul": _pw.mul, "multiply": _pw.mul, "__mul__": _pw.mul, "__rmul__": _pw.mul,
    "__imul__": _pw.mul_, "mul_": _pw.mul_,
    "div": _pw.div, "divide": _pw.div, "true_divide": _pw.div, "__truediv__": _pw.div,
    "__rtruediv__": _pw.rdiv, "__itruediv__": _pw.div_, "div_": _pw.div_,
    "floor_divide": _pw.floor_divide, "__floordiv__": _pw.floor_divide,
    "__rfloordiv__": _pw.rfloordiv,
    "remainder": _pw.remainder, "__mod__": _pw.remainder, "__rmod__": _pw.rremainder,
    "pow": _pw.pow, "__pow__": _pw.pow, "pow_": _pw.pow_, "__ipow__": _pw.pow_,
    "__rpow__": lambda self, other: _pw.pow(other, self),
    "neg": _pw.neg, "negative": _pw.neg, "__neg__": _pw.neg,
    "__pos__": lambda self: self,
    "reciprocal": _pw.reciprocal, "square": _pw.square, "sqrt": _pw.sqrt,
    "exp": _pw.exp, "log": _pw.log, "abs": _pw.abs, "__abs__": _pw.abs, "absolute": _pw.abs,
    "sign": _pw.sign, "sin": _pw.sin, "cos": _pw.cos,
    "relu": _pw.relu, "relu_": _pw.relu_, "sigmoid": _pw.sigmoid, "tanh": _pw.tanh,
    "eq": _pw.eq, "__eq__": _pw.eq, "ne": _pw.ne, "__ne__": _pw.ne, "lt": _pw.lt,
    "__lt__": _pw.lt, "le": _pw.le, "__le__": _pw.le, "gt": _pw.gt, "__gt__": _pw.gt,
    "ge": _pw.ge, "__ge__": _pw.ge, "less": _pw.lt, "greater": _pw.gt,
    "less_equal": _pw.le, "greater_equal": _pw.ge, "not_equal": _pw.ne,
    "where": lambda self, condition, other: _pw.where(condition, self, other),
    "clone": _pw.clone,
    # --- reduction (ember/ops/reduction.py)
    "sum": _rd.sum, "mean": _rd.mean,
    # --- linalg (ember/ops/linalg.py)
    "mm": _la.mm, "matmul": _la.matmul, "__matmul__": _la.matmul,
    "__rmatmul__": lambda self, other: _la.matmul(other, self),
    # --- shape (ember/ops/shape.py)
    "view": _sh.view, "view_as": _sh.view_as, "reshape": _sh.reshape,
    "reshape_as": _sh.reshape_as, "flatten": _sh.flatten, "unflatten": _sh.unflatten,
    "squeeze": _sh.squeeze, "unsqueeze": _sh.unsqueeze, "transpose": _sh.transpose,
    "swapaxes": _sh.transpose, "swapdims": _sh.transpose, "t": _sh.t, "permute": _sh.permute,
    "expand": _sh.expand, "expand_as": _sh.expand_as, "broadcast_to": _sh.broadcast_to,
    "contiguous": _sh.contiguous, "narrow": _sh.narrow, "unbind": _sh.unbind,
    "T": property(_sh.T), "mT": property(_sh.mT),
    # --- indexing (ember/ops/indexing.py)
    "__getitem__": _ix.getitem, "__setitem__": _ix.setitem, "copy_": _ix.copy_,
    # --- random (ember/ops/random.py)
    "uniform_": _rn.uniform_, "normal_": _rn.normal_, "bernoulli_": _rn.bernoulli_,
    "exponential_": _rn.exponential_, "geometric_": _rn.geometric_,
    "log_normal_": _rn.log_normal_, "cauchy_": _rn.cauchy_, "random_": _rn.random_,
    "bernoulli": _rn.bernoulli, "multinomial": _rn.multinomial,
}


def _bind() -> None:
    for name, fn in _TABLE.items():
        setattr(Tensor, name, fn)


_bind()
