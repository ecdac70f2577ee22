"""Tensors next to NumPy arrays: operators both ways, NumPy functions, __array__, DLPack,
numpy(force=) — each compared with what PyTorch gives."""
import operator
import warnings

import numpy as np
import pytest
import torch

import ember

_OPS = ("add sub mul truediv floordiv mod pow matmul and_ or_ xor lt le gt ge eq ne "
        "lshift").split()


def _cases(lib):
    return {
        "f32 tensor, f64 array": (lib.tensor([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])),
        "f32 tensor, i64 array": (lib.tensor([1.0, 2.0, 3.0]), np.array([1, 2, 3])),
        "f32 tensor, 0-d f64 array": (lib.tensor([1.0, 2.0, 3.0]), np.array(2.0)),
        "i64 tensor, i64 array": (lib.tensor([1, 2, 3]), np.array([3, 1, 2])),
        "f32 tensor, f32 array": (lib.tensor([1.5, 2.0, 3.0]), np.array([2.0, 1.0, 4.0],
                                                                         np.float32)),
    }


def _outcome(f, x, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = f(x, y)
        except Exception as e:  # noqa: BLE001 - the exception class is the outcome
            return ("raises", type(e).__name__, str(e))
    if isinstance(r, (ember.Tensor, torch.Tensor)):
        return ("tensor", str(r.dtype), r.tolist())
    if isinstance(r, np.ndarray):
        return ("ndarray", str(r.dtype), r.tolist())
    return (type(r).__name__, r)


def _norm(o):
    # the same message but for the class name of the operand
    if o[0] == "raises":
        return o[:2] + (o[2].replace("ember.Tensor", "Tensor"),)
    return o


@pytest.mark.parametrize("case", list(_cases(ember)))
@pytest.mark.parametrize("name", _OPS)
@pytest.mark.parametrize("side", ["tensor first", "array first"])
def test_operators_match_torch(case, name, side):
    f = getattr(operator, name)
    if side == "array first":
        f = (lambda g: lambda x, y: g(y, x))(f)
    e = _outcome(f, *_cases(ember)[case])
    t = _outcome(f, *_cases(torch)[case])
    assert _norm(e) == _norm(t)


def test_inplace_forms_match_torch():
    for lib in (ember, torch):
        a = np.array([1.0, 2.0, 3.0])
        with pytest.raises(TypeError, match="Concatenation operation is not implemented"):
            a += lib.tensor([1.0, 2.0, 3.0])
    t, u = ember.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])
    t += np.array([1.0, 1.0])     # declined in place: t is rebound to t + array (float64)
    u += np.array([1.0, 1.0])
    assert str(t.dtype) == str(u.dtype) and t.tolist() == u.tolist()


@pytest.mark.parametrize("fn", [np.exp, np.sqrt, np.isnan, lambda x: np.add(x, 1.0),
                                lambda x: np.add(np.arange(3.0), x), np.negative])
def test_numpy_functions_give_tensors(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e, t = fn(ember.tensor([1.0, 4.0, 9.0])), fn(torch.tensor([1.0, 4.0, 9.0]))
    assert type(e) is ember.Tensor and str(e.dtype) == str(t.dtype)
    assert e.tolist() == t.tolist()


def test_numpy_scalars_and_asarray():
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0])
        assert (np.float64(2) + x).dtype == lib.float32
        assert (x * np.int64(3)).tolist() == [3.0, 6.0]
        a = np.asarray(x)
        a[0] = 7.0                          # shares memory
        assert x[0].item() == 7.0
        assert np.asarray(x, dtype=np.float64).dtype == np.float64
        assert np.array([x, x]).shape == (2, 2)
        w = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that "
                                               "requires grad"):
            np.asarray(w)
        assert w.numpy(force=True).tolist() == [1.0, 1.0]
    assert ember.Tensor.__array_priority__ == torch.Tensor.__array_priority__


def test_unsupported_array_dtype():
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.object_"):
        ember.tensor([1.0]) == np.array([None])


def test_dlpack_shares_memory_both_ways():
    a = np.arange(6.0).reshape(2, 3)
    t = ember.from_dlpack(a)
    assert t.dtype == ember.float64 and t.shape == (2, 3)
    a[0, 0] = 5.0
    assert t[0, 0].item() == 5.0
    back = np.from_dlpack(t)
    back[1, 2] = -1.0
    assert t[1, 2].item() == -1.0
    assert t.__dlpack_device__() == torch.ones(1).__dlpack_device__()
    # torch tensors and ember tensors exchange memory through DLPack
    tt = torch.arange(4, dtype=torch.int32)
    et = ember.from_dlpack(tt)
    tt[0] = 9
    assert et.tolist() == [9, 1, 2, 3] and et.dtype == ember.int32
    t2 = torch.from_dlpack(ember.arange(3.0))
    assert t2.tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(RuntimeError, match="require gradient"):
        ember.ones(2, requires_grad=True).__dlpack__()
    capsule = ember.utils.dlpack.to_dlpack(ember.arange(3))
    assert ember.utils.dlpack.from_dlpack(capsule).tolist() == [0, 1, 2]


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "matmul", "add_", "mul_"])
def test_only_operator_forms_decline_arrays(name):
    # the operators decline an ndarray inside the op (its _op flag); the function and method
    # forms of the same op still refuse it with a TypeError, as PyTorch's do
    dunder = {"add": "__add__", "sub": "__sub__", "mul": "__mul__", "div": "__truediv__",
              "pow": "__pow__", "matmul": "__matmul__", "add_": "__iadd__", "mul_": "__imul__"}
    for lib in (ember, torch):
        t, a = lib.ones(3), np.ones(3)
        assert getattr(t, dunder[name])(a) is NotImplemented
        with pytest.raises(TypeError):
            getattr(t, name)(a)
        if hasattr(lib, name):
            with pytest.raises(TypeError):
                getattr(lib, name)(t, a)
    assert getattr(ember.ones(3), dunder[name])(ember.ones(3)) is not NotImplemented
