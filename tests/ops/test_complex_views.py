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
