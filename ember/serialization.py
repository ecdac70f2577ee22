"""``save`` and ``load`` in PyTorch's own file format.

A checkpoint is a zip archive: ``<name>/data.pkl`` (a protocol-2 pickle in which tensors are
``torch._utils._rebuild_tensor_v2`` calls on storages referenced by persistent id) and
``<name>/data/<key>`` (each storage's raw little-endian bytes, 64-byte aligned). So
``torch.load(path, weights_only=True)`` reads ember's files and ``ember.load`` reads PyTorch's.

Loading follows PyTorch's ``weights_only`` rules. By default (``weights_only=True``) the
unpickler resolves only an allow-list of names (containers, numbers, tensors, dtypes) plus
those the user allow-listed (``add_safe_globals``, ``safe_globals``), and refuses anything
else before it runs, naming what to allow-list. A class allow-listed by its ember object also
matches the ``torch.`` path PyTorch's files name it by (``torch.nn.modules.linear.Linear``).
NumPy arrays are rebuilt from their bytes after their dtype and shape are checked; numpy's
``_reconstruct`` is never called. ``weights_only=False`` unpickles anything, like PyTorch.

Whole modules are written as PyTorch writes them: ember's classes by their PyTorch paths
(``torch.nn.modules.batchnorm.BatchNorm2d``, ``torch.nn.functional.gelu``; a user's own class
keeps its path), so ``torch.load(f, weights_only=False)`` builds working torch modules, and
a PyTorch file's names resolve to ember's classes and functions when ember loads it.
"""
from __future__ import annotations

import _compat_pickle
import collections
import contextlib
import importlib
import io
import os
import pickle
import pickletools
import struct
import sys
import tempfile
import types
import uuid
import zipfile

import numpy as np

from . import _dtype
from ._size import Size, device
from ._tensor import Tensor
from .autograd.graph import _HookDict

__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals", "get_safe_globals",
           "get_unsafe_globals_in_checkpoint", "safe_globals"]

# Keyed by ember dtype, not NumPy's: bfloat16's NumPy dtype exists only once ml_dtypes is loaded
_STORAGE_NAMES = {d: d._legacy.replace("Tensor", "Storage") for d in _dtype._ALL}
_ALIGN = 64


class _Global:
    """A name written into the pickle as ``GLOBAL module name`` without importing it."""

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __call__(self, *args):  # pickle's save_reduce insists on a callable
        raise TypeError(f"{self.module}.{self.name} is only a name in a checkpoint")


_REBUILD_TENSOR = _Global("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _Global("torch._utils", "_rebuild_parameter")
_TORCH_SIZE = _Global("torch", "Size")
_TORCH_DEVICE = _Global("torch", "device")
_STORAGE_GLOBALS = {d: _Global("torch", name) for d, name in _STORAGE_NAMES.items()}
_DTYPE_GLOBALS = {d: _Global("torch", d.name) for d in _dtype._ALL}


class _StorageRef:
    __slots__ = ("key", "array")

    def __init__(self, key: str, array: np.ndarray) -> None:
        self.key = key
        self.array = array


class _Pickler(pickle._Pickler):
    """The pure-Python pickler, taught to write torch's names for tensors and storages."""

    def __init__(self, file, protocol: int) -> None:
        super().__init__(file, protocol)
        self.storages: dict = {}  # id(ndarray) -> _StorageRef
        self._alive: list = []

    def persistent_id(self, obj):
        if isinstance(obj, _StorageRef):
            arr = obj.array
            storage = _STORAGE_GLOBALS[_dtype.from_np(arr.dtype)]
            return ("storage", storage, obj.key, "cpu", arr.size)
        return None

    def save_global(self, obj, name=None):
        if isinstance(obj, _Global):
            x = self.memo.get(id(obj))
            if x is not None:
                self.write(self.get(x[0]))
                return
            self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
            self.memoize(obj)
            return
        torch_name = _torch_name(obj)
        if torch_name is not None:
            # an ember class or function (a whole module's class, TransformerEncoderLayer's
            # activation) by the name PyTorch knows it by, so torch.load builds torch objects
            self.write(pickle.GLOBAL + "{}\n{}\n".format(*torch_name).encode("utf-8"))
            self.memoize(obj)
            return
        super().save_global(obj, name)

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, _Global):
            return self.save_global(obj)
        if isinstance(obj, Tensor):
            return self._save_reduce_of(self._reduce_tensor(obj), obj)
        if isinstance(obj, _dtype.dtype):
            return self.save_global(_DTYPE_GLOBALS[obj])
        if isinstance(obj, Size):
            return self._save_reduce_of((_TORCH_SIZE, (tuple(obj),)), obj)
        if isinstance(obj, device):
            return self._save_reduce_of((_TORCH_DEVICE, (str(obj),)), obj)
        if isinstance(obj, types.FunctionType) and _torch_name(obj) is not None:
            # (pickle dispatches functions to the base class's save_global)
            x = self.memo.get(id(obj))
            if x is not None:
                self.write(self.get(x[0]))
                return None
            return self.save_global(obj)
        if obj.__class__ is _HookDict:
            # hook stores are written as PyTorch writes them, plain OrderedDicts
            return self._save_reduce_of((collections.OrderedDict, (), None, None,
                                         iter(obj.items())), obj)
        return super().save(obj, save_persistent_id)

    def _save_reduce_of(self, rv, obj):
        x = self.memo.get(id(obj))
        if x is not None:
            self.write(self.get(x[0]))
            return
        self.save_reduce(*rv, obj=obj)

    def _reduce_tensor(self, t: Tensor):
        from .nn.parameter import Parameter
        arr = t._data
        ref = self.storages.get(id(arr))
        if ref is None:
            data = np.ascontiguousarray(arr).reshape(-1)
            if data.dtype.byteorder == ">":
                data = data.astype(data.dtype.newbyteorder("<"))
            ref = _StorageRef(str(len(self.storages)), data)
            self.storages[id(arr)] = ref
            # keep the source alive so its id cannot be reused while pickling
            self._alive.append(arr)
        shape = tuple(arr.shape)
        strides = []
        acc = 1
        for s in reversed(shape):
            strides.append(acc)
            acc *= s
        args = (ref, 0, shape, tuple(reversed(strides)), bool(t._rg and not
                                                               isinstance(t, Parameter)),
                collections.OrderedDict())
        if isinstance(t, Parameter):
            inner = Tensor._wrap(t._data)
            return (_REBUILD_PARAMETER, (inner, t._rg, collections.OrderedDict()))
        return (_REBUILD_TENSOR, args)


# ember.nn classes whose PyTorch file differs from ember's (ember's path with "ember"
# replaced by "torch" is right for every other one; tests compare with torch)
_TORCH_FILES = {
    "BatchNorm1d": "batchnorm", "BatchNorm2d": "batchnorm", "BatchNorm3d": "batchnorm",
    "LazyBatchNorm1d": "batchnorm", "LazyBatchNorm2d": "batchnorm",
    "LazyBatchNorm3d": "batchnorm", "SyncBatchNorm": "batchnorm", "_BatchNorm": "batchnorm",
    "_NormBase": "batchnorm", "_LazyNormBase": "batchnorm", "ChannelShuffle": "channelshuffle",
    "LocalResponseNorm": "normalization", "CrossMapLRN2d": "normalization",
}


# nn.functional's functions that PyTorch implements in C++ (or under another name): pickled
# (and allow-listed) by the (module, name) PyTorch's own pickle writes for them
_TORCH_FUNCTIONS = {n: ("torch._C._nn", n) for n in (
    "avg_pool2d avg_pool3d elu_ gelu hardtanh_ leaky_relu_ linear one_hot "
    "scaled_dot_product_attention softplus softshrink").split()}
_TORCH_FUNCTIONS.update({n: ("torch", n) for n in (
    "adaptive_avg_pool1d avg_pool1d bilinear celu_ channel_shuffle conv1d conv2d conv3d "
    "conv_transpose1d conv_transpose2d conv_transpose3d cosine_similarity hardshrink "
    "pairwise_distance pdist pixel_shuffle pixel_unshuffle prelu relu_ rrelu_ selu_ threshold_"
    ).split()})
_TORCH_FUNCTIONS["logsigmoid"] = ("torch._C._nn", "log_sigmoid")
_TORCH_FUNCTIONS["threshold"] = ("torch.nn.functional", "_threshold")
_EMBER_FUNCTIONS = {v: k for k, v in _TORCH_FUNCTIONS.items()}


def _functional_names() -> dict:
    from .nn import functional
    return {id(v): k for k, v in vars(functional).items()
            if callable(v) and not isinstance(v, type) and not k.startswith("__")}


def _torch_name(obj) -> tuple | None:
    """``(module, name)`` by which PyTorch knows an ember class or function: nn classes by
    their ``torch.nn.modules.<file>`` path, ``nn.functional``'s functions as
    ``torch.nn.functional.<name>``; None for what is not ember's (a user's own class keeps
    its path)."""
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(name, str) or \
            module.split(".")[0] != "ember":
        return None
    if isinstance(obj, type):
        if module.startswith("ember.nn.modules.") and name in _TORCH_FILES:
            return "torch.nn.modules." + _TORCH_FILES[name], name
        return "torch" + module[len("ember"):], name
    found = _functional_names().get(id(obj))
    if found is not None:
        return _TORCH_FUNCTIONS.get(found, ("torch.nn.functional", found))
    import ember
    top = getattr(ember, getattr(obj, "__name__", ""), None)
    if top is obj:
        return "torch", obj.__name__
    return "torch" + module[len("ember"):], name


def _ember_object(module: str, name: str):
    """What a ``torch.``/``ember.`` name in a file is in ember: the same path with ``ember``
    for ``torch``, or, for a class in a ``torch.nn.modules`` file that ember lays out
    differently, the class of that name in ``ember.nn``."""
    if (module, name) in _EMBER_FUNCTIONS:
        from .nn import functional
        return getattr(functional, _EMBER_FUNCTIONS[module, name])
    try:
        found = importlib.import_module(_torch_to_ember(module))
        for part in name.split("."):
            found = getattr(found, part)
        return found
    except (ImportError, AttributeError):
        from . import nn
        found = None
        if module.startswith(("torch.nn.modules.", "ember.nn.modules.")):
            found = getattr(nn, name, None) or getattr(nn.modules, name, None)
        elif module.startswith("torch._C") or module == "torch":
            # PyTorch's compiled functions (TransformerEncoderLayer's activation is
            # torch._C._nn.gelu): the function of that name in nn.functional or ember
            import ember
            found = getattr(nn.functional, name, None) or getattr(ember, name, None)
        if found is not None:
            return found
        raise


def _write_aligned(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    """Store a record whose data starts on a 64-byte boundary (padding in the extra field),
    as PyTorch's writer does, so readers may map storages directly."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    start = zf.fp.tell() + 30 + len(name.encode("utf-8"))
    pad = (-(start + 4)) % _ALIGN
    info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad  # 'FB', like PyTorch
    zf.writestr(info, data)


def _archive_name(f) -> str:
    if isinstance(f, (str, os.PathLike)):
        stem = os.path.splitext(os.path.basename(os.fspath(f)))[0]
        return stem or "archive"
    return "archive"


def save(obj, f, pickle_module=None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True) -> None:
    """Save ``obj`` (tensors, state dicts, containers, numbers, strings) to a path or a
    binary file object, in PyTorch's format. A path is written atomically."""
    buf = io.BytesIO()
    pickler = _Pickler(buf, pickle_protocol)
    pickler.dump(obj)
    name = _archive_name(f)
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise RuntimeError(f"Parent directory {os.path.dirname(path) or folder} does not "
                               "exist.")
        fd, tmp = tempfile.mkstemp(prefix=".ember-save-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                _write_archive(out, name, buf.getvalue(), pickler.storages)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    else:
        _write_archive(f, name, buf.getvalue(), pickler.storages)


def _write_archive(out, name: str, pickled: bytes, storages: dict) -> None:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        _write_aligned(zf, f"{name}/data.pkl", pickled)
        _write_aligned(zf, f"{name}/.format_version", b"1")
        _write_aligned(zf, f"{name}/.storage_alignment", b"64")
        _write_aligned(zf, f"{name}/byteorder", b"little")
        for ref in storages.values():
            _write_aligned(zf, f"{name}/data/{ref.key}", ref.array.tobytes())
        _write_aligned(zf, f"{name}/version", b"3\n")
        _write_aligned(zf, f"{name}/.data/serialization_id",
                       uuid.uuid4().hex.encode() + b"0" * 8)


# -- loading ----------------------------------------------------------------------------------
class _StorageType:
    __slots__ = ("edtype",)

    def __init__(self, edtype) -> None:
        self.edtype = edtype if isinstance(edtype, _dtype.dtype) else _dtype.from_np(edtype)

    @property
    def dtype(self) -> np.dtype:
        return self.edtype.np


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    arr = storage
    size = tuple(int(s) for s in size)
    stride = tuple(int(s) for s in stride)
    if len(size) != len(stride) or any(s < 0 for s in size) or any(s < 0 for s in stride) \
            or not 0 <= storage_offset <= arr.size:
        raise RuntimeError(f"corrupt checkpoint: invalid tensor geometry size={list(size)} "
                           f"stride={list(stride)} offset={storage_offset}")
    if all(size):
        last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= arr.size:
            raise RuntimeError(f"corrupt checkpoint: a tensor of size {list(size)} reaches "
                               f"element {last} of a storage of {arr.size} elements")
    item = arr.itemsize
    view = np.lib.stride_tricks.as_strided(arr[storage_offset:] if arr.size else arr,
                                           shape=size, strides=[s * item for s in stride])
    t = Tensor._wrap(view)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks, *extra):
    from .nn.parameter import Parameter
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = _rebuild_parameter(data, requires_grad, backward_hooks)
    if state:
        p.__dict__.update(state)
    return p


def _allowed() -> dict:
    table = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("collections", "Counter"): collections.Counter,
        ("builtins", "set"): set, ("builtins", "frozenset"): frozenset,
        ("builtins", "slice"): slice, ("builtins", "complex"): complex,
        ("builtins", "bytearray"): bytearray,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter_with_state,
        ("torch", "Size"): Size, ("torch", "device"): device,
        ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
        ("torch.nn.parameter", "Parameter"): _parameter_type(),
        ("torch", "Tensor"): Tensor,
    }
    for d, name in _STORAGE_NAMES.items():
        table[("torch", name)] = _StorageType(d)
    for d in _dtype._ALL:
        table[("torch", d.name)] = d
    # bytes in protocol-2 pickles come as _codecs.encode(str, 'latin1'): harmless, allowed
    import codecs
    table[("_codecs", "encode")] = _safe_encode
    table[("builtins", "bytes")] = _empty_bytes
    return table


def _empty_bytes(*args):
    # protocol 2 writes b"" as bytes(); nothing else (bytes(n) would allocate n bytes)
    if args:
        raise pickle.UnpicklingError("invalid bytes record in checkpoint")
    return b""


def _safe_encode(obj, encoding="utf-8", errors="strict"):
    import codecs
    if not isinstance(obj, str):
        raise pickle.UnpicklingError("invalid bytes record in checkpoint")
    return codecs.encode(obj, encoding, errors)


def _parameter_type():
    from .nn.parameter import Parameter
    return Parameter


def _rebuild_from_type_v2(func, new_type, args, state):
    t = func(*args)
    if new_type is _parameter_type() and not isinstance(t, new_type):
        t = new_type(t, t.requires_grad)
    return t


# -- allow-lists -------------------------------------------------------------------------------
_SAFE_GLOBALS: list = []     # what add_safe_globals registered, in order


def add_safe_globals(safe_globals: list) -> None:
    """Allow-list classes and functions for ``load(weights_only=True)``: each an object, or
    ``(object, "module.name")`` to match it under another name."""
    for g in safe_globals:
        if g not in _SAFE_GLOBALS:
            _SAFE_GLOBALS.append(g)


def get_safe_globals() -> list:
    """The user's allow-list (``add_safe_globals``, and ``safe_globals`` while inside it)."""
    return list(_SAFE_GLOBALS)


def clear_safe_globals() -> None:
    """Empty the user's allow-list."""
    _SAFE_GLOBALS.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: list):
    """Allow-list ``safe_globals`` for ``load`` inside a ``with`` block."""
    before = list(_SAFE_GLOBALS)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _SAFE_GLOBALS[:] = before


def get_unsafe_globals_in_checkpoint(f) -> list:
    """The ``module.name`` globals a checkpoint names that ``load(weights_only=True)`` would
    refuse (neither allowed by default nor allow-listed), read without unpickling."""
    opened = open(os.fspath(f), "rb") if isinstance(f, (str, os.PathLike)) else None
    try:
        with zipfile.ZipFile(opened or f) as zf:
            pkl = next((n for n in zf.namelist() if n.endswith("data.pkl")), None)
            if pkl is None:
                raise ValueError("Expected input to be a checkpoint returned by torch.save")
            raw = zf.read(pkl)
    except zipfile.BadZipFile:
        raise ValueError("Expected input to be a checkpoint returned by torch.save") from None
    finally:
        if opened is not None:
            opened.close()
    allowed = {f"{m}.{n}" for m, n in _allowed()} | set(_user_allowed())
    found, strings = set(), []
    for op, arg, _ in pickletools.genops(raw):
        if op.name == "GLOBAL":
            found.add("%s.%s" % _py3_name(*arg.split(" ", 1)))
        elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
            found.add("%s.%s" % _py3_name(strings[-2], strings[-1]))
        elif isinstance(arg, str):
            strings.append(arg)
    return sorted(found - allowed)


def _py3_name(module: str, name: str) -> tuple:
    """Python 2 names in protocol-2 pickles (``__builtin__.set``) as Python 3's."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _qualified(obj) -> str:
    return f"{getattr(obj, '__module__', None)}.{getattr(obj, '__qualname__', None)}"


def _user_allowed() -> dict:
    """"module.name" -> object for the user's allow-list. An ember object also answers to
    its PyTorch path, and numpy's ``_reconstruct`` to both its NumPy 1 and 2 paths (and then
    resolves to ember's checked rebuild)."""
    table = {}
    for g in _SAFE_GLOBALS:
        obj, name = (g[0], g[1]) if isinstance(g, tuple) else (g, _qualified(g))
        if name.endswith("multiarray._reconstruct"):
            table["numpy.core.multiarray._reconstruct"] = _reconstruct
            table["numpy._core.multiarray._reconstruct"] = _reconstruct
            continue
        table[name] = obj
        if name.startswith("ember."):
            table["torch." + name[len("ember."):]] = obj
            torch_name = _torch_name(obj)
            if torch_name is not None:
                table["{}.{}".format(*torch_name)] = obj
                if _functional_names().get(id(obj)) is not None:
                    table["torch.nn.functional." + obj.__name__] = obj
    return table


def _reconstruct(cls, shape, code):
    """numpy's ``_reconstruct`` with its arguments checked: an empty ndarray that the pickle's
    BUILD then fills (``_Unpickler.load_build`` checks that state too)."""
    if cls is not np.ndarray or tuple(shape) != (0,) or code not in (b"b", "b"):
        raise pickle.UnpicklingError("corrupt checkpoint: unexpected numpy array header")
    return np.ndarray((0,), np.uint8)


def _numpy_dtype(code, align=False, copy=True):
    if not isinstance(code, str):
        raise pickle.UnpicklingError(f"refusing numpy dtype {code!r}")
    d = np.dtype(code)
    if d.kind not in "biufcV" or d.fields is not None or d.hasobject:
        raise pickle.UnpicklingError(f"refusing numpy dtype {code!r}: only numeric arrays "
                                     "load")
    return d


def _torch_to_ember(module: str) -> str:
    return "ember" + module[len("torch"):] if module.split(".")[0] == "torch" else module


_WEIGHTS_ONLY_MESSAGE = (
    "Weights only load failed. This file can still be loaded, to do so you have two options, "
    "\x1b[1mdo those steps only if you trust the source of the checkpoint\x1b[0m. \n\t(1) In "
    "PyTorch 2.6, "
    "we changed the default value of the `weights_only` argument in `torch.load` from `False` "
    "to `True`. Re-running `torch.load` with `weights_only` set to `False` will likely "
    "succeed, but it can result in arbitrary code execution. Do it only if you got the file "
    "from a trusted source.\n\t(2) Alternatively, to load with `weights_only=True` please "
    "check the recommended steps in the following error message.\n\tWeightsUnpickler error: "
    "Unsupported global: GLOBAL {0} was not an allowed global by default. Please use "
    "`torch.serialization.add_safe_globals([{1}])` or the "
    "`torch.serialization.safe_globals([{1}])` context manager to allowlist this global if "
    "you trust this class/function.\n\nCheck the documentation of torch.load to learn more "
    "about types accepted by default with weights_only "
    "https://pytorch.org/docs/stable/generated/torch.load.html.")


def _check_array_state(state) -> None:
    """An ndarray's pickled state must be (version, shape, numeric dtype, fortran, bytes) of
    exactly the right length: NumPy then only copies those bytes."""
    try:
        _, shape, dt, fortran, raw = state
        ok = (isinstance(dt, np.dtype) and not dt.hasobject and isinstance(fortran, bool)
              and isinstance(raw, (bytes, bytearray))
              and all(isinstance(n, int) and n >= 0 for n in shape)
              and len(raw) == int(np.prod(shape, dtype=np.int64)) * dt.itemsize)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise pickle.UnpicklingError("refusing a numpy array that is not a numeric array "
                                     "given by its bytes")


class _Unpickler(pickle._Unpickler):
    """The pure-Python unpickler, resolving names by the ``weights_only`` rules (storages
    come from the archive). Pure Python so that BUILD of a NumPy array or dtype can be checked
    before NumPy's ``__setstate__`` sees it."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, zf: zipfile.ZipFile, prefix: str, allowed: dict,
                 weights_only: bool) -> None:
        super().__init__(file)
        self._zf = zf
        self._prefix = prefix
        self._allowed = allowed
        self._user = _user_allowed()
        self._weights_only = weights_only
        self._storages: dict = {}

    def find_class(self, module: str, name: str):
        if self.proto < 3:
            module, name = _py3_name(module, name)
        key = (_torch_to_ember(module), name)
        found = self._allowed.get((module, name), self._allowed.get(key))
        if found is not None:
            return found
        full = f"{module}.{name}"
        found = self._user.get(full)
        if found is None and self._weights_only:
            if module.split(".")[0] == "numpy" and name in ("ndarray", "dtype") and \
                    "numpy._core.multiarray._reconstruct" in self._user:
                return np.ndarray if name == "ndarray" else _numpy_dtype
            raise pickle.UnpicklingError(_WEIGHTS_ONLY_MESSAGE.format(full, full)) from None
        if found is None:
            if name == "_reconstruct" and module.split(".")[0] == "numpy":
                return _reconstruct
            if module.split(".")[0] == "numpy" and name == "dtype":
                return _numpy_dtype
            # weights_only=False: anything, as in PyTorch (torch.* names are ember's)
            found = _ember_object(module, name)
        elif found is np.dtype:
            return _numpy_dtype
        return found

    def load_build(self):
        state = self.stack[-1]
        inst = self.stack[-2]
        if isinstance(inst, np.ndarray):
            _check_array_state(state)
        elif isinstance(inst, np.dtype):
            if not (isinstance(state, tuple) and all(v is None or isinstance(v, (int, str))
                                                     for v in state)):
                raise pickle.UnpicklingError("refusing a structured or object numpy dtype")
        super().load_build()

    dispatch[pickle.BUILD[0]] = load_build

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"corrupt checkpoint: unknown persistent id {pid!r}")
        _, stype, key, _location, numel = pid
        if not isinstance(stype, _StorageType):
            raise pickle.UnpicklingError("corrupt checkpoint: invalid storage type")
        arr = self._storages.get(key)
        if arr is None:
            try:
                raw = self._zf.read(f"{self._prefix}data/{key}")
            except KeyError:
                raise RuntimeError(f"corrupt checkpoint: storage record '{key}' is missing") \
                    from None
            dt = stype.dtype.newbyteorder("<")
            if len(raw) != numel * dt.itemsize:
                raise RuntimeError(f"corrupt checkpoint: storage '{key}' has {len(raw)} bytes, "
                                   f"expected {numel * dt.itemsize}")
            arr = np.frombuffer(raw, dtype=dt).astype(stype.dtype, copy=True)
            self._storages[key] = arr
        return arr


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Load an object saved by ``ember.save`` or ``torch.save`` from a path or file object.

    ``weights_only`` (True unless False is given, as since PyTorch 2.6) rebuilds only tensors,
    numbers, strings, dtypes, containers and what ``add_safe_globals`` allowed; anything else
    is refused with ``pickle.UnpicklingError`` before it runs."""
    weights_only = weights_only is None or bool(weights_only)
    opened = None
    try:
        if isinstance(f, (str, os.PathLike)):
            opened = f = open(os.fspath(f), "rb")
        try:
            zf = zipfile.ZipFile(f)
        except zipfile.BadZipFile as e:
            raise RuntimeError(f"PytorchStreamReader failed reading zip archive: not a "
                               f"PyTorch/ember checkpoint, or it is truncated or corrupt "
                               f"({e})") from None
        with zf:
            names = zf.namelist()
            pkl = next((n for n in names if n.endswith("data.pkl")), None)
            if pkl is None:
                raise RuntimeError("PytorchStreamReader failed locating file data.pkl: not a "
                                   "PyTorch/ember checkpoint")
            prefix = pkl[: -len("data.pkl")]
            try:
                raw = zf.read(pkl)
            except (zipfile.BadZipFile, OSError, EOFError) as e:
                raise RuntimeError(f"corrupt checkpoint: {e}") from None
            up = _Unpickler(io.BytesIO(raw), zf, prefix, _allowed(), weights_only)
            try:
                return up.load()
            except (EOFError, zipfile.BadZipFile, struct.error, ValueError, IndexError) as e:
                raise RuntimeError(f"corrupt checkpoint: {type(e).__name__}: {e}") from None
    finally:
        if opened is not None:
            opened.close()
