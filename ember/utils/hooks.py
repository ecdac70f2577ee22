"""``torch.utils.hooks``: the handle returned by every ``register_*hook``."""
from ..autograd.graph import RemovableHandle

__all__ = ["RemovableHandle"]
