"""``torch.nn.attention``: the names scripts import to pick an attention kernel. Ember has one
implementation (PyTorch's math path), so ``sdpa_kernel`` only records the choice."""
from __future__ import annotations

import contextlib
import enum

__all__ = ["SDPBackend", "sdpa_kernel", "WARN_FOR_UNFUSED_KERNELS"]

WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(enum.IntEnum):
    """The kernels PyTorch can run ``scaled_dot_product_attention`` with."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __str__(self) -> str:
        return f"SDPBackend.{self.name}"


_active: list = [list(SDPBackend)[1:]]


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority: bool = False):
    """Within the block, allow only ``backends`` (one or a list); on a CPU every choice runs
    the same math path."""
    if isinstance(backends, SDPBackend):
        backends = [backends]
    backends = list(backends)
    for b in backends:
        if not isinstance(b, SDPBackend):
            raise TypeError(f"sdpa_kernel expects SDPBackend values, got {type(b).__name__}")
    _active.append(backends)
    try:
        yield {}
    finally:
        _active.pop()
