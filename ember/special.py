"""``torch.special``: the special functions under their SciPy-style names.

Most are the ops of ``ember.ops`` under a second name (``expit`` is ``sigmoid``, ``psi`` would
be ``digamma``); ``entr``, ``erfcx``, ``log_ndtr``, ``ndtri``, ``ndtr`` and ``xlog1py`` are
torch.special's own (``ember/ops/special.py``, with their backward nodes). The gamma and Bessel
families (``gammaln``, ``digamma``, ``i0``, ...) are not in ember yet."""
from __future__ import annotations

from .ops.activation import log_softmax, softmax
from .ops.arithmetic import round as _round
from .ops.reduction import logsumexp
from .ops.special import (entr, erf, erfc, erfcx, erfinv, log_ndtr, logit, ndtr, ndtri,
                          sigmoid as expit, xlog1py, xlogy)
from .ops.transcendental import exp2, expm1, log1p, sinc

def round(input, *, decimals: int = 0, out=None):
    """``torch.round`` with ``decimals`` always given (so PyTorch's RoundBackward1)."""
    return _round(input, decimals=decimals, out=out)


__all__ = ["entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "log1p",
           "log_ndtr", "log_softmax", "logit", "logsumexp", "ndtr", "ndtri", "round", "sinc",
           "softmax", "xlog1py", "xlogy"]
