"""A backward pass one node at a time: ``backward_steps(loss)`` and ``explain_backward(loss)``.

Both build the graph first (while the saved tensors are still there), hang a pre-hook and a
post-hook on every node for the duration of one ``backward()``, and so see each node run in
the engine's own order: the gradient it received, the gradients it produced for its inputs
(reduced to the inputs' shapes, as the engine passes them on) and, at a leaf's
``AccumulateGrad``, the leaf's ``.grad``. The hooks are removed when the pass ends.
"""
from __future__ import annotations

import re
import sys

import numpy as np

from .graph import Graph, _array, _caller_names, fmt_values

__all__ = ["Step", "backward_steps", "explain_backward", "formula"]


class Step:
    """One node of the backward pass, in execution order."""

    __slots__ = ("index", "node", "gid", "name", "label", "grad_outputs", "grad_inputs",
                 "inputs", "leaf_grads")

    def __init__(self, index: int, node, gid: int, name: str, label: str,
                 grad_outputs: tuple, inputs: list) -> None:
        self.index = index
        self.node = node                  # the autograd node (grad_fn) that ran
        self.gid = gid                    # its id in the Graph
        self.name = name                  # its PyTorch name
        self.label = label                # a leaf's name ("" for ops)
        self.grad_outputs = grad_outputs  # the gradient(s) it received, NumPy arrays
        self.grad_inputs = (None,) * len(inputs)  # what it sent to each input
        self.inputs = inputs              # (graph id, label) of each input (None: no grad)
        self.leaf_grads = {}              # leaf label -> .grad after this step

    def __repr__(self) -> str:
        return f"<Step {self.index}: {self.label or self.name}>"


def _leaf_key(g: Graph, gid: int) -> str:
    n = g.nodes[gid]
    return n.label or f"leaf#{gid}"


def _input_list(g: Graph, gid: int, fn) -> list:
    by_index = {e.index: e.src for e in g.inputs_of(gid)}
    out = []
    for i, (nxt, _) in enumerate(fn.next_functions):
        src = by_index.get(i) if nxt is not None else None
        if src is None:
            out.append(None)
        else:
            n = g.nodes[src]
            out.append((src, n.label if n.kind == "leaf" else n.name))
    return out


class _Recorder:
    """Hooks on every node of ``g`` that append a :class:`Step` per node run."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.steps: list = []
        self.open: dict = {}         # id(node) -> its latest Step, until its post-hook
        self.leaf: dict = {}         # leaf label -> latest .grad copy
        self.handles: list = []
        for n in g.nodes:
            if n.kind not in ("op", "leaf") or n.fn is None:
                continue
            fn = n.fn()
            if fn is None:
                continue
            self.handles.append(fn.register_prehook(self._pre(fn, n.id)))
            self.handles.append(fn.register_hook(self._post(fn, n.id)))

    def _pre(self, fn, gid: int):
        def hook(grad_outputs):
            n = self.g.nodes[gid]
            label = _leaf_key(self.g, gid) if n.kind == "leaf" else ""
            step = Step(len(self.steps), fn, gid, fn.name(), label,
                        tuple(_array(x) for x in grad_outputs), _input_list(self.g, gid, fn))
            step.leaf_grads = dict(self.leaf)
            self.steps.append(step)
            self.open[id(fn)] = step
        return hook

    def _post(self, fn, gid: int):
        def hook(grad_inputs, grad_outputs):
            step = self.open.pop(id(fn), None)
            if step is None:
                return
            if self.g.nodes[gid].kind == "leaf":
                var = fn.variable
                if var is not None and var.grad is not None:
                    self.leaf[step.label] = np.array(var.grad.detach().numpy(), copy=True)
                step.leaf_grads = dict(self.leaf)
            else:
                step.grad_inputs = tuple(_array(x) for x in grad_inputs)
                step.leaf_grads = dict(self.leaf)
        return hook

    def remove(self) -> None:
        for h in self.handles:
            h.remove()
        self.handles.clear()


def _run(g: Graph, loss, gradient, retain_graph, backward=None):
    """Record the steps of one backward pass (``backward(loss, gradient, retain_graph)``,
    by default ``loss.backward``)."""
    rec = _Recorder(g)
    try:
        if backward is None:
            loss.backward(gradient, retain_graph=retain_graph)
        else:
            backward(loss, gradient, retain_graph)
    finally:
        rec.remove()
    yield from rec.steps


def backward_steps(loss, params=None, gradient=None, retain_graph=None, graph=None):
    """Run ``loss.backward()`` and yield one :class:`Step` per node, in the engine's order.

    The graph is read at the call (so do not free it before iterating); the backward pass
    runs when the first step is asked for, and the leaves' ``.grad`` fill exactly as with
    ``loss.backward()``. ``graph`` reuses a :class:`Graph` made earlier of ``loss``."""
    g = graph if graph is not None else Graph((loss,), params=params,
                                              names=_caller_names(2), show_grads=False)
    return _run(g, loss, gradient, retain_graph)


# -- the formulas in words --------------------------------------------------------------------
# Per node name, one (expression, meaning) per input; the expression's symbols are grad (the
# incoming gradient), a and b (saved inputs), result (the saved output), n (numel of a).
FORMULAS = {
    "AddBackward0": [("d(a+b)/da = grad", ""), ("d(a+b)/db = grad", "")],
    "SubBackward0": [("d(a-b)/da = grad", ""), ("d(a-b)/db = -grad", "")],
    "MulBackward0": [("d(a*b)/da = grad * b", ""), ("d(a*b)/db = grad * a", "")],
    "DivBackward0": [("d(a/b)/da = grad / b", ""), ("d(a/b)/db = -grad * a / b**2", "")],
    "NegBackward0": [("d(-a)/da = -grad", "")],
    "PowBackward0": [("d(a**p)/da = grad * p * a**(p-1)", "")],
    "ReluBackward0": [("d relu(a)/da = grad * (result > 0)", "")],
    "ThresholdBackward0": [("d relu(a)/da = grad * (a > 0)", "")],
    "SigmoidBackward0": [("d sigmoid(a)/da = grad * result * (1 - result)", "")],
    "TanhBackward0": [("d tanh(a)/da = grad * (1 - result**2)", "")],
    "ExpBackward0": [("d exp(a)/da = grad * result", "")],
    "LogBackward0": [("d log(a)/da = grad / a", "")],
    "SinBackward0": [("d sin(a)/da = grad * cos(a)", "")],
    "CosBackward0": [("d cos(a)/da = -grad * sin(a)", "")],
    "SqrtBackward0": [("d sqrt(a)/da = grad / (2 * result)", "")],
    "AbsBackward0": [("d |a|/da = grad * sign(a)", "")],
    "SumBackward0": [("d sum(a)/da = grad, copied to every element of a", "")],
    "MeanBackward0": [("d mean(a)/da = grad / n, copied to every element of a", "")],
    "TBackward0": [("d a.T/da = grad.T", "")],
    "MmBackward0": [("d(a@b)/da = grad @ b.T", ""), ("d(a@b)/db = a.T @ grad", "")],
    "MvBackward0": [("d(a@b)/da = outer(grad, b)", ""), ("d(a@b)/db = a.T @ grad", "")],
    "AddmmBackward0": [("d(c + a@b)/dc = grad, summed over the broadcast rows", ""),
                       ("d(c + a@b)/da = grad @ b.T", ""), ("d(c + a@b)/db = a.T @ grad", "")],
    "MseLossBackward0": [("d mse(a,b)/da = grad * 2 * (a - b) / n", ""),
                         ("d mse(a,b)/db = -grad * 2 * (a - b) / n", "")],
}
# which saved value stands for each symbol
_SYMBOLS = {"a": ("_saved_self",), "b": ("_saved_other", "_saved_mat2", "_saved_vec",
                                         "_saved_target"),
            "result": ("_saved_result",)}
_WORD = re.compile(r"\b(grad|a|b|result)\b")


def formula(name: str, i: int) -> str:
    """The textbook gradient of node ``name`` for its input ``i`` (empty if not known)."""
    rows = FORMULAS.get(name)
    if rows is None or i >= len(rows):
        return ""
    return rows[i][0]


def _numbers(expr: str, values: dict) -> str:
    """``grad * b`` with the symbols replaced by their (small) values, or "" if any of them
    is unknown or large."""
    rhs = expr.split("=", 1)[1].strip() if "=" in expr else expr
    if "," in rhs:
        return ""
    missing = []

    def sub(m):
        v = values.get(m.group(1))
        if v is None or np.asarray(v).size > 4:
            missing.append(m.group(1))
            return m.group(1)
        return fmt_values(v, 4)
    out = _WORD.sub(sub, rhs)
    return "" if missing else out


def explain_lines(g: Graph, steps) -> list:
    """The words for each step, as a list of strings."""
    lines = []
    for s in steps:
        n = g.nodes[s.gid]
        if n.kind == "leaf":
            got = s.grad_outputs[0] if s.grad_outputs else None
            now = s.leaf_grads.get(s.label)
            lines.append(f"step {s.index + 1}: AccumulateGrad of leaf {s.label}: "
                         f"{s.label}.grad += {_val(got)}  ->  {s.label}.grad = {_val(now)}")
            continue
        grad = s.grad_outputs[0] if len(s.grad_outputs) == 1 else None
        recv = _val(grad) if len(s.grad_outputs) == 1 else \
            "[" + ", ".join(_val(x) for x in s.grad_outputs) + "]"
        lines.append(f"step {s.index + 1}: {s.name} received grad = {recv}")
        values = {"grad": grad}
        for key, _, vals in n.saved:
            for sym, keys in _SYMBOLS.items():
                if key in keys and sym not in values:
                    values[sym] = vals
        for i, inp in enumerate(s.inputs):
            if inp is None:
                continue
            f = formula(s.name, i)
            produced = s.grad_inputs[i] if i < len(s.grad_inputs) else None
            leaf = g.nodes[inp[0]].kind == "leaf"
            target = f"leaf {inp[1] or '#' + str(inp[0])}" if leaf else inp[1]
            if f:
                nums = _numbers(f, values)
                done = _val(produced)
                text = f + (f" = {nums}" if nums and nums != done else "") + f" = {done}"
            else:
                text = f"gradient for input {i} = {_val(produced)}"
            lines.append(f"    {text}   -> {target}")
    return lines


def _val(a) -> str:
    if a is None:
        return "None"
    a = np.asarray(a)
    if a.size <= 8:
        return fmt_values(a, 8)
    return f"{fmt_values(a, 4)} (shape {tuple(a.shape)})"


def explain_backward(loss, params=None, gradient=None, retain_graph=None, file=None) -> list:
    """Run ``loss.backward()`` and print each step in words with its numbers (to ``file``,
    default stdout). Returns the :class:`Step` list."""
    g = Graph((loss,), params=params, names=_caller_names(2), show_grads=False)
    steps = list(_run(g, loss, gradient, retain_graph))
    out = file if file is not None else sys.stdout
    print(f"backward of {g.nodes[0].label}: {len(steps)} steps in the engine's order", file=out)
    for line in explain_lines(g, steps):
        print(line, file=out)
    return steps
