"""dtypes, type promotion and creation dtype inference, against PyTorch's rules."""
import itertools

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def test_dtype_objects_print_like_torch():
    for n in NAMES:
        assert repr(getattr(ember, n)) == repr(getattr(torch, n))
        assert getattr(ember, n).is_floating_point == getattr(torch, n).is_floating_point
        assert getattr(ember, n).is_signed == getattr(torch, n).is_signed
        assert getattr(ember, n).itemsize == getattr(torch, n).itemsize
    assert ember.float is ember.float32 and ember.long is ember.int64
    assert ember.double is ember.float64 and ember.half is ember.float16


@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_promote_types(a, b):
    got = ember.promote_types(getattr(ember, a), getattr(ember, b))
    assert repr(got) == repr(torch.promote_types(getattr(torch, a), getattr(torch, b)))


SCALARS = [True, 2, 2.5]


@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_binary_result_dtype_dim_and_zero_dim(a, b):
    """A 0-d tensor only raises the category of a dimensioned one (three tiers)."""
    x = np.ones(3).astype(a if a != "bool" else np.bool_)
    y = np.ones(()).astype(b if b != "bool" else np.bool_)
    e = ember.result_type(ember.tensor(x), ember.tensor(y))
    t = torch.result_type(torch.tensor(x), torch.tensor(y))
    assert repr(e) == repr(t)


@pytest.mark.parametrize("a,s", list(itertools.product(NAMES, SCALARS)))
def test_binary_with_python_scalar(a, s):
    x = np.ones(3).astype(a if a != "bool" else np.bool_)
    e = ember.tensor(x) * s
    t = torch.tensor(x) * s
    assert repr(e.dtype) == repr(t.dtype)
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def test_int_division_gives_float_and_comparisons_bool():
    a, b = ember.tensor([3, 4]), ember.tensor([2, 2])
    assert (a / b).dtype is ember.float32
    assert (a // b).dtype is ember.int64
    assert (a > b).dtype is ember.bool
    assert (ember.tensor([1.0]) + 2).dtype is ember.float32


def test_creation_dtype_inference_matches_torch():
    cases = [3.0, 3, True, [1, 2], [1.0, 2], [[True, False]], np.float64(2.0),
             np.array([1.5], dtype=np.float64), np.array([1], dtype=np.int32),
             np.array([1], dtype=np.float16), np.array([1], dtype=np.uint8)]
    for c in cases:
        assert repr(ember.tensor(c).dtype) == repr(torch.tensor(c).dtype), c


def test_default_dtype_switch():
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.tensor(1.5).dtype is ember.float64
        assert ember.zeros(2).dtype is ember.float64
        assert (ember.tensor([1, 2]) * 0.5).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    assert ember.get_default_dtype() is ember.float32
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int64)


def test_finfo_iinfo():
    for n in ("float16", "float32", "float64"):
        e, t = ember.finfo(getattr(ember, n)), torch.finfo(getattr(torch, n))
        assert (e.eps, e.max, e.min, e.tiny, e.bits) == (t.eps, t.max, t.min, t.tiny, t.bits)
    for n in ("uint8", "int8", "int16", "int32", "int64"):
        e, t = ember.iinfo(getattr(ember, n)), torch.iinfo(getattr(torch, n))
        assert (e.max, e.min, e.bits) == (t.max, t.min, t.bits)
    with pytest.raises(TypeError):
        ember.finfo(ember.int32)


def test_unsupported_numpy_dtype_is_a_type_error():
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.str"):
        ember.from_numpy(np.array(["a", "b"]))
