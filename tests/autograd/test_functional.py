"""autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp) compared with PyTorch: values,
nesting of tuples, shapes, requires_grad of the results and error messages."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _both(fn):
    return fn(torch), fn(ember)


def _err(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


def _same(t, e, tol=1e-6):
    """Same nesting, shapes, requires_grad and values."""
    if isinstance(t, (tuple, list)):
        assert type(e) is type(t) and len(t) == len(e)
        for a, b in zip(t, e):
            _same(a, b, tol)
        return
    assert isinstance(t, torch.Tensor) and isinstance(e, ember.Tensor)
    assert tuple(t.shape) == tuple(e.shape)
    assert t.requires_grad == e.requires_grad
    assert str(t.dtype) == str(e.dtype)
    np.testing.assert_allclose(np.asarray(e.detach().tolist(), dtype=float),
                               t.detach().numpy(), rtol=tol, atol=tol)


def _in(lib, shape, seed=0):
    rng = np.random.default_rng(seed)
    return lib.tensor(rng.standard_normal(shape).tolist(), dtype=lib.float64)


def _funcs(lib):
    return {
        "single": (lambda x: x.exp() * x.sum(), lambda: (_in(lib, (3,)),)),
        "matrix": (lambda x: x.mm(x.t()).tanh(), lambda: (_in(lib, (2, 3)),)),
        "scalar_out": (lambda x: (x ** 3).sum(), lambda: (_in(lib, (2, 2)),)),
        "tuple_in": (lambda x, y: x * y.sum() + y.mean(), lambda: (_in(lib, (3,)),
                                                                   _in(lib, (2,), 1))),
        "tuple_out": (lambda x: (x.sin(), (x * x).sum()), lambda: (_in(lib, (2, 2)),)),
        "both": (lambda x, y: (x * y, (x + y).exp().sum()), lambda: (_in(lib, (2,)),
                                                                      _in(lib, (2,), 1))),
        "unused": (lambda x, y: x * 2, lambda: (_in(lib, (2,)), _in(lib, (3,), 1))),
    }


def _call_inputs(make, as_tuple):
    inputs = make()
    return inputs if as_tuple or len(inputs) > 1 else inputs[0]


@pytest.mark.parametrize("name", ["single", "matrix", "scalar_out", "tuple_in", "tuple_out",
                                  "both", "unused"])
@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_matches_torch(name, vectorize):
    def run(lib):
        f, make = _funcs(lib)[name]
        res = [lib.autograd.functional.jacobian(f, _call_inputs(make, False),
                                                vectorize=vectorize)]
        res.append(lib.autograd.functional.jacobian(f, tuple(make()), vectorize=vectorize))
        return tuple(res)

    _same(*_both(run))


@pytest.mark.parametrize("name", ["single", "tuple_in", "both"])
def test_jacobian_create_graph_is_differentiable(name):
    def run(lib):
        f, make = _funcs(lib)[name]
        inputs = tuple(t.requires_grad_() for t in make())
        jac = lib.autograd.functional.jacobian(f, inputs, create_graph=True)
        flat = []

        def collect(j):
            if isinstance(j, tuple):
                for k in j:
                    collect(k)
            else:
                flat.append(j)
        collect(jac)
        total = sum(j.sum() for j in flat if j.requires_grad)
        grads = lib.autograd.grad(total, inputs, allow_unused=True, materialize_grads=True)
        return jac, tuple(grads)

    _same(*_both(run))


@pytest.mark.parametrize("name", ["single", "tuple_in", "tuple_out", "both", "unused"])
def test_jacobian_forward_mode_strategy(name):
    """Same values as reverse mode; nested in lists, as PyTorch's forward mode returns."""
    def run(lib):
        f, make = _funcs(lib)[name]
        jac = lib.autograd.functional.jacobian
        inputs = make()
        plain = jac(f, _call_inputs(make, False), vectorize=True, strategy="forward-mode")
        with_grad = jac(f, tuple(t.requires_grad_() for t in inputs), vectorize=True,
                        strategy="forward-mode")
        return plain, with_grad

    _same(*_both(run))


@pytest.mark.parametrize("case", ["strict_unused", "strict_no_grad", "strict_vectorize",
                                  "forward_no_vectorize", "forward_create_graph",
                                  "forward_strict", "bad_strategy", "not_tensor",
                                  "not_tensor_in_tuple", "output_not_tensor"])
def test_jacobian_errors_match_torch(case):
    def run(lib):
        jac = lib.autograd.functional.jacobian
        x = _in(lib, (2,))
        y = _in(lib, (2,), 1)
        if case == "strict_unused":
            return _err(lambda: jac(lambda a, b: a * 2, (x, y), strict=True))
        if case == "strict_no_grad":
            return _err(lambda: jac(lambda a: a.detach() * 2, x, strict=True))
        if case == "strict_vectorize":
            return _err(lambda: jac(lambda a: a * 2, x, strict=True, vectorize=True))
        if case == "forward_no_vectorize":
            return _err(lambda: jac(lambda a: a * 2, x, strategy="forward-mode"))
        if case == "forward_create_graph":
            return _err(lambda: jac(lambda a: a * 2, x, strategy="forward-mode",
                                    create_graph=True, vectorize=True))
        if case == "forward_strict":
            return _err(lambda: jac(lambda a: a * 2, x, strategy="forward-mode", strict=True,
                                    vectorize=True))
        if case == "bad_strategy":
            return _err(lambda: jac(lambda a: a * 2, x, strategy="sideways"))
        if case == "not_tensor":
            return _err(lambda: jac(lambda a: a * 2, [x]))
        if case == "not_tensor_in_tuple":
            return _err(lambda: jac(lambda a, b: a * 2, (x, 3)))
        return _err(lambda: jac(lambda a: 3.0, x))

    t, e = _both(run)
    assert t[0] is e[0]
    assert t[1].replace("torch.", "ember.") == e[1] or t[1] == e[1]


def test_jacobian_strict_accepts_dependent_outputs():
    def run(lib):
        f, make = _funcs(lib)["tuple_in"]
        return lib.autograd.functional.jacobian(f, make(), strict=True)

    _same(*_both(run))


@pytest.mark.parametrize("vectorize", [False, True])
def test_hessian_matches_torch(vectorize):
    def run(lib):
        h = lib.autograd.functional.hessian
        x = _in(lib, (2, 2))
        a, b = _in(lib, (3,), 1), _in(lib, (2,), 2)
        return (h(lambda x: (x ** 3).sum() * x.sin().sum(), x, vectorize=vectorize),
                h(lambda a, b: (a.exp().sum() * b.prod()), (a, b), vectorize=vectorize),
                h(lambda a: (a * a).sum(), (a,), vectorize=vectorize))

    _same(*_both(run))


def test_hessian_create_graph_and_forward_outer_strategy():
    def run(lib):
        h = lib.autograd.functional.hessian
        x = _in(lib, (3,)).requires_grad_()
        res = h(lambda x: (x ** 4).sum(), x, create_graph=True)
        g, = lib.autograd.grad(res.sum(), x)
        fwd = h(lambda x: (x ** 4).sum(), x.detach(), vectorize=True,
                outer_jacobian_strategy="forward-mode")
        a, b = _in(lib, (3,), 1), _in(lib, (2,), 2)
        fwd2 = h(lambda a, b: (a.exp().sum() * b.prod()), (a, b), vectorize=True,
                 outer_jacobian_strategy="forward-mode")
        return res, g, fwd, fwd2

    _same(*_both(run))


@pytest.mark.parametrize("case", ["tuple_out", "not_scalar", "strict_linear",
                                  "strict_independent"])
def test_hessian_errors_match_torch(case):
    def run(lib):
        h = lib.autograd.functional.hessian
        x = _in(lib, (2,))
        if case == "tuple_out":
            return _err(lambda: h(lambda a: (a.sum(), a.sum()), x))
        if case == "not_scalar":
            return _err(lambda: h(lambda a: a * 2, x))
        if case == "strict_linear":
            return _err(lambda: h(lambda a: (a * 2).sum(), x, strict=True))
        return _err(lambda: h(lambda a: a.sum() * 0 + 1.0, x, strict=True))

    assert _both(run)[0] == _both(run)[1]


def test_vjp_jvp_match_torch():
    def run(lib):
        F = lib.autograd.functional
        f, make = _funcs(lib)["both"]
        x, y = make()
        v_out = (lib.tensor([1.0, -2.0], dtype=lib.float64), lib.tensor(0.5, dtype=lib.float64))
        v_in = (lib.tensor([0.3, 0.1], dtype=lib.float64),
                lib.tensor([-1.0, 2.0], dtype=lib.float64))
        g, _ = _funcs(lib)["single"]
        s = _in(lib, (3,))
        scalar = lib.tensor(0.7, dtype=lib.float64)
        return (F.vjp(f, (x, y), v_out), F.jvp(f, (x, y), v_in),
                F.vjp(g, s, lib.ones(3, dtype=lib.float64)),
                F.jvp(g, s, lib.ones(3, dtype=lib.float64)),
                F.vjp(lambda a: (a * a).sum(), s),            # v may be None: scalar out
                F.jvp(lambda a: a.exp() * 3, scalar),         # v may be None: scalar in
                F.vjp(lambda a, b: a * 2, (x, y), lib.ones(2, dtype=lib.float64)))

    _same(*_both(run))


def test_vjp_jvp_create_graph():
    def run(lib):
        F = lib.autograd.functional
        x = _in(lib, (3,)).requires_grad_()
        v = _in(lib, (3,), 5)
        out, vj = F.vjp(lambda a: a.sin() * a, x, v, create_graph=True)
        gv, = lib.autograd.grad(vj.sum(), x, retain_graph=True)
        out2, jv = F.jvp(lambda a: a.sin() * a, x, v, create_graph=True)
        gj, = lib.autograd.grad(jv.sum(), x)
        return out, vj, gv, out2, jv, gj

    _same(*_both(run))


def test_hvp_vhp_match_torch():
    def run(lib):
        F = lib.autograd.functional

        def f(a, b):
            return (a.exp() * b.sum()).sum() + (a ** 3).sum()

        a, b = _in(lib, (3,)), _in(lib, (2,), 1)
        va, vb = _in(lib, (3,), 2), _in(lib, (2,), 3)
        x = _in(lib, (2, 2))
        vx = _in(lib, (2, 2), 4)
        s = lib.tensor(0.4, dtype=lib.float64)
        return (F.hvp(f, (a, b), (va, vb)), F.vhp(f, (a, b), (va, vb)),
                F.hvp(lambda x: (x ** 4).sum(), x, vx), F.vhp(lambda x: (x ** 4).sum(), x, vx),
                F.hvp(lambda t: t ** 3, s), F.vhp(lambda t: t.exp(), s),
                F.hvp(lambda x: (x ** 4).sum(), x, vx, create_graph=True))

    _same(*_both(run))


@pytest.mark.parametrize("case", ["v_size", "v_len", "v_single", "v_none", "vjp_v_none",
                                  "hvp_tuple_out", "hvp_not_scalar", "strict_out",
                                  "strict_vjp_independent", "jvp_v_none_in"])
def test_v_product_errors_match_torch(case):
    def run(lib):
        F = lib.autograd.functional
        x = _in(lib, (3,))
        y = _in(lib, (2,), 1)
        if case == "v_size":
            return _err(lambda: F.vjp(lambda a: a * 2, x, lib.ones(2, dtype=lib.float64)))
        if case == "v_len":
            return _err(lambda: F.jvp(lambda a, b: a * 2, (x, y), (x,)))
        if case == "v_single":
            return _err(lambda: F.jvp(lambda a: a * 2, x, (x, x)))
        if case == "v_none":
            return _err(lambda: F.hvp(lambda a: a.sum(), x))
        if case == "vjp_v_none":
            return _err(lambda: F.vjp(lambda a: a * 2, x))
        if case == "hvp_tuple_out":
            return _err(lambda: F.hvp(lambda a: (a.sum(),), x, x))
        if case == "hvp_not_scalar":
            return _err(lambda: F.vhp(lambda a: a * 2, x, x))
        if case == "strict_out":
            return _err(lambda: F.vjp(lambda a: a.detach(), x, x, strict=True))
        if case == "strict_vjp_independent":
            return _err(lambda: F.vjp(lambda a, b: a * 2, (x, y), x, strict=True))
        return _err(lambda: F.jvp(lambda a: a * 2, x))

    assert _both(run)[0] == _both(run)[1]


def test_inputs_are_not_modified_and_results_are_detached():
    def run(lib):
        x = _in(lib, (3,))
        out, vj = lib.autograd.functional.vjp(lambda a: a * a, x, lib.ones(3, dtype=lib.float64))
        jac = lib.autograd.functional.jacobian(lambda a: a * a, x)
        return x.requires_grad, out.requires_grad, vj.requires_grad, jac.requires_grad, x.grad

    assert _both(run)[0] == _both(run)[1] == (False, False, False, False, None)
