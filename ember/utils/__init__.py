"""``torch.utils``: data loading and hooks."""
from . import data, dlpack, hooks

__all__ = ["data", "dlpack", "hooks"]
