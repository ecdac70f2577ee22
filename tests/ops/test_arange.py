"""arange's float values bit for bit with PyTorch's kernel, whose bits depend on where a value
falls: in a vector (``base + j * step``) or in the remainder (``start + step * i``)."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from ember.ops import creation

torch = pytest.importorskip("torch")


def _cases():
    r = np.random.default_rng(5)
    cases = [(0, 1, 0.1), (-3.3, 7.1, 0.07), (0, 100, 0.3), (1, 2, 1 / 3), (0, 10000, 0.37),
             (5, 0, -0.3), (0.5, 3, 1), (-7, 3, 3e-4)]
    cases += [(float(r.normal() * 10), float(r.normal() * 10 + 60),
               float(abs(r.normal()) * 0.05 + 0.002)) for _ in range(20)]
    return cases


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_arange_bit_for_bit(dtype):
    for a, b, s in _cases():
        if dtype in ("float16", "bfloat16") and abs(b) > 60:
            continue
        t = torch.arange(a, b, s, dtype=getattr(torch, dtype))
        e = ember.arange(a, b, s, dtype=getattr(ember, dtype))
        assert str(e.dtype) == str(t.dtype)
        np.testing.assert_array_equal(e.float().numpy(), t.float().numpy())


def test_arange_long_ranges_split_as_pytorch_threads():
    """Above 32,768 values PyTorch's parallel_for cuts the range per thread and each piece
    starts its own vectors: with the same thread count, the same bits (a plain start + i *
    step differs in ~20% of the float32 values of such a range)."""
    n_threads = torch.get_num_threads()
    old = ember.get_num_threads()
    ember.set_num_threads(n_threads)
    try:
        for a, b, s in [(3.58, 73.2, 0.0017), (-1, 1, 3e-5)]:
            t = torch.arange(a, b, s, dtype=torch.float32).numpy()
            e = ember.arange(a, b, s, dtype=ember.float32).numpy()
            np.testing.assert_array_equal(e, t)
    finally:
        ember.set_num_threads(old)


def test_vector_width_follows_the_cpu(monkeypatch):
    """The kernel's vector width sets which values are vector-computed: 32 bytes unless
    PyTorch would run its AVX-512 kernels; ATEN_CPU_CAPABILITY=avx2 forces 32."""
    monkeypatch.setattr(creation, "_VEC_BYTES", [None])
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "avx2")
    assert creation._vector_bytes() == 32
    monkeypatch.setattr(creation, "_VEC_BYTES", [None])
    monkeypatch.delenv("ATEN_CPU_CAPABILITY")
    assert creation._vector_bytes() in (32, 64)
