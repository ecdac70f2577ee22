"""Finite-difference checks of gradients (``torch.autograd.gradcheck``).

``gradcheck`` compares the Jacobian that backward computes (one ``autograd.grad`` call per
output element) with central differences (``eps`` steps of one input element at a time,
written straight into the input's memory so ``func`` sees the same tensor objects).
``fast_mode`` compares only ``v^T J u`` for random unit vectors ``u`` and ``v``.
Real floating-point inputs only (no complex, sparse or forward-mode checks).
"""
from __future__ import annotations

import warnings

import numpy as np

from .graph import Node, record1

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Error raised by :func:`gradcheck` and :func:`gradgradcheck`."""


def _T():
    from .._tensor import Tensor
    return Tensor


def _as_tuple(x) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _diff_outputs(out) -> tuple:
    Tensor = _T()
    return tuple(o for o in _as_tuple(out) if isinstance(o, Tensor) and o._rg)


def _diff_inputs(inputs) -> list:
    Tensor = _T()
    return [t for t in inputs if isinstance(t, Tensor) and t._rg]


def _is_float(t) -> bool:
    return isinstance(t, _T()) and t._data.dtype.kind in "fc"


def _check_inputs(inputs) -> None:
    Tensor = _T()
    any_rg = False
    for idx, t in enumerate(inputs):
        if not (isinstance(t, Tensor) and t._rg):
            continue
        if t._data.dtype not in (np.float64, np.complex128):
            warnings.warn(f"Input #{idx} requires gradient and is not a double precision "
                          "floating point or complex. This check will likely fail if all the "
                          "inputs are not of double precision floating point or complex. ",
                          stacklevel=3)
        d = t._data
        if not all(st > 0 or sz <= 1 for st, sz in zip(d.strides, d.shape)):
            raise RuntimeError(f"The {idx}th input has a dimension with stride 0. gradcheck "
                               "only supports inputs that are non-overlapping to be able to "
                               "compute the numerical gradients correctly. You should call "
                               ".contiguous on the input before passing it to gradcheck.")
        any_rg = True
    if not any_rg:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True.")
    for t in inputs:
        if isinstance(t, Tensor) and t._data.dtype.kind == "c":
            raise NotImplementedError("ember's gradcheck does not support complex inputs yet")


def _outputs_data(func, inputs) -> list:
    """Run ``func`` and copy its tensor outputs' data (they may alias a perturbed input)."""
    Tensor = _T()
    return [o._data.copy() if isinstance(o, Tensor) else None
            for o in _as_tuple(func(*inputs))]


def _check_same(a, b, eps, idx) -> None:
    on = f"on index {idx} " if idx is not None else ""
    if a.shape != b.shape:
        raise AssertionError(f"Expected `func` to return outputs with the same shape when "
                             f"inputs are perturbed {on}by {eps}, but got: shapes "
                             f"{_size(a.shape)} and {_size(b.shape)}.")
    if a.dtype != b.dtype:
        raise AssertionError(f"Expected `func` to return outputs with the same dtype when "
                             f"inputs are perturbed {on}by {eps}, but got: dtypes "
                             f"{_dt(a.dtype)} and {_dt(b.dtype)}.")


def _size(shape):
    from .._size import Size
    return Size(shape)


def _dt(np_dtype):
    from .._dtype import from_np
    return from_np(np_dtype)


def _central_diff(func, inputs, x, delta, eps, idx=None) -> list:
    """(f(x + delta) - f(x - delta)) / (2 eps) for each floating output, flattened.
    ``delta`` is added to ``x``'s memory in place (a number at ``idx``, or an array)."""
    d = x._data
    if idx is not None:
        orig = d[idx]
        d[idx] = orig - delta
        outa = _outputs_data(func, inputs)
        d[idx] = orig + delta
        outb = _outputs_data(func, inputs)
        d[idx] = orig
    else:
        orig = d.copy()
        d[...] = orig - delta
        outa = _outputs_data(func, inputs)
        d[...] = orig + delta
        outb = _outputs_data(func, inputs)
        d[...] = orig
    cols = []
    for a, b in zip(outa, outb):
        if a is None or a.dtype.kind not in "fc":
            cols.append(None)
            continue
        _check_same(a, b, eps, idx)
        cols.append(((b - a) / (2 * eps)).reshape(-1))
    return cols


def _numerical_jacobian(func, inputs, eps, outs=None) -> list:
    """``J[i][j]``: (numel of input i, numel of output j), for the inputs requiring grad and
    every floating output (None for the others)."""
    if outs is None:
        outs = _as_tuple(func(*inputs))
    result = []
    for x in _diff_inputs(inputs):
        n = x._data.size
        jac = [np.zeros((n, o._data.size), o._data.dtype) if _is_float(o) else None
               for o in _as_tuple(outs)]
        for k, idx in enumerate(np.ndindex(*x._data.shape)):
            cols = _central_diff(func, inputs, x, eps, eps, idx)
            for j, c in enumerate(cols):
                if c is not None and jac[j] is not None:
                    jac[j][k] = c
        result.append(jac)
    return result


def _vjp(output, inputs, v):
    from .engine import grad
    return grad(output, inputs, _T()._wrap(v), retain_graph=True, allow_unused=True)


def _analytical_jacobian(inputs, output, nondet_tol, check_grad_dtypes, v=None) -> list:
    """Rows of ``J`` from backward (twice, to check it is reentrant): one ``(numel_in,
    numel_out)`` array per differentiable input; with ``v``, one ``(numel_in, 1)`` ``v^T J``."""
    diff = _diff_inputs(inputs)
    od = output._data
    runs = []
    for _ in range(2):
        jac = [np.zeros((t._data.size, 1 if v is not None else od.size), t._data.dtype)
               for t in diff]
        sizes_ok = types_ok = True
        for j in range(1 if v is not None else od.size):
            if v is not None:
                go = v.reshape(od.shape)
            else:   # the j-th standard basis vector gives row j of J
                go = np.zeros(od.size, od.dtype)
                go[j] = 1
                go = go.reshape(od.shape)
            for i, (g, t) in enumerate(zip(_vjp(output, diff, go), diff)):
                if g is None:
                    continue
                if g._data.shape != t._data.shape:
                    sizes_ok = False
                    continue
                if g._data.dtype != t._data.dtype:
                    types_ok = False
                jac[i][:, j] = g._data.reshape(-1)
        runs.append(jac)
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    for a, b in zip(*runs):
        if a.size and np.abs(a - b).max() > nondet_tol:
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and "
                "grad_output multiple times gives different values, although analytical "
                "gradient matches numerical gradient.The tolerance for nondeterminism was "
                f"{nondet_tol}." + _NONDET_NOTE)
    return runs[0]


_NONDET_NOTE = """\n
NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `nondet_tol=<tol>` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_nondet_tol=<tol>`.
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_nondet_tol=<tol>`
"""


def _allclose(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    dt = np.promote_types(a.dtype, b.dtype)
    a, b = a.astype(dt, copy=False), b.astype(dt, copy=False)
    # torch.allclose: |a - b| <= atol + rtol * |b|, NaNs unequal
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def _mismatch_msg(analytical, numerical, out_idx: int, in_idx: int) -> str:
    return (f"Jacobian mismatch for output {out_idx:d} with respect to input {in_idx:d},\n"
            f"numerical:{numerical}\nanalytical:{analytical}\n")


def _slow_gradcheck(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                    nondet_tol) -> None:
    Tensor = _T()
    numerical = _numerical_jacobian(func, inputs, eps, func_out)
    if not outputs:
        for per_input in numerical:
            for j in per_input:
                if j is not None and np.any(j != 0):
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return
    outs = _as_tuple(func_out)
    # numerical[i][j] per (input, output); keep the outputs that require grad
    keep = [j for j, o in enumerate(outs) if isinstance(o, Tensor) and o._rg]
    for oi, (j, o) in enumerate(zip(keep, outputs)):
        analytical = _analytical_jacobian(inputs, o, nondet_tol, check_grad_dtypes)
        for i, a in enumerate(analytical):
            n = numerical[i][j]
            if not _allclose(a, n, rtol, atol):
                raise GradcheckError(_mismatch_msg(Tensor._wrap(a), Tensor._wrap(n), oi, i))


def _unit_vector(rng, n: int, dtype) -> np.ndarray:
    v = rng.random(n).astype(dtype)
    norm = np.sqrt((v * v).sum())
    return v / norm if norm else v


def _fast_gradcheck(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes,
                    nondet_tol) -> None:
    Tensor = _T()
    rng = np.random.default_rng(0)   # its own stream: the user's RNG state is left alone
    diff = _diff_inputs(inputs)
    all_u = [_unit_vector(rng, t._data.size, t._data.dtype) for t in diff]
    all_v = [_unit_vector(rng, o._data.size, o._data.dtype) for o in outputs]
    outs = _as_tuple(func_out)
    keep = [j for j, o in enumerate(outs) if isinstance(o, Tensor) and o._rg]
    # numerical v^T (J u): one central difference along u per input
    numerical = []
    for x, u in zip(diff, all_u):
        ju = _central_diff(func, inputs, x, (u * eps).reshape(x._data.shape), eps)
        if not outputs:
            for c in ju:
                if c is not None and c.size and np.abs(c).max() > nondet_tol:
                    raise GradcheckError("Numerical gradient for function expected to be zero")
            continue
        numerical.append([float((v * ju[j]).sum()) for j, v in zip(keep, all_v)])
    if not outputs:
        return
    # analytical (v^T J) u
    for oi, (o, v) in enumerate(zip(outputs, all_v)):
        vj = _analytical_jacobian(inputs, o, nondet_tol, check_grad_dtypes, v=v)
        for i, (row, u) in enumerate(zip(vj, all_u)):
            a = float((row[:, 0] * u).sum())
            n = numerical[i][oi]
            tol = atol * float(u.sum()) * float(v.sum())
            if not _allclose(np.array(a), np.array(n), rtol, tol):
                raise GradcheckError(_mismatch_msg(a, n, oi, i) + _slow_mode_report(
                    func, inputs, o, oi, keep[oi], i, rtol, atol, eps))


def _slow_mode_report(func, inputs, output, out_idx, out_pos, in_idx, rtol, atol, eps) -> str:
    Tensor = _T()
    num = _numerical_jacobian(func, inputs, eps)[in_idx][out_pos]
    ana = _analytical_jacobian(inputs, output, float("inf"), False)[in_idx]
    max_diff = Tensor._wrap(np.abs(num - ana).max() if num.size else np.array(0.0))
    msg = ("\nThe above quantities relating the numerical and analytical jacobians are "
           "computed \nin fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for "
           "more background \nabout fast mode. Below, we recompute numerical and analytical "
           "jacobians in slow mode:\n\n"
           f"Numerical:\n {Tensor._wrap(num)}\nAnalytical:\n{Tensor._wrap(ana)}\n\n"
           f"The max per-element difference (slow mode) is: {max_diff}.\n")
    if _allclose(ana, num, rtol, atol):
        msg += _FAST_FAIL_SLOW_OK
    return msg


_FAST_FAIL_SLOW_OK = """
Fast gradcheck failed but element-wise differences are small. This means that the
test might've passed in slow_mode!

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck:

If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `fast_mode=False` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_fast_mode=False`
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_fast_mode=False`""".strip()


def _test_backward_mul_by_grad_output(outputs, inputs) -> None:
    from .engine import grad
    Tensor = _T()
    diff = _diff_inputs(inputs)
    if not diff:
        raise GradcheckError("no Tensors requiring grad found in input")
    zeros = [Tensor._wrap(np.zeros_like(o._data)) for o in outputs]
    grads = grad(outputs, diff, zeros, allow_unused=True)
    for gi, di in zip(grads, diff):
        if gi is None:
            continue
        if np.any(gi._data != 0):
            raise GradcheckError("backward not multiplied by grad_output")
        if gi._data.dtype != di._data.dtype:
            raise GradcheckError("grad is incorrect type")
        if gi._data.shape != di._data.shape:
            raise GradcheckError("grad is incorrect size")


class UndefinedGradBackward(Node):
    """Identity whose backward passes no gradient (an "undefined" one) to its input."""

    __slots__ = ()

    def backward(self, grad):
        return (None,)


def _undefined_grad(t):
    return record1(UndefinedGradBackward(), t._data, t)


def _warn_bc() -> None:
    warnings.warn("Backwards compatibility: New undefined gradient support checking feature is "
                  "enabled by default, but it may break existing callers of this function. If "
                  "this is true for you, you can call this function with "
                  '"check_undefined_grad=False" to disable the feature', stacklevel=4)


def _test_undefined_backward_mode(func, outputs, inputs) -> None:
    from .engine import grad
    Tensor = _T()
    diff = _diff_inputs(inputs)
    if not diff:
        raise GradcheckError("no Tensors requiring grad found in input")

    def check(outs) -> None:
        zeros = [Tensor._wrap(np.zeros_like(o._data)) for o in outs]
        try:
            grads = grad(outs, diff, zeros, allow_unused=True)
        except RuntimeError as e:
            _warn_bc()
            raise GradcheckError('Expected backward function to handle undefined output grads. '
                                 'Please look at "Notes about undefined output gradients" in '
                                 '"tools/autograd/derivatives.yaml"') from e
        for gi in grads:
            if gi is not None and np.any(gi._data != 0):
                _warn_bc()
                raise GradcheckError(
                    "Expected all input grads to be undefined or zero when all output grads are "
                    'undefined or zero. Please look at "Notes about undefined output gradients" '
                    'in "tools/autograd/derivatives.yaml"')

    check([_undefined_grad(o) for o in _diff_outputs(func(*inputs))])
    first = _diff_outputs(func(*inputs))
    if len(first) > 1:
        # one output at a time without a gradient
        for k in range(len(outputs)):
            outs = _diff_outputs(func(*inputs))
            check([_undefined_grad(o) if i == k else o for i, o in enumerate(outs)])


def _test_batched_grad(inputs, output, output_idx: int) -> None:
    from .engine import grad
    Tensor = _T()
    diff = _diff_inputs(inputs)
    rng = np.random.default_rng(1)
    gos = [rng.standard_normal(output._data.shape).astype(output._data.dtype)
           for _ in range(2)]
    batched = grad(output, diff, Tensor._wrap(np.stack(gos)), retain_graph=True,
                   allow_unused=True, is_grads_batched=True)
    for b, go in enumerate(gos):
        expected = _vjp(output, diff, go)
        for i, (got, exp) in enumerate(zip(batched, expected)):
            if (got is None) != (exp is None) or (
                    exp is not None and not np.allclose(got._data[b], exp._data, 1e-5, 1e-5)):
                raise GradcheckError(f"For output {output_idx} and input {i}:\n\n"
                                     "gradcheck or gradgradcheck failed while testing batched "
                                     "gradient computation.")


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked=None) -> bool:
    """Check the gradients of ``func`` at ``inputs`` against finite differences; True when
    they agree (else a ``GradcheckError``, or False with ``raise_exception=False``)."""
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad "
                             "to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to be "
                             "True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires "
                             "check_forward_ad to be True")
    if check_forward_ad:
        raise NotImplementedError("ember has no forward-mode AD: check_forward_ad=True is not "
                                  "supported")
    try:
        _gradcheck_helper(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad,
                          check_grad_dtypes, check_batched_grad, fast_mode)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _gradcheck_helper(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad,
                      check_grad_dtypes, check_batched_grad, fast_mode) -> None:
    inputs = _as_tuple(inputs)
    _check_inputs(inputs)
    func_out = func(*inputs)
    outputs = _diff_outputs(func_out)
    if any(o._data.dtype.kind == "c" for o in outputs):
        raise NotImplementedError("ember's gradcheck does not support complex outputs yet")
    check = _fast_gradcheck if fast_mode else _slow_gradcheck
    check(func, func_out, inputs, outputs, eps, rtol, atol, check_grad_dtypes, nondet_tol)
    if check_batched_grad:
        for i, o in enumerate(outputs):
            _test_batched_grad(inputs, o, i)
    _test_backward_mul_by_grad_output(outputs, inputs)
    if check_undefined_grad:
        _test_undefined_backward_mode(func, outputs, inputs)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False,
                  masked: bool = False) -> bool:
    """Check second derivatives: ``gradcheck`` of the function mapping (inputs,
    grad_outputs) to the first-order gradients computed with ``create_graph=True``."""
    from .engine import grad
    Tensor = _T()
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or "
                             "check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev "
                             "to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to "
                             "be True")
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(2)
        outs = _diff_outputs(func(*inputs))
        gos = []
        for o in outs:
            dt = o._data.dtype if o._data.dtype.kind in "fc" else np.dtype(np.float64)
            g = rng.uniform(-1, 1, o._data.shape).astype(dt)
            if gen_non_contig_grad_outputs and g.ndim:
                g = np.repeat(g[..., None], 2, axis=-1)[..., 0]
            t = Tensor._wrap(g)
            t._rg = True
            gos.append(t)
        grad_outputs = tuple(gos)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_out = len(grad_outputs)
    diff_in = {i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._rg}
    diff_go = {i for i, x in enumerate(grad_outputs) if x._rg}

    def new_func(*args):
        ins = tuple(x.requires_grad_() if i in diff_in else x
                    for i, x in enumerate(args[:-n_out]))
        outs = _diff_outputs(func(*ins))
        gos = tuple(x.requires_grad_() if i in diff_go else x
                    for i, x in enumerate(args[-n_out:]))
        diff_args = tuple(x for i, x in enumerate(ins) if i in diff_in)
        gis = grad(outs, diff_args, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gis if g is not None)

    return gradcheck(new_func, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad,
                     fast_mode=fast_mode, check_forward_ad=check_fwd_over_rev,
                     check_backward_ad=check_rev_over_rev, masked=masked)
