"""Tests generated from the op table: numeric gradients (first and second order) in float64,
and, when torch is installed, values, gradients, dtype, shape, grad_fn name and exception
classes compared with real PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

import ember
from op_db import OPS

try:
    import torch
except ImportError:  # the comparison tests need torch; the gradient checks do not
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch (the test oracle) not installed")


def _samples(op):
    return op.samples(np.random.default_rng(0))


def _ids(op):
    return [f"{op.name}-{i}" for i in range(len(_samples(op)))]


CASES = [(op, i) for op in OPS for i in range(len(_samples(op)))]
CASE_IDS = [f"{op.name}-{i}" for op, i in CASES]
GRAD_CASES = [(op, i) for op, i in CASES if op.differentiable]
GRAD_IDS = [f"{op.name}-{i}" for op, i in GRAD_CASES]
SECOND_CASES = [(op, i) for op, i in GRAD_CASES if op.second_order]
SECOND_IDS = [f"{op.name}-{i}" for op, i in SECOND_CASES]


def _grad_indices(sample):
    if sample.grad is not None:
        return sample.grad
    return tuple(i for i, a in enumerate(sample.inputs)
                 if isinstance(a, np.ndarray) and a.dtype.kind == "f")


def _build(lib, sample, dtype: str, requires_grad: bool):
    dt = getattr(lib, dtype)
    grad_idx = _grad_indices(sample) if requires_grad else ()
    out = []
    for i, a in enumerate(sample.inputs):
        if isinstance(a, np.ndarray):
            arr = a.astype(np.dtype(dtype)) if a.dtype.kind == "f" else a
            t = lib.tensor(arr.copy())
            if a.dtype.kind == "f" and t.dtype != dt:
                t = t.to(dt)
            if i in grad_idx:
                t.requires_grad_(True)
            out.append(t)
        else:
            out.append(a)
    return out


def _output(op, res):
    if op.output_index is not None:
        return res[op.output_index]
    return res


def _run(op, lib, sample, dtype="float64", requires_grad=True):
    inputs = _build(lib, sample, dtype, requires_grad)
    return inputs, _output(op, op.fn(lib, *inputs, **sample.kwargs))


def _weights(shape, seed=1):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, shape)


@pytest.mark.parametrize("op,i", GRAD_CASES, ids=GRAD_IDS)
def test_gradcheck(op, i):
    """Analytic vector-Jacobian products equal central differences (float64)."""
    sample = _samples(op)[i]
    inputs, out = _run(op, ember, sample)
    v = _weights(out.shape)
    grads = ember.autograd.grad(out, [inputs[k] for k in _grad_indices(sample)],
                                ember.tensor(v), allow_unused=True)
    eps = op.gradcheck_eps
    for k, g in zip(_grad_indices(sample), grads):
        base = sample.inputs[k]
        numeric = np.zeros_like(base)
        for j in range(base.size):
            vals = []
            for sgn in (1, -1):
                arrs = list(sample.inputs)
                a = base.copy()
                a.flat[j] += sgn * eps
                arrs[k] = a
                s2 = type(sample)(tuple(arrs), sample.kwargs, sample.grad)
                _, o = _run(op, ember, s2, requires_grad=False)
                vals.append(float((o._data * v).sum()))
            numeric.flat[j] = (vals[0] - vals[1]) / (2 * eps)
        analytic = np.zeros_like(base) if g is None else g._data
        np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=op.gradcheck_atol,
                                   err_msg=f"gradient of input {k}")


@pytest.mark.parametrize("op,i", SECOND_CASES, ids=SECOND_IDS)
def test_second_order(op, i):
    """The gradient of (w . vjp) with create_graph=True equals central differences."""
    sample = _samples(op)[i]
    idx = _grad_indices(sample)
    v = None

    def first(arrays, requires_grad=True):
        s2 = type(sample)(tuple(arrays), sample.kwargs, sample.grad)
        inputs, out = _run(op, ember, s2)
        nonlocal v
        if v is None:
            v = _weights(out.shape)
        gs = ember.autograd.grad(out, [inputs[k] for k in idx], ember.tensor(v),
                                 create_graph=True, allow_unused=True)
        total = None
        for n, g in enumerate(gs):
            if g is None:
                continue
            term = (g * ember.tensor(_weights(g.shape, seed=2 + n))).sum()
            total = term if total is None else total + term
        return inputs, total

    inputs, total = first(sample.inputs)
    if total is None or not total.requires_grad:
        second = [None] * len(idx)  # a linear op: the numeric second derivative must be 0
    else:
        second = ember.autograd.grad(total, [inputs[k] for k in idx], allow_unused=True)
    eps = 1e-5
    for k, g in zip(idx, second):
        base = sample.inputs[k]
        numeric = np.zeros_like(base)
        for j in range(base.size):
            vals = []
            for sgn in (1, -1):
                arrs = list(sample.inputs)
                a = base.copy()
                a.flat[j] += sgn * eps
                arrs[k] = a
                t = first(arrs)[1]
                vals.append(0.0 if t is None else float(t.item()))
            numeric.flat[j] = (vals[0] - vals[1]) / (2 * eps)
        analytic = np.zeros_like(base) if g is None else g._data
        np.testing.assert_allclose(analytic, numeric, rtol=1e-3, atol=1e-4,
                                   err_msg=f"second derivative w.r.t. input {k}")


def _name(fn):
    return None if fn is None else fn.name()


@needs_torch
@pytest.mark.parametrize("op,i", CASES, ids=CASE_IDS)
def test_against_torch(op, i):
    """Values, dtype, shape, grad_fn name and gradients equal PyTorch's."""
    sample = _samples(op)[i]
    for dtype in op.dtypes:
        grad = op.differentiable and dtype.startswith("float")
        e_in, e_out = _run(op, ember, sample, dtype, grad)
        t_in, t_out = _run(op, torch, sample, dtype, grad)
        assert str(e_out.dtype) == str(t_out.dtype)
        assert tuple(e_out.shape) == tuple(t_out.shape)
        if op.compare_values:
            tol = dict(rtol=op.rtol, atol=op.atol) if dtype != "float16" else \
                dict(rtol=1e-3, atol=1e-3)
            np.testing.assert_allclose(e_out._data, t_out.detach().numpy(), equal_nan=True,
                                       **tol)
        if not grad:
            continue
        assert _name(e_out.grad_fn) == _name(t_out.grad_fn)
        if e_out.grad_fn is None:
            continue
        v = _weights(tuple(e_out.shape)).astype(dtype)
        idx = _grad_indices(sample)
        eg = ember.autograd.grad(e_out, [e_in[k] for k in idx], ember.tensor(v),
                                 allow_unused=True)
        tg = torch.autograd.grad(t_out, [t_in[k] for k in idx], torch.tensor(v),
                                 allow_unused=True)
        for k, a, b in zip(idx, eg, tg):
            assert (a is None) == (b is None), f"input {k}: ember {a}, torch {b}"
            if a is not None:
                assert str(a.dtype) == str(b.dtype)
                np.testing.assert_allclose(a._data, b.numpy(), rtol=max(op.rtol, 1e-5),
                                           atol=max(op.atol, 1e-5), err_msg=f"grad {k}")


ERROR_CASES = [(op, j) for op in OPS if op.errors for j in range(len(op.errors()))]
ERROR_IDS = [f"{op.name}-err{j}" for op, j in ERROR_CASES]


@pytest.mark.parametrize("op,j", ERROR_CASES, ids=ERROR_IDS)
def test_errors(op, j):
    """Bad input raises PyTorch's exception class with a message naming what is wrong."""
    case = op.errors()[j]
    inputs = [ember.tensor(a) if isinstance(a, np.ndarray) else a for a in case.inputs]
    with pytest.raises(case.exc) as info:
        op.fn(ember, *inputs, **case.kwargs)
    assert type(info.value) is case.exc or isinstance(info.value, case.exc)
    if case.match:
        assert case.match in str(info.value)
    if torch is not None:
        t_inputs = [torch.tensor(a) if isinstance(a, np.ndarray) else a for a in case.inputs]
        with pytest.raises(case.exc):
            op.fn(torch, *t_inputs, **case.kwargs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op,i", GRAD_CASES, ids=GRAD_IDS)
def test_backward_modes_agree(op, i, dtype):
    """Each node's formula runs on NumPy arrays in an ordinary backward and on tensors (ember
    ops, recording a graph) with create_graph=True. Both give identical gradients: the same
    values bit for bit, dtypes and shapes."""
    sample = _samples(op)[i]
    idx = _grad_indices(sample)
    results = []
    for create_graph in (False, True):
        inputs, out = _run(op, ember, sample, dtype)
        v = ember.tensor(_weights(out.shape)).to(out.dtype)
        results.append(ember.autograd.grad(out, [inputs[k] for k in idx], v,
                                           create_graph=create_graph, allow_unused=True))
    for k, arrays, tensors in zip(idx, *results):
        assert (arrays is None) == (tensors is None), f"input {k}"
        if arrays is None:
            continue
        assert arrays.dtype == tensors.dtype and arrays.shape == tensors.shape, f"input {k}"
        a, t = arrays._data, tensors._data
        if op.name in _ZERO_SIGNS_DIFFER:
            np.testing.assert_array_equal(a, t, err_msg=f"gradient of input {k}")
            continue
        if op.formula_tol != (1e-6, 0.0):
            # products summed in another order on tensors (convolutions' GEMMs): a few ulp
            rtol, atol = op.formula_tol if dtype == "float32" else (1e-12, 1e-14)
            np.testing.assert_allclose(a, t, rtol=rtol, atol=atol,
                                       err_msg=f"gradient of input {k}")
            continue
        assert _identical(a, t), f"gradient of input {k}: {a} (arrays) != {t} (tensors)"


# Ops whose gradients in the two forms still differ in the sign of zeros (setitem's zeroed
# region is -0.0 on arrays, +0.0 on tensors and in PyTorch): equal values, signs unchecked.
_ZERO_SIGNS_DIFFER = ("setitem_slice_list",)


def _identical(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal values, NaN where NaN, and zeros of the same sign."""
    if a.dtype.kind == "c":
        return _identical(a.real, b.real) and _identical(a.imag, b.imag)
    return np.array_equal(a, b, equal_nan=True) and bool((np.signbit(a) == np.signbit(b)).all())
