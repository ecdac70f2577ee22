"""``torch.func``: for now its ``functional_call`` (a module run with other tensors in
place of its parameters and buffers, as meta-learning and per-sample-gradient code do)."""
from ._functional_call import functional_call

__all__ = ["functional_call"]
