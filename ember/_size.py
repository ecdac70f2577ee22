"""``Size`` (a tuple printed as ``torch.Size([2, 3])``) and ``device`` (always the CPU)."""
from __future__ import annotations

__all__ = ["Size", "device"]


class Size(tuple):
    """The shape of a tensor: a tuple of ints."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __reduce__(self):
        return (Size, (tuple(self),))


class device:
    """A device descriptor; ember computes on the CPU only."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments: {type!r}")
        if ":" in type:
            type, _, idx = type.partition(":")
            index = int(idx)
        if type not in ("cpu", "cuda", "mps", "meta"):
            raise RuntimeError(
                "Expected one of cpu, cuda, mps, meta device type at start of device string: "
                f"{type}")
        self.type = type
        self.index = index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    # ``with torch.device(...)``: the default device of the tensors made inside
    def __enter__(self) -> "device":
        _DEFAULT_STACK.append(_DEFAULT[0])
        _DEFAULT[0] = self
        return self

    def __exit__(self, *exc) -> bool:
        _DEFAULT[0] = _DEFAULT_STACK.pop()
        return False


CPU = device("cpu")


_DEFAULT = [None]        # the device set by set_default_device (None: the CPU)
_DEFAULT_STACK = []


def set_default_device(device) -> None:
    """The device factory functions use when given none. Setting ``"cuda"`` is accepted, as
    in a CPU-only PyTorch; making a tensor then raises its error."""
    _DEFAULT[0] = None if device is None else _as_device(device)


def get_default_device() -> "device":
    return _DEFAULT[0] or CPU


def _as_device(d) -> "device":
    if isinstance(d, device):
        return d
    if isinstance(d, int) and not isinstance(d, bool):
        return device("cuda", d)
    return device(d)


def check_factory_device(d) -> None:
    """``check_device`` for a function that makes a tensor: None means the default device."""
    check_device(_DEFAULT[0] if d is None else d)


def check_device(d) -> None:
    """Accept the CPU; refuse accelerators with PyTorch's CPU-only-build error."""
    if d is None:
        return
    dev = d if isinstance(d, device) else device(d) if isinstance(d, str) else None
    if dev is None:
        raise TypeError(f"expected a device, got {d!r}")
    if dev.type == "cuda":
        raise AssertionError("Torch not compiled with CUDA enabled")
    if dev.type != "cpu" and dev.type != "meta":
        raise RuntimeError(f"ember supports only the CPU device, not '{dev}'")
