"""Convolution and transposed convolution (1-d, 2-d, 3-d), with ``ConvolutionBackward0``.

The forward pass is one GEMM over one copy of a strided window view of the zero-padded
input (im2col without a Python loop over pixels or batch elements). The gradient of a
convolution with respect to its input is a transposed convolution: one GEMM from the output
gradient to the window columns, then a scatter-add of the columns into the input, looping
only over the kernel's offsets (few and fixed); with unit stride and many input channels, a
plain convolution of the padded gradient instead. The weight gradient is one more GEMM over
the forward's windows.
A transposed convolution runs these kernels the other way round, so both share one node.

For double backward the node's formula calls the three kernels through dispatchers that take
NumPy arrays (an ordinary backward) or tensors (``create_graph=True``); on tensors they are
convolutions themselves, so the graph of the gradient is differentiable again.
"""
from __future__ import annotations

import sys
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record

__all__ = ["convolution", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
           "conv_transpose2d", "conv_transpose3d", "window_view", "ntuple"]

_wrap = Tensor._wrap


# -- window helpers (shared with pooling) -----------------------------------------------------
def ntuple(v, n: int, name: str = "") -> tuple:
    """``v`` as an ``n``-tuple of ints (an int is repeated)."""
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    t = tuple(int(a) for a in v)
    if len(t) == 1 and n > 1:
        return t * n
    if len(t) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} "
                           f"values to match the convolution dimensions, but got "
                           f"{name}={list(t)}")
    return t


def out_size(size: int, k: int, s: int, p: int, d: int, ceil: bool = False) -> int:
    """Output length of a window sweep (PyTorch's formula, ceil_mode as in pooling)."""
    span = size + 2 * p - d * (k - 1) - 1
    if not ceil:
        return span // s + 1
    o = -(-span // s) + 1
    # the last window must start inside the input or left padding (PyTorch's rule)
    if (o - 1) * s >= size + p:
        o -= 1
    return o


def window_view(xp: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple,
                out: tuple | None = None) -> np.ndarray:
    """Read-only view ``(..., *out, *kernel)`` of the windows of ``xp``'s last dims."""
    n = len(kernel)
    sp = xp.shape[-n:]
    if out is None:
        out = tuple((sp[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
                    for i in range(n))
    st = xp.strides
    lead = xp.shape[:-n]
    strides = (st[:-n] + tuple(st[-n + i] * stride[i] for i in range(n))
               + tuple(st[-n + i] * dilation[i] for i in range(n)))
    return as_strided(xp, lead + tuple(out) + tuple(kernel), strides, writeable=False)


def zero_pad(x: np.ndarray, padding: tuple, value=0) -> np.ndarray:
    """``x`` with ``padding[i]`` elements of ``value`` on both sides of its last dims."""
    if not any(padding):
        return x
    n = len(padding)
    out = np.full(x.shape[:-n] + tuple(s + 2 * p for s, p in zip(x.shape[-n:], padding)),
                  value, dtype=x.dtype)
    out[(Ellipsis,) + tuple(slice(p, p + s) for s, p in zip(x.shape[-n:], padding))] = x
    return out


def _prod(t) -> int:
    r = 1
    for v in t:
        r *= v
    return r


# -- big scratch buffers ----------------------------------------------------------------------
# glibc serves blocks over 32 MiB straight from the kernel and returns them on free, so each
# fresh window matrix of a larger layer page-faults once per 4 KiB page (about a third of its
# GEMM's time). A training step frees and asks again for the same sizes: a few freed buffers
# are kept for the next request.
_BIG = 1 << 25
_IN_CACHE = 8 << 20      # about a quarter of a common L3 cache
_SPARE: list = []
_SPARE_LOCK = threading.Lock()     # backward passes may run in several threads


def _scratch(shape: tuple, dtype) -> np.ndarray:
    """An uninitialised C-ordered array, from the spare buffers when it is big."""
    dtype = np.dtype(dtype)
    nbytes = _prod(shape) * dtype.itemsize
    if nbytes >= _BIG:
        with _SPARE_LOCK:
            for i in range(len(_SPARE) - 1, -1, -1):
                b = _SPARE[i]
                if nbytes <= b.nbytes <= 2 * nbytes:
                    del _SPARE[i]
                    return b[:nbytes].view(dtype).reshape(shape)
    return np.empty(shape, dtype)


def _counts(a) -> tuple:
    root = a.base
    return sys.getrefcount(a), sys.getrefcount(root)


def _calibrate() -> tuple:
    # the reference counts, as this interpreter reports them, of a view held by one caller's
    # name and passed down as ``_recycle`` passes it, and of its unshared base (any other view
    # or holder adds one)
    def recycle_like(a):
        root = a.base  # noqa: F841  (held as _recycle holds it)
        return _counts(a)
    v = np.empty(4).reshape(2, 2)
    return recycle_like(v)


_ALONE = _calibrate()


def _recycle(a) -> None:
    """Keep the buffer under the view ``a`` for ``_scratch`` if nothing else can see it."""
    root = None if a is None else a.base
    if (not isinstance(root, np.ndarray) or root.base is not None or root.nbytes < _BIG
            or _counts(a) > _ALONE):
        return
    with _SPARE_LOCK:
        if len(_SPARE) >= 2:
            del _SPARE[0]
        _SPARE.append(root.reshape(-1).view(np.uint8))


# -- NumPy kernels ----------------------------------------------------------------------------
# Layout: the window matrix is (G, Cg*K, N*L) -- per group, one row per (input channel, kernel
# offset), one column per (batch element, output position) -- copied once from a strided view
# of the padded NC* input. Each product below is then ONE large GEMM per group: many small
# per-batch-element GEMMs would synchronise BLAS's threads once each, which costs tenfold on
# a loaded machine. Only the (small) output and output gradient change layout.
def _batch_last(x, O: int, kernel, out) -> bool:
    """Whether the window matrix takes the batch innermost, columns ordered (position, batch
    element): on an input transposed to (C, *S, N) each window row is then one run of
    out_w * N elements where the NC* layout gives runs of out_w (NumPy's per-run overhead:
    LeNet's 2nd layer copied its windows in 770 us, now 130). It pays when those runs are many
    and short next to the two transposes it adds, of the input and the output (per batch
    element: C*S and O*L elements), and when the matrix stays in cache."""
    N, C = x.shape[:2]
    L = _prod(out)
    runs = C * _prod(kernel) * (L // out[-1] if out[-1] else 0)
    return (5 * runs > C * _prod(x.shape[2:]) + O * L
            and C * _prod(kernel) * L * N * x.itemsize < _IN_CACHE)


def _columns(x, kernel, stride, padding, dilation, groups, out=None, last=False):
    """The im2col matrix ``(G, Cg*K, N*L)`` of ``x`` (one copy of the windows); with
    ``last``, ``(G, Cg*K, L*N)``, the batch innermost (``_batch_last``)."""
    n = len(kernel)
    xp = zero_pad(x, padding)
    N, C = x.shape[:2]
    cg = C // groups
    if out is None:
        sp = xp.shape[2:]
        out = tuple((sp[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
                    for i in range(n))
    if last:
        xp = np.ascontiguousarray(np.moveaxis(xp, 0, -1))      # (C, *Sp, N)
        st = xp.strides
        v = as_strided(xp, (groups, cg) + tuple(kernel) + tuple(out) + (N,),
                       (st[0] * cg, st[0]) + tuple(st[1 + i] * dilation[i] for i in range(n))
                       + tuple(st[1 + i] * stride[i] for i in range(n)) + (st[-1],),
                       writeable=False)
        cols = _scratch(v.shape, x.dtype)
        np.copyto(cols, v)
        return cols.reshape(groups, cg * _prod(kernel), N * _prod(out)), tuple(out)
    st = xp.strides
    v = as_strided(xp, (N, groups, cg) + tuple(kernel) + tuple(out),
                   (st[0], st[1] * cg, st[1]) + tuple(st[2 + i] * dilation[i] for i in range(n))
                   + tuple(st[2 + i] * stride[i] for i in range(n)), writeable=False)
    # (N, G, Cg, *K, *out) -> (G, Cg, *K, N, *out), copied into a C-ordered buffer (np.array
    # would keep the view's overlapping stride order and reshape would copy again)
    cols = _scratch((groups, cg) + tuple(kernel) + (N,) + tuple(out), x.dtype)
    np.copyto(cols, v.transpose((1, 2) + tuple(range(3, 3 + n)) + (0,)
                                + tuple(range(3 + n, 3 + 2 * n))))
    return cols.reshape(groups, cg * _prod(kernel), N * _prod(out)), tuple(out)


def _by_group(g, groups, last=False):
    """(N, O, *out) -> (G, O/G, N*L), the layout of the GEMM results (one copy); with
    ``last``, (G, O/G, L*N)."""
    N, O = g.shape[:2]
    L = _prod(g.shape[2:])
    g = g.reshape(N, groups, O // groups, L)
    g = g.transpose(1, 2, 3, 0) if last else g.transpose(1, 2, 0, 3)
    return np.ascontiguousarray(g).reshape(groups, O // groups, N * L)


def _conv_np(x, w, stride, padding, dilation, groups, keep=None, bias=None):
    """Cross-correlation of ``x`` (N, C, *S) with ``w`` (O, C/G, *K), plus ``bias`` (O,) if
    given; the window matrix and whether its batch is innermost are appended to the list
    ``keep`` when one is given (the weight gradient reuses it)."""
    N, O = x.shape[0], w.shape[0]
    kernel = w.shape[2:]
    osz = tuple(out_size(x.shape[2 + i], kernel[i], stride[i], padding[i], dilation[i])
                for i in range(len(kernel)))
    last = _batch_last(x, O, kernel, osz)
    cols, osz = _columns(x, kernel, stride, padding, dilation, groups, osz, last)
    if keep is not None:
        keep += (cols, last)
    # sizes spelled out (not -1): a weight may be empty
    r = np.matmul(w.reshape(groups, O // groups, _prod(w.shape[1:])), cols)  # (G, O/G, NL)
    if last:
        r = r.reshape(O, _prod(osz), N).transpose(2, 0, 1)
    else:
        r = r.reshape(O, N, _prod(osz)).transpose(1, 0, 2)
    out = np.empty((N, O, _prod(osz)), dtype=r.dtype)
    if bias is None:
        np.copyto(out, r)
    else:       # the bias joins in the pass that reorders the product (one pass less)
        np.add(r, bias.reshape(1, O, 1), out=out)
    return out.reshape((N, O) + osz)


def _conv_input_grad_np(g, w, in_size, stride, padding, dilation, groups, gt=None,
                        last=False):
    """The adjoint of ``_conv_np`` in ``x``: ``g`` (N, O, *out) to (N, C, *in_size): one GEMM
    to the window columns, then one strided add per kernel offset (col2im); ``gt``: ``g`` in
    the GEMM's layout (``_by_group(g, groups, last)``), if the caller has it."""
    N, O = g.shape[:2]
    osz = tuple(g.shape[2:])
    kernel = tuple(w.shape[2:])
    n = len(kernel)
    cg, og = w.shape[1], O // groups
    full = tuple(d * (k - 1) - p for d, k, p in zip(dilation, kernel, padding))
    if 3 * cg >= 2 * og and all(s == 1 for s in stride) and min(full) >= 0 and all(
            o + 2 * f - d * (k - 1) == s
            for o, f, d, k, s in zip(osz, full, dilation, kernel, in_size)):
        # unit stride, at least as many input channels as filters: a plain convolution of
        # the padded gradient with the flipped, channel-swapped kernel moves less memory
        # than col2im's K*C-row product and its K adds
        wf = w.reshape((groups, og, cg) + kernel).swapaxes(1, 2)
        wf = wf.reshape((groups * cg, og) + kernel)[(Ellipsis,) + (slice(None, None, -1),) * n]
        return _conv_np(g, np.ascontiguousarray(wf), stride, full, dilation, groups)
    kp, L = _prod(kernel), _prod(osz)
    # (O, Cg, *K) -> (G, K*Cg, O/G): rows ordered so that each kernel offset's rows are one
    # contiguous slab of the product
    wt = w.reshape(groups, og, cg, kp).transpose(0, 3, 2, 1).reshape(groups, kp * cg, og)
    pad = tuple(s + 2 * p for s, p in zip(in_size, padding))
    inner = groups * kp * cg * L * N * g.itemsize < _IN_CACHE
    if inner:
        # a product that stays in cache: the batch goes innermost, so each offset's add
        # runs along rows of out_w * N elements, not out_w (NumPy's per-row overhead
        # dominated small layers such as LeNet's); large ones keep the batch outside, where
        # the extra transposes of g and gx would cost more memory traffic than they save
        gl = gt if gt is not None and last else _by_group(g, groups, True)
        cols = np.matmul(wt, gl)
        cols = cols.reshape((groups, kp, cg) + osz + (N,))
        gx = np.zeros((groups, cg) + pad + (N,), dtype=g.dtype)
        pre = (slice(None),) * 2
    elif n > 1 and all(s == 1 for s in stride):
        return _col2im_flat(g, wt, kernel, pad, in_size, padding, dilation, groups)
    else:
        gt = _by_group(g, groups) if gt is None or last else gt
        cols = np.matmul(wt, gt, out=_scratch((groups, kp * cg, gt.shape[2]), g.dtype))
        cols = cols.reshape((groups, kp, cg, N) + osz)
        gx = np.zeros((groups, cg, N) + pad, dtype=g.dtype)
        pre = (slice(None),) * 3
    for k, kk in enumerate(np.ndindex(*kernel)):
        dst = tuple(slice(kk[i] * dilation[i], kk[i] * dilation[i]
                          + stride[i] * (osz[i] - 1) + 1, stride[i]) for i in range(n))
        gx[pre + dst] += cols[:, k]
    _recycle(cols)
    del cols
    # (G, Cg, [N], *Sp, [N]) -> (N, G*Cg, *S), the padding cut off
    gx = gx[pre + tuple(slice(p, p + s) for s, p in zip(in_size, padding))]
    sp = tuple(range(len(pre), len(pre) + n))
    gx = np.ascontiguousarray(gx.transpose((2 + n, 0, 1) + sp if inner else (2, 0, 1) + sp))
    return gx.reshape((N, groups * cg) + tuple(in_size))


def _col2im_flat(g, wt, kernel, pad, in_size, padding, dilation, groups):
    """col2im for unit stride with each (channel, batch element) plane flattened: ``g`` is
    widened to the padded input's row length (zeros past the output), so every kernel
    offset's add is one contiguous run per plane at a fixed flat offset instead of one short
    run per output row (NumPy's per-row overhead was half of conv2's input gradient in the
    MNIST net). The widened product costs pad/out more GEMM columns (26/24 there)."""
    N, O = g.shape[:2]
    osz = g.shape[2:]
    n, og = len(osz), O // groups
    cg = wt.shape[1] // _prod(kernel)
    # row strides of the flattened padded plane; the runs read past its end by at most
    # ``tail`` elements, which only the zero columns of the widened g reach
    st = [1] * n
    for i in range(n - 2, -1, -1):
        st[i] = st[i + 1] * pad[i + 1]
    run = osz[0] * st[0]
    tail = sum((k - 1) * d * s for k, d, s in zip(kernel[1:], dilation[1:], st[1:]))
    gw = _scratch((groups, og, N, osz[0]) + tuple(pad[1:]), g.dtype)
    for i in range(1, n):       # zeros past the output only: the rest is copied over
        gw[(Ellipsis, slice(osz[i], None)) + (slice(None),) * (n - 1 - i)] = 0
    gw[(Ellipsis,) + tuple(slice(0, o) for o in osz[1:])] = g.reshape(
        (N, groups, og) + tuple(osz)).transpose((1, 2, 0) + tuple(range(3, 3 + n)))
    cols = np.matmul(wt, gw.reshape(groups, og, N * run),
                     out=_scratch((groups, wt.shape[1], N * run), g.dtype))
    _recycle(gw)
    del gw
    cols = cols.reshape(groups, len(cols[0]) // cg, cg, N, run)
    gx = np.zeros((groups, cg, N, pad[0] * st[0] + tail), dtype=g.dtype)
    for k, kk in enumerate(np.ndindex(*kernel)):
        off = sum(kk[i] * dilation[i] * st[i] for i in range(n))
        gx[..., off:off + run] += cols[:, k]
    _recycle(cols)
    del cols
    gx = gx[..., :pad[0] * st[0]].reshape((groups, cg, N) + tuple(pad))
    gx = gx[(Ellipsis,) + tuple(slice(p, p + s) for s, p in zip(in_size, padding))]
    gx = np.ascontiguousarray(gx.transpose((2, 0, 1) + tuple(range(3, 3 + n))))
    return gx.reshape((N, groups * cg) + tuple(in_size))


def _conv_weight_grad_np(x, g, kernel, stride, padding, dilation, groups, cols=None,
                         gt=None, last=False):
    """The adjoint of ``_conv_np`` in ``w``: sum over batch and positions of g x windows
    (``cols``: the forward's window matrix, ``gt``: ``g`` in the GEMM's layout, if kept;
    ``last``: whether both have the batch innermost)."""
    O = g.shape[1]
    cg = x.shape[1] // groups
    if cols is None:
        fresh = _batch_last(x, O, kernel, g.shape[2:])
        if fresh != last:
            gt, last = None, fresh
        cols, _ = _columns(x, kernel, stride, padding, dilation, groups, g.shape[2:], last)
    # as (G, Cg*K, O/G): with the long N*L sum as the inner dimension of both operands,
    # OpenBLAS's two threads spent ten times the CPU time on the (O/G, Cg*K) orientation
    gt = _by_group(g, groups, last) if gt is None else gt
    gw = np.matmul(cols, gt.swapaxes(1, 2))
    return np.ascontiguousarray(gw.swapaxes(1, 2)).reshape((O, cg) + tuple(kernel))


# -- dispatchers: NumPy kernels on arrays, differentiable convolutions on tensors --------------
def _conv_fwd(x, w, stride, padding, dilation, groups):
    if anp.is_array(x):
        return _conv_np(x, w, stride, padding, dilation, groups)
    return _convolution(x, w, None, stride, padding, dilation, False,
                        (0,) * len(stride), groups)


def _grad_layout(g, groups, both: bool, last: bool):
    """The output gradient in the GEMMs' layout, made once when both gradients use it (on
    arrays; tensors use convolutions and need none)."""
    return _by_group(g, groups, last) if both and anp.is_array(g) else None


def _conv_input_grad(g, w, in_size, stride, padding, dilation, groups, gt=None, last=False):
    if anp.is_array(g):
        return _conv_input_grad_np(g, w, in_size, stride, padding, dilation, groups, gt,
                                   last)
    k = w.shape[2:]
    # the output_padding that makes the transposed convolution reach in_size
    op = tuple(in_size[i] - ((g.shape[2 + i] - 1) * stride[i] - 2 * padding[i]
                             + dilation[i] * (k[i] - 1) + 1) for i in range(len(k)))
    return _convolution(g, w, None, stride, padding, dilation, True, op, groups)


def _conv_weight_grad(x, g, kernel, stride, padding, dilation, groups, cols=None, gt=None,
                      last=False):
    if anp.is_array(x):
        return _conv_weight_grad_np(x, g, kernel, stride, padding, dilation, groups, cols, gt,
                                    last)
    # As a convolution: batch and channels of x swap roles, g becomes the kernel, and the
    # stride and dilation exchange places; the result is cut back to the kernel's size.
    n = len(kernel)
    N, C = x.shape[:2]
    O = g.shape[1]
    cg, og = C // groups, O // groups
    sp = tuple(range(3, 3 + n))
    xs = x.reshape((N, groups, cg) + tuple(x.shape[2:])).permute((2, 1, 0) + sp)
    xs = xs.reshape((cg, groups * N) + tuple(x.shape[2:]))
    gs = g.reshape((N, groups, og) + tuple(g.shape[2:])).permute((1, 2, 0) + sp)
    gs = gs.reshape((O, N) + tuple(g.shape[2:]))
    r = _convolution(xs, gs, None, dilation, padding, stride, False, (0,) * n, groups)
    r = r[(slice(None), slice(None)) + tuple(slice(0, k) for k in kernel)]
    return r.permute((1, 0) + tuple(range(2, 2 + n)))


# -- the op -----------------------------------------------------------------------------------
def _convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                 groups) -> Tensor:
    """Convolution on checked arguments (PyTorch's ``aten::convolution``)."""
    x, w = input._data, weight._data
    if transposed:
        k = w.shape[2:]
        size = tuple((x.shape[2 + i] - 1) * stride[i] - 2 * padding[i]
                     + dilation[i] * (k[i] - 1) + 1 + output_padding[i] for i in range(len(k)))
        r = _conv_input_grad_np(x, w, size, stride, padding, dilation, groups)
        if bias is not None:
            r += bias._data.reshape((-1,) + (1,) * (r.ndim - 2))
    else:
        # the window matrix is kept for the weight gradient (one im2col less per step)
        keep = [] if STATE.enabled and weight._rg else None
        r = _conv_np(x, w, stride, padding, dilation, groups, keep,
                     None if bias is None else bias._data)
    inputs = (input, weight, bias)
    if STATE.enabled and any(t is not None and t._rg for t in inputs):
        node = ConvolutionBackward0()
        node.stride, node.padding, node.dilation = stride, padding, dilation
        node.transposed, node.output_padding, node.groups = transposed, output_padding, groups
        node.has_bias = bias is not None
        t = record(node, r, inputs)
        node.in_size, node.kernel = x.shape[2:], w.shape[2:]
        node.cols, node.cols_last = keep if not transposed and keep else (None, False)
        node.save(input if weight._rg else None, weight if input._rg else None)
        return t
    return _wrap(r)


class ConvolutionBackward0(Node):
    __slots__ = ("stride", "padding", "dilation", "transposed", "output_padding", "groups",
                 "has_bias", "in_size", "kernel", "cols", "cols_last")
    _saved_names = ("input", "weight")

    def _release_extra(self) -> None:
        cols, self.cols = self.cols, None
        _recycle(cols)

    def backward(self, grad):
        x, w = self.saved()
        s, p, d, g = self.stride, self.padding, self.dilation, self.groups
        need = self.next_functions
        gx = gw = gb = None
        if self.transposed:      # y = adjoint of conv(., w) applied to x
            if need[0][0] is not None:
                gx = _conv_fwd(grad, w, s, p, d, g)
            if need[1][0] is not None:
                gw = _conv_weight_grad(grad, x, self.kernel, s, p, d, g)
        else:
            last = self.cols_last
            gt = _grad_layout(grad, g, need[0][0] is not None and need[1][0] is not None, last)
            if need[0][0] is not None:
                gx = _conv_input_grad(grad, w, self.in_size, s, p, d, g, gt, last)
            if need[1][0] is not None:
                gw = _conv_weight_grad(x, grad, self.kernel, s, p, d, g, self.cols, gt, last)
        if self.has_bias and need[2][0] is not None:
            gb = anp.sum(grad, (0,) + tuple(range(2, grad.ndim)))
        return gx, gw, gb


def _check(input, weight, bias, stride, padding, dilation, groups, transposed,
           output_padding, n: int, fname: str):
    """PyTorch's argument checks; returns the arguments as tuples and the batched input."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, ...)")
    nd = input.ndim
    if nd not in (n + 1, n + 2):
        raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to "
                           f"{fname}, but got input of size: {list(input.shape)}")
    if weight.ndim != n + 2:
        raise RuntimeError("weight should have at least three dimensions" if weight.ndim < 3
                           else f"Expected {n + 2}-dimensional input for {n + 2}-dimensional "
                           f"weight {list(weight.shape)}, but got {nd}-dimensional input of "
                           f"size {list(input.shape)} instead")
    batched = nd == n + 2
    x = input if batched else input.unsqueeze(0)
    stride = ntuple(stride, n, "stride")
    dilation = ntuple(dilation, n, "dilation")
    output_padding = ntuple(output_padding, n, "output_padding")
    ws = list(weight.shape)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if transposed:
            raise RuntimeError("padding string is not supported for transposed convolution")
        if padding == "same" and any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
    else:
        padding = ntuple(padding, n, "padding")
        if any(p < 0 for p in padding):
            raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if x.dtype != weight.dtype:
        raise RuntimeError(f"expected scalar type {x.dtype._legacy[:-6]} but found "
                           f"{weight.dtype._legacy[:-6]}")
    if x._data.dtype.kind != "f":
        raise RuntimeError(f'"slow_conv2d_cpu" not implemented for \'{x.dtype._legacy[:-6]}\'')
    c = x.shape[1]
    if ws[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at "
                           f"dimension 0, but got weight of size {ws} instead")
    if ws[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size [{ws}] instead")
    if transposed:
        if ws[0] != c:
            raise RuntimeError(f"Given transposed=1, weight of size {ws}, expected input"
                               f"{list(x.shape)} to have {ws[0]} channels, but got {c} "
                               f"channels instead")
        out_c = ws[1] * groups
        if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_c):
            raise RuntimeError(f"Given transposed=1, weight of size {ws}, expected bias to be "
                               f"1-dimensional with {out_c} elements, but got bias of size "
                               f"{list(bias.shape)} instead")
        if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
            hw = ("height", "width") if n == 2 else ("depth", "height", "width")[-n:] \
                if n == 3 else ("width",)
            raise RuntimeError(
                "output padding must be smaller than either stride or dilation, but got "
                + " ".join(f"output_padding_{h}: {v}" for h, v in zip(hw, output_padding))
                + " " + " ".join(f"stride_{h}: {v}" for h, v in zip(hw, stride))
                + " " + " ".join(f"dilation_{h}: {v}" for h, v in zip(hw, dilation)))
    else:
        if ws[1] * groups != c:
            raise RuntimeError(f"Given groups={groups}, weight of size {ws}, expected input"
                               f"{list(x.shape)} to have {ws[1] * groups} channels, but got "
                               f"{c} channels instead")
        out_c = ws[0]
        if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_c):
            raise RuntimeError(f"Given weight of size {ws}, expected bias to be 1-dimensional "
                               f"with {out_c} elements, but got bias of size "
                               f"{list(bias.shape)} instead")
    if bias is not None and bias.dtype != x.dtype:
        raise RuntimeError(f"expected scalar type {x.dtype._legacy[:-6]} but found "
                           f"{bias.dtype._legacy[:-6]}")
    k = ws[2:]
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * n
        else:
            # 'same': total padding d*(k-1); an odd total puts the extra element on the right,
            # which a symmetric convolution cannot express, so pad that side explicitly
            total = [d * (kk - 1) for d, kk in zip(dilation, k)]
            if min(total) < 0:    # an empty kernel: PyTorch's padding slice fails
                raise RuntimeError("narrow(): length must be non-negative.")
            if any(t % 2 for t in total):
                extra = []
                for t in reversed(total):
                    extra += [0, t % 2]
                from .padding import pad as _pad
                x = _pad(x, extra)
            padding = tuple(t // 2 for t in total)
    if not transposed:
        sp = x.shape[2:]
        if any(s + 2 * p < d * (kk - 1) + 1 for s, p, d, kk in zip(sp, padding, dilation, k)):
            padded = " x ".join(str(s + 2 * p) for s, p in zip(sp, padding))
            ks = " x ".join(str(d * (kk - 1) + 1) for d, kk in zip(dilation, k))
            raise RuntimeError(f"Calculated padded input size per channel: ({padded}). Kernel "
                               f"size: ({ks}). Kernel size can't be greater than actual input "
                               f"size")
    if x.shape[0] and c and 0 in x.shape:
        # an empty spatial dim: PyTorch computes empty outputs only for empty batches/channels
        # PyTorch runs a 1-d convolution as a 2-d one of unit height, and names that shape
        shown = list(x.shape[:2]) + [1] * (n == 1) + list(x.shape[2:])
        raise RuntimeError(f"Only zero batch or zero channel inputs are supported, but got "
                           f"input shape: {shown}")
    if transposed:
        sp = x.shape[2:]
        osz = [(i - 1) * s - 2 * p + d * (kk - 1) + o + 1
               for i, s, p, d, kk, o in zip(sp, stride, padding, dilation, k, output_padding)]
        if min(osz) < 1:
            raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, sp))}). "
                               f"Calculated output size per channel: "
                               f"({' x '.join(map(str, osz))}). Output size is too small")
    return x, batched, stride, padding, dilation, output_padding


def _conv(input, weight, bias, stride, padding, dilation, groups, n, fname):
    x, batched, stride, padding, dilation, op = _check(
        input, weight, bias, stride, padding, dilation, groups, False, 0, n, fname)
    r = _convolution(x, weight, bias, stride, padding, dilation, False, op, groups)
    return r if batched else r.squeeze(0)


def _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, n, fname):
    x, batched, stride, padding, dilation, op = _check(
        input, weight, bias, stride, padding, dilation, groups, True, output_padding, n, fname)
    r = _convolution(x, weight, bias, stride, padding, dilation, True, op, groups)
    return r if batched else r.squeeze(0)


def convolution(input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding, dilation,
                transposed: bool, output_padding, groups: int) -> Tensor:
    """``torch.convolution``: any of the convolutions below, chosen by its arguments."""
    n = weight.ndim - 2
    if transposed:
        return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation,
                       n, "conv_transpose")
    return _conv(input, weight, bias, stride, padding, dilation, groups, n, f"conv{n}d")


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """1-d cross-correlation of ``input`` (N, C, L) with ``weight`` (O, C/groups, k)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """2-d cross-correlation of ``input`` (N, C, H, W) with ``weight`` (O, C/groups, kh, kw)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """3-d cross-correlation of ``input`` (N, C, D, H, W) with ``weight`` (O, C/groups, *k)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """The transposed (fractionally strided) 1-d convolution; ``weight`` is (C, O/groups, k)."""
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                   "conv_transpose1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """The transposed 2-d convolution (gradient of conv2d in its input), plus ``bias``."""
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                   "conv_transpose2d")


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """The transposed 3-d convolution."""
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 3,
                   "conv_transpose3d")
