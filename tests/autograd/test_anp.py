"""The array namespace of backward formulas: each function gives on NumPy arrays what it gives
on tensors (values, dtype, shape), and on tensors it records a differentiable graph."""
import numpy as np
import pytest

import ember
from ember.autograd import anp

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
