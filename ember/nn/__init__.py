"""Neural-network building blocks (``torch.nn``)."""
from . import attention, functional, init, parallel, utils
from .modules import *  # noqa: F401,F403  (the modules package lists its public names)
from .modules import __all__ as _modules_all
from .parameter import Buffer, Parameter
from .parallel import DataParallel

__all__ = ["Parameter", "Buffer", "DataParallel", "attention", "functional", "init",
           "parallel", "utils"] + list(_modules_all)
