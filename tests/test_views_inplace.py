"""In-place semantics against PyTorch: version counters shared with views, writes through views
(CopySlices), histories of other views regenerated after a write, the errors for saved tensors
modified in place, leaves, no-grad and multi-output views, and overlapping memory."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _x(lib, *shape, seed=0, grad=True):
    a = np.random.default_rng(seed).uniform(-1, 1, shape)
    return lib.tensor(a, requires_grad=grad)


def _same(a, b, path="result"):
    """Recursive comparison of what a scenario returned under torch (a) and ember (b)."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, ember.Tensor), f"{path}: {type(b)}"
        assert tuple(a.shape) == tuple(b.shape), f"{path}: {a.shape} vs {b.shape}"
        assert str(a.dtype) == str(b.dtype), path
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-6,
                                   atol=1e-9, err_msg=path)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: torch {a!r}, ember {b!r}"


def both(scenario):
    t = scenario(torch)
    e = scenario(ember)
    _same(t, e)
    return e


def both_raise(scenario, exc=RuntimeError):
    """The scenario raises the same class and message under both libraries."""
    with pytest.raises(exc) as ti:
        scenario(torch)
    with pytest.raises(exc) as ei:
        scenario(ember)
    assert type(ei.value) is type(ti.value)
    assert str(ei.value) == str(ti.value)


def name(t):
    return None if t.grad_fn is None else t.grad_fn.name()


def next_names(t):
    return [None if f is None else f.name() for f, _ in t.grad_fn.next_functions]


# -- version counters and shared memory ----------------------------------------------------------
def test_versions_shared_by_views_and_detach():
    def s(lib):
        x = lib.zeros(3, 4)
        v = x[1]
        w = x.t()
        d = x.detach()
        out = [x._version]
        v.add_(1)
        out += [x._version, v._version, w._version, d._version]
        w[0] = 5.0
        out += [x._version, v._version]
        d.mul_(2)
        out += [x._version, x.clone(), v._base is x, w._base is x, d._base is None]
        x.fill_(1)
        out += [v._version, v]
        return out
    both(s)


def test_views_write_through_to_base_and_back():
    def s(lib):
        x = lib.arange(12.).reshape(3, 4)
        x[:, 1:3].mul_(10)
        x.view(-1)[::5] = -1.0
        x.t()[3] = 7.0
        x.unsqueeze(0).expand(2, 3, 4)[0, 0].zero_()
        x.narrow(0, 2, 1).squeeze(0).add_(100)
        row = x.unbind(0)[1]
        return [x, row]
    both(s)


# -- writes through views, gradients through CopySlices -----------------------------------------
def test_mul_through_view_of_non_leaf():
    def s(lib):
        x = _x(lib, 3, 4)
        y = x * 1
        y[0].mul_(2)
        r = [name(y), next_names(y)]
        (y * y).sum().backward()
        return r + [x.grad]
    both(s)


def test_setitem_value_requiring_grad():
    def s(lib):
        x = _x(lib, 3, 4)
        w = _x(lib, 4, seed=1)
        y = x * 1
        y[1] = w * 2
        r = [name(y), next_names(y)]
        (y * y).sum().backward()
        return r + [x.grad, w.grad]
    both(s)


@pytest.mark.parametrize("idx", [0, (slice(None), 1), (1, slice(1, 3)), Ellipsis,
                                 slice(None), (None, 1), [0, 2], (slice(1, None), [0, 2]),
                                 ([0, 0], [1, 1])])
def test_setitem_gradients(idx):
    def s(lib):
        x = _x(lib, 3, 4)
        v = _x(lib, seed=2)             # a 0-d value broadcasts everywhere
        y = x * 3 + 1
        y[idx] = v * 3
        r = [name(y)]
        (y * x).sum().backward()
        return r + [x.grad, v.grad]
    both(s)


def test_setitem_scalar_and_mask():
    def s(lib):
        x = _x(lib, 3, 4)
        y = x * 2
        y[y > 0] = 0.5
        y[:, 0] = 3
        r = [name(y), next_names(y)]
        y.sum().backward()
        return r + [x.grad, y]
    both(s)


def test_transposed_view_setitem():
    def s(lib):
        x = _x(lib, 3, 3)
        y = x * 1
        y.t()[0] = lib.ones(3)
        r = [name(y), next_names(y)]
        (y * x).sum().backward()
        return r + [x.grad]
    both(s)


def test_chain_of_views():
    def s(lib):
        x = _x(lib, 3, 4)
        y = x * 1
        v1 = y[1:]
        v2 = v1[:, 1:]
        v2.mul_(3)
        r = [name(y), name(v1), name(v2), v2._base is y]
        (y * y).sum().backward()
        return r + [x.grad]
    both(s)


def test_recorded_replays_of_mixed_view_chains():
    # view, slice and select views keep their replay as data until a write needs it; chains
    # of them compose, both for the written view and for the other views regenerated
    def s(lib):
        x = _x(lib, 2, 6)
        y = x * 1
        a = y.view(3, 4)[1:].view(2, 2, 2)[1]       # view -> slice -> view -> select
        other = y.view(12)[4:10]
        plain = lib.zeros(6, dtype=lib.float64)
        p = plain.view(2, 3)[0]
        a.mul_(lib.tensor([[2.0, 3.0], [4.0, 5.0]], dtype=lib.float64))
        plain.copy_(x.view(12)[:6] * 3)
        r = [name(a), name(other), name(y), p.requires_grad, name(p)]
        ((other * other).sum() + (a * y[1, :4].view(2, 2)).sum() + (p * p).sum()).backward()
        return r + [x.grad]
    both(s)


def test_other_views_get_new_history():
    def s(lib):
        x = _x(lib, 4)
        y = x * 1
        v1 = y[:2]
        v2 = y[1:3]
        v2.mul_(2)
        r = [name(v1), name(v2), name(y)]
        (v1 * lib.tensor([1.0, 10.0], dtype=lib.float64)).sum().backward()
        return r + [x.grad]
    both(s)


def test_views_after_direct_write_to_base():
    def s(lib):
        x = _x(lib, 2, 3)
        y = x * 1
        v = y.t()
        y.mul_(3)
        r = [name(v)]
        (v * v).sum().backward()
        return r + [x.grad]
    both(s)


def test_view_of_plain_tensor_gains_history():
    def s(lib):
        b = lib.zeros(3, dtype=lib.float64)
        v = b[:2]
        w = _x(lib, 3)
        b.copy_(w * 2)
        r = [v.requires_grad, name(v), name(b)]
        (v * v).sum().backward()
        return r + [w.grad]
    both(s)


def test_plain_tensor_setitem_from_graph():
    def s(lib):
        x = _x(lib, 3, 4)
        z = lib.zeros(3, 4, dtype=lib.float64)
        z[0] = x[1]
        r = [name(z), next_names(z), z.requires_grad]
        z2 = lib.zeros(3, 4, dtype=lib.float64)
        z2[1:, [0, 2]] = x[1:, :2]
        r += [name(z2), next_names(z2)]
        (z * z + z2).sum().backward()
        return r + [x.grad]
    both(s)


def test_inplace_chain_on_view_then_base():
    def s(lib):
        x = _x(lib, 3, 4)
        y = x * 2
        y[0].add_(y[1])
        y.mul_(y.detach() + 1)
        y[:, 2].sub_(1.5)
        (y ** 2).sum().backward()
        return [x.grad, name(y)]
    both(s)


def test_index_put_accumulates_duplicates():
    def s(lib):
        x = _x(lib, 4)
        v = _x(lib, 3, seed=3)
        y = x * 1
        y.index_put_((lib.tensor([0, 2, 0]),), v, accumulate=True)
        (y * y).sum().backward()
        return [y, x.grad, v.grad, name(y)]
    both(s)


def test_double_backward_through_copyslices():
    def s(lib):
        x = _x(lib, 3)
        y = x * 1
        y[0] = x[1] * x[2]
        y[1:].mul_(x[:2])
        g, = lib.autograd.grad((y ** 2).sum(), x, create_graph=True)
        g2, = lib.autograd.grad(g.sum(), x)
        return [g, g2]
    both(s)


def test_relu_inplace_on_non_leaf():
    def s(lib):
        x = _x(lib, 3, 4)
        mid = x * 2
        out = lib.nn.ReLU(inplace=True)(mid)
        r = [out is mid, name(mid)]
        (out * x).sum().backward()
        return r + [x.grad]
    both(s)


def test_fill_and_zero_through_views():
    def s(lib):
        x = _x(lib, 3, 4)
        y = x * 1
        y[:, 0].fill_(2)
        r = [next_names(y)]
        y[1].zero_()
        (y * x).sum().backward()
        return r + [x.grad]
    both(s)


def test_masked_fill_and_index_ops_in_place_on_non_leaf():
    def s(lib):
        x = _x(lib, 3, 4)
        y = x * 1
        y.masked_fill_(y > 0.5, 0.0)
        y.index_fill_(1, lib.tensor([0]), 1.0)
        y.scatter_(1, lib.tensor([[1], [2], [3]]), x[:, :1] * 2)
        y[0].index_add_(0, lib.tensor([3, 3]), x[1, :2])
        (y * y).sum().backward()
        return [x.grad, name(y)]
    both(s)


# -- errors -------------------------------------------------------------------------------------
def test_modified_saved_tensor():
    def s(lib):
        x = _x(lib, 3)
        y = x * 1
        z = y * y
        y.mul_(2)
        z.sum().backward()
    both_raise(s)


def test_modified_saved_result_after_inplace():
    def s(lib):
        x = _x(lib, 3)
        y = x * 1
        z = y.relu_()
        y.mul_(2)
        z.sum().backward()
    both_raise(s)


def test_detach_shares_the_version_but_data_does_not():
    def s(lib):
        x = _x(lib, 3)
        y = x * 1
        z = y * y
        y.detach().zero_()
        z.sum().backward()
    both_raise(s)

    def s2(lib):
        x = _x(lib, 3)
        y = x * 1
        z = y * y
        y.data.mul_(2)              # untracked: no version bump, the new values are used
        z.sum().backward()
        return [x.grad, y._version]
    both(s2)


def test_leaf_inplace_errors():
    def s(lib):
        _x(lib, 3).add_(1)
    both_raise(s)

    def s2(lib):
        _x(lib, 3)[0] = 1.0
    both_raise(s2)

    def s3(lib):
        x = _x(lib, 3)
        with lib.no_grad():
            x.mul_(2)
            x[0] = 5.0
        return x
    both(s3)


def test_multi_output_view_errors():
    for split in (lambda t: t.split(2), lambda t: t.chunk(2), lambda t: t.unbind()):
        def s(lib):
            y = _x(lib, 4, 3) * 1
            split(y)[0].mul_(2)
        both_raise(s)

    def s2(lib):
        parts = lib.zeros(4).split(2)
        parts[0].mul_(_x(lib, 2).float())
    both_raise(s2)

    def s3(lib):
        parts = lib.zeros(4).split(2)
        parts[0].mul_(2)          # nothing requires grad: allowed
        return parts[0]
    both(s3)


def test_no_grad_view_errors():
    def s(lib):
        y = _x(lib, 4, 3) * 1
        with lib.no_grad():
            v = y[0]
        v.mul_(2)
    both_raise(s)

    def s2(lib):
        x = _x(lib, 4, 3)
        with lib.no_grad():
            v = x[0]
        v.mul_(2)
    both_raise(s2)


def test_stale_multi_output_view_errors_on_use():
    def s(lib):
        y = _x(lib, 4, 3) * 1
        parts = y.split(2)
        y.mul_(2)
        (parts[0] * 2).sum().backward()
    with pytest.raises(RuntimeError, match="Output 0 of Split is a view and its base or "
                                           "another view of its base has been modified"):
        s(torch)
    with pytest.raises(RuntimeError, match="Output 0 of Split is a view and its base or "
                                           "another view of its base has been modified"):
        s(ember)


def test_overlapping_write_errors():
    def s(lib):
        lib.zeros(3, 1).expand(3, 4).add_(1)
    both_raise(s)

    def s2(lib):
        c = lib.zeros(3, 1).expand(3, 4)
        c[0] = 1.0
    both_raise(s2)

    def s3(lib):
        t = lib.zeros(3)
        t.expand(1, 3).add_(1)      # a new leading dim of size 1 does not overlap
        return t
    both(s3)


def test_view_of_leaf_error():
    def s(lib):
        x = _x(lib, 3, 4)
        x[0].mul_(2)
    both_raise(s)


def test_view_registry_stays_small():
    y = ember.ones(5) * 1
    for _ in range(1000):
        y[0]
    views = y._vc.views
    assert views is not None and len(views.refs) < 40
