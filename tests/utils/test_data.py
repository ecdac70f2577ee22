"""utils.data against PyTorch: samplers and DataLoader shuffles in torch's order over several
epochs (same seeds, same generator states after), default collate/convert of every sample
type, datasets, random_split, and the DataLoader's errors."""
from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest

import ember
from ember.utils import data as edata

torch = pytest.importorskip("torch")
from torch.utils import data as tdata  # noqa: E402

LIBS = ((torch, tdata), (ember, edata))


def outcome(fn, *args):
    try:
        return "ok", fn(*args)
    except Exception as e:  # noqa: BLE001 - the class and message are what we compare
        return type(e).__name__, str(e)


def norm(x):
    """A library-neutral description of a (nested) batch, for comparison."""
    if isinstance(x, (torch.Tensor, ember.Tensor)):
        a = x.detach().numpy()
        return ("T", str(x.dtype), tuple(x.shape), a.tolist(),
                None if x.grad_fn is None else type(x.grad_fn).__name__)
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return ("NT", type(x).__name__, tuple(norm(v) for v in x))
    if isinstance(x, dict):
        return (type(x).__name__, [(k, norm(v)) for k, v in x.items()])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [norm(v) for v in x])
    if isinstance(x, np.ndarray):
        return ("A", str(x.dtype), x.tolist())
    return ("V", type(x).__name__, x)


def both(script):
    """``script(lib, data)`` for torch and ember: equal descriptions."""
    t = norm(script(*LIBS[0]))
    e = norm(script(*LIBS[1]))
    assert t == e
    return e


def same_error(script):
    t, e = outcome(script, *LIBS[0]), outcome(script, *LIBS[1])
    assert t[0] == e[0] != "ok", (t, e)
    assert t[1] == e[1]


def rng_tail(lib):
    return lib.rand(3).tolist()


# -- samplers -----------------------------------------------------------------------------
SAMPLERS = {
    "sequential": lambda lib, D, g: D.SequentialSampler(range(7)),
    "random": lambda lib, D, g: D.RandomSampler(range(10)),
    "random_gen": lambda lib, D, g: D.RandomSampler(range(10), generator=g),
    "random_num_samples_more": lambda lib, D, g: D.RandomSampler(range(6), num_samples=15),
    "random_num_samples_less": lambda lib, D, g: D.RandomSampler(range(9), num_samples=4,
                                                                 generator=g),
    "random_replacement": lambda lib, D, g: D.RandomSampler(range(5), replacement=True),
    "random_replacement_70": lambda lib, D, g: D.RandomSampler(
        range(50), replacement=True, num_samples=70, generator=g),
    "subset_random": lambda lib, D, g: D.SubsetRandomSampler([3, 9, 1, 4, 8]),
    "subset_random_gen": lambda lib, D, g: D.SubsetRandomSampler(range(20, 40), generator=g),
    "weighted": lambda lib, D, g: D.WeightedRandomSampler([0.1, 0.9, 0.4, 0.0, 2.0], 12),
    "weighted_no_replacement": lambda lib, D, g: D.WeightedRandomSampler(
        lib.tensor([1.0, 2.0, 3.0, 4.0, 0.5, 0.5]), 4, replacement=False, generator=g),
    "batch": lambda lib, D, g: D.BatchSampler(D.RandomSampler(range(11)), 3, False),
    "batch_drop_last": lambda lib, D, g: D.BatchSampler(D.SequentialSampler(range(11)), 3,
                                                        True),
    "batch_list": lambda lib, D, g: D.BatchSampler([5, 4, 3, 2, 1], 2, False),
}


@pytest.mark.parametrize("seed", [0, 2024])
@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_samplers_match_torch_over_epochs(name, seed):
    def script(lib, D):
        lib.manual_seed(seed)
        g = lib.Generator().manual_seed(seed + 1)
        s = SAMPLERS[name](lib, D, g)
        epochs = [list(s) for _ in range(3)]
        return epochs, len(s), rng_tail(lib), lib.rand(2, generator=g).tolist()

    both(script)


def test_random_sampler_draws_lazily():
    def script(lib, D):
        lib.manual_seed(1)
        s = D.RandomSampler(range(5))
        it = iter(s)
        before = rng_tail(lib)          # nothing drawn yet by iter()
        first = next(it)
        return before, first, list(it), rng_tail(lib)

    both(script)


SAMPLER_ERRORS = [
    lambda lib, D: D.RandomSampler(range(3), replacement=1),
    lambda lib, D: D.RandomSampler(range(3), num_samples=0),
    lambda lib, D: D.RandomSampler([], num_samples=None),
    lambda lib, D: D.RandomSampler(range(3), num_samples=2.0),
    lambda lib, D: D.WeightedRandomSampler([1.0, 2.0], 0),
    lambda lib, D: D.WeightedRandomSampler([1.0, 2.0], True),
    lambda lib, D: D.WeightedRandomSampler([1.0, 2.0], 2, replacement=None),
    lambda lib, D: D.WeightedRandomSampler([[1.0, 2.0]], 2),
    lambda lib, D: D.BatchSampler(range(3), 0, False),
    lambda lib, D: D.BatchSampler(range(3), True, False),
    lambda lib, D: D.BatchSampler(range(3), 2, 1),
    lambda lib, D: list(D.Sampler()),
]


@pytest.mark.parametrize("i", range(len(SAMPLER_ERRORS)))
def test_sampler_errors_match_torch(i):
    same_error(SAMPLER_ERRORS[i])


def test_samplers_are_generic():
    class Mine(edata.Sampler[int]):
        def __iter__(self):
            return iter([2, 0, 1])

        def __len__(self):
            return 3

    loader = edata.DataLoader(edata.TensorDataset(ember.arange(3)), sampler=Mine(),
                              batch_size=2)
    assert [b[0].tolist() for b in loader] == [[2, 0], [1]]


# -- DataLoader order -----------------------------------------------------------------------
def _tds(lib, n=10):
    return lib.utils.data.TensorDataset(lib.arange(n, dtype=lib.float32).reshape(n, 1) * 0.5,
                                        lib.arange(n))


LOADERS = {
    "plain": lambda lib, D, g: D.DataLoader(_tds(lib), batch_size=3),
    "shuffle": lambda lib, D, g: D.DataLoader(_tds(lib), batch_size=3, shuffle=True),
    "shuffle_drop_last": lambda lib, D, g: D.DataLoader(_tds(lib, 11), batch_size=4,
                                                        shuffle=True, drop_last=True),
    "shuffle_gen": lambda lib, D, g: D.DataLoader(_tds(lib), batch_size=4, shuffle=True,
                                                  generator=g),
    "batch_1": lambda lib, D, g: D.DataLoader(_tds(lib, 5), shuffle=True),
    "big_batch": lambda lib, D, g: D.DataLoader(_tds(lib), batch_size=64, shuffle=True),
    "sampler": lambda lib, D, g: D.DataLoader(
        _tds(lib), batch_size=2, sampler=D.SubsetRandomSampler([1, 3, 5, 7, 9], generator=g)),
    "weighted_sampler": lambda lib, D, g: D.DataLoader(
        _tds(lib), batch_size=3, sampler=D.WeightedRandomSampler(lib.ones(10), 7)),
    "replacement": lambda lib, D, g: D.DataLoader(
        _tds(lib), batch_size=5, sampler=D.RandomSampler(_tds(lib), True, 12)),
    "batch_sampler": lambda lib, D, g: D.DataLoader(
        _tds(lib), batch_sampler=D.BatchSampler(D.RandomSampler(range(10)), 4, False)),
    "no_batching": lambda lib, D, g: D.DataLoader(_tds(lib, 4), batch_size=None,
                                                  shuffle=True),
    "collate_fn": lambda lib, D, g: D.DataLoader(
        _tds(lib, 6), batch_size=4, shuffle=True,
        collate_fn=lambda b: [sorted(int(y) for _, y in b)]),
    "subset": lambda lib, D, g: D.DataLoader(
        D.Subset(D.Subset(_tds(lib, 12), [11, 2, 5, 7, 0, 3, 9]), [6, 0, 2, 4, 1]),
        batch_size=2, shuffle=True),
    "random_split": lambda lib, D, g: D.DataLoader(
        D.random_split(_tds(lib, 13), [0.7, 0.3], generator=g)[0], batch_size=4,
        shuffle=True),
    "concat": lambda lib, D, g: D.DataLoader(_tds(lib, 3) + _tds(lib, 4), batch_size=3,
                                             shuffle=True),
}


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("name", sorted(LOADERS))
def test_dataloader_batches_match_torch_over_epochs(name, seed):
    def script(lib, D):
        lib.manual_seed(seed)
        g = lib.Generator().manual_seed(seed + 100)
        loader = LOADERS[name](lib, D, g)
        epochs = [list(loader) for _ in range(3)]
        return epochs, len(loader), rng_tail(lib), lib.rand(2, generator=g).tolist()

    both(script)


def test_dataloader_interleaved_iterators():
    def script(lib, D):
        lib.manual_seed(3)
        loader = D.DataLoader(_tds(lib, 6), batch_size=2, shuffle=True)
        a, b = iter(loader), iter(loader)
        return [next(a), next(b), next(a), list(b), len(a)]

    both(script)


def test_dataloader_requires_grad_tensors_are_stacked():
    def script(lib, D):
        x = lib.arange(6.0).reshape(3, 2).requires_grad_()
        return list(D.DataLoader(D.TensorDataset(x), batch_size=2))

    r = both(script)
    assert r[1][0][1][0][4] == "StackBackward0"


def test_dataloader_bad_index_error_matches_torch():
    same_error(lambda lib, D: list(D.DataLoader(_tds(lib, 3), batch_sampler=[[0, 5]])))


# -- iterable datasets --------------------------------------------------------------------
def _stream(D, n, sized=True):
    class Stream(D.IterableDataset):
        def __iter__(self):
            return iter([{"x": float(i), "i": i} for i in range(n)])

    class SizedStream(Stream):
        def __len__(self):
            return n

    return SizedStream() if sized else Stream()


@pytest.mark.parametrize("bs,drop_last", [(3, False), (3, True), (5, False), (1, False),
                                          (None, False), (8, False), (8, True)])
def test_iterable_dataset_batches(bs, drop_last):
    def script(lib, D):
        loader = D.DataLoader(_stream(D, 7), batch_size=bs, drop_last=drop_last)
        return list(loader), len(loader), list(loader)

    both(script)


def test_iterable_dataset_length_warning_and_chain():
    def script(lib, D):
        class Liar(D.IterableDataset):
            def __iter__(self):
                return iter(range(5))

            def __len__(self):
                return 2

        loader = D.DataLoader(Liar(), batch_size=None)
        len(loader)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = list(loader)
        chain = _stream(D, 2) + _stream(D, 3)
        return out, len(w), str(w[0].message)[:40], type(chain).__name__, len(chain), \
            list(chain)

    both(script)


def test_iterable_dataset_needs_iter():
    class NoIter(edata.IterableDataset):
        pass

    t = outcome(lambda: type("NoIter", (tdata.IterableDataset,), {})())
    e = outcome(NoIter)
    assert t[0] == e[0] == "TypeError"


# -- collate and convert ------------------------------------------------------------------
Point = collections.namedtuple("Point", ["x", "y"])


class Custom:
    pass


SAMPLES = {
    "tensors_f32": lambda lib: [lib.ones(2, 3) * i for i in range(3)],
    "tensors_i64": lambda lib: [lib.tensor([i, i + 1]) for i in range(2)],
    "tensors_0d": lambda lib: [lib.tensor(1.5), lib.tensor(2.5)],
    "arrays_f64": lambda lib: [np.arange(3.0) + i for i in range(2)],
    "arrays_i32": lambda lib: [np.arange(3, dtype=np.int32) * i for i in range(2)],
    "arrays_f32_2d": lambda lib: [np.ones((2, 2), np.float32) for _ in range(3)],
    "np_scalars_f32": lambda lib: [np.float32(1.5), np.float32(2.0)],
    "np_scalars_i64": lambda lib: [np.int64(1), np.int64(7)],
    "np_scalars_bool": lambda lib: [np.bool_(True), np.bool_(False)],
    "np_0d_arrays": lambda lib: [np.array(1.0), np.array(2.0)],
    "floats": lambda lib: [1.5, 2.0, -3.25],
    "ints": lambda lib: [1, 2, 3],
    "bools": lambda lib: [True, False],
    "strings": lambda lib: ["a", "bc"],
    "bytes": lambda lib: [b"a", b"b"],
    "tuples": lambda lib: [(1, 2.0, "s"), (3, 4.0, "t")],
    "lists": lambda lib: [[1, 2], [3, 4]],
    "dicts": lambda lib: [{"a": 1, "b": {"c": np.ones(2)}}, {"a": 2, "b": {"c": np.zeros(2)}}],
    "ordered_dicts": lambda lib: [collections.OrderedDict([("z", 1.0), ("y", 2)])] * 2,
    "namedtuples": lambda lib: [Point(1.0, lib.ones(2)), Point(2.0, lib.zeros(2))],
    "tensor_pairs": lambda lib: [(lib.ones(2), 1), (lib.zeros(2), 0)],
    "nested": lambda lib: [[{"k": (1, [2.5])}], [{"k": (3, [4.5])}]],
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_default_collate_matches_torch(name):
    both(lambda lib, D: D.default_collate(SAMPLES[name](lib)))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_default_convert_matches_torch(name):
    both(lambda lib, D: [D.default_convert(s) for s in SAMPLES[name](lib)])


COLLATE_ERRORS = [
    lambda lib, D: D.default_collate([[1, 2], [3]]),
    lambda lib, D: D.default_collate([Custom(), Custom()]),
    lambda lib, D: D.default_collate([np.array(["a"]), np.array(["b"])]),
    lambda lib, D: D.default_collate([lib.ones(2), lib.ones(3)]),
    lambda lib, D: D.default_collate([None, None]),
]


@pytest.mark.parametrize("i", range(len(COLLATE_ERRORS)))
def test_collate_errors_match_torch(i):
    same_error(COLLATE_ERRORS[i])


def test_convert_keeps_strings_and_shares_memory():
    a = np.arange(3.0)
    t = edata.default_convert(a)
    a[0] = 9
    assert t[0].item() == 9
    s = np.array(["x", "y"])
    assert edata.default_convert(s) is s


# -- datasets and random_split ------------------------------------------------------------
def test_datasets_match_torch():
    def script(lib, D):
        t = _tds(lib, 5)
        sub = D.Subset(t, [4, 0, 2])
        cat = D.ConcatDataset([t, sub, t])
        stack_t = D.StackDataset(t, sub if False else D.Subset(t, [1, 2, 3, 4, 0]))
        stack_d = D.StackDataset(a=t, b=D.Subset(t, [4, 3, 2, 1, 0]))
        return [len(t), t[1], t[-1], t[1:3], len(sub), sub[1], sub[[0, 2]], len(cat),
                cat.cumulative_sizes, cat[5], cat[-1], cat[7], len(stack_t), stack_t[0],
                stack_d[1], stack_t.__getitems__([0, 1]), stack_d.__getitems__([2]),
                sub.__getitems__([2, 1])]

    both(script)


DATASET_ERRORS = [
    lambda lib, D: D.TensorDataset(lib.ones(3), lib.ones(4)),
    lambda lib, D: D.ConcatDataset([]),
    lambda lib, D: D.ConcatDataset([_stream(D, 2)]),
    lambda lib, D: D.ConcatDataset([_tds(lib, 2)])[-3],
    lambda lib, D: D.ConcatDataset([_tds(lib, 2)])[2],
    lambda lib, D: D.StackDataset(),
    lambda lib, D: D.StackDataset(_tds(lib, 2), _tds(lib, 3)),
    lambda lib, D: D.StackDataset(_tds(lib, 2), b=_tds(lib, 2)),
    lambda lib, D: D.Dataset()[0],
    lambda lib, D: list(D.ChainDataset([_tds(lib, 2)])),
]


@pytest.mark.parametrize("i", range(len(DATASET_ERRORS)))
def test_dataset_errors_match_torch(i):
    same_error(DATASET_ERRORS[i])


@pytest.mark.parametrize("lengths", [[3, 7], [0.5, 0.5], [0.3, 0.3, 0.4], [0.25, 0.25, 0.5],
                                     [1, 1, 8], [0.05, 0.95], [1.0], [0.34, 0.33, 0.33]])
@pytest.mark.parametrize("use_gen", [False, True])
def test_random_split_matches_torch(lengths, use_gen):
    def script(lib, D):
        lib.manual_seed(42)
        kw = {"generator": lib.Generator().manual_seed(5)} if use_gen else {}
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            parts = D.random_split(range(10), lengths, **kw)
        return [list(p.indices) for p in parts], [len(p) for p in parts], \
            [str(x.message) for x in w], rng_tail(lib)

    both(script)


@pytest.mark.parametrize("lengths", [[3, 3], [0.5, 0.6], [1.2, -0.2], [11]])
def test_random_split_errors_match_torch(lengths):
    same_error(lambda lib, D: D.random_split(range(10), lengths))


# -- DataLoader errors and attributes -----------------------------------------------------
LOADER_ERRORS = [
    lambda lib, D: D.DataLoader(_tds(lib), num_workers=-1),
    lambda lib, D: D.DataLoader(_tds(lib), timeout=-1),
    lambda lib, D: D.DataLoader(_tds(lib), prefetch_factor=2),
    lambda lib, D: D.DataLoader(_tds(lib), persistent_workers=True),
    lambda lib, D: D.DataLoader(_tds(lib), shuffle=True, sampler=D.SequentialSampler(range(3))),
    lambda lib, D: D.DataLoader(_tds(lib), batch_size=2,
                                batch_sampler=D.BatchSampler(range(3), 2, False)),
    lambda lib, D: D.DataLoader(_tds(lib), shuffle=True,
                                batch_sampler=D.BatchSampler(range(3), 2, False)),
    lambda lib, D: D.DataLoader(_tds(lib), drop_last=True,
                                batch_sampler=D.BatchSampler(range(3), 2, False)),
    lambda lib, D: D.DataLoader(_tds(lib), batch_size=None, drop_last=True),
    lambda lib, D: D.DataLoader(_stream(D, 3), shuffle=True),
    lambda lib, D: D.DataLoader(_stream(D, 3), sampler=[0, 1]),
    lambda lib, D: D.DataLoader(_stream(D, 3), batch_sampler=[[0]]),
    lambda lib, D: D.DataLoader(_tds(lib), batch_size=0),
    lambda lib, D: D.DataLoader(_tds(lib), batch_size=2.5),
    lambda lib, D: len(D.DataLoader(_stream(D, 3, sized=False))),
    lambda lib, D: setattr(D.DataLoader(_tds(lib)), "batch_size", 4),
    lambda lib, D: setattr(D.DataLoader(_tds(lib)), "dataset", None),
    lambda lib, D: D.DataLoader(_tds(lib), multiprocessing_context="spawn"),
]


@pytest.mark.parametrize("i", range(len(LOADER_ERRORS)))
def test_dataloader_errors_match_torch(i):
    same_error(LOADER_ERRORS[i])


def test_dataloader_attributes_match_torch():
    def script(lib, D):
        dl = D.DataLoader(_tds(lib), batch_size=4, shuffle=True)
        dl2 = D.DataLoader(_tds(lib), batch_size=None)
        dl3 = D.DataLoader(_tds(lib), batch_sampler=D.BatchSampler(range(10), 3, True))
        dl.num_workers = 0        # not frozen
        return [type(dl.sampler).__name__, type(dl.batch_sampler).__name__, dl.batch_size,
                dl.drop_last, dl._auto_collation, dl2._auto_collation, dl2.batch_sampler,
                type(dl2.sampler).__name__, dl3.batch_size, dl3.drop_last, len(dl3),
                dl.collate_fn.__name__, dl2.collate_fn.__name__, len(dl), len(dl2)]

    both(script)


def test_pin_memory_warns_like_torch():
    def script(lib, D):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            list(D.DataLoader(_tds(lib, 2), pin_memory=True))
        return [str(x.message) for x in w if "pin_memory" in str(x.message)]

    assert both(script)[1]


def test_utils_data_reachable_after_import_ember():
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-c", "import ember; print(ember.utils.data.DataLoader)"],
                       capture_output=True, text=True, cwd=str(__import__("pathlib").Path(
                           ember.__file__).parent.parent))
    assert r.returncode == 0 and "DataLoader" in r.stdout, r.stderr
