"""Neural-network building blocks (``torch.nn``)."""
from . import attention, functional, init, parallel, utils
from . import modules as _modules
from .modules import __all__ as _modules_all
from .parameter import Buffer, Parameter
from .parallel import DataParallel

__all__ = ["Parameter", "Buffer", "DataParallel", "attention", "functional", "init",
           "parallel", "utils"] + list(_modules_all)

# The modules package's names, except the families it loads on first use (its _LAZY): those
# are looked up there when first read, so "nn.LSTM" is the class ember.nn.modules.rnn defines.
globals().update({_n: getattr(_modules, _n) for _n in _modules_all if _n not in _modules._LAZY})


def __getattr__(name: str):
    if name in _modules._LAZY:
        value = getattr(_modules, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_modules._LAZY))
