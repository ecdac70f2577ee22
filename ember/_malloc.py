"""glibc's allocator tuned for training loops (Linux only; left alone where the user set any
``MALLOC_*`` variable or the C library is not glibc).

By default glibc maps large blocks straight from the kernel (above a threshold it adapts) and
returns the top of its heap once more than twice that is free. A training step frees its
activations during backward and allocates them again in the next forward, so each step
faults every page of them in afresh: 5,500 page faults and ~20% of a small GPT step's time
in the kernel, where PyTorch, whose allocator keeps its blocks, has 300. Serving blocks up
to 32 MiB from the heap and trimming only beyond 64 MiB free reuses them instead; the peak
resident size is unchanged (freed memory is reused, not added).
"""
from __future__ import annotations

import os
import sys

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def tune() -> bool:
    """Set glibc's mmap and trim thresholds; whether they were set."""
    if not sys.platform.startswith("linux") or any(k.startswith("MALLOC_") for k in os.environ):
        return False
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        if not hasattr(libc, "gnu_get_libc_version"):
            return False
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)
                    and libc.mallopt(_M_TRIM_THRESHOLD, 64 << 20))
    except (OSError, AttributeError):
        return False


tune()
