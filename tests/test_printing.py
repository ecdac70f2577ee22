"""ember's tensor printing must match PyTorch's ``repr`` character for character.

Every case builds the same NumPy array in both libraries and compares the strings.  Each
test loops over a whole table and reports every mismatch at once, which keeps the run fast
while still naming the failing cases.
"""

import math

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

FLOATS = (np.float16, np.float32, np.float64)
COMPLEXES = (np.complex64, np.complex128)
INTS = (np.int8, np.int16, np.int32, np.int64, np.uint8)
SHAPES = ((), (1,), (6,), (2, 3), (3, 1, 2), (2, 1, 2, 3), (1, 1, 1, 1), (25,), (4, 13))
EMPTY_SHAPES = ((0,), (0, 3), (3, 0), (2, 0, 3), (0, 0), (1, 0, 1, 0))

nan, inf = math.nan, math.inf

# Value families chosen to hit each branch of the formatter: integer mode, fixed mode,
# scientific mode (ratio > 1000, max > 1e8, min < 1e-4), non-finite values, signed zeros,
# rounding that adds a digit, three-digit exponents and subnormals.
FLOAT_FAMILIES = {
    "ints": [1, -2, 3, 40, 0, 7],
    "big_ints": [123456789.0, 1.0, -5.0],
    "normal": np.random.default_rng(0).standard_normal(30),
    "scaled": np.random.default_rng(1).standard_normal(30) * 250.0,
    "positive": np.random.default_rng(2).random(30),
    "negative": -np.random.default_rng(3).random(30) * 10.0,
    "ratio_1000": [1.0, 1000.0, 2.0],
    "ratio_over": [1.0, 1000.5, 2.0],
    "max_1e8": [1e8, 3.0],
    "over_1e8": [1.5e8, 3.0],
    "min_1e-4": [1e-4, 2e-4],
    "tiny": [1.25e-5, 3.5e-5, -7.0e-6],
    "mixed_mag": [1e-5, 1.0, 1e5, -3.0],
    "huge": [1e10, -2.5e12, 3.0e9],
    "nan_inf": [nan, inf, -inf, 1.5, 0.0, -2.25],
    "nan_inf_int": [nan, inf, -inf, 2.0, 0.0, -3.0],
    "only_nan": [nan, nan, nan],
    "only_inf": [inf, -inf],
    "nan_zero": [0.0, nan],
    "zeros": [0.0, 0.0, 0.0],
    "neg_zero": [-0.0, 0.0, 1.0],
    "neg_zero_frac": [-0.0, 1.5, -0.0],
    "only_neg_zero": [-0.0, -0.0],
    "round_up": [9.99996, 0.99995, -9.99996, 99.99999],
    "round_tiny_neg": [-0.00001, 0.5, 0.25],
    "exp_100": [1e100, 1e-100, -3.0e120],
    "exp_300": [1e300, 1e-300],
    "subnormal": [5e-324, 1.0],
    "half_range": [65504.0, -65504.0, 6.1e-5, 1.0],
    "sci_nan": [1e-8, nan, inf, 3.0],
}

COMPLEX_FAMILIES = {
    "gaussian": (np.random.default_rng(4).standard_normal(12)
                 + 1j * np.random.default_rng(5).standard_normal(12)),
    "ints": np.array([1 + 2j, -3 - 4j, 0j, 5 - 0j, -0.0 - 0.0j]),
    "mixed": np.array([1e-6 + 1j, 1e6 - 2j, 3 + 1e-9j]),
    "nonfinite": np.array([complex(nan, 1.0), complex(1.0, inf), complex(-inf, -nan), 2j]),
    "real_only": np.array([1.5 + 0j, -2.5 + 0j]),
    "imag_neg_zero": np.array([complex(1.0, -0.0), complex(-1.0, 0.0)]),
}


def _int_families(np_dtype):
    info = np.iinfo(np_dtype)
    rng = np.random.default_rng(6)
    return {
        "small": np.array([0, 1, 2, 3, 7, 9]).astype(np_dtype),
        "padding": np.array([1, 10, 100, 5, 0, 127] if info.max < 1000 else
                            [1, 10, 1000, 5, 0, -12345 if info.min < 0 else 12345]
                            ).astype(np_dtype),
        "extremes": np.array([info.min, info.max, 0]).astype(np_dtype),
        "random": rng.integers(info.min, info.max, size=30, endpoint=True, dtype=np_dtype),
        "negative": np.array([-1, -20, -3] if info.min < 0 else [1, 20, 3]).astype(np_dtype),
    }


def _shaped(values, dtype, shape):
    """``values`` cast to ``dtype`` and cycled to fill ``shape`` (writable, contiguous)."""
    flat = np.asarray(values).astype(dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.array(np.resize(flat, int(np.prod(shape, dtype=np.int64))).reshape(shape))


def _base_arrays():
    """(name, array) for every dtype, value family and shape, plus empty tensors."""
    cases = []
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for dt in FLOATS:
            for fam, vals in FLOAT_FAMILIES.items():
                for shape in SHAPES:
                    cases.append((f"{np.dtype(dt).name}-{fam}-{shape}",
                                  _shaped(vals, dt, shape)))
        for dt in COMPLEXES:
            for fam, vals in COMPLEX_FAMILIES.items():
                for shape in SHAPES:
                    cases.append((f"{np.dtype(dt).name}-{fam}-{shape}",
                                  _shaped(vals, dt, shape)))
        for dt in INTS:
            for fam, vals in _int_families(dt).items():
                for shape in SHAPES:
                    cases.append((f"{np.dtype(dt).name}-{fam}-{shape}",
                                  _shaped(vals, dt, shape)))
        bools = {"mixed": [True, False, True], "all_true": [True], "all_false": [False]}
        for fam, vals in bools.items():
            for shape in SHAPES:
                cases.append((f"bool-{fam}-{shape}", _shaped(vals, np.bool_, shape)))
        for dt in FLOATS + COMPLEXES + INTS + (np.bool_,):
            for shape in EMPTY_SHAPES:
                cases.append((f"{np.dtype(dt).name}-empty-{shape}", np.zeros(shape, dt)))
    return cases


def _big_arrays():
    """Tensors past the default threshold of 1000 elements, summarised with ``...``."""
    rng = np.random.default_rng(7)
    cases = [
        ("arange2000", np.arange(2000)),
        ("arange1001_f32", np.arange(1001, dtype=np.float32)),
        ("normal_50x50", rng.standard_normal((50, 50)).astype(np.float32)),
        ("normal_10x10x11", rng.standard_normal((10, 10, 11))),
        ("normal_3x4x5x20", rng.standard_normal((3, 4, 5, 20)).astype(np.float32)),
        ("wide_2x600", rng.standard_normal((2, 600)).astype(np.float32) * 1e4),
        ("tall_600x2", rng.integers(-50, 50, (600, 2)).astype(np.int32)),
        ("sci_edges", np.concatenate([[1e-9], np.ones(1500), [1e9]]).astype(np.float32)),
        # Only the shown elements decide the format: the hidden middle is huge.
        ("hidden_middle", np.concatenate([np.ones(3), np.full(1000, 1e20), np.ones(3)])),
        ("bool_2000", rng.random(2000) > 0.5),
        ("uint8_40x40", rng.integers(0, 256, (40, 40)).astype(np.uint8)),
        ("half_1200", rng.standard_normal(1200).astype(np.float16)),
        ("complex_1100", (rng.standard_normal(1100) + 1j * rng.standard_normal(1100))
         .astype(np.complex64)),
        ("nan_edges", np.concatenate([[nan, inf], np.arange(1200.0), [-inf, nan]])),
    ]
    return cases


BASE = _base_arrays()
BIG = _big_arrays()

# Each print-option setting, applied identically to both libraries.
OPTION_SETS = [
    {},
    {"precision": 0},
    {"precision": 1},
    {"precision": 2},
    {"precision": 8},
    {"precision": 12},
    {"sci_mode": True},
    {"sci_mode": False},
    {"threshold": 5},
    {"threshold": 0},
    {"threshold": 10, "edgeitems": 1},
    {"threshold": 10, "edgeitems": 0},
    {"edgeitems": 0},
    {"threshold": 3, "edgeitems": 5},
    {"linewidth": 10},
    {"linewidth": 30},
    {"linewidth": 45},
    {"linewidth": 120},
    {"linewidth": 200},
    {"profile": "short"},
    {"profile": "full"},
    {"profile": "default"},
    {"profile": "short", "precision": 6, "sci_mode": True},
    {"precision": 2, "sci_mode": True, "linewidth": 50, "threshold": 10, "edgeitems": 1},
    {"precision": 3, "sci_mode": False, "linewidth": 60, "threshold": 20, "edgeitems": 2},
]

BIG_OPTION_SETS = [
    {},
    {"edgeitems": 1},
    {"edgeitems": 0},
    {"edgeitems": 5, "linewidth": 100},
    {"profile": "short"},
    {"threshold": 5000},
    {"precision": 2, "sci_mode": True},
    {"sci_mode": False, "linewidth": 40},
]


def _opt_id(opts):
    return ",".join(f"{k}={v}" for k, v in opts.items()) or "defaults"


@pytest.fixture(autouse=True)
def _reset_print_state():
    """Each test starts and ends with default print options and default dtype."""
    torch.set_printoptions(profile="default")
    ember.set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)
    ember.set_default_dtype(ember.float32)
    yield
    torch.set_printoptions(profile="default")
    ember.set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)
    ember.set_default_dtype(ember.float32)


def _mismatches(cases, make_torch=torch.from_numpy, make_ember=ember.from_numpy):
    """Compare repr for each (name, array); returns a list of readable differences."""
    bad = []
    for name, arr in cases:
        expected = repr(make_torch(arr))
        got = repr(make_ember(arr))
        if got != expected:
            bad.append(f"{name}:\n--- torch ---\n{expected}\n--- ember ---\n{got}")
    return bad


def _set_both(opts):
    torch.set_printoptions(**opts)
    ember.set_printoptions(**opts)


@pytest.mark.parametrize("opts", OPTION_SETS, ids=_opt_id)
def test_table_matches_torch(opts):
    _set_both(opts)
    bad = _mismatches(BASE)
    assert not bad, f"{len(bad)} of {len(BASE)} differ\n" + "\n".join(bad[:10])


@pytest.mark.parametrize("opts", BIG_OPTION_SETS, ids=_opt_id)
def test_summarised_matches_torch(opts):
    _set_both(opts)
    bad = _mismatches(BIG)
    assert not bad, f"{len(bad)} of {len(BIG)} differ\n" + "\n".join(bad[:5])


@pytest.mark.parametrize("opts", [{}, {"linewidth": 40}, {"precision": 2}], ids=_opt_id)
def test_default_dtype_float64(opts):
    # float64 loses its dtype suffix, float32 gains one, complex128 becomes the default.
    torch.set_default_dtype(torch.float64)
    ember.set_default_dtype(ember.float64)
    _set_both(opts)
    bad = _mismatches(BASE)
    assert not bad, f"{len(bad)} of {len(BASE)} differ\n" + "\n".join(bad[:10])


def test_tensor_constructor_matches_from_numpy():
    # ember.tensor copies; its printing must be the same as a zero-copy tensor's.
    cases = [(n, a) for n, a in BASE if a.ndim <= 2][:300]
    bad = _mismatches(cases, make_ember=ember.tensor)
    assert not bad, "\n".join(bad[:10])


def test_str_equals_repr():
    for _, arr in BASE[::7] + BIG:
        t = ember.from_numpy(arr)
        assert str(t) == repr(t) == repr(torch.from_numpy(arr))


GRAD_ARRAYS = [
    ("vec", np.array([1.0, -2.5, 3.25], np.float32)),
    ("scalar", np.array(1.5, np.float32)),
    ("mat", np.arange(12, dtype=np.float32).reshape(3, 4) / 8),
    ("f64", np.array([0.5, 2.0])),
    # Exactly representable values keep .sum() independent of summation order.
    ("long_row", (np.arange(14, dtype=np.float32) - 5.5) / 4),
    ("wide_row", np.arange(-1000, 1001, 333, dtype=np.float32) * 1.5),
    ("big", np.arange(1200, dtype=np.float32)),
]


@pytest.mark.parametrize("linewidth", [80, 40, 60, 75, 120])
def test_autograd_suffixes(linewidth):
    _set_both({"linewidth": linewidth})
    bad = []

    def check(name, expected, got):
        if expected != got:
            bad.append(f"{name}:\n{expected}\n{got}")

    for name, arr in GRAD_ARRAYS:
        tl = torch.tensor(arr, requires_grad=True)
        el = ember.tensor(arr, requires_grad=True)
        check(name + "-leaf", repr(tl), repr(el))
        check(name + "-mul", repr(tl * 2), repr(el * 2))
        check(name + "-add", repr(tl + 1), repr(el + 1))
        check(name + "-sum", repr(tl.sum()), repr(el.sum()))
        check(name + "-detach", repr((tl * 2).detach()), repr((el * 2).detach()))
        with torch.no_grad():
            tn = tl * 2
        with ember.no_grad():
            en = el * 2
        check(name + "-no_grad", repr(tn), repr(en))
    assert not bad, "\n".join(bad)


def test_parameter_prefix():
    cases = [np.array([[0.1, -0.2], [0.3, 0.4]], np.float32), np.array(2.0, np.float32),
             np.zeros((0, 4), np.float32), np.arange(3.0)]
    for arr in cases:
        expected = repr(torch.nn.Parameter(torch.from_numpy(arr.copy())))
        assert repr(ember.nn.Parameter(ember.tensor(arr))) == expected
        no_grad = torch.nn.Parameter(torch.from_numpy(arr.copy()), requires_grad=False)
        assert repr(ember.nn.Parameter(ember.tensor(arr), requires_grad=False)) == repr(no_grad)


def test_printoption_getters_and_context_manager():
    from ember import _tensor_str

    for opts in OPTION_SETS:
        _set_both(opts)
        assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()
    ember.set_printoptions(profile="default")
    arr = np.array([1.123456, 2.5], np.float32)
    with _tensor_str.printoptions(precision=2, linewidth=20):
        assert repr(ember.from_numpy(arr)) == "tensor([1.12, 2.50])"
        assert _tensor_str.get_printoptions()["linewidth"] == 20
    assert repr(ember.from_numpy(arr)) == "tensor([1.1235, 2.5000])"
    assert _tensor_str.get_printoptions() == {
        "precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def test_sci_mode_resets_when_omitted():
    # Like torch, every set_printoptions call assigns sci_mode, even when not passed.
    arr = np.array([1.5, 2.5], np.float32)
    _set_both({"sci_mode": True})
    assert repr(ember.from_numpy(arr)) == repr(torch.from_numpy(arr))
    _set_both({"precision": 3})
    assert repr(ember.from_numpy(arr)) == repr(torch.from_numpy(arr)) == "tensor([1.500, 2.500])"


def test_format():
    for arr in (np.array(1.23456, np.float32), np.array(7), np.array(True),
                np.array(2.5), np.array(3, np.uint8)):
        for spec in ("", ".2f", ">10", "^8", "e"):
            try:
                expected = format(torch.from_numpy(arr), spec)
            except (TypeError, ValueError) as exc:
                with pytest.raises(type(exc)):
                    format(ember.from_numpy(arr), spec)
            else:
                assert format(ember.from_numpy(arr), spec) == expected
    vec = np.array([1.0, 2.0], np.float32)
    assert format(ember.from_numpy(vec)) == format(torch.from_numpy(vec))
    assert f"{ember.from_numpy(vec)}" == repr(torch.from_numpy(vec))
    with pytest.raises(TypeError, match="unsupported format string passed to Tensor.__format__"):
        format(ember.from_numpy(vec), ".2f")
    # A 0-d Parameter is not a plain Tensor, so torch falls back to object.__format__.
    p = ember.nn.Parameter(ember.tensor(1.5))
    assert format(p, "") == format(torch.nn.Parameter(torch.tensor(1.5)), "")
    with pytest.raises(TypeError, match="Parameter.__format__"):
        format(p, ".2f")
    t = ember.tensor(1.5, requires_grad=True)
    assert f"{t * 2:.3f}" == "3.000"


def test_large_full_print_is_fast():
    # With threshold=inf every element is printed; formatting must stay linear and cheap.
    import time

    arr = np.random.default_rng(8).standard_normal((200, 500)).astype(np.float32)
    _set_both({"profile": "full"})
    start = time.perf_counter()
    text = repr(ember.from_numpy(arr))
    elapsed = time.perf_counter() - start
    assert text == repr(torch.from_numpy(arr))
    assert elapsed < 2.0
    # Summarised printing of a huge tensor only formats the shown corners.
    ember.set_printoptions(profile="default")
    huge = np.zeros((3000, 3000), np.float32)
    start = time.perf_counter()
    repr(ember.from_numpy(huge))
    assert time.perf_counter() - start < 0.5


def _random_case(rng):
    """A random dtype, shape, value mix and set of print options (seeded, reproducible)."""
    dtypes = FLOATS + COMPLEXES + INTS + (np.bool_,)
    dt = np.dtype(dtypes[rng.integers(len(dtypes))])
    ndim = int(rng.integers(0, 5))
    high = 40 if rng.random() < 0.1 else 8
    shape = tuple(int(s) for s in rng.integers(0 if rng.random() < 0.05 else 1, high, ndim))
    n = int(np.prod(shape, dtype=np.int64))
    specials = [0.0, -0.0, nan, inf, -inf, 1.0, -1.0, 0.5, 9.99995, 99.9995, 1e-4, 1e8, 1000.0]

    def real():
        mode = rng.integers(4)
        v = 10.0 ** rng.uniform(-rng.integers(1, 15), rng.integers(1, 15), n)
        v *= rng.choice([-1, 1], n)
        if mode == 0:
            v = np.round(v)
        elif mode == 1:
            v = rng.choice(specials, n)
        elif mode == 2:
            mask = rng.random(n) < 0.3
            v[mask] = rng.choice(specials, int(mask.sum()))
        return v

    with np.errstate(all="ignore"):
        if dt.kind in "iu":
            info = np.iinfo(dt)
            scale = int(rng.choice([10, 1000, int(info.max)]))
            arr = rng.integers(max(int(info.min), -scale), min(int(info.max), scale), n,
                               endpoint=True).astype(dt)
        elif dt.kind == "b":
            arr = rng.random(n) > rng.random()
        elif dt.kind == "c":
            arr = (real() + 1j * real()).astype(dt)
        else:
            arr = real().astype(dt)
    opts = {}
    if rng.random() < 0.5:
        opts["precision"] = int(rng.integers(0, 10))
    if rng.random() < 0.4:
        opts["threshold"] = int(rng.integers(0, 200))
    if rng.random() < 0.4:
        opts["edgeitems"] = int(rng.integers(0, 5))
    if rng.random() < 0.5:
        opts["linewidth"] = int(rng.integers(1, 150))
    if rng.random() < 0.3:
        opts["sci_mode"] = bool(rng.random() < 0.5)
    if rng.random() < 0.1:
        opts["profile"] = str(rng.choice(["short", "full", "default"]))
    requires_grad = dt.kind in "fc" and rng.random() < 0.2
    return arr.reshape(shape), opts, requires_grad, rng.random() < 0.2


def test_random_cases_match_torch():
    rng = np.random.default_rng(2024)
    bad = []
    for i in range(1500):
        arr, opts, requires_grad, double_default = _random_case(rng)
        default = (torch.float64, ember.float64) if double_default else (
            torch.float32, ember.float32)
        torch.set_default_dtype(default[0])
        ember.set_default_dtype(default[1])
        _set_both(opts)
        expected = repr(torch.from_numpy(arr).requires_grad_(requires_grad))
        got = repr(ember.from_numpy(arr).requires_grad_(requires_grad))
        if got != expected:
            bad.append(f"case {i} {arr.dtype} {arr.shape} {opts}:\n{expected}\n{got}")
    assert not bad, f"{len(bad)} differ\n" + "\n".join(bad[:5])
