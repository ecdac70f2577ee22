"""Tensor hooks, post-accumulate hooks and node (grad_fn) hooks, compared with PyTorch."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _err(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


def _both(fn):
    return fn(torch), fn(ember)


def _lists(seq):
    return [None if g is None else g.tolist() for g in seq]


def test_leaf_hook_modifies_gradient_and_remove():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        seen = []
        h = x.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
        (x * x).sum().backward()
        first = x.grad.tolist()
        h.remove()
        h.remove()                     # a second remove is harmless
        (x * x).sum().backward()
        return seen, first, x.grad.tolist()

    t, e = _both(run)
    assert t == e
    assert e[1] == [20.0, 40.0]


def test_nonleaf_hook_modifies_gradient_flowing_on():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        z = y * y
        seen = []
        y.register_hook(lambda g: seen.append(g.tolist()) or g + 1)
        z.sum().backward()
        return seen, x.grad.tolist()

    t, e = _both(run)
    assert t == e


def test_several_hooks_run_in_registration_order_and_chain():
    def run(lib):
        order = []
        x = lib.tensor([1.0], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: order.append(("a", g.item())) or g * 2)
        h = y.register_hook(lambda g: order.append(("b", g.item())) or g + 100)
        y.register_hook(lambda g: order.append(("c", g.item())))
        h.remove()
        x.register_hook(lambda g: order.append(("x", g.item())))
        y.backward()
        return order, x.grad.item()

    assert _both(run)[0] == _both(run)[1]


def test_retain_grad_sees_hooked_gradient_regardless_of_order():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: g * 10)
        y.retain_grad()
        y.register_hook(lambda g: g + 1)
        y.sum().backward()
        return y.grad.tolist(), x.grad.tolist()

    t, e = _both(run)
    assert t == e == ([11.0, 11.0], [22.0, 22.0])


def test_hook_handle_as_context_manager():
    x = ember.tensor([1.0], requires_grad=True)
    calls = []
    with x.register_hook(lambda g: calls.append(1)):
        (x * 2).backward()
    (x * 2).backward()
    assert calls == [1]


def test_hook_on_leaf_used_twice_called_once_with_total():
    def run(lib):
        x = lib.tensor([2.0], requires_grad=True)
        calls = []
        x.register_hook(lambda g: calls.append(g.item()))
        (x * 3 + x * x).backward()
        return calls

    assert _both(run)[0] == _both(run)[1] == [7.0]


def test_hooks_not_called_for_tensors_off_the_path():
    def run(lib):
        x = lib.tensor([1.0], requires_grad=True)
        w = lib.tensor([1.0], requires_grad=True)
        calls = []
        a = x * 2
        b = w * 3
        a.register_hook(lambda g: calls.append("a"))
        b.register_hook(lambda g: calls.append("b"))
        lib.autograd.grad((a * b).sum(), x)        # w's branch is not needed for x
        return calls

    assert _both(run)[0] == _both(run)[1]


@pytest.mark.parametrize("case", ["noreq", "size_nonleaf", "size_leaf", "type_nonleaf",
                                  "dtype_nonleaf", "dtype_leaf", "named", "callable_obj"])
def test_tensor_hook_errors_match_torch(case):
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2

        def myhook(g):
            return lib.ones(3)

        class C:
            def __call__(self, g):
                return lib.ones(3)

        if case == "noreq":
            return _err(lambda: lib.ones(2).register_hook(lambda g: g))
        if case == "size_nonleaf":
            y.register_hook(lambda g: g.sum())
        elif case == "size_leaf":
            x.register_hook(lambda g: lib.ones(3))
        elif case == "type_nonleaf":
            y.register_hook(lambda g: 3)
        elif case == "dtype_nonleaf":
            y.register_hook(lambda g: g.double())
        elif case == "dtype_leaf":
            x.register_hook(lambda g: g.double())
        elif case == "named":
            y.register_hook(myhook)
        else:
            y.register_hook(C())
        return _err(lambda: y.sum().backward())

    t, e = _both(run)
    assert e == t


def test_post_accumulate_grad_hook():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        seen = []

        def hook(t):
            seen.append((t is x, t.grad.tolist()))
            with lib.no_grad():
                t.grad.mul_(0.5)    # e.g. an optimizer step done in the hook
        h = x.register_post_accumulate_grad_hook(hook)
        x.register_hook(lambda g: g * 2)    # tensor hooks run before accumulation
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        h.remove()
        (x * 3).sum().backward()
        return seen, x.grad.tolist()

    t, e = _both(run)
    assert t == e


@pytest.mark.parametrize("case", ["nonleaf", "noreq"])
def test_post_accumulate_grad_hook_errors(case):
    def run(lib):
        x = lib.tensor([1.0], requires_grad=True)
        t = x * 2 if case == "nonleaf" else lib.ones(1)
        return _err(lambda: t.register_post_accumulate_grad_hook(lambda t: None))

    assert _both(run)[0] == _both(run)[1]


def test_grad_fn_prehook_and_hook():
    def run(lib):
        order = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        fn = y.grad_fn
        fn.register_prehook(lambda go: order.append(("pre", _lists(go))) or (go[0] * 3,))
        fn.register_hook(lambda gi, go: order.append(("post", _lists(gi), _lists(go)))
                         or (gi[0] + 1, None))
        y.register_hook(lambda g: order.append(("tensor", g.tolist())))
        (y * y).sum().backward()
        return order, x.grad.tolist()

    t, e = _both(run)
    assert t == e


def test_post_hook_sees_reduced_and_cast_input_grads():
    def run(lib):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        w = lib.ones(3, 2, requires_grad=True)
        z = x * w
        seen = []
        z.grad_fn.register_hook(lambda gi, go: seen.append(
            [(tuple(g.shape), str(g.dtype)) for g in gi]))
        z.sum().backward()
        return seen

    assert _both(run)[0] == _both(run)[1]


def test_hook_returning_none_keeps_gradient():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        y.grad_fn.register_prehook(lambda go: None)
        y.grad_fn.register_hook(lambda gi, go: None)
        y.sum().backward()
        return x.grad.tolist()

    t, e = _both(run)
    np.testing.assert_allclose(t, e, rtol=1e-6)


def test_accumulate_grad_node_hooks():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        acc = y.grad_fn.next_functions[0][0]
        seen = []
        acc.register_prehook(lambda go: seen.append(("pre", _lists(go))))
        acc.register_hook(lambda gi, go: seen.append(("post", _lists(gi), _lists(go))))
        y.sum().backward()
        return seen

    assert _both(run)[0] == _both(run)[1]


@pytest.mark.parametrize("case", ["pre_count", "post_count", "pre_type", "pre_list",
                                  "pre_size", "post_size", "post_tensor"])
def test_node_hook_errors_match_torch(case):
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        fn = y.grad_fn
        if case == "pre_count":
            fn.register_prehook(lambda go: (go[0], go[0]))
        elif case == "post_count":
            fn.register_hook(lambda gi, go: (gi[0],))
        elif case == "pre_type":
            fn.register_prehook(lambda go: 3)
        elif case == "pre_list":
            fn.register_prehook(lambda go: [go[0]])
        elif case == "pre_size":
            fn.register_prehook(lambda go: (lib.ones(3),))
        elif case == "post_size":
            fn.register_hook(lambda gi, go: (lib.ones(3), None))
        else:
            fn.register_hook(lambda gi, go: gi[0])
        return _err(lambda: y.sum().backward())

    t, e = _both(run)
    assert e == t


def test_node_hook_remove():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        h1 = y.grad_fn.register_prehook(lambda go: (go[0] * 5,))
        h2 = y.grad_fn.register_hook(lambda gi, go: (gi[0] * 7, None))
        h1.remove()
        h2.remove()
        y.sum().backward()
        return x.grad.tolist()

    assert _both(run)[0] == _both(run)[1] == [2.0, 2.0]


def test_hooks_of_autograd_grad_targets():
    """Targets of autograd.grad that need not run still fire their tensors' hooks (a leaf's
    too) and the captured gradient includes them; a target that must run (another target is
    below it) is captured before its hooks, as PyTorch does."""
    def run(lib):
        log = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: log.append("leaf") or g * 10)
        r1 = lib.autograd.grad((x * 2).sum(), x)[0].tolist()
        y = x * 3
        y.register_hook(lambda g: log.append("y") or g * 10)
        y.retain_grad()
        r2 = lib.autograd.grad((y * 2).sum(), y)[0].tolist()
        r3 = y.grad.tolist()
        y = x * 3
        y.register_hook(lambda g: log.append("y2") or g * 10)
        r4 = [g.tolist() for g in lib.autograd.grad((y * 2).sum(), [y, x])]
        y = x * 3
        y.grad_fn.register_prehook(lambda go: log.append("prehook"))
        r5 = lib.autograd.grad((y * 2).sum(), y)[0].tolist()
        return log, r1, r2, r3, r4, r5

    t, e = _both(run)
    assert t == e
    assert "prehook" not in e[0]


def test_backward_inputs_runs_hooks_like_torch():
    def run(lib):
        log = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: log.append("leaf") or g * 10)
        (x * 2).sum().backward(inputs=[x])
        r1 = x.grad.tolist()
        y = x * 3
        y.register_hook(lambda g: log.append("y") or g * 10)
        y.retain_grad()
        (y * 2).sum().backward(inputs=[y])
        return log, r1, y.grad.tolist(), y.retains_grad, x.grad.tolist()

    t, e = _both(run)
    assert t == e
