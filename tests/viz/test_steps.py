"""backward_steps and explain_backward: one step per node in the engine's order, which is
PyTorch's order, with the gradients PyTorch's hooks see."""
import io

import numpy as np
import pytest
import torch

import ember
import ember.viz as viz
from tests.viz.test_graph import lesson, mlp, polynomial, shared_and_multi_output


def torch_steps(root):
    """Nodes in the order PyTorch runs them, with what each received and produced."""
    seen, stack, nodes = set(), [root.grad_fn], []
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        nodes.append(fn)
        stack.extend(nxt for nxt, _ in fn.next_functions)
    runs = []
    for fn in nodes:
        fn.register_prehook(lambda go, fn=fn: runs.append([fn, go, None]))
        fn.register_hook(lambda gi, go, fn=fn: runs[-1].__setitem__(2, gi)
                         if runs[-1][0] is fn else None)
    root.backward()
    return runs


def _name(n):
    return "AccumulateGrad" if n.endswith("AccumulateGrad") else n


@pytest.mark.parametrize("case", [lesson, polynomial, mlp, shared_and_multi_output],
                         ids=lambda c: c.__name__)
def test_steps_follow_pytorch_order_and_values(case):
    (t_root, *_), t_params = case(torch)
    (e_root, *_), e_params = case(ember)
    runs = torch_steps(t_root)
    steps = list(viz.backward_steps(e_root, params=e_params))
    assert [_name(s.name) for s in steps] == [_name(fn.name()) for fn, _, _ in runs]
    for s, (fn, go, gi) in zip(steps, runs):
        assert len(s.grad_outputs) == len(go)
        for a, b in zip(s.grad_outputs, go):
            assert (a is None) == (b is None)
            if b is not None:
                np.testing.assert_allclose(a, b.numpy(), rtol=1e-5, atol=1e-6)
        if s.label:                               # a leaf: its name and its .grad so far
            assert s.label == {id(v): k for k, v in t_params.items()}[id(fn.variable)]
            np.testing.assert_allclose(s.leaf_grads[s.label], fn.variable.grad.numpy(),
                                       rtol=1e-5, atol=1e-6)
            continue
        assert len(s.grad_inputs) == len(gi)
        for a, b in zip(s.grad_inputs, gi):
            assert (a is None) == (b is None)
            if b is not None:
                np.testing.assert_allclose(a, b.numpy(), rtol=1e-5, atol=1e-6)
    # the leaves' .grad are filled as by backward(), and the last step has them all
    for k, v in e_params.items():
        np.testing.assert_allclose(steps[-1].leaf_grads[k], v.grad.numpy())
        np.testing.assert_allclose(v.grad.numpy(), t_params[k].grad.numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_steps_leave_no_hooks_behind():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    steps = list(viz.backward_steps(y, retain_graph=True))
    assert len(steps) == 3
    y.backward()                    # a second pass records nothing more
    assert len(steps) == 3 and x.grad.tolist() == [4.0, 8.0]


def test_explain_backward_in_words():
    x = ember.tensor(3.0)
    w = ember.tensor(2.0, requires_grad=True)
    b = ember.tensor(1.0, requires_grad=True)
    a = ember.relu(x * w + b)
    out = io.StringIO()
    steps = viz.explain_backward(a, file=out)
    text = out.getvalue()
    assert text.splitlines()[0] == "backward of a: 5 steps in the engine's order"
    assert "step 1: ReluBackward0 received grad = 1" in text
    assert "d relu(a)/da = grad * (result > 0) = 1 * (7 > 0) = 1   -> AddBackward0" in text
    assert "d(a+b)/db = grad = 1   -> leaf b" in text
    assert "d(a*b)/db = grad * a = 1 * 3 = 3   -> leaf w" in text
    assert "AccumulateGrad of leaf w: w.grad += 3  ->  w.grad = 3" in text
    assert [s.name for s in steps][-1].endswith("AccumulateGrad")
    assert (w.grad.item(), b.grad.item()) == (3.0, 1.0)
