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
traced value into the file. Writing needs the ``onnx`` package (``pip install onnx``).
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
    # -1 stays -1 so that a dynamic batch still reshapes
    return g.node("Reshape", [g.name(x), g.const([int(s) for s in shape], np.int64)])


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
}


def _patch_points():
    """Where the traced functions live: (namespace, attribute, op name) for every function
    name in CONVERTERS found in ``nn.functional``, the ``ember`` namespace or on Tensor."""
    import ember
    from .nn import functional
    pts = []
    for op in CONVERTERS:
        if op.startswith("nn."):
            continue
        for owner in (functional, ember, Tensor):
            if op in (owner.__dict__ if isinstance(owner, type) else vars(owner)):
                pts.append((owner, op, op))
    return pts


class _Tracer:
    """Records the outermost converter-backed calls while the model runs."""

    def __init__(self, graph: _Graph) -> None:
        self.graph = graph
        self.depth = 0
        self.saved = []

    def record(self, op: str, args, kwargs, module, out) -> None:
        call = _Call(op, args, kwargs, module, out)
        outs = CONVERTERS[op](self.graph, call)
        if isinstance(out, Tensor):
            self.graph.bind(out, outs)
        else:
            for t, n in zip(out, outs):
                self.graph.bind(t, n)

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
        for owner, attr, op in _patch_points():
            fn = owner.__dict__.get(attr) if isinstance(owner, type) else getattr(owner, attr)
            if fn is None:
                continue
            self.saved.append((owner, attr, fn))
            setattr(owner, attr, self.wrap(op, fn))
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
    traced_args = []
    for i, a in enumerate(args):
        if not isinstance(a, Tensor):
            traced_args.append(a)
            continue
        name = input_names[len(inputs)] if len(inputs) < len(input_names) else (
            arg_names[i] if i < len(arg_names) else f"input_{i}")
        # a fresh leaf (requiring grad when floating) so that every traced value derived
        # from it carries a grad_fn, which is how untraced ops are caught
        t = Tensor._wrap(a._data.copy())
        if t.is_floating_point():
            t.requires_grad_(True)
        graph.bind(t, name)
        inputs.append(_value_info(onnx, name, t, _dynamic(dynamic_axes, name)))
        traced_args.append(t)
    was_training = getattr(model, "training", False)
    if hasattr(model, "train"):
        model.train(False)      # (PyTorch's default TrainingMode.EVAL)
    _EXPORTING[0] = True
    try:
        with enable_grad(), _Tracer(graph):
            out = model(*traced_args, **kwargs)
    finally:
        _EXPORTING[0] = False
        if hasattr(model, "train"):
            model.train(was_training)
    outs = [out] if isinstance(out, Tensor) else list(out)
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
