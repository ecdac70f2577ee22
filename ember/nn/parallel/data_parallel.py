"""``torch.nn.DataParallel``: without GPUs PyTorch's DataParallel keeps the module, an empty
``device_ids`` and nothing else, and calls the module; so does ember's (the wrapper's
state_dict keys start with ``module.``)."""
from __future__ import annotations

from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    """Replicates ``module`` over GPUs in PyTorch; here, with none, calls it directly."""

    def __init__(self, module: Module, device_ids=None, output_device=None,
                 dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids = []

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module: Module, inputs, device_ids=None, output_device=None, dim: int = 0,
                  module_kwargs=None):
    """The functional form needs a GPU: PyTorch's error on a CPU-only build."""
    raise RuntimeError("device type could not be determined")
