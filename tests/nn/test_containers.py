"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict against PyTorch: the same
operations give the same structure, names, reprs and errors."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def outcome(fn, *args):
    try:
        return "ok", fn(*args)
    except Exception as e:  # noqa: BLE001 - the class and message are what we compare
        # class paths legitimately differ: <class 'ember.nn...'> vs <class 'torch.nn...'>
        return type(e).__name__, str(e).replace("<class 'ember.", "<class 'torch.")


def run_both(script):
    """``script(lib, log)`` appends observations to ``log``; both libraries must agree."""
    logs = []
    for lib in (torch, ember):
        log = []
        script(lib, log)
        logs.append(log)
    t, e = logs
    assert len(t) == len(e)
    for i, (a, b) in enumerate(zip(t, e)):
        assert a == b, (i, a, b)
    return e


def names(m):
    return [n for n, _ in m.named_children()], [n for n, _ in m.named_parameters()]


def kinds(seq):
    return [type(x).__name__ for x in seq]


# -- Sequential ---------------------------------------------------------------------------
def test_sequential_indexing_and_slicing():
    def script(lib, log):
        nn = lib.nn
        s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4), nn.Tanh())
        log.append((len(s), kinds(s), type(s[0]).__name__, type(s[-1]).__name__,
                    type(s[-4]).__name__))
        log.append(outcome(lambda: s[4]))
        log.append(outcome(lambda: s[-5]))
        log.append(outcome(lambda: s["0"]))
        sl = s[1:3]
        log.append((type(sl).__name__, names(sl), sl[0] is s[1]))
        log.append((names(s[::2]), names(s[::-1]), names(s[5:])))
        log.append(repr(s[1:]))

    run_both(script)


def test_sequential_mutation():
    def script(lib, log):
        nn = lib.nn
        s = nn.Sequential(nn.Linear(1, 1), nn.ReLU())
        r = s.append(nn.Tanh())
        log.append((r is s, names(s)))
        s.insert(1, nn.Sigmoid())
        s.insert(-1, nn.Identity())
        s.insert(len(s), nn.Softsign())
        log.append(kinds(s))
        log.append(outcome(lambda: s.insert(99, nn.ReLU())))
        log.append(outcome(lambda: s.insert(-99, nn.ReLU())))
        log.append(outcome(lambda: s.insert(0, 3)))
        s.extend([nn.ReLU6(), nn.GELU()])
        log.append(kinds(s))
        popped = s.pop(1)
        log.append((type(popped).__name__, names(s)[0]))
        del s[0]
        log.append(names(s))
        del s[1:3]
        log.append((names(s), kinds(s)))
        del s[-1]
        s[0] = nn.Hardtanh()
        log.append(kinds(s))
        log.append(outcome(lambda: s.__setitem__(10, nn.ReLU())))
        log.append(outcome(lambda: s.__delitem__(10)))
        log.append(repr(s))

    run_both(script)


def test_sequential_ordered_dict_and_operators():
    def script(lib, log):
        nn = lib.nn
        s = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
        log.append((names(s), type(s.fc).__name__, type(s[1]).__name__))
        log.append(names(s[1:]))
        t = nn.Sequential(nn.Tanh())
        u = s + t
        log.append((names(u), u[0] is s.fc))
        log.append(outcome(lambda: s + nn.ModuleList()))
        s += t
        log.append(names(s))
        log.append(outcome(lambda: s.__iadd__([nn.ReLU()])))
        m = nn.Sequential(nn.ReLU(), nn.Tanh()) * 2
        log.append((names(m), m[0] is m[2]))
        log.append(names(3 * nn.Sequential(nn.ReLU())))
        log.append(outcome(lambda: nn.Sequential(nn.ReLU()) * 0))
        log.append(outcome(lambda: nn.Sequential(nn.ReLU()) * 1.5))
        im = nn.Sequential(nn.ReLU(), nn.Tanh())
        im *= 3
        log.append(names(im))
        log.append(repr(s))
        log.append(repr(nn.Sequential()))
        del s.fc
        log.append(names(s))

    run_both(script)


def test_sequential_forward_and_parameters():
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    em = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.Tanh(), ember.nn.Linear(4, 2))
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3))
    tx = torch.tensor(x, requires_grad=True)
    ex = ember.tensor(x, requires_grad=True)
    tm.double()
    em.double()
    ty, ey = tm(tx), em(ex)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    ty.sum().backward()
    ey.sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    for (n, tp), (m, ep) in zip(tm.named_parameters(), em.named_parameters()):
        assert n == m
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-12)
    assert ember.nn.Sequential()(ex) is ex


def test_sequential_dir_hides_indices():
    d = dir(ember.nn.Sequential(ember.nn.ReLU(), ember.nn.ReLU()))
    assert "0" not in d and "1" not in d and "append" in d


# -- ModuleList ---------------------------------------------------------------------------
def test_module_list():
    def script(lib, log):
        nn = lib.nn
        ml = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
        log.append((len(ml), kinds(ml), names(ml)))
        ml.append(nn.Tanh())
        ml.extend([nn.Linear(1, 1), nn.Linear(1, 1)])
        ml += [nn.ReLU()]
        log.append((kinds(ml), type(ml[-1]).__name__, type(ml[2]).__name__))
        log.append(outcome(lambda: ml[6]))
        log.append(outcome(lambda: ml[-7]))
        log.append(outcome(lambda: ml.extend(3)))
        log.append((type(ml[1:3]).__name__, kinds(ml[1:3]), kinds(ml[::-2])))
        ml.insert(1, nn.Sigmoid())
        ml.insert(0, nn.Softsign())
        log.append(kinds(ml))
        ml[2] = nn.GELU()
        ml[-1] = nn.ELU()
        log.append(kinds(ml))
        log.append(outcome(lambda: ml.__setitem__(20, nn.ReLU())))
        log.append(type(ml.pop(0)).__name__)
        del ml[1]
        del ml[::2]
        log.append((kinds(ml), names(ml)))
        both = ml + nn.ModuleList([nn.ReLU()])
        log.append((type(both).__name__, names(both)))
        log.append(repr(ml))
        log.append(repr(nn.ModuleList()))

    run_both(script)


@pytest.mark.parametrize("pattern", ["aaa", "abab", "aabbba", "abbbbc", "a", "aaab"])
def test_module_list_repr_folding(pattern):
    def build(lib):
        nn = lib.nn
        make = {"a": lambda: nn.Linear(2, 2), "b": lambda: nn.ReLU(), "c": lambda: nn.Sequential(
            nn.Linear(1, 1), nn.ModuleList([nn.Tanh(), nn.Tanh()]))}
        outer = nn.ModuleList([make[c]() for c in pattern])
        return repr(nn.Sequential(outer, nn.ModuleList([outer, outer])))

    assert build(ember) == build(torch)


# -- ModuleDict ---------------------------------------------------------------------------
def test_module_dict():
    def script(lib, log):
        nn = lib.nn
        md = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Linear(1, 2)})
        log.append((list(md), list(md.keys()), kinds(md.values()), len(md), "a" in md,
                    "z" in md))
        md.update([("c", nn.Tanh()), ["d", nn.Sigmoid()]])
        md["e"] = nn.GELU()
        md.update(OrderedDict([("a", nn.ELU())]))
        log.append([(k, type(v).__name__) for k, v in md.items()])
        log.append(type(md.pop("b")).__name__)
        del md["c"]
        log.append((list(md), names(md)))
        log.append(outcome(lambda: md["zz"]))
        log.append(outcome(lambda: md.update(3)))
        log.append(outcome(lambda: md.update([("x", nn.ReLU(), 1)])))
        log.append(outcome(lambda: md.update([3])))
        log.append(outcome(lambda: md.__setitem__("x.y", nn.ReLU())))
        log.append(repr(md))
        md2 = nn.ModuleDict(md)
        log.append(list(md2))
        md.clear()
        log.append((len(md), repr(md)))

    run_both(script)


# -- ParameterList ------------------------------------------------------------------------
def test_parameter_list():
    def script(lib, log):
        nn = lib.nn
        pl = nn.ParameterList([nn.Parameter(lib.ones(2)), lib.zeros(3, 4)])
        log.append((len(pl), [type(p).__name__ for p in pl],
                    [n for n, _ in pl.named_parameters()]))
        pl.append(lib.ones(1, dtype=lib.float64))
        pl.append("not a tensor")
        pl.extend([nn.Parameter(lib.ones(5), requires_grad=False)])
        log.append(repr(pl))
        log.append(outcome(lambda: pl[9]))
        log.append(outcome(lambda: pl.extend(lib.ones(2))))
        log.append(outcome(lambda: pl.extend(5)))
        log.append(outcome(lambda: pl(1)))
        sl = pl[1:3]
        log.append((type(sl).__name__, len(sl), sl[0] is pl[1]))
        pl[0] = lib.full((2,), 7.0)
        log.append((type(pl[0]).__name__, pl[0].tolist(), pl[-1].requires_grad))
        log.append([tuple(p.shape) for p in pl.parameters()])
        log.append(repr(nn.ParameterList()))
        log.append(sorted(k for k in pl.state_dict()))

    run_both(script)


def test_parameter_list_in_module_trains():
    pl = ember.nn.ParameterList([ember.ones(2), ember.ones(2)])
    (pl[0] * pl[1] * 3).sum().backward()
    assert pl[0].grad.tolist() == [3.0, 3.0]


# -- ParameterDict ------------------------------------------------------------------------
def test_parameter_dict():
    def script(lib, log):
        nn = lib.nn
        pd = nn.ParameterDict({"b": lib.ones(2), "a": nn.Parameter(lib.zeros(1, 3))})
        log.append((list(pd), [type(v).__name__ for v in pd.values()], len(pd)))
        pd.update(OrderedDict([("z", lib.ones(1)), ("y", lib.ones(2, 2))]))
        pd.update([("x", "text"), ("w", lib.ones(1, dtype=lib.float64))])
        log.append(list(pd.keys()))
        log.append(repr(pd))
        log.append(("a" in pd, "q" in pd, pd.get("q", 5), type(pd.get("a")).__name__))
        log.append(type(pd.setdefault("q", lib.ones(4))).__name__)
        log.append(list(reversed(pd)))
        k, v = pd.popitem()
        log.append((k, list(v.shape)))
        log.append(list(pd.pop("b").shape))
        del pd["z"]
        log.append(list(pd))
        log.append(outcome(lambda: pd[3]))
        log.append(outcome(lambda: pd["missing"]))
        log.append(outcome(lambda: pd.update(3)))
        log.append(outcome(lambda: pd.update([("a", 1, 2)])))
        log.append(outcome(lambda: pd(1)))
        c = pd.copy()
        log.append((list(c), c["a"] is pd["a"]))
        u = pd | nn.ParameterDict({"new": lib.ones(1)})
        log.append(list(u))
        f = pd.fromkeys(["k1", "k2"], lib.ones(1))
        log.append((list(f), type(f["k1"]).__name__))
        log.append([n for n, _ in pd.named_parameters()])
        pd.clear()
        log.append((len(pd), repr(pd)))

    run_both(script)


def test_container_reprs_inside_a_model():
    def build(lib):
        nn = lib.nn

        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.pl = nn.ParameterList([lib.ones(2, 3, dtype=lib.float64)])
                self.pd = nn.ParameterDict({"w": lib.ones(4)})
                self.md = nn.ModuleDict({"x": nn.Linear(2, 2)})
                self.ml = nn.ModuleList()
        return repr(M())

    assert build(ember) == build(torch)
