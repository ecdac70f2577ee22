"""Op table entries for ember/ops/rnn.py, ember/ops/attention.py and nn.utils.rnn packing."""
import numpy as np

from op_db import ErrorCase, OpInfo, Sample


def _r(rng, *shape):
    return np.asarray(rng.uniform(-1.0, 1.0, shape))


def _cell_samples(chunks, lstm=False):
    def samples(rng):
        B, I, H = 2, 3, 2
        states = (_r(rng, B, H), _r(rng, B, H)) if lstm else (_r(rng, B, H),)
        w = (_r(rng, chunks * H, I), _r(rng, chunks * H, H), _r(rng, chunks * H),
             _r(rng, chunks * H))
        return [Sample((_r(rng, B, I),) + states + w)]
    return samples


def _cell(name):
    def fn(lib, x, h, *w):
        return getattr(lib, name)(x, h, *w)
    return fn


def _lstm_cell(index):
    def fn(lib, x, h, c, *w):
        return lib.lstm_cell(x, (h, c), *w)[index]
    return fn


def _cell_errors(name):
    return lambda: [
        ErrorCase((np.ones((2, 4)), np.ones((2, 2)), np.ones((2, 3)), np.ones((2, 2)),
                   np.ones(2), np.ones(2)), {}, RuntimeError,
                  "input has inconsistent input_size: got 4 expected 3"),
        ErrorCase((np.ones((3, 3)), np.ones((2, 2)), np.ones((2, 3)), np.ones((2, 2)),
                   np.ones(2), np.ones(2)), {}, RuntimeError,
                  "Input batch size 3 doesn't match hidden0 batch size 2")]


def _layer(name, n_states, bidirectional=False, batch_first=False, layers=1, bias=True):
    """``torch.<name>`` over a short sequence; returns the output (states tested elsewhere)."""
    def fn(lib, x, *rest):
        states, params = rest[:n_states], list(rest[n_states:])
        hx = tuple(states) if n_states == 2 else states[0]
        return getattr(lib, name)(x, hx, params, bias, layers, 0.0, False, bidirectional,
                                  batch_first)[0]
    return fn


def _layer_samples(chunks, n_states, bidirectional=False, layers=1, bias=True, batch_first=False):
    def samples(rng):
        T, B, I, H = 3, 2, 2, 2
        D = 2 if bidirectional else 1
        x = _r(rng, B, T, I) if batch_first else _r(rng, T, B, I)
        states = tuple(_r(rng, layers * D, B, H) for _ in range(n_states))
        params = []
        for layer in range(layers):
            for _ in range(D):
                in_size = I if layer == 0 else H * D
                params += [_r(rng, chunks * H, in_size), _r(rng, chunks * H, H)]
                if bias:
                    params += [_r(rng, chunks * H), _r(rng, chunks * H)]
        return [Sample((x,) + states + tuple(params))]
    return samples


def _sdpa(**kw):
    def fn(lib, q, k, v, *mask):
        if mask:
            kw2 = dict(kw, attn_mask=mask[0])
        else:
            kw2 = kw
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, **kw2)
    return fn


def _sdpa_samples(mask=None, hk=2):
    def samples(rng):
        q, k, v = _r(rng, 2, 2, 3, 4), _r(rng, 2, hk, 4, 4), _r(rng, 2, hk, 4, 3)
        if mask == "bool":
            m = rng.uniform(size=(3, 4)) > 0.4
            m[:, 0] = True
            m[1] = False           # a fully masked row gives zeros (and zero gradients)
            return [Sample((q, k, v, m))]
        if mask == "float":
            return [Sample((q, k, v, _r(rng, 2, 1, 3, 4)), grad=(0, 1, 2, 3))]
        return [Sample((q, k, v))]
    return samples


def _sdpa_errors():
    return [ErrorCase((np.ones((2, 3, 4)), np.ones((2, 5, 3)), np.ones((2, 5, 4))), {},
                      RuntimeError, "same size in the last dimension"),
            ErrorCase((np.ones((2, 3, 4)), np.ones((2, 5, 4)), np.ones((2, 5, 4)),
                       np.ones((3, 5), np.int64)), {}, RuntimeError,
                      "Expected attn_mask dtype to be bool or float or to match query dtype"),
            ErrorCase((np.ones((2, 3, 4), np.float32), np.ones((2, 5, 4)), np.ones((2, 5, 4))),
                      {}, RuntimeError, "Expected query, key, and value to have the same dtype")]


def _mha(need_weights):
    def fn(lib, q, k, v, w_in, b_in, w_out, b_out):
        out = lib.nn.functional.multi_head_attention_forward(
            q, k, v, 4, 2, w_in, b_in, None, None, False, 0.0, w_out, b_out,
            need_weights=need_weights)
        return out[0]
    return fn


def _mha_samples(rng):
    return [Sample((_r(rng, 3, 2, 4), _r(rng, 2, 2, 4), _r(rng, 2, 2, 4), _r(rng, 12, 4),
                    _r(rng, 12), _r(rng, 4, 4), _r(rng, 4)))]


def _pack(lib, x):
    return lib.nn.utils.rnn.pack_padded_sequence(x, [3, 2, 1]).data


def _pack_unsorted(lib, x):
    return lib.nn.utils.rnn.pack_padded_sequence(x, [2, 3, 1], enforce_sorted=False).data


def _pad_packed(lib, d, **kw):
    R = lib.nn.utils.rnn
    packed = R.PackedSequence(d, lib.tensor([3, 2, 2, 1]))
    return R.pad_packed_sequence(packed, **kw)[0]


def _pad_seq(lib, a, b, c, **kw):
    return lib.nn.utils.rnn.pad_sequence([a, b, c], **kw)


OPS = [
    OpInfo("rnn_tanh_cell", _cell("rnn_tanh_cell"), _cell_samples(1), grad_fn="TanhBackward0",
           errors=_cell_errors("rnn_tanh_cell")),
    OpInfo("rnn_relu_cell", _cell("rnn_relu_cell"), _cell_samples(1)),
    OpInfo("gru_cell", _cell("gru_cell"), _cell_samples(3), grad_fn="AddBackward0"),
    OpInfo("lstm_cell_h", _lstm_cell(0), _cell_samples(4, lstm=True), grad_fn="MulBackward0"),
    OpInfo("lstm_cell_c", _lstm_cell(1), _cell_samples(4, lstm=True), grad_fn="AddBackward0"),
    OpInfo("rnn_tanh", _layer("rnn_tanh", 1), _layer_samples(1, 1)),
    OpInfo("rnn_relu_bidirectional", _layer("rnn_relu", 1, bidirectional=True),
           _layer_samples(1, 1, bidirectional=True)),
    OpInfo("gru_2layers", _layer("gru", 1, layers=2), _layer_samples(3, 1, layers=2)),
    # float32 LSTMs take PyTorch's oneDNN kernel (MkldnnRnnLayerBackward0); float64 its graph
    OpInfo("lstm", _layer("lstm", 2), _layer_samples(4, 2), dtypes=("float64",)),
    OpInfo("lstm_bidirectional_batch_first_nobias",
           _layer("lstm", 2, bidirectional=True, batch_first=True, bias=False),
           _layer_samples(4, 2, bidirectional=True, bias=False, batch_first=True),
           dtypes=("float64",)),
    # float32 sdpa with equal head dims takes PyTorch's flash kernel (another node name)
    OpInfo("scaled_dot_product_attention", _sdpa(), _sdpa_samples(), dtypes=("float64",),
           grad_fn="UnsafeViewBackward0", errors=_sdpa_errors),
    OpInfo("scaled_dot_product_attention_causal", _sdpa(is_causal=True), _sdpa_samples(),
           dtypes=("float64",)),
    OpInfo("scaled_dot_product_attention_scale", _sdpa(scale=0.3), _sdpa_samples(),
           dtypes=("float64",)),
    OpInfo("scaled_dot_product_attention_bool_mask", _sdpa(), _sdpa_samples("bool"),
           dtypes=("float64",)),
    OpInfo("scaled_dot_product_attention_float_mask", _sdpa(), _sdpa_samples("float"),
           dtypes=("float64",)),
    OpInfo("scaled_dot_product_attention_gqa", _sdpa(enable_gqa=True), _sdpa_samples(hk=1),
           dtypes=("float64",)),
    OpInfo("multi_head_attention_forward", _mha(False), _mha_samples),
    OpInfo("multi_head_attention_forward_weights", _mha(True), _mha_samples),
    OpInfo("pack_padded_sequence", _pack, lambda rng: [Sample((_r(rng, 3, 3, 2),))],
           grad_fn="PackPaddedSequenceBackward0"),
    OpInfo("pack_padded_sequence_unsorted", _pack_unsorted,
           lambda rng: [Sample((_r(rng, 3, 3, 2),))]),
    # ATen's composite: one slice copy_ per run of equal batch sizes into a filled tensor
    OpInfo("pad_packed_sequence", _pad_packed,
           lambda rng: [Sample((_r(rng, 8, 2),)),
                        Sample((_r(rng, 8, 2),), {"batch_first": True, "total_length": 6,
                                                  "padding_value": -1.0})],
           grad_fn="CopySlices"),
    OpInfo("pad_sequence", _pad_seq,
           lambda rng: [Sample((_r(rng, 3, 2), _r(rng, 1, 2), _r(rng, 4, 2))),
                        Sample((_r(rng, 3, 2), _r(rng, 1, 2), _r(rng, 4, 2)),
                               {"batch_first": True, "padding_side": "left"})],
           grad_fn="CopySlices"),
]


def _bag(mode, offsets=True, psw=False, **kw):
    def fn(lib, w, *rest):
        F = lib.nn.functional
        if offsets:
            ends = [7] if kw.get("include_last_offset") else []
            idx, off = lib.tensor([1, 2, 4, 4, 3, 0, 2]), lib.tensor([0, 2, 2, 5] + ends)
        else:
            idx, off = lib.tensor([[1, 2, 4], [4, 3, 0]]), None
        return F.embedding_bag(idx, w, off, mode=mode,
                               per_sample_weights=rest[0] if psw else None, **kw)
    return fn


def _bag_samples(psw=False):
    def samples(rng):
        w = _r(rng, 5, 3)
        return [Sample((w, _r(rng, 7)))] if psw else [Sample((w,))]
    return samples


OPS += [
    OpInfo("embedding_bag_mean", _bag("mean"), _bag_samples(),
           grad_fn="EmbeddingBagBackward0"),
    OpInfo("embedding_bag_sum_2d_padding", _bag("sum", offsets=False, padding_idx=4),
           _bag_samples()),
    OpInfo("embedding_bag_max", _bag("max"), _bag_samples()),
    OpInfo("embedding_bag_per_sample_weights", _bag("sum", psw=True), _bag_samples(psw=True)),
    OpInfo("embedding_bag_mean_last_offset", _bag("mean", include_last_offset=True),
           _bag_samples()),
]
