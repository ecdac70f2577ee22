"""The half-Cauchy distribution: ``|X|`` for ``X ~ Cauchy(0, scale)``."""
from __future__ import annotations

import math

from ._half import _Half
from .cauchy import Cauchy

__all__ = ["HalfCauchy"]


class HalfCauchy(_Half):
    """``HalfCauchy(scale)``: the absolute value of ``Cauchy(0, scale)`` (no finite mean)."""

    _base = Cauchy

    @property
    def mean(self):
        from .. import full
        return full(self._extended_shape(), math.inf, dtype=self.scale.dtype)

    @property
    def variance(self):
        return self.base_dist.variance

    def _log_prob(self, value):
        from .. import as_tensor
        return super()._log_prob(as_tensor(value, dtype=self.base_dist.scale.dtype))
