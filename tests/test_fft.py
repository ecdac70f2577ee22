"""torch.fft against torch: values, gradients, dtypes, shapes and grad_fn chains of each
transform (real, complex and float32 inputs; n/s padding and cutting; the three norms), the
frequency helpers and shifts, second-order gradients, and the errors."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 6))
Z = X + 1j * rng.standard_normal((4, 6))

CASES = {
    "fft": lambda F, x: F.fft(x), "ifft": lambda F, x: F.ifft(x),
    "rfft": lambda F, x: F.rfft(x), "irfft": lambda F, x: F.irfft(x),
    "fft_n8": lambda F, x: F.fft(x, n=8), "fft_n3_dim0": lambda F, x: F.fft(x, n=3, dim=0),
    "hfft": lambda F, x: F.hfft(x), "ihfft": lambda F, x: F.ihfft(x),
    "ortho": lambda F, x: F.fft(x, norm="ortho"),
    "ifft_forward": lambda F, x: F.ifft(x, norm="forward"),
    "rfft2": lambda F, x: F.rfft2(x), "irfftn_rfftn": lambda F, x: F.irfftn(F.rfftn(x)),
    "fft2_s": lambda F, x: F.fft2(x, s=(3, 8)), "irfft2_s": lambda F, x: F.irfft2(x, s=(4, 9)),
    "ifftn_dim0": lambda F, x: F.ifftn(x, dim=(0,)), "fftshift": lambda F, x: F.fftshift(x),
    "ifftshift": lambda F, x: F.ifftshift(x, dim=1),
    "irfft_n_ortho": lambda F, x: F.irfft(x, n=7, norm="ortho"),
    "hfft_n": lambda F, x: F.hfft(x, n=5),
}


def _numpy(t):
    t = t.detach()
    return (t.resolve_conj() if hasattr(t, "resolve_conj") else t).numpy()


def _run(lib, fn, src):
    x = lib.tensor(src, requires_grad=True)
    try:
        y = fn(lib.fft, x)
    except RuntimeError as e:
        return ("error", str(e))
    w = np.random.default_rng(1).standard_normal(tuple(y.shape))
    if y.is_complex():
        loss = (y * lib.tensor(w + 1j * w[::-1].copy())).abs().sum()
    else:
        loss = (y * lib.tensor(w, dtype=y.dtype)).sum()
    loss.backward()
    names = (type(y.grad_fn).__name__, type(y.grad_fn.next_functions[0][0]).__name__)
    return str(y.dtype), tuple(y.shape), names, _numpy(y), _numpy(x.grad)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.float32])
@pytest.mark.parametrize("name", list(CASES))
def test_transform_matches_torch(name, dtype):
    src = (Z if np.dtype(dtype).kind == "c" else X).astype(dtype)
    e = _run(ember, CASES[name], src)
    t = _run(torch, CASES[name], src)
    assert e[:3] == t[:3]
    if e[0] != "error":
        tol = 1e-5 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(e[3], t[3], rtol=tol, atol=tol)
        np.testing.assert_allclose(e[4], t[4], rtol=tol, atol=tol)


@pytest.mark.parametrize("fn", [lambda F, x: F.fft(x).abs(), lambda F, x: F.irfft(F.rfft(x) * 2),
                                lambda F, x: F.hfft(F.ihfft(x), n=6)])
def test_second_order(fn):
    x = ember.tensor(X, requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda t: fn(ember.fft, t), (x,))


def test_frequencies_and_errors_match_torch():
    for lib in (ember, torch):
        F = lib.fft
        got = [F.fftfreq(5).tolist(), F.rfftfreq(6, d=0.5).tolist(),
               str(F.fftfreq(4, dtype=lib.float64).dtype), str(F.fft(lib.tensor([1, 2, 3])).dtype)]
        for bad in (lambda: F.rfft(lib.ones(3, dtype=lib.complex64)),
                    lambda: F.rfftn(lib.ones(3, dtype=lib.complex64)),
                    lambda: F.fft(lib.ones(3), n=0), lambda: F.fft(lib.ones(3), norm="bad"),
                    lambda: F.fftn(lib.ones(3, 3), dim=(0, 0))):
            with pytest.raises(RuntimeError) as info:
                bad()
            got.append(str(info.value))
        with pytest.raises(IndexError):
            F.fft(lib.ones(3), dim=3)
        if lib is ember:
            mine = got
    assert mine == got
