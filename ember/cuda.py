"""``torch.cuda`` on a CPU-only library: nothing is available; seeding is accepted."""
from __future__ import annotations


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def manual_seed(seed: int) -> None:
    """Accepted and ignored: there is no CUDA generator (PyTorch does the same without CUDA)."""


def manual_seed_all(seed: int) -> None:
    """Accepted and ignored."""


def synchronize(device=None) -> None:
    """Nothing to wait for."""


def empty_cache() -> None:
    """Nothing to free."""


def is_initialized() -> bool:
    return False
