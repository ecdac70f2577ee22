"""``nn.functional``: the stateless forms of layers, activations and losses, as PyTorch's
``torch.nn.functional``. The public face only: each family lives in ``ember/ops/<family>.py``,
its forward functions beside their backward nodes."""
from __future__ import annotations

from ..ops.linear import (  # noqa: F401
    bilinear, linear,
)
from ..ops.dropout import (  # noqa: F401
    alpha_dropout, dropout, dropout1d, dropout2d, dropout3d, feature_alpha_dropout,
)
from ..ops.sparse import (  # noqa: F401
    embedding, one_hot,
)
from ..ops.normalization import (  # noqa: F401
    batch_norm, group_norm, instance_norm, layer_norm, rms_norm,
)
from ..ops.distance import (  # noqa: F401
    cosine_similarity, normalize, pairwise_distance, pdist,
)
from ..ops.activation import (  # noqa: F401
    celu, celu_, elu, elu_, gelu, glu, gumbel_softmax, hardshrink, hardsigmoid, hardswish,
    hardtanh, hardtanh_, leaky_relu, leaky_relu_, log_softmax, logsigmoid, mish, prelu, relu,
    relu6, relu_, rrelu, rrelu_, selu, selu_, sigmoid, silu, softmax, softmin, softplus,
    softshrink, softsign, tanh, tanhshrink, threshold, threshold_,
)
from ..ops.loss import (  # noqa: F401
    binary_cross_entropy, binary_cross_entropy_with_logits, cosine_embedding_loss, cross_entropy,
    gaussian_nll_loss, hinge_embedding_loss, huber_loss, kl_div, l1_loss, margin_ranking_loss,
    mse_loss, multilabel_soft_margin_loss, nll_loss, poisson_nll_loss, smooth_l1_loss,
    soft_margin_loss, triplet_margin_loss, triplet_margin_with_distance_loss,
)
from ..ops.loss import _legacy_reduction  # noqa: F401  (nn.modules.loss uses it)
from ..ops.conv import (  # noqa: F401
    conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d,
)
from ..ops.padding import pad  # noqa: F401
from ..ops.pooling import (  # noqa: F401
    adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d, adaptive_max_pool1d,
    adaptive_max_pool2d, adaptive_max_pool3d, avg_pool1d, avg_pool2d, avg_pool3d,
    local_response_norm, lp_pool1d, lp_pool2d, lp_pool3d, max_pool1d, max_pool1d_with_indices,
    max_pool2d, max_pool2d_with_indices, max_pool3d, max_pool3d_with_indices, max_unpool1d,
    max_unpool2d, max_unpool3d,
)
from ..ops.sampling import (  # noqa: F401
    affine_grid, channel_shuffle, fold, grid_sample, interpolate, pixel_shuffle, pixel_unshuffle,
    unfold, upsample, upsample_bilinear, upsample_nearest,
)
from ..ops.multi_margin import multi_margin_loss, multilabel_margin_loss  # noqa: F401
from ..ops.attention import (  # noqa: F401
    multi_head_attention_forward, scaled_dot_product_attention,
)
from ..ops.embedding import embedding_bag  # noqa: F401
