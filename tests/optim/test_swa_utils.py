"""optim.swa_utils against torch: AveragedModel (running mean, EMA by avg_fn and
multi_avg_fn, use_buffers), SWALR's annealed learning rates, update_bn, and the errors."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _train(lib):
    nn, su = lib.nn, lib.optim.swa_utils
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    averaged = [su.AveragedModel(model),
                su.AveragedModel(model, multi_avg_fn=su.get_ema_multi_avg_fn(0.9)),
                su.AveragedModel(model, avg_fn=su.get_ema_avg_fn(0.8), use_buffers=True),
                su.AveragedModel(model, multi_avg_fn=su.get_swa_multi_avg_fn())]
    sched = su.SWALR(opt, swa_lr=0.05, anneal_epochs=3, anneal_strategy="linear")
    x, y = lib.randn(8, 3), lib.randn(8, 2)
    lrs = []
    for _ in range(6):
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()
        for m in averaged:
            m.update_parameters(model)
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    su.update_bn([(lib.randn(4, 3), 0) for _ in range(3)], averaged[0])
    return lrs, [{k: v.detach().numpy() for k, v in m.state_dict().items()} for m in averaged]


def test_averages_and_schedule_match_torch():
    e_lrs, e_states = _train(ember)
    t_lrs, t_states = _train(torch)
    np.testing.assert_allclose(e_lrs, t_lrs, rtol=1e-15)
    for es, ts in zip(e_states, t_states):
        assert list(es) == list(ts)
        for k in ts:
            assert es[k].dtype == ts[k].dtype, k
            np.testing.assert_allclose(es[k], ts[k], rtol=2e-6, atol=1e-7, err_msg=k)


def test_cosine_swalr_and_state_dict_round_trip():
    for lib in (ember, torch):
        opt = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.5)
        sched = lib.optim.swa_utils.SWALR(opt, swa_lr=[0.1], anneal_epochs=4)
        got = []
        for _ in range(6):
            opt.step()
            sched.step()
            got.append(opt.param_groups[0]["lr"])
        sd = sched.state_dict()
        assert "anneal_func" not in sd and "optimizer" not in sd
        sched.load_state_dict(sd)
        assert sched.anneal_func(0.5) == pytest.approx(0.5)
        if lib is ember:
            mine = got
    np.testing.assert_allclose(mine, got, rtol=1e-15)
    assert mine[-1] == pytest.approx(0.1)


def test_update_bn_restores_momentum_and_mode():
    m = ember.nn.Sequential(ember.nn.Linear(2, 3), ember.nn.BatchNorm1d(3, momentum=0.3))
    m.eval()
    data = [ember.randn(5, 2) for _ in range(4)]
    ember.optim.swa_utils.update_bn(data, m)
    bn = m[1]
    assert bn.momentum == 0.3 and not m.training and bn.num_batches_tracked.item() == 4
    with ember.no_grad():
        h = ember.cat([m[0](d) for d in data])
    # momentum None: the running mean is the plain average of the four batch means
    want = np.mean([m[0](d).detach().numpy().mean(0) for d in data], axis=0)
    np.testing.assert_allclose(bn.running_mean.numpy(), want, rtol=1e-5)
    assert h.shape == (20, 3)


@pytest.mark.parametrize("make, exc, msg", [
    (lambda su, m, o: su.get_ema_avg_fn(1.5), ValueError, "Invalid decay value 1.5"),
    (lambda su, m, o: su.get_ema_multi_avg_fn(-0.1), ValueError, "Invalid decay value -0.1"),
    (lambda su, m, o: su.SWALR(o, 0.1, anneal_strategy="x"), ValueError,
     "anneal_strategy must be one of 'cos' or 'linear', instead got x"),
    (lambda su, m, o: su.SWALR(o, 0.1, anneal_epochs=-1), ValueError,
     "anneal_epochs must be equal or greater than 0, got -1"),
    (lambda su, m, o: su.AveragedModel(m, avg_fn=abs, multi_avg_fn=abs), AssertionError,
     "Only one of avg_fn and multi_avg_fn should be provided")])
def test_errors(make, exc, msg):
    m = ember.nn.Linear(2, 2)
    o = ember.optim.SGD(m.parameters(), lr=0.1)
    with pytest.raises(exc, match=msg):
        make(ember.optim.swa_utils, m, o)
