"""relu's one-pass forward (the operand order of ``maximum`` that keeps -0.0) and its
threshold backward, bit for bit against PyTorch over dtypes, sizes and strides."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

DTYPES = ["float16", "float32", "float64", "bfloat16"]


def _values(n: int, seed: int) -> np.ndarray:
    """Signed zeros, infinities and NaNs among normal values."""
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(n)
    v[rng.random(n) < 0.3] = 0.0
    v[(v == 0) & (rng.random(n) < 0.5)] = -0.0
    v[rng.random(n) < 0.05] = -np.inf
    v[rng.random(n) < 0.05] = np.inf
    v[rng.random(n) < 0.05] = np.nan
    return v


def _same_bits(e, t) -> None:
    e = e.detach().to(ember.float64).numpy()
    t = t.detach().to(torch.float64).numpy()
    assert np.array_equal(e, t, equal_nan=True)
    finite = ~np.isnan(e)
    assert np.array_equal(np.signbit(e[finite]), np.signbit(t[finite]))


# sizes that hit a vector body, its tail and a short scalar loop; views that are offset,
# strided and reversed
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 3, 8, 17, 64, 131])
@pytest.mark.parametrize("view", ["all", "offset", "strided", "flipped"])
def test_relu_forward_and_inplace_bits(dtype, n, view):
    v = _values(2 * n + 1, n)
    e = ember.tensor(v, dtype=getattr(ember, dtype))
    t = torch.tensor(v, dtype=getattr(torch, dtype))
    if view == "flipped":
        e, t = e.flip(0), t.flip(0)
    else:
        sl = {"all": slice(None), "offset": slice(1, None), "strided": slice(None, None, 2)}
        e, t = e[sl[view]], t[sl[view]]
    _same_bits(ember.relu(e), torch.relu(t))
    _same_bits(ember.relu_(e.clone()), torch.relu_(t.clone()))


def test_relu_zero_dim_keeps_negative_zero():
    for dtype in DTYPES:
        r = ember.relu(ember.tensor(-0.0, dtype=getattr(ember, dtype)))
        assert np.signbit(r.to(ember.float64).item())


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_backward_matches_threshold_backward(dtype):
    # PyTorch's gradient is 0 where the output is <= 0, so a NaN output passes it on
    v = _values(64, 7)
    g = np.random.default_rng(1).standard_normal(64)
    g[::5] = -0.0
    g[3] = np.nan
    xe = ember.tensor(v, dtype=getattr(ember, dtype), requires_grad=True)
    xt = torch.tensor(v, dtype=getattr(torch, dtype), requires_grad=True)
    ember.relu(xe).backward(ember.tensor(g, dtype=xe.dtype))
    torch.relu(xt).backward(torch.tensor(g, dtype=xt.dtype))
    _same_bits(xe.grad, xt.grad)
    x = ember.tensor([float("nan"), 1.0, -1.0], requires_grad=True)
    ember.relu(x).backward(ember.tensor([2.0, 3.0, 4.0]))
    assert x.grad.tolist() == [2.0, 3.0, 0.0]


def test_relu_order_probe_is_consistent():
    from ember.ops.comparison import _relu_order
    for dt in (np.float16, np.float32, np.float64):
        order = _relu_order(np.dtype(dt))
        x = np.full(40, -0.0, dt)
        if order == 1:
            assert np.signbit(np.maximum(0, x)).all()
        elif order == 2:
            assert np.signbit(np.maximum(x, 0)).all()
