"""``functional_call``: run a module with given tensors standing in for its parameters and
buffers (by their ``state_dict`` names), then put the module's own back."""
from __future__ import annotations

__all__ = ["functional_call", "stack_module_state"]


_ABSENT = object()


def _slot(module, name: str):
    """The dict holding attribute ``name`` of ``module`` (dotted for a submodule): its
    parameters, its buffers, or None for a name it does not have."""
    *path, attr = name.split(".")
    owner = module
    for part in path:
        owner = owner._modules.get(part) if owner is not None else None
    if owner is None:
        return None, None, attr
    for store in (owner._parameters, owner._buffers):
        if attr in store:
            return owner, store, attr
    return owner, None, attr


def _merge(dicts) -> dict:
    if isinstance(dicts, dict):
        return dict(dicts)
    merged: dict = {}
    repeated = []
    for d in dicts:
        for k, v in d.items():
            if k in merged:
                repeated.append(k)
            merged[k] = v
    if repeated:
        raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                         "functional call is ambiguous")
    return merged


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights: bool = True, strict: bool = False):
    """``module(*args, **kwargs)`` with each tensor of ``parameter_and_buffer_dicts`` (a
    dict, or a sequence of dicts with distinct keys) in place of the parameter or buffer of
    that name; gradients flow to the given tensors. With ``tie_weights``, a tensor given for
    one of several names sharing a parameter stands in for all of them; ``strict`` requires
    exactly the module's names."""
    given = _merge(parameter_and_buffer_dicts)
    own = dict(module.named_parameters(remove_duplicate=False))
    own.update(module.named_buffers(remove_duplicate=False))
    if tie_weights:
        # every name of a tied tensor takes what is given for one of them
        for name, value in list(given.items()):
            mine = own.get(name)
            if mine is not None:
                for other, t in own.items():
                    if t is mine and other not in given:
                        given[other] = value
    if strict:
        missing = sorted(k for k in own if k not in given)
        unexpected = sorted(k for k in given if k not in own)
        if missing or unexpected:
            lines = ""
            if unexpected:
                lines += "\n\tUnexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) \
                    + "."
            if missing:
                lines += "\n\tMissing key(s): " + ", ".join(f"'{k}'" for k in missing) + "."
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:"
                               f"{lines}")
    saved = []
    try:
        for name, value in given.items():
            owner, store, attr = _slot(module, name)
            if owner is None:
                continue
            if store is None:          # a name the module lacks: a plain attribute meanwhile
                saved.append((owner, None, attr, owner.__dict__.get(attr, _ABSENT)))
                owner.__dict__[attr] = value
            else:
                saved.append((owner, store, attr, store[attr]))
                store[attr] = value
        if args is None:
            args = ()
        elif not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for owner, store, attr, old in reversed(saved):
            if store is not None:
                store[attr] = old
            elif old is _ABSENT:
                owner.__dict__.pop(attr, None)
            else:
                owner.__dict__[attr] = old



def _stacked_leaf(tensors: tuple, name: str):
    from .. import stack
    grads = [t.requires_grad for t in tensors]
    if any(grads) and not all(grads):
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    out = stack(tensors)
    # a fresh leaf: the ensemble's parameters, not a function of the models'
    return out.detach().requires_grad_() if all(grads) else out


def stack_module_state(models) -> tuple[dict, dict]:
    """The parameters and buffers of several modules of one class, each stacked along a new
    first dim: ``(params, buffers)`` dicts by name, for ``vmap`` over ``functional_call``
    (model ensembling). Stacked parameters are new leaves requiring grad."""
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if len({m.training for m in models}) != 1:
        raise RuntimeError("stack_module_state: Expected all models to have the same "
                           "training/eval mode.")
    if len({type(m) for m in models}) != 1:
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    params = [dict(m.named_parameters()) for m in models]
    buffers = [dict(m.named_buffers()) for m in models]
    return ({k: _stacked_leaf(tuple(p[k] for p in params), k) for k in params[0]},
            {k: _stacked_leaf(tuple(b[k] for b in buffers), k) for k in buffers[0]})
