"""Op table entries for ember/ops/conv.py, pooling.py and padding.py (the vision family)."""
import warnings

import numpy as np

from op_db import ErrorCase, OpInfo, Sample


def _r(rng, *shape):
    return np.asarray(rng.uniform(-1.0, 1.0, shape))


def _distinct(rng, *shape):
    """Values far apart (a random permutation of a grid), so no max-pool window has a near
    tie that finite differences could cross."""
    n = int(np.prod(shape))
    return np.asarray(rng.permutation(n).reshape(shape) * 0.1 - n * 0.05)


def _samples(*specs, fill=_r):
    """``specs``: (shapes tuple, kwargs) pairs; one Sample each."""
    return lambda rng: [Sample(tuple(fill(rng, *s) for s in shapes), dict(kw))
                        for shapes, kw in specs]


# the create_graph formulas are convolutions and scatters summing in another order
def _op(*args, **kwargs) -> OpInfo:
    return OpInfo(*args, formula_tol=(1e-5, 1e-6), **kwargs)


def _err(*cases):
    return lambda: list(cases)


def _F(name):
    def fn(lib, *a, **kw):
        with warnings.catch_warnings():
            # torch warns that padding='same' with an even kernel copies the input
            warnings.simplefilter("ignore", UserWarning)
            return getattr(lib.nn.functional, name)(*a, **kw)
    return fn


def _conv_errors():
    x = np.ones((1, 3, 5, 5))
    return [ErrorCase((x, np.ones((4, 2, 3, 3))), {}, RuntimeError,
                      "Given groups=1, weight of size [4, 2, 3, 3], expected input[1, 3, 5, 5] to "
                      "have 2 channels, but got 3 channels instead"),
            ErrorCase((np.ones((1, 3, 2, 2)), np.ones((4, 3, 3, 3))), {}, RuntimeError,
                      "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). "
                      "Kernel size can't be greater than actual input size"),
            ErrorCase((x, np.ones((4, 3, 3, 3))), dict(padding=-1), RuntimeError,
                      "negative padding is not supported"),
            ErrorCase((np.ones((1, 4, 5, 5)), np.ones((3, 2, 3, 3))), dict(groups=2),
                      RuntimeError, "Given groups=2, expected weight to be divisible by 2 at "
                      "dimension 0, but got weight of size [[3, 2, 3, 3]] instead"),
            ErrorCase((np.ones((3, 5)), np.ones((4, 3, 3, 3))), {}, RuntimeError,
                      "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input "
                      "of size: [3, 5]"),
            ErrorCase((x, np.ones((4, 3, 3, 3))), dict(stride=0), RuntimeError,
                      "non-positive stride is not supported"),
            ErrorCase((x, np.ones((4, 3, 3, 3)), np.ones(3)), {}, RuntimeError,
                      "expected bias to be 1-dimensional with 4 elements, but got bias of size "
                      "[3] instead"),
            ErrorCase((x, np.ones((4, 3, 3, 3), np.float32)), {}, RuntimeError,
                      "expected scalar type Double but found Float"),
            ErrorCase((x, np.ones((4, 3, 3, 3))), dict(padding="same", stride=2), RuntimeError,
                      "padding='same' is not supported for strided convolutions"),
            ErrorCase((x, np.ones((4, 3, 3, 3))), dict(padding="foo"), RuntimeError,
                      "Invalid padding string: 'foo'"),
            ErrorCase((x, np.ones((4, 3, 3, 3))), dict(dilation=0), RuntimeError,
                      "dilation should be greater than zero, but got [0, 0]")]


def _conv_t_errors():
    x = np.ones((1, 3, 5, 5))
    return [ErrorCase((x, np.ones((4, 3, 3, 3))), {}, RuntimeError,
                      "Given transposed=1, weight of size [4, 3, 3, 3], expected input[1, 3, 5, "
                      "5] to have 4 channels, but got 3 channels instead"),
            ErrorCase((x, np.ones((3, 3, 3, 3))), dict(output_padding=1), RuntimeError,
                      "output padding must be smaller than either stride or dilation, but got "
                      "output_padding_height: 1 output_padding_width: 1 stride_height: 1 "
                      "stride_width: 1 dilation_height: 1 dilation_width: 1")]


def _pool_errors(name):
    x = np.ones((1, 3, 5, 5))
    out = [ErrorCase((x, 7), {}, RuntimeError, "Given input size: (3x5x5). Calculated output "
                     "size: (3x0x0). Output size is too small"),
           ErrorCase((x, 3), dict(padding=2), RuntimeError, "pad should be at most half of "
                     "effective kernel size, but got pad=2, kernel_size=3 and dilation=1"),
           ErrorCase((x, 3), dict(stride=0), RuntimeError, "stride should not be zero")]
    if name == "max_pool2d":
        out.append(ErrorCase((np.ones((5, 5)), 3), {}, RuntimeError,
                             "non-empty 3D or 4D (batch mode) tensor expected for input"))
    else:
        out.append(ErrorCase((np.ones((5, 5)), 3), {}, IndexError,
                             "Dimension out of range (expected to be in range of [-2, 1], but "
                             "got -3)"))
    return out


def _pad_errors():
    x = np.ones((1, 2, 3))
    return [ErrorCase((x, (1, 2, 3)), {}, RuntimeError, "Padding length must be divisible by 2"),
            ErrorCase((x, (3, 0)), dict(mode="reflect"), RuntimeError,
                      "Padding size should be less than the corresponding input dimension"),
            ErrorCase((x, (4, 0)), dict(mode="circular"), RuntimeError,
                      "Padding value causes wrapping around more than once."),
            ErrorCase((x, (1, 1)), dict(mode="wrap"), NotImplementedError,
                      "Unrecognised padding mode wrap")]


OPS = [
    _op("conv1d", _F("conv1d"), _samples(
        (((2, 2, 6), (3, 2, 3), (3,)), dict(stride=2, padding=1)),
        (((1, 4, 7), (4, 2, 2)), dict(dilation=2, groups=2))),
        grad_fn="ConvolutionBackward0"),
    _op("conv2d", _F("conv2d"), _samples(
        (((1, 2, 4, 4), (3, 2, 2, 2), (3,)), {}),
        (((2, 2, 5, 4), (2, 1, 3, 2)), dict(stride=(2, 1), padding=(1, 0), groups=2)),
        (((1, 2, 5, 5), (2, 2, 2, 2)), dict(dilation=2, padding=1)),
        (((2, 4, 4), (2, 2, 3, 2)), dict(padding="same")),
        (((1, 3, 4, 4), (3, 1, 3, 3), (3,)), dict(padding=1, groups=3)),      # depthwise
        # 16 channels per group: the channels-last window layout
        (((1, 32, 3, 3), (4, 16, 2, 2)), dict(groups=2, padding=(1, 0)))),
        grad_fn="ConvolutionBackward0", errors=_conv_errors),
    _op("conv3d", _F("conv3d"), _samples(
        (((1, 2, 3, 4, 3), (2, 2, 2, 2, 2), (2,)), dict(padding=(1, 0, 1), stride=(1, 2, 1)))),
        grad_fn="ConvolutionBackward0"),
    _op("conv_transpose1d", _F("conv_transpose1d"), _samples(
        (((2, 2, 4), (2, 3, 3), (3,)), dict(stride=2, padding=1, output_padding=1))),
        grad_fn="ConvolutionBackward0"),
    _op("conv_transpose2d", _F("conv_transpose2d"), _samples(
        (((1, 2, 3, 3), (2, 2, 2, 2), (2,)), dict(stride=2)),
        (((1, 4, 3, 2), (4, 1, 3, 2)), dict(stride=(2, 1), padding=1, groups=2,
                                            output_padding=(1, 0), dilation=(1, 2)))),
        grad_fn="ConvolutionBackward0", errors=_conv_t_errors),
    _op("conv_transpose3d", _F("conv_transpose3d"), _samples(
        (((1, 2, 2, 3, 2), (2, 1, 2, 2, 2)), dict(stride=(2, 1, 1)))),
        grad_fn="ConvolutionBackward0"),
    _op("max_pool1d", _F("max_pool1d"), _samples(
        (((2, 2, 7),), dict(kernel_size=3, stride=2, padding=1)), fill=_distinct)),
    _op("max_pool2d", _F("max_pool2d"), _samples(
        (((1, 2, 5, 5),), dict(kernel_size=2)),
        (((1, 2, 4, 6),), dict(kernel_size=2)),           # windows tile the input
        (((1, 2, 5, 6),), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
        (((2, 5, 5),), dict(kernel_size=(2, 3), stride=1, dilation=2)), fill=_distinct),
        grad_fn="MaxPool2DWithIndicesBackward0", errors=lambda: _pool_errors("max_pool2d")),
    _op("max_pool2d_indices", lambda lib, x, **kw: lib.nn.functional.max_pool2d(
        x, return_indices=True, **kw)[1],
        _samples((((1, 2, 5, 6),), dict(kernel_size=3, stride=2, padding=1)), fill=_distinct),
        differentiable=False, dtypes=("float32", "float64")),
    _op("max_pool3d", _F("max_pool3d"), _samples(
        (((1, 2, 3, 4, 3),), dict(kernel_size=2, ceil_mode=True)), fill=_distinct),
        grad_fn="MaxPool3DWithIndicesBackward0"),
    _op("avg_pool1d", _F("avg_pool1d"), _samples(
        (((2, 2, 7),), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)))),
    _op("avg_pool2d", _F("avg_pool2d"), _samples(
        (((1, 2, 5, 5),), dict(kernel_size=2)),
        (((1, 2, 4, 6),), dict(kernel_size=(2, 3))),
        (((1, 2, 5, 6),), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                               count_include_pad=False)),
        (((2, 4, 4),), dict(kernel_size=2, stride=1, divisor_override=3))),
        grad_fn="AvgPool2DBackward0", errors=lambda: _pool_errors("avg_pool2d")),
    _op("avg_pool3d", _F("avg_pool3d"), _samples(
        (((1, 2, 3, 4, 3),), dict(kernel_size=2, padding=1))),
        grad_fn="AvgPool3DBackward0"),
    _op("adaptive_avg_pool1d", _F("adaptive_avg_pool1d"), _samples(
        (((2, 2, 7),), dict(output_size=3)))),
    _op("adaptive_avg_pool2d", _F("adaptive_avg_pool2d"), _samples(
        (((1, 2, 5, 7),), dict(output_size=(3, 4))),
        (((2, 5, 4),), dict(output_size=(2, None))),
        (((1, 2, 3, 3),), dict(output_size=1))),
        grad_fn="AdaptiveAvgPool2DBackward0",
        errors=_err(ErrorCase((np.ones((5, 5)), 3), {}, RuntimeError,
                              "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [5, 5]"))),
    _op("adaptive_max_pool1d", _F("adaptive_max_pool1d"), _samples(
        (((2, 2, 7),), dict(output_size=3)), fill=_distinct)),
    _op("adaptive_max_pool2d", _F("adaptive_max_pool2d"), _samples(
        (((1, 2, 5, 7),), dict(output_size=(3, 4))),
        (((2, 5, 4),), dict(output_size=(2, None))), fill=_distinct),
        grad_fn="AdaptiveMaxPool2DBackward0"),
    _op("adaptive_max_pool2d_indices", lambda lib, x, **kw: lib.nn.functional.adaptive_max_pool2d(
        x, return_indices=True, **kw)[1],
        _samples((((1, 2, 5, 7),), dict(output_size=(3, 4))), fill=_distinct),
        differentiable=False),
    _op("adaptive_max_pool3d", _F("adaptive_max_pool3d"), _samples(
        (((1, 2, 3, 5, 4),), dict(output_size=(2, 3, 2))), fill=_distinct),
        grad_fn="AdaptiveMaxPool3DBackward0"),
    _op("max_unpool2d", lambda lib, x, i, **kw: lib.nn.functional.max_unpool2d(x, i, **kw),
        lambda rng: [Sample((_r(rng, 1, 2, 2, 3), np.array([[[[1, 2, 10], [13, 20, 23]],
                                                             [[0, 5, 9], [12, 19, 22]]]])),
                            dict(kernel_size=2))],
        grad_fn="MaxUnpool2DBackward0"),
    _op("lp_pool2d", _F("lp_pool2d"), lambda rng: [
        Sample((np.asarray(rng.uniform(0.5, 1.5, (1, 2, 4, 5))), 2.0, 2), dict(stride=1))]),
    _op("lp_pool1d", _F("lp_pool1d"), lambda rng: [
        Sample((np.asarray(rng.uniform(0.5, 1.5, (2, 2, 6))), 1.5, 2), {})]),
    _op("local_response_norm", _F("local_response_norm"), _samples(
        (((1, 4, 2, 3),), dict(size=3, alpha=0.5, k=1.5)), (((2, 3, 4),), dict(size=2)))),
    _op("adaptive_avg_pool3d", _F("adaptive_avg_pool3d"), _samples(
        (((1, 2, 3, 5, 4),), dict(output_size=(2, 3, 2)))),
        grad_fn="AdaptiveAvgPool3DBackward0"),
    OpInfo("pad_constant", _F("pad"), _samples(
        (((2, 3, 4),), dict(pad=(1, 2, -1, 1))),
        (((2, 3, 4),), dict(pad=(1, 1), value=2.5))),
        grad_fn="ConstantPadNdBackward0", errors=_pad_errors),
    OpInfo("pad_reflect", _F("pad"), _samples(
        (((1, 2, 4),), dict(pad=(2, 3), mode="reflect")),
        (((1, 2, 3, 4),), dict(pad=(1, 2, 2, -1), mode="reflect")),
        (((1, 1, 3, 3, 3),), dict(pad=(1, 1, 2, 0, 0, 1), mode="reflect")))),
    OpInfo("pad_replicate", _F("pad"), _samples(
        (((1, 2, 4),), dict(pad=(3, 1), mode="replicate")),
        (((2, 3, 4),), dict(pad=(1, 2, 2, 0), mode="replicate")),
        (((1, 1, 2, 3, 3),), dict(pad=(1, -1, 2, 0, 1, 1), mode="replicate"))),
        # the edge's gradients are summed in another order on tensors (1 ulp in float32)
        formula_tol=(1e-6, 1e-7)),
    OpInfo("pad_circular", _F("pad"), _samples(
        (((1, 2, 4),), dict(pad=(2, 3), mode="circular")),
        (((1, 2, 5),), dict(pad=(-2, 1), mode="circular")),
        (((1, 2, 3, 4),), dict(pad=(1, -2, 2, 1), mode="circular")),
        (((1, 1, 2, 3, 3),), dict(pad=(1, 1, 2, 0, 1, 1), mode="circular")))),
]


def _interp_errors():
    x = np.ones((1, 3, 5, 5))
    return [ErrorCase((x,), {}, ValueError, "either size or scale_factor should be defined"),
            ErrorCase((x,), dict(size=3, scale_factor=2), ValueError,
                      "only one of size or scale_factor should be defined"),
            ErrorCase((x,), dict(scale_factor=2, mode="linear"), NotImplementedError,
                      "Got 4D input, but linear mode needs 3D input"),
            ErrorCase((x,), dict(scale_factor=2, align_corners=True), ValueError,
                      "align_corners option can only be set with the interpolating modes"),
            ErrorCase((x,), dict(size=(2, 3, 4)), ValueError,
                      "Input and output must have the same number of spatial dimensions")]


def _interp(mode, *specs):
    return _op(f"interpolate_{mode}", _F("interpolate"), _samples(
        *((shapes, dict(mode=mode, **kw)) for shapes, kw in specs)),
        errors=_interp_errors if mode == "nearest" else None)


OPS += [
    _interp("nearest", (((1, 2, 3, 4),), dict(scale_factor=2)),
            (((2, 2, 5),), dict(size=3)), (((1, 1, 2, 3, 2),), dict(scale_factor=(1.5, 1, 2)))),
    _interp("nearest-exact", (((1, 2, 3, 4),), dict(size=(5, 3)))),
    _interp("linear", (((2, 2, 4),), dict(scale_factor=1.5)),
            (((2, 2, 4),), dict(size=7, align_corners=True))),
    _interp("bilinear", (((1, 2, 3, 4),), dict(scale_factor=2)),
            (((1, 2, 4, 3),), dict(size=(3, 5), align_corners=True))),
    _interp("bicubic", (((1, 1, 3, 4),), dict(scale_factor=1.5)),
            (((1, 1, 4, 3),), dict(size=(3, 5), align_corners=True))),
    _interp("trilinear", (((1, 1, 2, 3, 2),), dict(scale_factor=(2, 1, 1.5)))),
    _interp("area", (((1, 2, 5, 4),), dict(size=(3, 2)))),
    _op("pixel_shuffle", _F("pixel_shuffle"), _samples((((1, 8, 2, 3),), dict(upscale_factor=2))),
        grad_fn="PixelShuffleBackward0",
        errors=_err(ErrorCase((np.ones((1, 6, 2, 2)), 2), {}, RuntimeError,
                              "pixel_shuffle expects its input's 'channel' dimension to be "
                              "divisible by the square of upscale_factor, but input.size(-3)=6 "
                              "is not divisible by 4"))),
    _op("pixel_unshuffle", _F("pixel_unshuffle"),
        _samples((((1, 2, 4, 6),), dict(downscale_factor=2))),
        grad_fn="PixelUnshuffleBackward0"),
    _op("channel_shuffle", _F("channel_shuffle"), _samples((((1, 6, 2, 2),), dict(groups=3))),
        grad_fn="ChannelShuffleBackward0"),
    _op("nn_unfold", _F("unfold"), _samples(
        (((1, 2, 4, 5),), dict(kernel_size=(2, 3), padding=1, stride=(2, 1))),
        (((2, 4, 4),), dict(kernel_size=2, dilation=2))),
        grad_fn="Im2ColBackward0"),
    _op("nn_fold", _F("fold"), _samples(
        (((1, 8, 6),), dict(output_size=(3, 4), kernel_size=2)),
        (((4, 9),), dict(output_size=(5, 5), kernel_size=2, stride=2, padding=1))),
        grad_fn="Col2ImBackward0",
        errors=_err(ErrorCase((np.ones((1, 8, 5)), (3, 4), 2), {}, RuntimeError,
                              "expected size of input's dimension 2 to match the calculated "
                              "number of sliding blocks 2 * 3 = 6, but got input.size(2)=5."))),
]


def _affine_errors():
    return [ErrorCase((np.ones((1, 2, 3)), (1, 1, 4, 4, 4)), dict(align_corners=False),
                      ValueError, "Expected a batch of 3D affine matrices of shape Nx3x4"),
            ErrorCase((np.ones((1, 3, 3)), (1, 1, 4, 4)), dict(align_corners=False), ValueError,
                      "Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                      "(1, 1, 4, 4). Got torch.Size([1, 3, 3])."),
            ErrorCase((np.ones((1, 2, 3)), (1, 1, 4)), dict(align_corners=False),
                      NotImplementedError, "affine_grid only supports 4D and 5D sizes"),
            ErrorCase((np.ones((1, 2, 3)), (1, 1, 0, 4)), dict(align_corners=False), ValueError,
                      "Expected non-zero, positive output size. Got (1, 1, 0, 4)")]


OPS += [
    _op("affine_grid", _F("affine_grid"), lambda rng: [
        Sample((_r(rng, 2, 2, 3), (2, 1, 3, 4)), dict(align_corners=False)),
        Sample((_r(rng, 1, 2, 3), (1, 3, 2, 5)), dict(align_corners=True)),
        Sample((_r(rng, 1, 3, 4), (1, 1, 2, 3, 2)), dict(align_corners=False))],
        grad_fn="AffineGridGeneratorBackward0", errors=_affine_errors),
]


def _grid_samples(rng):
    out = []
    for mode, pm, ac, lim in (("bilinear", "zeros", False, 1.2), ("bilinear", "border", True, 1.2),
                              ("bilinear", "reflection", False, 1.4),
                              ("nearest", "zeros", False, 1.0)):
        out.append(Sample((_r(rng, 1, 2, 3, 4), np.asarray(rng.uniform(-lim, lim, (1, 2, 3, 2)))),
                          dict(mode=mode, padding_mode=pm, align_corners=ac)))
    return out


def _grid_errors():
    x = np.ones((1, 2, 3, 3))
    return [ErrorCase((x, np.zeros((2, 2, 2, 2))), dict(align_corners=False), RuntimeError,
                      "grid_sampler(): expected grid and input to have same batch size"),
            ErrorCase((x, np.zeros((1, 2, 2, 3))), dict(align_corners=False), RuntimeError,
                      "grid_sampler(): expected grid to have size 2 in last dimension"),
            ErrorCase((x, np.zeros((1, 2, 2, 2))), dict(mode="cubic", align_corners=False),
                      ValueError, "expected mode to be 'bilinear', 'nearest' or 'bicubic'")]


OPS += [
    _op("grid_sample", _F("grid_sample"), _grid_samples, grad_fn="GridSampler2DBackward0",
        errors=_grid_errors),
]
