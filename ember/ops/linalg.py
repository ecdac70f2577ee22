"""Matrix products."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record2

_wrap = Tensor._wrap


def _same_dtype(a: Tensor, b: Tensor) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_cname(a)} != {_cname(b)}")


def _cname(t: Tensor) -> str:
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}.get(t.dtype.name, t.dtype.name)


def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    """Matrix product of two 2-d tensors."""
    a, b = input._data, mat2._data
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} "
                           f"and {b.shape[0]}x{b.shape[1]})")
    _same_dtype(input, mat2)
    # An outer product (k == 1) as a broadcast multiply keeps the sign of zero products, as
    # PyTorch's kernels do (BLAS adds them to +0).
    r = a * b if a.shape[1] == 1 else a @ b
    if STATE.enabled and (input._rg or mat2._rg):
        node = MmBackward0()
        t = record2(node, r, input, mat2)
        node.save(input, mat2)
        return t
    return _wrap(r)


class MmBackward0(Node):
    __slots__ = ()
    _saved_names = ("self", "mat2")

    def backward(self, grad):          # d(A@B): grad@B^T, A^T@grad
        a, b = self.saved_tensors()
        fa, fb = self.next_functions
        return (grad.mm(b.t()) if fa[0] is not None else None,
                a.t().mm(grad) if fb[0] is not None else None)


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """PyTorch's matmul (2-d x 2-d here; other cases in the full linalg module)."""
    if input._data.ndim == 2 and other._data.ndim == 2:
        return mm(input, other)
    raise NotImplementedError("matmul beyond 2-d x 2-d")


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` (what a Linear layer computes)."""
    a, b = mat1._data, mat2._data
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"{'mat1' if a.ndim != 2 else 'mat2'} must be a matrix, got "
                           f"{a.ndim if a.ndim != 2 else b.ndim}-D tensor")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} "
                           f"and {b.shape[0]}x{b.shape[1]})")
    _same_dtype(mat1, mat2)
    prod = a * b if a.shape[1] == 1 else a @ b
    if alpha != 1:
        prod = prod * alpha
    bias = input._data if beta == 1 else input._data * beta
    try:
        r = bias + prod
    except ValueError:
        raise RuntimeError(f"The expanded size of the tensor ({prod.shape[-1]}) must match "
                           f"the existing size ({input._data.shape[-1]})") from None
    if r.shape != prod.shape:
        raise RuntimeError(f"The expanded size of the tensor ({prod.shape}) must match the "
                           f"existing size {input._data.shape}")
    if STATE.enabled and (input._rg or mat1._rg or mat2._rg):
        from ..autograd.graph import record
        node = AddmmBackward0()
        node.alpha, node.beta = alpha, beta
        t = record(node, r, (input, mat1, mat2))
        node.save(mat1, mat2)
        return t
    return _wrap(r)


class AddmmBackward0(Node):
    __slots__ = ("alpha", "beta")
    _saved_names = ("mat1", "mat2")

    def backward(self, grad):          # bias: grad (summed by the engine); mm as MmBackward0
        m1, m2 = self.saved_tensors()
        f0, f1, f2 = self.next_functions
        g = grad if self.alpha == 1 else grad * self.alpha
        return (grad if self.beta == 1 else grad * self.beta,
                g.mm(m2.t()) if f1[0] is not None else None,
                m1.t().mm(g) if f2[0] is not None else None)
