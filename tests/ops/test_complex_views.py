"""view_as_real, view_as_complex and the real/imag parts: views sharing the complex memory,
PyTorch's node names and errors."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _run(lib):
    out = []
    z = lib.tensor([1 + 2j, 3 - 1j], requires_grad=True)
    v = lib.view_as_real(z)
    out += [type(v.grad_fn).__name__, v._base is z, v.tolist()]
    x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    c = lib.view_as_complex(x)
    (c * lib.tensor([1j, 2])).real.sum().backward()
    out += [c.tolist(), type(c.grad_fn).__name__, x.grad.tolist()]
    r, i = z.real, z.imag
    out += [r.tolist(), i.tolist(), type(r.grad_fn).__name__,
            type(r.grad_fn.next_functions[0][0]).__name__, r._base is z]
    (r * lib.tensor([2.0, 3.0]) + i * lib.tensor([5.0, 7.0])).sum().backward()
    out.append(z.grad.tolist())
    w = lib.tensor([1 + 1j, 2 + 2j])
    w.real.mul_(10)                       # a write through the view reaches the complex tensor
    out.append(w.tolist())
    o = lib.ones(2)
    out.append((o.real is o, lib.real(o) is o))
    zz = lib.randn(3, 4, dtype=lib.complex128)[:, ::2]
    out.append(bool((lib.view_as_real(zz)[..., 0] == zz.real).all()))
    for bad in (lambda: lib.view_as_real(lib.ones(2)), lambda: lib.view_as_complex(lib.ones(3)),
                lambda: lib.view_as_complex(lib.ones(2, 2).T),
                lambda: lib.view_as_complex(lib.ones(2, 2, dtype=lib.long)),
                lambda: lib.ones(2).imag):
        try:
            bad()
        except RuntimeError as e:
            out.append(str(e))
    return out


def test_complex_views_match_torch():
    assert _run(ember) == _run(torch)


def test_real_view_shares_memory():
    z = ember.tensor([1 + 1j, 2 - 3j])
    assert np.shares_memory(z.real.numpy(), z.numpy())
    assert z.imag.tolist() == [1.0, -3.0]


def _parts(lib):
    out = []
    z = lib.tensor([1 + 2j, -3 - 1j, 0j], requires_grad=True)
    a = lib.angle(z)
    (a * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
    out += [a.tolist(), type(a.grad_fn).__name__, z.grad.tolist(), str(z.angle().dtype)]
    x = lib.tensor([1.0, -2.0, 0.0, float("nan")], requires_grad=True)
    a = lib.angle(x)
    a.sum().backward()
    out += [repr(a.tolist()), x.grad.tolist(), lib.angle(lib.tensor([1, -2])).tolist()]
    r = lib.tensor([1.0, 2.0], requires_grad=True)
    i = lib.tensor([3.0, 4.0], requires_grad=True)
    c = lib.complex(r, i)
    (c * lib.tensor([1j, 2])).abs().sum().backward()
    out += [c.tolist(), type(c.grad_fn).__name__, r.grad.tolist(), i.grad.tolist()]
    ab = lib.tensor([1.0, 0.0], requires_grad=True)
    an = lib.tensor([0.5, -1.0], requires_grad=True)
    p = lib.polar(ab, an)
    (p * lib.tensor([1j, 2])).abs().sum().backward()
    out += [p.tolist(), type(p.grad_fn).__name__, ab.grad.tolist(), an.grad.tolist()]
    cp = lib.conj_physical(z)
    out += [type(cp.grad_fn).__name__, cp.tolist(), lib.conj_physical(x) is x]
    for bad in (lambda: lib.complex(lib.ones(2), lib.ones(2, dtype=lib.float64)),
                lambda: lib.complex(lib.ones(2, dtype=lib.long), lib.ones(2, dtype=lib.long)),
                lambda: lib.polar(lib.ones(2), lib.ones(3))):
        with pytest.raises(RuntimeError) as info:
            bad()
        out.append(str(info.value))
    return out


def test_angle_complex_polar_conj_physical_match_torch():
    e, t = _parts(ember), _parts(torch)
    assert len(e) == len(t)
    for a, b in zip(e, t):
        if isinstance(a, list) and a and isinstance(a[0], (float, complex)):
            np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-6, atol=1e-7)
        else:
            assert a == b
