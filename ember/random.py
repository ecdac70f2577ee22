"""``torch.random``: the default CPU generator's seed and state, and ``fork_rng``."""
from __future__ import annotations

import contextlib

from ._generator import Generator, default_generator
from .ops.random import get_rng_state, initial_seed, manual_seed, seed, set_rng_state

__all__ = ["set_rng_state", "get_rng_state", "manual_seed", "seed", "initial_seed",
           "fork_rng", "Generator", "default_generator"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type=None):
    """Run a block with the CPU generator's state saved and restored afterwards.

    ember has no accelerators, so only the CPU state is forked; ``devices`` is accepted for
    compatibility and ignored, as PyTorch does on a machine without GPUs.
    """
    if device_type == "meta" or not enabled:
        yield
        return
    if devices is not None:
        devices = list(devices)
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
