"""What runs inside a DataLoader worker process, and what it tells the main process.

A worker seeds Python's ``random`` and ember with ``base_seed + worker_id`` and NumPy's
global generator with ``_generate_state(base_seed, worker_id)``, as PyTorch's workers do, so
random transforms draw the same numbers in both. It then fetches the batches whose indices
arrive on its index queue and puts ``(task number, batch)`` on the shared data queue.
"""
from __future__ import annotations

import queue
import random
import sys
import traceback

import numpy as np

__all__ = ["WorkerInfo", "get_worker_info"]

# How often a blocked queue read wakes to check that the other side is still alive.
STATUS_CHECK_INTERVAL = 0.5


class WorkerInfo:
    """``get_worker_info()`` inside a worker: ``id``, ``num_workers``, ``seed``, ``dataset``
    (this worker's copy). Read-only, as in PyTorch."""

    __initialized = False

    def __init__(self, **kwargs) -> None:
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs)
        self.__initialized = True

    def __setattr__(self, key, val) -> None:
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} "
                               "objects")
        super().__setattr__(key, val)

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={getattr(self, k)}" for k in self.__keys)
        return f"{self.__class__.__name__}({items})"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """This worker's WorkerInfo in a DataLoader worker process; None in the main process."""
    return _worker_info


def _generate_state(base_seed: int, worker_id: int) -> np.ndarray:
    """The NumPy seed of a worker: PyTorch hashes (worker_id, base_seed) with the mixing of
    NumPy's SeedSequence over a pool of four 32-bit words, i.e. exactly this."""
    words = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(words).generate_state(4)


class _IterableDatasetStopIteration:
    """A worker's iterable dataset is exhausted."""

    __slots__ = ("worker_id",)

    def __init__(self, worker_id: int) -> None:
        self.worker_id = worker_id


class _ResumeIteration:
    """Persistent workers: start a new epoch (recreate the fetcher)."""

    __slots__ = ()


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process with its traceback."""

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise the same exception class here, its message naming the worker and carrying
        the worker's traceback (PyTorch's format)."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


class _KeyErrorMessage(str):
    # KeyError repr()s its argument, which would print the traceback on one line
    def __repr__(self) -> str:
        return self


def _worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event,
                 auto_collation, collate_fn, drop_last, base_seed, init_fn, worker_id,
                 num_workers) -> None:
    from .... import manual_seed
    from ..dataloader import _DatasetKind, _make_fetcher
    global _worker_info
    try:
        seed = base_seed + worker_id
        random.seed(seed)
        manual_seed(seed)
        np.random.seed(_generate_state(base_seed, worker_id))
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _make_fetcher(dataset_kind, dataset, auto_collation, collate_fn,
                                    drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process "
                                                    f"{worker_id}")
        iteration_end = False
        while True:
            try:
                r = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if done_event.is_set():
                    break
                continue
            if isinstance(r, _ResumeIteration):
                data_queue.put((r, None))
                iteration_end = False
                fetcher = _make_fetcher(dataset_kind, dataset, auto_collation, collate_fn,
                                        drop_last)
                continue
            if r is None:
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=f"in DataLoader worker process "
                                                      f"{worker_id}")
            data_queue.put((idx, data))
            del data, idx, index, r
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
