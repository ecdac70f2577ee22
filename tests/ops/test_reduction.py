"""Reductions against PyTorch beyond the op table: dtypes, named tuples and their printing,
empty tensors, NaN, ties and their gradients, zeros in products, warnings and errors."""
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

NAN, INF = float("nan"), float("inf")


def check(e, t, rtol=1e-6, atol=1e-7):
    """Ember's result ``e`` equals torch's ``t``: tensors (dtype, shape, values, grad_fn name),
    named tuples (type and fields), tuples, numbers."""
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), type(e)
        assert str(e.dtype) == str(t.dtype)
        assert tuple(e.shape) == tuple(t.shape)
        a, b = e.detach().numpy(), t.detach().numpy()
        if b.dtype.kind in "fc":
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
        else:
            np.testing.assert_array_equal(a, b)
        tn = None if t.grad_fn is None else type(t.grad_fn).__name__
        en = None if e.grad_fn is None else type(e.grad_fn).__name__
        assert en == tn
    elif isinstance(t, tuple):
        assert type(e).__name__ == type(t).__name__
        assert len(e) == len(t)
        if hasattr(t, "_fields"):
            assert e._fields == t._fields
        for x, y in zip(e, t):
            check(x, y, rtol, atol)
    elif t is None:
        assert e is None
    else:
        assert e == t or (t != t and e != e)


def both(fn, *arrays, rtol=1e-6, atol=1e-7):
    """Run ``fn(lib, *tensors)`` in both libraries (float arrays become float64 leaves that
    require grad) and compare the results."""
    def build(lib):
        out = []
        for a in arrays:
            if isinstance(a, np.ndarray):
                t = lib.tensor(a.copy())
                if a.dtype.kind == "f":
                    t.requires_grad_(True)
                out.append(t)
            else:
                out.append(a)
        return out
    check(fn(ember, *build(ember)), fn(torch, *build(torch)), rtol, atol)


def grads(fn, *arrays, dtype="float64"):
    """Gradients of ``(fn(lib, *x) * w).sum()`` w.r.t. every input, in both libraries."""
    def run(lib):
        xs = [lib.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
        out = fn(lib, *xs)
        w = lib.tensor(np.random.default_rng(3).uniform(-1, 1, tuple(out.shape)).astype(dtype))
        return tuple(lib.autograd.grad((out * w).sum(), xs, allow_unused=True))
    check(run(ember), run(torch))


def raises_alike(fn, *arrays):
    """Both libraries raise the same exception class with the same message."""
    with pytest.raises(Exception) as t_info:
        fn(torch, *[torch.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays])
    with pytest.raises(Exception) as e_info:
        fn(ember, *[ember.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays])
    te, ee = t_info.value, e_info.value
    if type(te).__module__ == "builtins":
        assert type(ee) is type(te), (ee, te)
    else:                               # torch's own classes (LinAlgError): same name and base
        assert type(ee).__name__ == type(te).__name__
        assert isinstance(ee, type(te).__mro__[1])
    t_msg = str(te).split("\n")[0]
    assert str(ee) == t_msg or t_msg.startswith(str(ee)[:40]), (str(ee), t_msg)


A = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 5.0]])
I3 = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32)


# -- dtypes -----------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda lib, x: x.sum(), lambda lib, x: x.sum(1), lambda lib, x: x.prod(),
    lambda lib, x: x.prod(0), lambda lib, x: x.cumsum(1), lambda lib, x: x.cumprod(0),
    lambda lib, x: lib.nansum(x), lambda lib, x: x.sum(dtype=lib.float32),
    lambda lib, x: x.sum(0, dtype=lib.int16), lambda lib, x: x.mean(dtype=lib.float64),
    lambda lib, x: x.max(), lambda lib, x: x.max(1), lambda lib, x: x.amin(0),
    lambda lib, x: x.argmax(), lambda lib, x: x.argmin(1, keepdim=True),
    lambda lib, x: x.median(), lambda lib, x: x.median(0), lambda lib, x: x.mode(1),
    lambda lib, x: lib.aminmax(x), lambda lib, x: x.cummax(1), lambda lib, x: x.all(),
    lambda lib, x: x.any(1), lambda lib, x: x.count_nonzero(0),
    lambda lib, x: lib.logsumexp(x, 1), lambda lib, x: lib.diff(x),
])
@pytest.mark.parametrize("dt", [np.int32, np.int64, np.uint8, np.bool_, np.int8])
def test_integer_and_bool_dtypes(fn, dt):
    x = (I3 % 2 == 0) if dt is np.bool_ else I3.astype(dt)
    try:
        t = fn(torch, torch.tensor(x))
    except (RuntimeError, NotImplementedError) as err:
        with pytest.raises(type(err)):
            fn(ember, ember.tensor(x))
        return
    check(fn(ember, ember.tensor(x)), t)


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.sum(), lambda lib, x: x.mean(1), lambda lib, x: x.var(),
    lambda lib, x: x.std(0), lambda lib, x: x.norm(), lambda lib, x: x.prod(1),
    lambda lib, x: x.logsumexp(0), lambda lib, x: x.softmax(1), lambda lib, x: x.cumsum(0),
    lambda lib, x: lib.var_mean(x, 1), lambda lib, x: x.amax(), lambda lib, x: x.nanmean(),
])
@pytest.mark.parametrize("dt", ["float32", "float16"])
def test_low_precision_floats_keep_their_dtype(fn, dt):
    x = A.astype(dt)
    check(fn(ember, ember.tensor(x)), fn(torch, torch.tensor(x)), rtol=2e-3, atol=2e-3)


def test_mean_of_integers_needs_a_dtype():
    raises_alike(lambda lib, x: x.mean(), I3)
    both(lambda lib, x: x.mean(1, dtype=lib.float32), I3)


def test_autograd_refuses_integer_result_dtype():
    raises_alike(lambda lib, x: x.requires_grad_().sum(dtype=lib.int64), A)


# -- dims -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3, (0, 2), (2, 0), [1], (-1, -2), (), None])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var", "std", "norm",
                                  "nansum", "logsumexp"])
def test_dims_and_keepdim(name, dim, keepdim):
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3, 4))
    if name == "logsumexp" and dim in ((), None):
        return                          # dim is required (and () is buggy in torch)
    if name == "norm":
        fn = lambda lib, t: t.norm(dim=dim, keepdim=keepdim)   # noqa: E731
    else:
        fn = lambda lib, t: getattr(lib, name)(t, dim=dim, keepdim=keepdim)   # noqa: E731
    both(fn, x)
    if name in ("var", "std") and dim == ():
        return                          # torch's gradient for dim=() divides by zero
    grads(fn, x)


def test_sum_and_mean_node_names_depend_on_how_dim_is_given():
    both(lambda lib, x: (x.sum(), x.sum(dim=None), x.sum(()), lib.sum(x, 1, True)), A)
    both(lambda lib, x: (x.mean(), x.mean(None), x.mean(dim=[0, 1])), A)


def test_axis_and_keepdims_aliases():
    both(lambda lib, x: (x.sum(axis=1), x.mean(axis=0, keepdims=True), x.max(axis=1),
                         x.amax(1, keepdim=True), x.sum(1, keepdims=True)), A)


def test_zero_dim_inputs():
    x = np.array(2.5)
    both(lambda lib, t: (t.sum(0), t.sum(-1, keepdim=True), t.max(0), t.amax(0), t.argmax(0),
                         t.median(0), t.cumsum(0), t.cumprod(0), t.cummax(0), t.prod(0),
                         t.logsumexp(0), t.softmax(0), t.log_softmax(0), t.norm(dim=0),
                         t.var(0, correction=0), t.mode(0), t.all(0), t.count_nonzero()), x)
    grads(lambda lib, t: t.max(0).values + t.softmax(0) + t.cumprod(0) + t.prod(0) +
          t.cummax(0).values + t.median(0).values, x)
    raises_alike(lambda lib, t: t.sum(1), x)


def test_dim_errors():
    raises_alike(lambda lib, t: t.sum(3), A)
    raises_alike(lambda lib, t: t.max(-3), A)
    raises_alike(lambda lib, t: t.amax((0, 0)), A)
    raises_alike(lambda lib, t: t.cumsum(2), A)
    raises_alike(lambda lib, t: t.softmax(5), A)


# -- named tuples -----------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda lib, x: x.max(1), lambda lib, x: lib.min(x, 0, keepdim=True),
    lambda lib, x: x.median(1), lambda lib, x: lib.nanmedian(x, 0), lambda lib, x: x.mode(1),
    lambda lib, x: lib.aminmax(x, dim=1), lambda lib, x: lib.aminmax(x),
    lambda lib, x: x.cummax(1), lambda lib, x: lib.cummin(x, 0),
])
def test_named_tuples_print_like_torch(fn):
    e = fn(ember, ember.tensor(A, requires_grad=True))
    t = fn(torch, torch.tensor(A, requires_grad=True))
    check(e, t)
    assert repr(e) == repr(t) and str(e) == str(t)
    assert type(e).__module__ == "torch.return_types"
    values, indices = e                  # unpacking and indexing work as for tuples
    assert e[0] is values and e[-1] is indices


def test_var_mean_returns_a_plain_tuple_with_one_node():
    both(lambda lib, x: lib.var_mean(x, 1), A)
    both(lambda lib, x: lib.std_mean(x, (0, 1), correction=0), A)
    grads(lambda lib, x: lib.std_mean(x, 1)[0] * lib.std_mean(x, 1)[1], A)
    grads(lambda lib, x: lib.var_mean(x, 0, keepdim=True)[1], A)


def test_max_out_arguments():
    def fn(lib, x):
        x = x.detach()
        v, i = lib.empty(0, dtype=x.dtype), lib.empty(0, dtype=lib.int64)
        r = lib.max(x, 1, out=(v, i))
        s = lib.empty(0, dtype=x.dtype)
        lib.sum(x, 0, out=s)
        return r, s, v, i
    both(fn, A.copy())
    raises_alike(lambda lib, x: lib.sum(x.requires_grad_(), 0, out=lib.empty(0)), A)


# -- empty tensors ----------------------------------------------------------------------------
E03 = np.zeros((0, 3))


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.sum(), lambda lib, x: x.sum(0), lambda lib, x: x.mean(),
    lambda lib, x: x.mean(0), lambda lib, x: x.prod(), lambda lib, x: x.prod(1),
    lambda lib, x: x.amax(1), lambda lib, x: x.max(1), lambda lib, x: x.argmax(1),
    lambda lib, x: x.logsumexp(0), lambda lib, x: x.std(0), lambda lib, x: x.norm(),
    lambda lib, x: x.norm(p=float("inf"), dim=1), lambda lib, x: x.softmax(0),
    lambda lib, x: x.cumsum(0), lambda lib, x: x.cummax(0), lambda lib, x: x.all(),
    lambda lib, x: x.any(1), lambda lib, x: x.count_nonzero(), lambda lib, x: x.median(),
    lambda lib, x: lib.nansum(x), lambda lib, x: x.var(1), lambda lib, x: x.cumprod(1),
])
def test_empty_reductions(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        both(fn, E03)


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.max(), lambda lib, x: x.min(0), lambda lib, x: x.amax(),
    lambda lib, x: x.amin(0), lambda lib, x: x.argmax(), lambda lib, x: x.argmin(0),
    lambda lib, x: x.median(0), lambda lib, x: x.mode(0), lambda lib, x: lib.aminmax(x),
    lambda lib, x: x.norm(p=float("inf")), lambda lib, x: x.norm(p=-1, dim=0),
])
def test_empty_reductions_without_identity_raise(fn):
    raises_alike(fn, E03)


# -- NaN ----------------------------------------------------------------------------------------
N = np.array([[1.0, NAN, 3.0, NAN], [2.0, 0.0, -1.0, 4.0]])


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.max(), lambda lib, x: x.min(1), lambda lib, x: x.amax(1),
    lambda lib, x: x.argmax(1), lambda lib, x: x.argmin(), lambda lib, x: x.median(),
    lambda lib, x: x.median(1), lambda lib, x: lib.nanmedian(x), lambda lib, x: x.sum(1),
    lambda lib, x: lib.nanmedian(x, 1), lambda lib, x: lib.nansum(x, 1),
    lambda lib, x: lib.nanmean(x, 1), lambda lib, x: x.cummax(1), lambda lib, x: x.cummin(1),
    lambda lib, x: x.logsumexp(1), lambda lib, x: x.softmax(1), lambda lib, x: x.norm(dim=1),
    lambda lib, x: x.var(1), lambda lib, x: x.prod(1), lambda lib, x: lib.aminmax(x, dim=1),
])
def test_nan_propagates_as_in_torch(fn):
    both(fn, N)


def test_nan_gradients():
    grads(lambda lib, x: lib.nansum(x, 1), N)
    grads(lambda lib, x: x.max(), N)
    grads(lambda lib, x: x.max(1).values, N)
    grads(lambda lib, x: x.cummax(1).values, N)
    grads(lambda lib, x: lib.nanmean(x), N)


def test_all_nan_nanmedian_slice():
    both(lambda lib, x: lib.nanmedian(x, 1),
         np.array([[NAN, NAN], [1.0, NAN]]))


def test_infinities_are_stable():
    x = np.array([[INF, 1.0, 2.0], [-INF, -INF, -INF], [1e4, -1e4, 0.0]])
    both(lambda lib, t: (t.logsumexp(1), t.softmax(1), t.log_softmax(1)), x)
    big = np.array([[1000.0, 1001.0, 999.0]], dtype=np.float32)
    both(lambda lib, t: (t.logsumexp(1), t.softmax(1), t.log_softmax(1)), big)
    grads(lambda lib, t: t.log_softmax(1) + t.logsumexp(1, keepdim=True), big * 1.0)


# -- ties and their gradients -------------------------------------------------------------------
T = np.array([[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 1.0, 1.0], [2.0, 2.0, 2.0, 2.0]])


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.max(),                     # MaxBackward1: shared evenly
    lambda lib, x: x.min(),
    lambda lib, x: x.max(1).values,             # to the returned (first) index
    lambda lib, x: x.min(0).values,
    lambda lib, x: x.amax(1),                   # shared evenly per slice
    lambda lib, x: x.amin((0, 1)),
    lambda lib, x: x.amax(0, keepdim=True),
    lambda lib, x: x.median(),                  # MedianBackward0: shared evenly
    lambda lib, x: x.median(1).values,          # to the returned index
    lambda lib, x: x.mode(1).values,
    lambda lib, x: lib.aminmax(x).max * 2 + lib.aminmax(x).min,
    lambda lib, x: lib.aminmax(x, dim=1).min,
    lambda lib, x: x.cummax(1).values,
    lambda lib, x: x.cummin(0).values,
    lambda lib, x: x.norm(p=float("inf"), dim=1),
    lambda lib, x: x.norm(p=-float("inf")),
    lambda lib, x: lib.linalg.matrix_norm(x, 1),
])
def test_ties_values_indices_and_gradients(fn):
    both(lambda lib, x: fn(lib, x), T)
    grads(fn, T)
    both(lambda lib, x: x.max(1).indices, T)


def test_tie_gradients_second_order():
    def run(lib):
        x = lib.tensor(T, requires_grad=True)
        g, = lib.autograd.grad(x.max() * x.amax(1).sum(), x, create_graph=True)
        h, = lib.autograd.grad((g * g).sum(), x)
        return g, h
    check(run(ember), run(torch))


# -- products and norms at zero -------------------------------------------------------------
Z1 = np.array([[2.0, 0.0, 3.0], [1.5, -2.0, 0.5]])
Z2 = np.array([[0.0, 2.0, 0.0], [1.5, 0.0, 0.5]])


@pytest.mark.parametrize("x", [Z1, Z2, np.zeros((2, 3))])
@pytest.mark.parametrize("fn", [
    lambda lib, t: t.prod(), lambda lib, t: t.prod(1), lambda lib, t: t.prod(0, keepdim=True),
    lambda lib, t: t.cumprod(1), lambda lib, t: t.cumprod(0),
])
def test_products_with_zeros_have_exact_gradients(x, fn):
    both(fn, x)
    grads(fn, x)

    def second(lib):
        t = lib.tensor(x, requires_grad=True)
        out = fn(lib, t)
        w = lib.tensor(np.random.default_rng(1).uniform(-1, 1, tuple(out.shape)))
        g, = lib.autograd.grad((out * w).sum(), t, create_graph=True)
        if g.grad_fn is None:
            return (g,)
        return g, lib.autograd.grad((g * g).sum(), t, allow_unused=True)[0]
    check(second(ember), second(torch))


@pytest.mark.parametrize("p", [2, 1, 3, 1.5, 0.5, float("inf"), "fro"])
def test_norm_at_zero_has_zero_gradient(p):
    x = np.zeros((2, 3))
    both(lambda lib, t: t.norm(p=p), x)
    grads(lambda lib, t: t.norm(p=p), x)
    grads(lambda lib, t: t.norm(p=p, dim=1), np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]]))


def test_std_of_a_constant_has_zero_gradient():
    c = np.full((2, 3), 1.5)
    both(lambda lib, t: (t.std(), t.std(1)), c)
    grads(lambda lib, t: t.std(1), c)
    grads(lambda lib, t: lib.std_mean(t)[0], c)


# -- var / std arguments ------------------------------------------------------------------------
def test_var_std_argument_forms():
    both(lambda lib, t: (t.var(True), t.var(False), t.std(0, True), t.std(0, False, True),
                         t.var(1, correction=0), lib.var(t, (0, 1), correction=2),
                         t.std(unbiased=False), lib.std(t, dim=1, keepdim=True)), A)
    raises_alike(lambda lib, t: t.var(unbiased=True, correction=1), A)


def test_degrees_of_freedom_warning():
    x = np.array([[1.0, 2.0]])
    for name in ("var", "std"):
        with pytest.warns(UserWarning) as tw:
            t = getattr(torch.tensor(x), name)(0)
        with pytest.warns(UserWarning) as ew:
            e = getattr(ember.tensor(x), name)(0)
        check(e, t)
        assert str(ew[0].message) == str(tw[0].message).split(" (Triggered")[0]


# -- softmax -----------------------------------------------------------------------------------
def test_softmax_requires_dim():
    with pytest.raises(TypeError):
        torch.softmax(torch.ones(2, 3))
    with pytest.raises(TypeError):
        ember.softmax(ember.ones(2, 3))
    with pytest.raises(TypeError):
        ember.ones(2, 3).log_softmax()


def test_softmax_dtype_argument():
    both(lambda lib, t: (t.softmax(1, dtype=lib.float64), lib.log_softmax(t, 0, lib.float64)),
         A.astype(np.float32))
    both(lambda lib, t: lib.softmax(t, 0, dtype=lib.float32), I3)
    raises_alike(lambda lib, t: t.log_softmax(0), I3)


def test_softmax_rows_sum_to_one_and_masks():
    x = np.array([[0.0, -INF, 1.0], [-INF, -INF, 2.0]])
    both(lambda lib, t: (t.softmax(1), t.log_softmax(1)), x)
    grads(lambda lib, t: t.softmax(1), x)


# -- misc ---------------------------------------------------------------------------------------
def test_diff_forms():
    both(lambda lib, t: (lib.diff(t), lib.diff(t, n=2, dim=0, prepend=t[:1]),
                         lib.diff(t, append=t[:, :1], n=3), lib.diff(t, n=5)), A)
    both(lambda lib, t: lib.diff(t > 2), A)
    raises_alike(lambda lib, t: lib.diff(t[0, 0]), A)
    raises_alike(lambda lib, t: lib.diff(t, n=-1), A)
    raises_alike(lambda lib, t: lib.diff(t, append=t[0, 0]), A)


def test_logical_reductions():
    x = np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]])
    both(lambda lib, t: (t.all(), t.any(), t.all(1), t.any(0, keepdim=True), t.all((0, 1)),
                         t.all(()), t.any([]), t.count_nonzero(()),
                         (t > 0).all(0), lib.all(t.to(lib.uint8)), lib.any(t.to(lib.uint8), 1),
                         t.count_nonzero((0, 1)), lib.count_nonzero(t, 0)), x)


def test_max_binary_and_other_forms():
    both(lambda lib, a, b: (lib.max(a, b), lib.min(a, b), a.max(b)), A, A[::-1].copy())
    grads(lambda lib, a, b: lib.max(a, b) * lib.min(a, b), A, A[::-1] + 0.25)


def test_median_lower_and_mode_choices():
    x = np.array([[1.0, 2.0, 2.0, 3.0], [5.0, 5.0, 1.0, 1.0], [3.0, 1.0, 1.0, 3.0]])
    both(lambda lib, t: (t.median(), t.median(1), t.median(0), t.mode(1), t.mode(0),
                         lib.nanmedian(t, 1)), x)


def test_in_place_scans():
    def run(lib):
        leaf = lib.tensor(Z1, requires_grad=True)
        y = leaf * 1
        y.cumprod_(1)
        z = leaf * 2
        z.cumsum_(0)
        g = lib.autograd.grad((y * z).sum(), leaf)
        i = lib.tensor(I3)
        i.cumsum_(1)
        return y, z, g, i
    check(run(ember), run(torch))
    raises_alike(lambda lib, x: x.requires_grad_().cumsum_(0), A)


def test_anp_expand_is_a_read_only_broadcast():
    from ember.autograd.anp import expand as expand_np
    cases = [(np.array(2.0), (3, 4)), (np.float32(1), ()), (np.ones((3, 1)), (3, 5)),
             (np.arange(3.).reshape(1, 3), (4, 3)), (np.ones((2, 1, 3)), (2, 4, 3)),
             (np.ones((3, 4)).T[:, :1], (4, 3))]
    for a, shape in cases:
        r, b = expand_np(a, shape), np.broadcast_to(a, shape)
        assert r.shape == b.shape and r.dtype == b.dtype and (r == b).all()
        assert not r.flags.writeable
    with pytest.raises(ValueError):
        expand_np(np.ones((2, 3)), (4, 3))
