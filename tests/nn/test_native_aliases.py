"""The torch.* forms of nn.functional ops (native signatures) against PyTorch: values,
gradients, grad_fn names, random streams, the int reductions and the errors."""
from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from test_functional import Case, check

import ember

torch = pytest.importorskip("torch")


def _u(seed, *shape, lo=-1.0, hi=1.0):
    return np.random.default_rng(seed).uniform(lo, hi, shape)


def _off0(seed, *shape):
    """Values kept away from 0 (and from the thresholds below) so kinks are not crossed."""
    x = np.random.default_rng(seed).uniform(0.2, 2.0, shape)
    return x * np.random.default_rng(seed + 100).choice([-1.0, 1.0], shape)


X = _off0(0, 3, 4)
X4 = _off0(1, 2, 3, 4)
SIGN = np.array([1.0, -1.0, 1.0])
SIGN34 = np.where(_u(5, 3, 4) > 0, 1.0, -1.0)
IDX = np.array([[0, 2], [4, 0]])

CASES = [
    Case("dropout_eval", lambda lib, x: lib.dropout(x, 0.5, False), (X,)),
    Case("dropout_p0", lambda lib, x: lib.dropout(x, 0.0, True), (X,)),
    Case("embedding", lambda lib, w, i: lib.embedding(w, i), (_u(2, 5, 3), IDX)),
    Case("embedding_pad", lambda lib, w, i: lib.embedding(w, i, 0), (_u(2, 5, 3), IDX)),
    Case("embedding_kw", lambda lib, w, i: lib.embedding(
        weight=w, indices=i, padding_idx=-2, scale_grad_by_freq=True, sparse=False),
        (_u(2, 5, 3), IDX)),
    Case("batch_norm_train", lambda lib, x, w, b: lib.batch_norm(
        x, w, b, None, None, True, 0.1, 1e-5, True), (X4, _u(3, 3), _u(4, 3))),
    Case("batch_norm_eval", lambda lib, x, w, b, m, v: lib.batch_norm(
        x, w, b, m, v, False, 0.1, 1e-5, False),
        (X4, _u(3, 3), _u(4, 3), _u(5, 3), _u(6, 3, lo=0.5, hi=2.0)), grad=(0, 1, 2)),
    Case("instance_norm", lambda lib, x, w, b: lib.instance_norm(
        x, w, b, None, None, True, 0.1, 1e-5, True), (X4, _u(3, 3), _u(4, 3))),
    Case("group_norm", lambda lib, x, w, b: lib.group_norm(x, 3, w, b, 1e-5, True),
         (_off0(2, 2, 6, 3), _u(3, 6), _u(4, 6))),
    Case("group_norm_kw", lambda lib, x: lib.group_norm(x, num_groups=2, cudnn_enabled=False),
         (_off0(2, 2, 6, 3),)),
    Case("layer_norm", lambda lib, x, w, b: lib.layer_norm(x, [3, 4], w, b, 1e-5, False),
         (X4, _u(3, 3, 4), _u(4, 3, 4))),
    Case("rms_norm", lambda lib, x, w: lib.rms_norm(x, [4], w, None), (X4, _u(3, 4))),
    Case("rms_norm_eps", lambda lib, x: lib.rms_norm(x, (3, 4), eps=1e-3), (X4,)),
    Case("native_layer_norm", lambda lib, x, w, b: lib.native_layer_norm(
        x, [4], w, b, 1e-5)[0], (X4, _u(3, 4), _u(4, 4))),
    Case("native_batch_norm", lambda lib, x, w, b: lib.native_batch_norm(
        x, w, b, None, None, True, 0.1, 1e-5)[0], (X4, _u(3, 3), _u(4, 3))),
    Case("prelu", lambda lib, x, w: lib.prelu(x, w), (X4, _u(3, 3))),
    Case("prelu_method", lambda lib, x, w: x.prelu(w), (X4, _u(3, 1))),
    Case("selu", lambda lib, x: lib.selu(x), (X,)),
    Case("selu_", lambda lib, x: lib.selu_(x * 1), (X,)),
    Case("celu", lambda lib, x: lib.celu(x), (X,)),
    Case("celu_alpha", lambda lib, x: lib.celu(x, alpha=1.5), (X,)),
    Case("celu_", lambda lib, x: lib.celu_(x * 1, 0.5), (X,)),
    Case("threshold", lambda lib, x: lib.threshold(x, 0.1, -2.0), (X,)),
    Case("threshold_", lambda lib, x: lib.threshold_(x * 1, threshold=0.1, value=-2.0), (X,)),
    Case("rrelu_eval", lambda lib, x: lib.rrelu(x), (X,)),
    Case("rrelu_eval_", lambda lib, x: lib.rrelu_(x * 1, 0.2, 0.4), (X,)),
    Case("hardshrink", lambda lib, x: lib.hardshrink(x, 0.6), (X,)),
    Case("hardshrink_method", lambda lib, x: x.hardshrink(), (X,)),
    Case("hardshrink_method_kw", lambda lib, x: x.hardshrink(lambd=1.1), (X,)),
    Case("bilinear", lambda lib, a, b, w, c: lib.bilinear(a, b, w, c),
         (_u(1, 4, 3), _u(2, 4, 2), _u(3, 5, 3, 2), _u(4, 5))),
    Case("bilinear_nobias", lambda lib, a, b, w: lib.bilinear(a, b, w),
         (_u(1, 4, 3), _u(2, 4, 2), _u(3, 5, 3, 2))),
    Case("pdist", lambda lib, x: lib.pdist(x), (_u(1, 5, 3),), second_order=False),
    Case("pdist_p1", lambda lib, x: lib.pdist(x, p=1.0), (_u(1, 5, 3),), second_order=False),
    Case("F_pdist", lambda lib, x: lib.nn.functional.pdist(x, 1.5), (_u(1, 5, 3),),
         second_order=False),
    Case("F_rrelu_", lambda lib, x: lib.nn.functional.rrelu_(x * 1), (X,)),
]

# the losses, each with reduction 0, 1, 2, left out (none, as PyTorch's binding) and 3 (none)
_LOSSES = [
    ("kl_div", lambda lib, r, a, b: lib.kl_div(a, b, *r), (X, _u(7, 3, 4, lo=0.1, hi=1.0))),
    ("kl_div_log_target", lambda lib, r, a, b: lib.kl_div(a, b, *r, log_target=True),
     (X, _u(7, 3, 4))),
    ("cosine_embedding_loss", lambda lib, r, a, b, t: lib.cosine_embedding_loss(
        a, b, t, 0.1, *r), (X[:, :3], _off0(8, 3, 3), SIGN)),
    ("margin_ranking_loss", lambda lib, r, a, b, t: lib.margin_ranking_loss(a, b, t, 0.3, *r),
     (X, _off0(8, 3, 4), SIGN34)),
    ("hinge_embedding_loss", lambda lib, r, a, t: lib.hinge_embedding_loss(a, t, 1.5, *r),
     (X, SIGN34)),
    ("triplet_margin_loss", lambda lib, r, a, p, n: lib.triplet_margin_loss(
        a, p, n, 1.0, 2, 1e-6, True, *r), (X, _off0(8, 3, 4), _off0(9, 3, 4))),
    ("poisson_nll_loss", lambda lib, r, a, t: lib.poisson_nll_loss(
        a, t, True, True, 1e-8, *(r or (0,))), (X, _u(10, 3, 4, lo=0.0, hi=3.0))),
    ("poisson_nll_loss_nolog", lambda lib, r, a, t: lib.poisson_nll_loss(
        a, t, False, False, 1e-8, *(r or (0,))),
     (_u(11, 3, 4, lo=0.5, hi=2.0), _u(10, 3, 4, lo=0.0, hi=3.0))),
    ("bce_with_logits", lambda lib, r, a, t, w, pw: lib.binary_cross_entropy_with_logits(
        a, t, w, pw, *r), (X, _u(12, 3, 4, lo=0.0, hi=1.0), _u(13, 4, lo=0.5), _u(14, 4)), (0, 1)),
]
for _name, _fn, _inputs, *_grad in _LOSSES:
    for _r in ((), (0,), (1,), (2,), (3,)):
        CASES.append(Case(f"{_name}_r{''.join(map(str, _r))}",
                          lambda lib, *a, _fn=_fn, _r=_r: _fn(lib, _r, *a), _inputs,
                          grad=_grad[0] if _grad else None))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", CASES, ids=repr)
def test_against_torch(case, dtype):
    check(case, dtype)


def test_reduction_keywords():
    x, t = ember.tensor(X), ember.tensor(_u(7, 3, 4, lo=0.1))
    tx, tt = torch.tensor(X), torch.tensor(_u(7, 3, 4, lo=0.1))
    for r in (0, 1, 2):
        np.testing.assert_allclose(ember.kl_div(x, t, reduction=r, log_target=False).numpy(),
                                   torch.kl_div(tx, tt, reduction=r, log_target=False).numpy())
    # the mean reduction is the plain mean: no 'batchmean' warning, unlike nn.functional
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.kl_div(x, t, 1)


def _pair(fn, shape=(6, 5), seed=0, dtype="float32"):
    """``fn`` under the same seed in both libraries, on the same requires-grad input."""
    data = _u(seed, *shape).astype(dtype)
    out = []
    for lib in (ember, torch):
        lib.manual_seed(7)
        x = lib.tensor(data, requires_grad=True)
        y = fn(lib, x * 1)
        out.append((x, y))
    return out


RANDOM = {
    "dropout": lambda lib, x: lib.dropout(x, 0.3, True),
    "dropout_": lambda lib, x: lib.dropout_(x, 0.3, True),
    "alpha_dropout": lambda lib, x: lib.alpha_dropout(x, 0.4, True),
    "alpha_dropout_": lambda lib, x: lib.alpha_dropout_(x, 0.4, True),
    "feature_dropout": lambda lib, x: lib.feature_dropout(x.view(3, 2, 5), 0.5, True),
    "feature_dropout_": lambda lib, x: lib.feature_dropout_(x.view(3, 2, 5), 0.5, True),
    "feature_alpha_dropout": lambda lib, x: lib.feature_alpha_dropout(
        x.view(3, 2, 5), 0.5, True),
    "feature_alpha_dropout_": lambda lib, x: lib.feature_alpha_dropout_(
        x.view(3, 2, 5), 0.5, True),
    "dropout_p1": lambda lib, x: lib.dropout(x, 1.0, True),
    "dropout_transposed": lambda lib, x: lib.dropout(x.t(), 0.3, True),
    "native_dropout": lambda lib, x: lib.native_dropout(x, 0.3, True)[0],
    "native_dropout_none": lambda lib, x: lib.native_dropout(x, 0.3, None)[0],
    "native_dropout_eval": lambda lib, x: lib.native_dropout(x, 0.3, False)[0],
    "native_dropout_p1": lambda lib, x: lib.native_dropout(x, 1.0, True)[0],
    "native_dropout_transposed": lambda lib, x: lib.native_dropout(x.t(), 0.3, True)[0],
    "rrelu": lambda lib, x: lib.rrelu(x, 0.1, 0.3, True),
    "rrelu_": lambda lib, x: lib.rrelu_(x, training=True),
    "rrelu_generator": lambda lib, x: lib.rrelu(
        x, 0.1, 0.3, True, lib.Generator().manual_seed(3)),
    "F_rrelu_": lambda lib, x: lib.nn.functional.rrelu_(x, 0.1, 0.3, True),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(RANDOM))
def test_random_streams(name, dtype):
    """The same seed gives the same noise as PyTorch (bit for bit), the same gradient and
    grad_fn, and leaves the generator in the same state."""
    (ex, ey), (tx, ty) = _pair(RANDOM[name], dtype=dtype)
    np.testing.assert_array_equal(ey.detach().numpy(), ty.detach().numpy())
    assert ey.grad_fn.name() == ty.grad_fn.name()
    v = _u(3, *ty.shape).astype(dtype)
    ey.backward(ember.tensor(v))
    ty.backward(torch.tensor(v))
    np.testing.assert_array_equal(ex.grad.numpy(), tx.grad.numpy())
    np.testing.assert_array_equal(ember.rand(4).numpy(), torch.rand(4).numpy())


def test_native_dropout_mask_and_same_draws_as_dropout():
    x = _u(0, 5, 7).astype("float32")
    for lib in (ember, torch):
        lib.manual_seed(3)
        d = lib.dropout(lib.tensor(x), 0.25, True)
        lib.manual_seed(3)
        _, mask = lib.native_dropout(lib.tensor(x), 0.25, True)
        assert str(mask.dtype) == "torch.bool"
        np.testing.assert_array_equal(mask.numpy(), d.numpy() != 0)
    ember.manual_seed(3)
    torch.manual_seed(3)
    for p, train in ((0.25, True), (0.5, False), (0.0, True), (1.0, True)):
        e = ember.native_dropout(ember.tensor(x), p, train)
        t = torch.native_dropout(torch.tensor(x), p, train)
        for a, b in zip(e, t):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    e = ember.native_dropout(ember.zeros(0, 3), 0.5, True)
    t = torch.native_dropout(torch.zeros(0, 3), 0.5, True)
    assert [str(a.dtype) for a in e] == [str(b.dtype) for b in t]
    assert [tuple(a.shape) for a in e] == [tuple(b.shape) for b in t]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_native_layer_norm_stats(dtype):
    x, w, b = _u(0, 2, 3, 4).astype(dtype), _u(1, 3, 4).astype(dtype), _u(2, 3, 4).astype(dtype)
    e = ember.native_layer_norm(ember.tensor(x), (3, 4), ember.tensor(w), ember.tensor(b), 1e-5)
    t = torch.native_layer_norm(torch.tensor(x), (3, 4), torch.tensor(w), torch.tensor(b), 1e-5)
    assert isinstance(e, tuple) and len(e) == 3
    for a, c in zip(e, t):
        assert tuple(a.shape) == tuple(c.shape) and str(a.dtype) == str(c.dtype)
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=1e-6, atol=1e-6)
    # the statistics are plain tensors, as PyTorch's
    xr = ember.tensor(x, requires_grad=True)
    res = ember.native_layer_norm(xr, [4], None, None, 1e-5)
    assert res[0].grad_fn.name() == "NativeLayerNormBackward0"
    assert res[1].grad_fn is None and res[2].grad_fn is None


@pytest.mark.parametrize("training", [True, False])
def test_native_batch_norm_stats(training):
    x, w, b = _u(0, 4, 3, 2).astype("float32"), _u(1, 3), _u(2, 3)
    rm, rv = _u(3, 3), _u(4, 3, lo=0.5, hi=2.0)
    res = []
    for lib in (ember, torch):
        m, v = lib.tensor(rm.astype("float32")), lib.tensor(rv.astype("float32"))
        out = lib.native_batch_norm(lib.tensor(x), lib.tensor(w.astype("float32")),
                                    lib.tensor(b.astype("float32")), m, v, training, 0.2, 1e-5)
        res.append(list(out) + [m, v])
    for a, c in zip(*res):
        assert tuple(a.shape) == tuple(c.shape) and str(a.dtype) == str(c.dtype)
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=1e-5, atol=1e-6)


def test_running_stats_updated_like_torch():
    x = _u(0, 4, 3, 5).astype("float32")
    res = []
    for lib in (ember, torch):
        m, v = lib.zeros(3), lib.ones(3)
        lib.batch_norm(lib.tensor(x), None, None, m, v, True, 0.3, 1e-5, True)
        lib.instance_norm(lib.tensor(x), None, None, m, v, True, 0.3, 1e-5, True)
        res.append((m.numpy(), v.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-6, atol=1e-7)


def test_native_checks_are_not_the_functional_ones():
    """What nn.functional refuses in Python and the native op computes."""
    for lib in (ember, torch):
        one = lib.tensor(_u(0, 1, 3).astype("float32"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = [lib.batch_norm(one, None, None, None, None, True, 0.1, 1e-5, True),
                 lib.group_norm(lib.tensor(_u(0, 1, 2).astype("float32")), 2),
                 lib.instance_norm(lib.tensor(_u(0, 1, 2, 1).astype("float32")), None, None,
                                   None, None, True, 0.1, 1e-5, True),
                 lib.triplet_margin_loss(one, one * 2, one, -1.0),
                 lib.margin_ranking_loss(one, one * 2, lib.ones(3)),
                 lib.embedding(lib.eye(3), lib.tensor([0, 2]), padding_idx=7)]
        if lib is ember:
            er = r
        else:
            for a, b in zip(er, r):
                np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-4)


def _errors():
    x = np.ones((3, 4), np.float32)
    return [
        (lambda lib: lib.dropout(lib.tensor(x), 1.5, True), RuntimeError, "between 0 and 1"),
        (lambda lib: lib.dropout(lib.tensor(x), -0.5, False), RuntimeError, "between 0 and 1"),
        (lambda lib: lib.dropout_(lib.tensor(x), 2.0, True), RuntimeError, "between 0 and 1"),
        (lambda lib: lib.alpha_dropout(lib.tensor(x), 1.5, True), RuntimeError, "between"),
        (lambda lib: lib.feature_dropout(lib.tensor(x), -1.0, True), RuntimeError, "between"),
        (lambda lib: lib.dropout(lib.tensor(x), 0.5, None), TypeError, "must be bool"),
        (lambda lib: lib.dropout(lib.tensor(x), 0.5), TypeError, None),
        (lambda lib: lib.dropout([1.0], 0.5, True), TypeError, "must be Tensor"),
        (lambda lib: lib.feature_dropout(lib.ones(3), 0.5, True), RuntimeError,
         "at least 2 dimensions"),
        (lambda lib: lib.feature_alpha_dropout(lib.ones(3), 0.5, True), RuntimeError,
         "at least 2 dimensions"),
        (lambda lib: lib.dropout(lib.arange(3), 0.5, True), RuntimeError, "can't be cast"),
        (lambda lib: lib.native_dropout(lib.tensor(x), 1.5, True), RuntimeError,
         "bernoulli_ expects p"),
        (lambda lib: lib.native_dropout(lib.arange(3), 0.5, True), RuntimeError,
         "can't be cast"),
        (lambda lib: lib.dropout_(lib.ones(3, requires_grad=True), 0.5, True), RuntimeError,
         "leaf Variable"),
        (lambda lib: lib.embedding(lib.ones(3, 2), lib.tensor([0, 5])), IndexError,
         "index out of range"),
        (lambda lib: lib.embedding(lib.ones(3, 2), lib.tensor([0.0])), RuntimeError,
         "Long, Int"),
        (lambda lib: lib.kl_div(lib.tensor(x), lib.tensor(x), "mean"), TypeError, "must be int"),
        (lambda lib: lib.kl_div(lib.tensor(x), lib.tensor(x), 1, True), TypeError, None),
        (lambda lib: lib.kl_div(lib.tensor(x), lib.tensor(x), reduction=1.5), TypeError,
         "must be int"),
        (lambda lib: lib.binary_cross_entropy_with_logits(lib.tensor(x), lib.tensor(x),
                                                          reduction="sum"), TypeError, "int"),
        (lambda lib: lib.poisson_nll_loss(lib.tensor(x), lib.tensor(x)), TypeError, None),
        (lambda lib: lib.celu(lib.tensor(x), 0.0), RuntimeError, "alpha cannot be 0"),
        (lambda lib: lib.pdist(lib.ones(3)), RuntimeError, "2D tensors, got: 1D"),
        (lambda lib: lib.pdist(lib.ones(2, 3, 4)), RuntimeError, "2D tensors, got: 3D"),
        (lambda lib: lib.pdist(lib.ones(3, 2), -1.0), RuntimeError, "non-negative p"),
        (lambda lib: lib.pdist(lib.ones(3, 2, dtype=lib.long)), RuntimeError, "floating-point"),
        (lambda lib: lib.batch_norm(lib.tensor(x), None, None, None, None, False, 0.1, 1e-5,
                                    True), RuntimeError, "running_mean must be defined"),
        (lambda lib: lib.group_norm(lib.tensor(x), 3), RuntimeError, "divisible by num_groups"),
        (lambda lib: lib.native_layer_norm(lib.tensor(x), [3], None, None, 1e-5), RuntimeError,
         "normalized_shape"),
        (lambda lib: lib.rms_norm(lib.tensor(x), [5]), RuntimeError, "normalized_shape"),
        (lambda lib: lib.cosine_embedding_loss(lib.ones(2, 2, 2), lib.ones(2, 2, 2),
                                               lib.ones(2, 2)), RuntimeError, "1D target"),
    ]


@pytest.mark.parametrize("k", range(len(_errors())))
def test_errors(k):
    fn, exc, msg = _errors()[k]
    with pytest.raises(exc) as t_err:
        fn(torch)
    with pytest.raises(exc) as e_err:
        fn(ember)
    if msg is not None:
        assert msg in str(t_err.value) and msg in str(e_err.value), (t_err.value, e_err.value)


def test_names_and_defaults_match_torch_signatures():
    """Keyword names as PyTorch's (called by keyword in both)."""
    x = np.abs(_u(0, 3, 4)).astype("float32") + 0.1
    calls = [
        lambda lib, t: lib.dropout(input=t, p=0.0, train=True),
        lambda lib, t: lib.celu(input=t, alpha=2.0),
        lambda lib, t: lib.hardshrink(input=t, lambd=0.2),
        lambda lib, t: lib.threshold(t, threshold=0.5, value=0.0),
        lambda lib, t: lib.rrelu(t, lower=0.2, upper=0.3, training=False, generator=None),
        lambda lib, t: lib.kl_div(input=t, target=t, reduction=2, log_target=True),
        lambda lib, t: lib.hinge_embedding_loss(t, t, margin=0.5, reduction=1),
        lambda lib, t: lib.poisson_nll_loss(t, t, log_input=False, full=True, eps=1e-6,
                                            reduction=2),
        lambda lib, t: lib.triplet_margin_loss(anchor=t, positive=t * 2, negative=t, margin=0.5,
                                               p=1.0, eps=1e-6, swap=True, reduction=0),
        lambda lib, t: lib.binary_cross_entropy_with_logits(t, t, weight=None, pos_weight=t,
                                                            reduction=2),
        lambda lib, t: lib.rms_norm(input=t, normalized_shape=[4], weight=None, eps=None),
        lambda lib, t: lib.group_norm(input=t, num_groups=2, weight=None, bias=None, eps=1e-3,
                                      cudnn_enabled=True),
        lambda lib, t: lib.native_layer_norm(input=t, normalized_shape=[4], weight=None,
                                             bias=None, eps=1e-5)[2],
        lambda lib, t: lib.native_batch_norm(input=t, weight=None, bias=None,
                                             running_mean=None, running_var=None,
                                             training=True, momentum=0.1, eps=1e-5)[2],
        lambda lib, t: lib.native_dropout(input=t, p=0.5, train=False)[0],
        lambda lib, t: lib.prelu(input=t, weight=t[0]),
        lambda lib, t: lib.bilinear(input1=t, input2=t, weight=lib.ones(2, 4, 4), bias=None),
        lambda lib, t: lib.pdist(input=t, p=3.0),
        lambda lib, t: lib.embedding(t, lib.tensor([1]), 0, True, False),
    ]
    for call in calls:
        np.testing.assert_allclose(call(ember, ember.tensor(x)).numpy(),
                                   call(torch, torch.tensor(x)).numpy(), rtol=1e-6)


def test_import_stays_light():
    """``import ember`` loads neither ember.nn nor these forms; using one loads no ember.nn."""
    code = ("import sys, ember\n"
            "assert 'ember._native_nn' not in sys.modules\n"
            "assert not any(m.startswith('ember.nn') for m in sys.modules)\n"
            "ember.dropout(ember.ones(3), 0.5, True); ember.kl_div(ember.ones(2), ember.ones(2))\n"
            "ember.ones(2, 3).prelu(ember.ones(1)); ember.ones(2).hardshrink()\n"
            "assert 'ember._native_nn' in sys.modules\n"
            "assert not any(m.startswith('ember.nn') for m in sys.modules)\n"
            "assert 'dropout' in dir(ember)\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_functional_forms_are_the_same_computation():
    """Each torch.* form gives exactly what its nn.functional form gives in ember."""
    F = ember.nn.functional
    x = ember.tensor(X)
    t = ember.tensor(_u(7, 3, 4, lo=0.1, hi=1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pairs = [(ember.selu(x), F.selu(x)), (ember.celu(x, 0.5), F.celu(x, 0.5)),
                 (ember.kl_div(x, t, 1), F.kl_div(x, t, reduction="mean")),
                 (ember.kl_div(x, t, 2), F.kl_div(x, t, reduction="sum")),
                 (ember.kl_div(x, t), F.kl_div(x, t, reduction="none")),
                 (ember.group_norm(x, 2), F.group_norm(x, 2)),
                 (ember.pdist(x), F.pdist(x))]
    for a, b in pairs:
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("p", [2.0, 1.5, 3.0])
def test_pdist_second_order_numerically(p):
    """ember's pdist formula is differentiable (PyTorch's has no second derivative)."""
    x = ember.tensor(_u(4, 4, 3), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda t: ember.nn.functional.pdist(t, p), (x,))


def test_pdist_without_pairs():
    for shape in ((0, 3), (1, 3), (3, 0)):
        x = ember.zeros(shape, requires_grad=True)
        y = ember.pdist(x)
        assert tuple(y.shape) == tuple(torch.pdist(torch.zeros(shape)).shape)
        y.sum().backward()
        assert tuple(x.grad.shape) == shape and not x.grad.numpy().any()
