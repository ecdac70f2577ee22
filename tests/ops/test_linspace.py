"""linspace and logspace: values and, for bad arguments, PyTorch's exception and message."""
from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

BAD = [
    (0, 1, -1), (0, 1, 2.5), (0, 1, "a"), (0, 1, None), (0, 1, True), ("a", 1, 3),
    (np.array([0.0, 1.0]), 1, 3), (0, np.zeros((2, 2)), 3),
]
GOOD = [(0, 1, 3), (0, 1, 0), (0, 1, 1), (-2.5, 7, 9), (0, 1, np.int64(4)), (0, 1, "tensor3"),
        (np.array(1.5), 4, 5)]


def _args(lib, args):
    out = []
    for a in args:
        if isinstance(a, np.ndarray):
            a = lib.tensor(a)
        elif a == "tensor3":
            a = lib.tensor(3)
        out.append(a)
    return out


def _outcome(fn):
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - the class and message are compared
        return e


@pytest.mark.parametrize("name", ["linspace", "logspace"])
@pytest.mark.parametrize("args", BAD + GOOD, ids=[repr(a) for a in BAD + GOOD])
def test_arguments_as_pytorch(name, args):
    t = _outcome(lambda: getattr(torch, name)(*_args(torch, args)))
    e = _outcome(lambda: getattr(ember, name)(*_args(ember, args)))
    if isinstance(t, Exception):
        assert type(e) is type(t), (e, t)
        assert str(e) == str(t)
    else:
        assert not isinstance(e, Exception), e
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
        assert str(e.dtype) == str(t.dtype)


@pytest.mark.parametrize("name", ["linspace", "logspace"])
def test_bool_dtype_not_implemented(name):
    for lib in (torch, ember):
        with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
            getattr(lib, name)(0, 1, 3, dtype=lib.bool)


def _spaced_cases():
    r = np.random.default_rng(7)
    cases = [(-1, 1, 7), (0, 1, 11), (-3.3, 7.1, 100), (0, 2 * np.pi, 1000), (-1, 1, 10000),
             (1e3, -2.5, 33), (0.1, 0.7, 37), (2.9, -7.9, 10), (3, 3, 5), (0, 1, 2)]
    cases += [(float(r.normal() * 10.0 ** r.integers(-3, 4)),
               float(r.normal() * 10.0 ** r.integers(-3, 4)), int(r.integers(2, 3000)))
              for _ in range(40)]
    return cases


def _same(e, t):
    if str(t.dtype) == "torch.bfloat16":
        e, t = e.float(), t.float()
    en, tn = e.numpy(), t.numpy()
    assert en.dtype == tn.dtype
    np.testing.assert_array_equal(en, tn)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int64",
                                   "int16", "uint8", "complex64", "complex128"])
def test_linspace_bit_for_bit(dtype):
    """PyTorch's loop (from start below the middle, from end above it, each value one fused
    multiply-add for float, double, complex parts and integers' double step): the same bits,
    on long ranges too, where a plain multiply-then-add is 1 ulp off for about a third of
    the values."""
    for a, b, n in _spaced_cases():
        if dtype in ("float16", "bfloat16", "int16", "uint8") and max(abs(a), abs(b)) > 250:
            continue
        if dtype == "uint8":
            a, b = abs(a), abs(b)
        if dtype.startswith("complex"):
            a, b = complex(a, b / 3), complex(-b, a / 7)
        _same(ember.linspace(a, b, n, dtype=getattr(ember, dtype)),
              torch.linspace(a, b, n, dtype=getattr(torch, dtype)))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int64",
                                   "int32"])
def test_logspace_bit_for_bit(dtype):
    """start and end in the output type, the exponent in double (not fused), pow in double,
    one conversion (through float for the half types)."""
    r = np.random.default_rng(3)
    for a, b, n in _spaced_cases():
        base = float(r.choice([10.0, 2.0, np.e, 0.5, 3.5]))
        a, b = a % 9, -(b % 9)
        if dtype in ("float16", "int64", "int32"):
            a, b = a / 4, b / 4
        _same(ember.logspace(a, b, n, base, dtype=getattr(ember, dtype)),
              torch.logspace(a, b, n, base, dtype=getattr(torch, dtype)))


@pytest.mark.parametrize("name", ["linspace", "logspace"])
@pytest.mark.parametrize("args", [(-1, 5, 3, "uint8"), (0, 300, 3, "int8"), (-256, 0, 3, "uint8"),
                                  (-255, 0, 3, "uint8"), (0, 1e40, 3, "float32"),
                                  (40000, 0, 3, "int16"), (1e6, 0, 3, "float16"),
                                  (1e40, 0, 3, "bfloat16"), (0, 2 ** 40, 3, "int32"),
                                  (float("inf"), 0, 3, "float32"), (2.5, 7, 1, "int64")])
def test_spaced_ends_convert_as_pytorch(name, args):
    """start and end are converted to the output type first: truncated, wrapped into an
    unsigned type, or PyTorch's overflow error."""
    *vals, dt = args
    t = _outcome(lambda: getattr(torch, name)(*vals, dtype=getattr(torch, dt)))
    e = _outcome(lambda: getattr(ember, name)(*vals, dtype=getattr(ember, dt)))
    if isinstance(t, Exception):
        assert type(e) is type(t) and str(e) == str(t), (e, t)
    else:
        np.testing.assert_array_equal(e.numpy(), t.numpy())
