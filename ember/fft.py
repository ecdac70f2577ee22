"""``torch.fft``: discrete Fourier transforms, built as PyTorch builds them on three
differentiable primitives (``ember/ops/fft.py``): the input is resized to ``n``/``s``
(zero-padded or sliced, recorded as ConstantPadNd/Slice), a real input of ``fft`` takes the
real-to-complex transform, ``ifft`` of a real input and ``ihfft`` conjugate its result, and
``irfft``/``hfft`` take the complex-to-real one."""
from __future__ import annotations

from . import _dtype
from ._tensor import Tensor
from .ops._util import wrap_dim
from .ops.fft import fft_c2c, fft_c2r, fft_r2c

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
           "fftn", "ifftn", "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_NONE, _BY_ROOT_N, _BY_N = 0, 1, 2


def _norm(norm: str | None, forward: bool) -> int:
    """PyTorch's scaling of a transform for ``norm`` ("backward", "forward" or "ortho")."""
    if norm is None or norm == "backward":
        return _NONE if forward else _BY_N
    if norm == "forward":
        return _BY_N if forward else _NONE
    if norm == "ortho":
        return _BY_ROOT_N
    raise RuntimeError(f'Invalid normalization mode: "{norm}"')


def _floating(x: Tensor) -> Tensor:
    """Integers and bools as the default float dtype (a transform's input)."""
    k = _dtype.kind(x._data.dtype)
    if k in "biu":
        return x.to(_dtype.get_default_dtype())
    return x


def _complex(x: Tensor) -> Tensor:
    if x.is_complex():
        return x
    return x.to(_dtype.complex128 if x.dtype is _dtype.float64 else _dtype.complex64)


def _resized(x: Tensor, dims: tuple, sizes: tuple) -> Tensor:
    """``x`` zero-padded or cut to ``sizes`` along ``dims``, as PyTorch's resize_fft_input."""
    from .ops.padding import constant_pad_nd
    pad = [0] * (2 * x.dim())
    padded = False
    for d, n in zip(dims, sizes):
        have = x.shape[d]
        if n < have:
            x = x.narrow(d, 0, n)
        elif n > have:
            pad[2 * (x.dim() - 1 - d) + 1] = n - have
            padded = True
    return constant_pad_nd(x, pad) if padded else x


def _check_n(n) -> None:
    if n is not None and n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")


def _one_dim(x: Tensor, n, dim: int):
    d = wrap_dim(dim, x.dim())
    _check_n(n)
    return (d,), ((x.shape[d] if n is None else n),)


def _dims_sizes(x: Tensor, s, dim, default_dims=None):
    """The dims and signal sizes of an n-dimensional transform, PyTorch's canonical form."""
    if dim is None and default_dims is not None and s is None:
        dim = default_dims
    if dim is not None:
        dims = tuple(wrap_dim(d, x.dim()) for d in ((dim,) if isinstance(dim, int) else dim))
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
    elif s is not None:
        dims = tuple(range(x.dim() - len(s), x.dim()))
    else:
        dims = tuple(range(x.dim()))
    if s is None:
        sizes = tuple(x.shape[d] for d in dims)
    else:
        if len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        sizes = tuple(x.shape[d] if n == -1 else n for d, n in zip(dims, s))
        for n in sizes:
            _check_n(n)
    return dims, sizes


def _c2c_or_r2c(x: Tensor, dims, sizes, norm, forward: bool) -> Tensor:
    """fft/ifft: a real input takes the real-to-complex transform (conjugated for the
    inverse)."""
    x = _resized(_floating(x), dims, sizes)
    if x.is_complex():
        return fft_c2c(x, dims, _norm(norm, forward), forward)
    r = fft_r2c(x, dims, _norm(norm, forward), False)
    return r if forward else r.conj()


def _c2c_n(x: Tensor, dims, sizes, norm, forward: bool) -> Tensor:
    """fftn/ifftn: a real input is made complex first (PyTorch's n-dimensional path)."""
    x = _resized(_complex(_floating(x)), dims, sizes)
    return fft_c2c(x, dims, _norm(norm, forward), forward)


def _r2c(name: str, x: Tensor, dims, sizes, norm, forward: bool) -> Tensor:
    if x.is_complex():
        kind = "real-valued" if name.endswith("n") else "real"
        raise RuntimeError(f"{name} expects a {kind} input tensor, but got "
                           f"{_dtype.from_np(x._data.dtype)._legacy[:-6]}")
    x = _resized(_floating(x), dims, sizes)
    r = fft_r2c(x, dims, _norm(norm, forward), True)
    return r if forward else r.conj()


def _c2r(x: Tensor, dims, sizes, last_n, norm, forward: bool) -> Tensor:
    """``irfft``/``hfft``: the one-sided input (made complex, then cut or padded to
    last_n // 2 + 1)."""
    x = _resized(_complex(_floating(x)), dims, sizes[:-1] + (last_n // 2 + 1,))
    if forward:                           # hfft: the conjugate's inverse transform
        x = x.conj()
    return fft_c2r(x, dims, _norm(norm, forward), last_n)


def fft(input: Tensor, n=None, dim: int = -1, norm=None) -> Tensor:
    """The 1-d discrete Fourier transform along ``dim`` (padded or cut to ``n``)."""
    dims, sizes = _one_dim(input, n, dim)
    return _c2c_or_r2c(input, dims, sizes, norm, True)


def ifft(input: Tensor, n=None, dim: int = -1, norm=None) -> Tensor:
    """The 1-d inverse transform."""
    dims, sizes = _one_dim(input, n, dim)
    return _c2c_or_r2c(input, dims, sizes, norm, False)


def rfft(input: Tensor, n=None, dim: int = -1, norm=None) -> Tensor:
    """The transform of a real signal: the non-negative frequencies (n // 2 + 1 of them)."""
    dims, sizes = _one_dim(input, n, dim)
    return _r2c("rfft", input, dims, sizes, norm, True)


def irfft(input: Tensor, n=None, dim: int = -1, norm=None) -> Tensor:
    """The real signal (``n`` samples, default 2 (m - 1)) of a one-sided spectrum."""
    d = wrap_dim(dim, input.dim())
    last = 2 * (input.shape[d] - 1) if n is None else n
    _check_n(last)
    return _c2r(input, (d,), (last,), last, norm, False)


def hfft(input: Tensor, n=None, dim: int = -1, norm=None) -> Tensor:
    """The real spectrum of a signal with Hermitian symmetry, given its one-sided half."""
    d = wrap_dim(dim, input.dim())
    last = 2 * (input.shape[d] - 1) if n is None else n
    _check_n(last)
    return _c2r(input, (d,), (last,), last, norm, True)


def ihfft(input: Tensor, n=None, dim: int = -1, norm=None) -> Tensor:
    """The inverse of ``hfft``: the one-sided half of a real signal's inverse transform."""
    dims, sizes = _one_dim(input, n, dim)
    return _r2c("ihfft", input, dims, sizes, norm, False)


def fftn(input: Tensor, s=None, dim=None, norm=None) -> Tensor:
    """The n-dimensional transform over ``dim`` (all dims by default)."""
    dims, sizes = _dims_sizes(input, s, dim)
    return _c2c_n(input, dims, sizes, norm, True)


def ifftn(input: Tensor, s=None, dim=None, norm=None) -> Tensor:
    dims, sizes = _dims_sizes(input, s, dim)
    return _c2c_n(input, dims, sizes, norm, False)


def rfftn(input: Tensor, s=None, dim=None, norm=None) -> Tensor:
    dims, sizes = _dims_sizes(input, s, dim)
    return _r2c("rfftn", input, dims, sizes, norm, True)


def irfftn(input: Tensor, s=None, dim=None, norm=None) -> Tensor:
    dims, sizes = _dims_sizes(input, s, dim)
    last = sizes[-1] if s is not None else 2 * (input.shape[dims[-1]] - 1)
    _check_n(last)
    return _c2r(input, dims, sizes[:-1] + (last,), last, norm, False)


def fft2(input: Tensor, s=None, dim=(-2, -1), norm=None) -> Tensor:
    return fftn(input, s, dim, norm)


def ifft2(input: Tensor, s=None, dim=(-2, -1), norm=None) -> Tensor:
    return ifftn(input, s, dim, norm)


def rfft2(input: Tensor, s=None, dim=(-2, -1), norm=None) -> Tensor:
    return rfftn(input, s, dim, norm)


def irfft2(input: Tensor, s=None, dim=(-2, -1), norm=None) -> Tensor:
    return irfftn(input, s, dim, norm)


def fftfreq(n: int, d: float = 1.0, *, out=None, dtype=None, layout=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """The sample frequencies of an ``n``-point transform: 0, 1, ..., -1 over ``n * d``."""
    from .ops.creation import arange
    r = arange(n, dtype=_freq_dtype(dtype, out), device=device)
    r[(n + 1) // 2:] -= n
    return _freq_out(r.mul_(1.0 / (n * d)).requires_grad_(requires_grad), out, "fft_fftfreq")


def _freq_dtype(dtype, out):
    # (out= without dtype= computes in out's dtype, as PyTorch's factories do)
    return dtype or (out.dtype if isinstance(out, Tensor) else _dtype.get_default_dtype())


def _freq_out(r: Tensor, out, name: str) -> Tensor:
    from .ops.reduction import _out
    return _out(r, out, name)


def rfftfreq(n: int, d: float = 1.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """The non-negative sample frequencies of a one-sided ``n``-point transform."""
    from .ops.creation import arange
    r = arange(n // 2 + 1, dtype=_freq_dtype(dtype, out), device=device)
    return _freq_out(r.mul_(1.0 / (n * d)).requires_grad_(requires_grad), out, "fft_rfftfreq")


def _shifts(x: Tensor, dim, inverse: bool):
    dims = tuple(range(x.dim())) if dim is None else \
        tuple(wrap_dim(d, x.dim()) for d in ((dim,) if isinstance(dim, int) else dim))
    return tuple((x.shape[d] + 1) // 2 if inverse else x.shape[d] // 2 for d in dims), dims


def fftshift(input: Tensor, dim=None) -> Tensor:
    """The zero frequency moved to the centre (a roll by half of each dim)."""
    shifts, dims = _shifts(input, dim, False)
    return input.roll(shifts, dims)


def ifftshift(input: Tensor, dim=None) -> Tensor:
    """The inverse of ``fftshift``."""
    shifts, dims = _shifts(input, dim, True)
    return input.roll(shifts, dims)
