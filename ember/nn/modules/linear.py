"""Linear layers."""
from __future__ import annotations

import math

from ... import _dtype
from ...autograd.grad_mode import no_grad
from ...ops.creation import empty
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear", "Bilinear", "LazyLinear", "NonDynamicallyQuantizableLinear"]


def _dt(dtype):
    return dtype if dtype is not None else _dtype.get_default_dtype()


class Identity(Module):
    """Returns its input (accepts and ignores any constructor arguments)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """``y = x A^T + b``, initialised as PyTorch does: weight Kaiming-uniform with a=sqrt(5)
    (U(-1/sqrt(in), 1/sqrt(in))), bias U(-1/sqrt(in), 1/sqrt(in)), drawn in that order."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in_features), dtype=_dt(dtype)))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=_dt(dtype)))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class LazyLinear(Linear):
    """A Linear whose ``in_features`` is taken from the first input it sees; it then
    becomes a plain ``Linear`` (initialised at that moment)."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(0, 0, False, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = Parameter(empty(0, dtype=_dt(dtype)))
        self.register_forward_pre_hook(LazyLinear._infer)

    def reset_parameters(self) -> None:
        if self.in_features != 0:
            super().reset_parameters()

    @staticmethod
    def _infer(module: "LazyLinear", args) -> None:
        x = args[0]
        with no_grad():
            module.in_features = x.shape[-1]
            # Materialise in place: the Parameter objects (and optimizers holding them) stay.
            module.weight._data = empty((module.out_features, module.in_features),
                                        dtype=module.weight.dtype)._data
            if module.bias is not None:
                module.bias._data = empty(module.out_features, dtype=module.bias.dtype)._data
            module.reset_parameters()
        hooks = module._forward_pre_hooks
        for key in [k for k, h in hooks.items() if h is LazyLinear._infer]:
            del hooks[key]
        module.__class__ = module.cls_to_become


class Bilinear(Module):
    """``y = x1^T A x2 + b``, weight and bias U(-1/sqrt(in1), 1/sqrt(in1))."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in1_features, in2_features),
                                      dtype=_dt(dtype)))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=_dt(dtype)))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.in1_features <= 0:
            raise ValueError(f"in1_features must be > 0, but got (in1_features="
                             f"{self.in1_features})")
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` under another name: what ``MultiheadAttention.out_proj`` is in PyTorch."""
