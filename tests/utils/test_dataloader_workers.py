"""DataLoader with worker processes: the same batches, order and random streams as
PyTorch's workers, worker_init_fn / get_worker_info, persistent workers, prefetch, timeout,
start methods, IterableDataset sharding, and errors instead of hangs."""
import os
import random
import time

import numpy as np
import pytest
import torch

import ember


class RandomDS:
    """Each sample draws from the library's RNG, NumPy's global RNG and Python's random,
    and names its worker: equal outputs mean equal seeding."""

    def __init__(self, lib, n=10):
        self.lib, self.n = lib, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        w = self.lib.utils.data.get_worker_info()
        return self.lib.tensor([float(i), self.lib.rand(()).item(), float(np.random.rand()),
                                random.random(), -1.0 if w is None else float(w.id)])


class ShardedRange:
    def __init__(self, lib, n):
        self.lib, self.n = lib, n

    def __iter__(self):
        w = self.lib.utils.data.get_worker_info()
        lo, step = (0, 1) if w is None else (w.id, w.num_workers)
        return iter(range(lo, self.n, step))


def _make(lib, cls, *args):
    # an IterableDataset / Dataset subclass of the library, for the same code in both
    base = lib.utils.data.IterableDataset if cls is ShardedRange else lib.utils.data.Dataset
    return type(cls.__name__, (cls, base), {})(lib, *args)


def _epochs(lib, make_loader, epochs=1):
    lib.manual_seed(0)
    loader = make_loader(lib)
    out = [[b.tolist() if hasattr(b, "tolist") else b for b in loader] for _ in range(epochs)]
    return out, lib.rand(()).item()    # and where the main RNG stream stands after


@pytest.mark.parametrize("kw", [
    dict(batch_size=3, shuffle=True, num_workers=2),
    dict(batch_size=4, num_workers=2, persistent_workers=True, prefetch_factor=1),
    dict(batch_size=None, num_workers=1, shuffle=True),
    dict(batch_size=3, num_workers=2, drop_last=True, prefetch_factor=3),
])
def test_same_batches_and_random_streams_as_torch(kw):
    epochs = 2 if kw.get("persistent_workers") else 1
    e = _epochs(ember, lambda m: m.utils.data.DataLoader(_make(m, RandomDS), **kw), epochs)
    t = _epochs(torch, lambda m: m.utils.data.DataLoader(_make(m, RandomDS), **kw), epochs)
    assert e == t


def test_iterable_dataset_sharded_by_worker_info():
    for n, bs in ((11, 2), (5, 3)):
        e = _epochs(ember, lambda m: m.utils.data.DataLoader(_make(m, ShardedRange, n),
                                                             batch_size=bs, num_workers=2))
        t = _epochs(torch, lambda m: m.utils.data.DataLoader(_make(m, ShardedRange, n),
                                                             batch_size=bs, num_workers=2))
        assert e == t


def _init_fn(worker_id):
    info = ember.utils.data.get_worker_info()
    assert info.id == worker_id and info.num_workers == 2
    np.random.seed(100 + worker_id)     # what scripts do to make NumPy augmentations differ


class _Pid(ember.utils.data.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = ember.utils.data.get_worker_info()
        return ember.tensor([i, os.getpid(), info.seed, int(np.random.randint(1000))])


def test_worker_init_fn_worker_info_and_persistent_workers():
    assert ember.utils.data.get_worker_info() is None
    ember.manual_seed(1)
    loader = ember.utils.data.DataLoader(_Pid(), batch_size=2, num_workers=2,
                                         worker_init_fn=_init_fn, persistent_workers=True)
    first = ember.cat(list(loader))
    second = ember.cat(list(loader))
    assert first[:, 0].tolist() == list(range(8))
    pids = set(first[:, 1].tolist())
    assert len(pids) == 2 and os.getpid() not in pids
    assert set(second[:, 1].tolist()) == pids           # the same processes
    seeds = first[:, 2].tolist()                        # base_seed + worker id
    assert seeds[0] + 1 == seeds[2] and seeds[0] == seeds[1]
    # worker 0 seeded NumPy with 100, in its init function
    want = np.random.RandomState(100).randint(1000, size=2).tolist()
    assert first[[0, 1], 3].tolist() == want


def test_worker_info_is_read_only():
    info = ember.utils.data._utils.worker.WorkerInfo(id=0, num_workers=1, seed=3, dataset=None)
    assert repr(info) == "WorkerInfo(id=0, num_workers=1, seed=3, dataset=None)"
    with pytest.raises(RuntimeError, match="Cannot assign attributes to WorkerInfo objects"):
        info.id = 2


def test_numpy_seed_derived_as_torch():
    from torch.utils.data._utils.worker import _generate_state as torch_state
    from ember.utils.data._utils.worker import _generate_state
    for base, wid in ((0, 0), (123456789012345, 3), (2 ** 63 - 1, 7)):
        assert list(_generate_state(base, wid)) == torch_state(base, wid)


class _Failing(ember.utils.data.Dataset):
    def __init__(self, how):
        self.how = how

    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 3:
            if self.how == "raise":
                raise ValueError("bad sample 3")
            if self.how == "key":
                raise KeyError("missing")
            if self.how == "die":
                os._exit(1)
            time.sleep(5)
        return ember.tensor(i)


def test_worker_exception_reraised_with_traceback():
    loader = ember.utils.data.DataLoader(_Failing("raise"), batch_size=2, num_workers=2)
    it = iter(loader)
    assert next(it).tolist() == [0, 1]
    with pytest.raises(ValueError, match=r"Caught ValueError in DataLoader worker process 1\."
                                         r"\nOriginal Traceback") as e:
        next(it)
    assert "bad sample 3" in str(e.value)
    loader = ember.utils.data.DataLoader(_Failing("key"), batch_size=2, num_workers=1)
    with pytest.raises(KeyError, match="Caught KeyError"):
        list(loader)


def test_dead_worker_and_timeout_raise_instead_of_hanging():
    t0 = time.monotonic()
    loader = ember.utils.data.DataLoader(_Failing("die"), batch_size=2, num_workers=2)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited "
                                           r"unexpectedly"):
        list(loader)
    loader = ember.utils.data.DataLoader(_Failing("sleep"), batch_size=2, num_workers=1,
                                         timeout=0.5)
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.5 seconds"):
        list(loader)
    assert time.monotonic() - t0 < 8


def test_in_order_false_and_spawn_context():
    data = ember.utils.data.TensorDataset(ember.arange(10))
    loader = ember.utils.data.DataLoader(data, batch_size=3, num_workers=2, in_order=False)
    got = sorted(v for (b,) in loader for v in b.tolist())
    assert got == list(range(10))
    loader = ember.utils.data.DataLoader(data, batch_size=4, num_workers=1,
                                         multiprocessing_context="spawn")
    assert [b.tolist() for (b,) in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_argument_errors_as_torch():
    data = ember.utils.data.TensorDataset(ember.arange(4))
    for lib, d in ((ember, data), (torch, torch.utils.data.TensorDataset(torch.arange(4)))):
        with pytest.raises(ValueError, match="multiprocessing_context option should specify a "
                                             "valid start method"):
            lib.utils.data.DataLoader(d, num_workers=1, multiprocessing_context="nope")
        with pytest.raises(ValueError, match="prefetch_factor option could only be specified"):
            lib.utils.data.DataLoader(d, prefetch_factor=2)


def test_too_many_workers_warns_as_torch():
    data = ember.utils.data.TensorDataset(ember.arange(4))
    n = len(os.sched_getaffinity(0)) + 1
    with pytest.warns(UserWarning) as e:
        list(ember.utils.data.DataLoader(data, batch_size=2, num_workers=n))
    with pytest.warns(UserWarning) as t:
        list(torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(4)),
                                         batch_size=2, num_workers=n))
    assert str(e[0].message) == str(t[0].message)
