"""``torch.distributions``: parameterized probability distributions to sample from and score
(``Normal``, ``Categorical``, ``Bernoulli``, ``Uniform``), with ``kl_divergence``.

Samples come from the same random streams as PyTorch's (the same seed, the same draws), and
``rsample`` and ``log_prob`` are differentiable in the parameters (the reparameterization
trick, REINFORCE's score function)."""
from . import constraints
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .kl import kl_divergence, register_kl
from .normal import Normal
from .uniform import Uniform

__all__ = ["Bernoulli", "Categorical", "Distribution", "Normal", "Uniform", "constraints",
           "kl_divergence", "register_kl"]
