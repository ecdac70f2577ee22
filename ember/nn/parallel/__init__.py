"""``torch.nn.parallel``: data parallelism in one process (``DataParallel``, which calls
the module when there are no GPUs) and across processes (``DistributedDataParallel``)."""
from .data_parallel import DataParallel, data_parallel


def __getattr__(name: str):
    # DistributedDataParallel (and ember.distributed under it) is imported on first use
    if name in ("DistributedDataParallel", "distributed"):
        import importlib
        mod = importlib.import_module(".distributed", __name__)
        if name == "distributed":
            return mod
        globals()[name] = mod.DistributedDataParallel
        return mod.DistributedDataParallel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]
