"""``Module.load_state_dict``: copy a state dict into a module tree, PyTorch's way."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """The result of load_state_dict: missing and unexpected keys."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")

    __str__ = __repr__


def load_into(root, state_dict, strict: bool, assign: bool) -> _IncompatibleKeys:
    """Copy matching entries of ``state_dict`` into ``root``'s parameters and buffers."""
    if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    missing, errors = [], []
    expected = set()
    with no_grad():
        for prefix, module in root.named_modules(remove_duplicate=False):
            prefix = prefix + "." if prefix else ""
            local = [(n, p, True) for n, p in module._parameters.items() if p is not None]
            local += [(n, b, False) for n, b in module._buffers.items()
                      if b is not None and n not in module._non_persistent_buffers_set]
            for name, target, is_param in local:
                key = prefix + name
                expected.add(key)
                if key not in state_dict:
                    missing.append(key)
                    continue
                value = state_dict[key]
                if not isinstance(value, Tensor):
                    errors.append(f'While copying the parameter named "{key}", expected '
                                  f"torch.Tensor or Tensor-like object from checkpoint but "
                                  f"received {type(value)}")
                    continue
                if value._data.shape != target._data.shape:
                    errors.append(f"size mismatch for {key}: copying a param with shape "
                                  f"{value.shape} from checkpoint, the shape in current model "
                                  f"is {target.shape}.")
                    continue
                if assign:
                    store = module._parameters if is_param else module._buffers
                    if is_param:
                        from ..parameter import Parameter
                        store[name] = Parameter(value.detach(), target.requires_grad)
                    else:
                        store[name] = value
                else:
                    np.copyto(target._data, value._data, casting="unsafe")
                    target._bump()
    unexpected = [k for k in state_dict.keys() if k not in expected and
                  not k.endswith("_extra_state")]
    if strict:
        if unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in missing) + ". ")
    if errors:
        raise RuntimeError(f"Error(s) in loading state_dict for {root._get_name()}:\n\t"
                           + "\n\t".join(errors))
    return _IncompatibleKeys(missing, unexpected)
