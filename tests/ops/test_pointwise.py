"""Elementwise ops against PyTorch: dtype rules over every dtype (ints, bool, float16...),
special values (NaN, inf, -0.0), errors, gradients at special points, numerical stability,
in-place semantics (versions, the leaf error, casts), ``out=``, operators, and the accuracy
of ember's own erf/erfc/erfinv."""
import math
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SPECIAL = [-2.5, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.5, math.inf, -math.inf, math.nan]


def sample(dtype: str) -> np.ndarray:
    """Values worth testing for a dtype: signs, zero, fractions and non-finite values."""
    if dtype == "bool":
        return np.array([True, False, True])
    if dtype == "uint8":
        return np.array([0, 1, 2, 7, 200, 255], np.uint8)
    if dtype.startswith("int"):
        return np.array([-7, -2, -1, 0, 1, 2, 7], dtype)
    return np.array(SPECIAL, dtype)


def run(fn, *args, **kwargs):
    """``fn`` in both libraries: numpy arrays become tensors. Returns (ember, torch) results,
    each a value or the raised exception."""
    out = []
    for lib in (ember, torch):
        conv = [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.append(fn(lib, *conv, **kwargs))
        except Exception as e:  # noqa: BLE001 - compared below
            out.append(e)
    return out


def same(e, t, rtol=2e-6, atol=0.0, exact=False):
    """The same exception class, or the same dtype, shape and values (NaN where NaN)."""
    if isinstance(t, Exception):
        assert isinstance(e, Exception), f"torch raised {type(t).__name__}: {t}; ember gave {e}"
        assert type(e) is type(t), f"ember {type(e).__name__}: {e} / torch {type(t).__name__}: {t}"
        return
    assert not isinstance(e, Exception), f"ember raised {type(e).__name__}: {e}; torch gave {t}"
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor)
        assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
        assert tuple(e.shape) == tuple(t.shape)
        a, b = e.detach().numpy(), t.detach().numpy(force=True)
        if exact or a.dtype.kind in "biu":
            assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"), (a, b)
        else:
            tol = dict(rtol=1e-3, atol=1e-3) if a.dtype == np.float16 else dict(rtol=rtol,
                                                                                atol=atol)
            np.testing.assert_allclose(a, b, equal_nan=True, **tol)
            # the sign of zero and the kind of infinity match too
            if a.dtype.kind == "f":
                assert np.array_equal(np.signbit(a[a == 0]), np.signbit(b[a == 0])), (a, b)
    elif isinstance(t, tuple):
        assert len(e) == len(t)
        for x, y in zip(e, t):
            same(x, y, rtol, atol, exact)
    else:
        assert e == t, (e, t)


# -- unary ops over every dtype ------------------------------------------------------------------
UNARY = ["neg", "abs", "reciprocal", "square", "sqrt", "rsqrt", "exp", "exp2", "expm1", "log",
         "log2", "log10", "log1p", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh",
         "tanh", "asinh", "acosh", "atanh", "sigmoid", "relu", "erf", "erfc", "erfinv", "sign",
         "sgn", "floor", "ceil", "round", "trunc", "fix", "frac", "isnan", "isinf", "isposinf",
         "isneginf", "isfinite", "isreal", "nan_to_num", "positive", "logical_not",
         "bitwise_not", "signbit", "deg2rad", "rad2deg", "logit", "clone"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_dtypes_and_special_values(name):
    for dt in DTYPES:
        e, t = run(lambda lib, x: getattr(lib, name)(x), sample(dt))
        same(e, t, rtol=4e-6)


@pytest.mark.parametrize("name", UNARY)
def test_unary_method_and_0d(name):
    if not hasattr(torch.Tensor, name):
        pytest.skip(f"torch.Tensor has no {name} method")   # e.g. positive is a function only
    for x in (np.array(0.75), np.array(3), np.array([[0.25, -1.5], [2.0, 0.5]], np.float32)):
        same(*run(lambda lib, x: getattr(x, name)(), x), rtol=4e-6)


def test_unary_rejects_non_tensors():
    for name in ("exp", "sqrt", "abs", "floor", "sigmoid", "erf", "isnan", "neg", "clone"):
        e, t = run(lambda lib: getattr(lib, name)([1.0, 2.0]))
        same(e, t)
        assert "must be Tensor, not list" in str(e)


def test_int_to_float_uses_default_dtype():
    x = np.array([1, 2, 3])
    try:
        ember.set_default_dtype(ember.float64)
        torch.set_default_dtype(torch.float64)
        for name in ("exp", "sqrt", "sin", "sigmoid", "erf", "reciprocal"):
            same(*run(lambda lib, x: getattr(lib, name)(x), x))
        same(*run(lambda lib, x: x / 2, x))
        same(*run(lambda lib, x: x * 0.5, x))
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)


def test_round_decimals():
    x = np.array([1234.5678, 0.125, 2.675, -0.5, 1.5, 2.5, -2.5, 1e10], np.float64)
    for d in (0, 1, 2, 3, -1, -2):
        same(*run(lambda lib, x: lib.round(x, decimals=d), x), exact=True)
        same(*run(lambda lib, x: lib.round(x, decimals=d), x.astype(np.float32)), exact=True)
    same(*run(lambda lib, x: lib.round(x, decimals=1), np.array([15, 25])))
    same(*run(lambda lib, x: lib.round(x, decimals=0), np.array([15, 25])))


# -- binary ops over dtype pairs ---------------------------------------------------------------
BINARY = ["add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "atan2",
          "arctan2", "maximum", "minimum", "fmax", "fmin", "hypot", "logaddexp", "logaddexp2",
          "xlogy", "float_power", "copysign", "bitwise_and", "bitwise_or", "bitwise_xor",
          "bitwise_left_shift", "bitwise_right_shift", "logical_and", "logical_or",
          "logical_xor", "eq", "ne", "lt", "le", "gt", "ge", "heaviside"]


def _operand(kind: str):
    vals = {"bool": np.array([True, False, True, False]),
            "uint8": np.array([3, 0, 7, 200], np.uint8),
            "int8": np.array([-3, 2, 0, 5], np.int8),
            "int32": np.array([-3, 2, 1, 5], np.int32),
            "int64": np.array([7, -2, 3, 4]),
            "float16": np.array([1.5, -2.0, 0.0, 3.25], np.float16),
            "float32": np.array([1.5, -2.25, 0.5, -0.0], np.float32),
            "float64": np.array([0.75, 2.0, -1.5, 3.0])}
    if kind.startswith("0d_"):
        return vals[kind[3:]][1:2].reshape(())
    if kind == "pyint":
        return 3
    if kind == "pyneg":
        return -2
    if kind == "pyfloat":
        return 2.5
    if kind == "pybool":
        return True
    return vals[kind]


KINDS = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64", "0d_bool",
         "0d_uint8", "0d_int64", "0d_float16", "0d_float32", "0d_float64", "pyint", "pyneg",
         "pyfloat", "pybool"]
# every pairing of dims, 0-d tensors and Python scalars (PyTorch's three promotion tiers)
PAIRS = [(a, b) for a in KINDS for b in KINDS if not (a.startswith("py") and b.startswith("py"))]


@pytest.mark.parametrize("name", BINARY)
def test_binary_dtypes(name):
    for a, b in PAIRS:
        x, y = _operand(a), _operand(b)
        e, t = run(lambda lib, x, y: getattr(lib, name)(x, y), x, y)
        try:
            same(e, t, rtol=4e-6)
        except AssertionError as err:
            raise AssertionError(f"{name}({a}, {b}): {err}") from None


def test_complex_inputs():
    """Complex tensors: the ops PyTorch supports give its values, the others its errors."""
    x = np.array([1 + 2j, -0.5 + 0j, 0j, 3 - 1j], np.complex64)
    for name in UNARY:
        same(*run(lambda lib, x: getattr(lib, name)(x), x), rtol=1e-5)
    for name in BINARY:
        same(*run(lambda lib, x: getattr(lib, name)(x, x), x), rtol=1e-5)
    same(*run(lambda lib, x: x ** 2 + x * 1j - 2 / x, x), rtol=1e-5)
    same(*run(lambda lib, x: lib.clamp(x, 0, 1), x))


OPERATORS = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
             "/": lambda x, y: x / y, "//": lambda x, y: x // y, "%": lambda x, y: x % y,
             "**": lambda x, y: x ** y, "&": lambda x, y: x & y, "|": lambda x, y: x | y,
             "^": lambda x, y: x ^ y, "<<": lambda x, y: x << y, ">>": lambda x, y: x >> y,
             "==": lambda x, y: x == y, "!=": lambda x, y: x != y, "<": lambda x, y: x < y,
             ">=": lambda x, y: x >= y}


@pytest.mark.parametrize("op", list(OPERATORS))
def test_operators_and_reflected(op):
    f = OPERATORS[op]
    for a, b in PAIRS:
        x, y = _operand(a), _operand(b)
        if not isinstance(x, np.ndarray) and not isinstance(y, np.ndarray):
            continue
        e, t = run(lambda lib, x, y: f(x, y), x, y)
        try:
            same(e, t, rtol=4e-6)
        except AssertionError as err:
            raise AssertionError(f"{a} {op} {b}: {err}") from None


IOPS = {"+=": "__iadd__", "-=": "__isub__", "*=": "__imul__", "/=": "__itruediv__",
        "//=": "__ifloordiv__", "%=": "__imod__", "**=": "__ipow__", "&=": "__iand__",
        "|=": "__ior__", "^=": "__ixor__", "<<=": "__ilshift__", ">>=": "__irshift__"}


@pytest.mark.parametrize("op", list(IOPS))
def test_augmented_assignment(op):
    dunder = IOPS[op]
    for a, b in PAIRS:
        x, y = _operand(a), _operand(b)
        if not isinstance(x, np.ndarray) or x.ndim == 0:
            continue

        def f(lib, x, y):
            before = x._version
            r = getattr(x, dunder)(y)
            assert r is x and x._version == before + 1
            return x
        e, t = run(f, x, y)
        try:
            same(e, t, rtol=4e-6)
        except AssertionError as err:
            raise AssertionError(f"{a} {op} {b}: {err}") from None


def test_operators_with_other_objects():
    x = ember.tensor([1.0, 2.0])
    assert (x == None) is False and (x != None) is True  # noqa: E711
    assert (x == "a") is False
    for f in (lambda: x + "a", lambda: x < None, lambda: x & None, lambda: x + [1, 2],
              lambda: None - x):
        with pytest.raises(TypeError):
            f()

    class Reflect:
        def __radd__(self, other):
            return "radd"

        def __rand__(self, other):
            return "rand"
    assert x & Reflect() == "rand"


def test_scalar_first_functions():
    y = np.array([1.0, 2.0, 4.0])
    for name in ("add", "mul", "sub", "div", "remainder", "floor_divide", "pow", "xlogy",
                 "float_power", "fmod", "maximum", "eq", "atan2", "logical_and"):
        same(*run(lambda lib, y: getattr(lib, name)(2, y), y))
    same(*run(lambda lib, y: lib.rsub(y, 2), y))
    same(*run(lambda lib, y: lib.rsub(y, y * 3, alpha=2), y))


def test_alpha():
    x, y = np.array([1.0, 2.0]), np.array([3.0, -4.0])
    i = np.array([1, 2])
    for name in ("add", "sub"):
        same(*run(lambda lib, x, y: getattr(lib, name)(x, y, alpha=2.5), x, y))
        same(*run(lambda lib, x, y: getattr(lib, name)(x, y, alpha=2), i, i))
        same(*run(lambda lib, x, y: getattr(lib, name)(x, y, alpha=2.5), i, i))
        same(*run(lambda lib, x: getattr(lib, name)(x, 3, alpha=2), x))
    same(*run(lambda lib, x, y: lib.add(x, y, alpha=True), x, y))


# -- integer semantics ---------------------------------------------------------------------------
def test_integer_division_by_zero():
    a, z = np.array([5, -5]), np.array([0, 2])
    for f in (lambda lib, a, z: a // z, lambda lib, a, z: a % z,
              lambda lib, a, z: lib.fmod(a, z), lambda lib, a, z: a // 0,
              lambda lib, a, z: a % 0, lambda lib, a, z: lib.fmod(a, 0),
              lambda lib, a, z: lib.div(a, z, rounding_mode="trunc"),
              lambda lib, a, z: lib.div(a, z, rounding_mode="floor"),
              lambda lib, a, z: a / 0, lambda lib, a, z: a.float() // 0,
              lambda lib, a, z: a.float() % 0, lambda lib, a, z: lib.fmod(a.float(), 0.0)):
        e, t = run(f, a, z)
        same(e, t)
    e, _ = run(lambda lib, a, z: a // z, a, z)
    assert str(e) == "ZeroDivisionError"


def test_division_rounding_semantics():
    a = np.array([5.0, -5.0, 7.5, -7.5, 0.0, -0.0, 1e300])
    b = np.array([2.0, 2.0, -2.0, -2.0, -3.0, 3.0, 1e-300])
    for f in (lambda lib, a, b: a // b, lambda lib, a, b: a % b, lambda lib, a, b: lib.fmod(a, b),
              lambda lib, a, b: lib.div(a, b, rounding_mode="trunc"),
              lambda lib, a, b: lib.div(a, b, rounding_mode="floor")):
        same(*run(f, a, b), exact=True)
        same(*run(f, np.array([5, -5, 7, -7, 0]), np.array([2, 2, -2, -2, -3])), exact=True)
    same(*run(lambda lib, a: lib.div(a, 2, rounding_mode="round"), a))


def test_integer_powers():
    b = np.array([2, 3, -1, 1, 0, -2])
    for f in (lambda lib, b: lib.pow(b, lib.tensor([-1, 2, -3, -5, 2, 3])),
              lambda lib, b: b ** -1, lambda lib, b: b ** 0, lambda lib, b: b ** 2,
              lambda lib, b: b ** 0.5, lambda lib, b: 2 ** b, lambda lib, b: 2.0 ** b,
              lambda lib, b: b.to(lib.uint8) ** 9, lambda lib, b: (b > 0) ** 2,
              lambda lib, b: (b > 0) ** True, lambda lib, b: (b > 0) ** False,
              lambda lib, b: (b > 0) ** (b > 1), lambda lib, b: lib.square(b > 0)):
        same(*run(f, b))


def test_shifts_out_of_range():
    x = np.array([1, -8, 8, 3])
    for s in (0, 1, 63, 64, 70, -1):
        same(*run(lambda lib, x: x << s, x))
        same(*run(lambda lib, x: x >> s, x))
    same(*run(lambda lib, x: x.to(lib.int8) << 7, x))
    same(*run(lambda lib, x: x.to(lib.uint8) >> 9, x))
    same(*run(lambda lib, x: x << lib.tensor([1, 64, -1, 3]), x))
    same(*run(lambda lib, x: 1 << x.abs(), x))


def test_overflow_wraps_like_torch():
    same(*run(lambda lib: lib.tensor([-128], dtype=lib.int8).abs()))
    same(*run(lambda lib: -lib.tensor([-128], dtype=lib.int8)))
    same(*run(lambda lib: lib.tensor([250], dtype=lib.uint8) + 10))
    same(*run(lambda lib: lib.tensor([100], dtype=lib.int8) * 3))
    same(*run(lambda lib: lib.tensor([1, 2]) + 2 ** 40))
    same(*run(lambda lib: lib.tensor([1, 2], dtype=lib.int32) + 2 ** 40))


def test_bool_restrictions():
    b = np.array([True, False])
    for f in (lambda lib, b: b - b, lambda lib, b: b - 1, lambda lib, b: 1 - b,
              lambda lib, b: b - True, lambda lib, b: -b, lambda lib, b: +b,
              lambda lib, b: lib.relu(b), lambda lib, b: b.abs(), lambda lib, b: b.floor(),
              lambda lib, b: b.sign(), lambda lib, b: ~b, lambda lib, b: b + b,
              lambda lib, b: b * b, lambda lib, b: b + True, lambda lib, b: b.clamp(0, 1),
              lambda lib, b: b.clamp(False, True), lambda lib, b: lib.tensor([1.0, 2.0]) - b,
              lambda lib, b: b.sub_(True)):
        same(*run(f, b))
    e, _ = run(lambda lib, b: b - b, b)
    assert "two bool tensors" in str(e)


# -- clamp --------------------------------------------------------------------------------------
def test_clamp_forms_and_dtypes():
    x = np.array([1, 5, 9])
    f = np.array([1.0, 5.0, float("nan"), -3.0])
    cases = [
        (lambda lib, x: x.clamp(2, 7), x), (lambda lib, x: x.clamp(2.5, 7), x),
        (lambda lib, x: x.clamp(7, 2), f), (lambda lib, x: x.clamp(min=lib.tensor([3.0])), x),
        (lambda lib, x: x.clamp(0, 0.5), f), (lambda lib, x: x.clamp(float("nan"), 0.5), f),
        (lambda lib, x: x.clamp(0, float("nan")), f),
        (lambda lib, x: lib.clamp(x, lib.tensor(0), lib.tensor([1.0])), x),
        (lambda lib, x: x.to(lib.uint8).clamp(-1, 300), x),
        (lambda lib, x: x.to(lib.int8).clamp(-1000, 3), x),
        (lambda lib, x: x.to(lib.uint8).clamp(1, 3), x),
        (lambda lib, x: lib.clamp_min(x, 2.5), x), (lambda lib, x: lib.clamp_max(x, 2), x),
        (lambda lib, x: lib.clamp_min(x, lib.tensor([4.0, 0.0, 10.0, 1.0])), f),
        (lambda lib, x: lib.clamp_max(x, lib.tensor(2)), f),
        (lambda lib, x: x.clamp(), f), (lambda lib, x: x.clamp(None, None), f),
        (lambda lib, x: lib.clamp(x, lib.tensor([1.0, 2.0])), f),
        (lambda lib, x: lib.clamp(x, min=2.5, max=lib.tensor(3)), x),
        (lambda lib, x: lib.clamp(x, lib.tensor([1.0, 2.0, 3.0, 4.0]), 1.0), f),
        (lambda lib, x: lib.clip(x, -1, 1), f), (lambda lib, x: x.clip(max=0), f),
        (lambda lib, x: x.clamp(min=lib.tensor([0.0, 9.0, 1.0, 2.0]),
                                max=lib.tensor([[1.0], [3.0]])), f),
    ]
    for fn, a in cases:
        same(*run(fn, a))


# -- where ---------------------------------------------------------------------------------------
def test_where_forms():
    x = np.array([1.0, 2.0, 3.0])
    for f in (lambda lib, x: lib.where(x > 1, x, 2), lambda lib, x: lib.where(x > 1, 2, 3),
              lambda lib, x: lib.where(x > 1, 2.0, 3), lambda lib, x: lib.where(x > 1, 2, True),
              lambda lib, x: lib.where(x.long(), x, x),
              lambda lib, x: lib.where(x > 1, x, x.double()),
              lambda lib, x: lib.where(x > 1, x.long(), 2.5),
              lambda lib, x: lib.where(x > 1), lambda lib, x: lib.where(x > 5),
              lambda lib, x: x.where(x > 1, 0.0), lambda lib, x: lib.where(x > 1, x),
              lambda lib, x: lib.where(x > 1, x, lib.ones(2)),
              lambda lib, x: lib.where((x > 1).reshape(3, 1), x, -x),
              lambda lib, x: lib.where(lib.tensor(True), x, 0.0),
              lambda lib, x: lib.where(x > 1, lib.tensor(5), x.int())):
        same(*run(f, x))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = ember.where(ember.tensor([1, 0], dtype=ember.uint8), ember.ones(2), ember.zeros(2))
    assert r.tolist() == [1.0, 0.0] and "uint8 condition" in str(w[0].message)


# -- lerp, addcmul, addcdiv ----------------------------------------------------------------------
def test_lerp_addcmul_addcdiv_forms():
    x, y = np.array([1.0, 2.0], np.float32), np.array([3.0, -1.0], np.float32)
    for f in (lambda lib, x, y: lib.lerp(x, y, 0.3), lambda lib, x, y: lib.lerp(x, y, 0.7),
              lambda lib, x, y: lib.lerp(x, y, -1.5),
              lambda lib, x, y: lib.lerp(x, y, lib.tensor([0.2, 0.9])),
              lambda lib, x, y: lib.lerp(x, y, lib.tensor(0.5, dtype=lib.float64)),
              lambda lib, x, y: lib.lerp(x, y.double(), 0.5),
              lambda lib, x, y: lib.lerp(x, y, y.double()),
              lambda lib, x, y: lib.lerp(x.long(), y.long(), 0.5),
              lambda lib, x, y: lib.lerp(x, y.reshape(2, 1), 0.25),
              lambda lib, x, y: lib.lerp(x, lib.ones(3), 0.25),
              lambda lib, x, y: lib.addcmul(x, x, y, value=0.5),
              lambda lib, x, y: lib.addcmul(x.long(), x.long(), y.long(), value=0.5),
              lambda lib, x, y: lib.addcmul(x.long(), x, y.long(), value=0.5),
              lambda lib, x, y: lib.addcmul(x, x.long(), y.long()),
              lambda lib, x, y: lib.addcmul(x, x, lib.ones(3)),
              lambda lib, x, y: lib.addcdiv(x, x, y, value=-2),
              lambda lib, x, y: lib.addcdiv(x.long(), x.long(), y.long()),
              lambda lib, x, y: lib.addcdiv(x.long(), x, y.long(), value=2),
              lambda lib, x, y: lib.addcdiv(x, x, y.reshape(2, 1))):
        same(*run(f, x, y))
    # the two-sided formula is exact at weight 1
    same(*run(lambda lib, x, y: lib.lerp(x, y, 1.0), np.array([1e8, 0.1]),
              np.array([3.3, 1e-9])), exact=True)


# -- closeness, equality, nan_to_num -------------------------------------------------------------
def test_isclose_allclose_equal():
    inf, nan = math.inf, math.nan
    a = np.array([1.0, inf, -inf, nan, 1e-9, 100.0])
    b = np.array([1.0 + 1e-6, inf, inf, nan, 0.0, 100.1])
    for f in (lambda lib, a, b: lib.isclose(a, b),
              lambda lib, a, b: lib.isclose(a, b, equal_nan=True),
              lambda lib, a, b: lib.isclose(a, b, rtol=1e-2),
              lambda lib, a, b: lib.isclose(a, b, rtol=0, atol=0),
              lambda lib, a, b: lib.isclose(a, b.float()),
              lambda lib, a, b: lib.isclose(a, b, rtol=-1),
              lambda lib, a, b: lib.isclose(a, b, atol=-1),
              lambda lib, a, b: lib.isclose(a[:2], b[:1]),
              lambda lib, a, b: lib.isclose(a.long(), b.long(), atol=1),
              lambda lib, a, b: lib.isclose(a > 0, b > 0),
              lambda lib, a, b: lib.allclose(a, b), lambda lib, a, b: lib.allclose(a, a),
              lambda lib, a, b: lib.allclose(a, a, equal_nan=True),
              lambda lib, a, b: lib.allclose(a, b.float()),
              lambda lib, a, b: lib.equal(a, a), lambda lib, a, b: lib.equal(a[:3], a[:3]),
              lambda lib, a, b: lib.equal(a[:1], a[:1].long()),
              lambda lib, a, b: lib.equal(a, a[:2]), lambda lib, a, b: a.equal(b),
              lambda lib, a, b: a.allclose(b, atol=1)):
        same(*run(f, a, b))


def test_nan_to_num():
    x = np.array([math.nan, math.inf, -math.inf, 1.5])
    for f in (lambda lib, x: lib.nan_to_num(x), lambda lib, x: lib.nan_to_num(x.float()),
              lambda lib, x: lib.nan_to_num(x.half()),
              lambda lib, x: lib.nan_to_num(x, nan=1, posinf=2, neginf=3),
              lambda lib, x: lib.nan_to_num(x, 0.5, neginf=-1.0),
              lambda lib, x: lib.nan_to_num(lib.tensor([1, 2])),
              lambda lib, x: x.clone().nan_to_num_(7.0), lambda lib, x: x.nan_to_num(1.0)):
        same(*run(f, x), exact=True)


# -- fill and zero -------------------------------------------------------------------------------
def test_fill_and_zero():
    for f in (lambda lib: lib.ones(2).fill_(2.5), lambda lib: lib.tensor([1, 2]).fill_(2.7),
              lambda lib: lib.tensor([1, 2]).fill_(lib.tensor(2.7)),
              lambda lib: lib.tensor([1, 2]).fill_(True),
              lambda lib: lib.tensor([1, 2], dtype=lib.uint8).fill_(300),
              lambda lib: lib.ones(2).fill_(lib.tensor([3.0])),
              lambda lib: lib.ones(2).fill_(float("nan")), lambda lib: lib.ones(2, 3).zero_(),
              lambda lib: lib.tensor(3.0).zero_(), lambda lib: lib.tensor(3.0).fill_(1),
              lambda lib: lib.fill(lib.ones(2), 3.0), lambda lib: lib.zero_(lib.ones(2)),
              lambda lib: lib.ones(2, 3)[:, 1].fill_(5)):
        same(*run(f))


# -- gradients at special points -----------------------------------------------------------------
def grads(expr, *arrays, dtype="float64"):
    """Values and input gradients of ``expr(lib, *tensors).sum()`` in both libraries."""
    res = []
    for lib in (ember, torch):
        ts = [lib.tensor(np.asarray(a, dtype), requires_grad=True) for a in arrays]
        out = expr(lib, *ts)
        gs = lib.autograd.grad(out.sum(), ts, allow_unused=True)
        res.append((out, gs))
    (eo, eg), (to, tg) = res
    same(eo, to)
    assert (eo.grad_fn is None and to.grad_fn is None) or eo.grad_fn.name() == to.grad_fn.name()
    for a, b in zip(eg, tg):
        if b is None:
            assert a is None or not np.any(a.numpy())
        else:
            same(a, b, rtol=1e-6, atol=1e-12)


INF, NAN = math.inf, math.nan


@pytest.mark.parametrize("expr,inputs", [
    (lambda lib, x: x.abs(), ([0.0, -0.0, 1.0, -2.0],)),
    (lambda lib, x: x.sqrt(), ([0.0, 4.0, -1.0],)),
    (lambda lib, x: x.rsqrt(), ([0.0, 4.0, 1.0],)),
    (lambda lib, x: x.relu(), ([0.0, -1.0, 2.0],)),
    (lambda lib, x: x.sign() + x.sgn() + x.floor() + x.ceil() + x.round() + x.trunc(),
     ([0.5, -1.5, 2.0],)),
    (lambda lib, x: x.round(decimals=1), ([0.25, 1.0],)),
    (lambda lib, x: x.frac(), ([1.5, -2.25],)),
    (lambda lib, x: x.clamp(0, 1), ([0.0, 1.0, 0.5, -1.0, 2.0, NAN],)),
    (lambda lib, x: x.clamp(min=0), ([0.0, -1.0, 2.0],)),
    (lambda lib, x: x.clamp(max=1), ([1.0, -1.0, 2.0],)),
    (lambda lib, x: x.clamp(1, 0), ([0.0, 0.5, 1.0],)),
    (lambda lib, x: x.clamp_min(0.5), ([0.5, 0.0, 2.0],)),
    (lambda lib, x: x.clamp_max(0.5), ([0.5, 0.0, 2.0],)),
    (lambda lib, x, lo, hi: x.clamp(lo, hi), ([1.0, 2.0, 3.0, 0.0, 5.0], [2.0, 2.0, 2.0, 0.0, 1.0],
                                               [2.0, 1.0, 4.0, 0.0, 6.0])),
    (lambda lib, x, lo: x.clamp(min=lo), ([1.0, 2.0, 3.0], [2.0, 2.0, 2.0])),
    (lambda lib, x, hi: x.clamp(max=hi), ([1.0, 2.0, 3.0], [2.0, 2.0, 2.0])),
    (lambda lib, x, lo: x.clamp_min(lo), ([1.0, 2.0, 3.0], [2.0, 2.0, 2.0])),
    (lambda lib, x, hi: x.clamp_max(hi), ([1.0, 2.0, 3.0], [2.0, 2.0, 2.0])),
    (lambda lib, x, y: lib.maximum(x, y), ([1.0, 1.0, NAN, 3.0], [1.0, 2.0, 1.0, NAN])),
    (lambda lib, x, y: lib.minimum(x, y), ([1.0, 1.0, NAN, 3.0], [1.0, 2.0, 1.0, NAN])),
    (lambda lib, x, y: lib.fmax(x, y), ([1.0, 1.0, NAN, 3.0, NAN], [1.0, NAN, 1.0, 2.0, NAN])),
    (lambda lib, x, y: lib.fmin(x, y), ([1.0, 1.0, NAN, 3.0, NAN], [1.0, NAN, 1.0, 2.0, NAN])),
    (lambda lib, x, y: lib.pow(x, y), ([0.0, 0.0, 2.0, 0.0, -1.0], [0.0, -1.0, 3.0, 2.0, 2.0])),
    (lambda lib, x: x ** 0.5, ([0.0, 4.0],)),
    (lambda lib, x: x ** 0, ([0.0, 4.0],)),
    (lambda lib, x: x ** 2, ([0.0, -3.0],)),
    (lambda lib, x: x ** -1, ([0.0, -3.0],)),
    (lambda lib, x: 0.0 ** x, ([0.0, -1.0, 2.0],)),
    (lambda lib, x: (-2.0) ** x, ([0.0, -1.0, 2.0],)),
    (lambda lib, x: 2 ** x, ([0.0, -1.0, 2.5],)),
    (lambda lib, x, y: lib.xlogy(x, y), ([0.0, 0.0, 2.0, 0.0], [0.0, -1.0, 3.0, NAN])),
    (lambda lib, x: lib.xlogy(x, 2.0), ([0.0, 3.0],)),
    (lambda lib, x: lib.xlogy(2.0, x), ([0.0, 3.0],)),
    (lambda lib, x, y: lib.copysign(x, y), ([0.0, -0.0, 2.0, 3.0], [1.0, -1.0, -3.0, -0.0])),
    (lambda lib, x: lib.copysign(x, -1.0), ([0.0, 2.0],)),
    (lambda lib, x, y: lib.hypot(x, y), ([0.0, 1.0, 2.0], [0.0, 0.0, 3.0])),
    (lambda lib, x, y: lib.atan2(x, y), ([0.0, 1.0, 2.0], [0.0, 0.0, 3.0])),
    (lambda lib, x, y: lib.logaddexp(x, y), ([1e4, -1e4, INF, 0.0], [1e4, -1e4, INF, 1.0])),
    (lambda lib, x, y: lib.logaddexp2(x, y), ([1e4, -1e4, 0.5], [1e4, -1e4, 1.0])),
    (lambda lib, x: x.sigmoid(), ([-1e4, 0.0, 1e4, -800.0],)),
    (lambda lib, x: x.tanh(), ([-1e4, 0.0, 1e4],)),
    (lambda lib, x: x.atanh(), ([-1.0, 1.0, 0.99],)),
    (lambda lib, x: x.acosh(), ([1.0, 0.0, 3.0],)),
    (lambda lib, x: x.asin() + x.acos(), ([1.0, -1.0, 0.3],)),
    (lambda lib, x: x.log1p(), ([0.0, -1.0, 1e-10],)),
    (lambda lib, x: x.expm1(), ([0.0, 1e-10, 700.0],)),
    (lambda lib, x: x.log(), ([0.0, -1.0, 2.0],)),
    (lambda lib, x: x.log2() + x.log10(), ([0.0, 3.0],)),
    (lambda lib, x: x.reciprocal(), ([0.0, -2.0],)),
    (lambda lib, x: x.erfinv(), ([0.0, 1.0, -0.5, 0.999],)),
    (lambda lib, x: x.erf() + x.erfc(), ([0.0, 3.0, -30.0],)),
    (lambda lib, x: lib.nan_to_num(x), ([NAN, INF, 1.0],)),
    (lambda lib, x, y: x % y, ([5.5, -2.0], [2.0, 3.0])),
    (lambda lib, x, y: lib.fmod(x, y), ([5.5, -2.0], [2.0, 3.0])),
    (lambda lib, x: x % 2, ([5.5, -2.0],)),
    (lambda lib, x: lib.fmod(x, 2), ([5.5, -2.0],)),
    (lambda lib, x, y: lib.div(x, y, rounding_mode="floor"), ([5.5, -2.0], [2.0, 3.0])),
    (lambda lib, x, y: lib.where(x > 0, x, y), ([1.0, -1.0], [2.0, 3.0])),
    (lambda lib, x: lib.where(x > 0, x, 0.0), ([1.0, -1.0],)),
    (lambda lib, x, y: lib.lerp(x, y, 0.3), ([1.0, -1.0], [2.0, 3.0])),
    (lambda lib, x, y: lib.lerp(x, y, y), ([1.0, -1.0], [0.2, 0.9])),
    (lambda lib, x, y: lib.addcmul(x, x, y, value=0.5), ([1.0, -1.0], [2.0, 3.0])),
    (lambda lib, x, y: lib.addcdiv(x, x, y, value=0.5), ([1.0, -1.0], [2.0, 0.0])),
    (lambda lib, x: lib.float_power(x, 2), ([1.5, -1.0],)),
    (lambda lib, x, y: lib.float_power(x, y), ([1.5, 2.0], [2.0, 0.5])),
    (lambda lib, x: 2.0 / x, ([1.5, 0.0],)),
    (lambda lib, x: 2.0 - x, ([1.5, 0.0],)),
    (lambda lib, x, y: lib.rsub(x, y, alpha=3), ([1.5, 0.0], [1.0, 2.0])),
    (lambda lib, x, y: lib.sub(x, y, alpha=3), ([1.5, 0.0], [1.0, 2.0])),
    (lambda lib, x, y: lib.add(x, y, alpha=-2), ([1.5, 0.0], [1.0, 2.0])),
    (lambda lib, x: lib.div(2, x), ([1.5, 4.0],)),
    (lambda lib, x: lib.logit(x), ([0.0, 0.25, 1.0],)),
    (lambda lib, x: lib.logit(x, eps=0.3), ([0.1, 0.5, 0.9],)),
    (lambda lib, x: lib.deg2rad(x) + lib.rad2deg(x), ([1.0],)),
    (lambda lib, x: x.positive() * 1, ([1.0],)),
])
def test_gradients_at_special_points(expr, inputs):
    grads(expr, *inputs)


@pytest.mark.parametrize("expr", [
    lambda lib, x, y: x.relu(), lambda lib, x, y: x.clamp(0, 1), lambda lib, x, y: x.clamp(y),
    lambda lib, x, y: lib.maximum(x, y), lambda lib, x, y: lib.fmin(x, y),
    lambda lib, x, y: lib.where(x > 0, x, y), lambda lib, x, y: x.abs() + x.sign(),
    lambda lib, x, y: lib.nan_to_num(x), lambda lib, x, y: x.floor() + x.round(),
    lambda lib, x, y: x.clamp_min(y) * 2, lambda lib, x, y: lib.hypot(x, y)])
def test_nonfinite_incoming_gradients(expr):
    """Masked gradients are 0 even where the incoming gradient is inf or NaN, as PyTorch."""
    res = []
    for lib in (ember, torch):
        x = lib.tensor([-1.0, 2.0, 0.5, 0.0], requires_grad=True)
        y = lib.tensor([0.0, 0.0, 0.5, 1.0], requires_grad=True)
        out = expr(lib, x, y)
        g = lib.tensor([math.nan, math.inf, math.nan, -math.inf])
        res.append(lib.autograd.grad(out, [x, y], g, allow_unused=True))
    for a, b in zip(*res):
        assert (a is None) == (b is None) or (a is None and not b.numpy().any())
        if a is not None:
            same(a, b)


def test_float32_gradients_keep_dtype():
    grads(lambda lib, x, y: lib.maximum(x, y) * x.sigmoid() + lib.hypot(x, y),
          [1.0, 2.0], [1.0, 0.5], dtype="float32")
    grads(lambda lib, x: lib.float_power(x, 2), [1.5, 2.0], dtype="float32")


def test_not_implemented_derivatives():
    x = ember.tensor([1.5, 2.5], requires_grad=True)
    for r, op in ((x // 2, "floor_divide"), (2 % x, "remainder"),
                  (ember.heaviside(x, x), "heaviside")):
        assert r.requires_grad and r.grad_fn.name() == "torch::autograd::NotImplemented"
        assert repr(r.grad_fn).startswith("<NotImplemented object")
        with pytest.raises(RuntimeError, match=f"derivative for aten::{op} is not implemented"):
            r.sum().backward()


# -- numerical stability -------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stability_at_large_magnitudes(dtype):
    x = np.array([-1e4, -100.0, -20.0, -1e-8, 0.0, 1e-8, 20.0, 100.0, 1e4], dtype)
    for f in (lambda lib, x: x.sigmoid(), lambda lib, x: x.tanh(), lambda lib, x: x.log1p(),
              lambda lib, x: x.expm1(), lambda lib, x: lib.logaddexp(x, x),
              lambda lib, x: lib.logaddexp(x, -x), lambda lib, x: lib.logaddexp2(x, x * 0.5),
              lambda lib, x: x.erf(), lambda lib, x: x.erfc(), lambda lib, x: x.exp(),
              lambda lib, x: lib.hypot(x, x), lambda lib, x: lib.logit(x.sigmoid())):
        same(*run(f, x), rtol=4e-6 if dtype == "float32" else 1e-13)


def test_no_numpy_warnings():
    x = ember.tensor([0.0, -1.0, math.inf, math.nan, 1e38, -1e38])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.log(), x.sqrt(), x / 0, x * 1e10, x - x, x.exp(), x.reciprocal(), x ** -1
        x.rsqrt(), x.acos(), x.atanh(), x.erfinv(), x.sigmoid(), x % 0.0, x // 0.0
        ember.fmod(x, 0.0), x.round(decimals=40), x.to(ember.int32), x.lerp(x, 0.5)
        ember.xlogy(x, x), ember.logaddexp(x, x), ember.hypot(x, x), x.atan2(x)
        (x * 1e30).to(ember.float16), ember.ones(2, dtype=ember.int64).fill_(math.nan)


# -- erf accuracy ---------------------------------------------------------------------------------
def _ulps(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    sp = np.spacing(np.abs(ref))
    return np.abs(got - ref) / np.where(sp == 0, 5e-324, sp)


def test_erf_erfc_accuracy_against_math():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-6.5, 6.5, 4000), rng.uniform(-1.2, 1.2, 2000),
                        rng.uniform(0.4, 27.0, 3000), 10.0 ** rng.uniform(-300, 0, 300),
                        [0.0, -0.0, 0.5, 1.0, 2.0, 4.0, 1 - 2 ** -53, 6.0, 26.5, 27.5, 40.0]])
    e = ember.erf(ember.tensor(x)).numpy()
    ec = ember.erfc(ember.tensor(x)).numpy()
    assert _ulps(e, np.array([math.erf(v) for v in x])).max() <= 2
    assert _ulps(ec, np.array([math.erfc(v) for v in x])).max() <= 4
    special = ember.tensor([math.inf, -math.inf, math.nan])
    assert ember.erf(special).tolist()[:2] == [1.0, -1.0] and math.isnan(ember.erf(special)[2])
    assert ember.erfc(special).tolist()[:2] == [0.0, 2.0] and math.isnan(ember.erfc(special)[2])


def test_erf_float32_matches_torch_and_erfinv_inverts():
    rng = np.random.default_rng(1)
    x = rng.uniform(-5, 5, 20000).astype(np.float32)
    for name in ("erf", "erfc"):
        a = getattr(ember, name)(ember.tensor(x)).numpy()
        b = getattr(torch, name)(torch.tensor(x)).numpy()
        assert a.dtype == np.float32
        assert _ulps(a, b).max() <= 2
    y = np.concatenate([rng.uniform(-1, 1, 5000), 1 - 10.0 ** rng.uniform(-16, -1, 500)])
    a = ember.erfinv(ember.tensor(y)).numpy()
    b = torch.erfinv(torch.tensor(y)).numpy()
    assert _ulps(a, b).max() <= 4
    y32 = y.astype(np.float32)
    y32 = y32[np.abs(y32) < 1]
    assert _ulps(ember.erfinv(ember.tensor(y32)).numpy(),
                 torch.erfinv(torch.tensor(y32)).numpy()).max() <= 2
    back = ember.erf(ember.tensor(a)).numpy()
    np.testing.assert_allclose(back, y, rtol=2e-16 * 8, atol=0)
    same(*run(lambda lib, x: lib.erfinv(x), np.array([1.0, -1.0, 1.5, math.nan, 0.0, -0.0])))


def test_erf_coefficients_rederive():
    """The polynomial coefficients in ops.special come from Chebyshev interpolation in
    50-digit arithmetic; this re-derives them and compares."""
    mp = pytest.importorskip("mpmath")
    from ember.ops import special as pw
    mp.mp.dps = 50

    def cheb_fit(f, a, b, n):
        # interpolate at Chebyshev nodes, then expand sum c_k T_k(t) into monomials of t
        a, b = mp.mpf(a), mp.mpf(b)
        nodes = [mp.cos(mp.pi * (k + mp.mpf(1) / 2) / n) for k in range(n)]
        fx = [f((b - a) / 2 * t + (a + b) / 2) for t in nodes]
        c = [2 * mp.fsum(fx[k] * mp.cos(mp.pi * j * (k + mp.mpf(1) / 2) / n) for k in range(n))
             / n for j in range(n)]
        c[0] /= 2
        T = [[mp.mpf(1)] + [mp.mpf(0)] * (n - 1), [mp.mpf(0), mp.mpf(1)] + [mp.mpf(0)] * (n - 2)]
        for k in range(2, n):
            T.append([2 * (T[k - 1][i - 1] if i else 0) - T[k - 2][i] for i in range(n)])
        return [mp.fsum(c[k] * T[k][i] for k in range(n)) for i in range(n)]

    def g(u):                      # erf(sqrt u) / sqrt u
        return 2 / mp.sqrt(mp.pi) if u == 0 else mp.erf(mp.sqrt(u)) / mp.sqrt(u)

    def erfcx(x):
        return mp.erfc(x) * mp.exp(x * x)

    def h(s):                      # x erfcx(x) with s = 1/x^2
        return 1 / mp.sqrt(mp.pi) if s == 0 else erfcx(1 / mp.sqrt(s)) / mp.sqrt(s)

    # erf on |x| < 1: the fit in t = 2u - 1 re-expanded in u = x^2, minus the leading 1
    m = cheb_fit(g, 0, 1, 14)
    poly = [mp.fsum(m[k] * math.comb(k, i) * 2 ** i * (-1) ** (k - i) for k in range(i, 14))
            for i in range(14)]
    poly[0] -= 1
    fits = [(poly, pw._ERF_SMALL), (cheb_fit(erfcx, 0.5, 1, 17), pw._ERFCX_1),
            (cheb_fit(erfcx, 1, 2, 19), pw._ERFCX_2),
            (cheb_fit(h, mp.mpf(1) / 16, mp.mpf(1) / 4, 22), pw._ERFC_3),
            (cheb_fit(h, 0, mp.mpf(1) / 16, 18), pw._ERFC_4)]
    for derived, stored in fits:
        assert len(derived) == len(stored)
        np.testing.assert_allclose([float(v) for v in derived], stored, rtol=1e-13, atol=1e-30)


def test_erf_speed_is_vectorised():
    import time
    x = ember.randn(200000, dtype=ember.float64) * 3
    t0 = time.perf_counter()
    ember.erf(x), ember.erfc(x)
    assert time.perf_counter() - t0 < 1.0


# -- in-place semantics --------------------------------------------------------------------------
INPLACE_UNARY = ["neg_", "abs_", "reciprocal_", "square_", "sqrt_", "rsqrt_", "exp_", "exp2_",
                 "expm1_", "log_", "log2_", "log10_", "log1p_", "sin_", "cos_", "tan_", "asin_",
                 "acos_", "atan_", "sinh_", "cosh_", "tanh_", "asinh_", "acosh_", "atanh_",
                 "sigmoid_", "relu_", "erf_", "erfc_", "erfinv_", "sign_", "sgn_", "floor_",
                 "ceil_", "round_", "trunc_", "fix_", "frac_", "nan_to_num_", "zero_",
                 "logical_not_", "bitwise_not_", "deg2rad_", "rad2deg_", "logit_",
                 "negative_", "absolute_", "arcsin_", "arctanh_"]


@pytest.mark.parametrize("name", INPLACE_UNARY)
def test_inplace_unary(name):
    for dt in ("int64", "bool", "float32", "float64"):
        def f(lib, x):
            v = x._version
            r = getattr(x, name)()
            assert r is x and x._version == v + 1
            return x
        same(*run(f, sample(dt)), rtol=4e-6)
    # with autograd: grad_fn name, gradient, and the leaf error
    base = np.array([0.25, 0.5, 0.75])

    def g(lib, x):
        y = x * 1
        getattr(y, name)()
        return y, lib.autograd.grad(y.sum(), x, allow_unused=True)[0] if y.requires_grad \
            else None
    res = []
    for lib in (ember, torch):
        x = lib.tensor(base, requires_grad=True)
        try:
            res.append(g(lib, x))
        except Exception as e:  # noqa: BLE001
            res.append(e)
    (e, t) = res
    if isinstance(t, Exception):
        same(e, t)
        return
    ey, eg = e
    ty, tg = t
    same(ey, ty, rtol=4e-6)
    assert (ey.grad_fn is None) == (ty.grad_fn is None)
    if ty.grad_fn is not None and name != "logical_not_":
        assert ey.grad_fn.name() == ty.grad_fn.name()
    if tg is not None and name != "logical_not_":
        same(eg, tg, rtol=4e-6)
    leaf = ember.tensor(base, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        getattr(leaf, name)()


INPLACE_BINARY = {
    "add_": 2.0, "sub_": 2, "mul_": 0.5, "div_": 4.0, "floor_divide_": 2, "remainder_": 3,
    "fmod_": 3, "pow_": 2, "atan2_": "t", "hypot_": "t", "xlogy_": "t", "copysign_": "t",
    "clamp_min_": 0.5, "clamp_max_": 0.5, "eq_": 1, "ne_": 1, "lt_": 1, "le_": 1, "gt_": 1,
    "ge_": "t", "logical_and_": "t", "logical_or_": "t", "logical_xor_": "t",
    "bitwise_and_": 3, "bitwise_or_": 3, "bitwise_xor_": 3, "bitwise_left_shift_": 1,
    "bitwise_right_shift_": 1, "lerp_": None, "addcmul_": None, "addcdiv_": None,
    "float_power_": 2, "heaviside_": "t", "clamp_": None, "divide_": 2, "multiply_": 3,
    "subtract_": 1, "true_divide_": 2, "less_": 1, "greater_equal_": 0,
}


@pytest.mark.parametrize("name", list(INPLACE_BINARY))
def test_inplace_binary(name):
    arg = INPLACE_BINARY[name]

    def call(lib, x, other):
        if name == "lerp_":
            return x.lerp_(other, 0.25)
        if name in ("addcmul_", "addcdiv_"):
            return getattr(x, name)(other, other + 2, value=0.5)
        if name == "clamp_":
            return x.clamp_(0.5, other)
        return getattr(x, name)(other)

    for dt in ("int64", "bool", "float32", "float64"):
        x = sample(dt)
        other = x[::-1].copy() if arg in ("t", None) else arg

        def f(lib, x, other):
            v = x._version
            r = call(lib, x, other)
            assert r is x and x._version == v + 1
            return x
        same(*run(f, x, other), rtol=4e-6)
    # autograd through the in-place op, against torch
    a, b = np.array([0.25, 1.5, 0.75]), np.array([0.5, 1.25, 2.0])
    res = []
    for lib in (ember, torch):
        x = lib.tensor(a, requires_grad=True)
        o = lib.tensor(b, requires_grad=True)
        other = o if arg in ("t", None) else arg
        try:
            y = x * 1
            call(lib, y, other)
            gs = lib.autograd.grad(y.sum(), [x, o], allow_unused=True) if y.requires_grad \
                else None
            res.append((y, gs))
        except Exception as e:  # noqa: BLE001
            res.append(e)
    e, t = res
    if isinstance(t, Exception):
        same(e, t)
        return
    assert not isinstance(e, Exception), e
    same(e[0], t[0], rtol=4e-6)
    if t[0].grad_fn is not None and not name.startswith("logical"):
        assert e[0].grad_fn.name() == t[0].grad_fn.name()
    if t[1] is not None and not name.startswith("logical"):
        for ge, gt in zip(e[1], t[1]):
            if gt is None:
                assert ge is None or not ge.numpy().any()
            else:
                same(ge, gt, rtol=4e-6)


def test_inplace_errors():
    for f in (lambda lib: lib.tensor([1, 2]).exp_(), lambda lib: lib.tensor([1, 2]).div_(2),
              lambda lib: lib.tensor([1, 2]).add_(1.5), lambda lib: lib.tensor([True]).add_(1),
              lambda lib: lib.ones(2).add_(lib.ones(2, 2)),
              lambda lib: lib.ones(1).eq_(lib.ones(2)),
              lambda lib: lib.tensor([1, 2]).clamp_(0.5, 1),
              lambda lib: lib.tensor([1, 2]).round_(decimals=1),
              lambda lib: lib.tensor([2.0]).float_power_(2),
              lambda lib: lib.ones(2).expand(3, 2).mul_(2),
              lambda lib: lib.tensor([1, 2]).div_(2, rounding_mode="floor"),
              lambda lib: lib.tensor([1, 2]).sqrt_(), lambda lib: lib.tensor([1, 2]).sigmoid_()):
        same(*run(f))


def test_inplace_through_views_and_versions():
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        y = x * 2
        v = y[1:3]
        v.clamp_(max=5.0)
        y[0:1].mul_(3)
        v.exp_()
        (y * 1).sum().backward()
        if lib is ember:
            eg, ey, ename = x.grad.numpy().copy(), y.detach().numpy().copy(), y.grad_fn.name()
        else:
            np.testing.assert_allclose(eg, x.grad.numpy())
            np.testing.assert_allclose(ey, y.detach().numpy())
            assert ename == y.grad_fn.name()
    # a saved tensor changed in place is detected at backward
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y.sin()
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    # exp_ saves its result: changing it afterwards is detected too
    y = x * 1
    y.exp_()
    w = y * 1
    y.add_(1)
    with pytest.raises(RuntimeError, match="is at version 2; expected version 1"):
        w.sum().backward()


# -- out= ----------------------------------------------------------------------------------------
def test_out_argument():
    def f(name, *args, out_dtype="float32", shape=(2,), **kw):
        def g(lib, *arrs):
            o = lib.zeros(*shape, dtype=getattr(lib, out_dtype))
            r = getattr(lib, name)(*arrs, out=o, **kw)
            assert r is o
            return o
        return g
    x, y = np.array([1.0, 4.0], np.float32), np.array([2.0, 3.0], np.float32)
    for g, args in ((f("add", alpha=2), (x, y)), (f("exp"), (x,)), (f("sqrt"), (x,)),
                    (f("exp", out_dtype="float64"), (x,)), (f("exp", out_dtype="int64"), (x,)),
                    (f("add", out_dtype="int64"), (x, y)), (f("eq", out_dtype="int64"), (x, y)),
                    (f("eq", out_dtype="float32"), (x, y)), (f("mul", shape=(3,)), (x, y)),
                    (f("mul", shape=(0,)), (x, y)), (f("clamp", min=2.0), (x,)),
                    (f("maximum"), (x, y)), (f("where"), (x > 2, x, y)),
                    (f("pow"), (x, 2)), (f("atan2"), (x, y)), (f("erf"), (x,)),
                    (f("logical_and", out_dtype="float32"), (x, y)),
                    (f("bitwise_and", out_dtype="int64"), (x.astype(int), y.astype(int))),
                    (f("div", rounding_mode="floor"), (x, y)), (f("sigmoid"), (x,)),
                    (f("nan_to_num"), (x,)), (f("lerp", weight=0.5), (x, y)),
                    (f("addcmul", value=2), (x, x, y)), (f("floor"), (x,)),
                    (f("exp", out_dtype="float16"), (x,))):
        same(*run(g, *args))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ember.add(ember.ones(2), 1, out=ember.zeros(3))
    assert "was resized since it had shape [3]" in str(w[0].message)
    for lib in (ember, torch):
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            lib.exp(x, out=lib.zeros(2))
        with lib.no_grad():
            assert lib.exp(x, out=lib.zeros(2)).tolist() == pytest.approx([math.e] * 2)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_zero_dim_arithmetic_is_exact_and_quiet(dtype):
    """Two 0-d float tensors add, subtract and multiply in Python floats (a fast path): the
    results must be NumPy's (and torch's) to the bit, overflow to inf without a warning."""
    rng = np.random.default_rng(0)
    npdt = np.dtype(dtype)
    big = float(np.finfo(npdt).max)
    values = list(rng.standard_normal(200) * 10.0 ** rng.integers(-8, 8, 200))
    values += [0.0, -0.0, big, -big, big / 3, float("inf"), float("nan"), 1e-300]
    pairs = list(zip(values, values[1:] + values[:1])) + [(big, big), (big, 2.0), (-big, big)]
    with np.errstate(all="ignore"):
        pairs = [(np.array(x).astype(npdt), np.array(y).astype(npdt)) for x, y in pairs]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for xa, ya in pairs:
            x, y = xa.item(), ya.item()
            a = ember.tensor(xa)
            b = ember.tensor(ya)
            for op in ("__add__", "__sub__", "__mul__"):
                with np.errstate(all="ignore"):
                    want = getattr(xa, op)(ya)
                got = getattr(a, op)(b).numpy()
                assert got.dtype == npdt and got.shape == ()
                assert np.array_equal(got, want, equal_nan=True), (x, y, op)
                assert np.signbit(got) == np.signbit(want) or np.isnan(want)
    t = torch.tensor(3e38) * torch.tensor(10.0)
    assert str((ember.tensor(3e38) * ember.tensor(10.0)).item()) == str(t.item())


def test_zero_dim_fast_path_results_are_ordinary_tensors():
    """A result of the 0-d fast path takes views and in-place writes, keeps its graph, and the
    dtypes it does not serve (integers, bfloat16, complex, mixed) keep PyTorch's results."""
    def scenario(lib):
        a = lib.tensor(1.5, requires_grad=True)
        y = a * lib.tensor(2.0)
        v = y.view(1)
        y.add_(1.0)
        w = (v * a).sum()
        w.backward()
        out = [v.tolist(), y._version, a.grad.item(), y.grad_fn.name()]
        for x, z in ((lib.tensor(3), lib.tensor(-4)), (lib.tensor(3, dtype=lib.int8),
                     lib.tensor(100, dtype=lib.int8)),
                     (lib.tensor(1.25, dtype=lib.bfloat16), lib.tensor(3.0, dtype=lib.bfloat16)),
                     (lib.tensor(1 + 2j), lib.tensor(0.5 - 1j)),
                     (lib.tensor(0.1), lib.tensor(0.2, dtype=lib.float64))):
            for r in (x + z, x - z, x * z):
                out.append((str(r.dtype), r.shape == (), r.item()))
        return out
    assert scenario(ember) == scenario(torch)


def test_python_scalar_creation_keeps_the_requested_dtype():
    for lib in (torch, ember):
        assert lib.tensor(1e308, dtype=lib.float64).item() == 1e308
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ember.tensor(1e308).item() == torch.tensor(1e308).item() == math.inf
