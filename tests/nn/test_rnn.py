"""Recurrent layers and packed sequences against PyTorch: seeded initialisation bit for bit,
parameter names and order, reprs, outputs, final states and gradients (float32 at float
tolerance), packed input sorted and unsorted, unbatched input, dropout and errors."""
from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

TOL = dict(rtol=1e-5, atol=1e-6)


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else t._data


def _pair(name, *args, **kwargs):
    """The same module built in both libraries from the same seed."""
    torch.manual_seed(0)
    t = getattr(torch.nn, name)(*args, **kwargs)
    ember.manual_seed(0)
    e = getattr(ember.nn, name)(*args, **kwargs)
    return t, e


def _same_params(t, e):
    tn = list(t.named_parameters())
    en = list(e.named_parameters())
    assert [n for n, _ in tn] == [n for n, _ in en]
    for (n, a), (_, b) in zip(tn, en):
        assert a.dtype == torch.float32 and str(b.dtype) == "torch.float32"
        assert np.array_equal(_np(a), _np(b)), n
    assert list(t.state_dict()) == list(e.state_dict())
    assert repr(t) == repr(e)


LAYERS = [
    ("RNN", {}),
    ("RNN", dict(nonlinearity="relu", num_layers=2, bias=False)),
    ("LSTM", {}),
    ("LSTM", dict(num_layers=2, batch_first=True, bidirectional=True)),
    ("LSTM", dict(proj_size=3, num_layers=2)),
    ("GRU", dict(num_layers=2, bidirectional=True)),
    ("GRU", dict(batch_first=True, bias=False)),
]


@pytest.mark.parametrize("name,kw", LAYERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(LAYERS)])
def test_layer_matches_torch(name, kw):
    t, e = _pair(name, 4, 5, **kw)
    _same_params(t, e)
    rng = np.random.default_rng(0)
    dirs = 2 if kw.get("bidirectional") else 1
    L = kw.get("num_layers", 1) * dirs
    x = rng.standard_normal((3, 6, 4) if kw.get("batch_first") else (6, 3, 4)).astype("f4")
    hsize = kw.get("proj_size", 0) or 5
    h0 = rng.standard_normal((L, 3, hsize)).astype("f4")
    c0 = rng.standard_normal((L, 3, 5)).astype("f4")
    outs = []
    for lib, m in ((torch, t), (ember, e)):
        xt = lib.tensor(x, requires_grad=True)
        ht = lib.tensor(h0, requires_grad=True)
        ct = lib.tensor(c0, requires_grad=True)
        hx = (ht, ct) if name == "LSTM" else ht
        out, hn = m(xt, hx)
        states = hn if name == "LSTM" else (hn,)
        loss = (out * out).sum() + sum((s * s * 0.5).sum() for s in states)
        loss.backward()
        grads = [xt.grad, ht.grad] + ([ct.grad] if name == "LSTM" else [])
        grads += [p.grad for p in m.parameters()]
        outs.append(([out] + list(states), grads, out.grad_fn.name(),
                     [s.grad_fn.name() for s in states]))
    (to, tg, tname, tsn), (eo, eg, ename, esn) = outs
    for a, b in zip(to, eo):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(_np(b), _np(a), **TOL)
    for a, b in zip(tg, eg):
        np.testing.assert_allclose(_np(b), _np(a), rtol=1e-4, atol=1e-5)
    assert esn == ["StackBackward0"] * len(esn)
    # PyTorch's float32 LSTM runs a oneDNN kernel with its own node under the transpose;
    # RNN/GRU turn a batch_first output around in place (TransposeBackward1), as ember does
    if name != "LSTM" or kw.get("batch_first"):
        assert ename == tname


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_default_state_and_unbatched_input(name):
    t, e = _pair(name, 3, 4, batch_first=True)
    x = np.random.default_rng(1).standard_normal((5, 3)).astype("f4")
    to, th = t(torch.tensor(x))
    eo, eh = e(ember.tensor(x))
    assert tuple(eo.shape) == (5, 4)
    np.testing.assert_allclose(_np(eo), _np(to), **TOL)
    for a, b in zip(th if name == "LSTM" else (th,), eh if name == "LSTM" else (eh,)):
        assert tuple(b.shape) == (1, 4)
        np.testing.assert_allclose(_np(b), _np(a), **TOL)


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_packed_sequence_through_a_layer(name, enforce_sorted):
    t, e = _pair(name, 3, 4, num_layers=2, bidirectional=True)
    lengths = [5, 3, 2] if enforce_sorted else [2, 5, 3]
    x = np.random.default_rng(2).standard_normal((5, 3, 3)).astype("f4")
    res = []
    for lib, m in ((torch, t), (ember, e)):
        xt = lib.tensor(x, requires_grad=True)
        packed = lib.nn.utils.rnn.pack_padded_sequence(xt, lengths,
                                                       enforce_sorted=enforce_sorted)
        out, hn = m(packed)
        assert isinstance(out, lib.nn.utils.rnn.PackedSequence)
        padded, lens = lib.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        h = hn[0] if name == "LSTM" else hn
        (padded.sum() + (h * h).sum()).backward()
        res.append((out.data, out.batch_sizes, padded, lens, h, xt.grad,
                    [p.grad for p in m.parameters()], _chain(padded.grad_fn, 3)))
    (td, tb, tp, tl, th, tgx, tgp, tc), (ed, eb, ep, el, eh, egx, egp, ec) = res
    # ATen pads through a slice copy_ per run of equal batch sizes: CopySlices, as here
    assert ec == tc
    assert np.array_equal(_np(eb), _np(tb)) and str(eb.dtype) == "torch.int64"
    assert np.array_equal(_np(el), _np(tl))
    for a, b in ((td, ed), (tp, ep), (th, eh)):
        np.testing.assert_allclose(_np(b), _np(a), **TOL)
    np.testing.assert_allclose(_np(egx), _np(tgx), rtol=1e-4, atol=1e-5)
    for a, b in zip(tgp, egp):
        np.testing.assert_allclose(_np(b), _np(a), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,kw", [("RNNCell", {}), ("RNNCell", dict(nonlinearity="relu")),
                                     ("LSTMCell", {}), ("GRUCell", dict(bias=False))])
def test_cells_match_torch(name, kw):
    t, e = _pair(name, 3, 4, **kw)
    _same_params(t, e)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3)).astype("f4")
    h = rng.standard_normal((2, 4)).astype("f4")
    res = []
    for lib, m in ((torch, t), (ember, e)):
        xt, ht = lib.tensor(x, requires_grad=True), lib.tensor(h, requires_grad=True)
        out = m(xt, (ht, ht * 0.5) if name == "LSTMCell" else ht)
        outs = out if name == "LSTMCell" else (out,)
        sum((o * o).sum() for o in outs).backward()
        unb = m(xt[0])                      # unbatched input, zero state
        unb = unb if name == "LSTMCell" else (unb,)
        res.append((outs, xt.grad, ht.grad, [o.grad_fn.name() for o in outs], unb))
    (to, tgx, tgh, tn, tu), (eo, egx, egh, en, eu) = res
    assert tn == en
    for a, b in list(zip(to, eo)) + list(zip(tu, eu)) + [(tgx, egx), (tgh, egh)]:
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(_np(b), _np(a), rtol=1e-5, atol=1e-5)


def test_weights_views_and_flatten_parameters():
    t, e = _pair("LSTM", 3, 4, num_layers=2, bidirectional=True, proj_size=2)
    assert e._flat_weights_names == t._flat_weights_names
    assert [[p.shape for p in ws] for ws in e.all_weights] == \
        [[tuple(p.shape) for p in ws] for ws in t.all_weights]
    assert e._flat_weights[0] is e.weight_ih_l0
    e.flatten_parameters()
    e2 = pickle.loads(pickle.dumps(e))
    assert repr(e2) == repr(e)
    assert np.array_equal(_np(e2.weight_hr_l1_reverse), _np(e.weight_hr_l1_reverse))


def test_dropout_between_layers():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ember.nn.LSTM(3, 4, dropout=0.5)
    assert "non-zero dropout expects num_layers greater than 1" in str(w[0].message)
    t, e = _pair("GRU", 3, 4, num_layers=3, dropout=0.5)
    assert repr(e) == repr(t) == "GRU(3, 4, num_layers=3, dropout=0.5)"
    x = ember.randn(5, 2, 3)
    e.train()
    a, _ = e(x)
    b, _ = e(x)
    assert not np.allclose(_np(a), _np(b))    # a fresh mask each call
    e.eval()
    a, _ = e(x)
    b, _ = e(x)
    assert np.array_equal(_np(a), _np(b))
    t.eval()
    np.testing.assert_allclose(_np(a), _np(t(torch.tensor(_np(x)))[0]), **TOL)


def _err(fn):
    out = []
    for lib in (torch, ember):
        with pytest.raises(Exception) as info:
            fn(lib)
        out.append((type(info.value), str(info.value)))
    assert out[0][0] is out[1][0], out
    return out


def test_errors_match_torch():
    def build(lib, name="LSTM", **kw):
        lib.manual_seed(0)
        return getattr(lib.nn, name)(3, 4, **kw)

    (t, e) = _err(lambda lib: build(lib)(lib.ones(5, 2, 7)))
    assert t[1] == e[1]                                          # input size
    (t, e) = _err(lambda lib: build(lib)(lib.ones(5, 2, 3),
                                         (lib.zeros(1, 3, 4), lib.zeros(1, 2, 4))))
    assert t[1] == e[1] == "Expected hidden[0] size (1, 2, 4), got [1, 3, 4]"
    (t, e) = _err(lambda lib: build(lib, "GRU")(lib.ones(5, 2, 3), lib.zeros(2, 2, 4)))
    assert t[1] == e[1]
    (t, e) = _err(lambda lib: build(lib, "GRU")(lib.ones(5, 2, 3, 1)))
    assert t[1] == e[1]                                          # ValueError, 4-D input
    (t, e) = _err(lambda lib: build(lib, "GRU")(lib.ones(5, 2, 3), lib.zeros(1, 4)))
    assert t[1] == e[1]
    (t, e) = _err(lambda lib: lib.nn.GRU(3, 4, proj_size=2))
    assert t[1] == e[1]
    (t, e) = _err(lambda lib: lib.nn.LSTM(3, 4, proj_size=4))
    assert t[1] == e[1]
    (t, e) = _err(lambda lib: lib.nn.RNN(3, 4, nonlinearity="gelu"))
    assert t[1] == e[1]
    (t, e) = _err(lambda lib: lib.nn.LSTM(3, 4)(lib.ones(5, 2, 3, dtype=lib.float64)))
    assert t[1] == e[1]                                          # dtype mismatch
    (t, e) = _err(lambda lib: build(lib, "LSTMCell")(lib.ones(2, 5)))
    assert t[1] == e[1]
    (t, e) = _err(lambda lib: build(lib, "GRUCell")(lib.ones(2, 3), lib.ones(3, 4)))
    assert t[1] == e[1]


# -- nn.utils.rnn ---------------------------------------------------------------------------------
def _chain(fn, depth=4):
    """The names of a node and its first ``depth`` generations (the graph's shape)."""
    if fn is None or depth == 0:
        return None
    return (fn.name(), [_chain(f, depth - 1) for f, _ in fn.next_functions])


def _seqs(lib):
    rng = np.random.default_rng(4)
    return [lib.tensor(rng.standard_normal((n, 2)).astype("f4"), requires_grad=True)
            for n in (2, 4, 1)]


@pytest.mark.parametrize("kw", [{}, dict(batch_first=True, padding_value=-1.0),
                                dict(padding_side="left")])
def test_pad_sequence(kw):
    res = []
    for lib in (torch, ember):
        seqs = _seqs(lib)
        p = lib.nn.utils.rnn.pad_sequence(seqs, **kw)
        (p * lib.arange(p.numel(), dtype=p.dtype).view(p.shape)).sum().backward()
        res.append((p, [s.grad for s in seqs], _chain(p.grad_fn)))
    (tp, tg, tc), (ep, eg, ec) = res
    assert ec == tc and ec[0] == "torch::autograd::CopySlices"
    assert np.array_equal(_np(ep), _np(tp))
    for a, b in zip(tg, eg):
        assert np.array_equal(_np(b), _np(a))


def test_pack_sequence_round_trips():
    for enforce in (False,):
        res = []
        for lib in (torch, ember):
            R = lib.nn.utils.rnn
            seqs = _seqs(lib)
            packed = R.pack_sequence(seqs, enforce_sorted=enforce)
            back = R.unpack_sequence(packed)
            padded, lens = R.pad_packed_sequence(packed, total_length=6)
            # (PyTorch's unpad_sequence transposes its argument in place: give it a clone)
            unpadded = R.unpad_sequence(padded.clone(), lens)
            res.append((packed, back, padded, lens, unpadded))
        (tp, tb, tpad, tl, tu), (ep, eb, epad, el, eu) = res
        for a, b in zip(tp, ep):
            assert np.array_equal(_np(b), _np(a))
        for a, b in zip(tb + tu, eb + eu):
            assert np.array_equal(_np(b), _np(a))
        assert np.array_equal(_np(epad), _np(tpad)) and tuple(epad.shape) == (6, 3, 2)
        assert np.array_equal(_np(el), _np(tl))


def test_packing_errors():
    (t, e) = _err(lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(3, 2, 1), [1, 3]))
    assert t[1] == e[1]
    (t, e) = _err(lambda lib: lib.nn.utils.rnn.pad_packed_sequence(
        lib.nn.utils.rnn.pack_padded_sequence(lib.ones(3, 2, 1), [3, 1]), total_length=2))
    assert t[1] == e[1]
