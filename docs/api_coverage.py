"""Which public names of torch, torch.nn, torch.nn.functional and torch.Tensor ember lacks.

Run from the repository root with PyTorch installed: ``python docs/api_coverage.py``. Prints
one section per namespace: how many names PyTorch has, how many ember has, and the missing
ones (submodules PyTorch imports for its own use and typing helpers are left out).
"""
from __future__ import annotations

import os
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

import ember  # noqa: E402

# torch's submodules that are API (the others are implementation modules it happens to import)
API_MODULES = {"cuda", "nn", "optim", "utils", "autograd", "linalg", "fft", "special",
               "distributions", "testing", "jit", "onnx", "distributed", "backends", "amp",
               "compiler", "accelerator", "random", "sparse", "masked", "nested", "func",
               "export", "hub", "profiler", "quantization", "ao", "multiprocessing", "library",
               "package", "signal", "monitor", "xpu", "mps", "cpu", "version", "serialization",
               "storage", "types", "futures", "fx", "overrides"}
TYPING = {"Callable", "Optional", "TYPE_CHECKING", "Union", "List", "Tuple", "DType",
          "BroadcastingList1", "BroadcastingList2", "BroadcastingList3", "Tensor"}


def public(obj) -> set:
    return {n for n in dir(obj) if not n.startswith("_")}


def is_api(name: str, value) -> bool:
    if isinstance(value, types.ModuleType):
        return name in API_MODULES
    return name not in TYPING


def report(title: str, theirs, ours) -> None:
    names = public(theirs)
    missing = sorted(n for n in names - public(ours) if is_api(n, getattr(theirs, n, None)))
    print(f"## {title}: PyTorch {len(names)}, ember has {len(names & public(ours))}, "
          f"missing {len(missing)}\n")
    print(", ".join(missing) + "\n")


if __name__ == "__main__":
    report("torch", torch, ember)
    report("torch.nn", torch.nn, ember.nn)
    report("torch.nn.functional", torch.nn.functional, ember.nn.functional)
    report("torch.Tensor", torch.Tensor, ember.Tensor)
