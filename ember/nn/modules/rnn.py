"""Recurrent layers (``RNN``, ``LSTM``, ``GRU``) and their cells, with PyTorch's parameter
names, registration order and initialisation (every parameter U(-1/sqrt(H), 1/sqrt(H)), drawn
in registration order), so a seeded model starts bit-identical to PyTorch's."""
from __future__ import annotations

import math
import numbers
import warnings

from ... import _dtype
from ..._tensor import Tensor
from ...ops import creation as _cr
from ...ops import indexing as _ix
from ...ops import rnn as _rnn
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _dt(dtype):
    return dtype if dtype is not None else _dtype.get_default_dtype()


def _check_int(value, name: str) -> None:
    if not isinstance(value, int):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the per-layer, per-direction weights
    (``weight_ih_l{k}{_reverse}``, ``weight_hh_...``, ``bias_ih_...``, ``bias_hh_...``,
    ``weight_hr_...``), the input checks and the call into the recurrence."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1
                or isinstance(dropout, bool)):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: "
                            f"{type(batch_first).__name__}")
        _check_int(input_size, "input_size")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        _check_int(hidden_size, "hidden_size")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = _GATES[mode] * hidden_size
        dt = _dt(dtype)
        real_hidden = proj_size if proj_size > 0 else hidden_size
        dirs = 2 if bidirectional else 1
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(dirs):
                in_size = input_size if layer == 0 else real_hidden * dirs
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, in_size)),
                          ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for base, shape in shapes:
                    name = f"{base}_l{layer}{suffix}"
                    setattr(self, name, Parameter(_cr.empty(shape, dtype=dt)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self) -> list:
        """The weights in PyTorch's flat order (always the module's current parameters)."""
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op: PyTorch uses it to pack weights for cuDNN."""

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        # PyTorch's RNNBase keeps this list in the instance and needs it in a whole-module file
        state["_flat_weights"] = self._flat_weights
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        if "proj_size" not in state:
            self.proj_size = 0
        # PyTorch's files also hold its cached weight lists; here _flat_weights is a property
        self.__dict__.pop("_flat_weights", None)
        self.__dict__.pop("_flat_weight_refs", None)

    # -- checks -----------------------------------------------------------------------------
    def check_input(self, input: Tensor, batch_sizes) -> None:
        w = self._flat_weights[0]
        if input.dtype != w.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({w.dtype}). Convert input: input.to({w.dtype}), or convert "
                             f"model: model.to({input.dtype})")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input: Tensor, batch_sizes) -> tuple:
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        dirs = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * dirs, mini_batch, size)

    def check_hidden_size(self, hx: Tensor, expected: tuple,
                          msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.size()) != tuple(expected):
            raise RuntimeError(msg.format(tuple(expected), list(hx.size())))

    def check_forward_args(self, input: Tensor, hidden: Tensor, batch_sizes) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx: Tensor, permutation):
        if permutation is None:
            return hx
        return _ix.index_select(hx, 1, permutation)

    # -- forward ------------------------------------------------------------------------------
    _n_states = 1

    def _zeros_state(self, input: Tensor, batch: int) -> tuple:
        dirs = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        h = _cr.zeros(self.num_layers * dirs, batch, size, dtype=input.dtype)
        if self._n_states == 1:
            return (h,)
        return h, _cr.zeros(self.num_layers * dirs, batch, self.hidden_size, dtype=input.dtype)

    def _states(self, hx) -> tuple:
        return (hx,) if self._n_states == 1 else tuple(hx)

    def _check_states(self, input: Tensor, states: tuple, batch_sizes) -> None:
        if self._n_states == 1:
            self.check_forward_args(input, states[0], batch_sizes)
        else:
            self.check_forward_args(input, states, batch_sizes)

    def _check_state_dims(self, states: tuple, batched: bool) -> None:
        want = 3 if batched else 2
        if all(s.dim() == want for s in states):
            return
        if self._n_states == 2:
            dims = f"({states[0].dim()}-D, {states[1].dim()}-D)"
            if batched:
                raise RuntimeError(f"For batched 3-D input, hx and cx should also be 3-D but "
                                   f"got {dims} tensors")
            raise RuntimeError(f"For unbatched 2-D input, hx and cx should also be 2-D but "
                               f"got {dims} tensors")
        if batched:
            raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got "
                               f"{states[0].dim()}-D tensor")
        raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got "
                           f"{states[0].dim()}-D tensor")

    def forward(self, input, hx=None):
        packed = isinstance(input, PackedSequence)
        batched = True
        if packed:
            data, batch_sizes, sorted_indices, unsorted_indices = input
            bs = [int(b) for b in batch_sizes._data]
            if hx is None:
                states = self._zeros_state(data, bs[0])
            else:
                states = tuple(self.permute_hidden(s, sorted_indices)
                               for s in self._states(hx))
            self._check_states(data, states, batch_sizes)
            x = data
        else:
            if input.dim() not in (2, 3):
                raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got "
                                 f"{input.dim()}D instead")
            batched = input.dim() == 3
            bdim = 0 if self.batch_first else 1
            if not batched:
                input = input.unsqueeze(bdim)
            batch = input.size(bdim)
            bs = None
            unsorted_indices = None
            if hx is None:
                states = self._zeros_state(input, batch)
            else:
                states = self._states(hx)
                self._check_state_dims(states, batched)
                if not batched:
                    states = tuple(s.unsqueeze(1) for s in states)
            self._check_states(input, states, None)
            x = input.transpose(0, 1) if self.batch_first else input
        out, states = _rnn.rnn_forward(self.mode, x, states, self._flat_weights, self.bias,
                                       self.num_layers, self.dropout, self.training,
                                       self.bidirectional, bs)
        if packed:
            output = PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices)
            states = tuple(self.permute_hidden(s, unsorted_indices) for s in states)
        else:
            output = out
            if self.batch_first:
                # PyTorch's RNN/GRU kernel turns its result around in place (transpose_, so
                # TransposeBackward1); its LSTM kernel returns a transposed copy's view
                output = out.transpose(0, 1) if self.mode == "LSTM" else out.transpose_(0, 1)
            if not batched:
                output = output.squeeze(bdim)
                states = tuple(s.squeeze(1) for s in states)
        return output, (states[0] if self._n_states == 1 else states)


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or relu)."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' "
                             f"or 'relu'.")
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory; ``forward(input, (h_0, c_0))`` returns
    ``output, (h_n, c_n)``; ``proj_size`` adds PyTorch's output projection ``weight_hr``."""

    _n_states = 2

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input: Tensor, batch_sizes) -> tuple:
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        dirs = 2 if self.bidirectional else 1
        return (self.num_layers * dirs, mini_batch, self.hidden_size)

    def check_forward_args(self, input: Tensor, hidden, batch_sizes) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")


class GRU(RNNBase):
    """Gated recurrent unit (PyTorch's gate order r, z, n)."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


# -- cells ----------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """The weights of one recurrent step: ``weight_ih`` ``(chunks*H, I)``, ``weight_hh``
    ``(chunks*H, H)``, ``bias_ih``, ``bias_hh``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        dt = _dt(dtype)
        self.weight_ih = Parameter(_cr.empty((num_chunks * hidden_size, input_size), dtype=dt))
        self.weight_hh = Parameter(_cr.empty((num_chunks * hidden_size, hidden_size), dtype=dt))
        if bias:
            self.bias_ih = Parameter(_cr.empty(num_chunks * hidden_size, dtype=dt))
            self.bias_hh = Parameter(_cr.empty(num_chunks * hidden_size, dtype=dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += f", bias={self.bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _batched(self, input: Tensor, hx, name: str) -> tuple:
        """Checks the dims; returns the batched input, the states (zeros if None) and whether
        the input was batched."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             f"instead")
        for h in (hx if isinstance(hx, tuple) else (hx,)):
            if h is not None and h.dim() not in (1, 2):
                which = "hx and cx" if isinstance(hx, tuple) else "hidden"
                raise ValueError(f"{name}: Expected {which} to be 1D or 2D, got {h.dim()}D "
                                 f"instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        return input, batched

    def _zeros(self, input: Tensor) -> Tensor:
        return _cr.zeros(input.size(0), self.hidden_size, dtype=input.dtype)


class RNNCell(RNNCellBase):
    """One Elman RNN step."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, batched = self._batched(input, hx, "RNNCell")
        hx = self._zeros(input) if hx is None else (hx if batched else hx.unsqueeze(0))
        if self.nonlinearity == "tanh":
            cell = _rnn.rnn_tanh_cell
        elif self.nonlinearity == "relu":
            cell = _rnn.rnn_relu_cell
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        ret = cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return ret if batched else ret.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: ``(h', c') = cell(x, (h, c))``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        input, batched = self._batched(input, hx if hx is None else tuple(hx), "LSTMCell")
        if hx is None:
            z = self._zeros(input)
            hx = (z, z)
        elif not batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h, c = _rnn.lstm_cell(input, tuple(hx), self.weight_ih, self.weight_hh, self.bias_ih,
                              self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, batched = self._batched(input, hx, "GRUCell")
        hx = self._zeros(input) if hx is None else (hx if batched else hx.unsqueeze(0))
        ret = _rnn.gru_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih,
                            self.bias_hh)
        return ret if batched else ret.squeeze(0)
