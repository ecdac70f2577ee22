"""nn.init against PyTorch: every initialiser gives the same values under the same seed (and
leaves the generator in the same state), the gain table, and the errors."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def outcome(fn, *args):
    try:
        return "ok", fn(*args)
    except Exception as e:  # noqa: BLE001 - the class and message are what we compare
        return type(e).__name__, str(e)


INITS = {
    "uniform": lambda I, t: I.uniform_(t),
    "uniform_ab": lambda I, t: I.uniform_(t, -0.3, 2.5),
    "normal": lambda I, t: I.normal_(t),
    "normal_ms": lambda I, t: I.normal_(t, 1.5, 0.2),
    "constant": lambda I, t: I.constant_(t, 0.37),
    "zeros": lambda I, t: I.zeros_(t),
    "ones": lambda I, t: I.ones_(t),
    "xavier_uniform": lambda I, t: I.xavier_uniform_(t),
    "xavier_uniform_gain": lambda I, t: I.xavier_uniform_(t, gain=I.calculate_gain("relu")),
    "xavier_normal": lambda I, t: I.xavier_normal_(t, gain=0.5),
    "kaiming_uniform": lambda I, t: I.kaiming_uniform_(t),
    "kaiming_uniform_sqrt5": lambda I, t: I.kaiming_uniform_(t, a=math.sqrt(5)),
    "kaiming_uniform_fan_out_relu": lambda I, t: I.kaiming_uniform_(
        t, mode="fan_out", nonlinearity="relu"),
    "kaiming_uniform_upper_mode": lambda I, t: I.kaiming_uniform_(t, mode="FAN_IN"),
    "kaiming_normal": lambda I, t: I.kaiming_normal_(t),
    "kaiming_normal_fan_out_tanh": lambda I, t: I.kaiming_normal_(
        t, mode="fan_out", nonlinearity="tanh"),
    "kaiming_normal_selu": lambda I, t: I.kaiming_normal_(t, nonlinearity="selu"),
    "trunc_normal": lambda I, t: I.trunc_normal_(t),
    "trunc_normal_narrow": lambda I, t: I.trunc_normal_(t, std=0.02),
    "trunc_normal_shifted": lambda I, t: I.trunc_normal_(t, mean=0.5, std=1.0, a=0.0, b=1.0),
    "trunc_normal_tail": lambda I, t: I.trunc_normal_(t, mean=0.0, std=1.0, a=1.0, b=3.0),
    "trunc_normal_thin": lambda I, t: I.trunc_normal_(t, mean=1.0, std=2.0, a=0.2, b=0.3),
    "sparse": lambda I, t: I.sparse_(t.view(t.shape[0], t.numel() // t.shape[0]), 0.3),
    "sparse_std": lambda I, t: I.sparse_(t.view(t.shape[0], t.numel() // t.shape[0]), 0.5,
                                         std=1.0),
}

SHAPES = [(4, 5), (3, 2, 3), (17, 20)]


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(INITS))
def test_init_matches_torch(name, shape, dt):
    results = []
    for lib in (torch, ember):
        lib.manual_seed(123)
        t = lib.empty(shape, dtype=getattr(lib, dt))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = INITS[name](lib.nn.init, t)
        assert r is t or name.startswith("sparse")
        results.append((t.numpy().copy(), lib.rand(4).numpy()))
    (tv, tn), (ev, en) = results
    assert ev.dtype == tv.dtype
    np.testing.assert_array_equal(ev, tv)
    np.testing.assert_array_equal(en, tn)      # the generator moved on identically


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_init_with_explicit_generator(dt):
    for name in ("uniform", "normal", "xavier_normal", "kaiming_uniform", "trunc_normal_tail"):
        outs = []
        for lib in (torch, ember):
            lib.manual_seed(0)
            g = lib.Generator().manual_seed(77)
            t = lib.empty(5, 6, dtype=getattr(lib, dt))
            kw = {"generator": g}
            fn = getattr(lib.nn.init, {"trunc_normal_tail": "trunc_normal_"}.get(
                name, name + "_"))
            if name == "trunc_normal_tail":
                fn(t, 0.0, 1.0, 1.0, 3.0, **kw)
            else:
                fn(t, **kw)
            outs.append((t.numpy().copy(), lib.rand(2).numpy(), lib.rand(2, generator=g).numpy()))
        for a, b in zip(*outs):
            np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (6, 2, 3), (30, 20)], ids=str)
@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_orthogonal_matches_torch(shape, dt):
    # Same normal sample, same QR signs: equal up to the LAPACK builds' rounding.
    outs = []
    for lib in (torch, ember):
        lib.manual_seed(9)
        t = lib.empty(shape, dtype=getattr(lib, dt))
        lib.nn.init.orthogonal_(t, gain=1.5)
        outs.append((t.numpy().copy(), lib.rand(3).numpy()))
    tol = 1e-5 if dt == "float32" else 1e-13
    np.testing.assert_allclose(outs[1][0], outs[0][0], atol=tol, rtol=0)
    np.testing.assert_array_equal(outs[1][1], outs[0][1])
    flat = outs[1][0].reshape(shape[0], -1) / 1.5
    small = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(small, np.eye(len(small)), atol=1e-5)


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 2, 3, 3), 2), ((2, 3, 3, 3, 3), 1),
                                          ((4, 6, 5, 5), 4)])
def test_eye_and_dirac_match_torch(shape, groups):
    t = torch.empty(shape)
    e = ember.empty(shape)
    torch.nn.init.dirac_(t, groups)
    ember.nn.init.dirac_(e, groups)
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    for s in [(3, 5), (4, 2), (3, 3)]:
        np.testing.assert_array_equal(ember.nn.init.eye_(ember.empty(s)).numpy(),
                                      torch.nn.init.eye_(torch.empty(s)).numpy())


def test_parameters_stay_leaves():
    p = ember.nn.Parameter(ember.empty(3, 4))
    v = p._version
    for fn in (ember.nn.init.xavier_uniform_, ember.nn.init.zeros_, ember.nn.init.orthogonal_,
               ember.nn.init.trunc_normal_, ember.nn.init.eye_):
        assert fn(p) is p
        assert p.is_leaf and p.requires_grad and p.grad_fn is None
    assert p._version > v


@pytest.mark.parametrize("args", [("linear",), ("conv2d",), ("conv_transpose3d",), ("sigmoid",),
                                  ("tanh",), ("relu",), ("leaky_relu",), ("leaky_relu", 0.2),
                                  ("leaky_relu", 3), ("selu",), ("leaky_relu", True),
                                  ("leaky_relu", "x"), ("softmax",), ("gelu",)])
def test_calculate_gain_matches_torch(args):
    t = outcome(torch.nn.init.calculate_gain, *args)
    e = outcome(ember.nn.init.calculate_gain, *args)
    assert t == e
    if t[0] == "ok":
        assert type(t[1]) is type(e[1])


ERRORS = {
    "fan_1d": lambda I, lib: I.xavier_uniform_(lib.empty(3)),
    "fan_0d": lambda I, lib: I.kaiming_normal_(lib.empty(())),
    "bad_mode": lambda I, lib: I.kaiming_uniform_(lib.empty(2, 2), mode="fan_avg"),
    "bad_nonlinearity": lambda I, lib: I.kaiming_uniform_(lib.empty(2, 2), nonlinearity="x"),
    "eye_3d": lambda I, lib: I.eye_(lib.empty(2, 2, 2)),
    "dirac_2d": lambda I, lib: I.dirac_(lib.empty(2, 2)),
    "dirac_groups": lambda I, lib: I.dirac_(lib.empty(3, 2, 2), groups=2),
    "orthogonal_1d": lambda I, lib: I.orthogonal_(lib.empty(4)),
    "sparse_3d": lambda I, lib: I.sparse_(lib.empty(2, 2, 2), 0.5),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    t = outcome(ERRORS[name], torch.nn.init, torch)
    e = outcome(ERRORS[name], ember.nn.init, ember)
    assert t[0] != "ok" and t == e


def test_warnings_match_torch():
    for fn in (lambda I, lib: I.kaiming_uniform_(lib.empty(0, 3)),
               lambda I, lib: I.kaiming_normal_(lib.empty(3, 0)),
               lambda I, lib: I.trunc_normal_(lib.empty(3), mean=5.0, a=-1.0, b=1.0),
               lambda I, lib: I.normal(lib.empty(3)),
               lambda I, lib: I.xavier_uniform(lib.empty(3, 3))):
        msgs = []
        for lib in (torch, ember):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                fn(lib.nn.init, lib)
            msgs.append([(x.category.__name__, str(x.message)) for x in w])
        assert msgs[0] == msgs[1] and msgs[0]


def test_zero_element_orthogonal_is_a_no_op():
    t = ember.empty(0, 3)
    assert ember.nn.init.orthogonal_(t) is t
