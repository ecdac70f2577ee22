"""Gradients through complex numbers, PyTorch's convention: for a real loss L of z, z.grad is
dL/dRe(z) + i dL/dIm(z), which for an analytic op is the incoming gradient times conj(f'(z)).
Each op's gradient is compared with torch's; the formulas are written as for real numbers and
the engine conjugates (ember/autograd/graph.py, ``holomorphic``)."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
Z = rng.uniform(0.3, 1.2, 4) + 1j * rng.uniform(-1, 1, 4)
W = rng.uniform(0.3, 1.2, 4) + 1j * rng.uniform(-1, 1, 4)

UNARY = ["exp", "log", "sin", "cos", "tan", "tanh", "sinh", "cosh", "sqrt", "rsqrt",
         "reciprocal", "sigmoid", "square", "neg", "abs", "asin", "acos", "atan", "asinh",
         "acosh", "atanh", "log1p", "expm1", "log2", "log10", "exp2", "clone", "sinc"]
OTHER = {
    "sum": lambda lib, a, b: a.sum(), "mean": lambda lib, a, b: a.mean(),
    "prod": lambda lib, a, b: a.prod(), "cumsum": lambda lib, a, b: lib.cumsum(a, 0),
    "cumprod": lambda lib, a, b: lib.cumprod(a, 0),
    "logsumexp": lambda lib, a, b: lib.logsumexp(a, 0),
    "det": lambda lib, a, b: lib.det(a.view(2, 2)),
    "trace": lambda lib, a, b: lib.trace(a.view(2, 2)),
    "mul": lambda lib, a, b: a * b, "div": lambda lib, a, b: a / b,
    "add": lambda lib, a, b: a + b, "sub": lambda lib, a, b: a - b,
    "pow": lambda lib, a, b: a ** b, "rpow": lambda lib, a, b: 2.0 ** a,
    "pow_int": lambda lib, a, b: a ** 3, "pow_float": lambda lib, a, b: a ** 1.5,
    "matmul": lambda lib, a, b: a.view(2, 2) @ b.view(2, 2),
    "mv": lambda lib, a, b: a.view(2, 2) @ b[:2],
    "dot": lambda lib, a, b: lib.dot(a, b), "vdot": lambda lib, a, b: lib.vdot(a, b),
    "outer": lambda lib, a, b: lib.outer(a, b),
    "addcmul": lambda lib, a, b: lib.addcmul(a, a, b, value=0.5),
    "addcdiv": lambda lib, a, b: lib.addcdiv(a, a, b, value=0.5),
    "lerp": lambda lib, a, b: lib.lerp(a, b, 0.3),
    "mul_abs": lambda lib, a, b: a * b.abs(), "mul_number": lambda lib, a, b: a * (1 + 2j),
    "div_number": lambda lib, a, b: a / (1 + 2j),
    "inv": lambda lib, a, b: lib.linalg.inv(lib.outer(a, b) + lib.eye(4)),
    "solve": lambda lib, a, b: lib.linalg.solve(lib.outer(a, b) + lib.eye(4), b),
    "real_imag": lambda lib, a, b: (a * b).real * 2 + (a * b).imag * 3,
    "view_as_real": lambda lib, a, b: lib.view_as_real(a * b),
}
CASES = [(n, (lambda n: lambda lib, a, b: getattr(lib, n)(a))(n)) for n in UNARY] + \
    list(OTHER.items())


def _grads(lib, fn):
    a = lib.tensor(Z, requires_grad=True)
    b = lib.tensor(W, requires_grad=True)
    y = fn(lib, a, b)
    (y.abs() ** 2).sum().backward()
    return [None if t.grad is None else t.grad.numpy() for t in (a, b)]


@pytest.mark.parametrize("name, fn", CASES, ids=[c[0] for c in CASES])
def test_complex_gradient_matches_torch(name, fn):
    for e, t in zip(_grads(ember, fn), _grads(torch, fn)):
        assert (e is None) == (t is None)
        if t is not None:
            np.testing.assert_allclose(e, t, rtol=1e-12, atol=1e-13)


def test_second_order_through_a_complex_op():
    def run(lib):
        a = lib.tensor(Z, requires_grad=True)
        g, = lib.autograd.grad((lib.exp(a * 0.5).abs() ** 2).sum(), a, create_graph=True)
        h, = lib.autograd.grad((g.abs() ** 2).sum(), a)
        return g.detach().numpy(), h.numpy()
    for e, t in zip(run(ember), run(torch)):
        np.testing.assert_allclose(e, t, rtol=1e-12, atol=1e-13)


def test_real_gradients_are_untouched():
    # the conjugation only acts on complex gradients: a real graph through the same nodes
    x = ember.tensor([0.5, 1.5], requires_grad=True)
    (x.exp() * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, 1.5]) * (1 + np.array([0.5, 1.5])))


def _c(r, *shape):
    return r.standard_normal(shape) + 1j * r.standard_normal(shape)


MATRIX = {
    "bmm": lambda lib, a, b, m, x, y: lib.bmm(a, b),
    "addmv": lambda lib, a, b, m, x, y: lib.addmv(x, m, y),
    "addr": lambda lib, a, b, m, x, y: lib.addr(m, x, y),
    "baddbmm": lambda lib, a, b, m, x, y: lib.baddbmm(a, a, b),
    "addbmm": lambda lib, a, b, m, x, y: lib.addbmm(m, a, b),
    "einsum": lambda lib, a, b, m, x, y: lib.einsum("bij,bjk->bik", a, b),
    "cross": lambda lib, a, b, m, x, y: lib.linalg.cross(x, y),
    "lerp_tensor_weight": lambda lib, a, b, m, x, y: lib.lerp(x, y, x * 0.1),
    "addmm": lambda lib, a, b, m, x, y: lib.addmm(m, m, m),
    "matmul_broadcast": lambda lib, a, b, m, x, y: a @ m,
}


@pytest.mark.parametrize("name", list(MATRIX))
def test_complex_matrix_gradients_match_torch(name):
    r = np.random.default_rng(0)
    data = [_c(r, 2, 3, 3), _c(r, 2, 3, 3), _c(r, 3, 3), _c(r, 3), _c(r, 3)]
    got = []
    for lib in (ember, torch):
        ts = [lib.tensor(d, requires_grad=True) for d in data]
        (MATRIX[name](lib, *ts).abs() ** 2).sum().backward()
        got.append([None if t.grad is None else t.grad.numpy() for t in ts])
    for e, t in zip(*got):
        assert (e is None) == (t is None)
        if t is not None:
            np.testing.assert_allclose(e, t, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reference", [False, True])
def test_complex_gradient_into_real_input_under_create_graph(reference, monkeypatch):
    """A complex gradient reaching a real input is its real part, recorded as PyTorch
    records it (SelectBackward0 over ViewAsRealBackward0), without NumPy's ComplexWarning."""
    import warnings

    from ember.autograd import engine
    monkeypatch.setattr(engine, "_USE_REFERENCE", reference)
    got = []
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        z = lib.tensor([1 + 2j, 3 - 1j])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            g, = lib.autograd.grad(((z * x).abs() ** 2).sum(), x, create_graph=True)
            h, = lib.autograd.grad(g.sum(), x)
        got.append((type(g.grad_fn).__name__,
                    type(g.grad_fn.next_functions[0][0]).__name__, g.detach().numpy(),
                    h.numpy()))
    assert got[0][:2] == got[1][:2]
    np.testing.assert_allclose(got[0][2], got[1][2], rtol=1e-12)
    np.testing.assert_allclose(got[0][3], got[1][3], rtol=1e-12)
