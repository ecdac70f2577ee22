"""Custom ``autograd.Function``: each behaviour is run with the same Function written for
PyTorch and for ember (``_define(lib)``), and the results compared."""
import gc
import warnings
import weakref

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _err(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


def _both(fn):
    return fn(torch), fn(ember)


def _close(a, b, tol=1e-6):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=tol, atol=tol)


def _define(lib):
    """The same custom Functions, for one library."""
    F = lib.autograd.Function
    once = (torch.autograd.function.once_differentiable if lib is torch
            else ember.autograd.function.once_differentiable)
    ns = {}

    class Exp(F):
        @staticmethod
        def forward(ctx, x):
            r = x.exp()
            ctx.save_for_backward(r)
            return r

        @staticmethod
        def backward(ctx, g):
            r, = ctx.saved_tensors
            return g * r

    class Cube(F):            # saves its input; differentiable backward (double backward)
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x ** 2

    class Scale(F):           # non-tensor arguments, ctx attributes, needs_input_grad
        @staticmethod
        def forward(ctx, x, k, y):
            ctx.k = k
            ctx.log = [ctx.needs_input_grad]
            return x * k + y

        @staticmethod
        def backward(ctx, g):
            ctx.log.append(ctx.needs_input_grad)
            return (g * ctx.k if ctx.needs_input_grad[0] else None, None,
                    g if ctx.needs_input_grad[2] else None)

    class Split(F):           # several outputs, one of them integer
        @staticmethod
        def forward(ctx, x):
            ctx.seen = []
            return x * 2, x.sum().long(), x * 3

        @staticmethod
        def backward(ctx, ga, gi, gb):
            ctx.seen.append((ga.tolist(), gi.tolist(), str(gi.dtype), gb.tolist()))
            return ga * 2 + gb * 3

    class NoMat(F):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            ctx.seen = []
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.seen.append((g1 is None, g2 is None))
            out = lib.zeros_like(g1 if g1 is not None else g2)
            if g1 is not None:
                out = out + g1
            if g2 is not None:
                out = out + g2
            return out

    class MaxND(F):           # mark_non_differentiable
        @staticmethod
        def forward(ctx, x):
            v = x * 2
            idx = x * 0 + 1
            ctx.mark_non_differentiable(idx)
            ctx.seen = []
            return v, idx

        @staticmethod
        def backward(ctx, gv, gidx):
            ctx.seen.append(gidx.tolist())
            return gv * 2

    class Dirty(F):           # in place
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Ident(F):           # returns its input as it is
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5

    class Setup(F):           # the setup_context style, with a default argument
        @staticmethod
        def forward(x, k=2.0):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.k = k
            ctx.save_for_backward(x, output)
            ctx.grad_mode = lib.is_grad_enabled()

        @staticmethod
        def backward(ctx, g):
            x, out = ctx.saved_tensors
            return g * ctx.k, None

    class Once(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @once
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g

    class Intermediate(F):    # saves a tensor that is neither input nor output
        @staticmethod
        def forward(ctx, x):
            s = x.sin()
            ctx.save_for_backward(s, None, x)
            return s * 2

        @staticmethod
        def backward(ctx, g):
            s, nothing, x = ctx.saved_tensors
            assert nothing is None
            return g * 2 * x.cos()

    ns.update(Exp=Exp, Cube=Cube, Scale=Scale, Split=Split, NoMat=NoMat, MaxND=MaxND,
              Dirty=Dirty, Ident=Ident, Setup=Setup, Once=Once, Intermediate=Intermediate)
    return ns


def test_basic_function_values_grads_and_names():
    def run(lib):
        f = _define(lib)
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = f["Exp"].apply(x)
        y.sum().backward()
        fn = y.grad_fn
        return (y.tolist(), x.grad.tolist(), fn.name(), type(fn).__name__,
                repr(fn).split(" object")[0], [n.name() for n, _ in fn.next_functions],
                f["Exp"]._backward_cls.__name__, repr(y).split("grad_fn=")[1])

    t, e = _both(run)
    _close(t[0], e[0])
    _close(t[1], e[1])
    assert t[2:] == e[2:]
    assert e[2] == "ExpBackward"


def test_ctx_is_the_grad_fn_and_saved_tensors():
    def run(lib):
        f = _define(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = f["Exp"].apply(x)
        saved, = y.grad_fn.saved_tensors
        before = (saved.tolist(), saved.grad_fn is y.grad_fn, saved.requires_grad)
        y.sum().backward(retain_graph=True)
        again = y.grad_fn.saved_tensors[0].tolist()
        y.sum().backward()
        freed = _err(lambda: y.grad_fn.saved_tensors)
        second = _err(lambda: y.sum().backward())
        return before, again, freed, second, x.grad.tolist(), y.grad_fn.to_save

    t, e = _both(run)
    _close(t[0][0], e[0][0])
    assert t[0][1:] == e[0][1:]
    _close(t[1], e[1])
    _close(t[4], e[4])
    assert t[2:4] == e[2:4]
    assert t[5] is None and e[5] is None


@pytest.mark.parametrize("case", ["saved_input", "saved_output"])
def test_saved_tensor_version_check_matches_torch(case):
    def run(lib):
        f = _define(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        if case == "saved_input":
            a = x * 1
            y = f["Cube"].apply(a)
            with lib.no_grad():
                a.add_(1)
        else:
            y = f["Exp"].apply(x)
            with lib.no_grad():
                y.mul_(2)
        return _err(lambda: y.sum().backward())

    t, e = _both(run)
    assert e == t
    assert "modified by an inplace operation" in e[1]


def test_non_tensor_args_and_needs_input_grad():
    def run(lib):
        f = _define(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        c = lib.tensor([10.0, 20.0])
        y = f["Scale"].apply(x, 3.0, c)
        y.sum().backward()
        log = y.grad_fn.log
        with lib.no_grad():
            z = f["Scale"].apply(x, 2.0, c)
        return (log, x.grad.tolist(), c.grad, z.requires_grad, z.grad_fn is None,
                len(y.grad_fn.next_functions), y.grad_fn.k)

    assert _both(run)[0] == _both(run)[1]


@pytest.mark.parametrize("case", ["too_many", "too_few", "extra_none", "grad_for_number",
                                  "not_tensor", "bad_shape", "broadcast", "dtype"])
def test_backward_result_checks_match_torch(case):
    def run(lib):
        class Bad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                if case == "too_many":
                    return g, None, g
                if case == "too_few":
                    return (g,)
                if case == "extra_none":
                    return g * 2, None, None, None
                if case == "grad_for_number":
                    return g, g
                if case == "not_tensor":
                    return 3, None
                if case == "bad_shape":
                    return lib.ones(3), None
                if case == "broadcast":
                    return lib.ones(4, 2), None
                return g.double(), None

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        try:
            Bad.apply(x, 2.0).sum().backward()
        except Exception as err:
            return type(err), str(err)
        return x.grad.tolist(), str(x.grad.dtype)

    t, e = _both(run)
    assert e == t


def test_several_outputs_materialized_zero_grads():
    def run(lib):
        f = _define(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a, i, b = f["Split"].apply(x)
        out = [a.requires_grad, i.requires_grad, i.grad_fn, b.output_nr, a.output_nr,
               a.grad_fn is b.grad_fn]
        a.sum().backward()
        out.append(x.grad.tolist())
        out.append(a.grad_fn.seen)
        return out

    assert _both(run)[0] == _both(run)[1]


def test_set_materialize_grads_false_passes_none():
    def run(lib):
        f = _define(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a, b = f["NoMat"].apply(x)
        (a * 3).sum().backward()
        return a.grad_fn.seen, x.grad.tolist()

    assert _both(run)[0] == _both(run)[1]


def test_backward_runs_even_when_no_output_got_a_gradient():
    """PyTorch calls a custom backward with zero gradients when none arrived."""
    def run(lib):
        class Stop(lib.autograd.Function):
            @staticmethod
            def forward(ctx, y):
                return y.clone()

            @staticmethod
            def backward(ctx, g):
                return None

        f = _define(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a, i, b = f["Split"].apply(x)
        Stop.apply(a).sum().backward()
        return a.grad_fn.seen, x.grad.tolist()

    assert _both(run)[0] == _both(run)[1]


def test_mark_non_differentiable():
    def run(lib):
        f = _define(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        v, idx = f["MaxND"].apply(x)
        v.sum().backward()
        return idx.requires_grad, idx.grad_fn, v.grad_fn.seen, x.grad.tolist()

    assert _both(run)[0] == _both(run)[1]


def test_mark_dirty_inplace_function():
    def run(lib):
        f = _define(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a = x * 1
        v0 = a._version
        y = f["Dirty"].apply(a)
        res = [y is a, a._version - v0, a.grad_fn.name(), a.tolist()]
        (y * y).sum().backward()
        res.append(x.grad.tolist())
        res.append(_err(lambda: f["Dirty"].apply(x)))       # a leaf requiring grad
        res.append(_err(lambda: f["Dirty"].apply(x[1:])))   # a view of one
        b = x * 1
        view = b[1:]
        f["Dirty"].apply(view)                               # through a view
        res.append(b.tolist())
        x.grad = None
        b.sum().backward()
        res.append(x.grad.tolist())
        plain = lib.ones(2)
        r = f["Dirty"].apply(plain)                          # no graph: still bumped
        res += [r is plain, plain._version]
        return res

    assert _both(run)[0] == _both(run)[1]


def test_mark_dirty_requires_returning_the_tensor():
    def run(lib):
        class D(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                a.mul_(2)
                ctx.mark_dirty(a)
                return a * 1

            @staticmethod
            def backward(ctx, g):
                return g

        return _err(lambda: D.apply(lib.ones(2, requires_grad=True).clone()))

    assert _both(run)[0] == _both(run)[1]


def test_input_returned_as_is_becomes_a_new_output():
    def run(lib):
        f = _define(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = f["Ident"].apply(x)
        res = [y is x, y.grad_fn.name(), y.data_ptr() == x.data_ptr(), y.is_leaf]
        y.sum().backward()
        res.append(x.grad.tolist())
        d = x.detach()
        z = f["Ident"].apply(d)
        res += [z is d, z.requires_grad]
        return res

    assert _both(run)[0] == _both(run)[1]


def test_setup_context_style_and_keyword_arguments():
    def run(lib):
        f = _define(lib)
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = f["Setup"].apply(x)
        z = f["Setup"].apply(x, k=4.0)
        saved = [s.tolist() for s in z.grad_fn.saved_tensors]
        (y + z).sum().backward()
        return (x.grad.tolist(), y.grad_fn.k, z.grad_fn.k, y.grad_fn.grad_mode,
                y.grad_fn.name(), saved)

    assert _both(run)[0] == _both(run)[1]


def test_keyword_tensor_arguments_count_as_inputs():
    def run(lib):
        class Mul(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k=2.0):
                ctx.needs = ctx.needs_input_grad
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g * 2, None

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = Mul.apply(x, k=3.0)
        y.sum().backward()
        return y.grad_fn.needs, x.grad.tolist(), y.tolist()

    assert _both(run)[0] == _both(run)[1]


def test_double_backward_through_custom_function():
    def run(lib):
        f = _define(lib)
        x = lib.tensor([0.5, -2.0], dtype=lib.float64, requires_grad=True)
        y = f["Cube"].apply(x)
        g, = lib.autograd.grad(y.sum(), x, create_graph=True)
        gg, = lib.autograd.grad(g.sum(), x)
        e = f["Exp"].apply(x)          # saved output: double backward through the node
        ge, = lib.autograd.grad(e.sum(), x, create_graph=True)
        gge, = lib.autograd.grad(ge.sum(), x)
        return g.tolist(), gg.tolist(), ge.tolist(), gge.tolist()

    t, e = _both(run)
    for a, b in zip(t, e):
        _close(a, b)


def test_once_differentiable():
    def run(lib):
        f = _define(lib)
        x = lib.tensor([1.0, 3.0], dtype=lib.float64, requires_grad=True)
        y = f["Once"].apply(x)
        y.sum().backward()
        first = x.grad.tolist()
        y = f["Once"].apply(x)
        go = lib.ones(2, dtype=lib.float64, requires_grad=True)
        g, = lib.autograd.grad(y, x, go, create_graph=True)
        info = (g.requires_grad, g.grad_fn.name(), type(g.grad_fn).__name__)
        return first, info, _err(lambda: g.sum().backward())

    assert _both(run)[0] == _both(run)[1]


def test_saving_intermediates_and_none():
    def run(lib):
        f = _define(lib)
        x = lib.tensor([0.3, 1.2], requires_grad=True)
        f["Intermediate"].apply(x).sum().backward()
        return x.grad.tolist()

    t, e = _both(run)
    _close(t, e)


@pytest.mark.parametrize("case", ["save_int", "instantiate", "forward_not_impl",
                                  "backward_not_impl"])
def test_function_errors_match_torch(case):
    def run(lib):
        class NoBackward(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                if case == "save_int":
                    ctx.save_for_backward(x, 3)
                return x * 2

        class NoForward(lib.autograd.Function):
            pass

        x = lib.ones(2, requires_grad=True)
        if case == "save_int":
            return _err(lambda: NoBackward.apply(x))
        if case == "instantiate":
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                obj = NoBackward()
            return [r.category for r in w], _err(lambda: obj(x))
        if case == "forward_not_impl":
            return _err(lambda: NoForward.apply(x))
        return _err(lambda: NoBackward.apply(x).sum().backward())

    assert _both(run)[0] == _both(run)[1]


def test_no_graph_when_no_input_requires_grad():
    def run(lib):
        f = _define(lib)
        x = lib.tensor([1.0, 2.0])
        y = f["Exp"].apply(x)
        s = f["Scale"].apply(x, 2.0, x)
        return y.requires_grad, y.grad_fn, s.grad_fn

    assert _both(run)[0] == _both(run)[1] == (False, None, None)


def test_forward_runs_without_recording():
    def run(lib):
        class Probe(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                inner = x * 2
                ctx.info = (lib.is_grad_enabled(), inner.requires_grad)
                return inner

            @staticmethod
            def backward(ctx, g):
                return g * 2

        y = Probe.apply(lib.ones(1, requires_grad=True))
        return y.grad_fn.info, [n.name() for n, _ in y.grad_fn.next_functions]

    assert _both(run)[0] == _both(run)[1]


def test_custom_function_inside_a_bigger_graph_with_hooks():
    def run(lib):
        f = _define(lib)
        order = []
        x = lib.tensor([0.2, 0.4], requires_grad=True)
        h = x * 3
        h.register_hook(lambda g: order.append("h"))
        y = f["Exp"].apply(h)
        y.register_hook(lambda g: order.append("y") or g * 2)
        z = (y * h).sum()
        z.backward()
        return order, x.grad.tolist()

    t, e = _both(run)
    assert t[0] == e[0]
    _close(t[1], e[1])


def test_nan_from_custom_backward_in_anomaly_mode():
    def run(lib):
        class NanF(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * float("nan")

        x = lib.ones(2, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autograd.detect_anomaly():
                return _err(lambda: NanF.apply(x).sum().backward())

    assert _both(run)[0] == _both(run)[1]


def test_saved_output_makes_no_reference_cycle():
    f = _define(ember)
    gc_was = gc.isenabled()
    gc.disable()
    try:
        x = ember.tensor([1.0, 2.0], requires_grad=True)
        y = f["Exp"].apply(x)
        ref = weakref.ref(y.grad_fn)
        del y
        assert ref() is None
    finally:
        if gc_was:
            gc.enable()


def test_function_gradcheck_and_gradgradcheck():
    f = _define(ember)
    x = ember.tensor([0.3, -0.8, 1.5], dtype=ember.float64, requires_grad=True)
    for name in ("Exp", "Cube", "Intermediate"):
        assert ember.autograd.gradcheck(f[name].apply, (x,))
    assert ember.autograd.gradgradcheck(f["Cube"].apply, (x,))
    assert ember.autograd.gradgradcheck(f["Exp"].apply, (x,))
