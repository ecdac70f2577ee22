"""``torch.distributions``: parameterized probability distributions to sample from and score
(``Normal``, ``Categorical``, ``Bernoulli``, ``Uniform``, ``Exponential``, ``Laplace``,
``Poisson``, ``Geometric``, ``Independent``, ``MultivariateNormal``, ``OneHotCategorical``,
the gamma family, ``TransformedDistribution`` over ``transforms`` and the distributions built
on it, ...), with ``kl_divergence``.

Samples come from the same random streams as PyTorch's (the same seed, the same draws), and
``rsample`` and ``log_prob`` are differentiable in the parameters (the reparameterization
trick, REINFORCE's score function)."""
from . import constraints
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .cauchy import Cauchy
from .chi2 import Chi2
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .gumbel import Gumbel
from .half_cauchy import HalfCauchy
from .half_normal import HalfNormal
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .logistic_normal import LogisticNormal
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .pareto import Pareto
from .poisson import Poisson
from .studentT import StudentT
from .relaxed_bernoulli import RelaxedBernoulli
from .relaxed_categorical import RelaxedOneHotCategorical
from .transformed_distribution import TransformedDistribution
from .transforms import (
    AbsTransform,
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    IndependentTransform,
    PowerTransform,
    ReshapeTransform,
    SigmoidTransform,
    SoftmaxTransform,
    SoftplusTransform,
    StickBreakingTransform,
    TanhTransform,
    Transform,
    identity_transform,
)
from .uniform import Uniform
from .weibull import Weibull

__all__ = ["Bernoulli", "Categorical", "Distribution", "Exponential", "Geometric", "Independent",
           "Laplace", "MultivariateNormal", "Normal", "OneHotCategorical",
           "OneHotCategoricalStraightThrough", "Poisson", "Uniform", "constraints",
           "kl_divergence", "register_kl"]
__all__ += ["Beta", "Chi2", "Dirichlet", "Gamma", "StudentT"]
__all__ += ["AbsTransform", "AffineTransform", "Cauchy", "ComposeTransform", "ExpTransform",
            "Gumbel", "HalfCauchy", "HalfNormal", "IndependentTransform", "LogNormal",
            "LogisticNormal", "PowerTransform", "ReshapeTransform", "SigmoidTransform",
            "SoftmaxTransform", "SoftplusTransform", "StickBreakingTransform",
            "TanhTransform", "Transform", "TransformedDistribution", "identity_transform",
            "transforms"]
__all__ += ["Pareto", "RelaxedBernoulli", "RelaxedOneHotCategorical", "Weibull"]
