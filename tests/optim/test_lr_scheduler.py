"""Learning-rate schedulers against torch: the same lr (and momentum) sequences, state dicts,
warnings and errors."""
import copy
import math
import warnings

import pytest

import ember

torch = pytest.importorskip("torch")

STEPS = 60


def _optimizer(lib, kind="SGD", groups=2):
    ps = [lib.nn.Parameter(lib.ones(2)) for _ in range(groups)]
    if kind == "SGD":
        return lib.optim.SGD([{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(ps)],
                             lr=0.1, momentum=0.9)
    return lib.optim.Adam([{"params": [p], "lr": 0.01 * (i + 1)} for i, p in enumerate(ps)],
                          lr=0.01)


class _Scale:
    """A callable object: its __dict__ goes into state dicts (functions do not)."""

    def __init__(self, k):
        self.k = k

    def __call__(self, epoch):
        return self.k ** epoch


def _make(lib, name, kw):
    L = lib.optim.lr_scheduler
    kind = kw.pop("_opt", "SGD")
    opt = _optimizer(lib, kind)
    if name == "SequentialLR":
        subs = [L.LinearLR(opt, start_factor=0.2, total_iters=5),
                L.CosineAnnealingLR(opt, T_max=12, eta_min=0.001),
                L.StepLR(opt, step_size=7, gamma=0.5)]
        return opt, L.SequentialLR(opt, subs, milestones=[5, 20])
    if name == "ChainedScheduler":
        subs = [L.ExponentialLR(opt, 0.97), L.MultiStepLR(opt, [10, 30], gamma=0.3),
                L.ConstantLR(opt, factor=0.5, total_iters=8)]
        return opt, L.ChainedScheduler(subs)
    if name in ("LambdaLR", "MultiplicativeLR"):
        kw = dict(kw)
        kw["lr_lambda"] = {"fn": lambda e: 0.95 ** e, "obj": _Scale(0.9),
                           "list": [lambda e: 1 / (e + 1), _Scale(0.99)],
                           "mult": lambda e: 0.97}[kw["lr_lambda"]]
    return opt, getattr(L, name)(opt, **kw)


SCHEDULERS = [
    ("StepLR", dict(step_size=7)),
    ("StepLR", dict(step_size=3, gamma=0.7)),
    ("MultiStepLR", dict(milestones=[5, 12, 12, 40], gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=17, eta_min=0.005)),
    ("CosineAnnealingWarmRestarts", dict(T_0=7)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.01)),
    ("LambdaLR", dict(lr_lambda="fn")),
    ("LambdaLR", dict(lr_lambda="list")),
    ("LambdaLR", dict(lr_lambda="obj")),
    ("MultiplicativeLR", dict(lr_lambda="mult")),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.5, end_factor=0.1, total_iters=30)),
    ("ConstantLR", dict()),
    ("ConstantLR", dict(factor=0.25, total_iters=12)),
    ("PolynomialLR", dict(total_iters=40, power=2.0)),
    ("PolynomialLR", dict()),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=STEPS)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.8], epochs=6, steps_per_epoch=10,
                        anneal_strategy="linear", pct_start=0.25)),
    ("OneCycleLR", dict(max_lr=0.3, total_steps=STEPS + 5, three_phase=True,
                        div_factor=10.0, final_div_factor=100.0)),
    ("OneCycleLR", dict(max_lr=0.05, total_steps=STEPS, _opt="Adam")),
    ("OneCycleLR", dict(max_lr=0.05, total_steps=STEPS, cycle_momentum=False)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=5)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=4, step_size_down=9,
                      mode="triangular2")),
    ("CyclicLR", dict(base_lr=0.001, max_lr=0.01, step_size_up=6, mode="exp_range",
                      gamma=0.97)),
    ("CyclicLR", dict(base_lr=0.001, max_lr=0.01, step_size_up=6, _opt="Adam",
                      base_momentum=0.7, max_momentum=0.95)),
    ("CyclicLR", dict(base_lr=0.001, max_lr=0.01, step_size_up=4, cycle_momentum=False,
                      _opt="Adam")),
    ("SequentialLR", dict()),
    ("ChainedScheduler", dict()),
]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)]


def _momenta(opt):
    return [g.get("momentum", g.get("betas")) for g in opt.param_groups]


def _trajectory(lib, name, kw, steps=STEPS):
    opt, sched = _make(lib, name, dict(kw))
    seq = [(list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups], _momenta(opt))]
    for _ in range(steps):
        opt.step()
        sched.step()
        seq.append((list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups],
                    _momenta(opt)))
    return opt, sched, seq


@pytest.mark.parametrize("name,kw", SCHEDULERS, ids=IDS)
def test_lr_sequence_equals_torch(name, kw):
    _, _, tseq = _trajectory(torch, name, kw)
    _, _, eseq = _trajectory(ember, name, kw)
    # The same Python float operations in the same order: equal, not merely close.
    for i, (e, t) in enumerate(zip(eseq, tseq)):
        assert e == t, f"step {i}"


def _plain(v):
    if callable(v) and not isinstance(v, (int, float)):
        return "callable"
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_plain(x) for x in v)
    return v


@pytest.mark.parametrize("name,kw", SCHEDULERS, ids=IDS)
def test_state_dict_equals_torch_and_round_trips(name, kw):
    topt, tsched, _ = _trajectory(torch, name, kw, steps=20)
    eopt, esched, _ = _trajectory(ember, name, kw, steps=20)
    tsd, esd = tsched.state_dict(), esched.state_dict()
    assert list(esd) == list(tsd)
    assert _plain(esd) == _plain(tsd)
    # Resume from the state dicts (optimizer first, then scheduler) and continue as one.
    saved_opt = copy.deepcopy(eopt.state_dict())
    saved = copy.deepcopy(esd)
    opt2, sched2 = _make(ember, name, dict(kw))
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved)
    for _ in range(25):
        for o, s in ((eopt, esched), (opt2, sched2)):
            o.step()
            s.step()
        assert sched2.get_last_lr() == esched.get_last_lr()
        assert _momenta(opt2) == _momenta(eopt)


def test_reduce_lr_on_plateau_matches_torch():
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.7,
               0.7, 0.7, 0.7, 0.69999, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.65, 0.9, 0.9, 0.9,
               0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    configs = [dict(), dict(patience=2), dict(mode="max", patience=1, factor=0.5),
               dict(threshold_mode="abs", threshold=0.01, patience=1, cooldown=2),
               dict(mode="max", threshold_mode="abs", patience=0, min_lr=0.03),
               dict(patience=1, min_lr=[0.05, 0.001], eps=1e-3)]
    for kw in configs:
        seqs = []
        for lib in (torch, ember):
            opt = _optimizer(lib)
            sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
            seq = []
            for m in metrics + metrics[::-1]:
                opt.step()
                sched.step(lib.tensor(m) if m < 0.8 else m)
                seq.append((sched.get_last_lr(), sched.num_bad_epochs, sched.cooldown_counter,
                            sched.best))
            seqs.append((seq, sched.state_dict()))
        (tseq, tsd), (eseq, esd) = seqs
        assert eseq == tseq, kw
        assert esd == tsd, kw


def test_reduce_lr_on_plateau_state_round_trip():
    opt = _optimizer(ember)
    s = ember.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=1)
    for m in (1, 2, 2, 2):
        s.step(m)
    s2 = ember.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(ember))
    s2.load_state_dict(s.state_dict())
    assert s2.mode == "max" and s2.num_bad_epochs == s.num_bad_epochs and s2.best == 2
    assert s2._is_better(3, 2) and not s2._is_better(1, 2)


@pytest.mark.parametrize("name,kw,epochs", [
    ("StepLR", dict(step_size=3, gamma=0.5), [4, 9, 2, 15]),
    ("MultiStepLR", dict(milestones=[3, 6, 6]), [1, 7, 4, 20]),
    ("ExponentialLR", dict(gamma=0.8), [3, 1, 10]),
    ("CosineAnnealingLR", dict(T_max=8, eta_min=0.01), [2, 5, 13, 0]),
    ("LinearLR", dict(total_iters=4), [2, 7, 1]),
    ("ConstantLR", dict(total_iters=3), [1, 5, 2]),
    ("PolynomialLR", dict(total_iters=6, power=1.5), [3, 9, 1]),
    ("CosineAnnealingWarmRestarts", dict(T_0=4, T_mult=2), [0.5, 3, 7.25, 20, 2]),
    ("CosineAnnealingWarmRestarts", dict(T_0=5), [6, 12.5, 1]),
    ("LambdaLR", dict(lr_lambda="fn"), [5, 2]),
])
def test_step_with_epoch_uses_closed_form_and_warns(name, kw, epochs):
    results = []
    for lib in (torch, ember):
        opt, sched = _make(lib, name, dict(kw))
        seq = []
        for e in epochs:
            opt.step()
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                sched.step(e)
            seq.append((sched.get_last_lr(), [str(x.message)[:40] for x in w]))
        results.append(seq)
    assert results[1] == results[0]


def test_warns_when_scheduler_steps_before_optimizer():
    for lib in (torch, ember):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, 2)
        with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step"):
            sched.step()
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, 2)
        opt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            sched.step()
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, 2)
        opt.step = lambda closure=None: None   # replaced after the scheduler wrapped it
        with pytest.warns(UserWarning, match="has been overridden"):
            sched.step()


def test_get_lr_outside_step_warns():
    for lib in (torch, ember):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.ExponentialLR(opt, 0.5)
        with pytest.warns(UserWarning, match="please use `get_last_lr"):
            sched.get_lr()


def test_tensor_lr_is_updated_in_place():
    results = []
    for lib in (torch, ember):
        p = lib.nn.Parameter(lib.ones(2))
        lr = lib.tensor(0.1)
        opt = lib.optim.Adam([p], lr=lr)
        sched = lib.optim.lr_scheduler.ExponentialLR(opt, 0.5)
        for _ in range(3):
            opt.step()
            sched.step()
        assert opt.param_groups[0]["lr"] is lr
        results.append((lr.item(), [float(x) for x in sched.get_last_lr()]))
    assert results[1] == results[0]


def _step_n(sched, n):
    for _ in range(n):
        sched.optimizer.step()
        sched.step()


def _errors_match(make):
    with pytest.raises(Exception) as te:
        make(torch)
    with pytest.raises(Exception) as ee:
        make(ember)
    assert type(ee.value) is type(te.value), (ee.value, te.value)
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("make", [
    lambda L, o: L.StepLR(object(), 3),
    lambda L, o: L.StepLR(o, 3, last_epoch=5),
    lambda L, o: L.ConstantLR(o, factor=1.5),
    lambda L, o: L.LinearLR(o, start_factor=0),
    lambda L, o: L.LinearLR(o, end_factor=2),
    lambda L, o: L.LambdaLR(o, [lambda e: 1.0]),
    lambda L, o: L.MultiplicativeLR(o, 0.9),
    lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="x"),
    lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2).step(-1),
    lambda L, o: L.OneCycleLR(o, 0.1),
    lambda L, o: L.OneCycleLR(o, 0.1, total_steps=0),
    lambda L, o: L.OneCycleLR(o, 0.1, epochs=0, steps_per_epoch=3),
    lambda L, o: L.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=1.5),
    lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, pct_start=1),
    lambda L, o: L.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp"),
    lambda L, o: L.OneCycleLR(o, [0.1, 0.2, 0.3], total_steps=10),
    lambda L, o: _step_n(L.OneCycleLR(o, 0.1, total_steps=2), 3),
    lambda L, o: L.CyclicLR(o, 0.1, 1.0, mode="sine"),
    lambda L, o: L.ReduceLROnPlateau(o, factor=1.0),
    lambda L, o: L.ReduceLROnPlateau(o, mode="mid"),
    lambda L, o: L.ReduceLROnPlateau(o, threshold_mode="pct"),
    lambda L, o: L.ReduceLROnPlateau(o, min_lr=[0.1]),
    lambda L, o: L.SequentialLR(o, [], []),
    lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2)], [3]),
    lambda L, o: L.SequentialLR(o, [L.ReduceLROnPlateau(o)], []),
    lambda L, o: L.ChainedScheduler([]),
])
def test_errors_match_torch(make):
    _errors_match(lambda lib: make(lib.optim.lr_scheduler, _optimizer(lib)))


def test_cycle_momentum_needs_momentum_or_betas():
    def make(lib):
        opt = lib.optim.Adagrad([lib.nn.Parameter(lib.ones(2))])
        lib.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=10)
    _errors_match(make)

    def make2(lib):
        opt = lib.optim.Adagrad([lib.nn.Parameter(lib.ones(2))])
        lib.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1)
    _errors_match(make2)


def test_sequential_lr_with_other_optimizer_fails_like_torch():
    def make(lib):
        o1, o2 = _optimizer(lib), _optimizer(lib)
        lib.optim.lr_scheduler.SequentialLR(o1, [lib.optim.lr_scheduler.StepLR(o2, 2)], [])
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same"):
        make(torch)
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same"):
        make(ember)


def test_cosine_lr_stays_finite_over_many_periods():
    opt = _optimizer(ember)
    sched = ember.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=3)
    for _ in range(200):
        opt.step()
        sched.step()
        assert all(math.isfinite(v) and v >= 0 for v in sched.get_last_lr())
