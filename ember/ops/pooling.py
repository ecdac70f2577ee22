"""Pooling: max, average and adaptive average pooling over 1, 2 or 3 trailing dims.

Max and average pooling reduce a strided window view of the padded input (no copy for the
average; one for the max, whose argmax keeps the first maximum in window order, the element
PyTorch picks on ties). Their gradients add window values back into the input by looping over
the kernel's offsets. Adaptive average pooling is a linear map per spatial dim (each output
averages a range of inputs), applied as one small matrix product per dim; its gradient applies
the transposed matrices. 1-d pooling runs the 2-d op on an unsqueezed input, as PyTorch does.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record1
from .conv import _conv_input_grad, _prod, ntuple, out_size, window_view

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "separable", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "adaptive_max_pool1d", "adaptive_max_pool2d",
           "adaptive_max_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d", "lp_pool1d",
           "lp_pool2d", "lp_pool3d", "local_response_norm"]

_wrap = Tensor._wrap


def _padded(x: np.ndarray, kernel, stride, padding, dilation, out, value) -> np.ndarray:
    """``x`` padded with ``value``: ``padding`` on the left, and on the right whatever the last
    window needs (ceil_mode windows may run past the padding)."""
    n = len(kernel)
    sp = x.shape[-n:]
    hi = [max((out[i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 - sp[i] - padding[i],
              0) for i in range(n)]
    if not any(padding) and not any(hi):
        return x
    xp = np.full(x.shape[:-n] + tuple(sp[i] + padding[i] + hi[i] for i in range(n)), value,
                 dtype=x.dtype)
    xp[(Ellipsis,) + tuple(slice(p, p + s) for p, s in zip(padding, sp))] = x
    return xp


def _pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, n: int, fname: str):
    """PyTorch's checks for (max|avg)_pool; returns the tuples and output spatial sizes."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    kernel = ntuple(kernel_size, n, "kernel_size")
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else ntuple(stride, n, "stride")
    padding = ntuple(padding, n, "padding")
    dilation = ntuple(dilation, n, "dilation")
    shape = input.shape
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"non-empty {n + 1}D or {n + 2}D (batch mode) tensor expected for "
                           f"input")
    if any(s == 0 for s in shape[-n - 1:]):
        # only the batch may be empty; each kernel words the refusal its own way
        if fname == "max_pool1d":
            got = list(shape[:-2]) + [shape[-1]]      # the input before its unit height
            raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with "
                               f"optional 0 dim batch size for input, but got:{got}")
        if n == 2:
            raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
                               f"size for input, but got:{list(shape)}")
        where = "max_pool3d_with_indices_out_cpu_template()" if fname == "max_pool3d" \
            else f"{fname}()"
        # PyTorch prints the empty dim's length (0) where it means its index
        raise RuntimeError(f"{where}: Expected input's non-batch dimensions to have positive "
                           f"length, but input has a shape of {list(shape)} and non-batch "
                           f"dimension 0 has length zero!")
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"kernel_size must be greater than zero, but got {list(kernel)}")
    if fname == "avg_pool3d" and any(s < k for s, k in zip(shape[-3:], kernel)):
        t, h, w = shape[-3:]
        raise RuntimeError(f"input image (T: {t} H: {h} W: {w}) smaller than kernel size "
                           f"(kT: {kernel[0]} kH: {kernel[1]} kW: {kernel[2]})")
    for k, p, d in zip(kernel, padding, dilation):
        if p < 0 or p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")
    sp = shape[-n:]
    out = tuple(out_size(sp[i], kernel[i], stride[i], padding[i], dilation[i], ceil_mode)
                for i in range(n))
    if any(o <= 0 for o in out):
        c = shape[-n - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(str(s) for s in (c,) + sp)}). "
                           f"Calculated output size: ({'x'.join(str(s) for s in (c,) + out)}). "
                           f"Output size is too small")
    return kernel, stride, padding, dilation, out


# -- scatter of windows back into the input --------------------------------------------------
def _scatter_windows_np(cols, kernel, stride, padding, dilation, in_size, out):
    """Add ``cols`` (..., *out, *kernel) into the (padded) input positions each window read."""
    n = len(kernel)
    lead = cols.shape[:-2 * n]
    if (tuple(stride) == tuple(kernel) and not any(padding) and all(d == 1 for d in dilation)
            and all(o * k == s for o, k, s in zip(out, kernel, in_size))):
        # windows tile the input exactly: interleave (out, kernel) pairs back into place
        m = len(lead)
        perm = tuple(range(m)) + tuple(a for i in range(n) for a in (m + i, m + n + i))
        return np.ascontiguousarray(cols.transpose(perm)).reshape(lead + tuple(in_size))
    ext = tuple(max((out[i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1,
                    in_size[i] + padding[i]) for i in range(n))
    gx = np.zeros(lead + ext, dtype=cols.dtype)
    pre = (slice(None),) * len(lead)
    for kk in np.ndindex(*kernel):
        dst = tuple(slice(kk[i] * dilation[i], kk[i] * dilation[i]
                          + stride[i] * (out[i] - 1) + 1, stride[i]) for i in range(n))
        gx[pre + dst] += cols[(Ellipsis,) + kk]
    return gx[(Ellipsis,) + tuple(slice(p, p + s) for p, s in zip(padding, in_size))]


# -- max pooling ------------------------------------------------------------------------------
# The maximum and its window offset are found with one pass per kernel offset over strided
# views (no window copy, no argmax along a short last axis), by PyTorch's own rule: a later
# element replaces the running maximum if it is greater or NaN -- the first maximum wins a
# tie (and keeps its zero's sign), the last NaN wins among NaNs. The offset is kept as a small
# integer array; flat indices are built only when asked for.
def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, n: int, fname: str,
              want_index: bool = True):
    kernel, stride, padding, dilation, out = _pool_args(
        input, kernel_size, stride, padding, dilation, ceil_mode, n, fname)
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f'"max_pool{n}d" not implemented for \'{input.dtype._legacy[:-6]}\'')
    v = window_view(_padded(x, kernel, stride, padding, dilation, out, -np.inf),
                    kernel, stride, dilation, out)
    offsets = list(np.ndindex(*kernel))
    need_arg = want_index or (STATE.enabled and input._rg)
    val = v[(Ellipsis,) + offsets[0]].copy()
    arg = np.zeros(val.shape, dtype=np.int16 if len(offsets) < 2 ** 15 else np.intp) \
        if need_arg else None
    up = np.empty(val.shape, dtype=bool)
    if _plain(x):
        # without NaN or -0.0, np.maximum is the rule exactly; the offset only moves up, so
        # a running maximum of (replaced) * k tracks it -- branch-free passes
        tmp = np.empty(val.shape, dtype=arg.dtype) if need_arg else None
        for k in range(1, len(offsets)):
            xk = v[(Ellipsis,) + offsets[k]]
            if need_arg:
                np.greater(xk, val, out=up)
                np.multiply(up, k, out=tmp)
                np.maximum(arg, tmp, out=arg)
            np.maximum(val, xk, out=val)
    else:
        for k in range(1, len(offsets)):
            xk = v[(Ellipsis,) + offsets[k]]
            np.greater(xk, val, out=up)
            up |= np.isnan(xk)
            np.copyto(val, xk, where=up)
            if need_arg:
                np.copyto(arg, k, where=up)
    index = _flat_index(arg, kernel, stride, padding, dilation, x.shape[-n:]) \
        if want_index else None
    if STATE.enabled and input._rg:
        node = _MAX_NODES[n]()
        node.kernel, node.stride, node.padding, node.dilation = kernel, stride, padding, dilation
        node.arg, node.index, node.in_shape = arg, index, x.shape
        return record1(node, val, input), None if index is None else _wrap(index)
    return _wrap(val), None if index is None else _wrap(index)


_NEG_ZERO = {2: np.int16, 4: np.int32, 8: np.int64}


def _plain(x: np.ndarray) -> bool:
    """Whether ``x`` holds no NaN and no -0.0 (where max pooling's tie rules matter)."""
    if not x.size:
        return True
    it = _NEG_ZERO.get(x.dtype.itemsize)
    if it is None or np.isnan(x).any():
        return False
    # -0.0 is the one float whose bits are the integer minimum
    return not (x.view(it) == np.iinfo(it).min).any() if x.flags.c_contiguous else \
        not (np.signbit(x) & (x == 0)).any()


def _flat_index(arg, kernel, stride, padding, dilation, sp):
    """The flat index into each input plane of the element each window chose."""
    n = len(kernel)
    out = arg.shape[-n:]
    koff = np.unravel_index(arg, kernel)
    index = np.zeros(arg.shape, dtype=np.int64)
    for i in range(n):
        o = np.arange(out[i]).reshape((-1,) + (1,) * (n - 1 - i))
        pos = o * stride[i] - padding[i] + koff[i] * dilation[i]
        index = index * sp[i] + pos
    return index


def _max_scatter(grad, node):
    """The gradient of max pooling: each window's gradient goes to its chosen element."""
    n = len(node.kernel)
    kernel, stride, padding, dilation = node.kernel, node.stride, node.padding, node.dilation
    in_size = node.in_shape[-n:]
    if anp.is_array(grad):
        out = grad.shape[-n:]
        ext = tuple(max((out[i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1,
                        in_size[i] + padding[i]) for i in range(n))
        # windows that cannot overlap receive each element at most once: a masked copy
        disjoint = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, kernel))
        arg = node.arg
        # masks as factors are branch-free, but would spread a NaN or inf gradient
        finite = bool(np.isfinite(grad).all())
        # windows that tile the input exactly write every element below: no zeroing pass
        tiled = finite and all(s == k and d == 1 and o * k == e for s, k, d, o, e in
                               zip(stride, kernel, dilation, out, ext))
        gx = (np.empty if tiled else np.zeros)(grad.shape[:-n] + ext, dtype=grad.dtype)
        for k, kk in enumerate(np.ndindex(*kernel)):
            dst = gx[(Ellipsis,) + tuple(
                slice(kk[i] * dilation[i], kk[i] * dilation[i] + stride[i] * (out[i] - 1) + 1,
                      stride[i]) for i in range(n))]
            if finite and disjoint:
                np.multiply(grad, arg == k, out=dst)      # each element written once
            elif finite:
                dst += grad * (arg == k)
            elif disjoint:
                np.copyto(dst, grad, where=arg == k)
            else:
                np.add(dst, grad, out=dst, where=arg == k)
        if ext == tuple(in_size) and not any(padding):
            return gx
        return np.ascontiguousarray(
            gx[(Ellipsis,) + tuple(slice(p, p + s) for p, s in zip(padding, in_size))])
    # on tensors (double backward): a scatter_add by the flat indices, differentiable
    if node.index is None:
        node.index = _flat_index(node.arg, kernel, stride, padding, dilation, in_size)
    lead = node.in_shape[:-n]
    plane = _prod(in_size)
    # sizes spelled out (not -1): the batch may be empty
    cells = _prod(node.index.shape[len(lead):])
    idx = _wrap(node.index.reshape(lead + (cells,)))
    z = grad.new_zeros(lead + (plane,))
    return z.scatter_add(-1, idx, grad.reshape(lead + (cells,))).reshape(node.in_shape)


class _MaxPoolBackward(Node):
    __slots__ = ("kernel", "stride", "padding", "dilation", "arg", "index", "in_shape")

    def backward(self, grad):
        return (_max_scatter(grad, self),)


class MaxPool2DWithIndicesBackward0(_MaxPoolBackward):
    __slots__ = ()


class MaxPool3DWithIndicesBackward0(_MaxPoolBackward):
    __slots__ = ()


_MAX_NODES = {2: MaxPool2DWithIndicesBackward0, 3: MaxPool3DWithIndicesBackward0}


def _pool1d(fn, input, *args):
    """Run a 2-d pooling op on ``input`` with a unit height (PyTorch's 1-d pooling)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D input, but got {input.ndim}D input")
    r = fn(input.unsqueeze(-2), *args)
    if isinstance(r, tuple):
        return tuple(None if t is None else t.squeeze(-2) for t in r)
    return r.squeeze(-2)


def _one(v, fill):
    return (fill,) + ((v,) if isinstance(v, int) else tuple(v))


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = True):
    """1-d max pooling, returning the values and their indices."""
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, want_index):
    stride = kernel_size if stride is None or stride == () else stride
    return _pool1d(lambda x: _max_pool(x, _one(kernel_size, 1), _one(stride, 1),
                                       _one(padding, 0), _one(dilation, 1), ceil_mode, 2,
                                       "max_pool1d", want_index), input)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """1-d max pooling over the last dim of ``input`` (N, C, L) or (C, L)."""
    r = _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    return r if return_indices else r[0]


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = True):
    """2-d max pooling, returning the values and their flat indices in each input plane."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 2, "max_pool2d")


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """2-d max pooling; ties go to the first maximum in the window, as in PyTorch."""
    r = _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 2, "max_pool2d",
                  return_indices)
    return r if return_indices else r[0]


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = True):
    """3-d max pooling, returning the values and their flat indices in each input volume."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 3, "max_pool3d")


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """3-d max pooling."""
    r = _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 3, "max_pool3d",
                  return_indices)
    return r if return_indices else r[0]


# -- average pooling --------------------------------------------------------------------------
def _divisor(size, k, s, p, out, count_include_pad) -> np.ndarray:
    """How many elements each window of one dim averages (PyTorch's pool_size rule)."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, size + p)
    if count_include_pad:
        return (end - start).astype(np.float64)
    return (np.minimum(end, size) - np.maximum(start, 0)).astype(np.float64)


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override, n: int, fname: str) -> Tensor:
    if isinstance(input, Tensor) and input.ndim < n + 1:
        # PyTorch reads the channel dim before checking the rank
        nd = input.ndim
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(nd, 1)}, "
                         f"{max(nd, 1) - 1}], but got {-n - 1})")
    kernel, stride, padding, dilation, out = _pool_args(
        input, kernel_size, stride, padding, 1, ceil_mode, n, fname)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f'"avg_pool{n}d" not implemented for \'{input.dtype._legacy[:-6]}\'')
    sp = x.shape[-n:]
    v = window_view(_padded(x, kernel, stride, padding, dilation, out, 0), kernel, stride,
                    dilation, out)
    s = v.sum(tuple(range(-n, 0)))
    if divisor_override is not None:
        div = np.asarray(float(divisor_override))
    else:
        div = np.ones((), np.float64)
        for i in range(n):
            d = _divisor(sp[i], kernel[i], stride[i], padding[i], out[i], count_include_pad)
            div = np.multiply.outer(div, d)
    div = div.astype(x.dtype)
    r = s / div
    if STATE.enabled and input._rg:
        node = _AVG_NODES[n]()
        node.kernel, node.stride, node.padding = kernel, stride, padding
        node.div, node.in_shape = div, x.shape
        return record1(node, r, input)
    return _wrap(r)


def _avg_scatter(grad, node):
    """The gradient of average pooling: each window spreads grad / divisor over itself."""
    n = len(node.kernel)
    if anp.is_array(grad):
        g = grad / node.div
        cols = np.broadcast_to(g[(Ellipsis,) + (None,) * n], g.shape + node.kernel)
        return _scatter_windows_np(cols, node.kernel, node.stride, node.padding, (1,) * n,
                                   node.in_shape[-n:], g.shape[-n:])
    # on tensors: the window scatter is a transposed convolution with a kernel of ones
    g = grad / _wrap(node.div)
    out = g.shape[-n:]
    ext = tuple(max((out[i] - 1) * node.stride[i] + node.kernel[i] - node.padding[i],
                    node.in_shape[-n + i]) for i in range(n))
    ones = g.new_ones((1, 1) + node.kernel)
    r = _conv_input_grad(g.reshape((-1, 1) + out), ones, ext, node.stride, node.padding,
                         (1,) * n, 1)
    r = r[(Ellipsis,) + tuple(slice(0, s) for s in node.in_shape[-n:])]
    return r.reshape(node.in_shape)


class _AvgPoolBackward(Node):
    __slots__ = ("kernel", "stride", "padding", "div", "in_shape")

    def backward(self, grad):
        return (_avg_scatter(grad, self),)


class AvgPool2DBackward0(_AvgPoolBackward):
    __slots__ = ()


class AvgPool3DBackward0(_AvgPoolBackward):
    __slots__ = ()


_AVG_NODES = {2: AvgPool2DBackward0, 3: AvgPool3DBackward0}


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-d average pooling over the last dim."""
    stride = kernel_size if stride is None or stride == () else stride
    return _pool1d(lambda x: _avg_pool(x, _one(kernel_size, 1), _one(stride, 1),
                                       _one(padding, 0), ceil_mode, count_include_pad, None, 2,
                                       "avg_pool1d"), input)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """2-d average pooling (``count_include_pad`` counts zero padding in the divisor)."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2, "avg_pool2d")


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """3-d average pooling."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 3, "avg_pool3d")


# -- separable linear maps (adaptive pooling, interpolation) ----------------------------------
def _move(x, src: int, dst: int):
    return np.moveaxis(x, src, dst) if anp.is_array(x) else x.movedim(src, dst)


def separable(x, mats: tuple):
    """Apply matrix ``mats[i]`` (out_i, in_i) along the i-th of the last ``len(mats)`` dims
    of ``x`` (an array or a tensor); None leaves a dim as it is."""
    n = len(mats)
    for i, m in enumerate(mats):
        if m is None:
            continue
        ax = x.ndim - n + i
        if not anp.is_array(x):
            m = _wrap(m.astype(x._data.dtype, copy=False))
        else:
            m = m.astype(x.dtype, copy=False)
        x = _move(_move(x, ax, -1) @ m.T, -1, ax)
    if anp.is_array(x):
        return np.ascontiguousarray(x)
    return x.contiguous()


class _SeparableBackward(Node):
    """Backward of an op that is a linear map per spatial dim: the transposed maps."""

    __slots__ = ("mats",)

    def backward(self, grad):
        return (separable(grad, tuple(None if m is None else m.T for m in self.mats)),)


def apply_separable(input: Tensor, mats: tuple, node_cls) -> Tensor:
    """``separable`` on a tensor, recording ``node_cls`` (a ``_SeparableBackward``)."""
    r = separable(input._data, mats)
    if STATE.enabled and input._rg:
        node = node_cls()
        node.mats = mats
        return record1(node, r, input)
    return _wrap(r)


class AdaptiveAvgPool2DBackward0(_SeparableBackward):
    __slots__ = ()


class AdaptiveAvgPool3DBackward0(_SeparableBackward):
    __slots__ = ()


def adaptive_matrix(size: int, out: int) -> np.ndarray:
    """(out, size): output i averages inputs floor(i*size/out) .. ceil((i+1)*size/out)."""
    m = np.zeros((out, size))
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    cols = np.arange(size)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    m[inside] = 1.0
    return m / (end - start)[:, None]


def _adaptive_avg(input, output_size, n: int, node_cls) -> Tensor:
    fname = f"adaptive_avg_pool{n}d"
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{fname}(): Expected {n + 1}D or {n + 2}D tensor, but got "
                           f"{list(input.shape)}")
    sp = input.shape[-n:]
    osz = (output_size,) * n if isinstance(output_size, int) else tuple(
        sp[i] if o is None else int(o) for i, o in enumerate(output_size))
    if len(osz) != n:
        raise RuntimeError(f"{fname}: output_size must be {n}")
    if any(o < 0 for o in osz):
        raise RuntimeError(f"{fname}: elements of output_size must be greater than or equal "
                           f"to 0 but received {list(osz)}")
    if all(o == 1 for o in osz):      # PyTorch takes the mean here (of nothing: nan)
        return input.mean(tuple(range(-n, 0)), keepdim=True)
    # PyTorch's 2-d kernel refuses only empty spatial dims, its 3-d one any after the first
    for i in range(input.ndim - n if n == 2 else 1, input.ndim):
        if input.shape[i] == 0:
            raise RuntimeError(f"{fname}(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but input has sizes "
                               f"{list(input.shape)} with dimension {i} being empty")
    mats = tuple(None if o == s else adaptive_matrix(s, o) for s, o in zip(sp, osz))
    return apply_separable(input, mats, node_cls)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average over ``output_size`` nearly equal ranges of the last dim."""
    o = output_size if isinstance(output_size, int) else output_size[0]
    return _pool1d(lambda x: _adaptive_avg(x, (1, o), 2, AdaptiveAvgPool2DBackward0), input)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average over nearly equal ranges so the last two dims become ``output_size``."""
    return _adaptive_avg(input, output_size, 2, AdaptiveAvgPool2DBackward0)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Average over nearly equal ranges so the last three dims become ``output_size``."""
    return _adaptive_avg(input, output_size, 3, AdaptiveAvgPool3DBackward0)


# -- adaptive max pooling ---------------------------------------------------------------------
def _adaptive_ranges(size: int, out: int) -> np.ndarray:
    """(out, kmax) input indices of each adaptive window, its last index repeated to pad."""
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    kmax = int((end - start).max())
    return np.minimum(start[:, None] + np.arange(kmax), end[:, None] - 1)


def _adaptive_max(input, output_size, n: int, fname: str):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{fname}(): Expected {n + 1}D or {n + 2}D tensor, but got: "
                           f"{list(input.shape)}")
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f'"{fname}" not implemented for \'{input.dtype._legacy[:-6]}\'')
    sp = x.shape[-n:]
    osz = (output_size,) * n if isinstance(output_size, int) else tuple(
        sp[i] if o is None else int(o) for i, o in enumerate(output_size))
    # PyTorch refuses an empty dim after the first (which may be empty even unbatched),
    # naming it in the shape it was given (a 1-d input before its unit height)
    given = list(x.shape[:-2]) + [x.shape[-1]] if fname == "adaptive_max_pool1d" \
        else list(x.shape)
    for i in range(1, len(given)):
        if given[i] == 0:
            raise RuntimeError(f"{fname}(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but input has sizes {given} with "
                               f"dimension {i} being empty")
    if any(o <= 0 for o in osz):
        raise RuntimeError(f"{fname}(): Expected input to have non-zero size for non-batch "
                           f"dimensions, but input has sizes {list(x.shape)}")
    ranges = [_adaptive_ranges(s, o) for s, o in zip(sp, osz)]
    # gather every window: (..., o1, k1, o2, k2, ...) by broadcasting one index per dim
    idx = []
    for i, r in enumerate(ranges):
        shape = [1] * (2 * n)
        shape[2 * i], shape[2 * i + 1] = r.shape
        idx.append(r.reshape(shape))
    win = x[(Ellipsis,) + tuple(idx)]
    lead = x.ndim - n
    perm = tuple(range(lead)) + tuple(lead + 2 * i for i in range(n)) + tuple(
        lead + 2 * i + 1 for i in range(n))
    win = win.transpose(perm)
    ks = tuple(r.shape[1] for r in ranges)
    flat = win.reshape(win.shape[:lead + n] + (_prod(ks),))
    arg = flat.argmax(-1)             # first maximum in window order, as PyTorch
    val = np.take_along_axis(flat, arg[..., None], -1)[..., 0]
    koff = np.unravel_index(arg, ks)
    index = np.zeros(arg.shape, dtype=np.int64)
    for i in range(n):
        o = np.arange(osz[i]).reshape((-1,) + (1,) * (n - 1 - i))
        index = index * sp[i] + ranges[i][o, koff[i]]
    if STATE.enabled and input._rg:
        node = _ADAPTIVE_MAX_NODES[n]()
        node.index, node.in_shape = index, x.shape
        return record1(node, val, input), _wrap(index)
    return _wrap(val), _wrap(index)


def _index_scatter(grad, index, in_shape, n: int):
    """Add each output gradient into the input element ``index`` names in its plane."""
    lead = in_shape[:-n]
    plane = _prod(in_shape[-n:])
    if anp.is_array(grad):
        base = (np.arange(_prod(lead)) * plane).reshape(lead + (1,) * n)
        r = np.bincount((index + base).ravel(), weights=grad.ravel(),
                        minlength=_prod(in_shape))
        return r.astype(grad.dtype, copy=False).reshape(in_shape)
    cells = _prod(index.shape[len(lead):])      # spelled out: the batch may be empty
    idx = _wrap(index.reshape(lead + (cells,)))
    z = grad.new_zeros(lead + (plane,))
    return z.scatter_add(-1, idx, grad.reshape(lead + (cells,))).reshape(in_shape)


class _AdaptiveMaxBackward(Node):
    __slots__ = ("index", "in_shape")

    def backward(self, grad):
        return (_index_scatter(grad, self.index, self.in_shape, self._n),)


class AdaptiveMaxPool2DBackward0(_AdaptiveMaxBackward):
    __slots__ = ()
    _n = 2


class AdaptiveMaxPool3DBackward0(_AdaptiveMaxBackward):
    __slots__ = ()
    _n = 3


_ADAPTIVE_MAX_NODES = {2: AdaptiveMaxPool2DBackward0, 3: AdaptiveMaxPool3DBackward0}


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max over ``output_size`` nearly equal ranges of the last dim."""
    o = output_size if isinstance(output_size, int) else output_size[0]
    r = _pool1d(lambda x: _adaptive_max(x, (1, o), 2, "adaptive_max_pool1d"), input)
    return r if return_indices else r[0]


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max over nearly equal ranges so the last two dims become ``output_size``."""
    r = _adaptive_max(input, output_size, 2, "adaptive_max_pool2d")
    return r if return_indices else r[0]


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Max over nearly equal ranges so the last three dims become ``output_size``."""
    r = _adaptive_max(input, output_size, 3, "adaptive_max_pool3d")
    return r if return_indices else r[0]


# -- max unpooling --------------------------------------------------------------------------
def _unpool_size(input, kernel, stride, padding, output_size, n: int) -> tuple:
    """PyTorch's _unpool_output_size: the default, or ``output_size`` checked against it."""
    sp = input.shape[-n:]
    default = tuple((sp[i] - 1) * stride[i] + kernel[i] - 2 * padding[i] for i in range(n))
    if output_size is None:
        return default
    size = tuple(int(s) for s in output_size)
    if len(size) == n + 2:
        size = size[2:]
    elif len(size) == n + 1:
        size = size[1:]
    if len(size) != n:
        raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} elements, "
                         f"but it has a length of '{len(size)}'")
    for d in range(n):
        lo, hi = default[d] - stride[d], default[d] + stride[d]
        if not lo < size[d] < hi:
            raise ValueError(f'invalid output_size "{size}" (dim {d} must be between {lo} and '
                             f'{hi})')
    return size


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, n: int) -> Tensor:
    kernel = ntuple(kernel_size, n, "kernel_size")
    stride = kernel if stride is None else ntuple(stride, n, "stride")
    padding = ntuple(padding, n, "padding")
    size = _unpool_size(input, kernel, stride, padding, output_size, n)
    x, idx = input._data, indices._data
    for i in range(1, x.ndim):        # the first dim may be empty, batched or not
        if x.shape[i] == 0:
            raise RuntimeError(f"max_unpooling{n}d_forward_out_cpu(): Expected input to have "
                               f"non-zero size for non-batch dimensions, but got "
                               f"{list(x.shape)} with dimension {i} being empty.")
    lead = x.shape[:-n]
    plane = _prod(size)
    bad = ((idx < 0) | (idx >= plane)).ravel()
    # PyTorch's (parallel) loop goes on past a bad index; run serially it names the last
    if bad.any():
        last = bad.size - 1 - int(bad[::-1].argmax())
        raise RuntimeError(f"Found an invalid max index: {int(idx.ravel()[last])} "
                           f"(output volumes are of size {'x'.join(str(s) for s in size)})")
    out = np.zeros(lead + (plane,), dtype=x.dtype)
    cells = _prod(x.shape[-n:])       # spelled out (not -1): the batch may be empty
    np.put_along_axis(out, idx.reshape(lead + (cells,)), x.reshape(lead + (cells,)), -1)
    out = out.reshape(lead + size)
    if STATE.enabled and input._rg:
        node = _UNPOOL_NODES[n]()
        node.index, node.in_shape = idx, x.shape
        return record1(node, out, input)
    return _wrap(out)


class _MaxUnpoolBackward(Node):
    __slots__ = ("index", "in_shape")
    _n = 2

    def backward(self, grad):
        n = self._n
        lead = self.in_shape[:-n]
        idx = self.index.reshape(lead + (_prod(self.in_shape[-n:]),))
        flat = grad.reshape(lead + (_prod(grad.shape[-n:]),))
        if anp.is_array(grad):
            return (np.take_along_axis(flat, idx, -1).reshape(self.in_shape),)
        return (flat.gather(-1, _wrap(idx)).reshape(self.in_shape),)


class MaxUnpool2DBackward0(_MaxUnpoolBackward):
    __slots__ = ()
    _n = 2


class MaxUnpool3DBackward0(_MaxUnpoolBackward):
    __slots__ = ()
    _n = 3


_UNPOOL_NODES = {2: MaxUnpool2DBackward0, 3: MaxUnpool3DBackward0}


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of max_pool1d: values back at their indices, zeros elsewhere."""
    k = ntuple(kernel_size, 1, "kernel_size")
    s = k if stride is None else ntuple(stride, 1, "stride")
    p = ntuple(padding, 1, "padding")
    size = None if output_size is None else (list(output_size)[-1], 1)
    return _max_unpool(input.unsqueeze(-1), indices.unsqueeze(-1), k + (1,), s + (1,), p + (0,),
                       size, 2).squeeze(-1)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of max_pool2d: values back at their indices, zeros elsewhere."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """The partial inverse of max_pool3d."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)


# -- power-average pooling ------------------------------------------------------------------
def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, avg, n: int) -> Tensor:
    # composed from public ops exactly as PyTorch does, so grad_fn names match
    kernel = ntuple(kernel_size, n, "kernel_size")
    out = avg(input.pow(norm_type), kernel_size, stride if stride is not None else kernel,
              0, ceil_mode)
    from ..nn.functional import relu
    return (out.sign() * relu(out.abs())).mul(_prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x**p) ** (1/p) along the last dim."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, avg_pool1d, 1)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x**p) ** (1/p) over the last two dims."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, avg_pool2d, 2)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x**p) ** (1/p) over the last three dims."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, avg_pool3d, 3)


# -- local response normalisation -----------------------------------------------------------
def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Divide each element by (k + alpha * mean of squares over ``size`` neighbouring
    channels) ** beta; composed from pad and average pooling as PyTorch does."""
    from .padding import pad
    dim = input.ndim
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = div.unsqueeze(1)
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.shape
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.view(sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div
