"""``torch.version`` and ``torch.__version__``: the PyTorch release whose API ember follows,
with ember's own version as the local label (``2.13.0+ember.0.1.0``), as a ``TorchVersion``
that compares with strings and tuples as PyTorch's does."""
from __future__ import annotations

import re

__all__ = ["TorchVersion", "__version__", "ember_version", "debug", "cuda", "git_version",
           "hip", "rocm", "xpu"]

ember_version = "0.1.0"
TORCH_API = "2.13.0"


def _release(v) -> tuple | None:
    """The numeric release of a version string or tuple, or None if it has none."""
    if isinstance(v, str):
        m = re.match(r"\s*v?(\d+(?:\.\d+)*)", v)
        return tuple(int(x) for x in m.group(1).split(".")) if m else None
    try:
        return tuple(int(x) for x in v)
    except (TypeError, ValueError):
        return None


def _padded(a: tuple, b: tuple) -> tuple:
    n = max(len(a), len(b))
    return a + (0,) * (n - len(a)), b + (0,) * (n - len(b))


class TorchVersion(str):
    """A version string that compares with other versions by release number:
    ``torch.__version__ >= "2.0"`` and ``torch.__version__ >= (2, 0)`` both work. Equality
    stays a string's: a version with a local label equals no other."""

    __slots__ = ()

    def _cmp(self, other, op) -> bool:
        mine, theirs = _release(str(self)), _release(other)
        if mine is None or theirs is None:
            return getattr(str, op)(self, other)
        a, b = _padded(mine, theirs)
        return getattr(a, op)(b)

    def __lt__(self, other) -> bool:
        return self._cmp(other, "__lt__")

    def __le__(self, other) -> bool:
        return self._cmp(other, "__le__")

    def __gt__(self, other) -> bool:
        return self._cmp(other, "__gt__")

    def __ge__(self, other) -> bool:
        return self._cmp(other, "__ge__")



__version__ = TorchVersion(f"{TORCH_API}+ember.{ember_version}")
debug = False
cuda = None
hip = None
rocm = None
xpu = None
git_version = "unknown"
