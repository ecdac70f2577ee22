"""QR factorisations and the matrix exponential: ``torch.geqrf``,
``torch.linalg.householder_product`` (``torch.orgqr``), ``torch.linalg.qr`` and
``torch.linalg.matrix_exp`` (``torch.matrix_exp``), each beside its backward node.

NumPy's LAPACK gives the Householder form (``qr(mode='raw')``) and Q and R; the product of
reflectors and the exponential are written here with whole-batch matrix products.
"""
from __future__ import annotations

import warnings

import numpy as np

from .._dtype import kind as _kind
from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record, record1
from . import reduction as _rd
from .reduction import with_out as _with_out
from ._util import tname
from .linalg import (_check_matrix, _cname, _inverse, _on, _per_matrix, _SavesOutputs, _solve,
                     solve)

_wrap = Tensor._wrap

geqrf_type = _rd._return_type("geqrf", ("a", "tau"))
linalg_qr_type = _rd._return_type("linalg_qr", ("Q", "R"))
qr_type = _rd._return_type("qr", ("Q", "R"))


# -- geqrf: the Householder form of QR --------------------------------------------------------
@_with_out("geqrf")
def geqrf(input: Tensor, *, out=None):
    """LAPACK's geqrf: R above the diagonal, the Householder vectors below it, and ``tau``."""
    d = input._data
    if d.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    _check_matrix(input, "torch.geqrf", square=False)
    m, n = d.shape[-2:]
    k = min(m, n)
    if d.size:
        h, tau = np.linalg.qr(d, mode="raw")          # h comes transposed (Fortran order)
        a = np.ascontiguousarray(np.swapaxes(h, -1, -2)).astype(d.dtype, copy=False)
        tau = tau.astype(d.dtype, copy=False)
    else:
        a, tau = d.copy(), np.zeros(d.shape[:-2] + (k,), d.dtype)
    if STATE.enabled and input._rg:
        node = GeqrfBackward0()
        node._n_out = 2
        return geqrf_type(*record(node, (a, tau), (input,)))
    return geqrf_type(_wrap(a), _wrap(tau))


class GeqrfBackward0(Node):
    """PyTorch records geqrf but defines no derivative for it."""

    __slots__ = ("_n_out",)

    def backward(self, grads):
        raise NotImplementedError("the derivative for 'geqrf' is not implemented.")


# -- householder_product: Q = H_0 H_1 ... H_{k-1} (first n columns) ---------------------------
def _reflectors(A, k: int):
    """The Householder vectors ``v_i = e_i + A[i+1:, i]`` as the columns of an (m, k) matrix
    (an array or a tensor, like ``A``)."""
    m = A.shape[-2]
    V = anp.tril(anp.narrow(A, -1, 0, k), -1)
    return V + anp.constant(np.eye(m, k, dtype=anp.value(A).dtype), A)


def householder_product(input: Tensor, tau: Tensor, *, out=None) -> Tensor:
    """The first n columns of the product of the k Householder reflectors
    ``H_i = I - tau_i v_i v_i^T`` stored in ``input`` (m, n) and ``tau`` (k), as LAPACK's
    orgqr forms them."""
    a, t = input._data, tau._data
    name = "torch.linalg.householder_product"
    if a.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    m, n = a.shape[-2:]
    if m < n:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if t.ndim != a.ndim - 1:
        raise RuntimeError(f"{name}: Expected tau to have one dimension less than input, but "
                           f"got tau.ndim equal to {t.ndim} and input.ndim is equal to {a.ndim}")
    k = t.shape[-1]
    if n < k:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    if t.shape[:-1] != a.shape[:-2]:
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(t.shape[:-1])}")
    if t.dtype != a.dtype:
        raise RuntimeError(f"{name}: tau dtype {tname(tau)} does not match input dtype "
                           f"{tname(input)}")
    if _kind(a.dtype) not in "fc":
        raise RuntimeError(f'"orgqr_cpu" not implemented for \'{tname(input)}\'')
    V = _reflectors(a, k)
    q = np.broadcast_to(np.eye(m, n, dtype=a.dtype), a.shape).copy()
    for i in range(k - 1, -1, -1):                    # q = H_i q, from the last reflector
        v = V[..., :, i:i + 1]
        q -= (t[..., i, None, None] * v) @ (np.conj(np.swapaxes(v, -1, -2)) @ q)
    if STATE.enabled and (input._rg or tau._rg):
        node = LinalgHouseholderProductBackward0()
        r = record(node, q, (input, tau))
        node.save2(input, tau)
        return _rd._out(r, out, "householder_product")
    return _rd._out(_wrap(q), out, "householder_product")


class LinalgHouseholderProductBackward0(Node):
    """Q = L_i H_i R_i for each reflector (L_i the product before it, R_i after it applied
    to the first n columns of I): with M_i = L_i^T gQ, the gradient of H_i is M_i R_i^T,
    so gtau_i = -v^T M_i R_i^T v and gv_i = -tau_i (M_i R_i^T + R_i M_i^T) v. Real inputs."""

    __slots__ = ()
    _saved_names = ("input", "tau")

    def backward(self, grad):
        A, tau = self.saved()
        m, n = A.shape[-2], A.shape[-1]
        k = tau.shape[-1]
        if k == 0 or 0 in tuple(A.shape):                  # no reflector: PyTorch gives none
            return None, None
        V = _reflectors(A, k)
        vs = [anp.unsqueeze(V[..., :, i], -1) for i in range(k)]           # (..., m, 1)
        ts = [anp.unsqueeze(anp.unsqueeze(tau[..., i], -1), -1) for i in range(k)]
        # R_{k-1} = E, R_{i-1} = H_i R_i
        R = anp.constant(np.eye(m, n, dtype=anp.value(A).dtype), A)
        Rs = [None] * k
        for i in range(k - 1, -1, -1):
            Rs[i] = R
            R = R - (ts[i] * vs[i]) @ (vs[i].mT @ R)
        M = grad
        gvs, gts = [], []
        for i in range(k):
            a = vs[i].mT @ Rs[i]                       # (R_i^T v)^T, (..., 1, n)
            b = vs[i].mT @ M                           # (M_i^T v)^T
            gts.append(-anp.sum(a * b, -1))            # (..., 1)
            gvs.append(-ts[i] * (M @ a.mT + Rs[i] @ b.mT))
            M = M - (ts[i] * vs[i]) @ b                # M_{i+1} = H_i M_i
        gV = anp.tril(anp.cat(gvs, -1), -1)           # only A's strictly lower part is read
        if k < n:
            gV = anp.cat([gV, anp.zeros(tuple(gV.shape[:-1]) + (n - k,), gV)], -1)
        return gV, anp.cat(gts, -1)


# -- linalg.qr --------------------------------------------------------------------------------
@_with_out("linalg_qr")
def qr(A: Tensor, mode: str = "reduced", *, out=None):
    """``A = QR`` with orthonormal Q and upper-triangular R; ``mode`` 'reduced' (Q m x k),
    'complete' (Q m x m) or 'r' (R only, Q empty)."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    _check_matrix(A, "linalg.qr", square=False)
    d = A._data
    m, n = d.shape[-2:]
    k = min(m, n)
    if d.size:
        if mode == "r":
            r = np.linalg.qr(d, mode="r")
            q = np.zeros((0,), d.dtype)
        else:
            q, r = np.linalg.qr(d, mode=mode)
    else:
        qcols = m if mode == "complete" else k
        q = (np.zeros((0,), d.dtype) if mode == "r" else
             np.broadcast_to(np.eye(m, qcols, dtype=d.dtype), d.shape[:-2] + (m, qcols)).copy())
        r = np.zeros(d.shape[:-2] + ((m if mode == "complete" else k), n), d.dtype)
    q, r = q.astype(d.dtype, copy=False), r.astype(d.dtype, copy=False)
    if STATE.enabled and A._rg:
        node = LinalgQrBackward0()
        node._n_out = 2
        node.mode = mode
        res = record(node, (q, r), (A,))
        node.save_outputs(res)
        return linalg_qr_type(*res)
    return linalg_qr_type(_wrap(q), _wrap(r))


@_with_out("qr")
def qr_legacy(input: Tensor, some: bool = True, *, out=None):
    """``torch.qr``: ``linalg.qr`` with ``some=False`` for the complete mode."""
    return qr_type(*qr(input, "reduced" if some else "complete"))


def _copyltu(M):
    """The lower triangle of M mirrored above the diagonal (a symmetric matrix)."""
    low = anp.tril(M, -1)
    return low + anp.tril(M, 0).mT


class LinalgQrBackward0(_SavesOutputs):
    """m >= n: gA = (gQ + Q copyltu(M)) R^{-T}, M = R gR^T - gQ^T Q. m < n: A = Q [X | Y]
    with X square; gY = Q gR_Y and X takes the square formula with gQ + Y gR_Y^T."""

    __slots__ = ("mode",)

    def backward(self, grads):
        gQ, gR = grads
        if self.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        Q, R = self._out(0), self._out(1)
        m, n = Q.shape[-2], R.shape[-1]
        if self.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when "
                               "mode='complete' and nrows > ncols.")
        gY = None
        if m < n:
            X, Y = anp.narrow(R, -1, 0, m), anp.narrow(R, -1, m, n - m)
            Y = Q @ Y                                  # A's columns beyond the square part
            if gR is not None:
                gRY = anp.narrow(gR, -1, m, n - m)
                gY = Q @ gRY
                extra = Y @ gRY.mT
                gQ = extra if gQ is None else gQ + extra
                gR = anp.narrow(gR, -1, 0, m)
            else:                                      # Q depends on the square part only
                gY = anp.zeros(tuple(Y.shape), Y)
            R = X
        M = None
        if gR is not None:
            M = R @ gR.mT
        if gQ is not None:
            M = -(gQ.mT @ Q) if M is None else M - gQ.mT @ Q
        if M is None:
            return None,
        B = Q @ _copyltu(M)
        if gQ is not None:
            B = B + gQ
        gA = _on(solve, R.mT, B, left=False)           # B R^{-T}
        if gY is not None:
            gA = anp.cat([gA, gY], -1)
        return gA,


# -- matrix exponential -----------------------------------------------------------------------
# Higham's scaling and squaring with the [13/13] Pade approximant (exact to double precision
# for 1-norms up to theta_13 after scaling)
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _expm(a: np.ndarray) -> np.ndarray:
    dt = a.dtype
    x = a.astype(np.complex128 if _kind(dt) == "c" else np.float64)
    if x.size == 0:
        return x.astype(dt)
    n = x.shape[-1]
    norm = np.abs(x).sum(-2).max(-1)
    with np.errstate(divide="ignore"):
        s = np.maximum(0, np.ceil(np.log2(norm / _THETA13))).astype(np.int64)
    x = x / np.ldexp(1.0, s)[..., None, None]
    b = _PADE13
    eye = np.eye(n, dtype=x.dtype)
    x2 = x @ x
    x4 = x2 @ x2
    x6 = x4 @ x2
    u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4 + b[3] * x2
             + b[1] * eye)
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 \
        + b[0] * eye
    r = np.linalg.solve(v - u, v + u)
    for j in range(int(s.max()) if s.size else 0):
        sq = r @ r
        r = np.where((j < s)[..., None, None], sq, r)
    return r.astype(dt)


def matrix_exp(A: Tensor) -> Tensor:
    """The exponential of a square matrix (or a batch): ``sum_k A^k / k!``."""
    _check_matrix(A, "linalg.matrix_exp")
    r = _expm(A._data)
    if STATE.enabled and A._rg:
        node = LinalgMatrixExpBackward0()
        t = record1(node, r, A)
        node.save1(A)
        return t
    return _wrap(r)


class LinalgMatrixExpBackward0(Node):
    """The adjoint of the Frechet derivative: gA is the upper-right block of
    exp([[A^H, g], [0, A^H]])."""

    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):
        A, = self.saved()
        n = A.shape[-1]
        Ah = anp.conj(A).mT
        top = anp.cat([Ah, grad], -1)
        bottom = anp.cat([anp.zeros(tuple(A.shape), A), Ah], -1)
        E = _on(matrix_exp, anp.cat([top, bottom], -2))
        return anp.narrow(anp.narrow(E, -2, 0, n), -1, n, n),


# -- triangular solves ------------------------------------------------------------------------
def _triangle(a: np.ndarray, upper: bool, unit: bool) -> np.ndarray:
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        t = t.copy()
        idx = np.arange(a.shape[-1])
        t[..., idx, idx] = 1
    return t


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False, out=None) -> Tensor:
    """X with ``A X = B`` (``X A = B`` when left=False) for triangular A (only the triangle
    named by ``upper`` is read; its diagonal is taken as ones if ``unitriangular``)."""
    _check_matrix(A, "linalg.solve_triangular")
    a, b = A._data, B._data
    if b.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                           "dimensions.")
    if a.dtype != b.dtype:
        raise RuntimeError(f"linalg.solve_triangular: Expected A and B to have the same dtype, "
                           f"but found A of type {tname(A)} and B of type {tname(B)} instead")
    n = a.shape[-1]
    if (b.shape[-2] if left else b.shape[-1]) != n:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the "
                           f"equation {'AX = B' if left else 'XA = B'} ({a.shape[-2]}x{n} and "
                           f"{b.shape[-2]}x{b.shape[-1]})")
    t = _triangle(a, upper, unitriangular)
    batch = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    tt = np.broadcast_to(t, batch + t.shape[-2:])
    bb = np.broadcast_to(b, batch + b.shape[-2:])
    with np.errstate(divide="ignore", invalid="ignore"):
        try:
            x = np.linalg.solve(tt, bb) if left else \
                np.swapaxes(np.linalg.solve(np.swapaxes(tt, -1, -2), np.swapaxes(bb, -1, -2)),
                            -1, -2)
        except np.linalg.LinAlgError:       # a zero on the diagonal: LAPACK's trtrs gives inf
            x = np.full(batch + b.shape[-2:], np.inf, a.dtype)
    x = np.ascontiguousarray(x, dtype=a.dtype)
    if STATE.enabled and (A._rg or B._rg):
        node = LinalgSolveTriangularBackward0()
        node.upper, node.left, node.unit = upper, left, unitriangular
        r = record(node, x, (A, B))
        node.save1(A)
        node.save_result(r)
        return _rd._out(r, out, "solve_triangular")
    return _rd._out(_wrap(x), out, "solve_triangular")


class LinalgSolveTriangularBackward0(Node):
    """AX = B: gB = A^{-H} g, gA = -gB X^H; XA = B: gB = g A^{-H}, gA = -X^H gB; gA is kept
    to the triangle A's values were read from."""

    __slots__ = ("upper", "left", "unit")
    _saved_names = ("self",)

    def backward(self, grad):
        A, = self.saved()
        X = self.result()
        gB = _on(solve_triangular, anp.conj(A).mT, grad, upper=not self.upper, left=self.left,
                 unitriangular=self.unit)
        if self.next_functions[0][0] is None:
            return None, gB
        gA = -(gB @ anp.conj(X).mT) if self.left else -(anp.conj(X).mT @ gB)
        k = 1 if self.unit else 0
        gA = anp.triu(gA, k) if self.upper else anp.tril(gA, -k)
        return gA, gB


# -- Cholesky ---------------------------------------------------------------------------------
cholesky_ex_type = _rd._return_type("linalg_cholesky_ex", ("L", "info"))


def _leading_minor(m: np.ndarray) -> int:
    """The order of the first leading minor of ``m`` that is not positive-definite (LAPACK's
    potrf info), or 0."""
    for j in range(1, m.shape[-1] + 1):
        try:
            np.linalg.cholesky(m[:j, :j])
        except np.linalg.LinAlgError:
            return j
    return 0


def _not_pd(a: np.ndarray, name: str):
    """PyTorch's message naming the first leading minor that is not positive-definite."""
    from .linalg import _LinAlgError
    mats = a.reshape((-1,) + a.shape[-2:])
    for bi, m in enumerate(mats):
        j = _leading_minor(m)
        if j:
            where = f"(Batch element {bi}): " if a.ndim > 2 else ""
            return _LinAlgError(f"{name}: {where}The factorization could not be completed "
                                f"because the input is not positive-definite (the leading "
                                f"minor of order {j} is not positive-definite).")
    return _LinAlgError(f"{name}: The factorization could not be completed because the input "
                        "is not positive-definite.")


def cholesky(A: Tensor, *, upper: bool = False, out=None) -> Tensor:
    """L (lower, or its transpose with ``upper``) with ``A = L L^H``, for Hermitian positive-
    definite A; only A's lower triangle is read."""
    return _rd._out(_cholesky(A, upper, "linalg.cholesky", True)[0], out, "cholesky")


def _cholesky(A: Tensor, upper: bool, name: str, check: bool, node_cls=None,
              read_upper: bool = False) -> tuple:
    """``cholesky`` and ``cholesky_ex``: L and, unless ``check`` (raise instead), the info;
    ``read_upper`` reads A's upper triangle (the legacy ``torch.cholesky(upper=True)``)."""
    _check_matrix(A, name)
    d = A._data
    if read_upper:
        d = np.conj(np.swapaxes(d, -1, -2))
    low = np.tril(d)
    sym = low + np.conj(np.swapaxes(np.tril(d, -1), -1, -2))
    info = None
    if not d.size:
        L = d.copy()
    elif check:
        try:
            L = np.linalg.cholesky(sym)
        except np.linalg.LinAlgError:
            raise _not_pd(sym, name) from None
    else:
        L, info = _per_matrix(np.linalg.cholesky, (sym,), _leading_minor)
    L = L.astype(d.dtype, copy=False)
    if upper:
        L = np.ascontiguousarray(np.conj(np.swapaxes(L, -1, -2)))
    if STATE.enabled and A._rg:
        node = (node_cls or LinalgCholeskyExBackward0)()
        node.upper = upper
        r = record1(node, L, A)
        node.save_result(r)
        return r, info
    return _wrap(L), info


def _info(A: Tensor, info) -> Tensor:
    return _wrap(np.zeros(A._data.shape[:-2], np.int32) if info is None else info)


@_with_out("linalg_cholesky_ex")
def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out=None):
    """``(L, info)``: ``cholesky`` with LAPACK's status for each matrix (0: success, k: the
    leading minor of order k is not positive-definite, and L undefined: NaN here);
    ``check_errors`` raises instead."""
    L, info = _cholesky(A, upper, "linalg.cholesky_ex", check_errors)
    return cholesky_ex_type(L, _info(A, info))


class LinalgCholeskyExBackward0(Node):
    """gA = L^{-H} P L^{-1} with P = T + tril(T, -1)^H halved, T = tril(L^H gL)."""

    __slots__ = ("upper",)

    def backward(self, grad):
        L = self.result()
        if self.upper:
            L, grad = anp.conj(L).mT, anp.conj(grad).mT
        Lh = anp.conj(L).mT
        T = anp.tril(Lh @ grad, 0)
        P = 0.5 * (T + anp.conj(anp.tril(T, -1)).mT)
        gA = _on(solve_triangular, Lh, P, upper=True)
        return _on(solve_triangular, L, gA, upper=False, left=False),


# -- symmetric eigendecomposition -------------------------------------------------------------
eigh_type = _rd._return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))


@_with_out("linalg_eigh")
def eigh(A: Tensor, UPLO: str = "L", *, out=None):
    """Eigenvalues (ascending) and orthonormal eigenvectors of a Hermitian matrix, read from
    its lower (``UPLO='L'``) or upper triangle."""
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    _check_matrix(A, "linalg.eigh")
    d = A._data
    real = np.abs(np.zeros((), d.dtype)).dtype
    if d.size:
        w, v = np.linalg.eigh(d, UPLO=UPLO.upper())
    else:
        w, v = np.zeros(d.shape[:-1], real), d.copy()
    w, v = w.astype(real, copy=False), v.astype(d.dtype, copy=False)
    if STATE.enabled and A._rg:
        node = LinalgEighBackward0()
        node._n_out = 2
        res = record(node, (w, v), (A,))
        node.save_outputs(res)
        return eigh_type(*res)
    return eigh_type(_wrap(w), _wrap(v))


def eigvalsh(A: Tensor, UPLO: str = "L", *, out=None) -> Tensor:
    """The eigenvalues of a Hermitian matrix, ascending."""
    if STATE.enabled and A._rg:
        return eigh(A, UPLO).eigenvalues
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    _check_matrix(A, "linalg.eigh")
    d = A._data
    real = np.abs(np.zeros((), d.dtype)).dtype
    w = np.linalg.eigvalsh(d, UPLO=UPLO.upper()) if d.size else np.zeros(d.shape[:-1], real)
    return _rd._out(_wrap(w.astype(real, copy=False)), out, "eigvalsh")


class LinalgEighBackward0(_SavesOutputs):
    """gA = V (diag(gw) + skew(V^H gV) / E) V^H, E_ij = w_j - w_i (distinct eigenvalues)."""

    __slots__ = ()

    def backward(self, grads):
        gw, gV = grads
        w, V = self._out(0), self._out(1)
        n = w.shape[-1]
        eye = anp.constant(np.eye(n, dtype=anp.value(w).dtype), w)
        if gV is not None:
            X = anp.conj(V).mT @ gV
            E = anp.unsqueeze(w, -2) - anp.unsqueeze(w, -1) + eye      # 1 on the diagonal
            inner = ((X - anp.conj(X).mT) * 0.5 / E) * (1.0 - eye)
            if gw is not None:
                inner = inner + anp.unsqueeze(gw, -1) * eye
        elif gw is not None:
            inner = anp.unsqueeze(gw, -1) * eye
        else:
            return None,
        return V @ (inner @ anp.conj(V).mT),


# -- composites of public ops (so grad_fn names are PyTorch's) --------------------------------
inv_ex_type = _rd._return_type("linalg_inv_ex", ("inverse", "info"))
solve_ex_type = _rd._return_type("linalg_solve_ex", ("result", "info"))


@_with_out("linalg_inv_ex")
def inv_ex(A: Tensor, *, check_errors: bool = False, out=None):
    """``(inverse, info)``: LAPACK's status for each matrix (0: success, k: the k-th pivot is
    zero, and the inverse undefined: NaN here); ``check_errors`` raises instead."""
    r, info = _inverse(A, "linalg.inv_ex", check_errors)
    return inv_ex_type(r, _info(A, info))


@_with_out("linalg_solve_ex")
def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False, out=None):
    """``(result, info)`` of ``linalg.solve``, with ``inv_ex``'s info."""
    r, info = _solve(A, B, left, "linalg.solve_ex", check_errors)
    return solve_ex_type(r, _info(A, info))


@_with_out("linalg_matrix_power")
def matrix_power(A: Tensor, n: int, *, out=None) -> Tensor:
    """``A^n`` for an integer n (negative: powers of the inverse), by binary powering as ATen
    does it (the same products, so the same graph)."""
    from .linalg import _check_matrix as _chk, inv, matmul
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    _chk(A, "linalg.matrix_power", floating=False)
    n = int(n)
    if n == 0:
        from .creation import eye
        return A.clone().copy_(eye(A.shape[-1], dtype=A.dtype).expand_as(A))
    if n == -1:
        return inv(A)
    a = A
    if n < 0:
        a, n = inv(A), -n
    if n == 1:
        return a.clone()
    if n == 2:
        return matmul(a, a)
    if n == 3:
        return matmul(matmul(a, a), a)
    z = result = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = a if z is None else matmul(z, z)
        if bit:
            result = z if result is None else matmul(result, z)
    return result


def _chain_order(dims: list) -> list:
    """The classic dynamic program for the cheapest parenthesisation of a matrix chain."""
    k = len(dims) - 1
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            cost[i][j] = None
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s
    return split


def multi_dot(tensors, *, out=None) -> Tensor:
    """The product of a chain of matrices (the first may be a row vector, the last a column
    vector) in the cheapest order."""
    from .linalg import mm
    ts = list(tensors)
    n = len(ts)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first_1d, last_1d = ts[0].dim() == 1, ts[-1].dim() == 1
    if ts[0].dim() not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got "
                           f"{ts[0].dim()}D")
    if ts[-1].dim() not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got "
                           f"{ts[-1].dim()}D")
    for i in range(1, n - 1):
        if ts[i].dim() != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {ts[i].dim()}D")
    for i in range(1, n):
        if ts[i].dtype != ts[0].dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but "
                               f"tensor 0 is {_cname(ts[0])} and tensor {i} {_cname(ts[i])}")
    if first_1d:
        ts[0] = ts[0].unsqueeze(0)
    if last_1d:
        ts[-1] = ts[-1].unsqueeze(-1)
    for i in range(n - 1):
        if ts[i].shape[-1] != ts[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{list(ts[i].shape)} and {list(ts[i + 1].shape)} cannot be "
                               "multiplied")
    out_shape = tuple(([] if first_1d else [ts[0].shape[0]])
                      + ([] if last_1d else [ts[-1].shape[1]]))
    if n == 2:
        r = mm(ts[0], ts[1])
    elif n == 3:
        a, b = ts[0].shape
        c, d = ts[2].shape
        r = (mm(ts[0], mm(ts[1], ts[2])) if (a * c) * (b + d) > (b * d) * (a + c)
             else mm(mm(ts[0], ts[1]), ts[2]))
    else:
        split = _chain_order([t.shape[0] for t in ts] + [ts[-1].shape[1]])

        def prod(i, j):
            if i == j:
                return ts[i]
            s = split[i][j]
            return mm(prod(i, s), prod(s + 1, j))
        r = prod(0, n - 1)
    return _rd._out(r.view(out_shape), out, "multi_dot")


def vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """The Vandermonde matrix ``[1, x, x^2, ..., x^(N-1)]`` along a new last dim (a running
    product, as ATen builds it)."""
    from .shape import cat
    if x.dim() < 1:
        raise RuntimeError("linalg.vander: x must have at least one dimension. Got a scalar.")
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    ones = x.new_ones(tuple(x.shape) + (1,))
    powers = x.unsqueeze(-1).expand(*x.shape, n - 1).cumprod(-1)
    return cat([ones, powers], -1)


# -- pseudo-inverse and rank ------------------------------------------------------------------
def _cutoff(sv: np.ndarray, shape: tuple, atol, rtol, dtype) -> np.ndarray:
    """PyTorch's tolerance: max(atol, rtol * largest singular value), rtol defaulting to
    eps * max(m, n) when neither is given (and to 0 when only atol is)."""
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else \
            np.finfo(np.abs(np.zeros((), dtype)).dtype).eps * max(shape[-2:])
    smax = sv[..., :1] if sv.shape[-1] else np.zeros(sv.shape[:-1] + (1,), sv.dtype)
    return np.maximum(0.0 if atol is None else atol, rtol * smax)


def _check_pinv_input(A: Tensor, name: str) -> None:
    d = A._data
    if d.ndim < 2 or _kind(d.dtype) not in "fc":
        shape = ", ".join(str(x) for x in d.shape)
        raise RuntimeError(f"{name}({tname(A)}{{[{shape}]}}): expected a tensor with 2 or more "
                           "dimensions of float, double, cfloat or cdouble types")


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    """The Moore-Penrose pseudo-inverse through the SVD (or the eigendecomposition with
    ``hermitian``), dropping singular values below the tolerance."""
    _check_pinv_input(A, "linalg.pinv")
    d = A._data
    m, n = d.shape[-2:]
    if d.size == 0:
        r = np.zeros(d.shape[:-2] + (n, m), d.dtype)
    elif hermitian:
        w, v = np.linalg.eigh(d)
        keep = np.abs(w) > _cutoff(np.abs(w).max(-1, keepdims=True), d.shape, atol, rtol,
                                   d.dtype)
        winv = np.where(keep, 1.0 / np.where(keep, w, 1.0), 0.0)
        r = (v * winv[..., None, :]) @ np.conj(np.swapaxes(v, -1, -2))
    else:
        u, sv, vh = np.linalg.svd(d, full_matrices=False)
        keep = sv > _cutoff(sv, d.shape, atol, rtol, d.dtype)
        sinv = np.where(keep, 1.0 / np.where(keep, sv, 1.0), 0.0)
        r = np.conj(np.swapaxes(vh, -1, -2)) * sinv[..., None, :] @ \
            np.conj(np.swapaxes(u, -1, -2))
    r = np.ascontiguousarray(r, dtype=d.dtype)
    if STATE.enabled and A._rg:
        node = LinalgPinvBackward0()
        t = record1(node, r, A)
        node.save1(A)
        node.save_result(t)
        return _rd._out(t, out, "pinv")
    return _rd._out(_wrap(r), out, "pinv")


class LinalgPinvBackward0(Node):
    """The derivative of A^+ on matrices of constant rank (Golub and Pereyra), arranged so
    the products stay at the smaller of A's dimensions."""

    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):
        A, = self.saved()
        return pinv_grad(A, self.result(), grad),


def pinv_grad(A, P, grad):
    """The gradient reaching A from ``grad`` on its pseudo-inverse P (arrays or tensors)."""
    m, n = A.shape[-2], A.shape[-1]
    Ph, gh = anp.conj(P).mT, anp.conj(grad).mT
    if m <= n:
        K = gh @ P
        KPh = K @ Ph
        gA = -anp.conj(P @ K).mT + KPh - (A @ P) @ KPh + (Ph @ P) @ (gh - K @ A)
    else:
        K = P @ gh
        PhK = Ph @ K
        gA = -anp.conj(K @ P).mT + ((gh - A @ K) @ P) @ Ph + PhK - (PhK @ P) @ A
    return anp.conj(gA)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False,
                out=None) -> Tensor:
    """The number of singular values above the tolerance (int64)."""
    _check_pinv_input(A, "linalg.matrix_rank")
    d = A._data
    if d.size == 0:
        return _wrap(np.zeros(d.shape[:-2], np.int64))
    sv = np.abs(np.linalg.eigvalsh(d)) if hermitian else np.linalg.svd(d, compute_uv=False)
    if hermitian:
        sv = -np.sort(-sv, -1)
    r = (sv > _cutoff(sv, d.shape, atol, rtol, d.dtype)).sum(-1).astype(np.int64)
    return _rd._out(_wrap(np.asarray(r)), out, "matrix_rank")


_CHAIN_MATMUL_WARNED = False


def chain_matmul(*matrices, out=None) -> Tensor:
    """Deprecated ``torch.chain_matmul``: :func:`multi_dot` of 2-d matrices given as
    arguments (warns once per process, as PyTorch)."""
    global _CHAIN_MATMUL_WARNED
    if not _CHAIN_MATMUL_WARNED:
        _CHAIN_MATMUL_WARNED = True
        warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                      "release. Use torch.linalg.multi_dot instead, which accepts a list of two "
                      "or more tensors rather than multiple parameters. (Triggered internally at "
                      "/__w/pytorch/pytorch/aten/src/ATen/native/LinearAlgebra.cpp:1102.)",
                      UserWarning, stacklevel=2)
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if m.dim() != 2:
            raise RuntimeError(f"Tensor dimension is {m.dim()}, expected 2 instead.")
    if len(matrices) == 1:
        return _rd._out(matrices[0].clone(), out, "chain_matmul")
    return multi_dot(matrices, out=out)
