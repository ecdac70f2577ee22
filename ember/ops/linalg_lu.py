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
from ._util import broadcast_shapes, tname
from .linalg import _check_matrix, _LinAlgError, _on, slogdet
from .linalg_factor import (_cholesky, _triangle, LinalgCholeskyExBackward0, pinv,
                            pinv_grad, solve_triangular)

_wrap = Tensor._wrap

triangular_solve_type = _rd._return_type("triangular_solve", ("solution", "cloned_coefficient"))
lstsq_type = _rd._return_type("linalg_lstsq", ("solution", "residuals", "rank",
                                               "singular_values"))


def _mH(a: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(a, -1, -2))


def _tri_solve(t: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``t^{-1} b`` for a (broadcast) triangular ``t`` that may be singular (inf/NaN then, as
    LAPACK's trtrs leaves them)."""
    batch = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    tt = np.broadcast_to(t, batch + t.shape[-2:])
    bb = np.broadcast_to(b, batch + b.shape[-2:])
    with np.errstate(divide="ignore", invalid="ignore"):
        try:
            return np.linalg.solve(tt, bb)
        except np.linalg.LinAlgError:
            return _substitute(tt, bb)


def _substitute(t: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-by-row substitution with a triangular ``t`` (its zero pivots give inf or NaN)."""
    n = t.shape[-1]
    lower = not np.any(np.triu(t, 1))
    x = np.zeros(b.shape, np.result_type(t, b))
    rows = range(n) if lower else range(n - 1, -1, -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in rows:
            acc = b[..., i, :] - np.einsum("...j,...jk->...k", t[..., i, :], x)
            x[..., i, :] = acc / t[..., i, i][..., None]
    return x


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
    x = _tri_solve(second, _tri_solve(first, bd)).astype(bd.dtype, copy=False)
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
    ti = _tri_solve(t, eye)
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
    warnings.warn(_CHOLESKY_DEPRECATED, UserWarning, stacklevel=2)
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


def triangular_solve(input: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False, *, out=None):
    """``(solution, cloned_coefficient)``: X with ``op(A) X = b`` (``op`` the transpose when
    ``transpose``) for triangular A, and a copy of A broadcast to the batch (deprecated)."""
    warnings.warn(_TRIANGULAR_DEPRECATED, UserWarning, stacklevel=2)
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
    x = np.ascontiguousarray(_tri_solve(t, bd), dtype=bd.dtype)
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
    if aa.size:
        u, sv, vh = np.linalg.svd(aa, full_matrices=False)
    else:
        u = np.zeros(batch + (m, k), a.dtype)
        sv = np.zeros(batch + (k,), real)
        vh = np.zeros(batch + (k, n), a.dtype)
    if driver == "gels":
        _gels_full_rank(aa)
        keep = sv > 0
    else:
        rc = np.finfo(real).eps * max(m, n) if rcond is None or rcond < 0 else rcond
        smax = sv[..., :1] if k else np.zeros(batch + (1,), real)
        keep = sv > rc * smax
    sinv = np.where(keep, 1.0 / np.where(keep, sv, 1.0), 0.0).astype(real)
    x = _mH(vh) @ (sinv[..., :, None] * (_mH(u) @ bb))
    x = np.ascontiguousarray(x, dtype=a.dtype)
    rank = keep.sum(-1).astype(np.int64)
    full = driver == "gels" or bool(np.all(rank == n))
    if m > n and driver != "gelsy" and full and aa.size:
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
           "logdet", "lstsq"]
