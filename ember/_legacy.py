"""PyTorch's legacy tensor constructors: ``torch.Tensor(...)``, ``x.new(...)``, the typed
classes ``torch.FloatTensor``, ``torch.LongTensor``... (and their ``torch.cuda`` twins, which a
CPU-only build names but cannot make), and ``set_default_tensor_type``.

Old tutorials and course slides are written with them: ``torch.FloatTensor([[1, 2]])``,
``x.type(torch.LongTensor)``, ``isinstance(x, torch.FloatTensor)``. Their rules differ from
``torch.tensor``'s: a list or array is copied into the class's dtype, integers are a shape
(``FloatTensor(2, 3)``: zeros, as ember's ``empty``), no argument is an empty 1-d tensor,
and a tensor is aliased, not copied (a typed class wants the tensor in its own dtype)."""
from __future__ import annotations

import warnings

import numpy as np

from . import _dtype
from ._size import Size, check_factory_device, device as _device
from ._tensor import Tensor

__all__ = ["tensortype", "legacy_type", "legacy_data", "new", "set_default_tensor_type",
           "type_dtype", "FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor",
           "ByteTensor", "CharTensor", "ShortTensor", "IntTensor", "LongTensor", "BoolTensor"]

_OPTIONS = ("expected TensorOptions(dtype={}, device=cpu, layout=Strided, requires_grad=false "
            "(default), pinned_memory=false (default), memory_format=(nullopt)) (got "
            "TensorOptions(dtype={}, device=cpu, layout=Strided, requires_grad=false (default), "
            "pinned_memory=false (default), memory_format=(nullopt)))")
_SIGNATURES = ("but expected one of:\n * (*, torch.device device = None)\n"
               " * (torch.Storage storage)\n * (Tensor other)\n"
               " * (tuple of ints size, *, torch.device device = None)\n"
               " * (object data, *, torch.device device = None)\n")
# C++ names of the scalar types, as the TensorOptions message prints them
_CPP = {"float32": "float", "float64": "double", "float16": "c10::Half",
        "bfloat16": "c10::BFloat16", "uint8": "unsigned char", "int8": "signed char",
        "int16": "short int", "int32": "int", "int64": "long int", "bool": "bool",
        "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def _pyname(x) -> str:
    t = type(x)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _is_size(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def legacy_data(args: tuple, dt, device):
    """The array a legacy constructor makes of ``args`` in dtype ``dt``, or the tensor it was
    given (which the caller aliases)."""
    from .ops import creation
    if device is not None:
        dev = device if isinstance(device, _device) else _device(device)
        if dev.type != "cpu":
            raise RuntimeError(f"legacy constructor expects device type: cpu but device type: "
                               f"{dev.type} was passed")
    check_factory_device(device)
    if not args:
        return np.zeros((0,), dt.np)
    if len(args) == 1:
        a = args[0]
        if isinstance(a, Tensor):
            return a
        if isinstance(a, Size):
            return np.zeros(tuple(a), dt.np)
        if not _is_size(a):
            if isinstance(a, str):
                raise TypeError("new(): invalid data type 'str'")
            if a is None or isinstance(a, (bool, float, complex, np.generic)):
                raise TypeError(f"new(): data must be a sequence (got {_pyname(a)})")
            if isinstance(a, range):
                a = list(a)
            return creation._to_array(a, dt, copy=True)
    if not all(_is_size(a) for a in args):
        raise TypeError(f"new() received an invalid combination of arguments - got "
                        f"({', '.join(_pyname(a) for a in args)}), {_SIGNATURES}")
    return np.zeros(creation._shape_arg(args), dt.np)


def _alias(t: Tensor) -> Tensor:
    from .ops.indexing import _alias as alias
    return alias(t)


def _typed(args: tuple, dt, device) -> Tensor:
    """A typed legacy constructor: a tensor argument must already have dtype ``dt``."""
    data = legacy_data(args, dt, device)
    if isinstance(data, Tensor):
        if data.dtype is not dt:
            raise TypeError(_OPTIONS.format(_CPP[dt.np.name], _CPP[data.dtype.np.name]))
        return _alias(data)
    return Tensor._wrap(data)


def new(self: Tensor, *args, device=None) -> Tensor:
    """``x.new(...)``: the legacy constructor in ``x``'s dtype (``x.new(2, 3)`` zeros,
    ``x.new([1, 2])`` a copy of the data, ``x.new()`` empty)."""
    return _typed(args, self.dtype, device)


class tensortype(type):
    """The class of the legacy tensor types: ``torch.FloatTensor(data)`` constructs (as
    ``torch.Tensor(data)`` in float32), ``isinstance(x, torch.FloatTensor)`` tests the dtype;
    the types are not subclasses of ``torch.Tensor``, as in PyTorch."""

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and not cls.is_cuda and obj.dtype is cls.dtype

    def __call__(cls, *args, device=None) -> Tensor:
        if cls.is_cuda:
            raise TypeError(f"type {cls.__module__}.{cls.__name__} not available. Torch not "
                            "compiled with CUDA enabled.")
        return _typed(args, cls.dtype, device)


tensortype.__module__ = "torch"


def legacy_type(name: str, dt, module: str = "torch") -> tensortype:
    """The legacy type ``module.name`` of dtype ``dt``."""
    return tensortype(name, (), {"__module__": module, "__slots__": (), "dtype": dt,
                                 "is_cuda": module == "torch.cuda", "is_sparse": False})


FloatTensor = legacy_type("FloatTensor", _dtype.float32)
DoubleTensor = legacy_type("DoubleTensor", _dtype.float64)
HalfTensor = legacy_type("HalfTensor", _dtype.float16)
BFloat16Tensor = legacy_type("BFloat16Tensor", _dtype.bfloat16)
ByteTensor = legacy_type("ByteTensor", _dtype.uint8)
CharTensor = legacy_type("CharTensor", _dtype.int8)
ShortTensor = legacy_type("ShortTensor", _dtype.int16)
IntTensor = legacy_type("IntTensor", _dtype.int32)
LongTensor = legacy_type("LongTensor", _dtype.int64)
BoolTensor = legacy_type("BoolTensor", _dtype.bool_)


def cuda_type_error() -> RuntimeError:
    """What converting to a ``torch.cuda`` type raises in a CPU-only build."""
    return RuntimeError("Cannot initialize CUDA without ATen_cuda library: Torch not compiled "
                        "with CUDA enabled")


def type_dtype(t):
    """``x.type(t)``'s dtype for a legacy type or its name (the complex ones have names but
    no classes); PyTorch's errors for an unknown name and for a CUDA type."""
    if isinstance(t, str):
        mod, _, short = t.rpartition(".")
        found = [d for d in _dtype._ALL if d._legacy == short]
        if mod not in ("torch", "torch.cuda") or not found:
            raise ValueError(f"invalid type: '{t}'")
        if mod == "torch.cuda":
            raise cuda_type_error()
        return found[0]
    if not isinstance(t, tensortype):
        raise TypeError("dtype must be a type, str, or dtype object")
    if t.is_cuda:
        raise cuda_type_error()
    return t.dtype


def set_default_tensor_type(t) -> None:
    """Deprecated in PyTorch 2.1: sets the default floating dtype to a legacy type's."""
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives. "
                  "(Triggered internally at /__w/pytorch/pytorch/torch/csrc/tensor/"
                  "python_tensor.cpp:434.)", UserWarning, stacklevel=2)
    if isinstance(t, str):
        import importlib
        mod, _, name = t.rpartition(".")
        module = importlib.import_module(mod.replace("torch", "ember", 1)) \
            if mod in ("torch", "torch.cuda") else None
        if not isinstance(getattr(module, name, None), tensortype):
            raise AttributeError(f"module {mod!r} has no attribute {name!r}")
        t = getattr(module, name)
    if not isinstance(t, tensortype):
        raise TypeError("invalid type object: only floating-point types are supported as the "
                        "default type")
    if t.is_cuda:
        raise TypeError(f"type torch.cuda.{t.__name__} not available. Torch not compiled with "
                        "CUDA enabled.")
    if not t.dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(t.dtype)
