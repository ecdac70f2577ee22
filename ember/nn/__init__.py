"""Neural-network building blocks (``torch.nn``)."""
from . import attention, functional, init, utils
from .modules import *  # noqa: F401,F403  (the modules package lists its public names)
from .modules import __all__ as _modules_all
from .parameter import Buffer, Parameter

__all__ = ["Parameter", "Buffer", "functional", "init", "utils", "attention"] + list(_modules_all)
