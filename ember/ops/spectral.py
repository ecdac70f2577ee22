"""The short-time Fourier transform and its inverse: ``torch.stft`` and ``torch.istft``.

Both are composed of differentiable ember ops as PyTorch composes them (reflection padding,
frames as a strided view, the window product, one FFT over the frames); the one op of their
own is the overlap-add of istft, PyTorch's ``unfold_backward`` (``UnfoldBackwardBackward0``,
whose backward is ``unfold``). Loaded on first use of ``torch.stft``/``istft`` (through
``ember/__init__.py``'s lazy names), since the FFTs bring ``numpy.fft``.
"""
from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record1
from ._util import check_tensor, tname
from .complex_views import view_as_real
from .fft import fft_c2c, fft_c2r, fft_r2c
from .padding import constant_pad_nd, pad

_WINDOW_STFT = ("A window was not provided. A rectangular window will be applied,which is "
                "known to cause spectral leakage. Other windows such as torch.hann_window or "
                "torch.hamming_window are recommended to reduce spectral leakage.To suppress "
                "this warning and use a rectangular window, explicitly set `window=torch.ones("
                "n_fft, device=<device>)`. (Triggered internally at /__w/pytorch/pytorch/aten/"
                "src/ATen/native/SpectralOps.cpp:835.)")
_WINDOW_ISTFT = ("A window was not provided. A rectangular window will be applied.Please "
                 "provide the same window used by stft to make the inversion lossless.To "
                 "suppress this warning and use a rectangular window, explicitly set `window="
                 "torch.ones(n_fft, device=<device>)`. (Triggered internally at /__w/pytorch/"
                 "pytorch/aten/src/ATen/native/SpectralOps.cpp:1035.)")
_REAL_OUTPUT = ("stft with return_complex=False is deprecated. In a future pytorch release, "
                "stft will return complex tensors for all inputs, and return_complex=False "
                "will raise an error.\nNote: you can still call torch.view_as_real on the "
                "complex output to recover the old return format. (Triggered internally at "
                "/__w/pytorch/pytorch/aten/src/ATen/native/SpectralOps.cpp:874.)")
_PADDED = ("The length of signal is shorter than the length parameter. Result is being padded "
           "with zeros in the tail. Please check your center and hop_length settings. "
           "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/"
           "SpectralOps.cpp:1199.)")


def _opt(v) -> str:
    """An optional argument as PyTorch's messages print it (booleans as 0/1)."""
    return "None" if v is None else str(int(v)) if isinstance(v, (bool, np.bool_)) else str(v)


def _describe(t: Tensor) -> str:
    """A tensor as PyTorch's stft/istft messages print it."""
    dt = t._data.dtype
    if dt.kind == "c":
        return f"CPU{tname(dt)}Type{list(t.shape)}"
    return f"{t.type()}{list(t.shape)}"


def _window_desc(window) -> str:
    return "None" if window is None else f"{window.type()}{{{list(window.shape)}}}"


def _padded_window(window, win_length: int, n_fft: int, like: Tensor):
    """The window centred in ``n_fft`` samples (zeros around it); without a window, the
    rectangular one of ``win_length`` (None when that is all of n_fft: no product needed)."""
    left = (n_fft - win_length) // 2
    if window is None:
        if win_length == n_fft:
            return None
        w = np.zeros(n_fft, like._data.real.dtype)
        w[left:left + win_length] = 1
        return Tensor._wrap(w)
    if win_length == n_fft:
        return window
    return constant_pad_nd(window, (left, n_fft - win_length - left))


def stft(input: Tensor, n_fft: int, hop_length: int | None = None,
         win_length: int | None = None, window: Tensor | None = None, center: bool = True,
         pad_mode: str = "reflect", normalized: bool = False, onesided: bool | None = None,
         return_complex: bool | None = None, align_to_window: bool | None = None) -> Tensor:
    """The short-time Fourier transform of a 1-d signal or a batch of them (2-d): the
    spectra of frames ``n_fft`` long, ``hop_length`` apart, as ``(..., n_fft // 2 + 1 or
    n_fft, frames)``; with ``center`` the signal is first padded by ``n_fft // 2`` on each
    side (``pad_mode``)."""
    check_tensor(input, "stft", pos=1)
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    x = input
    if center:
        sd = x.dim()
        x = pad(x.view([1] * (3 - sd) + list(x.shape)), [n_fft // 2, n_fft // 2], pad_mode)
        x = x.view(x.shape[-sd:] if sd else ())
    hop = n_fft >> 2 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length

    shown = x

    def fail(why: str) -> RuntimeError:
        return RuntimeError(
            f"stft({_describe(shown)}, n_fft={n_fft}, hop_length={hop}, win_length={win}, "
            f"window={_window_desc(window)}, normalized={_opt(bool(normalized))}, onesided="
            f"{_opt(onesided)}, return_complex={_opt(return_complex)}, align_to_window="
            f"{_opt(align_to_window)}) : {why}")

    complex_input = x.is_complex() or (window is not None and window.is_complex())
    if return_complex is None:
        if not complex_input:
            raise RuntimeError("stft requires the return_complex parameter be given for real "
                               "inputs, and will further require that return_complex=True in "
                               "a future PyTorch release.")
    elif not return_complex:
        warnings.warn(_REAL_OUTPUT, UserWarning, stacklevel=2)
    if window is None:
        warnings.warn(_WINDOW_STFT, UserWarning, stacklevel=2)
    if not (x.is_floating_point() or x.is_complex()):
        raise fail("expected a tensor of floating point or complex values")
    if x.dim() not in (1, 2):
        raise fail("expected a 1D or 2D tensor")
    one_d = x.dim() == 1
    if one_d:
        x = x.unsqueeze(0)
    length = x.shape[1]
    if n_fft <= 0 or n_fft > length:
        raise fail(f"expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if hop <= 0:
        raise fail(f"expected hop_length > 0, but got hop_length={hop}")
    if win <= 0 or win > n_fft:
        raise fail(f"expected 0 < win_length <= n_fft, but got win_length={win}")
    if window is not None and (window.dim() != 1 or window.shape[0] != win):
        raise fail(f"expected a 1D window tensor of size equal to win_length={win}, but got "
                   f"window with size {list(window.shape)}")
    w = _padded_window(window, win, n_fft, x)
    if align_to_window and win < n_fft:
        # frames aligned to the window: each frame's window starts hop_length after the last
        left = (n_fft - win) // 2
        x = constant_pad_nd(x, (left, n_fft - win - left))
    frames = x.unfold(-1, n_fft, hop)                     # (batch, frames, n_fft)
    if w is not None:
        frames = frames * w
    if onesided is None:
        onesided = not complex_input
    elif onesided and complex_input:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    norm = 1 if normalized else 0
    if frames.is_complex():
        out = fft_c2c(frames, (2,), norm, True)
    else:
        out = fft_r2c(frames, (2,), norm, bool(onesided))
    out.transpose_(1, 2)               # (in place, as PyTorch: its graph's node names)
    if one_d:
        out.squeeze_(0)
    return out if return_complex is None or return_complex else view_as_real(out)


def istft(input: Tensor, n_fft: int, hop_length: int | None = None,
          win_length: int | None = None, window: Tensor | None = None, center: bool = True,
          normalized: bool = False, onesided: bool | None = None, length: int | None = None,
          return_complex: bool = False) -> Tensor:
    """The inverse of :func:`stft`: each frame's inverse FFT, windowed, overlap-added and
    divided by the overlap-added squared window; ``length`` trims or zero-pads the result."""
    check_tensor(input, "istft", pos=1)
    if window is None:
        warnings.warn(_WINDOW_ISTFT, UserWarning, stacklevel=2)
    hop = n_fft >> 2 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if not input.is_complex():
        raise RuntimeError("istft requires a complex-valued input tensor matching the output "
                           "from stft with return_complex=True.")

    given = onesided

    def fail(why: str) -> RuntimeError:
        # (the reason follows " : ", except the overlap-add one's)
        return RuntimeError(
            f"istft({_describe(input)}, n_fft={n_fft}, hop_length={hop}, win_length={win}, "
            f"window={_window_desc(window)}, center={_opt(bool(center))}, normalized="
            f"{_opt(bool(normalized))}, onesided={_opt(given)}, length={_opt(length)}, "
            f"return_complex={_opt(bool(return_complex))}){why}")

    dim = input.dim()
    if dim not in (2, 3):
        # (PyTorch counts the dims of the real view, one more)
        raise fail(f" : expected a tensor with 3 or 4 dimensions, but got {dim + 1}")
    n_frames = input.shape[-1]
    fft_size = input.shape[-2]
    expected = n_fft + hop * (n_frames - 1)
    onesided = fft_size != n_fft if given is None else given
    if onesided and n_fft // 2 + 1 != fft_size:
        raise fail(" : expected the frequency dimension (3rd to the last) of the input tensor to "
                   f"match n_fft / 2 + 1 when onesided=True, but got {fft_size}")
    if not onesided and n_fft != fft_size:
        raise fail(" : expected the frequency dimension (3rd to the last) of the input tensor to "
                   f"match n_fft when onesided=False, but got {fft_size}")
    if not 0 < hop <= win:
        raise fail(" : expected 0 < hop_length <= win_length")
    if not 0 < win <= n_fft:
        raise fail(" : expected 0 < win_length <= n_fft")
    if window is not None and (window.dim() != 1 or window.shape[0] != win):
        raise fail(" : Invalid window shape. window has to be 1D and length of `win_length`")
    if window is None:
        window = Tensor._wrap(np.ones(win, input._data.real.dtype))
    w = _padded_window(window, win, n_fft, input)
    x = input.unsqueeze(0) if dim == 2 else input
    x = x.transpose(1, 2)                                  # (batch, frames, freq)
    norm = 1 if normalized else 2
    if return_complex:
        if onesided:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        x = fft_c2c(x, (2,), norm, False)
    else:
        if w.is_complex():
            raise RuntimeError("Complex windows are incompatible with return_complex=False")
        if not onesided:
            x = x.narrow(-1, 0, n_fft // 2 + 1)
        x = fft_c2r(x, (2,), norm, n_fft)
    y = overlap_add(x * w.view(1, 1, n_fft), hop)         # (batch, expected)
    envelope = overlap_add(w.pow(2).expand(1, n_frames, n_fft), hop)
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + length
    else:
        end = expected - n_fft // 2 if center else expected
    y = y[:, start:end]
    envelope = envelope[:, start:end]
    if bool((envelope.abs().min() < 1e-11).item()):
        raise fail(" window overlap add min: 1\n[ CPUBoolType{} ]")
    y = y / envelope
    if dim == 2:
        y = y.squeeze(0)
    if end > expected:
        warnings.warn(_PADDED, UserWarning, stacklevel=2)
        y = constant_pad_nd(y, (0, end - expected))
    return y


# =============================================================================================
# overlap-add: PyTorch's unfold_backward along the last dim
# =============================================================================================
def _overlap_add_np(frames: np.ndarray, hop: int) -> np.ndarray:
    """Sum frames ``(..., F, n)`` placed ``hop`` apart into ``(..., n + hop (F - 1))``: one
    pass per ``hop``-wide column block of the frames, whose F pieces do not overlap."""
    *lead, count, n = frames.shape
    total = n + hop * (count - 1) if count else 0
    out = np.zeros((*lead, total + hop), frames.dtype)       # (room for the last block)
    st = out.strides[-1]
    for s in range(0, n, hop):
        h = min(hop, n - s)
        blocks = np.lib.stride_tricks.as_strided(out[..., s:], (*lead, count, h),
                                                 out.strides[:-1] + (hop * st, st))
        blocks += frames[..., s:s + h]
    return out[..., :total]


def overlap_add(frames, hop: int):
    """Frames ``(..., F, n)`` overlap-added ``hop`` apart (differentiable)."""
    if anp.is_array(frames):
        return _overlap_add_np(frames, hop)
    r = _overlap_add_np(frames._data, hop)
    if STATE.enabled and frames._rg:
        node = UnfoldBackwardBackward0()
        node.size = frames._data.shape[-1]
        node.hop = hop
        return record1(node, r, frames)
    return Tensor._wrap(r)


class UnfoldBackwardBackward0(Node):
    __slots__ = ("hop", "size")

    def backward(self, grad):          # the adjoint of overlap-add: the frames again
        if anp.is_array(grad):
            v = np.lib.stride_tricks.sliding_window_view(grad, self.size, axis=-1)
            return np.ascontiguousarray(v[..., ::self.hop, :]),
        return grad.unfold(-1, self.size, self.hop),
