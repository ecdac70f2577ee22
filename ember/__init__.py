"""Ember: a small deep-learning library in pure Python on NumPy that behaves like PyTorch.

``import ember as torch`` and PyTorch scripts run unchanged.
"""
from __future__ import annotations

__version__ = "0.1.0"

# --- core
from . import _dtype
from ._dtype import (bool_ as bool, complex64, complex128, dtype, finfo, float16, float32,
                     float64, get_default_dtype, iinfo, int8, int16, int32, int64,
                     promote_types, result_type, set_default_dtype, uint8, can_cast)
from ._size import Size, device
from ._tensor import Tensor
from . import _methods  # binds Tensor methods and operators
from . import autograd
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                                 is_inference_mode_enabled, no_grad, set_grad_enabled)
from .autograd.anomaly_mode import (is_anomaly_check_nan_enabled, is_anomaly_enabled,
                                    set_anomaly_enabled)
from . import backends, cuda

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
                           tensor, zeros, zeros_like)

# --- pointwise (ember/ops/pointwise.py)
from .ops.pointwise import (abs, add, clone, cos, div, eq, exp, floor_divide, ge, gt, le, log,
                            lt, mul, ne, neg, pow, reciprocal, relu, relu_, remainder, rsub,
                            sigmoid, sign, sin, sqrt, square, sub, tanh, where)
absolute = abs
negative = neg
multiply = mul
divide = true_divide = div
subtract = sub
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

from .ops.pointwise import (addcdiv, addcmul, allclose, atan2, bitwise_and, bitwise_not,
                            bitwise_or, bitwise_xor, ceil, clamp, clamp_max, clamp_min, clip,
                            equal, expm1, fill_, floor, frac, hypot, isclose, isfinite, isinf,
                            isnan, lerp, log1p, logical_and, logical_not, logical_or,
                            logical_xor, maximum, minimum, nan_to_num, round, rsqrt, tan, trunc,
                            zero_)

# --- reduction (ember/ops/reduction.py)
from .ops.reduction import (all, amax, amin, aminmax, any, argmax, argmin, count_nonzero,
                            cummax, cummin, cumprod, cumsum, diff, log_softmax, logsumexp, max,
                            mean, median, min, mode, nanmean, nanmedian, nansum, norm, prod,
                            softmax, std, std_mean, sum, var, var_mean)

# --- linalg (ember/ops/linalg.py)
from .ops.linalg import (addbmm, addmm, addmv, addr, baddbmm, bmm, cross, det, diag,
                         diag_embed, diagonal, dot, einsum, ger, inner, kron, matmul, mm, mv,
                         outer, tensordot, trace, vdot)
from .ops.linalg import inv as inverse, slogdet_legacy as slogdet
from . import linalg

# --- shape (ember/ops/shape.py)
from .ops.shape import (adjoint, atleast_1d, atleast_2d, atleast_3d, broadcast_shapes,
                        broadcast_tensors, broadcast_to, cat, chunk, column_stack, concat,
                        concatenate, dsplit, dstack, flatten, flip, fliplr, flipud, hsplit,
                        hstack, moveaxis, movedim, narrow, permute, ravel, reshape, roll, rot90,
                        row_stack, select, split, squeeze, stack, swapaxes, swapdims, t,
                        tensor_split, tile, transpose, tril, triu, unbind, unflatten, unsqueeze,
                        vsplit, vstack)

# --- indexing (ember/ops/indexing.py)
from .ops.indexing import (argsort, argwhere, bucketize, gather, index_add, index_copy,
                           index_fill, index_put, index_select, kthvalue, masked_fill,
                           masked_scatter, masked_select, msort, nonzero, scatter, scatter_add,
                           scatter_reduce, searchsorted, sort, take, take_along_dim, topk, unique,
                           unique_consecutive)

# --- random (ember/ops/random.py)
from ._generator import Generator, default_generator
from .ops.random import (bernoulli, get_rng_state, initial_seed, manual_seed, multinomial,
                         normal, poisson, rand, rand_like, randint, randint_like, randn,
                         randn_like, randperm, seed, set_rng_state)
from . import random

# --- printing
from ._tensor_str import set_printoptions

# --- nn, optim, data, serialization
from . import nn
from . import optim
from . import utils  # torch.utils.data is reachable after a bare "import torch"
from .serialization import load, save


def is_tensor(obj) -> bool:
    """Whether ``obj`` is an ember tensor."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    return input.numel()


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()
