"""Each node has one backward formula (``backward``), run on NumPy arrays in an ordinary
backward and on tensors under create_graph; the op table checks both give the same gradients
(tests/test_ops.py::test_backward_modes_agree). This checks the class structure."""
import numpy as np

import ember
import ember.nn.functional  # noqa: F401  (imports every module that defines nodes)
from ember.autograd.graph import Node


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_node_has_one_formula():
    """No node carries a second copy of its formula: no ``_np_backward``, ``deriv_np`` or
    ``derivs_np`` beside ``backward``, and no transitional flag."""
    nodes = [c for c in set(_subclasses(Node)) if c.__module__.startswith("ember.")]
    assert len(nodes) > 240
    second = ("_np_backward", "deriv_np", "derivs_np", "_wants_tensors")
    wrong = [f"{c.__module__}.{c.__name__}.{n}" for c in nodes for n in second
             if any(n in k.__dict__ for k in c.__mro__)]
    assert not wrong, wrong


def test_a_custom_function_sees_tensors_in_an_ordinary_backward():
    seen = []

    class Twice(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            seen.append((type(g), type(x)))
            return g * 2

    x = ember.tensor([1.0, 2.0], requires_grad=True)
    Twice.apply(x).sum().backward()
    assert seen == [(ember.Tensor, ember.Tensor)]
    assert x.grad.tolist() == [2.0, 2.0]


def test_calling_a_node_directly_uses_tensors():
    x = ember.tensor([1.0, -2.0], requires_grad=True)
    w = ember.tensor([3.0, 4.0], requires_grad=True)
    y = x * w
    gx, gw = y.grad_fn(ember.ones(2))
    assert isinstance(gx, ember.Tensor) and gx.tolist() == [3.0, 4.0]
    assert gw.tolist() == [1.0, -2.0]
    # (gx requires grad, so NumPy may read it only detached, as with PyTorch)
    assert isinstance(np.asarray(gx.detach()), np.ndarray)
