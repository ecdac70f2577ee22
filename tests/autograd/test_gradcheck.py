"""gradcheck / gradgradcheck: passes, failures and their messages, compared with PyTorch."""
import warnings

import pytest

import ember
from ember.autograd.gradcheck import GradcheckError

torch = pytest.importorskip("torch")


def _both(fn):
    return fn(torch), fn(ember)


def _outcome(fn):
    """True, or (exception class name, message) of what ``fn`` raised."""
    try:
        return fn()
    except Exception as err:
        return type(err).__name__, str(err)


def _fns(lib):
    """Functions with correct and with wrong backward formulas, for one library."""
    F = lib.autograd.Function

    class WrongScale(F):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    class NotMul(F):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 0 + 2

    class NoneUnsafe(F):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class NoneToOnes(F):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return lib.ones(2, dtype=lib.float64) if g is None else g * 2

    class Drifting(F):
        calls = [0]

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            Drifting.calls[0] += 1
            return g * (2 + 1e-3 * Drifting.calls[0])

    class Pair(F):            # right for output 0, wrong for output 1 w.r.t. input 1
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b, a + b

        @staticmethod
        def backward(ctx, g1, g2):
            a, b = ctx.saved_tensors
            return g1 * b + g2, g1 * a + g2 * 2

    class DetachedCube(F):    # right first derivative, not differentiable further
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x.detach() ** 2

    return dict(WrongScale=WrongScale, NotMul=NotMul, NoneUnsafe=NoneUnsafe,
                NoneToOnes=NoneToOnes, Drifting=Drifting, Pair=Pair,
                DetachedCube=DetachedCube)


def _x(lib, *shape):
    vals = [0.3, -1.2, 0.7, 2.1, -0.4, 1.5, 0.9, -2.2, 0.1, 1.1, -0.6, 0.25]
    n = 1
    for s in shape:
        n *= s
    return lib.tensor(vals[:n], dtype=lib.float64).reshape(shape).requires_grad_()


@pytest.mark.parametrize("fast", [False, True])
def test_correct_functions_pass(fast):
    def run(lib):
        a = _x(lib, 2, 3)
        b = _x(lib, 3)
        c = _x(lib, 3, 2)
        checks = [
            (lambda a, b: (a * b).exp(), (a, b)),
            (lambda a, c: a.mm(c).tanh(), (a, c)),
            (lambda a, k, b: (a.sin() * k + b, a.sum().long()), (a, 2.5, b)),
            (lambda c: c.t().relu() * 3, (c.t(),)),          # a non-contiguous input
            (lambda a, b: ((a - b) ** 2).mean(), (a, b.detach())),
        ]
        return [lib.autograd.gradcheck(f, inp, fast_mode=fast) for f, inp in checks]

    t, e = _both(run)
    assert t == e == [True] * 5


def test_slow_mode_mismatch_message_equals_torch():
    def run(lib):
        f = _fns(lib)
        return _outcome(lambda: lib.autograd.gradcheck(f["WrongScale"].apply, (_x(lib, 2),)))

    t, e = _both(run)
    assert e == t
    assert e[0] == "GradcheckError"


def test_mismatch_names_the_output_and_input():
    def run(lib):
        f = _fns(lib)
        return _outcome(lambda: lib.autograd.gradcheck(f["Pair"].apply,
                                                       (_x(lib, 2), _x(lib, 2) * 1)))

    t, e = _both(run)
    assert e == t
    assert "for output 1 with respect to input 1" in e[1]


def test_fast_mode_mismatch_reports_slow_mode_jacobians():
    def run(lib):
        f = _fns(lib)
        return _outcome(lambda: lib.autograd.gradcheck(f["WrongScale"].apply, (_x(lib, 2),),
                                                       fast_mode=True))

    t, e = _both(run)
    assert t[0] == e[0] == "GradcheckError"
    # the random projections differ; the slow-mode report after them must not
    assert t[1].split("\n")[0] == e[1].split("\n")[0]
    assert t[1].split("Below, we recompute")[1] == e[1].split("Below, we recompute")[1]


def test_raise_exception_false_returns_false():
    def run(lib):
        f = _fns(lib)
        return [lib.autograd.gradcheck(f["WrongScale"].apply, (_x(lib, 2),),
                                       raise_exception=False),
                lib.autograd.gradcheck(f["WrongScale"].apply, (_x(lib, 2),),
                                       raise_exception=False, fast_mode=True),
                lib.autograd.gradgradcheck(f["DetachedCube"].apply, (_x(lib, 2),),
                                           raise_exception=False)]

    assert _both(run)[0] == _both(run)[1] == [False, False, False]


def test_gradcheck_error_is_a_runtime_error():
    assert issubclass(GradcheckError, RuntimeError)
    with pytest.raises(RuntimeError):
        ember.autograd.gradcheck(_fns(ember)["WrongScale"].apply, (_x(ember, 2),))


@pytest.mark.parametrize("case", ["not_mul", "undefined_unsafe", "undefined_nonzero",
                                  "numerical_not_zero", "nondeterministic", "no_input",
                                  "stride0", "forward_ad_flags"])
def test_failure_kinds_match_torch(case):
    def run(lib):
        f = _fns(lib)
        x = _x(lib, 2)
        gc = lib.autograd.gradcheck
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            if case == "not_mul":
                res = _outcome(lambda: gc(f["NotMul"].apply, (x,)))
            elif case == "undefined_unsafe":
                res = _outcome(lambda: gc(f["NoneUnsafe"].apply, (x,)))
            elif case == "undefined_nonzero":
                res = _outcome(lambda: gc(f["NoneToOnes"].apply, (x,)))
            elif case == "numerical_not_zero":
                res = _outcome(lambda: gc(lambda a: a.detach() * 2, (x,)))
            elif case == "nondeterministic":
                res = _outcome(lambda: gc(f["Drifting"].apply, (x,)))
            elif case == "no_input":
                res = _outcome(lambda: gc(lambda a: a * 2, (x.detach(),)))
            elif case == "stride0":
                y = lib.tensor([[1.0], [2.0]], dtype=lib.float64).expand(2, 3)
                res = _outcome(lambda: gc(lambda a: a * 2, (y.requires_grad_(),)))
            else:
                res = _outcome(lambda: gc(lambda a: a * 2, (x,), check_forward_ad=False,
                                          check_backward_ad=False))
        return res, [(r.category.__name__, str(r.message)) for r in w]

    t, e = _both(run)
    if case == "undefined_unsafe":
        # the user's own ``None * 2`` fails the same way (a TypeError) in both
        assert t[0][0] == e[0][0] == "TypeError"
    else:
        assert e == t


def test_no_differentiable_outputs_pass_when_constant():
    def run(lib):
        x = _x(lib, 3)
        return [lib.autograd.gradcheck(lambda a: (a > 0).double(), (x,)),
                lib.autograd.gradcheck(lambda a: a.sum().long(), (x,)),
                lib.autograd.gradcheck(lambda a: (a > 0).double(), (x,), fast_mode=True)]

    assert _both(run)[0] == _both(run)[1] == [True] * 3


def test_float32_input_warns():
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            ok = lib.autograd.gradcheck(lambda a: a * 2, (x,), raise_exception=False)
        return ok, [(r.category.__name__, str(r.message)) for r in w]

    t, e = _both(run)
    assert t[1] == e[1]
    assert isinstance(e[0], bool)


def test_check_grad_dtypes_and_batched_grad():
    def run(lib):
        class WrongDtype(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.float()

            @staticmethod
            def backward(ctx, g):
                return g

        x = _x(lib, 3)
        return [
            lib.autograd.gradcheck(lambda a: (a * a).sin(), (x,), check_batched_grad=True),
            # float32 finite differences: off by more than atol=1e-3
            _outcome(lambda: lib.autograd.gradcheck(WrongDtype.apply, (x,), atol=1e-3,
                                                    check_grad_dtypes=True)),
            # gradients reach the input cast to its dtype, so the dtype check passes
            lib.autograd.gradcheck(WrongDtype.apply, (x,), atol=0.1, rtol=0.1,
                                   check_grad_dtypes=True),
        ]

    t, e = _both(run)
    assert t == e
    assert e[0] is e[2] is True and e[1][0] == "GradcheckError"


def test_gradgradcheck_passes_and_fails_like_torch():
    def run(lib):
        f = _fns(lib)
        x = _x(lib, 3)
        y = _x(lib, 3) * 1
        go = lib.tensor([0.5, -1.0, 0.25], dtype=lib.float64, requires_grad=True)
        return [
            lib.autograd.gradgradcheck(lambda a, b: (a * b).sin() + a ** 3, (x, y.detach()
                                                                             .requires_grad_())),
            lib.autograd.gradgradcheck(lambda a: a.exp().sum(), (x,), fast_mode=True),
            _outcome(lambda: lib.autograd.gradgradcheck(f["DetachedCube"].apply, (x,), (go,))),
        ]

    t, e = _both(run)
    assert t == e
    assert e[2][0] == "GradcheckError"


def test_gradgradcheck_generated_grad_outputs_and_noncontiguous():
    x = _x(ember, 2, 3)
    assert ember.autograd.gradgradcheck(lambda a: (a * a).tanh(), (x,),
                                        gen_non_contig_grad_outputs=True)


def test_torch_script_importing_the_gradcheck_module(tmp_path):
    """Under ``ember run``, importing torch.autograd.gradcheck must leave
    torch.autograd.gradcheck (the function) callable, as in PyTorch."""
    import subprocess
    import sys
    script = tmp_path / "s.py"
    script.write_text(
        "import torch\n"
        "from torch.autograd.gradcheck import GradcheckError\n"
        "x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)\n"
        "print(torch.autograd.gradcheck(lambda a: a.exp(), (x,)), "
        "issubclass(GradcheckError, RuntimeError))\n")
    out = subprocess.run([sys.executable, "-m", "ember", "run", str(script)],
                         capture_output=True, text=True)
    assert out.stdout == "True True\n", out.stderr
