"""The Optimizer base class on its own: groups, state, zero_grad, closures, hooks, state-dict
round trips and pickling (no torch needed)."""
import copy
import io
import pickle

import numpy as np
import pytest

import ember
from ember.optim.optimizer import (register_optimizer_step_post_hook,
                                   register_optimizer_step_pre_hook)

ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
       "Rprop", "ASGD"]
KW = {"SGD": dict(lr=0.1, momentum=0.9), "RMSprop": dict(momentum=0.5, centered=True),
      "Adam": dict(amsgrad=True)}


def _params(seed=0):
    rng = np.random.default_rng(seed)
    return [ember.nn.Parameter(ember.tensor(rng.standard_normal(s).astype(np.float32)))
            for s in [(3, 2), (4,), ()]]


def _grads(params, step):
    rng = np.random.default_rng(100 + step)
    for p in params:
        p.grad = ember.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))


def _steps(opt, params, start, n):
    for k in range(start, start + n):
        _grads(params, k)
        opt.step()


@pytest.mark.parametrize("name", ALL)
def test_state_dict_round_trip_continues_bit_for_bit(name):
    ps = _params()
    opt = getattr(ember.optim, name)(ps, **KW.get(name, {}))
    _steps(opt, ps, 0, 5)
    buf = io.BytesIO()
    ember.save(opt.state_dict(), buf)
    buf.seek(0)
    ps2 = [ember.nn.Parameter(p.detach().clone()) for p in ps]
    opt2 = getattr(ember.optim, name)(ps2, **KW.get(name, {}))
    opt2.load_state_dict(ember.load(buf))
    assert opt2.state_dict()["param_groups"] == opt.state_dict()["param_groups"]
    _steps(opt, ps, 5, 6)
    _steps(opt2, ps2, 5, 6)
    for a, b in zip(ps, ps2):
        np.testing.assert_array_equal(a._data, b._data)


def test_load_state_dict_casts_buffers_to_parameter_dtype_but_not_step():
    ps = _params()
    opt = ember.optim.Adam(ps)
    _steps(opt, ps, 0, 2)
    sd = opt.state_dict()
    sd["state"][0]["exp_avg"] = sd["state"][0]["exp_avg"].double()
    opt2 = ember.optim.Adam([ember.nn.Parameter(p.detach().clone()) for p in ps])
    opt2.load_state_dict(sd)
    st = opt2.state[opt2.param_groups[0]["params"][0]]
    assert st["exp_avg"].dtype == ember.float32 and st["step"].dtype == ember.float32
    assert st["step"].item() == 2.0


def test_old_style_numeric_step_is_converted_to_a_tensor():
    ps = _params()
    opt = ember.optim.Adam(ps)
    _steps(opt, ps, 0, 1)
    sd = copy.deepcopy(opt.state_dict())
    for s in sd["state"].values():
        s["step"] = 1
    opt.load_state_dict(sd)
    assert all(isinstance(s["step"], ember.Tensor) for s in opt.state.values())
    _steps(opt, ps, 1, 1)
    assert all(s["step"].item() == 2.0 for s in opt.state.values())


def test_zero_grad_to_none_and_in_place():
    ps = _params()
    opt = ember.optim.SGD(ps, lr=0.1)
    _grads(ps, 0)
    opt.zero_grad()
    assert all(p.grad is None for p in ps)
    _grads(ps, 0)
    grads = [p.grad for p in ps]
    opt.zero_grad(set_to_none=False)
    for p, g in zip(ps, grads):
        assert p.grad is g and not g.requires_grad and not np.any(g._data)


def test_step_bumps_versions_and_skips_params_without_grad():
    ps = _params()
    opt = ember.optim.Adam(ps)
    ps[1].grad = ember.ones(4)
    before = [p._version for p in ps]
    opt.step()
    assert [p._version - b for p, b in zip(ps, before)] == [0, 1, 0]
    assert ps[1] in opt.state and ps[0] not in opt.state


def test_step_writes_in_place_and_keeps_graph_mode():
    ps = _params()
    data = [p._data for p in ps]
    opt = ember.optim.SGD(ps, lr=0.1, momentum=0.9)
    _steps(opt, ps, 0, 2)
    assert all(p._data is d for p, d in zip(ps, data))
    assert ember.is_grad_enabled()

    def bad_closure():
        raise KeyError("boom")
    with pytest.raises(KeyError):
        opt.step(bad_closure)
    assert ember.is_grad_enabled()


def test_closure_runs_with_grad_enabled_and_its_loss_is_returned():
    w = ember.nn.Parameter(ember.tensor([1.0, -2.0]))
    opt = ember.optim.SGD([w], lr=0.25)
    seen = []

    def closure():
        seen.append(ember.is_grad_enabled())
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss
    with ember.no_grad():
        loss = opt.step(closure)
    assert seen == [True] and loss.item() == 5.0
    np.testing.assert_array_equal(w._data, np.array([0.5, -1.0], np.float32))


def test_add_param_group_gets_defaults_and_is_stepped():
    a, b = _params()[:2]
    opt = ember.optim.SGD([a], lr=0.1, momentum=0.5)
    opt.add_param_group({"params": b, "lr": 0.01})
    g = opt.param_groups[1]
    assert g["params"] == [b] and g["lr"] == 0.01 and g["momentum"] == 0.5
    assert list(opt.state_dict()["param_groups"][1]) == [
        "lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "foreach",
        "differentiable", "fused", "params"]
    b.grad = ember.ones(4)
    b0 = b._data.copy()
    opt.step()
    np.testing.assert_allclose(b._data, b0 - np.float32(0.01), rtol=1e-6)


def test_state_keys_are_parameters_and_state_dict_indices_follow_order():
    ps = _params()
    opt = ember.optim.SGD([{"params": ps[:1]}, {"params": ps[1:], "lr": 1.0}], lr=0.1,
                          momentum=0.9)
    _steps(opt, ps, 0, 1)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1, 2]]
    assert list(sd["state"]) == [0, 1, 2]
    assert sd["state"][1]["momentum_buffer"] is opt.state[ps[1]]["momentum_buffer"]


def test_step_hooks_order_arguments_and_removal():
    ps = _params()
    opt = ember.optim.SGD(ps, lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append(("pre", a, k)))
    h2 = opt.register_step_post_hook(lambda o, a, k: calls.append(("post", a, k)))
    g1 = register_optimizer_step_pre_hook(lambda o, a, k: calls.append(("gpre",)))
    g2 = register_optimizer_step_post_hook(lambda o, a, k: calls.append(("gpost",)))
    try:
        _grads(ps, 0)
        opt.step()
        assert [c[0] for c in calls] == ["gpre", "pre", "post", "gpost"]
        assert calls[1][1:] == ((), {})
    finally:
        g1.remove()
        g2.remove()
    h1.remove()
    h2.remove()
    calls.clear()
    opt.step()
    assert calls == []


def test_pre_hook_may_replace_arguments():
    ps = _params()
    opt = ember.optim.SGD(ps, lr=0.1)
    opt.register_step_pre_hook(lambda o, a, k: ((), {"closure": lambda: 42}))
    assert opt.step() == 42
    opt2 = ember.optim.SGD(_params(), lr=0.1)
    opt2.register_step_pre_hook(lambda o, a, k: "bad")
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        opt2.step()


def test_state_dict_and_load_hooks():
    ps = _params()
    opt = ember.optim.Adam(ps)
    log = []
    opt.register_state_dict_pre_hook(lambda o: log.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    sd = opt.state_dict()
    assert log == ["pre"] and sd["extra"] == 1
    opt.register_load_state_dict_pre_hook(lambda o, sd: log.append("lpre"))
    opt.register_load_state_dict_post_hook(lambda o: log.append("lpost"), prepend=True)
    opt.register_load_state_dict_post_hook(lambda o: log.append("lpost0"), prepend=True)
    opt.load_state_dict(sd)
    assert log == ["pre", "lpre", "lpost0", "lpost"]


@pytest.mark.parametrize("name", ALL)
def test_pickle_and_deepcopy(name):
    ps = _params()
    opt = getattr(ember.optim, name)(ps, **KW.get(name, {}))
    _steps(opt, ps, 0, 3)
    for clone in (pickle.loads(pickle.dumps(opt)), copy.deepcopy(opt)):
        assert repr(clone) == repr(opt)
        ps2 = clone.param_groups[0]["params"]
        _steps(clone, ps2, 3, 2)
    _steps(opt, ps, 3, 2)
    for a, b in zip(ps, ps2):
        np.testing.assert_array_equal(a._data, b._data)


def test_float64_parameters_keep_float64_state():
    p = ember.nn.Parameter(ember.ones(3, dtype=ember.float64))
    opt = ember.optim.RMSprop([p], centered=True, momentum=0.1)
    p.grad = ember.ones(3, dtype=ember.float64)
    opt.step()
    st = opt.state[p]
    assert p.dtype == ember.float64 and st["square_avg"].dtype == ember.float64
    assert st["grad_avg"].dtype == ember.float64 and st["step"].dtype == ember.float32


def _many_params(seed, n=9):
    rng = np.random.default_rng(seed)
    return [ember.nn.Parameter(ember.tensor(rng.standard_normal(s).astype(np.float32)))
            for s in [(3, 2), (4,), (), (2, 2, 2), (1,), (5, 1), (2,), (3,), (1, 4)][:n]]


FLAT_CASES = [("Adam", dict()), ("Adam", dict(amsgrad=True, weight_decay=0.1)),
              ("Adam", dict(weight_decay=0.1, maximize=True)),
              ("AdamW", dict(weight_decay=0.1)),
              ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
              ("SGD", dict(lr=0.1, momentum=0.5, dampening=0.2, weight_decay=0.1)),
              ("RMSprop", dict(momentum=0.5, centered=True, weight_decay=0.1)),
              ("RMSprop", dict(maximize=True)),
              ("Adagrad", dict(lr_decay=0.1, weight_decay=0.1)),
              ("Adadelta", dict(weight_decay=0.1, maximize=True)),
              ("Adamax", dict(weight_decay=0.1)),
              ("NAdam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
              ("NAdam", dict(weight_decay=0.1)),
              ("RAdam", dict(weight_decay=0.1, maximize=True)),
              ("Rprop", dict(maximize=True))]


@pytest.mark.parametrize("name,kw", FLAT_CASES)
def test_flat_path_equals_per_parameter_path(monkeypatch, name, kw):
    """Groups of many small parameters update through flat buffers; the numbers must be
    those of the per-parameter path, bit for bit, through a state-dict reload (rebuilt
    buffers), an added group and steps where a gradient is missing (per-parameter steps on
    the flat views)."""
    from ember.optim import optimizer as opt_mod
    runs = []
    for flat_min in (opt_mod._FLAT_MIN, 10 ** 9):
        monkeypatch.setattr(opt_mod, "_FLAT_MIN", flat_min)
        ps = _many_params(0)
        opt = getattr(ember.optim, name)(ps, **kw)
        for k in range(12):
            _grads(ps, k)
            if k == 3:
                opt.load_state_dict(copy.deepcopy(opt.state_dict()))
            if k >= 6:
                if k == 6:
                    extra = _many_params(1, 5)
                    opt.add_param_group({"params": extra})
                _grads(extra, k)
            if k == 9:
                ps[2].grad = None
            opt.step()
            if k == 4 and flat_min < 100 and name != "SGD":
                # the reloaded state went back into flat buffers
                assert all(t._data.base is not None for st in opt.state.values()
                           for key, t in st.items() if key not in ("step", "mu_product"))
        runs.append([p._data.copy() for p in opt.param_groups[0]["params"] + extra]
                    + [t._data.copy() for st in opt.state.values() for t in st.values()])
        assert bool(opt.__dict__.get("_flat")) == (flat_min < 100)
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_adam_flat_state_tensors_are_views_that_follow_updates():
    ps = _many_params(0)
    opt = ember.optim.Adam(ps)
    _steps(opt, ps, 0, 2)
    st = opt.state[ps[3]]
    held = st["exp_avg"]
    before = held._data.copy()
    _steps(opt, ps, 2, 1)
    assert opt.state[ps[3]]["exp_avg"] is held
    assert not np.array_equal(held._data, before)
    # Replacing a state tensor by hand is honoured on the next step.
    st["exp_avg"] = ember.zeros(2, 2, 2)
    _steps(opt, ps, 3, 1)
    assert st["exp_avg"]._data.any()
