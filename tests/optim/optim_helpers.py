"""Shared helpers of the optimizer tests: twin parameters in ember and torch, tolerances."""
import numpy as np

import ember

SHAPES = [(3, 4), (5,), (2, 3, 2), ()]

# Normwise tolerances: torch's CPU kernels fuse some multiply-adds (FMA) that NumPy rounds
# twice, so single elements may differ by an ulp of the operands, never more.
RTOL = {np.float32: 1e-6, np.float64: 1e-12, np.complex64: 1e-6, np.complex128: 1e-12}


def arrays(dtype, shapes=SHAPES, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for s in shapes:
        a = rng.standard_normal(s)
        if np.dtype(dtype).kind == "c":
            a = a + 1j * rng.standard_normal(s)
        out.append(np.asarray(a, dtype))
    return out


def twin_params(torch, dtype, shapes=SHAPES, seed=0):
    """The same values as torch and ember parameters."""
    arrs = arrays(dtype, shapes, seed)
    tp = [torch.nn.Parameter(torch.tensor(a.copy())) for a in arrs]
    ep = [ember.nn.Parameter(ember.tensor(a.copy())) for a in arrs]
    return tp, ep


def close(actual, expected, dtype, what=""):
    """``actual`` within rounding of ``expected`` (arrays, or lists of arrays compared as
    one): rtol per element, plus the same tolerance relative to the largest magnitude, for
    elements that cancel towards zero."""
    if not isinstance(actual, list):
        actual, expected = [actual], [expected]
    for a, e in zip(actual, expected, strict=True):
        assert a.dtype == e.dtype and a.shape == e.shape, what
    actual = np.concatenate([np.ravel(a) for a in actual])
    expected = np.concatenate([np.ravel(e) for e in expected])
    rtol = RTOL[np.dtype(dtype).type]
    scale = np.max(np.abs(expected)) if expected.size else 0.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale, err_msg=what)


def to_np(t):
    """A torch or ember tensor's values as a NumPy array."""
    if isinstance(t, ember.Tensor):
        return t._data
    return t.detach().numpy()
