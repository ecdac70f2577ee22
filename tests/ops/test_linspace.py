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
