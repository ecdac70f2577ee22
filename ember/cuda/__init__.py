"""``torch.cuda`` as a CPU-only PyTorch build has it: nothing is available, seeding and cache
calls are accepted and do nothing, and whatever needs a device raises PyTorch's
``AssertionError("Torch not compiled with CUDA enabled")``."""
from __future__ import annotations

from . import amp
from .. import _dtype
from .._legacy import legacy_type

# The legacy typed constructors, which a CPU-only build names but cannot make: calling one
# raises PyTorch's TypeError, converting to one its RuntimeError.
FloatTensor = legacy_type("FloatTensor", _dtype.float32, "torch.cuda")
DoubleTensor = legacy_type("DoubleTensor", _dtype.float64, "torch.cuda")
HalfTensor = legacy_type("HalfTensor", _dtype.float16, "torch.cuda")
BFloat16Tensor = legacy_type("BFloat16Tensor", _dtype.bfloat16, "torch.cuda")
ByteTensor = legacy_type("ByteTensor", _dtype.uint8, "torch.cuda")
CharTensor = legacy_type("CharTensor", _dtype.int8, "torch.cuda")
ShortTensor = legacy_type("ShortTensor", _dtype.int16, "torch.cuda")
IntTensor = legacy_type("IntTensor", _dtype.int32, "torch.cuda")
LongTensor = legacy_type("LongTensor", _dtype.int64, "torch.cuda")
BoolTensor = legacy_type("BoolTensor", _dtype.bool_, "torch.cuda")

__all__ = ["amp", "is_available", "device_count", "is_initialized", "is_bf16_supported",
           "is_tf32_supported", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "empty_cache", "memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "current_device", "get_device_name",
           "get_device_capability", "get_device_properties", "synchronize", "set_device",
           "get_rng_state", "set_rng_state", "init"]


def _not_compiled():
    return AssertionError("Torch not compiled with CUDA enabled")


def is_available() -> bool:
    """False: ember computes on the CPU only."""
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return False


def is_tf32_supported() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Accepted and ignored: there is no CUDA generator (as in a CPU-only PyTorch)."""


def manual_seed_all(seed: int) -> None:
    """Accepted and ignored."""


def seed() -> None:
    """Accepted and ignored."""


def seed_all() -> None:
    """Accepted and ignored."""


def empty_cache() -> None:
    """Nothing to free."""


def memory_allocated(device=None) -> int:
    return 0


def max_memory_allocated(device=None) -> int:
    return 0


def memory_reserved(device=None) -> int:
    return 0


def max_memory_reserved(device=None) -> int:
    return 0


def init() -> None:
    raise _not_compiled()


def current_device() -> int:
    raise _not_compiled()


def get_device_name(device=None) -> str:
    raise _not_compiled()


def get_device_capability(device=None) -> tuple:
    raise _not_compiled()


def get_device_properties(device=None):
    raise _not_compiled()


def synchronize(device=None) -> None:
    raise _not_compiled()


def set_device(device) -> None:
    raise _not_compiled()


def get_rng_state(device="cuda"):
    raise _not_compiled()


def set_rng_state(new_state, device="cuda") -> None:
    """Accepted and ignored (PyTorch queues it until CUDA starts, which never happens)."""
