"""Ember: a small deep-learning library in pure Python on NumPy that behaves like PyTorch.

``import ember as torch`` and PyTorch scripts run unchanged.
"""
from __future__ import annotations

from .version import __version__  # PyTorch's release with ember's as its local label

# --- core
from . import _malloc  # noqa: F401  (tunes glibc before the first arrays exist)
from . import _dtype
from ._dtype import (bfloat16, bool_ as bool, complex64, complex128, dtype, finfo, float16, float32,
                     float64, get_default_dtype, iinfo, int8, int16, int32, int64,
                     promote_types, result_type, set_default_dtype, uint8, can_cast)
from ._size import Size, device
from ._tensor import Tensor
# the legacy typed constructors of old tutorials (torch.FloatTensor([1, 2]), x.type(...))
from ._legacy import (BFloat16Tensor, BoolTensor, ByteTensor, CharTensor, DoubleTensor,
                      FloatTensor, HalfTensor, IntTensor, LongTensor, ShortTensor,
                      set_default_tensor_type, tensortype)
from . import _methods  # binds Tensor methods and operators
from ._interop import from_dlpack  # (and binds the operators' NumPy-array rules)
from . import autograd
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                                 is_inference_mode_enabled, no_grad, set_grad_enabled)
from .autograd.anomaly_mode import (is_anomaly_check_nan_enabled, is_anomaly_enabled,
                                    set_anomaly_enabled)
from . import backends, cuda

# --- the CPU-only PyTorch namespace: devices, amp, compile, jit, threads, testing
from ._size import get_default_device, set_default_device
from ._threads import (get_num_interop_threads, get_num_threads, set_num_interop_threads,
                       set_num_threads)
from . import accelerator, amp, cpu, jit, testing, version
from .amp.autocast_mode import autocast, get_autocast_dtype, is_autocast_enabled
from .amp import GradScaler
from ._flags import (are_deterministic_algorithms_enabled, get_float32_matmul_precision,
                     is_deterministic_algorithms_warn_only_enabled, is_warn_always_enabled,
                     set_float32_matmul_precision, set_warn_always,
                     use_deterministic_algorithms)
import math as _math
inf, nan, pi, e = _math.inf, _math.nan, _math.pi, _math.e
newaxis = None

half = float16
float = float32
double = float64
short = int16
int = int32
long = int64
cfloat = complex64
cdouble = complex128
strided = "torch.strided"
contiguous_format = preserve_format = channels_last = None

# --- creation (ember/ops/creation.py)
from .ops.creation import (arange, as_tensor, asarray, empty, empty_like, eye, from_numpy,
                           full, full_like, linspace, logspace, ones, ones_like, scalar_tensor,
                           tensor, tril_indices, triu_indices, zeros, zeros_like)
# PyTorch's deprecated torch.range (end included); it shadows the builtin in this module only
from .ops.creation import range_ as range
from .ops.windows import (bartlett_window, blackman_window, hamming_window, hann_window,
                          kaiser_window)

# --- pointwise (ember/ops/pointwise.py)
from .ops.pointwise import (
    abs, abs_, absolute, acos, acos_, acosh, acosh_, add, addcdiv, addcmul, allclose, arccos,
    arccos_, arccosh, arccosh_, arcsin, arcsin_, arcsinh, arcsinh_, arctan, arctan2, arctan_,
    arctanh, arctanh_, asin, asin_, asinh, asinh_, atan, atan2, atan_, atanh, atanh_, bitwise_and,
    bitwise_left_shift, bitwise_not, bitwise_or, bitwise_right_shift, bitwise_xor, ceil, ceil_,
    clamp, clamp_, clamp_max, clamp_max_, clamp_min, clamp_min_, clip, clip_, clone, conj,
    copysign, cos, cos_, cosh, cosh_, deg2rad, deg2rad_, div, divide, eq, equal, erf, erf_, erfc,
    erfc_, erfinv, exp, exp2, exp2_, exp_, expm1, expm1_, fill, fill_, fix, fix_, float_power,
    floor, floor_, floor_divide, fmax, fmin, fmod, frac, frac_, ge, greater, greater_equal, gt,
    heaviside, hypot, isclose, isfinite, isinf, isnan, isneginf, isposinf, isreal, le, lerp, less,
    less_equal, log, log10, log10_, log1p, log1p_, log2, log2_, log_, logaddexp, logaddexp2,
    logical_and, logical_not, logical_or, logical_xor, logit, logit_, lt, maximum, minimum, mul,
    multiply, nan_to_num, nan_to_num_, ne, neg, neg_, negative, negative_, not_equal, positive,
    pow, rad2deg, rad2deg_, reciprocal, reciprocal_, relu, relu_, remainder, round, round_, rsqrt,
    rsqrt_, rsub, sgn, sigmoid, sigmoid_, sign, signbit, sin, sin_, sinc, sinc_, sinh, sinh_, sqrt,
    sqrt_, square, square_, sub, subtract, tan, tan_, tanh, tanh_, true_divide, trunc, trunc_,
    where, xlogy, xlogy_, zero_)
from .ops.pointwise import digamma, lgamma, mvlgamma, polygamma
from .ops.bessel import i0, i0_
from .ops.pointwise import frexp, gcd, gcd_, lcm, lcm_, ldexp, ldexp_, nextafter
# (complex shadows the builtin in this module only)
from .ops.complex_views import (angle, complex, conj_physical, imag, polar, real,
                                view_as_complex, view_as_real)

# --- reduction (ember/ops/reduction.py)
from .ops.reduction import (all, amax, amin, aminmax, any, argmax, argmin, bincount,
                            corrcoef, count_nonzero, cov, cummax, cummin, cumprod, cumsum, diff, histc,
                            log_softmax, logcumsumexp, logsumexp, max, mean, median, min, mode,
                            nanmean, nanmedian, nanquantile, nansum, norm, prod, quantile,
                            softmax, std, std_mean, sum, var, var_mean)
from .ops.reduction import cumulative_trapezoid, histogram, renorm, trapezoid, trapz

# --- linalg (ember/ops/linalg.py)
from .ops.linalg import (addbmm, addmm, addmv, addr, baddbmm, bmm, cross, det, diag,
                         diag_embed, diagflat, diagonal, dot, einsum, ger, inner, kron, matmul, mm,
                         mv, outer, tensordot, trace, vdot)
from .ops.linalg import inv as inverse, slogdet_legacy as slogdet
from .ops.linalg_factor import geqrf, matrix_exp, householder_product as orgqr
from .ops.linalg_factor import matrix_power, qr_legacy as qr
from .ops.linalg_factor import chain_matmul
from .ops.linalg import svd_legacy as svd
from .ops.linalg_lu import (cholesky, cholesky_inverse, cholesky_solve, logdet, lu, lu_unpack,
                            pinverse, triangular_solve)
from .ops.linalg_lu import lu_solve_legacy as lu_solve
from .ops.comparison import isin
from .ops.distance import cdist, cosine_similarity, dist, pairwise_distance, pdist
from .ops.normalization import layer_norm as _layer_norm


def detach(input: Tensor) -> Tensor:
    """``input.detach()``: the same data, cut from the graph."""
    return input.detach()


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5,
               cudnn_enable: bool = True) -> Tensor:
    """``torch.layer_norm``: ``nn.functional.layer_norm`` (``cudnn_enable`` is ignored)."""
    return _layer_norm(input, normalized_shape, weight, bias, eps)
from . import linalg

# --- shape (ember/ops/shape.py)
from .ops.shape import (adjoint, atleast_1d, atleast_2d, atleast_3d, broadcast_shapes,
                        block_diag, broadcast_tensors, broadcast_to, cartesian_prod, cat, chunk,
                        column_stack, concat, concatenate, dsplit, dstack, flatten, flip,
                        fliplr, flipud, hsplit, hstack, meshgrid, moveaxis, movedim, narrow,
                        permute, ravel, repeat_interleave, reshape, roll, rot90, row_stack,
                        select, split, squeeze, stack, swapaxes, swapdims, t, tensor_split,
                        tile, transpose, tril, triu, unbind, unflatten, unsqueeze, vsplit,
                        vstack)
from .ops.shape import (combinations, diagonal_scatter, select_scatter, slice_scatter,
                        split_with_sizes)
from .ops.views_inplace import as_strided, as_strided_

# --- indexing (ember/ops/indexing.py)
from .ops.indexing import (argsort, argwhere, bucketize, gather, index_add, index_copy,
                           index_fill, index_put, index_select, kthvalue, masked_fill,
                           masked_scatter, masked_select, msort, nonzero, scatter, scatter_add,
                           scatter_reduce, searchsorted, sort, take, take_along_dim, topk, unique,
                           unique_consecutive)
from .ops.indexing import index_reduce, put, unravel_index

# --- the vision family (ember/ops/conv.py, pooling.py, padding.py, sampling.py)
from .ops.conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,
                       conv_transpose3d, convolution)
from .ops.padding import constant_pad_nd
from .ops.pooling import (adaptive_avg_pool1d, avg_pool1d, max_pool1d, max_pool1d_with_indices,
                          max_pool2d, max_pool3d)
from .ops.sampling import channel_shuffle, pixel_shuffle, pixel_unshuffle

# --- random (ember/ops/random.py)
from ._generator import Generator, default_generator
from .ops.random import (bernoulli, get_rng_state, initial_seed, manual_seed, multinomial,
                         normal, poisson, rand, rand_like, randint, randint_like, randn,
                         randn_like, randperm, seed, set_rng_state)
from . import random
from .ops.gamma import (_dirichlet_grad, _sample_dirichlet, _standard_gamma,
                         _standard_gamma_grad)

# --- printing
from ._tensor_str import set_printoptions

# --- nn, optim, data, serialization
from .ops.rnn import (gru, gru_cell, lstm, lstm_cell, rnn_relu, rnn_relu_cell, rnn_tanh,
                      rnn_tanh_cell)
# nn, optim, utils (torch.utils.data), distributed, onnx, safetensors, serialization (save,
# load), compiler (compile) and viz are imported on first use by __getattr__ below


from ._tensor_info import FUNCTIONS as _info_fns
is_signed, is_inference = _info_fns["is_signed"], _info_fns["is_inference"]
is_conj, is_neg = _info_fns["is_conj"], _info_fns["is_neg"]
resolve_conj, resolve_neg = _info_fns["resolve_conj"], _info_fns["resolve_neg"]


def is_tensor(obj) -> bool:
    """Whether ``obj`` is an ember tensor."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    return input.numel()


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def is_complex(input: Tensor) -> bool:
    return input.is_complex()


def is_nonzero(input: Tensor) -> bool:
    return input.is_nonzero()


def is_same_size(input: Tensor, other: Tensor) -> bool:
    return input.is_same_size(other)


def typename(obj) -> str:
    """PyTorch's legacy type name: ``torch.FloatTensor`` for a float32 tensor."""
    if isinstance(obj, Tensor):
        return obj.type()
    return type(obj).__qualname__ if type(obj).__module__ == "builtins" else \
        f"{type(obj).__module__}.{type(obj).__qualname__}"


def is_autocast_cpu_enabled() -> bool:
    return is_autocast_enabled("cpu")


def get_autocast_cpu_dtype():
    return get_autocast_dtype("cpu")


# Subpackages that "import ember" does not load: each is imported the first time its name is
# read (PEP 562), so "torch.nn.Linear", "from torch import nn" and "torch.utils.data" work after
# a bare import exactly as in PyTorch, while the import pays only for the core.
_LAZY_MODULES = ("nn", "optim", "utils", "distributed", "onnx", "safetensors", "serialization",
                 "compiler", "viz", "special", "distributions", "func", "fft", "signal")
_LAZY_ATTRS = {"compile": "compiler", "save": "serialization", "load": "serialization",
               "stft": "ops.spectral", "istft": "ops.spectral", "vmap": "func"}
# the torch.* forms of nn.functional ops (native signatures), whose ops modules "import ember"
# does not load
_LAZY_ATTRS.update(dict.fromkeys((
    "dropout", "dropout_", "alpha_dropout", "alpha_dropout_", "feature_dropout",
    "feature_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_", "native_dropout",
    "embedding", "batch_norm", "native_batch_norm", "instance_norm", "group_norm", "rms_norm",
    "native_layer_norm", "prelu", "selu", "selu_", "celu", "celu_", "threshold", "threshold_",
    "rrelu", "rrelu_", "hardshrink", "bilinear", "kl_div", "cosine_embedding_loss",
    "margin_ranking_loss", "hinge_embedding_loss", "triplet_margin_loss", "poisson_nll_loss",
    "binary_cross_entropy_with_logits"), "_native_nn"))


def __getattr__(name: str):
    import importlib
    if name in _LAZY_MODULES:
        return importlib.import_module("." + name, __name__)
    mod = _LAZY_ATTRS.get(name)
    if mod is not None:
        value = getattr(importlib.import_module("." + mod, __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_MODULES) | set(_LAZY_ATTRS))
