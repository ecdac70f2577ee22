"""The Tensor: a NumPy array plus the autograd state PyTorch keeps beside it."""
from __future__ import annotations

import warnings

import numpy as np

from . import _dtype
from ._dtype import dtype as _DType, from_np
from ._size import CPU, Size, check_device
from ._autograd_state import STATE
from ._dtype import kind as _kind

__all__ = ["Tensor", "check_inplace"]

_ndarray = np.ndarray
_new = object.__new__

_NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information. (Triggered "
    "internally at /__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)")


class _VersionCounter:
    """Counts in-place writes; shared by a tensor and all its views."""

    __slots__ = ("v", "views")

    def __init__(self, v: int = 0) -> None:
        self.v = v
        self.views = None   # ops.shape._ViewList of the live views, made with the first one


class _Meta:
    """Rarely used per-tensor state, allocated on first use to keep tensors small."""

    __slots__ = ("accum", "hooks", "retains_grad", "view_fn", "post_acc_hooks", "name")

    def __init__(self) -> None:
        self.accum = None
        self.hooks = None
        self.retains_grad = False
        self.view_fn = None
        self.post_acc_hooks = None
        self.name = None


class Tensor:
    """A multi-dimensional array with autograd, behaving like ``torch.Tensor``.

    This class holds the data and the autograd state; its ops (``x.mul(y)``, ``x * y``,
    ``x.sum()``, ...) are bound in one explicit table, ``ember/_methods.py``, to the functions
    of ``ember/ops``, each defined beside its backward node."""

    __slots__ = ("_data", "_rg", "grad_fn", "_grad", "_vc", "_base", "_view", "_out_nr",
                 "_meta", "__weakref__", "__dict__")
    # NumPy's operators defer to a higher priority (ndarray * tensor -> Tensor.__rmul__);
    # NumPy functions see the tensor through __array__ (ember/_interop.py has the rules).
    __array_priority__ = 1000

    # -- construction ----------------------------------------------------------------------
    def __new__(cls, *args, dtype=None, device=None):
        # Tensor(other) aliases ``other`` (a view, in its own dtype), as PyTorch's legacy
        # constructor does; __init__ then leaves the alias as it is
        if cls is Tensor and len(args) == 1 and isinstance(args[0], Tensor):
            from ._legacy import legacy_data, _alias
            return _alias(legacy_data(args, _dtype.get_default_dtype(), device))
        return _new(cls)

    def __init__(self, *args, dtype=None, device=None) -> None:
        """Legacy constructor: ``Tensor(data)`` copies as the default dtype, ``Tensor(2, 3)``
        allocates a tensor of that shape (zeros, as ``empty``), ``Tensor()`` is empty and
        ``Tensor(other)`` an alias of ``other`` (see ``ember/_legacy.py``)."""
        if len(args) == 1 and isinstance(args[0], Tensor):
            if type(self) is Tensor:
                return
            data = args[0]._data
        else:
            from ._legacy import legacy_data
            data = legacy_data(args, dtype if dtype is not None else
                               _dtype.get_default_dtype(), device)
        _init_fields(self, data)

    @staticmethod
    def _wrap(data: np.ndarray) -> "Tensor":
        """Wrap a NumPy array (no copy) as a tensor that does not require grad."""
        t = _new(Tensor)
        if data.__class__ is not _ndarray:
            data = np.asarray(data)
        t._data = data
        t._rg = False
        t.grad_fn = None
        t._grad = None
        t._vc = None
        t._base = None
        t._view = None
        t._out_nr = 0
        t._meta = None
        return t

    @staticmethod
    def _from_node(data, node, nr: int) -> "Tensor":
        """An op's output: requires grad, with ``node`` as its grad_fn."""
        t = _new(Tensor)
        if data.__class__ is not _ndarray:
            data = np.asarray(data)
        t._data = data
        t._rg = True
        t.grad_fn = node
        t._grad = None
        t._vc = None
        t._base = None
        t._view = None
        t._out_nr = nr
        t._meta = None
        return t

    def _version_counter(self) -> _VersionCounter:
        vc = self._vc
        if vc is None:
            vc = self._vc = _VersionCounter()
        return vc

    def _bump(self) -> None:
        """Record an in-place write (the counter is shared with views)."""
        vc = self._vc
        if vc is None:
            self._vc = _VersionCounter(1)
        else:
            vc.v += 1

    @property
    def _version(self) -> int:
        vc = self._vc
        return 0 if vc is None else vc.v

    def _meta_state(self) -> "_Meta":
        m = self._meta
        if m is None:
            m = self._meta = _Meta()
        return m

    # -- attributes the slides teach -------------------------------------------------------
    @property
    def data(self) -> "Tensor":
        """The same memory as a tensor outside autograd (its in-place changes go untracked)."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._data = value._data

    @property
    def dtype(self) -> _DType:
        return from_np(self._data.dtype)

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def device(self):
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_cpu(self) -> bool:
        return True

    @property
    def layout(self) -> str:
        return "torch.strided"

    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` on a leaf (floating point only); returns self."""
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require "
                    "differentiation use var_no_grad = var.detach().")
            return self
        if requires_grad and _dtype.kind(self._data.dtype) not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._rg = bool(requires_grad)
        return self

    @property
    def volatile(self) -> bool:
        """Removed with ``Variable`` in PyTorch 0.4: always False, with PyTorch's warning."""
        warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning,
                      stacklevel=2)
        return False

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self) -> "Tensor | None":
        if self.grad_fn is not None and not self.retains_grad and self._grad is None:
            warnings.warn(_NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError("assigned grad has data of a different size")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def retains_grad(self) -> bool:
        m = self._meta
        return m is not None and m.retains_grad

    @property
    def is_view(self) -> bool:
        return self._base is not None

    @property
    def name(self):
        m = self._meta
        return None if m is None else m.name

    @property
    def output_nr(self) -> int:
        return self._out_nr

    # -- sizes -------------------------------------------------------------------------------
    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def size(self, dim: int | None = None):
        """The shape as a ``Size``, or one dimension's size."""
        if dim is None:
            return Size(self._data.shape)
        from .ops._util import wrap_dim
        return self._data.shape[wrap_dim(dim, self._data.ndim)]

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def stride(self, dim: int | None = None):
        """Strides in elements, as PyTorch counts them."""
        d = self._data
        item = d.itemsize
        st = tuple(s // item for s in d.strides)
        if d.size == 0 and d.ndim and not any(st):
            # NumPy zeroes the strides of a new empty array; PyTorch keeps contiguous ones
            acc = 1
            st = []
            for n in reversed(d.shape):
                st.append(acc)
                acc *= max(n, 1)
            st = tuple(reversed(st))
        if dim is None:
            return st
        from .ops._util import wrap_dim
        return st[wrap_dim(dim, self._data.ndim)]

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        return _dtype.is_float_np(self._data.dtype)

    def is_complex(self) -> bool:
        return _kind(self._data.dtype) == "c"

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def untyped_storage(self):
        from ._storage import UntypedStorage
        return UntypedStorage._of(self)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    # -- conversion to Python and NumPy ---------------------------------------------------
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return self._data.item() if self._data.ndim == 0 else self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The NumPy array sharing this tensor's memory."""
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """``np.asarray(tensor)``: its memory (PyTorch's error if it requires grad)."""
        a = self.numpy()
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def __array_wrap__(self, array, context=None, return_scalar=False) -> "Tensor":
        """A NumPy function's result as a tensor (bool results as uint8, as in PyTorch)."""
        array = np.asarray(array)
        if array.dtype == np.bool_:
            array = array.astype(np.uint8)
        from_np(array.dtype)
        return Tensor._wrap(array)

    def _scalar(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return self._data.reshape(()).item()

    def __float__(self) -> float:
        return float(self._scalar())

    def __int__(self) -> int:
        return int(self._scalar())

    def __complex__(self) -> complex:
        return complex(self._scalar())

    def __index__(self) -> int:
        if _kind(self._data.dtype) not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self._data.reshape(()).item())

    def __bool__(self) -> bool:
        n = self._data.size
        if n != 1:
            many = "more than one value" if n else "no values"
            raise RuntimeError(f"Boolean value of Tensor with {many} is ambiguous")
        return bool(self._data.reshape(()).item())

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self, *, tensor_contents=None) -> str:
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        from ._tensor_str import tensor_format
        return tensor_format(self, spec)

    # -- autograd: backward, retain_grad, register_hook and register_post_accumulate_grad_hook
    # are bound in ember/_methods.py from ember/autograd (engine.py, graph.py), which build on
    # this class.

    def detach(self) -> "Tensor":
        """A tensor sharing memory and version counter, outside the graph."""
        t = Tensor._wrap(self._data)
        t._vc = self._version_counter()
        return t

    def detach_(self) -> "Tensor":
        if self._base is not None and self._rg:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._rg = False
        self._out_nr = 0
        return self

    # -- copies and casts ------------------------------------------------------------------
    def to(self, *args, **kwargs) -> "Tensor":
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``; self if no
        change (unless ``copy=True``)."""
        dt = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for a in args:
            if isinstance(a, _DType):
                dt = a
            elif isinstance(a, Tensor):
                dt = a.dtype
            elif isinstance(a, (str, type(CPU))):
                dev = a
            elif a is None:
                continue
            else:
                raise TypeError(f"to() received an invalid combination of arguments: {a!r}")
        check_device(dev)
        if dt is None or dt.np == self._data.dtype:
            return self.clone() if copy else self
        from .ops.pointwise import _to_dtype
        return _to_dtype(self, dt)

    def type(self, dtype=None, non_blocking: bool = False):
        """Without arguments: the legacy type name (``torch.FloatTensor``); else a cast."""
        if dtype is None:
            return "torch." + self.dtype._legacy
        if not isinstance(dtype, _DType):
            from ._legacy import type_dtype
            dtype = type_dtype(dtype)    # a legacy type (torch.FloatTensor) or its name
        return self.to(dtype)

    def type_as(self, other: "Tensor") -> "Tensor":
        return self.to(other.dtype)

    def float(self) -> "Tensor":
        return self.to(_dtype.float32)

    def double(self) -> "Tensor":
        return self.to(_dtype.float64)

    def half(self) -> "Tensor":
        return self.to(_dtype.float16)

    def bfloat16(self) -> "Tensor":
        return self.to(_dtype.bfloat16)

    def long(self) -> "Tensor":
        return self.to(_dtype.int64)

    def int(self) -> "Tensor":
        return self.to(_dtype.int32)

    def short(self) -> "Tensor":
        return self.to(_dtype.int16)

    def char(self) -> "Tensor":
        return self.to(_dtype.int8)

    def byte(self) -> "Tensor":
        return self.to(_dtype.uint8)

    def bool(self) -> "Tensor":
        return self.to(_dtype.bool_)

    def cpu(self, memory_format=None) -> "Tensor":
        return self

    def cuda(self, device=None, non_blocking: bool = False):
        raise AssertionError("Torch not compiled with CUDA enabled")

    def pin_memory(self) -> "Tensor":
        return self

    def share_memory_(self) -> "Tensor":
        return self

    def is_pinned(self) -> bool:
        return False

    def is_shared(self) -> bool:
        return False

    def new_tensor(self, data, dtype=None, device=None, requires_grad: bool = False) -> "Tensor":
        from .ops.creation import tensor
        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new(self, *args, device=None) -> "Tensor":
        """Legacy: ``x.new(2, 3)`` zeros, ``x.new([1, 2])`` a copy, ``x.new()`` empty,
        in ``x``'s dtype."""
        from ._legacy import new
        return new(self, *args, device=device)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False):
        from .ops.creation import zeros
        return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False):
        from .ops.creation import ones
        return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False):
        from .ops.creation import empty
        return empty(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad: bool = False):
        from .ops.creation import full
        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    # -- pickling and copying --------------------------------------------------------------
    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data.copy(), self._rg, self.__dict__ or None))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.  If you were "
                               "attempting to deepcopy a module, this may be because of a "
                               "torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        key = id(self)
        if key in memo:
            return memo[key]
        new = _new(type(self))
        _init_fields(new, self._data.copy())
        new._rg = self._rg
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        if self.__dict__:
            import copy
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        memo[key] = new
        return new


def _init_fields(t: Tensor, data: np.ndarray) -> None:
    t._data = data
    t._rg = False
    t.grad_fn = None
    t._grad = None
    t._vc = None
    t._base = None
    t._view = None
    t._out_nr = 0
    t._meta = None


def _rebuild(data, requires_grad, state, cls=None):
    t = _new(cls or Tensor)
    _init_fields(t, data)
    t._rg = requires_grad
    if state:
        t.__dict__.update(state)
    return t


def check_inplace(t: Tensor) -> None:
    """PyTorch's refusal of in-place writes to a leaf (or its view) that requires grad."""
    if STATE.enabled and t._rg:
        if t.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        base = t._base
        if base is not None and base.grad_fn is None and base._rg:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                               "an in-place operation.")
    d = t._data
    if d.size and 0 in d.strides and any(s == 0 and n > 1 for s, n in zip(d.strides, d.shape)):
        # an expanded tensor: several elements share one memory location
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")

