"""torch.onnx.export of CNNs, recurrent nets and transformers: every exported model is run in
onnxruntime and compared with ember's own output (float32: within a few ulp), and checked
with ``onnx.checker``."""
import io
import math

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import ember

nn = ember.nn
F = nn.functional


def _leaves(obj):
    if isinstance(obj, (tuple, list)):
        return [t for o in obj for t in _leaves(o)]
    return [] if obj is None else [obj]


def _export(model, args, **kw):
    b = io.BytesIO()
    proto = ember.onnx.export(model, args, b, **kw)
    onnx.checker.check_model(proto, full_check=True)
    sess = ort.InferenceSession(b.getvalue(), providers=["CPUExecutionProvider"])
    return proto, sess


def _compare(sess, model, args, atol=1e-6):
    """Run the session on ``args`` (nested tuples flattened, as the export's inputs are) and
    compare every output with ember's."""
    feeds = {i.name: t.numpy() for i, t in zip(sess.get_inputs(), _leaves(args))}
    assert len(feeds) == len(_leaves(args))
    got = sess.run(None, feeds)
    with ember.no_grad():
        want = _leaves(model(*args))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        w = w.numpy()
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=atol)


def _check(model, *args, atol=1e-6, **kw):
    model.eval()
    proto, sess = _export(model, args, **kw)
    _compare(sess, model, args, atol)
    return proto, sess


# -- CNNs ------------------------------------------------------------------------------------
class MnistNet(nn.Module):
    """pytorch/examples' MNIST network."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = ember.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return F.log_softmax(self.fc2(x), dim=1)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool = nn.AvgPool2d(2)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = self.pool(ember.tanh(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


@pytest.mark.parametrize("net", [MnistNet, LeNet5])
def test_cnn_with_a_dynamic_batch(net):
    ember.manual_seed(0)
    model = net().eval()
    proto, sess = _check(model, ember.randn(4, 1, 28, 28), input_names=["x"],
                         output_names=["y"], dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"
    assert {"Conv", "MaxPool"} <= {n.op_type for n in proto.graph.node}
    for n in (1, 7):
        _compare(sess, model, (ember.randn(n, 1, 28, 28),))


_CONV = [dict(), dict(stride=2, padding=1), dict(padding="same", dilation=2),
         dict(padding="valid", stride=3), dict(groups=2, bias=False, padding=1),
         dict(padding=2, padding_mode="reflect"), dict(padding=1, padding_mode="replicate"),
         dict(padding=2, padding_mode="circular", dilation=2)]


@pytest.mark.parametrize("cfg", _CONV, ids=str)
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_conv(nd, cfg):
    ember.manual_seed(1)
    conv = [nn.Conv1d, nn.Conv2d, nn.Conv3d][nd - 1](4, 6, 3, **cfg)
    _check(conv, ember.randn(2, 4, *[9, 8, 7][:nd]))


def test_conv2d_asymmetric_and_functional():
    ember.manual_seed(2)

    class Fn(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(ember.randn(6, 2, 3, 2))
            self.conv = nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 0),
                                  dilation=(1, 2))

        def forward(self, x):
            y = F.conv2d(x, self.w, None, (1, 2), (2, 1), 1, 2)
            return self.conv(F.pad(y[:, :3], (1, 2, 0, 1), value=0.5))

    _check(Fn(), ember.randn(2, 4, 8, 9))


@pytest.mark.parametrize("cfg", [dict(), dict(stride=2, padding=1, output_padding=1),
                                 dict(stride=(2, 3), padding=(1, 0), dilation=2, groups=2),
                                 dict(stride=2, bias=False)], ids=str)
def test_conv_transpose2d(cfg):
    ember.manual_seed(3)
    _check(nn.ConvTranspose2d(4, 6, (3, 2), **cfg), ember.randn(2, 4, 5, 6))


def test_conv_transpose_with_output_size():
    ember.manual_seed(4)

    class Up(nn.Module):
        def __init__(self):
            super().__init__()
            self.up = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)

        def forward(self, x):
            return self.up(x, output_size=(10, 9)), F.conv_transpose1d(
                x[:, :, 0], self.up.weight[:, :, 0], None, 2)

    _check(Up(), ember.randn(2, 3, 5, 5))


_POOL = [(nn.MaxPool2d, dict(kernel_size=2)),
         (nn.MaxPool2d, dict(kernel_size=3, stride=2, ceil_mode=True)),
         (nn.MaxPool2d, dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
         (nn.MaxPool2d, dict(kernel_size=(2, 3), stride=1, padding=1, dilation=2)),
         (nn.MaxPool1d, dict(kernel_size=3, stride=2, padding=1)),
         (nn.AvgPool2d, dict(kernel_size=3, stride=2, ceil_mode=True)),
         (nn.AvgPool2d, dict(kernel_size=3, stride=2, padding=1)),
         (nn.AvgPool2d, dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
         (nn.AvgPool2d, dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
         (nn.AvgPool2d, dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                             count_include_pad=False)),
         (nn.AvgPool1d, dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)),
         (nn.AdaptiveAvgPool2d, dict(output_size=1)),
         (nn.AdaptiveAvgPool2d, dict(output_size=(4, None))),
         (nn.AdaptiveAvgPool2d, dict(output_size=(2, 3))),
         (nn.AdaptiveAvgPool1d, dict(output_size=1)),
         (nn.AdaptiveMaxPool2d, dict(output_size=(1, 1))),
         (nn.AdaptiveMaxPool2d, dict(output_size=(4, 3)))]


@pytest.mark.parametrize("size", [(8, 6), (7, 9)])
@pytest.mark.parametrize("cls,cfg", _POOL, ids=str)
def test_pooling(cls, cfg, size):
    x = ember.randn(2, 3, *size)
    if cls in (nn.MaxPool1d, nn.AvgPool1d, nn.AdaptiveAvgPool1d):
        x = x[:, :, 0]
    model = cls(**cfg)
    if "Adaptive" in cls.__name__ and any(
            i % o for i, o in zip(x.shape[2:], model(x).shape[2:])):
        with pytest.raises(RuntimeError, match=r"(?i)adaptive\w*pool.*evenly"):
            ember.onnx.export(model, (x,), io.BytesIO())
        return
    _check(model, x)


def test_batch_norm_in_eval_mode():
    ember.manual_seed(5)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU6(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 5),
                          nn.BatchNorm1d(5, affine=False), nn.Hardtanh(-0.5, 0.7))
    model.train()
    for _ in range(3):      # running statistics away from their initial 0 and 1
        model(ember.randn(8, 3, 6, 6) * 2 + 1)
    x = ember.randn(8, 3, 6, 6)
    _, sess = _export(model, (x,))
    assert model.training           # export traced in eval mode, then restored training
    model.eval()
    _compare(sess, model, (x,))


def test_batch_norm_without_running_stats_is_refused():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4, track_running_stats=False))
    with pytest.raises(RuntimeError, match="batch_norm using batch statistics"):
        ember.onnx.export(model, (ember.randn(2, 3, 6, 6),), io.BytesIO())


def test_max_pool_with_indices_is_refused():
    with pytest.raises(RuntimeError, match="return_indices"):
        ember.onnx.export(nn.MaxPool2d(2, return_indices=True), (ember.randn(1, 1, 4, 4),),
                          io.BytesIO())


def test_unsupported_layer_in_a_cnn_names_its_grad_fn():
    model = nn.Sequential(nn.Conv2d(4, 4, 1), nn.PixelShuffle(2), nn.ReLU())
    with pytest.raises(RuntimeError, match=r"grad_fn=\w+Backward0"):
        ember.onnx.export(model, (ember.randn(1, 4, 3, 3),), io.BytesIO())


@pytest.mark.parametrize("size", [{"scale_factor": 2}, {"scale_factor": (0.6, 2.5)},
                                  {"size": (7, 5)}, {"size": (3, 2)}], ids=str)
@pytest.mark.parametrize("mode,align_corners", [("nearest", None), ("nearest-exact", None),
                                                ("bilinear", False), ("bilinear", True),
                                                ("bicubic", False), ("bicubic", True)])
def test_upsample(mode, align_corners, size):
    # (interpolation weights are computed differently: within a few float32 ulps of 1)
    _check(nn.Upsample(mode=mode, align_corners=align_corners, **size),
           ember.randn(2, 3, 5, 4), atol=1e-5)


def test_interpolate_with_antialias_is_refused():
    class Down(nn.Module):
        def forward(self, x):
            return F.interpolate(x, scale_factor=0.5, mode="bilinear", antialias=True)

    with pytest.raises(RuntimeError, match="antialias"):
        ember.onnx.export(Down(), (ember.randn(1, 1, 4, 4),), io.BytesIO())


# -- recurrent networks ------------------------------------------------------------------------
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU, nn.RNN])
def test_rnn(cls, num_layers, batch_first, bidirectional):
    ember.manual_seed(6)
    model = cls(5, 7, num_layers=num_layers, batch_first=batch_first,
                bidirectional=bidirectional)
    x = ember.randn(3, 4, 5)
    proto, _ = _check(model, x)
    assert [n.op_type for n in proto.graph.node].count(cls.__name__) == num_layers
    assert len(proto.graph.output) == (3 if cls is nn.LSTM else 2)
    # given initial states (one graph input each)
    shape = (num_layers * (2 if bidirectional else 1), 3 if batch_first else 4, 7)
    h0 = ember.randn(*shape)
    state = (h0, ember.randn(*shape)) if cls is nn.LSTM else h0
    proto, _ = _check(model, x, state)
    assert len(proto.graph.input) == (3 if cls is nn.LSTM else 2)


def test_rnn_unbatched_relu_without_bias():
    ember.manual_seed(7)
    _check(nn.RNN(5, 4, nonlinearity="relu", bias=False), ember.randn(6, 5))
    _check(nn.LSTM(5, 4, num_layers=2), ember.randn(6, 5), (ember.randn(2, 4),
                                                            ember.randn(2, 4)))


def test_lstm_classifier_with_a_dynamic_batch():
    ember.manual_seed(8)

    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(20, 6)
            self.lstm = nn.LSTM(6, 8, batch_first=True, bidirectional=True)
            self.fc = nn.Linear(16, 3)

        def forward(self, tokens):
            out, (h, c) = self.lstm(self.emb(tokens))
            return F.log_softmax(self.fc(out), dim=-1), h, c

    model = Tagger().eval()
    _, sess = _check(model, ember.randint(0, 20, (2, 5)), input_names=["tokens"],
                     dynamic_axes={"tokens": {0: "batch", 1: "seq"}})
    _compare(sess, model, (ember.randint(0, 20, (4, 9)),))


def test_lstm_with_projection_is_refused():
    with pytest.raises(RuntimeError, match="proj_size"):
        ember.onnx.export(nn.LSTM(4, 6, proj_size=3), (ember.randn(2, 1, 4),), io.BytesIO())


# -- transformers ------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_encoder(batch_first, norm_first, activation):
    ember.manual_seed(9)
    layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=batch_first,
                                       norm_first=norm_first, activation=activation)
    x = ember.randn(3, 5, 16)
    _check(layer, x)
    enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(16), enable_nested_tensor=False)
    seq, batch = (5, 3) if batch_first else (3, 5)
    mask = nn.Transformer.generate_square_subsequent_mask(seq)
    padding = ember.zeros(batch, seq, dtype=ember.bool)
    padding[:, -1] = True

    class Masked(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = enc

        def forward(self, x, key_padding_mask):
            return self.enc(x, mask=mask, src_key_padding_mask=key_padding_mask,
                            is_causal=True)

    proto, sess = _check(Masked(), x, padding, dynamic_axes={"x": {int(not batch_first): "N"},
                                                             "key_padding_mask": {0: "N"}})
    assert [i.name for i in proto.graph.input] == ["x", "key_padding_mask"]
    x2 = ember.randn(2, 5, 16) if batch_first else ember.randn(3, 2, 16)
    _compare(sess, Masked(), (x2, ember.rand(2, seq) < 0.3))


@pytest.mark.parametrize("batch_first", [False, True])
def test_full_transformer_with_a_causal_target_mask(batch_first):
    ember.manual_seed(14)
    model = nn.Transformer(16, 2, 1, 1, 32, batch_first=batch_first)
    src = ember.randn(3, 5, 16) if batch_first else ember.randn(5, 3, 16)
    tgt = ember.randn(3, 4, 16) if batch_first else ember.randn(4, 3, 16)
    mask = nn.Transformer.generate_square_subsequent_mask(4)

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.t = model

        def forward(self, src, tgt):
            return self.t(src, tgt, tgt_mask=mask, tgt_is_causal=True)

    _check(Seq2Seq(), src, tgt)


def test_multihead_attention_with_weights():
    ember.manual_seed(10)
    mha = nn.MultiheadAttention(16, 2, batch_first=True)
    _check(mha, ember.randn(2, 5, 16), ember.randn(2, 7, 16), ember.randn(2, 7, 16))

    class PerHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = nn.MultiheadAttention(16, 4, kdim=8, vdim=12, bias=False)

        def forward(self, q, k, v, mask):
            return self.attn(q, k, v, attn_mask=mask, average_attn_weights=False)

    mask = ember.randn(5, 7)
    _check(PerHead(), ember.randn(5, 2, 16), ember.randn(7, 2, 8), ember.randn(7, 2, 12), mask)


class CausalSelfAttention(nn.Module):
    """nanoGPT's attention, written out or through scaled_dot_product_attention."""

    def __init__(self, n_embd, n_head, block_size, flash):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head = n_head
        self.flash = flash
        self.register_buffer("bias", ember.tril(ember.ones(block_size, block_size))
                             .view(1, 1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        if self.flash:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0.0,
                                               is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
            y = F.softmax(att, dim=-1) @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class GPT(nn.Module):
    def __init__(self, vocab=50, n_embd=32, n_head=4, block_size=16, n_layer=2, flash=False):
        super().__init__()
        self.wte = nn.Embedding(vocab, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.drop = nn.Dropout(0.1)
        self.h = nn.ModuleList()
        for _ in range(n_layer):
            block = nn.ModuleDict({
                "ln_1": nn.LayerNorm(n_embd),
                "attn": CausalSelfAttention(n_embd, n_head, block_size, flash),
                "ln_2": nn.LayerNorm(n_embd, bias=False),
                "mlp": nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(approximate="tanh"),
                                     nn.Linear(4 * n_embd, n_embd), nn.Dropout(0.1))})
            self.h.append(block)
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab, bias=False)
        self.wte.weight = self.lm_head.weight       # weight tying

    def forward(self, idx):
        _, t = idx.size()
        pos = ember.arange(0, t, dtype=ember.long)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        for block in self.h:
            x = x + block["attn"](block["ln_1"](x))
            x = x + block["mlp"](block["ln_2"](x))
        x = self.ln_f(x)
        return self.lm_head(x), self.lm_head(x[:, [-1], :]), x[:, -1], x[..., 1:3, None]


@pytest.mark.parametrize("opset", [13, 17, 18])
@pytest.mark.parametrize("flash", [False, True])
def test_gpt_with_a_dynamic_batch(flash, opset):
    ember.manual_seed(11)
    model = GPT(flash=flash)
    proto, sess = _check(model, ember.randint(0, 50, (2, 10)), input_names=["idx"],
                         dynamic_axes={"idx": [0]}, opset_version=opset)
    assert ("LayerNormalization" in {n.op_type for n in proto.graph.node}) == (opset >= 17)
    assert "Gather" in {n.op_type for n in proto.graph.node}
    _compare(sess, model, (ember.randint(0, 50, (5, 10)),))


def test_misc_tensor_ops():
    ember.manual_seed(12)

    class Misc(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(6, 6)

        def forward(self, x):
            a, b, c = self.lin(x).chunk(3, dim=-1)
            y = ember.cat([a.clamp(-0.2, 0.3), b.clamp(min=0.0), F.relu6(c * 10)], dim=-1)
            y = y.unsqueeze(1).squeeze(1).unsqueeze(0)[0, :, 1:5:2]
            return ember.bmm(y.unsqueeze(0), y.t().unsqueeze(0)).squeeze()

    _check(Misc(), ember.randn(4, 6))


def test_padding_mask_computed_from_token_ids_stays_in_the_graph():
    ember.manual_seed(13)

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(10, 8, padding_idx=0)
            layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
            self.enc = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)

        def forward(self, tokens):
            pad = tokens == 0
            h = self.enc(self.emb(tokens), src_key_padding_mask=pad)
            keep = (~pad).float().unsqueeze(-1)
            return (h * keep).sum(1) / keep.sum(1)

    model = Encoder().eval()
    tokens = ember.tensor([[3, 4, 5, 0], [1, 2, 0, 0]])
    proto, sess = _check(model, tokens, dynamic_axes={"tokens": [0]})
    assert {"Equal", "Not", "Where", "Cast"} <= {n.op_type for n in proto.graph.node}
    # other padding than the traced one: the mask is computed in the graph, not frozen
    _compare(sess, model, (ember.tensor([[3, 0, 0, 0], [1, 2, 3, 4], [5, 6, 7, 0]]),))


def test_indexing():
    ember.manual_seed(15)

    class Index(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 4)

        def forward(self, x, idx):
            y = self.lin(x)
            return (y[:, idx], y[..., [[0, 1], [2, 3]]], y[1:, None, ::2], y[-1], y[:, -2:],
                    y[0, 1:3])

    _check(Index(), ember.randn(3, 5, 4), ember.tensor([[0, 2], [4, 1]]))

    class Mixed(nn.Module):
        def forward(self, x):
            return (x * 2)[0, :, [1, 0]]

    with pytest.raises(RuntimeError, match="index tensors, or one mixed with ints"):
        ember.onnx.export(Mixed(), (ember.randn(2, 3, 4),), io.BytesIO())
