"""``torch.func``: ``functional_call`` (a module run with other tensors in place of its
parameters and buffers) and the function transforms ``grad``, ``grad_and_value``, ``vmap``,
``jacrev``, ``jacfwd`` and ``hessian`` (``ember/func/_transforms.py``)."""
from ._functional_call import functional_call
from ._transforms import grad, grad_and_value, hessian, jacfwd, jacrev, vmap

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "vmap"]
