"""Grad-mode context managers and decorators, compared with PyTorch."""
import warnings

import pytest

import ember

torch = pytest.importorskip("torch")


def _both(fn):
    return fn(torch), fn(ember)


def _records(lib):
    x = lib.ones(2, requires_grad=True)
    return (x * 2).requires_grad


def test_context_managers_nest_and_restore():
    def run(lib):
        out = [lib.is_grad_enabled(), _records(lib)]
        with lib.no_grad():
            out += [lib.is_grad_enabled(), _records(lib)]
            with lib.enable_grad():
                out += [lib.is_grad_enabled(), _records(lib)]
                with lib.set_grad_enabled(False):
                    out.append(_records(lib))
                out.append(lib.is_grad_enabled())
            out.append(lib.is_grad_enabled())
            with lib.inference_mode():
                out += [lib.is_grad_enabled(), lib.is_inference_mode_enabled()]
                with lib.inference_mode(False):
                    out += [lib.is_grad_enabled(), lib.is_inference_mode_enabled()]
                out.append(lib.is_inference_mode_enabled())
            with lib.inference_mode(False):      # turns grad mode on, even in no_grad
                out.append(lib.is_grad_enabled())
        out += [lib.is_grad_enabled(), lib.is_inference_mode_enabled()]
        return out

    assert _both(run)[0] == _both(run)[1]


def test_modes_restore_after_exceptions():
    def run(lib):
        out = []
        for mgr in (lib.no_grad, lib.enable_grad, lambda: lib.set_grad_enabled(False),
                    lib.inference_mode):
            with lib.no_grad():
                try:
                    with mgr():
                        raise ValueError
                except ValueError:
                    pass
                out.append(lib.is_grad_enabled())
            try:
                with mgr():
                    raise KeyError
            except KeyError:
                pass
            out.append(lib.is_grad_enabled())
        return out

    assert _both(run)[0] == _both(run)[1]


def test_set_grad_enabled_as_function_call():
    def run(lib):
        out = []
        lib.set_grad_enabled(False)
        out += [lib.is_grad_enabled(), _records(lib)]
        lib.set_grad_enabled(True)
        out += [lib.is_grad_enabled(), _records(lib)]
        out.append(repr(lib.set_grad_enabled(True)))
        return out

    assert _both(run)[0] == _both(run)[1]


def test_decorators_with_and_without_parentheses():
    def run(lib):
        def probe():
            """doc"""
            return lib.is_grad_enabled(), _records(lib)

        out = []
        for deco in (lib.no_grad(), lib.no_grad, lib.enable_grad(), lib.enable_grad,
                     lib.set_grad_enabled(False), lib.inference_mode(),
                     lib.inference_mode, lib.inference_mode(False)):
            f = deco(probe)
            with lib.no_grad():
                out.append(f())
            out.append(f())
            out.append((f.__name__, f.__doc__))
        out.append(lib.is_grad_enabled())
        return out

    assert _both(run)[0] == _both(run)[1]


def test_decorated_method_and_reuse():
    def run(lib):
        class M:
            @lib.no_grad()
            def f(self, x):
                return (x * 2).requires_grad

        m = M()
        x = lib.ones(1, requires_grad=True)
        return [m.f(x), m.f(x), lib.is_grad_enabled()]

    assert _both(run)[0] == _both(run)[1] == [False, False, True]


def test_decorating_a_class_warns_and_wraps():
    def run(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")

            @lib.no_grad()
            class C:
                def __init__(self):
                    self.g = lib.is_grad_enabled()
        return C().g, isinstance(C, type), [(r.category, str(r.message)) for r in w]

    assert _both(run)[0] == _both(run)[1]


def test_generators_run_each_step_under_the_mode():
    def run(lib):
        log = []

        def gen():
            got = yield lib.is_grad_enabled()
            log.append(("got", got, lib.is_grad_enabled()))
            try:
                yield 2
            except ValueError:
                log.append(("caught", lib.is_grad_enabled()))
                yield 3
            finally:
                log.append(("finally", lib.is_grad_enabled()))
            return "done"

        for deco in (lib.no_grad(), lib.enable_grad(), lib.set_grad_enabled(False),
                     lib.inference_mode()):
            g = deco(gen)
            it = g()
            log.append(next(it))
            log.append(("caller", lib.is_grad_enabled()))
            log.append(it.send("hello"))
            log.append(it.throw(ValueError))
            it.close()
            log.append(("after close", lib.is_grad_enabled()))
            it = g()
            next(it)
            it.send(None)
            with pytest.raises(StopIteration) as stop:
                it.send(None)
            log.append(stop.value.value)
        return log

    assert _both(run)[0] == _both(run)[1]


def test_no_grad_outputs_and_inplace_on_leaf():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.no_grad():
            y = x * 2
            x.mul_(3)               # allowed on a leaf inside no_grad
        z = x * 2
        return (y.requires_grad, y.grad_fn, y.is_leaf, x.tolist(), x._version,
                z.requires_grad, x.is_leaf)

    assert _both(run)[0] == _both(run)[1]


def test_inference_mode_outputs_do_not_require_grad():
    def run(lib):
        x = lib.ones(2, requires_grad=True)
        with lib.inference_mode():
            y = x * 2
            inside = lib.is_inference_mode_enabled()
        return y.requires_grad, y.grad_fn, inside, lib.is_inference_mode_enabled()

    assert _both(run)[0] == _both(run)[1]


def test_enable_grad_in_no_grad_decorated_function():
    def run(lib):
        @lib.no_grad()
        def f(x):
            with lib.enable_grad():
                return (x * 2).requires_grad
        return f(lib.ones(1, requires_grad=True))

    assert _both(run)[0] == _both(run)[1] is True


def test_backward_inside_no_grad_still_computes_gradients():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        with lib.no_grad():
            y.backward()
            mode = lib.is_grad_enabled()
        return x.grad.tolist(), mode

    assert _both(run)[0] == _both(run)[1]
