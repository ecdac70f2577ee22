"""``torch.nn.utils.rnn``: packed sequences and padding.

A ``PackedSequence`` stores the time steps of a batch of sequences of different lengths one
after the other, each step holding only the sequences still running (``batch_sizes`` falls,
sequences are sorted longest first). Packing is a gather of rows from the padded ``(T, B, *)``
tensor and unpacking the scatter back; each is the other's gradient, so both are written as
ops whose backward formula calls the other through an array/tensor dispatcher.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ... import _dtype
from ..._tensor import Tensor
from ...autograd import anp
from ...autograd.grad_mode import STATE
from ...autograd.graph import Node, record1
from ...ops import indexing as _ix
from ...ops import shape as _sh

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]

_wrap = Tensor._wrap


# -- the two ops: gather of the packed rows, scatter back -------------------------------------
def _rows(batch_sizes: np.ndarray, batch: int) -> np.ndarray:
    """Flat indices into ``(T * B)`` of the packed rows, in packed order."""
    steps = len(batch_sizes)
    mask = np.arange(batch)[None, :] < batch_sizes[:, None]
    return np.flatnonzero(mask.reshape(steps * batch)) if steps else np.zeros(0, np.int64)


def _pack_rows(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Gather ``rows`` of ``x`` flattened to ``(T * B, *)``."""
    return x.reshape((-1,) + x.shape[2:])[rows]


def _unpack_rows(data, rows: np.ndarray, batch_sizes: np.ndarray, shape: tuple, fill=0.0):
    """Scatter the packed ``data`` into a ``shape`` (T, B, *) array filled with ``fill``."""
    if anp.is_array(data):
        out = np.full((shape[0] * shape[1],) + tuple(shape[2:]), fill, dtype=data.dtype)
        out[rows] = data
        return out.reshape(shape)
    return _pad_runs(data, batch_sizes, shape, fill)


def _pad_runs(data: Tensor, batch_sizes: np.ndarray, shape: tuple, fill) -> Tensor:
    """The padded ``(T, B, *)`` tensor of packed ``data``, composed as ATen composes
    ``_pad_packed_sequence``: a filled tensor and one slice ``copy_`` per run of time steps of
    equal batch size (so the graph is PyTorch's chain of ``CopySlices``)."""
    from ...ops.creation import full
    out = full(shape, fill, dtype=data.dtype)
    rest = tuple(shape[2:])
    off = prev_i = 0
    prev_b = int(batch_sizes[0]) if len(batch_sizes) else 0
    for i in range(len(batch_sizes) + 1):
        b = int(batch_sizes[i]) if i < len(batch_sizes) else 0
        if b != prev_b:
            n = prev_b * (i - prev_i)
            out[prev_i:i, :prev_b].copy_(data[off:off + n].view((i - prev_i, prev_b) + rest))
            off += n
            prev_i = i
        prev_b = b
    return out


def _pack_op(x: Tensor, rows: np.ndarray, batch_sizes: np.ndarray) -> Tensor:
    r = _pack_rows(x._data, rows)
    if STATE.enabled and x._rg:
        node = PackPaddedSequenceBackward0()
        node.rows, node.batch_sizes = rows, batch_sizes
        node.shape = x._data.shape
        return record1(node, r, x)
    return _wrap(r)


class PackPaddedSequenceBackward0(Node):
    __slots__ = ("rows", "batch_sizes", "shape")

    def backward(self, grad):          # the packed rows go back to their padded places
        return (_unpack_rows(grad, self.rows, self.batch_sizes, self.shape),)


# -- PackedSequence ---------------------------------------------------------------------------
def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of an index permutation (None stays None)."""
    if permutation is None:
        return None
    p = permutation._data
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size, dtype=p.dtype)
    return _wrap(inv)


class PackedSequence(namedtuple("PackedSequence",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """Packed data of variable-length sequences: ``data`` ``(sum(lengths), *)``, the int64
    ``batch_sizes`` of each time step and the permutation sorting the batch by length."""

    __slots__ = ()

    def __new__(cls, data: Tensor, batch_sizes: Tensor | None = None,
                sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> "PackedSequence":
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:   # PyTorch also accepts the (data, batch_sizes) pair
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _map(self, fn) -> "PackedSequence":
        return type(self)(fn(self.data), self.batch_sizes, self.sorted_indices,
                          self.unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._map(lambda _: data)

    def cpu(self) -> "PackedSequence":
        return self

    def float(self) -> "PackedSequence":
        return self.to(_dtype.float32)

    def double(self) -> "PackedSequence":
        return self.to(_dtype.float64)

    def half(self) -> "PackedSequence":
        return self.to(_dtype.float16)

    def long(self) -> "PackedSequence":
        return self.to(_dtype.int64)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def _lengths_array(lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        return lengths._data.astype(np.int64).reshape(-1)
    return np.asarray(lengths, dtype=np.int64).reshape(-1)


def _check_not_empty(input: Tensor) -> None:
    if not input.numel():
        raise RuntimeError("Cannot pack empty tensors.")


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded ``(T, B, *)`` (or ``(B, T, *)``) batch of sequences of ``lengths``."""
    lens = _lengths_array(lengths)
    bdim = 0 if batch_first else 1
    if enforce_sorted:
        _check_not_empty(input)
        if lens.size > 1 and np.any(lens[:-1] < lens[1:]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
        sorted_indices = None
    else:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
        sorted_indices = _wrap(order.astype(np.int64))
        input = _ix.index_select(input, bdim, sorted_indices)
        _check_not_empty(input)
    if lens.size and lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if batch_first:
        input = _sh.transpose(input, 0, 1)
    steps, batch = input.shape[0], input.shape[1]
    if lens.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lens.size} (batch_size={batch})")
    if lens.size and lens[0] > steps:
        raise RuntimeError(f"Expected sequence length to be larger than or equal to the "
                           f"max length in `lengths`, but got {steps} and {lens[0]}")
    top = int(lens[0]) if lens.size else 0
    batch_sizes = (lens[None, :] > np.arange(top)[:, None]).sum(1).astype(np.int64)
    data = _pack_op(input, _rows(batch_sizes, batch), batch_sizes)
    return PackedSequence(data, _wrap(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None) -> tuple:
    """Unpack to a padded ``(T, B, *)`` tensor and the int64 lengths (the inverse of
    ``pack_padded_sequence``)."""
    bs = sequence.batch_sizes._data.astype(np.int64)
    batch = int(bs[0])
    steps = len(bs)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{steps}")
        steps = total_length
    data = sequence.data
    shape = (steps, batch) + tuple(data.shape[1:])
    padded = _pad_runs(data, bs, shape, padding_value)
    lengths = (bs[None, :] > np.arange(batch)[:, None]).sum(1).astype(np.int64)
    if batch_first:
        padded = _sh.transpose(padded, 0, 1)
    lengths = _wrap(lengths)
    if sequence.unsorted_indices is not None:
        bdim = 0 if batch_first else 1
        padded = _ix.index_select(padded, bdim, sequence.unsorted_indices)
        lengths = _wrap(lengths._data[sequence.unsorted_indices._data])
    return padded, lengths


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of different lengths ``(L_i, *)`` into ``(T, B, *)``, padding with
    ``padding_value`` on the ``padding_side``."""
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    from ...ops.creation import full
    steps, batch = max(s.shape[0] for s in sequences), len(sequences)
    rest = tuple(sequences[0].shape[1:])
    # composed as ATen composes it: one slice copy_ per sequence (a chain of CopySlices)
    out = full((batch, steps) + rest if batch_first else (steps, batch) + rest, padding_value,
               dtype=sequences[0].dtype)
    for i, seq in enumerate(sequences):
        n = seq.shape[0]
        start = 0 if padding_side == "right" else steps - n
        if batch_first:
            out.select(0, i).narrow(0, start, n).copy_(seq)
        else:
            out.narrow(0, start, n).select(1, i).copy_(seq)
    return out


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """The list of unpadded sequences of a padded batch."""
    if not batch_first:
        padded_sequences = _sh.transpose(padded_sequences, 0, 1)
    lens = _lengths_array(lengths)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(lens)]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)``."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences in a PackedSequence."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)

