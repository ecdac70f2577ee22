"""``torch.special``: the special functions under their SciPy-style names.

Most are the ops of ``ember.ops`` under a second name (``expit`` is ``sigmoid``, ``psi`` would
be ``digamma``); ``entr``, ``erfcx``, ``log_ndtr``, ``ndtri``, ``ndtr`` and ``xlog1py`` are
torch.special's own (``ember/ops/special.py``, with their backward nodes), and the gamma family
is ``lgamma``, ``digamma``, ``polygamma``, ``mvlgamma``; the modified Bessel functions ``i0``,
``i0e``, ``i1``, ``i1e`` are in ``ember/ops/bessel.py``. ``zeta`` and the incomplete gamma
functions are not in ember yet."""
from __future__ import annotations

from .ops.activation import log_softmax, softmax
from .ops.arithmetic import round as _round
from .ops.bessel import i0, i0e, i1, i1e
from .ops.reduction import logsumexp
from .ops.special import mvlgamma as _mvlgamma
from .ops.special import (digamma, entr, erf, erfc, erfcx, erfinv, lgamma as gammaln,
                          log_ndtr, logit, ndtr, ndtri, polygamma, sigmoid as expit, xlog1py,
                          xlogy)
from .ops.transcendental import exp2, expm1, log1p, sinc

psi = digamma


def multigammaln(input, p: int, *, out=None):
    """The multivariate log-gamma function (``torch.mvlgamma``)."""
    return _mvlgamma(input, p, out=out)


def round(input, *, decimals: int = 0, out=None):
    """``torch.round`` with ``decimals`` always given (so PyTorch's RoundBackward1)."""
    return _round(input, decimals=decimals, out=out)


__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1",
           "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit",
           "logsumexp", "multigammaln",
           "ndtr", "ndtri", "polygamma", "psi", "round", "sinc", "softmax", "xlog1py", "xlogy"]
