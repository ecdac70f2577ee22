"""Solvers from factors and the older linear-algebra API: ``torch.cholesky_solve``,
``cholesky_inverse``, ``cholesky``, ``triangular_solve``, ``pinverse``, ``logdet``,
``torch.linalg.lstsq``, and LU with partial pivoting (``torch.linalg.lu_factor``,
``lu``, ``lu_solve``, ``torch.lu_unpack``), each beside its backward node.

NumPy has no getrf, so the LU factorisation is written here: a right-looking elimination
vectorised over the batch and the rows, choosing LAPACK's pivots (the first row of largest
absolute value in the column).
"""
from __future__ import annotations

import warnings

import numpy as np

from .._dtype import kind as _kind
from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record
from . import reduction as _rd
from .reduction import with_out as _with_out
from ._util import broadcast_shapes, tname
from .linalg import _check_matrix, _LinAlgError, _on, _SavesOutputs, slogdet
from .linalg_factor import (_cholesky, _triangle, LinalgCholeskyExBackward0, pinv,
                            pinv_grad, solve_triangular)

_wrap = Tensor._wrap

triangular_solve_type = _rd._return_type("triangular_solve", ("solution", "cloned_coefficient"))
lstsq_type = _rd._return_type("linalg_lstsq", ("solution", "residuals", "rank",
                                               "singular_values"))


def _mH(a: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(a, -1, -2))


def _tri_solve(t: np.ndarray, b: np.ndarray, upper: bool) -> np.ndarray:
    """``t^{-1} b`` for a (broadcast) triangular ``t`` that may be singular (inf/NaN then, as
    LAPACK's trtrs leaves them)."""
    batch = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    tt = np.broadcast_to(t, batch + t.shape[-2:])
    bb = np.broadcast_to(b, batch + b.shape[-2:])
    if not np.isfinite(bb).all():       # LU's row swaps would spread inf as NaN
        return _substitute(tt, bb, upper)
    with np.errstate(divide="ignore", invalid="ignore"):
        try:
            return np.linalg.solve(tt, bb)
        except np.linalg.LinAlgError:
            return _substitute(tt, bb, upper)


def _substitute(t: np.ndarray, b: np.ndarray, upper: bool) -> np.ndarray:
    """Row-by-row substitution with a triangular ``t`` (its zero pivots give inf or NaN)."""
    n = t.shape[-1]
    x = np.zeros(b.shape, np.result_type(t, b))
    rows = range(n - 1, -1, -1) if upper else range(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in rows:
            acc = b[..., i, :] - np.einsum("...j,...jk->...k", t[..., i, :], x)
            x[..., i, :] = acc / t[..., i, i][..., None]
    return x


_WARNED: set = set()


def _warn_once(message: str) -> None:
    """PyTorch's TORCH_WARN_ONCE: a deprecation warning the first time in a process."""
    if message not in _WARNED:
        _WARNED.add(message)
        warnings.warn(message, UserWarning, stacklevel=3)


def _check_solver_pair(b: Tensor, A: Tensor, name: str, bname: str = "b") -> tuple:
    """The legacy (b, A) solvers' checks; the broadcast batch shape."""
    bd, ad = b._data, A._data
    if bd.dtype != ad.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{tname(b)} and A of type {tname(A)} instead.")
    if ad.shape[-1] != ad.shape[-2]:
        raise RuntimeError(f"A must be batches of square matrices, but they are "
                           f"{ad.shape[-2]} by {ad.shape[-1]} matrices")
    if ad.shape[-1] != bd.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for {name}: each A matrix is "
                           f"{ad.shape[-2]} by {ad.shape[-1]} but each b matrix is "
                           f"{bd.shape[-2]} by {bd.shape[-1]}")
    return broadcast_shapes(bd.shape[:-2], ad.shape[:-2])


def _no_int(t: Tensor, kernel: str) -> None:
    if _kind(t._data.dtype) not in "fc":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{tname(t)}\'')


# -- cholesky_solve / cholesky_inverse --------------------------------------------------------
def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """X with ``A X = B`` for ``A = L L^H`` (``U^H U`` with ``upper``) given B (``input``) and
    the Cholesky factor (``input2``; only its triangle is read)."""
    bd, ld = input._data, input2._data
    if bd.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {bd.ndim} dimensions "
                           "instead")
    if ld.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {ld.ndim} dimensions "
                           "instead")
    _check_solver_pair(input, input2, "cholesky_solve")
    _no_int(input, "cholesky_solve_cpu")
    t = np.triu(ld) if upper else np.tril(ld)
    first, second = (_mH(t), t) if upper else (t, _mH(t))
    x = _tri_solve(second, _tri_solve(first, bd, False), True).astype(bd.dtype, copy=False)
    x = np.ascontiguousarray(x)
    if STATE.enabled and (input._rg or input2._rg):
        node = CholeskySolveBackward0()
        node.upper = upper
        r = record(node, x, (input, input2))
        node.save1(input2)
        node.save_result(r)
        return _rd._out(r, out, "cholesky_solve")
    return _rd._out(_wrap(x), out, "cholesky_solve")


class CholeskySolveBackward0(Node):
    """gB = cholesky_solve(g, L); gL = -(C L) (lower) or -(U C) (upper) with
    C = gB X^H + X gB^H (PyTorch's formula: the full matrix, not its triangle)."""

    __slots__ = ("upper",)
    _saved_names = ("input2",)

    def backward(self, grad):
        L, = self.saved()
        X = self.result()
        gB = _on(cholesky_solve, grad, L, self.upper)
        if self.next_functions[1][0] is None:
            return gB, None
        C = gB @ anp.conj(X).mT
        C = C + anp.conj(C).mT
        return gB, -(L @ C) if self.upper else -(C @ L)


def cholesky_inverse(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """The inverse of ``A = L L^H`` (``U^H U`` with ``upper``) from its Cholesky factor."""
    _check_matrix(input, "cholesky_inverse", floating=False)
    _no_int(input, "cholesky_inverse_out_cpu")
    d = input._data
    t = np.triu(d) if upper else np.tril(d)
    diag = np.diagonal(t, 0, -2, -1)
    if d.size and not diag.all():
        flat = diag.reshape(-1, diag.shape[-1])
        bi = int(np.flatnonzero(~flat.all(-1))[0])
        where = f"(Batch element {bi}): " if d.ndim > 2 else ""
        raise _LinAlgError(f"cholesky_inverse: {where}The diagonal element "
                           f"{int(np.flatnonzero(flat[bi] == 0)[0]) + 1} is zero, the inversion "
                           "could not be completed because the input matrix is singular.")
    eye = np.broadcast_to(np.eye(d.shape[-1], dtype=d.dtype), d.shape)
    ti = _tri_solve(t, eye, upper)
    r = ti @ _mH(ti) if upper else _mH(ti) @ ti
    r = np.ascontiguousarray(r, dtype=d.dtype)
    if STATE.enabled and input._rg:
        node = CholeskyInverseBackward0()
        node.upper = upper
        t_ = record(node, r, (input,))
        node.save1(input)
        node.save_result(t_)
        return _rd._out(t_, out, "cholesky_inverse")
    return _rd._out(_wrap(r), out, "cholesky_inverse")


class CholeskyInverseBackward0(Node):
    """gL = -(C L) (lower) or -(U C) (upper) with C = A^{-1} (g + g^H) A^{-1}."""

    __slots__ = ("upper",)
    _saved_names = ("self",)

    def backward(self, grad):
        L, = self.saved()
        Ai = self.result()
        C = Ai @ ((grad + anp.conj(grad).mT) @ Ai)
        return -(L @ C) if self.upper else -(C @ L),


# -- torch.cholesky (deprecated) --------------------------------------------------------------
_CHOLESKY_DEPRECATED = (
    "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a "
    "future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\n"
    "L = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\nshould be replaced "
    "with\nU = torch.linalg.cholesky(A).mH\nThis transform will produce equivalent results for "
    "all valid (symmetric positive definite) inputs. (Triggered internally at "
    "/__w/pytorch/pytorch/aten/src/ATen/native/BatchLinearAlgebra.cpp:1765.)")


class CholeskyBackward0(LinalgCholeskyExBackward0):
    """The Cholesky derivative of ``LinalgCholeskyExBackward0``, under torch.cholesky's name."""

    __slots__ = ()


def cholesky(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """``torch.cholesky`` (deprecated; warns as PyTorch does): L with ``A = L L^H``, or U with
    ``A = U^H U`` read from A's upper triangle when ``upper``."""
    _warn_once(_CHOLESKY_DEPRECATED)
    r = _cholesky(input, upper, "cholesky", True, CholeskyBackward0, read_upper=upper)[0]
    return _rd._out(r, out, "cholesky")


# -- triangular_solve (legacy) ----------------------------------------------------------------
_TRIANGULAR_DEPRECATED = (
    "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangular"
    "and will be removed in a future PyTorch release.\ntorch.linalg.solve_triangular has its "
    "arguments reversed and does not return a copy of one of the inputs.\n"
    "X = torch.triangular_solve(B, A).solution\nshould be replaced with\n"
    "X = torch.linalg.solve_triangular(A, B). (Triggered internally at "
    "/__w/pytorch/pytorch/aten/src/ATen/native/BatchLinearAlgebra.cpp:2273.)")


@_with_out("triangular_solve")
def triangular_solve(input: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False, *, out=None):
    """``(solution, cloned_coefficient)``: X with ``op(A) X = b`` (``op`` the transpose when
    ``transpose``) for triangular A, and a copy of A broadcast to the batch (deprecated)."""
    _warn_once(_TRIANGULAR_DEPRECATED)
    bd, ad = input._data, A._data
    for t, nm in ((bd, "b"), (ad, "A")):
        if t.ndim < 2:
            raise RuntimeError(f"torch.triangular_solve: Expected {nm} to have at least 2 "
                               f"dimensions, but it has {t.ndim} dimensions instead")
    batch = _check_solver_pair(input, A, "triangular_solve")
    _no_int(input, "triangular_solve_cpu")
    t = _triangle(ad, upper, unitriangular)
    if transpose:
        t = np.swapaxes(t, -1, -2)
    x = np.ascontiguousarray(_tri_solve(t, bd, upper != transpose), dtype=bd.dtype)
    x = np.broadcast_to(x, batch + x.shape[-2:]).copy()
    m = np.broadcast_to(ad, batch + ad.shape[-2:]).copy()
    if STATE.enabled and (input._rg or A._rg):
        node = TriangularSolveBackward0()
        node._n_out = 2
        node.upper, node.transpose, node.unit = upper, transpose, unitriangular
        res = record(node, (x, m), (input, A))
        node.save1(A)
        node.save_result(res[0])
        return triangular_solve_type(*res)
    return triangular_solve_type(_wrap(x), _wrap(m))


class TriangularSolveBackward0(Node):
    """gb = op(A)^{-H} gX; gA = -gb X^H (or -X gb^T transposed), kept to A's triangle; the
    copy's gradient passes to A whole."""

    __slots__ = ("_n_out", "upper", "transpose", "unit")
    _saved_names = ("A",)

    def backward(self, grads):
        gX, gM = grads
        A, = self.saved()
        gb = gA = None
        if gX is not None:
            X = self.result()
            Ac = anp.conj(A)
            if self.transpose:
                gb = _on(solve_triangular, Ac, gX, upper=self.upper, unitriangular=self.unit)
            else:
                gb = _on(solve_triangular, Ac.mT, gX, upper=not self.upper,
                         unitriangular=self.unit)
            if self.next_functions[1][0] is not None:
                gA = -(anp.conj(X) @ gb.mT) if self.transpose else -(gb @ anp.conj(X).mT)
                k = 1 if self.unit else 0
                gA = anp.triu(gA, k) if self.upper else anp.tril(gA, -k)
        if gM is not None and self.next_functions[1][0] is not None:
            gA = gM if gA is None else gA + gM
        return gb, gA


# -- pinverse, logdet -------------------------------------------------------------------------
def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """``linalg.pinv`` with the relative tolerance ``rcond``."""
    return pinv(input, rtol=rcond)


def logdet(input: Tensor) -> Tensor:
    """log det A: NaN where the determinant is negative, -inf where it is zero (through
    ``slogdet``, as PyTorch composes it)."""
    from .comparison import where
    from .pointwise import log
    _check_matrix(input, "logdet")
    sign, logabs = slogdet(input)
    if _kind(input._data.dtype) == "c":
        return log(sign) + logabs
    return where(sign == -1, float("nan"), logabs)


# -- least squares ----------------------------------------------------------------------------
_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _lstsq_checks(A: Tensor, B: Tensor, driver) -> None:
    a, b = A._data, B._data
    if a.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if b.ndim < 1:
        raise RuntimeError("torch.linalg.lstsq: other must have at least 1 dimension.")
    if a.dtype != b.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {tname(A)} and other's dtype "
                           f"{tname(B)}")
    if not (a.ndim >= b.ndim and a.ndim - b.ndim <= 1):
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to "
                           "other.dim() and (input.dim() - other.dim()) <= 1")
    if driver is not None and driver not in _DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of "
                           "(gels, gelsy, gelsd, gelss)")
    if _kind(a.dtype) not in "fc":
        raise RuntimeError("This function doesn't handle types other than float and double")


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None):
    """``(solution, residuals, rank, singular_values)`` of min ||A X - B||: the minimum-norm
    solution on A's numerical rank (singular values above ``rcond`` times the largest; rcond
    defaults to eps * max(m, n)). ``rank`` is filled except for 'gels', ``singular_values``
    for 'gelsd'/'gelss', ``residuals`` (squared column norms of A X - B) for tall full-rank
    A with any driver but the default 'gelsy'."""
    _lstsq_checks(A, B, driver)
    driver = driver or "gelsy"
    a, b = A._data, B._data
    if b.ndim == a.ndim - 1:       # PyTorch first broadcasts B's leading dims as a batch
        broadcast_shapes(a.shape[:-2], b.shape[:-1])
    # PyTorch's vector test (linalg.solve's): B is A's shape without its last dim
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    bm = b[..., None] if vector else b
    batch = broadcast_shapes(a.shape[:-2], bm.shape[:-2])
    m, n = a.shape[-2:]
    if bm.shape[-2] != m:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    aa = np.broadcast_to(a, batch + (m, n))
    bb = np.broadcast_to(bm, batch + bm.shape[-2:])
    real = np.abs(np.zeros((), a.dtype)).dtype
    k = min(m, n)
    abatch = a.shape[:-2]             # rank and singular values stay on A's own batch
    if a.size:
        u, sv, vh = np.linalg.svd(a, full_matrices=False)
    else:
        u = np.zeros(abatch + (m, k), a.dtype)
        sv = np.zeros(abatch + (k,), real)
        vh = np.zeros(abatch + (k, n), a.dtype)
    if driver == "gels":
        _gels_full_rank(a)
        keep = sv > 0
    else:
        rc = np.finfo(real).eps * max(m, n) if rcond is None or rcond < 0 else rcond
        smax = sv[..., :1] if k else np.zeros(abatch + (1,), real)
        keep = sv > rc * smax
    sinv = np.where(keep, 1.0 / np.where(keep, sv, 1.0), 0.0).astype(real)
    x = _mH(vh) @ (sinv[..., :, None] * (_mH(u) @ bb))
    x = np.ascontiguousarray(np.broadcast_to(x, batch + (n, bb.shape[-1])), dtype=a.dtype)
    rank = keep.sum(-1).astype(np.int64)
    full = driver == "gels" or bool(np.all(rank == n))
    if m > n and driver != "gelsy" and full and aa.size and bb.size:
        res = (np.abs(aa @ x - bb) ** 2).sum(-2).astype(real)
    else:
        res = np.zeros((0,), real)
    rank = np.zeros((0,), np.int64) if driver == "gels" else np.asarray(rank)
    svals = sv.astype(real) if driver in ("gelsd", "gelss") else np.zeros((0,), real)
    if vector:
        x = x[..., 0]
    if STATE.enabled and (A._rg or B._rg):
        node = LinalgLstsqBackward0()
        node._n_out = 2
        node.vector = vector
        sol, resid = record(node, (x, res), (A, B))
        node.save2(A, B)
        node.save_result(sol)
        return lstsq_type(sol, resid, _wrap(rank), _wrap(svals))
    return lstsq_type(_wrap(x), _wrap(res), _wrap(rank), _wrap(svals))


def _gels_full_rank(a: np.ndarray) -> None:
    """'gels' factors A by QR (LQ when wide) and fails on an exactly-zero diagonal of R."""
    if not a.size:
        return
    m, n = a.shape[-2:]
    r = np.linalg.qr(a if m >= n else _mH(a), mode="r")
    diag = np.diagonal(r, 0, -2, -1)
    if not diag.all():
        j = int(np.flatnonzero((diag == 0).reshape(-1, diag.shape[-1]).any(0))[0])
        raise _LinAlgError("torch.linalg.lstsq: The least squares solution could not be "
                           "computed because the input matrix does not have full rank (error "
                           f"code: {j + 1}).")


class LinalgLstsqBackward0(Node):
    """Through the pseudo-inverse: gA = pinv'(A)[gX B^H], gB = pinv(A)^H gX; the residuals
    r = ||A X - B||^2 (X optimal, so X's own variation drops out) add 2 (AX - B) gr X^H to gA
    and -2 (AX - B) gr to gB."""

    __slots__ = ("_n_out", "vector")
    _saved_names = ("self", "b")

    def backward(self, grads):
        gX, gR = grads
        A, B = self.saved()
        X = self.result()
        if self.vector:
            B, X = anp.unsqueeze(B, -1), anp.unsqueeze(X, -1)
            gX = None if gX is None else anp.unsqueeze(gX, -1)
        need_a, need_b = (f[0] is not None for f in self.next_functions)
        gA = gB = None
        if gX is not None:
            P = _on(pinv, A)
            if need_a:
                gA = pinv_grad(A, P, gX @ anp.conj(B).mT)
            if need_b:
                gB = anp.conj(P).mT @ gX
        if gR is not None and tuple(gR.shape) != (0,):
            r = A @ X - B
            w = r * anp.unsqueeze(gR, -2) * 2.0
            if need_a:
                ga = w @ anp.conj(X).mT
                gA = ga if gA is None else gA + ga
            if need_b:
                gB = -w if gB is None else gB - w
        if self.vector and gB is not None:
            gB = anp.squeeze(gB, -1)
        return gA, gB


__all__ = ["cholesky_solve", "cholesky_inverse", "cholesky", "triangular_solve", "pinverse",
           "logdet", "lstsq", "lu_factor", "lu_factor_ex", "linalg_lu", "lu", "lu_unpack",
           "lu_solve", "lu_solve_legacy"]


# -- LU with partial pivoting -----------------------------------------------------------------
lu_factor_type = _rd._return_type("linalg_lu_factor", ("LU", "pivots"))
lu_factor_ex_type = _rd._return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))
lu_type = _rd._return_type("linalg_lu", ("P", "L", "U"))
lu_unpack_type = _rd._return_type("lu_unpack", ("P", "L", "U"))
lu_with_info_type = _rd._return_type("_lu_with_info", ("LU", "pivots", "info"))


def _getrf(a: np.ndarray) -> tuple:
    """LAPACK getrf's LU with partial pivoting of a batch of m x n matrices: the packed
    factors, 1-based int32 pivots and info (the first zero pivot, 1-based, or 0). Each
    column's pivot is its first entry of largest magnitude (|re| + |im| for complex, as
    i?amax measures), and the column below it is scaled by the pivot's reciprocal."""
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    nb = int(np.prod(batch))
    lu = a.reshape((nb, m, n)).copy()
    piv = np.zeros((nb, k), np.int32)
    info = np.zeros(nb, np.int32)
    rows = np.arange(nb)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for j in range(k):
            col = lu[:, j:, j]
            mag = np.abs(col.real) + np.abs(col.imag) if _kind(a.dtype) == "c" else np.abs(col)
            p = j + np.argmax(mag, axis=1)
            piv[:, j] = p + 1
            swap = p != j
            if swap.any():
                r, q = rows[swap], p[swap]
                top = lu[r, j].copy()
                lu[r, j] = lu[r, q]
                lu[r, q] = top
            d = lu[:, j, j]
            zero = d == 0
            info[(info == 0) & zero] = j + 1
            if j + 1 < m:
                scale = np.where(zero, 1, 1 / np.where(zero, 1, d)).astype(a.dtype)
                lu[:, j + 1:, j] *= scale[:, None]
                lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j:j + 1] * lu[:, j:j + 1, j + 1:]
    return lu.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def _perm(piv: np.ndarray, m: int) -> np.ndarray:
    """The row order the pivots' swaps produce: row i of L U is row perm[i] of A."""
    perm = np.broadcast_to(np.arange(m), piv.shape[:-1] + (m,)).copy()
    nb = int(np.prod(piv.shape[:-1]))
    flat, fp = perm.reshape(nb, m), piv.reshape(nb, piv.shape[-1]).astype(np.intp) - 1
    rows = np.arange(flat.shape[0])
    for j in range(fp.shape[1]):
        q = fp[:, j]
        top = flat[rows, j].copy()
        flat[rows, j] = flat[rows, q]
        flat[rows, q] = top
    return perm


def _perm_matrix(perm: np.ndarray, dtype) -> np.ndarray:
    """P with A = P L U: P[perm[i], i] = 1."""
    m = perm.shape[-1]
    P = np.zeros(perm.shape + (m,), dtype)
    np.put_along_axis(P, perm[..., :, None], 1, axis=-1)
    return np.swapaxes(P, -1, -2)


def _unpack(lu: np.ndarray) -> tuple:
    """Unit-lower L (m x k) and upper U (k x n) from packed factors."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    L = np.tril(lu[..., :, :k], -1) + np.eye(m, k, dtype=lu.dtype)
    return L, np.triu(lu[..., :k, :])


def _lu_checks(A: Tensor, name: str, pivot: bool) -> None:
    d = A._data
    if d.ndim < 2:
        raise RuntimeError(f"{name}: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(d.shape)} instead")
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    _no_int(A, "lu_cpu")


def _lu_error(info: np.ndarray, name: str) -> RuntimeError:
    flat = info.reshape(-1)
    bi = int(np.flatnonzero(flat)[0])
    where = f"(Batch element {bi}): " if info.ndim else ""
    i = int(flat[bi])
    return RuntimeError(f"{name}: {where}U[{i},{i}] is zero and using it on lu_solve would "
                        "result in a division by zero. If you still want to perform the "
                        "factorization, consider calling linalg.lu(A, pivot) or "
                        "linalg.lu_factor_ex(A, pivot)")


def _lu_factor(A: Tensor, pivot: bool, name: str, check: bool, check_name: str) -> tuple:
    _lu_checks(A, name, pivot)
    lu, piv, info = _getrf(A._data)
    if check and info.any():
        raise _lu_error(info, check_name)
    if STATE.enabled and A._rg:
        node = LinalgLuFactorExBackward0()
        node.piv = piv
        r = record(node, lu, (A,))
        node.save_result(r)
        return r, _wrap(piv), _wrap(info)
    return _wrap(lu), _wrap(piv), _wrap(info)


@_with_out("linalg_lu_factor_ex")
def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out=None):
    """``(LU, pivots, info)``: LU with partial pivoting, packed as LAPACK's getrf does
    (1-based int32 pivots; info > 0 names the first zero pivot)."""
    return lu_factor_ex_type(*_lu_factor(A, pivot, "torch.lu_factor", check_errors,
                                         "torch.linalg.lu_factor_ex"))


@_with_out("linalg_lu_factor")
def lu_factor(A: Tensor, *, pivot: bool = True, out=None):
    """``(LU, pivots)``: ``lu_factor_ex`` that raises when a pivot is zero."""
    lu, piv, _ = _lu_factor(A, pivot, "torch.lu_factor", True, "torch.linalg.lu_factor")
    return lu_factor_type(lu, piv)


_LU_DEPRECATED = (
    "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and "
    "will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\n"
    "should be replaced with\nLU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\n"
    "LU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\nshould be replaced with\n"
    "LU, pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots) (Triggered internally at "
    "/__w/pytorch/pytorch/aten/src/ATen/native/BatchLinearAlgebra.cpp:2073.)")


@_with_out("lu")
def lu(A: Tensor, pivot: bool = True, get_infos: bool = False, out=None):
    """``torch.lu`` (deprecated): ``(LU, pivots)``, or with ``get_infos`` also LAPACK's info
    (a zero pivot raises no error either way, as in PyTorch)."""
    _warn_once(_LU_DEPRECATED)
    lu_, piv, info = _lu_factor(A, pivot, "torch.lu_factor", False, "")
    return lu_with_info_type(lu_, piv, info) if get_infos else (lu_, piv)


def _lu_parts(LU, piv: np.ndarray):
    """P (a constant), L and U from packed factors, as arrays or as differentiable tensors."""
    m, n = LU.shape[-2], LU.shape[-1]
    k = min(m, n)
    dt = anp.value(LU).dtype
    P = anp.constant(_perm_matrix(_perm(piv, m), dt), LU)
    L = anp.tril(anp.narrow(LU, -1, 0, k), -1) + anp.constant(np.eye(m, k, dtype=dt), LU)
    U = anp.triu(anp.narrow(LU, -2, 0, k), 0)
    return P, L, U


def _lu_grad(P, L, U, gL, gU):
    """The gradient reaching A = P L U from those on L and U (either may be None)."""
    m, k, n = L.shape[-2], L.shape[-1], U.shape[-1]
    Lh, Uh = anp.conj(L).mT, anp.conj(U).mT
    if m == n:
        M = None if gL is None else anp.tril(Lh @ gL, -1)
        if gU is not None:
            t = anp.triu(gU @ Uh, 0)
            M = t if M is None else M + t
        M = _on(solve_triangular, Uh, M, upper=False, left=False)
        M = _on(solve_triangular, Lh, M, upper=True, unitriangular=True)
    elif m < n:
        U1 = anp.narrow(U, -1, 0, k)
        M = None if gL is None else Lh @ gL
        if gU is not None:
            t = anp.triu(gU, 0) @ Uh
            M = -t if M is None else M - t
        M = _on(solve_triangular, anp.conj(U1).mT, anp.tril(M, -1), upper=False, left=False)
        if gU is not None:
            M = anp.cat([M + anp.triu(anp.narrow(gU, -1, 0, k), 0),
                         anp.narrow(gU, -1, k, n - k)], -1)
        M = _on(solve_triangular, Lh, M, upper=True, unitriangular=True)
        if gU is None:
            M = anp.cat([M, anp.zeros(tuple(M.shape[:-1]) + (n - k,), M)], -1)
    else:
        L1 = anp.narrow(L, -2, 0, k)
        M = None if gU is None else gU @ Uh
        if gL is not None:
            t = Lh @ anp.tril(gL, -1)
            M = -t if M is None else M - t
        M = _on(solve_triangular, anp.conj(L1).mT, anp.triu(M, 0), upper=True,
                unitriangular=True)
        if gL is not None:
            M = anp.cat([M + anp.tril(anp.narrow(gL, -2, 0, k), -1),
                         anp.narrow(gL, -2, k, m - k)], -2)
        M = _on(solve_triangular, Uh, M, upper=False, left=False)
        if gL is None:
            M = anp.cat([M, anp.zeros(tuple(M.shape[:-2]) + (m - k, n), M)], -2)
    return P @ M


class LinalgLuFactorExBackward0(Node):
    """The LU derivative (``_lu_grad``) with the packed gradient split into L's strict lower
    part and U's upper part."""

    __slots__ = ("piv",)

    def backward(self, grad):
        LU = self.result()
        P, L, U = _lu_parts(LU, self.piv)
        k = L.shape[-1]
        gL = anp.tril(anp.narrow(grad, -1, 0, k), -1)
        gU = anp.triu(anp.narrow(grad, -2, 0, k), 0)
        return _lu_grad(P, L, U, gL, gU),


@_with_out("linalg_lu")
def linalg_lu(A: Tensor, *, pivot: bool = True, out=None):
    """``(P, L, U)`` with ``A = P L U``: P a permutation (m x m), L unit lower-triangular
    (m x k), U upper-triangular (k x n)."""
    _lu_checks(A, "linalg.lu", pivot)
    lu_, piv, _ = _getrf(A._data)
    P = _perm_matrix(_perm(piv, lu_.shape[-2]), lu_.dtype)
    L, U = _unpack(lu_)
    if STATE.enabled and A._rg:
        node = LinalgLuBackward0()
        node._n_out = 2
        node.P = P
        res = record(node, (L, U), (A,))
        node.save_outputs(res)
        return lu_type(_wrap(P), *res)
    return lu_type(_wrap(P), _wrap(L), _wrap(U))


class LinalgLuBackward0(_SavesOutputs):
    """``_lu_grad`` from the gradients on L and U."""

    __slots__ = ("P",)

    def backward(self, grads):
        gL, gU = grads
        if gL is None and gU is None:
            return None,
        L, U = self._out(0), self._out(1)
        return _lu_grad(anp.constant(self.P, L), L, U, gL, gU),


@_with_out("lu_unpack")
def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True,
              unpack_pivots: bool = True, *, out=None):
    """``(P, L, U)`` from ``lu_factor``'s packed factors and pivots (P or L and U empty when
    not asked for)."""
    lu_, piv = LU_data._data, LU_pivots._data
    if piv.dtype != np.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of "
                           "torch.int32 dtype.\nNote: this function is intended to be used with "
                           "the output produced by torch.linalg.lu_factor")
    m, n = lu_.shape[-2:]
    dt = lu_.dtype
    P = np.zeros((0,), dt)
    if unpack_pivots:
        if piv.size and (piv.min() < 1 or piv.max() > m) or piv.shape[-1] != min(m, n):
            raise RuntimeError("pivots passed to lu_unpack must be between 1 and LU.size(-2) "
                               "inclusive.Did you properly pass the result of lu_factor?")
        batch = broadcast_shapes(lu_.shape[:-2], piv.shape[:-1])
        P = _perm_matrix(_perm(np.broadcast_to(piv, batch + piv.shape[-1:]), m), dt)
    if unpack_data:
        L, U = _unpack(lu_)
    else:
        L = U = np.zeros((0,), dt)
    if STATE.enabled and LU_data._rg:
        node = LuUnpackBackward0()
        node._n_out = 2
        node.m, node.n = m, n
        Lt, Ut = record(node, (L, U), (LU_data,))
        return lu_unpack_type(_wrap(P), Lt, Ut)
    return lu_unpack_type(_wrap(P), _wrap(L), _wrap(U))


class LuUnpackBackward0(Node):
    """The packed gradient: L's strict lower part beside U's upper part."""

    __slots__ = ("_n_out", "m", "n")

    def backward(self, grads):
        gL, gU = grads
        m, n = self.m, self.n
        k = min(m, n)
        if gL is not None and tuple(gL.shape) == (0,):
            gL = gU = None
        if gL is None and gU is None:
            return None,
        like = gL if gL is not None else gU
        batch = tuple(like.shape[:-2])
        if gL is not None:
            gL = anp.tril(gL, -1)
            if n > k:
                gL = anp.cat([gL, anp.zeros(batch + (m, n - k), gL)], -1)
        if gU is not None:
            gU = anp.triu(gU, 0)
            if m > k:
                gU = anp.cat([gU, anp.zeros(batch + (m - k, n), gU)], -2)
        if gL is None:
            return gU,
        return gL if gU is None else gL + gU,


def _lu_solve_np(lu_: np.ndarray, piv: np.ndarray, b: np.ndarray, left: bool,
                 adjoint: bool) -> np.ndarray:
    if not left:         # X op(A) = B is op(A)^H X^H = B^H
        return _mH(_lu_solve_np(lu_, piv, _mH(b), True, not adjoint))
    m = lu_.shape[-1]
    L, U = _unpack(lu_)
    perm = _perm(piv, m)
    batch = np.broadcast_shapes(lu_.shape[:-2], b.shape[:-2])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    perm = np.broadcast_to(perm, batch + (m,))
    if not adjoint:      # A = P L U: X = U^{-1} L^{-1} P^T B, (P^T B)[i] = B[perm[i]]
        y = np.take_along_axis(b, perm[..., :, None], axis=-2)
        return _tri_solve(U, _tri_solve(L, y, False), True)
    z = _tri_solve(_mH(L), _tri_solve(_mH(U), b, False), True)
    x = np.empty_like(z)
    np.put_along_axis(x, perm[..., :, None], z, axis=-2)
    return x


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True,
             adjoint: bool = False, out=None) -> Tensor:
    """X with ``A X = B`` (``X A = B`` when left=False; A^H for A with ``adjoint``) from
    ``lu_factor``'s packed factors and pivots."""
    lu_, piv, b = LU._data, pivots._data, B._data
    if lu_.ndim < 2:
        raise RuntimeError("torch.linalg.lu_solve: The input tensor A must have at least 2 "
                           "dimensions.")
    if lu_.shape[-1] != lu_.shape[-2]:
        raise RuntimeError(f"torch.linalg.lu_solve: A must be batches of square matrices, but "
                           f"they are {lu_.shape[-2]} by {lu_.shape[-1]} matrices")
    if b.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 "
                           "dimensions.")
    n = lu_.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and "
                           f"{b.shape[-2]}x{b.shape[-1]})")
    if lu_.dtype != b.dtype:
        raise RuntimeError(f"linalg.lu_solve: Expected LU and B to have the same dtype, but "
                           f"found LU of type {tname(LU)} and B of type {tname(B)} instead")
    if piv.dtype != np.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type "
                           "torch.int32")
    if piv.shape[-1:] != (n,) or piv.shape[:-1] != lu_.shape[:-2]:
        raise RuntimeError("linalg.lu_solve: Number of pivots per batch should be same as the "
                           "dimension of the matrix")
    with np.errstate(divide="ignore", invalid="ignore"):
        x = _lu_solve_np(lu_, piv, b, left, adjoint)
    x = np.ascontiguousarray(x, dtype=b.dtype)
    if STATE.enabled and (LU._rg or B._rg):
        node = LinalgLuSolveBackward0()
        node.left, node.adjoint, node.pivots = left, adjoint, pivots
        r = record(node, x, (LU, B))
        node.save1(LU)
        node.save_result(r)
        return _rd._out(r, out, "lu_solve")
    return _rd._out(_wrap(x), out, "lu_solve")


class LinalgLuSolveBackward0(Node):
    """gB solves the adjoint system; gA of the equation's A (``-gB X^H`` and its three
    variants) reaches the packed factors through A = P L U: tril(P^T gA U^H, -1) for L and
    triu(L^H P^T gA) for U."""

    __slots__ = ("left", "adjoint", "pivots")
    _saved_names = ("LU",)

    def backward(self, grad):
        LU, = self.saved()
        X = self.result()
        left, adj = self.left, self.adjoint
        gB = _on(lu_solve, LU, self.pivots, grad, left=left, adjoint=not adj)
        if self.next_functions[0][0] is None:
            return None, gB
        Xh, gBh = anp.conj(X).mT, anp.conj(gB).mT
        if left:
            gA = -(X @ gBh) if adj else -(gB @ Xh)
        else:
            gA = -(gBh @ X) if adj else -(Xh @ gB)
        P, L, U = _lu_parts(LU, self.pivots._data)
        PtgA = P.mT @ gA
        gLU = anp.tril(PtgA @ anp.conj(U).mT, -1) + anp.triu(anp.conj(L).mT @ PtgA, 0)
        return gLU, gB if self.next_functions[1][0] is not None else None


_LU_SOLVE_DEPRECATED = (
    "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a "
    "future PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\n"
    "X = torch.lu_solve(B, LU, pivots)\nshould be replaced with\n"
    "X = torch.linalg.lu_solve(LU, pivots, B) (Triggered internally at "
    "/__w/pytorch/pytorch/aten/src/ATen/native/BatchLinearAlgebra.cpp:2230.)")


def lu_solve_legacy(input: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out=None) -> Tensor:
    """``torch.lu_solve(B, LU, pivots)`` (deprecated): ``linalg.lu_solve(LU, pivots, B)``."""
    _warn_once(_LU_SOLVE_DEPRECATED)
    return lu_solve(LU_data, LU_pivots, input, out=out)
