"""``torch.signal``: its window functions (``ember/signal/windows.py``)."""
from . import windows

__all__ = ["windows"]
