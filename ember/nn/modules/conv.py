"""Convolution layers: Conv1d/2d/3d, ConvTranspose1d/2d/3d and their lazy forms.

Parameters are created and initialised exactly as PyTorch does (weight Kaiming-uniform with
a=sqrt(5), then the bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in))), so a seeded model starts
with bit-identical weights. Padding modes other than 'zeros' pad explicitly with ``F.pad``
before a convolution without padding, as PyTorch's modules do.
"""
from __future__ import annotations

import math

from ... import _dtype
from ...autograd.grad_mode import no_grad
from ...ops.creation import empty
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
           "LazyConvTranspose2d", "LazyConvTranspose3d"]

_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(v, n: int) -> tuple:
    """PyTorch's ``_ntuple``: an iterable stays as given (as a tuple), a number repeats."""
    if isinstance(v, (list, tuple)):
        return tuple(v)
    return (v,) * n


class _ConvNd(Module):
    _n = 2
    _fn = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride, padding,
                 dilation, transposed: bool, output_padding, groups: int, bias: bool,
                 padding_mode: str, device=None, dtype=None) -> None:
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _MODES:
            raise ValueError(f"padding_mode must be one of {set(_MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's order: last dim first, each side given, used by the non-zero padding modes
        if isinstance(padding, str):
            self._reversed_padding_repeated_twice = [0, 0] * len(kernel_size)
            if padding == "same":
                for d, k, i in zip(dilation, kernel_size,
                                   range(len(kernel_size) - 1, -1, -1)):
                    total = d * (k - 1)
                    left = total // 2
                    self._reversed_padding_repeated_twice[2 * i] = left
                    self._reversed_padding_repeated_twice[2 * i + 1] = total - left
        else:
            self._reversed_padding_repeated_twice = [p for p in reversed(padding)
                                                     for _ in range(2)]
        dt = dtype if dtype is not None else _dtype.get_default_dtype()
        if transposed:
            shape = (in_channels, out_channels // groups) + tuple(kernel_size)
        else:
            shape = (out_channels, in_channels // groups) + tuple(kernel_size)
        self.weight = Parameter(empty(shape, dtype=dt))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"


class _Conv(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        n = self._n
        super().__init__(in_channels, out_channels, _tuple(kernel_size, n), _tuple(stride, n),
                         padding if isinstance(padding, str) else _tuple(padding, n),
                         _tuple(dilation, n), False, _tuple(0, n), groups, bias, padding_mode,
                         device, dtype)

    def _conv_forward(self, input, weight, bias):
        if self.padding_mode != "zeros":
            return type(self)._fn(F.pad(input, self._reversed_padding_repeated_twice,
                                        mode=self.padding_mode),
                                  weight, bias, self.stride, 0, self.dilation, self.groups)
        return type(self)._fn(input, weight, bias, self.stride, self.padding, self.dilation,
                              self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-d convolution over (N, C_in, L) inputs."""

    _n = 1
    _fn = staticmethod(F.conv1d)


class Conv2d(_Conv):
    """2-d convolution over (N, C_in, H, W) inputs."""

    _n = 2
    _fn = staticmethod(F.conv2d)


class Conv3d(_Conv):
    """3-d convolution over (N, C_in, D, H, W) inputs."""

    _n = 3
    _fn = staticmethod(F.conv3d)


class _ConvTransposeNd(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        n = self._n
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{type(self).__name__}")
        super().__init__(in_channels, out_channels, _tuple(kernel_size, n), _tuple(stride, n),
                         _tuple(padding, n), _tuple(dilation, n), True,
                         _tuple(output_padding, n), groups, bias, padding_mode, device, dtype)

    def _output_padding(self, input, output_size, stride, padding, kernel_size,
                        num_spatial_dims: int, dilation=None) -> tuple:
        if output_size is None:
            return self.output_padding
        has_batch = input.dim() == num_spatial_dims + 2
        non_spatial = 2 if has_batch else 1
        output_size = list(output_size)
        if len(output_size) == non_spatial + num_spatial_dims:
            output_size = output_size[non_spatial:]
        if len(output_size) != num_spatial_dims:
            raise ValueError(f"ConvTranspose{num_spatial_dims}D: for {input.dim()}D input, "
                             f"output_size must have {num_spatial_dims} or "
                             f"{non_spatial + num_spatial_dims} elements (got "
                             f"{len(output_size)})")
        min_sizes, max_sizes = [], []
        for d in range(num_spatial_dims):
            dim_size = ((input.size(d + non_spatial) - 1) * stride[d] - 2 * padding[d]
                        + (dilation[d] if dilation is not None else 1) * (kernel_size[d] - 1)
                        + 1)
            min_sizes.append(dim_size)
            max_sizes.append(min_sizes[d] + stride[d] - 1)
        for i in range(len(output_size)):
            if output_size[i] < min_sizes[i] or output_size[i] > max_sizes[i]:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes "
                                 f"range from {min_sizes} to {max_sizes} (for an input of "
                                 f"{input.size()[2:]})")
        return tuple(output_size[d] - min_sizes[d] for d in range(num_spatial_dims))

    def forward(self, input, output_size=None):
        op = self._output_padding(input, output_size, self.stride, self.padding,
                                  self.kernel_size, self._n, self.dilation)
        return type(self)._fn(input, self.weight, self.bias, self.stride, self.padding, op,
                              self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-d convolution (the gradient of Conv1d in its input)."""

    _n = 1
    _fn = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-d convolution, e.g. for learned upsampling."""

    _n = 2
    _fn = staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTransposeNd):
    """Transposed 3-d convolution."""

    _n = 3
    _fn = staticmethod(F.conv_transpose3d)


# -- lazy forms: in_channels comes from the first input -----------------------------------
class _LazyConvMixin:
    cls_to_become = None

    def _lazy_init(self) -> None:
        self.register_forward_pre_hook(_LazyConvMixin._infer)

    def reset_parameters(self) -> None:
        if self.in_channels != 0:
            super().reset_parameters()

    @staticmethod
    def _infer(module, args) -> None:
        x = args[0]
        with no_grad():
            batched = x.dim() == module._n + 2
            module.in_channels = x.shape[1 if batched else 0]
            if module.in_channels % module.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            g, k = module.groups, tuple(module.kernel_size)
            if module.transposed:
                shape = (module.in_channels, module.out_channels // g) + k
            else:
                shape = (module.out_channels, module.in_channels // g) + k
            # materialise in place, so optimizers holding the Parameters keep them
            module.weight._data = empty(shape, dtype=module.weight.dtype)._data
            if module.bias is not None:
                module.bias._data = empty(module.out_channels, dtype=module.bias.dtype)._data
            module.reset_parameters()
        hooks = module._forward_pre_hooks
        for key in [k for k, h in hooks.items() if h is _LazyConvMixin._infer]:
            del hooks[key]
        module.__class__ = module.cls_to_become


def _lazy(base):
    class Lazy(_LazyConvMixin, base):
        cls_to_become = base

        def __init__(self, out_channels: int, kernel_size, *args, **kwargs) -> None:
            # in_channels=0 until the first input: empty parameters, nothing drawn yet
            base.__init__(self, 0, out_channels, kernel_size, *args, **kwargs)
            if self.bias is not None:
                self.bias._data = empty(0, dtype=self.bias.dtype)._data
            self._lazy_init()

    Lazy.__name__ = Lazy.__qualname__ = "Lazy" + base.__name__
    Lazy.__doc__ = f"A {base.__name__} whose ``in_channels`` is taken from its first input."
    return Lazy


LazyConv1d = _lazy(Conv1d)
LazyConv2d = _lazy(Conv2d)
LazyConv3d = _lazy(Conv3d)
LazyConvTranspose1d = _lazy(ConvTranspose1d)
LazyConvTranspose2d = _lazy(ConvTranspose2d)
LazyConvTranspose3d = _lazy(ConvTranspose3d)
