"""Attention and transformers against PyTorch: scaled_dot_product_attention (masks, causal,
dropout, GQA, fully masked rows), nn.attention's context manager, MultiheadAttention in its
variants (init bit for bit, outputs, weights, gradients, errors) and the Transformer family
(reprs, state_dict keys, seeded init, outputs and gradients)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

TOL = dict(rtol=1e-5, atol=2e-6)


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else t._data


def _pair(build):
    torch.manual_seed(0)
    t = build(torch)
    ember.manual_seed(0)
    e = build(ember)
    assert repr(t) == repr(e)
    ts, es = t.state_dict(), e.state_dict()
    assert list(ts) == list(es)
    for k in ts:
        assert np.array_equal(_np(ts[k]), _np(es[k])), k
    return t, e


def _run_both(t, e, arrays: dict, call, grad_keys=()):
    """Call ``call(lib, module, tensors)`` in both libraries; backward of a weighted sum of
    the first output; returns the outputs and the gradients of ``grad_keys`` and params."""
    res = []
    for lib, m in ((torch, t), (ember, e)):
        ts = {k: lib.tensor(v, requires_grad=k in grad_keys) for k, v in arrays.items()}
        out = call(lib, m, ts)
        outs = out if isinstance(out, tuple) else (out,)
        w = lib.tensor(np.linspace(-1, 1, outs[0].numel(), dtype="f4").reshape(
            tuple(outs[0].shape)))
        (outs[0] * w).sum().backward()
        grads = [ts[k].grad for k in grad_keys] + [p.grad for p in m.parameters()]
        res.append((outs, grads))
    (to, tg), (eo, eg) = res
    for a, b in zip(to, eo):
        if a is None:
            assert b is None
            continue
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(_np(b), _np(a), **TOL)
    for a, b in zip(tg, eg):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(_np(b), _np(a), rtol=1e-4, atol=1e-5)
    return to, eo


# -- scaled_dot_product_attention -----------------------------------------------------------------
def test_sdpa_float32_and_fully_masked_rows():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal(s).astype("f4") for s in ((2, 3, 4, 8), (2, 3, 5, 8),
                                                            (2, 3, 5, 8)))
    mask = rng.uniform(size=(4, 5)) > 0.3
    mask[2] = False
    outs = []
    for lib in (torch, ember):
        ts = [lib.tensor(a, requires_grad=True) for a in (q, k, v)]
        o = lib.nn.functional.scaled_dot_product_attention(*ts, attn_mask=lib.tensor(mask))
        o.sum().backward()
        outs.append([o] + [t.grad for t in ts])
    for a, b in zip(*outs):
        np.testing.assert_allclose(_np(b), _np(a), rtol=1e-5, atol=1e-5)
    assert np.all(_np(outs[1][0])[:, :, 2] == 0) and np.all(_np(outs[1][1])[:, :, 2] == 0)


def test_sdpa_dropout_and_kernel_context():
    from ember.nn.attention import SDPBackend, sdpa_kernel
    q = ember.ones(2, 2, 16, 4)
    v = ember.arange(2 * 2 * 16 * 4, dtype=ember.float32).view(2, 2, 16, 4)
    F = ember.nn.functional
    with sdpa_kernel([SDPBackend.MATH, SDPBackend.FLASH_ATTENTION]):
        full = F.scaled_dot_product_attention(q, q, v)
        a = F.scaled_dot_product_attention(q, q, v, dropout_p=0.5)
    b = F.scaled_dot_product_attention(q, q, v, dropout_p=0.5)
    assert not np.allclose(_np(a), _np(b))
    # uniform attention: each dropped-out output is a scaled partial average of the values
    assert np.isfinite(_np(a)).all() and not np.allclose(_np(a), _np(full))
    assert np.array_equal(_np(F.scaled_dot_product_attention(q, q, v, dropout_p=1.0)),
                          np.zeros((2, 2, 16, 4), "f4"))
    assert str(SDPBackend.MATH) == str(torch.nn.attention.SDPBackend.MATH)
    assert int(SDPBackend.EFFICIENT_ATTENTION) == int(
        torch.nn.attention.SDPBackend.EFFICIENT_ATTENTION)


def test_sdpa_bad_causal_with_mask():
    for lib in (torch, ember):
        with pytest.raises(RuntimeError):
            lib.nn.functional.scaled_dot_product_attention(
                lib.ones(1, 2, 3), lib.ones(1, 2, 3), lib.ones(1, 2, 3),
                attn_mask=lib.ones(2, 2, dtype=lib.bool), is_causal=True)


# -- MultiheadAttention ------------
MHA = [dict(), dict(batch_first=True), dict(kdim=5, vdim=3), dict(bias=False),
       dict(add_bias_kv=True, add_zero_attn=True)]


@pytest.mark.parametrize("kw", MHA, ids=[str(i) for i in range(len(MHA))])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_multihead_attention(kw, need_weights, average):
    t, e = _pair(lambda lib: lib.nn.MultiheadAttention(8, 2, **kw))
    rng = np.random.default_rng(1)
    bf = kw.get("batch_first")
    shp = (lambda L, d: (3, L, d)) if bf else (lambda L, d: (L, 3, d))
    arrays = dict(q=rng.standard_normal(shp(4, 8)).astype("f4"),
                  k=rng.standard_normal(shp(5, kw.get("kdim", 8))).astype("f4"),
                  v=rng.standard_normal(shp(5, kw.get("vdim", 8))).astype("f4"),
                  kpm=np.array([[0, 0, 0, 0, 1], [0, 0, 0, 1, 1], [0, 0, 0, 0, 0]], bool),
                  am=rng.uniform(size=(4, 5)) > 0.8)

    def call(lib, m, ts):
        return m(ts["q"], ts["k"], ts["v"], key_padding_mask=ts["kpm"], attn_mask=ts["am"],
                 need_weights=need_weights, average_attn_weights=average)
    _run_both(t, e, arrays, call, ("q", "k", "v"))


def test_multihead_self_attention_causal_and_unbatched():
    t, e = _pair(lambda lib: lib.nn.MultiheadAttention(8, 4, batch_first=True))
    rng = np.random.default_rng(2)
    causal = np.triu(np.full((6, 6), -np.inf, "f4"), 1)
    arrays = dict(x=rng.standard_normal((2, 6, 8)).astype("f4"), m=causal)
    _run_both(t, e, arrays, lambda lib, m, ts: m(ts["x"], ts["x"], ts["x"], attn_mask=ts["m"],
                                                is_causal=True, need_weights=False), ("x",))
    arrays = dict(x=rng.standard_normal((6, 8)).astype("f4"))
    _run_both(t, e, arrays, lambda lib, m, ts: m(ts["x"], ts["x"], ts["x"]), ("x",))


def test_multihead_attention_errors():
    def err(fn):
        got = []
        for lib in (torch, ember):
            with pytest.raises(Exception) as info:
                fn(lib)
            got.append((type(info.value), str(info.value)))
        assert got[0] == got[1]
    err(lambda lib: lib.nn.MultiheadAttention(10, 3))
    err(lambda lib: lib.nn.MultiheadAttention(0, 3))
    mha = {lib: lib.nn.MultiheadAttention(8, 2) for lib in (torch, ember)}
    err(lambda lib: mha[lib](lib.ones(4, 2, 8), lib.ones(5, 2, 8), lib.ones(5, 2, 8),
                             attn_mask=lib.ones(4, 4, dtype=lib.bool)))
    err(lambda lib: mha[lib](lib.ones(4, 2, 8), lib.ones(5, 2, 8), lib.ones(5, 2, 8),
                             key_padding_mask=lib.ones(2, 5, dtype=lib.int64)))
    err(lambda lib: mha[lib](lib.ones(4, 2, 8), lib.ones(5, 2, 8), lib.ones(5, 2, 8),
                             key_padding_mask=lib.ones(3, 5, dtype=lib.bool)))
    err(lambda lib: mha[lib](lib.ones(4, 2, 8), lib.ones(5, 8), lib.ones(5, 8)))
    err(lambda lib: mha[lib](lib.ones(4, 2, 6), lib.ones(5, 2, 6), lib.ones(5, 2, 6)))


# -- transformers -------------------------------------------------------------------------------
LAYER_KW = [dict(), dict(norm_first=True, activation="gelu", batch_first=True),
            dict(bias=False, layer_norm_eps=1e-3)]


@pytest.mark.parametrize("kw", LAYER_KW, ids=[str(i) for i in range(len(LAYER_KW))])
def test_encoder_matches_torch(kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, e = _pair(lambda lib: lib.nn.TransformerEncoder(
            lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kw), 2,
            norm=lib.nn.LayerNorm(8)))
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 5, 8) if kw.get("batch_first") else (5, 3, 8)).astype("f4")
    kpm = np.zeros((3, 5), bool)
    kpm[1, 3:] = True
    arrays = dict(x=x, mask=np.triu(np.full((5, 5), -np.inf, "f4"), 1), kpm=kpm)
    _run_both(t, e, arrays, lambda lib, m, ts: m(ts["x"], mask=ts["mask"],
                                                src_key_padding_mask=ts["kpm"]), ("x",))
    _run_both(t, e, arrays, lambda lib, m, ts: m(ts["x"], mask=ts["mask"], is_causal=True),
              ("x",))


def test_decoder_and_transformer_match_torch():
    t, e = _pair(lambda lib: lib.nn.Transformer(8, 2, 1, 2, 16, dropout=0.0,
                                                activation=lib.nn.GELU()))
    rng = np.random.default_rng(4)
    arrays = dict(src=rng.standard_normal((6, 2, 8)).astype("f4"),
                  tgt=rng.standard_normal((4, 2, 8)).astype("f4"),
                  tm=_np(torch.nn.Transformer.generate_square_subsequent_mask(4)),
                  mkpm=np.array([[0, 0, 0, 0, 0, 1], [0] * 6], bool))
    _run_both(t, e, arrays, lambda lib, m, ts: m(ts["src"], ts["tgt"], tgt_mask=ts["tm"],
                                                memory_key_padding_mask=ts["mkpm"]),
              ("src", "tgt"))
    assert np.array_equal(_np(ember.nn.Transformer.generate_square_subsequent_mask(4)),
                          arrays["tm"])
    t, e = _pair(lambda lib: lib.nn.TransformerDecoder(
        lib.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, norm_first=True,
                                       batch_first=True), 2))
    arrays = dict(tgt=rng.standard_normal((2, 4, 8)).astype("f4"),
                  mem=rng.standard_normal((2, 3, 8)).astype("f4"))
    _run_both(t, e, arrays, lambda lib, m, ts: m(ts["tgt"], ts["mem"], tgt_is_causal=False),
              ("tgt", "mem"))


def test_transformer_warnings_training_and_errors():
    for lib in (torch, ember):
        with pytest.warns(UserWarning, match="self.use_nested_tensor is False because "
                          "encoder_layer.self_attn.batch_first was not True"):
            lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(8, 2), 1)
    m = ember.nn.TransformerEncoderLayer(8, 2, 16)       # dropout 0.1, training mode
    x = ember.randn(5, 2, 8)
    assert not np.allclose(_np(m(x)), _np(m(x)))
    m.eval()
    assert np.array_equal(_np(m(x)), _np(m(x)))
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
            lib.nn.Transformer(8, 2, 1, 1, 16)(lib.ones(3, 2, 8), lib.ones(3, 1, 8))
        with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
            lib.nn.TransformerEncoderLayer(8, 2, activation="tanh")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("shapes", [((2, 3, 5, 4), (2, 3, 7, 4)), ((3, 2, 16, 8), (3, 2, 16, 8))])
def test_sdpa_fused_kernel_like_torch(dtype, causal, shapes):
    """4-d inputs of one head size without mask or dropout take PyTorch's fused CPU kernel:
    the same node name, values and the three gradients (transposed, non-contiguous inputs
    as a GPT block makes them)."""
    r = np.random.default_rng(len(shapes[0]) + causal)
    arrays = [r.standard_normal(s).astype(dtype) for s in (shapes[0], shapes[1], shapes[1])]
    g = r.standard_normal(shapes[0]).astype(dtype)
    res = []
    for lib in (torch, ember):
        qkv = [lib.tensor(a.swapaxes(1, 2).copy()).transpose(1, 2).requires_grad_()
               for a in arrays]
        y = lib.nn.functional.scaled_dot_product_attention(*qkv, is_causal=causal)
        y.backward(lib.tensor(g))
        res.append((y.grad_fn.name(), y.detach().numpy(), *(t.grad.numpy() for t in qkv)))
    assert res[0][0] == res[1][0] == "ScaledDotProductFlashAttentionForCpuBackward0"
    tol = {"rtol": 1e-5, "atol": 2e-6} if dtype == "float32" else {"rtol": 1e-12, "atol": 1e-13}
    for a, b in zip(res[0][1:], res[1][1:]):
        np.testing.assert_allclose(b, a, **tol)


def test_sdpa_fused_kernel_second_order():
    """PyTorch has no double backward for its fused kernel; ember's node recomputes the
    probabilities as ops under create_graph, so second derivatives are exact (numerically
    checked)."""
    r = np.random.default_rng(3)
    qkv = [ember.tensor(r.standard_normal((2, 2, 3, 4)), requires_grad=True) for _ in range(3)]
    for kw in ({"is_causal": True}, {"scale": 0.7}):
        def f(q, k, v, kw=kw):
            return ember.nn.functional.scaled_dot_product_attention(q, k, v, **kw)
        assert ember.autograd.gradcheck(f, qkv)
        assert ember.autograd.gradgradcheck(f, qkv)
