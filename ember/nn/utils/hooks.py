"""Module full backward hooks: fire with the gradients w.r.t. a module's inputs and outputs."""
from __future__ import annotations

from ..._tensor import Tensor


class BackwardHook:
    """Wraps a module call so ``hook(module, grad_input, grad_output)`` runs in backward."""

    def __init__(self, module, hooks: list) -> None:
        self.module = module
        self.hooks = hooks
        self.grad_outputs = None
        self.n_inputs = 0

    def setup_input_hook(self, args):
        tensors = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
        self.n_inputs = len(tensors)
        self.input_grads = [None] * len(tensors)
        self.pending = len(tensors)
        self.inputs = tensors
        return args

    def setup_output_hook(self, out):
        outs = out if isinstance(out, tuple) else (out,)
        self.grad_outputs = [None] * len(outs)
        for i, o in enumerate(outs):
            if isinstance(o, Tensor) and o.requires_grad:
                o.register_hook(self._make_output_hook(i))
        for i, t in enumerate(self.inputs):
            if t.grad_fn is None:
                t.register_hook(self._make_input_hook(i))
        if not self.inputs:
            self._fire_after_outputs = True
        return out

    def _make_output_hook(self, i):
        def hook(grad):
            self.grad_outputs[i] = grad
            if not self.inputs:
                self._fire((None,))
        return hook

    def _make_input_hook(self, i):
        def hook(grad):
            self.input_grads[i] = grad
            self.pending -= 1
            if self.pending == 0:
                r = self._fire(tuple(self.input_grads))
                if r is not None:
                    return r[i]
        return hook

    def _fire(self, grad_input):
        result = None
        for h in self.hooks:
            r = h(self.module, grad_input, tuple(self.grad_outputs))
            if r is not None:
                result = r
        return result
