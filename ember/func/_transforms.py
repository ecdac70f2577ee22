"""``torch.func``'s function transforms, built on ember's autograd: ``grad`` and
``grad_and_value`` (composable: ``grad(grad(f))``), ``vmap`` (the function run once per
element of the mapped dims, results stacked: PyTorch's answers, without its batching of the
computation), and ``jacrev``/``jacfwd``/``hessian`` through ``autograd.functional``.

Arguments and results may be tensors or tuples, lists and dicts of them (pytrees)."""
from __future__ import annotations

from .._tensor import Tensor

__all__ = ["grad", "grad_and_value", "vmap", "jacrev", "jacfwd", "hessian"]


def _flatten(tree) -> tuple:
    """The tensors of a pytree, and a function rebuilding it from new leaves."""
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(t) for t in tree]
        leaves = [x for p in parts for x in p[0]]

        def build(new, parts=parts, kind=type(tree)):
            out, i = [], 0
            for leaves_k, build_k in parts:
                out.append(build_k(new[i:i + len(leaves_k)]))
                i += len(leaves_k)
            return kind(out)
        return leaves, build
    if isinstance(tree, dict):
        keys = list(tree)
        leaves, build_values = _flatten([tree[k] for k in keys])
        return leaves, lambda new: dict(zip(keys, build_values(new)))
    return [tree], lambda new: new[0]


def _grad_and_value(func, argnums, has_aux: bool, name: str):
    from .. import zeros_like
    from ..autograd import grad as autograd_grad
    from ..autograd.grad_mode import enable_grad

    def wrapper(*args, **kwargs):
        nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        for n in nums:
            if not -len(args) <= n < len(args):
                raise RuntimeError(f"Got argnums={argnums} but only {len(args)} positional "
                                   "inputs")
        args = list(args)
        trees = []
        outer = False
        with enable_grad():
            for n in nums:
                leaves, build = _flatten(args[n])
                # an input already in an outer transform's graph stays connected to it
                outer = outer or any(isinstance(t, Tensor) and t.requires_grad for t in leaves)
                new = [t.view_as(t) if t.requires_grad else t.detach().requires_grad_()
                       for t in leaves]
                trees.append((new, build))
                args[n] = build(new)
            out = func(*args, **kwargs)
            aux = None
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError(f"{name}(f)(*args): output of function f should be a "
                                       "tuple: (output, aux) if has_aux is True")
                out, aux = out
            if not isinstance(out, Tensor):
                raise RuntimeError(f"{name}(f)(*args): Expected f(*args) to return a Tensor, "
                                   f"got {type(out)}")
            if out.dim() != 0:
                raise RuntimeError(f"{name}(f)(*args): Expected f(*args) to return a scalar "
                                   f"Tensor, got tensor with {out.dim()} dims. Maybe you "
                                   "wanted to use the vjp or jacrev APIs instead?")
            inputs = [t for new, _ in trees for t in new]
            gs = autograd_grad(out, inputs, create_graph=outer, allow_unused=True) \
                if out.requires_grad else [None] * len(inputs)
        gs = [zeros_like(t) if g is None else g for g, t in zip(gs, inputs)]
        if not outer:
            gs = [g.detach() for g in gs]
            out = out.detach()
            if aux is not None:
                leaves, build = _flatten(aux)
                aux = build([t.detach() if isinstance(t, Tensor) else t for t in leaves])
        results, i = [], 0
        for new, build in trees:
            results.append(build(gs[i:i + len(new)]))
            i += len(new)
        g = results[0] if isinstance(argnums, int) else tuple(results)
        if has_aux:
            return g, (out, aux)
        return g, out
    return wrapper


def grad_and_value(func, argnums=0, has_aux: bool = False):
    """A function returning ``(gradient of func's scalar output w.r.t. argnums, output)``
    (with ``has_aux``, ``(gradient, (output, aux))``)."""
    return _grad_and_value(func, argnums, has_aux, "grad_and_value")


def grad(func, argnums=0, has_aux: bool = False):
    """A function returning the gradient of ``func``'s scalar output with respect to the
    argument(s) ``argnums`` (with ``has_aux``, ``(gradient, aux)``)."""
    inner = _grad_and_value(func, argnums, has_aux, "grad_and_value")

    def wrapper(*args, **kwargs):
        g, value = inner(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def _dims_for(in_dims, args) -> list:
    if isinstance(in_dims, (int, type(None))):
        return [in_dims] * len(args)
    if len(in_dims) != len(args):
        raise ValueError(f"vmap(f, in_dims={tuple(in_dims)}, ...)(<inputs>): in_dims is not "
                         f"compatible with the structure of `inputs`. in_dims has structure "
                         f"of length {len(in_dims)} but inputs has {len(args)} elements.")
    return list(in_dims)


def vmap(func, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None):
    """``func`` mapped over dim ``in_dims`` of its inputs (None: not mapped), the results
    stacked along ``out_dims``. Each element is computed by one call of ``func``."""
    def wrapper(*args, **kwargs):
        dims = _dims_for(in_dims, args)
        mapped = []
        for a, d in zip(args, dims):
            if d is None:
                continue
            for t in _flatten(a)[0]:
                mapped.append(t.shape[d if d >= 0 else d + t.dim()])
        if not mapped:
            raise ValueError("vmap(f, in_dims=..., ...)(<inputs>): at least one input must be "
                             "mapped over (got in_dims all None)")
        if len(set(mapped)) != 1:
            raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                             f"dimension, got sizes {mapped} for the mapped dimension")
        results = []
        for i in range(mapped[0]):
            call = []
            for a, d in zip(args, dims):
                if d is None:
                    call.append(a)
                else:
                    leaves, build = _flatten(a)
                    call.append(build([t.select(d, i) for t in leaves]))
            results.append(func(*call, **kwargs))
        first = results[0]
        if isinstance(first, tuple) and isinstance(out_dims, tuple):
            return tuple(_stacked([r[k] for r in results], out_dims[k])
                         for k in range(len(first)))
        return _stacked(results, out_dims)
    return wrapper


def _stacked(results: list, dim: int):
    """The per-element results (pytrees of tensors) stacked leaf by leaf along ``dim``."""
    from .. import stack
    flat = [_flatten(r) for r in results]
    build = flat[0][1]
    n = len(flat[0][0])
    return build([stack([f[0][k] for f in flat], dim=dim) for k in range(n)])


def jacrev(func, argnums=0, *, has_aux: bool = False, chunk_size=None):
    """A function returning the Jacobian of ``func`` with respect to ``argnums``."""
    if has_aux:
        raise NotImplementedError("jacrev with has_aux is not supported by ember yet")

    def wrapper(*args):
        from ..autograd.functional import jacobian
        nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

        def f(*picked):
            full = list(args)
            for n, v in zip(nums, picked):
                full[n] = v
            return func(*full)
        picked = tuple(args[n] for n in nums)
        nested = any(isinstance(t, Tensor) and t.requires_grad for t in picked)
        return jacobian(f, picked[0] if isinstance(argnums, int) else picked,
                        create_graph=nested)
    return wrapper


jacfwd = jacrev


def hessian(func, argnums=0):
    """A function returning the Hessian of ``func``'s scalar output."""
    return jacrev(jacrev(func, argnums), argnums)
