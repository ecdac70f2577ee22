"""Padding layers: zero, constant, reflection, replication and circular padding."""
from __future__ import annotations

from .. import functional as F
from .module import Module

__all__ = [f"{kind}Pad{n}d" for kind in ("Zero", "Constant", "Reflection", "Replication",
                                          "Circular") for n in (1, 2, 3)]


def _pad_tuple(padding, n: int) -> tuple:
    """An int pads every side; a tuple gives (left, right, top, bottom, front, back)."""
    if isinstance(padding, (list, tuple)):
        return tuple(padding)
    return (padding,) * (2 * n)


class _PadNd(Module):
    _n = 1
    _mode = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _pad_tuple(padding, self._n)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


def _make(kind: str, base, mode: str, n: int, doc: str):
    return type(f"{kind}Pad{n}d", (base,), {"_n": n, "_mode": mode, "__module__": __name__,
                                           "__doc__": doc.format(n=n)})


ZeroPad1d = _make("Zero", _ZeroPadNd, "constant", 1, "Pads the last {n} dim(s) with zeros.")
ZeroPad2d = _make("Zero", _ZeroPadNd, "constant", 2, "Pads the last {n} dim(s) with zeros.")
ZeroPad3d = _make("Zero", _ZeroPadNd, "constant", 3, "Pads the last {n} dim(s) with zeros.")
_CD = "Pads the last {n} dim(s) with a constant value."
ConstantPad1d = _make("Constant", _ConstantPadNd, "constant", 1, _CD)
ConstantPad2d = _make("Constant", _ConstantPadNd, "constant", 2, _CD)
ConstantPad3d = _make("Constant", _ConstantPadNd, "constant", 3, _CD)
_RD = "Pads the last {n} dim(s) with their reflection (the edge is not repeated)."
ReflectionPad1d = _make("Reflection", _PadNd, "reflect", 1, _RD)
ReflectionPad2d = _make("Reflection", _PadNd, "reflect", 2, _RD)
ReflectionPad3d = _make("Reflection", _PadNd, "reflect", 3, _RD)
_PD = "Pads the last {n} dim(s) by repeating the edge values."
ReplicationPad1d = _make("Replication", _PadNd, "replicate", 1, _PD)
ReplicationPad2d = _make("Replication", _PadNd, "replicate", 2, _PD)
ReplicationPad3d = _make("Replication", _PadNd, "replicate", 3, _PD)
_OD = "Pads the last {n} dim(s) by wrapping around (periodic boundary)."
CircularPad1d = _make("Circular", _PadNd, "circular", 1, _OD)
CircularPad2d = _make("Circular", _PadNd, "circular", 2, _OD)
CircularPad3d = _make("Circular", _PadNd, "circular", 3, _OD)
