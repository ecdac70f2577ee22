"""Op table entries for ember/ops/indexing.py (getitem/setitem, gather/scatter, masks, sort)."""
import numpy as np

from op_db import ErrorCase, OpInfo, Sample, anyreal


def _one(*shapes):
    return lambda rng: [Sample((anyreal(rng, *s),)) for s in shapes]


def _err(*cases):
    return lambda: list(cases)


def _i(*v):
    return np.array(v, dtype=np.int64)


def _setitem(idx):
    """y = a * 1; y[idx] = v: gradients through CopySlices / IndexPutBackward0."""
    def fn(lib, a, v):
        y = a * 1
        y[idx] = v
        return y
    return fn


def _setitem_samples(vshape):
    return lambda rng: [Sample((anyreal(rng, 3, 4), anyreal(rng, *vshape)))]


X34 = np.ones((3, 4))

OPS = [
    # -- getitem
    OpInfo("getitem_int", lambda lib, a: a[1], _one((3, 4)), grad_fn="SelectBackward0",
           errors=_err(ErrorCase((np.ones((1, 4)),), {}, IndexError,
                                 "index 1 is out of bounds for dimension 0 with size 1"),)),
    OpInfo("getitem_neg", lambda lib, a: a[-1, -2], _one((3, 4)), grad_fn="SelectBackward0"),
    OpInfo("getitem_slice_step", lambda lib, a: a[::2, 1:4:2], _one((3, 4)),
           grad_fn="SliceBackward0"),
    OpInfo("getitem_full_slice", lambda lib, a: a[:], _one((3, 4)), grad_fn="SliceBackward0"),
    OpInfo("getitem_alias", lambda lib, a: a[..., :], _one((3, 4)), grad_fn="AliasBackward0"),
    OpInfo("getitem_none", lambda lib, a: a[None, :, None, 1], _one((3, 4)),
           grad_fn="SelectBackward0"),
    OpInfo("getitem_none_last", lambda lib, a: a[..., None], _one((3, 4)),
           grad_fn="UnsqueezeBackward0"),
    OpInfo("getitem_list", lambda lib, a: a[[0, 2, 0]], _one((3, 4)), grad_fn="IndexBackward0"),
    OpInfo("getitem_tensor", lambda lib, a, i: a[:, i], lambda rng: [
        Sample((anyreal(rng, 3, 4), _i(3, 0, 3, -1)))], grad_fn="IndexBackward0"),
    OpInfo("getitem_tensor2d", lambda lib, a, i: a[i], lambda rng: [
        Sample((anyreal(rng, 3, 4), _i(0, 2, 2, 1).reshape(2, 2)))]),
    OpInfo("getitem_two_tensors", lambda lib, a, i, j: a[i, j], lambda rng: [
        Sample((anyreal(rng, 3, 4), _i(0, 2, 2), _i(1, 1, 3)))], grad_fn="IndexBackward0",
           errors=_err(ErrorCase((X34, _i(0, 1), _i(0, 1, 2)), {}, IndexError,
                                 "shape mismatch: indexing tensors could not be broadcast"),
                       ErrorCase((X34, _i(0, 3), _i(0, 1)), {}, IndexError,
                                 "index 3 is out of bounds for dimension 0 with size 3"))),
    OpInfo("getitem_nonadjacent", lambda lib, a, i: a[i, :, i], lambda rng: [
        Sample((anyreal(rng, 2, 3, 2), _i(1, 0, 1)))]),
    OpInfo("getitem_int_and_list", lambda lib, a: a[1, :, [0, 1]], _one((2, 3, 2)),
           grad_fn="IndexBackward0"),
    OpInfo("getitem_mask", lambda lib, a: a[a > 0], _one((3, 4)), grad_fn="IndexBackward0"),
    OpInfo("getitem_row_mask", lambda lib, a, m: a[m], lambda rng: [
        Sample((anyreal(rng, 3, 4), np.array([True, False, True])))]),
    OpInfo("getitem_bool", lambda lib, a: a[True], _one((3,))),
    OpInfo("getitem_slice_then_list", lambda lib, a: a[1:, [3, 0]], _one((3, 4))),
    # -- setitem (through views of a non-leaf)
    OpInfo("setitem_int", _setitem(1), _setitem_samples((4,)),
           grad_fn="torch::autograd::CopySlices"),
    OpInfo("setitem_broadcast", _setitem((slice(None), 2)), _setitem_samples((1,))),
    OpInfo("setitem_scalar_value", lambda lib, a: _setitem(0)(lib, a, 2.5), _one((3, 4)),
           grad_fn="torch::autograd::CopySlices"),
    OpInfo("setitem_0d_value", _setitem((slice(0, 2), 1)), _setitem_samples(())),
    OpInfo("setitem_whole", _setitem(Ellipsis), _setitem_samples((4,)),
           grad_fn="torch::autograd::CopyBackwards"),
    OpInfo("setitem_list", _setitem([0, 2]), _setitem_samples((2, 4)),
           grad_fn="IndexPutBackward0"),
    OpInfo("setitem_slice_list", _setitem((slice(1, None), [1, 3])), _setitem_samples((2,)),
           grad_fn="torch::autograd::CopySlices"),
    OpInfo("setitem_transposed", lambda lib, a, v: _t_setitem(a, v),
           _setitem_samples((3,)), grad_fn="torch::autograd::CopySlices"),
    # -- index ops
    OpInfo("index_select", lambda lib, a, i: lib.index_select(a, 1, i), lambda rng: [
        Sample((anyreal(rng, 3, 4), _i(3, 0, 3)))], grad_fn="IndexSelectBackward0",
           errors=_err(ErrorCase((X34, _i(4)), {}, RuntimeError,
                                 "INDICES element is out of DATA bounds, id=4 axis_dim=4"))),
    OpInfo("gather", lambda lib, a, i: lib.gather(a, 1, i), lambda rng: [
        Sample((anyreal(rng, 3, 4), _i(0, 3, 3, 1, 2, 0).reshape(3, 2))),
        Sample((anyreal(rng, 3, 4), _i(0, 1, 1).reshape(1, 3)))], grad_fn="GatherBackward0",
           errors=_err(ErrorCase((X34, _i(0, 4, 0).reshape(3, 1)), {}, RuntimeError,
                                 "index 4 is out of bounds for dimension 1 with size 4"))),
    OpInfo("take_along_dim", lambda lib, a, i: lib.take_along_dim(a, i, 0), lambda rng: [
        Sample((anyreal(rng, 3, 4), _i(2, 0, 0, 1).reshape(1, 4)))], grad_fn="GatherBackward0"),
    OpInfo("scatter", lambda lib, a, i, s: lib.scatter(a, 0, i, s), lambda rng: [
        Sample((anyreal(rng, 3, 4), _i(2, 0, 1, 2).reshape(1, 4), anyreal(rng, 1, 4)))],
           grad_fn="ScatterBackward0",
           errors=_err(ErrorCase((X34, _i(3, 0, 0, 0).reshape(1, 4), np.ones((1, 4))), {},
                                 RuntimeError, "out of bounds"))),
    OpInfo("scatter_value", lambda lib, a, i: a.scatter(1, i, 0.5), lambda rng: [
        Sample((anyreal(rng, 3, 4), _i(0, 3, 1).reshape(3, 1)))], grad_fn="ScatterBackward1"),
    OpInfo("scatter_add", lambda lib, a, i, s: a.scatter_add(1, i, s), lambda rng: [
        Sample((anyreal(rng, 2, 3), _i(0, 0, 2, 1, 1, 1).reshape(2, 3), anyreal(rng, 2, 3)))],
           grad_fn="ScatterAddBackward0"),
    OpInfo("index_add", lambda lib, a, i, s: a.index_add(0, i, s, alpha=2.0), lambda rng: [
        Sample((anyreal(rng, 3, 2), _i(2, 0, 2), anyreal(rng, 3, 2)))],
           grad_fn="IndexAddBackward0",
           errors=_err(ErrorCase((X34, _i(0), np.ones((1, 5))), {}, RuntimeError,
                                 "source tensor shape must match self tensor shape"))),
    OpInfo("index_copy", lambda lib, a, i, s: a.index_copy(1, i, s), lambda rng: [
        Sample((anyreal(rng, 2, 4), _i(3, 1), anyreal(rng, 2, 2)))],
           grad_fn="IndexCopyBackward0"),
    OpInfo("index_fill", lambda lib, a, i: a.index_fill(1, i, -1.0), lambda rng: [
        Sample((anyreal(rng, 2, 4), _i(3, 1)))], grad_fn="IndexFillBackward0"),
    OpInfo("index_fill_tensor", lambda lib, a, i, v: a.index_fill(1, i, v), lambda rng: [
        Sample((anyreal(rng, 2, 4), _i(3, 1), anyreal(rng)))], grad_fn="IndexFillBackward1"),
    OpInfo("index_put_acc", lambda lib, a, i, v: a.index_put((i,), v, accumulate=True),
           lambda rng: [Sample((anyreal(rng, 3, 2), _i(0, 2, 0), anyreal(rng, 3, 2)))],
           grad_fn="IndexPutBackward0"),
    OpInfo("index_put", lambda lib, a, i, v: lib.index_put(a, (i,), v), lambda rng: [
        Sample((anyreal(rng, 3, 2), _i(2, 0), anyreal(rng, 2)))],
           grad_fn="IndexPutBackward0"),
    OpInfo("masked_fill", lambda lib, a: a.masked_fill(a > 0, 0.25), _one((3, 4)),
           grad_fn="MaskedFillBackward0"),
    OpInfo("masked_fill_tensor", lambda lib, a, v: lib.masked_fill(a, a < 0, v), lambda rng: [
        Sample((anyreal(rng, 3, 4), anyreal(rng)))], grad_fn="MaskedFillBackward1"),
    OpInfo("masked_fill_broadcast", lambda lib, a, m: a.masked_fill(m, 1.0), lambda rng: [
        Sample((anyreal(rng, 4), np.array([[True, False, True, False], [False] * 4])))]),
    OpInfo("masked_select", lambda lib, a, m: lib.masked_select(a, m), lambda rng: [
        Sample((anyreal(rng, 3, 4), np.array([True, False, False, True])))],
           grad_fn="MaskedSelectBackward0"),
    OpInfo("masked_scatter", lambda lib, a, s: a.masked_scatter(a > 0, s), lambda rng: [
        Sample((anyreal(rng, 3, 4), anyreal(rng, 13)))], grad_fn="MaskedScatterBackward0"),
    OpInfo("take", lambda lib, a, i: lib.take(a, i), lambda rng: [
        Sample((anyreal(rng, 3, 4), _i(11, 0, -1, 3, 3).reshape(1, 5)))],
           grad_fn="TakeBackward0",
           errors=_err(ErrorCase((X34, _i(12)), {}, IndexError,
                                 "out of range: tried to access index 12 on a tensor of 12"))),
    # -- sorting and selection
    OpInfo("sort", lambda lib, a: lib.sort(a, 0).values, _one((3, 4), (5,)),
           grad_fn="SortBackward0"),
    OpInfo("sort_desc", lambda lib, a: a.sort(descending=True, stable=True)[0], _one((3, 4))),
    OpInfo("msort", lambda lib, a: lib.msort(a), _one((3, 2))),
    OpInfo("topk", lambda lib, a: lib.topk(a, 2).values, _one((3, 5)),
           grad_fn="TopkBackward0",
           errors=_err(ErrorCase((np.ones(1),), {}, RuntimeError,
                                 "selected index k out of range"),)),
    OpInfo("topk_smallest", lambda lib, a: a.topk(2, 0, largest=False)[0], _one((4, 3))),
    OpInfo("kthvalue", lambda lib, a: lib.kthvalue(a, 2, 0).values, _one((4, 3)),
           grad_fn="KthvalueBackward0"),
    OpInfo("kthvalue_keepdim", lambda lib, a: a.kthvalue(3, keepdim=True)[0], _one((2, 4))),
    OpInfo("scatter_reduce_sum", lambda lib, a, i, s: a.scatter_reduce(0, i, s, "sum"),
           lambda rng: [Sample((anyreal(rng, 3, 2), _i(0, 2, 0, 0).reshape(2, 2),
                                anyreal(rng, 2, 2)))],
           grad_fn="ScatterReduceBackward0"),
    OpInfo("scatter_reduce_mean", lambda lib, a, i, s: a.scatter_reduce(
        0, i, s, "mean", include_self=False), lambda rng: [
        Sample((anyreal(rng, 3, 2), _i(0, 2, 0, 0).reshape(2, 2), anyreal(rng, 2, 2)))]),
    OpInfo("scatter_reduce_amax", lambda lib, a, i, s: a.scatter_reduce(1, i, s, "amax"),
           lambda rng: [Sample((anyreal(rng, 2, 3), _i(0, 0, 2, 1, 1, 1).reshape(2, 3),
                                anyreal(rng, 2, 3)))], second_order=False),
    OpInfo("scatter_reduce_amin", lambda lib, a, i, s: a.scatter_reduce(
        1, i, s, "amin", include_self=False), lambda rng: [
        Sample((anyreal(rng, 2, 3), _i(0, 0, 2, 1, 1, 1).reshape(2, 3), anyreal(rng, 2, 3)))],
           second_order=False),
    OpInfo("scatter_reduce_prod", lambda lib, a, i, s: a.scatter_reduce(1, i, s, "prod"),
           lambda rng: [Sample((anyreal(rng, 2, 3), _i(0, 0, 2, 1, 1, 1).reshape(2, 3),
                                anyreal(rng, 2, 3)))]),
    # -- results without gradients
    OpInfo("nonzero", lambda lib, a: lib.nonzero(a > 0), _one((3, 4)), differentiable=False),
    OpInfo("argwhere", lambda lib, a: lib.argwhere(a > 0), _one((3, 4)), differentiable=False),
    OpInfo("argsort", lambda lib, a: lib.argsort(a, 0, descending=True), _one((3, 4)),
           differentiable=False),
    OpInfo("unique", lambda lib, a: lib.unique((a > 0).long() + (a > 1).long()), _one((3, 4)),
           differentiable=False),
    OpInfo("searchsorted", lambda lib, a, b: lib.searchsorted(a.sort().values, b),
           lambda rng: [Sample((anyreal(rng, 6), anyreal(rng, 2, 3)))], differentiable=False),
    OpInfo("bucketize", lambda lib, a, b: lib.bucketize(b, a.sort().values, right=True),
           lambda rng: [Sample((anyreal(rng, 5), anyreal(rng, 4)))], differentiable=False),
]


def _t_setitem(a, v):
    y = a * 1
    y.t()[1] = v
    return y
