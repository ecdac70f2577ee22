"""Higher-level differentiation of whole functions (``torch.autograd.functional``).

``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``vhp`` and ``hvp`` are built on
``autograd.grad``. Forward-mode products (``jvp``, ``hvp``) use the double-backward trick
PyTorch uses: the gradient of a vector-Jacobian product w.r.t. its (dummy) vector. The
``vectorize`` and ``strategy="forward-mode"`` options give the same values as PyTorch's
vmapped / forward-AD versions, computed with one backward per row.
"""
from __future__ import annotations

import numpy as np

from .engine import grad as _grad
from .grad_mode import STATE, enable_grad, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _T():
    from .._tensor import Tensor
    return Tensor


def _as_tuple(inp, arg_name: str, fn_name: str):
    """(was it a tuple, the tuple), with PyTorch's TypeError for anything but tensors."""
    Tensor = _T()
    is_tuple = isinstance(inp, tuple)
    if not is_tuple:
        inp = (inp,)
    for i, el in enumerate(inp):
        if not isinstance(el, Tensor):
            if is_tuple:
                raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                                f"tuple of Tensors but the value at index {i} has type "
                                f"{type(el)}.")
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but the given {arg_name} has type {type(el)}.")
    return is_tuple, inp


def _tuple_postprocess(res, to_unpack):
    """Undo ``_as_tuple`` (for one level, or for two nested levels)."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs, create_graph: bool, need_graph: bool) -> tuple:
    # Always new tensor objects, so the function's own captures of the same tensors are told
    # apart from these inputs.
    res = []
    for inp in inputs:
        if create_graph and inp._rg:
            res.append(inp.view_as(inp))
        else:
            res.append(inp.detach().requires_grad_(need_graph))
    return tuple(res)


def _grad_postprocess(inputs, create_graph: bool):
    if isinstance(inputs[0], _T()):
        return inputs if create_graph else tuple(inp.detach() for inp in inputs)
    return tuple(_grad_postprocess(inp, create_graph) for inp in inputs)


def _validate_v(v, other, is_other_tuple: bool) -> None:
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got "
                               f"{len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {el_other.size()} but "
                               f"got {el_v.size()}.")


def _check_requires_grad(inputs, input_type: str, strict: bool) -> None:
    if not strict:
        return
    for i, inp in enumerate(inputs):
        if inp is None:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if not inp._rg:
            if input_type == "hessian":
                raise RuntimeError(
                    f"The hessian of the user-provided function with respect to input {i} is "
                    "independent of the input. This is not allowed in strict mode. You should "
                    "ensure that your function is thrice differentiable and that the hessian "
                    "depends on the inputs.")
            if input_type == "jacobian":
                raise RuntimeError(
                    "While computing the hessian, found that the jacobian of the user-provided "
                    f"function with respect to input {i} is independent of the input. This is "
                    "not allowed in strict mode. You should ensure that your function is twice "
                    "differentiable and that the jacobian depends on the inputs (this would be "
                    "violated by a linear function for example).")
            if input_type == "grad_inputs":
                raise RuntimeError(f"The gradient with respect to input {i} is independent of the "
                                   "inputs of the user-provided function. This is not allowed in "
                                   "strict mode.")
            raise RuntimeError(f"Output {i} of the user-provided function does not require "
                               "gradients. The outputs must be computed in a differentiable "
                               "manner from the input when running in strict mode.")


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph: bool = False,
                   retain_graph=None, is_grads_batched: bool = False) -> tuple:
    """``autograd.grad`` that skips outputs that are None or need no grad (all None if no
    output is differentiable)."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    new_out, new_go = [], []
    for out, go in zip(outputs, grad_outputs):
        if out is not None and out._rg:
            new_out.append(out)
            new_go.append(go)
    if not new_out:
        return (None,) * len(inputs)
    return _grad(new_out, inputs, new_go, allow_unused=True, create_graph=create_graph,
                 retain_graph=retain_graph, is_grads_batched=is_grads_batched)


_STRICT_MSGS = {
    "back": "The output of the user-provided function is independent of input {i}. This is "
            "not allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
                  "grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
                   "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry "
                         "{i} in the grad_jacobian. This is not allowed in strict mode as it "
                         "prevents from using the double backward trick to replace forward mode "
                         "AD.",
}


def _fill_in_zeros(grads, refs, strict: bool, create_graph: bool, stage: str) -> tuple:
    """None gradients become zeros like ``refs`` (or PyTorch's error in strict mode)."""
    from ..ops.creation import zeros_like
    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_STRICT_MSGS[stage].format(i=i))
            g = zeros_like(refs[i])
        elif strict and create_graph and not g._rg:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               "create_graph=True.")
        res.append(g)
    return tuple(res)


def _product_result(outputs, is_outputs_tuple: bool, of, wrt, v, zeros_for, res_is_tuple: bool,
                    create_graph: bool, strict: bool, stage: str):
    """The tail shared by vjp, jvp, vhp and hvp: differentiate ``of`` w.r.t. ``wrt`` against
    ``v``, fill unused entries with zeros shaped like ``zeros_for``, and pack
    ``(outputs, result)`` as the caller's arguments were packed."""
    with set_grad_enabled(True if create_graph else STATE.enabled):
        grad_res = _autograd_grad(of, wrt, v, create_graph=create_graph)
        res = _fill_in_zeros(grad_res, zeros_for, strict, create_graph, stage)
    outputs = _grad_postprocess(outputs, create_graph)
    res = _grad_postprocess(res, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(res, res_is_tuple))


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T J)``: the outputs and the vector-Jacobian product."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                              "vjp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
    return _product_result(outputs, is_outputs_tuple, outputs, inputs, v, inputs, is_inputs_tuple,
                           create_graph, strict, "back")


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J v)``: the outputs and the Jacobian-vector product."""
    from ..ops.creation import zeros_like
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        if v is not None:
            _, v = _as_tuple(v, "v", "jvp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, inputs, is_inputs_tuple)
        elif len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                              "jvp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        # The vjp is linear in its vector, so any finite value works for this dummy one.
        grad_outputs = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict=strict)
    return _product_result(outputs, is_outputs_tuple, grad_inputs, grad_outputs, v, outputs,
                           is_outputs_tuple, create_graph, strict, "back_trick")


def _standard_basis(tensors, numels) -> tuple:
    """The rows of an N x N identity (N = sum of numels), split column-wise per tensor."""
    Tensor = _T()
    total = sum(numels)
    eye = np.eye(total)
    chunks, start = [], 0
    for t, n in zip(tensors, numels):
        chunks.append(Tensor._wrap(np.ascontiguousarray(eye[:, start:start + n],
                                                        dtype=t._data.dtype)))
        start += n
    return tuple(chunks)


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: ``out.shape + in.shape`` per (output, input)
    pair, nested in tuples as the outputs and inputs were."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                             'Hint: If your function has more outputs than inputs, '
                             '"forward-mode" tends to be more performant. Otherwise, prefer to '
                             'use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(_FWD_CREATE_GRAPH)
        return _jacfwd(func, inputs, strict, vectorize)
    jac, is_outputs_tuple, is_inputs_tuple = _jacobian(func, inputs, create_graph, strict,
                                                       vectorize)
    return _tuple_postprocess(jac, (is_outputs_tuple, is_inputs_tuple))


_FWD_CREATE_GRAPH = (
    "torch.autograd.functional.jacobian: `create_graph=True` and `strategy=\"forward-mode\"` "
    "are not supported together (yet). Please either set `create_graph=False` or "
    "`strategy=\"reverse-mode\"`.")


def _jacfwd(func, inputs, strict: bool, vectorize: bool, keep_graph: bool = False):
    """``strategy="forward-mode"``: the same numbers by reverse mode. As PyTorch's version
    returns them: lists (not tuples), results requiring grad when the inputs do."""
    if strict:
        raise RuntimeError(
            'torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` are '
            'not supported together (yet). Please either set `strict=False` or '
            '`strategy="reverse-mode"`.')
    if not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse "
                                  "Hessian isonly implemented for `vectorize=True`.")
    _, tupled = _as_tuple(inputs, "inputs", "jacobian")
    keep = keep_graph or (STATE.enabled and any(t._rg for t in tupled))
    jac, is_outputs_tuple, is_inputs_tuple = _jacobian(func, inputs, keep, False, True)
    res = [[j if j._rg or not keep else j.detach().requires_grad_() for j in row]
           for row in jac]
    if not is_inputs_tuple:
        res = tuple(row[0] for row in res)
    if not is_outputs_tuple:
        res = res[0]
    return res


def _jacobian(func, inputs, create_graph: bool, strict: bool, vectorize: bool):
    """(jacobian as a tuple over outputs of tuples over inputs, outputs were a tuple,
    inputs were a tuple)."""
    from ..ops.creation import zeros_like
    from ..ops.shape import stack
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                              "jacobian")
        _check_requires_grad(outputs, "outputs", strict=strict)
        if vectorize:
            if strict:
                raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                                   "`vectorized=True` are not supported together. Please either "
                                   "set `strict=False` or `vectorize=False`.")
            jac = _jacobian_batched(inputs, outputs, create_graph)
            return jac, is_outputs_tuple, is_inputs_tuple
        jac = []
        for i, out in enumerate(outputs):
            rows = tuple([] for _ in inputs)
            flat = out.reshape(-1)
            for j in range(out.numel()):
                vj = _autograd_grad((flat[j],), inputs, retain_graph=True,
                                    create_graph=create_graph)
                for k, (acc, g, inp) in enumerate(zip(rows, vj, inputs)):
                    if g is not None:
                        if strict and create_graph and not g._rg:
                            raise RuntimeError("The jacobian of the user-provided function is "
                                               f"independent of input {i}. This is not allowed "
                                               "in strict mode when create_graph=True.")
                        acc.append(g)
                    else:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is "
                                               f"independent of input {k}. This is not allowed "
                                               "in strict mode.")
                        acc.append(zeros_like(inp))
            jac.append(tuple(
                _stack_rows(acc, out, inputs[k], stack, zeros_like)
                for k, acc in enumerate(rows)))
        jac = _grad_postprocess(tuple(jac), create_graph)
        return jac, is_outputs_tuple, is_inputs_tuple


def _stack_rows(rows, out, inp, stack, zeros_like):
    return stack(rows, 0).reshape(tuple(out.shape) + tuple(inp.shape))


def _jacobian_batched(inputs, outputs, create_graph: bool) -> tuple:
    """All rows at once through ``is_grads_batched`` (PyTorch's ``vectorize=True``)."""
    from ..ops.creation import zeros_like
    numels = tuple(o.numel() for o in outputs)
    total = sum(numels)
    basis = _standard_basis(outputs, numels)
    flat = tuple(o.reshape(-1) for o in outputs)
    vj = list(_autograd_grad(flat, inputs, basis, create_graph=create_graph,
                             is_grads_batched=True))
    for k, g in enumerate(vj):
        if g is None:
            vj[k] = zeros_like(inputs[k]).expand((total,) + tuple(inputs[k].shape))
    per_input = []
    for g, inp in zip(vj, inputs):
        parts, start = [], 0
        for n, out in zip(numels, outputs):
            parts.append(g[start:start + n].reshape(tuple(out.shape) + tuple(inp.shape)))
            start += n
        per_input.append(parts)
    return _grad_postprocess(tuple(zip(*per_input)), create_graph)


def hessian(func, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar function: ``in_i.shape + in_j.shape`` per pair of inputs."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    Tensor = _T()

    def ensure_single_output_function(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function",
                                        "hessian")
        _check_requires_grad(t_out, "outputs", strict=strict)
        if is_out_tuple or not isinstance(out, Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out.squeeze()

    def jac_func(*inp):
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    if outer_jacobian_strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(_FWD_CREATE_GRAPH)
        # PyTorch's inner step makes the inputs require grad: the results then do too
        res = _jacfwd(jac_func, inputs, strict, vectorize, keep_graph=True)
    else:
        res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                       vectorize=vectorize)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def _scalar_output(outputs, is_outputs_tuple, name: str) -> None:
    if is_outputs_tuple or not isinstance(outputs[0], _T()):
        raise RuntimeError(f"The function given to {name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {name} should contain "
                           "a single element")


def _hv_setup(func, inputs, v, create_graph, strict, name):
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
    inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
    if v is not None:
        _, v = _as_tuple(v, "v", name)
        v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
        _validate_v(v, inputs, is_inputs_tuple)
    elif len(inputs) != 1 or inputs[0].numel() != 1:
        raise RuntimeError("The vector v can only be None if the input to the user-provided "
                           "function is a single Tensor with a single element.")
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                          name)
    _check_requires_grad(outputs, "outputs", strict=strict)
    _scalar_output(outputs, is_outputs_tuple, name)
    jac = _autograd_grad(outputs, inputs, create_graph=True)
    _check_requires_grad(jac, "jacobian", strict=strict)
    return is_inputs_tuple, inputs, v, outputs, is_outputs_tuple, jac


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), v^T H)`` for a scalar function."""
    with enable_grad():
        is_inputs_tuple, inputs, v, outputs, is_outputs_tuple, jac = _hv_setup(
            func, inputs, v, create_graph, strict, "vhp")
    return _product_result(outputs, is_outputs_tuple, jac, inputs, v, inputs, is_inputs_tuple,
                           create_graph, strict, "double_back")


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H v)`` for a scalar function (double-backward trick)."""
    from ..ops.creation import zeros_like
    with enable_grad():
        is_inputs_tuple, inputs, v, outputs, is_outputs_tuple, jac = _hv_setup(
            func, inputs, v, create_graph, strict, "hvp")
        grad_jac = tuple(zeros_like(inp, requires_grad=True) for inp in inputs)
        double_back = _autograd_grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict=strict)
    return _product_result(outputs, is_outputs_tuple, double_back, grad_jac, v, inputs,
                           is_inputs_tuple, create_graph, strict, "double_back_trick")
