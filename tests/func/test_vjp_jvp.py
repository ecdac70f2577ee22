"""torch.func.vjp, jvp and linearize against torch: values, pytree structure of results,
has_aux, nesting with grad/vmap, and argument errors (class and message)."""
import importlib
from collections import namedtuple

import pytest
from func_helpers import errors, show

Pair = namedtuple("Pair", "a b")


def _vjp(name):
    lib = importlib.import_module(name)
    F = importlib.import_module(name + ".func")
    x, y = lib.tensor([1.0, 2.0]), lib.tensor([3.0, -4.0])
    out = []
    o, fn = F.vjp(lambda a, b: a * b, x, y)
    out += [o, fn(lib.ones(2)), fn(lib.tensor([2.0, 0.5]))]        # twice: graph kept
    tree = lambda a: {"s": a.sum(), "l": [a * 2, a ** 2]}             # noqa: E731
    o, fn = F.vjp(tree, x)
    out += [o, fn({"s": lib.tensor(1.0), "l": [lib.ones(2), lib.tensor([1.0, -1.0])]})]
    o, fn = F.vjp(lambda t: (t[0] * t[1], lib.sin(t[1])), (x, y))
    out += [o, fn((lib.ones(2), lib.ones(2)))]
    o, fn = F.vjp(lambda d: d["a"].exp() * d["b"], {"a": x, "b": y})
    out += [fn(lib.ones(2))]
    out += [F.vjp(lambda a, b: a * 2, x, y)[1](lib.ones(2)),            # unused primal: zeros
            F.vjp(lambda a: lib.ones(2), x)[1](lib.ones(2))]
    o, fn, aux = F.vjp(lambda a: (a.tanh(), {"m": a.mean()}), x, has_aux=True)
    out += [o, fn(lib.ones(2)), aux]
    out += [F.vjp(lambda p: p.a * p.b.cos(), Pair(x, y))[1](lib.ones(2)),
            F.vjp(lambda a: Pair(a, a * 2), x)[1](Pair(lib.ones(2), lib.ones(2))),
            F.vjp(lambda a: a * (1 + 2j), lib.tensor([1 + 1j]))[1](lib.tensor([1 - 3j])),
            F.vjp(lambda: x * 2)[1](lib.ones(2))]
    w = lib.ones(2, requires_grad=True)
    o, fn = F.vjp(lambda a: a ** 2, w)
    out += [o.requires_grad, fn(lib.ones(2))[0].requires_grad]
    out += [F.grad(lambda a: F.vjp(lambda b: b ** 3, a)[1](lib.ones(2))[0].sum())(x),
            F.vmap(lambda c: F.vjp(lib.sin, x)[1](c)[0])(lib.eye(2)),
            F.vjp(lambda a: F.jvp(lib.sin, (a,), (lib.ones(2),))[1], x)[1](lib.ones(2))]
    o, fn = F.vjp(lambda a: a * 2, x)
    _, fn_tree = F.vjp(tree, x)
    _, fn_pair = F.vjp(lambda a: (a, a * 2), x)
    out += errors([
        lambda: fn_tree([lib.ones(2)]),
        lambda: fn_tree({"s": lib.ones(2), "l": [lib.ones(2), lib.ones(2)]}),
        lambda: fn(lib.ones(3)),
        lambda: fn_pair(lib.ones(2)),
        lambda: F.vjp(lambda a: a, 3.0),
        lambda: F.vjp(lambda a: 3.0, x),
        lambda: F.vjp(lambda a: a, x, has_aux=True),
        lambda: F.vjp(lambda a: (a * 2, 3), x, has_aux=True),
        lambda: F.vjp(lambda a: (a > 0).long(), x),
        lambda: F.vjp(lambda a: Pair(a, a), x)[1]((lib.ones(2), lib.ones(2))),
    ])
    return show(out)


def _jvp(name):
    lib = importlib.import_module(name)
    F = importlib.import_module(name + ".func")
    x, y = lib.tensor([1.0, 2.0]), lib.tensor([3.0, -4.0])
    one = lib.ones(2)
    out = [F.jvp(lambda a, b: a * b, (x, y), (one, lib.zeros(2))),
           F.jvp(lib.sin, (x,), (y,)),
           F.jvp(lambda d: {"o": d["a"] * d["b"], "p": [d["a"].sum()]},
                 ({"a": x, "b": y},), ({"a": one, "b": one},)),
           F.jvp(lambda a: (a.exp(), a.sum() * 0 + 1), (x,), (y,)),
           F.jvp(lambda a: lib.ones(3), (x,), (y,)),                      # constant: zeros
           F.jvp(lambda a: (a > 0).long(), (x,), (y,)),
           F.jvp(lambda a: a, (x,), (y,), strict=True),
           F.jvp(lambda a: (a * 2, a.sum()), (x,), (y,), has_aux=True),
           F.jvp(lambda a, b: (a @ b.t()).relu(), (lib.eye(2), lib.ones(3, 2)),
                 (lib.ones(2, 2), lib.ones(3, 2))),
           F.jvp(lambda z: z * z.exp(), (lib.tensor([1 + 1j, -0.5j]),),
                 (lib.tensor([1 + 0j, 2 - 1j]),)),
           F.jvp(lambda p: Pair(p.b, p.a * p.b), (Pair(x, y),), (Pair(one, one),))]
    w = lib.ones(2, requires_grad=True)
    out += [[t.requires_grad for t in F.jvp(lambda a: a ** 2, (w,), (one,))],
            F.jvp(lambda a: F.vjp(lib.sin, a)[1](one)[0], (x,), (one,)),
            F.grad(lambda t: F.jvp(lib.sin, (x,), (t,))[1].sum())(one),
            F.grad(lambda a: F.jvp(lambda b: b ** 3, (a,), (one,))[1].sum())(x),
            F.vmap(lambda t: F.jvp(lib.sin, (x,), (t,))[1])(lib.eye(2))]
    o, fn = F.linearize(lib.sin, x)
    out += [o, fn(y), fn(x)]
    o, fn = F.linearize(lambda a, b: (a * b, a + b), x, y)
    out += [o, fn(y, x)]
    o, fn = F.linearize(lambda d: d["a"] ** 2, {"a": x})
    out += [fn({"a": one}), F.linearize(lambda a: a ** 2, w)[1](one).requires_grad]
    _, lin = F.linearize(lib.sin, x)
    out += errors([
        lambda: F.jvp(lambda a: a, x, (x,)),
        lambda: F.jvp(lambda a: a, (x,), x),
        lambda: F.jvp(lambda a: a, (x,), (x, x)),
        lambda: F.jvp(lambda a: a, ((x, y),), ([x, y],)),
        lambda: F.jvp(lambda a: a, (x,), (lib.ones(3),)),
        lambda: F.jvp(lambda: x, (), ()),
        lambda: F.jvp(lambda a: a, (1.0,), (1.0,)),
        lambda: F.jvp(lambda a: a, (x,), (1.0,)),
        lambda: F.jvp(lambda a: a * 2, (x,), (x,), has_aux=True),
        lambda: F.jvp(lambda a: 2.0, (x,), (x,)),
        lambda: F.jvp(lambda a: a * 2, (lib.tensor([1, 2]),), (lib.tensor([1, 2]),)),
        lambda: lin(lib.ones(3)),
        lambda: lin(y, y),
    ])
    return show(out)


def test_vjp_matches_torch():
    pytest.importorskip("torch")
    assert _vjp("ember") == _vjp("torch")


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_jvp_and_linearize_match_torch():
    pytest.importorskip("torch")
    assert _jvp("ember") == _jvp("torch")
