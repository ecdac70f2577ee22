"""``torch.utils.tensorboard``: a ``SummaryWriter`` that writes TensorBoard event files with
the ``tensorboard`` package (an optional extra: ``pip install tensorboard``), which is needed
only when a writer is made. Scalars (``add_scalar``, ``add_scalars``), histograms and text
are written as PyTorch writes them."""
from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
