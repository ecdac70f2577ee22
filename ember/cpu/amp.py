"""``torch.cpu.amp``: the deprecated spelling of ``torch.amp.autocast("cpu")``."""
from __future__ import annotations

import warnings

from ..amp import autocast_mode as _am

__all__ = ["autocast"]


class autocast(_am.autocast):
    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True) -> None:
        warnings.warn("`torch.cpu.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cpu', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)
