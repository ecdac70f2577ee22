"""Neural-network building blocks (``torch.nn``)."""
from . import functional, init, parallel, utils
from .modules import *  # noqa: F401,F403  (the modules package lists its public names)
from .modules import __all__ as _modules_all
from .parameter import Buffer, Parameter

__all__ = ["Parameter", "Buffer", "functional", "init", "parallel", "utils"] + list(_modules_all)
