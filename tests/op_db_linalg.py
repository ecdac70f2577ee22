"""Op table entries for ember/ops/linalg.py and ember/linalg.py."""
import numpy as np

from op_db import ErrorCase, OpInfo, Sample, anyreal


def _r(rng, *shape):
    return np.asarray(rng.uniform(-1.0, 1.0, shape))


def _wellcond(rng, *shape):
    """Random square matrices (or batches) far from singular."""
    a = rng.uniform(-1.0, 1.0, shape)
    n = shape[-1]
    return np.asarray(a + 3.0 * np.eye(n) * rng.choice([-1.0, 1.0]))


def _sym(lib, a):
    """A symmetric matrix with distinct eigenvalues (a rank-k update of a diagonal with
    distinct entries) from any (..., n, k) sample, so eigenvectors are defined."""
    n = a.shape[-2]
    return a @ a.mT + lib.diag(lib.arange(1.0, n + 1.0, dtype=a.dtype))


def _pairs(*shape_pairs, grad=None):
    return lambda rng: [Sample((_r(rng, *a), _r(rng, *b)), grad=grad) for a, b in shape_pairs]


def _matmul_errors():
    return [ErrorCase((np.ones(3), np.ones(4)), {}, RuntimeError,
                      "inconsistent tensor size, expected tensor [3] and src [4]"),
            ErrorCase((np.ones((2, 3)), np.ones(4)), {}, RuntimeError,
                      "size mismatch, got input (2), mat (2x3), vec (4)"),
            ErrorCase((np.ones(3), np.ones((4, 2))), {}, RuntimeError,
                      "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x2)"),
            ErrorCase((np.ones((2, 3)), np.ones((4, 3))), {}, RuntimeError,
                      "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x3)"),
            ErrorCase((np.ones((5, 2, 3)), np.ones((4, 2))), {}, RuntimeError,
                      "mat1 and mat2 shapes cannot be multiplied (10x3 and 4x2)"),
            ErrorCase((np.ones((5, 2, 3)), np.ones((5, 4, 2))), {}, RuntimeError,
                      "Expected size for first two dimensions of batch2 tensor to be: [5, 3] "
                      "but got: [5, 4]."),
            ErrorCase((np.ones((5, 2, 3)), np.ones((4, 3, 2))), {}, RuntimeError,
                      "The size of tensor a (5) must match the size of tensor b (4) at "
                      "non-singleton dimension 0"),
            ErrorCase((np.ones(()), np.ones(3)), {}, RuntimeError,
                      "both arguments to matmul need to be at least 1D, but they are 0D and 1D"),
            ErrorCase((np.ones((2, 3), np.float32), np.ones((3, 2))), {}, RuntimeError,
                      "expected m1 and m2 to have the same dtype, but got: float != double"),
            ErrorCase((np.ones((4, 2, 3), np.float32), np.ones((4, 3, 2))), {}, RuntimeError,
                      "expected scalar type Float but found Double")]


def _einsum(eq):
    # einsum's grad_fn is ember's single EinsumBackward0 node (torch names whatever op its
    # contraction path ends in), so the output goes through a multiply to compare the rest.
    return lambda lib, *ops: lib.einsum(eq, *ops) * 1.0


def _einsum_samples(eq, *shapes):
    return lambda rng: [Sample(tuple(_r(rng, *s) for s in shapes))]


def _einsum_errors():
    return [ErrorCase(("ij,jk->ik", np.ones((2, 3)), np.ones((4, 2))), {}, RuntimeError,
                      "einsum(): subscript j has size 4 for operand 1 which does not broadcast "
                      "with previously seen size 3"),
            ErrorCase(("ij,jk->ik", np.ones((2, 3))), {}, RuntimeError,
                      "einsum(): fewer operands were provided than specified in the equation"),
            ErrorCase(("ijk,jk", np.ones((2, 3)), np.ones((3, 2))), {}, RuntimeError,
                      "einsum(): the number of subscripts in the equation (3) does not match "
                      "the number of dimensions (2) for operand 0 and no ellipsis was given"),
            ErrorCase(("ij,jk->iz", np.ones((2, 3)), np.ones((3, 2))), {}, RuntimeError,
                      "einsum(): output subscript z does not appear in the equation for any "
                      "input operand"),
            ErrorCase(("ij,jk->ii", np.ones((2, 3)), np.ones((3, 2))), {}, RuntimeError,
                      "einsum(): output subscript i appears more than once in the output"),
            ErrorCase(("i1,jk->ik", np.ones((2, 3)), np.ones((3, 2))), {}, RuntimeError,
                      "einsum(): invalid subscript given at index 1 in the equation string, "
                      "subscripts must be in [a-zA-Z]"),
            ErrorCase(("ii->i", np.ones((2, 3))), {}, RuntimeError,
                      "einsum(): subscript i is repeated for operand 0 but the sizes don't "
                      "match, 3 != 2")]


_EINSUMS = [
    ("ij,jk->ik", (2, 3), (3, 4)),
    ("ij,jk", (2, 3), (3, 2)),                  # implicit output
    ("bij,bjk->bik", (2, 2, 3), (2, 3, 2)),
    ("ii->i", (3, 3)),                          # diagonal
    ("ii", (3, 3)),                             # trace
    ("iij->j", (2, 2, 3)),
    ("ij->", (3, 4)),
    ("ij->ji", (3, 4)),
    ("i,j->ij", (3,), (4,)),
    ("i,i->", (4,), (4,)),
    ("...ij,...jk->...ik", (2, 1, 2, 3), (3, 3, 2)),   # broadcast ellipsis
    ("i...,i...->...", (2, 3), (2, 3)),
    ("ij,jk,kl->il", (2, 3), (3, 2), (2, 2)),   # three operands
    ("ij,kj,ik->", (2, 3), (2, 3), (2, 2)),
    ("bi,bj->bij", (2, 3), (1, 2)),             # a size-1 label broadcasts
    ("ijk->kj", (2, 3, 2)),                     # summed-only label
    (" i j , j k -> k i ", (2, 3), (3, 2)),     # spaces
]

OPS = [
    OpInfo("mm", lambda lib, a, b: lib.mm(a, b), _pairs(((3, 4), (4, 2)), ((1, 3), (3, 1)),
                                                        ((3, 1), (1, 4))),
           errors=lambda: [ErrorCase((np.ones((2, 3, 1)), np.ones((4, 3))), {}, RuntimeError,
                                     "self must be a matrix"),
                           ErrorCase((np.ones((2, 3)), np.ones(3)), {}, RuntimeError,
                                     "mat2 must be a matrix")]),
    OpInfo("matmul", lambda lib, a, b: lib.matmul(a, b), _pairs(
        ((4,), (4,)),               # dot
        ((3, 4), (4,)),             # mv
        ((4,), (4, 2)),             # 1-d @ 2-d (SqueezeBackward4)
        ((3, 4), (4, 2)),           # mm
        ((2, 3, 4), (4, 2)),        # folded into mm
        ((2, 3, 4), (4,)),          # folded into mv
        ((3, 4), (2, 4, 2)),        # 2-d @ 3-d: folded, transposed back (CloneBackward0)
        ((4,), (2, 4, 3)),          # 1-d @ 3-d
        ((2, 3, 4), (2, 4, 2)),     # bmm
        ((2, 1, 3, 4), (3, 4, 2)),  # broadcast batch dims
        ((1, 3, 4), (2, 4, 2)),     # batch of 1 requiring grad: squeezed, then folded
        ((2, 2, 3), (1, 3, 2)),
        ((2, 2, 3, 4), (4,)),
        ((4,), (2, 2, 4, 3)),
    ), errors=_matmul_errors),
    # Only the big operand requires grad: 3-d @ 2-d folds when the big one is contiguous...
    OpInfo("matmul_nograd_small", lambda lib, a, b: a @ b,
           _pairs(((2, 3, 4), (4, 2)), ((3, 4), (2, 4, 2)), ((2, 3, 4), (4,)), grad=(0,))),
    # ...and goes through bmm when it is not.
    OpInfo("matmul_noncontiguous", lambda lib, a, b: a.transpose(0, 1) @ b,
           _pairs(((3, 2, 4), (4, 2)), grad=(0,))),
    OpInfo("bmm", lambda lib, a, b: a.bmm(b), _pairs(((2, 3, 4), (2, 4, 2))),
           errors=lambda: [ErrorCase((np.ones((2, 3)), np.ones((3, 2))), {}, RuntimeError,
                                     "batch1 must be a 3D tensor")]),
    OpInfo("mv", lambda lib, a, b: lib.mv(a, b), _pairs(((3, 4), (4,))),
           errors=lambda: [ErrorCase((np.ones((2, 3), np.float64), np.ones(3, np.float32)), {},
                                     RuntimeError, "addmv input tensors must have the same "
                                     "dtype, but got Float, Double, and Float")]),
    OpInfo("dot", lambda lib, a, b: a.dot(b), _pairs(((5,), (5,))),
           errors=lambda: [ErrorCase((np.ones(3, np.float32), np.ones(3)), {}, RuntimeError,
                                     "dot : expected both vectors to have same dtype, but found "
                                     "Float and Double"),
                           ErrorCase((np.ones((3, 1)), np.ones(3)), {}, RuntimeError,
                                     "1D tensors expected, but got 2D and 1D tensors")]),
    OpInfo("vdot", lambda lib, a, b: lib.vdot(a, b), _pairs(((5,), (5,)))),
    OpInfo("inner", lambda lib, a, b: lib.inner(a, b),
           _pairs(((4,), (4,)), ((2, 3), (4, 3)), ((2, 2, 3), (3,))),
           errors=lambda: [ErrorCase((np.ones((2, 3)), np.ones(4)), {}, RuntimeError,
                                     "inner() the last dimension must match on both input "
                                     "tensors but got shapes [2, 3] and [4]")]),
    OpInfo("outer", lambda lib, a, b: lib.outer(a, b), _pairs(((3,), (4,))),
           errors=lambda: [ErrorCase((np.ones((2, 2)), np.ones(3)), {}, RuntimeError,
                                     "outer: Expected 1-D argument self, but got 2-D")]),
    OpInfo("ger", lambda lib, a, b: a.ger(b), _pairs(((2,), (3,)))),
    OpInfo("addmm", lambda lib, c, a, b, **kw: lib.addmm(c, a, b, **kw),
           lambda rng: [Sample((_r(rng, 2, 4), _r(rng, 2, 3), _r(rng, 3, 4))),
                        Sample((_r(rng, 4), _r(rng, 2, 3), _r(rng, 3, 4)),
                               {"beta": 0.5, "alpha": -2.0}),
                        Sample((_r(rng, 2, 1), _r(rng, 2, 3), _r(rng, 3, 4)), {"beta": 0})],
           errors=lambda: [ErrorCase((np.ones(3), np.ones((2, 3)), np.ones((3, 4))), {},
                                     RuntimeError, "The expanded size of the tensor (4) must "
                                     "match the existing size (3) at non-singleton dimension 1."
                                     "  Target sizes: [2, 4].  Tensor sizes: [3]")]),
    OpInfo("addmv", lambda lib, c, a, b, **kw: c.addmv(a, b, **kw),
           lambda rng: [Sample((_r(rng, 2), _r(rng, 2, 3), _r(rng, 3))),
                        Sample((_r(rng, 1), _r(rng, 2, 3), _r(rng, 3)),
                               {"beta": 2.0, "alpha": 0.5})]),
    OpInfo("addr", lambda lib, c, a, b, **kw: lib.addr(c, a, b, **kw),
           lambda rng: [Sample((_r(rng, 2, 3), _r(rng, 2), _r(rng, 3)), {"alpha": 2.0})]),
    OpInfo("baddbmm", lambda lib, c, a, b, **kw: lib.baddbmm(c, a, b, **kw),
           lambda rng: [Sample((_r(rng, 2, 2, 3), _r(rng, 2, 2, 4), _r(rng, 2, 4, 3)),
                               {"beta": 0.5, "alpha": 1.5})]),
    OpInfo("addbmm", lambda lib, c, a, b: lib.addbmm(c, a, b),
           lambda rng: [Sample((_r(rng, 2, 3), _r(rng, 3, 2, 4), _r(rng, 3, 4, 3)))]),
] + [
    OpInfo(f"einsum_{i}", _einsum(eq), _einsum_samples(eq, *shapes))
    for i, (eq, *shapes) in enumerate(_EINSUMS)
] + [
    OpInfo("einsum_sublist", lambda lib, a, b: lib.einsum(a, [0, 1], b, [1, 2], [0, 2]) * 1.0,
           _pairs(((2, 3), (3, 2)))),
    OpInfo("einsum_errors", lambda lib, eq, *ops: lib.einsum(eq, *ops) * 1.0,
           lambda rng: [Sample(("ij,jk->ik", _r(rng, 2, 3), _r(rng, 3, 2)))],
           errors=_einsum_errors),
    OpInfo("tensordot", lambda lib, a, b, d: lib.tensordot(a, b, dims=d),
           lambda rng: [Sample((_r(rng, 2, 3, 4), _r(rng, 3, 4, 2), 2)),
                        Sample((_r(rng, 2, 3), _r(rng, 3, 2), 1)),
                        Sample((_r(rng, 2, 3, 4), _r(rng, 4, 2, 3), ([1, 2], [2, 0]))),
                        Sample((_r(rng, 2, 3), _r(rng, 1, 2), ([1], [0]))),
                        Sample((_r(rng, 2, 3), _r(rng, 2), 0))],
           errors=lambda: [ErrorCase((np.ones((2, 3)), np.ones((4, 3)), ([1], [0])), {},
                                     RuntimeError, "contracted dimensions need to match, but "
                                     "first has size 3 in dim 1 and second has size 4 in dim 0"
                                     )]),
    OpInfo("kron", lambda lib, a, b: lib.kron(a, b),
           _pairs(((2, 3), (2, 2)), ((3,), (2, 2)), ((2, 1, 2), (2, 3)))),
    OpInfo("trace", lambda lib, a: a.trace(), lambda rng: [Sample((_r(rng, 3, 3),)),
                                                         Sample((_r(rng, 2, 4),))],
           errors=lambda: [ErrorCase((np.ones(3),), {}, RuntimeError,
                                     "trace: expected a matrix, but got tensor with dim 1")]),
    OpInfo("diag", lambda lib, a, k: lib.diag(a, k),
           lambda rng: [Sample((_r(rng, 3), k)) for k in (0, 1, -2)] +
           [Sample((_r(rng, 3, 4), k)) for k in (0, 2, -1)],
           errors=lambda: [ErrorCase((np.ones((2, 2, 2)), 0), {}, RuntimeError,
                                     "diag(): Supports 1D or 2D tensors. Got 3D")]),
    OpInfo("diagonal", lambda lib, a, **kw: a.diagonal(**kw) * 1.0,
           lambda rng: [Sample((_r(rng, 3, 4),)),
                        Sample((_r(rng, 3, 4),), {"offset": 1}),
                        Sample((_r(rng, 2, 3, 4),), {"offset": -1, "dim1": 2, "dim2": 1})]),
    OpInfo("diagonal_view", lambda lib, a: lib.diagonal(a, 0, -2, -1),
           lambda rng: [Sample((_r(rng, 2, 3, 3),))]),
    OpInfo("diag_embed", lambda lib, a, **kw: lib.diag_embed(a, **kw),
           lambda rng: [Sample((_r(rng, 2, 3),)),
                        Sample((_r(rng, 2, 3),), {"offset": 1, "dim1": 0, "dim2": 2})]),
    OpInfo("cross", lambda lib, a, b: lib.cross(a, b, dim=1),
           _pairs(((2, 3), (2, 3)), ((2, 3, 2), (1, 3, 2))),
           errors=lambda: [ErrorCase((np.ones((2, 2)), np.ones((2, 2))), {}, RuntimeError,
                                     "linalg.cross: inputs dimension 1 must have length 3. "
                                     "Got 2 and 2")]),
    OpInfo("linalg_cross", lambda lib, a, b: lib.linalg.cross(a, b),
           _pairs(((4, 3), (4, 3)), ((3,), (3,)))),
    OpInfo("linalg_det", lambda lib, a: lib.linalg.det(a),
           lambda rng: [Sample((_wellcond(rng, 3, 3),)), Sample((_wellcond(rng, 2, 2, 2),)),
                        Sample((_r(rng, 3, 3),))],
           errors=lambda: [ErrorCase((np.ones((2, 3)),), {}, RuntimeError,
                                     "linalg.det: A must be batches of square matrices, but "
                                     "they are 2 by 3 matrices"),
                           ErrorCase((np.ones((2, 2), np.int64),), {}, RuntimeError,
                                     "linalg.det: Expected a floating point or complex tensor "
                                     "as input. Got Long")]),
    OpInfo("det", lambda lib, a: a.det(), lambda rng: [Sample((_wellcond(rng, 2, 2),))]),
    OpInfo("linalg_inv", lambda lib, a: lib.linalg.inv(a),
           lambda rng: [Sample((_wellcond(rng, 3, 3),)), Sample((_wellcond(rng, 2, 2, 2),))],
           errors=lambda: [ErrorCase((np.ones((2, 3)),), {}, RuntimeError,
                                     "linalg.inv: A must be batches of square matrices, but "
                                     "they are 2 by 3 matrices")]),
    OpInfo("inverse", lambda lib, a: lib.inverse(a), lambda rng: [Sample((_wellcond(rng, 2, 2),))]),
    OpInfo("linalg_solve", lambda lib, a, b, **kw: lib.linalg.solve(a, b, **kw),
           lambda rng: [Sample((_wellcond(rng, 3, 3), _r(rng, 3, 2))),
                        Sample((_wellcond(rng, 3, 3), _r(rng, 3))),
                        Sample((_wellcond(rng, 2, 3, 3), _r(rng, 3, 2))),
                        Sample((_wellcond(rng, 2, 2), _r(rng, 3, 2)), {"left": False})],
           errors=lambda: [ErrorCase((np.ones((2, 2)), np.ones(3)), {}, RuntimeError,
                                     "linalg.solve: Incompatible shapes of A and B for the "
                                     "equation AX = B (2x2 and 3x1)"),
                           ErrorCase((np.eye(2), np.ones(2)), {"left": False}, RuntimeError,
                                     "linalg.solve: Incompatible shapes of A and B for the "
                                     "equation XA = B (2x2 and 2x1)")]),
    OpInfo("linalg_slogdet", lambda lib, a: lib.linalg.slogdet(a), lambda rng: [
        Sample((_wellcond(rng, 3, 3),)), Sample((_wellcond(rng, 2, 2, 2),))], output_index=1),
    OpInfo("linalg_svdvals", lambda lib, a: lib.linalg.svdvals(a),
           lambda rng: [Sample((_r(rng, 3, 4),)), Sample((_r(rng, 4, 3),)),
                        Sample((_r(rng, 2, 3, 3),))]),
    # torch.svd returns V, not Vh: U V^T (the polar factor) is free of the singular
    # vectors' signs, so it compares with PyTorch and is wrong if V were Vh
    OpInfo("svd_legacy_polar", lambda lib, a, **kw: (lambda r: r.U @ r.V.mT)(lib.svd(a, **kw)),
           lambda rng: [Sample((_r(rng, 4, 3),)), Sample((_r(rng, 2, 3, 3),)),
                        Sample((_r(rng, 3, 4),), {"some": True})]),
    OpInfo("svd_legacy_values", lambda lib, a, **kw: lib.svd(a, **kw), lambda rng: [
        Sample((_r(rng, 4, 3),), {"compute_uv": False}), Sample((_r(rng, 3, 4),))],
           output_index=1, grad_fn="LinalgSvdBackward0"),
    OpInfo("svd_legacy_zero_uv", lambda lib, a: lib.svd(a, compute_uv=False).V + a.sum(),
           lambda rng: [Sample((_r(rng, 4, 3),))]),
    OpInfo("svd_legacy_method", lambda lib, a: a.svd(some=False)[1],
           lambda rng: [Sample((_r(rng, 3, 5),))],
           errors=lambda: [ErrorCase((np.ones(3),), {}, RuntimeError, "linalg.svd")]),
    OpInfo("diagflat", lambda lib, a, *o: lib.diagflat(a, *o), lambda rng: [
        Sample((_r(rng, 2, 2),)), Sample((_r(rng, 3), 1)), Sample((_r(rng, 2, 3), -2)),
        Sample((np.asarray(1.5),))], grad_fn="DiagEmbedBackward0"),
    OpInfo("diagflat_method", lambda lib, a: a.diagflat(1), lambda rng: [
        Sample((_r(rng, 3),))]),
    OpInfo("linalg_vector_norm",
           lambda lib, a, dtype=None, **kw: lib.linalg.vector_norm(
               a, dtype=dtype and getattr(lib, dtype), **kw),
           lambda rng: [Sample((anyreal(rng, 3, 4),)),
                        Sample((anyreal(rng, 3, 4),), {"ord": 1, "dim": 1}),
                        Sample((anyreal(rng, 3, 4),), {"ord": 3.5, "dim": (0, 1),
                                                       "keepdim": True}),
                        Sample((anyreal(rng, 3, 1),), {"dim": 1}),
                        Sample((anyreal(rng, 3, 4),), {"dtype": "float64"})]),
    OpInfo("linalg_matrix_norm", lambda lib, a, **kw: lib.linalg.matrix_norm(a, **kw),
           lambda rng: [Sample((_r(rng, 3, 4),), {"ord": o}) for o in
                        ("fro", "nuc", 1, -1, 2, -2, float("inf"), -float("inf"))] +
           [Sample((_r(rng, 2, 3, 4),), {"ord": 1, "dim": (0, 2), "keepdim": True}),
            Sample((_r(rng, 2, 3, 4),), {"ord": 2, "dim": (2, 0), "keepdim": True}),
            Sample((_r(rng, 2, 3, 4),), {"ord": float("inf"), "dim": (-1, -2)})],
           errors=lambda: [ErrorCase((np.ones(3),), {}, RuntimeError,
                                     "linalg.matrix_norm: The input tensor A must have at least "
                                     "2 dimensions."),
                           ErrorCase((np.ones((2, 2)),), {"ord": 3}, RuntimeError,
                                     "linalg.matrix_norm: Order 3 not supported.")]),
    OpInfo("linalg_norm", lambda lib, a, **kw: lib.linalg.norm(a, **kw),
           lambda rng: [Sample((_r(rng, 3, 4),)),
                        Sample((_r(rng, 3, 4),), {"ord": 2}),
                        Sample((_r(rng, 3, 4),), {"ord": "fro"}),
                        Sample((_r(rng, 2, 3, 4),), {"dim": (1, 2)}),
                        Sample((_r(rng, 2, 3, 4),), {"ord": 1, "dim": 1}),
                        Sample((_r(rng, 4),), {"ord": float("inf")})],
           errors=lambda: [ErrorCase((np.ones((3, 3, 3)),), {"ord": 2}, RuntimeError,
                                     "linalg.norm: If dim is not specified but ord is, the "
                                     "input must be 1D or 2D. Got 3D.")]),
    OpInfo("linalg_matrix_exp", lambda lib, a: lib.linalg.matrix_exp(a),
           lambda rng: [Sample((_r(rng, 3, 3),)), Sample((_r(rng, 2, 4, 4) * 3.0,)),
                        Sample((_r(rng, 1, 1),))],
           errors=lambda: [ErrorCase((np.ones((2, 3)),), {}, RuntimeError,
                                     "linalg.matrix_exp: A must be batches of square matrices, "
                                     "but they are 2 by 3 matrices"),
                           ErrorCase((np.ones(3),), {}, RuntimeError,
                                     "linalg.matrix_exp: The input tensor A must have at least "
                                     "2 dimensions.")]),
    OpInfo("matrix_exp", lambda lib, a: a.matrix_exp(), lambda rng: [Sample((_r(rng, 2, 2),))]),
    OpInfo("linalg_householder_product",
           lambda lib, a, t: lib.linalg.householder_product(a, t),
           lambda rng: [Sample((_r(rng, 4, 3), _r(rng, 2))), Sample((_r(rng, 3, 3), _r(rng, 3))),
                        Sample((_r(rng, 2, 5, 2), _r(rng, 2, 2)))],
           errors=lambda: [ErrorCase((np.ones((3, 4)), np.ones(2)), {}, RuntimeError,
                                     "torch.linalg.householder_product: input.shape[-2] must be "
                                     "greater than or equal to input.shape[-1]"),
                           ErrorCase((np.ones((4, 3)), np.ones(4)), {}, RuntimeError,
                                     "torch.linalg.householder_product: input.shape[-1] must be "
                                     "greater than or equal to tau.shape[-1]")]),
    OpInfo("orgqr", lambda lib, a, t: a.orgqr(t), lambda rng: [Sample((_r(rng, 3, 2),
                                                                       _r(rng, 2)))]),
    # Q and R from the same LAPACK algorithm (geqrf's Householder signs) in both libraries
    OpInfo("linalg_qr", lambda lib, a, **kw: lib.linalg.qr(a, **kw),
           lambda rng: [Sample((_r(rng, 4, 3),)), Sample((_r(rng, 3, 5),)),
                        Sample((_r(rng, 2, 3, 3),))],
           output_index=0,
           errors=lambda: [ErrorCase((np.ones((2, 2)),), {"mode": "x"}, RuntimeError,
                                     "qr received unrecognized mode 'x' but expected one of "
                                     "'reduced' (default), 'r', or 'complete'")]),
    # (mode='complete' is not differentiable for tall inputs, which the edge sweep makes:
    # tests/ops/test_linalg_factor.py checks it)
    OpInfo("linalg_qr_R", lambda lib, a, **kw: lib.linalg.qr(a, **kw),
           lambda rng: [Sample((_r(rng, 4, 3),)), Sample((_r(rng, 3, 5),))], output_index=1),
    OpInfo("linalg_qr_both", lambda lib, a: (lambda q: q.Q + q.R * 0.5)(lib.linalg.qr(a)),
           lambda rng: [Sample((_r(rng, 3, 3),)), Sample((_r(rng, 2, 2, 2),))]),
    OpInfo("qr_legacy", lambda lib, a: lib.qr(a).R, lambda rng: [Sample((_r(rng, 4, 3),))]),
    OpInfo("geqrf", lambda lib, a: lib.geqrf(a), lambda rng: [Sample((_r(rng, 4, 3),)),
                                                               Sample((_r(rng, 2, 3, 5),))],
           differentiable=False, output_index=0),
    OpInfo("linalg_solve_triangular",
           lambda lib, a, b, **kw: lib.linalg.solve_triangular(a, b, **kw),
           lambda rng: [Sample((_wellcond(rng, 3, 3), _r(rng, 3, 2)), {"upper": True}),
                        Sample((_wellcond(rng, 3, 3), _r(rng, 2, 3)),
                               {"upper": False, "left": False}),
                        Sample((_wellcond(rng, 2, 3, 3), _r(rng, 3, 4)),
                               {"upper": False, "unitriangular": True})],
           errors=lambda: [ErrorCase((np.eye(2), np.ones((3, 1))), {"upper": True},
                                     RuntimeError, "linalg.solve_triangular: Incompatible "
                                     "shapes of A and B for the equation AX = B (2x2 and 3x1)")]),
    # cholesky and eigh read one triangle: the samples symmetrise first, so that the numeric
    # derivative sees the function the analytic one differentiates
    OpInfo("linalg_cholesky",
           lambda lib, a, **kw: lib.linalg.cholesky(a @ a.mT + 0.5 * lib.eye(a.shape[-2],
                                                                              dtype=a.dtype),
                                                    **kw),
           lambda rng: [Sample((_r(rng, 3, 3),)), Sample((_r(rng, 2, 3, 3),), {"upper": True})]),
    OpInfo("linalg_cholesky_ex",
           lambda lib, a: lib.linalg.cholesky_ex(a @ a.mT + 0.5 * lib.eye(3, dtype=a.dtype)),
           lambda rng: [Sample((_r(rng, 3, 3),))], output_index=0),
    OpInfo("linalg_eigh_values", lambda lib, a: lib.linalg.eigh(_sym(lib, a)),
           lambda rng: [Sample((_r(rng, 3, 3),)), Sample((_r(rng, 2, 4, 4),))], output_index=0),
    # eigenvectors are defined up to sign (LAPACK builds differ): compare V * V; their float32
    # gradients carry rounding scaled by 1 / (eigenvalue gap)
    OpInfo("linalg_eigh_vectors",
           lambda lib, a: (lambda v: v * v)(lib.linalg.eigh(_sym(lib, a))[1]),
           lambda rng: [Sample((_r(rng, 3, 3),)), Sample((_r(rng, 2, 4, 4),))], atol=1e-4),
    OpInfo("linalg_eigvalsh", lambda lib, a, **kw: lib.linalg.eigvalsh(_sym(lib, a), **kw),
           lambda rng: [Sample((_r(rng, 3, 3),)), Sample((_r(rng, 3, 3),), {"UPLO": "U"})]),
    OpInfo("linalg_multi_dot", lambda lib, *ts: lib.linalg.multi_dot(ts),
           lambda rng: [Sample((_r(rng, 3, 4), _r(rng, 4, 2))),
                        Sample((_r(rng, 3, 3), _r(rng, 3, 3), _r(rng, 3, 2))),
                        Sample((_r(rng, 3), _r(rng, 3, 4), _r(rng, 4, 2), _r(rng, 2, 5),
                                _r(rng, 5)))],
           errors=lambda: [ErrorCase((np.ones((2, 3)), np.ones((2, 2))), {}, RuntimeError,
                                     "multi_dot(): tensors 0 and 1 with shapes [2, 3] and "
                                     "[2, 2] cannot be multiplied")]),
    OpInfo("linalg_matrix_power", lambda lib, a, n: lib.linalg.matrix_power(a, n),
           lambda rng: [Sample((_wellcond(rng, 3, 3) / 3.0, n)) for n in (0, 1, 2, 3, 5, -1, -2)]
           + [Sample((_wellcond(rng, 2, 2, 2) / 3.0, 6))],
           errors=lambda: [ErrorCase((np.ones((2, 3)), 2), {}, RuntimeError,
                                     "linalg.matrix_power: A must be batches of square "
                                     "matrices, but they are 2 by 3 matrices")]),
    OpInfo("linalg_inv_ex", lambda lib, a: lib.linalg.inv_ex(a),
           lambda rng: [Sample((_wellcond(rng, 3, 3),))], output_index=0),
    OpInfo("linalg_solve_ex", lambda lib, a, b: lib.linalg.solve_ex(a, b),
           lambda rng: [Sample((_wellcond(rng, 3, 3), _r(rng, 3, 2)))], output_index=0),
    OpInfo("linalg_vander", lambda lib, x, **kw: lib.linalg.vander(x, **kw),
           lambda rng: [Sample((_r(rng, 4),)), Sample((_r(rng, 2, 3),), {"N": 5})]),
    OpInfo("linalg_pinv", lambda lib, a, **kw: lib.linalg.pinv(a, **kw),
           lambda rng: [Sample((_r(rng, 3, 5),)), Sample((_r(rng, 5, 3),)),
                        Sample((_wellcond(rng, 2, 3, 3),)),
                        Sample((_wellcond(rng, 3, 3),), {"atol": 0.1})],
           errors=lambda: [ErrorCase((np.ones(3),), {}, RuntimeError,
                                     "linalg.pinv(Double{[3]}): expected a tensor with 2 or more "
                                     "dimensions of float, double, cfloat or cdouble types")]),
    OpInfo("linalg_pinv_hermitian", lambda lib, a: lib.linalg.pinv(_sym(lib, a), hermitian=True),
           lambda rng: [Sample((_r(rng, 3, 3),))]),
    OpInfo("linalg_matrix_rank", lambda lib, a, **kw: lib.linalg.matrix_rank(a, **kw),
           lambda rng: [Sample((_r(rng, 3, 5),)), Sample((_r(rng, 2, 4, 4),), {"atol": 0.5}),
                        Sample((np.ones((3, 3)),))], differentiable=False),
    OpInfo("linalg_vecdot", lambda lib, a, b: lib.linalg.vecdot(a, b),
           _pairs(((3, 4), (4,)), ((2, 3), (2, 3)))),
]

