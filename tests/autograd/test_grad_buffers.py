"""A leaf may keep a fresh gradient buffer as its .grad (no copy), but never one that anything
else can see: these cases would corrupt a gradient if the engine stole wrongly."""
import numpy as np

import ember


def test_one_gradient_feeding_two_leaves_is_not_shared():
    a = ember.ones(3, requires_grad=True)
    c = ember.ones(3, requires_grad=True)
    (a + c).sum().backward()          # AddBackward0 hands the same tensor to both leaves
    a.grad.add_(1)
    assert c.grad.tolist() == [1.0, 1.0, 1.0]
    assert not np.shares_memory(a.grad.numpy(), c.grad.numpy())


def test_user_gradient_tensor_is_never_kept():
    v = ember.tensor([1.0, 2.0, 3.0])
    x = ember.ones(3, requires_grad=True)
    x.backward(v)
    x.grad.add_(10)
    assert v.tolist() == [1.0, 2.0, 3.0]


def test_gradient_kept_by_a_hook_is_not_the_grad():
    kept = []
    y = ember.ones(2, requires_grad=True)
    y.register_hook(lambda g: kept.append(g))
    (y * 3).sum().backward()
    y.grad.add_(1)
    assert kept[0].tolist() == [3.0, 3.0] and y.grad.tolist() == [4.0, 4.0]


def test_second_backward_accumulates_in_place_like_torch():
    w = ember.ones(2, 2, requires_grad=True)
    z = (w * 2).sum()
    z.backward(retain_graph=True)
    first = w.grad
    z.backward()
    assert w.grad is first and first.tolist() == [[4.0, 4.0], [4.0, 4.0]]


def test_linear_bias_gradient_buffer_is_owned_by_the_bias():
    lin = ember.nn.Linear(3, 2)
    x = ember.ones(4, 3)
    lin(x).sum().backward()
    g = lin.bias.grad
    assert g.tolist() == [4.0, 4.0] and g.numpy().flags.owndata
    lin(x).sum().backward()
    assert lin.bias.grad is g and g.tolist() == [8.0, 8.0]
