"""Layers, activations, losses and containers."""
from . import activation as _activation, loss as _loss
from . import conv as _conv, padding as _padding, pooling as _pooling
from .activation import *  # noqa: F401,F403  (activation.__all__)
from .conv import *  # noqa: F401,F403  (conv.__all__)
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .distance import CosineSimilarity, PairwiseDistance
from .dropout import (AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d,
                      FeatureAlphaDropout)
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LocalResponseNorm
from .flatten import Flatten, Unflatten
from .fold import Fold, Unfold
from .linear import Bilinear, Identity, LazyLinear, Linear
from .module import Module
from .normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm,
                            RMSNorm)
from .loss import *  # noqa: F401,F403  (loss.__all__)
from .padding import *  # noqa: F401,F403  (padding.__all__)
from .pixelshuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle
from .pooling import *  # noqa: F401,F403  (pooling.__all__)
from .sparse import Embedding, EmbeddingBag
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

# The recurrent and transformer families are imported when one of their names is first read
# (PEP 562): "nn.LSTM", "from torch.nn import LSTM" and pickles naming
# ember.nn.modules.rnn.LSTM all work as before, but "import ember.nn" does not pay for them.
_LAZY = {name: "rnn" for name in ("GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase",
                                  "RNNCell", "RNNCellBase")}
_LAZY.update({name: "transformer" for name in (
    "Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
    "TransformerEncoderLayer")})


def __getattr__(name: str):
    family = _LAZY.get(name)
    if family is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module("." + family, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList",
           "ParameterDict", "Identity", "Linear", "LazyLinear", "Bilinear", "Flatten",
           "Unflatten", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
           "FeatureAlphaDropout",
           "Embedding", "LayerNorm", "RMSNorm", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d",
           "GroupNorm", "RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell",
           "GRUCell", "Transformer", "TransformerEncoder", "TransformerDecoder",
           "TransformerEncoderLayer", "TransformerDecoderLayer", "CosineSimilarity",
           "PairwiseDistance", "EmbeddingBag"]
__all__ += ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LocalResponseNorm", "Fold",
            "Unfold",
            "PixelShuffle", "PixelUnshuffle", "ChannelShuffle", "Upsample",
            "UpsamplingNearest2d", "UpsamplingBilinear2d"]
__all__ += _activation.__all__ + _loss.__all__ + _conv.__all__ + _padding.__all__
__all__ += _pooling.__all__
