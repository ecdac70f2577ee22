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
    "maximum": _pw.maximum, "minimum": _pw.minimum, "clamp": _pw.clamp, "clip": _pw.clamp,
    "clamp_": _pw.clamp_, "clip_": _pw.clamp_, "clamp_min": _pw.clamp_min,
    "clamp_max": _pw.clamp_max, "floor": _pw.floor, "ceil": _pw.ceil, "trunc": _pw.trunc,
    "round": _pw.round, "frac": _pw.frac, "log1p": _pw.log1p, "expm1": _pw.expm1,
    "rsqrt": _pw.rsqrt, "tan": _pw.tan, "atan2": _pw.atan2, "hypot": _pw.hypot,
    "logical_and": _pw.logical_and, "logical_or": _pw.logical_or,
    "logical_xor": _pw.logical_xor, "logical_not": _pw.logical_not,
    "bitwise_and": _pw.bitwise_and, "bitwise_or": _pw.bitwise_or,
    "bitwise_xor": _pw.bitwise_xor, "bitwise_not": _pw.bitwise_not,
    "__and__": _pw.bitwise_and, "__rand__": _pw.bitwise_and, "__or__": _pw.bitwise_or,
    "__ror__": _pw.bitwise_or, "__xor__": _pw.bitwise_xor, "__rxor__": _pw.bitwise_xor,
    "__invert__": _pw.bitwise_not,
    "isnan": _pw.isnan, "isinf": _pw.isinf, "isfinite": _pw.isfinite,
    "nan_to_num": _pw.nan_to_num, "isclose": _pw.isclose, "allclose": _pw.allclose,
    "equal": _pw.equal, "zero_": _pw.zero_, "fill_": _pw.fill_, "lerp": _pw.lerp,
    "addcmul": _pw.addcmul, "addcdiv": _pw.addcdiv,
    # --- reduction (ember/ops/reduction.py)
    "sum": _rd.sum, "mean": _rd.mean, "nansum": _rd.nansum, "nanmean": _rd.nanmean,
    "prod": _rd.prod, "max": _rd.max, "min": _rd.min, "amax": _rd.amax, "amin": _rd.amin,
    "aminmax": _rd.aminmax, "argmax": _rd.argmax, "argmin": _rd.argmin, "var": _rd.var,
    "std": _rd.std, "norm": _rd.norm, "logsumexp": _rd.logsumexp, "cumsum": _rd.cumsum,
    "cumprod": _rd.cumprod, "cummax": _rd.cummax, "cummin": _rd.cummin, "all": _rd.all,
    "any": _rd.any, "count_nonzero": _rd.count_nonzero, "median": _rd.median,
    "nanmedian": _rd.nanmedian, "mode": _rd.mode, "softmax": _rd.softmax,
    "log_softmax": _rd.log_softmax, "diff": _rd.diff, "cumsum_": _rd.cumsum_,
    "cumprod_": _rd.cumprod_,
    # --- linalg (ember/ops/linalg.py)
    "mm": _la.mm, "bmm": _la.bmm, "mv": _la.mv, "dot": _la.dot, "vdot": _la.vdot,
    "inner": _la.inner, "outer": _la.outer, "ger": _la.outer, "addmm": _la.addmm,
    "addmv": _la.addmv, "addr": _la.addr, "addbmm": _la.addbmm, "baddbmm": _la.baddbmm,
    "matmul": _la.matmul, "__matmul__": _la.matmul,
    "__rmatmul__": lambda self, other: _la.matmul(other, self),
    "kron": _la.kron, "trace": _la.trace, "diag": _la.diag, "diagonal": _la.diagonal,
    "diag_embed": _la.diag_embed, "cross": _la.cross, "det": _la.det, "inverse": _la.inv,
    "slogdet": _la.slogdet_legacy, "addmm_": _la.addmm_, "addmv_": _la.addmv_,
    "addr_": _la.addr_, "addbmm_": _la.addbmm_, "baddbmm_": _la.baddbmm_,
    # --- shape (ember/ops/shape.py)
    "view": _sh.view, "view_as": _sh.view_as, "reshape": _sh.reshape,
    "reshape_as": _sh.reshape_as, "flatten": _sh.flatten, "ravel": _sh.ravel,
    "unflatten": _sh.unflatten, "squeeze": _sh.squeeze, "unsqueeze": _sh.unsqueeze,
    "transpose": _sh.transpose, "swapaxes": _sh.transpose, "swapdims": _sh.transpose,
    "t": _sh.t, "permute": _sh.permute, "movedim": _sh.movedim, "moveaxis": _sh.movedim,
    "adjoint": _sh.adjoint, "expand": _sh.expand, "expand_as": _sh.expand_as,
    "broadcast_to": _sh.broadcast_to, "repeat": _sh.repeat, "tile": _sh.tile,
    "contiguous": _sh.contiguous, "split": _sh.split, "chunk": _sh.chunk,
    "unbind": _sh.unbind, "tensor_split": _sh.tensor_split, "hsplit": _sh.hsplit,
    "vsplit": _sh.vsplit, "dsplit": _sh.dsplit, "flip": _sh.flip, "fliplr": _sh.fliplr,
    "flipud": _sh.flipud, "roll": _sh.roll, "narrow": _sh.narrow, "select": _sh.select,
    "tril": _sh.tril, "triu": _sh.triu, "tril_": _sh.tril_, "triu_": _sh.triu_,
    "rot90": _sh.rot90, "unfold": _sh.unfold,
    "T": property(_sh.T), "mT": property(_sh.mT), "mH": property(_sh.mH),
    # --- indexing (ember/ops/indexing.py)
    "__getitem__": _ix.getitem, "__setitem__": _ix.setitem, "copy_": _ix.copy_,
    "index_select": _ix.index_select, "gather": _ix.gather, "scatter": _ix.scatter,
    "scatter_": _ix.scatter_, "scatter_add": _ix.scatter_add,
    "scatter_add_": _ix.scatter_add_, "scatter_reduce": _ix.scatter_reduce,
    "scatter_reduce_": _ix.scatter_reduce_, "index_add": _ix.index_add,
    "index_add_": _ix.index_add_, "index_copy": _ix.index_copy,
    "index_copy_": _ix.index_copy_, "index_fill": _ix.index_fill,
    "index_fill_": _ix.index_fill_, "index_put": _ix.index_put, "index_put_": _ix.index_put_,
    "masked_fill": _ix.masked_fill, "masked_fill_": _ix.masked_fill_,
    "masked_select": _ix.masked_select, "masked_scatter": _ix.masked_scatter,
    "masked_scatter_": _ix.masked_scatter_, "take": _ix.take,
    "take_along_dim": _ix.take_along_dim, "put_": _ix.put_, "nonzero": _ix.nonzero,
    "argwhere": _ix.argwhere, "sort": _ix.sort, "argsort": _ix.argsort, "msort": _ix.msort,
    "topk": _ix.topk, "kthvalue": _ix.kthvalue, "unique": _ix.unique,
    "unique_consecutive": _ix.unique_consecutive,
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
