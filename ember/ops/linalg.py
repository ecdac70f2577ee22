"""Linear algebra: matrix products (matmul in all of PyTorch's cases), einsum, tensordot,
diagonals, and the ``torch.linalg`` functions (norms, inv, det, solve, svd).

``matmul`` is composed exactly as ATen composes it (dot, mv, mm, folding into mm, bmm over
broadcast batches), so results carry the same ``grad_fn`` names PyTorch reports.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype
from .._dtype import kind as _kind
from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..amp.autocast_mode import AUTOCAST, lower
from ..autograd.graph import Node, holomorphic, record, record1, record2
from . import reduction as _rd
from .reduction import with_out as _with_out
from ._util import broadcast_shapes, check_tensor, tname, wrap_dim

_wrap = Tensor._wrap


class _LinAlgError(RuntimeError):
    """PyTorch's ``torch.linalg.LinAlgError``: a matrix that is singular or not definite."""


_LinAlgError.__module__ = "torch._C"
LinAlgError = _LinAlgError


def _cname(t: Tensor) -> str:
    """The C++ name of a dtype as mm's messages print it (float, double, long int...)."""
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}.get(t.dtype.name, t.dtype.name)


def _on(op, *args, **kwargs):
    """The ember ``op`` on tensors, or on arrays (wrapped for the call: the same kernel, so the
    same dtype rules and errors); the heavy step of a linear-algebra backward formula."""
    if anp.is_array(args[0]):
        args = [_wrap(np.asarray(a)) if anp.is_array(a) else a for a in args]
        return op(*args, **kwargs)._data
    return op(*args, **kwargs)


def _no_bool(t: Tensor, kernel: str) -> None:
    if t._data.dtype == np.bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


_out = _rd._out


def _unsafe_view(t: Tensor, shape: tuple) -> Tensor:
    """A reshape recorded as ``UnsafeViewBackward0`` (ATen's ``_unsafe_view``)."""
    from .shape import UnsafeViewBackward0
    data = t._data.reshape(shape)
    if STATE.enabled and t._rg:
        node = UnsafeViewBackward0()
        node.shape = t._data.shape
        out = record1(node, data, t)
    else:
        out = _wrap(data)
    out._vc = t._version_counter()   # it shares memory: in-place writes must be seen
    return out


# -- products of vectors and matrices -------------------------------------------------------
def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """Matrix product of two 2-d tensors."""
    if AUTOCAST.enabled:
        input, mat2 = lower(input), lower(mat2)
    check_tensor(mat2, "mm", "mat2")
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} "
                           f"and {b.shape[0]}x{b.shape[1]})")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_cname(input)} != {_cname(mat2)}")
    _no_bool(input, "addmm_impl_cpu_")
    # An outer product (k == 1) as a broadcast multiply keeps the sign of zero products, as
    # PyTorch's kernels do (BLAS adds them to +0).
    r = a * b if a.shape[1] == 1 else _bf16_matmul(a, b)
    if STATE.enabled and (input._rg or mat2._rg):
        node = MmBackward0()
        t = record2(node, r, input, mat2)
        node.save2(input, mat2)
        return _out(t, out, "mm")
    return _out(_wrap(r), out, "mm")


class MmBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "mat2")


    def backward(self, grad):          # d(A@B): grad@B^T, A^T@grad
        a, b = self.saved()
        fa, fb = self.next_functions
        return (anp.mm(grad, anp.t(b)) if fa[0] is not None else None,
                _grad_mat2(a, grad) if fb[0] is not None else None)


def _bf16_matmul(a: np.ndarray, b: np.ndarray, bias: np.ndarray | None = None
                 ) -> np.ndarray:
    """``a @ b (+ bias)``; bfloat16 operands are multiplied (and the bias added) in float32 and
    the result rounded once, as PyTorch's CPU GEMM does (ml_dtypes' own matmul has no BLAS
    and returns float32)."""
    if a.dtype == _dtype.BF16:
        r = np.matmul(a.astype(np.float32), b.astype(np.float32))
        if bias is not None:
            r += bias.astype(np.float32)
        return r.astype(a.dtype)
    r = np.matmul(a, b)
    if bias is not None:
        r += bias
    return r


def _grad_mat2(m1, grad):
    """``m1.T @ grad``, the gradient of ``mat2``. On arrays it is computed as
    ``(grad.T @ m1).T``: when ``mat2`` is a transposed weight (a Linear layer's), its
    transpose, the weight's gradient, is then a fresh contiguous array the leaf keeps as its
    ``.grad`` without a copy. On tensors it is the product PyTorch records (MmBackward0)."""
    if anp.is_array(m1):
        return anp.mm(grad.T, m1).T
    return anp.mm(anp.t(m1), grad)


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """Batched matrix product of two 3-d tensors with the same batch size."""
    if AUTOCAST.enabled:
        input, mat2 = lower(input), lower(mat2)
    check_tensor(mat2, "bmm", "mat2")
    a, b = input._data, mat2._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {tname(input)} but found {tname(mat2)}")
    _no_bool(input, "bmm")
    r = _bf16_matmul(a, b)
    if STATE.enabled and (input._rg or mat2._rg):
        node = BmmBackward0()
        t = record2(node, r, input, mat2)
        node.save2(input, mat2)
        return _out(t, out, "bmm")
    return _out(_wrap(r), out, "bmm")


class BmmBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "mat2")


    def backward(self, grad):
        a, b = self.saved()
        fa, fb = self.next_functions
        return (anp.bmm(grad, anp.transpose(b, 1, 2)) if fa[0] is not None else None,
                anp.bmm(anp.transpose(a, 1, 2), grad) if fb[0] is not None else None)


def _vec_checks(a: Tensor, b: Tensor, name: str) -> None:
    da, db = a._data, b._data
    if da.ndim != 1 or db.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {da.ndim}D and {db.ndim}D tensors")
    if da.dtype != db.dtype:
        raise RuntimeError(f"{name} : expected both vectors to have same dtype, but found "
                           f"{tname(a)} and {tname(b)}")
    if da.shape[0] != db.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{da.shape[0]}] and src "
                           f"[{db.shape[0]}] to have the same number of elements, but got "
                           f"{da.shape[0]} and {db.shape[0]} elements respectively")


def dot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Inner product of two 1-d tensors."""
    check_tensor(other, "dot", "tensor")
    _vec_checks(input, other, "dot")
    _no_bool(input, "dot")
    # np.dot of two vectors is a NumPy scalar: keep it a 0-d array
    r = np.asarray(np.dot(input._data, other._data))
    if STATE.enabled and (input._rg or other._rg):
        node = DotBackward0()
        t = record2(node, r, input, other)
        node.save2(input, other)
        return _out(t, out, "dot")
    return _out(_wrap(r), out, "dot")


class DotBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "tensor")


    def backward(self, grad):
        a, b = self.saved()
        fa, fb = self.next_functions
        return (grad * anp.conj(b) if fa[0] is not None else None,
                grad * anp.conj(a) if fb[0] is not None else None)


def vdot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """``sum(conj(x) * y)`` of two 1-d tensors."""
    check_tensor(other, "vdot", "other")
    _vec_checks(input, other, "vdot")
    r = np.asarray(np.vdot(input._data, other._data))
    if STATE.enabled and (input._rg or other._rg):
        node = VdotBackward0()
        t = record2(node, r, input, other)
        node.save2(input, other)
        return _out(t, out, "vdot")
    return _out(_wrap(r), out, "vdot")


class VdotBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "other")


    def backward(self, grad):
        a, b = self.saved()
        fa, fb = self.next_functions
        return (b * anp.conj(grad) if fa[0] is not None else None,
                a * grad if fb[0] is not None else None)


def mv(input: Tensor, vec: Tensor, *, out=None) -> Tensor:
    """Matrix (n x m) times vector (m)."""
    check_tensor(vec, "mv", "vec")
    a, v = input._data, vec._data
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat "
                           f"({a.shape[0]}x{a.shape[1]}), vec ({v.shape[0]})")
    if a.dtype != v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{tname(vec)}, {tname(input)}, and {tname(vec)}")
    _no_bool(input, "addmv_impl_cpu")
    r = a @ v
    if STATE.enabled and (input._rg or vec._rg):
        node = MvBackward0()
        t = record2(node, r, input, vec)
        node.save2(input, vec)
        return _out(t, out, "mv")
    return _out(_wrap(r), out, "mv")


class MvBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "vec")


    def backward(self, grad):
        a, v = self.saved()
        fa, fv = self.next_functions
        return (anp.unsqueeze(grad, 1) * v if fa[0] is not None else None,
                anp.mv(anp.t(a), grad) if fv[0] is not None else None)


def outer(input: Tensor, vec2: Tensor, *, out=None) -> Tensor:
    """Outer product of two 1-d tensors (``input[:, None] * vec2``)."""
    check_tensor(vec2, "outer", "vec2")
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got "
                               f"{t._data.ndim}-D")
    return _out(input.reshape(input._data.shape[0], 1) * vec2, out, "outer")


ger = outer


def _squeeze0(t: Tensor) -> Tensor:
    """ATen's in-place ``squeeze_(0)`` on a fresh mm result (SqueezeBackward4)."""
    data = t._data.reshape(t._data.shape[1:])
    if STATE.enabled and t._rg:
        return record1(SqueezeBackward4(), data, t)
    return _wrap(data)


class SqueezeBackward4(Node):
    __slots__ = ()

    def backward(self, grad):
        return anp.unsqueeze(grad, 0),


def _should_fold(t1: Tensor, t2: Tensor) -> bool:
    """ATen's should_fold: fold the batch of the bigger operand into mm rows when the small
    one requires grad (avoids a huge expanded gradient) or when it costs no copy."""
    n1, n2 = t1._data.ndim, t2._data.ndim
    larger = n1 >= n2
    big = t1._data if larger else np.swapaxes(t2._data, -1, -2)
    small_nd = n2 if larger else n1
    if not (big.ndim >= 3 and small_nd <= 2):
        return False
    if (t2 if larger else t1)._rg:
        return True
    if n1 == 2:
        return False
    if big.size == 0:
        return True
    st, sh = big.strides, big.shape
    for i in range(big.ndim - 2):
        if st[i] != st[i + 1] * sh[i + 1]:
            return False
    return True


def matmul(input: Tensor, other: Tensor, *, out=None, _op=False) -> Tensor:
    """PyTorch's matmul: dot, matrix-vector, matrix-matrix, and batched products with the
    batch dims broadcast."""
    if AUTOCAST.enabled:
        input, other = lower(input), lower(other)
    check_tensor(input, "matmul", "input")
    if other.__class__ is not Tensor:
        if _op and isinstance(other, np.ndarray):
            return NotImplemented   # the @ operator declines: NumPy computes (ember/_interop.py)
        check_tensor(other, "matmul", "other")
    na, nb = input._data.ndim, other._data.ndim
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    if na == 1 and nb == 1:
        r = dot(input, other)
    elif na == 2 and nb == 1:
        r = mv(input, other)
    elif na == 1 and nb == 2:
        r = _squeeze0(mm(input.unsqueeze(0), other))
    elif na == 2 and nb == 2:
        r = mm(input, other)
    elif _should_fold(input, other):
        r = _matmul_fold(input, other)
    else:
        r = _matmul_batched(input, other)
    return _out(r, out, "matmul")


def _matmul_fold(input: Tensor, other: Tensor) -> Tensor:
    # (..., n, k) @ (k, m) is one (N, k) @ (k, m) mm; a bigger right operand is handled on
    # the transposed problem and transposed back (ATen's copy via contiguous())
    transpose = other._data.ndim > input._data.ndim
    t1 = other.mT if transpose else input
    if not transpose:
        t2 = other
    else:
        t2 = input.t() if input._data.ndim == 2 else input
    sizes1 = t1._data.shape
    out_shape = sizes1[:-1]
    folded = math.prod(out_shape)
    matrix = t2._data.ndim == 2
    if matrix:
        out_shape = out_shape + (t2._data.shape[1],)
    t1f = t1.reshape(folded, sizes1[-1])
    if matrix:
        res = _unsafe_view(t1f.mm(t2), out_shape)
        return res.mT.contiguous() if transpose else res
    return _unsafe_view(t1f.mv(t2), out_shape)


def _matmul_batched(input: Tensor, other: Tensor) -> Tensor:
    sa, sb = input._data.shape, other._data.shape
    na, nb = len(sa), len(sb)
    n = sa[-2] if na > 1 else 1
    m1 = sa[-1]
    batch1 = sa[:max(na - 2, 0)]
    m2 = sb[-2] if nb > 1 else sb[0]
    p = sb[-1] if nb > 1 else 1
    batch2 = sb[:max(nb - 2, 0)]
    if na == 3 and nb == 3 and batch1[0] != batch2[0]:
        # A broadcast batch of a grad-requiring operand goes through the folding path.
        if batch1[0] == 1 and input._rg:
            return matmul(input.squeeze(0), other)
        if batch2[0] == 1 and other._rg:
            return matmul(input, other.squeeze(0))
    # broadcast the batch dims, flatten them into one, and run a single bmm
    batch = broadcast_shapes(batch1, batch2)
    nb_ = math.prod(batch)
    t1 = input.expand(batch + (n, m1)).reshape(nb_, n, m1)
    if nb == 1:
        t2 = other.expand(batch + (m2,)).reshape(nb_, m2).unsqueeze(2)
    else:
        t2 = other.expand(batch + (m2, p)).reshape(nb_, m2, p)
    out_shape = batch + ((n,) if na > 1 else ()) + ((p,) if nb > 1 else ())
    prod = t1.bmm(t2)
    if nb == 1:
        prod = prod.squeeze(-1)
    return _unsafe_view(prod, out_shape)


def inner(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Sum of products over the last dims (a product with a 0-d operand)."""
    check_tensor(other, "inner", "other")
    if input._data.ndim == 0 or other._data.ndim == 0:
        return _out(input * other, out, "inner")
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(input._data.shape)} and {list(other._data.shape)}")
    return _out(tensordot(input, other, ([-1], [-1])), out, "inner")


def _addmm_bias(input: Tensor, shape: tuple) -> None:
    """The bias must broadcast to the product's shape (PyTorch's expand errors)."""
    s = input._data.shape
    if len(s) > len(shape):
        raise RuntimeError(f"expand(torch.{input.dtype._legacy}{{{list(s)}}}, size="
                           f"{list(shape)}): the number of sizes provided ({len(shape)}) must be "
                           f"greater or equal to the number of dimensions in the tensor "
                           f"({len(s)})")
    lead = len(shape) - len(s)
    for i in range(len(s) - 1, -1, -1):
        if s[i] != 1 and s[i] != shape[lead + i]:
            raise RuntimeError(f"The expanded size of the tensor ({shape[lead + i]}) must match "
                               f"the existing size ({s[i]}) at non-singleton dimension "
                               f"{lead + i}.  Target sizes: {list(shape)}.  Tensor sizes: "
                               f"{list(s)}")


def _scaled(prod: np.ndarray, alpha) -> np.ndarray:
    return prod if alpha == 1 else prod * alpha


def _combine(bias: np.ndarray, prod: np.ndarray, beta, alpha) -> np.ndarray:
    # PyTorch skips the bias entirely for beta == 0, so NaN/inf in it do not leak through
    """``beta * bias + alpha * prod``; beta == 0 ignores the bias (NaNs included)."""
    prod = _scaled(prod, alpha)
    if beta == 0:
        return np.array(np.broadcast_to(prod, prod.shape))
    b = bias if beta == 1 else bias * beta
    if (b.dtype == prod.dtype and prod.__class__ is np.ndarray and b.ndim <= prod.ndim
            and prod.flags.writeable):
        # every caller's product is a fresh array: the bias goes into it (no second
        # output-sized array); addition commutes, so the bits are b + prod's
        np.add(prod, b, out=prod)
        return prod
    return (b + prod).astype(prod.dtype, copy=False)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` (what a Linear layer computes)."""
    if AUTOCAST.enabled:
        input, mat1, mat2 = lower(input), lower(mat1), lower(mat2)
    a, b = mat1._data, mat2._data
    if input._data.dtype != b.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {tname(input)} "
                           f"and {tname(mat2)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {tname(mat1)} "
                           f"and {tname(mat2)}")
    for name, d in (("mat1", a), ("mat2", b)):
        if d.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {d.ndim}-D tensor")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} "
                           f"and {b.shape[0]}x{b.shape[1]})")
    shape = (a.shape[0], b.shape[1])
    _addmm_bias(input, shape)
    _no_bool(input, "addmm_impl_cpu_")
    if a.dtype == _dtype.BF16:
        # the bias joins the float32 product before the one rounding, as in PyTorch
        f = np.float32
        a32, b32 = a.astype(f), b.astype(f)
        r = _combine(input._data.astype(f), a32 * b32 if a.shape[1] == 1 else a32 @ b32,
                     beta, alpha).astype(a.dtype)
    else:
        r = _combine(input._data, a * b if a.shape[1] == 1 else a @ b, beta, alpha)
    if STATE.enabled and (input._rg or mat1._rg or mat2._rg):
        node = AddmmBackward0()
        node.alpha, node.beta = alpha, beta
        t = record(node, r, (input, mat1, mat2))
        node.save2(mat1, mat2)
        return _out(t, out, "addmm")
    return _out(_wrap(r), out, "addmm")


class AddmmBackward0(Node):
    __slots__ = ("alpha", "beta")
    _saved_names = ("mat1", "mat2")


    def backward(self, grad):          # bias: grad; mat1: grad @ mat2^T; mat2: mat1^T @ grad
        m1, m2 = self.saved()
        f0, f1, f2 = self.next_functions
        g = grad if self.alpha == 1 else grad * self.alpha
        return (_beta_grad(self, grad, self.beta) if f0[0] is not None else None,
                anp.mm(g, anp.t(m2)) if f1[0] is not None else None,
                _grad_mat2(m1, g) if f2[0] is not None else None)


def _beta_grad(node: Node, grad, beta):
    """The gradient of the added input (a Linear layer's bias vector, broadcast over the
    rows: summed back here into a fresh array its .grad keeps)."""
    return anp.sum_to(grad if beta == 1 else grad * beta, node._in_meta[0][0])


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``."""
    a, v = mat._data, vec._data
    if a.ndim != 2 or v.ndim != 1 or input._data.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input._data.ndim}, "
                           f"{a.ndim}, {v.ndim}")
    s = input._data.shape
    if a.shape[1] != v.shape[0] or (s and s[0] not in (1, a.shape[0])):
        raise RuntimeError(f"size mismatch, got input ({s[0] if s else 1}), mat "
                           f"({a.shape[0]}x{a.shape[1]}), vec ({v.shape[0]})")
    if not input._data.dtype == a.dtype == v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{tname(input)}, {tname(mat)}, and {tname(vec)}")
    r = _combine(input._data, a @ v, beta, alpha)
    if STATE.enabled and (input._rg or mat._rg or vec._rg):
        node = AddmvBackward0()
        node.alpha, node.beta = alpha, beta
        t = record(node, r, (input, mat, vec))
        node.save2(mat, vec)
        return _out(t, out, "addmv")
    return _out(_wrap(r), out, "addmv")


class AddmvBackward0(Node):
    __slots__ = ("alpha", "beta")
    _saved_names = ("mat", "vec")


    def backward(self, grad):
        m, v = self.saved()
        f0, f1, f2 = self.next_functions
        g = grad if self.alpha == 1 else grad * self.alpha
        return (_beta_grad(self, grad, self.beta) if f0[0] is not None else None,
                anp.unsqueeze(g, 1) * v if f1[0] is not None else None,
                anp.mv(anp.t(m), g) if f2[0] is not None else None)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    for name, t in (("vec1", vec1), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    shape = (vec1._data.shape[0], vec2._data.shape[0])
    _addmm_bias(input, shape)
    r = _combine(input._data, np.multiply.outer(vec1._data, vec2._data), beta, alpha)
    if STATE.enabled and (input._rg or vec1._rg or vec2._rg):
        node = AddrBackward0()
        node.alpha, node.beta = alpha, beta
        t = record(node, r, (input, vec1, vec2))
        node.save2(vec1, vec2)
        return _out(t, out, "addr")
    return _out(_wrap(r), out, "addr")


class AddrBackward0(Node):
    __slots__ = ("alpha", "beta")
    _saved_names = ("vec1", "vec2")


    def backward(self, grad):
        v1, v2 = self.saved()
        f0, f1, f2 = self.next_functions
        g = grad if self.alpha == 1 else grad * self.alpha
        return (_beta_grad(self, grad, self.beta) if f0[0] is not None else None,
                anp.mv(g, v2) if f1[0] is not None else None,
                anp.mv(anp.t(g), v1) if f2[0] is not None else None)


def _batch_checks(batch1: Tensor, batch2: Tensor) -> None:
    a, b = batch1._data, batch2._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {tname(batch1)} but found {tname(batch2)}")


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1,
            out=None) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    if AUTOCAST.enabled:
        input, batch1, batch2 = lower(input), lower(batch1), lower(batch2)
    _batch_checks(batch1, batch2)
    a, b = batch1._data, batch2._data
    shape = (a.shape[0], a.shape[1], b.shape[2])
    _addmm_bias(input, shape)
    if input._data.dtype != a.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input {input.dtype}, "
                           f"batch1: {batch1.dtype}, batch2: {batch2.dtype}")
    r = _combine(input._data, _bf16_matmul(a, b), beta, alpha)
    if STATE.enabled and (input._rg or batch1._rg or batch2._rg):
        node = BaddbmmBackward0()
        node.alpha, node.beta = alpha, beta
        t = record(node, r, (input, batch1, batch2))
        node.save2(batch1, batch2)
        return _out(t, out, "baddbmm")
    return _out(_wrap(r), out, "baddbmm")


class BaddbmmBackward0(Node):
    __slots__ = ("alpha", "beta")
    _saved_names = ("batch1", "batch2")


    def backward(self, grad):
        b1, b2 = self.saved()
        f0, f1, f2 = self.next_functions
        g = grad if self.alpha == 1 else grad * self.alpha
        return (_beta_grad(self, grad, self.beta) if f0[0] is not None else None,
                anp.bmm(g, anp.transpose(b2, 1, 2)) if f1[0] is not None else None,
                anp.bmm(anp.transpose(b1, 1, 2), g) if f2[0] is not None else None)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1,
           out=None) -> Tensor:
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``."""
    if AUTOCAST.enabled:
        input, batch1, batch2 = lower(input), lower(batch1), lower(batch2)
    _batch_checks(batch1, batch2)
    a, b = batch1._data, batch2._data
    shape = (a.shape[1], b.shape[2])
    _addmm_bias(input, shape)
    r = _combine(input._data, _bf16_matmul(a, b).sum(0), beta, alpha)
    if STATE.enabled and (input._rg or batch1._rg or batch2._rg):
        node = AddbmmBackward0()
        node.alpha, node.beta = alpha, beta
        node.n = a.shape[0]
        t = record(node, r, (input, batch1, batch2))
        node.save2(batch1, batch2)
        return _out(t, out, "addbmm")
    return _out(_wrap(r), out, "addbmm")


class AddbmmBackward0(Node):
    __slots__ = ("alpha", "beta", "n")
    _saved_names = ("batch1", "batch2")


    def backward(self, grad):          # the batches were summed: each sees the same grad
        b1, b2 = self.saved()
        f0, f1, f2 = self.next_functions
        g = grad if self.alpha == 1 else grad * self.alpha
        ge = anp.expand(anp.unsqueeze(g, 0), (self.n,) + tuple(g.shape))
        return (_beta_grad(self, grad, self.beta) if f0[0] is not None else None,
                anp.bmm(ge, anp.transpose(b2, 1, 2)) if f1[0] is not None else None,
                anp.bmm(anp.transpose(b1, 1, 2), ge) if f2[0] is not None else None)


# -- tensordot / kron -----------------------------------------------------------------------
def tensordot(a: Tensor, b: Tensor, dims=2, out=None) -> Tensor:
    """Contract ``dims`` (an int: a's last and b's first dims; or two lists) of a and b."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        dims_a, dims_b = list(range(-int(dims), 0)), list(range(int(dims)))
    else:
        if len(dims) != 2:
            raise RuntimeError("tensordot expects dims to be a pair of lists")
        dims_a, dims_b = dims
        dims_a = [dims_a] if isinstance(dims_a, (int, np.integer)) else list(dims_a)
        dims_b = [dims_b] if isinstance(dims_b, (int, np.integer)) else list(dims_b)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    na, nb = a._data.ndim, b._data.ndim
    da = [wrap_dim(int(d), na) for d in dims_a]
    db = [wrap_dim(int(d), nb) for d in dims_b]
    # ATen's algorithm: permute the contracted dims together, reshape both to matrices, one
    # mm, then reshape to the free dims (a view: ViewBackward0)
    t1, t2 = a, b
    csize = 1
    for x, y in zip(da, db):
        s1, s2 = a._data.shape[x], b._data.shape[y]
        if s2 == 1:                    # broadcast dims can be summed right away
            t1 = t1.sum(x, True)
        elif s1 == 1:
            t2 = t2.sum(y, True)
        elif s1 != s2:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {s1} "
                               f"in dim {x} and second has size {s2} in dim {y}")
        else:
            csize *= s1
    for ds in (da, db):
        if len(set(ds)) != len(ds):
            dup = next(d for d in ds if ds.count(d) > 1)
            raise RuntimeError(f"dim {dup} appears multiple times in the list of dims")
    free_a = [i for i in range(na) if i not in da]
    free_b = [i for i in range(nb) if i not in db]
    rsizes = [t1._data.shape[i] for i in free_a] + [t2._data.shape[i] for i in free_b]
    size1 = math.prod(t1._data.shape[i] for i in free_a)
    size2 = math.prod(t2._data.shape[i] for i in free_b)
    m1 = t1.permute(free_a + da).reshape(size1, csize)
    m2 = t2.permute(db + free_b).reshape(csize, size2)
    return _out(m1.mm(m2).reshape(rsizes), out, "tensordot")


def kron(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Kronecker product (blocks ``input[i, j] * other``), for any number of dims."""
    check_tensor(other, "kron", "other")
    sa, sb = input._data.shape, other._data.shape
    # interleave the dims (a0, 1, a1, 1...) * (1, b0, 1, b1...): the broadcast product laid
    # out row-major is exactly the Kronecker product
    nd = max(len(sa), len(sb))
    pa, pb = nd - len(sa), nd - len(sb)
    ra, rb, rr = [], [], []
    for i in range(nd):
        x = sa[i - pa] if i >= pa else 1
        y = sb[i - pb] if i >= pb else 1
        ra += [x, 1]
        rb += [1, y]
        rr.append(x * y)
    prod = _unsafe_view(input, tuple(ra)) * _unsafe_view(other, tuple(rb))
    return _out(_unsafe_view(prod, tuple(rr)), out, "kron")


# -- diagonals ------------------------------------------------------------------------------
def _diag_geometry(shape: tuple, offset: int, d1: int, d2: int):
    if offset >= 0:
        n = max(0, min(shape[d1], shape[d2] - offset))
    else:
        n = max(0, min(shape[d1] + offset, shape[d2]))
    return n


def _diag_view_np(a: np.ndarray, offset: int, d1: int, d2: int) -> np.ndarray:
    """A writable NumPy view of a diagonal (np.diagonal's view is read-only)."""
    n = _diag_geometry(a.shape, offset, d1, d2)
    idx = [slice(None)] * a.ndim
    if n:
        if offset >= 0:
            idx[d2] = slice(offset, None)
        else:
            idx[d1] = slice(-offset, None)
    start = a[tuple(idx)]
    keep = [k for k in range(a.ndim) if k not in (d1, d2)]
    shape = tuple(a.shape[k] for k in keep) + (n,)
    strides = tuple(a.strides[k] for k in keep) + (a.strides[d1] + a.strides[d2],)
    return np.lib.stride_tricks.as_strided(start, shape, strides,
                                           writeable=a.flags.writeable)


def _diag_dims(ndim: int, dim1: int, dim2: int):
    d1, d2 = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal over dims ``dim1``/``dim2`` as a new last dim (a view)."""
    from .shape import make_view
    d1, d2 = _diag_dims(input._data.ndim, dim1, dim2)
    data = _diag_view_np(input._data, offset, d1, d2)
    node = DiagonalBackward0()
    node.shape, node.offset, node.dims = input._data.shape, offset, (d1, d2)
    return make_view(input, data, node, lambda b: diagonal(b, offset, d1, d2))


class DiagonalBackward0(Node):
    __slots__ = ("shape", "offset", "dims")

    def backward(self, grad):
        return _diag_scatter(grad, self.shape, self.offset, *self.dims),


class DiagonalBackward0_copy(DiagonalBackward0):
    __slots__ = ()


def _diag_scatter(g, shape: tuple, offset: int, d1: int, d2: int):
    """Zeros of ``shape`` with ``g`` written on a diagonal: an array, or a tensor
    (differentiable in ``g``)."""
    gd = g if anp.is_array(g) else g._data
    out = np.zeros(shape, gd.dtype)
    _diag_view_np(out, offset, d1, d2)[...] = gd
    if gd is g:
        return out
    if STATE.enabled and g._rg:
        node = DiagonalBackwardBackward0()
        node.offset, node.dims = offset, (d1, d2)
        return record1(node, out, g)
    return _wrap(out)


class DiagonalBackwardBackward0(Node):
    __slots__ = ("offset", "dims")

    def backward(self, grad):
        return anp.diagonal(grad, self.offset, *self.dims),


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Tensor whose diagonals (over the new dims dim1, dim2) are input's last dim."""
    nd = input._data.ndim + 1
    d1, d2 = _diag_dims(nd, dim1, dim2)
    n = input._data.shape[-1] + abs(offset) if input._data.ndim else abs(offset) + 1
    rest = list(input._data.shape[:-1])
    shape = []
    for k in range(nd):
        shape.append(n if k in (d1, d2) else rest.pop(0))
    out = np.zeros(shape, input._data.dtype)
    _diag_view_np(out, offset, d1, d2)[...] = input._data
    if STATE.enabled and input._rg:
        node = DiagEmbedBackward0()
        node.offset, node.dims = offset, (d1, d2)
        return record1(node, out, input)
    return _wrap(out)


class DiagEmbedBackward0(Node):
    __slots__ = ("offset", "dims")

    def backward(self, grad):
        return anp.diagonal(grad, self.offset, *self.dims),


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """A square matrix with the flattened ``input`` on diagonal ``offset``."""
    return diag_embed(input.reshape(-1), offset, 0, 1)

def diag(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    """1-d: a matrix with ``input`` on a diagonal; 2-d: a copy of a diagonal."""
    nd = input._data.ndim
    if nd == 1:
        return _out(diag_embed(input, diagonal, 0, 1), out, "diag")
    if nd != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")
    data = _diag_view_np(input._data, diagonal, 0, 1).copy()
    if STATE.enabled and input._rg:
        node = DiagonalBackward0_copy()
        node.shape, node.offset, node.dims = input._data.shape, diagonal, (0, 1)
        return _out(record1(node, data, input), out, "diag")
    return _out(_wrap(data), out, "diag")


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a matrix (integers give int64)."""
    d = input._data
    if d.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {d.ndim}")
    _no_bool(input, "trace")
    r = np.asarray(np.trace(d, dtype=np.int64 if _kind(d.dtype) in "biu" else None))
    if STATE.enabled and input._rg:
        node = TraceBackward0()
        node.shape = d.shape
        return record1(node, r, input)
    return _wrap(r)


class TraceBackward0(Node):
    __slots__ = ("shape",)


    def backward(self, grad):
        return grad * anp.constant(np.eye(*self.shape, dtype=anp.value(grad).dtype), grad),


def cross(input: Tensor, other: Tensor, dim=None, *, out=None) -> Tensor:
    """Cross product along ``dim`` (default: the first dim of size 3, deprecated)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of "
                      "linalg.cross in a future release.", UserWarning, stacklevel=2)
        shape = broadcast_shapes(input._data.shape, other._data.shape)
        dim = next((i for i, s in enumerate(shape) if s == 3), -1)
    return linalg_cross(input, other, dim=dim, out=out)


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1, out=None) -> Tensor:
    """``torch.linalg.cross``: cross product of 3-vectors along ``dim`` (broadcasting)."""
    a, b = input._data, other._data
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    k = wrap_dim(dim, a.ndim)
    if a.shape[k] != 3 or b.shape[k] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{a.shape[k]} and {b.shape[k]}")
    broadcast_shapes(a.shape, b.shape)
    if a.dtype != b.dtype:
        rt = _dtype.result_type(input, other).np
        a, b = a.astype(rt), b.astype(rt)
    r = np.cross(a, b, axis=k)
    if STATE.enabled and (input._rg or other._rg):
        node = LinalgCrossBackward0()
        node.dim = k
        t = record2(node, r, input, other)
        node.save2(input, other)
        return _out(t, out, "linalg_cross")
    return _out(_wrap(r), out, "linalg_cross")


class LinalgCrossBackward0(Node):
    __slots__ = ("dim",)
    _saved_names = ("self", "other")


    def backward(self, grad):
        a, b = self.saved()
        fa, fb = self.next_functions
        return (_on(linalg_cross, b, grad, dim=self.dim) if fa[0] is not None else None,
                _on(linalg_cross, grad, a, dim=self.dim) if fb[0] is not None else None)


# -- einsum ---------------------------------------------------------------------------------
def _label(c: str, pos: int) -> int:
    if "A" <= c <= "Z":
        return ord(c) - ord("A")
    if "a" <= c <= "z":
        return ord(c) - ord("a") + 26
    raise RuntimeError(f"einsum(): invalid subscript given at index {pos} in the equation "
                       "string, subscripts must be in [a-zA-Z]")


_ELL = -1   # marks '...' in a parsed subscript list


def _parse_terms(text: str, start: int):
    """Split 'ij,j...k' into lists of label ints (with _ELL), keeping string positions."""
    terms, cur, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == ",":
            terms.append(cur)
            cur = []
        elif c == ".":
            if text[i:i + 3] != "..." or _ELL in cur:
                raise RuntimeError("einsum(): found '.' for operand "
                                   f"{len(terms)} that is not part of any ellipsis")
            cur.append(_ELL)
            i += 2
        elif c != " ":
            cur.append(_label(c, start + i))
        i += 1
    terms.append(cur)
    return terms


def _sublist_terms(args):
    """einsum(op1, [0, 1], op2, [1, 2], [0, 2]): operands, subscripts, output (or None)."""
    ops, terms = [], []
    items = list(args)
    while len(items) >= 2 and isinstance(items[0], Tensor):
        ops.append(items.pop(0))
        terms.append([_ELL if s is Ellipsis else int(s) for s in items.pop(0)])
    out = None
    if items:
        out = [_ELL if s is Ellipsis else int(s) for s in items.pop(0)]
    return ops, terms, out


def einsum(*args) -> Tensor:
    """Einstein summation: ``einsum('ij,jk->ik', a, b)``; implicit output (labels seen once,
    sorted), '...' broadcasting, repeated labels (diagonals), any number of operands; or the
    sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``."""
    if not args or (isinstance(args[0], str) and len(args) < 2):
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    if isinstance(args[0], str):
        eq = args[0]
        ops = args[1:]
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = tuple(ops[0])
        lhs, arrow, rhs = eq.partition("->")
        terms = _parse_terms(lhs, 0)
        out = _parse_terms(rhs, len(lhs) + 2)[0] if arrow else None
        if arrow and len(_parse_terms(rhs, len(lhs) + 2)) > 1:
            raise RuntimeError("einsum(): found ',' in the output subscripts")
    else:
        ops, terms, out = _sublist_terms(args)
    if len(terms) > len(ops):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(terms) < len(ops):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    ops = list(ops)
    for i, t in enumerate(ops):
        check_tensor(t, "einsum", f"operands[{i}]")
    dt = ops[0]._data.dtype
    for t in ops[1:]:
        if t._data.dtype != dt:
            raise RuntimeError(f"expected scalar type {tname(ops[0])} but found {tname(t)}")
    spec, out_labels, sizes = _einsum_spec(ops, terms, out)
    return _einsum_apply(ops, spec, out_labels)


def _einsum_spec(ops, terms, out):
    # '...' dims get labels 100+k (right-aligned across operands, so they broadcast); labels
    # of size 1 broadcast against other sizes as in PyTorch
    """Resolve '...' into explicit labels (52 + position) and check sizes; returns the
    per-operand label lists, the output labels and the size of each label."""
    ell_nd = 0
    for i, (t, term) in enumerate(zip(ops, terms)):
        nd = t._data.ndim
        named = len([s for s in term if s != _ELL])
        if _ELL in term:
            if named > nd:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) "
                                   f"is more than the number of dimensions ({nd}) for operand "
                                   f"{i}")
            ell_nd = max(ell_nd, nd - named)
        elif named != nd:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) "
                               f"does not match the number of dimensions ({nd}) for operand {i} "
                               "and no ellipsis was given")
    ell_labels = [100 + k for k in range(ell_nd)]
    spec, sizes, ell_sizes = [], {}, [1] * ell_nd
    for i, (t, term) in enumerate(zip(ops, terms)):
        shape = t._data.shape
        labels = []
        for s in term:
            if s == _ELL:
                e = t._data.ndim - (len(term) - 1)
                labels.extend(ell_labels[ell_nd - e:])
            else:
                labels.append(s)
        seen = {}
        for k, (lab, n) in enumerate(zip(labels, shape)):
            if lab >= 100:
                j = lab - 100
                if n != 1 and ell_sizes[j] != 1 and n != ell_sizes[j]:
                    raise RuntimeError(f"einsum(): dimension {j} covered by ellipsis in operand "
                                       f"{i}has size {n} which does not broadcast with "
                                       f"previously seen ellipsis with size {ell_sizes[j]} for "
                                       "the respective dimension")
                ell_sizes[j] = max(ell_sizes[j], n)
                continue
            if lab in seen and seen[lab] != n:
                raise RuntimeError(f"einsum(): subscript {_char(lab)} is repeated for operand {i} "
                                   f"but the sizes don't match, {n} != {seen[lab]}")
            seen[lab] = n
            prev = sizes.get(lab)
            if prev is not None and n != prev and n != 1 and prev != 1:
                raise RuntimeError(f"einsum(): subscript {_char(lab)} has size {n} for operand {i} "
                                   f"which does not broadcast with previously seen size {prev}")
            sizes[lab] = n if prev is None or prev == 1 else prev
        spec.append(labels)
    for j, lab in enumerate(ell_labels):
        sizes[lab] = ell_sizes[j]
    if out is None:
        counts = {}
        for labels in spec:
            for lab in labels:
                counts[lab] = counts.get(lab, 0) + 1
        out_labels = ell_labels + sorted(lab for lab, c in counts.items()
                                         if c == 1 and lab < 100)
    else:
        out_labels = []
        for s in out:
            if s == _ELL:
                out_labels.extend(ell_labels)
                continue
            if s in out_labels:
                raise RuntimeError(f"einsum(): output subscript {_char(s)} appears more than once "
                                   "in the output")
            if s not in sizes:
                raise RuntimeError(f"einsum(): output subscript {_char(s)} does not appear in the "
                                   "equation for any input operand")
            out_labels.append(s)
    return spec, out_labels, sizes


def _char(lab: int) -> str:
    return chr(ord("A") + lab) if lab < 26 else chr(ord("a") + lab - 26)


def _np_einsum(arrays, spec, out_labels) -> np.ndarray:
    # NumPy's sublist form takes labels below 52: renumber ours (which include '...' ones).
    table = {}
    for lab in [l for s in spec for l in s] + list(out_labels):
        if lab not in table:
            table[lab] = len(table)
    args = []
    for a, s in zip(arrays, spec):
        args += [a, [table[l] for l in s]]
    args.append([table[l] for l in out_labels])
    return np.asarray(np.einsum(*args, optimize=len(arrays) > 2))


def _einsum_apply(ops, spec, out_labels):
    """The einsum of tensors (recording its node), or of arrays."""
    if anp.is_array(ops[0]):
        r = _np_einsum(ops, spec, out_labels)
        return r.copy() if r.base is not None or not r.flags.writeable else r
    r = _np_einsum([t._data for t in ops], spec, out_labels)
    # np.einsum may hand back a view of an operand (e.g. a transpose): results own memory
    if r.base is not None or not r.flags.writeable:
        r = r.copy()
    if STATE.enabled and any(t._rg for t in ops):
        node = EinsumBackward0()
        node.spec, node.out_labels = spec, list(out_labels)
        t = record(node, r, ops)
        node.save(*ops)
        return t
    return _wrap(r)


class EinsumBackward0(Node):
    """The gradient of each operand is itself an einsum: the output gradient contracted
    with the other operands (identity matrices restore repeated labels, ones vectors the
    labels only this operand had), so higher-order gradients work."""

    __slots__ = ("spec", "out_labels")


    def backward(self, grad):
        ops = self.saved()
        spec, out_labels = self.spec, self.out_labels
        grads = []
        for i, (fn, _) in enumerate(self.next_functions):
            if fn is None:
                grads.append(None)
                continue
            shape = tuple(ops[i].shape)
            target = []
            extra_ops, extra_spec = [], []
            fresh = 200
            avail = set(out_labels)
            for j, s in enumerate(spec):
                if j != i:
                    avail.update(s)
            seen = set()
            for lab, n in zip(spec[i], shape):
                if lab in seen:                 # a repeated label: an identity matrix
                    extra_ops.append(anp.constant(np.eye(n, dtype=anp.value(grad).dtype),
                                                  grad))
                    extra_spec.append([lab, fresh])
                    target.append(fresh)
                    fresh += 1
                    continue
                seen.add(lab)
                target.append(lab)
                if lab not in avail:            # summed only here: broadcast with ones
                    extra_ops.append(anp.ones((n,), grad))
                    extra_spec.append([lab])
                    avail.add(lab)
            sub_ops = [grad] + [ops[j] for j in range(len(ops)) if j != i] + extra_ops
            sub_spec = [out_labels] + [spec[j] for j in range(len(ops)) if j != i] + extra_spec
            g = _einsum_apply(sub_ops, sub_spec, target)
            if tuple(g.shape) != shape:
                # a size-1 label broadcast in the forward: summed where this operand had the
                # 1, expanded where another operand had it (the label then has size 1 in g)
                summed = tuple(k for k, (x, y) in enumerate(zip(g.shape, shape))
                               if x != y and y == 1)
                if summed:
                    g = anp.sum(g, summed, keepdim=True)
                if tuple(g.shape) != shape:
                    g = anp.expand(g, shape)
            grads.append(g)
        return tuple(grads)


# -- torch.linalg ---------------------------------------------------------------------------
def _check_matrix(A: Tensor, name: str, square: bool = True, floating: bool = True) -> None:
    d = A._data
    if d.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if square and d.shape[-1] != d.shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{d.shape[-2]} by {d.shape[-1]} matrices")
    if floating and _kind(d.dtype) not in "fc":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {tname(A)}")


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None,
                out=None) -> Tensor:
    """Matrix norms over the two dims ``dim``: 'fro', 'nuc', 1, -1, 2, -2, inf, -inf."""
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    else:
        if abs(float(ord)) not in (1.0, 2.0, math.inf):
            raise RuntimeError(f"linalg.matrix_norm: Order {_rd._fmt_ord(ord)} not supported.")
    _check_matrix(A, "linalg.matrix_norm", square=False)
    dim = list(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                           f"{' '.join(str(d) for d in dim)}")
    nd = A._data.ndim
    d0, d1 = wrap_dim(dim[0], nd), wrap_dim(dim[1], nd)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    if dtype is not None:
        _rd._check_norm_dtype(dtype, A._data.dtype, "linalg.matrix_norm")
    if ord == "fro":
        return _rd.vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype, out=out)
    x = A if dtype is None else A.to(dtype)
    if ord == "nuc" or abs(float(ord)) == 2.0:
        perm = [k for k in range(nd) if k not in (d0, d1)] + [d0, d1]
        sv = svdvals(x.permute(perm))
        if ord == "nuc":
            r = sv.sum(-1, keepdim)
        else:
            r = _max_or_zero(sv, -1, keepdim) if float(ord) > 0 else sv.amin(-1, keepdim)
        if keepdim:
            r = r.unsqueeze(-1).permute([perm.index(k) for k in range(nd)])
        return _out(r, out, "matrix_norm")
    f = float(ord)
    if math.isinf(f):
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1
    col = _rd.vector_norm(x, 1.0, (d0,), keepdim)
    r = _max_or_zero(col, d1, keepdim) if f > 0 else col.amin(d1, keepdim)
    return _out(r, out, "matrix_norm")


def _max_or_zero(t: Tensor, dim: int, keepdim: bool) -> Tensor:
    """The max of non-negative values along ``dim``; over an empty dim, a 0 outside the graph,
    as PyTorch's positive-order matrix norms give (its negative orders raise there)."""
    if t._data.shape[dim]:
        return t.amax(dim, keepdim)
    return t.sum(dim, keepdim).detach()


def linalg_norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None,
                out=None) -> Tensor:
    """``torch.linalg.norm``: a vector norm, or a matrix norm when ``ord`` is given with two
    dims (or a 2-d input); 2-norm / Frobenius norm by default."""
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    nd = A._data.ndim
    if dim is not None:
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               f"Got {list(dim)}")
    elif ord is not None and nd not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {nd}D.")
    if isinstance(ord, str) or (ord is not None and ((dim is not None and len(dim) == 2)
                                                     or (dim is None and nd == 2))):
        return matrix_norm(A, ord, (0, 1) if dim is None else dim, keepdim, dtype=dtype,
                           out=out)
    return _rd.vector_norm(A, 2.0 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)


svd_type = _rd._return_type("linalg_svd", ("U", "S", "Vh"))
slogdet_type = _rd._return_type("slogdet", ("sign", "logabsdet"))
linalg_slogdet_type = _rd._return_type("linalg_slogdet", ("sign", "logabsdet"))


@_with_out("linalg_svd")
def svd(A: Tensor, full_matrices: bool = True, *, driver=None, out=None):
    """Singular value decomposition ``A = U diag(S) Vh`` (named tuple U, S, Vh)."""
    _check_matrix(A, "linalg.svd", square=False)
    d = A._data
    try:
        u, s, vh = np.linalg.svd(d, full_matrices=full_matrices)
    except np.linalg.LinAlgError:
        raise _LinAlgError("linalg.svd: The algorithm failed to converge because the input "
                           "matrix is ill-conditioned or has too many repeated singular values "
                           "(error code: 1).") from None
    s = s.astype(np.abs(np.zeros((), d.dtype)).dtype, copy=False)
    if STATE.enabled and A._rg:
        node = LinalgSvdBackward0()
        node._n_out = 3
        node.full = full_matrices
        res = record(node, (u, s, vh), (A,))
        node.save_outputs(res)
        return svd_type(*res)
    return svd_type(_wrap(u), _wrap(s), _wrap(vh))


def svdvals(A: Tensor, *, driver=None, out=None) -> Tensor:
    """The singular values, in descending order."""
    _check_matrix(A, "linalg.svd", square=False)
    if STATE.enabled and A._rg:
        return svd(A, full_matrices=False).S
    s = np.linalg.svd(A._data, compute_uv=False)
    s = s.astype(np.abs(np.zeros((), A._data.dtype)).dtype, copy=False)
    return _out(_wrap(s), out, "svdvals")


svd_legacy_type = _rd._return_type("svd", ("U", "S", "V"))


@_with_out("svd")
def svd_legacy(input: Tensor, some: bool = True, compute_uv: bool = True, *, out=None):
    """``torch.svd``: ``linalg.svd`` returning ``V`` (not ``Vh``); without ``compute_uv``,
    ``U`` and ``V`` are zero-filled square matrices, as PyTorch returns them."""
    _check_matrix(input, "linalg.svd", square=False)
    if not compute_uv:
        d = input._data
        m, n = d.shape[-2:]
        S = svdvals(input)
        return svd_legacy_type(_wrap(np.zeros(d.shape[:-2] + (m, m), d.dtype)), S,
                               _wrap(np.zeros(d.shape[:-2] + (n, n), d.dtype)))
    U, S, Vh = svd(input, full_matrices=not some)
    # V = Vh^H: for real input PyTorch's mH is a transpose (TransposeBackward0)
    V = Vh.transpose(-2, -1) if Vh._data.dtype.kind != "c" else Vh.mH
    return svd_legacy_type(U, S, V)

class _SavesOutputs(Node):
    """A node of a decomposition that returns several tensors and differentiates through
    them: it keeps each output's data and version like ``saved()`` does."""

    __slots__ = ("_n_out", "_outs")

    def save_outputs(self, res) -> None:
        self._outs = tuple((t._data, t._version_counter(), t._version_counter().v)
                           for t in res)

    def _release_extra(self) -> None:
        self._outs = None

    def _out(self, i: int):
        """Output ``i``, as an array or a tensor like ``saved()``."""
        if self._outs is None:
            raise RuntimeError("Trying to backward through the graph a second time (or directly "
                               "access saved tensors after they have already been freed).")
        data, vc, _ = self._outs[i]
        if STATE.arrays:
            return data
        t = _wrap(data)
        t._vc = vc
        if STATE.enabled:
            t.grad_fn, t._rg, t._out_nr = self, True, i
        return t


class LinalgSvdBackward0(_SavesOutputs):
    """PyTorch's svd_backward (distinct singular values assumed)."""

    __slots__ = ("full",)

    def backward(self, grads):
        gU, gS, gVh = grads
        U, S, Vh = self._out(0), self._out(1), self._out(2)
        m, n = U.shape[-2], Vh.shape[-1]
        k = S.shape[-1]
        if self.full and m != n:
            U = anp.narrow(U, -1, 0, k)
            Vh = anp.narrow(Vh, -2, 0, k)
            gU = None if gU is None else anp.narrow(gU, -1, 0, k)
            gVh = None if gVh is None else anp.narrow(gVh, -2, 0, k)
        if gU is None and gVh is None:
            if gS is None:
                return None,
            return (U @ (anp.unsqueeze(gS, -1) * Vh) if m >= n else
                    (U * anp.unsqueeze(gS, -2)) @ Vh),
        # gA = U [(skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS)] V^T with
        # E_jk = S_k^2 - S_j^2 (1 on the diagonal); extra terms for non-square A
        eye = anp.constant(np.eye(k, dtype=anp.value(S).dtype), S)
        S2 = S * S
        E = anp.unsqueeze(S2, -2) - anp.unsqueeze(S2, -1) + eye     # 1 on the diagonal
        UhgU = VhgV = None
        if gU is not None:
            x = U.mT @ gU
            UhgU = x - x.mT
        if gVh is not None:
            x = Vh @ gVh.mT
            VhgV = x - x.mT
        if gU is not None and gVh is not None:
            gA = (UhgU * anp.unsqueeze(S, -2) + anp.unsqueeze(S, -1) * VhgV) / E
        elif gU is not None:
            gA = (UhgU / E) * anp.unsqueeze(S, -2)
        else:
            gA = anp.unsqueeze(S, -1) * (VhgV / E)
        if gS is not None:
            gA = gA + anp.unsqueeze(gS, -1) * eye
        if m > n and gU is not None:
            gA = U @ gA
            gUSinv = gU / anp.unsqueeze(S, -2)
            gA = gA + gUSinv - U @ (U.mT @ gUSinv)
            gA = gA @ Vh
        elif m < n and gVh is not None:
            gA = gA @ Vh
            SinvgVh = gVh / anp.unsqueeze(S, -1)
            gA = gA + SinvgVh - (SinvgVh @ Vh.mT) @ Vh
            gA = U @ gA
        else:
            gA = U @ (gA @ Vh) if m >= n else (U @ gA) @ Vh
        return gA,


def _zero_pivot(a: np.ndarray) -> int:
    """The 1-based index of the first exactly-zero pivot of LU with partial pivoting (LAPACK's
    getrf info), or 0."""
    # only run once NumPy has reported the matrix singular, to word PyTorch's message
    a = a.astype(np.float64 if _kind(a.dtype) == "f" else np.complex128, copy=True)
    n = a.shape[0]
    first = 0
    for j in range(n):
        p = j + int(np.argmax(np.abs(a[j:, j])))
        if a[p, j] == 0:
            first = first or j + 1
            continue
        if p != j:
            a[[j, p]] = a[[p, j]]
        a[j + 1:, j] /= a[j, j]
        a[j + 1:, j + 1:] -= np.outer(a[j + 1:, j], a[j, j + 1:])
    return first


def _singular_error(A: np.ndarray, name: str) -> _LinAlgError:
    mats = A.reshape((-1,) + A.shape[-2:])
    for b, mat in enumerate(mats):
        info = _zero_pivot(mat)
        if info:
            where = f"(Batch element {b}): " if A.ndim > 2 else ""
            return _LinAlgError(f"{name}: {where}The diagonal element {info} is zero, the "
                                "inversion could not be completed because the input matrix is "
                                "singular.")
    return _LinAlgError(f"{name}: The inversion could not be completed because the input matrix "
                        "is singular.")


def _per_matrix(fn, args: tuple, info_of) -> tuple:
    """``fn(*args)`` on batches of matrices (of one batch shape) some of which may be singular
    or not positive-definite, as the ``_ex`` functions want it: each matrix alone once the
    batch fails, NaN where one fails (PyTorch leaves LAPACK's partial work there, documented
    as undefined), and LAPACK's ``info`` for each (``info_of`` the failed matrix, > 0)."""
    batch = args[0].shape[:-2]
    try:
        return fn(*args), np.zeros(batch, np.int32)
    except np.linalg.LinAlgError:
        pass
    flat = [x.reshape((-1,) + x.shape[-2:]) for x in args]
    info = np.zeros(flat[0].shape[0], np.int32)
    res = np.full(flat[-1].shape, np.nan, flat[-1].dtype)
    for i in range(info.shape[0]):
        try:
            res[i] = fn(*(x[i] for x in flat))
        except np.linalg.LinAlgError:
            info[i] = info_of(flat[0][i])
    return res.reshape(args[-1].shape), info.reshape(batch)


def inv(A: Tensor, *, out=None) -> Tensor:
    """The inverse of a square matrix (or a batch); LinAlgError when singular."""
    return _out(_inverse(A, "linalg.inv", True)[0], out, "inv")


def _inverse(A: Tensor, name: str, check: bool) -> tuple:
    """``inv`` and ``inv_ex``: the inverse and, unless ``check`` (raise instead), the info."""
    _check_matrix(A, name)
    info = None
    if check:
        try:
            r = np.linalg.inv(A._data)
        except np.linalg.LinAlgError:
            raise _singular_error(A._data, name) from None
    else:
        r, info = _per_matrix(np.linalg.inv, (A._data,), _zero_pivot)
    if STATE.enabled and A._rg:
        node = LinalgInvExBackward0()
        t = record1(node, r, A)
        node.save_result(t)
        return t, info
    return _wrap(r), info


class LinalgInvExBackward0(Node):
    __slots__ = ()


    def backward(self, grad):          # d inv(A) = -inv^T grad inv^T
        Ai = self.result().mT
        return -(Ai @ (grad @ Ai)),


def det(A: Tensor, *, out=None) -> Tensor:
    """Determinant of a square matrix (or a batch)."""
    _check_matrix(A, "linalg.det")
    r = np.asarray(np.linalg.det(A._data)).astype(A._data.dtype, copy=False)
    if STATE.enabled and A._rg:
        node = LinalgDetBackward0()
        t = record1(node, r, A)
        node.save1(A)
        node.save_result(t)
        return _out(t, out, "det")
    return _out(_wrap(r), out, "det")


class LinalgDetBackward0(Node):
    """grad * det * A^{-T}; singular matrices go through the SVD (cofactors stay finite)."""

    __slots__ = ()
    _saved_names = ("A",)


    def backward(self, grad):
        A, = self.saved()
        d = self.result()
        gd = anp.unsqueeze(anp.unsqueeze(grad * d, -1), -1)
        singular = anp.value(d) == 0
        if not singular.any():
            return gd * _on(inv, A).mT,
        # A singular matrix: PyTorch's det_backward itself takes two algorithms here, by grad
        # mode. First order it solves A^T X = grad * det * I through a perturbed LU: the right
        # side is zero, and so is the gradient.
        if anp.is_array(A):
            eye = np.eye(A.shape[-1], dtype=A.dtype)
            return gd * np.swapaxes(np.linalg.inv(np.where(singular[..., None, None], eye, A)),
                                    -1, -2),
        # Under create_graph, through the SVD (the cofactors, differentiable).
        U, S, Vh = svd(A, full_matrices=False)
        alpha = (det(U) * det(Vh)).unsqueeze(-1)
        D = (grad.unsqueeze(-1) * alpha) * _rd._prod_others(S, S._data.ndim - 1)
        return matmul(U * D.unsqueeze(-2), Vh),


@_with_out("linalg_slogdet")
def slogdet(A: Tensor, *, out=None):
    """(sign, log|det|) of a square matrix, as a named tuple."""
    _check_matrix(A, "linalg.slogdet")
    sign, logabs = np.linalg.slogdet(A._data)
    sign = np.asarray(sign).astype(A._data.dtype, copy=False)
    logabs = np.asarray(logabs).astype(np.abs(np.zeros((), A._data.dtype)).dtype, copy=False)
    if STATE.enabled and A._rg:
        node = LinalgSlogdetBackward0()
        node._n_out = 2
        res = record(node, (sign, logabs), (A,))
        node.save1(A)
        return linalg_slogdet_type(*res)
    return linalg_slogdet_type(_wrap(sign), _wrap(logabs))


class LinalgSlogdetBackward0(Node):
    __slots__ = ("_n_out",)
    _saved_names = ("A",)


    def backward(self, grads):          # d log|det A| = A^{-T}
        A, = self.saved()
        g = grads[1]
        if g is None:
            return None,
        return anp.unsqueeze(anp.unsqueeze(g, -1), -1) * _on(inv, A).mT,


def solve(A: Tensor, B: Tensor, *, left: bool = True, out=None) -> Tensor:
    """The solution X of ``A X = B`` (``X A = B`` with left=False); B may be a vector or a
    batch of either, broadcasting over batch dims."""
    return _out(_solve(A, B, left, "linalg.solve", True)[0], out, "solve")


def _solve_left(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.solve(a, b)


def _solve_right(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # X A = B is A^T X^T = B^T
    return np.swapaxes(np.linalg.solve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)


def _solve(A: Tensor, B: Tensor, left: bool, name: str, check: bool) -> tuple:
    """``solve`` and ``solve_ex``: X and, unless ``check`` (raise instead), the info."""
    _check_matrix(A, name)
    a, b = A._data, B._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"{name}: Expected A and B to have the same dtype, but found "
                           f"A of type {tname(A)} and B of type {tname(B)} instead")
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    n = a.shape[-1]
    bm = b[..., None] if vector else b       # a vector is a column, even for XA = B
    if bm.shape[-2 if left else -1] != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {eq} "
                           f"({a.shape[-2]}x{a.shape[-1]} and {bm.shape[-2]}x{bm.shape[-1]})")
    batch = broadcast_shapes(a.shape[:-2], bm.shape[:-2])
    aa = np.broadcast_to(a, batch + a.shape[-2:])
    bb = np.broadcast_to(bm, batch + bm.shape[-2:])
    fn = _solve_left if left else _solve_right
    info = None
    if check:
        try:
            x = fn(aa, bb)
        except np.linalg.LinAlgError:
            where = ""
            if a.ndim > 2:     # PyTorch names the first singular matrix of a batch of A
                bad = np.flatnonzero(_per_matrix(fn, (aa, bb), _zero_pivot)[1])
                where = f"(Batch element {bad[0] if bad.size else 0}): "
            raise _LinAlgError(f"torch.{name}: {where}The solver failed because the input "
                               "matrix is singular.") from None
    else:
        x, info = _per_matrix(fn, (aa, bb), _zero_pivot)
    if vector:
        x = x[..., 0]
    x = np.ascontiguousarray(x)
    if STATE.enabled and (A._rg or B._rg):
        node = LinalgSolveExBackward0()
        node.vector, node.left = vector, left
        t = record2(node, x, A, B)
        node.save1(A)
        node.save_result(t)
        return t, info
    return _wrap(x), info


class LinalgSolveExBackward0(Node):
    """AX = B: gB = A^{-T} g, gA = -gB X^T.  XA = B: gB = g A^{-T}, gA = -X^T gB."""

    __slots__ = ("vector", "left")
    _saved_names = ("A",)


    def backward(self, grad):
        A, = self.saved()
        X = self.result()
        gB = _on(solve, A.mT, grad, left=self.left)
        fa, fb = self.next_functions
        if fa[0] is None:
            return None, gB
        if self.vector:
            gA = -(anp.unsqueeze(gB, -1) * anp.unsqueeze(X, -2))
        else:
            gA = -(gB @ X.mT) if self.left else -(X.mT @ gB)
        return gA, gB if fb[0] is not None else None


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out=None) -> Tensor:
    """Dot products of vectors along ``dim`` (broadcasting): ``sum(conj(x) * y, dim)``."""
    return _out(_rd.sum(anp.conj(x) * y, dim), out, "vecdot")


def slogdet_legacy(A: Tensor):
    """``torch.slogdet``: ``linalg.slogdet`` under its older named-tuple name."""
    return slogdet_type(*slogdet(A))


# -- in-place forms -----------------------------------------------------------------------------
def _inplace(x: Tensor, y: Tensor, name: str) -> Tensor:
    """Write ``y`` (computed out of place from ``x``) into ``x``, taking over its history."""
    from .._tensor import check_inplace
    from . import inplace as _ip
    check_inplace(x)
    if y._data.shape != x._data.shape:
        raise RuntimeError(f"Bad in-place call: input tensor size {list(x._data.shape)} and "
                           f"output tensor size {list(y._data.shape)} should match")
    if _ip.needs_graph(x, y):
        return _ip.commit(x, y)
    _ip.write(x, y._data)
    return x


def addmm_(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """In-place ``addmm``."""
    return _inplace(input, addmm(input, mat1, mat2, beta=beta, alpha=alpha), "addmm_")


def addmv_(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """In-place ``addmv``."""
    return _inplace(input, addmv(input, mat, vec, beta=beta, alpha=alpha), "addmv_")


def addr_(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """In-place ``addr``."""
    return _inplace(input, addr(input, vec1, vec2, beta=beta, alpha=alpha), "addr_")


def addbmm_(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """In-place ``addbmm``."""
    return _inplace(input, addbmm(input, batch1, batch2, beta=beta, alpha=alpha), "addbmm_")


def baddbmm_(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """In-place ``baddbmm``."""
    return _inplace(input, baddbmm(input, batch1, batch2, beta=beta, alpha=alpha), "baddbmm_")


# Complex gradients: these formulas are the real-number derivatives of analytic functions
# (the engine conjugates, ember/autograd/graph.py)
holomorphic(MmBackward0, BmmBackward0, MvBackward0, AddmmBackward0, AddmvBackward0,
            AddrBackward0, BaddbmmBackward0, AddbmmBackward0, EinsumBackward0,
            LinalgCrossBackward0, LinalgInvExBackward0, LinalgDetBackward0,
            LinalgSolveExBackward0)
