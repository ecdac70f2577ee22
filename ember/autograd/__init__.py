"""Reverse-mode automatic differentiation (``torch.autograd``)."""
from . import grad_mode
from .anomaly_mode import detect_anomaly, set_detect_anomaly
from .engine import backward, grad
from .function import Function, FunctionCtx, InplaceFunction, once_differentiable
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                        set_grad_enabled)
from .graph import Node
from .gradcheck import gradcheck, gradgradcheck
from .variable import Variable
from . import functional, graph

__all__ = ["Function", "backward", "grad", "grad_mode", "detect_anomaly", "enable_grad",
           "gradcheck", "gradgradcheck", "inference_mode", "no_grad", "set_detect_anomaly",
           "set_grad_enabled", "is_grad_enabled", "Node", "functional", "Variable"]
