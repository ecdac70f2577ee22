"""In-place view ops (unsqueeze_, squeeze_, t_, transpose_, swapdims_, as_strided_): the same
tensor comes back with PyTorch's shape, strides, version and errors."""
from __future__ import annotations

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

OPS = ["unsqueeze_(0)", "squeeze_()", "squeeze_(1)", "t_()", "transpose_(0, 1)",
       "swapaxes_(1, 0)", "as_strided_((2, 2), (1, 2), 1)"]


def _geometry(lib, op, requires_grad):
    x = lib.tensor(np.arange(6.0).reshape(2, 1, 3)[:, 0], requires_grad=requires_grad)
    x = x * 1 if requires_grad else x
    v = x._version
    y = eval("x." + op)  # noqa: S307 - a fixed expression from OPS
    return y is x, tuple(x.shape), x.stride(), x._version - v, x.tolist()


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_geometry_and_version(op, requires_grad):
    assert _geometry(ember, op, requires_grad) == _geometry(torch, op, requires_grad)


@pytest.mark.parametrize("op", OPS)
def test_leaf_that_requires_grad_refused(op):
    messages = []
    for lib in (torch, ember):
        x = lib.ones(2, 3, requires_grad=True)
        with pytest.raises(RuntimeError) as info:
            eval("x." + op)  # noqa: S307
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_expanded_tensor_may_change_its_view():
    for lib in (torch, ember):
        x = lib.zeros(3).expand(2, 3)
        assert tuple(x.t_().shape) == (3, 2)
