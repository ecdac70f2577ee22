"""The reference engine (``engine._reference``, the algorithm without shortcuts) and the fast
engine used by default compute the same thing: identical gradients over the op table, the
same hook order, the same errors and the same freed graph. (The whole engine and hook test
files also run on the reference engine: ``EMBER_REFERENCE_ENGINE=1``, see .ci/run.)"""
from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.autograd import engine
from test_ops import GRAD_CASES, GRAD_IDS, _grad_indices, _run, _samples, _weights


def _both(fn):
    """``fn()`` on the fast engine, then on the reference engine."""
    out = []
    for ref in (False, True):
        prev = engine.use_reference_engine(ref)
        try:
            out.append(fn())
        finally:
            engine.use_reference_engine(prev)
    return out


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

    (err_f, grads_f, again_f), (err_r, grads_r, again_r) = _both(run)
    assert err_f == err_r and again_f == again_r
    for k, a, b in zip(idx, grads_f, grads_r):
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
    fast, ref = _both(_hooked_run)
    assert fast == ref
    torch = pytest.importorskip("torch")
    assert fast == _hooked_run(torch)


def test_same_autograd_grad_with_targets_and_create_graph():
    def run():
        x = ember.tensor([0.3, -1.2, 2.0], dtype=ember.float64, requires_grad=True)
        y = (x * x).sin().sum()
        g, = ember.autograd.grad(y, x, create_graph=True)
        gg, = ember.autograd.grad(g.sum(), x)
        return g.tolist(), gg.tolist(), g.grad_fn.name()
    fast, ref = _both(run)
    assert fast == ref


def test_reference_engine_handles_a_long_chain():
    def run():
        x = ember.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(20_000):
            y = y * 1.0
        y.backward()
        return x.grad.item()
    assert _both(run) == [1.0, 1.0]
