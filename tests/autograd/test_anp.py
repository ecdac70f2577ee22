"""The array namespace of backward formulas (ember.autograd.anp): each function gives on NumPy
arrays what it gives on tensors (values bit for bit, dtype, shape), and on tensors it records
a differentiable graph, so a formula written once computes the same gradient with and
without create_graph; and the old NumPy-only helpers of the elementwise nodes are gone."""
import math

import numpy as np
import pytest

import ember
from ember.autograd import anp
from ember.ops import _elementwise, arithmetic, comparison, special, transcendental

_IDX = np.array([[0, 2, 0], [1, 1, 2]])
_VEC = np.array([2, 0, 2])
_MASK = np.array([[True, False, True], [False, False, True]])

CASES = {
    "cat": lambda x: anp.cat([x, x * 2], 1),
    "stack": lambda x: anp.stack([x, x], 0),
    "cumsum": lambda x: anp.cumsum(x, 1),
    "cumprod": lambda x: anp.cumprod(x, 0),
    "diagonal": lambda x: anp.diagonal(x, 1, 0, 1),
    "flip": lambda x: anp.flip(x, (0, 1)),
    "gather": lambda x: anp.gather(x, 1, _IDX),
    "index_add": lambda x: anp.index_add(x, 1, _VEC, x),
    "index_fill": lambda x: anp.index_fill(x, 1, _VEC, 0),
    "index_select": lambda x: anp.index_select(x, 1, _VEC),
    "masked_fill": lambda x: anp.masked_fill(x, _MASK, 0),
    "mean": lambda x: anp.mean(x, (0,), keepdim=True),
    "mean_all": lambda x: anp.mean(x),
    "mm": lambda x: anp.mm(x, anp.t(x)),
    "mm_inner_1": lambda x: anp.mm(anp.narrow(x, 1, 0, 1), anp.narrow(anp.t(x), 0, 2, 1)),
    "bmm": lambda x: anp.bmm(anp.unsqueeze(x, 0), anp.unsqueeze(anp.t(x), 0)),
    "mv": lambda x: anp.mv(x, x[0]),
    "narrow": lambda x: anp.narrow(x, -1, 1, 2),
    "permute": lambda x: anp.permute(x, (1, 0)),
    "reshape": lambda x: anp.reshape(x, (3, 2)),
    "roll": lambda x: anp.roll(x, (1, -1), (0, 1)),
    "rot90": lambda x: anp.rot90(x, -1, (0, 1)),
    "scatter": lambda x: anp.scatter(x, 1, _IDX[:, :2], 0.0),
    "scatter_add": lambda x: anp.scatter_add(x, 1, _IDX, x),
    "squeeze": lambda x: anp.squeeze(anp.unsqueeze(x, 1), 1),
    "tril": lambda x: anp.tril(x, 0),
    "triu": lambda x: anp.triu(x, 1),
    "unbind": lambda x: anp.stack(list(anp.unbind(x, 1)), 0),
    "zeros_ones": lambda x: anp.zeros((2,), x) + anp.ones((2,), x),
    "sum_to": lambda x: anp.sum_to(x, (1, 3)),
    "expand": lambda x: anp.expand(anp.sum(x, 0, keepdim=True), (4, 3)),
    "astype": lambda x: anp.astype(x, np.dtype(np.float64)),
}


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_arrays_and_tensors_agree(name, dtype):
    a = np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]], dtype)
    fn = CASES[name]
    ra = fn(a)
    x = ember.tensor(a, requires_grad=dtype != "float16")
    rt = fn(x)
    assert isinstance(ra, (np.ndarray, np.generic)) and isinstance(rt, ember.Tensor)
    assert ra.dtype == rt._data.dtype and ra.shape == rt._data.shape
    np.testing.assert_array_equal(ra, rt._data)
    if dtype != "float16" and name not in ("zeros_ones",):
        assert rt.requires_grad       # the tensor branch records a graph


def test_value_and_constant_follow_the_form():
    a = np.arange(3.0)
    t = ember.tensor(a)
    assert anp.value(t) is t._data and anp.value(a) is a
    mask = a > 1
    assert anp.constant(mask, a) is mask
    c = anp.constant(mask, t)
    assert isinstance(c, ember.Tensor) and c.tolist() == [False, False, True]


SPECIAL = [0.0, -0.0, 0.5, -1.5, 2.0, 1e-3, np.inf, -np.inf, np.nan, 0.9, -0.7, 3.25]


def _identical(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind == "c":
        return _identical(a.real, b.real) and _identical(a.imag, b.imag)
    if a.dtype.kind != "f":
        return np.array_equal(a, b)
    return np.array_equal(a, b, equal_nan=True) and bool((np.signbit(a) == np.signbit(b)).all())


def _both(fn, *values):
    """``fn`` on NumPy values and on ember tensors made from them."""
    arrays = fn(*values)
    tensors = fn(*[ember.tensor(v) if isinstance(v, np.ndarray) else v for v in values])
    return arrays, tensors._data


# (anp.sigmoid is left out: its NumPy branch is the overflow-free form, which rounds unlike
# the ember op in float16 and float64)
UNARY = [anp.exp, anp.exp2, anp.log, anp.sqrt, anp.rsqrt, anp.reciprocal, anp.sgn, anp.abs,
         anp.conj, anp.sin, anp.cos, anp.sinh, anp.cosh, anp.tanh, anp.isfinite, anp.isnan,
         anp.isinf, anp.zeros_like, anp.ones_like]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("fn", UNARY, ids=[f.__name__ for f in UNARY])
def test_unary_functions_match_the_ember_ops(fn, dtype):
    x = np.array(SPECIAL, dtype)
    with np.errstate(all="ignore"):
        arrays, tensors = _both(fn, x)
    assert _identical(arrays, tensors), (arrays, tensors)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_scalars_match_the_ember_ops(dtype):
    """0-d values reach formulas as NumPy scalars (a scalar graph's)."""
    for v in SPECIAL:
        x = np.array(v, dtype)
        with np.errstate(all="ignore"):
            for fn in UNARY:
                arrays, tensors = fn(x[()]), fn(ember.tensor(x))._data
                assert _identical(arrays, tensors), (fn.__name__, v)


def test_sgn_is_zero_at_nan_as_the_op():
    x = np.array([np.nan, -2.0, 0.0, -0.0, 3.0], np.float32)
    r = anp.sgn(x)
    assert r.dtype == np.float32 and r.tolist()[1:] == [-1.0, 0.0, 0.0, 1.0] and r[0] == 0


def test_complex_sgn_conj_and_real():
    z = np.array([3 + 4j, 0j, -1 - 1j], np.complex64)
    arrays, tensors = _both(anp.sgn, z)
    assert _identical(arrays, tensors)
    assert _identical(anp.conj(z), np.conj(z)) and anp.conj(np.float32(2)) == 2
    assert _identical(anp.real(z), z.real)
    # on a tensor: the real part as a complex value with a zero imaginary part
    assert _identical(anp.real(ember.tensor(z))._data, z.real.astype(np.complex64))


@pytest.mark.parametrize("e", [2, 3, 0.5, -1.5, 2.0])
def test_pow_matches_the_op(e):
    x = np.array([0.3, 1.7, 2.0, 0.0, 5.5], np.float32)
    arrays, tensors = _both(lambda v: anp.pow(v, e), x)
    assert _identical(arrays, tensors)
    y = np.array([2.0, -1.0, 0.5, 3.0, 1.0], np.float32)
    arrays, tensors = _both(anp.pow, x, y)
    assert _identical(arrays, tensors)
    z = np.array([1 + 1j, 2 - 0.5j], np.complex64)
    arrays, tensors = _both(lambda v: anp.pow(v, 1.5), z)
    assert _identical(arrays, tensors)


@pytest.mark.parametrize("mode", [None, "floor", "trunc"])
def test_div_matches_the_op(mode):
    a = np.array([7.5, -7.5, 3.0, -0.0, 1.0], np.float32)
    b = np.array([2.0, 2.0, -0.5, 3.0, 3.0], np.float32)
    arrays, tensors = _both(lambda x, y: anp.div(x, y, rounding_mode=mode), a, b)
    assert _identical(arrays, tensors)


def test_sum_and_full_like_keep_the_dtype():
    x = np.full((3, 70000), 0.1, np.float16)
    arrays, tensors = _both(lambda v: anp.sum(v, 1), x)
    assert arrays.dtype == np.float16 and _identical(arrays, tensors)
    arrays, tensors = _both(lambda v: anp.full_like(v, 2.5), x[:, :3])
    assert _identical(arrays, tensors)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_where_fast_select_is_exactly_np_where(dtype):
    """The branch-free select: NaN, inf and -0.0 kept where kept, +0.0 where dropped."""
    rng = np.random.default_rng(0)
    g = rng.standard_normal((7, 9)).astype(dtype)
    g.flat[:6] = [np.nan, -np.inf, np.inf, -0.0, 0.0, -3.0]
    cond = rng.standard_normal((7, 9)) > 0
    cond.flat[:6] = [False, False, True, True, False, False]
    for a, b in ((g, 0), (0, g), (g, 0.0), (0.0, g)):
        assert _identical(anp.where(cond, a, b), np.where(cond, a, b))
        # the tensor branch too
        ta = ember.tensor(a) if isinstance(a, np.ndarray) else a
        tb = ember.tensor(b) if isinstance(b, np.ndarray) else b
        assert _identical(anp.where(ember.tensor(cond), ta, tb)._data, np.where(cond, a, b))
    # broadcast operands, 0-d values and non-float values take np.where's own path
    assert _identical(anp.where(cond[:1], g, 0), np.where(cond[:1], g, 0))
    for c in (np.True_, np.False_):
        for v in (g.flat[5], g.flat[0]):
            assert _identical(anp.where(c, v, 0), np.where(c, v, 0)[()])
            assert _identical(anp.where(c, 0, v), np.where(c, 0, v)[()])
    ints = np.arange(6)
    assert _identical(anp.where(ints > 2, ints, 0), np.where(ints > 2, ints, 0))


def test_saved_values_meet_the_gradient_in_embers_dtype():
    """A float32 tensor times a float64 0-d tensor: the gradient is computed in float32, as
    PyTorch does (NumPy alone would compute it in float64 and round twice)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal(1000).astype(np.float32)
    g = rng.standard_normal(1000).astype(np.float32)
    ints = rng.integers(-50, 50, 1000)
    for lib_op in (lambda a, b: a * b, lambda a, b: a / b, lambda a, b: b / a,
                   lambda a, b: a.atan2(b), lambda a, b: a.hypot(b)):
        for other in (np.float64(0.1), np.float64(-12.7)):
            grads = []
            for lib in (ember, torch):
                a = lib.tensor(x, requires_grad=True)
                b = lib.tensor(other, requires_grad=True)
                out = lib_op(a, b)
                for cg in (False, True):
                    ga, gb = lib.autograd.grad(out, (a, b), lib.tensor(g), retain_graph=True,
                                               create_graph=cg and lib is ember)
                    grads.append((ga.detach().numpy(), gb.detach().numpy()))
            (ea, eb), (ea2, eb2), (ta, tb), _ = grads
            assert _identical(ea, ea2) and _identical(eb, eb2)
            assert ea.dtype == ta.dtype and eb.dtype == tb.dtype
            np.testing.assert_allclose(ea, ta, rtol=2e-7, atol=0)
            np.testing.assert_allclose(eb, tb, rtol=1e-5)  # a float32 sum of 1000 terms
    # an integer operand: the gradient of the float one in float32, bit for bit
    for lib_op in (lambda a, b: a * b, lambda a, b: a / b):
        got = {}
        for lib in (ember, torch):
            a = lib.tensor(x, requires_grad=True)
            out = lib_op(a, lib.tensor(np.where(ints == 0, 7, ints)))
            got[lib] = lib.autograd.grad(out, a, lib.tensor(g))[0].detach().numpy()
        assert _identical(got[ember], got[torch])


def test_mul_by_a_float64_scalar_tensor_matches_torch_bit_for_bit():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal(4096).astype(np.float32)
    g = rng.standard_normal(4096).astype(np.float32)
    got = {}
    for lib in (ember, torch):
        a = lib.tensor(x, requires_grad=True)
        b = lib.tensor(np.float64(0.1), requires_grad=True)
        (a * b).backward(lib.tensor(g))
        got[lib] = a.grad.numpy()
    assert _identical(got[ember], got[torch])


ROOMS = (_elementwise, arithmetic, transcendental, special, comparison)


def test_formula_helpers_are_gone():
    for name in ("_select", "_select_np", "_promoted", "_mask", "_zeros_like", "_mul_np",
                 "_masked_zero", "_xlogy_self_grad"):
        assert not any(hasattr(room, name) for room in ROOMS), name


def test_a_formula_called_directly_takes_tensors():
    """grad_fn(grad) runs the same formula on tensors, like calling a PyTorch grad_fn."""
    x = ember.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x.relu() * 3
    g = y.grad_fn.next_functions[0][0](ember.tensor([1.0, 1.0, 1.0]))
    assert isinstance(g[0], ember.Tensor) and g[0].tolist() == [1.0, 0.0, 1.0]
    assert math.isclose(y.grad_fn(ember.tensor([1.0, 2.0, 3.0]))[0][1].item(), 6.0)
