"""Helpers of the DataLoader (``torch.utils.data._utils``): collation and fetching."""
from . import collate, fetch

__all__ = ["collate", "fetch"]
