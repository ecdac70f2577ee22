"""Attention: ``scaled_dot_product_attention`` and the ``_safe_softmax`` it normalises with.

``scaled_dot_product_attention`` composes public ops exactly as PyTorch's CPU math path
(``_scaled_dot_product_attention_math``) does: query and key each scaled by ``sqrt(scale)``,
one batched ``matmul`` over all leading (batch, head) dims, the mask added as a float bias
(``-inf`` where a boolean mask is False), ``_safe_softmax`` (a row with every position masked
gives zeros, not NaN), dropout, and a second batched ``matmul``. Where PyTorch takes its fused
CPU kernel instead (4-d inputs of one head size and batch, no mask, no dropout) ember runs one
fused node of that kernel's name, which keeps the attention probabilities for its backward.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record, record1
from . import linalg as _la
from . import shape as _sh
from ._util import broadcast_shapes

__all__ = ["scaled_dot_product_attention"]

_wrap = Tensor._wrap


# -- _safe_softmax -------------------------------------------------------------------------------
def _safe_softmax_np(x: np.ndarray, dim: int) -> np.ndarray:
    """Softmax along ``dim`` whose rows that are all ``-inf`` come out as zeros."""
    if not x.shape[dim]:      # rows of nothing (max has no identity there)
        return x.copy()
    with np.errstate(invalid="ignore", over="ignore"):
        m = x.max(axis=dim, keepdims=True)
        dead = m == -np.inf
        e = x - np.where(dead, 0, m) if dead.any() else x - m
        np.exp(e, out=e)
        s = e.sum(axis=dim, keepdims=True)
        if dead.any():
            s[dead] = 1       # those rows are all exp(-inf) = 0: 0 / 1 keeps them 0
        e /= s
    return e


def _safe_softmax(input: Tensor, dim: int) -> Tensor:
    """PyTorch's ``torch._safe_softmax``: softmax with fully masked rows giving zeros."""
    d = input._data
    k = dim % d.ndim
    r = _safe_softmax_np(d, k).astype(d.dtype, copy=False)
    if STATE.enabled and input._rg:
        node = SafeSoftmaxBackward0()
        node.dim = k
        t = record1(node, r, input)
        node.save_result(t)
        return t
    return _wrap(r)


class SafeSoftmaxBackward0(Node):
    __slots__ = ("dim",)

    def backward(self, grad):          # y * (g - sum(g * y)); a zero row stays zero
        y = self.result()
        return (y * (grad - anp.sum(grad * y, self.dim, keepdim=True)),)


# -- scaled_dot_product_attention --------------------------------------------------------------
def _sdpa_checks(q: Tensor, k: Tensor, v: Tensor, attn_mask, dropout_p, is_causal) -> None:
    if not (q.dtype == k.dtype == v.dtype):
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {q.dtype._legacy[:-6]} key.dtype: "
                           f"{k.dtype._legacy[:-6]} and value.dtype: {v.dtype._legacy[:-6]} "
                           f"instead.")
    if q.dim() < 2 or k.dim() < 2 or v.dim() < 2:
        raise RuntimeError(f"scaled_dot_product_attention: expected query, key and value to "
                           f"be at least 2-D, got {q.dim()}-D, {k.dim()}-D and {v.dim()}-D")
    if q.shape[-1] != k.shape[-1]:
        raise RuntimeError(f"Expected query and key to have the same size in the last "
                           f"dimension, but got query: {list(q.shape)} and key: "
                           f"{list(k.shape)}")
    if k.shape[-2] != v.shape[-2]:
        raise RuntimeError(f"Expected key and value to have the same sequence length, but "
                           f"got key: {list(k.shape)} and value: {list(v.shape)}")
    if attn_mask is not None:
        md = attn_mask.dtype
        if md != _dtype.bool_ and md != q.dtype:
            raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match "
                               f"query dtype, but got attn_mask.dtype: "
                               f"{_dtype_name(md)} and  query.dtype: {_dtype_name(q.dtype)} "
                               f"instead.")
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not "
                               "be set when is_causal=True")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got "
                         f"{dropout_p}")


def _dtype_name(dt) -> str:
    """PyTorch's C++ scalar-type spelling used in its sdpa messages ('float', 'long int')."""
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "int64": "long int", "int32": "int", "bool": "bool"}.get(str(dt)[6:], str(dt)[6:])


def _mask_bias(attn_mask: Tensor | None, is_causal: bool, L: int, S: int, like: Tensor):
    """The additive float mask (``-inf`` where attention is forbidden), or None."""
    if is_causal:
        allowed = np.tril(np.ones((L, S), dtype=bool))
        return _wrap(np.where(allowed, 0, -np.inf).astype(like._data.dtype))
    if attn_mask is None:
        return None
    if attn_mask.dtype == _dtype.bool_:
        return _wrap(np.where(attn_mask._data, 0, -np.inf).astype(like._data.dtype))
    return attn_mask


def _repeat_heads(x: Tensor, groups: int) -> Tensor:
    """``x.repeat_interleave(groups, -3)`` as a broadcast view and one reshape."""
    if groups == 1:
        return x
    s = tuple(x.shape)
    return x.unsqueeze(-3).expand(*s[:-2], groups, *s[-2:]).reshape(
        *s[:-3], s[-3] * groups, *s[-2:])


def _empty_attention(query: Tensor, key: Tensor, value: Tensor) -> Tensor:
    """PyTorch's answer when there is nothing to attend to or nothing to compute (no queries,
    no keys, or empty values): zeros of the output's shape, with zero gradients for all three
    inputs and no check of the mask. A non-finite input makes it NaN there, as in PyTorch."""
    lead = np.broadcast_shapes(tuple(query.shape[:-2]), tuple(key.shape[:-2]),
                               tuple(value.shape[:-2]))
    out = _wrap(np.zeros(lead + (query.shape[-2], value.shape[-1]), query._data.dtype))
    # the inputs enter through their sums times zero, so each gets a (zero) gradient
    return out + (query.sum() + key.sum() + value.sum()) * 0


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(q k^T * scale + mask) v`` over the last two dims, batched over the rest.

    ``attn_mask`` is a boolean mask (True = may attend) or a float bias, broadcast to
    ``(..., L, S)``; ``is_causal`` masks the upper triangle; ``enable_gqa`` repeats each key
    and value head for a group of query heads."""
    _sdpa_checks(query, key, value, attn_mask, dropout_p, is_causal)
    L, S, E = query.shape[-2], key.shape[-2], query.shape[-1]
    if enable_gqa and query.dim() >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if (hk != hq or hv != hq) and (not hk or not hv or hq % hk or hq % hv):
            raise RuntimeError(f"Number of heads in key and value must divide the number of "
                               f"heads in query, got query heads {hq}, key heads {hk} and "
                               f"value heads {hv}")
        if hk != hq:
            key = _repeat_heads(key, hq // hk)
        if hv != hq:
            value = _repeat_heads(value, hq // hv)
    if not L or not value.numel():
        return _empty_attention(query, key, value)
    # 1 / sqrt(0) is inf in PyTorch's C++ (for E = 0 the products are empty sums anyway)
    if _fused_ok(query, key, value, attn_mask, dropout_p):
        return _fused_attention(query, key, value, is_causal,
                                1.0 / math.sqrt(E) if scale is None else scale)
    s = math.sqrt((1.0 / math.sqrt(E) if E else math.inf) if scale is None else scale)
    attn = _la.matmul(query * s, _sh.transpose(key, -2, -1) * s)
    bias = _mask_bias(attn_mask, is_causal, L, S, query)
    if bias is not None:
        # PyTorch adds the mask in place: it must broadcast to the scores' shape
        shape = broadcast_shapes(tuple(attn.shape), tuple(bias.shape))
        if shape != tuple(attn.shape):
            raise RuntimeError(f"output with shape {list(attn.shape)} doesn't match the "
                               f"broadcast shape {list(shape)}")
        attn = attn + bias
    attn = _safe_softmax(attn, -1)
    if dropout_p > 0.0:
        from ..nn import functional as F
        attn = F.dropout(attn, dropout_p, True)
    return _la.matmul(attn, value)


def _fused_ok(query: Tensor, key: Tensor, value: Tensor, attn_mask, dropout_p) -> bool:
    """Whether PyTorch takes its fused CPU kernel (ScaledDotProductFlashAttentionForCpu)."""
    q, k, v = query._data, key._data, value._data
    return (q.ndim == 4 and k.ndim == 4 and v.ndim == 4 and attn_mask is None
            and dropout_p == 0.0 and q.shape[:2] == k.shape[:2] == v.shape[:2]
            and q.shape[3] == k.shape[3] == v.shape[3] > 0
            and q.dtype in (np.float32, np.float64))


def _causal_probs(q, k, scale: float, causal: bool):
    """softmax(q k^T * scale) with the causal mask, on arrays or (under create_graph) as
    ops."""
    if not anp.is_array(q):
        att = _la.matmul(q, _sh.transpose(k, -2, -1)) * scale
        if causal:
            L, S = q.shape[-2], k.shape[-2]
            att = att.masked_fill(Tensor._wrap(~np.tril(np.ones((L, S), dtype=bool))),
                                  -math.inf)
        return _safe_softmax(att, -1)
    att = np.matmul(q, np.swapaxes(k, -2, -1))
    att *= att.dtype.type(scale)
    if causal:
        L, S = q.shape[-2], k.shape[-2]
        np.copyto(att, -np.inf, where=~np.tril(np.ones((L, S), dtype=bool)))
    return _safe_softmax_np(att, 3)


def _fused_attention(query: Tensor, key: Tensor, value: Tensor, causal: bool,
                     scale: float) -> Tensor:
    q, k, v = query._data, key._data, value._data
    p = _causal_probs(q, k, scale, causal)
    out = np.matmul(p, v)
    if STATE.enabled and (query._rg or key._rg or value._rg):
        node = ScaledDotProductFlashAttentionForCpuBackward0()
        node.scale, node.is_causal, node.probs = scale, causal, p
        t = record(node, out, (query, key, value))
        node.save(query, key, value)
        return t
    return _wrap(out)


class ScaledDotProductFlashAttentionForCpuBackward0(Node):
    """out = P v with P = softmax(q k^T * scale (+ causal mask)); P is kept from the forward
    in an ordinary backward and recomputed with ops under create_graph."""

    __slots__ = ("scale", "is_causal", "probs")
    _saved_names = ("query", "key", "value")

    def backward(self, grad):
        q, k, v = self.saved()
        p = self.probs if anp.is_array(q) else _causal_probs(q, k, self.scale, self.is_causal)
        dp = anp.matmul(grad, anp.transpose(v, -2, -1))
        # softmax backward, then the scale: d(scores)
        ds = p * (dp - anp.sum(dp * p, -1, keepdim=True)) * self.scale
        return (anp.matmul(ds, k), anp.matmul(anp.transpose(ds, -2, -1), q),
                anp.matmul(anp.transpose(p, -2, -1), grad))

    def _release_extra(self) -> None:
        self.probs = None


# -- multi-head attention -------------------------------------------------------------------------
def _canonical_mask(mask: Tensor | None, mask_name: str, other_type, other_name: str,
                    target_type, check_other: bool = True) -> Tensor | None:
    """A boolean mask as the float bias ``-inf`` where True (PyTorch's convention for MHA masks:
    True = may NOT attend); a float mask unchanged."""
    if mask is None:
        return None
    if mask.dtype != _dtype.bool_ and not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        import warnings
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use "
                      f"same type for both instead.", stacklevel=3)
    if mask.dtype.is_floating_point:
        return mask
    return _wrap(np.where(mask._data, -np.inf, 0).astype(target_type.np))


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError(f"For batched (3-D) `query`, expected `key` and `value` to be "
                                 f"3-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 f"respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError(f"For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask.dim()}-D tensor "
                                 f"instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For batched (3-D) `query`, expected `attn_mask` to be `None`, "
                                 f"2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key` and `value` to "
                                 f"be 2-D but found {key.dim()}-D and {value.dim()}-D tensors "
                                 f"respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError(f"For unbatched (2-D) `query`, expected `key_padding_mask` to "
                                 f"be `None` or 1-D but found {key_padding_mask.dim()}-D tensor "
                                 f"instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError(f"For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask.dim()}-D tensor "
                                     f"instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                     f"{attn_mask.shape}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor")


def _linear(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    from ..nn import functional as F
    return F.linear(x, w, b)


def _in_projection_packed(q: Tensor, k: Tensor, v: Tensor, w: Tensor, b: Tensor | None):
    """q, k, v projected with the rows of the packed ``in_proj_weight``; one GEMM when
    q, k and v are one tensor (self-attention), two when k is v."""
    E = q.size(-1)
    if k is v:
        if q is k:
            proj = _linear(q, w, b)
            proj = proj.unflatten(-1, (3, E)).unsqueeze(0).transpose(0, -2).squeeze(-2)
            proj = proj.contiguous()
            return proj[0], proj[1], proj[2]
        w_q, w_kv = _sh.split(w, [E, E * 2])
        b_q, b_kv = (None, None) if b is None else _sh.split(b, [E, E * 2])
        kv = _linear(k, w_kv, b_kv).unflatten(-1, (2, E)).unsqueeze(0).transpose(0, -2)
        kv = kv.squeeze(-2).contiguous()
        return _linear(q, w_q, b_q), kv[0], kv[1]
    w_q, w_k, w_v = _sh.chunk(w, 3)
    b_q, b_k, b_v = (None, None, None) if b is None else _sh.chunk(b, 3)
    return _linear(q, w_q, b_q), _linear(k, w_k, b_k), _linear(v, w_v, b_v)


def _pad_last(mask: Tensor) -> Tensor:
    """One more key position, not masked (a zero column), as PyTorch's ``pad(mask, (0, 1))``."""
    from ..nn import functional as F
    return F.pad(mask, (0, 1))


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float,
        out_proj_weight: Tensor, out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple:
    """Multi-head attention on time-first ``(L, N, E)`` (or unbatched ``(L, E)``) inputs,
    composed as PyTorch's: in-projection, heads folded into the batch, masks as float biases,
    ``bmm``/softmax when the weights are wanted, else ``scaled_dot_product_attention``."""
    from ..nn import functional as F
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       None if attn_mask is None else attn_mask.dtype,
                                       "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None   # sdpa builds the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
        b_q, b_k, b_v = (None,) * 3 if in_proj_bias is None else _sh.chunk(in_proj_bias, 3)
        q = _linear(query, q_proj_weight, b_q)
        k = _linear(key, k_proj_weight, b_k)
        v = _linear(value, v_proj_weight, b_v)
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"key shape {key.shape} does not match value shape "
                                 f"{value.shape}")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")
    if bias_k is not None and bias_v is not None:
        k = _sh.cat([k, bias_k.repeat(1, bsz, 1)])
        v = _sh.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = (k.view(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None
         else static_k)
    v = (v.view(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None
         else static_v)
    if add_zero_attn:
        zeros = _wrap(np.zeros((bsz * num_heads, 1, head_dim), dtype=k._data.dtype))
        k = _sh.cat([k, zeros], 1)
        v = _sh.cat([v, zeros], 1)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    src_len = k.size(1)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        key_padding_mask = key_padding_mask.view(bsz, 1, 1, src_len).expand(
            -1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask
    if not training:
        dropout_p = 0.0
    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(q.shape[-1]))
        kt = k.transpose(-2, -1)
        if attn_mask is not None:
            weights = _la.baddbmm(attn_mask, q_scaled, kt)
        else:
            weights = _la.bmm(q_scaled, kt)
        weights = F.softmax(weights, dim=-1)
        if dropout_p > 0.0:
            weights = F.dropout(weights, p=dropout_p)
        out = _la.bmm(weights, v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = _linear(out, out_proj_weight, out_proj_bias)
        out = out.view(tgt_len, bsz, out.shape[-1])
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        if attn_mask.size(0) == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, attn_mask.shape[-2], src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = _linear(out, out_proj_weight, out_proj_bias)
    out = out.view(tgt_len, bsz, out.shape[-1])
    if not is_batched:
        out = out.squeeze(1)
    return out, None
