"""``torch.func``'s function transforms, built on ember's autograd: ``grad`` and
``grad_and_value`` (composable: ``grad(grad(f))``), ``vmap`` (the function run once per
element of the mapped dims, results stacked: PyTorch's answers, without its batching of the
computation; its ``randomness`` modes through ``_generator.VMAP_RANDOMNESS``), and
``jacrev``/``jacfwd``/``hessian`` through ``autograd.functional``.

Arguments and results may be tensors or tuples, lists and dicts of them (pytrees)."""
from __future__ import annotations

import functools

from .._tensor import Tensor
from ._pytree import tree_flatten, tree_unflatten

__all__ = ["grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "vmap"]


def _flatten(tree) -> tuple:
    """The leaves of a pytree, and a function rebuilding it from new leaves."""
    leaves, spec = tree_flatten(tree)
    return leaves, lambda new: tree_unflatten(new, spec)


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


_RANDOMNESS = ("error", "different", "same")


def _check_randomness(randomness) -> None:
    if randomness not in _RANDOMNESS:
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")


def _name(func) -> str:
    if hasattr(func, "__name__"):
        return func.__name__
    if isinstance(func, functools.partial):
        return f"functools.partial({_name(func.func)}, ...)"
    return repr(func)


def _broadcast_prefix(prefix, tree):
    """``prefix`` (a number/None at a leaf or above a subtree, else a container shaped like
    ``tree``'s) spread to one entry per leaf of ``tree``; None if they do not fit."""
    if not isinstance(prefix, (tuple, list, dict)):
        return [prefix] * tree_flatten(tree)[1].num_leaves
    if type(prefix) is not type(tree) or len(prefix) != len(tree):
        return None
    if isinstance(prefix, dict):
        if list(prefix) != list(tree):
            return None
        pairs = [(prefix[k], tree[k]) for k in prefix]
    else:
        pairs = list(zip(prefix, tree))
    out = []
    for p, t in pairs:
        part = _broadcast_prefix(p, t)
        if part is None:
            return None
        out += part
    return out


def vmap(func, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None):
    """``func`` mapped over dim ``in_dims`` of its inputs (an int, or a tuple with one entry
    per argument, each an int, None for an unmapped argument, or a pytree of them matching
    the argument), the results stacked along ``out_dims``. Each element is one call of
    ``func`` (``chunk_size`` changes nothing but is checked). ``randomness``: "error" (a random
    op inside raises), "different" (each element draws its own numbers) or "same" (every
    element draws the same ones)."""
    _check_randomness(randomness)
    if chunk_size is not None and chunk_size <= 0:
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        name = _name(func)
        where = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
        if not args:
            raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add "
                             "inputs, or you are trying to vmap over a function with no "
                             "inputs. The latter is unsupported.")
        if not isinstance(in_dims, (int, tuple)):
            raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) "
                             "tuple matching the structure of inputs, got: "
                             f"{type(in_dims)}.")
        flat, spec = tree_flatten(args)
        dims = _broadcast_prefix(in_dims, args)
        if dims is None:
            raise ValueError(f"{where}: in_dims is not compatible with the structure of "
                             f"`inputs`. in_dims has structure {tree_flatten(in_dims)[1]!r} "
                             f"but inputs has structure {spec!r}.")
        sizes = []
        for k, (a, d) in enumerate(zip(flat, dims)):
            if d is None:
                continue
            if not isinstance(d, int):
                raise ValueError(f"{where}: Got in_dim={d} for an input but in_dim must be "
                                 "either an integer dimension or None.")
            if not isinstance(a, Tensor):
                raise ValueError(f"{where}: Got in_dim={d} for an input but the input is of "
                                 f"type {type(a)}. We cannot vmap over non-Tensor arguments, "
                                 "please use None as the respective in_dim")
            n = a.dim()
            if not -n <= d < n:
                raise ValueError(f"{where}: Got in_dim={d} for some input, but that input is "
                                 f"a Tensor of dimensionality {n} so expected in_dim to "
                                 f"satisfy -{n} <= in_dim < {n}.")
            dims[k] = d % n
            sizes.append(a.shape[d])
        if not sizes:
            raise ValueError("vmap: Expected at least one Tensor to vmap over")
        if len(set(sizes)) != 1:
            raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                             f"dimension, got sizes {sizes} for the mapped dimension")
        return _run_mapped(func, name, flat, spec, dims, sizes[0], kwargs,
                           out_dims, randomness)
    return wrapper


def _run_mapped(func, name: str, flat: list, spec, dims: list, size: int, kwargs, out_dims,
                randomness: str):
    """One call of ``func`` per index of the mapped dims, under ``randomness``; the results
    stacked."""
    from .. import _generator as _g
    from .. import zeros
    gen = _g.default_generator
    # "same": every element starts from the state the first one saw
    state = gen.get_state() if randomness == "same" else None
    results = []
    sliced = []
    _g.VMAP_RANDOMNESS.append(randomness)
    try:
        if size == 0:
            # no elements: one call on zeros of an element's shape gives the outputs' structure
            call = [a if d is None else zeros(a.shape[:d] + a.shape[d + 1:], dtype=a.dtype)
                    for a, d in zip(flat, dims)]
            results.append(func(*tree_unflatten(call, spec), **kwargs))
        for i in range(size):
            if state is not None:
                gen.set_state(state)
            call = [a if d is None else a.select(d, i) for a, d in zip(flat, dims)]
            sliced += [c._data for c, d in zip(call, dims) if d is not None]
            results.append(func(*tree_unflatten(call, spec), **kwargs))
    finally:
        _g.VMAP_RANDOMNESS.pop()
    return _stack_results(results, name, out_dims, size == 0, sliced)


def _batched(column: list, sliced: list) -> bool:
    """Whether per-element outputs are what PyTorch would hold as a BatchedTensor: they
    differ between elements, or one is (a view of) a mapped input's slice."""
    import numpy as np
    first = column[0]
    for c in column:
        if c is not first and not (isinstance(c, Tensor) and c.shape == first.shape
                                   and bool((c == first).all())):
            return True
    return any(np.shares_memory(c._data, s) for c in column for s in sliced)


def _stack_results(results: list, name: str, out_dims, empty: bool, sliced: list):
    """The per-element results (pytrees) stacked leaf by leaf along their ``out_dims``."""
    from .. import stack
    if not (out_dims is None or isinstance(out_dims, (int, tuple, list, dict))):
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims}): `out_dims` must be an int, "
                         "None or a python collection of ints representing where in the "
                         "outputs the vmapped dimension should appear.")
    flats = [tree_flatten(r)[0] for r in results]
    spec = tree_flatten(results[0])[1]
    dims = _broadcast_prefix(out_dims, results[0])
    if dims is None:
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not "
                         "compatible with the structure of `outputs`. out_dims has structure "
                         f"{tree_flatten(out_dims)[1]!r} but outputs has structure {spec!r}.")
    out = []
    for k, d in enumerate(dims):
        column = [f[k] for f in flats]
        if d is None:
            first = column[0]
            if isinstance(first, Tensor) and _batched(column, sliced):
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor "
                                 "when out_dim is None")
            out.append(first)
            continue
        for c in column:
            if not isinstance(c, Tensor):
                raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got "
                                 f"type {type(c)}. Did you mean to set out_dims= to None for "
                                 "output?")
        t = stack(column, dim=d)
        out.append(t.narrow(d, 0, 0) if empty else t)
    return tree_unflatten(out, spec)


def _jacobian_of(func, argnums, has_aux: bool, randomness, where: str):
    from .. import _generator as _g
    from ..autograd.functional import jacobian
    from ._vjp_jvp import _release

    def wrapper(*args):
        nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        aux = []

        def f(*picked):
            full = list(args)
            for n, v in zip(nums, picked):
                full[n] = v
            out = func(*full)
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError(f"{where}: output of function f should be a tuple: "
                                       "(output, aux) if has_aux is True")
                out, a = out
                aux.append(a)
            return out
        picked = tuple(args[n] for n in nums)
        nested = any(isinstance(t, Tensor) and t.requires_grad for t in picked)
        if randomness is not None:
            # PyTorch's jacfwd runs func under vmap with this randomness
            _g.VMAP_RANDOMNESS.append(randomness)
        try:
            jac = jacobian(f, picked[0] if isinstance(argnums, int) else picked,
                           create_graph=nested)
        finally:
            if randomness is not None:
                _g.VMAP_RANDOMNESS.pop()
        return (jac, _release(aux[0], nested)) if has_aux else jac
    return wrapper


def jacrev(func, argnums=0, *, has_aux: bool = False, chunk_size=None):
    """A function returning the Jacobian of ``func`` with respect to ``argnums`` (with
    ``has_aux``, ``(jacobian, aux)``)."""
    return _jacobian_of(func, argnums, has_aux, None, "vjp(f, *primals)")


def jacfwd(func, argnums=0, has_aux: bool = False, *, randomness: str = "error"):
    """``jacrev``'s Jacobian (PyTorch computes it column by column in forward mode; the
    values are the same). A random op in ``func`` raises unless ``randomness`` is "same" or
    "different", as under PyTorch's vmap."""
    inner = _jacobian_of(func, argnums, has_aux, randomness, "jvp(f, primals, tangents)")

    def wrapper(*args):
        _check_randomness(randomness)          # PyTorch checks it at the call
        return inner(*args)
    return wrapper


def hessian(func, argnums=0):
    """A function returning the Hessian of ``func``'s scalar output (``jacfwd(jacrev)``)."""
    return jacfwd(jacrev(func, argnums), argnums)
