"""Signal processing against torch: the window functions (bit for bit in float64, float16
and bfloat16; within an ulp or two of 1 in float32, where PyTorch's vectorized cosine rounds
otherwise), the modified Bessel functions i0, i0e, i1, i1e (values over both expansion
pieces, special values, dtypes, gradients; the coefficients re-derived), and stft/istft."""
import numpy as np
import pytest

import ember
from ember.ops import bessel

torch = pytest.importorskip("torch")

WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
           "kaiser_window"]
LENGTHS = list(range(40)) + [64, 100, 255, 256, 1000, 4097]


def _window_args(name: str) -> list:
    extra = {"kaiser_window": [(True, 5.0), (False, 0.3), (True, 30.0)],
             "hamming_window": [(True, 0.6), (False, 0.6, 0.3)]}
    return [(), (True,), (False,)] + extra.get(name, [])


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16"])
def test_window_exact(name, dtype):
    for n in LENGTHS:
        for args in _window_args(name):
            a = getattr(ember, name)(n, *args, dtype=getattr(ember, dtype))
            b = getattr(torch, name)(n, *args, dtype=getattr(torch, dtype))
            assert a.dtype == getattr(ember, dtype) and tuple(a.shape) == tuple(b.shape)
            if name == "kaiser_window" and dtype == "float16":
                # float16 rounds the float32 I0 ratio, which may differ in its last bit
                np.testing.assert_allclose(a.float().numpy(), b.float().numpy(), atol=1e-3)
                continue
            np.testing.assert_array_equal(a.float().numpy(), b.float().numpy(),
                                          err_msg=f"{name}({n}, {args})")


@pytest.mark.parametrize("name", WINDOWS)
def test_window_float32(name):
    eps = np.finfo(np.float32).eps
    tol = 12 * eps if name == "kaiser_window" else 1.5 * eps
    for n in LENGTHS:
        for args in _window_args(name):
            a = getattr(ember, name)(n, *args)
            b = getattr(torch, name)(n, *args)
            assert a.dtype == ember.float32
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=tol)


def test_window_defaults_and_grad():
    with_default = ember.get_default_dtype()
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.hann_window(5).dtype == ember.float64
    finally:
        ember.set_default_dtype(with_default)
    w = ember.kaiser_window(6, requires_grad=True)
    assert w.requires_grad and w.is_leaf and w.grad_fn is None
    assert ember.hann_window(ember.tensor(4)).shape == (4,)
    assert ember.hamming_window(5, periodic=False, alpha=0.5, beta=0.5).tolist() == \
        torch.hann_window(5, periodic=False).tolist()
    assert ember.hann_window(1, dtype=ember.complex64).dtype == ember.complex64


@pytest.mark.parametrize("call", [
    "{0}.hann_window(-1)", "{0}.hann_window(3, dtype={0}.int64)",
    "{0}.bartlett_window(3, dtype={0}.bool)", "{0}.hann_window(3.0)",
    "{0}.hann_window(True)", "{0}.kaiser_window(5, beta=1.0)",
    "{0}.hamming_window(4, alpha=0.5)", "{0}.hann_window(3, periodic=1)",
    "{0}.blackman_window(3, dtype={0}.complex64)", "{0}.kaiser_window(-2, True, 2.0)",
    "{0}.hamming_window(4, True, 0.5, 0.3, 0.1)"])
def test_window_errors(call):
    with pytest.raises(Exception) as te:
        eval(call.format("torch"))
    with pytest.raises(te.type) as ee:
        eval(call.format("ember"))
    first = str(te.value).split("\n")[0]
    if te.type is not TypeError or "must be int" in first:
        assert str(ee.value) == str(te.value)


# --------------------------------------------------------------------------------------------
# the modified Bessel functions
# --------------------------------------------------------------------------------------------
BESSEL = ["i0", "i0e", "i1", "i1e"]


def _bessel_points() -> np.ndarray:
    g = np.geomspace(1e-300, 700, 1500)
    return np.concatenate([np.linspace(-30, 30, 6001), g, -g, [0.0, -0.0, 8.0, -8.0, 88.0,
                                                                 89.0, 710.0, 800.0]])


@pytest.mark.parametrize("name", BESSEL)
def test_bessel_float64(name):
    x = _bessel_points()
    a = getattr(ember.special, name)(ember.tensor(x)).numpy()
    b = getattr(torch.special, name)(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(np.isfinite(a), np.isfinite(b))
    fin = np.isfinite(b)
    # both are within ~10 ulp of the exact values (checked with mpmath below), so of each other
    np.testing.assert_allclose(a[fin], b[fin], rtol=16 * np.finfo(np.float64).eps, atol=0)
    np.testing.assert_array_equal(np.signbit(a[b == 0]), np.signbit(b[b == 0]))


@pytest.mark.parametrize("name", BESSEL)
def test_bessel_float32(name):
    x = _bessel_points().astype(np.float32)
    x = x[np.abs(x) > 1e-37]         # (PyTorch flushes the float32 i1 of subnormals)
    a = getattr(ember.special, name)(ember.tensor(x)).numpy()
    b = getattr(torch.special, name)(torch.tensor(x)).numpy()
    assert a.dtype == np.float32
    np.testing.assert_array_equal(np.isinf(a), np.isinf(b))
    fin = np.isfinite(b)
    np.testing.assert_allclose(a[fin], b[fin], rtol=16 * np.finfo(np.float32).eps, atol=0)


@pytest.mark.parametrize("name", BESSEL)
def test_bessel_special_values(name):
    x = [np.inf, -np.inf, np.nan, 0.0, -0.0]
    a = getattr(ember.special, name)(ember.tensor(x)).numpy()
    b = getattr(torch.special, name)(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


@pytest.mark.parametrize("name", BESSEL)
@pytest.mark.parametrize("dtype", ["int64", "bool", "float16", "bfloat16"])
def test_bessel_dtypes(name, dtype):
    src = [0, 1, 3, 7] if dtype != "bool" else [True, False]
    a = getattr(ember.special, name)(ember.tensor(src, dtype=getattr(ember, dtype)))
    b = getattr(torch.special, name)(torch.tensor(src, dtype=getattr(torch, dtype)))
    assert str(a.dtype) == str(b.dtype)
    # (float32 arithmetic on both sides, rounded once more for float16 and bfloat16)
    eps = {"float16": 2.0 ** -10, "bfloat16": 2.0 ** -7}.get(dtype, 2.0 ** -23)
    np.testing.assert_allclose(a.float().numpy(), b.float().numpy(), rtol=8 * eps)


def test_i0_aliases_and_inplace():
    x = np.linspace(-9, 9, 13)
    ref = torch.i0(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(ember.i0(ember.tensor(x)).numpy(),
                                  ember.special.i0(ember.tensor(x)).numpy())
    np.testing.assert_allclose(ember.tensor(x).i0().numpy(), ref, rtol=1e-15)
    t = ember.tensor(x)
    assert t.i0_() is t
    np.testing.assert_allclose(t.numpy(), ref, rtol=1e-15)
    out = ember.empty(13, dtype=ember.float64)
    ember.special.i1e(ember.tensor(x), out=out)
    np.testing.assert_allclose(out.numpy(), torch.special.i1e(torch.tensor(x)).numpy(),
                               rtol=1e-15)
    leaf = ember.tensor(x, requires_grad=True)
    y = leaf.clone()
    y.i0_()
    assert y.grad_fn.name() == "I0Backward0"


@pytest.mark.parametrize("name", BESSEL)
def test_bessel_grads_at_zero_and_second_order(name):
    x = np.array([0.0, -1.5, 2.0, 9.0, -20.0])
    grads = []
    for lib in (ember, torch):
        t = lib.tensor(x, requires_grad=True)
        g, = lib.autograd.grad(getattr(lib.special, name)(t).sum(), t, create_graph=True)
        gg, = lib.autograd.grad(g.sum(), t)
        grads.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-13)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-12)


def _chebyshev_coefficients(f, n: int = 90) -> list:
    import mpmath as mp
    th = [mp.pi * (j + mp.mpf(1) / 2) / n for j in range(n)]
    fv = [f(mp.cos(t)) for t in th]
    return [2 * mp.fsum(fv[j] * mp.cos(k * th[j]) for j in range(n)) / n for k in range(n)]


def test_bessel_coefficients_rederived():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    small = {0: lambda x: mp.exp(-x) * mp.besseli(0, x),
             1: lambda x: mp.exp(-x) * mp.besseli(1, x) / x}
    large = {0: lambda x: mp.exp(-x) * mp.sqrt(x) * mp.besseli(0, x),
             1: lambda x: mp.exp(-x) * mp.sqrt(x) * mp.besseli(1, x)}
    for stored, f, to_x in [(bessel.I0_SMALL, small[0], lambda t: 4 * (t + 1)),
                            (bessel.I1_SMALL, small[1], lambda t: 4 * (t + 1)),
                            (bessel.I0_LARGE, large[0], lambda t: 16 / (t + 1)),
                            (bessel.I1_LARGE, large[1], lambda t: 16 / (t + 1))]:
        c = _chebyshev_coefficients(lambda t, f=f, to_x=to_x: f(to_x(t)))
        assert [float(v) for v in c[:len(stored)]] == list(stored)
        assert all(abs(v) < 1e-19 * abs(c[0]) for v in c[len(stored):])


def test_bessel_accuracy_against_mpmath():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    x = np.random.default_rng(1).uniform(-40, 40, 300)
    for name, order, scaled in [("i0", 0, False), ("i0e", 0, True), ("i1", 1, False),
                                ("i1e", 1, True)]:
        ref = np.array([float(mp.besseli(order, mp.mpf(v)) *
                              (mp.exp(-abs(mp.mpf(v))) if scaled else 1)) for v in x])
        got = getattr(ember.special, name)(ember.tensor(x)).numpy()
        np.testing.assert_allclose(got, ref, rtol=12 * np.finfo(np.float64).eps)


# --------------------------------------------------------------------------------------------
# stft and istft
# --------------------------------------------------------------------------------------------
STFT_CASES = [
    ({"n_fft": 16, "return_complex": True}, 16, None),
    ({"n_fft": 16, "hop_length": 5, "win_length": 10, "normalized": True,
      "return_complex": True}, 10, None),
    ({"n_fft": 16, "center": False, "onesided": False, "return_complex": True}, 16, None),
    ({"n_fft": 15, "pad_mode": "constant", "return_complex": True}, 15, None),
    ({"n_fft": 16, "pad_mode": "replicate", "return_complex": True}, None, None),
    ({"n_fft": 16, "hop_length": 4, "win_length": 8, "center": False,
      "align_to_window": True, "return_complex": True}, 8, None),
    ({"n_fft": 16, "return_complex": False}, 16, None),
    ({"n_fft": 16, "return_complex": True}, 16, {"n_fft": 16}),
    ({"n_fft": 16, "hop_length": 3, "win_length": 12, "return_complex": True}, 12,
     {"n_fft": 16, "hop_length": 3, "win_length": 12, "length": 50}),
    ({"n_fft": 16, "normalized": True, "onesided": False, "return_complex": True}, 16,
     {"n_fft": 16, "normalized": True, "onesided": False}),
    ({"n_fft": 16, "onesided": False, "return_complex": True}, 16,
     {"n_fft": 16, "onesided": False, "return_complex": True}),
    ({"n_fft": 16, "center": False, "return_complex": True}, 16,
     {"n_fft": 16, "center": False, "length": 56}),
    ({"n_fft": 16, "return_complex": True}, 16, {"n_fft": 16, "length": 90}),
]


def _stft_run(lib, src, kw, wsrc, inv, seed_grad):
    x = lib.tensor(src, requires_grad=True)
    w = None if wsrc is None else lib.tensor(wsrc, requires_grad=True)
    out = lib.stft(x, window=w, **kw)
    if inv is not None:
        out = lib.istft(out, window=w, **inv) if w is not None else None
    r = lib.view_as_real(out) if out.is_complex() else out
    g = seed_grad[:r.numel()].reshape(tuple(r.shape)).astype(r.detach().numpy().dtype)
    (r * lib.tensor(g)).sum().backward()
    return out.detach().numpy(), x.grad.numpy(), None if w is None else w.grad.numpy()


@pytest.mark.parametrize("case", range(len(STFT_CASES)))
@pytest.mark.parametrize("shape", [(60,), (3, 60)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stft_istft_values_and_grads(case, shape, dtype):
    kw, wl, inv = STFT_CASES[case]
    if inv is not None and wl is None:
        pytest.skip("istft without a window")
    rng = np.random.default_rng(case)
    src = rng.standard_normal(shape).astype(dtype)
    wsrc = None if wl is None else np.hanning(wl + 2)[1:-1].astype(dtype)
    seed = rng.standard_normal(10000)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # (PyTorch warns once per process; ember each call)
        a = _stft_run(ember, src, kw, wsrc, inv, seed)
        b = _stft_run(torch, src, kw, wsrc, inv, seed)
    tol = 1e-12 if dtype == np.float64 else 3e-5
    for u, v in zip(a, b):
        if v is None:
            continue
        assert u.shape == v.shape and u.dtype == v.dtype
        # (float32 sums of many terms may cancel: absolute error against their scale)
        scale = 1.0 if dtype == np.float64 else 4 * (1 + np.abs(v).max())
        np.testing.assert_allclose(u, v, rtol=tol, atol=tol * scale)


def test_stft_complex_input_and_graph():
    rng = np.random.default_rng(5)
    src = rng.standard_normal((2, 50)) + 1j * rng.standard_normal((2, 50))
    w = np.hanning(18)[1:-1]
    outs = []
    for lib in (ember, torch):
        x = lib.tensor(src, requires_grad=True)
        y = lib.stft(x, 16, window=lib.tensor(w))
        lib.view_as_real(y).pow(2).sum().backward()
        outs.append((y.detach().numpy(), x.grad.numpy(), y.grad_fn.name()))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-12, atol=1e-12)
    assert outs[0][2] == outs[1][2] == "TransposeBackward1"
    for lib in (ember, torch):     # PyTorch's last nodes, in place
        y = lib.stft(lib.ones(40, requires_grad=True), 8, window=lib.ones(8),
                     return_complex=True)
        assert y.grad_fn.name() == "SqueezeBackward4"
        assert y.grad_fn.next_functions[0][0].name() == "TransposeBackward1"


def test_stft_istft_round_trip_and_second_order():
    rng = np.random.default_rng(2)
    for dtype, tol in ((ember.float64, 1e-13), (ember.float32, 1e-5)):
        x = ember.tensor(rng.standard_normal((2, 200)), dtype=dtype)
        for n_fft, hop, win in ((64, 16, 64), (32, 8, 24), (31, 10, 31)):
            w = ember.hann_window(win, dtype=dtype)
            s = ember.stft(x, n_fft, hop, win, w, return_complex=True)
            y = ember.istft(s, n_fft, hop, win, w, length=200)
            assert y.dtype == dtype
            np.testing.assert_allclose(y.numpy(), x.numpy(), atol=tol)
    grads = []
    for lib in (ember, torch):
        x = lib.tensor(np.linspace(-1, 1, 40) ** 3, requires_grad=True)
        w = lib.hann_window(8, dtype=lib.float64)
        s = lib.stft(x, 8, window=w, return_complex=True)
        y = lib.istft(s * 1.5, 8, window=w, length=40)
        g, = lib.autograd.grad(y.pow(2).sum(), x, create_graph=True)
        gg, = lib.autograd.grad(g.sum(), x)
        grads.append((g.detach().numpy(), gg.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-10, atol=1e-12)


def test_stft_gradcheck():
    from ember.autograd import gradcheck
    x = ember.tensor(np.random.default_rng(3).standard_normal(30), requires_grad=True)
    w = ember.tensor(np.hanning(10)[1:-1].copy(), requires_grad=True)
    assert gradcheck(lambda a, b: ember.view_as_real(
        ember.stft(a, 12, 3, 8, b, return_complex=True)), (x, w))
    assert gradcheck(lambda a, b: ember.istft(
        ember.stft(a, 12, 3, 8, b, return_complex=True) * 1.5, 12, 3, 8, b), (x, w))


STFT_ERRORS = [
    "{0}.stft(x, 16)", "{0}.stft(x, 200, return_complex=True)",
    "{0}.stft(x, 0, center=False, return_complex=True)",
    "{0}.stft(x, 16, hop_length=0, return_complex=True)",
    "{0}.stft(x, 16, win_length=20, return_complex=True)",
    "{0}.stft(x, 16, window={0}.ones(10), return_complex=True)",
    "{0}.stft({0}.zeros(2, 3, 40), 16, return_complex=True)",
    "{0}.stft(x, 16, pad_mode='zeros', return_complex=True)",
    "{0}.stft(x.to({0}.complex128), 16, onesided=True)",
    "{0}.stft(x, 16, align_to_window=True, return_complex=True)",
    "{0}.stft(x.int(), 16, center=False, return_complex=True)",
    "{0}.istft(S.real, 16, window=w)", "{0}.istft(S, 16, window=w, onesided=False)",
    "{0}.istft(S, 16, window=w, return_complex=True)",
    "{0}.istft(S, 16, window=w, center=False)", "{0}.istft(S[None, None], 16, window=w)",
    "{0}.istft(S, 16, window={0}.ones(10))", "{0}.istft(S, 16, window=w, hop_length=0)",
    "{0}.istft(S, 20, window={0}.ones(20))", "{0}.istft(S, 16, window=w, win_length=8)",
]


@pytest.mark.parametrize("call", STFT_ERRORS)
def test_stft_istft_errors(call):
    import warnings
    got = []
    for lib in (torch, ember):
        x = lib.tensor(np.linspace(0, 1, 100))
        w = lib.hann_window(16, dtype=lib.float64)
        S = lib.stft(x, 16, window=w, return_complex=True)    # noqa: F841  (used by eval)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as e:
                eval(call.format("lib"))
        got.append(e)
    assert got[1].type is got[0].type
    assert str(got[1].value).split("\n")[0] == str(got[0].value).split("\n")[0]


def test_stft_warnings_and_methods():
    x = ember.tensor(np.linspace(0, 1, 64))
    with pytest.warns(UserWarning, match="A window was not provided"):
        s = x.stft(16, return_complex=True)
    with pytest.warns(UserWarning, match="return_complex=False is deprecated"):
        r = x.stft(16, window=ember.ones(16, dtype=ember.float64), return_complex=False)
    assert tuple(r.shape) == (9, 17, 2)
    with pytest.warns(UserWarning, match="A window was not provided"):
        y = s.istft(16, length=64)
    np.testing.assert_allclose(y.numpy(), x.numpy(), atol=1e-14)
    with pytest.warns(UserWarning, match="shorter than the length parameter"):
        assert ember.istft(s, 16, window=ember.ones(16, dtype=ember.float64),
                           length=90).shape == (90,)


# --------------------------------------------------------------------------------------------
# torch.signal.windows
# --------------------------------------------------------------------------------------------
SIGNAL_WINDOWS = ["bartlett", "blackman", "cosine", "exponential", "gaussian",
                  "general_cosine", "general_hamming", "hamming", "hann", "kaiser", "nuttall"]
SIGNAL_KWARGS = {"general_cosine": {"a": [0.5, 0.3, 0.2]}, "kaiser": {"beta": 5.0},
                 "exponential": {"tau": 2.0}, "gaussian": {"std": 3.0},
                 "general_hamming": {"alpha": 0.6}}


@pytest.mark.parametrize("name", SIGNAL_WINDOWS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_signal_windows(name, dtype):
    import torch.signal.windows as tw

    import ember.signal.windows as ew
    # Both build the windows from a linspace of positions. This PyTorch build's linspace
    # contracts end - step * k into a fused multiply-add, so its positions can differ from
    # ember's in the last bits (most in float32, where a position near 0 is the difference
    # of two values near the end): compared on the window's scale, not bit for bit.
    atol = 1e-14 if dtype == "float64" else 2e-5
    for m in [*range(12), 16, 33, 100, 257]:
        for sym in (True, False):
            kw = SIGNAL_KWARGS.get(name, {})
            a = getattr(ew, name)(m, sym=sym, dtype=getattr(ember, dtype), **kw)
            b = getattr(tw, name)(m, sym=sym, dtype=getattr(torch, dtype), **kw)
            assert a.dtype == getattr(ember, dtype) and tuple(a.shape) == tuple(b.shape)
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=atol)


def test_signal_windows_grad_and_namespace():
    for name, node in (("gaussian", "ExpBackward0"), ("hann", "SumBackward1"),
                       ("kaiser", "DivBackward0")):
        w = getattr(ember.signal.windows, name)(5, requires_grad=True)
        assert w.requires_grad and w.grad_fn.name() == node
    assert ember.signal.windows.hann(4).dtype == ember.float32


@pytest.mark.parametrize("call", [
    "hann(-1)", "hann(3, dtype={0}.float16)", "gaussian(3, std=0)", "exponential(3, tau=-1)",
    "exponential(3, center=1.0)", "kaiser(3, beta=-1.0)", "general_cosine(3, a=[])",
    "general_cosine(3, a=1.0)", "blackman(3, dtype={0}.int64)"])
def test_signal_window_errors(call):
    with pytest.raises(Exception) as te:
        eval("torch.signal.windows." + call.format("torch"))
    with pytest.raises(te.type) as ee:
        eval("ember.signal.windows." + call.format("ember"))
    assert str(ee.value) == str(te.value)
