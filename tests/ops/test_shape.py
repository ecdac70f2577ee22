"""Shape ops against PyTorch: which results are views, their strides and contiguity for
contiguous, permuted, strided and expanded inputs; integer dtypes; errors."""
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _inputs(lib):
    """(label, tensor, its base) for four memory layouts of a (2, 3, 4) tensor."""
    a = lib.arange(24.).reshape(2, 3, 4)
    yield "contiguous", a, a
    b = lib.arange(24.).reshape(4, 3, 2)
    yield "permuted", b.permute(2, 1, 0), b
    c = lib.arange(48.).reshape(2, 3, 8)
    yield "strided", c[:, :, ::2], c
    d = lib.arange(4.).reshape(1, 1, 4)
    yield "expanded", d.expand(2, 3, 4), d


def _describe(r, x, base):
    rs = r if isinstance(r, (tuple, list)) else (r,)
    out = []
    for o in rs:
        kind = "self" if o is x else ("view" if o._base is base else "new")
        out.append((tuple(o.shape), o.stride() if o.numel() else None, o.is_contiguous(),
                    kind, str(o.dtype), o.tolist()))
    return out


LAYOUT_OPS = {
    "flatten": lambda lib, x: x.flatten(),
    "flatten_1": lambda lib, x: x.flatten(1),
    "flatten_same": lambda lib, x: x.flatten(1, 1),
    "reshape": lambda lib, x: x.reshape(6, 4),
    "reshape_ones": lambda lib, x: x.reshape(2, 1, 3, 4, 1),
    "reshape_split": lambda lib, x: x.reshape(2, 3, 2, 2),
    "reshape_neg": lambda lib, x: x.reshape(-1, 4),
    "ravel": lambda lib, x: x.ravel(),
    "unflatten": lambda lib, x: x.unflatten(-1, (2, 2)),
    "squeeze": lambda lib, x: x.unsqueeze(1).squeeze(),
    "squeeze_none": lambda lib, x: x.squeeze(),
    "unsqueeze0": lambda lib, x: x.unsqueeze(0),
    "unsqueeze1": lambda lib, x: x.unsqueeze(1),
    "unsqueeze_last": lambda lib, x: x.unsqueeze(-1),
    "expand_dim": lambda lib, x: x[:, :1].expand(2, 5, 4),
    "expand_new": lambda lib, x: x.expand(3, 2, 3, 4),
    "expand_one": lambda lib, x: x.expand(1, 2, 3, 4),
    "expand_same": lambda lib, x: x.expand(2, 3, 4),
    "broadcast_tensors": lambda lib, x: lib.broadcast_tensors(x, lib.ones(3, 1, 1, 1)),
    "broadcast_same": lambda lib, x: lib.broadcast_tensors(x, x)[0],
    "repeat": lambda lib, x: x.repeat(1, 2, 1),
    "repeat_new_dim": lambda lib, x: x.repeat(2, 1, 1, 2),
    "tile": lambda lib, x: x.tile(2),
    "contiguous": lambda lib, x: x.contiguous(),
    "cat": lambda lib, x: lib.cat([x, x], 1),
    "stack": lambda lib, x: lib.stack([x, x], 1),
    "hstack": lambda lib, x: lib.hstack([x, x]),
    "vstack": lambda lib, x: lib.vstack([x, x]),
    "dstack": lambda lib, x: lib.dstack([x, x]),
    "split": lambda lib, x: x.split(3, 2),
    "split_sizes": lambda lib, x: x.split([1, 2], 1),
    "chunk": lambda lib, x: x.chunk(2, 1),
    "unbind": lambda lib, x: x.unbind(1),
    "tensor_split": lambda lib, x: x.tensor_split(3, 2),
    "tensor_split_idx": lambda lib, x: x.tensor_split([1, 5], 2),
    "hsplit": lambda lib, x: x.hsplit(3),
    "vsplit": lambda lib, x: x.vsplit([1]),
    "dsplit": lambda lib, x: x.dsplit(2),
    "flip": lambda lib, x: x.flip(1),
    "flip_all": lambda lib, x: x.flip(0, 1, 2),
    "fliplr": lambda lib, x: x.fliplr(),
    "flipud": lambda lib, x: x.flipud(),
    "roll": lambda lib, x: x.roll(1, 2),
    "roll_dims": lambda lib, x: x.roll((1, -1), (0, 2)),
    "roll_flat": lambda lib, x: x.roll(-5),
    "narrow": lambda lib, x: x.narrow(2, 1, 2),
    "narrow_neg": lambda lib, x: x.narrow(-1, -3, 2),
    "select": lambda lib, x: x.select(1, -1),
    "movedim": lambda lib, x: x.movedim(0, 2),
    "moveaxis": lambda lib, x: lib.moveaxis(x, (0, 1), (-1, 0)),
    "transpose": lambda lib, x: x.transpose(0, 2),
    "permute": lambda lib, x: x.permute(1, 2, 0),
    "mT": lambda lib, x: x.mT,
    "T": lambda lib, x: x.T,
    "tril": lambda lib, x: x.tril(),
    "triu": lambda lib, x: x.triu(1),
    "rot90": lambda lib, x: x.rot90(1, (1, 2)),
    "rot90_2": lambda lib, x: x.rot90(2, (0, 2)),
    "rot90_3": lambda lib, x: x.rot90(3, (0, 2)),
    "rot90_0": lambda lib, x: x.rot90(4, (0, 1)),
    "atleast_3d": lambda lib, x: lib.atleast_3d(x),
    "unfold": lambda lib, x: x.unfold(2, 2, 1),
    "unfold_step": lambda lib, x: x.unfold(1, 2, 2),
    "view_as_reshape": lambda lib, x: x.reshape(2, 12) if x.is_contiguous() else x.mT,
}


@pytest.mark.parametrize("op", sorted(LAYOUT_OPS))
def test_views_strides_and_values_match_torch(op):
    f = LAYOUT_OPS[op]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for (label, tx, tb), (_, ex, eb) in zip(_inputs(torch), _inputs(ember)):
            expected = _describe(f(torch, tx), tx, tb)
            got = _describe(f(ember, ex), ex, eb)
            assert got == expected, label


def test_view_strides_match_torch_for_random_reshapes():
    rng = np.random.default_rng(0)
    shapes = [(2, 3, 4), (4, 1, 6), (1, 24), (24,), (2, 12, 1), (6, 2, 2), (3, 8)]
    for trial in range(60):
        src = shapes[rng.integers(len(shapes))]
        dst = shapes[rng.integers(len(shapes))]
        perm = tuple(rng.permutation(len(src)))
        for lib_pair in [(torch, ember)]:
            res = []
            for lib in lib_pair:
                x = lib.arange(24.).reshape(src).permute(*perm)
                try:
                    v = x.view(dst)
                    res.append((v.stride(), v.tolist(), v._base is not None))
                except RuntimeError as e:
                    res.append(str(e))
            assert res[0] == res[1], (src, perm, dst)


def test_empty_tensor_views():
    for lib_shapes in [((0, 3), (3, 0)), ((2, 0, 3), (0, 6)), ((0,), (0, 5))]:
        src, dst = lib_shapes
        t = torch.zeros(src).view(dst)
        e = ember.zeros(src).view(dst)
        assert e.stride() == t.stride() and tuple(e.shape) == tuple(t.shape)


def test_zero_dim_views():
    for f in (lambda lib, x: x.view(1, 1), lambda lib, x: x.reshape(()),
              lambda lib, x: x.unsqueeze(0), lambda lib, x: x.flatten(),
              lambda lib, x: x.expand(3, 2), lambda lib, x: lib.atleast_2d(x),
              lambda lib, x: x.squeeze(0), lambda lib, x: x.t()):
        t = f(torch, torch.tensor(5.0))
        e = f(ember, ember.tensor(5.0))
        assert (tuple(e.shape), e.stride(), e.tolist()) == (tuple(t.shape), t.stride(),
                                                            t.tolist())


def test_integer_and_bool_dtypes_kept():
    for lib_dt in ("int64", "int32", "uint8", "bool"):
        t = torch.arange(12).reshape(3, 4).to(getattr(torch, lib_dt))
        e = ember.arange(12).reshape(3, 4).to(getattr(ember, lib_dt))
        for f in (lambda lib, x: lib.cat([x, x]), lambda lib, x: x.flip(0),
                  lambda lib, x: x.roll(1), lambda lib, x: x.repeat(2, 1),
                  lambda lib, x: x.tril(), lambda lib, x: x.rot90(),
                  lambda lib, x: lib.stack([x, x], 2)):
            a, b = f(torch, t), f(ember, e)
            assert str(a.dtype) == str(b.dtype) and a.tolist() == b.tolist()


def test_cat_and_stack_promote():
    t = torch.cat([torch.ones(2, dtype=torch.int32), torch.ones(2, dtype=torch.float16)])
    e = ember.cat([ember.ones(2, dtype=ember.int32), ember.ones(2, dtype=ember.float16)])
    assert str(t.dtype) == str(e.dtype)
    t = torch.stack([torch.ones(2, dtype=torch.bool), torch.ones(2, dtype=torch.int64)])
    e = ember.stack([ember.ones(2, dtype=ember.bool), ember.ones(2, dtype=ember.int64)])
    assert str(t.dtype) == str(e.dtype)


def test_cat_out_and_legacy_empty():
    for lib in (torch, ember):
        out = lib.zeros(0)
        r = lib.cat([lib.ones(2, 2), lib.zeros(0), lib.ones(1, 2)], out=out)
        assert r is out and out.shape == (3, 2)


def test_cat_of_mixed_layouts_and_grads_matches_torch():
    def run(lib):
        a = lib.arange(6.).reshape(3, 2).t().requires_grad_()     # transposed: not contiguous
        b = lib.ones(2, 1)
        c = lib.arange(4.).reshape(2, 2)[:, ::2].requires_grad_()  # strided
        r = lib.cat([a, b, c], dim=-1)
        (r * lib.arange(10.).reshape(2, 5)).sum().backward()
        return (r.tolist(), r.stride(), r.grad_fn.name(), a.grad.tolist(), c.grad.tolist(),
                [lib.cat([lib.ones(2, 3), lib.ones(2, 2)], 1).shape[1]])
    assert run(torch) == run(ember)
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 0"):
            lib.cat([lib.ones(2, 3), lib.ones(2, 2)])
        with pytest.raises(IndexError):
            lib.cat([lib.ones(2, 3), lib.ones(2, 3)], 2)


def test_split_chunk_counts_match_torch():
    for n, k in [(5, 2), (6, 4), (0, 3), (4, 4), (7, 3)]:
        t = [tuple(p.shape) for p in torch.zeros(n).chunk(k)]
        e = [tuple(p.shape) for p in ember.zeros(n).chunk(k)]
        assert t == e, (n, k)
        if n:
            t = [tuple(p.shape) for p in torch.zeros(n).split(k)]
            e = [tuple(p.shape) for p in ember.zeros(n).split(k)]
            assert t == e, (n, k)
        t = [tuple(p.shape) for p in torch.zeros(n).tensor_split(k)]
        e = [tuple(p.shape) for p in ember.zeros(n).tensor_split(k)]
        assert t == e, (n, k)


def test_x_T_warns_like_torch():
    # torch warns once per process, so its text is taken from a fresh interpreter
    import subprocess
    import sys
    code = ("import torch, warnings; warnings.simplefilter('always')\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    torch.zeros(2, 3, 4).T; torch.zeros(()).T\n"
            "print('|'.join(str(x.message).split(' (Triggered')[0] for x in w))")
    expected = subprocess.run([sys.executable, "-c", code], capture_output=True,
                              text=True).stdout.strip().split("|")
    with warnings.catch_warnings(record=True) as we:
        warnings.simplefilter("always")
        ember.zeros(2, 3, 4).T
        ember.zeros(()).T
    assert [str(w.message) for w in we] == expected
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.zeros(2, 3).T


ERRORS = [
    lambda lib: lib.zeros(2, 3).view(5, -1),
    lambda lib: lib.zeros(2, 3).view(-1, -1),
    lambda lib: lib.zeros(2, 3).view(-2, 3),
    lambda lib: lib.zeros(2, 3).t().view(-1),
    lambda lib: lib.zeros(2, 3).flatten(1, 0),
    lambda lib: lib.zeros(2, 4).unflatten(1, (3, 2)),
    lambda lib: lib.zeros(2, 4).unflatten(1, ()),
    lambda lib: lib.zeros(2, 3).squeeze(2),
    lambda lib: lib.zeros(2, 3).unsqueeze(3),
    lambda lib: lib.zeros(2, 3, 4).t(),
    lambda lib: lib.zeros(3).mT,
    lambda lib: lib.zeros(2, 3, 4).permute(0, 1),
    lambda lib: lib.zeros(2, 3, 4).permute(0, 0, 1),
    lambda lib: lib.zeros(2, 3, 4).movedim((0, 1), (0,)),
    lambda lib: lib.zeros(2, 3, 4).movedim((0, 0), (1, 2)),
    lambda lib: lib.zeros(2, 3).expand(3, 3),
    lambda lib: lib.zeros(2, 3).expand(3),
    lambda lib: lib.zeros(2, 3).expand(-1, 2, 3),
    lambda lib: lib.zeros(2, 3).repeat(2),
    lambda lib: lib.cat([]),
    lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(3)]),
    lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(2, 4)]),
    lambda lib: lib.cat([lib.tensor(1.0), lib.tensor(2.0)]),
    lambda lib: lib.cat([lib.zeros(2)], dim=1),
    lambda lib: lib.stack([]),
    lambda lib: lib.stack([lib.zeros(2, 3), lib.zeros(3)]),
    lambda lib: lib.zeros(4).split(0),
    lambda lib: lib.zeros(4).split(-1),
    lambda lib: lib.zeros(4).split([1, 2]),
    lambda lib: lib.zeros(4).chunk(0),
    lambda lib: lib.tensor(1.0).unbind(),
    lambda lib: lib.zeros(3, 4).narrow(1, 5, 1),
    lambda lib: lib.zeros(3, 4).narrow(1, 2, 3),
    lambda lib: lib.zeros(3, 4).narrow(1, -5, 1),
    lambda lib: lib.zeros(3, 4).narrow(1, 0, -1),
    lambda lib: lib.zeros(3, 4).select(0, 3),
    lambda lib: lib.zeros(3, 4).flip(0, 0),
    lambda lib: lib.zeros(3).fliplr(),
    lambda lib: lib.tensor(1.0).flipud(),
    lambda lib: lib.zeros(3, 4).roll((1, 2), 0),
    lambda lib: lib.zeros(3, 4).roll((1, 2)),
    lambda lib: lib.zeros(3).tril(),
    lambda lib: lib.zeros(3, 4).rot90(1, [0, 1, 2]),
    lambda lib: lib.zeros(3).rot90(),
    lambda lib: lib.zeros(3, 4).rot90(1, [1, 1]),
    lambda lib: lib.zeros(3, 4).unfold(1, 5, 1),
    lambda lib: lib.broadcast_tensors(lib.zeros(3), lib.zeros(4)),
    lambda lib: lib.zeros(4).view(2, 2.0),
    lambda lib: lib.zeros(4).reshape([2, None]),
    lambda lib: lib.zeros(4).repeat(2.0),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_match_torch(i):
    f = ERRORS[i]
    with pytest.raises(Exception) as ti:
        f(torch)
    with pytest.raises(Exception) as ei:
        f(ember)
    assert type(ei.value) is type(ti.value)
    assert str(ei.value) == str(ti.value)


def test_repeat_interleave_of_counts_alone():
    """torch.repeat_interleave(counts): each index repeated by its count (int64)."""
    for counts, kw in (([1, 2, 3], {}), ([0, 2], {"output_size": 2}), ([], {})):
        e = ember.repeat_interleave(ember.tensor(counts, dtype=ember.int64), **kw)
        t = torch.repeat_interleave(torch.tensor(counts, dtype=torch.int64), **kw)
        assert e.dtype == ember.int64 and e.tolist() == t.tolist()
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match="only accept 1D vector as repeat"):
            lib.repeat_interleave(lib.tensor([[1, 2]]))
        with pytest.raises(RuntimeError, match="Repeats must be non-negative"):
            lib.ones(2).repeat_interleave(-1)
