"""``torch.utils``: data loading and hooks."""
from . import data, hooks

__all__ = ["data", "hooks"]
