"""torch.func.functional_call (and nn.utils.stateless's deprecated one) against torch."""
import importlib
import warnings

import pytest

import ember


def _run(name):
    lib = importlib.import_module(name)
    fc = importlib.import_module(name + ".func").functional_call
    lib.manual_seed(0)
    m = lib.nn.Linear(2, 1)
    w = lib.ones(1, 2, requires_grad=True)
    b = lib.zeros(1, requires_grad=True)
    out = []
    y = fc(m, {"weight": w, "bias": b}, (lib.tensor([[1.0, 2.0]]),))
    y.sum().backward()
    out += [y.tolist(), w.grad.tolist(), m.weight.grad is None,
            type(m.weight).__name__, type(y.grad_fn).__name__]
    fc(m, {"foo": w}, (lib.ones(1, 2),))
    out.append(hasattr(m, "foo"))                   # a name the module lacks: only meanwhile
    for bad in (lambda: fc(m, {"weight": w}, (lib.ones(1, 2),), strict=True),
                lambda: fc(m, {"foo": lib.ones(1)}, (lib.ones(1, 2),), strict=True),
                lambda: fc(m, ({"weight": w}, {"weight": w}), (lib.ones(1, 2),))):
        try:
            bad()
        except (RuntimeError, ValueError) as e:
            out.append((type(e).__name__, str(e)))
    out.append(fc(m, ({"weight": w}, {"bias": b}), lib.ones(1, 2)).tolist())
    seq = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2))
    fc(seq, {"0.weight": lib.eye(2), "1.running_mean": lib.ones(2)}, (lib.randn(3, 2),))
    out.append(seq[1].running_mean.tolist())        # the module's own buffer is back

    class Tied(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = lib.nn.Linear(2, 2, bias=False)
            self.b = lib.nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.b(self.a(x))
    out.append(fc(Tied(), {"a.weight": lib.eye(2) * 2}, (lib.ones(1, 2),)).tolist())
    return out


def test_functional_call_matches_torch():
    pytest.importorskip("torch")
    assert _run("ember") == _run("torch")


def test_stateless_functional_call_is_deprecated():
    m = ember.nn.Linear(2, 1)
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        y = ember.nn.utils.stateless.functional_call(m, {"bias": ember.ones(1) * 5},
                                                     (ember.zeros(1, 2),))
    assert y.tolist() == [[5.0]]
    assert [w.category for w in ws] == [FutureWarning]
    assert "Please use `torch.func.functional_call`" in str(ws[0].message)
