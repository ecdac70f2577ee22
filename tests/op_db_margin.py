"""Op table entries for the multi-class hinge losses (ember/nn/_multi_margin.py)."""
import numpy as np

from op_db import ErrorCase, OpInfo, Sample, anyreal

_T = np.array([0, 2, 3, 1])
_LABELS = np.array([[0, 2, -1, 1], [3, -1, 0, 0], [1, 1, 3, 0], [-1, 0, 1, 2]])


def _mm(lib, x, t, w=None, **kw):
    return lib.nn.functional.multi_margin_loss(x, t, weight=w, **kw)


def _mm_samples(rng):
    x = anyreal(rng, 4, 4) * 0.4       # hinges on both sides of the margin
    return [Sample((x, _T)), Sample((x, _T), {"p": 2, "margin": 0.7}),
            Sample((x, _T, rng.uniform(0.5, 2.0, 4)), {"reduction": "sum"}, grad=(0,)),
            Sample((x, _T, rng.uniform(0.5, 2.0, 4)), {"p": 2, "reduction": "none"},
                   grad=(0,)),
            Sample((x[0], np.array(2)), {"reduction": "none"}),
            Sample((x[1], np.array([1])), {"p": 2})]


def _ml(lib, x, t, **kw):
    return lib.nn.functional.multilabel_margin_loss(x, t, **kw)


def _ml_samples(rng):
    x = anyreal(rng, 4, 4) * 0.4
    return [Sample((x, _LABELS)), Sample((x, _LABELS), {"reduction": "none"}),
            Sample((x, _LABELS), {"reduction": "sum"}),
            Sample((x[0], _LABELS[0]), {"reduction": "none"})]


X = np.ones((3, 4))

OPS = [
    OpInfo("multi_margin_loss", _mm, _mm_samples, grad_fn="MultiMarginLossBackward0",
           errors=lambda: [
               ErrorCase((X, _T[:3]), {"p": 3}, ValueError, "only p == 1 and p == 2 supported"),
               ErrorCase((X, _T[:2]), {}, RuntimeError,
                         "Expected target size [3], but got [2]. Input has shape [3, 4]."),
               ErrorCase((X, np.array([0, 1, 4])), {}, RuntimeError, "target out of range"),
               ErrorCase((X, np.array([0.0, 1.0, 2.0])), {}, RuntimeError,
                         "expected scalar type Long but found Double"),
               ErrorCase((X, _T[:3], np.ones(3)), {}, RuntimeError,
                         "inconsistent weight size, expected 4 but got [3]"),
               ErrorCase((np.ones((2, 3, 4)), _T[:2]), {}, RuntimeError,
                         "Expected non-empty vector or matrix with optional 0-dim batch size, "
                         "but got: [2, 3, 4]"),
               ErrorCase((np.ones((3, 4), np.int32), _T[:3]), {}, NotImplementedError,
                         "\"multi_margin_loss_cpu_kernel\" not implemented for 'Int'")]),
    OpInfo("multilabel_margin_loss", _ml, _ml_samples,
           grad_fn="MultilabelMarginLossBackward0",
           errors=lambda: [
               ErrorCase((X, np.array([0, 1, 2])), {}, RuntimeError,
                         "inconsistent target size: [3] for input of size: [3, 4]"),
               ErrorCase((X, np.array([[0, 5, -1, 1]] * 3)), {}, RuntimeError,
                         "argument #2 'target' is out of range"),
               ErrorCase((X, np.array([[0, -2, -1, 1]] * 3)), {}, RuntimeError,
                         "argument #2 'target' is out of range"),
               ErrorCase((np.ones((2, 3, 4)), np.zeros((2, 3, 4), np.int64)), {}, RuntimeError,
                         "Expected non-empty vector or matrix")]),
]
