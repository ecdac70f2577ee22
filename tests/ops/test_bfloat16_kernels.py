"""bfloat16 composites bit for bit against PyTorch's CPU kernels, on 10,000 random values plus
edge values (signed zeros, tiny and huge magnitudes, infinities, NaN), forward and backward.
ember/ops/_reduced.py says which float32 operations each kernel runs; docs/differences.md
names what is left (layer_norm's moments; softmax along a non-last dim or on long rows)."""
import numpy as np
import pytest
import torch

import ember

_EDGE = [0.0, -0.0, 1e-30, -1e-30, 1e30, -1e30, 3.0e38, -3.0e38, float("inf"), float("-inf"),
         float("nan"), 1.0, -1.0, 0.5, -0.5, 3.0, -3.0, 8.0, -8.0, 88.0, -88.0, 100.0, -100.0]


def _values(seed: int, n: int = 10_000, scale: float = 4.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(n) * scale).astype(np.float32)
    return np.concatenate([x, np.array(_EDGE, np.float32)])


def _pair(a: np.ndarray, grad: bool = False):
    t = torch.from_numpy(a).bfloat16().requires_grad_(grad)
    e = ember.from_numpy(a).bfloat16().requires_grad_(grad)
    return t, e


def _same(t, e) -> None:
    """Identical bfloat16 bits (every NaN counts as equal)."""
    assert str(t.dtype) == "torch.bfloat16" and str(e.dtype) == "torch.bfloat16"
    tv = t.detach().float().numpy()
    ev = e.detach().float().numpy()
    assert tv.shape == ev.shape
    nan = np.isnan(tv)
    np.testing.assert_array_equal(np.isnan(ev), nan)
    bad = (tv.view(np.int32) != ev.view(np.int32)) & ~nan
    assert not bad.any(), (f"{int(bad.sum())} of {bad.size} differ, e.g. at "
                           f"{np.argwhere(bad)[:3].tolist()}: torch {tv[bad][:3]}, "
                           f"ember {ev[bad][:3]}")


def _check_unary(tf, ef, a: np.ndarray, backward: bool = True) -> None:
    t, e = _pair(a, backward)
    yt, ye = tf(t), ef(e)
    _same(yt, ye)
    if backward:
        g = np.random.default_rng(99).standard_normal(a.shape).astype(np.float32)
        yt.backward(torch.from_numpy(g).bfloat16())
        ye.backward(ember.from_numpy(g).bfloat16())
        _same(t.grad, e.grad)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu(approximate):
    # 1 + erf / 1 + tanh cancel for negative x: ATen's erf and SLEEF's tanh decide the bits
    _check_unary(lambda x: torch.nn.functional.gelu(x, approximate=approximate),
                 lambda x: ember.nn.functional.gelu(x, approximate=approximate), _values(1))


def test_silu():
    _check_unary(torch.nn.functional.silu, ember.nn.functional.silu, _values(2))


@pytest.mark.parametrize("n", [1, 7, 20, 31, 45])
@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "silu"])
def test_scalar_lanes_of_short_tensors(name, n):
    # fewer than 32 elements (or a tail): PyTorch's scalar form calls glibc's erff, tanhf,
    # expf where its vector form uses ATen's erf and SLEEF's tanh and exp
    fn = {"gelu": lambda m: m.nn.functional.gelu,
          "gelu_tanh": lambda m: lambda x: m.nn.functional.gelu(x, approximate="tanh"),
          "silu": lambda m: m.nn.functional.silu}[name]
    for seed in range(40):
        a = (np.random.default_rng(seed).standard_normal(n) * 4).astype(np.float32)
        _check_unary(fn(torch), fn(ember), a)


@pytest.mark.parametrize("n", [7, 31, 33, 10_000, 40_003])
def test_rsqrt_including_the_scalar_lanes(n):
    # the last n % 32 elements of each chunk go through 1 / std::sqrt(BFloat16)
    rng = np.random.default_rng(n)
    a = np.abs(_values(3, n)[:n]) * np.float32(10.0) ** rng.integers(-30, 30, n)
    _check_unary(torch.rsqrt, ember.rsqrt, a.astype(np.float32))


def test_rsqrt_of_a_strided_view():
    a = np.abs(_values(4)).reshape(-1, 1)[:10_000]
    t, e = _pair(a)
    _same(torch.rsqrt(t[::3]), ember.rsqrt(e[::3]))


@pytest.mark.parametrize("value", [1, 0.3, -2.5])
@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
def test_addcmul_addcdiv(op, value):
    (ta, ea), (tb, eb), (tc, ec) = (_pair(_values(s)) for s in (5, 6, 7))
    _same(getattr(torch, op)(ta, tb, tc, value=value), getattr(ember, op)(ea, eb, ec, value=value))


@pytest.mark.parametrize("w", [0.3, 0.9, "tensor"])
def test_lerp(w):
    (ta, ea), (tb, eb) = _pair(_values(8)), _pair(_values(9))
    if w == "tensor":
        wt, we = _pair(np.random.default_rng(0).uniform(-0.5, 1.5, ta.shape).astype(np.float32))
        _same(torch.lerp(ta, tb, wt), ember.lerp(ea, eb, we))
    else:
        _same(torch.lerp(ta, tb, w), ember.lerp(ea, eb, w))


def _rows(seed: int, shape, scale: float = 2.0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


@pytest.mark.parametrize("seed", [10, 11])
@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_log_softmax(dim, seed):
    # last dim: SLEEF's exp, the vector summation order, the sum and its log in bfloat16
    a = _rows(seed, (40, 50, 5))
    _check_unary(lambda x: torch.log_softmax(x, dim), lambda x: ember.log_softmax(x, dim), a)


@pytest.mark.parametrize("n", [1, 5, 9, 16, 17, 33, 64])
def test_softmax_and_log_softmax_last_dim_row_lengths(n):
    # the sums follow the kernel's vector order, which changes at 8 and 16 elements (softmax
    # on rows of ~100 and more is left: docs/differences.md)
    a = _rows(n, (200, n), 3.0)
    for name in ("softmax", "log_softmax"):
        _check_unary(lambda x: getattr(torch, name)(x, -1),
                     lambda x: getattr(ember, name)(x, -1), a)


def test_prod_orders_its_roundings_as_torch():
    for shape in [(1000, 8), (100, 64), (50, 200), (20, 1000), (5, 70, 3)]:
        a = np.random.default_rng(sum(shape)).uniform(0.75, 1.25, shape).astype(np.float32)
        t, e = _pair(a)
        for dim in range(len(shape)):
            _same(t.prod(dim), e.prod(dim))
            _same(t.prod(dim, keepdim=True), e.prod(dim, keepdim=True))
        b = np.random.default_rng(1).uniform(0.995, 1.005, 5000).astype(np.float32)
        _same(_pair(b)[0].prod(), _pair(b)[1].prod())


@pytest.mark.parametrize("affine", [False, True])
def test_layer_norm(affine):
    a = _rows(12, (64, 4, 48))
    g = _rows(13, a.shape, 1.0)
    t, e = _pair(a, True)
    params = []
    if affine:
        params = [_pair(_rows(s, (4, 48), 1.0), True) for s in (14, 15)]
    tw, tb = (p[0] for p in params) if affine else (None, None)
    ew, eb = (p[1] for p in params) if affine else (None, None)
    yt = torch.nn.functional.layer_norm(t, (4, 48), tw, tb)
    ye = ember.nn.functional.layer_norm(e, (4, 48), ew, eb)
    # the forward's float32 moments come from PyTorch's Welford pass, which ember does not
    # replay: a result may differ (by one bfloat16 ulp) about once in 30,000 elements
    tv, ev = yt.detach().float().numpy(), ye.detach().float().numpy()
    off = tv != ev
    assert off.sum() <= 3
    np.testing.assert_allclose(ev[off], tv[off], rtol=2.0 ** -7)
    yt.backward(torch.from_numpy(g).bfloat16())
    ye.backward(ember.from_numpy(g).bfloat16())
    _same(t.grad, e.grad)
    for (pt, pe) in params:
        _same(pt.grad, pe.grad)


@pytest.mark.parametrize("kw", [dict(lr=1e-3), dict(lr=1e-2, weight_decay=0.1),
                                dict(lr=1e-3, amsgrad=True, maximize=True),
                                dict(lr=3e-3, betas=(0.8, 0.95), eps=1e-6)])
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_steps(name, kw):
    rng = np.random.default_rng(16)
    shapes = [(5003,), (3, 4), (7,)]
    tp, ep = zip(*(_pair(rng.standard_normal(s).astype(np.float32), True) for s in shapes))
    to = getattr(torch.optim, name)(tp, **kw)
    eo = getattr(ember.optim, name)(ep, **kw)
    for _ in range(4):
        for t, e in zip(tp, ep):
            g = (rng.standard_normal(t.shape) * 0.1).astype(np.float32)
            t.grad = torch.from_numpy(g).bfloat16()
            e.grad = ember.from_numpy(g).bfloat16()
        to.step()
        eo.step()
        for t, e in zip(tp, ep):
            _same(t, e)
    for t, e in zip(tp, ep):
        for k in to.state[t]:
            if k != "step":
                _same(to.state[t][k], eo.state[e][k])
