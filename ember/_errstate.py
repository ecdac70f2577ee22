"""NumPy's floating-point warnings switched off cheaply (PyTorch never warns on overflow,
division by zero or invalid values)."""
from __future__ import annotations

import numpy as np

__all__ = ["QUIET", "quiet_on", "quiet_off"]

try:
    # NumPy >= 2 keeps its floating-point error state in a context variable: setting it
    # directly costs a fraction of entering np.errstate around every ufunc.
    from numpy._core._ufunc_config import _extobj_contextvar as _ERRSTATE, _make_extobj
    QUIET = _make_extobj(all="ignore")
    quiet_on, quiet_off = _ERRSTATE.set, _ERRSTATE.reset
except ImportError:  # pragma: no cover - older NumPy
    QUIET = None

    def quiet_on(_):
        """Enter the quiet state; returns the token ``quiet_off`` restores from."""
        e = np.errstate(all="ignore")
        e.__enter__()
        return e

    def quiet_off(e):
        """Leave the quiet state ``quiet_on`` returned."""
        e.__exit__(None, None, None)
