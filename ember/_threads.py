"""``torch.get_num_threads`` / ``set_num_threads``: the threads NumPy's BLAS uses for matrix
products (through ``threadpoolctl`` when it is installed; without it the setting is only
recorded, and the BLAS keeps its own count)."""
from __future__ import annotations

import os

__all__ = ["get_num_threads", "set_num_threads", "get_num_interop_threads",
           "set_num_interop_threads"]

_STATE = {"threads": None, "interop": None, "limiter": None}


def _blas_pools() -> list:
    try:
        import threadpoolctl
    except ImportError:
        return []
    return [p for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]


def get_num_threads() -> int:
    """The threads used for intra-op parallelism (NumPy's BLAS thread count)."""
    if _STATE["threads"] is not None:
        return _STATE["threads"]
    pools = _blas_pools()
    if pools:
        return int(pools[0]["num_threads"])
    return os.cpu_count() or 1


def set_num_threads(num: int) -> None:
    """Limit NumPy's BLAS to ``num`` threads for the rest of the process."""
    if not isinstance(num, int) or isinstance(num, bool):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(num).__name__}")
    if num <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    if threadpoolctl is not None:
        # kept alive: the limit lasts as long as this object is not restored
        _STATE["limiter"] = threadpoolctl.threadpool_limits(limits=num, user_api="blas")
    _STATE["threads"] = num


def get_num_interop_threads() -> int:
    """Ember runs one op at a time; reported as PyTorch reports its default."""
    return _STATE["interop"] or os.cpu_count() or 1


def set_num_interop_threads(num: int) -> None:
    if num <= 0:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    if _STATE["interop"] is not None:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work "
                           "has started or set_num_interop_threads called")
    _STATE["interop"] = num
