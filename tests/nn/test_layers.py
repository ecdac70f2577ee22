"""Layers against PyTorch: default initialisation bit for bit under the same seed, outputs
and gradients with weights copied from a torch module (float64 tight, float32 at torch's
tolerances), running statistics, dropout masks, reprs and errors."""
from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

rng = np.random.default_rng(7)
TOL = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=1.3e-6, atol=1e-5)}


def outcome(fn, *args):
    try:
        return "ok", fn(*args)
    except Exception as e:  # noqa: BLE001 - the class and message are what we compare
        return type(e).__name__, str(e)


def same_error(fn):
    t, e = outcome(fn, torch), outcome(fn, ember)
    assert t[0] == e[0] != "ok", (t, e)
    assert t[1] == e[1]


def copy_into(tm, em) -> None:
    """Parameters and buffers of torch module ``tm`` copied into ember module ``em``."""
    tsd, esd = tm.state_dict(keep_vars=True), em.state_dict(keep_vars=True)
    assert list(tsd) == list(esd)
    for k in tsd:
        assert tuple(tsd[k].shape) == tuple(esd[k].shape), k
        esd[k]._data[...] = tsd[k].detach().numpy()


def lib_dtype(lib, name):
    return getattr(lib, name)


# -- default initialisation ---------------------------------------------------------------
INITS = {
    "linear": lambda lib, dt: lib.nn.Linear(5, 3, dtype=dt),
    "linear_big": lambda lib, dt: lib.nn.Linear(40, 33, dtype=dt),
    "linear_nobias": lambda lib, dt: lib.nn.Linear(7, 2, bias=False, dtype=dt),
    "two_linears": lambda lib, dt: lib.nn.Sequential(lib.nn.Linear(3, 17, dtype=dt),
                                                     lib.nn.Linear(17, 4, dtype=dt)),
    "bilinear": lambda lib, dt: lib.nn.Bilinear(3, 4, 5, dtype=dt),
    "embedding": lambda lib, dt: lib.nn.Embedding(10, 4, dtype=dt),
    "embedding_big": lambda lib, dt: lib.nn.Embedding(9, 7, padding_idx=-2, dtype=dt),
    "norms": lambda lib, dt: lib.nn.Sequential(
        lib.nn.LayerNorm((2, 3), dtype=dt), lib.nn.BatchNorm1d(3, dtype=dt),
        lib.nn.RMSNorm(4, dtype=dt), lib.nn.GroupNorm(2, 4, dtype=dt)),
}


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("seed", [0, 1234])
@pytest.mark.parametrize("name", sorted(INITS))
def test_default_init_bit_for_bit(name, seed, dt):
    torch.manual_seed(seed)
    tm = INITS[name](torch, lib_dtype(torch, dt))
    t_next = torch.rand(3)
    ember.manual_seed(seed)
    em = INITS[name](ember, lib_dtype(ember, dt))
    e_next = ember.rand(3)
    tsd, esd = tm.state_dict(), em.state_dict()
    assert list(tsd) == list(esd)
    for k in tsd:
        assert str(esd[k].dtype) == str(tsd[k].dtype), k
        np.testing.assert_array_equal(esd[k].numpy(), tsd[k].numpy(), err_msg=k)
    # the generator advanced by exactly as many draws
    np.testing.assert_array_equal(e_next.numpy(), t_next.numpy())


def test_seeding_through_ember_random():
    torch.manual_seed(5)
    t = torch.nn.Linear(4, 4).weight.detach().numpy()
    ember.random.manual_seed(5)
    np.testing.assert_array_equal(ember.nn.Linear(4, 4).weight.detach().numpy(), t)


def test_zero_fan_in_linear_warns_like_torch():
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        tm = torch.nn.Linear(0, 3)
    with warnings.catch_warnings(record=True) as we:
        warnings.simplefilter("always")
        em = ember.nn.Linear(0, 3)
    assert [str(w.message) for w in we] == [str(w.message) for w in wt]
    assert em.bias.tolist() == tm.bias.tolist() == [0.0, 0.0, 0.0]


def test_lazy_linear():
    torch.manual_seed(3)
    tl = torch.nn.LazyLinear(4)
    ty = tl(torch.ones(2, 6))
    ember.manual_seed(3)
    el = ember.nn.LazyLinear(4)
    w_obj = el.weight
    ey = el(ember.ones(2, 6))
    assert type(el) is ember.nn.Linear and el.weight is w_obj
    assert repr(el) == repr(tl)
    np.testing.assert_array_equal(el.weight.detach().numpy(), tl.weight.detach().numpy())
    # the weights come from the RNG stream (exact); the product goes through BLAS, whose
    # float32 sums may round differently on another CPU: a few ulp (README, "Tests")
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    copied = pickle.loads(pickle.dumps(ember.nn.LazyLinear(2)))   # still lazy after a copy
    assert copied(ember.ones(1, 3)).shape == (1, 2) and copied.in_features == 3
    assert not copied._forward_pre_hooks


# -- forward and backward against torch ---------------------------------------------------
def _x(*shape):
    return rng.standard_normal(shape)


CASES = {
    # name: (builder(lib), list of input arrays (or int arrays), train mode)
    "linear_2d": (lambda lib: lib.nn.Linear(4, 3), [_x(5, 4)]),
    "linear_3d": (lambda lib: lib.nn.Linear(4, 3), [_x(2, 5, 4)]),
    "linear_1d": (lambda lib: lib.nn.Linear(4, 3), [_x(4)]),
    "linear_nobias": (lambda lib: lib.nn.Linear(4, 2, bias=False), [_x(3, 4)]),
    "bilinear": (lambda lib: lib.nn.Bilinear(3, 4, 2), [_x(5, 3), _x(5, 4)]),
    "bilinear_nobias": (lambda lib: lib.nn.Bilinear(2, 2, 3, bias=False), [_x(4, 2), _x(4, 2)]),
    "identity": (lambda lib: lib.nn.Identity(54, unused=True), [_x(2, 3)]),
    "flatten": (lambda lib: lib.nn.Flatten(), [_x(2, 3, 4)]),
    "flatten_0_1": (lambda lib: lib.nn.Flatten(0, 1), [_x(2, 3, 4)]),
    "flatten_neg": (lambda lib: lib.nn.Flatten(-2, -1), [_x(2, 3, 4)]),
    "unflatten": (lambda lib: lib.nn.Unflatten(1, (2, 3)), [_x(4, 6)]),
    "unflatten_list": (lambda lib: lib.nn.Unflatten(-1, [3, -1]), [_x(2, 6)]),
    "layer_norm": (lambda lib: lib.nn.LayerNorm(4), [_x(3, 4) * 3 + 1]),
    "layer_norm_2d": (lambda lib: lib.nn.LayerNorm([3, 4], eps=1e-3), [_x(2, 3, 4)]),
    "layer_norm_noaffine": (lambda lib: lib.nn.LayerNorm(4, elementwise_affine=False),
                            [_x(5, 4)]),
    "layer_norm_nobias": (lambda lib: lib.nn.LayerNorm(4, bias=False), [_x(5, 4)]),
    "rms_norm": (lambda lib: lib.nn.RMSNorm(4), [_x(3, 4)]),
    "rms_norm_eps": (lambda lib: lib.nn.RMSNorm([2, 4], eps=1e-2), [_x(3, 2, 4)]),
    "rms_norm_noaffine": (lambda lib: lib.nn.RMSNorm(4, elementwise_affine=False), [_x(2, 4)]),
    "group_norm": (lambda lib: lib.nn.GroupNorm(2, 4), [_x(3, 4, 5)]),
    "group_norm_4d": (lambda lib: lib.nn.GroupNorm(3, 6, eps=1e-3), [_x(2, 6, 2, 2)]),
    "group_norm_noaffine": (lambda lib: lib.nn.GroupNorm(1, 4, affine=False), [_x(2, 4, 3)]),
    "batch_norm_2d": (lambda lib: lib.nn.BatchNorm1d(4), [_x(6, 4) * 2 + 0.5]),
    "batch_norm_3d": (lambda lib: lib.nn.BatchNorm1d(3), [_x(4, 3, 5)]),
    "batch_norm_momentum_none": (lambda lib: lib.nn.BatchNorm1d(3, momentum=None),
                                 [_x(4, 3)]),
    "batch_norm_no_stats": (lambda lib: lib.nn.BatchNorm1d(3, track_running_stats=False),
                            [_x(5, 3)]),
    "batch_norm_noaffine": (lambda lib: lib.nn.BatchNorm1d(3, affine=False), [_x(5, 3)]),
    "batch_norm_nobias": (lambda lib: lib.nn.BatchNorm1d(3, bias=False), [_x(5, 3)]),
    "batch_norm2d": (lambda lib: lib.nn.BatchNorm2d(2), [_x(3, 2, 2, 3)]),
    "embedding": (lambda lib: lib.nn.Embedding(6, 3), [np.array([[0, 2, 5], [2, 2, 1]])]),
    "embedding_pad": (lambda lib: lib.nn.Embedding(6, 3, padding_idx=2),
                      [np.array([0, 2, 5, 2, 4])]),
    "embedding_max_norm": (lambda lib: lib.nn.Embedding(6, 3, max_norm=0.5),
                           [np.array([1, 3, 3, 0])]),
    "dropout_eval": (lambda lib: lib.nn.Dropout(0.4).eval(), [_x(3, 4)]),
    "alpha_dropout_eval": (lambda lib: lib.nn.AlphaDropout(0.4).eval(), [_x(3, 4)]),
}


def _run_case(lib, name, dt, eval_mode=False):
    build, arrays = CASES[name]
    m = build(lib)
    if eval_mode:
        m.eval()
    m.to(getattr(lib, dt))
    ins = []
    for a in arrays:
        if a.dtype.kind == "i":
            ins.append(lib.tensor(a))
        else:
            ins.append(lib.tensor(a, dtype=getattr(lib, dt), requires_grad=True))
    return m, ins


@pytest.mark.parametrize("dt", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_backward_match_torch(name, dt):
    for eval_mode in ((False, True) if "batch_norm" in name else (False,)):
        tm, tin = _run_case(torch, name, dt, eval_mode)
        em, ein = _run_case(ember, name, dt, eval_mode)
        if eval_mode:
            # non-trivial running statistics to normalise with
            with torch.no_grad():
                for b in (tm.running_mean, tm.running_var):
                    if b is not None:
                        b.copy_(torch.rand(b.shape, dtype=b.dtype) + 0.5)
        copy_into(tm, em)
        ty, ey = tm(*tin), em(*ein)
        assert str(ey.dtype) == str(ty.dtype) and tuple(ey.shape) == tuple(ty.shape)
        np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), **TOL[dt])
        g = rng.standard_normal(tuple(ty.shape))
        ty.backward(torch.tensor(g, dtype=ty.dtype))
        ey.backward(ember.tensor(g, dtype=ey.dtype))
        for a, b in zip(tin, ein):
            if a.requires_grad:
                np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), **TOL[dt])
        tp, ep = dict(tm.named_parameters()), dict(em.named_parameters())
        assert list(tp) == list(ep)
        for k in tp:
            if tp[k].grad is None:
                assert ep[k].grad is None, k
            else:
                np.testing.assert_allclose(ep[k].grad.numpy(), tp[k].grad.numpy(),
                                           err_msg=k, **TOL[dt])
        # buffers (running statistics) and in-place weight renormalisation agree too
        for (k, a), (_, b) in zip(tm.state_dict().items(), em.state_dict().items()):
            np.testing.assert_allclose(b.numpy(), a.numpy(), err_msg=k, **TOL[dt])


@pytest.mark.parametrize("momentum", [0.1, 0.7, None])
@pytest.mark.parametrize("dt", ["float64", "float32"])
def test_batch_norm_running_stats_over_steps(momentum, dt):
    tm = torch.nn.BatchNorm1d(3, momentum=momentum, dtype=getattr(torch, dt))
    em = ember.nn.BatchNorm1d(3, momentum=momentum, dtype=getattr(ember, dt))
    for step in range(6):
        x = _x(8, 3) * (step + 1) + step
        tm(torch.tensor(x, dtype=getattr(torch, dt)))
        em(ember.tensor(x, dtype=getattr(ember, dt)))
        for k, v in tm.state_dict().items():
            e = em.state_dict()[k]
            assert str(e.dtype) == str(v.dtype)
            np.testing.assert_allclose(e.numpy(), v.numpy(), err_msg=k, **TOL[dt])
    assert em.num_batches_tracked.item() == 6
    tm.eval()
    em.eval()
    x = _x(4, 3)
    np.testing.assert_allclose(em(ember.tensor(x, dtype=getattr(ember, dt))).detach().numpy(),
                               tm(torch.tensor(x, dtype=getattr(torch, dt))).detach().numpy(),
                               **TOL[dt])
    assert em.num_batches_tracked.item() == 6     # eval mode does not count batches


def test_batch_norm_reset():
    em = ember.nn.BatchNorm1d(2)
    em(ember.randn(4, 2))
    em.reset_parameters()
    assert em.running_mean.tolist() == [0, 0] and em.running_var.tolist() == [1, 1]
    assert em.num_batches_tracked.item() == 0


# -- dropout ------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 1.0])
@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_dropout_masks_match_torch(p, dt):
    x = rng.standard_normal((7, 9)) + 3
    outs = []
    for lib in (torch, ember):
        lib.manual_seed(11)
        d = lib.nn.Dropout(p)
        xt = lib.tensor(x, dtype=getattr(lib, dt), requires_grad=True)
        y1 = d(xt)
        y2 = d(xt)   # a second call draws a fresh mask
        y1.sum().backward()
        d.eval()
        y3 = d(xt)
        outs.append([y1.detach().numpy().copy(), y2.detach().numpy().copy(),
                     xt.grad.numpy().copy(), y3.detach().numpy().copy()])
    for a, b in zip(*outs):
        np.testing.assert_array_equal(b, a)
    assert not np.array_equal(outs[1][0], outs[1][1]) or p in (0.0, 1.0)


def test_dropout_inplace_and_channelwise():
    x = rng.standard_normal((4, 5, 3))
    outs = []
    for lib in (torch, ember):
        lib.manual_seed(2)
        a = lib.tensor(x)
        lib.nn.Dropout(0.3, inplace=True)(a)
        b = lib.nn.Dropout1d(0.5)(lib.tensor(x))
        c = lib.nn.Dropout2d(0.5)(lib.tensor(x).unsqueeze(-1))
        outs.append([a.numpy(), b.numpy(), c.numpy()])
    for a, b in zip(*outs):
        np.testing.assert_array_equal(b, a)


# -- embedding ----------------------------------------------------------------------------
def test_embedding_from_pretrained():
    w = rng.standard_normal((4, 3))
    for lib in (torch, ember):
        src = lib.tensor(w)
        e = lib.nn.Embedding.from_pretrained(src)
        assert not e.weight.requires_grad
        assert e.weight.data_ptr() == src.data_ptr()
        e2 = lib.nn.Embedding.from_pretrained(src, freeze=False, padding_idx=1, max_norm=2.0)
        assert e2.weight.requires_grad and e2.padding_idx == 1
        np.testing.assert_array_equal(e(lib.tensor([1, 3])).detach().numpy(), w[[1, 3]])
    assert repr(ember.nn.Embedding.from_pretrained(ember.tensor(w), padding_idx=-1)) == \
        repr(torch.nn.Embedding.from_pretrained(torch.tensor(w), padding_idx=-1))


def test_embedding_padding_row_gets_no_gradient():
    e = ember.nn.Embedding(5, 2, padding_idx=0)
    assert e.weight[0].tolist() == [0.0, 0.0]
    e(ember.tensor([0, 0, 3])).sum().backward()
    assert e.weight.grad[0].tolist() == [0.0, 0.0] and e.weight.grad[3].tolist() == [1.0, 1.0]


# -- reprs and errors ---------------------------------------------------------------------
REPRS = [
    lambda lib: lib.nn.Linear(3, 4), lambda lib: lib.nn.Linear(3, 4, bias=False),
    lambda lib: lib.nn.Bilinear(2, 3, 4), lambda lib: lib.nn.Identity(),
    lambda lib: lib.nn.Flatten(), lambda lib: lib.nn.Flatten(0, 2),
    lambda lib: lib.nn.Unflatten(1, (2, 3)), lambda lib: lib.nn.Unflatten(-1, [4, 2]),
    lambda lib: lib.nn.Dropout(), lambda lib: lib.nn.Dropout(0.25, inplace=True),
    lambda lib: lib.nn.Dropout2d(0.1), lambda lib: lib.nn.AlphaDropout(0.2),
    lambda lib: lib.nn.Embedding(10, 3), lambda lib: lib.nn.Embedding(
        10, 3, padding_idx=-1, max_norm=1.5, norm_type=1.0, scale_grad_by_freq=True),
    lambda lib: lib.nn.LayerNorm(4), lambda lib: lib.nn.LayerNorm([2, 3], eps=1e-6,
                                                                   elementwise_affine=False),
    lambda lib: lib.nn.LayerNorm(3, bias=False),
    lambda lib: lib.nn.RMSNorm(4), lambda lib: lib.nn.RMSNorm([2, 2], eps=1e-5),
    lambda lib: lib.nn.GroupNorm(2, 4), lambda lib: lib.nn.GroupNorm(1, 3, affine=False),
    lambda lib: lib.nn.BatchNorm1d(3), lambda lib: lib.nn.BatchNorm1d(
        3, eps=1e-3, momentum=None, affine=False, track_running_stats=False),
    lambda lib: lib.nn.BatchNorm2d(5, bias=False), lambda lib: lib.nn.BatchNorm3d(2),
]


@pytest.mark.parametrize("i", range(len(REPRS)))
def test_layer_repr(i):
    assert repr(REPRS[i](ember)) == repr(REPRS[i](torch))


ERRORS = [
    lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(2, 3, 4, 5)),
    lambda lib: lib.nn.BatchNorm2d(3)(lib.ones(2, 3)),
    lambda lib: lib.nn.BatchNorm3d(3)(lib.ones(2, 3)),
    lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(1, 3)),
    lambda lib: lib.nn.GroupNorm(3, 4),
    lambda lib: lib.nn.Unflatten(1, 6),
    lambda lib: lib.nn.Unflatten(1, (2, 3.0)),
    lambda lib: lib.nn.Embedding(4, 2, padding_idx=4),
    lambda lib: lib.nn.Embedding(4, 2, padding_idx=-5),
    lambda lib: lib.nn.Embedding(4, 2, _weight=lib.ones(3, 2)),
    lambda lib: lib.nn.Embedding.from_pretrained(lib.ones(3)),
    lambda lib: lib.nn.Dropout(1.5),
    lambda lib: lib.nn.Dropout(-0.1),
    lambda lib: lib.nn.Bilinear(0, 2, 2),
    lambda lib: lib.nn.Linear(3, 2)(lib.ones(2, 4)),
    lambda lib: lib.nn.LayerNorm(4)(lib.ones(2, 3)),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_layer_errors_match_torch(i):
    same_error(ERRORS[i])


@pytest.mark.parametrize("n,count,repeat", [(65, 768, None), (64, 768, "tile"), (5, 200, "one"),
                                            (300, 72, None), (3, 40, None)])
def test_embedding_backward_bit_identical_to_torch(n, count, repeat):
    """The weight gradient adds each row's terms in PyTorch's order (equal bit for bit),
    whether indices repeat a few times, evenly, or one index fills the batch."""
    r = np.random.default_rng(count + n)
    idx = {"tile": np.tile(np.arange(n), count // n), "one": np.full(count, 2),
           None: r.integers(0, n, count)}[repeat]
    g = r.standard_normal((idx.size, 24)).astype(np.float32)
    grads = []
    for lib in (ember, torch):
        w = lib.zeros(n, 24, requires_grad=True)
        lib.nn.functional.embedding(lib.tensor(idx.reshape(-1, 8)), w).backward(
            lib.tensor(g.reshape(-1, 8, 24)))
        grads.append(w.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
