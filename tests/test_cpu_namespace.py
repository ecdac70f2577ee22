"""The CPU-only PyTorch namespace around the layers: torch.cuda, accelerator, backends flags,
default device, autocast, GradScaler, compile, jit, threads, version, testing, DataParallel;
each against what a CPU-only PyTorch does."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _outcome(fn):
    try:
        return "ok", fn()
    except Exception as e:  # noqa: BLE001 - the class and message are compared
        return type(e).__name__, str(e)


@pytest.mark.parametrize("expr", [
    "lib.cuda.is_available()", "lib.cuda.device_count()", "lib.cuda.is_bf16_supported()",
    "lib.cuda.is_initialized()", "lib.cuda.manual_seed_all(3)", "lib.cuda.manual_seed(3)",
    "lib.cuda.empty_cache()", "lib.cuda.memory_allocated()", "lib.cuda.current_device()",
    "lib.cuda.get_device_name()", "lib.cuda.get_device_capability()", "lib.cuda.synchronize()",
    "lib.cuda.get_rng_state()", "lib.cuda.set_rng_state(lib.zeros(3, dtype=lib.uint8))",
    "lib.cuda.init()", "lib.cuda.get_device_properties(0)", "lib.accelerator.is_available()",
    "lib.accelerator.current_accelerator()", "lib.accelerator.device_count()",
    "lib.backends.cuda.matmul.allow_tf32", "lib.backends.cuda.is_built()",
    "lib.backends.cudnn.is_available()", "lib.backends.cudnn.version()",
    "lib.backends.mps.is_available()", "lib.backends.mps.is_built()",
    "lib.backends.mkldnn.is_available()", "lib.backends.mkldnn.enabled",
    "lib.backends.cuda.flash_sdp_enabled()", "lib.backends.opt_einsum.is_available()",
    "lib.backends.opt_einsum.enabled", "str(lib.get_default_device())",
    "lib.tensor([1.0]).to('cuda')", "lib.tensor([1.0]).cuda()", "lib.zeros(1, device='cuda')",
    "lib.zeros_like(lib.ones(1), device='cuda')", "lib.version.cuda",
    "lib.compiler.is_compiling()", "lib.jit.is_scripting()", "lib.is_autocast_enabled()",
    "lib.set_num_threads(0)", "lib.set_num_threads(1.5)", "lib.set_num_interop_threads(0)",
])
def test_like_cpu_only_pytorch(expr):
    assert _outcome(lambda: eval(expr, {"lib": ember})) == \
        _outcome(lambda: eval(expr, {"lib": torch}))   # noqa: S307 - fixed expressions


def test_backend_flags_are_settable():
    for flag in ("cuda.matmul.allow_tf32", "cudnn.benchmark", "cudnn.deterministic",
                 "cudnn.allow_tf32", "mkldnn.enabled"):
        mod, name = flag.rsplit(".", 1)
        obj = eval("ember.backends." + mod)  # noqa: S307
        old = getattr(obj, name)
        setattr(obj, name, not old)
        assert getattr(eval("ember.backends." + mod), name) is (not old)  # noqa: S307
        setattr(obj, name, old)


def test_default_device_and_device_context():
    try:
        for lib in (torch, ember):
            lib.set_default_device("cuda")
            with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
                lib.zeros(2)
            with lib.device("cpu"):
                assert lib.ones(2).device.type == "cpu"
            lib.set_default_device("cpu")
            assert lib.zeros(2).device.type == "cpu"
            with pytest.raises(AssertionError), lib.device("cuda"):
                lib.randn(2)
            assert lib.randn(2).device.type == "cpu"          # restored on the way out
    finally:
        torch.set_default_device(None)
        ember.set_default_device(None)
    assert str(ember.get_default_device()) == str(torch.get_default_device()) == "cpu"


def _autocast_dtypes(lib):
    a = lib.tensor(np.arange(6.0).reshape(2, 3), dtype=lib.float32)
    w = lib.tensor(np.ones((4, 3)), dtype=lib.float32)
    out = []
    with lib.autocast("cpu", dtype=lib.float16):
        out += [(a @ a.T).dtype, lib.mm(a, a.T).dtype, lib.nn.functional.linear(a, w).dtype,
                (a.double() @ a.T.double()).dtype, (a + a).dtype,
                lib.nn.functional.mse_loss(a.half(), a.half()).dtype,
                lib.is_autocast_enabled("cpu"), lib.get_autocast_dtype("cpu")]
        with lib.autocast("cpu", enabled=False):
            out += [(a @ a.T).dtype, lib.is_autocast_enabled("cpu")]
    out += [(a @ a.T).dtype, lib.is_autocast_enabled("cpu")]
    return [str(x) for x in out]


def test_cpu_autocast_casts_the_listed_ops():
    assert _autocast_dtypes(ember) == _autocast_dtypes(torch)
    # the values are the float16 products of the float16-rounded inputs
    a = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    with ember.autocast("cpu", dtype=ember.float16):
        e = ember.tensor(a) @ ember.tensor(a).T
    with torch.autocast("cpu", dtype=torch.float16):
        t = torch.tensor(a) @ torch.tensor(a).T
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=2e-3, atol=2e-3)


def test_autocast_warnings_and_decorator():
    for lib in (torch, ember):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            with lib.autocast("cpu", dtype=lib.float32):
                assert not lib.is_autocast_enabled("cpu")
            with lib.autocast("cuda"):
                assert not lib.is_autocast_enabled("cuda")
        assert "CPU Autocast only supports dtypes of torch.bfloat16" in str(rec[0].message)
        assert "Disabling autocast" in str(rec[1].message)

        @lib.autocast("cpu", dtype=lib.float16)
        def f(x):
            return x @ x

        assert str(f(lib.ones(2, 2)).dtype) == "torch.float16"


def _scaler_run(lib, enabled):
    lib.manual_seed(0)
    model = lib.nn.Linear(3, 1)
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    scaler = lib.amp.GradScaler("cpu", init_scale=2.0 ** 4, growth_interval=2,
                                enabled=enabled)
    x = lib.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=lib.float32)
    log = []
    for step in range(5):
        opt.zero_grad()
        loss = model(x).pow(2).sum() * (float("inf") if step == 2 else 1.0)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        grads = model.weight.grad.clone()
        scaler.step(opt)
        scaler.update()
        log.append((scaler.get_scale(), model.weight.detach().numpy().copy(), grads.numpy()))
    return log, scaler.state_dict()


@pytest.mark.parametrize("enabled", [True, False])
def test_grad_scaler_as_pytorch(enabled):
    (e_log, e_sd), (t_log, t_sd) = _scaler_run(ember, enabled), _scaler_run(torch, enabled)
    assert e_sd == t_sd
    for (es, ew, eg), (ts, tw, tg) in zip(e_log, t_log):
        assert es == ts
        np.testing.assert_allclose(ew, tw, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(eg, tg, rtol=1e-6, atol=1e-7)


def test_grad_scaler_errors_and_cuda_scaler():
    for lib in (torch, ember):
        model = lib.nn.Linear(2, 1)
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        s = lib.amp.GradScaler("cpu")
        s.scale(model(lib.ones(1, 2)).sum()).backward()
        s.unscale_(opt)
        with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
            s.unscale_(opt)
        with pytest.warns(UserWarning, match="CUDA is not available.  Disabling."):
            cuda_scaler = lib.amp.GradScaler()
        assert not cuda_scaler.is_enabled() and cuda_scaler.get_scale() == 1.0
        with pytest.raises(RuntimeError, match="source state dict is empty"):
            lib.amp.GradScaler("cpu").load_state_dict({})


def test_compile_runs_eagerly_and_wraps_modules():
    # torch's compiled objects are only inspected, never called: calling one compiles
    for lib in (torch, ember):
        m = lib.nn.Linear(2, 3)
        c = lib.compile(m)
        assert type(c).__name__ == "OptimizedModule" and c._orig_mod is m
        assert c.weight is m.weight
        assert list(c.state_dict()) == ["_orig_mod.weight", "_orig_mod.bias"]
    assert repr(ember.compile(ember.nn.Linear(2, 3))) == repr(torch.compile(torch.nn.Linear(2, 3)))
    m = ember.nn.Linear(2, 3)
    x = ember.ones(1, 2)
    np.testing.assert_array_equal(ember.compile(m)(x).detach().numpy(), m(x).detach().numpy())
    f = ember.compile(lambda t: t + 1)
    assert f(ember.ones(1)).tolist() == [2.0]
    deco = ember.compile(mode="reduce-overhead", fullgraph=True)
    assert deco(lambda t: t * 2)(ember.ones(1)).tolist() == [2.0]
    assert ember.compile(m, disable=True) is m


def test_jit_returns_the_eager_object_warning_once():
    import ember.jit as ejit
    ejit._WARNED[0] = False
    m = ember.nn.Linear(2, 2)
    with pytest.warns(UserWarning, match="ember has no TorchScript"):
        assert ember.jit.script(m) is m
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ember.jit.trace(m, ember.ones(1, 2)) is m


def test_num_threads_controls_blas():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        assert ember.get_num_threads() == 1
        blas = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
        assert blas and all(p["num_threads"] == 1 for p in blas)
    finally:
        ember.set_num_threads(before)


def test_version_in_pytorch_form():
    v = ember.__version__
    assert isinstance(v, str) and v.startswith(torch.__version__.split("+")[0] + "+")
    assert v >= "2.0" and v >= (2, 0) and v < (99,) and not v < "1.13.1"
    assert type(torch.__version__).__name__ == type(v).__name__ == "TorchVersion"


ASSERT_CLOSE = [
    ("[1., 2., 3.]", "[1., 2.5, 3.]", {}), ("[1., 2.]", "[1., 2.]", {"dtype2": "float64"}),
    ("[1., 2.]", "[1., 2., 3.]", {}), ("[1, 2]", "[1, 3]", {}), ("[True]", "[False]", {}),
    ("[float('nan')]", "[float('nan')]", {}), ("[[1., 1.], [1., 1.]]", "[[1., 1.], [1., 1.1]]", {}),
    ("1.", "2.", {}), ("[1., 2., 3.]", "[1., 2.5, 3.]", {"rtol": 0.1, "atol": 0.0}),
    ("[1., 2., 3.]", "[1., 2.5, 3.]", {"rtol": 0.1}),
    ("[1., 2., 3.]", "[1., 2.5, 3.]", {"msg": "custom"}),
    ("[float('nan')]", "[float('nan')]", {"equal_nan": True}),
    ("[1., 2.]", "[1., 2.]", {"dtype2": "float64", "check_dtype": False}),
    ("[1., float('inf')]", "[1., float('inf')]", {}),
]


@pytest.mark.parametrize("a,b,kw", ASSERT_CLOSE)
def test_assert_close_tensors(a, b, kw):
    def run(lib):
        kw2 = dict(kw)
        dt = getattr(lib, kw2.pop("dtype2", "float32"))
        x, y = lib.tensor(eval(a)), lib.tensor(eval(b))  # noqa: S307
        if y.is_floating_point():
            y = y.to(dt)
        return _outcome(lambda: lib.testing.assert_close(x, y, **kw2))
    assert run(ember) == run(torch)


@pytest.mark.parametrize("a,b", [
    (1.0, 1.1), (1, 1.0), (3, 4), ([1, 2], [1, 2, 3]), ([1.0, [2.0]], [1.0, [2.5]]),
    ({"a": 1.0}, {"a": 1.5}), ({"a": 1}, {"b": 1}), (np.ones(2), np.ones(2) * 1.5)])
def test_assert_close_numbers_and_containers(a, b):
    assert _outcome(lambda: ember.testing.assert_close(a, b)) == \
        _outcome(lambda: torch.testing.assert_close(a, b))


def test_assert_close_nested_tensors_and_type_errors():
    e = _outcome(lambda: ember.testing.assert_close([ember.tensor(1.0)], [ember.tensor(2.0)]))
    t = _outcome(lambda: torch.testing.assert_close([torch.tensor(1.0)], [torch.tensor(2.0)]))
    assert e == t
    e = _outcome(lambda: ember.testing.assert_close(ember.tensor(1.0), 1.0))
    assert e[0] == "TypeError" and "No comparison pair was able to handle inputs" in e[1]


def test_data_parallel_calls_the_module():
    for lib in (torch, ember):
        lib.manual_seed(0)
        inner = lib.nn.Linear(2, 3)
        dp = lib.nn.DataParallel(inner, device_ids=[0])
        assert dp.device_ids == [] and dp.module is inner
        assert list(dp.state_dict()) == ["module.weight", "module.bias"]
        x = lib.ones(4, 2)
        np.testing.assert_array_equal(dp(x).detach().numpy(), inner(x).detach().numpy())
    assert repr(ember.nn.DataParallel(ember.nn.Linear(2, 3))) == \
        repr(torch.nn.DataParallel(torch.nn.Linear(2, 3)))
    assert ember.nn.parallel.DataParallel is ember.nn.DataParallel


@pytest.mark.parametrize("expr", [
    "lib.arange(6.0)[2:].storage_offset()", "lib.arange(6.0)[2:].t().storage_offset()",
    "lib.arange(6.0).itemsize", "lib.arange(6.0).nbytes", "lib.ones(1).get_device()",
    "lib.ones(1).is_signed()", "lib.tensor([True]).is_signed()",
    "lib.tensor([1], dtype=lib.uint8).is_signed()", "lib.tensor([2.0]).is_nonzero()",
    "lib.tensor([1.0, 2.0]).is_nonzero()", "lib.tensor([]).is_nonzero()",
    "lib.is_same_size(lib.ones(2), lib.ones(2, 1))", "lib.is_complex(lib.ones(1))",
    "lib.typename(lib.ones(1))", "lib.typename(3)", "(lib.inf, lib.pi, lib.e, lib.newaxis)",
    "str(lib.nan)", "lib.ones(1).is_conj()", "lib.ones(1).is_sparse",
    "lib.get_float32_matmul_precision()", "lib.are_deterministic_algorithms_enabled()",
    "lib.is_autocast_cpu_enabled()", "str(lib.get_autocast_cpu_dtype()) != ''",
])
def test_small_names_scripts_reach(expr):
    assert _outcome(lambda: eval(expr, {"lib": ember})) == \
        _outcome(lambda: eval(expr, {"lib": torch}))   # noqa: S307 - fixed expressions


def test_process_switches_are_recorded():
    for lib in (torch, ember):
        try:
            lib.set_float32_matmul_precision("high")
            lib.use_deterministic_algorithms(True, warn_only=True)
            assert lib.get_float32_matmul_precision() == "high"
            assert lib.are_deterministic_algorithms_enabled()
            assert lib.is_deterministic_algorithms_warn_only_enabled()
        finally:
            lib.set_float32_matmul_precision("highest")
            lib.use_deterministic_algorithms(False)


def test_deprecated_amp_spellings():
    for lib in (torch, ember):
        with pytest.warns(FutureWarning, match=r"torch.cpu.amp.autocast\(args...\)` is "
                                               "deprecated"):
            with lib.cpu.amp.autocast(dtype=lib.float16):
                assert str((lib.ones(2, 2) @ lib.ones(2, 2)).dtype) == "torch.float16"
        with pytest.warns(FutureWarning, match=r"torch.cuda.amp.autocast\(args...\)` is "
                                               "deprecated"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                with lib.cuda.amp.autocast():
                    assert not lib.is_autocast_enabled("cpu")
        with pytest.warns(FutureWarning, match=r"torch.cuda.amp.GradScaler\(args...\)` is "
                                               "deprecated"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                assert not lib.cuda.amp.GradScaler().is_enabled()
        assert lib.cpu.is_available() and lib.cpu.device_count() == 1
        assert lib.cpu.current_device() == "cpu"
