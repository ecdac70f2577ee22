"""Comparison helpers the distribution tests share."""
from __future__ import annotations

import numpy as np


def assert_same(e: list, t: list, rtol: float = 2e-6, atol: float = 1e-7) -> None:
    """Lists of results from ember and torch: arrays equal in dtype and shape and close,
    everything else equal."""
    assert len(e) == len(t)
    for i, (a, b) in enumerate(zip(e, t)):
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape, i
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=str(i))
        else:
            assert a == b, (i, a, b)


def to_np(out: list) -> list:
    """Tensors as NumPy arrays (detached), other results as they are."""
    return [o.detach().numpy() if hasattr(o, "detach") else o for o in out]
