"""The backward engine: graph walks, ordering, freeing, errors and autograd.grad, each checked
against real PyTorch where PyTorch defines the behaviour."""
import gc
import sys
import time
import tracemalloc
import warnings
import weakref

import numpy as np
import pytest

import ember
from ember.autograd.graph import Node

torch = pytest.importorskip("torch")


def _err(fn):
    """(exception class, message) raised by ``fn``."""
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


def _both(fn):
    """Run ``fn(lib)`` with torch and with ember; return both results."""
    return fn(torch), fn(ember)


def _np(t):
    return None if t is None else np.asarray(t.detach().tolist())


def _assert_same(a, b, tol=1e-6):
    if a is None or b is None:
        assert a is None and b is None
        return
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


# -- graph shapes ---------------------------------------------------------------------------
def test_diamond_and_shared_subgraphs():
    def run(lib):
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        w = lib.tensor([1.5, 0.25, -0.5], requires_grad=True)
        a = x * w                  # shared by every branch below
        b = a.exp()
        c = a.sin()
        d = b * c + a              # diamond: a -> (b, c, a) -> d
        e = (d * a).sum() + (a * a).sum()
        e.backward()
        return x.grad, w.grad

    (tx, tw), (ex, ew) = _both(run)
    _assert_same(tx, ex)
    _assert_same(tw, ew)


def test_same_tensor_used_many_times_accumulates_in_one_buffer():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x + x + x * x - x
        seen = []
        x.register_hook(lambda g: seen.append(g.tolist()))
        y.sum().backward()
        return x.grad.tolist(), seen

    assert _both(run)[0] == _both(run)[1]
    assert run(ember)[1] == [[3.0, 5.0]]   # one hook call with the summed gradient


def test_hook_execution_order_matches_torch():
    """The order tensor hooks fire in (the engine's node order) equals PyTorch's."""
    def run(lib):
        order = []
        x = lib.tensor([0.3, -0.7], requires_grad=True)
        w = lib.tensor([1.1, 0.9], requires_grad=True)
        a = x * w
        b = a.exp()
        p = w * 2          # created later but consumed earlier in the sum below
        c = a.sin() + p
        d = b * c
        q = x.relu()
        e = d + a + q
        f = e * 3
        names = dict(x=x, w=w, a=a, b=b, p=p, c=c, d=d, q=q, e=e, f=f)
        for name, t in names.items():
            t.register_hook(lambda g, name=name: order.append(name))
        f.sum().backward()
        return order

    t_order, e_order = _both(run)
    assert t_order == e_order
    assert len(e_order) == 10


def test_hook_order_with_two_roots_and_interleaved_creation():
    def run(lib):
        order = []
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        branches = []
        for k in range(4):
            h = (x * (k + 1)).tanh()
            h.register_hook(lambda g, k=k: order.append(f"h{k}"))
            branches.append(h)
        y1 = branches[0] * branches[3]
        y2 = branches[2] + branches[1]
        y1.register_hook(lambda g: order.append("y1"))
        y2.register_hook(lambda g: order.append("y2"))
        x.register_hook(lambda g: order.append("x"))
        lib.autograd.backward([y1.sum(), y2.sum()])
        return order

    t_order, e_order = _both(run)
    assert t_order == e_order


# -- long graphs ---------------------------------------------------------------------------
def test_100k_chain_backward_and_free_without_recursion():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)   # any recursion over the chain would fail at once
    gc_was = gc.isenabled()
    gc.disable()                  # freeing must come from reference counts (no cycles)
    try:
        t0 = time.perf_counter()
        y = x
        for _ in range(100_000):
            y = y * 1.0
        first = weakref.ref(y.grad_fn)
        node = y.grad_fn
        for _ in range(50_000):
            node = node.next_functions[0][0]
        middle = weakref.ref(node)
        del node
        y.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])
        del y
        assert first() is None and middle() is None
        elapsed = time.perf_counter() - t0
    finally:
        sys.setrecursionlimit(limit)
        if gc_was:
            gc.enable()
    assert elapsed < 20


def test_100k_chain_freed_without_backward():
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        x = ember.tensor([1.0], requires_grad=True)
        y = x
        for _ in range(100_000):
            y = y + 1.0
        ref = weakref.ref(y.grad_fn)
        del y
        assert ref() is None
    finally:
        sys.setrecursionlimit(limit)


# -- retain_graph and saved tensors ----------------------------------------------------------
def test_retain_graph_allows_second_backward():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).exp().sum()
        y.backward(retain_graph=True)
        first = x.grad.clone()
        y.backward()
        return first, x.grad

    (t1, t2), (e1, e2) = _both(run)
    _assert_same(t1, e1)
    _assert_same(t2, e2)
    np.testing.assert_allclose(_np(e2), 2 * _np(e1))


def test_second_backward_without_retain_graph_raises_torch_error():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        return _err(lambda: y.backward())

    t, e = _both(run)
    assert t == e
    assert e[0] is RuntimeError and "second time" in e[1]


def test_saved_tensor_access_after_free_raises_torch_error():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        y = x * w
        before = y.grad_fn._saved_self.tolist()
        y.sum().backward()
        return before, _err(lambda: y.grad_fn._saved_self)

    assert _both(run)[0] == _both(run)[1]


def test_autograd_grad_frees_graph_unless_retained():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x.exp() * x).sum()
        g1, = lib.autograd.grad(y, x, retain_graph=True)
        g2, = lib.autograd.grad(y, x)
        return g1.tolist(), g2.tolist(), _err(lambda: lib.autograd.grad(y, x))

    t, e = _both(run)
    np.testing.assert_allclose(t[0], e[0], rtol=1e-6)
    assert e[0] == e[1]
    assert t[2] == e[2]


# -- version counter -------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["saved_output", "saved_input_leaf", "saved_input_nonleaf",
                                  "inplace_on_saved_output", "view_write", "sum1"])
def test_modified_by_inplace_error_matches_torch(case):
    def run(lib):
        x = lib.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
        if case == "saved_output":
            a = x.exp()
            y = a * a
            with lib.no_grad():
                a.mul_(2)
        elif case == "saved_input_leaf":
            w = lib.tensor([[2.0, 1.0], [0.5, 1.0]])
            y = x * w
            w.add_(1)
        elif case == "saved_input_nonleaf":
            a = x * 2
            y = a.sin()
            a.add_(1)
        elif case == "inplace_on_saved_output":
            y = x.sigmoid()
            y.mul_(3)
        elif case == "view_write":
            a = x.clone()
            y = a * a
            a[0].mul_(5.0)
        else:
            a = x.sum(1)
            y = a * a
            with lib.no_grad():
                a.add_(1)
        return _err(lambda: y.sum().backward())

    t, e = _both(run)
    assert e == t
    assert "modified by an inplace operation" in e[1]


def test_version_counter_shared_with_views_and_detach():
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0])
        v = x[1:]
        d = x.detach()
        versions = [x._version]
        v.mul_(2)
        versions.append((x._version, v._version, d._version))
        d.add_(1)
        versions.append((x._version, v._version, d._version))
        return versions

    assert _both(run)[0] == _both(run)[1]


# -- accumulation, retain_grad, .grad warning ----------------------------------------------
def test_gradients_accumulate_across_backward_calls():
    def run(lib):
        x = lib.tensor([1.0, -1.0], requires_grad=True)
        out = []
        for k in range(3):
            ((x * (k + 1)) ** 2).sum().backward()
            out.append(x.grad.tolist())
        x.grad = None
        (x * 5).sum().backward()
        out.append(x.grad.tolist())
        x.grad.zero_()
        (x * 7).sum().backward()
        out.append(x.grad.tolist())
        return out

    assert _both(run)[0] == _both(run)[1]


def test_accumulated_grad_is_a_fresh_tensor_not_the_incoming_gradient():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    g = ember.tensor([5.0, 6.0])
    (x * 1).backward(g)
    x.grad.add_(1)
    assert g.tolist() == [5.0, 6.0]


def test_retain_grad():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a = x * 3
        a.retain_grad()
        a.retain_grad()        # twice is harmless
        b = a * a
        b.retain_grad()
        b.sum().backward(retain_graph=True)
        (a * 2).sum().backward()
        return a.grad.tolist(), b.grad.tolist(), a.retains_grad, x.retains_grad, \
            a.is_leaf, x.grad.tolist()

    assert _both(run)[0] == _both(run)[1]


def test_retain_grad_on_tensor_without_grad_raises():
    t, e = _both(lambda lib: _err(lambda: lib.ones(2).retain_grad()))
    assert t == e


def test_nonleaf_grad_access_warns_like_torch():
    def run(lib):
        x = lib.tensor([1.0], requires_grad=True)
        y = x * 2
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            assert y.grad is None
            z = x * 3
            z.retain_grad()
            assert z.grad is None        # retained: no warning
            assert x.grad is None        # leaf: no warning
        return [(r.category, str(r.message)) for r in w]

    t, e = _both(run)
    assert t == e
    assert len(e) == 1 and e[0][0] is UserWarning


def test_nonleaf_grad_warning_points_at_the_caller():
    x = ember.tensor([1.0], requires_grad=True)
    y = x * 2
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        y.grad
    assert w[0].filename == __file__


# -- backward() argument errors --------------------------------------------------------------
@pytest.mark.parametrize("case", ["nonscalar", "noreq", "noreq_nonscalar", "int_scalar",
                                  "shape", "type", "second_noreq", "count"])
def test_backward_errors_match_torch(case):
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        if case == "nonscalar":
            return _err(lambda: (x * 2).backward())
        if case == "noreq":
            return _err(lambda: lib.ones(2).sum().backward())
        if case == "noreq_nonscalar":
            return _err(lambda: lib.ones(2).backward())
        if case == "int_scalar":
            return _err(lambda: lib.autograd.backward(lib.tensor(3)))
        if case == "shape":
            return _err(lambda: (x * 2).backward(lib.ones(3)))
        if case == "type":
            return _err(lambda: lib.autograd.backward([x * 2], [[1.0, 1.0]]))
        if case == "second_noreq":
            return _err(lambda: lib.autograd.backward([x.sum(), lib.ones(1).sum()]))
        return _err(lambda: lib.autograd.backward([x.sum(), (x * 2).sum()], [lib.tensor(1.0)]))

    t, e = _both(run)
    assert e == t


def test_backward_with_gradient_argument():
    def run(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x * x
        y.backward(lib.tensor([[1.0, 0.5], [0.0, -1.0]]))
        return x.grad.tolist()

    assert _both(run)[0] == _both(run)[1]


def test_backward_inputs_argument():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        h = x * w
        y = (h * h).sum()
        y.backward(inputs=[w], retain_graph=True)
        res = [x.grad, w.grad.tolist()]
        y.backward(inputs=h, retain_graph=True)     # a non-leaf: accumulates into its .grad
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res.append(h.grad.tolist())
        y.backward(inputs={"x": x})
        res.append(x.grad.tolist())
        res.append(w.grad.tolist())
        return res

    assert _both(run)[0] == _both(run)[1]


@pytest.mark.parametrize("case", ["empty", "noreq", "mapping"])
def test_backward_inputs_errors(case):
    def run(lib):
        import collections
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        if case == "empty":
            return _err(lambda: y.backward(inputs=[]))
        if case == "noreq":
            return _err(lambda: y.backward(inputs=[lib.ones(2)]))
        return _err(lambda: lib.autograd.backward(y, inputs=collections.OrderedDict(x=x)))

    t, e = _both(run)
    assert e == t


def test_backward_inputs_unreachable_is_allowed():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        other = lib.tensor([1.0], requires_grad=True)
        (x * x).sum().backward(inputs=[other])
        return x.grad, other.grad

    assert _both(run)[0] == (None, None) == _both(run)[1]


# -- autograd.grad ---------------------------------------------------------------------------
def test_grad_basic_and_grad_outputs():
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = x * w
        z = y.exp()
        gx, gw = lib.autograd.grad([y, z], [x, w], [lib.ones(3), lib.tensor([1.0, 0.0, 2.0])])
        return gx.tolist(), gw.tolist(), x.grad, w.grad, gx.requires_grad

    t, e = _both(run)
    np.testing.assert_allclose(t[0], e[0], rtol=1e-6)
    np.testing.assert_allclose(t[1], e[1], rtol=1e-6)
    assert t[2:] == e[2:] == (None, None, False)


def test_grad_allow_unused_and_materialize():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        u = lib.tensor([5.0], requires_grad=True)
        y = (x * x).sum()
        err = _err(lambda: lib.autograd.grad(y, [x, u], retain_graph=True))
        a = lib.autograd.grad(y, [x, u], allow_unused=True, retain_graph=True)
        b = lib.autograd.grad(y, [x, u], materialize_grads=True, retain_graph=True)
        c = lib.autograd.grad(y, [x, u], materialize_grads=True, create_graph=True)
        bad = _err(lambda: lib.autograd.grad(y, [x, u], materialize_grads=True,
                                             allow_unused=False))
        return (err, a[0].tolist(), a[1], b[1].tolist(), b[1].requires_grad,
                c[1].requires_grad, c[0].requires_grad, bad)

    assert _both(run)[0] == _both(run)[1]


def test_grad_of_nonleaf_inputs_and_dict_inputs():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x.exp()
        k = h * 3
        y = (k * h).sum()
        gh, gk = lib.autograd.grad(y, [h, k], retain_graph=True)
        d = lib.autograd.grad(y, {"h": h, "x": x})
        return gh.tolist(), gk.tolist(), sorted(d), d["x"].tolist(), x.grad

    t, e = _both(run)
    for a, b in zip(t, e):
        if isinstance(a, list) and a and isinstance(a[0], float):
            np.testing.assert_allclose(a, b, rtol=1e-6)
        else:
            assert a == b


@pytest.mark.parametrize("case", ["empty", "unused", "noreq_input", "noreq_output",
                                  "shape", "count", "only_inputs"])
def test_grad_errors_match_torch(case):
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        if case == "empty":
            return _err(lambda: lib.autograd.grad(y.sum(), []))
        if case == "unused":
            return _err(lambda: lib.autograd.grad(y.sum(), [x, lib.ones(1, requires_grad=True)]))
        if case == "noreq_input":
            return _err(lambda: lib.autograd.grad(y.sum(), lib.ones(2)))
        if case == "noreq_output":
            return _err(lambda: lib.autograd.grad(lib.ones(2).sum(), x))
        if case == "shape":
            return _err(lambda: lib.autograd.grad(y, x, lib.ones(3)))
        if case == "count":
            return _err(lambda: lib.autograd.grad([y, y * 2], x, [lib.ones(2)]))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            g = lib.autograd.grad(y.sum(), x, only_inputs=False)
        return g[0].tolist(), [(r.category, str(r.message)) for r in w]

    t, e = _both(run)
    assert e == t


def test_grad_is_grads_batched():
    def run(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        eye = lib.eye(3)
        g, = lib.autograd.grad(y, x, eye, is_grads_batched=True, retain_graph=True)
        bad = _err(lambda: lib.autograd.grad(y, x, lib.eye(4), is_grads_batched=True))
        return g.tolist(), bad

    assert _both(run)[0] == _both(run)[1]


def test_grad_create_graph_and_retain_graph():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x ** 3).sum()
        g, = lib.autograd.grad(y, x, create_graph=True)
        name = g.grad_fn.name()
        g.sum().backward()          # graph retained: create_graph implies retain_graph
        return g.tolist(), g.requires_grad, name, x.grad.tolist()

    assert _both(run)[0] == _both(run)[1]


def test_higher_order_derivatives_of_x4():
    def run(lib):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = (x ** 4).sum()
        d1, = lib.autograd.grad(y, x, create_graph=True)
        d2, = lib.autograd.grad(d1.sum(), x, create_graph=True)
        d3, = lib.autograd.grad(d2.sum(), x, create_graph=True)
        d4, = lib.autograd.grad(d3.sum(), x)
        return [d.tolist() for d in (d1, d2, d3, d4)]

    t, e = _both(run)
    assert t == e
    xs = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(e[2], 24 * xs)
    np.testing.assert_allclose(e[3], [24.0] * 3)


def test_double_backward_through_backward_call():
    def run(lib):
        x = lib.tensor([0.3, 0.7], dtype=lib.float64, requires_grad=True)
        y = (x.sin() * x).sum()
        y.backward(create_graph=True)
        g = x.grad
        x.grad = None
        g.sum().backward()
        return g.tolist(), x.grad.tolist()

    t, e = _both(run)
    np.testing.assert_allclose(t[0], e[0])
    np.testing.assert_allclose(t[1], e[1])


# -- introspection ----------------------------------------------------------------------------
def _structure(fn):
    if fn is None:
        return None
    return (fn.name(), tuple((_structure(n), nr) for n, nr in fn.next_functions))


def test_next_functions_structure_matches_torch():
    def run(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
        w = lib.tensor([[0.5, 1.0], [-1.0, 2.0]], requires_grad=True)
        b = lib.tensor([0.1, 0.2], requires_grad=True)
        c = lib.tensor([1.0, 2.0])          # a constant: a (None, 0) edge
        h = (x.mm(w) + b).relu()
        y = ((h * c).sum() - x.exp().mean()) / 2
        return _structure(y.grad_fn)

    t, e = _both(run)
    assert t == e


def test_grad_fn_names_and_accumulate_grad_variable():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    acc = y.grad_fn.next_functions[0][0]
    assert acc.name() == "torch::autograd::AccumulateGrad"
    assert acc.variable is x
    assert y.grad_fn.next_functions[1][0] is acc     # one accumulator per leaf
    assert repr(acc).startswith("<AccumulateGrad object at 0x")
    assert repr(y.grad_fn).startswith("<MulBackward0 object at 0x")
    assert x.grad_fn is None and x.is_leaf and not y.is_leaf


def test_saved_tensor_introspection():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([3.0, 4.0], requires_grad=True)
        y = x * w
        e = x.exp()
        return (y.grad_fn._saved_self.tolist(), y.grad_fn._saved_other.tolist(),
                y.grad_fn._saved_self is x, e.grad_fn._saved_result.tolist(),
                _err(lambda: y.grad_fn._saved_nothing)[0])

    t, e = _both(run)
    assert t[:3] == e[:3]
    np.testing.assert_allclose(t[3], e[3], rtol=1e-6)
    assert e[4] is AttributeError


def test_grad_fn_call_applies_backward_formula():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    w = ember.tensor([3.0, 4.0], requires_grad=True)
    y = x * w
    gx, gw = y.grad_fn(ember.ones(2))
    assert gx.tolist() == [3.0, 4.0] and gw.tolist() == [1.0, 2.0]


# -- anomaly mode ----------------------------------------------------------------------------
def test_anomaly_mode_nan_error_matches_torch():
    def run(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with lib.autograd.detect_anomaly():
                on = (lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled())
                a = lib.tensor([0.0, 1.0], requires_grad=True)
                err = _err(lambda: (a.sqrt() * 0).sum().backward())
            off = lib.is_anomaly_enabled()
        with lib.autograd.detect_anomaly(check_nan=False):
            a = lib.tensor([0.0, 1.0], requires_grad=True)
            (a.sqrt() * 0).sum().backward()     # NaN allowed through
            nan_grad = bool(a.grad.isnan().any())
        first = str(w[0].message)
        return on, err, off, nan_grad, first

    t, e = _both(run)
    assert t == e


def test_set_detect_anomaly_and_no_nan_check_by_default():
    def run(lib):
        s = lib.autograd.set_detect_anomaly(True)
        on = lib.is_anomaly_enabled()
        s.__exit__(None, None, None)
        with lib.autograd.set_detect_anomaly(True, check_nan=False):
            inner = (lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled())
        a = lib.tensor([0.0], requires_grad=True)
        (a.sqrt() * 0).sum().backward()          # anomaly mode off: no error
        return on, inner, lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()

    assert _both(run)[0] == _both(run)[1]


# -- memory ------------------------------------------------------------------------------------
def _live_nodes() -> int:
    return sum(1 for o in gc.get_objects() if issubclass(type(o), Node))


def _mlp_step_fn():
    rng = np.random.default_rng(0)
    X = ember.tensor(rng.standard_normal((8, 4)).astype(np.float32))
    Y = ember.tensor(rng.standard_normal((8, 1)).astype(np.float32))
    w1 = ember.tensor(rng.standard_normal((4, 16)).astype(np.float32) * 0.3,
                      requires_grad=True)
    b1 = ember.zeros(16, requires_grad=True)
    w2 = ember.tensor(rng.standard_normal((16, 1)).astype(np.float32) * 0.3,
                      requires_grad=True)
    b2 = ember.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]

    def step():
        h = (X.mm(w1) + b1).relu()
        out = h.mm(w2) + b2
        loss = ((out - Y) ** 2).mean()
        loss.backward()
        with ember.no_grad():
            for p in params:
                p.sub_(p.grad * 0.01)
                p.grad.zero_()
        return loss
    return step


def test_training_loop_keeps_no_graph_alive():
    """10,000 SGD steps of a tiny MLP: every graph is freed by reference counting alone
    (gc off), and the numbers of live nodes and of gc-tracked objects do not grow."""
    step = _mlp_step_fn()
    step()                           # the leaves' AccumulateGrad nodes now exist
    gc.collect()
    nodes_before = _live_nodes()
    objects_before = len(gc.get_objects())
    gc_was = gc.isenabled()
    gc.disable()
    try:
        losses, refs = [], []
        for i in range(10_000):
            loss = step()
            if i % 1000 == 0:
                losses.append(loss.item())
                refs.append(weakref.ref(loss.grad_fn))
            del loss
        assert all(r() is None for r in refs)
        assert _live_nodes() == nodes_before
        assert len(gc.get_objects()) - objects_before < 50
    finally:
        if gc_was:
            gc.enable()
    assert losses[-1] < losses[0]


def test_training_loop_traced_memory_is_flat():
    step = _mlp_step_fn()
    for _ in range(50):
        step()
    tracemalloc.start()
    try:
        for _ in range(200):
            step()
        early = tracemalloc.get_traced_memory()[0]
        for _ in range(800):
            step()
        late = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert late - early < 16 * 1024


def test_backward_create_graph_warns_once_per_process():
    code = ("import warnings, {lib} as t\n"
            "warnings.simplefilter('always')\n"
            "x = t.ones(2, requires_grad=True)\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n"
            "    (x * x).sum().backward(create_graph=True)\n"
            "    (x * x).sum().backward(create_graph=True)\n"
            "    t.autograd.grad((x * x).sum(), x, create_graph=True)\n"
            "print([(r.category.__name__, str(r.message)) for r in w])\n")
    import subprocess
    out = [subprocess.run([sys.executable, "-c", code.format(lib=lib)], capture_output=True,
                          text=True, check=True).stdout for lib in ("torch", "ember")]
    assert out[0] == out[1]
    assert "reference cycle" in out[1] and out[1].count("UserWarning") == 1


def test_nodes_autograd_grad_does_not_run_keep_their_saved_tensors():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x.exp()
        y = (h * h).sum()
        g, = lib.autograd.grad(y, h)
        (h * 1).sum().backward()          # h's node did not run: still usable
        first = x.grad.tolist()
        h = x.exp()
        y = (h * h).sum()
        y.backward(inputs=[h])            # here PyTorch runs h's node (and frees it)
        return g.tolist(), first, h.grad.tolist(), _err(lambda: h.sum().backward())

    t, e = _both(run)
    np.testing.assert_allclose(t[0], e[0], rtol=1e-6)
    np.testing.assert_allclose(t[1], e[1], rtol=1e-6)
    np.testing.assert_allclose(t[2], e[2], rtol=1e-6)
    assert t[3] == e[3]


def test_bfloat16_scalar_output_gets_an_implicit_gradient():
    """autograd.grad / backward of a bfloat16 scalar seed ones, as for any floating dtype."""
    import torch
    res = []
    for lib in (ember, torch):
        x = lib.tensor([1.5, -2.0, 3.25], dtype=lib.bfloat16, requires_grad=True)
        g, = lib.autograd.grad((x * x).sum(), x)
        res.append((g.float().tolist(), str(g.dtype)))
    assert res[0] == res[1]
