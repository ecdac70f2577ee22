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


def test_linear_weight_gradient_is_a_private_contiguous_buffer():
    lin = ember.nn.Linear(3, 2)
    x = ember.ones(4, 3)
    h = lin(x)
    h.sum().backward()
    g = lin.weight.grad
    assert g.tolist() == [[4.0] * 3] * 2 and g.numpy().flags.c_contiguous
    for other in (x, lin.weight, lin.bias.grad, h):
        assert not np.shares_memory(g.numpy(), other.detach().numpy())
    lin(x).sum().backward()
    assert lin.weight.grad is g and g.tolist() == [[8.0] * 3] * 2


def test_transposed_gradient_of_a_saved_tensor_is_copied():
    # mm's gradient for b is a.T @ grad; when a itself is b's transpose view of a leaf...
    w = ember.ones(2, 2, requires_grad=True)
    v = ember.ones(2, 2)
    (v.t() @ w.t()).sum().backward()        # w's gradient arrives through TBackward0
    w.grad.mul_(0)
    assert v.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert w.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_view_gradients_of_one_buffer_are_not_shared():
    # a gradient viewed twice (two slices of one buffer) must not be kept by either leaf
    base = ember.ones(4, requires_grad=True)
    a = ember.ones(2, requires_grad=True)
    b = ember.ones(2, requires_grad=True)
    y = ember.cat([a, b]) * base
    y.sum().backward()
    a.grad.add_(5)
    assert b.grad.tolist() == [1.0, 1.0] and a.grad.tolist() == [6.0, 6.0]


def test_scalar_graph_gradients_are_zero_dim_tensors():
    w = ember.tensor(0.5, requires_grad=True)
    b = ember.tensor(-1.0, requires_grad=True)
    out = (w * 3.0 + b).tanh() * w
    out.backward()
    for t in (w, b):
        assert t.grad.shape == () and t.grad.dtype == ember.float32
        assert isinstance(t.grad.numpy(), np.ndarray) and t.grad.numpy().flags.writeable
    t = np.tanh(np.float32(0.5))
    assert abs(w.grad.item() - (t + 0.5 * 3 * (1 - t * t))) < 1e-6


def test_private_accepts_only_unshared_buffers():
    from ember.autograd.engine import _private

    def accumulate(g):                # the engine's call depth: list -> accumulate -> _private
        return _private(g)

    def check(make) -> bool:
        # (built inside, so that pytest's assertion rewriting holds no extra references)
        grads = [make()]
        return accumulate(grads[0])
    held = np.ones(3)
    other = np.ones((2, 3))
    results = {
        "fresh": check(lambda: np.ones((3, 2))),
        "full view of a fresh buffer": check(
            lambda: np.ascontiguousarray(np.ones((2, 3)).T).T.T),
        "held elsewhere": check(lambda: held),
        "part of a bigger buffer": check(lambda: np.ones(6)[:3]),
        "broadcast": check(lambda: np.broadcast_to(np.ones(1), (3,))),
        "NumPy scalar": check(lambda: np.float32(1.0)),
        "view of a held buffer": check(lambda: other.T),
    }
    assert results == {"fresh": True, "full view of a fresh buffer": True,
                       "held elsewhere": False, "part of a bigger buffer": False,
                       "broadcast": False, "NumPy scalar": False,
                       "view of a held buffer": False}


def _kept_without_copy(direct: bool) -> bool:
    """Whether a fresh gradient array a node returns becomes the leaf's .grad itself."""
    import weakref
    from ember.autograd.graph import Node, record1
    made = []

    class FreshBackward(Node):
        def backward(self, grad):
            g = grad * 2
            made.append(weakref.ref(g))
            return g,
    w = ember.ones(3, requires_grad=True)
    y = record1(FreshBackward(), w._data * 2, w)
    if direct:
        y.sum().backward()
    else:
        ember.autograd.backward(y.sum(), inputs=[w])    # targets: the heap path
    return w.grad.numpy() is made[0]()


def test_fresh_gradients_are_kept_without_a_copy():
    # a shortcut of the fast engine (the reference engine copies; both are correct)
    from ember.autograd import engine
    prev = engine.use_reference_engine(False)
    try:
        assert _kept_without_copy(direct=True)
        assert _kept_without_copy(direct=False)
    finally:
        engine.use_reference_engine(prev)


def test_zero_dim_grad_accumulates_in_place_bit_for_bit():
    # a 0-d leaf's second gradient is added by scalar arithmetic into the same array: the sum
    # must be NumPy's for each dtype (rounding, overflow to inf), bfloat16 included
    for dt, a, b in ((ember.float16, 0.1, 6.0e4), (ember.float32, 0.1, 3.0e38),
                     (ember.float64, 0.1, 1e308), (ember.bfloat16, 0.1, 3.0e38)):
        w = ember.tensor(1.0, dtype=dt, requires_grad=True)
        (w * a).backward()
        first = w.grad
        view = first.view(1)
        (w * b).backward()
        npdt = first.numpy().dtype
        want = np.array(a, npdt) + np.array(b, npdt)
        assert w.grad is first and w.grad.dtype == dt
        np.testing.assert_array_equal(first.numpy(), want)
        assert view.tolist() == [float(want)]


def test_saved_tensors_are_checked_one_by_one():
    # the one-pass saved(): a change to the second saved input still raises, naming it
    a = ember.tensor(2.0, requires_grad=True)
    b = ember.tensor(3.0, requires_grad=True)
    b2 = b.clone()
    y = (a * 1) * b2
    with ember.no_grad():
        b2.add_(1)
    try:
        y.backward()
    except RuntimeError as e:
        assert "modified by an inplace operation" in str(e)
        # (PyTorch's words for this case, checked against torch 2.13)
        assert "[torch.FloatTensor []], which is output 0 of Clone, is at version 1; " \
            "expected version 0 instead." in str(e)
    else:
        raise AssertionError("no error")
