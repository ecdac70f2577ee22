"""``torch.optim.swa_utils``: weight averaging. ``AveragedModel`` keeps a running average of a
model's parameters (stochastic weight averaging, or an exponential moving average with
``get_ema_multi_avg_fn``), ``SWALR`` anneals the learning rate to a constant for the averaging
phase, and ``update_bn`` recomputes batch-norm statistics for the averaged weights."""
from __future__ import annotations

import copy
import itertools
import math
import warnings

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..nn.modules.module import Module
from .lr_scheduler import LRScheduler, _format_param
from .optimizer import Optimizer

__all__ = ["AveragedModel", "SWALR", "update_bn", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         "[0,1] range.")


def _floating(t: Tensor) -> bool:
    return t.is_floating_point() or t.is_complex()


def get_ema_multi_avg_fn(decay: float = 0.999):
    """An update of a list of averages towards the current values: ``avg.lerp_(cur, 1 -
    decay)`` (an exponential moving average)."""
    _check_decay(decay)

    def ema_update(ema_params: list, current_params: list, _num_averaged) -> None:
        with no_grad():
            if _floating(ema_params[0]):
                for a, c in zip(ema_params, current_params):
                    a.lerp_(c, 1 - decay)
            else:
                for a, c in zip(ema_params, current_params, strict=True):
                    a.copy_(a * decay + c * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """An update of a list of running means: ``avg.lerp_(cur, 1 / (n + 1))``."""
    def swa_update(averaged_params: list, current_params: list, num_averaged) -> None:
        with no_grad():
            if _floating(averaged_params[0]):
                w = 1 / (num_averaged + 1)
                w = w.item() if isinstance(w, Tensor) else w
                for a, c in zip(averaged_params, current_params):
                    a.lerp_(c, w)
            else:
                for a, c in zip(averaged_params, current_params):
                    if isinstance(num_averaged, Tensor):
                        a.addcdiv_(c - a, num_averaged + 1)
                    else:
                        a.add_(c - a, alpha=1.0 / (num_averaged + 1))
    return swa_update


def get_ema_avg_fn(decay: float = 0.999):
    """The exponential moving average of one parameter: ``decay * avg + (1 - decay) * cur``."""
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """The running mean of one parameter: ``avg + (cur - avg) / (n + 1)``."""
    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A deep copy of ``model`` whose parameters (and, with ``use_buffers``, buffers) are the
    average of the values ``update_parameters`` has seen: the running mean by default,
    ``avg_fn(avg, cur, n)`` per tensor, or ``multi_avg_fn(avgs, curs, n)`` over all of them.
    ``n_averaged`` counts the updates; calling it runs the averaged copy."""

    def __init__(self, model: Module, device=None, avg_fn=None, multi_avg_fn=None,
                 use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        from .. import tensor, long
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=long, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current values into the average (the first call copies them)."""
        if self.use_buffers:
            mine = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.parameters(), model.parameters()
        avgs, curs = [], []
        first = int(self.n_averaged.item()) == 0
        for a, c in zip(mine, theirs):
            a, c = a.detach(), c.detach()
            avgs.append(a)
            curs.append(c)
            if first:
                a.copy_(c)
        n = self.n_averaged
        if not first and avgs:
            if self.multi_avg_fn is not None:
                # grouped by dtype, as PyTorch groups them for its foreach kernels
                groups: dict = {}
                for a, c in zip(avgs, curs):
                    pair = groups.setdefault(a.dtype, ([], []))
                    pair[0].append(a)
                    pair[1].append(c)
                for ga, gc in groups.values():
                    self.multi_avg_fn(ga, gc, n)
            else:
                # (without either function, PyTorch's CPU path: the running mean per tensor)
                avg_fn = self.avg_fn or get_swa_avg_fn()
                for a, c in zip(avgs, curs, strict=True):
                    a.copy_(avg_fn(a, c, n))
        if not self.use_buffers:
            for b_avg, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                b_avg.detach().copy_(b_model.detach())
        with no_grad():
            self.n_averaged += 1


def update_bn(loader, model: Module, device=None) -> None:
    """One pass over ``loader`` in training mode to recompute the running statistics of
    ``model``'s batch-norm layers as plain averages (momentum None) over the data; a batch
    that is a list or tuple feeds its first element."""
    from ..nn.modules.normalization import _BatchNorm
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for input in loader:
            if isinstance(input, (list, tuple)):
                input = input[0]
            if device is not None:
                input = input.to(device)
            model(input)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneals each group's learning rate to ``swa_lr`` over ``anneal_epochs`` epochs
    (``"cos"`` or ``"linear"``), then holds it there."""

    def __init__(self, optimizer: Optimizer, swa_lr, anneal_epochs: int = 10,
                 anneal_strategy: str = "cos", last_epoch: int = -1) -> None:
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for lr, group in zip(swa_lrs, optimizer.param_groups, strict=True):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list:
        """The learning rates for the current step: each group's lr moved towards its swa_lr
        by the anneal function's progress since the previous step."""
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please use "
                          "`get_last_lr()`.", UserWarning, stacklevel=2)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha)
                    for g in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [g["swa_lr"] * alpha + lr * (1 - alpha)
                for g, lr in zip(self.optimizer.param_groups, prev_lrs, strict=True)]

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else \
            self._linear_anneal

    def state_dict(self) -> dict:
        """Every attribute but the optimizer and the anneal function."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
