"""``torch.func.vjp``, ``jvp`` and ``linearize`` on ember's reverse-mode autograd.

``vjp`` records the function once and answers each cotangent with one backward over the
kept graph. Forward-mode products (``jvp``, ``linearize``) use the double-vjp trick: with
``u`` a dummy cotangent, ``g(u) = J^T u`` is linear in ``u``, so the gradient of ``<g, t>``
with respect to ``u`` is ``J t``. Results are PyTorch's; only the work differs.

Inputs and outputs may be pytrees (tuples, lists, dicts) of tensors. A transform whose inputs
already require grad (an outer ``grad``/``vjp``/``jvp`` or a user's leaf) keeps its results
connected to them, so the transforms nest."""
from __future__ import annotations

from .._tensor import Tensor
from ._pytree import pprint, tree_flatten, tree_unflatten

__all__ = ["jvp", "linearize", "vjp"]


def _differentiable(leaves: list) -> list:
    """New tensors standing for ``leaves`` in the function's graph: a view of one already in
    an outer graph (it stays connected), else a detached leaf requiring grad."""
    return [t.view_as(t) if t.requires_grad else t.detach().requires_grad_() for t in leaves]


def _split_aux(out, has_aux: bool, where: str):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{where}: output of function f should be a tuple: (output, aux) "
                           "if has_aux is True")
    return out


def _outputs(out, where: str) -> tuple[list, object]:
    leaves, spec = tree_flatten(out)
    for t in leaves:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"{where}: expected f(*primals) to return only tensors, got "
                               f"unsupported type {type(t)}")
    return leaves, spec


def _release(tree, keep: bool):
    """``tree`` with its tensors detached, unless the caller's graph must reach them."""
    if keep:
        return tree
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([t.detach() if isinstance(t, Tensor) else t for t in leaves], spec)


def _check_aux(aux) -> None:
    for t in tree_flatten(aux)[0]:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"Expected tensors, got unsupported type {type(t)}")


def vjp(func, *primals, has_aux: bool = False):
    """``(func(*primals), vjp_fn)`` (with ``has_aux``, ``(output, vjp_fn, aux)``).
    ``vjp_fn(cotangents)``, cotangents shaped like the output pytree, returns a tuple with
    the vector-Jacobian product for each primal; it may be called again."""
    from .. import zeros_like
    from ..autograd import grad as autograd_grad
    from ..autograd.grad_mode import enable_grad

    leaves, spec = tree_flatten(primals)
    for t in leaves:
        if not isinstance(t, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(t)}")
    outer = any(t.requires_grad for t in leaves)
    with enable_grad():
        inputs = _differentiable(leaves)
        out, aux = _split_aux(func(*tree_unflatten(inputs, spec)), has_aux,
                              "vjp(f, *primals)")
    outs, out_spec = _outputs(out, "vjp(f, *primals)")
    for t in outs:
        if not (t.is_floating_point() or t.is_complex()):
            raise RuntimeError("vjp(f, ...): All outputs of f must be floating-point or "
                               f"complex Tensors, got Tensor with dtype {t.dtype}")
    if has_aux:
        _check_aux(aux)

    def vjp_fn(cotangents, retain_graph: bool = True, create_graph=None):
        cots, cot_spec = tree_flatten(cotangents)
        if cot_spec != out_spec:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as "
                               "pytree structure of outputs to the function. cotangents: "
                               f"{pprint(cot_spec)}, primal output: {pprint(out_spec)}")
        # outputs the inputs do not reach contribute nothing (PyTorch gives zeros)
        pairs = [(o, c) for o, c in zip(outs, cots) if o.requires_grad]
        keep = outer if create_graph is None else create_graph
        grads = [None] * len(inputs)
        if pairs:
            with enable_grad():
                grads = autograd_grad([o for o, _ in pairs], inputs, [c for _, c in pairs],
                                      retain_graph=retain_graph, create_graph=keep,
                                      allow_unused=True)
        grads = [zeros_like(t) if g is None else g for g, t in zip(grads, leaves)]
        if not keep:
            grads = [g.detach() for g in grads]
        return tree_unflatten(grads, spec)

    result = _release(out, outer)
    if has_aux:
        return result, vjp_fn, _release(aux, outer)
    return result, vjp_fn


def _forward_graph(func, leaves: list, spec, has_aux: bool, where: str):
    """Run ``func`` on stand-ins for ``leaves`` and take ``g(u) = J^T u`` with a graph:
    (outputs, output spec, aux, [(u, g)] per output reached, stand-ins' g list)."""
    from .. import zeros_like
    from ..autograd import grad as autograd_grad
    from ..autograd.grad_mode import enable_grad

    with enable_grad():
        inputs = _differentiable(leaves)
        out, aux = _split_aux(func(*tree_unflatten(inputs, spec)), has_aux, where)
        outs, out_spec = _outputs(out, where)
        reached = [k for k, o in enumerate(outs) if o.requires_grad]
        dummies = [zeros_like(outs[k]).requires_grad_() for k in reached]
        gs = []
        if reached:
            gs = autograd_grad([outs[k] for k in reached], inputs, dummies,
                               create_graph=True, allow_unused=True)
    return out, outs, out_spec, aux, reached, dummies, list(gs)


def _push_forward(outs, reached, dummies, gs, tangents, keep: bool) -> list:
    """``J t`` for each output: the gradient of ``sum(g_i * t_i)`` with respect to the
    dummies (zeros where an output does not depend on the inputs)."""
    from .. import zeros_like
    from ..autograd import grad as autograd_grad
    from ..autograd.grad_mode import enable_grad

    used = [(g, t) for g, t in zip(gs, tangents) if g is not None and g.requires_grad]
    res = [None] * len(dummies)
    if used and dummies:
        with enable_grad():
            res = autograd_grad([g for g, _ in used], dummies, [t for _, t in used],
                                retain_graph=True, create_graph=keep, allow_unused=True)
    jvps = [zeros_like(o) for o in outs]
    for k, r in zip(reached, res):
        if r is not None:
            jvps[k] = r if keep else r.detach()
    return jvps


def jvp(func, primals, tangents, *, strict: bool = False, has_aux: bool = False):
    """``(func(*primals), J @ tangents)`` (with ``has_aux``, ``(output, jvp_out, aux)``):
    the Jacobian-vector product, for ``primals`` and ``tangents`` tuples of the same
    structure. ``strict`` is accepted (PyTorch's is not implemented either)."""
    where = "jvp(f, primals, tangents)"
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{where}: Expected primals to be a tuple. E.g. it should be valid "
                           "to call f(*primals).")
    leaves, spec = tree_flatten(primals)
    tan, tan_spec = tree_flatten(tangents)
    if spec != tan_spec:
        raise RuntimeError(f"{where}: Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, "
                           "tangents also must be. Got primals with structure "
                           f"{spec!r} and tangents with structure {tan_spec!r}")
    if not leaves:
        raise RuntimeError(f"{where}: Expected primals to contain at least one Tensor.")
    for name, group in (("primals", leaves), ("tangents", tan)):
        for t in group:
            if not isinstance(t, Tensor):
                raise RuntimeError(f"{where}: Expected {name} to only contain Tensors, got "
                                   f"{type(t)}")
    _check_tangents(leaves, tan)
    outer = any(t.requires_grad for t in leaves) or any(t.requires_grad for t in tan)
    out, outs, _, aux, reached, dummies, gs = _forward_graph(func, leaves, spec, has_aux, where)
    if has_aux:
        _check_aux(aux)
    jvps = _push_forward(outs, reached, dummies, gs, tan, outer)
    out_spec = tree_flatten(out)[1]
    result = (_release(out, outer), tree_unflatten(jvps, out_spec))
    return result + (_release(aux, outer),) if has_aux else result


def _check_tangents(leaves: list, tan: list) -> None:
    for p, t in zip(leaves, tan):
        if not (p.is_floating_point() or p.is_complex()):
            raise ValueError(f"Expected primal to be floating point or complex, but got: "
                             f"{p.dtype}")
        if p.shape != t.shape:
            raise RuntimeError("Trying to set a forward gradient that has a different size "
                               "than that of the original Tensor, this is not supported. "
                               f"Tensor is of size {list(p.shape)} while the given forward "
                               f"gradient is of size {list(t.shape)}.")


def linearize(func, *primals):
    """``(func(*primals), jvp_fn)``: ``jvp_fn(*tangents)`` gives ``J @ tangents`` at these
    primals without running ``func`` again."""
    leaves, spec = tree_flatten(primals)
    outer = any(isinstance(t, Tensor) and t.requires_grad for t in leaves)
    out, outs, _, _, reached, dummies, gs = _forward_graph(
        func, leaves, spec, False, "linearize(f, *primals)")
    out_spec = tree_flatten(out)[1]

    def jvp_fn(*tangents):
        tan, tan_spec = tree_flatten(tangents)
        if tan_spec != spec:
            raise RuntimeError(f"Expected the tangents {tan_spec!r} to have the same argspec "
                               f"as the primals {spec!r}")
        for i, (p, t) in enumerate(zip(leaves, tan)):
            if p.shape != t.shape:
                raise RuntimeError(f"tangent:{i} with shape {t.shape} in flattened pytree "
                                   f"doesn't match the shape {p.shape} of the corresponding "
                                   "primal.")
        keep = outer or any(isinstance(t, Tensor) and t.requires_grad for t in tan)
        return tree_unflatten(_push_forward(outs, reached, dummies, gs, tan, keep), out_spec)
    return _release(out, False), jvp_fn
