"""torch.onnx.export: models traced into real ONNX files, run in onnxruntime and compared
with ember's own outputs (float32 matrix products: within a few ulp)."""
import io

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import ember

nn = ember.nn
F = nn.functional


def _run(model, x, **kw):
    b = io.BytesIO()
    proto = ember.onnx.export(model, (x,), b, input_names=["x"], output_names=["y"], **kw)
    return proto, ort.InferenceSession(b.getvalue(), providers=["CPUExecutionProvider"])


def _close(got, want):
    np.testing.assert_allclose(got, want.detach().numpy(), rtol=1e-5, atol=1e-6)


def _mlp():
    ember.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(16, 16), nn.GELU(), nn.Linear(16, 16), nn.Tanh(),
                         nn.Linear(16, 8), nn.LeakyReLU(0.1), nn.Linear(8, 8), nn.SiLU(),
                         nn.Linear(8, 8), nn.Sigmoid(), nn.Linear(8, 8), nn.ELU(),
                         nn.Linear(8, 8), nn.Softplus(beta=2.0), nn.Linear(8, 3),
                         nn.LogSoftmax(dim=1))


def test_mlp_runs_in_onnxruntime_with_a_dynamic_batch(tmp_path):
    model = _mlp()
    x = ember.randn(4, 3, 4)
    path = tmp_path / "mlp.onnx"
    ember.onnx.export(model, (x,), path, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=17)
    assert model.training          # export traced in eval mode, then restored it
    model.eval()
    proto = onnx.load(path)
    assert [i.name for i in proto.graph.input] == ["x"]
    assert [o.name for o in proto.graph.output] == ["y"]
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.opset_import[0].version == 17
    names = {i.name for i in proto.graph.initializer}
    assert {"1.weight", "1.bias", "18.weight"} <= names      # state_dict keys
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for n in (4, 9, 1):
        xi = ember.randn(n, 3, 4)
        _close(sess.run(None, {"x": xi.numpy()})[0], model(xi))


class Block(nn.Module):
    """A small model written with functional ops, tensor methods and arithmetic."""

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(6, 8)
        self.mix = nn.Linear(8, 8, bias=False)
        self.out = nn.Linear(8, 4)
        self.scale = nn.Parameter(ember.full((8,), 0.5))

    def forward(self, x):
        h = F.relu(self.inp(x))
        r = h + self.scale * ember.tanh(self.mix(h)) - 0.1     # residual, scalar
        r = 2.0 * r / (1.0 + r.abs())
        att = ember.softmax(r @ r.t() / 8 ** 0.5, dim=-1)      # (b, b) attention
        r = att.matmul(r) + r.mean(dim=1, keepdim=True)
        r = r.view(-1, 2, 4).transpose(1, 2).reshape(-1, 8)
        y = self.out(F.gelu(r, approximate="tanh"))
        return ember.cat([y, y.exp().sum(1, keepdim=True).log()], dim=1)


@pytest.mark.parametrize("opset", [17, 18])
def test_small_model_with_functional_ops(opset):
    ember.manual_seed(1)
    model = Block()
    x = ember.randn(5, 6)
    proto, sess = _run(model, x, opset_version=opset)
    ops = {n.op_type for n in proto.graph.node}
    assert {"Gemm", "Relu", "Tanh", "Softmax", "MatMul", "Transpose", "Reshape",
            "ReduceMean", "Concat"} <= ops
    _close(sess.run(None, {"x": x.numpy()})[0], model(x))


def test_linear_on_3d_input_and_multiple_outputs():
    ember.manual_seed(2)

    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 3)

        def forward(self, x):
            y = self.lin(x)
            return y, F.softmax(y, dim=-1)

    model = Two()
    x = ember.randn(2, 5, 4)
    b = io.BytesIO()
    ember.onnx.export(model, x, b, input_names=["x"], output_names=["logits", "probs"])
    sess = ort.InferenceSession(b.getvalue(), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"x": x.numpy()})
    for g, w in zip(got, model(x)):
        _close(g, w)


def test_op_without_converter_is_refused_not_frozen():
    class Cum(nn.Module):
        def forward(self, x):
            return x.cumsum(1) * 2.0

    with pytest.raises(RuntimeError, match=r"grad_fn=CumsumBackward0.*ember.onnx.CONVERTERS"):
        ember.onnx.export(Cum(), (ember.randn(2, 3),), io.BytesIO())


def test_converter_table_is_the_extension_point():
    class Cum(nn.Module):
        def forward(self, x):
            return ember.cumsum(x, 1)

    def cumsum(g, call):
        axis = g.const(call.arg(1, "dim"), np.int64)
        return g.node("CumSum", [g.name(call.args[0]), axis])

    ember.onnx.CONVERTERS["cumsum"] = cumsum      # all it takes
    try:
        x = ember.randn(3, 4)
        _, sess = _run(Cum(), x)
        _close(sess.run(None, {"x": x.numpy()})[0], ember.cumsum(x, 1))
    finally:
        del ember.onnx.CONVERTERS["cumsum"]
