"""Each optimizer against torch: the same parameters and gradients give the same parameters
and state after every step, for many option combinations, in float32 and float64."""
import copy
import importlib
import io

import numpy as np
import pytest

import ember
from optim_helpers import SHAPES, close, to_np, twin_params

torch = pytest.importorskip("torch")

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.5, dampening=0.3, weight_decay=0.1, maximize=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.2, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.02, betas=(0.3, 0.6), eps=1e-3, amsgrad=True, weight_decay=0.05)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adam", dict(lr=0.01, foreach=False)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, amsgrad=True, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.8)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.3, eps=1e-4)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, eps=1e-3, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", dict(maximize=True, rho=0.95)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.3, 0.8), weight_decay=0.1, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, momentum_decay=0.02, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("NAdam", dict(lr=0.01, betas=(0.2, 0.7))),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.01, betas=(0.4, 0.6))),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.6, t0=5, weight_decay=0.1)),
    ("ASGD", dict(lr=0.02, t0=0, maximize=True)),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for n, kw in CASES]


def _grads(rng, shapes, dtype, step):
    # Varying scale, so that the running averages really move.
    out = []
    for s in shapes:
        g = rng.standard_normal(s) * (1.0 + 0.5 * np.sin(step))
        if np.dtype(dtype).kind == "c":
            g = g + 1j * rng.standard_normal(s)
        out.append(np.asarray(g, dtype))
    return out


def _compare_state(eopt, topt, dtype, what):
    es = eopt.state_dict()["state"]
    ts = topt.state_dict()["state"]
    assert list(es) == list(ts), what
    buffers = {}
    for i in ts:
        assert list(es[i]) == list(ts[i]), what
        for k, tv in ts[i].items():
            ev = es[i][k]
            assert str(ev.dtype) == str(tv.dtype), what
            if k == "step":
                assert ev.item() == tv.item(), what
            elif k == "mu_product":
                close(to_np(ev), to_np(tv), np.float32, f"{what} {k}")
            else:
                pair = buffers.setdefault(k, ([], []))
                pair[0].append(to_np(ev))
                pair[1].append(to_np(tv))
    for k, (ev, tv) in buffers.items():
        close(ev, tv, dtype, f"{what} state {k}")


def _run(name, kw, dtype, steps=25, shapes=SHAPES, skip_some=False):
    tp, ep = twin_params(torch, dtype, shapes)
    topt = getattr(torch.optim, name)(tp, **kw)
    eopt = getattr(ember.optim, name)(ep, **kw)
    rng = np.random.default_rng(1)
    for step in range(steps):
        grads = _grads(rng, shapes, dtype, step)
        for i, (t, e, g) in enumerate(zip(tp, ep, grads)):
            if skip_some and (step + i) % 4 == 0:
                t.grad = e.grad = None   # a parameter without a gradient is skipped
            else:
                t.grad = torch.tensor(g)
                e.grad = ember.tensor(g)
        topt.step()
        eopt.step()
        close([to_np(e) for e in ep], [to_np(t) for t in tp], dtype, f"{name} {kw} step {step}")
        _compare_state(eopt, topt, dtype, f"{name} {kw} step {step}")
    return tp, ep, topt, eopt


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_trajectory_matches_torch(name, kw, dtype):
    _run(name, kw, dtype)


@pytest.mark.parametrize("name,kw", [c for c in CASES if "maximize" in c[1]][:9])
def test_params_without_grad_are_skipped(name, kw):
    _run(name, kw, np.float64, steps=12, skip_some=True)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
                                  "Adamax", "NAdam", "RAdam", "Rprop", "ASGD"])
def test_complex_parameters(name):
    kw = {"lr": 0.01, "momentum": 0.9} if name in ("SGD", "RMSprop") else {}
    _run(name, kw, np.complex128, steps=10, shapes=[(3, 2), (4,)])


def test_param_groups_with_own_options():
    tp, ep = twin_params(torch, np.float64)
    topt = torch.optim.SGD([{"params": tp[:2]}, {"params": tp[2:], "lr": 0.5, "momentum": 0.9}],
                           lr=0.1)
    eopt = ember.optim.SGD([{"params": ep[:2]}, {"params": ep[2:], "lr": 0.5, "momentum": 0.9}],
                           lr=0.1)
    rng = np.random.default_rng(3)
    for step in range(10):
        for t, e, g in zip(tp, ep, _grads(rng, SHAPES, np.float64, step)):
            t.grad, e.grad = torch.tensor(g), ember.tensor(g)
        topt.step()
        eopt.step()
    close([to_np(e) for e in ep], [to_np(t) for t in tp], np.float64)
    _compare_state(eopt, topt, np.float64, "groups")


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "NAdam", "RAdam"])
def test_gradients_of_a_loss_with_closure(name):
    """Gradients computed by each library from a small regression loss, through step(closure)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((8, 3))
    y = rng.standard_normal((8, 1))
    w0 = rng.standard_normal((3, 1))
    results = []
    for lib in (torch, ember):
        w = lib.nn.Parameter(lib.tensor(w0.copy()))
        b = lib.nn.Parameter(lib.tensor([0.5], dtype=lib.float64))
        opt = getattr(lib.optim, name)([w, b], lr=0.05)
        xt, yt = lib.tensor(x), lib.tensor(y)
        losses = []

        def closure():
            opt.zero_grad()
            loss = ((xt.matmul(w) + b - yt) ** 2).mean()
            loss.backward()
            return loss
        for _ in range(25):
            losses.append(opt.step(closure).item())
        results.append((to_np(w).copy(), to_np(b).copy(), losses))
    (tw, tb, tl), (ew, eb, el) = results
    close(ew, tw, np.float64)
    close(eb, tb, np.float64)
    np.testing.assert_allclose(el, tl, rtol=1e-12)
    assert el[-1] < el[0]


def test_tensor_lr_and_betas():
    tp, ep = twin_params(torch, np.float32)
    topt = torch.optim.Adam(tp, lr=torch.tensor(0.01),
                            betas=(torch.tensor(0.9), torch.tensor(0.99)))
    eopt = ember.optim.Adam(ep, lr=ember.tensor(0.01),
                            betas=(ember.tensor(0.9), ember.tensor(0.99)))
    rng = np.random.default_rng(2)
    for step in range(10):
        for t, e, g in zip(tp, ep, _grads(rng, SHAPES, np.float32, step)):
            t.grad, e.grad = torch.tensor(g), ember.tensor(g)
        topt.step()
        eopt.step()
    close([to_np(e) for e in ep], [to_np(t) for t in tp], np.float32)


# -- state dicts ---------------------------------------------------------------------------
def _plain(v):
    """A state-dict value with tensors replaced by (dtype, shape) for structural comparison."""
    if isinstance(v, (ember.Tensor, torch.Tensor)):
        return ("tensor", str(v.dtype), tuple(v.shape))
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_plain(x) for x in v)
    return v


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_state_dict_structure_matches_torch(name, kw):
    tp, ep, topt, eopt = _run(name, kw, np.float32, steps=2)
    tsd, esd = topt.state_dict(), eopt.state_dict()
    assert _plain(esd) == _plain(tsd)
    assert [list(g) for g in esd["param_groups"]] == [list(g) for g in tsd["param_groups"]]
    assert repr(eopt) == repr(topt)


def test_state_dict_before_any_step():
    for name in ("Adam", "Adagrad", "SGD"):
        tp, ep = twin_params(torch, np.float32)
        tsd = getattr(torch.optim, name)(tp).state_dict()
        esd = getattr(ember.optim, name)(ep).state_dict()
        assert _plain(esd) == _plain(tsd)


def test_step_state_is_float64_under_float64_default():
    prev_t, prev_e = torch.get_default_dtype(), ember.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    ember.set_default_dtype(ember.float64)
    try:
        tp, ep, topt, eopt = _run("NAdam", {}, np.float32, steps=2)
        assert _plain(eopt.state_dict()) == _plain(topt.state_dict())
    finally:
        torch.set_default_dtype(prev_t)
        ember.set_default_dtype(prev_e)


@pytest.mark.parametrize("name,kw", CASES[::3], ids=IDS[::3])
def test_ember_state_dict_loads_into_torch_and_continues(name, kw):
    """An ember checkpoint (ember.save) read by torch.load resumes torch's optimizer on the
    same trajectory as ember's."""
    tp, ep, topt, eopt = _run(name, kw, np.float64, steps=5)
    buf = io.BytesIO()
    ember.save(eopt.state_dict(), buf)
    buf.seek(0)
    loaded = torch.load(buf, weights_only=True)
    tp2 = [torch.nn.Parameter(torch.tensor(to_np(e).copy())) for e in ep]
    topt2 = getattr(torch.optim, name)(tp2, **kw)
    topt2.load_state_dict(loaded)
    rng = np.random.default_rng(9)
    for step in range(5):
        for t, e, g in zip(tp2, ep, _grads(rng, SHAPES, np.float64, step)):
            t.grad, e.grad = torch.tensor(g), ember.tensor(g)
        topt2.step()
        eopt.step()
    close([to_np(e) for e in ep], [to_np(t) for t in tp2], np.float64)


def test_torch_state_dict_loads_into_ember():
    tp, ep, topt, eopt = _run("Adam", dict(amsgrad=True), np.float64, steps=4)
    buf = io.BytesIO()
    torch.save(topt.state_dict(), buf)
    buf.seek(0)
    ep2 = [ember.nn.Parameter(ember.tensor(to_np(t).copy())) for t in tp]
    eopt2 = ember.optim.Adam(ep2, amsgrad=True)
    eopt2.load_state_dict(ember.load(buf))
    rng = np.random.default_rng(4)
    for step in range(5):
        for t, e, g in zip(tp, ep2, _grads(rng, SHAPES, np.float64, step)):
            t.grad, e.grad = torch.tensor(g), ember.tensor(g)
        topt.step()
        eopt2.step()
    close([to_np(e) for e in ep2], [to_np(t) for t in tp], np.float64)
    _compare_state(eopt2, topt, np.float64, "resumed")


# -- errors and warnings -------------------------------------------------------------------
def _errors_match(make):
    """``make(lib)`` raises the same exception class and message in both libraries."""
    with pytest.raises(Exception) as te:
        make(torch)
    with pytest.raises(Exception) as ee:
        make(ember)
    assert type(ee.value) is type(te.value), (ee.value, te.value)
    assert str(ee.value) == str(te.value)


def _required(lib):
    return importlib.import_module(lib.__name__ + ".optim.optimizer").required


def _p(lib):
    return [lib.nn.Parameter(lib.ones(2))]


BAD = [
    ("SGD", dict(lr=-0.1)), ("SGD", dict(momentum=-0.5)), ("SGD", dict(weight_decay=-1)),
    ("SGD", dict(nesterov=True)), ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1)),
    ("SGD", dict(fused=True, foreach=True)),
    ("Adam", dict(lr=-1e-3)), ("Adam", dict(eps=-1.0)), ("Adam", dict(betas=(1.0, 0.9))),
    ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-0.1)),
    ("Adam", dict(betas=(0, 0.9))), ("Adam", dict(fused=True, differentiable=True)),
    ("AdamW", dict(lr=-2.0)), ("AdamW", dict(betas=(0.9, 1.5))),
    ("RMSprop", dict(lr=-0.1)), ("RMSprop", dict(eps=-1e-8)), ("RMSprop", dict(momentum=-1)),
    ("RMSprop", dict(weight_decay=-1)), ("RMSprop", dict(alpha=-0.5)),
    ("Adagrad", dict(lr=-1)), ("Adagrad", dict(lr_decay=-1)),
    ("Adagrad", dict(weight_decay=-1)), ("Adagrad", dict(initial_accumulator_value=-1)),
    ("Adagrad", dict(eps=-1)),
    ("Adadelta", dict(lr=-1)), ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(eps=-1)),
    ("Adadelta", dict(weight_decay=-1)),
    ("Adamax", dict(lr=-1)), ("Adamax", dict(betas=(0.9, 1.0))), ("Adamax", dict(eps=-1)),
    ("NAdam", dict(momentum_decay=-1)), ("NAdam", dict(betas=(-0.1, 0.9))),
    ("RAdam", dict(weight_decay=-1)), ("RAdam", dict(eps=-1e-8)),
    ("SGD", dict(lr=None)),
    ("Rprop", dict(lr=-1)), ("Rprop", dict(etas=(1.5, 2.0))), ("Rprop", dict(etas=(0.5, 0.9))),
    ("ASGD", dict(lr=-1)), ("ASGD", dict(weight_decay=-1)),
]


@pytest.mark.parametrize("name,kw", BAD, ids=[f"{n}-{kw}" for n, kw in BAD])
def test_invalid_arguments_raise_like_torch(name, kw):
    _errors_match(lambda lib: getattr(lib.optim, name)(_p(lib), **kw))


def test_tensor_lr_must_have_one_element():
    _errors_match(lambda lib: lib.optim.SGD(_p(lib), lr=lib.tensor([0.1, 0.2])))
    _errors_match(lambda lib: lib.optim.Adam(_p(lib), lr=lib.tensor(0.1), foreach=True))


@pytest.mark.parametrize("make", [
    lambda lib: lib.optim.SGD(lib.ones(2, requires_grad=True), lr=0.1),
    lambda lib: lib.optim.SGD([], lr=0.1),
    lambda lib: lib.optim.SGD([1.0], lr=0.1),
    lambda lib: lib.optim.SGD([lib.ones(2, requires_grad=True) * 2], lr=0.1),
    lambda lib: lib.optim.SGD([{"params": {lib.ones(2, requires_grad=True)}}], lr=0.1),
    lambda lib: lib.optim.SGD([{"params": _p(lib)}]),
    lambda lib: lib.optim.Optimizer([{"params": _p(lib)}], {"lr": _required(lib)}),
    lambda lib: lib.optim.SGD(_p(lib)).add_param_group([lib.ones(1)]),
    lambda lib: lib.optim.SGD([("w", lib.nn.Parameter(lib.ones(1))),
                               lib.nn.Parameter(lib.ones(1))]),
    lambda lib: lib.optim.SGD(_p(lib)).step(lambda: 1 / 0),
], ids=["tensor", "empty", "number", "non-leaf", "set", "group-without-lr", "required",
        "group-not-dict", "missing-names", "closure-raises"])
def test_construction_errors_match_torch(make):
    try:
        make(torch)
    except Exception:
        _errors_match(make)
    else:
        make(ember)   # both accept it


def test_parameter_in_two_groups_and_group_names():
    def dup(lib):
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=0.1)
        opt.add_param_group({"params": [p]})
    _errors_match(dup)

    def mixed(lib):
        opt = lib.optim.SGD([("a", lib.nn.Parameter(lib.ones(2)))], lr=0.1)
        opt.add_param_group({"params": [lib.nn.Parameter(lib.ones(2))]})
    _errors_match(mixed)


def test_duplicate_parameter_in_a_group_warns_like_torch():
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.ones(2))
        with pytest.warns(UserWarning, match="duplicate parameters"):
            lib.optim.SGD([p, p], lr=0.1)


def test_load_state_dict_mismatch_errors():
    def groups(lib):
        a = lib.optim.SGD(_p(lib), lr=0.1)
        b = lib.optim.SGD([{"params": _p(lib)}, {"params": _p(lib)}], lr=0.1)
        b.load_state_dict(a.state_dict())
    _errors_match(groups)

    def sizes(lib):
        a = lib.optim.SGD(_p(lib), lr=0.1)
        b = lib.optim.SGD(_p(lib) + _p(lib), lr=0.1)
        b.load_state_dict(a.state_dict())
    _errors_match(sizes)


def test_capturable_and_differentiable_on_cpu_raise_like_torch():
    def capt(lib):
        p = lib.nn.Parameter(lib.ones(2))
        p.grad = lib.ones(2)
        lib.optim.Adam([p], capturable=True).step()
    _errors_match(capt)

    def diff(lib):
        p = lib.nn.Parameter(lib.ones(2))
        p.grad = lib.ones(2)
        lib.optim.SGD([p], lr=0.1, differentiable=True).step()
    _errors_match(diff)


def test_named_parameters_are_recorded():
    for lib in (torch, ember):
        m = lib.nn.Linear(2, 3)
        opt = lib.optim.SGD(m.named_parameters(), lr=0.1)
        g = opt.state_dict()["param_groups"][0]
        assert g["param_names"] == ["weight", "bias"] and g["params"] == [0, 1]


def test_deepcopy_keeps_state():
    tp, ep, topt, eopt = _run("Adam", {}, np.float64, steps=3)
    clone = copy.deepcopy(eopt)
    assert repr(clone) == repr(eopt)
    assert len(clone.state) == len(eopt.state)
    (st,) = [clone.state[p] for p in clone.param_groups[0]["params"][:1]]
    assert st["step"].item() == 3.0


@pytest.mark.parametrize("name,kw", CASES[::2], ids=IDS[::2])
def test_chunked_updates_match_torch(monkeypatch, name, kw):
    """Big parameters are updated chunk by chunk (here: chunks of 16 elements); a
    non-contiguous parameter is updated whole."""
    from ember.optim import optimizer as opt_mod
    monkeypatch.setattr(opt_mod, "_CHUNK_BYTES", 128)
    shapes = [(7, 9), (50,), (3, 4)]
    _run(name, kw, np.float32, steps=8, shapes=shapes)
    tp, ep = twin_params(torch, np.float64, [(6, 11)])
    ep = [ember.nn.Parameter(ember.tensor(to_np(tp[0]).T.copy()).t())]
    assert not ep[0]._data.flags.c_contiguous
    topt = getattr(torch.optim, name)(tp, **kw)
    eopt = getattr(ember.optim, name)(ep, **kw)
    rng = np.random.default_rng(0)
    for step in range(5):
        g = _grads(rng, [(6, 11)], np.float64, step)[0]
        tp[0].grad, ep[0].grad = torch.tensor(g), ember.tensor(g)
        topt.step()
        eopt.step()
    close(to_np(ep[0]), to_np(tp[0]), np.float64)
