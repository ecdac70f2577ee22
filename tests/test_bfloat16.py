"""bfloat16: promotion, printing, casts, and arithmetic as PyTorch's CPU kernels compute it
(float32 inside, one rounding to bfloat16 at the end)."""
import numpy as np
import pytest
import torch

import ember

_RNG = np.random.default_rng(0)
A = _RNG.uniform(0.1, 2, (3, 4)).astype(np.float32)
B = _RNG.uniform(0.1, 2, (3, 4)).astype(np.float32)
_DT = ["float16", "bfloat16", "float32", "float64", "int64", "int32", "uint8", "bool",
       "complex64", "complex128"]


def bf(m, x):
    return m.tensor(x).to(m.bfloat16)


def same(e, t, ulp: int = 0):
    """Equal dtype and shape; values equal (or within ``ulp`` bfloat16 ulps)."""
    assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape)
    cast = (lambda v: v.float()) if e.dtype == ember.bfloat16 else (lambda v: v)
    ev, tv = cast(e.detach()).numpy(), cast(t.detach()).numpy()
    if ulp == 0:
        np.testing.assert_array_equal(ev, tv)
    else:
        np.testing.assert_allclose(ev, tv, rtol=ulp * 2.0 ** -7, atol=0)


@pytest.mark.parametrize("a", _DT)
@pytest.mark.parametrize("b", _DT)
def test_promote_types(a, b):
    want = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert repr(ember.promote_types(getattr(ember, a), getattr(ember, b))) == repr(want)


def test_dtype_attributes_and_finfo():
    d = ember.bfloat16
    assert repr(d) == "torch.bfloat16" and d.is_floating_point and d.itemsize == 2
    assert repr(ember.finfo(d)) == repr(torch.finfo(torch.bfloat16))
    assert ember.finfo(d).eps == torch.finfo(torch.bfloat16).eps
    assert bf(ember, A).type() == "torch.BFloat16Tensor"
    assert bf(ember, A).is_floating_point() and bf(ember, A).element_size() == 2


@pytest.mark.parametrize("make", [
    lambda m: bf(m, A),
    lambda m: m.tensor(3.0, dtype=m.bfloat16),
    lambda m: m.tensor([1e-5, 3e4, -2.5], dtype=m.bfloat16),
    lambda m: m.arange(6, dtype=m.bfloat16).reshape(2, 3) / 3,
    lambda m: m.tensor([[1, 2], [3, 4]]).bfloat16(),
    lambda m: m.zeros(2, 0, dtype=m.bfloat16),
])
def test_printing(make):
    assert repr(make(ember)) == repr(make(torch))


def test_casts():
    x = np.array([1.0009765625, -2.7, 65504.0, 3.3e38, float("nan"), 3.999], np.float32)
    same(ember.tensor(x).bfloat16(), torch.tensor(x).bfloat16())     # round to nearest even
    same(bf(ember, A * 10).long(), bf(torch, A * 10).long())
    same(bf(ember, A).double(), bf(torch, A).double())
    same(bf(ember, A).half(), bf(torch, A).half())
    same(ember.tensor([1, 2, 300]).to(ember.bfloat16), torch.tensor([1, 2, 300]).bfloat16())
    assert ember.tensor([1.5], dtype=ember.bfloat16).item() == 1.5


_UNARY = "abs neg exp log sqrt sin cos tanh sigmoid relu floor ceil round trunc reciprocal " \
         "exp2 expm1 log1p log2 log10 sign square erf frac atan asin acos sinh cosh".split()


@pytest.mark.parametrize("name", _UNARY)
def test_unary(name):
    same(getattr(ember, name)(bf(ember, A)), getattr(torch, name)(bf(torch, A)))


@pytest.mark.parametrize("name", "add sub mul div pow maximum minimum atan2 fmod remainder "
                                 "eq lt ge".split())
def test_binary(name):
    same(getattr(ember, name)(bf(ember, A), bf(ember, B)),
         getattr(torch, name)(bf(torch, A), bf(torch, B)))


@pytest.mark.parametrize("f", [
    lambda m: bf(m, A) * 3.3 + 1,                # the scalar stays float32, not rounded first
    lambda m: 2.7 / bf(m, A),
    lambda m: bf(m, A) + m.tensor(B),             # -> float32
    lambda m: bf(m, A) * m.tensor([1, 2, 3, 4]),   # -> bfloat16
    lambda m: bf(m, A) * m.tensor(B).half(),      # -> float32
    lambda m: bf(m, A) + m.tensor(2.5, dtype=m.float64),   # 0-d does not promote
    lambda m: bf(m, A) + 1j,
    lambda m: m.where(bf(m, A) > 1, bf(m, A), 0.0),
    lambda m: bf(m, A).clamp(0.5, 1.5),
    lambda m: m.cat([bf(m, A), bf(m, B)]),
    lambda m: bf(m, A)[m.tensor([0, 2])],
])
def test_mixed(f):
    same(f(ember), f(torch))


@pytest.mark.parametrize("name", "sum mean amax amin max min std var norm cumsum softmax "
                                 "argmax".split())
def test_reductions(name):
    if name in ("cumsum", "softmax"):
        same(getattr(ember, name)(bf(ember, A), 1), getattr(torch, name)(bf(torch, A), 1))
        return
    same(getattr(ember, name)(bf(ember, A)), getattr(torch, name)(bf(torch, A)))
    e, t = getattr(ember, name)(bf(ember, A), 1), getattr(torch, name)(bf(torch, A), 1)
    same(e if name not in ("max", "min") else e[0], t if name not in ("max", "min") else t[0])


def test_sum_accumulates_in_float32():
    x = np.full(1000, 1.0, np.float32)   # in bfloat16 steps the sum would stop at 256
    same(ember.tensor(x).bfloat16().sum(), torch.tensor(x).bfloat16().sum())


def test_matmul_and_linear():
    x = _RNG.standard_normal((5, 33)).astype(np.float32)
    w = _RNG.standard_normal((7, 33)).astype(np.float32)
    b = _RNG.standard_normal(7).astype(np.float32)
    same(bf(ember, x) @ bf(ember, w).T, bf(torch, x) @ bf(torch, w).T, ulp=1)
    same(ember.nn.functional.linear(bf(ember, x), bf(ember, w), bf(ember, b)),
         torch.nn.functional.linear(bf(torch, x), bf(torch, w), bf(torch, b)), ulp=1)
    same(ember.bmm(bf(ember, x)[None], bf(ember, w).T[None]),
         torch.bmm(bf(torch, x)[None], bf(torch, w).T[None]), ulp=1)


def test_linear_module_and_autograd():
    ember.manual_seed(0)
    torch.manual_seed(0)
    layers = [m.nn.Linear(4, 3).bfloat16() for m in (ember, torch)]
    assert layers[0].weight.dtype == ember.bfloat16
    outs = []
    for m, lin in zip((ember, torch), layers):
        x = bf(m, A).requires_grad_()
        y = (lin(x).tanh() * x[:, :3]).sum()
        y.backward()
        outs.append((y, x.grad, lin.weight.grad))
    # each backward step rounds to bfloat16, as in PyTorch, but formulas group terms
    # differently: two ulps
    for e, t in zip(*outs):
        same(e, t, ulp=2)


def test_double_rounds_through_float32_as_torch():
    v = np.array([9.21874986, 1.00390625 + 1e-12, -3.0078125000001])
    for conv in (lambda m: m.tensor(v.tolist(), dtype=m.bfloat16),
                 lambda m: m.tensor(v, dtype=m.bfloat16),
                 lambda m: m.tensor(v).to(m.bfloat16)):
        same(conv(ember), conv(torch))


def test_cast_to_bfloat16_keeps_the_graph():
    for m in (ember, torch):
        x = m.tensor([1.5, -2.25], requires_grad=True)
        y = x.bfloat16()
        assert type(y.grad_fn).__name__ == "ToCopyBackward0"
        (y * y).sum().backward()
        assert x.grad.dtype == m.float32 and x.grad.tolist() == [3.0, -4.5]


def test_requires_grad_and_module_cast():
    x = ember.ones(2, dtype=ember.bfloat16, requires_grad=True)
    assert x.requires_grad
    p = ember.nn.Parameter(ember.ones(2, dtype=ember.bfloat16))
    assert p.requires_grad and p.dtype == ember.bfloat16
    net = ember.nn.Sequential(ember.nn.Linear(2, 2), ember.nn.ReLU()).bfloat16().float()
    assert net[0].weight.dtype == ember.float32


def test_numpy_roundtrip():
    t = bf(ember, A)
    arr = t.numpy()
    assert str(arr.dtype) == "bfloat16"
    assert ember.from_numpy(arr).dtype == ember.bfloat16


@pytest.mark.parametrize("n", [5, 16, 37])
@pytest.mark.parametrize("draw", [
    lambda m, n: m.randn(n, dtype=m.bfloat16),
    lambda m, n: m.rand(n, dtype=m.bfloat16),
    lambda m, n: m.empty(n, dtype=m.bfloat16).uniform_(-2, 3),
    lambda m, n: m.empty(n, dtype=m.bfloat16).normal_(1, 2),
    lambda m, n: m.randint(0, 1000, (n,), dtype=m.bfloat16),
    lambda m, n: m.empty(n, dtype=m.bfloat16).random_(),
    lambda m, n: m.empty(n, dtype=m.bfloat16).bernoulli_(0.3),
    lambda m, n: m.empty(n, dtype=m.bfloat16).exponential_(),
    lambda m, n: m.randperm(n, dtype=m.bfloat16),
    lambda m, n: m.nn.functional.dropout(m.ones(n, dtype=m.bfloat16), 0.3),
    lambda m, n: m.nn.Linear(n, 3, dtype=m.bfloat16).weight,
])
def test_random_streams(draw, n):
    out = []
    for m in (ember, torch):
        m.manual_seed(0)
        out.append((draw(m, n), m.rand(3)))     # and the stream continues alike
    for e, t in zip(*out):
        same(e, t)


_X = _RNG.uniform(0.1, 2, 500).astype(np.float32)


@pytest.mark.parametrize("s", [1.3, 0.3337, 1e-3])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "add_", "sub_", "mul_", "div_",
                                "__rsub__", "__radd__", "__rmul__", "__rtruediv__", "pow",
                                "__rpow__"])
def test_scalar_arithmetic_rounds_as_torch(op, s):
    # PyTorch rounds the scalar to bfloat16 first for + and -, keeps it float32 for * and /
    same(getattr(bf(ember, _X), op)(s), getattr(bf(torch, _X), op)(s))


@pytest.mark.parametrize("f", [
    lambda m: m.lerp(bf(m, A), bf(m, B), 0.3),
    lambda m: m.lerp(bf(m, A), bf(m, B), 0.7),
    lambda m: bf(m, A).add_(bf(m, B)),
    lambda m: m.nn.functional.cross_entropy(bf(m, A), m.tensor([0, 1, 2])),
    lambda m: m.nn.functional.mse_loss(bf(m, A), bf(m, B)),
])
def test_more_ops(f):
    same(f(ember), f(torch))
