"""The deprecated torch.range (end included): values, dtype, warning and errors as PyTorch's."""
from __future__ import annotations

import warnings

import pytest

import ember


CASES = [((1, 4), {}), ((4, 1, -1), {}), ((0, 1, 0.3), {}), ((0, 1, 0.1), {}), ((1, 1), {}),
         ((0, 3), {"dtype": "int64"}), ((0, 2, 0.5), {"dtype": "float64"}),
         ((-1, 1e10, 1e9), {}), ((2**60, 2**60 + 2), {"dtype": "int64"}),
         (("t1", "t3.5"), {})]


def _call(lib, args, kw):
    args = [lib.tensor(float(a[1:]) if "." in a else int(a[1:])) if isinstance(a, str) else a
            for a in args]
    kw = {k: getattr(lib, v) if k == "dtype" else v for k, v in kw.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lib.range(*args, **kw)


@pytest.mark.parametrize("args, kw", CASES)
def test_range_values_match_torch(args, kw):
    torch = pytest.importorskip("torch")
    e, t = _call(ember, args, kw), _call(torch, args, kw)
    assert str(e.dtype) == str(t.dtype) and e.tolist() == t.tolist()


def test_range_includes_end_warns_and_checks():
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        r = ember.range(1, 4)
    assert r.dtype is ember.float32 and r.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert _call(ember, (0, 3), {"requires_grad": True}).requires_grad
    for args, exc, msg in (((1, 4, 0), RuntimeError, "step must be nonzero"),
                           ((4, 1), RuntimeError, "upper bound and lower bound inconsistent"),
                           ((5,), TypeError, 'missing 1 required positional arguments: "end"')):
        with pytest.raises(exc, match=msg):
            _call(ember, args, {})
    with pytest.raises(NotImplementedError, match="range_cpu"):
        _call(ember, (0, 2), {"dtype": "bool"})
    assert ember.range is not range      # (the builtin is untouched outside ember/__init__)
