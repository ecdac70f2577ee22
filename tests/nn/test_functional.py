"""nn.functional (layers, normalisation, padding, distances, softmax) against PyTorch.

``check`` runs one function in both libraries on the same inputs and compares outputs,
dtypes, grad_fn names, first-order gradients (plain and with create_graph=True) and
second-order gradients; ``numeric_gradcheck`` checks ember's backward nodes against central
differences in float64. test_activation.py and test_loss.py reuse both.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

TOL = {"float64": dict(rtol=1e-9, atol=1e-11), "float32": dict(rtol=1.3e-6, atol=1e-5)}


@dataclass
class Case:
    name: str
    fn: Callable                      # fn(lib, *tensors) -> Tensor, lib = torch or ember
    inputs: tuple                     # NumPy arrays (floats become the tested dtype) or values
    grad: tuple | None = None         # indices of inputs that require grad (default: floats)
    second_order: bool = True
    gradcheck: bool = True            # central differences on ember (dedicated nodes)
    dtypes: tuple = ("float64", "float32")
    tol32: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return self.name


def _grad_idx(case: Case) -> tuple:
    if case.grad is not None:
        return case.grad
    return tuple(i for i, a in enumerate(case.inputs)
                 if isinstance(a, np.ndarray) and a.dtype.kind == "f")


def build(lib, inputs, dtype: str, grad_idx=()):
    out = []
    for i, a in enumerate(inputs):
        if isinstance(a, np.ndarray):
            arr = a.astype(dtype) if a.dtype.kind == "f" else a
            t = lib.tensor(arr.copy())
            if i in grad_idx:
                t.requires_grad_(True)
            out.append(t)
        else:
            out.append(a)
    return out


def _weights(shape, seed):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, shape)


def _assert_close(e, t, tol, what):
    assert str(e.dtype) == str(t.dtype), f"{what}: dtype {e.dtype} vs {t.dtype}"
    assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} vs {t.shape}"
    np.testing.assert_allclose(e._data, t.detach().numpy(), equal_nan=True, err_msg=what,
                               **tol)


def _grads(lib, out, inputs, idx, v, create_graph=False):
    return lib.autograd.grad(out, [inputs[k] for k in idx], lib.tensor(v),
                             allow_unused=True, create_graph=create_graph)


def check(case: Case, dtype: str) -> None:
    """Outputs, grad_fn, gradients (plain, create_graph) and second derivatives vs torch."""
    idx = _grad_idx(case)
    tol = dict(TOL[dtype])
    if dtype == "float32":
        tol.update(case.tol32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e_in = build(ember, case.inputs, dtype, idx)
        t_in = build(torch, case.inputs, dtype, idx)
        e_out = case.fn(ember, *e_in)
        t_out = case.fn(torch, *t_in)
    _assert_close(e_out, t_out, tol, f"{case.name} output")
    e_fn = None if e_out.grad_fn is None else e_out.grad_fn.name()
    t_fn = None if t_out.grad_fn is None else t_out.grad_fn.name()
    assert e_fn == t_fn, f"{case.name}: grad_fn {e_fn} vs {t_fn}"
    if not idx or t_out.grad_fn is None:
        return
    v = _weights(tuple(t_out.shape), 1).astype(dtype)
    tg = _grads(torch, t_out, t_in, idx, v, create_graph=case.second_order)
    for create_graph in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            e_in = build(ember, case.inputs, dtype, idx)
            e_out = case.fn(ember, *e_in)
        eg = _grads(ember, e_out, e_in, idx, v, create_graph)
        for k, a, b in zip(idx, eg, tg):
            assert (a is None) == (b is None), f"{case.name}: grad {k} {a} vs {b}"
            if a is not None:
                _assert_close(a, b, tol, f"{case.name} grad {k} (create_graph={create_graph})")
    if not case.second_order:
        return
    # second order: d/dx of sum_k w_k . grad_k
    e_terms = [(g * ember.tensor(_weights(tuple(g.shape), 2 + n).astype(dtype))).sum()
               for n, g in enumerate(eg) if g is not None and g.requires_grad]
    t_terms = [(g * torch.tensor(_weights(tuple(g.shape), 2 + n).astype(dtype))).sum()
               for n, g in enumerate(tg) if g is not None and g.requires_grad]
    # (PyTorch marks some first gradients as differentiable that do not depend on the inputs,
    # e.g. a bias gradient; those contribute zero, so only the totals are compared.)
    e2 = ember.autograd.grad(sum(e_terms[1:], e_terms[0]), [e_in[k] for k in idx],
                             allow_unused=True) if e_terms else [None] * len(idx)
    t2 = torch.autograd.grad(sum(t_terms[1:], t_terms[0]), [t_in[k] for k in idx],
                             allow_unused=True) if t_terms else [None] * len(idx)
    for k, a, b in zip(idx, e2, t2):
        if b is None or not b.any():
            assert a is None or not np.any(a._data), f"{case.name}: 2nd grad {k} not zero"
        else:
            assert a is not None, f"{case.name}: 2nd grad {k} missing"
            _assert_close(a, b, tol, f"{case.name} 2nd grad {k}")


def numeric_gradcheck(case: Case, eps: float = 1e-6) -> None:
    """ember's vector-Jacobian products against central differences (float64)."""
    idx = _grad_idx(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inputs = build(ember, case.inputs, "float64", idx)
        out = case.fn(ember, *inputs)
        if out.grad_fn is None:
            return
        v = _weights(tuple(out.shape), 1)
        grads = _grads(ember, out, inputs, idx, v)
        for k, g in zip(idx, grads):
            base = case.inputs[k]
            num = np.zeros_like(base, dtype=np.float64)
            for j in range(base.size):
                vals = []
                for s in (1, -1):
                    arrs = list(case.inputs)
                    a = base.astype(np.float64).copy()
                    a.flat[j] += s * eps
                    arrs[k] = a
                    o = case.fn(ember, *build(ember, arrs, "float64"))
                    vals.append(float((o._data * v).sum()))
                num.flat[j] = (vals[0] - vals[1]) / (2 * eps)
            got = np.zeros_like(num) if g is None else g._data
            np.testing.assert_allclose(got, num, rtol=1e-5, atol=1e-6,
                                       err_msg=f"{case.name}: gradient of input {k}")


def raises_like_torch(fn, *arrays, match_message: bool = True, **kw):
    """``fn(lib, *tensors)`` raises the same exception class (and message) in both."""
    t_args = build(torch, arrays, "float32")
    e_args = build(ember, arrays, "float32")
    with pytest.raises(Exception) as t_info:
        fn(torch, *t_args, **kw)
    with pytest.raises(Exception) as e_info:
        fn(ember, *e_args, **kw)
    assert type(e_info.value) is type(t_info.value), (e_info.value, t_info.value)
    if match_message:
        assert str(e_info.value) == str(t_info.value)


def warns_like_torch(fn, *arrays):
    """The same warning messages in both libraries."""
    msgs = []
    for lib in (torch, ember):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            fn(lib, *build(lib, arrays, "float32"))
        msgs.append([str(x.message) for x in w])
    assert msgs[0] == msgs[1] and msgs[0], msgs


def case_params(cases, dtypes=True):
    if not dtypes:
        return [pytest.param(c, id=c.name) for c in cases]
    return [pytest.param(c, d, id=f"{c.name}-{d}") for c in cases for d in c.dtypes]


def F(lib):
    return lib.nn.functional


# -------------------------------------------------------------------------------------------
rng = np.random.default_rng(0)


def _r(*shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, shape)


def _away(*shape):
    # away from 0 so finite differences do not cross kinks
    x = rng.uniform(0.2, 2.0, shape)
    return x * rng.choice([-1.0, 1.0], shape)


X34 = _r(3, 4)
W54 = _r(5, 4)
B5 = _r(5)
IDX = np.array([[0, 2], [2, 1]])
EMB = _r(4, 3)

CASES = [
    Case("linear", lambda T, x, w, b: F(T).linear(x, w, b), (X34, W54, B5)),
    Case("linear_nobias", lambda T, x, w: F(T).linear(x, w), (X34, W54)),
    Case("linear_3d", lambda T, x, w, b: F(T).linear(x, w, b), (_r(2, 3, 4), W54, B5)),
    Case("linear_3d_nobias", lambda T, x, w: F(T).linear(x, w), (_r(2, 3, 4), W54)),
    Case("linear_1d", lambda T, x, w, b: F(T).linear(x, w, b), (_r(4), W54, B5)),
    Case("linear_noncontig", lambda T, x, w, b: F(T).linear(x.transpose(0, 1), w, b),
         (_r(4, 2, 3), _r(5, 3), B5)),
    Case("bilinear", lambda T, a, b, w, c: F(T).bilinear(a, b, w, c),
         (_r(3, 2), _r(3, 4), _r(5, 2, 4), B5)),
    Case("bilinear_3d_nobias", lambda T, a, b, w: F(T).bilinear(a, b, w),
         (_r(2, 3, 2), _r(2, 3, 4), _r(5, 2, 4))),
    Case("embedding", lambda T, w: F(T).embedding(T.tensor(IDX), w), (EMB,)),
    # padding rows and frequency scaling change the gradient on purpose (no gradcheck)
    Case("embedding_padding", lambda T, w: F(T).embedding(T.tensor(IDX), w, padding_idx=1),
         (EMB,), gradcheck=False),
    Case("embedding_neg_padding",
         lambda T, w: F(T).embedding(T.tensor(IDX), w, padding_idx=-2), (EMB,),
         gradcheck=False),
    Case("embedding_freq",
         lambda T, w: F(T).embedding(T.tensor(IDX), w, scale_grad_by_freq=True), (EMB,),
         gradcheck=False),
    Case("embedding_int32",
         lambda T, w: F(T).embedding(T.tensor(IDX, dtype=T.int32), w), (EMB,)),
    Case("layer_norm", lambda T, x, w, b: F(T).layer_norm(x, (4,), w, b),
         (X34, _r(4), _r(4))),
    Case("layer_norm_2d_shape", lambda T, x: F(T).layer_norm(x, (3, 4), eps=1e-3),
         (_r(2, 3, 4),)),
    Case("layer_norm_whole", lambda T, x, w: F(T).layer_norm(x, [3, 4], w), (X34, _r(3, 4))),
    # (PyTorch's own double backward fails for a bias without a weight)
    Case("layer_norm_bias_only", lambda T, x, b: F(T).layer_norm(x, (4,), None, b),
         (X34, _r(4)), second_order=False),
    Case("rms_norm", lambda T, x, w: F(T).rms_norm(x, (4,), w), (X34, _r(4))),
    Case("rms_norm_eps", lambda T, x: F(T).rms_norm(x, [3, 4], eps=1e-3), (_r(2, 3, 4),)),
    Case("batch_norm_train", lambda T, x, w, b: F(T).batch_norm(
        x, None, None, w, b, training=True), (_r(4, 3, 2), _r(3), _r(3))),
    Case("batch_norm_train_2d", lambda T, x: F(T).batch_norm(
        x, T.zeros(3, dtype=x.dtype), T.ones(3, dtype=x.dtype), training=True, momentum=0.3,
        eps=1e-3), (_r(5, 3),)),
    Case("batch_norm_eval", lambda T, x, w, b: F(T).batch_norm(
        x, T.tensor(np.array([0.1, -0.2, 0.3])).to(x.dtype),
        T.tensor(np.array([1.5, 0.5, 2.0])).to(x.dtype), w, b), (_r(4, 3, 2), _r(3), _r(3))),
    Case("batch_norm_4d", lambda T, x: F(T).batch_norm(x, None, None, training=True),
         (_r(2, 3, 2, 2),)),
    Case("group_norm", lambda T, x, w, b: F(T).group_norm(x, 2, w, b),
         (_r(2, 4, 3), _r(4), _r(4))),
    Case("group_norm_2d", lambda T, x: F(T).group_norm(x, 3, eps=1e-3), (_r(2, 6),)),
    Case("instance_norm", lambda T, x, w, b: F(T).instance_norm(x, weight=w, bias=b),
         (_r(2, 3, 4), _r(3), _r(3))),
    Case("pad_constant", lambda T, x: F(T).pad(x, (1, 2, 0, 1), value=0.5), (X34,)),
    Case("pad_negative", lambda T, x: F(T).pad(x, (-1, 2, 1, -1)), (X34,)),
    Case("pad_constant_3d", lambda T, x: F(T).pad(x, (1, 1, 1, 1, 1, 0)), (_r(2, 2, 2),)),
    Case("pad_reflect1d", lambda T, x: F(T).pad(x, (2, 1), mode="reflect"), (_r(2, 3, 4),)),
    Case("pad_reflect1d_unbatched", lambda T, x: F(T).pad(x, (3, 2), mode="reflect"),
         (X34,)),
    Case("pad_reflect2d", lambda T, x: F(T).pad(x, (2, 1, 1, 2), mode="reflect"),
         (_r(1, 2, 3, 4),)),
    Case("pad_reflect3d", lambda T, x: F(T).pad(x, (1, 1, 1, 0, 0, 1), mode="reflect"),
         (_r(1, 2, 2, 3, 3),)),
    Case("pad_replicate1d", lambda T, x: F(T).pad(x, (2, 3), mode="replicate"),
         (_r(2, 3, 4),)),
    Case("pad_replicate2d", lambda T, x: F(T).pad(x, (2, 1, 1, 2), mode="replicate"),
         (_r(2, 3, 4),)),
    Case("pad_replicate3d", lambda T, x: F(T).pad(x, (1, 2, 1, 0, 0, 1), mode="replicate"),
         (_r(1, 2, 2, 3),)),
    Case("pad_reflect_negative", lambda T, x: F(T).pad(x, (-1, 2), mode="reflect"),
         (_r(1, 3, 4),)),
    Case("normalize", lambda T, x: F(T).normalize(x), (X34,)),
    Case("normalize_p1_dim0", lambda T, x: F(T).normalize(x, 1.0, 0), (_away(3, 4),)),
    Case("normalize_p3", lambda T, x: F(T).normalize(x, 3.0, -1), (X34,)),
    Case("cosine_similarity", lambda T, a, b: F(T).cosine_similarity(a, b), (X34, _r(3, 4))),
    Case("cosine_similarity_bcast", lambda T, a, b: F(T).cosine_similarity(a, b, -1, 1e-6),
         (X34, _r(4))),
    Case("pairwise_distance", lambda T, a, b: F(T).pairwise_distance(a, b), (X34, _r(3, 4))),
    Case("pairwise_distance_p1", lambda T, a, b: F(T).pairwise_distance(a, b, 1.0, 0.0, True),
         (_r(3, 4), _r(3, 4) + 5)),
    Case("pairwise_distance_p3", lambda T, a, b: F(T).pairwise_distance(a, b, 3.0),
         (_r(4), _r(3, 4))),
    Case("softmax", lambda T, x: F(T).softmax(x, 1), (X34,)),
    Case("softmax_dim0", lambda T, x: F(T).softmax(x, 0), (_r(3, 4, 2),)),
    Case("softmax_dtype", lambda T, x: F(T).softmax(x, -1, dtype=T.float64), (X34,)),
    Case("log_softmax", lambda T, x: F(T).log_softmax(x, -1), (X34,)),
    Case("log_softmax_dim0", lambda T, x: F(T).log_softmax(x, 0), (_r(3, 4, 2),)),
    Case("softmin", lambda T, x: F(T).softmin(x, 1), (X34,)),
    Case("softmax_large", lambda T, x: F(T).softmax(x * 1e4, 1), (X34,)),
    Case("log_softmax_large", lambda T, x: F(T).log_softmax(x * 1e4, 1), (X34,)),
]


@pytest.mark.parametrize("case,dtype", case_params(CASES))
def test_against_torch(case, dtype):
    check(case, dtype)


@pytest.mark.parametrize("case", case_params([c for c in CASES if c.gradcheck], False))
def test_numeric_gradcheck(case):
    numeric_gradcheck(case)


# -- dropout --------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.1, 0.5, 0.77])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_mask_equals_torch(p, dtype):
    x = rng.standard_normal((37, 11)).astype(dtype)
    torch.manual_seed(5)
    ember.manual_seed(5)
    t = F(torch).dropout(torch.tensor(x), p)
    e = F(ember).dropout(ember.tensor(x), p)
    assert np.array_equal(t.numpy(), e._data) and e.dtype == getattr(ember, dtype)
    # the generators moved on identically
    assert torch.rand(1).item() == ember.rand(1).item()


def test_dropout_noncontiguous_and_grad():
    x = rng.standard_normal((6, 5))
    torch.manual_seed(1)
    ember.manual_seed(1)
    tx = torch.tensor(x).t().requires_grad_()
    ex = ember.tensor(x).t().requires_grad_()
    t = F(torch).dropout(tx, 0.4)
    e = F(ember).dropout(ex, 0.4)
    assert np.array_equal(t.detach().numpy(), e._data)
    assert e.grad_fn.name() == t.grad_fn.name() == "MulBackward0"
    t.sum().backward()
    e.sum().backward()
    assert np.array_equal(tx.grad.numpy(), ex.grad._data)


def test_dropout_identities():
    x = ember.tensor(rng.standard_normal((3, 4)))
    assert F(ember).dropout(x, 0.5, training=False) is x
    assert F(ember).dropout(x, 0.0) is x
    z = F(ember).dropout(x.requires_grad_(), 1.0)
    assert not np.any(z._data) and z.grad_fn.name() == "MulBackward0"


@pytest.mark.parametrize("fname,shape", [("dropout1d", (3, 4, 5)), ("dropout2d", (2, 3, 2, 2)),
                                         ("dropout3d", (2, 3, 1, 2, 2)),
                                         ("dropout2d", (3, 2, 2))])
def test_feature_dropout_equals_torch(fname, shape):
    x = rng.standard_normal(shape)
    torch.manual_seed(2)
    ember.manual_seed(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = getattr(F(torch), fname)(torch.tensor(x), 0.5)
        e = getattr(F(ember), fname)(ember.tensor(x), 0.5)
    assert np.array_equal(t.numpy(), e._data)


def test_alpha_dropout_equals_torch():
    x = rng.standard_normal((20, 7))
    torch.manual_seed(4)
    ember.manual_seed(4)
    t = F(torch).alpha_dropout(torch.tensor(x), 0.3, True)
    e = F(ember).alpha_dropout(ember.tensor(x), 0.3, True)
    np.testing.assert_allclose(e._data, t.numpy(), rtol=1e-12, atol=1e-14)


def test_feature_alpha_dropout_equals_torch():
    x = rng.standard_normal((4, 3, 5))
    out = []
    for lib in (torch, ember):
        lib.manual_seed(4)
        xt = lib.tensor(x, requires_grad=True)
        y = F(lib).feature_alpha_dropout(xt, 0.4, True)
        (y * lib.arange(60.0, dtype=lib.float64).view(4, 3, 5)).sum().backward()
        m = lib.nn.FeatureAlphaDropout(0.5)
        out.append((y.detach().numpy(), xt.grad.numpy(), type(y.grad_fn).__name__, repr(m),
                    m.eval()(lib.ones(2, 2)).tolist()))
        with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
            F(lib).feature_alpha_dropout(lib.ones(3), 0.5, True)
    (ty, tg, *tr), (ey, eg, *er) = out
    np.testing.assert_allclose(ey, ty, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(eg, tg, rtol=1e-12, atol=1e-14)
    assert er == tr
    # whole channels share one draw: each (sample, channel) row is a single affine map of x
    ratio = (ey - ey[..., :1]) / np.where(x - x[..., :1] == 0, 1, x - x[..., :1])
    assert np.allclose(ratio[..., 1:], ratio[..., 1:2])


def test_dropout_inplace():
    x = rng.standard_normal((5, 6)).astype(np.float32)
    torch.manual_seed(9)
    ember.manual_seed(9)
    tb = torch.tensor(x, requires_grad=True)
    eb = ember.tensor(x, requires_grad=True)
    t, e = tb * 2, eb * 2
    rt = F(torch).dropout(t, 0.3, inplace=True)
    re = F(ember).dropout(e, 0.3, inplace=True)
    assert rt is t and re is e
    assert np.array_equal(t.detach().numpy(), e._data)
    assert e.grad_fn.name() == "MulBackward0"
    e.sum().backward()
    t.sum().backward()
    assert np.array_equal(tb.grad.numpy(), eb.grad._data)


def test_dropout_errors():
    raises_like_torch(lambda T, x: F(T).dropout(x, 1.5), X34)
    raises_like_torch(lambda T, x: F(T).dropout(x, -0.1), X34)
    raises_like_torch(lambda T, x: F(T).dropout(x.long(), 0.5), X34)


# -- embedding, one_hot -----------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0])
def test_embedding_max_norm_renormalises_weight_in_place(norm_type):
    w = rng.uniform(-3, 3, (5, 3))
    idx = np.array([[0, 3], [3, 4]])
    tw, ew = torch.tensor(w), ember.tensor(w)
    t = F(torch).embedding(torch.tensor(idx), tw, max_norm=1.5, norm_type=norm_type)
    e = F(ember).embedding(ember.tensor(idx), ew, max_norm=1.5, norm_type=norm_type)
    np.testing.assert_allclose(e._data, t.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ew._data, tw.numpy(), rtol=1e-12)
    assert ew._version > 0


def test_embedding_errors():
    raises_like_torch(lambda T, w: F(T).embedding(T.tensor([0.0, 1.0]), w), EMB)
    raises_like_torch(lambda T, w: F(T).embedding(T.tensor([0, 4]), w), EMB)
    raises_like_torch(lambda T, w: F(T).embedding(T.tensor([-1]), w), EMB)
    raises_like_torch(lambda T, w: F(T).embedding(T.tensor([0]), w, padding_idx=4), EMB)
    raises_like_torch(lambda T, w: F(T).embedding(T.tensor([0]), w, padding_idx=-5), EMB)
    raises_like_torch(lambda T, w: F(T).embedding(T.tensor([0]), w[0]), EMB)


@pytest.mark.parametrize("data,n", [([0, 2, 1], -1), ([[1, 0], [3, 3]], 5), ([], 3), (2, 4)])
def test_one_hot(data, n):
    t = F(torch).one_hot(torch.tensor(data, dtype=torch.int64), n)
    e = F(ember).one_hot(ember.tensor(data, dtype=ember.int64), n)
    assert e.dtype == ember.int64 and np.array_equal(e._data, t.numpy())
    assert e.shape == t.shape


@pytest.mark.parametrize("data,n,dt", [([0, -1], -1, "int64"), ([0, 3], 3, "int64"),
                                       ([0, 1], -1, "float32"), ([0, 1], -1, "int32"),
                                       ([], -1, "int64"), ([1], -2, "int64")])
def test_one_hot_errors(data, n, dt):
    raises_like_torch(lambda T: F(T).one_hot(T.tensor(data, dtype=getattr(T, dt)), n))


# -- normalisation ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_batch_norm_running_stats(dtype, momentum):
    x = rng.standard_normal((6, 3, 2)).astype(dtype)
    rm, rv = rng.standard_normal(3).astype(dtype), rng.uniform(0.5, 2, 3).astype(dtype)
    trm, trv = torch.tensor(rm), torch.tensor(rv)
    erm, erv = ember.tensor(rm), ember.tensor(rv)
    for _ in range(3):
        t = F(torch).batch_norm(torch.tensor(x), trm, trv, training=True, momentum=momentum)
        e = F(ember).batch_norm(ember.tensor(x), erm, erv, training=True, momentum=momentum)
        np.testing.assert_allclose(e._data, t.numpy(), **TOL[dtype])
    # unbiased running variance, updated in place
    np.testing.assert_allclose(erm._data, trm.numpy(), **TOL[dtype])
    np.testing.assert_allclose(erv._data, trv.numpy(), **TOL[dtype])
    assert erm._version == 3 and erm.dtype == getattr(ember, dtype)


def test_norm_errors():
    raises_like_torch(lambda T, x: F(T).layer_norm(x, (3,)), X34)
    raises_like_torch(lambda T, x: F(T).layer_norm(x, (4,), T.ones(3)), X34)
    raises_like_torch(lambda T, x: F(T).layer_norm(x, (4,), None, T.ones(3)), X34)
    raises_like_torch(lambda T, x: F(T).layer_norm(x.long(), (4,)), X34)
    raises_like_torch(lambda T, x: F(T).rms_norm(x, (3,)), X34)
    raises_like_torch(lambda T, x: F(T).rms_norm(x, 4), X34)
    raises_like_torch(lambda T, x: F(T).layer_norm(x, 4), X34)
    raises_like_torch(lambda T, x: F(T).layer_norm(x, [4.0]), X34)
    raises_like_torch(lambda T: F(T).batch_norm(T.ones(1, 4), None, None, training=True))
    raises_like_torch(lambda T, x: F(T).batch_norm(x, T.zeros(3), T.ones(3), training=True),
                      X34)
    raises_like_torch(lambda T, x: F(T).batch_norm(x, None, None), X34)
    raises_like_torch(lambda T, x: F(T).batch_norm(x, None, None, training=True, eps=0.0),
                      X34)
    raises_like_torch(lambda T: F(T).batch_norm(T.ones(4), None, None, training=True))
    raises_like_torch(lambda T, x: F(T).group_norm(x, 3), X34)
    raises_like_torch(lambda T: F(T).group_norm(T.ones(4), 2))
    raises_like_torch(lambda T: F(T).group_norm(T.ones(1, 2), 2))
    raises_like_torch(lambda T: F(T).instance_norm(T.ones(2, 3, 1)))


# -- padding ------------------------------------------------------------------------------------
def test_pad_errors():
    x3 = _r(1, 3, 4)
    raises_like_torch(lambda T, x: F(T).pad(x, (1,)), X34)
    raises_like_torch(lambda T, x: F(T).pad(x, (1, 1, 1, 1, 1, 1)), X34)
    raises_like_torch(lambda T, x: F(T).pad(x, (-3, -3)), X34)
    raises_like_torch(lambda T, x: F(T).pad(x, (4, 4), mode="reflect"), x3)
    raises_like_torch(lambda T, x: F(T).pad(x, (1, 1, 3, 3), mode="reflect"), x3[None])
    raises_like_torch(lambda T, x: F(T).pad(x, (1, 1, 1, 1, 1, 1), mode="reflect"), x3)
    raises_like_torch(lambda T, x: F(T).pad(x, (1, 1), mode="foo"), x3)
    raises_like_torch(lambda T, x: F(T).pad(x, (1, 1), mode="reflect", value=1.0), x3)
    raises_like_torch(lambda T, x: F(T).pad(x, (1, 1), mode="replicate"), x3[..., :0])


def test_pad_int_and_value_cast():
    t = F(torch).pad(torch.arange(6).view(2, 3), (1, 1), value=7)
    e = F(ember).pad(ember.arange(6).view(2, 3), (1, 1), value=7)
    assert e.dtype == ember.int64 and np.array_equal(e._data, t.numpy())


# -- distances and softmax ----------------------------------------------------------------------
def test_zero_vectors_have_finite_gradients():
    for fn in (lambda T, x: F(T).normalize(x), lambda T, x: F(T).cosine_similarity(x, x + 1),
               lambda T, x: F(T).pairwise_distance(x, x, eps=0.0)):
        x = np.zeros((2, 3))
        tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
        fn(torch, tx).sum().backward()
        fn(ember, ex).sum().backward()
        np.testing.assert_allclose(ex.grad._data, tx.grad.numpy())
        assert np.all(np.isfinite(ex.grad._data))


def test_softmax_implicit_dim_warns():
    for name in ("softmax", "log_softmax", "softmin"):
        for shape in ((3,), (3, 4), (2, 3, 4)):
            x = _r(*shape)
            warns_like_torch(lambda T, a: getattr(F(T), name)(a), x)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t = getattr(F(torch), name)(torch.tensor(x))
                e = getattr(F(ember), name)(ember.tensor(x))
            np.testing.assert_allclose(e._data, t.numpy(), rtol=1e-12)


def test_softmax_errors():
    raises_like_torch(lambda T, x: F(T).softmax(x.long(), 0), X34)
    raises_like_torch(lambda T, x: F(T).softmax(x.long(), 1), X34)
    raises_like_torch(lambda T, x: F(T).log_softmax(x.long(), 1), X34)
    raises_like_torch(lambda T, x: F(T).softmax(x, 2), X34)


def test_distance_errors():
    raises_like_torch(lambda T, a, b: F(T).cosine_similarity(a, b), X34, _r(5))
    raises_like_torch(lambda T, a, b: F(T).pairwise_distance(a, b), X34, _r(5))
    raises_like_torch(lambda T, a: F(T).normalize(a.long()), X34)


def test_linear_errors():
    raises_like_torch(lambda T, x, w: F(T).linear(x, w), X34, _r(5, 3))
    raises_like_torch(lambda T, x, w: F(T).linear(x, w.double()), X34, W54)
    raises_like_torch(lambda T, x, w: F(T).linear(x, w, T.ones(5, dtype=T.float64)), X34, W54)
    raises_like_torch(lambda T, x, w: F(T).linear(x, w, T.ones(3)), X34, W54)
    raises_like_torch(lambda T, x, w: F(T).linear(x[0, 0], w), X34, W54)
    raises_like_torch(lambda T, x, w: F(T).linear(x[0], w), X34, _r(5, 3))
    raises_like_torch(lambda T, a, b, w: F(T).bilinear(a, b, w), _r(3, 2), _r(2, 4),
                      _r(5, 2, 4))
    raises_like_torch(lambda T, a, b, w: F(T).bilinear(a, b, w), _r(3, 2), _r(3, 4),
                      _r(5, 1, 4))


def test_linear_integer_inputs():
    x, w = np.arange(6).reshape(2, 3), np.arange(12).reshape(4, 3)
    t = F(torch).linear(torch.tensor(x), torch.tensor(w))
    e = F(ember).linear(ember.tensor(x), ember.tensor(w))
    assert e.dtype == ember.int64 and np.array_equal(e._data, t.numpy())
