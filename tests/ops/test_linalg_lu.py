"""LU and the solvers from factors beyond the op table: LAPACK's pivots (ties, singular and
complex matrices), info and error messages, the legacy functions' warnings and return types,
lstsq's fields per driver, logdet's NaN and -inf."""
from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.detach()._data


def _same(e, t, rtol=1e-12, atol=1e-13):
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype) == str(t.dtype)
    np.testing.assert_allclose(_np(e), _np(t), rtol=rtol, atol=atol)


def _err(fn):
    """Run ``fn(lib)`` on both libraries: the same exception class name and message."""
    msgs = []
    for lib in (torch, ember):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as info:
                fn(lib)
        msgs.append((type(info.value).__name__, str(info.value)))
    assert msgs[0] == msgs[1]


_TIES = [np.zeros((3, 3)), np.ones((4, 4)), np.array([[1.0, 2], [2, 4]]),
         np.array([[1.0, 2], [-1, 1]]), np.array([[0.0, 1, 2], [0, 3, 4], [0, 5, 6]]),
         np.array([[2.0, 1, 1], [-2, 3, 1], [2, 1, 5]]), np.eye(3)[::-1].copy()]


@pytest.mark.parametrize("a", _TIES, ids=range(len(_TIES)))
def test_lu_factor_ex_pivots_and_info_on_ties_and_singular(a):
    t = torch.linalg.lu_factor_ex(torch.tensor(a))
    e = ember.linalg.lu_factor_ex(ember.tensor(a))
    assert np.array_equal(_np(e.pivots), _np(t.pivots)) and e.pivots.dtype == ember.int32
    assert np.array_equal(_np(e.info), _np(t.info)) and e.info.dtype == ember.int32
    _same(e.LU, t.LU)


@pytest.mark.parametrize("shape", [(5, 5), (3, 6, 6), (7, 4), (4, 7), (2, 3, 8, 5)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_lu_factor_matches_lapack(shape, dtype):
    rng = np.random.default_rng(3)
    a = rng.standard_normal(shape)
    if dtype.startswith("complex"):
        a = a + 1j * rng.standard_normal(shape)
    a = a.astype(dtype)
    tl, tp = torch.linalg.lu_factor(torch.tensor(a))
    el, ep = ember.linalg.lu_factor(ember.tensor(a))
    assert np.array_equal(_np(ep), _np(tp))
    tol = 2e-5 if dtype in ("float32", "complex64") else 1e-12
    _same(el, tl, rtol=tol, atol=tol)
    for t, e in zip(torch.linalg.lu(torch.tensor(a)), ember.linalg.lu(ember.tensor(a))):
        _same(e, t, rtol=tol, atol=tol)


def test_complex_gradients_match_torch():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
    b = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
    res = []
    for lib in (torch, ember):
        x = lib.tensor(a, requires_grad=True)
        y = lib.tensor(b, requires_grad=True)
        P, L, U = lib.linalg.lu(x)
        X = lib.linalg.lu_solve(*lib.linalg.lu_factor(x), y, adjoint=True)
        loss = (L * L.conj()).real.sum() + (U * 0.3).abs().sum() + (X * X.conj()).real.sum()
        loss.backward()
        res.append((x.grad, y.grad))
    for e, t in zip(res[1], res[0]):
        _same(e, t, rtol=1e-10, atol=1e-12)


def test_return_types_and_grad_fns():
    a = np.random.default_rng(0).standard_normal((3, 3))
    for lib in (torch, ember):
        x = lib.tensor(a, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = lib.lu(x)
            ri = lib.lu(x, get_infos=True)
            m = x.lu()
        assert type(r) is tuple and len(r) == 2 and len(m) == 2
        assert type(ri).__name__ == "_lu_with_info" and int(ri.info) == 0
        f = lib.linalg.lu_factor(x)
        assert type(f).__name__ == "linalg_lu_factor"
        assert f.LU.grad_fn.name() == "LinalgLuFactorExBackward0" and f.pivots.grad_fn is None
        u = lib.lu_unpack(*f)
        assert type(u).__name__ == "lu_unpack" and u.P.grad_fn is None
        assert u.L.grad_fn.name() == "LuUnpackBackward0"
        p = lib.linalg.lu(x)
        assert type(p).__name__ == "linalg_lu" and p.P.grad_fn is None
        assert p.U.grad_fn.name() == "LinalgLuBackward0"
        assert lib.linalg.lu_solve(*f, x).grad_fn.name() == "LinalgLuSolveBackward0"


@pytest.mark.parametrize("kw", [{"unpack_data": False}, {"unpack_pivots": False}])
def test_lu_unpack_flags(kw):
    a = np.random.default_rng(1).standard_normal((2, 4, 3))
    t = torch.lu_unpack(*torch.linalg.lu_factor(torch.tensor(a)), **kw)
    e = ember.lu_unpack(*ember.linalg.lu_factor(ember.tensor(a)), **kw)
    for x, y in zip(e, t):
        _same(x, y)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.linalg.lu_factor(lib.zeros(2, 3, 3)),
    lambda lib: lib.linalg.lu_factor(lib.tensor([[1.0, 2], [2, 4]])),
    lambda lib: lib.linalg.lu_factor_ex(lib.zeros(2, 2), check_errors=True),
    lambda lib: lib.linalg.lu(lib.ones(3)),
    lambda lib: lib.linalg.lu_factor(lib.ones(3, 3, dtype=lib.int64)),
    lambda lib: lib.linalg.lu(lib.ones(2, 3), pivot=False),
    lambda lib: lib.linalg.lu_solve(lib.eye(3), lib.ones(3, dtype=lib.int32), lib.ones(3)),
    lambda lib: lib.linalg.lu_solve(lib.eye(3), lib.ones(3, dtype=lib.int64), lib.ones(3, 1)),
    lambda lib: lib.linalg.lu_solve(lib.eye(3), lib.ones(2, dtype=lib.int32), lib.ones(3, 1)),
    lambda lib: lib.linalg.lu_solve(lib.eye(3), lib.ones(3, dtype=lib.int32),
                                    lib.ones(3, 1, dtype=lib.float64)),
    lambda lib: lib.linalg.lu_solve(lib.ones(3, 2), lib.ones(3, dtype=lib.int32),
                                    lib.ones(3, 1)),
    lambda lib: lib.linalg.lu_solve(lib.eye(3), lib.ones(3, dtype=lib.int32), lib.ones(2, 2),
                                    left=False),
    lambda lib: lib.lu_unpack(lib.eye(3), lib.ones(3)),
    lambda lib: lib.lu_unpack(lib.eye(3), lib.tensor([0, 3, 3], dtype=lib.int32)),
    lambda lib: lib.lu_unpack(lib.eye(3), lib.tensor([4, 3, 3], dtype=lib.int32)),
])
def test_lu_errors_match_torch(fn):
    _err(fn)


def test_lu_of_singular_matrices_is_not_an_error():
    for a in (np.zeros((2, 2)), np.ones((3, 3))):
        for t, e in zip(torch.linalg.lu(torch.tensor(a)), ember.linalg.lu(ember.tensor(a))):
            _same(e, t)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t, e = torch.lu(torch.tensor(a)), ember.lu(ember.tensor(a))
        assert np.array_equal(_np(e[1]), _np(t[1]))


_DEPRECATED = {
    "cholesky": "lib.cholesky(a)",
    "triangular_solve": "lib.triangular_solve(a, a)",
    "lu": "lib.lu(a)",
    "lu_solve": "lib.lu_solve(a, *lib.linalg.lu_factor(a))",
}


@pytest.fixture(scope="module")
def torch_deprecations():
    """PyTorch warns once per process: its messages, from a fresh interpreter."""
    code = ("import json, warnings, torch as lib\nout = {}\na = lib.eye(2) * 2.0\n"
            + "".join(f"with warnings.catch_warnings(record=True) as w:\n"
                      f"    warnings.simplefilter('always'); {c}; {c}\n"
                      f"    out[{k!r}] = [str(x.message) for x in w]\n"
                      for k, c in _DEPRECATED.items())
            + "print(json.dumps(out))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return json.loads(res.stdout)


@pytest.mark.parametrize("name", list(_DEPRECATED))
def test_deprecated_functions_warn_once_like_torch(name, torch_deprecations):
    from ember.ops import linalg_lu
    lib, a = ember, ember.eye(2) * 2.0     # noqa: F841 - the names the calls use
    linalg_lu._WARNED.clear()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        eval(_DEPRECATED[name])
        eval(_DEPRECATED[name])
    assert [str(x.message) for x in w] == torch_deprecations[name]
    assert len(w) == 1 and w[0].category is UserWarning


def test_triangular_solve_named_tuple():
    rng = np.random.default_rng(2)
    a = np.triu(rng.standard_normal((3, 3))) + 3 * np.eye(3)
    b = rng.standard_normal((2, 3, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.triangular_solve(torch.tensor(b), torch.tensor(a))
        e = ember.triangular_solve(ember.tensor(b), ember.tensor(a))
        m = ember.tensor(b).triangular_solve(ember.tensor(a))
    assert type(e).__name__ == "triangular_solve" and e._fields == ("solution",
                                                                    "cloned_coefficient")
    for x, y in zip(e, t):
        _same(x, y)
    _same(m.solution, t.solution)


@pytest.mark.parametrize("fn", [
    lambda lib: lib.cholesky_solve(lib.ones(3, 1), lib.eye(3, dtype=lib.float64)),
    lambda lib: lib.cholesky_solve(lib.ones(2, 3, 1), lib.eye(3).expand(4, 3, 3)),
    lambda lib: lib.cholesky_solve(lib.ones(3, 1, dtype=lib.int64),
                                   lib.eye(3, dtype=lib.int64)),
    lambda lib: lib.cholesky_solve(lib.ones(3, 1), lib.ones(3)),
    lambda lib: lib.cholesky_inverse(lib.ones(3)),
    lambda lib: lib.cholesky_inverse(lib.zeros(2, 2, 2)),
    lambda lib: lib.cholesky_inverse(lib.eye(2, dtype=lib.int64)),
    lambda lib: lib.cholesky(lib.ones(3, 2)),
    lambda lib: lib.cholesky(-lib.eye(2)),
    lambda lib: lib.cholesky(lib.tensor([[4.0, 100], [1, 3]]), upper=True),
    lambda lib: lib.triangular_solve(lib.ones(3, 1), lib.ones(3)),
    lambda lib: lib.triangular_solve(lib.ones(3, 1, dtype=lib.float64), lib.eye(3)),
    lambda lib: lib.logdet(lib.ones(3, 3, dtype=lib.int64)),
    lambda lib: lib.pinverse(lib.ones(3)),
    lambda lib: lib.linalg.lstsq(lib.ones(3, 2), lib.ones(3, 1, dtype=lib.float64)),
    lambda lib: lib.linalg.lstsq(lib.ones(3, 2), lib.ones(())),
    lambda lib: lib.linalg.lstsq(lib.ones(2, 3, 2), lib.ones(3, 1)),
    lambda lib: lib.linalg.lstsq(lib.ones(3, 2), lib.ones(2, 3, 1)),
    lambda lib: lib.linalg.lstsq(lib.tensor([[1.0, 0], [0, 0], [0, 0]]), lib.ones(3, 1),
                                 driver="gels"),
    lambda lib: lib.linalg.lstsq(lib.ones(3, 2, dtype=lib.int64),
                                 lib.ones(3, 1, dtype=lib.int64)),
])
def test_solver_errors_match_torch(fn):
    _err(fn)


def test_legacy_cholesky_reads_the_named_triangle():
    a = np.array([[4.0, 1.0], [100.0, 3.0]])
    for upper in (False, True):
        m = a.T.copy() if not upper else a
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _same(ember.cholesky(ember.tensor(m), upper=upper),
                  torch.cholesky(torch.tensor(m), upper=upper))
            _same(ember.tensor(m).cholesky(upper), torch.tensor(m).cholesky(upper))


def test_logdet_negative_singular_and_complex():
    a = np.array([[[1.0, 2], [3, 4]], [[2, 0], [0, 3]], [[0, 0], [0, 0]]])
    _same(ember.logdet(ember.tensor(a)), torch.logdet(torch.tensor(a)))
    _same(ember.tensor(a).logdet(), torch.tensor(a).logdet())
    c = np.array([[1.0, 2], [3, 4]], dtype=np.complex64)
    _same(ember.logdet(ember.tensor(c)), torch.logdet(torch.tensor(c)), rtol=1e-6, atol=1e-6)
    x = torch.tensor(a[:2], requires_grad=True)
    y = ember.tensor(a[:2], requires_grad=True)
    assert ember.logdet(y).grad_fn.name() == torch.logdet(x).grad_fn.name() == "WhereBackward0"


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("shapes", [((5, 3), (5, 2)), ((3, 5), (3, 2)), ((2, 4, 3), (2, 4)),
                                    ((4, 4), (4, 1)), ((1, 5, 2), (3, 5, 1))])
def test_lstsq_fields_per_driver(driver, shapes):
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    for dt in ("float32", "float64"):
        t = torch.linalg.lstsq(torch.tensor(a.astype(dt)), torch.tensor(b.astype(dt)),
                               driver=driver)
        e = ember.linalg.lstsq(ember.tensor(a.astype(dt)), ember.tensor(b.astype(dt)),
                               driver=driver)
        assert type(e).__name__ == "linalg_lstsq"
        tol = 1e-4 if dt == "float32" else 1e-10
        for x, y in zip(e, t):
            _same(x, y, rtol=tol, atol=tol)


@pytest.mark.parametrize("driver", [None, "gelsd", "gelss"])
def test_lstsq_rank_deficient(driver):
    for a in (np.ones((3, 2)), np.array([[1.0, 0], [0, 0], [0, 0]]), np.zeros((3, 3))):
        t = torch.linalg.lstsq(torch.tensor(a), torch.ones(3, 1, dtype=torch.float64),
                               driver=driver)
        e = ember.linalg.lstsq(ember.tensor(a), ember.ones(3, 1, dtype=ember.float64),
                               driver=driver)
        for x, y in zip(e, t):
            _same(x, y, rtol=1e-10, atol=1e-12)


def test_lstsq_residuals_gradient():
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    grads = []
    for lib in (torch, ember):
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        r = lib.linalg.lstsq(x, y, driver="gelsd")
        assert r.residuals.grad_fn.name() == "LinalgLstsqBackward0"
        (r.residuals * lib.tensor([1.0, -2.0], dtype=lib.float64)).sum().backward()
        grads.append((x.grad, y.grad))
    for e, t in zip(grads[1], grads[0]):
        _same(e, t, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [True, False])
def test_singular_triangular_solves_leave_lapacks_inf_and_nan(upper, transpose):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.triangular_solve(torch.ones(3, 1), torch.zeros(3, 3), upper, transpose)
        e = ember.triangular_solve(ember.ones(3, 1), ember.zeros(3, 3), upper, transpose)
    _same(e.solution, t.solution)
    if transpose:
        _same(ember.cholesky_solve(ember.ones(2, 1), ember.zeros(2, 2), upper),
              torch.cholesky_solve(torch.ones(2, 1), torch.zeros(2, 2), upper))
    a = np.array([[0.0, 1], [0, 1]])
    x = torch.linalg.lu_solve(*torch.linalg.lu_factor_ex(torch.tensor(a))[:2],
                              torch.ones(2, 1, dtype=torch.float64), adjoint=transpose)
    y = ember.linalg.lu_solve(*ember.linalg.lu_factor_ex(ember.tensor(a))[:2],
                              ember.ones(2, 1, dtype=ember.float64), adjoint=transpose)
    _same(y, x)
