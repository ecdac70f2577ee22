"""ember tunes glibc so that a loop freeing and allocating large arrays reuses their pages."""
from __future__ import annotations

import sys

import numpy as np
import pytest

import ember  # noqa: F401  (tunes the allocator on import)
from ember import _malloc


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator only")
def test_freed_arrays_are_reused_without_page_faults():
    import ctypes
    import os
    import resource
    glibc = hasattr(ctypes.CDLL(None), "gnu_get_libc_version")
    user_set = any(k.startswith("MALLOC_") for k in os.environ)
    assert _malloc.tune() == (glibc and not user_set)
    if not _malloc.tune():      # another C library, or the user's MALLOC_* settings rule
        return

    def step():
        bufs = [np.ones(1 << 20) for _ in range(6)]      # 6 x 8 MiB, like a step's activations
        return sum(float(b[-1]) for b in bufs)
    step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        step()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert faults < 2000            # glibc's defaults: ~30,000
