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
    t_out = (torch.empty(0), torch.empty(0, dtype=torch.int32))
    assert repr(r) == repr(torch.frexp(torch.tensor([6.0]), out=t_out))


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


# -- unravel_index ---------------------------------------------------------------------------------
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


def test_ldexp_negative_int_exponent_gradient():
    # PyTorch's LdexpBackward0 takes pow(2, other) in the integer dtype for an integer
    # exponent, so its input gradient is 0 wherever other < 0; ember gives the derivative,
    # 2**other (docs/differences.md)
    x = ember.tensor([1.0, 3.0], requires_grad=True)
    ember.ldexp(x, ember.tensor([-2, 3])).sum().backward()
    assert x.grad.tolist() == [0.25, 8.0]


# -- diagonal_scatter, select_scatter, slice_scatter -----------------------------------------------
SCATTER_CASES = [
    ("diagonal_scatter", (3, 4), (3,), ()), ("diagonal_scatter", (3, 4), (2,), ()),
    ("diagonal_scatter", (3, 4), (3,), (1,)), ("diagonal_scatter", (3, 4), (2,), (-1,)),
    ("diagonal_scatter", (2, 3, 4), (2, 3), (0, 1, 2)),
    ("diagonal_scatter", (2, 3, 4), (2, 3), (0, 1, 3)),
    ("diagonal_scatter", (3, 4), (3,), (0, 0, 0)), ("diagonal_scatter", (3, 4), (0,), (5,)),
    ("select_scatter", (3, 4), (4,), (0, 1)), ("select_scatter", (3, 4), (3,), (1, -1)),
    ("select_scatter", (3, 4), (3,), (1, 4)), ("select_scatter", (3, 4), (4,), (2, 0)),
    ("select_scatter", (3, 4), (1,), (0, 0)), ("select_scatter", (5,), (), (0, 2)),
    ("slice_scatter", (5, 4), (2, 4), (0, 1, 5, 2)), ("slice_scatter", (5, 4), (5, 2), (1,)),
    ("slice_scatter", (5, 4), (5, 2), (1, -2, 100)), ("slice_scatter", (5, 4), (5, 0), (1, 3, 1)),
    ("slice_scatter", (5, 4), (5, 2), (1, 0, 4, 0)), ("slice_scatter", (5, 4), (5, 3), (1, 2)),
    ("slice_scatter", (5, 4), (5, 4), ()), ("slice_scatter", (5, 4), (2, 4), (0, None, 2, 1)),
]


@pytest.mark.parametrize("name,shape,sshape,args", SCATTER_CASES)
@pytest.mark.parametrize("sdt", ["float32", "float64", "int64"])
def test_view_scatters(name, shape, sshape, args, sdt):
    rng = np.random.default_rng(0)
    a, s = rng.standard_normal(shape).astype(np.float32), rng.standard_normal(sshape)
    check(lambda lib: getattr(lib, name)(_t(lib, a), _t(lib, s).to(getattr(lib, sdt)), *args))
    check(lambda lib: getattr(_t(lib, a).long(), name)(_t(lib, s).to(getattr(lib, sdt)), *args))
    res = {}
    for lib in (ember, torch):
        x = _t(lib, a).requires_grad_()
        src = _t(lib, s).float().requires_grad_()
        try:
            y = getattr(lib, name)(x, src, *args)
        except (RuntimeError, IndexError):
            return
        (y * lib.arange(float(y.numel())).reshape(y.shape)).sum().backward()
        res[lib] = (y, x.grad, src.grad)
    _same(res[ember], res[torch])


def test_view_scatter_keywords_and_second_order():
    for lib in (ember, torch):
        x = lib.zeros(3, 4, dtype=lib.float64, requires_grad=True)
        s = lib.ones(2, dtype=lib.float64, requires_grad=True)
        y = x.diagonal_scatter(s, offset=-1)
        g, = lib.autograd.grad((y * y).sum(), s, create_graph=True)
        g.sum().backward()
        assert s.grad.tolist() == [2.0, 2.0]
    check(lambda lib: lib.zeros(5, 4).slice_scatter(lib.ones(5, 2), dim=1, start=2))
    check(lambda lib: lib.slice_scatter(lib.zeros(5, 4), lib.ones(5, 2), start=2, dim=1))


# -- renorm ----------------------------------------------------------------------------------------
RX = np.array([[1.0, 2.0, 3.0], [4.0, -5.0, 6.0], [0.1, 0.2, -0.3], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize("p", [2, 1, 3.5, float("inf"), 0, -1, 0.5])
@pytest.mark.parametrize("dim", [0, 1, -1, 2])
@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "int64"])
def test_renorm(p, dim, dt):
    check(lambda lib: lib.renorm(_t(lib, RX).to(getattr(lib, dt)), p, dim, 5),
          exact=False, rtol=2e-3 if dt == "float16" else 2e-6)
    if dt in ("float32", "float64") and p not in (0, -1) and dim != 2:
        res = {}
        for lib in (ember, torch):
            x = _t(lib, RX).to(getattr(lib, dt)).requires_grad_()
            y = x.renorm(p, dim, 5)
            (y * lib.arange(12.0).reshape(4, 3)).sum().backward()
            res[lib] = (y, x.grad)
        _same(res[ember], res[torch], exact=False, rtol=1e-5, atol=1e-6)


def test_renorm_errors_and_inplace():
    check(lambda lib: lib.renorm(lib.ones(3), 2, 0, 1))
    check(lambda lib: lib.renorm(lib.tensor(3.0), 2, 0, 1))
    check(lambda lib: lib.renorm(lib.ones(2, 2), 2, 0, -1))
    check(lambda lib: lib.renorm(lib.ones(2, 2), 2, 0, -1.5))
    check(lambda lib: lib.renorm(lib.ones(2, 0), float("inf"), 0, 1))
    check(lambda lib: lib.renorm(lib.ones(0, 2), float("inf"), 1, 1))
    check(lambda lib: _t(lib, RX).renorm_(2, 0, 5), exact=False, rtol=1e-6)
    check(lambda lib: _t(lib, RX).long().renorm_(2, 0, 5))
    for lib in (ember, torch):
        x = _t(lib, RX).requires_grad_()
        y = x * 1
        y.renorm_(2, 0, 5)
        assert type(y.grad_fn).__name__ == "RenormBackward0"


# -- put -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("acc", [False, True])
def test_put(acc):
    a, s = np.arange(12.0).reshape(3, 4), np.array([10.0, 20.0, 30.0])
    idx = np.array([0, 5, -1])
    check(lambda lib: lib.put(_t(lib, a), _t(lib, idx), _t(lib, s), accumulate=acc))
    check(lambda lib: _t(lib, a).put(_t(lib, np.array([1, 1, 1])), _t(lib, s), acc))
    check(lambda lib: _t(lib, a).put_(_t(lib, np.array([[1], [1], [2]])), _t(lib, s), acc))
    check(lambda lib: _t(lib, a).t().put_(_t(lib, idx), _t(lib, s), acc))
    check(lambda lib: lib.tensor(2.0).put_(lib.tensor([0, -1]), lib.tensor([3.0, 4.0]), acc))
    check(lambda lib: lib.put(_t(lib, a), _t(lib, np.array([12])), lib.ones(1), acc))
    check(lambda lib: lib.put(_t(lib, a), _t(lib, np.array([1, 2])), lib.ones(1), acc))
    check(lambda lib: lib.put(_t(lib, a), lib.tensor([1.0]), lib.ones(1), acc))
    check(lambda lib: lib.put(_t(lib, a), _t(lib, idx).int(), _t(lib, s), acc))
    check(lambda lib: lib.put(_t(lib, a).float(), _t(lib, idx), _t(lib, s), acc))
    check(lambda lib: _t(lib, a).float().put_(_t(lib, idx), _t(lib, s), acc))
    res = {}
    for lib in (ember, torch):
        x, src = _t(lib, a).requires_grad_(), _t(lib, s).requires_grad_()
        y = x * 1
        y.put_(_t(lib, np.array([0, 5, 0])), src, acc)
        (y * lib.arange(12.0).reshape(3, 4)).sum().backward()
        res[lib] = (y, x.grad, src.grad)
    _same(res[ember], res[torch])


# -- index_reduce ----------------------------------------------------------------------------------
IR_X = np.array([[1.0, 0.0], [3.0, 4.0], [5.0, 6.0], [-2.0, 7.0]])
IR_S = np.array([[2.0, 3.0], [0.0, 5.0], [6.0, 0.0], [8.0, 9.0], [5.0, 6.0]])
IR_I = np.array([0, 2, 0, 0, 2])


@pytest.mark.parametrize("red", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("inc", [True, False])
@pytest.mark.parametrize("dt", ["float32", "float64", "int64", "int32"])
def test_index_reduce(red, inc, dt):
    warnings.simplefilter("ignore", UserWarning)
    x, s = IR_X.copy(), IR_S.copy()
    if dt.startswith("float"):
        x[3, 0] = np.nan if red in ("amax", "amin") else x[3, 0]
    check(lambda lib: _t(lib, x).to(getattr(lib, dt)).index_reduce(
        0, _t(lib, IR_I), _t(lib, s).to(getattr(lib, dt)), red, include_self=inc))
    check(lambda lib: lib.index_reduce(_t(lib, x.T).to(getattr(lib, dt)), 1,
                                       _t(lib, IR_I[:3]).int(), _t(lib, s[:3].T).to(
                                           getattr(lib, dt)), red, include_self=inc),
          exact=False, rtol=1e-6)
    check(lambda lib: _t(lib, x).to(getattr(lib, dt)).index_reduce_(
        0, _t(lib, IR_I), _t(lib, s).to(getattr(lib, dt)), red, include_self=inc))
    if dt.startswith("float"):
        res = {}
        for lib in (ember, torch):
            a = _t(lib, IR_X).to(getattr(lib, dt)).requires_grad_()
            b = _t(lib, IR_S).to(getattr(lib, dt)).requires_grad_()
            y = a.index_reduce(0, _t(lib, IR_I), b, red, include_self=inc)
            (y * lib.arange(8.0).reshape(4, 2)).sum().backward()
            res[lib] = (y, a.grad, b.grad)
        _same(res[ember], res[torch], exact=False, rtol=1e-6)


def test_index_reduce_errors_and_warning():
    from ember.ops import indexing
    indexing._INDEX_REDUCE_WARNED = False
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ember.ones(2).index_reduce(0, ember.tensor([0]), ember.ones(1), "prod")
        ember.ones(2).index_reduce(0, ember.tensor([0]), ember.ones(1), "prod")
    assert len(w) == 1 and "index_reduce() is in beta" in str(w[0].message)
    warnings.simplefilter("ignore", UserWarning)
    def xsi(lib):
        return _t(lib, IR_X), _t(lib, IR_S), _t(lib, IR_I)
    check(lambda lib: (lambda x, s, i: x.index_reduce(0, i, s, "sum"))(*xsi(lib)))
    check(lambda lib: (lambda x, s, i: x.index_reduce(0, i.float(), s, "prod"))(*xsi(lib)))
    check(lambda lib: (lambda x, s, i: x.index_reduce(0, i[None], s, "prod"))(*xsi(lib)))
    check(lambda lib: (lambda x, s, i: x.index_reduce(0, i - 1, s, "prod"))(*xsi(lib)))
    check(lambda lib: (lambda x, s, i: x.index_reduce(0, i + 2, s, "prod"))(*xsi(lib)))
    check(lambda lib: (lambda x, s, i: x.index_reduce(0, i, s.float(), "prod"))(*xsi(lib)))
    check(lambda lib: (lambda x, s, i: x.index_reduce(0, i[:3], s, "prod"))(*xsi(lib)))
    check(lambda lib: (lambda x, s, i: x.index_reduce(2, i, s, "prod"))(*xsi(lib)))
    check(lambda lib: (lambda x, s, i: x.index_reduce(
        0, i, lib.ones(5, 3, dtype=lib.float64), "amax"))(*xsi(lib)))


def test_index_reduce_second_order():
    warnings.simplefilter("ignore", UserWarning)
    res = {}
    for lib in (ember, torch):
        a = _t(lib, IR_X + 0.5).requires_grad_()
        b = _t(lib, IR_S + 0.5).requires_grad_()
        y = a.index_reduce(0, _t(lib, IR_I), b, "prod")
        ga, gb = lib.autograd.grad((y * y).sum(), (a, b), create_graph=True)
        (ga.sum() + gb.sum()).backward()
        res[lib] = (ga, gb, a.grad, b.grad)
    for e, t in zip(res[ember], res[torch]):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-10)


# -- histogram -------------------------------------------------------------------------------------
HX = np.array([1.0, 2.0, 1.0, 2.5, 4.0, -1.0, 7.0])


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("kw", [{}, {"bins": 4}, {"bins": 4, "range": (0.0, 3.0)},
                                {"bins": 3, "range": (0, 3), "weight": True},
                                {"bins": 3, "density": True},
                                {"bins": 5, "density": True, "weight": True},
                                {"bins": 3, "range": (1.0, 1.0)}, {"bins": 1},
                                {"bins": "tensor"}, {"bins": "tensor", "density": True},
                                {"bins": "tensor", "weight": True, "density": True}])
def test_histogram(dt, kw):
    def run(lib, x):
        k = dict(kw)
        x = _t(lib, x).to(getattr(lib, dt))
        if k.get("weight"):
            k["weight"] = lib.arange(float(x.numel()), dtype=x.dtype).reshape(x.shape)
        if k.get("bins") == "tensor":
            k["bins"] = lib.tensor([0.0, 1.0, 2.5, 7.0], dtype=x.dtype)
        return lib.histogram(x, **k)
    check(run, HX)
    check(run, HX.reshape(7, 1))
    rng = np.random.default_rng(0)
    check(run, rng.standard_normal((40, 25)), exact=False, rtol=1e-6)
    check(lambda lib: _t(lib, HX).histogram(7))


def test_histogram_edges_exact_on_random_data():
    rng = np.random.default_rng(3)
    for dt in ("float32", "float64"):
        x = rng.standard_normal(5000) * 3
        for bins in (1, 7, 100, 333):
            check(lambda lib: lib.histogram(_t(lib, x).to(getattr(lib, dt)), bins))
            check(lambda lib: lib.histogram(_t(lib, x).to(getattr(lib, dt)), bins,
                                            range=(-1.3, 2.1)))


def test_histogram_errors_and_grad():
    x = HX
    check(lambda lib: lib.histogram(_t(lib, np.append(x, np.nan)), 4))
    check(lambda lib: lib.histogram(_t(lib, np.append(x, np.nan)), 4, range=(0.0, 3.0)))
    check(lambda lib: lib.histogram(_t(lib, np.append(x, np.inf)), 4))
    check(lambda lib: lib.histogram(_t(lib, x), 3, range=(0.0, float("inf"))))
    check(lambda lib: lib.histogram(_t(lib, x).long(), 3))
    check(lambda lib: lib.histogram(_t(lib, x).half(), 3))
    check(lambda lib: lib.histogram(_t(lib, x), 0))
    check(lambda lib: lib.histogram(_t(lib, x), -1))
    check(lambda lib: lib.histogram(_t(lib, x), 3, range=(3.0, 1.0)))
    check(lambda lib: lib.histogram(lib.tensor([]), 3))
    check(lambda lib: lib.histogram(_t(lib, x), 3, weight=lib.ones(3, dtype=lib.float64)))
    check(lambda lib: lib.histogram(_t(lib, x), 3, weight=lib.ones(7)))
    check(lambda lib: lib.histogram(_t(lib, x), lib.tensor([0.0, 1.0, 3.0])))
    check(lambda lib: lib.histogram(_t(lib, x), lib.tensor([[0.0, 1.0, 3.0]], dtype=lib.float64)))
    check(lambda lib: lib.histogram(_t(lib, x), lib.tensor([0.0], dtype=lib.float64)))
    check(lambda lib: lib.histogram(_t(lib, x), lib.tensor([3.0, 1.0, 2.5, 7.0],
                                                            dtype=lib.float64)))
    check(lambda lib: lib.histogram(_t(lib, x), 2, range=(0.0, 3.0), density=True,
                                    weight=_t(lib, x) * 0))
    check(lambda lib: lib.histogram(_t(lib, x).requires_grad_(), 3))
    r = ember.histogram(ember.tensor([1.0, 2.0, 3.0]), 2)
    t = torch.histogram(torch.tensor([1.0, 2.0, 3.0]), 2)
    assert repr(r) == repr(t) and r._fields == ("hist", "bin_edges")
    out = (ember.empty(0), ember.empty(0))
    r = ember.histogram(ember.tensor([1.0, 2.0, 3.0]), 2, out=out)
    assert r.hist is out[0] and out[0].tolist() == [1.0, 2.0] and out[1].tolist() == [1, 2, 3]
    assert type(r).__name__ == "histogram_out"
    h = ember.histogram(ember.tensor([1.0, 2.0], requires_grad=True), 2)
    with pytest.raises(RuntimeError, match="derivative for aten::histogram is not implemented"):
        h.hist.sum().backward()


# -- trapezoid, trapz, cumulative_trapezoid --------------------------------------------------------
TY = np.array([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]])


@pytest.mark.parametrize("name", ["trapezoid", "trapz", "cumulative_trapezoid"])
@pytest.mark.parametrize("call", [
    lambda lib, f, y: f(y), lambda lib, f, y: f(y, dx=0.5), lambda lib, f, y: f(y, dim=0),
    lambda lib, f, y: f(y, dx=2, dim=-2), lambda lib, f, y: f(y, lib.tensor([0.0, 1.0, 3.0])),
    lambda lib, f, y: f(y, x=lib.tensor([[0.0, 1.0, 3.0], [0.0, 2.0, 3.0]])),
    lambda lib, f, y: f(y, lib.tensor([0.0, 1.0])),
    lambda lib, f, y: f(y, lib.tensor([0.0, 1.0]), dim=0),
    lambda lib, f, y: f(y, lib.tensor([0, 1, 3])),
    lambda lib, f, y: f(y, lib.tensor([0.0, 1.0, 3.0], dtype=lib.float64)),
    lambda lib, f, y: f(y, lib.ones(2, 2)), lambda lib, f, y: f(y, 2),
    lambda lib, f, y: f(y, lib.ones(3), dx=2), lambda lib, f, y: f(y, dim=2),
    lambda lib, f, y: f(y, lib.tensor([True, False, True])),
    lambda lib, f, y: f(y.reshape(6)[:1]), lambda lib, f, y: f(y[:, :0]),
    lambda lib, f, y: f(y[0, 0]), lambda lib, f, y: f(y.bool()),
    lambda lib, f, y: f(y.long()), lambda lib, f, y: f(y.long(), dx=2),
    lambda lib, f, y: f(y.long(), lib.tensor([0, 1, 3])),
    lambda lib, f, y: f(y * (1 + 1j)), lambda lib, f, y: f(y, dx=1j),
    lambda lib, f, y: f(y.double()[None].expand(4, 2, 3), lib.ones(2, 3), dim=1),
])
def test_trapezoid(name, call):
    check(lambda lib: call(lib, getattr(lib, name), _t(lib, TY)))
    res = {}
    for lib in (ember, torch):
        y = _t(lib, TY).requires_grad_()
        try:
            r = call(lib, getattr(lib, name), y)
        except Exception:  # noqa: BLE001 - the errors are compared above
            return
        if not r.requires_grad or r.is_complex():
            return
        (r * lib.arange(1.0, r.numel() + 1).reshape(r.shape)).sum().backward()
        res[lib] = (r, y.grad)
    _same(res[ember], res[torch])


def test_trapezoid_x_grad():
    res = {}
    for lib in (ember, torch):
        y = _t(lib, TY).requires_grad_()
        x = lib.tensor([0.0, 1.0, 3.0], requires_grad=True)
        r = lib.trapezoid(y, x)
        c = lib.cumulative_trapezoid(y, x)
        (r.sum() + (c * c).sum()).backward()
        res[lib] = (r, c, y.grad, x.grad)
    _same(res[ember], res[torch])
