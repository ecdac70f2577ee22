"""``torch.accelerator``: ember computes on the CPU, which PyTorch does not count as an
accelerator, so none is available."""
from __future__ import annotations

__all__ = ["is_available", "current_accelerator", "device_count", "synchronize"]


def is_available() -> bool:
    return False


def current_accelerator(check_available: bool = False):
    """None: there is no accelerator."""
    return None


def device_count() -> int:
    return 0


def synchronize(device=None) -> None:
    """Nothing runs asynchronously."""
