"""gcd/lcm, frexp, ldexp, nextafter, trapezoid, combinations, unravel_index, chain_matmul,
split_with_sizes, the is_*/resolve_* predicates, the *_scatter ops, renorm, put,
index_reduce and histogram, each compared with PyTorch."""
import warnings

import numpy as np
import pytest
import torch

import ember


def _t(lib, a):
    return lib.tensor(a) if not isinstance(a, np.ndarray) else lib.from_numpy(a.copy())


def _same(e, t, exact=True, rtol=1e-6, atol=0.0):
    """ember result ``e`` equals torch result ``t`` (tensors, or tuples of them)."""
    if isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t)
        assert type(e).__name__ == type(t).__name__
        for a, b in zip(e, t):
            _same(a, b, exact, rtol, atol)
        return
    if not isinstance(t, torch.Tensor):
        assert e == t
        return
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    tn = t.detach().float().numpy() if t.dtype == torch.bfloat16 else t.detach().numpy()
    en = e.detach().float().numpy() if t.dtype == torch.bfloat16 else e.detach().numpy()
    if exact:
        np.testing.assert_array_equal(en, tn)
    else:
        np.testing.assert_allclose(en, tn, rtol=rtol, atol=atol)
    tg = None if t.grad_fn is None else type(t.grad_fn).__name__
    eg = None if e.grad_fn is None else type(e.grad_fn).__name__
    assert eg == tg


def _both(fn, *args, **kw):
    """``fn(lib, ...)`` in ember and torch: the results, or the same exception class and
    message."""
    res = {}
    for lib in (ember, torch):
        try:
            res[lib] = ("ok", fn(lib, *args, **kw))
        except Exception as exc:  # noqa: BLE001 - compared below
            res[lib] = ("err", exc)
    (ke, e), (kt, t) = res[ember], res[torch]
    if kt == "err":
        assert ke == "err", f"torch raised {t!r}, ember returned {e!r}"
        assert type(e) is type(t), (e, t)
        assert str(e) == str(t), (str(e), str(t))
        return None
    assert ke == "ok", f"ember raised {e!r}, torch returned {t!r}"
    return e, t


def check(fn, *args, exact=True, rtol=1e-6, atol=0.0, **kw):
    r = _both(fn, *args, **kw)
    if r is not None:
        _same(*r, exact=exact, rtol=rtol, atol=atol)


# -- gcd, lcm ----------------------------------------------------------------------------------
A = [12, -18, 0, 7, 2 ** 40]
B = [8, 12, 0, -21, 2 ** 40 + 6]


@pytest.mark.parametrize("name", ["gcd", "lcm"])
@pytest.mark.parametrize("da,db", [("int64", "int64"), ("int32", "int64"), ("uint8", "int8"),
                                   ("float32", "int64"), ("int64", "float64"),
                                   ("bool", "bool")])
def test_gcd_lcm(name, da, db):
    a, b = np.array(A), np.array(B)
    if da == "uint8":
        a, b = np.abs(a) % 200, b % 100
    check(lambda lib: getattr(lib, name)(_t(lib, a).to(getattr(lib, da)),
                                         _t(lib, b).to(getattr(lib, db))))
    check(lambda lib: getattr(_t(lib, a).to(getattr(lib, da)), name)(
        _t(lib, b).to(getattr(lib, db))))


@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_gcd_lcm_forms(name):
    a, b = np.array([[4, 6, 9]]), np.array([[2], [3]])
    check(lambda lib: getattr(lib, name)(_t(lib, a), _t(lib, b)))
    check(lambda lib: getattr(lib, name)(_t(lib, a), 6))
    check(lambda lib: getattr(_t(lib, b), name + "_")(_t(lib, a)))      # broadcast error
    check(lambda lib: getattr(_t(lib, a), name + "_")(_t(lib, b)))
    check(lambda lib: getattr(_t(lib, a).int(), name + "_")(_t(lib, np.array([4]))))
    check(lambda lib: getattr(_t(lib, a), name + "_")(_t(lib, b).float()))
    check(lambda lib: getattr(lib, name + "_")(_t(lib, a), _t(lib, np.array([4]))))
    check(lambda lib: getattr(lib, name)(_t(lib, a), _t(lib, b),
                                         out=lib.empty(2, 3, dtype=lib.int64)))


# -- frexp ---------------------------------------------------------------------------------------
FX = [0.0, -0.0, 1.0, -3.5, 1e-40, 3e38, float("inf"), float("-inf"), float("nan"), 8.0, 0.1]


@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "bfloat16", "int64",
                                "complex64"])
def test_frexp(dt):
    x = np.array(FX) if dt != "int64" else np.array([1, 2])
    check(lambda lib: lib.frexp(_t(lib, x).to(getattr(lib, dt))))
    check(lambda lib: _t(lib, x).to(getattr(lib, dt)).frexp())


def test_frexp_type_and_grad():
    e = ember.frexp(ember.tensor([3.0, 0.25]))
    t = torch.frexp(torch.tensor([3.0, 0.25]))
    assert repr(e) == repr(t)
    assert type(e).__module__ == "torch.return_types" and e._fields == ("mantissa", "exponent")
    assert e.mantissa is e[0] and e.exponent is e[1]
    for dt in ("float32", "float64"):
        xs = {}
        for lib in (ember, torch):
            x = lib.tensor([1.0, -3.5, 8.0, 1e-3], dtype=getattr(lib, dt), requires_grad=True)
            m, ex = lib.frexp(x * 3)
            (m * lib.arange(4.0, dtype=x.dtype)).sum().backward()
            xs[lib] = (m, ex, x.grad)
        _same(xs[ember][0], xs[torch][0])
        _same(xs[ember][1], xs[torch][1])
        _same(xs[ember][2], xs[torch][2])
    out = (ember.empty(0), ember.empty(0, dtype=ember.int32))
    r = ember.frexp(ember.tensor([6.0]), out=out)
    assert r.mantissa is out[0] and out[0].tolist() == [0.75] and out[1].tolist() == [3]


# -- ldexp ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dx,de", [("float32", "int64"), ("float64", "float32"),
                                   ("float32", "float64"), ("int64", "int64"),
                                   ("float16", "int32"), ("int8", "int8"), ("float32", "bool"),
                                   ("int64", "float32"), ("complex64", "int64"),
                                   ("bfloat16", "int64")])
def test_ldexp_dtypes(dx, de):
    x = np.array([1.0, -2.0, 3.0, 0.0, 5.0])
    ex = np.array([3, -4, 0, 2, 130])
    if de.startswith("float"):
        ex = ex + 0.5 * (np.arange(5) % 2)
    check(lambda lib: lib.ldexp(_t(lib, x).to(getattr(lib, dx)), _t(lib, ex).to(getattr(lib, de))),
          exact=False, rtol=2e-7)


def test_ldexp_errors_and_inplace():
    x, e = np.array([1.0, 2.0]), np.array([3, 4])
    check(lambda lib: lib.ldexp(_t(lib, x), 3))
    check(lambda lib: lib.ldexp(_t(lib, x), _t(lib, np.array([1, 2, 3]))))
    check(lambda lib: _t(lib, x).ldexp_(_t(lib, e)))
    check(lambda lib: _t(lib, x).float().ldexp_(_t(lib, e)))
    check(lambda lib: _t(lib, e).ldexp_(_t(lib, e)))
    check(lambda lib: lib.ldexp_(_t(lib, x), _t(lib, e)))
    check(lambda lib: _t(lib, x).ldexp(_t(lib, e), ))
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.clone()
        y.ldexp_(lib.tensor([1.0, 2.0]))
        assert type(y.grad_fn).__name__ == "LdexpBackward0"


# -- nextafter -------------------------------------------------------------------------------------
@pytest.mark.parametrize("da,db", [("float32", "float32"), ("float64", "float64"),
                                   ("float32", "float64"), ("int64", "int64"),
                                   ("float16", "float16"), ("bfloat16", "bfloat16"),
                                   ("complex64", "complex64")])
def test_nextafter(da, db):
    a = np.array([1.0, 0.0, -0.0, -1.0, 3.0, 2.0, float("inf"), float("nan"), 1.0, 65504.0])
    b = np.array([2.0, -1.0, 1.0, -2.0, 3.0, -5.0, 0.0, 1.0, float("nan"), float("inf")])
    check(lambda lib: lib.nextafter(_t(lib, a).to(getattr(lib, da)),
                                    _t(lib, b).to(getattr(lib, db))))


def test_nextafter_forms_and_grad():
    a, b = np.array([1.0, 0.0]), np.array([2.0, -1.0])
    check(lambda lib: lib.nextafter(_t(lib, a), 2.0))
    check(lambda lib: _t(lib, a).nextafter_(_t(lib, b)))
    check(lambda lib: _t(lib, a).float().nextafter(_t(lib, b).float()))
    check(lambda lib: _t(lib, a).nextafter_(_t(lib, np.array([[1.0], [2.0]]))))
    res = {}
    for lib in (ember, torch):
        x = lib.tensor([1.0, -3.5], requires_grad=True)
        o = lib.tensor([2.0, 2.0], requires_grad=True)
        y = lib.nextafter(x, o)
        (y * lib.tensor([2.0, 3.0])).sum().backward()
        res[lib] = (y, x.grad, o.grad)
    _same(res[ember], res[torch])


# -- combinations ----------------------------------------------------------------------------------
@pytest.mark.parametrize("n,r,rep", [(4, 2, False), (4, 3, True), (4, 0, False), (4, 5, False),
                                     (1, 2, True), (0, 2, False), (5, 1, False), (3, 3, True)])
def test_combinations(n, r, rep):
    x = np.arange(1.0, n + 1)
    check(lambda lib: lib.combinations(_t(lib, x), r, with_replacement=rep))
    check(lambda lib: lib.combinations(_t(lib, x).long(), r=r, with_replacement=rep))
    res = {}
    for lib in (ember, torch):
        a = _t(lib, x).requires_grad_()
        y = lib.combinations(a, r, rep)
        if y.requires_grad:
            (y * lib.arange(float(y.numel())).reshape(y.shape)).sum().backward()
        res[lib] = (y, a.grad)
    if res[torch][1] is None:
        assert res[ember][1] is None
        res = {k: v[:1] for k, v in res.items()}
    _same(res[ember], res[torch])
    if n == 4 and r == 2:
        assert [type(f).__name__ for f, _ in res[ember][0].grad_fn.next_functions] == \
            ["MaskedSelectBackward0"] * 2


def test_combinations_errors():
    check(lambda lib: lib.combinations(lib.ones(2, 2)))
    check(lambda lib: lib.combinations(lib.tensor(3.0)))
    check(lambda lib: lib.combinations(lib.ones(3), -1))


# -- unravel_index -----------------------------------------------------------------------------------
@pytest.mark.parametrize("idx,shape", [([4, 1, 5], (2, 3)), (4, (2, 3)), ([-1, -7], (2, 3)),
                                       ([6, 100], (2, 3)), ([[1, 2]], 3), ([[1, 2]], [3, 1]),
                                       ([0], ()), ([1], ()), ([], (2, 0)), ([1], (2, 0)),
                                       ([3], (0, 2)), ([1], (2, -3)), ([1], (2.0, 3)),
                                       ([1], "shape"), ([2 ** 40], (2 ** 21, 2 ** 21)),
                                       ([7, 8], (2, 3, 2))])
@pytest.mark.parametrize("dt", ["int64", "int32", "uint8", "float32", "bool"])
def test_unravel_index(idx, shape, dt):
    if dt == "uint8" and np.any(np.array(idx) < 0) or dt in ("int32", "uint8") and \
            np.any(np.abs(np.array(idx)) > 100):
        return
    sh = (lambda lib: lib.tensor([2, 3])) if shape == "shape" else (lambda lib: shape)
    check(lambda lib: lib.unravel_index(lib.tensor(idx, dtype=getattr(lib, dt)), sh(lib))
          if shape != "shape" else _tshape(lib, idx, dt))


def _tshape(lib, idx, dt):
    try:
        return lib.unravel_index(lib.tensor(idx, dtype=getattr(lib, dt)), lib.tensor([2, 3]))
    except TypeError as e:     # the message names the Tensor class, torch's or ember's
        raise TypeError(str(e).split(" but got")[0]) from None


def test_unravel_index_type():
    r = ember.unravel_index(ember.tensor([4, 1]), ember.Size([2, 3]))
    assert type(r) is tuple and [t.tolist() for t in r] == [[1, 0], [1, 1]]
    with pytest.raises(TypeError):
        ember.unravel_index(5, (2, 3))


# -- chain_matmul ----------------------------------------------------------------------------------
def test_chain_matmul():
    rng = np.random.default_rng(0)
    ms = [rng.standard_normal(s) for s in ((2, 3), (3, 4), (4, 5), (5, 2))]
    for k in (1, 2, 3, 4):
        check(lambda lib: lib.chain_matmul(*[_t(lib, m) for m in ms[:k]]), exact=False,
              rtol=1e-12)
        check(lambda lib: lib.chain_matmul(*[_t(lib, m).requires_grad_() for m in ms[:k]]),
              exact=False, rtol=1e-12)
    check(lambda lib: lib.chain_matmul())
    check(lambda lib: lib.chain_matmul(lib.ones(3)))
    check(lambda lib: lib.chain_matmul(lib.ones(2, 3, 3), lib.ones(3, 3)))
    check(lambda lib: lib.chain_matmul(lib.ones(2, 3), lib.ones(3, 3), lib.ones(3)))
    check(lambda lib: lib.chain_matmul(lib.ones(2, 3), lib.ones(4, 3)))
    check(lambda lib: lib.chain_matmul(lib.ones(2, 3), lib.ones(3, 3).double()))


def test_chain_matmul_warns_once():
    from ember.ops import linalg_factor
    linalg_factor._CHAIN_MATMUL_WARNED = False
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ember.chain_matmul(ember.ones(2, 2), ember.ones(2, 2))
        ember.chain_matmul(ember.ones(2, 2), ember.ones(2, 2))
    assert len(w) == 1 and w[0].category is UserWarning
    assert str(w[0].message).startswith("torch.chain_matmul is deprecated and will be removed")
    assert w[0].filename == __file__


# -- split_with_sizes ------------------------------------------------------------------------------
def test_split_with_sizes():
    x = np.arange(10.0)
    check(lambda lib: lib.split_with_sizes(_t(lib, x), [3, 7]))
    check(lambda lib: _t(lib, x).split_with_sizes((3, 0, 7), dim=0))
    check(lambda lib: _t(lib, x).split_with_sizes([3, 6]))
    check(lambda lib: _t(lib, x).split_with_sizes([3, -1, 8]))
    check(lambda lib: _t(lib, x).view(2, 5).split_with_sizes([2, 3], 1))
    check(lambda lib: _t(lib, x).view(2, 5).split_with_sizes([2, 3], 2))
    check(lambda lib: _t(lib, x).split_with_sizes(3))
    check(lambda lib: _t(lib, x).requires_grad_().split_with_sizes([4, 6]))
    for lib in (ember, torch):
        a = _t(lib, x).requires_grad_()
        p, q = a.split_with_sizes([4, 6])
        (p.sum() * 2 + q.sum()).backward()
        assert a.grad.tolist() == [2.0] * 4 + [1.0] * 6
        assert p._base is a


# -- is_* and resolve_* ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["is_signed", "is_inference", "is_conj", "is_neg",
                                  "resolve_conj", "resolve_neg"])
@pytest.mark.parametrize("dt", ["uint8", "int8", "bool", "float32", "bfloat16", "float16",
                                "complex64", "int64"])
def test_predicates(name, dt):
    check(lambda lib: getattr(lib, name)(lib.ones(2, dtype=getattr(lib, dt))))
    check(lambda lib: getattr(lib.ones(2, dtype=getattr(lib, dt)), name)())
    check(lambda lib: getattr(lib, name)(3))


def test_resolve_returns_self():
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        assert x.resolve_conj() is x and lib.resolve_neg(x) is x
