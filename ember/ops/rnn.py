"""Recurrent layers: the cells (``torch.rnn_tanh_cell``, ``lstm_cell``, ``gru_cell``...) and the
multi-layer, bidirectional, packed-or-padded loops behind ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU``.

As PyTorch does on a CPU, a cell is composed of public ops (a linear map, ``chunk``, sigmoid,
tanh, products), so its graph shows PyTorch's nodes (an LSTM cell's ``h`` ends in
``MulBackward0``) and second-order gradients come for free. A layer projects the inputs of all
time steps with one GEMM before its time loop; the loop does only the hidden-state GEMM and the
gates (for an LSTM one fused node per step, ``ThnnFusedLstmCellBackward0``). The outputs of
all steps are joined with one ``stack`` (or ``cat`` for packed data) and the final states with
one ``stack``, as PyTorch's graph shows (``StackBackward0``).
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record
from . import linalg as _la
from ._util import broadcast_shapes
from . import shape as _sh

_wrap = Tensor._wrap

__all__ = ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell", "rnn_forward", "lstm", "gru",
           "rnn_tanh", "rnn_relu"]


# -- cells ---------------------------------------------------------------------------------------
def _proj(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    """``x @ w.T + b`` for a 2-D ``x`` (AddmmBackward0, as PyTorch's linear)."""
    wt = _sh.t(w)
    return _la.mm(x, wt) if b is None else _la.addmm(b, x, wt)


def _check_cell(input: Tensor, hx: Tensor, w_ih: Tensor, name: str) -> None:
    if input.shape[-1] != w_ih.shape[1]:
        raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} "
                           f"expected {w_ih.shape[1]}")
    if input.shape[0] != hx.shape[0]:
        raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match {name} batch size "
                           f"{hx.shape[0]}")


def _check_hidden(hx: Tensor, size: int, name: str) -> None:
    if hx.shape[-1] != size:
        raise RuntimeError(f"{name} has inconsistent hidden_size: got {hx.shape[-1]}, "
                           f"expected {size}")


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """``tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""
    _check_cell(input, hx, w_ih, "hidden0")
    _check_hidden(hx, w_hh.shape[0], "hidden0")
    return (_proj(input, w_ih, b_ih) + _proj(hx, w_hh, b_hh)).tanh()


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """``relu(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""
    _check_cell(input, hx, w_ih, "hidden0")
    _check_hidden(hx, w_hh.shape[0], "hidden0")
    return (_proj(input, w_ih, b_ih) + _proj(hx, w_hh, b_hh)).relu()


def _lstm_gates(gates: Tensor, cx: Tensor) -> tuple:
    """``(h, c)`` from the pre-activation gates ``[i, f, g, o]`` and the previous cell."""
    i, f, g, o = _sh.chunk(gates, 4, 1)
    i = i.sigmoid()
    f = f.sigmoid()
    g = g.tanh()
    o = o.sigmoid()
    cy = f * cx + i * g
    return o * cy.tanh(), cy


def lstm_cell(input: Tensor, hx, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple:
    """One LSTM step; ``hx`` is ``(h, c)``; returns ``(h', c')``."""
    h, c = hx
    _check_cell(input, h, w_ih, "hidden0")
    _check_cell(input, c, w_ih, "hidden1")
    _check_hidden(h, w_hh.shape[1], "hidden0")
    _check_hidden(c, w_hh.shape[0] // 4, "hidden1")
    return _lstm_gates(_proj(input, w_ih, b_ih) + _proj(h, w_hh, b_hh), c)


def _gru_gates(gi: Tensor, gh: Tensor, hx: Tensor) -> Tensor:
    i_r, i_z, i_n = _sh.chunk(gi, 3, 1)
    h_r, h_z, h_n = _sh.chunk(gh, 3, 1)
    r = (i_r + h_r).sigmoid()
    z = (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return n + z * (hx - n)


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step (PyTorch's gate order r, z, n; ``n`` sees ``r * (h W_hn^T + b_hn)``)."""
    H = hx.shape[-1]
    for name, w in (("weight_ih", w_ih), ("weight_hh", w_hh)):
        if w.shape[0] != 3 * H:
            raise RuntimeError(f"{name} first dim must be 3 * hidden_size = {3 * H}, but got "
                               f"{w.shape[0]}")
    _check_cell(input, hx, w_ih, "hidden0")
    _check_hidden(hx, w_hh.shape[1], "hidden0")
    return _gru_gates(_proj(input, w_ih, b_ih), _proj(hx, w_hh, b_hh), hx)


# -- the fused LSTM step of a layer's time loop --------------------------------------------------
def _gate_activations(gates, H: int) -> tuple:
    """``sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)`` of the summed pre-activations."""
    return (anp.sigmoid(gates[:, :H]), anp.sigmoid(gates[:, H:2 * H]),
            anp.tanh(gates[:, 2 * H:3 * H]), anp.sigmoid(gates[:, 3 * H:]))


def _inplace_add_shape(out: tuple, other: tuple) -> tuple:
    """The shape of PyTorch's in-place ``out.add_(other)``, with its errors."""
    shape = broadcast_shapes(tuple(out), tuple(other))
    if shape != tuple(out):
        raise RuntimeError(f"output with shape {list(out)} doesn't match the broadcast shape "
                           f"{list(shape)}")
    return shape


def _thnn_fused_lstm_cell(input_gates: Tensor, hidden_gates: Tensor, cx: Tensor) -> tuple:
    """``(h', c')`` from the input and hidden pre-activations of the gates and the previous
    cell, in one node (PyTorch's ``_thnn_fused_lstm_cell`` without its biases, which the
    layer has already added to ``input_gates``). A layer's time loop uses it: one node per
    step instead of the dozen of the composed cell."""
    shape = _inplace_add_shape(hidden_gates.shape, input_gates.shape)
    H = shape[1] // 4
    if cx.shape[1] not in (H, 1):   # PyTorch's f * cx broadcasts a cell of width 1
        raise RuntimeError(f"The size of tensor a ({H}) must match the size of tensor b "
                           f"({cx.shape[1]}) at non-singleton dimension 1")
    gates = input_gates._data + hidden_gates._data
    c = cx._data
    i, f, g, o = _gate_activations(gates, H)
    cy = f * c + i * g
    hy = o * np.tanh(cy)
    if STATE.enabled and (input_gates._rg or hidden_gates._rg or cx._rg):
        node = ThnnFusedLstmCellBackward0()
        out = record(node, (hy, cy), (input_gates, hidden_gates, cx))
        node.save(input_gates, hidden_gates, cx)
        return out
    return _wrap(hy), _wrap(cy)


class ThnnFusedLstmCellBackward0(Node):
    __slots__ = ()
    _n_out = 2
    _saved_names = ("input_gates", "hidden_gates", "cx")

    def backward(self, grads):
        ig, hg, cx = self.saved()
        gh, gc = grads
        i, f, g, o = _gate_activations(ig + hg, hg.shape[1] // 4)
        tc = anp.tanh(f * cx + i * g)
        # the cell's gradient: from c' directly and through h' = o * tanh(c')
        dc = None if gh is None else gh * o * (1 - tc * tc)
        if gc is not None:
            dc = gc if dc is None else dc + gc
        if dc is None:
            dc = anp.zeros_like(cx)
        do = anp.zeros_like(o) if gh is None else gh * tc * o * (1 - o)
        dgates = anp.cat([dc * g * i * (1 - i), dc * cx * f * (1 - f),
                          dc * i * (1 - g * g), do], 1)
        return dgates, dgates, dc * f


# -- one layer in one direction -----------------------------------------------------------------
class _Step:
    """The recurrence of one layer and direction once its inputs are projected: ``__call__``
    maps a projected input slice and the state (a tuple) to the new state."""

    __slots__ = ("mode", "w_hh_t", "b_hh", "w_hr_t")

    def __init__(self, mode: str, w_hh: Tensor, b_hh: Tensor | None, w_hr: Tensor | None):
        self.mode = mode
        self.w_hh_t = _sh.t(w_hh)
        self.b_hh = b_hh
        self.w_hr_t = None if w_hr is None else _sh.t(w_hr)

    def __call__(self, xp: Tensor, state: tuple) -> tuple:
        mode = self.mode
        h = state[0]
        if mode == "GRU":
            gh = _la.mm(h, self.w_hh_t) if self.b_hh is None else _la.addmm(
                self.b_hh, h, self.w_hh_t)
            return (_gru_gates(xp, gh, h),)
        if mode == "LSTM":
            h, c = _thnn_fused_lstm_cell(xp, _la.mm(h, self.w_hh_t), state[1])
            if self.w_hr_t is not None:
                h = _la.mm(h, self.w_hr_t)
            return h, c
        pre = _la.addmm(xp, h, self.w_hh_t)
        return (pre.tanh() if mode == "RNN_TANH" else pre.relu(),)


def _project(mode: str, x: Tensor, w_ih: Tensor, b_ih, b_hh) -> Tensor:
    """The input projection of every time step in one GEMM. Except for a GRU (whose ``b_hn``
    sits inside ``r * (...)``) both biases are added here once instead of at every step."""
    lead = x.shape[:-1]
    x2 = x.reshape(int(np.prod(lead)), x.shape[-1]) if x.ndim != 2 else x
    if b_ih is not None and mode != "GRU":
        b_ih = b_ih + b_hh
    p = _proj(x2, w_ih, b_ih)
    return p if x.ndim == 2 else p.view(tuple(lead) + (p.shape[-1],))


def _run_direction(step: _Step, xs: list, state: tuple, reverse: bool):
    """Run ``step`` over the projected per-step inputs ``xs``; returns the per-step outputs
    (in time order) and the final state. With packed data (the steps' batch sizes falling),
    the rows of sequences that have ended leave the state (forward) or join it (reverse)."""
    n = len(xs)
    outs = [None] * n
    if not reverse:
        finished = []
        for t in range(n):
            bs = xs[t].shape[0]
            if bs < state[0].shape[0]:
                finished.append(tuple(s[bs:] for s in state))
                state = tuple(s[:bs] for s in state)
            state = step(xs[t], state)
            outs[t] = state[0]
        if finished:
            finished.append(state)
            state = tuple(_sh.cat([f[k] for f in reversed(finished)], 0)
                          for k in range(len(state)))
        return outs, state
    full = state
    state = tuple(s[:xs[-1].shape[0]] for s in full) if n else state
    for t in range(n - 1, -1, -1):
        bs = xs[t].shape[0]
        have = state[0].shape[0]
        if bs > have:
            state = tuple(_sh.cat([s, f[have:bs]], 0) for s, f in zip(state, full))
        state = step(xs[t], state)
        outs[t] = state[0]
    return outs, state


def rnn_forward(mode: str, input: Tensor, hx: tuple, weights: list, has_biases: bool,
                num_layers: int, dropout: float, train: bool, bidirectional: bool,
                batch_sizes: list | None = None) -> tuple:
    """The whole stacked recurrence (what ``torch._VF.lstm`` etc. compute).

    ``input`` is ``(T, B, I)`` (time first) or, with ``batch_sizes``, packed ``(N, I)``;
    ``hx`` a tuple of states ``(L*D, B, H)``; ``weights`` the flat weight list in PyTorch's
    order. Returns ``(output, states)`` with ``states`` a tuple like ``hx``."""
    from ..nn import functional as F
    dirs = 2 if bidirectional else 1
    if bidirectional and (len(weights) % 2 or any(h.shape[0] % 2 for h in hx)):
        raise RuntimeError("Odd number of params or hiddens given to a bidirectional RNN")
    if any(h.shape[0] != num_layers * dirs for h in hx):
        raise RuntimeError("Expected more hidden states in stacked_rnn")
    if batch_sizes is None and input.shape[0] == 0:
        raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
    per = (4 if has_biases else 2) + (1 if len(weights) > num_layers * dirs * (
        4 if has_biases else 2) else 0)
    layer_input = input
    finals = [[] for _ in hx]
    for layer in range(num_layers):
        outputs = []
        for d in range(dirs):
            idx = layer * dirs + d
            w = weights[idx * per:(idx + 1) * per]
            w_ih, w_hh = w[0], w[1]
            b_ih, b_hh = (w[2], w[3]) if has_biases else (None, None)
            w_hr = w[-1] if per in (3, 5) else None
            proj = _project(mode, layer_input, w_ih, b_ih, b_hh)
            if batch_sizes is None:
                xs = list(_sh.unbind(proj, 0))
            else:
                xs = list(_sh.split(proj, batch_sizes, 0))
            state = tuple(h[idx] for h in hx)
            outs, state = _run_direction(_Step(mode, w_hh, b_hh, w_hr), xs, state, d == 1)
            for k, s in enumerate(state):
                finals[k].append(s)
            outputs.append(_sh.stack(outs, 0) if batch_sizes is None else _sh.cat(outs, 0))
        layer_output = outputs[0] if dirs == 1 else _sh.cat(outputs, -1)
        if dropout and train and layer < num_layers - 1:
            layer_output = F.dropout(layer_output, dropout, True)
        layer_input = layer_output
    return layer_input, tuple(_sh.stack(f, 0) for f in finals)


# -- torch.lstm / torch.gru / torch.rnn_tanh / torch.rnn_relu ------------------------------------
def _layer_call(mode: str, input: Tensor, second, rest: tuple, n_states: int) -> tuple:
    """The two overloads PyTorch's layer functions share: ``(input, hx, params, has_biases,
    num_layers, dropout, train, bidirectional, batch_first)`` on padded input, and
    ``(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional)``
    on packed data. Returns ``(output, *states)``."""
    packed = isinstance(second, Tensor) and (n_states == 2 or isinstance(rest[0], Tensor))
    if packed:
        hx, params, has_biases, num_layers, dropout, train, bidirectional = rest
        batch_sizes = [int(b) for b in second._data]
        batch_first = False
    else:
        hx = second
        params, has_biases, num_layers, dropout, train, bidirectional, batch_first = rest
        batch_sizes = None
    states = tuple(hx) if n_states == 2 else (hx,)
    x = _sh.transpose(input, 0, 1) if batch_first else input
    out, states = rnn_forward(mode, x, states, list(params), has_biases, num_layers, dropout,
                              train, bidirectional, batch_sizes)
    if batch_first:
        out = _sh.transpose(out, 0, 1)
    return (out,) + tuple(states)


def lstm(input: Tensor, hx, params, has_biases, num_layers, dropout, train, bidirectional,
         batch_first=False) -> tuple:
    """``torch.lstm``: a stacked LSTM over a whole sequence; returns ``(output, h_n, c_n)``."""
    return _layer_call("LSTM", input, hx, (params, has_biases, num_layers, dropout, train,
                                           bidirectional, batch_first)[:7], 2)


def gru(input: Tensor, hx, params, has_biases, num_layers, dropout, train, bidirectional,
        batch_first=False) -> tuple:
    """``torch.gru``: a stacked GRU over a whole sequence; returns ``(output, h_n)``."""
    return _layer_call("GRU", input, hx, (params, has_biases, num_layers, dropout, train,
                                          bidirectional, batch_first)[:7], 1)


def rnn_tanh(input: Tensor, hx, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first=False) -> tuple:
    """``torch.rnn_tanh``: a stacked Elman RNN with tanh; returns ``(output, h_n)``."""
    return _layer_call("RNN_TANH", input, hx, (params, has_biases, num_layers, dropout, train,
                                               bidirectional, batch_first)[:7], 1)


def rnn_relu(input: Tensor, hx, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first=False) -> tuple:
    """``torch.rnn_relu``: a stacked Elman RNN with relu; returns ``(output, h_n)``."""
    return _layer_call("RNN_RELU", input, hx, (params, has_biases, num_layers, dropout, train,
                                               bidirectional, batch_first)[:7], 1)
