"""``torch.distributions``: parameterized probability distributions to sample from and score
(``Normal``, ``Categorical``, ``Bernoulli``, ``Uniform``, ``Exponential``, ``Laplace``,
``Poisson``, ``Independent``, ``MultivariateNormal``, ``OneHotCategorical``,
``Geometric``), with ``kl_divergence``.

Samples come from the same random streams as PyTorch's (the same seed, the same draws), and
``rsample`` and ``log_prob`` are differentiable in the parameters (the reparameterization
trick, REINFORCE's score function)."""
from . import constraints
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .chi2 import Chi2
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .poisson import Poisson
from .studentT import StudentT
from .uniform import Uniform

__all__ = ["Bernoulli", "Categorical", "Distribution", "Exponential", "Geometric", "Independent",
           "Laplace", "MultivariateNormal", "Normal", "OneHotCategorical",
           "OneHotCategoricalStraightThrough", "Poisson", "Uniform", "constraints",
           "kl_divergence", "register_kl"]
__all__ += ["Beta", "Chi2", "Dirichlet", "Gamma", "StudentT"]
