"""Activation functions and modules against PyTorch: values (also at +-1e4), gradients of
every order, grad_fn names, in-place variants, reprs and errors."""
from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import ember
from test_functional import (Case, F, case_params, check, numeric_gradcheck,
                             raises_like_torch)

torch = pytest.importorskip("torch")

rng = np.random.default_rng(1)


def _away(*shape, lo=0.2, hi=3.0):
    # kept away from 0 (and from the +-3 and +-1 corners below) so finite differences do not
    # cross kinks
    x = rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)
    return np.where(np.abs(np.abs(x) - 1) < 0.1, x * 1.3, x)


X = _away(3, 4)
X_WIDE = rng.uniform(-6, 6, (3, 5))
X_WIDE[np.abs(np.abs(X_WIDE) - 3) < 0.1] += 0.3

ACTS = {
    "relu": lambda T, x: F(T).relu(x),
    "gelu": lambda T, x: F(T).gelu(x),
    "gelu_tanh": lambda T, x: F(T).gelu(x, approximate="tanh"),
    "silu": lambda T, x: F(T).silu(x),
    "mish": lambda T, x: F(T).mish(x),
    "elu": lambda T, x: F(T).elu(x, 0.7),
    "selu": lambda T, x: F(T).selu(x),
    "celu": lambda T, x: F(T).celu(x, 1.3),
    "leaky_relu": lambda T, x: F(T).leaky_relu(x, 0.2),
    "relu6": lambda T, x: F(T).relu6(x * 4),
    "hardtanh": lambda T, x: F(T).hardtanh(x, -1.5, 0.5),
    "hardsigmoid": lambda T, x: F(T).hardsigmoid(x),
    "hardswish": lambda T, x: F(T).hardswish(x),
    "logsigmoid": lambda T, x: F(T).logsigmoid(x),
    "softplus": lambda T, x: F(T).softplus(x),
    "softplus_beta": lambda T, x: F(T).softplus(x, 2.0, 3.0),
    "softsign": lambda T, x: F(T).softsign(x),
    "tanhshrink": lambda T, x: F(T).tanhshrink(x),
    "threshold": lambda T, x: F(T).threshold(x, 0.5, -2.0),
    "sigmoid": lambda T, x: F(T).sigmoid(x),
    "tanh": lambda T, x: F(T).tanh(x),
    "hardshrink": lambda T, x: F(T).hardshrink(x, 0.7),
    "softshrink": lambda T, x: F(T).softshrink(x, 0.7),
    "rrelu_eval": lambda T, x: F(T).rrelu(x, 0.1, 0.4),
    "glu": lambda T, x: F(T).glu(x),
    "glu_dim0": lambda T, x: F(T).glu(x[:2], 0),
}

# (PyTorch has no double backward for hardsigmoid)
CASES = [Case(n, fn, (X_WIDE if n.startswith("hard") or n == "relu6" else X,),
              second_order=n != "hardsigmoid") for n, fn in ACTS.items()]
CASES += [
    Case("prelu_shared", lambda T, x, w: F(T).prelu(x, w), (X, np.array([0.3]))),
    Case("prelu_channels", lambda T, x, w: F(T).prelu(x, w), (_away(2, 3, 2), _away(3))),
    Case("prelu_1d_input", lambda T, x, w: F(T).prelu(x, w), (_away(4), np.array([0.2]))),
    Case("prelu_0d_input", lambda T, x, w: F(T).prelu(x, w), (np.array(-0.7), np.array([0.2]))),
    Case("gelu_3d", lambda T, x: F(T).gelu(x), (_away(2, 2, 3),)),
]


@pytest.mark.parametrize("case,dtype", case_params(CASES))
def test_against_torch(case, dtype):
    check(case, dtype)


@pytest.mark.parametrize("case", case_params(CASES, False))
def test_numeric_gradcheck(case):
    numeric_gradcheck(case)


EXTREME = np.array([-1e4, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1e4])


@pytest.mark.parametrize("name", sorted(ACTS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stable_at_extremes(name, dtype):
    """No overflow, nan or warning at +-1e4; values and gradients equal PyTorch's."""
    fn = ACTS[name]
    x = EXTREME[:8] if name.startswith("glu") else EXTREME
    if name == "glu_dim0":
        x = x.reshape(2, 4)
    tx = torch.tensor(x.astype(dtype), requires_grad=True)
    ex = ember.tensor(x.astype(dtype), requires_grad=True)
    t = fn(torch, tx)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        e = fn(ember, ex)
        e.sum().backward()
    t.sum().backward()
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == "float64" else dict(rtol=1.3e-6, atol=1e-5)
    assert e.dtype == getattr(ember, dtype)
    assert np.all(np.isfinite(e._data)) and np.all(np.isfinite(ex.grad._data))
    np.testing.assert_allclose(e._data, t.detach().numpy(), **tol)
    np.testing.assert_allclose(ex.grad._data, tx.grad.numpy(), **tol)


INPLACE = {
    "relu": lambda T, x: F(T).relu(x, inplace=True),
    "elu": lambda T, x: F(T).elu(x, 0.5, inplace=True),
    "selu": lambda T, x: F(T).selu(x, inplace=True),
    "celu": lambda T, x: F(T).celu(x, 2.0, inplace=True),
    "leaky_relu": lambda T, x: F(T).leaky_relu(x, 0.1, inplace=True),
    "hardtanh": lambda T, x: F(T).hardtanh(x, inplace=True),
    "relu6": lambda T, x: F(T).relu6(x, inplace=True),
    "threshold": lambda T, x: F(T).threshold(x, 0.1, 2.0, inplace=True),
    "threshold_": lambda T, x: F(T).threshold_(x, 0.1, 2.0),
    "silu": lambda T, x: F(T).silu(x, inplace=True),
    "mish": lambda T, x: F(T).mish(x, inplace=True),
    "hardsigmoid": lambda T, x: F(T).hardsigmoid(x, inplace=True),
    "hardswish": lambda T, x: F(T).hardswish(x, inplace=True),
    "rrelu_eval": lambda T, x: F(T).rrelu(x, inplace=True),
    "elu_": lambda T, x: F(T).elu_(x),
    "leaky_relu_": lambda T, x: F(T).leaky_relu_(x),
    "hardtanh_": lambda T, x: F(T).hardtanh_(x, -0.5, 0.5),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace(name):
    """In place on a non-leaf: same object, values, grad_fn name (EluBackward1...) and
    gradients as PyTorch; on a leaf that requires grad: PyTorch's error."""
    fn = INPLACE[name]
    res = {}
    for lib in (torch, ember):
        leaf = lib.tensor(X * 2, requires_grad=True)
        y = leaf * 1.5
        r = fn(lib, y)
        assert r is y
        r.sum().backward()
        res[lib.__name__] = (r, leaf.grad)
    (tr, tg), (er, eg) = res["torch"], res["ember"]
    assert er.grad_fn.name() == tr.grad_fn.name()
    np.testing.assert_allclose(er._data, tr.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(eg._data, tg.numpy(), rtol=1e-12)
    raises_like_torch(lambda T, x: fn(T, x.requires_grad_()), X)
    # without autograd the input is overwritten and its version bumped
    x = ember.tensor(X.copy())
    v = x._version
    fn(ember, x)
    np.testing.assert_allclose(x._data, fn(torch, torch.tensor(X)).numpy(), rtol=1e-12)
    assert x._version > v


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rrelu_training_draws_as_torch(dtype):
    x = rng.standard_normal((6, 7)).astype(dtype)
    torch.manual_seed(11)
    ember.manual_seed(11)
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    t = F(torch).rrelu(tx, 0.1, 0.5, training=True)
    e = F(ember).rrelu(ex, 0.1, 0.5, training=True)
    np.testing.assert_allclose(e._data, t.detach().numpy(), rtol=1e-6 if dtype == "float32"
                               else 1e-12)
    assert e.grad_fn.name() == t.grad_fn.name()
    assert torch.rand(1).item() == ember.rand(1).item()


def test_integer_inputs():
    xi = np.arange(-3, 4)
    for name in ("hardtanh", "relu6", "threshold", "softsign", "tanhshrink", "sigmoid",
                 "tanh", "relu"):
        t = ACTS[name](torch, torch.tensor(xi))
        e = ACTS[name](ember, ember.tensor(xi))
        assert str(e.dtype) == str(t.dtype), name
        np.testing.assert_allclose(e._data, t.numpy(), rtol=1e-6, err_msg=name)
    for name in ("gelu", "silu", "mish", "elu", "selu", "celu", "leaky_relu", "hardsigmoid",
                 "hardswish", "logsigmoid", "softplus", "hardshrink", "softshrink", "glu"):
        raises_like_torch(lambda T, x: ACTS[name](T, x.long()), X)


def test_errors():
    raises_like_torch(lambda T, x: F(T).glu(x[:, :3]), X)
    raises_like_torch(lambda T, x: F(T).glu(x[0, 0]), X)
    raises_like_torch(lambda T, x: F(T).glu(x, 2), X)
    raises_like_torch(lambda T, x: F(T).gelu(x, approximate="foo"), X)
    raises_like_torch(lambda T, x: F(T).celu(x, 0.0), X)
    raises_like_torch(lambda T, x: F(T).hardtanh(x, 2.0, 1.0), X)
    raises_like_torch(lambda T, x: F(T).softshrink(x, -1.0), X)
    raises_like_torch(lambda T, x: F(T).prelu(x, T.ones(3)), X)
    raises_like_torch(lambda T, x: F(T).prelu(x, T.ones(2, 2)), X)
    raises_like_torch(lambda T, x: F(T).prelu(x[0], T.ones(4)), X)
    raises_like_torch(lambda T, x: F(T).prelu(x, T.ones(1, dtype=T.float64)), X)


# -- modules ------------------------------------------------------------------------------------
MODULES = [
    ("ReLU", (), {}), ("ReLU", (True,), {}), ("ReLU6", (), {}), ("ReLU6", (True,), {}),
    ("LeakyReLU", (0.2,), {}), ("LeakyReLU", (), {"inplace": True}),
    ("PReLU", (), {}), ("PReLU", (3, 0.1), {}),
    ("ELU", (), {}), ("ELU", (0.5, True), {}), ("SELU", (), {}), ("SELU", (True,), {}),
    ("CELU", (2.0,), {}), ("GELU", (), {}), ("GELU", ("tanh",), {}),
    ("SiLU", (), {}), ("SiLU", (True,), {}), ("Mish", (), {}), ("Sigmoid", (), {}),
    ("Tanh", (), {}), ("Softplus", (), {}), ("Softplus", (2, 10), {}), ("Softsign", (), {}),
    ("Hardtanh", (), {}), ("Hardtanh", (-2, 3), {}), ("Hardtanh", (-2.0, 3.0, True), {}),
    ("Hardsigmoid", (), {}), ("Hardsigmoid", (True,), {}), ("Hardswish", (), {}),
    ("LogSigmoid", (), {}), ("Softmax", (), {}), ("Softmax", (1,), {}),
    ("LogSoftmax", (-1,), {}), ("Softmin", (0,), {}), ("Threshold", (0.1, 20), {}),
    ("Threshold", (0.1, 20.0, True), {}), ("GLU", (), {}), ("GLU", (0,), {}),
    ("Tanhshrink", (), {}), ("Hardshrink", (0.3,), {}), ("Softshrink", (), {}),
    ("RReLU", (0.1, 0.3), {}), ("RReLU", (), {"inplace": True}), ("Softmax2d", (), {}),
]


@pytest.mark.parametrize("name,args,kwargs", MODULES,
                         ids=[f"{n}{a}{k}" for n, a, k in MODULES])
def test_module_repr_and_forward(name, args, kwargs):
    tm = getattr(torch.nn, name)(*args, **kwargs)
    em = getattr(ember.nn, name)(*args, **kwargs)
    assert repr(em) == repr(tm)
    assert sorted(em.state_dict()) == sorted(tm.state_dict())
    tm.eval()
    em.eval()
    x = X_WIDE[:2, :4].astype(np.float32)
    x = x.reshape(2, 2, 2) if name == "Softmax2d" else x
    x = x[:, :3] if name == "PReLU" and args else x
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = tm(torch.tensor(x))
        e = em(ember.tensor(x))
    np.testing.assert_allclose(e._data, t.detach().numpy(), rtol=1.3e-6, atol=1e-5)


def test_prelu_module_learns_like_torch():
    tm, em = torch.nn.PReLU(3, 0.2).double(), ember.nn.PReLU(3, 0.2).double()
    assert em.weight.dtype == ember.float64 and em.init == 0.2
    x = _away(4, 3)
    tm(torch.tensor(x)).pow(2).sum().backward()
    em(ember.tensor(x)).pow(2).sum().backward()
    np.testing.assert_allclose(em.weight.grad._data, tm.weight.grad.numpy(), rtol=1e-12)
    assert em.weight.shape == tm.weight.shape


def test_module_misc():
    with pytest.raises(AssertionError, match="must be greater than min_val"):
        ember.nn.Hardtanh(1.0, 1.0)
    with pytest.warns(FutureWarning, match="min_value"):
        m = ember.nn.Hardtanh(min_value=-3.0)
    assert m.min_val == -3.0
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D"):
        ember.nn.Softmax2d()(ember.ones(3))
    m = pickle.loads(pickle.dumps(ember.nn.Softmax(1)))
    assert m.dim == 1 and repr(m) == "Softmax(dim=1)"
    assert repr(ember.nn.Sequential(ember.nn.Linear(2, 3), ember.nn.GELU("tanh"),
                                    ember.nn.Softmax(-1))) == \
        repr(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.GELU("tanh"),
                                 torch.nn.Softmax(-1)))


def _exact_gelu(x: np.ndarray) -> np.ndarray:
    import math
    x64 = x.astype(np.float64)
    cdf = np.array([0.5 * math.erfc(-v / math.sqrt(2)) if v == v else v for v in x64.tolist()])
    with np.errstate(invalid="ignore"):
        return x64 * cdf


def test_gelu_float32_fit():
    """The float32 CDF's fit: Phi(-x) / (t exp(-x^2 / 2)) as the stored polynomial in
    u = s t + o, t = 1 / (1 + p |x|), within 5e-8 (under a float32 ulp) with the coefficients
    rounded to float32, over the range where Phi is a float32."""
    import math

    from ember.ops import activation as A
    p, s, o = (float(v) for v in (A._PHI_P, A._PHI_S, A._PHI_O))
    c = np.array(A._PHI_C, dtype=np.float64)
    x = np.linspace(0, 14.2, 5001)
    t = 1 / (1 + p * x)
    fit = np.polynomial.polynomial.polyval(s * t + o, c)
    want = np.array([0.5 * math.erfc(v / math.sqrt(2)) for v in x]) / (t * np.exp(-x * x / 2))
    assert np.abs(fit / want - 1).max() < 5e-8


def test_gelu_float32_accuracy():
    """float32 GELU on many values: within a few ulp of the exact value (PyTorch's own kernel
    is off by up to 48 ulp for |x| < 2 and loses the negative tail entirely), within 2 ulp or
    4e-7 (PyTorch's own error) of PyTorch's everywhere, PyTorch's NaN/inf at the special
    values, and its gradient."""
    r = np.random.default_rng(5)
    x = np.concatenate([r.standard_normal(200_000) * 3, np.linspace(-15, 15, 60001),
                        [0.0, -0.0, 1e-30, -1e-30, 1e-45, 30, -30, 1e30, -1e30, np.inf,
                         -np.inf, np.nan]]).astype(np.float32)
    e = F(ember).gelu(ember.tensor(x))._data
    t = F(torch).gelu(torch.tensor(x)).numpy()
    exact = _exact_gelu(x)
    fin = np.isfinite(t) & (np.abs(x) < 1e20)
    np.testing.assert_array_equal(e[~fin], t[~fin])
    ulp = np.maximum(np.spacing(np.abs(exact.astype(np.float32))).astype(np.float64), 1e-45)
    err = np.abs(e.astype(np.float64) - exact)[fin] / ulp[fin]
    ax = np.abs(x[fin])
    assert err[ax < 2].max() <= 12 and err[(ax >= 2) & (ax < 4)].max() <= 24
    assert np.mean(err[ax < 4] > 1) < 0.4
    np.testing.assert_allclose(e[fin], t[fin], rtol=2.4e-7, atol=4e-7)
    xs = x[np.abs(x) < 20]
    te, tt = ember.tensor(xs, requires_grad=True), torch.tensor(xs, requires_grad=True)
    F(ember).gelu(te).sum().backward()
    F(torch).gelu(tt).sum().backward()
    np.testing.assert_allclose(te.grad._data, tt.grad.numpy(), rtol=1e-6, atol=3e-7)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_kept_slope_matches_recomputed(approximate):
    """The derivative kept from the forward equals the one create_graph recomputes."""
    x = rng.standard_normal((64, 33))
    for dtype in ("float32", "float64"):
        g = rng.standard_normal((64, 33)).astype(dtype)
        grads = []
        for cg in (False, True):
            a = ember.tensor(x.astype(dtype), requires_grad=True)
            y = F(ember).gelu(a, approximate=approximate)
            gx, = ember.autograd.grad(y, a, ember.tensor(g), create_graph=cg)
            grads.append(gx._data)
        tol = 2e-6 if dtype == "float32" else 1e-15
        np.testing.assert_allclose(grads[0], grads[1], rtol=tol, atol=tol)


@pytest.mark.parametrize("kw", [dict(), dict(tau=0.5), dict(hard=True), dict(hard=True, dim=0)])
def test_gumbel_softmax_draws_and_differentiates_as_torch(kw):
    out = {}
    for lib in (torch, ember):
        lib.manual_seed(3)
        x = lib.tensor(X, requires_grad=True)
        y = lib.nn.functional.gumbel_softmax(x, **kw)
        (y * lib.arange(12.0, dtype=y.dtype).view(3, 4)).sum().backward()
        out[lib.__name__] = (y.detach().numpy(), x.grad.numpy(), type(y.grad_fn).__name__)
    (ey, eg, en), (ty, tg, tn) = out["ember"], out["torch"]
    assert en == tn
    np.testing.assert_allclose(ey, ty, rtol=1e-12, atol=1e-15)   # the same noise
    np.testing.assert_allclose(eg, tg, rtol=1e-12, atol=1e-15)
    if kw.get("hard"):
        assert set(np.unique(ey)) <= {0.0, 1.0} and (ey.sum(kw.get("dim", -1)) == 1).all()


def test_gumbel_softmax_eps_is_deprecated():
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated and has no effect"):
        ember.nn.functional.gumbel_softmax(ember.zeros(2, 3), eps=1e-5)


@pytest.mark.parametrize("name, kw", [("elu_", {"alpha": 0.7}), ("selu_", {}),
                                      ("celu_", {"alpha": 0.7})])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_inplace_elu_family_differentiates_from_the_result(name, kw, dtype):
    """The in-place forms keep the result (the input is overwritten) and differentiate as
    PyTorch's EluBackward1/CeluBackward1 do, ``grad * input_scale * (y + alpha * scale)``
    below zero: the gradients then differ from PyTorch's only where the forward values do
    (an input-based formula was off by up to 3e-4 relative in float32 near the saturation)."""
    r = np.random.default_rng(2)
    x = (r.standard_normal(20000) * 3).astype(dtype)
    g = r.standard_normal(20000).astype(dtype)
    got = []
    for lib in (ember, torch):
        a = lib.tensor(x, requires_grad=True)
        y = getattr(F(lib), name)(a * 1.0, **kw)
        assert hasattr(y.grad_fn, "_saved_result")
        y.backward(lib.tensor(g))
        got.append((type(y.grad_fn).__name__, a.grad.numpy()))
    assert got[0][0] == got[1][0]
    e, t = got[0][1], got[1][1]
    rel = np.abs(e - t) / np.maximum(np.abs(t), np.finfo(dtype).tiny)
    assert np.quantile(rel, 0.999) < (2e-5 if dtype == "float32" else 1e-13)
    assert np.mean(e != t) < 0.05
