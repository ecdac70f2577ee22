"""Backend flags kept for script compatibility (ember has one NumPy backend)."""
from . import cudnn, mps

__all__ = ["cudnn", "mps"]
