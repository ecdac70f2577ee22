"""Linear algebra against PyTorch beyond the op table: matmul's decomposition (grad_fn names in
every case and for every requires_grad combination), signs of zero, integer products, einsum
forms and higher-order gradients, diagonal views, and torch.linalg (errors, singular
matrices, norms)."""
import itertools
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

from test_reduction import both, check, grads, raises_alike   # noqa: E402


def _r(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, shape)


def _build(lib, arrays, rg):
    out = []
    for a, g in zip(arrays, rg):
        t = lib.tensor(a.copy())
        out.append(t.requires_grad_() if g else t)
    return out


# -- matmul ------------------------------------------------------------------------------------
MATMUL_SHAPES = [
    ((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 2)), ((3, 4), (4, 2)), ((2, 3, 4), (4, 2)),
    ((2, 3, 4), (4,)), ((3, 4), (2, 4, 2)), ((4,), (2, 4, 3)), ((2, 3, 4), (2, 4, 2)),
    ((2, 1, 3, 4), (3, 4, 2)), ((1, 3, 4), (2, 4, 2)), ((2, 3, 4), (1, 4, 2)),
    ((2, 2, 3, 4), (4,)), ((4,), (2, 2, 4, 3)), ((2, 3, 4), (2, 1, 4, 2)),
    ((0, 3, 4), (4, 2)), ((2, 3, 0), (0, 2)), ((3, 4), (1, 0, 4, 2)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
@pytest.mark.parametrize("rg", [(True, True), (True, False), (False, True), (False, False)])
def test_matmul_values_names_and_gradients(sa, sb, rg):
    arrays = (_r(*sa), _r(*sb, seed=1))

    def run(lib):
        a, b = _build(lib, arrays, rg)
        out = a @ b
        if not out.requires_grad:
            return (out,)
        w = lib.tensor(_r(*tuple(out.shape), seed=2))
        leaves = [t for t in (a, b) if t.requires_grad]
        return (out,) + tuple(lib.autograd.grad((out * w).sum(), leaves))
    check(run(ember), run(torch))


@pytest.mark.parametrize("sa,sb", [((2, 3, 4), (4, 2)), ((3, 4), (2, 4, 2)),
                                   ((2, 3, 4), (2, 4, 2)), ((1, 3, 4), (2, 4, 2))])
def test_matmul_second_order(sa, sb):
    arrays = (_r(*sa), _r(*sb, seed=1))

    def run(lib):
        a, b = _build(lib, arrays, (True, True))
        out = lib.matmul(a, b)
        ga, gb = lib.autograd.grad((out * out).sum(), (a, b), create_graph=True)
        return lib.autograd.grad((ga * ga).sum() + (gb ** 3).sum(), (a, b))
    check(run(ember), run(torch))


def test_matmul_non_contiguous_operands():
    base = _r(3, 2, 4)

    def run(lib):
        x = lib.tensor(base, requires_grad=True)
        y = lib.tensor(_r(4, 2, seed=1))
        return x.transpose(0, 1) @ y, x.permute(2, 0, 1) @ y[:2, :1], y.t() @ x.transpose(1, 2)
    check(run(ember), run(torch))


def test_matmul_float32_and_integers():
    both(lambda lib, a, b: (a.float() @ b.float(), a.to(lib.int64) @ b.to(lib.int64),
                            a.to(lib.int32).mm(b.to(lib.int32)), lib.dot(a[0].long(), a[1].long())),
         np.array([[1.0, 2.0], [3.0, -4.0]]), np.array([[5.0, 6.0], [7.0, 8.0]]))
    raises_alike(lambda lib, a, b: a.bool() @ b.bool(), np.eye(2), np.eye(2))


def test_mm_keeps_the_sign_of_zero_products():
    a = np.array([[-0.0], [1.0], [-2.0]])
    b = np.array([[1.0, -0.0, 0.0]])
    e = ember.tensor(a).mm(ember.tensor(b)).numpy()
    t = torch.tensor(a).mm(torch.tensor(b)).numpy()
    np.testing.assert_array_equal(np.signbit(e), np.signbit(t))
    np.testing.assert_array_equal(e, t)


def test_matmul_operator_forms_and_errors():
    both(lambda lib, a, b: (a @ b, a.matmul(b), lib.matmul(a, b), a.__rmatmul__(b)),
         _r(3, 3), _r(3, 3, seed=1))
    raises_alike(lambda lib, a, b: lib.matmul(a, b), _r(2, 3).astype(np.float32), _r(3))
    raises_alike(lambda lib, a, b: lib.matmul(a, b), _r(2, 2, 3), _r(4, 3, 2))
    raises_alike(lambda lib, a, b: lib.mv(a, b), _r(2, 3, 1), _r(4))
    raises_alike(lambda lib, a, b: lib.bmm(a, b), _r(2, 2, 3), _r(3, 3, 2))
    raises_alike(lambda lib, a, b: lib.bmm(a, b), _r(2, 2, 3).astype(np.float32), _r(2, 3, 2))
    raises_alike(lambda lib, a, b: lib.dot(a, b), _r(3), _r(4))
    raises_alike(lambda lib, a, b: lib.vdot(a, b), _r(3), _r(4))
    raises_alike(lambda lib, a, b: lib.outer(a, b), _r(3), _r(2, 2))


def test_matmul_out_argument():
    def run(lib):
        o = lib.empty(0, dtype=lib.float64)
        r = lib.matmul(lib.tensor(_r(2, 3)), lib.tensor(_r(3, 2, seed=1)), out=o)
        return r, o
    check(run(ember), run(torch))
    raises_alike(lambda lib, a, b: lib.mm(a.requires_grad_(), b, out=lib.empty(0)),
                 _r(2, 2), _r(2, 2))


# -- the add* family ----------------------------------------------------------------------------
def test_add_family_scalars_and_broadcast_bias():
    c, m, v = _r(3), _r(2, 3, seed=1), _r(3, seed=2)
    fns = [
        lambda lib, c, m, v: lib.addmm(c, m.t(), m, beta=0.5, alpha=2),
        lambda lib, c, m, v: lib.addmv(c[:2], m, v, alpha=-1),
        lambda lib, c, m, v: lib.addr(c[:1], c[:2], v, beta=2),
        lambda lib, c, m, v: lib.baddbmm(c, m.unsqueeze(0).transpose(1, 2),
                                         m.unsqueeze(0), alpha=0.5),
        lambda lib, c, m, v: lib.addbmm(c, m.t().unsqueeze(0).expand(2, 3, 2),
                                        m.unsqueeze(0).expand(2, 2, 3)),
    ]
    for fn in fns:
        both(fn, c, m, v)
        grads(fn, c, m, v)


def test_beta_zero_ignores_nan_in_the_bias():
    bias = np.full((2, 2), np.nan)
    both(lambda lib, c, a: (lib.addmm(c, a, a, beta=0), lib.addmv(c[0], a, a[0], beta=0),
                            lib.baddbmm(c[None], a[None], a[None], beta=0)), bias, _r(2, 2))


def test_addmm_errors():
    raises_alike(lambda lib, c, a, b: lib.addmm(c, a, b), _r(3), _r(2, 3), _r(3, 4))
    raises_alike(lambda lib, c, a, b: lib.addmm(c.float(), a, b), _r(4), _r(2, 3), _r(3, 4))
    raises_alike(lambda lib, c, a, b: lib.addmm(c, a, b), _r(4), _r(2, 3), _r(2, 4))
    raises_alike(lambda lib, c, a, b: lib.addmm(c, a, b), _r(4), _r(2, 3, 1), _r(3, 4))


# -- products of vectors ------------------------------------------------------------------------
def test_vector_products():
    a, b = _r(4), _r(4, seed=1)
    both(lambda lib, a, b: (a.dot(b), lib.vdot(a, b), lib.inner(a, b), lib.outer(a, b),
                            lib.ger(a, b), lib.inner(a.reshape(2, 2), b.reshape(2, 2)),
                            lib.inner(a[0], b), lib.outer(a.float(), b)), a, b)
    grads(lambda lib, a, b: lib.outer(a, b) * lib.inner(a, b), a, b)


def test_tensordot_and_kron_forms():
    a, b = _r(2, 3, 4), _r(4, 3, 2, seed=1)
    both(lambda lib, a, b: (lib.tensordot(a, b, 0).sum(), lib.tensordot(a, b, ([1, 2], [1, 0])),
                            lib.tensordot(a, b, dims=([2], [0])),
                            lib.tensordot(a, b.permute(1, 0, 2), dims=2)), a, b)
    raises_alike(lambda lib, a, b: lib.tensordot(a, b, -1), a, b)
    raises_alike(lambda lib, a, b: lib.tensordot(a, b, ([0, 0], [1, 2])), a, b)
    both(lambda lib, a, b: (lib.kron(a, b), lib.kron(a[0, 0], b[0]), lib.kron(a.float(), b)),
         a, b)
    grads(lambda lib, a, b: lib.kron(a[0], b[:, :, 0]), a, b)


# -- einsum ------------------------------------------------------------------------------------
EINSUMS = [
    ("ij,jk->ik", (2, 3), (3, 4)), ("ij,jk", (2, 3), (3, 2)), ("ii", (3, 3)),
    ("ii->i", (3, 3)), ("iij->ji", (2, 2, 3)), ("ij->", (3, 4)), ("ji", (3, 4)),
    ("i,j->ij", (3,), (4,)), ("...ij,...jk", (2, 1, 2, 3), (3, 3, 2)),
    ("b...i,b...i->b...", (2, 3, 4), (2, 1, 4)), ("ij,jk,kl,lm->im", (2, 3), (3, 4), (4, 2),
                                                  (2, 2)),
    ("ZAz,zA->Z", (2, 3, 4), (4, 3)), ("i...,i...", (2, 3), (2, 3)), ("i,i,i->", (3,), (3,), (3,)),
    ("bij,bj->bi", (2, 3, 1), (1, 1)), ("ijk->", (2, 3, 4)), ("i...->...", (2, 3)),
]


@pytest.mark.parametrize("case", EINSUMS, ids=[c[0] for c in EINSUMS])
def test_einsum_values_and_two_orders_of_gradients(case):
    eq, *shapes = case
    arrays = [_r(*s, seed=i) for i, s in enumerate(shapes)]

    def run(lib):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = lib.einsum(eq, *xs)
        w = lib.tensor(_r(*tuple(out.shape), seed=9))
        gs = lib.autograd.grad((out * w).sum(), xs, create_graph=True)
        total = sum((g * g).sum() for g in gs)
        if not total.requires_grad:     # linear in its only operand
            return (out.detach(),) + tuple(gs)
        hs = lib.autograd.grad(total, xs, allow_unused=True)
        return (out.detach(),) + tuple(g.detach() for g in gs) + tuple(
            lib.zeros_like(x) if h is None else h for x, h in zip(xs, hs))
    check(run(ember), run(torch), rtol=1e-6, atol=1e-9)


def test_einsum_operand_list_sublists_and_dtypes():
    a, b = _r(2, 3), _r(3, 2, seed=1)
    both(lambda lib, a, b: (lib.einsum("ij,jk", [a, b]).detach(),
                            lib.einsum(a, [0, 1], b, [1, 2], [0, 2]).detach(),
                            lib.einsum(a, [Ellipsis, 1], b, [1, Ellipsis]).detach(),
                            lib.einsum("ij->j", a.float()).detach(),
                            lib.einsum("ij,jk", a.long(), b.long())), a, b)
    raises_alike(lambda lib, a, b: lib.einsum("ij,jk", a.float(), b), a, b)
    raises_alike(lambda lib, a, b: lib.einsum("ij,jk", a, b, a), a, b)
    raises_alike(lambda lib, a, b: lib.einsum("...ij,...jk", a, b), _r(2, 3, 3),
                 _r(4, 3, 3))
    with pytest.raises(ValueError):
        ember.einsum("i,i->i")


# -- diagonals -------------------------------------------------------------------------------------
def test_diagonal_is_a_writable_view():
    def run(lib):
        x = lib.arange(12.0).reshape(3, 4)
        d = x.diagonal(1)
        d.mul_(-1)
        leaf = lib.tensor(_r(3, 4), requires_grad=True)
        y = leaf * 1
        y.diagonal(-1).zero_()
        g, = lib.autograd.grad((y * y).sum(), leaf)
        return x, d, y, g
    check(run(ember), run(torch))


def test_diag_family():
    v, m = _r(3), _r(3, 4, seed=1)
    both(lambda lib, v, m: (lib.diag(v), lib.diag(v, 2), lib.diag(m, -1), m.diag(1),
                            lib.diag_embed(m), lib.diag_embed(v, -1, 0, 1),
                            lib.diagonal(m, 0, 1, 0), lib.linalg.diagonal(m[None]),
                            lib.trace(m), lib.trace(m.long())), v, m)
    grads(lambda lib, v, m: lib.diag(v).sum(0) + lib.diag(m, 1).sum() + lib.trace(m), v, m)
    raises_alike(lambda lib, m: lib.diagonal(m, 0, 1, 1), m)


def test_cross_default_dim_warns():
    a, b = _r(2, 3), _r(2, 3, seed=1)
    with pytest.warns(UserWarning):
        e = ember.cross(ember.tensor(a), ember.tensor(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.cross(torch.tensor(a), torch.tensor(b))
    check(e, t)
    both(lambda lib, a, b: (lib.linalg.cross(a, b), a.cross(b, dim=1),
                            lib.linalg.cross(a[:1], b)), a, b)
    raises_alike(lambda lib, a, b: lib.linalg.cross(a, b[0]), a, b)


# -- torch.linalg ---------------------------------------------------------------------------------
M = np.array([[2.0, 1.0, 0.5], [0.3, 3.0, -1.0], [1.0, -2.0, 4.0]])
SING = np.array([[1.0, 2.0], [2.0, 4.0]])


def test_inv_det_solve_against_torch():
    B = _r(2, 3, 3) + 3 * np.eye(3)
    both(lambda lib, a, b: (lib.linalg.inv(a), lib.inverse(b), lib.linalg.det(a), b.det(),
                            lib.linalg.solve(a, b), lib.linalg.solve(b, a[0]),
                            lib.linalg.slogdet(-a), lib.slogdet(b)), M, B)
    grads(lambda lib, a, b: lib.linalg.inv(a) @ lib.linalg.solve(b, a), M, B)
    grads(lambda lib, a, b: lib.linalg.det(b) * lib.linalg.slogdet(a).logabsdet, M, B)


def test_det_gradient_of_singular_matrices():
    both(lambda lib, a: lib.linalg.det(a), SING)
    # first order: zero, as PyTorch's perturbed-LU solve gives
    grads(lambda lib, a: lib.linalg.det(a), SING)
    grads(lambda lib, a: lib.linalg.det(a), np.stack([np.zeros((2, 2)), SING, np.eye(2)]))

    # with create_graph: the cofactor matrix through the SVD, and its own derivative
    def run(lib):
        a = lib.tensor(SING, requires_grad=True)
        g, = lib.autograd.grad(lib.linalg.det(a), a, create_graph=True)
        h, = lib.autograd.grad((g * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum(), a)
        return g.detach(), h
    check(run(ember), run(torch), atol=1e-12)


def test_singular_matrices_raise_linalg_error():
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    raises_alike(lambda lib, a: lib.linalg.inv(a), SING)
    raises_alike(lambda lib, a: lib.linalg.inv(a), np.zeros((2, 3, 3)))
    raises_alike(lambda lib, a: lib.linalg.solve(a, a), SING)
    # the first singular matrix of a batch is named (batch element 1 here)
    raises_alike(lambda lib, a: lib.linalg.solve(a, lib.ones(2, 2, dtype=a.dtype)), _EX_BATCH)
    raises_alike(lambda lib, a: lib.linalg.solve(a[0], lib.ones(3, 2, 2, dtype=a.dtype)),
                 _EX_BATCH[1:])
    raises_alike(lambda lib, a: lib.linalg.inv(a), SING[0])
    raises_alike(lambda lib, a: lib.linalg.det(a.long()), SING)
    with pytest.raises(ember.linalg.LinAlgError):
        ember.linalg.inv(ember.zeros(2, 2))


# a batch whose second and fourth matrices fail: singular (a zero second pivot after
# pivoting; all zero) and not positive-definite (leading minors of order 2; 1)
_EX_BATCH = np.array([[[4.0, 1.0], [1.0, 3.0]], [[1.0, 2.0], [2.0, 4.0]],
                      [[2.0, 0.5], [0.5, 1.0]], [[0.0, 0.0], [0.0, 0.0]]])
_PD_BATCH = np.array([[[4.0, 1.0], [1.0, 3.0]], [[1.0, 2.0], [2.0, 1.0]],
                      [[2.0, 0.5], [0.5, 1.0]], [[-1.0, 0.0], [0.0, 2.0]]])


@pytest.mark.parametrize("name, fn, x", [
    ("inv_ex", lambda lib, a, **kw: lib.linalg.inv_ex(a, **kw), _EX_BATCH),
    ("solve_ex", lambda lib, a, **kw: lib.linalg.solve_ex(
        a, lib.arange(6.0, dtype=a.dtype).view(2, 3), **kw), _EX_BATCH),
    ("solve_ex right", lambda lib, a, **kw: lib.linalg.solve_ex(
        a, lib.arange(6.0, dtype=a.dtype).view(3, 2), left=False, **kw), _EX_BATCH),
    ("cholesky_ex", lambda lib, a, **kw: lib.linalg.cholesky_ex(a, **kw), _PD_BATCH),
    ("cholesky_ex upper", lambda lib, a, **kw: lib.linalg.cholesky_ex(a, upper=True, **kw),
     _PD_BATCH)])
def test_ex_functions_report_info_instead_of_raising(name, fn, x):
    for dt in (np.float64, np.float32):
        e = fn(ember, ember.tensor(x.astype(dt)))
        t = fn(torch, torch.tensor(x.astype(dt)))
        assert e[1].dtype == ember.int32 and e[1].tolist() == t[1].tolist() != [0] * 4
        ok = t[1].numpy() == 0
        np.testing.assert_allclose(e[0].numpy()[ok], t[0].numpy()[ok], rtol=1e-6)
        # where LAPACK failed, PyTorch's result is undefined (its partial work): NaN here
        assert np.isnan(e[0].numpy()[~ok]).all()
        for i in range(4):     # each matrix alone: the same info, as a 0-d tensor
            ei, ti = fn(ember, ember.tensor(x[i])), fn(torch, torch.tensor(x[i]))
            assert ei[1].shape == () and ei[1].item() == ti[1].item()
    raises_alike(lambda lib, a: fn(lib, a, check_errors=True), x)
    raises_alike(lambda lib, a: fn(lib, a, check_errors=True), x[1] if "chol" not in name
                 else x[3])


def test_inv_ex_records_its_node_and_differentiates_where_invertible():
    x = torch.tensor(_EX_BATCH[:1], requires_grad=True)
    y = ember.tensor(_EX_BATCH[:1], requires_grad=True)
    (torch.linalg.inv_ex(x).inverse.sum()).backward()
    r = ember.linalg.inv_ex(y)
    assert type(r.inverse.grad_fn).__name__ == "LinalgInvExBackward0"
    r.inverse.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), x.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("ord", [None, "fro", "nuc", 1, -1, 2, -2, float("inf"), -float("inf"),
                                 3, 0.5, 0])
@pytest.mark.parametrize("dim", [None, 0, (0, 1), (1, 0), -1])
def test_linalg_norm_dispatch(ord, dim):
    fn = lambda lib, a: lib.linalg.norm(a, ord, dim)   # noqa: E731
    x = M[:, :2].copy()
    try:
        t = fn(torch, torch.tensor(x))
    except RuntimeError:
        raises_alike(fn, x)
        return
    check(fn(ember, ember.tensor(x)), t)
    if ord != 0:
        grads(fn, x)


def test_matrix_and_vector_norm_options():
    x = _r(2, 3, 4)
    both(lambda lib, a: (lib.linalg.vector_norm(a, 3, (0, 2), True),
                         lib.linalg.vector_norm(a.float(), dtype=lib.float64),
                         lib.linalg.matrix_norm(a, "nuc", (2, 0), True),
                         lib.linalg.matrix_norm(a, -2), lib.linalg.svdvals(a),
                         lib.linalg.matrix_norm(a, float("inf"), (0, 1), True),
                         a.norm(p="fro", dim=(1, 2)), lib.norm(a, 2.5, 1, True)), x)
    raises_alike(lambda lib, a: lib.linalg.vector_norm(a, dtype=lib.float32), x)
    raises_alike(lambda lib, a: lib.linalg.matrix_norm(a, dim=(1, 1)), x)
    raises_alike(lambda lib, a: lib.linalg.matrix_norm(a, dim=(0, 1, 2)), x)
    raises_alike(lambda lib, a: lib.linalg.norm(a, dim=(0, 1, 2)), x)
    raises_alike(lambda lib, a: lib.linalg.matrix_norm(a, "abc"), x)


def test_svd_reconstructs_and_matches_torch_singular_values():
    for shape in [(3, 4), (4, 3), (2, 3, 3)]:
        a = _r(*shape)
        for full in (True, False):
            U, S, Vh = ember.linalg.svd(ember.tensor(a), full_matrices=full)
            k = S.shape[-1]
            rec = (U[..., :k] * S.unsqueeze(-2)) @ Vh[..., :k, :]
            np.testing.assert_allclose(rec.numpy(), a, atol=1e-12)
            ts = torch.linalg.svd(torch.tensor(a), full_matrices=full)
            check(S, ts.S)
            assert tuple(U.shape) == tuple(ts.U.shape) and tuple(Vh.shape) == tuple(ts.Vh.shape)
    # gradients of sign-invariant functions of U and Vh
    grads(lambda lib, a: (lib.linalg.svd(a, full_matrices=False).U ** 2).sum(0) +
          (lib.linalg.svd(a, full_matrices=False).Vh ** 2).sum(1), _r(4, 3))
    grads(lambda lib, a: lib.linalg.svd(a, full_matrices=False).U.abs() @
          lib.linalg.svd(a, full_matrices=False).Vh.abs(), _r(3, 4))


def test_vecdot():
    both(lambda lib, a, b: (lib.linalg.vecdot(a, b), lib.linalg.vecdot(a, b[0], dim=-1)),
         _r(2, 3), _r(2, 3, seed=1))


@pytest.mark.parametrize("name,args", [
    ("mm", ((2, 3), (3, 2))), ("bmm", ((2, 2, 3), (2, 3, 2))), ("mv", ((2, 3), (3,))),
    ("dot", ((3,), (3,))), ("outer", ((2,), (3,))), ("kron", ((2,), (3,))),
])
def test_no_grad_results_do_not_require_grad(name, args):
    xs = [ember.tensor(_r(*s, seed=i), requires_grad=True) for i, s in enumerate(args)]
    with ember.no_grad():
        r = getattr(ember, name)(*xs)
    assert not r.requires_grad and r.grad_fn is None


def test_matmul_grad_fn_names_all_combinations():
    # every (ndim_a, ndim_b) pair up to 4-d, both operands requiring grad
    for na, nb in itertools.product(range(1, 5), repeat=2):
        sa = (2,) * (na - 2) + (3, 4) if na >= 2 else (4,)
        sb = (2,) * (nb - 2) + (4, 5) if nb >= 2 else (4,)
        arrays = (_r(*sa), _r(*sb, seed=1))

        def run(lib):
            a, b = _build(lib, arrays, (True, True))
            out = a @ b
            return out, out.grad_fn.next_functions[0][0] is not None
        check(run(ember), run(torch))


@pytest.mark.parametrize("fn", [
    lambda lib, c, m: c.addmm_(m, m.t(), beta=0.5),
    lambda lib, c, m: c[0].addmv_(m, m[0], alpha=2),
    lambda lib, c, m: c.addr_(m[:, 0], m[0]),
    lambda lib, c, m: c.addbmm_(m.unsqueeze(0), m.t().unsqueeze(0)),
    lambda lib, c, m: c.unsqueeze(0).baddbmm_(m.unsqueeze(0), m.t().unsqueeze(0)),
])
def test_in_place_add_family(fn):
    def run(lib):
        leaf = lib.tensor(_r(3, 3), requires_grad=True)
        m = lib.tensor(_r(3, 3, seed=1), requires_grad=True)
        c = leaf * 1
        r = fn(lib, c, m)
        g = lib.autograd.grad((c * c).sum(), (leaf, m))
        return r, c, g
    check(run(ember), run(torch))
    raises_alike(lambda lib, c, m: c.addmm_(m, m), _r(3), _r(3, 3))
    raises_alike(lambda lib, c, m: c.requires_grad_().addmm_(m, m), _r(3, 3), _r(3, 3))


EDGE = [
    lambda L: L.diag_embed(L.tensor(1.0)), lambda L: L.trace(L.eye(2).bool()),
    lambda L: L.kron(L.tensor(2.0), L.ones(2)), lambda L: L.einsum("ij->...ij", L.ones(2, 3)),
    lambda L: L.einsum("aA", L.ones(2, 3)), lambda L: L.einsum("i.,i", L.ones(2), L.ones(2)),
    lambda L: L.linalg.cross(L.tensor([1, 2, 3]), L.tensor([4, 5, 6])),
    lambda L: L.outer(L.tensor([1, 2]), L.tensor([1.5])),
    lambda L: L.mv(L.ones(2, 2, dtype=L.int64), L.ones(2, dtype=L.int64)),
    lambda L: L.linalg.det(L.ones(0, 2, 2)), lambda L: L.linalg.inv(L.ones(0, 0)),
    lambda L: L.linalg.matrix_norm(L.ones(2, 2, dtype=L.int64)),
    lambda L: L.linalg.norm(L.ones(3), "fro"), lambda L: L.linalg.svdvals(L.ones(2, 2).long()),
    lambda L: L.linalg.solve(L.eye(2).expand(3, 2, 2), L.ones(2)),
    lambda L: L.linalg.solve(L.eye(2).expand(3, 2, 2), L.ones(3, 2)),
    lambda L: L.cross(L.ones(2, 3, 4), L.ones(2, 3, 4), dim=1),
    lambda L: L.linalg.matrix_norm(L.ones(3, 3), "nuc", dtype=L.float64),
    lambda L: L.ones(3).norm(p="abc"), lambda L: L.ones(2, 2, 2).norm(p="fro", dim=(0, 1, 2)),
    lambda L: L.ones(3).norm(p="nuc"), lambda L: L.linalg.vector_norm(L.ones(3), ord=1j),
    lambda L: L.einsum("i"), lambda L: L.mm(L.ones(2, 0), L.ones(0, 3)),
    lambda L: L.bmm(L.ones(0, 2, 3), L.ones(0, 3, 2)),
    lambda L: L.linalg.slogdet(L.eye(2)), lambda L: L.slogdet(-L.eye(3)),
    lambda L: L.linalg.svd(L.eye(2)),
]


@pytest.mark.parametrize("i", range(len(EDGE)))
def test_edge_cases(i):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            t = EDGE[i](torch)
        except Exception:
            raises_alike(lambda lib: EDGE[i](lib))
            return
        e = EDGE[i](ember)
    check(e, t)
    assert repr(e) == repr(t)
