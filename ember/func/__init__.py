"""``torch.func``: ``functional_call`` (a module run with other tensors in place of its
parameters and buffers) and ``stack_module_state`` (``ember/func/_functional_call.py``); the
function transforms ``grad``, ``grad_and_value``, ``vmap``, ``jacrev``, ``jacfwd`` and
``hessian`` (``_transforms.py``); ``vjp``, ``jvp`` and ``linearize`` (``_vjp_jvp.py``);
``functionalize``."""
from __future__ import annotations

from ._functional_call import functional_call, stack_module_state
from ._transforms import grad, grad_and_value, hessian, jacfwd, jacrev, vmap
from ._vjp_jvp import jvp, linearize, vjp

__all__ = ["functional_call", "functionalize", "grad", "grad_and_value", "hessian", "jacfwd",
           "jacrev", "jvp", "linearize", "stack_module_state", "vjp", "vmap"]

_REMOVE = ("mutations", "mutations_and_views")


def functionalize(func, *, remove: str = "mutations"):
    """``func`` itself: functionalization rewrites in-place and view ops into out-of-place
    ones for graph capture, which leaves eager results (mutated inputs included) as they
    are. ``remove`` is checked as PyTorch checks it."""
    if remove not in _REMOVE:
        raise RuntimeError(
            f"functionalize(f, remove='mutations'): received invalid argument for "
            f"remove={remove}. Valid options are:\n     remove='mutations': all inplace and "
            "out= operators will be removed from the program, and replaced with their "
            "out-of-place equivalents.\n     remove='mutations_and_views': In addition to the "
            "above, all aliasing operators {view} will be replaced with their non-aliasing "
            "counterparts, {view}_copy.\n")
    return func
