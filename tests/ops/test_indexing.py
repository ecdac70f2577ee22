"""Indexing ops against PyTorch: random getitem/setitem indices (results, views, strides,
grad_fns, errors), sort/topk/kthvalue tie orders and named tuples, unique, searchsorted, masks
and the index/gather/scatter family on edge cases."""
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _item(rng, dim_size, lib, allow_adv=True):
    k = rng.integers(9 if allow_adv else 5)
    if k == 0:
        return int(rng.integers(-dim_size - 1, dim_size + 1)) if dim_size else 0
    if k == 1:
        start = [None, 0, 1, -1, -3, 5][rng.integers(6)]
        stop = [None, 2, -1, 10, 0][rng.integers(5)]
        step = [None, 1, 2, 3][rng.integers(4)]
        return slice(start, stop, step)
    if k == 2:
        return None
    if k == 3:
        return slice(None)
    if k == 4:
        return Ellipsis
    if k == 5:
        return [int(v) for v in rng.integers(-dim_size, max(dim_size, 1), rng.integers(1, 4))]
    if k == 6:
        shape = (2, 2) if rng.integers(2) else (3,)
        return ("long", rng.integers(-dim_size, max(dim_size, 1), shape))
    if k == 7:
        return ("mask", rng.integers(0, 2, dim_size).astype(bool))
    return bool(rng.integers(2))


def _to_lib(item, lib):
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        return lib.tensor(item[1])
    return item


def _random_index(rng, shape):
    n = rng.integers(1, 4)
    items = []
    dim = 0
    for _ in range(n):
        size = shape[dim] if dim < len(shape) else 1
        it = _item(rng, size, None)
        if it is Ellipsis and any(x is Ellipsis for x in items):
            it = None
        items.append(it)
        if it is not None and it is not Ellipsis and not isinstance(it, bool):
            dim += 1
    return tuple(items)


def _outcome(f):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return f()
    except Exception as e:          # the exception class and text are compared
        return (type(e).__name__, str(e))


def _close(a, b) -> bool:
    """Equal, floats to 1e-12 relative (sums may be added in another order)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b)) or (a != a and b != b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_close, a, b))
    return a == b


def _desc(r, x):
    return (tuple(r.shape), r.stride() if r.numel() else None, r.is_contiguous(),
            r._base is not None, None if r.grad_fn is None else r.grad_fn.name(),
            r.detach().tolist())


@pytest.mark.parametrize("layout", ["contiguous", "permuted"])
def test_random_getitem_matches_torch(layout):
    rng = np.random.default_rng(1 if layout == "contiguous" else 2)
    for trial in range(400):
        idx = _random_index(rng, (2, 3, 4))
        res = []
        for lib in (torch, ember):
            x = lib.arange(24.).reshape(2, 3, 4)
            if layout == "permuted":
                x = lib.arange(24.).reshape(4, 3, 2).permute(2, 1, 0)
            x = x.requires_grad_()
            li = tuple(_to_lib(i, lib) for i in idx)
            res.append(_outcome(lambda: _desc(x[li], x)))
        assert res[1] == res[0], idx


def test_random_setitem_matches_torch():
    rng = np.random.default_rng(3)
    for trial in range(300):
        idx = _random_index(rng, (2, 3, 4))
        vshape = [(), (1,), (4,), (3, 4), (2, 1, 4)][rng.integers(5)]
        val = rng.uniform(-1, 1, vshape)
        res = []
        for lib in (torch, ember):
            x = lib.arange(24.).reshape(2, 3, 4).double()
            w = lib.tensor(val, requires_grad=True)
            y = x * 1
            li = tuple(_to_lib(i, lib) for i in idx)

            def run():
                y[li] = w
                out = [y.tolist(), None if y.grad_fn is None else y.grad_fn.name()]
                if y.requires_grad:
                    (y * y).sum().backward()
                    out.append(w.grad.tolist())
                return out
            res.append(_outcome(run))
        assert _close(res[1], res[0]), (idx, vshape, res)


def test_getitem_index_forms():
    cases = [
        lambda lib, x: x[1], lambda lib, x: x[-1, 2], lambda lib, x: x[lib.tensor(1)],
        lambda lib, x: x[lib.tensor(1), :, lib.tensor([0, 3])],
        lambda lib, x: x[[True, False]], lambda lib, x: x[[[0, 1], [1, 0]]],
        lambda lib, x: x[np.array([1, 0])], lambda lib, x: x[range(2)],
        lambda lib, x: x[[0.0, 1.0]], lambda lib, x: x[lib.tensor([1, 0], dtype=lib.int32)],
        lambda lib, x: x[lib.tensor([1, 0, 1], dtype=lib.uint8)[:2]],
        lambda lib, x: x[lib.tensor(True)], lambda lib, x: x[lib.tensor(False)],
        lambda lib, x: x[0, True], lambda lib, x: x[[]], lambda lib, x: x[..., ...],
        lambda lib, x: x[x > 10], lambda lib, x: x[(x > 10)[0]],
        lambda lib, x: x[lib.tensor(1):lib.tensor(3)], lambda lib, x: x[:, 1:100:2],
        lambda lib, x: x[None, ..., None], lambda lib, x: x[0, None, :, None],
        lambda lib, x: x[[[0], [1]], :, [1, 2, 3]], lambda lib, x: x[:, [[0], [1]], [1, 2]],
    ]
    for f in cases:
        res = []
        for lib in (torch, ember):
            x = lib.arange(24.).reshape(2, 3, 4).requires_grad_()
            res.append(_outcome(lambda: _desc(f(lib, x), x)))
        assert res[1] == res[0]


GET_ERRORS = [
    lambda lib, x: x[5], lambda lib, x: x[-3], lambda lib, x: x[0, 0, 0, 0],
    lambda lib, x: x[:, 7], lambda lib, x: x[[0, 2]], lambda lib, x: x[lib.tensor([0, -3])],
    lambda lib, x: x[lib.zeros(3, 3, dtype=lib.bool)], lambda lib, x: x[1.5],
    lambda lib, x: x[lib.tensor([1.0])], lambda lib, x: x[::-1], lambda lib, x: x[::0],
    lambda lib, x: x[{}], lambda lib, x: x["a"], lambda lib, x: x[[0, 1], [0, 1, 2]],
    lambda lib, x: x[1.0:2], lambda lib, x: lib.tensor(1.0)[0],
    lambda lib, x: lib.tensor(1.0)[1], lambda lib, x: lib.tensor(1.0)[:],
    lambda lib, x: lib.tensor(1.0)[[0]], lambda lib, x: x[:, [[0, 1]], [0, 1, 2]],
]


@pytest.mark.parametrize("i", range(len(GET_ERRORS)))
def test_getitem_errors(i):
    res = []
    for lib in (torch, ember):
        x = lib.zeros(2, 3, 4)
        res.append(_outcome(lambda: GET_ERRORS[i](lib, x)))
    assert isinstance(res[0], tuple) and len(res[0]) == 2
    assert res[1] == res[0]


SET_CASES = [
    (0, lambda lib: lib.ones(5)), (0, lambda lib: lib.ones(2, 4)),
    ([0, 1], lambda lib: lib.ones(3, 4)), (5, lambda lib: 1.0),
    ((slice(None), [0, 7]), lambda lib: 1.0), ((slice(None), [0, 1]), lambda lib: lib.ones(2)),
    ((slice(None), [0, 1]), lambda lib: lib.ones(3)),
    ((slice(None), [0, 1]), lambda lib: lib.ones(1, 1, 3, 2)),
    ([0], lambda lib: lib.ones(4, dtype=lib.float64)), (0, lambda lib: lib.ones(4).double()),
    (0, lambda lib: np.ones(4)), (0, lambda lib: [1, 2, 3, 4]), (0, lambda lib: 1j),
    (False, lambda lib: lib.ones(7)), (None, lambda lib: lib.ones(4)), (True, lambda lib: 2),
    (Ellipsis, lambda lib: lib.ones(4)), (slice(1, None), lambda lib: lib.arange(4.0)),
]


@pytest.mark.parametrize("i", range(len(SET_CASES)))
def test_setitem_cases(i):
    idx, val = SET_CASES[i]
    res = []
    for lib in (torch, ember):
        z = lib.zeros(3, 4)

        def run():
            z[idx] = val(lib)
            return z.tolist()
        res.append(_outcome(run))
    assert res[1] == res[0]


def test_setitem_int_tensor_casts_values():
    for lib_pair in [(torch, ember)]:
        out = []
        for lib in lib_pair:
            z = lib.zeros(3, dtype=lib.long)
            z[0] = 2.7
            z[1:] = lib.tensor([-1.5, 3.9])
            b = lib.zeros(3, dtype=lib.bool)
            b[1] = 5
            out.append((z.tolist(), b.tolist()))
        assert out[0] == out[1]


# -- sorting and selection ------------------------------------------------------------------------
def _ties(rng, shape, k=3):
    return rng.integers(0, k, shape)


def test_sort_orders_ties_like_torch():
    rng = np.random.default_rng(0)
    for trial in range(30):
        n = int(rng.integers(2, 60))
        a = _ties(rng, (3, n), int(rng.integers(1, 5))).astype(np.float32)
        if trial % 3 == 0:
            a[0, rng.integers(n)] = np.nan
        for kw in ({}, {"descending": True}, {"stable": True},
                   {"stable": True, "descending": True}, {"dim": 0}):
            t = torch.tensor(a).sort(**kw)
            e = ember.tensor(a).sort(**kw)
            assert e.indices.tolist() == t.indices.tolist(), kw
            np.testing.assert_array_equal(e.values.numpy(), t.values.numpy())


def test_sort_integer_and_bool_and_layouts():
    a = np.random.default_rng(1).integers(-3, 3, (4, 5))
    for dt in ("int64", "int32", "uint8", "bool"):
        t = torch.tensor(a).to(getattr(torch, dt)).t().sort(0)
        e = ember.tensor(a).to(getattr(ember, dt)).t().sort(0)
        assert e.indices.tolist() == t.indices.tolist()
        assert e.values.tolist() == t.values.tolist() and str(e.values.dtype) == \
            str(t.values.dtype)
        assert e.values.stride() == t.values.stride()
        assert ember.argsort(ember.tensor(a), descending=True).tolist() == \
            torch.argsort(torch.tensor(a), descending=True).tolist()


def test_topk_and_kthvalue_ties_like_torch():
    rng = np.random.default_rng(2)
    for trial in range(30):
        n = int(rng.integers(1, 150))
        a = _ties(rng, (2, n), int(rng.integers(1, 6))).astype(np.float64)
        if trial % 4 == 0:
            a[1, rng.integers(n)] = np.nan
        k = int(rng.integers(1, n + 1))
        for kw in ({}, {"largest": False}, {"sorted": False}):
            t = torch.tensor(a).topk(k, **kw)
            e = ember.tensor(a).topk(k, **kw)
            assert e.indices.tolist() == t.indices.tolist(), (n, k, kw)
        t = torch.tensor(a).kthvalue(k)
        e = ember.tensor(a).kthvalue(k)
        assert e.indices.tolist() == t.indices.tolist(), (n, k)
        np.testing.assert_array_equal(e.values.numpy(), t.values.numpy())


def test_named_tuples_print_like_torch():
    x = [[3.0, 1.0, 2.0], [0.5, 0.25, 4.0]]
    for f in (lambda lib, t: lib.sort(t), lambda lib, t: t.topk(2),
              lambda lib, t: t.kthvalue(2, 0, keepdim=True)):
        r_t, r_e = f(torch, torch.tensor(x)), f(ember, ember.tensor(x))
        assert repr(r_e) == repr(r_t)
        assert type(r_e).__name__ == type(r_t).__name__
        values, indices = r_e
        assert values is r_e.values and indices is r_e.indices


def test_sort_topk_zero_dim_and_empty():
    for f in (lambda lib: lib.tensor(2.0).sort(), lambda lib: lib.tensor(2.0).topk(1),
              lambda lib: lib.tensor(2.0).kthvalue(1), lambda lib: lib.zeros(0).sort(),
              lambda lib: lib.zeros(3, 0).topk(0, 0), lambda lib: lib.zeros(2, 3).topk(0)):
        t, e = f(torch), f(ember)
        assert [tuple(v.shape) for v in e] == [tuple(v.shape) for v in t]
        assert [v.tolist() for v in e] == [v.tolist() for v in t]


def test_unique_variants():
    a = np.array([[3, 1, 2], [1, 3, 3], [3, 1, 2]])
    for kw in ({}, {"return_inverse": True}, {"return_counts": True},
               {"return_inverse": True, "return_counts": True, "sorted": False},
               {"dim": 0, "return_inverse": True, "return_counts": True},
               {"dim": 1, "return_counts": True}):
        t = torch.unique(torch.tensor(a), **kw)
        e = ember.unique(ember.tensor(a), **kw)
        t = t if isinstance(t, tuple) else (t,)
        e = e if isinstance(e, tuple) else (e,)
        assert [v.tolist() for v in e] == [v.tolist() for v in t], kw
        assert [str(v.dtype) for v in e] == [str(v.dtype) for v in t]
    t = torch.tensor([1.0, 1.0, 2.0, 2.0, 3.0, 1.0]).unique_consecutive(
        return_inverse=True, return_counts=True)
    e = ember.tensor([1.0, 1.0, 2.0, 2.0, 3.0, 1.0]).unique_consecutive(
        return_inverse=True, return_counts=True)
    assert [v.tolist() for v in e] == [v.tolist() for v in t]
    t = torch.unique_consecutive(torch.tensor(a), dim=0)
    e = ember.unique_consecutive(ember.tensor(a), dim=0)
    assert e.tolist() == t.tolist()
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    assert not ember.unique(x).requires_grad
    nan = float("nan")
    t = torch.unique(torch.tensor([nan, 1.0, nan, 0.5]), return_inverse=True,
                     return_counts=True)
    e = ember.unique(ember.tensor([nan, 1.0, nan, 0.5]), return_inverse=True,
                     return_counts=True)
    assert [str(v.tolist()) for v in e] == [str(v.tolist()) for v in t]


def test_searchsorted_and_bucketize():
    seq = [1, 3, 5, 7]
    vals = [[0, 3, 8], [5, 6, 1]]
    for kw in ({}, {"right": True}, {"side": "right"}, {"out_int32": True}):
        t = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), **kw)
        e = ember.searchsorted(ember.tensor(seq), ember.tensor(vals), **kw)
        assert e.tolist() == t.tolist() and str(e.dtype) == str(t.dtype)
    t = torch.searchsorted(torch.tensor([[1, 3, 5], [2, 4, 6]]), torch.tensor([[3, 4], [3, 7]]))
    e = ember.searchsorted(ember.tensor([[1, 3, 5], [2, 4, 6]]), ember.tensor([[3, 4], [3, 7]]))
    assert e.tolist() == t.tolist()
    t = torch.searchsorted(torch.tensor(seq), 4)
    e = ember.searchsorted(ember.tensor(seq), 4)
    assert e.tolist() == t.tolist() and tuple(e.shape) == tuple(t.shape)
    srt = torch.tensor([3, 1, 2]).argsort()
    t = torch.searchsorted(torch.tensor([3, 1, 2]), torch.tensor([2]), sorter=srt)
    e = ember.searchsorted(ember.tensor([3, 1, 2]), ember.tensor([2]),
                           sorter=ember.tensor(srt.numpy()))
    assert e.tolist() == t.tolist()
    for right in (False, True):
        t = torch.bucketize(torch.tensor(vals), torch.tensor(seq), right=right)
        e = ember.bucketize(ember.tensor(vals), ember.tensor(seq), right=right)
        assert e.tolist() == t.tolist()


def test_nonzero_forms():
    a = np.array([[0.0, 1.0, 0.0], [2.0, 0.0, 3.0]])
    for f in (lambda lib, x: x.nonzero(), lambda lib, x: lib.nonzero(x, as_tuple=True),
              lambda lib, x: lib.argwhere(x), lambda lib, x: lib.tensor(3.0).nonzero(),
              lambda lib, x: lib.tensor(0.0).nonzero(as_tuple=True),
              lambda lib, x: lib.tensor(3.0).nonzero(as_tuple=True),
              lambda lib, x: lib.zeros(2, 0).nonzero()):
        t = f(torch, torch.tensor(a))
        e = f(ember, ember.tensor(a))
        t = t if isinstance(t, tuple) else (t,)
        e = e if isinstance(e, tuple) else (e,)
        assert [(v.tolist(), tuple(v.shape), v.stride()) for v in e] == \
            [(v.tolist(), tuple(v.shape), v.stride()) for v in t]


EDGE = [
    lambda lib, x: x.masked_fill(x > 5, -1), lambda lib, x: x.masked_fill(x > 5, lib.tensor(2)),
    lambda lib, x: lib.zeros(4).masked_fill(lib.tensor([[True], [False]]), 1.0),
    lambda lib, x: x.masked_select(lib.tensor([True, False, True, False])),
    lambda lib, x: x.masked_scatter(x > 5, lib.arange(20.0)),
    lambda lib, x: x.take(lib.tensor([[-1, 0], [5, 11]])),
    lambda lib, x: lib.take_along_dim(x, lib.tensor([0, 11])),
    lambda lib, x: lib.take_along_dim(x, lib.tensor([[0, 1]]), 1),
    lambda lib, x: x.index_select(1, lib.tensor(2)),
    lambda lib, x: x.gather(0, lib.tensor([[2, 1, 0, 0]])),
    lambda lib, x: x.gather(1, lib.tensor([[0], [3], [1]], dtype=lib.int32)),
    lambda lib, x: x.scatter(1, lib.tensor([[0], [3], [1]]), 9.0),
    lambda lib, x: x.scatter(1, lib.tensor([[0, 0], [3, 3], [1, 2]]), -x, reduce="add"),
    lambda lib, x: x.scatter(1, lib.tensor([[0, 0], [3, 3], [1, 2]]), 2.0,
                             reduce="multiply"),
    lambda lib, x: x.scatter_add(0, lib.tensor([[0, 0, 2, 2]]), lib.ones(1, 4)),
    lambda lib, x: x.index_add(0, lib.tensor([0, 0]), lib.ones(2, 4), alpha=3),
    lambda lib, x: x.index_copy(1, lib.tensor([3, 0]), lib.zeros(3, 2)),
    lambda lib, x: x.index_fill(0, lib.tensor([2, 0]), -5),
    lambda lib, x: x.long().index_put((lib.tensor([0, 0]), lib.tensor([1, 1])), lib.tensor(5),
                                      accumulate=True),
    lambda lib, x: x.index_put((lib.tensor([[True, False, True, False]] * 3),), lib.tensor(0.)),
    lambda lib, x: x.put_(lib.tensor([0, -1]), lib.tensor([7.0, 8.0])),
    lambda lib, x: x.put_(lib.tensor([1, 1]), lib.tensor([7.0, 8.0]), accumulate=True),
    lambda lib, x: lib.tensor(1.0).scatter(0, lib.tensor(0), 5.0),
    lambda lib, x: lib.tensor(1.0).gather(0, lib.tensor(0)),
    lambda lib, x: x.long().scatter_reduce(0, lib.tensor([[0, 1, 0, 2]]),
                                           lib.tensor([[7, 8, 9, 10]]), "mean"),
    lambda lib, x: x.scatter_reduce(1, lib.tensor([[0, 0], [1, 1], [2, 3]]),
                                    lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), "amax",
                                    include_self=False),
    lambda lib, x: x.scatter_reduce(1, lib.tensor([[0, 0], [1, 1], [2, 3]]),
                                    lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), "prod"),
]


@pytest.mark.parametrize("i", range(len(EDGE)))
def test_index_ops_edge_cases(i):
    res = []
    for lib in (torch, ember):
        x = lib.arange(12.0).reshape(3, 4)
        res.append(_outcome(lambda: (lambda r: (r.tolist(), str(r.dtype), tuple(r.shape),
                                                r.stride()))(EDGE[i](lib, x))))
    assert res[1] == res[0]


OP_ERRORS = [
    lambda lib, x: x.gather(1, lib.zeros(3, dtype=lib.long)),
    lambda lib, x: x.gather(0, lib.zeros(2, 5, dtype=lib.long)),
    lambda lib, x: x.gather(1, lib.full((3, 1), 7, dtype=lib.long)),
    lambda lib, x: x.gather(1, lib.full((3, 1), -1, dtype=lib.long)),
    lambda lib, x: x.gather(1, lib.zeros(3, 1)),
    lambda lib, x: x.scatter(1, lib.full((3, 1), 7, dtype=lib.long), 1.0),
    lambda lib, x: x.scatter(1, lib.zeros(3, 2, dtype=lib.long), lib.ones(3, 1)),
    lambda lib, x: x.scatter(1, lib.zeros(3, 1, dtype=lib.long), lib.ones(3, 1).double()),
    lambda lib, x: x.scatter(1, lib.zeros(3, 1, dtype=lib.long), 1.0, reduce="sum"),
    lambda lib, x: x.scatter_reduce(1, lib.zeros(3, 1, dtype=lib.long), lib.ones(3, 1), "foo"),
    lambda lib, x: x.index_select(0, lib.zeros(2, 2, dtype=lib.long)),
    lambda lib, x: x.index_select(0, lib.tensor([5])),
    lambda lib, x: x.index_select(0, lib.tensor([-1])),
    lambda lib, x: x.index_select(1, lib.tensor([4])),
    lambda lib, x: x.index_select(0, lib.tensor([0.0])),
    lambda lib, x: x.index_add(0, lib.tensor([0]), lib.ones(1, 5)),
    lambda lib, x: x.index_add(0, lib.tensor([0, 1]), lib.ones(1, 4)),
    lambda lib, x: x.index_add(0, lib.tensor([5]), lib.ones(1, 4)),
    lambda lib, x: x.index_add(0, lib.tensor([0]), lib.ones(1, 4).double()),
    lambda lib, x: x.index_copy(0, lib.tensor([0]), lib.ones(1, 5)),
    lambda lib, x: x.index_copy(0, lib.tensor([0, 1]), lib.ones(1, 4)),
    lambda lib, x: x.index_fill(0, lib.tensor([5]), 1.0),
    lambda lib, x: x.index_fill(0, lib.tensor([0]), lib.tensor([1.0, 2.0])),
    lambda lib, x: x.masked_fill(x, 1.0),
    lambda lib, x: x.masked_fill(x > 2, lib.ones(2)),
    lambda lib, x: lib.zeros(4).masked_fill_(lib.zeros(2, 4, dtype=lib.bool), 1.0),
    lambda lib, x: x.masked_fill(lib.zeros(3, dtype=lib.bool), 1.0),
    lambda lib, x: x.masked_select(lib.zeros(3, dtype=lib.bool)),
    lambda lib, x: x.masked_select(x),
    lambda lib, x: x.masked_scatter(x > 2, lib.ones(3)),
    lambda lib, x: x.masked_scatter(x > 2, lib.ones(20).double()),
    lambda lib, x: x.take(lib.tensor([12])),
    lambda lib, x: x.take(lib.tensor([-13])),
    lambda lib, x: x.take(lib.tensor([1.0])),
    lambda lib, x: x.topk(5),
    lambda lib, x: x.kthvalue(5),
    lambda lib, x: x.kthvalue(0),
    lambda lib, x: x.sort(2),
    lambda lib, x: lib.take_along_dim(x, lib.tensor([[0, 1]]).float(), 1),
    lambda lib, x: lib.searchsorted(lib.tensor([[1, 3, 5], [2, 4, 6]]), lib.tensor([[3]])),
    lambda lib, x: lib.bucketize(lib.tensor([0]), lib.tensor([[1, 3, 5]])),
    lambda lib, x: x.index_put_((lib.tensor([0, 1]),), lib.ones(3)),
    lambda lib, x: x.index_put_((lib.tensor([0]),), lib.ones(4).double()),
    lambda lib, x: x.copy_(lib.ones(5)),
    lambda lib, x: x.copy_(lib.ones(3, 3, 4)),
    lambda lib, x: x[:, :1].copy_(lib.ones(3, 4)),
    lambda lib, x: x.copy_([1.0]),
]


@pytest.mark.parametrize("i", range(len(OP_ERRORS)))
def test_index_op_errors(i):
    res = []
    for lib in (torch, ember):
        x = lib.arange(12.0).reshape(3, 4)
        res.append(_outcome(lambda: OP_ERRORS[i](lib, x)))
    assert isinstance(res[0], tuple) and len(res[0]) == 2, res[0]
    assert res[1] == res[0]


def test_gradients_with_duplicate_indices_accumulate():
    for f in (lambda lib, x: x[[0, 0, 2]], lambda lib, x: x[lib.tensor([[1, 1], [1, 0]])],
              lambda lib, x: x.index_select(0, lib.tensor([2, 2, 2])),
              lambda lib, x: x.gather(0, lib.tensor([[0, 0, 0], [0, 1, 0]])),
              lambda lib, x: x.take(lib.tensor([0, 0, 4])),
              lambda lib, x: lib.take_along_dim(x, lib.tensor([[1], [1], [0]]), 1)):
        grads = []
        for lib in (torch, ember):
            x = lib.arange(9.0).reshape(3, 3).requires_grad_()
            (f(lib, x) * lib.arange(1.0, 1.0 + f(lib, x).numel()).reshape(f(lib, x).shape)
             ).sum().backward()
            grads.append(x.grad.tolist())
        assert grads[0] == grads[1]


def test_scatter_with_src_larger_than_index_fails_backward_like_torch():
    msgs = []
    for lib in (torch, ember):
        x = lib.zeros(3, 4, requires_grad=True)
        s = lib.ones(2, 4, requires_grad=True)
        y = x.scatter(0, lib.zeros(1, 4, dtype=lib.long), s)
        msgs.append(_outcome(lambda: y.sum().backward()))
    assert msgs[0] == msgs[1] and msgs[0][0] == "RuntimeError"


def test_scatter_reduce_deprecation_warning_and_grad_fn():
    names = []
    for lib in (torch, ember):
        x = lib.zeros(2, 3, requires_grad=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = x.scatter(1, lib.zeros(2, 1, dtype=lib.long), x[:, :1] * 1, reduce="add")
        names.append((y.grad_fn.name(), type(y.grad_fn).__name__))
    # torch warns once per process; ember's text is torch's
    assert [str(m.message) for m in w] == [
        "The reduce argument of torch.scatter with Tensor src is deprecated and will be "
        "removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
        "reduction options."]
    assert names[0] == names[1] == ("torch::autograd::NotImplemented", "NotImplemented")
