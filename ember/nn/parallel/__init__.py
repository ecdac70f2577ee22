"""``torch.nn.parallel``: data parallelism in one process (``DataParallel``, which calls
the module when there are no GPUs) and across processes (``DistributedDataParallel``)."""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]
