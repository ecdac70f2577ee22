"""``Module.load_state_dict``: copy a state dict into a module tree, PyTorch's way."""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad

_EXTRA = "_extra_state"


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """The result of load_state_dict: missing and unexpected keys."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def load_state_dict(root, state_dict, strict: bool, assign: bool) -> _IncompatibleKeys:
    """Every module loads its own entries (``_load_from_state_dict``), parents first."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    missing, unexpected, errors = [], [], []
    metadata = getattr(state_dict, "_metadata", None)
    state_dict = OrderedDict(state_dict)
    if metadata is not None:
        state_dict._metadata = metadata
    # Iterative walk (no recursion limit); post-hooks run after a module's whole subtree.
    stack = [(root, state_dict, "", False)]
    while stack:
        module, local, prefix, done = stack.pop()
        if done:
            keys = _IncompatibleKeys(missing, unexpected)
            for hook in module._load_state_dict_post_hooks.values():
                if hook(module, keys) is not None:
                    raise AssertionError(
                        "Hooks registered with ``register_load_state_dict_post_hook`` are not "
                        "expected to return new values, if incompatible_keys need to be "
                        "modified, it should be done inplace.")
            continue
        local_metadata = {} if metadata is None else metadata.get(prefix[:-1], {})
        if assign:
            local_metadata["assign_to_params_buffers"] = assign
        module._load_from_state_dict(local, prefix, local_metadata, True, missing, unexpected,
                                     errors)
        stack.append((module, local, prefix, True))
        children = []
        for name, child in module._modules.items():
            if child is not None:
                child_prefix = prefix + name + "."
                children.append((child, {k: v for k, v in local.items()
                                         if k.startswith(child_prefix)}, child_prefix, False))
        stack.extend(reversed(children))
    if strict:
        if unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in unexpected)))
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in missing)))
    if errors:
        raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
            type(root).__name__, "\n\t".join(errors)))
    return _IncompatibleKeys(missing, unexpected)


def load_from_state_dict(module, state_dict, prefix: str, local_metadata: dict, strict: bool,
                         missing: list, unexpected: list, errors: list) -> None:
    """``Module._load_from_state_dict``: this module's own parameters and buffers."""
    from ..parameter import Parameter
    from .module import Module
    for hook in module._load_state_dict_pre_hooks.values():
        hook(state_dict, prefix, local_metadata, strict, missing, unexpected, errors)
    local = {k: v for k, v in module._parameters.items() if v is not None}
    local.update((k, v) for k, v in module._buffers.items()
                 if v is not None and k not in module._non_persistent_buffers_set)
    assign = local_metadata.get("assign_to_params_buffers", False)
    for name, param in local.items():
        key = prefix + name
        if key not in state_dict:
            if strict:
                missing.append(key)
            continue
        value = state_dict[key]
        if not isinstance(value, Tensor):
            errors.append(f'While copying the parameter named "{key}", expected torch.Tensor '
                          f"or Tensor-like object from checkpoint but received {type(value)}")
            continue
        if param.ndim == 0 and value.ndim == 1 and value.shape[0] == 1:
            value = value[0]
        if value.shape != param.shape:
            errors.append(f"size mismatch for {key}: copying a param with shape {value.shape} "
                          "from checkpoint, the shape in current model is "
                          f"{param.shape}.")
            continue
        with no_grad():
            if assign:
                if isinstance(param, Parameter):
                    if not isinstance(value, Parameter):
                        value = Parameter(value, requires_grad=param.requires_grad)
                    else:
                        value.requires_grad_(param.requires_grad)
                setattr(module, name, value)
            else:
                # param.copy_(value): in place, casting to the parameter's dtype.
                np.copyto(param._data, value._data, casting="unsafe")
                param._bump()
    key = prefix + _EXTRA
    if getattr(type(module), "set_extra_state", Module.set_extra_state) \
            is not Module.set_extra_state:
        if key in state_dict:
            module.set_extra_state(state_dict[key])
        elif strict:
            missing.append(key)
    elif strict and key in state_dict:
        unexpected.append(key)
    if strict:
        for k in state_dict:
            if k.startswith(prefix) and k != key:
                parts = k[len(prefix):].split(".", 1)
                if len(parts) > 1:
                    if parts[0] not in module._modules:
                        unexpected.append(k)
                elif parts[0] not in local:
                    unexpected.append(k)
