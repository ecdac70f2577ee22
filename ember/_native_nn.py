"""The ``torch.*`` forms of ``nn.functional`` ops, with PyTorch's native signatures.

Older scripts call ``torch.dropout(x, p, train)``, ``torch.batch_norm(...)`` or
``torch.kl_div(input, target, reduction)`` directly. Each name here forwards to the
implementation ``nn.functional`` uses (``ember/ops``), so values, gradients, ``grad_fn`` names
and random draws are those of the functional form; what differs is the signature (an int
``reduction``, ``train`` for ``training``, the argument order of the native op) and the checks,
which are the native op's rather than the Python-level ones of ``nn.functional``.

``import ember`` does not load this module: ``ember/__init__.py`` routes these names here
through ``_LAZY_ATTRS`` on first use.
"""
from __future__ import annotations

import numbers

from ._tensor import Tensor
from .ops import activation as _act
from .ops import dropout as _do
from .ops import linear as _lin
from .ops import loss as _loss
from .ops import normalization as _norm
from .ops import sparse as _sp
from .ops._nn_util import _check_tensor

# at::Reduction: 0 none, 1 mean, 2 sum; the native losses apply no reduction for any other int
_REDUCTIONS = {1: "mean", 2: "sum"}


def _reduction(fname: str, reduction) -> str:
    if not isinstance(reduction, numbers.Integral):
        raise TypeError(f"{fname}(): argument 'reduction' must be int, not "
                        f"{type(reduction).__name__}")
    return _REDUCTIONS.get(int(reduction), "none")


def _check(fname: str, input, p: float, train) -> None:
    """The native dropouts' argument checks: a tensor, a bool ``train`` and PyTorch's
    RuntimeError for ``p`` (``nn.functional`` raises ValueError before reaching it)."""
    _check_tensor(input, fname)
    if not isinstance(train, bool):
        raise TypeError(f"{fname}(): argument 'train' (position 3) must be bool, not "
                        f"{type(train).__name__}")
    if p < 0.0 or p > 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")


# -- dropout ------------------------------------------------------------------------------------
def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.dropout``: ``nn.functional.dropout(input, p, train)``."""
    _check("dropout", input, p, train)
    return _do.dropout(input, p, train)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place ``torch.dropout``."""
    _check("dropout_", input, p, train)
    return _do.dropout(input, p, train, True)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.alpha_dropout``: ``nn.functional.alpha_dropout(input, p, train)``."""
    _check("alpha_dropout", input, p, train)
    return _do.alpha_dropout(input, p, train)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place ``torch.alpha_dropout``."""
    _check("alpha_dropout_", input, p, train)
    return _do.alpha_dropout(input, p, train, True)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.feature_dropout``: whole channels (dim 1) of each sample, as ``dropout2d``."""
    _check("feature_dropout", input, p, train)
    return _do._feature_dropout(input, p, train, False)


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place ``torch.feature_dropout``."""
    _check("feature_dropout_", input, p, train)
    return _do._feature_dropout(input, p, train, True)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.feature_alpha_dropout``: ``nn.functional.feature_alpha_dropout``."""
    _check("feature_alpha_dropout", input, p, train)
    return _do._feature_dropout(input, p, train, False, alpha=True)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place ``torch.feature_alpha_dropout``."""
    _check("feature_alpha_dropout_", input, p, train)
    return _do._feature_dropout(input, p, train, True, alpha=True)


def native_dropout(input: Tensor, p: float, train: bool | None) -> tuple:
    """``torch.native_dropout``: the output and its bool mask (``train=None`` trains)."""
    return _do.native_dropout(input, p, train)


# -- embedding ----------------------------------------------------------------------------------
def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """``torch.embedding``: rows of ``weight`` (first here) at ``indices``. A negative
    ``padding_idx`` means none, and one past the rows matches no index."""
    pad = padding_idx if 0 <= padding_idx < weight.shape[0] else None
    return _sp.embedding(indices, weight, pad, None, 2.0, scale_grad_by_freq, sparse)


# -- normalisation ------------------------------------------------------------------------------
def batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
               running_mean: Tensor | None, running_var: Tensor | None, training: bool,
               momentum: float, eps: float, cudnn_enabled: bool) -> Tensor:
    """``torch.batch_norm`` (``cudnn_enabled`` is ignored); without ``nn.functional``'s checks
    of the batch size and ``eps``, as the native op."""
    return _norm._batch_norm(input, running_mean, running_var, weight, bias, training,
                             momentum, eps)[0]


def native_batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
                      running_mean: Tensor | None, running_var: Tensor | None, training: bool,
                      momentum: float, eps: float) -> tuple:
    """``torch.native_batch_norm``: the output, then the batch mean and 1/std per channel
    (training) or two empty tensors (evaluation)."""
    out, mean, rstd = _norm._batch_norm(input, running_mean, running_var, weight, bias,
                                        training, momentum, eps)
    if not training:
        return out, Tensor._wrap(mean[:0].reshape(0)), Tensor._wrap(rstd[:0].reshape(0))
    return out, Tensor._wrap(mean.reshape(-1).copy()), Tensor._wrap(rstd.reshape(-1).copy())


def instance_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
                  running_mean: Tensor | None, running_var: Tensor | None,
                  use_input_stats: bool, momentum: float, eps: float,
                  cudnn_enabled: bool) -> Tensor:
    """``torch.instance_norm`` (``cudnn_enabled`` is ignored)."""
    return _norm._instance_norm(input, running_mean, running_var, weight, bias,
                                use_input_stats, momentum, eps)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5,
               cudnn_enabled: bool = True) -> Tensor:
    """``torch.group_norm`` (``cudnn_enabled`` is ignored; a group of one value is allowed)."""
    return _norm._group_norm(input, num_groups, weight, bias, eps, False)


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """``torch.rms_norm``: ``nn.functional.rms_norm``."""
    return _norm.rms_norm(input, normalized_shape, weight, eps)


def native_layer_norm(input: Tensor, normalized_shape, weight: Tensor | None,
                      bias: Tensor | None, eps: float) -> tuple:
    """``torch.native_layer_norm``: the output, then the mean and 1/std of each normalised
    slice (the input's shape with the normalised dims as 1)."""
    out, mean, rstd = _norm._layer_norm(input, normalized_shape, weight, bias, eps)
    return out, Tensor._wrap(mean.copy()), Tensor._wrap(rstd.copy())


# -- activations --------------------------------------------------------------------------------
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``torch.prelu``: ``nn.functional.prelu``."""
    return _act.prelu(input, weight)


def selu(input: Tensor) -> Tensor:
    """``torch.selu``: ``nn.functional.selu``."""
    return _act.selu(input)


def selu_(input: Tensor) -> Tensor:
    """In-place ``torch.selu``."""
    return _act.selu(input, True)


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``torch.celu``: ``nn.functional.celu``."""
    return _act.celu(input, alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``torch.celu``."""
    return _act.celu(input, alpha, True)


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """``torch.threshold``: ``input`` where above ``threshold``, else ``value``."""
    return _act.threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place ``torch.threshold``."""
    return _act.threshold(input, threshold, value, True)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, generator=None) -> Tensor:
    """``torch.rrelu``: ``nn.functional.rrelu``, its slopes drawn from ``generator``."""
    return _act._rrelu(input, lower, upper, training, False, generator)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False, generator=None) -> Tensor:
    """In-place ``torch.rrelu``."""
    return _act._rrelu(input, lower, upper, training, True, generator)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``torch.hardshrink``: ``nn.functional.hardshrink``."""
    return _act.hardshrink(input, lambd)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """``torch.bilinear``: ``nn.functional.bilinear``."""
    return _lin.bilinear(input1, input2, weight, bias)


# -- losses (an int reduction; left out, PyTorch's Python binding reduces nothing) --------------
def kl_div(input: Tensor, target: Tensor, reduction: int = 0, *,
           log_target: bool = False) -> Tensor:
    """``torch.kl_div``: pointwise KL divergence, then 0 none / 1 mean / 2 sum."""
    return _loss._kl_div(input, target, _reduction("kl_div", reduction), log_target)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: int = 0) -> Tensor:
    """``torch.cosine_embedding_loss`` with an int ``reduction``."""
    red = _reduction("cosine_embedding_loss", reduction)
    return _loss.cosine_embedding_loss(input1, input2, target, margin, reduction=red)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: int = 0) -> Tensor:
    """``torch.margin_ranking_loss`` with an int ``reduction`` (inputs broadcast)."""
    red = _reduction("margin_ranking_loss", reduction)
    return _loss._margin_ranking_loss(input1, input2, target, margin, red)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         reduction: int = 0) -> Tensor:
    """``torch.hinge_embedding_loss`` with an int ``reduction``."""
    red = _reduction("hinge_embedding_loss", reduction)
    return _loss.hinge_embedding_loss(input, target, margin, reduction=red)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, reduction: int = 0) -> Tensor:
    """``torch.triplet_margin_loss`` with an int ``reduction`` (any margin, as the native op)."""
    red = _reduction("triplet_margin_loss", reduction)
    return _loss._triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, red)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float,
                     reduction: int) -> Tensor:
    """``torch.poisson_nll_loss``: every argument required, ``reduction`` an int."""
    red = _reduction("poisson_nll_loss", reduction)
    return _loss.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=red)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None,
                                     pos_weight: Tensor | None = None,
                                     reduction: int = 0) -> Tensor:
    """``torch.binary_cross_entropy_with_logits`` with an int ``reduction``."""
    red = _reduction("binary_cross_entropy_with_logits", reduction)
    return _loss.binary_cross_entropy_with_logits(input, target, weight, reduction=red,
                                                  pos_weight=pos_weight)
