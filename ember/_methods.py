"""The one explicit table binding Tensor methods and operators to op functions.

``x * y``, ``x.mul(y)`` and ``torch.mul(x, y)`` are the same call. Each section lists the
functions of one module of ``ember/ops``.
"""
from __future__ import annotations

from ._tensor import Tensor
from .autograd import engine as _en
from .autograd import graph as _gr
from .ops import bessel as _bs
from .ops import complex_views as _cv
from .ops import creation as _cr
from .ops import distance as _ds
from .ops import indexing as _ix
from .ops import linalg as _la
from .ops import linalg_factor as _lf
from .ops import linalg_lu as _lu
from .ops import pointwise as _pw
from .ops import reduction as _rd
from .ops import shape as _sh
from .ops import random as _rn
from .ops import views_inplace as _vi

_TABLE = {
    # --- autograd (ember/autograd/engine.py, graph.py)
    "backward": _en.tensor_backward, "retain_grad": _gr.retain_grad,
    "register_hook": _gr.register_hook,
    "register_post_accumulate_grad_hook": _gr.register_post_accumulate_grad_hook,
    "_accumulator": _gr.accumulator,
    # --- pointwise (ember/ops/pointwise.py)
    "add": _pw.add, "__add__": _pw.add, "__radd__": _pw.add, "__iadd__": _pw.add_,
    "add_": _pw.add_,
    "sub": _pw.sub, "subtract": _pw.sub, "__sub__": _pw.sub, "__rsub__": _pw.rsub,
    "__isub__": _pw.sub_, "sub_": _pw.sub_, "subtract_": _pw.sub_,
    "mul": _pw.mul, "multiply": _pw.mul, "__mul__": _pw.mul, "__rmul__": _pw.mul,
    "__imul__": _pw.mul_, "mul_": _pw.mul_, "multiply_": _pw.mul_,
    "div": _pw.div, "divide": _pw.div, "true_divide": _pw.div, "__truediv__": _pw.div,
    "__rtruediv__": _pw.rdiv, "__itruediv__": _pw.div_, "div_": _pw.div_,
    "divide_": _pw.div_, "true_divide_": _pw.div_,
    "floor_divide": _pw.floor_divide, "__floordiv__": _pw.floor_divide,
    "__rfloordiv__": _pw.rfloordiv, "__ifloordiv__": _pw.floor_divide_,
    "floor_divide_": _pw.floor_divide_,
    "remainder": _pw.remainder, "__mod__": _pw.remainder, "__rmod__": _pw.rremainder,
    "__imod__": _pw.remainder_, "remainder_": _pw.remainder_,
    "fmod": _pw.fmod, "fmod_": _pw.fmod_,
    "pow": _pw.pow, "__pow__": _pw.pow, "pow_": _pw.pow_, "__ipow__": _pw.pow_,
    "__rpow__": _pw._rpow, "float_power": _pw.float_power, "float_power_": _pw.float_power_,
    "neg": _pw.neg, "negative": _pw.neg, "__neg__": _pw.neg, "neg_": _pw.neg_,
    "negative_": _pw.neg_, "positive": _pw.positive, "__pos__": _pw.positive,
    "abs": _pw.abs, "__abs__": _pw.abs, "absolute": _pw.abs, "abs_": _pw.abs_,
    "absolute_": _pw.abs_,
    "reciprocal": _pw.reciprocal, "reciprocal_": _pw.reciprocal_, "square": _pw.square,
    "square_": _pw.square_, "sqrt": _pw.sqrt, "sqrt_": _pw.sqrt_, "rsqrt": _pw.rsqrt,
    "rsqrt_": _pw.rsqrt_,
    "exp": _pw.exp, "exp_": _pw.exp_, "exp2": _pw.exp2, "exp2_": _pw.exp2_,
    "expm1": _pw.expm1, "expm1_": _pw.expm1_, "log": _pw.log, "log_": _pw.log_,
    "log2": _pw.log2, "log2_": _pw.log2_, "log10": _pw.log10, "log10_": _pw.log10_,
    "log1p": _pw.log1p, "log1p_": _pw.log1p_,
    "sin": _pw.sin, "sin_": _pw.sin_, "sinc": _pw.sinc, "sinc_": _pw.sinc_, "cos": _pw.cos,
    "cos_": _pw.cos_, "tan": _pw.tan,
    "tan_": _pw.tan_, "asin": _pw.asin, "asin_": _pw.asin_, "arcsin": _pw.asin,
    "arcsin_": _pw.asin_, "acos": _pw.acos, "acos_": _pw.acos_, "arccos": _pw.acos,
    "arccos_": _pw.acos_, "atan": _pw.atan, "atan_": _pw.atan_, "arctan": _pw.atan,
    "arctan_": _pw.atan_, "atan2": _pw.atan2, "atan2_": _pw.atan2_, "arctan2": _pw.atan2,
    "arctan2_": _pw.atan2_,
    "sinh": _pw.sinh, "sinh_": _pw.sinh_, "cosh": _pw.cosh, "cosh_": _pw.cosh_,
    "tanh": _pw.tanh, "tanh_": _pw.tanh_, "asinh": _pw.asinh, "asinh_": _pw.asinh_,
    "arcsinh": _pw.asinh, "arcsinh_": _pw.asinh_, "acosh": _pw.acosh, "acosh_": _pw.acosh_,
    "arccosh": _pw.acosh, "arccosh_": _pw.acosh_, "atanh": _pw.atanh, "atanh_": _pw.atanh_,
    "arctanh": _pw.atanh, "arctanh_": _pw.atanh_,
    "relu": _pw.relu, "relu_": _pw.relu_, "sigmoid": _pw.sigmoid, "sigmoid_": _pw.sigmoid_,
    "erf": _pw.erf, "erf_": _pw.erf_, "erfc": _pw.erfc, "erfc_": _pw.erfc_,
    "erfinv": _pw.erfinv, "erfinv_": _pw.erfinv_, "logit": _pw.logit, "logit_": _pw.logit_,
    "lgamma": _pw.lgamma, "lgamma_": _pw.lgamma_, "digamma": _pw.digamma,
    "digamma_": _pw.digamma_, "polygamma": _pw.polygamma_method, "polygamma_": _pw.polygamma_,
    "mvlgamma": _pw.mvlgamma, "mvlgamma_": _pw.mvlgamma_, "i0": _bs.i0, "i0_": _bs.i0_,
    "sign": _pw.sign, "sign_": _pw.sign_, "sgn": _pw.sgn, "sgn_": _pw.sgn_,
    "signbit": _pw.signbit, "copysign": _pw.copysign, "copysign_": _pw.copysign_,
    "floor": _pw.floor, "floor_": _pw.floor_, "ceil": _pw.ceil, "ceil_": _pw.ceil_,
    "trunc": _pw.trunc, "trunc_": _pw.trunc_, "fix": _pw.trunc, "fix_": _pw.trunc_,
    "round": _pw.round, "round_": _pw.round_, "frac": _pw.frac, "frac_": _pw.frac_,
    "deg2rad": _pw.deg2rad, "deg2rad_": _pw.deg2rad_, "rad2deg": _pw.rad2deg,
    "rad2deg_": _pw.rad2deg_,
    "maximum": _pw.maximum, "minimum": _pw.minimum, "fmax": _pw.fmax, "fmin": _pw.fmin,
    "clamp": _pw.clamp, "clip": _pw.clamp, "clamp_": _pw.clamp_, "clip_": _pw.clamp_,
    "clamp_min": _pw.clamp_min, "clamp_max": _pw.clamp_max, "clamp_min_": _pw.clamp_min_,
    "clamp_max_": _pw.clamp_max_,
    "hypot": _pw.hypot, "hypot_": _pw.hypot_, "logaddexp": _pw.logaddexp,
    "logaddexp2": _pw.logaddexp2, "xlogy": _pw.xlogy, "xlogy_": _pw.xlogy_,
    "heaviside": _pw.heaviside, "heaviside_": _pw.heaviside_,
    "where": lambda self, condition, other: _pw.where(condition, self, other),
    "lerp": _pw.lerp, "lerp_": _pw.lerp_, "addcmul": _pw.addcmul, "addcmul_": _pw.addcmul_,
    "addcdiv": _pw.addcdiv, "addcdiv_": _pw.addcdiv_,
    "eq": _pw.eq, "__eq__": _pw.__eq__, "ne": _pw.ne, "__ne__": _pw.__ne__, "lt": _pw.lt,
    "__lt__": _pw.__lt__, "le": _pw.le, "__le__": _pw.__le__, "gt": _pw.gt,
    "__gt__": _pw.__gt__, "ge": _pw.ge, "__ge__": _pw.__ge__, "less": _pw.lt,
    "greater": _pw.gt, "less_equal": _pw.le, "greater_equal": _pw.ge, "not_equal": _pw.ne,
    "eq_": _pw.eq_, "ne_": _pw.ne_, "lt_": _pw.lt_, "le_": _pw.le_, "gt_": _pw.gt_,
    "ge_": _pw.ge_, "less_": _pw.lt_, "greater_": _pw.gt_, "less_equal_": _pw.le_,
    "greater_equal_": _pw.ge_, "not_equal_": _pw.ne_,
    "logical_and": _pw.logical_and, "logical_or": _pw.logical_or,
    "logical_xor": _pw.logical_xor, "logical_not": _pw.logical_not,
    "logical_and_": _pw.logical_and_, "logical_or_": _pw.logical_or_,
    "logical_xor_": _pw.logical_xor_, "logical_not_": _pw.logical_not_,
    "bitwise_and": _pw.bitwise_and, "bitwise_or": _pw.bitwise_or,
    "bitwise_xor": _pw.bitwise_xor, "bitwise_not": _pw.bitwise_not,
    "bitwise_left_shift": _pw.bitwise_left_shift,
    "bitwise_right_shift": _pw.bitwise_right_shift, "bitwise_and_": _pw.bitwise_and_,
    "bitwise_or_": _pw.bitwise_or_, "bitwise_xor_": _pw.bitwise_xor_,
    "bitwise_not_": _pw.bitwise_not_, "bitwise_left_shift_": _pw.bitwise_left_shift_,
    "bitwise_right_shift_": _pw.bitwise_right_shift_,
    "__and__": _pw.__and__, "__rand__": _pw.__rand__, "__iand__": _pw.bitwise_and_,
    "__or__": _pw.__or__, "__ror__": _pw.__ror__, "__ior__": _pw.bitwise_or_,
    "__xor__": _pw.__xor__, "__rxor__": _pw.__rxor__, "__ixor__": _pw.bitwise_xor_,
    "__lshift__": _pw.__lshift__, "__rlshift__": _pw.__rlshift__,
    "__ilshift__": _pw.bitwise_left_shift_, "__rshift__": _pw.__rshift__,
    "__rrshift__": _pw.__rrshift__, "__irshift__": _pw.bitwise_right_shift_,
    "__invert__": _pw.bitwise_not,
    "isnan": _pw.isnan, "isinf": _pw.isinf, "isposinf": _pw.isposinf,
    "isneginf": _pw.isneginf, "isfinite": _pw.isfinite, "isreal": _pw.isreal,
    "nan_to_num": _pw.nan_to_num, "nan_to_num_": _pw.nan_to_num_, "isclose": _pw.isclose,
    "allclose": _pw.allclose, "equal": _pw.equal, "zero_": _pw.zero_, "fill_": _pw.fill_,
    "clone": _pw.clone, "conj": _pw.conj,
    "gcd": _pw.gcd, "gcd_": _pw.gcd_, "lcm": _pw.lcm, "lcm_": _pw.lcm_, "frexp": _pw.frexp,
    "ldexp": _pw.ldexp, "ldexp_": _pw.ldexp_, "nextafter": _pw.nextafter,
    "nextafter_": _pw.nextafter_,
    # --- reduction (ember/ops/reduction.py)
    "sum": _rd.sum, "mean": _rd.mean, "nansum": _rd.nansum, "nanmean": _rd.nanmean,
    "prod": _rd.prod, "max": _rd.max, "min": _rd.min, "amax": _rd.amax, "amin": _rd.amin,
    "aminmax": _rd.aminmax, "argmax": _rd.argmax, "argmin": _rd.argmin, "var": _rd.var,
    "std": _rd.std, "norm": _rd.norm, "logsumexp": _rd.logsumexp, "cumsum": _rd.cumsum,
    "logcumsumexp": _rd.logcumsumexp,
    "cumprod": _rd.cumprod, "cummax": _rd.cummax, "cummin": _rd.cummin, "all": _rd.all,
    "any": _rd.any, "count_nonzero": _rd.count_nonzero, "median": _rd.median,
    "bincount": _rd.bincount, "histc": _rd.histc, "quantile": _rd.quantile,
    "nanquantile": _rd.nanquantile, "cov": _rd.cov, "corrcoef": _rd.corrcoef,
    "nanmedian": _rd.nanmedian, "mode": _rd.mode, "softmax": _rd.softmax,
    "log_softmax": _rd.log_softmax, "diff": _rd.diff, "cumsum_": _rd.cumsum_,
    "cumprod_": _rd.cumprod_, "renorm": _rd.renorm, "renorm_": _rd.renorm_,
    "histogram": _rd.histogram,
    # --- linalg (ember/ops/linalg.py)
    "mm": _la.mm, "bmm": _la.bmm, "mv": _la.mv, "dot": _la.dot, "vdot": _la.vdot,
    "inner": _la.inner, "outer": _la.outer, "ger": _la.outer, "addmm": _la.addmm,
    "addmv": _la.addmv, "addr": _la.addr, "addbmm": _la.addbmm, "baddbmm": _la.baddbmm,
    "matmul": _la.matmul, "__matmul__": _la.matmul,
    "__rmatmul__": lambda self, other: _la.matmul(other, self),
    "kron": _la.kron, "trace": _la.trace, "diag": _la.diag, "diagonal": _la.diagonal,
    "diag_embed": _la.diag_embed, "diagflat": _la.diagflat, "cross": _la.cross, "det": _la.det, "inverse": _la.inv,
    "slogdet": _la.slogdet_legacy, "addmm_": _la.addmm_, "addmv_": _la.addmv_,
    "addr_": _la.addr_, "addbmm_": _la.addbmm_, "baddbmm_": _la.baddbmm_,
    "matrix_exp": _lf.matrix_exp, "geqrf": _lf.geqrf, "orgqr": _lf.householder_product,
    "qr": _lf.qr_legacy, "matrix_power": _lf.matrix_power, "svd": _la.svd_legacy,
    "cholesky_solve": _lu.cholesky_solve, "cholesky_inverse": _lu.cholesky_inverse,
    "cholesky": _lu.cholesky, "triangular_solve": _lu.triangular_solve,
    "pinverse": _lu.pinverse, "logdet": _lu.logdet, "lu": _lu.lu,
    "lu_solve": _lu.lu_solve_legacy,
    # --- distance (ember/ops/distance.py)
    "dist": _ds.dist,
    # --- shape (ember/ops/shape.py)
    "view": _sh.view, "view_as": _sh.view_as, "reshape": _sh.reshape,
    "reshape_as": _sh.reshape_as, "flatten": _sh.flatten, "ravel": _sh.ravel,
    "unflatten": _sh.unflatten, "squeeze": _sh.squeeze, "unsqueeze": _sh.unsqueeze,
    "transpose": _sh.transpose, "swapaxes": _sh.transpose, "swapdims": _sh.transpose,
    "t": _sh.t, "permute": _sh.permute, "movedim": _sh.movedim, "moveaxis": _sh.movedim,
    "adjoint": _sh.adjoint, "expand": _sh.expand, "expand_as": _sh.expand_as,
    "broadcast_to": _sh.broadcast_to, "repeat": _sh.repeat, "tile": _sh.tile,
    "repeat_interleave": _sh.repeat_interleave,
    "contiguous": _sh.contiguous, "split": _sh.split, "chunk": _sh.chunk,
    "unbind": _sh.unbind, "tensor_split": _sh.tensor_split, "hsplit": _sh.hsplit,
    "vsplit": _sh.vsplit, "dsplit": _sh.dsplit, "flip": _sh.flip, "fliplr": _sh.fliplr,
    "flipud": _sh.flipud, "roll": _sh.roll, "narrow": _sh.narrow, "select": _sh.select,
    "tril": _sh.tril, "triu": _sh.triu, "tril_": _sh.tril_, "triu_": _sh.triu_,
    "rot90": _sh.rot90, "unfold": _sh.unfold, "split_with_sizes": _sh.split_with_sizes,
    "diagonal_scatter": _sh.diagonal_scatter, "select_scatter": _sh.select_scatter,
    "slice_scatter": _sh.slice_scatter,
    # --- as_strided and in-place views (ember/ops/views_inplace.py)
    "as_strided": _vi.as_strided, "as_strided_": _vi.as_strided_, "unsqueeze_": _vi.unsqueeze_,
    "squeeze_": _vi.squeeze_, "t_": _vi.t_, "transpose_": _vi.transpose_,
    "swapdims_": _vi.transpose_, "swapaxes_": _vi.transpose_,
    "T": property(_sh.T), "mT": property(_sh.mT), "mH": property(_sh.mH),
    "H": property(_sh.H), "real": property(_cv.real), "imag": property(_cv.imag),
    "angle": _cv.angle, "sum_to_size": _rd.sum_to_size, "fill_diagonal_": _ix.fill_diagonal_,
    "resize_": _vi.resize_, "resize_as_": _vi.resize_as_,
    "conj_physical": _cv.conj_physical,
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
    "take_along_dim": _ix.take_along_dim, "put_": _ix.put_, "put": _ix.put,
    "index_reduce": _ix.index_reduce, "index_reduce_": _ix.index_reduce_, "nonzero": _ix.nonzero,
    "argwhere": _ix.argwhere, "sort": _ix.sort, "argsort": _ix.argsort, "msort": _ix.msort,
    "topk": _ix.topk, "kthvalue": _ix.kthvalue, "unique": _ix.unique,
    "unique_consecutive": _ix.unique_consecutive,
    # --- random (ember/ops/random.py)
    "uniform_": _rn.uniform_, "normal_": _rn.normal_, "bernoulli_": _rn.bernoulli_,
    "exponential_": _rn.exponential_, "geometric_": _rn.geometric_,
    "log_normal_": _rn.log_normal_, "cauchy_": _rn.cauchy_, "random_": _rn.random_,
    "bernoulli": _rn.bernoulli, "multinomial": _rn.multinomial,
    # --- activations of ember/ops/activation.py (loaded on first call)
    "prelu": lambda self, weight: _activation().prelu(self, weight),
    "hardshrink": lambda self, lambd=0.5: _activation().hardshrink(self, lambd),
}


# stft/istft live in a module loaded on first use (it brings numpy.fft): the methods import it
def _stft(self, n_fft: int, hop_length=None, win_length=None, window=None, center=True,
          pad_mode="reflect", normalized=False, onesided=None, return_complex=None,
          align_to_window=None):
    """``torch.stft(self, ...)``."""
    from .ops.spectral import stft
    return stft(self, n_fft, hop_length, win_length, window, center, pad_mode, normalized,
                onesided, return_complex, align_to_window)


def _istft(self, n_fft: int, hop_length=None, win_length=None, window=None, center=True,
           normalized=False, onesided=None, length=None, return_complex=False):
    """``torch.istft(self, ...)``."""
    from .ops.spectral import istft
    return istft(self, n_fft, hop_length, win_length, window, center, normalized, onesided,
                 length, return_complex)


_TABLE["stft"] = _stft
_TABLE["istft"] = _istft


def _activation():
    # ember/ops/activation.py is not loaded by "import ember" (it holds nn's activations)
    from .ops import activation
    return activation


def _bind() -> None:
    from ._tensor_info import TABLE as info
    for name, fn in list(_TABLE.items()) + list(info.items()):
        setattr(Tensor, name, fn)


_bind()
