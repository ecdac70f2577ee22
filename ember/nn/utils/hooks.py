"""Module full backward hooks, built as PyTorch builds them.

A module's tensor inputs and its tensor outputs each pass through an identity node
(``BackwardHookFunctionBackward``). In backward, the output node sees the gradients w.r.t. the
module's outputs (and runs the backward pre-hooks, which may replace them); the input node runs
last, sees the gradients w.r.t. the module's inputs, and calls the user hooks, whose return
value replaces those gradients.
"""
from __future__ import annotations

import warnings

from ..._tensor import Tensor
from ...autograd import anp
from ...autograd.graph import Node, record
from ...autograd.grad_mode import STATE

__all__ = ["BackwardHook", "BackwardHookFunctionBackward"]


class BackwardHookFunctionBackward(Node):
    """Identity on several tensors: the place a module's backward hooks attach to."""

    __slots__ = ("_n_out", "_like")

    def backward(self, grads):
        grads = list(grads) if self._n_out > 1 else [grads]
        # PyTorch materialises missing output gradients as zeros before this identity runs
        # (what the user hook then sees as grad_input; its grad_output stays None).
        like = next(g for g in grads if g is not None)
        for i, g in enumerate(grads):
            if g is None:
                shape, dt = self._like[i]
                grads[i] = anp.astype(anp.zeros(shape, like), dt)
        return tuple(grads)


def _identity(tensors: list) -> list:
    """The tensors through one identity node (those that need no grad pass unchanged)."""
    node = BackwardHookFunctionBackward()
    node._n_out = len(tensors)
    node._like = [(t._data.shape, t._data.dtype) for t in tensors]
    outs = record(node, tuple(t._data for t in tensors), tensors)
    result = []
    for t, o in zip(tensors, outs):
        if t._rg:
            o._vc = t._version_counter()   # an alias of the input: same memory, same version
            result.append(o)
        else:
            result.append(t)
    return result, node


class BackwardHook:
    """Wraps one module call so ``hook(module, grad_input, grad_output)`` runs in backward."""

    def __init__(self, module, user_hooks: list, user_pre_hooks: list) -> None:
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_outputs = -1
        self.output_tensors_index = None
        self.n_inputs = -1
        self.input_tensors_index = None

    @staticmethod
    def _pack_with_none(indices, values, size: int) -> tuple:
        res = [None] * size
        for idx, val in zip(indices, values):
            res[idx] = val
        return tuple(res)

    def _apply_on_tensors(self, on_node, args: tuple):
        idx, tensors = [], []
        requires_grad = False
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                idx.append(i)
                tensors.append(a)
                requires_grad |= a._rg
        if not (requires_grad and STATE.enabled):
            return args, None
        new, node = _identity(tensors)
        on_node(node)
        out = list(args)
        for i, t in zip(idx, new):
            out[i] = t
        return (tuple(out) if type(args) is tuple else type(args)(*out)), idx

    def setup_input_hook(self, args: tuple):
        """Route the tensor inputs through the node that calls the user hooks."""
        def on_node(node) -> None:
            def hook(grad_input, _):
                if self.grad_outputs is None:
                    # The gradient reached the inputs without passing through the outputs
                    # (double backward, say): PyTorch calls no hook then.
                    return None
                res = self._pack_with_none(self.input_tensors_index, grad_input, self.n_inputs)
                for user_hook in self.user_hooks:
                    out = user_hook(self.module, res, self.grad_outputs)
                    if out is None:
                        continue
                    if len(out) != len(res):
                        raise RuntimeError("Backward hook returned an invalid number of "
                                           f"grad_input, got {len(out)}, but expected "
                                           f"{len(res)}")
                    res = out
                self.grad_outputs = None
                return tuple(res[i] for i in self.input_tensors_index)
            node.register_hook(hook)

        res, self.input_tensors_index = self._apply_on_tensors(on_node, args)
        self.n_inputs = len(args)
        return res

    def setup_output_hook(self, result):
        """Route the tensor outputs through the node that records ``grad_output``."""
        def on_node(node) -> None:
            def hook(_, grad_output):
                self.grad_outputs = self._pack_with_none(self.output_tensors_index,
                                                         grad_output, self.n_outputs)
                for pre_hook in self.user_pre_hooks:
                    new = pre_hook(self.module, self.grad_outputs)
                    if new is None:
                        continue
                    if len(new) != len(self.grad_outputs):
                        raise RuntimeError("Backward pre hook returned an invalid number of "
                                           f"grad_output, got {len(new)}, but expected "
                                           f"{len(self.grad_outputs)}")
                    self.grad_outputs = new
                local = self.grad_outputs
                if self.input_tensors_index is None:
                    warnings.warn(
                        "Full backward hook is firing when gradients are computed with respect "
                        "to module outputs since no inputs require gradients. See "
                        "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                        "#torch.nn.Module.register_full_backward_hook for more details.",
                        stacklevel=5)
                    grad_inputs = self._pack_with_none([], [], self.n_inputs)
                    for user_hook in self.user_hooks:
                        r = user_hook(self.module, grad_inputs, self.grad_outputs)
                        if r is not None and not (isinstance(r, tuple)
                                                  and all(g is None for g in r)):
                            raise RuntimeError("Backward hook for Modules where no input "
                                               "requires gradient should always return None "
                                               "or None for all gradients.")
                    self.grad_outputs = None
                return tuple(local[i] for i in self.output_tensors_index)
            node.register_hook(hook)

        is_tuple = isinstance(result, tuple)
        args = result if is_tuple else (result,)
        res, self.output_tensors_index = self._apply_on_tensors(on_node, args)
        self.n_outputs = len(args)
        return res if is_tuple else res[0]
