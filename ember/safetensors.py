"""Read and write safetensors files, byte for byte as the ``safetensors`` package writes them.

A safetensors file is an 8-byte little-endian header length, a JSON header naming each
tensor's dtype, shape and byte range (and an optional ``__metadata__`` dict of strings),
padded with spaces to 8 bytes, then the raw little-endian data. Loading only parses that
JSON and copies bytes: no code runs. The functions mirror ``safetensors.torch``: ``save``,
``load``, ``save_file``, ``load_file`` (``import ember.safetensors as st``).
"""
from __future__ import annotations

import json
import os
import struct

import numpy as np

from . import _dtype
from ._tensor import Tensor

__all__ = ["save", "load", "save_file", "load_file"]

# Ascending in the order safetensors ranks dtypes: tensors are laid out from the highest
# rank down (then by name), which keeps each one aligned to its element size.
_CODES = (("BOOL", _dtype.bool_), ("U8", _dtype.uint8), ("I8", _dtype.int8),
          ("I16", _dtype.int16), ("F16", _dtype.float16), ("BF16", _dtype.bfloat16),
          ("I32", _dtype.int32), ("F32", _dtype.float32), ("C64", _dtype.complex64),
          ("F64", _dtype.float64), ("I64", _dtype.int64))
_CODE_OF = {d: c for c, d in _CODES}
_DTYPE_OF = {c: d for c, d in _CODES}
_RANK = {c: i for i, (c, _) in enumerate(_CODES)}


def save(tensors: dict, metadata: dict | None = None) -> bytes:
    """The safetensors bytes of a ``{name: tensor}`` dict (tensors must not share memory)."""
    entries = []
    for name, t in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"Key `{name}` is invalid, expected str but received "
                            f"{type(name).__name__}")
        if not isinstance(t, Tensor):
            raise ValueError(f"Key `{name}` is invalid, expected torch.Tensor but received "
                             f"{type(t)}")
        code = _CODE_OF.get(t.dtype)
        if code is None:
            raise ValueError(f"safetensors cannot store {t.dtype} (tensor `{name}`)")
        entries.append((code, name, t._data))
    _check_no_sharing(entries)
    entries.sort(key=lambda e: (-_RANK[e[0]], e[1]))
    header: dict = {}
    if metadata is not None:
        header["__metadata__"] = {str(k): _meta_value(k, v) for k, v in metadata.items()}
    chunks, offset = [], 0
    for code, name, a in entries:
        raw = np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": code, "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def _meta_value(key, value) -> str:
    if not isinstance(value, str):
        raise ValueError(f"metadata values must be str, got {type(value).__name__} for "
                         f"`{key}`")
    return value


def _check_no_sharing(entries) -> None:
    seen = {}
    for _, name, a in entries:
        base = a if a.base is None else a.base
        other = seen.get(id(base))
        if other is not None and a.size and np.shares_memory(a, other[1]):
            raise RuntimeError(f"Some tensors share memory, this will lead to duplicate memory "
                               f"on disk and potential differences when loading them again: "
                               f"[{{'{other[0]}', '{name}'}}].")
        seen[id(base)] = (name, a)


def load(data: bytes) -> dict:
    """The ``{name: tensor}`` dict of safetensors bytes."""
    if len(data) < 8:
        raise RuntimeError("Error while deserializing header: HeaderTooSmall")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise RuntimeError("Error while deserializing header: InvalidHeaderLength")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RuntimeError(f"Error while deserializing header: {e}") from None
    header.pop("__metadata__", None)
    body = memoryview(data)[8 + n:]
    out = {}
    for name, info in header.items():
        dt = _DTYPE_OF.get(info.get("dtype"))
        if dt is None:
            raise RuntimeError(f"unsupported safetensors dtype {info.get('dtype')!r} of "
                               f"`{name}`")
        shape = tuple(int(s) for s in info["shape"])
        start, end = (int(v) for v in info["data_offsets"])
        count = int(np.prod(shape, dtype=np.int64))
        if not 0 <= start <= end <= len(body) or end - start != count * dt.itemsize:
            raise RuntimeError(f"Error while deserializing header: invalid offsets of `{name}`")
        a = np.frombuffer(body[start:end], dtype=dt.np.newbyteorder("<"))
        out[name] = Tensor._wrap(a.astype(dt.np).reshape(shape))   # astype copies
    return out


def save_file(tensors: dict, filename, metadata: dict | None = None) -> None:
    """Write ``tensors`` to a safetensors file."""
    data = save(tensors, metadata)
    with open(os.fspath(filename), "wb") as f:
        f.write(data)


def load_file(filename, device="cpu") -> dict:
    """Read a safetensors file into a ``{name: tensor}`` dict."""
    with open(os.fspath(filename), "rb") as f:
        return load(f.read())
