"""Resampling and rearranging: interpolate, pixel_shuffle/unshuffle, channel_shuffle,
unfold/fold (im2col/col2im).

Every interpolation mode PyTorch has for a regular grid is separable: along each spatial dim
an output is a fixed weighted sum of a few inputs (1 for nearest, 2 for linear, 4 for cubic,
a range for area). So each mode builds one small (out, in) matrix per dim with PyTorch's
source-index arithmetic (in the input's precision, so index choices match), applies them one
dim at a time, and its gradient applies the transposed matrices.
"""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record, record1
from .conv import ntuple, out_size, window_view, zero_pad
from .pooling import (_SeparableBackward, _scatter_windows_np, adaptive_avg_pool1d,
                      adaptive_avg_pool2d, adaptive_avg_pool3d, apply_separable)

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle", "channel_shuffle", "unfold", "fold", "affine_grid", "grid_sample"]

_wrap = Tensor._wrap


# -- interpolation matrices -------------------------------------------------------------------
def _area_scale(size: int, out: int, align_corners: bool, scale, dt):
    """PyTorch's area_pixel_compute_scale, in the computation dtype ``dt``."""
    if align_corners:
        return dt(size - 1) / dt(out - 1) if out > 1 else dt(0)
    if scale is not None and scale > 0:
        return dt(1.0 / scale)
    return dt(size) / dt(out)


def _nearest_matrix(size: int, out: int, scale, exact: bool) -> np.ndarray:
    dst = np.arange(out)
    if not exact and out == size:
        src = dst
    elif not exact and out == 2 * size:
        src = dst >> 1
    else:
        # PyTorch computes this index in float32 whatever the dtype
        s = np.float32(1.0 / scale) if scale is not None and scale > 0 else \
            np.float32(size) / np.float32(out)
        d = dst.astype(np.float32) + (np.float32(0.5) if exact else np.float32(0))
        src = np.minimum(np.floor(d * s).astype(np.int64), size - 1)
    m = np.zeros((out, size))
    m[dst, src] = 1.0
    return m


def _linear_matrix(size: int, out: int, align_corners: bool, scale, dt) -> np.ndarray:
    s = _area_scale(size, out, align_corners, scale, dt)
    d = np.arange(out).astype(dt)
    src = s * d if align_corners else np.maximum(s * (d + dt(0.5)) - dt(0.5), dt(0))
    i0 = np.floor(src).astype(np.int64)
    i0 = np.minimum(i0, size - 1)
    i1 = i0 + (i0 < size - 1)
    l1 = (src - i0.astype(dt)).astype(np.float64)
    m = np.zeros((out, size))
    rows = np.arange(out)
    np.add.at(m, (rows, i0), 1.0 - l1)
    np.add.at(m, (rows, i1), l1)
    return m


def _cubic_matrix(size: int, out: int, align_corners: bool, scale, dt) -> np.ndarray:
    s = _area_scale(size, out, align_corners, scale, dt)
    d = np.arange(out).astype(dt)
    src = s * d if align_corners else s * (d + dt(0.5)) - dt(0.5)
    i = np.floor(src)
    t = (src - i).astype(np.float64)
    a = -0.75

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):   # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    coeffs = (far(t + 1), near(t), near(1 - t), far(2 - t))
    m = np.zeros((out, size))
    rows = np.arange(out)
    for k, c in enumerate(coeffs):
        # taps outside the input read its edge (PyTorch's bounded access)
        idx = np.clip(i.astype(np.int64) - 1 + k, 0, size - 1)
        np.add.at(m, (rows, idx), c)
    return m


class UpsampleNearest1DBackward0(_SeparableBackward):
    __slots__ = ()


class UpsampleNearest2DBackward0(_SeparableBackward):
    __slots__ = ()


class UpsampleNearest3DBackward0(_SeparableBackward):
    __slots__ = ()


class UpsampleNearestExact1DBackward0(_SeparableBackward):
    __slots__ = ()


class UpsampleNearestExact2DBackward0(_SeparableBackward):
    __slots__ = ()


class UpsampleNearestExact3DBackward0(_SeparableBackward):
    __slots__ = ()


class UpsampleLinear1DBackward0(_SeparableBackward):
    __slots__ = ()


class UpsampleBilinear2DBackward0(_SeparableBackward):
    __slots__ = ()


class UpsampleBicubic2DBackward0(_SeparableBackward):
    __slots__ = ()


class UpsampleTrilinear3DBackward0(_SeparableBackward):
    __slots__ = ()


_NODES = {("nearest", 1): UpsampleNearest1DBackward0, ("nearest", 2): UpsampleNearest2DBackward0,
          ("nearest", 3): UpsampleNearest3DBackward0,
          ("nearest-exact", 1): UpsampleNearestExact1DBackward0,
          ("nearest-exact", 2): UpsampleNearestExact2DBackward0,
          ("nearest-exact", 3): UpsampleNearestExact3DBackward0,
          ("linear", 1): UpsampleLinear1DBackward0, ("bilinear", 2): UpsampleBilinear2DBackward0,
          ("bicubic", 2): UpsampleBicubic2DBackward0,
          ("trilinear", 3): UpsampleTrilinear3DBackward0}
_NEEDS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resample the spatial dims of (N, C, *spatial) ``input`` to ``size`` or by
    ``scale_factor`` with ``mode`` (nearest, nearest-exact, linear, bilinear, bicubic,
    trilinear, area)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias:
        raise NotImplementedError("interpolate(): antialias=True is not supported by ember")
    dim = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    f"Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size "
                    f"of {size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                    f"and output size in (o1, o2, ...,oK) format.")
            out = [int(s) for s in size]
        else:
            out = [int(size)] * dim
        scales = [None] * dim
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    f"Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in (N, "
                    f"C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
        out = [int(math.floor(float(input.shape[2 + i]) * scales[i])) for i in range(dim)]
        if recompute_scale_factor:
            scales = [None] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if mode not in _MODES or dim not in (1, 2, 3):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
            f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
            f"nearest-exact (got {mode})")
    if mode in _NEEDS and input.ndim != _NEEDS[mode]:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                  f"{_NEEDS[mode]}D input")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1](
            input, tuple(out) if dim > 1 else out[0])
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"upsample_{mode}" not implemented for '
                                  f"'{input.dtype._legacy[:-6]}'")
    sp = input.shape[2:]
    if any(o <= 0 for o in out) or any(s <= 0 for s in sp):
        names = ("D", "H", "W")[3 - dim:]
        given = ", ".join(f"{a}: {v}" for a, v in zip(names, sp))
        wanted = ", ".join(f"{a}: {v}" for a, v in zip(names, out))
        joint = " and output" if dim == 1 else " output"      # PyTorch's own wording
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({given}){joint} ({wanted})")
    if input.shape[1] == 0:       # an empty batch is fine, empty channels are not
        raise RuntimeError(f"Non-empty {input.ndim}D data tensor expected but got a tensor "
                           f"with sizes {list(input.shape)}")
    dt = input._data.dtype.type
    mats = []
    for i in range(dim):
        n_in, n_out = input.shape[2 + i], out[i]
        if mode.startswith("nearest"):
            m = _nearest_matrix(n_in, n_out, scales[i], mode == "nearest-exact")
        elif mode == "bicubic":
            m = _cubic_matrix(n_in, n_out, align_corners, scales[i], dt)
        else:
            m = _linear_matrix(n_in, n_out, align_corners, scales[i], dt)
        mats.append(m)
    return apply_separable(input, tuple(mats), _NODES[(mode, dim)])


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# -- rearrangements ---------------------------------------------------------------------------
def _permute(x, perm: tuple):
    return np.transpose(x, perm) if anp.is_array(x) else x.permute(perm)


def _rearranged(x, split: tuple, perm: tuple, shape: tuple):
    """``x.reshape(split).permute(perm).reshape(shape)`` on an array or a tensor."""
    r = _permute(x.reshape(split), perm).reshape(shape)
    return np.ascontiguousarray(r) if anp.is_array(r) else r


class _RearrangeBackward(Node):
    """Backward of a reshape-permute-reshape: the inverse permutation."""

    __slots__ = ("split", "perm", "in_shape")

    def backward(self, grad):
        inv = tuple(int(i) for i in np.argsort(self.perm))
        permuted = tuple(self.split[p] for p in self.perm)
        return (_rearranged(grad, permuted, inv, self.in_shape),)


class PixelShuffleBackward0(_RearrangeBackward):
    __slots__ = ()


class PixelUnshuffleBackward0(_RearrangeBackward):
    __slots__ = ()


class ChannelShuffleBackward0(_RearrangeBackward):
    __slots__ = ()


def _rearrange(input: Tensor, split: tuple, perm: tuple, shape: tuple, node_cls) -> Tensor:
    r = _rearranged(input._data, split, perm, shape)
    if STATE.enabled and input._rg:
        node = node_cls()
        node.split, node.perm, node.in_shape = split, perm, input._data.shape
        return record1(node, r, input)
    return _wrap(r)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r): moves channel blocks into space."""
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.ndim} dimension(s)")
    r = int(upscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    lead = tuple(lead)
    k = len(lead)
    split = lead + (c // (r * r), r, r, h, w)
    perm = tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2)
    return _rearrange(input, split, perm, lead + (c // (r * r), h * r, w * r),
                      PixelShuffleBackward0)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W): the inverse of pixel_shuffle."""
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    r = int(downscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by "
                           f"downscale_factor, but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by "
                           f"downscale_factor, but input.size(-1)={w} is not divisible by {r}")
    lead = tuple(lead)
    k = len(lead)
    split = lead + (c, h // r, r, w // r, r)
    perm = tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3)
    return _rearrange(input, split, perm, lead + (c * r * r, h // r, w // r),
                      PixelUnshuffleBackward0)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels of ``groups`` groups (ShuffleNet): (N, g*k, *) -> (N, k*g, *)."""
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with sizes {list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    n, c = input.shape[:2]
    rest = tuple(input.shape[2:])
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    split = (n, groups, c // groups) + rest
    perm = (0, 2, 1) + tuple(range(3, 3 + len(rest)))
    return _rearrange(input, split, perm, tuple(input.shape), ChannelShuffleBackward0)


# -- unfold / fold (im2col / col2im) ----------------------------------------------------------
def _im2col_np(x, kernel, dilation, padding, stride):
    if x.ndim == 3:                   # unbatched
        return _im2col_np(x[None], kernel, dilation, padding, stride)[0]
    v = window_view(zero_pad(x, padding), kernel, stride, dilation)   # (N, C, oh, ow, kh, kw)
    n, c, oh, ow, kh, kw = v.shape
    return v.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, oh * ow)


def _col2im_np(cols, out_size_, kernel, dilation, padding, stride):
    if cols.ndim == 2:                # unbatched
        return _col2im_np(cols[None], out_size_, kernel, dilation, padding, stride)[0]
    n = cols.shape[0]
    k = kernel[0] * kernel[1]
    c = cols.shape[1] // k
    osz = tuple(out_size(out_size_[i], kernel[i], stride[i], padding[i], dilation[i])
                for i in range(2))
    # (N, C, kh, kw, oh, ow) -> (N, C, oh, ow, kh, kw), the layout of the window scatter
    w = cols.reshape((n, c) + tuple(kernel) + osz).transpose(0, 1, 4, 5, 2, 3)
    return np.ascontiguousarray(_scatter_windows_np(w, kernel, stride, padding, dilation,
                                                    tuple(out_size_), osz))


def _im2col(x, args):
    return _im2col_np(x, *args) if anp.is_array(x) else _unfold(x, *args)


def _col2im(g, size, args):
    return _col2im_np(g, size, *args) if anp.is_array(g) else _fold(g, size, *args)


class Im2ColBackward0(Node):
    __slots__ = ("args", "in_size")

    def backward(self, grad):
        return (_col2im(grad, self.in_size, self.args),)


class Col2ImBackward0(Node):
    __slots__ = ("args",)

    def backward(self, grad):
        return (_im2col(grad, self.args),)


def _unfold(x: Tensor, kernel, dilation, padding, stride) -> Tensor:
    r = _im2col_np(x._data, kernel, dilation, padding, stride)
    if STATE.enabled and x._rg:
        node = Im2ColBackward0()
        node.args, node.in_size = (kernel, dilation, padding, stride), x._data.shape[-2:]
        return record1(node, r, x)
    return _wrap(r)


def _fold(x: Tensor, size, kernel, dilation, padding, stride) -> Tensor:
    r = _col2im_np(x._data, size, kernel, dilation, padding, stride)
    if STATE.enabled and x._rg:
        node = Col2ImBackward0()
        node.args = (kernel, dilation, padding, stride)
        return record1(node, r, x)
    return _wrap(r)


def _fold_args(kernel_size, dilation, padding, stride):
    return (ntuple(kernel_size, 2, "kernel_size"), ntuple(dilation, 2, "dilation"),
            ntuple(padding, 2, "padding"), ntuple(stride, 2, "stride"))


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Extract sliding local blocks: (N, C, H, W) -> (N, C*kh*kw, L) (im2col)."""
    if input.ndim not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got "
                                  f"{input.ndim}D)")
    k, d, p, s = _fold_args(kernel_size, dilation, padding, stride)
    if 0 in input.shape[-3:]:         # only the batch may be empty
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
                           f"and other non-zero dimensions for input, but got: "
                           f"{list(input.shape)}")
    sp = input.shape[-2:]
    o = [out_size(sp[i], k[i], s[i], p[i], d[i]) for i in range(2)]
    if any(v <= 0 for v in o):
        raise RuntimeError(f"Given input with spatial size ({sp[0]}, {sp[1]}), kernel_size="
                           f"({k[0]}, {k[1]}), dilation=({d[0]}, {d[1]}), padding=({p[0]}, "
                           f"{p[1]}), calculated shape of the array of sliding blocks as ("
                           f"{o[0]}, {o[1]}), but its components must be at least one.")
    return _unfold(input, k, d, p, s)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum sliding local blocks back into an image: (N, C*kh*kw, L) -> (N, C, *output_size)."""
    if input.ndim not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input "
                                  f"Tensors are supported (got {input.ndim}D)")
    k, d, p, s = _fold_args(kernel_size, dilation, padding, stride)
    size = ntuple(output_size, 2, "output_size")
    x = input
    if 0 in x.shape[-2:]:             # only the batch may be empty
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           f"batch size and non-zero dimensions for input, but got: "
                           f"{list(x.shape)}")
    kk = k[0] * k[1]
    if x.shape[-2] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={x.shape[-2]} and "
                           f"kernel_size=({k[0]}, {k[1]}).")
    o = [out_size(size[i], k[i], s[i], p[i], d[i]) for i in range(2)]
    if o[0] * o[1] != x.shape[-1]:
        raise RuntimeError(f"Given output_size=({size[0]}, {size[1]}), kernel_size=({k[0]}, "
                           f"{k[1]}), dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), "
                           f"stride=({s[0]}, {s[1]}), expected size of input's dimension 2 to "
                           f"match the calculated number of sliding blocks {o[0]} * {o[1]} = "
                           f"{o[0] * o[1]}, but got input.size(2)={x.shape[-1]}.")
    return _fold(x, size, k, d, p, s)



# -- affine grids -----------------------------------------------------------------------------
def _coords(steps: int, align_corners: bool, dtype) -> np.ndarray:
    """PyTorch's linspace_from_neg_one: pixel centres in [-1, 1] (0 for a single step)."""
    if steps <= 1:
        return np.zeros(max(steps, 0), dtype=dtype)
    r = np.linspace(-1, 1, steps, dtype=dtype)
    return r if align_corners else r * dtype.type((steps - 1) / steps)


def _base_grid(size: tuple, align_corners: bool, dtype) -> np.ndarray:
    """(prod(spatial), n + 1) rows (x, y[, z], 1), x varying fastest."""
    spatial = size[2:]
    axes = [_coords(s, align_corners, dtype) for s in spatial]      # (D,) H, W
    mesh = np.meshgrid(*axes, indexing="ij")
    cols = [m.reshape(-1) for m in reversed(mesh)] + [np.ones(_prod_sizes(spatial), dtype)]
    return np.stack(cols, axis=1)


def _prod_sizes(t) -> int:
    r = 1
    for v in t:
        r *= int(v)
    return r


class AffineGridGeneratorBackward0(Node):
    __slots__ = ("base", "size")

    def backward(self, grad):
        n = len(self.size) - 2
        g = grad.reshape((self.size[0], -1, n))                         # (N, L, n)
        base = self.base if anp.is_array(g) else _wrap(self.base)
        return (anp.transpose(g, 1, 2) @ base,)                          # (N, n, n + 1)


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) of the affine maps ``theta``
    (N, 2, 3) (or (N, 3, 4)) over an output of ``size``, in [-1, 1] coordinates."""
    if align_corners is None:
        import warnings
        warnings.warn("Default grid_sample and affine_grid behavior has changed to "
                      "align_corners=False since 1.3.0. Please specify align_corners=True if "
                      "the old behavior is desired. See the documentation of grid_sample for "
                      "details.")
        align_corners = False
    if theta._data.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got "
                         f"{theta.dtype}")
    given = size                      # PyTorch's messages print it as it was passed
    size = tuple(int(s) for s in size)
    if len(size) == 4:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{given}. Got {theta.shape}.")
    elif len(size) == 5:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{given}. Got {theta.shape}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {list(size)}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {given}")
    th = theta._data
    n = len(size) - 2
    if th.shape[0] != size[0]:        # PyTorch's batched product of grid and theta refuses
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{size[0]}, {n + 1}] but got: [{th.shape[0]}, {n + 1}].")
    base = _base_grid(size, align_corners, th.dtype)                      # (L, n + 1)
    r = np.matmul(base, th.transpose(0, 2, 1))                             # (N, L, n)
    r = r.reshape((size[0],) + size[2:] + (n,))
    if STATE.enabled and theta._rg:
        node = AffineGridGeneratorBackward0()
        node.base, node.size = base, size
        return record1(node, r, theta)
    return _wrap(r)


# -- grid sampling ----------------------------------------------------------------------------
def _reflect(v, twice_low: float, twice_high: float):
    """PyTorch's reflect_coordinates, with the slope (+1 or -1) of the map at each point."""
    if twice_low == twice_high:
        return np.zeros_like(v), np.zeros_like(v)
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    d = v - lo
    sign = np.where(d < 0, -1, 1).astype(v.dtype)
    d = np.abs(d)
    extra = np.fmod(d, span)
    flips = np.floor(d / span)
    even = flips % 2 == 0
    return (np.where(even, extra + lo, span - extra + lo),
            np.where(even, sign, -sign).astype(v.dtype))


def _source_index(c: np.ndarray, size: int, padding_mode: str, align_corners: bool):
    """Pixel coordinate of normalised ``c`` as ``a * c + b`` with ``a``, ``b`` constant per
    element (so the formula's grid derivative is ``a``), after the padding mode's map."""
    dt = c.dtype.type
    s = dt((size - 1) / 2) if align_corners else dt(size / 2)
    t = dt((size - 1) / 2)
    v = c * s + t
    slope = np.ones_like(v)
    if padding_mode == "reflection":
        if align_corners:
            v, slope = _reflect(v, 0, 2 * (size - 1))
        else:
            v, slope = _reflect(v, -1, 2 * size - 1)
    if padding_mode in ("border", "reflection"):
        inside = (v >= 0) & (v <= size - 1)
        slope = np.where(inside, slope, 0).astype(v.dtype)
        v = np.clip(v, 0, size - 1)
    a = s * slope
    return a, v - a * c


def _take(x, idx):
    """x (N, C, L) gathered at idx (N, C, M) along the last dim (arrays or tensors)."""
    if anp.is_array(x):
        return np.take_along_axis(x, idx, -1)
    return x.gather(-1, _wrap(idx))


def _put(v, idx, plane: int):
    """The adjoint of ``_take``: v (N, C, M) added into (N, C, plane) at idx."""
    if anp.is_array(v):
        n, c, _ = v.shape
        base = (np.arange(n * c) * plane).reshape(n, c, 1)
        r = np.bincount((idx + base).ravel(), weights=v.ravel(), minlength=n * c * plane)
        return r.astype(v.dtype, copy=False).reshape(n, c, plane)
    z = v.new_zeros((v.shape[0], v.shape[1], plane))
    return z.scatter_add(-1, _wrap(idx), v)


class _GridPlan:
    """What the forward computes once from the grid's values: per corner the flat input
    index (broadcast over channels) and validity mask, and per axis the affine map."""

    __slots__ = ("corners", "ax", "bx", "ay", "by", "x0", "y0", "mode")


def _plan(grid: np.ndarray, h: int, w: int, c: int, mode: str, padding_mode: str,
          align_corners: bool) -> _GridPlan:
    n, m = grid.shape[0], _prod_sizes(grid.shape[1:-1])   # spelled out: n may be 0
    gx = grid[..., 0].reshape(n, m)
    gy = grid[..., 1].reshape(n, m)
    p = _GridPlan()
    p.mode = mode
    p.ax, p.bx = _source_index(gx, w, padding_mode, align_corners)
    p.ay, p.by = _source_index(gy, h, padding_mode, align_corners)
    ix, iy = p.ax * gx + p.bx, p.ay * gy + p.by
    if mode == "nearest":
        spots = [(np.rint(iy), np.rint(ix))]
    else:
        p.x0, p.y0 = np.floor(ix), np.floor(iy)
        spots = [(p.y0 + dy, p.x0 + dx) for dy in (0, 1) for dx in (0, 1)]
    # (N, 1, M): broadcast against the channels of (N, C, M) values
    for name in ("ax", "bx", "ay", "by", "x0", "y0"):
        v = getattr(p, name, None)
        setattr(p, name, None if v is None else v[:, None, :])
    p.corners = []
    for yy, xx in spots:
        valid = (xx >= 0) & (xx <= w - 1) & (yy >= 0) & (yy <= h - 1)
        flat = np.where(valid, yy * w + xx, 0).astype(np.int64)
        full = np.ascontiguousarray(np.broadcast_to(flat[:, None, :], (n, c, flat.shape[1])))
        p.corners.append((full, valid[:, None, :].astype(grid.dtype)))
    return p


def _bilinear_weights(p: _GridPlan, gx, gy):
    """The four corner weights (N, 1, M) and their x / y derivatives, from the grid values
    (arrays or tensors, so they stay differentiable in the grid)."""
    wx1 = (gx * p.ax + p.bx) - p.x0 if anp.is_array(gx) else \
        gx * _wrap(p.ax) + _wrap(p.bx - p.x0)
    wy1 = (gy * p.ay + p.by) - p.y0 if anp.is_array(gy) else \
        gy * _wrap(p.ay) + _wrap(p.by - p.y0)
    wx0, wy0 = 1 - wx1, 1 - wy1
    weights = (wy0 * wx0, wy0 * wx1, wy1 * wx0, wy1 * wx1)
    dx = (-wy0, wy0, -wy1, wy1)           # d weight / d ix
    dy = (-wx0, -wx1, wx0, wx1)           # d weight / d iy
    return weights, dx, dy


def _grid_xy(grid, n: int):
    m = _prod_sizes(grid.shape[1:-1])     # spelled out (not -1): n may be 0
    gx = grid[..., 0].reshape((n, 1, m))
    gy = grid[..., 1].reshape((n, 1, m))
    return gx, gy


def _const(a, like):
    return a if anp.is_array(like) else _wrap(a)


class GridSampler2DBackward0(Node):
    __slots__ = ("plan", "in_shape")
    _saved_names = ("input", "grid")

    def backward(self, grad):
        x, grid = self.saved()
        p = self.plan
        n, c, h, w = self.in_shape
        g = grad.reshape((n, c, _prod_sizes(grad.shape[2:])))
        gx_in = gx_grid = None
        if p.mode == "nearest":
            (idx, m), = p.corners
            gx_in = _put(g * _const(m, g), idx, h * w).reshape(self.in_shape)
            return gx_in, anp.zeros_like(grid)
        gxv, gyv = _grid_xy(grid, n)
        weights, dxs, dys = _bilinear_weights(p, gxv, gyv)
        xf = x.reshape((n, c, h * w))
        acc_in, acc_x, acc_y = None, None, None
        for (idx, m), wgt, dx, dy in zip(p.corners, weights, dxs, dys):
            mm = _const(m, g)
            part = _put(g * (wgt * mm), idx, h * w)
            acc_in = part if acc_in is None else acc_in + part
            v = anp.sum(g * _take(xf, idx) * mm, 1)                    # (N, M)
            tx, ty = v * dx.reshape(v.shape), v * dy.reshape(v.shape)
            acc_x = tx if acc_x is None else acc_x + tx
            acc_y = ty if acc_y is None else acc_y + ty
        gx_in = acc_in.reshape(self.in_shape)
        acc_x = acc_x * _const(p.ax[:, 0], acc_x)
        acc_y = acc_y * _const(p.ay[:, 0], acc_y)
        gx_grid = _stack_last(acc_x, acc_y).reshape(tuple(grid.shape))
        return gx_in, gx_grid


def _stack_last(a, b):
    """``stack([a, b], -1)`` on arrays or tensors."""
    if anp.is_array(a):
        return np.stack([a, b], -1)
    from .shape import cat
    return cat([a.unsqueeze(-1), b.unsqueeze(-1)], -1)


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` (N, C, H, W) at the [-1, 1] coordinates of ``grid`` (N, Ho, Wo, 2),
    with bilinear or nearest interpolation and zeros, border or reflection padding."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if mode == "bicubic" or input.ndim != 4:
        raise NotImplementedError("grid_sample: ember supports 4-d inputs with bilinear or "
                                  "nearest sampling")
    if align_corners is None:
        align_corners = False
    if grid.ndim != 4 or grid.shape[-1] != 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size 2 in last dimension, "
                           f"but got grid with sizes {list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    if input.dtype != grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but "
                           f"input has {input.dtype} and grid has {grid.dtype}")
    for i in range(2, input.ndim):    # the batch and the channels may be empty
        if input.shape[i] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {list(input.shape)} with "
                               f"dimension {i} being empty")
    x, gd = input._data, grid._data
    n, c, h, w = x.shape
    p = _plan(gd, h, w, c, mode, padding_mode, align_corners)
    xf = x.reshape(n, c, h * w)
    if mode == "nearest":
        (idx, m), = p.corners
        out = _take(xf, idx) * m
    else:
        gx, gy = _grid_xy(gd, n)
        weights, _, _ = _bilinear_weights(p, gx, gy)
        out = None
        for (idx, m), wgt in zip(p.corners, weights):
            term = _take(xf, idx) * (wgt * m)
            out = term if out is None else out + term
    out = out.reshape((n, c) + tuple(gd.shape[1:3]))
    if STATE.enabled and (input._rg or grid._rg):
        node = GridSampler2DBackward0()
        node.plan, node.in_shape = p, x.shape
        t = record(node, out, (input, grid))
        node.save(input, grid)
        return t
    return _wrap(out)
