"""``torch.onnx.export``: trace a model once and write it as an ONNX file.

Tracing runs the model (in eval mode) on the example inputs while recording calls: a module
whose class has a converter (``nn.Linear``, ``nn.ReLU``...) is recorded as one call, other
modules are entered, and inside them the calls of functional ops and tensor methods that
have converters are recorded (``F.relu``, ``x + y``, ``x @ w``, ``x.view(...)``...). Each
recorded call is turned into ONNX nodes by its entry in ``CONVERTERS``, the one table to
extend for a new op: ``CONVERTERS["name"] = fn`` (a function or method name, traced in
``nn.functional``, ``ember`` and on Tensor alike, or ``"nn.ClassName"`` for a module) where
``fn(graph, call)`` returns the ONNX names of the call's outputs (``graph.name(tensor)``
names an input, ``graph.node(...)`` adds a node, ``graph.const(array)`` a constant).

Parameters and buffers become initializers named by their ``state_dict`` keys. A tensor
that comes from an op without a converter is detected (it carries a grad_fn that tracing
did not record) and export stops with an error naming the op, rather than freezing a
traced value into the file. A call on constants alone (a causal mask or positions built
inside ``forward``) is not recorded: its result is written as a constant. Inputs and outputs
given as nested tuples (an LSTM's ``(h_0, c_0)``) are flattened, one graph input or output per
tensor, as PyTorch's exporter does. Writing needs the ``onnx`` package (``pip install onnx``).

Converters exist for linear layers and the usual activations, Conv1d/2d/3d (every padding
mode), ConvTranspose, max/average pooling (``ceil_mode``, ``count_include_pad``), adaptive
pooling to sizes that divide the input, batch norm with running statistics, layer norm,
embedding, ``F.pad``, ``nn.LSTM``/``GRU``/``RNN`` (one ONNX node per layer, gates reordered),
``nn.MultiheadAttention`` and ``F.scaled_dot_product_attention`` (written out with MatMul and
Softmax), ``F.interpolate`` (nearest, nearest-exact, bilinear, bicubic), indexing,
comparisons, casts and the shape ops.
"""
from __future__ import annotations

import inspect
import math
import os

import numpy as np

from ._tensor import Tensor
from .autograd.grad_mode import enable_grad

__all__ = ["export", "CONVERTERS", "is_in_onnx_export"]

DEFAULT_OPSET = 17


class _Call:
    """One recorded call: ``args``/``kwargs`` as given, ``module`` for a module call, and
    ``out``, the tensor (or tuple) it returned."""

    __slots__ = ("op", "args", "kwargs", "module", "out")

    def __init__(self, op, args, kwargs, module, out) -> None:
        self.op = op
        self.args = args
        self.kwargs = kwargs
        self.module = module
        self.out = out

    def arg(self, i: int, name: str, default=None):
        """Argument ``i`` (positional, counting ``self`` of a method as 0) or ``name``."""
        if name in self.kwargs:
            return self.kwargs[name]
        return self.args[i] if i < len(self.args) else default


class _Graph:
    """The ONNX graph being built: nodes, initializers, and the name of every traced tensor."""

    def __init__(self, onnx, params: dict, opset: int) -> None:
        self.onnx = onnx
        self.opset = opset
        self.nodes = []
        self.initializers = []
        self.names = {}      # id(tensor) -> ONNX name
        self.keep = []       # traced tensors, alive so their ids stay unique
        self.params = params  # id(tensor) -> state_dict key
        self.count = 0

    def fresh(self, hint: str) -> str:
        self.count += 1
        return f"/{hint}_{self.count}"

    def bind(self, t: Tensor, name: str) -> None:
        self.names[id(t)] = name
        self.keep.append(t)

    def name(self, t) -> str:
        """The ONNX name of a tensor argument: traced value, parameter, or constant."""
        if not isinstance(t, Tensor):
            raise TypeError(f"expected a tensor, got {type(t).__name__}")
        found = self.names.get(id(t))
        if found is not None:
            return found
        key = self.params.get(id(t))
        if key is None and t.grad_fn is not None:
            raise RuntimeError(f"ember.onnx.export: a tensor comes from an op without an ONNX "
                               f"converter (grad_fn={type(t.grad_fn).__name__}); add one to "
                               "ember.onnx.CONVERTERS")
        name = key if key is not None else self.fresh("Constant")
        self.initializers.append(self.onnx.numpy_helper.from_array(
            np.ascontiguousarray(t.detach().numpy()), name))
        self.bind(t, name)
        return name

    def const(self, value, dtype=None) -> str:
        a = np.asarray(value, dtype=dtype)
        name = self.fresh("Constant")
        self.initializers.append(self.onnx.numpy_helper.from_array(a, name))
        return name

    def scalar(self, value, like: Tensor) -> str:
        """A Python number as a constant of ``like``'s dtype (a weak scalar)."""
        return self.const(value, like._data.dtype)

    def operand(self, x, like: Tensor) -> str:
        return self.name(x) if isinstance(x, Tensor) else self.scalar(x, like)

    def node(self, op_type: str, inputs: list, n_out: int = 1, **attrs):
        outs = [self.fresh(op_type) for _ in range(n_out)]
        self.nodes.append(self.onnx.helper.make_node(
            op_type, inputs, outs, name=outs[0].replace("_", "/", 1), **attrs))
        return outs[0] if n_out == 1 else outs


def _leaves(obj) -> list:
    """Nested tuples and lists flattened (a module's ``(output, (h_n, c_n))``), None kept."""
    if isinstance(obj, (tuple, list)):
        return [t for o in obj for t in _leaves(o)]
    return [obj]


# -- converters ----------------------------------------------------------------------------------
def _unary(op_type: str):
    def convert(g, call):
        return g.node(op_type, [g.name(call.args[0])])
    return convert


def _binary(op_type: str, reflected: bool = False):
    def convert(g, call):
        x, y = call.args[0], call.arg(1, "other")
        a, b = g.operand(x, call.out), g.operand(y, call.out)
        if isinstance(y, Tensor) and y._data.dtype != call.out._data.dtype:
            b = g.node("Cast", [b], to=_onnx_type(g, call.out))
        if isinstance(x, Tensor) and x._data.dtype != call.out._data.dtype:
            a = g.node("Cast", [a], to=_onnx_type(g, call.out))
        return g.node(op_type, [b, a] if reflected else [a, b])
    return convert


def _onnx_type(g, t: Tensor) -> int:
    return g.onnx.helper.np_dtype_to_tensor_dtype(t._data.dtype)


def _linear(g, call):
    if call.module is not None:
        x, w, b = call.args[0], call.module.weight, call.module.bias
    else:
        x, w, b = call.args[0], call.arg(1, "weight"), call.arg(2, "bias")
    if x.ndim == 2:
        ins = [g.name(x), g.name(w)] + ([g.name(b)] if b is not None else [])
        return g.node("Gemm", ins, alpha=1.0, beta=1.0, transB=1)
    y = g.node("MatMul", [g.name(x), g.node("Transpose", [g.name(w)], perm=[1, 0])])
    return y if b is None else g.node("Add", [y, g.name(b)])


def _module_attr(name: str, default):
    def get(call, i, kw):
        if call.module is not None:
            return getattr(call.module, name, default)
        return call.arg(i, kw, default)
    return get


def _softmax(op_type: str):
    def convert(g, call):
        x = call.args[0]
        dim = call.module.dim if call.module is not None else call.arg(1, "dim")
        if dim is None:     # PyTorch's legacy implicit dim
            dim = 0 if x.ndim in (0, 1, 3) else 1
        return g.node(op_type, [g.name(x)], axis=int(dim))
    return convert


def _gelu(g, call):
    x = call.args[0]
    approx = call.module.approximate if call.module is not None else \
        call.kwargs.get("approximate", "none")
    xn = g.name(x)
    if approx == "tanh":
        inner = g.node("Mul", [g.scalar(math.sqrt(2 / math.pi), x), g.node(
            "Add", [xn, g.node("Mul", [g.scalar(0.044715, x),
                                      g.node("Mul", [xn, g.node("Mul", [xn, xn])])])])])
        t = g.node("Tanh", [inner])
    else:
        t = g.node("Erf", [g.node("Div", [xn, g.scalar(math.sqrt(2.0), x)])])
    half = g.node("Mul", [xn, g.scalar(0.5, x)])
    return g.node("Mul", [half, g.node("Add", [t, g.scalar(1.0, x)])])


def _silu(g, call):
    xn = g.name(call.args[0])
    return g.node("Mul", [xn, g.node("Sigmoid", [xn])])


def _leaky_relu(g, call):
    slope = _module_attr("negative_slope", 0.01)(call, 1, "negative_slope")
    return g.node("LeakyRelu", [g.name(call.args[0])], alpha=float(slope))


def _elu(g, call):
    alpha = _module_attr("alpha", 1.0)(call, 1, "alpha")
    return g.node("Elu", [g.name(call.args[0])], alpha=float(alpha))


def _softplus(g, call):
    beta = _module_attr("beta", 1.0)(call, 1, "beta")
    x = call.args[0]
    if beta == 1:
        return g.node("Softplus", [g.name(x)])
    scaled = g.node("Mul", [g.name(x), g.scalar(beta, x)])
    return g.node("Div", [g.node("Softplus", [scaled]), g.scalar(beta, x)])


def _identity(g, call):
    return g.node("Identity", [g.name(call.args[0])])


def _dropout(g, call):
    training = call.module.training if call.module is not None else call.arg(2, "training", True)
    if training:
        raise RuntimeError("ember.onnx.export: dropout in training mode cannot be exported")
    return _identity(g, call)


def _flatten(g, call):
    x = call.args[0]
    if call.module is not None:
        start, end = call.module.start_dim, call.module.end_dim
    else:
        start, end = call.arg(1, "start_dim", 0), call.arg(2, "end_dim", -1)
    nd = max(x.ndim, 1)
    start, end = start % nd, end % nd
    if end == nd - 1 and start > 0:
        if start == 1 or x.ndim == 2:
            return g.node("Flatten", [g.name(x)], axis=start)
    return _reshape_to(g, x, call.out.shape)


def _reshape_to(g, x, shape):
    return g.node("Reshape", [g.name(x), g.const(list(shape), np.int64)])


def _view(g, call):
    x = call.args[0]
    shape = call.args[1:]
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    if not shape:
        shape = call.kwargs.get("shape", call.kwargs.get("size", ()))
    # -1 stays -1, and a size equal to the input's at the same place (x.view(B, T, h, d) of a
    # (B, T, C) input) becomes 0, ONNX's "copy that dim", so a dynamic batch still reshapes
    shape = [int(s) for s in shape]
    if -1 not in shape or shape.count(-1) == 1:
        shape = [0 if i < x.ndim and s == x.shape[i] and s > 0 else s
                 for i, s in enumerate(shape)]
    return g.node("Reshape", [g.name(x), g.const(shape, np.int64)])


def _transpose(g, call):
    x = call.args[0]
    nd = x.ndim
    if call.op == "t":
        perm = list(range(nd))[::-1]
    elif call.op == "permute":
        dims = call.args[1:]
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = dims[0]
        perm = [int(d) % nd for d in dims]
    else:
        a, b = int(call.arg(1, "dim0")) % nd, int(call.arg(2, "dim1")) % nd
        perm = list(range(nd))
        perm[a], perm[b] = perm[b], perm[a]
    return g.node("Transpose", [g.name(x)], perm=perm)


def _cat(g, call):
    tensors = call.args[0]
    dim = call.arg(1, "dim", 0)
    return g.node("Concat", [g.name(t) for t in tensors], axis=int(dim))


def _matmul(g, call):
    return g.node("MatMul", [g.name(call.args[0]), g.name(call.arg(1, "other"))])


def _reduce(op_type: str):
    def convert(g, call):
        x = call.args[0]
        dim = call.arg(1, "dim", None)
        keep = int(bool(call.arg(2, "keepdim", False)))
        ins = [g.name(x)]
        if dim is None:
            return g.node(op_type, ins, keepdims=keep)
        dims = [int(dim)] if isinstance(dim, int) else [int(d) for d in dim]
        if op_type == "ReduceMean" and g.opset < 18:     # axes became an input in opset 18
            return g.node(op_type, ins, keepdims=keep, axes=dims)
        return g.node(op_type, ins + [g.const(dims, np.int64)], keepdims=keep)
    return convert


def _ntuple(v, n: int) -> list:
    return [int(x) for x in v] if isinstance(v, (tuple, list)) else [int(v)] * n


def _unsupported(what: str):
    raise RuntimeError(f"ember.onnx.export: {what} cannot be exported to ONNX")


def _pad_node(g, xn: str, pads: list, mode: str, value=0.0, like=None) -> str:
    """``F.pad``-ordered ``pads`` (last dim first, each side) applied with ONNX Pad."""
    nd = like.ndim
    begin, end = [0] * nd, [0] * nd
    for k in range(len(pads) // 2):
        begin[nd - 1 - k], end[nd - 1 - k] = int(pads[2 * k]), int(pads[2 * k + 1])
    if mode == "circular":
        # opset 19 has mode="wrap"; before it the wrapped borders are sliced and concatenated
        for d in range(nd):
            b, e = begin[d], end[d]
            if b < 0 or e < 0:
                _unsupported("negative circular padding")
            parts = []
            if b:
                parts.append(_slice(g, xn, [-b], [_BIG], [d]))
            parts.append(xn)
            if e:
                parts.append(_slice(g, xn, [0], [e], [d]))
            if len(parts) > 1:
                xn = g.node("Concat", parts, axis=d)
        return xn
    onnx_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge"}.get(mode)
    if onnx_mode is None:
        _unsupported(f"padding mode {mode!r}")
    ins = [xn, g.const(begin + end, np.int64)]
    if onnx_mode == "constant":
        ins.append(g.const(0.0 if value is None else value, like._data.dtype))
    return g.node("Pad", ins, mode=onnx_mode)


_BIG = np.iinfo(np.int64).max


def _slice(g, xn: str, starts, ends, axes, steps=None) -> str:
    ins = [xn, g.const(starts, np.int64), g.const(ends, np.int64), g.const(axes, np.int64)]
    if steps is not None:
        ins.append(g.const(steps, np.int64))
    return g.node("Slice", ins)


def _conv(g, call):
    """``F.conv{1,2,3}d`` or a Conv module (its padding mode applied first, as PyTorch's)."""
    x = call.args[0]
    m = call.module
    n = x.ndim - 2
    if n < 1:
        _unsupported(f"{call.op} of an unbatched {x.ndim}-d input")
    xn = g.name(x)
    if m is not None:
        w, b, stride, padding = m.weight, m.bias, m.stride, m.padding
        dilation, groups = m.dilation, m.groups
        if m.padding_mode != "zeros":
            xn = _pad_node(g, xn, m._reversed_padding_repeated_twice, m.padding_mode, like=x)
            padding = 0
    else:
        w, b = call.arg(1, "weight"), call.arg(2, "bias")
        stride, padding = call.arg(3, "stride", 1), call.arg(4, "padding", 0)
        dilation, groups = call.arg(5, "dilation", 1), call.arg(6, "groups", 1)
    k = list(w.shape[2:])
    dil = _ntuple(dilation, n)
    if padding == "valid":
        pads = [0] * (2 * n)
    elif padding == "same":     # PyTorch puts the odd element of padding on the right
        total = [d * (kk - 1) for d, kk in zip(dil, k)]
        pads = [t // 2 for t in total] + [t - t // 2 for t in total]
    else:
        pads = _ntuple(padding, n) * 2
    ins = [xn, g.name(w)] + ([g.name(b)] if b is not None else [])
    return g.node("Conv", ins, kernel_shape=k, strides=_ntuple(stride, n), pads=pads,
                  dilations=dil, group=int(groups))


def _conv_transpose(g, call):
    x = call.args[0]
    m = call.module
    n = x.ndim - 2
    if n < 1:
        _unsupported(f"{call.op} of an unbatched {x.ndim}-d input")
    if m is not None:
        w, b, stride, padding = m.weight, m.bias, m.stride, m.padding
        dilation, groups = m.dilation, m.groups
    else:
        w, b = call.arg(1, "weight"), call.arg(2, "bias")
        stride, padding = call.arg(3, "stride", 1), call.arg(4, "padding", 0)
        groups, dilation = call.arg(6, "groups", 1), call.arg(7, "dilation", 1)
    k = list(w.shape[2:])
    s, p, d = _ntuple(stride, n), _ntuple(padding, n), _ntuple(dilation, n)
    # the output padding as the traced call used it (module output_size= included)
    op = [call.out.shape[2 + i] - ((x.shape[2 + i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1)
                                   + 1) for i in range(n)]
    ins = [g.name(x), g.name(w)] + ([g.name(b)] if b is not None else [])
    return g.node("ConvTranspose", ins, kernel_shape=k, strides=s, pads=p * 2, dilations=d,
                  group=int(groups), output_padding=op)


def _pool_args(call, names_defaults):
    """Pooling arguments from a module's attributes or a functional call's arguments."""
    out = []
    for i, (name, default) in enumerate(names_defaults):
        if call.module is not None:
            out.append(getattr(call.module, name, default))
        else:
            out.append(call.arg(i + 1, name, default))
    return out


def _ceil_pads(x, out, k, s, p, d) -> list:
    """Extra end padding that makes ONNX's floor-mode output size PyTorch's ``ceil_mode``
    size (PyTorch also drops a last window that would start in the right padding, which
    ONNX's ceil_mode does not, so ceil_mode is never written)."""
    n = len(k)
    return [max(0, (out.shape[2 + i] - 1) * s[i] + d[i] * (k[i] - 1) + 1
                - (x.shape[2 + i] + 2 * p[i])) for i in range(n)]


def _max_pool(g, call):
    x = call.args[0]
    n = x.ndim - 2
    if n < 1:
        _unsupported(f"{call.op} of an unbatched {x.ndim}-d input")
    k, s, p, d, ceil, ret = _pool_args(call, [
        ("kernel_size", None), ("stride", None), ("padding", 0), ("dilation", 1),
        ("ceil_mode", False), ("return_indices", False)])
    if ret:
        _unsupported("max pooling with return_indices=True")
    k = _ntuple(k, n)
    s = _ntuple(s if s not in (None, (), []) else k, n)
    p, d = _ntuple(p, n), _ntuple(d, n)
    extra = _ceil_pads(x, call.out, k, s, p, d) if ceil else [0] * n
    return g.node("MaxPool", [g.name(x)], kernel_shape=k, strides=s,
                  pads=p + [a + b for a, b in zip(p, extra)], dilations=d)


def _avg_pool(g, call):
    x = call.args[0]
    n = x.ndim - 2
    if n < 1:
        _unsupported(f"{call.op} of an unbatched {x.ndim}-d input")
    k, s, p, ceil, cip, div = _pool_args(call, [
        ("kernel_size", None), ("stride", None), ("padding", 0), ("ceil_mode", False),
        ("count_include_pad", True), ("divisor_override", None)])
    if div is not None:
        _unsupported("average pooling with divisor_override")
    k = _ntuple(k, n)
    s = _ntuple(s if s not in (None, (), []) else k, n)
    p = _ntuple(p, n)
    extra = _ceil_pads(x, call.out, k, s, p, [1] * n) if ceil else [0] * n
    xn = g.name(x)
    if cip and any(extra):
        # PyTorch counts the padding but not what a ceil-mode window hangs over beyond it:
        # the padding is made real zeros, then only the overhang is ONNX padding, uncounted
        xn = _pad_node(g, xn, [q for v in reversed(p) for q in (v, v)], "constant", like=x)
        p, cip = [0] * n, False
    return g.node("AveragePool", [xn], kernel_shape=k, strides=s,
                  pads=p + [a + b for a, b in zip(p, extra)], count_include_pad=int(bool(cip)))


def _adaptive_pool(op_type: str):
    def convert(g, call):
        x = call.args[0]
        n = x.ndim - 2
        if n < 1:
            _unsupported(f"{call.op} of an unbatched {x.ndim}-d input")
        if op_type == "MaxPool" and _pool_args(call, [("output_size", None),
                                                      ("return_indices", False)])[1]:
            _unsupported("adaptive max pooling with return_indices=True")
        size_in, size_out = x.shape[2:], call.out.shape[2:]
        if all(o == 1 for o in size_out):
            return g.node("Global" + op_type, [g.name(x)])
        if any(i % o for i, o in zip(size_in, size_out)):
            _unsupported(f"{call.op} from {list(size_in)} to {list(size_out)} (only sizes "
                         "that divide the input evenly map to an ONNX pooling)")
        k = [i // o for i, o in zip(size_in, size_out)]
        return g.node(op_type, [g.name(x)], kernel_shape=k, strides=k)
    return convert


def _batch_norm(g, call):
    x = call.args[0]
    mean, var = call.arg(1, "running_mean"), call.arg(2, "running_var")
    w, b = call.arg(3, "weight"), call.arg(4, "bias")
    if call.arg(5, "training", False) or mean is None or var is None:
        _unsupported("batch_norm using batch statistics (training mode or "
                     "track_running_stats=False)")
    c = x.shape[1]
    dt = x._data.dtype
    ins = [g.name(x), g.name(w) if w is not None else g.const(np.ones(c, dt)),
           g.name(b) if b is not None else g.const(np.zeros(c, dt)), g.name(mean), g.name(var)]
    return g.node("BatchNormalization", ins, epsilon=float(call.arg(7, "eps", 1e-5)))


def _layer_norm(g, call):
    x = call.args[0]
    shape = call.arg(1, "normalized_shape")
    shape = [int(shape)] if isinstance(shape, int) else [int(s) for s in shape]
    w, b = call.arg(2, "weight"), call.arg(3, "bias")
    dt = x._data.dtype
    eps = float(call.arg(4, "eps", 1e-5))
    if g.opset < 17:        # LayerNormalization came in opset 17: written out before it
        axes = list(range(-len(shape), 0))
        xn = g.name(x)
        d = g.node("Sub", [xn, _reduce_mean(g, xn, axes, keep=1)])
        var = _reduce_mean(g, g.node("Mul", [d, d]), axes, keep=1)
        y = g.node("Div", [d, g.node("Sqrt", [g.node("Add", [var, g.scalar(eps, x)])])])
        y = y if w is None else g.node("Mul", [y, g.name(w)])
        return y if b is None else g.node("Add", [y, g.name(b)])
    ins = [g.name(x), g.name(w) if w is not None else g.const(np.ones(shape, dt))]
    if b is not None:
        ins.append(g.name(b))
    return g.node("LayerNormalization", ins, axis=-len(shape), epsilon=eps)


def _embedding(g, call):
    idx, w = call.args[0], call.arg(1, "weight")
    return g.node("Gather", [g.name(w), g.name(idx)], axis=0)


def _pad(g, call):
    x = call.args[0]
    return _pad_node(g, g.name(x), list(call.arg(1, "pad")), call.arg(2, "mode", "constant"),
                     call.arg(3, "value", None), like=x)


def _clip(lo_name: str, hi_name: str, lo_default, hi_default, lo_i=1, hi_i=2):
    """Clip between bounds taken from the module, the call (positions ``lo_i``/``hi_i``,
    past the end for fixed bounds as relu6's), or the defaults."""
    def convert(g, call):
        x = call.args[0]
        if call.module is not None:
            lo = getattr(call.module, lo_name, lo_default)
            hi = getattr(call.module, hi_name, hi_default)
        else:
            lo, hi = call.arg(lo_i, lo_name, lo_default), call.arg(hi_i, hi_name, hi_default)
        ins = [g.name(x), "" if lo is None else g.operand(lo, x),
               "" if hi is None else g.operand(hi, x)]
        while ins[-1] == "":
            ins.pop()
        return g.node("Clip", ins)
    return convert


def _masked_fill(g, call):
    x, mask, value = call.args[0], call.arg(1, "mask"), call.arg(2, "value")
    m = g.name(mask)
    if mask._data.dtype != np.bool_:
        m = g.node("Cast", [m], to=g.onnx.TensorProto.BOOL)
    v = g.name(value) if isinstance(value, Tensor) else g.scalar(value, x)
    return g.node("Where", [m, v, g.name(x)])


def _squeeze(g, call):
    x = call.args[0]
    dim = call.arg(1, "dim")
    if dim is None:
        dims = [i for i, s in enumerate(x.shape) if s == 1]
    else:
        dims = [int(dim)] if isinstance(dim, int) else [int(d) for d in dim]
        dims = [d % max(x.ndim, 1) for d in dims if x.ndim and x.shape[d % x.ndim] == 1]
    if not dims:
        return g.node("Identity", [g.name(x)])
    return g.node("Squeeze", [g.name(x), g.const(dims, np.int64)])


def _unsqueeze(g, call):
    x = call.args[0]
    dim = int(call.arg(1, "dim")) % (x.ndim + 1)
    return g.node("Unsqueeze", [g.name(x), g.const([dim], np.int64)])


def _split(g, call):
    x = call.args[0]
    dim = int(call.arg(2, "dim", 0)) % x.ndim
    sizes = [t.shape[dim] for t in call.out]
    return g.node("Split", [g.name(x), g.const(sizes, np.int64)], n_out=len(sizes), axis=dim) \
        if len(sizes) > 1 else [g.node("Identity", [g.name(x)])]


def _getitem(g, call):
    """Basic indexing (ints, slices, None, ...) or one index list or integer tensor among
    full slices; several index tensors, or one mixed with ints (whose placement of the
    indexed dims PyTorch decides by adjacency) are refused."""
    x, idx = call.args[0], call.args[1]
    items = list(idx) if isinstance(idx, tuple) else [idx]
    n_real = sum(1 for i in items if i is not None and i is not Ellipsis)
    if any(i is Ellipsis for i in items):
        at = items.index(Ellipsis)
        items[at:at + 1] = [slice(None)] * (x.ndim - n_real)
    items += [slice(None)] * (x.ndim - sum(1 for i in items if i is not None))
    xn = g.name(x)
    starts, ends, axes, steps, squeeze, unsq, gathers = [], [], [], [], [], [], []
    d = out = 0
    for it in items:
        if it is None:
            unsq.append(out)
            out += 1
            continue
        if isinstance(it, bool) or (isinstance(it, Tensor) and it._data.dtype == np.bool_):
            _unsupported("indexing with a boolean mask")
        if isinstance(it, int) or (isinstance(it, Tensor) and it.ndim == 0
                                   and id(it) not in g.names):
            i = int(it)
            starts.append(i)
            ends.append(i + 1 if i != -1 else _BIG)
            axes.append(d)
            steps.append(1)
            squeeze.append(d)
        elif isinstance(it, slice):
            start, stop, step = it.start, it.stop, it.step
            step = 1 if step is None else int(step)
            if step <= 0:
                _unsupported("a slice with a step <= 0")
            if (start in (None, 0)) and stop is None and step == 1:
                out += 1
                d += 1
                continue
            starts.append(0 if start is None else int(start))
            ends.append(_BIG if stop is None else int(stop))
            axes.append(d)
            steps.append(step)
            out += 1
        else:       # a list or integer tensor: Gather along this dim
            gathers.append((d, it))
            out += 1
        d += 1
    if len(gathers) > 1 or (gathers and (squeeze or unsq)):
        _unsupported("indexing with several index tensors, or one mixed with ints or None")
    y = _slice(g, xn, starts, ends, axes, steps) if axes else xn
    if gathers:
        dim, it = gathers[0]
        # one index tensor: its dims replace the indexed dim, exactly Gather's rule
        ind = g.name(it) if isinstance(it, Tensor) else g.const(np.asarray(it, np.int64))
        y = g.node("Gather", [y, ind], axis=dim)
    if squeeze:
        y = g.node("Squeeze", [y, g.const(squeeze, np.int64)])
    if unsq:
        y = g.node("Unsqueeze", [y, g.const(unsq, np.int64)])
    return y if y != xn else g.node("Identity", [xn])


def _sdpa_nodes(g, q: str, k: str, v: str, like, scale: float, mask):
    """softmax(q k^T * scale + mask) v on (..., L, E) operands; ``mask`` an ONNX name or None.
    q and k are each scaled by sqrt(scale), as PyTorch's math path does."""
    s = g.scalar(math.sqrt(scale), like)
    kt = g.node("Transpose", [k], perm=_swap_last(like.ndim))
    scores = g.node("MatMul", [g.node("Mul", [q, s]), g.node("Mul", [kt, s])])
    if mask is not None:
        scores = g.node("Add", [scores, mask])
    return g.node("MatMul", [g.node("Softmax", [scores], axis=-1), v]), scores


def _swap_last(nd: int) -> list:
    perm = list(range(nd))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return perm


def _additive_mask(g, mask, like) -> str:
    """A boolean mask (True: not allowed) or a float mask added to the scores, as an ONNX
    name of ``like``'s dtype."""
    dt = like._data.dtype
    m = g.name(mask)
    if mask._data.dtype == np.bool_:
        return g.node("Where", [m, g.const(-np.inf, dt), g.const(0.0, dt)])
    if mask._data.dtype != dt:
        return g.node("Cast", [m], to=_onnx_type(g, like))
    return m


def _causal_mask(g, L: int, S: int, like) -> str:
    return g.const(np.triu(np.full((L, S), -np.inf, like._data.dtype), 1))


def _scaled_dot_product_attention(g, call):
    q, k, v = call.args[0], call.arg(1, "key"), call.arg(2, "value")
    mask, causal = call.arg(3, "attn_mask"), call.arg(5, "is_causal", False)
    if call.arg(7, "enable_gqa", False) and q.shape[-3:-2] != k.shape[-3:-2]:
        _unsupported("scaled_dot_product_attention with enable_gqa")
    scale = call.arg(6, "scale")
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    m = None
    if causal:
        m = _causal_mask(g, q.shape[-2], k.shape[-2], q)
    elif mask is not None:
        m = _additive_mask(g, mask, q)
    return _sdpa_nodes(g, g.name(q), g.name(k), g.name(v), q, scale, m)[0]


def _mha(g, call):
    """``nn.MultiheadAttention`` written out: projections, heads, masked softmax, out_proj."""
    m = call.module
    q, k, v = call.args[0], call.arg(1, "key"), call.arg(2, "value")
    kpm, need_w = call.arg(3, "key_padding_mask"), call.arg(4, "need_weights", True)
    am, avg = call.arg(5, "attn_mask"), call.arg(6, "average_attn_weights", True)
    causal = call.arg(7, "is_causal", False)
    if q.ndim != 3:
        _unsupported("MultiheadAttention on unbatched input")
    if m.bias_k is not None or m.add_zero_attn:
        _unsupported("MultiheadAttention with add_bias_kv or add_zero_attn")
    E, H = m.embed_dim, m.num_heads
    D = E // H
    dt = q._data.dtype
    if m._qkv_same_embed_dim:
        W = m.in_proj_weight.detach().numpy()
        ws = [W[:E], W[E:2 * E], W[2 * E:]]
    else:
        ws = [p.detach().numpy() for p in (m.q_proj_weight, m.k_proj_weight, m.v_proj_weight)]
    bs = [None] * 3
    if m.in_proj_bias is not None:
        B = m.in_proj_bias.detach().numpy()
        bs = [B[:E], B[E:2 * E], B[2 * E:]]

    def project(t, w, b):
        tn = g.name(t)
        if not m.batch_first:       # (L, N, E) -> (N, L, E)
            tn = g.node("Transpose", [tn], perm=[1, 0, 2])
        y = g.node("MatMul", [tn, g.const(np.ascontiguousarray(w.T))])
        if b is not None:
            y = g.node("Add", [y, g.const(b)])
        y = g.node("Reshape", [y, g.const([0, 0, H, D], np.int64)])
        return g.node("Transpose", [y], perm=[0, 2, 1, 3])        # (N, H, L, D)

    qh, kh, vh = (project(t, w, b) for t, w, b in zip((q, k, v), ws, bs))
    L, S = q.shape[0 if not m.batch_first else 1], k.shape[0 if not m.batch_first else 1]
    mask = None
    if am is not None:
        mask = _additive_mask(g, am, q)
        if am.ndim == 3:        # (N * H, L, S)
            mask = g.node("Reshape", [mask, g.const([-1, H, L, S], np.int64)])
    elif causal:
        mask = _causal_mask(g, L, S, q)
    if kpm is not None:
        pm = g.node("Reshape", [_additive_mask(g, kpm, q), g.const([-1, 1, 1, S], np.int64)])
        mask = pm if mask is None else g.node("Add", [mask, pm])
    like = Tensor._wrap(np.empty((1,) * 4, dt))
    o, scores = _sdpa_nodes(g, qh, kh, vh, like, 1 / math.sqrt(D), mask)
    o = g.node("Reshape", [g.node("Transpose", [o], perm=[0, 2, 1, 3]),
                           g.const([0, 0, E], np.int64)])
    o = g.node("MatMul", [o, g.node("Transpose", [g.name(m.out_proj.weight)], perm=[1, 0])])
    if m.out_proj.bias is not None:
        o = g.node("Add", [o, g.name(m.out_proj.bias)])
    if not m.batch_first:
        o = g.node("Transpose", [o], perm=[1, 0, 2])
    w = None
    if need_w:
        w = g.node("Softmax", [scores], axis=-1)
        if avg:
            w = _reduce_mean(g, w, [1], keep=0)
    return [o, w]


def _reduce_mean(g, xn: str, dims: list, keep: int) -> str:
    if g.opset < 18:
        return g.node("ReduceMean", [xn], keepdims=keep, axes=dims)
    return g.node("ReduceMean", [xn, g.const(dims, np.int64)], keepdims=keep)


# PyTorch's gate blocks in the order ONNX wants them (ONNX: LSTM i,o,f,c; GRU z,r,h)
_GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


def _rnn(g, call):
    """``nn.LSTM``/``nn.GRU``/``nn.RNN`` as one ONNX LSTM/GRU/RNN node per layer."""
    m = call.module
    x = call.args[0]
    hx = call.arg(1, "hx")
    if m.proj_size:
        _unsupported("LSTM with proj_size")
    if not isinstance(x, Tensor):
        _unsupported("a PackedSequence input to an RNN")
    batched = x.ndim == 3
    H, dirs = m.hidden_size, 2 if m.bidirectional else 1
    mode = m.mode
    op_type = "LSTM" if mode == "LSTM" else "GRU" if mode == "GRU" else "RNN"
    y = g.name(x)
    if not batched:
        y = g.node("Unsqueeze", [y, g.const([1], np.int64)])
    elif m.batch_first:
        y = g.node("Transpose", [y], perm=[1, 0, 2])
    states = [] if hx is None else ([hx] if isinstance(hx, Tensor) else list(hx))
    state_names = []
    for s in states:
        sn = g.name(s)
        if not batched:
            sn = g.node("Unsqueeze", [sn, g.const([1], np.int64)])
        state_names.append(sn)
    order = _GATE_ORDER[mode]
    n_gate = len(order)

    def reorder(a):
        blocks = np.split(a, n_gate, axis=0)
        return np.concatenate([blocks[i] for i in order], axis=0)

    finals = [[] for _ in range(2 if op_type == "LSTM" else 1)]
    for layer in range(m.num_layers):
        Ws, Rs, Bs = [], [], []
        for dr in range(dirs):
            sfx = f"_l{layer}" + ("_reverse" if dr else "")
            Ws.append(reorder(getattr(m, "weight_ih" + sfx).detach().numpy()))
            Rs.append(reorder(getattr(m, "weight_hh" + sfx).detach().numpy()))
            if m.bias:
                Bs.append(np.concatenate([reorder(getattr(m, "bias_ih" + sfx).detach().numpy()),
                                          reorder(getattr(m, "bias_hh" + sfx).detach().numpy())]))
        ins = [y, g.const(np.stack(Ws)), g.const(np.stack(Rs)),
               g.const(np.stack(Bs)) if Bs else "", ""]
        for sn in state_names:
            ins.append(_slice(g, sn, [layer * dirs], [(layer + 1) * dirs], [0]))
        attrs = {"hidden_size": H, "direction": "bidirectional" if dirs == 2 else "forward"}
        if op_type == "GRU":
            attrs["linear_before_reset"] = 1        # PyTorch's n = tanh(W x + r * (R h + b))
        if op_type == "RNN":
            act = "Relu" if mode == "RNN_RELU" else "Tanh"
            attrs["activations"] = [act] * dirs
        outs = g.node(op_type, ins, n_out=3 if op_type == "LSTM" else 2, **attrs)
        # Y: (seq, dirs, batch, H) -> (seq, batch, dirs * H)
        y = g.node("Reshape", [g.node("Transpose", [outs[0]], perm=[0, 2, 1, 3]),
                               g.const([0, 0, -1], np.int64)])
        for f, o in zip(finals, outs[1:]):
            f.append(o)
    out = y
    if not batched:
        out = g.node("Squeeze", [out, g.const([1], np.int64)])
    elif m.batch_first:
        out = g.node("Transpose", [out], perm=[1, 0, 2])
    result = [out]
    for f in finals:
        s = f[0] if len(f) == 1 else g.node("Concat", f, axis=0)
        if not batched:
            s = g.node("Squeeze", [s, g.const([1], np.int64)])
        result.append(s)
    return result


def _compare(op_type: str, negate: bool = False):
    def convert(g, call):
        x, y = call.args[0], call.arg(1, "other")
        if isinstance(y, Tensor):
            dt = np.promote_types(x._data.dtype, y._data.dtype)
        else:
            dt = x._data.dtype if not (isinstance(y, float) and x._data.dtype.kind in "biu") \
                else np.dtype(np.float32)
        names = []
        for t in (x, y):
            n = g.name(t) if isinstance(t, Tensor) else g.const(t, dt)
            if isinstance(t, Tensor) and t._data.dtype != dt:
                n = g.node("Cast", [n], to=g.onnx.helper.np_dtype_to_tensor_dtype(dt))
            names.append(n)
        out = g.node(op_type, names)
        return g.node("Not", [out]) if negate else out
    return convert


def _cast(g, call):
    """``x.float()``, ``x.to(dtype)``...: a Cast to the traced result's dtype."""
    x = call.args[0]
    if call.out._data.dtype == x._data.dtype:
        return g.node("Identity", [g.name(x)])
    return g.node("Cast", [g.name(x)], to=_onnx_type(g, call.out))


def _not(g, call):
    x = call.args[0]
    if x._data.dtype != np.bool_:
        if call.op == "logical_not":
            return g.node("Not", [g.node("Cast", [g.name(x)], to=g.onnx.TensorProto.BOOL)])
        return g.node("BitwiseNot", [g.name(x)])
    return g.node("Not", [g.name(x)])


def _canonical(g, call):
    """MultiheadAttention's mask canonicalisation: a boolean mask becomes -inf where True."""
    mask = call.args[0]
    if mask._data.dtype != np.bool_:
        return g.node("Identity", [g.name(mask)])
    return _additive_mask(g, mask, call.out)


def _interpolate(g, call):
    """``F.interpolate`` / ``nn.Upsample`` as ONNX Resize with PyTorch's coordinate rules."""
    x = call.args[0]
    n = x.ndim - 2
    size, sf = call.arg(1, "size"), call.arg(2, "scale_factor")
    mode, ac = call.arg(3, "mode", "nearest"), call.arg(4, "align_corners")
    if call.arg(6, "antialias", False):
        _unsupported("interpolate with antialias=True")
    attrs = {}
    if mode == "nearest":
        attrs = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric",
                 "nearest_mode": "floor"}
    elif mode == "nearest-exact":     # floor((i + 0.5) * in / out)
        attrs = {"mode": "nearest", "coordinate_transformation_mode": "half_pixel",
                 "nearest_mode": "round_prefer_ceil"}
    elif mode in ("linear", "bilinear", "trilinear", "bicubic"):
        attrs = {"mode": "cubic" if mode == "bicubic" else "linear",
                 "coordinate_transformation_mode": "align_corners" if ac
                 else "pytorch_half_pixel"}
        if mode == "bicubic":
            attrs["cubic_coeff_a"] = -0.75
    else:
        _unsupported(f"interpolate with mode={mode!r}")
    ins = [g.name(x), ""]
    if size is None and sf is not None and not call.arg(5, "recompute_scale_factor"):
        # PyTorch maps coordinates with the given factor, not out/in: ONNX's scales input
        ins.append(g.const([1.0, 1.0] + [float(f) for f in _ntuple_f(sf, n)], np.float32))
    else:
        ins += ["", g.const(list(call.out.shape), np.int64)]
    return g.node("Resize", ins, **attrs)


def _ntuple_f(v, n: int) -> list:
    return list(v) if isinstance(v, (tuple, list)) else [v] * n


# The one table: op name (a module class name prefixed by "nn.", else a function or method
# name) -> converter.
CONVERTERS = {
    "nn.Linear": _linear, "linear": _linear,
    "nn.ReLU": _unary("Relu"), "relu": _unary("Relu"),
    "nn.Sigmoid": _unary("Sigmoid"), "sigmoid": _unary("Sigmoid"),
    "nn.Tanh": _unary("Tanh"), "tanh": _unary("Tanh"),
    "nn.GELU": _gelu, "gelu": _gelu, "nn.SiLU": _silu, "silu": _silu,
    "nn.LeakyReLU": _leaky_relu, "leaky_relu": _leaky_relu, "nn.ELU": _elu, "elu": _elu,
    "nn.Softplus": _softplus, "softplus": _softplus,
    "nn.Softmax": _softmax("Softmax"), "softmax": _softmax("Softmax"),
    "nn.LogSoftmax": _softmax("LogSoftmax"), "log_softmax": _softmax("LogSoftmax"),
    "nn.Identity": _identity, "nn.Dropout": _dropout, "dropout": _dropout,
    "nn.Flatten": _flatten, "flatten": _flatten,
    "exp": _unary("Exp"), "log": _unary("Log"), "sqrt": _unary("Sqrt"), "abs": _unary("Abs"),
    "neg": _unary("Neg"), "__neg__": _unary("Neg"),
    "add": _binary("Add"), "__add__": _binary("Add"), "__radd__": _binary("Add", True),
    "sub": _binary("Sub"), "__sub__": _binary("Sub"), "__rsub__": _binary("Sub", True),
    "mul": _binary("Mul"), "__mul__": _binary("Mul"), "__rmul__": _binary("Mul", True),
    "div": _binary("Div"), "__truediv__": _binary("Div"),
    "__rtruediv__": _binary("Div", True), "pow": _binary("Pow"), "__pow__": _binary("Pow"),
    "matmul": _matmul, "__matmul__": _matmul, "mm": _matmul,
    "view": _view, "reshape": _view,
    "t": _transpose, "transpose": _transpose, "permute": _transpose,
    "cat": _cat, "mean": _reduce("ReduceMean"), "sum": _reduce("ReduceSum"),
    "nn.Conv1d": _conv, "nn.Conv2d": _conv, "nn.Conv3d": _conv,
    "conv1d": _conv, "conv2d": _conv, "conv3d": _conv,
    "nn.ConvTranspose1d": _conv_transpose, "nn.ConvTranspose2d": _conv_transpose,
    "nn.ConvTranspose3d": _conv_transpose, "conv_transpose1d": _conv_transpose,
    "conv_transpose2d": _conv_transpose, "conv_transpose3d": _conv_transpose,
    "nn.MaxPool1d": _max_pool, "nn.MaxPool2d": _max_pool, "nn.MaxPool3d": _max_pool,
    "max_pool1d": _max_pool, "max_pool2d": _max_pool, "max_pool3d": _max_pool,
    "nn.AvgPool1d": _avg_pool, "nn.AvgPool2d": _avg_pool, "nn.AvgPool3d": _avg_pool,
    "avg_pool1d": _avg_pool, "avg_pool2d": _avg_pool, "avg_pool3d": _avg_pool,
    "nn.AdaptiveAvgPool1d": _adaptive_pool("AveragePool"),
    "nn.AdaptiveAvgPool2d": _adaptive_pool("AveragePool"),
    "nn.AdaptiveAvgPool3d": _adaptive_pool("AveragePool"),
    "adaptive_avg_pool1d": _adaptive_pool("AveragePool"),
    "adaptive_avg_pool2d": _adaptive_pool("AveragePool"),
    "adaptive_avg_pool3d": _adaptive_pool("AveragePool"),
    "nn.AdaptiveMaxPool1d": _adaptive_pool("MaxPool"),
    "nn.AdaptiveMaxPool2d": _adaptive_pool("MaxPool"),
    "adaptive_max_pool1d": _adaptive_pool("MaxPool"),
    "adaptive_max_pool2d": _adaptive_pool("MaxPool"),
    "batch_norm": _batch_norm, "layer_norm": _layer_norm, "embedding": _embedding,
    "pad": _pad, "masked_fill": _masked_fill, "contiguous": _identity,
    "squeeze": _squeeze, "unsqueeze": _unsqueeze, "split": _split, "chunk": _split,
    "__getitem__": _getitem, "bmm": _matmul,
    "nn.ReLU6": _clip("min_val", "max_val", 0.0, 6.0), "relu6": _clip("", "", 0.0, 6.0, 9, 9),
    "nn.Hardtanh": _clip("min_val", "max_val", -1.0, 1.0),
    "hardtanh": _clip("min_val", "max_val", -1.0, 1.0),
    "clamp": _clip("min", "max", None, None), "clip": _clip("min", "max", None, None),
    "scaled_dot_product_attention": _scaled_dot_product_attention,
    "nn.MultiheadAttention": _mha,
    "nn.LSTM": _rnn, "nn.GRU": _rnn, "nn.RNN": _rnn,
    "__eq__": _compare("Equal"), "eq": _compare("Equal"),
    "__ne__": _compare("Equal", True), "ne": _compare("Equal", True),
    "__lt__": _compare("Less"), "lt": _compare("Less"),
    "__le__": _compare("LessOrEqual"), "le": _compare("LessOrEqual"),
    "__gt__": _compare("Greater"), "gt": _compare("Greater"),
    "__ge__": _compare("GreaterOrEqual"), "ge": _compare("GreaterOrEqual"),
    "__invert__": _not, "logical_not": _not,
    "to": _cast, "type_as": _cast, "float": _cast, "double": _cast, "half": _cast,
    "long": _cast, "int": _cast, "bool": _cast,
    "_canonical_mask": _canonical, "interpolate": _interpolate,
}


# private helpers that modules import by name and that compute on a traced input in NumPy
# (a boolean key_padding_mask given as a graph input), traced where they are imported
_IMPORTED = {"_canonical_mask": ("ember.ops.attention", "ember.nn.modules.transformer")}


def _patch_points():
    """Where the traced functions live: (namespace, attribute, op name) for every function
    name in CONVERTERS found in ``nn.functional``, the ``ember`` namespace or on Tensor (a
    function, not a same-named dtype such as ``ember.float``), and the ``_IMPORTED`` ones."""
    import importlib

    import ember

    from .nn import functional
    pts = []
    for op in CONVERTERS:
        if op.startswith("nn."):
            continue
        for owner in (functional, ember, Tensor):
            found = (owner.__dict__ if isinstance(owner, type) else vars(owner)).get(op)
            if found is not None and inspect.isroutine(found):
                pts.append((owner, op, op))
        for mod in _IMPORTED.get(op, ()):
            pts.append((importlib.import_module(mod), op, op))
    return pts


class _Tracer:
    """Records the outermost converter-backed calls while the model runs."""

    def __init__(self, graph: _Graph, model=None) -> None:
        self.graph = graph
        self.model = model
        self.depth = 0
        self.saved = []

    def record(self, op: str, args, kwargs, module, out) -> None:
        flat = _leaves(out)
        g = self.graph
        # a call on constants alone (a mask or positions built inside forward) is left out:
        # its result becomes a constant where a traced call uses it
        if not any(isinstance(t, Tensor) and t.grad_fn is not None for t in flat) and not any(
                isinstance(t, Tensor) and id(t) in g.names
                for t in _leaves((args, tuple(kwargs.values())))):
            return
        call = _Call(op, args, kwargs, module, out)
        outs = CONVERTERS[op](g, call)
        if isinstance(out, Tensor):
            g.bind(out, outs)
            return
        for t, n in zip(flat, outs):
            if isinstance(t, Tensor) and n is not None:
                g.bind(t, n)

    def wrap(self, op: str, fn):
        tracer = self

        def traced(*args, **kwargs):
            if tracer.depth:
                return fn(*args, **kwargs)
            tracer.depth += 1
            try:
                out = fn(*args, **kwargs)
            finally:
                tracer.depth -= 1
            if out is NotImplemented:
                return out
            tracer.record(op, args, kwargs, None, out)
            return out
        return traced

    def __enter__(self):
        from .nn.modules.module import Module
        call = Module.__call__
        tracer = self

        def module_call(module, *args, **kwargs):
            key = "nn." + type(module).__name__
            if tracer.depth or key not in CONVERTERS:
                return call(module, *args, **kwargs)
            tracer.depth += 1
            try:
                out = call(module, *args, **kwargs)
            finally:
                tracer.depth -= 1
            tracer.record(key, args, kwargs, module, out)
            return out
        self.saved.append((Module, "__call__", call))
        Module.__call__ = module_call
        wrapped = {}
        for owner, attr, op in _patch_points():
            fn = owner.__dict__.get(attr) if isinstance(owner, type) else getattr(owner, attr)
            if fn is None:
                continue
            self.saved.append((owner, attr, fn))
            w = wrapped.setdefault(id(fn), self.wrap(op, fn))
            setattr(owner, attr, w)
        # a function a module keeps as an attribute (TransformerEncoderLayer's activation =
        # F.relu) was taken before patching: swap it for the traced one as well
        modules = self.model.modules() if isinstance(self.model, Module) else ()
        for m in modules:
            for attr, v in list(vars(m).items()):
                if callable(v) and id(v) in wrapped and not isinstance(v, (Module, type)):
                    self.saved.append((m, attr, v))
                    setattr(m, attr, wrapped[id(v)])
        return self

    def __exit__(self, *exc) -> None:
        for owner, attr, fn in reversed(self.saved):
            setattr(owner, attr, fn)


_EXPORTING = [False]


def is_in_onnx_export() -> bool:
    """Whether an ``export`` is tracing right now."""
    return _EXPORTING[0]


def _value_info(onnx, name: str, t: Tensor, dyn: dict):
    shape = [dyn.get(i, n) for i, n in enumerate(t.shape)]
    return onnx.helper.make_tensor_value_info(
        name, onnx.helper.np_dtype_to_tensor_dtype(t._data.dtype), shape)


def _dynamic(spec, name: str) -> dict:
    axes = (spec or {}).get(name, {})
    if isinstance(axes, (list, tuple)):
        return {int(a): f"{name}_dynamic_axes_{k + 1}" for k, a in enumerate(axes)}
    return {int(a): str(n) for a, n in axes.items()}


def export(model, args=(), f=None, *, kwargs=None, export_params: bool = True,
           verbose=None, input_names=None, output_names=None, opset_version=None,
           dynamic_axes=None, keep_initializers_as_inputs: bool = False, dynamo=False,
           training=None, do_constant_folding: bool = True, **unused):
    """Trace ``model(*args)`` and write it to ``f`` (a path or binary file) as ONNX.

    ``input_names``/``output_names`` name the graph's inputs and outputs, ``dynamic_axes``
    (``{name: {axis: "label"}}`` or ``{name: [axes]}``) marks sizes free to vary, and
    ``opset_version`` picks the ONNX opset (17 by default). The model is traced in eval mode.
    Returns the ``onnx.ModelProto``."""
    try:
        import onnx
    except ModuleNotFoundError:
        raise ModuleNotFoundError("ember.onnx.export needs the onnx package: pip install "
                                  "onnx") from None
    if isinstance(args, Tensor):
        args = (args,)
    args = tuple(args)
    kwargs = dict(kwargs or {})
    if isinstance(args[-1:] and args[-1], dict) and not kwargs:
        kwargs, args = args[-1], args[:-1]
    params = {}
    if hasattr(model, "state_dict"):
        for key, t in model.state_dict(keep_vars=True).items():
            params.setdefault(id(t), key)
    opset = opset_version or DEFAULT_OPSET
    graph = _Graph(onnx, params, opset)
    forward = getattr(model, "forward", model)
    try:
        arg_names = [p for p in inspect.signature(forward).parameters]
    except (TypeError, ValueError):
        arg_names = []
    input_names = list(input_names or [])
    inputs = []

    def trace_input(a, i: int, nested: bool):
        if isinstance(a, (tuple, list)):     # e.g. an LSTM's (h0, c0): one input per tensor
            return type(a)(trace_input(x, i, True) for x in a)
        if not isinstance(a, Tensor):
            return a
        name = input_names[len(inputs)] if len(inputs) < len(input_names) else (
            arg_names[i] if i < len(arg_names) and not nested else f"input_{len(inputs)}")
        # a fresh leaf (requiring grad when floating) so that every traced value derived
        # from it carries a grad_fn, which is how untraced ops are caught
        t = Tensor._wrap(a._data.copy())
        if t.is_floating_point():
            t.requires_grad_(True)
        graph.bind(t, name)
        inputs.append(_value_info(onnx, name, t, _dynamic(dynamic_axes, name)))
        return t
    traced_args = [trace_input(a, i, False) for i, a in enumerate(args)]
    was_training = getattr(model, "training", False)
    if hasattr(model, "train"):
        model.train(False)      # (PyTorch's default TrainingMode.EVAL)
    _EXPORTING[0] = True
    try:
        with enable_grad(), _Tracer(graph, model):
            out = model(*traced_args, **kwargs)
    finally:
        _EXPORTING[0] = False
        if hasattr(model, "train"):
            model.train(was_training)
    outs = [t for t in _leaves(out) if t is not None]
    output_names = list(output_names or [])
    outputs = []
    for k, t in enumerate(outs):
        name = output_names[k] if k < len(output_names) else (
            "output" if len(outs) == 1 else f"output_{k}")
        src = graph.name(t)
        graph.nodes.append(onnx.helper.make_node("Identity", [src], [name],
                                                 name=f"/output_{k}"))
        outputs.append(_value_info(onnx, name, t, _dynamic(dynamic_axes, name)))
    inits = graph.initializers
    if keep_initializers_as_inputs:
        inputs += [onnx.helper.make_tensor_value_info(i.name, i.data_type, list(i.dims))
                   for i in inits]
    g = onnx.helper.make_graph(graph.nodes, "main_graph", inputs, outputs, inits)
    proto = onnx.helper.make_model(g, opset_imports=[onnx.helper.make_opsetid("", opset)],
                                   producer_name="ember")
    onnx.checker.check_model(proto)
    if f is not None:
        if isinstance(f, (str, os.PathLike)):
            onnx.save(proto, os.fspath(f))
        else:
            f.write(proto.SerializeToString())
    return proto
