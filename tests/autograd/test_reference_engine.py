"""The three ways the engine can walk a graph compute the same thing: the reference engine
(``engine._reference``, the algorithm without shortcuts), the fast engine counting
dependencies, and the fast engine's tape-ordered walk (the default for a plain backward).
Identical gradients over the op table, the same hook order, the same errors, the same
accumulator timing and the same freed graph. (The whole engine and hook test files also run on
the reference engine: ``EMBER_REFERENCE_ENGINE=1``, see .ci/run.)"""
from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.autograd import engine
from test_ops import GRAD_CASES, GRAD_IDS, _grad_indices, _run, _samples, _weights


# (reference engine, tape order allowed): the tape walk, the counting fast engine, the reference
_ENGINES = ((False, True), (False, False), (True, False))


def _all(fn):
    """``fn()`` on the tape walk, the counting fast engine and the reference engine."""
    out = []
    for ref, tape in _ENGINES:
        prev = engine.use_reference_engine(ref)
        prev_tape = engine.use_tape_order(tape)
        try:
            out.append(fn())
        finally:
            engine.use_reference_engine(prev)
            engine.use_tape_order(prev_tape)
    return out


def _same(fn):
    """``fn()`` gives the same result on every engine; returns it."""
    results = _all(fn)
    assert results[0] == results[1] == results[2], results
    return results[0]


def _outcome(fn):
    try:
        return fn(), None
    except Exception as e:  # noqa: BLE001 - the error itself is what is compared
        return None, (type(e), str(e))


@pytest.mark.parametrize("op,i", GRAD_CASES, ids=GRAD_IDS)
def test_same_gradients_errors_and_release(op, i):
    sample = _samples(op)[i]
    idx = _grad_indices(sample)

    def run():
        inputs, out = _run(op, ember, sample, "float32")
        v = ember.tensor(_weights(out.shape)).to(out.dtype)
        first = _outcome(lambda: out.backward(v))
        grads = [None if inputs[k].grad is None else inputs[k].grad.numpy() for k in idx]
        again = _outcome(lambda: out.backward(v))     # the graph was freed (or keeps nothing)
        return first[1], grads, again[1]

    (err_t, grads_t, again_t), *others = _all(run)
    for err, grads, again in others:
        assert err == err_t and again == again_t
        for k, a, b in zip(idx, grads_t, grads):
            assert (a is None) == (b is None), f"input {k}"
            if a is not None:
                assert a.dtype == b.dtype and a.shape == b.shape
                np.testing.assert_array_equal(a, b, err_msg=f"gradient of input {k}")


def _hooked_run(lib=ember):
    calls = []
    x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
    w = lib.tensor([0.5, 0.25, -1.0], requires_grad=True)
    x.register_hook(lambda g: calls.append(("x", g.tolist())))
    w.register_post_accumulate_grad_hook(lambda t: calls.append(("w-acc", t.grad.tolist())))
    y = x * w
    y.retain_grad()
    y.register_hook(lambda g: calls.append(("y", g.tolist())) or g * 2)
    z = y.relu() + y.exp()
    z.grad_fn.register_prehook(lambda go: calls.append(("pre", go[0].tolist())))
    z.grad_fn.register_hook(lambda gi, go: calls.append(("post", [g is None for g in gi])))
    z.sum().backward()
    return calls, x.grad.tolist(), w.grad.tolist(), y.grad.tolist()


def test_same_hook_order_and_values():
    calls = _same(_hooked_run)
    torch = pytest.importorskip("torch")
    assert calls == _hooked_run(torch)


def test_same_autograd_grad_with_targets_and_create_graph():
    def run():
        x = ember.tensor([0.3, -1.2, 2.0], dtype=ember.float64, requires_grad=True)
        y = (x * x).sin().sum()
        g, = ember.autograd.grad(y, x, create_graph=True)
        gg, = ember.autograd.grad(g.sum(), x)
        return g.tolist(), gg.tolist(), g.grad_fn.name()
    _same(run)


def test_reference_engine_handles_a_long_chain():
    def run():
        x = ember.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(20_000):
            y = y * 1.0
        y.backward()
        return x.grad.item()
    assert _all(run) == [1.0, 1.0, 1.0]


# -- the tape walk: accumulators run when the counting engine would run them ------------------
def _peek_run(lib, variant):
    """A custom Function that records, while it runs backward, what ``w.grad`` holds: the
    moment w's accumulator ran, in each engine. ``variant`` shapes how w is used."""
    seen = []
    w = lib.tensor(2.0, requires_grad=True)
    a = lib.tensor(3.0, requires_grad=True)

    class Peek(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            seen.append(None if w.grad is None else w.grad.item())
            return g

    keep = []
    if variant == "used before the peek":
        low = w * 7.0                        # created first: runs after the peek
        p = Peek.apply(a)
        z = low + p + w * 3.0
    else:
        p = Peek.apply(a)
        z = p + w * 3.0
    if variant == "also in a live graph":
        keep.append(w * 5.0)                 # never backwarded, still alive
    if variant == "accumulator held elsewhere":
        keep.append(z.grad_fn.next_functions[1][0].next_functions[0][0])
    if variant == "used twice by one node":
        z = z + w * w
    if variant == "leaf gone":
        z = z + lib.tensor(4.0, requires_grad=True) * 2.0
    z.backward()
    return seen, w.grad.item(), a.grad.item()


@pytest.mark.parametrize("variant", ["used once", "used before the peek", "also in a live graph",
                                     "accumulator held elsewhere", "used twice by one node",
                                     "leaf gone"])
def test_accumulators_run_when_counts_would_run_them(variant):
    got = _same(lambda: _peek_run(ember, variant))
    torch = pytest.importorskip("torch")
    assert got == _peek_run(torch, variant)


def _error_midway(lib):
    """A version error raised after w's accumulator ran (and before c's could)."""
    c = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([3.0, 4.0], requires_grad=True)
    b = c * 1.0
    s = b.sin()                   # saves b
    z = (w * 3.0 + s).sum()
    with lib.no_grad():
        b.add_(1.0)
    try:
        z.backward()
    except RuntimeError as e:
        err = str(e)
    else:
        err = None
    return err is not None and "inplace" in err, \
        None if w.grad is None else w.grad.tolist(), None if c.grad is None else c.grad.tolist()


def test_error_midway_leaves_the_same_grads():
    got = _same(lambda: _error_midway(ember))
    assert got[0] and got[1] == [3.0, 3.0] and got[2] is None
    torch = pytest.importorskip("torch")
    assert got == _error_midway(torch)


def _retained_reuse(lib):
    w = lib.tensor([1.0, -2.0], requires_grad=True)
    y1 = (w * w).sum()               # retained, then reused under a newer consumer of w
    y1.backward(retain_graph=True)
    first = w.grad.tolist()
    y2 = (w * 3.0).sum()
    (y1 + y2).backward()
    second = w.grad.tolist()
    again = y1 * 1.0                 # y1's graph is freed now
    try:
        again.backward()
    except RuntimeError as e:
        return first, second, str(e)[:40]
    return first, second, None


def test_retained_graph_reuse_matches():
    got = _same(lambda: _retained_reuse(ember))
    torch = pytest.importorskip("torch")
    assert got == _retained_reuse(torch)


def _accumulator_hooks(lib):
    """Node hooks on one accumulator and a post-accumulate hook on the other leaf of the same
    node: the order the leaves' accumulators run in is visible."""
    calls = []
    w1 = lib.tensor([1.0, 2.0], requires_grad=True)
    w2 = lib.tensor([3.0, 4.0], requires_grad=True)
    y = w1 * w2
    acc1 = y.grad_fn.next_functions[0][0]
    acc1.register_prehook(lambda go: calls.append(("pre1", go[0].tolist())))
    acc1.register_hook(lambda gi, go: calls.append(("post1", go[0].tolist())))
    w2.register_post_accumulate_grad_hook(
        lambda t: calls.append(("acc2", None if w1.grad is None else w1.grad.tolist())))
    y.sum().backward()
    return calls, w1.grad.tolist(), w2.grad.tolist()


def test_accumulator_hooks_run_in_the_same_order():
    got = _same(lambda: _accumulator_hooks(ember))
    torch = pytest.importorskip("torch")
    assert got == _accumulator_hooks(torch)


def test_roots_reaching_each_other_and_multi_output_nodes():
    def run():
        x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        a, b = x.unbind(0)
        y = (a * b).sum()
        z = (y * 2.0 + b.exp().sum())
        ember.autograd.backward([z, y], [ember.tensor(1.0), ember.tensor(3.0)])
        return x.grad.tolist()
    _same(run)


def test_nodes_reached_without_gradient_are_released_alike():
    class Drop(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g, None             # nothing flows to y's branch

    def run():
        x = ember.tensor([1.0, 2.0], requires_grad=True)
        u = ember.tensor([0.5, 0.25], requires_grad=True)
        y = u.exp()                    # reached, receives no gradient: released, not run
        z = Drop.apply(x, y).sum()
        z.backward()
        try:
            y.sum().backward()
        except RuntimeError as e:
            err = str(e)[:40]
        else:
            err = None
        return x.grad.tolist(), None if u.grad is None else u.grad.tolist(), err
    _same(run)


def test_tape_walk_counts_nothing_for_leaves_used_once(monkeypatch):
    """The plain backward of a graph whose leaves each feed one node takes the tape walk and
    never counts (the reference-count proof holds on this Python)."""
    calls = []
    monkeypatch.setattr(engine, "_count_left", lambda *a: calls.append("count"))
    monkeypatch.setattr(engine, "_fast", lambda *a: calls.append("fast"))
    prev = engine.use_reference_engine(False)
    try:
        ws = [ember.tensor(float(i), requires_grad=True) for i in range(5)]
        b = ember.tensor(0.0, requires_grad=True)
        act = b
        for i, w in enumerate(ws):
            act = act + w * float(i)
        act.tanh().backward()
        lin = ember.nn.Linear(3, 2)
        lin(ember.ones(4, 3)).sum().backward()
    finally:
        engine.use_reference_engine(prev)
    assert calls == []
    assert ws[3].grad is not None and lin.weight.grad is not None


def _inplace_on_a_view(lib):
    """CopySlices takes over the in-place op's other inputs: w's accumulator is reached
    through it, and w is used again afterwards."""
    w = lib.tensor([2.0, 3.0], requires_grad=True)
    b = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    base = b * 1.0
    base[:2].mul_(w)
    loss = (base * base).sum() + (w * 5.0).sum()
    loss.backward()
    return w.grad.tolist(), b.grad.tolist()


def test_inplace_on_a_view_matches():
    got = _same(lambda: _inplace_on_a_view(ember))
    torch = pytest.importorskip("torch")
    assert got == _inplace_on_a_view(torch)
