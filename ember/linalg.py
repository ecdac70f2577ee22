"""``torch.linalg``: norms, inverses, determinants, solves and decompositions.

The implementations live in ``ember.ops.linalg`` (and ``ember.ops.reduction`` for
``vector_norm``); this module is the public namespace.
"""
from __future__ import annotations

from .ops.linalg import LinAlgError, det, diagonal as _diagonal, inv, linalg_cross as cross
from .ops.linalg import linalg_norm as norm
from .ops.linalg import matmul, matrix_norm, slogdet, solve, svd, svdvals, vecdot
from .ops.linalg_factor import (cholesky, cholesky_ex, eigh, eigvalsh, householder_product,
                                inv_ex, matrix_exp, matrix_power, matrix_rank, multi_dot,
                                pinv, qr, solve_ex, solve_triangular, vander)
from .ops.linalg_lu import linalg_lu as lu
from .ops.linalg_lu import lstsq, lu_factor, lu_factor_ex, lu_solve
from .ops.reduction import vector_norm

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cross", "det", "diagonal", "eigh",
           "eigvalsh", "householder_product", "inv", "inv_ex", "lstsq", "lu", "lu_factor",
           "lu_factor_ex", "lu_solve", "matmul", "matrix_exp",
           "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr",
           "slogdet", "solve", "solve_ex", "solve_triangular", "svd", "svdvals", "vander",
           "vecdot", "vector_norm"]


def diagonal(A, *, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """``torch.diagonal`` over the last two dims by default (a view)."""
    return _diagonal(A, offset, dim1, dim2)
