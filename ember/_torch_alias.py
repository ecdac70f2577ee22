"""Make ``import torch`` (and ``torch.nn``, ``torch.optim``...) resolve to ember's modules."""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys


class TorchAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``torch`` and ``torch.X`` and hands back ``ember`` and ``ember.X``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "torch" or fullname.startswith("torch."):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module("ember" + spec.name[len("torch"):])

    def exec_module(self, module) -> None:
        """The ember module is already initialised."""


def install() -> None:
    """Route torch imports to ember for the rest of this process."""
    if not any(isinstance(f, TorchAlias) for f in sys.meta_path):
        sys.meta_path.insert(0, TorchAlias())
    # Register ember's loaded submodules under their torch names too: importing one later
    # (``from torch.autograd.gradcheck import ...``) then does not rebind the package
    # attribute of the same name (the ``autograd.gradcheck`` function) to the module.
    for name, mod in list(sys.modules.items()):
        if name.startswith("ember."):
            sys.modules.setdefault("torch" + name[5:], mod)
