"""Random tensors: ``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``,
``multinomial``, ``poisson``, the ``*_like`` forms, and the in-place samplers (``uniform_``,
``normal_``, ...). Values and generator states match PyTorch's CPU generator exactly; the
sampling itself lives in ``ember/_generator.py``.

Samples do not depend differentiably on their inputs: as in PyTorch, the backward nodes
(``NormalBackward1``, ``UniformBackward0``, ...) pass zero gradients.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype
from .. import _generator as _g
from .._generator import Generator
from .._size import Size, check_factory_device
from .._tensor import Tensor, check_inplace
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record, record1
from .._dtype import kind as _kind
from . import inplace as _ip

__all__ = ["rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial",
           "poisson", "rand_like", "randn_like", "randint_like", "uniform_", "normal_",
           "bernoulli_", "exponential_", "geometric_", "log_normal_", "cauchy_", "random_",
           "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state"]

_wrap = Tensor._wrap
_MISSING = object()


# -- argument handling ---------------------------------------------------------------------
def _check_generator(generator, fname: str):
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                        f"generator={type(generator).__name__}, but expected a "
                        "torch.Generator")
    return generator


def _sizes(sizes: tuple, size, fname: str) -> tuple:
    """The shape from ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])``, ``f(Size)`` or ``size=``."""
    if size is not None:
        if sizes:
            raise TypeError(f"{fname}() got multiple values for argument 'size'")
        sizes = (size,)
    if not sizes:
        raise TypeError(f"{fname}() received an invalid combination of arguments - got (), but "
                        "expected one of:\n * (tuple of ints size, *, torch.Generator generator, "
                        "Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, "
                        "torch.device device = None, bool pin_memory = False, bool requires_grad "
                        "= False)\n")
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list, Size)):
        sizes = tuple(sizes[0])
    shape = []
    for i, s in enumerate(sizes):
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) and not (
                isinstance(s, Tensor) and s._data.ndim == 0 and _kind(s._data.dtype) in "iu"):
            raise TypeError(f"{fname}(): argument 'size' (position {i + 1}) must be tuple of "
                            f"ints, not {type(s).__name__}")
        shape.append(int(s))
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {shape}")
    return tuple(shape)


def _float_dtype(dtype, kernel: str) -> np.dtype:
    dt = dtype if dtype is not None else _dtype.get_default_dtype()
    if not (dt.is_floating_point or dt.is_complex):
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_g._scalar_name(dt.np)}'")
    return dt.np


def _emit(arr: np.ndarray, out, requires_grad: bool) -> Tensor:
    """Wrap a fresh sample (or store it in ``out``) and set ``requires_grad``."""
    if out is not None:
        if not isinstance(out, Tensor):
            raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
        if out._data.shape == arr.shape:
            np.copyto(out._data, arr, casting="unsafe")
        else:
            out._data = arr.astype(out._data.dtype)
        out._bump()
        t = out
    else:
        t = _wrap(arr)
    if requires_grad:
        if _kind(arr.dtype) not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t.requires_grad_(True)
    return t


def _complex_view(shape: tuple, dtype: np.dtype, fill) -> np.ndarray:
    # PyTorch samples a complex tensor through its real view: (..., 2) of the real dtype.
    real = np.dtype(np.float32 if dtype == np.complex64 else np.float64)
    vals = fill(shape + (2,), real)
    return np.ascontiguousarray(vals).view(dtype).reshape(shape)


# -- factories -----------------------------------------------------------------------------
def rand(*sizes, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Uniform samples on [0, 1): ``rand(2, 3)``, ``rand((2, 3))``, ``rand(size=(2, 3))``."""
    check_factory_device(device)
    _check_generator(generator, "rand")
    shape = _sizes(sizes, size, "rand")
    if dtype is None and out is not None:
        dtype = _dtype.from_np(out._data.dtype)
    dt = _float_dtype(dtype, "check_uniform_bounds")
    if _kind(dt) == "c":
        arr = _complex_view(shape, dt, lambda s, d: _g.uniform(s, d, 0.0, 1.0, generator))
    else:
        arr = _g.uniform(shape, dt, 0.0, 1.0, generator)
    return _emit(arr, out, requires_grad)


def randn(*sizes, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Standard normal samples: ``randn(2, 3)``, ``randn((2, 3))``, ``randn(size=(2, 3))``."""
    check_factory_device(device)
    _check_generator(generator, "randn")
    shape = _sizes(sizes, size, "randn")
    if dtype is None and out is not None:
        dtype = _dtype.from_np(out._data.dtype)
    dt = _float_dtype(dtype, "normal_kernel_cpu")
    if _kind(dt) == "c":
        arr = _complex_view(shape, dt, lambda s, d: _g.normal(s, d, 0.0, 1 / math.sqrt(2),
                                                              generator))
    else:
        arr = _g.normal(shape, dt, 0.0, 1.0, generator)
    return _emit(arr, out, requires_grad)


def _int_arg(v, fname: str, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        if isinstance(v, Tensor) and v._data.ndim == 0 and _kind(v._data.dtype) in "iu":
            return int(v._data)
        raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                        f"{what}={type(v).__name__}, but expected ints for low and high")
    return int(v)


def randint(*args, size=None, low=None, high=None, generator=None, out=None, dtype=None,
            layout=None, device=None, requires_grad: bool = False,
            pin_memory: bool = False) -> Tensor:
    """Integers uniform on [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    check_factory_device(device)
    _check_generator(generator, "randint")
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list, Size)):
        size = args.pop()
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    elif args:
        raise TypeError("randint() received an invalid combination of arguments - expected "
                        "(int high, tuple of ints size) or (int low, int high, tuple of ints "
                        "size)")
    if high is None or size is None:
        raise TypeError("randint() received an invalid combination of arguments - expected "
                        "(int high, tuple of ints size) or (int low, int high, tuple of ints "
                        "size)")
    lo = 0 if low is None else _int_arg(low, "randint", "low")
    hi = _int_arg(high, "randint", "high")
    shape = _sizes((size,), None, "randint")
    if dtype is None:
        dtype = _dtype.from_np(out._data.dtype) if out is not None else _dtype.int64
    arr = _g.randint(shape, lo, hi, dtype.np, generator)
    return _emit(arr, out, requires_grad)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype`` says otherwise)."""
    check_factory_device(device)
    _check_generator(generator, "randperm")
    n = _int_arg(n, "randperm", "n")
    if dtype is None:
        dtype = _dtype.from_np(out._data.dtype) if out is not None else _dtype.int64
    return _emit(_g.randperm(n, dtype.np, generator), out, requires_grad)


def _empty_like(input: Tensor, dtype) -> Tensor:
    # empty_like keeps the input's memory layout (a transposed input gives a transposed
    # result), and the sampler then fills that memory in order, as PyTorch does.
    dt = dtype.np if dtype is not None else input._data.dtype
    return _wrap(np.empty_like(input._data, dtype=dt))


def rand_like(input: Tensor, *, dtype=None, layout=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    """``rand`` with ``input``'s shape, dtype and memory layout."""
    check_factory_device(device)
    out = _empty_like(input, dtype)
    if _kind(out._data.dtype) not in "fc":
        raise _g._not_implemented("check_uniform_bounds", out._data.dtype)
    uniform_(out)
    return _emit(out._data, None, requires_grad) if requires_grad else out


def randn_like(input: Tensor, *, dtype=None, layout=None, device=None,
               requires_grad: bool = False, memory_format=None) -> Tensor:
    """``randn`` with ``input``'s shape, dtype and memory layout."""
    check_factory_device(device)
    out = _empty_like(input, dtype)
    if _kind(out._data.dtype) not in "fc":
        raise _g._not_implemented("normal_kernel_cpu", out._data.dtype)
    normal_(out)
    return _emit(out._data, None, requires_grad) if requires_grad else out


def randint_like(input: Tensor, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad: bool = False, memory_format=None) -> Tensor:
    """``randint`` with ``input``'s shape, dtype and layout: ``randint_like(x, high)`` or
    ``randint_like(x, low, high)``."""
    check_factory_device(device)
    if high is None:
        low, high = 0, low
    out = _empty_like(input, dtype)
    random_(out, _int_arg(low, "randint_like", "low"), _int_arg(high, "randint_like", "high"))
    return _emit(out._data, None, requires_grad) if requires_grad else out


# -- normal with tensor arguments ----------------------------------------------------------
class NormalBackward1(Node):
    """normal(Tensor mean, float std): the sample carries no gradient to ``mean``."""

    __slots__ = ()

    def backward(self, grad):
        return anp.zeros_like(grad),


class NormalBackward2(Node):
    """normal(float mean, Tensor std): no gradient to ``std``."""

    __slots__ = ()

    def backward(self, grad):
        return anp.zeros_like(grad),


class NormalBackward3(Node):
    """normal(Tensor mean, Tensor std): no gradient to either."""

    __slots__ = ()

    def backward(self, grad):
        return anp.zeros_like(grad), anp.zeros_like(grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None,
           layout=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """Gaussian samples: ``normal(mean, std, size)`` with numbers, or elementwise with a tensor
    ``mean`` and/or ``std`` (broadcast together; the result takes mean's dtype)."""
    check_factory_device(device)
    _check_generator(generator, "normal")
    m_t = isinstance(mean, Tensor)
    s_t = isinstance(std, Tensor)
    if not m_t and not s_t:
        if size is None:
            raise TypeError(f"normal() received an invalid combination of arguments - got "
                            f"({type(mean).__name__}, {type(std).__name__}), but expected one "
                            "of:\n * (Tensor mean, Tensor std, *, torch.Generator generator = "
                            "None, Tensor out = None)\n * (Tensor mean, float std = 1, *, "
                            "torch.Generator generator = None, Tensor out = None)\n * (float "
                            "mean, Tensor std, *, torch.Generator generator = None, Tensor out "
                            "= None)\n * (float mean, float std, tuple of ints size, *, "
                            "torch.Generator generator = None, Tensor out = None, torch.dtype "
                            "dtype = None, torch.layout layout = None, torch.device device = "
                            "None, bool pin_memory = False, bool requires_grad = False)\n")
        shape = _sizes((size,), None, "normal")
        if dtype is None and out is not None:
            dtype = _dtype.from_np(out._data.dtype)
        dt = _float_dtype(dtype, "normal_kernel_cpu")
        return _emit(_g.normal(shape, dt, float(mean), float(std), generator), out,
                     requires_grad)
    if size is not None:
        raise TypeError("normal() received an invalid combination of arguments - a size is "
                        "only accepted with a float mean and a float std")
    ref = mean if m_t else std
    dt = ref._data.dtype
    if _kind(dt) not in "fc":
        raise NotImplementedError(f'"normal_kernel_cpu" not implemented for '
                                  f"'{_g._scalar_name(dt)}'")
    arr = _g.normal_tensor(mean._data if m_t else float(mean),
                           std._data if s_t else float(std), dt, generator)
    if out is not None:
        return _emit(arr, out, False)
    if STATE.enabled and ((m_t and mean._rg) or (s_t and std._rg)):
        if m_t and s_t:
            return record(NormalBackward3(), arr, (mean, std))
        if m_t:
            return record1(NormalBackward1(), arr, mean)
        return record1(NormalBackward2(), arr, std)
    return _wrap(arr)


# -- bernoulli / multinomial / poisson -----------------------------------------------------
class BernoulliBackward0(Node):
    """bernoulli(input): no gradient to the probabilities."""

    __slots__ = ()

    def backward(self, grad):
        return anp.zeros_like(grad),


class PoissonBackward0(Node):
    """poisson(input): no gradient to the rates."""

    __slots__ = ()

    def backward(self, grad):
        return anp.zeros_like(grad),


def bernoulli(input: Tensor, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 samples with probabilities ``input`` (or a float ``p`` for every element), in
    ``input``'s dtype."""
    _check_generator(generator, "bernoulli")
    d = input._data
    if p is None:
        arr = _g.bernoulli(d, d.shape, d.dtype, generator)
    else:
        arr = _g.bernoulli(float(p), d.shape, d.dtype, generator)
    if out is not None:
        return _emit(arr, out, False)
    if STATE.enabled and input._rg and p is None:
        return record1(BernoulliBackward0(), arr, input)
    return _wrap(arr)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator=None, out=None) -> Tensor:
    """Indices sampled from the rows of ``input`` (unnormalised probabilities), int64."""
    _check_generator(generator, "multinomial")
    arr = _g.multinomial(input._data, num_samples, bool(replacement), generator)
    return _emit(arr, out, False)


def poisson(input: Tensor, generator=None) -> Tensor:
    """Poisson samples with rates ``input``, in its dtype."""
    _check_generator(generator, "poisson")
    arr = _g.poisson(input._data, generator)
    if STATE.enabled and input._rg:
        return record1(PoissonBackward0(), arr, input)
    return _wrap(arr)


# -- in-place samplers ---------------------------------------------------------------------
def _iteration_order(a: np.ndarray) -> tuple:
    """Axes from outermost to innermost in memory, the order PyTorch's TensorIterator fills a
    tensor in (its logical order when contiguous)."""
    if a.flags.c_contiguous:
        return tuple(range(a.ndim))
    strides = a.strides
    for s, n in zip(strides, a.shape):
        if s == 0 and n > 1:
            raise RuntimeError("unsupported operation: more than one element of the written-to "
                               "tensor refers to a single memory location. Please clone() the "
                               "tensor before performing the operation.")
    return tuple(sorted(range(a.ndim), key=lambda i: -abs(strides[i])))


def _fill_(self: Tensor, sample, node_cls) -> Tensor:
    """Fill ``self`` with ``sample(shape, dtype, contiguous)`` in PyTorch's order."""
    check_inplace(self)
    d = self._data
    order = _iteration_order(d)
    if order == tuple(range(d.ndim)):
        vals = sample(d.shape, d.dtype, d.flags.c_contiguous)
    else:
        vals = np.empty(d.shape, d.dtype)
        tshape = tuple(d.shape[i] for i in order)
        vals.transpose(order)[...] = sample(tshape, d.dtype, False)
    if _ip.needs_graph(self):
        return _ip.commit(self, record1(node_cls(), np.asarray(vals, d.dtype),
                                        _ip.snapshot(self)))
    _ip.write(self, vals)
    return self


def _zero_node(name: str, doc: str):
    cls = type(name, (Node,), {"__slots__": (), "__doc__": doc,
                               "backward": lambda self, grad: (anp.zeros_like(grad),)})
    cls.__module__ = __name__
    return cls


UniformBackward0 = _zero_node("UniformBackward0", "uniform_: no gradient to the old values.")
NormalBackward0 = _zero_node("NormalBackward0", "normal_: no gradient to the old values.")
BernoulliBackward1 = _zero_node("BernoulliBackward1", "bernoulli_(Tensor p): no gradient.")
BernoulliBackward2 = _zero_node("BernoulliBackward2", "bernoulli_(float p): no gradient.")
ExponentialBackward0 = _zero_node("ExponentialBackward0", "exponential_: no gradient.")
GeometricBackward0 = _zero_node("GeometricBackward0", "geometric_: no gradient.")
LogNormalBackward0 = _zero_node("LogNormalBackward0", "log_normal_: no gradient.")
CauchyBackward0 = _zero_node("CauchyBackward0", "cauchy_: no gradient.")
RandomBackward0 = _zero_node("RandomBackward0", "random_(from, to): no gradient.")
RandomBackward1 = _zero_node("RandomBackward1", "random_(to): no gradient.")
RandomBackward2 = _zero_node("RandomBackward2", "random_(): no gradient.")


def _real_fill(fill):
    # Complex tensors are filled through their real view, as PyTorch does.
    def sample(shape, dtype, contiguous):
        if _kind(np.dtype(dtype)) == "c":
            return _complex_view(tuple(shape), np.dtype(dtype),
                                 lambda s, d: fill(s, d, contiguous, True))
        return fill(shape, dtype, contiguous, False)
    return sample


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator=None,
             **kwargs) -> Tensor:
    """Fill with uniform samples on [from, to) (``from`` may be passed as a keyword)."""
    from_ = kwargs.pop("from", from_)
    _no_extra(kwargs, "uniform_")
    _check_generator(generator, "uniform_")
    if _kind(self._data.dtype) not in "fc":
        raise _g._not_implemented("check_uniform_bounds", self._data.dtype)
    lo, hi = float(from_), float(to)
    return _fill_(self, _real_fill(lambda s, d, c, cplx: _g.uniform(s, d, lo, hi, generator)),
                  UniformBackward0)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with Gaussian samples (PyTorch's 16-wide path when contiguous and 16 or more)."""
    _check_generator(generator, "normal_")
    if _kind(self._data.dtype) not in "fc":
        raise _g._not_implemented("normal_kernel_cpu", self._data.dtype)
    m, s = float(mean), float(std)
    return _fill_(self, _real_fill(lambda sh, d, c, cplx: _g.normal(
        sh, d, m, s / math.sqrt(2) if cplx else s, generator, contiguous=c)), NormalBackward0)


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fill with 0/1 samples: probability ``p`` (a float, or a tensor broadcast to self)."""
    _check_generator(generator, "bernoulli_")
    if isinstance(p, Tensor):
        pd = p._data
        if self._data.shape != pd.shape:
            pd = _expand_to(pd, self._data.shape)
        node = BernoulliBackward1

        def sample(shape, dtype, contiguous):
            return _g.bernoulli(_in_order(pd, self._data), shape, dtype, generator)
    else:
        pf = float(p)
        node = BernoulliBackward2

        def sample(shape, dtype, contiguous):
            return _g.bernoulli(pf, shape, dtype, generator)
    if self._data.size == 0:
        return self
    return _fill_(self, sample, node)


def _expand_to(p: np.ndarray, shape: tuple) -> np.ndarray:
    try:
        if len(p.shape) > len(shape):
            raise ValueError
        return np.broadcast_to(p, shape)
    except ValueError:
        raise RuntimeError(_g._expand_message(tuple(shape), p.shape)) from None


def _in_order(p: np.ndarray, like: np.ndarray) -> np.ndarray:
    # The probabilities laid out in the order self is filled in.
    order = _iteration_order(like)
    return p.transpose(order) if order != tuple(range(like.ndim)) else p


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill with exponential samples of rate ``lambd``."""
    _check_generator(generator, "exponential_")
    lam = float(lambd)
    return _fill_(self, lambda s, d, c: _g.exponential(s, d, lam, generator),
                  ExponentialBackward0)


def geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """Fill with geometric samples (trials to the first success, probability ``p``)."""
    _check_generator(generator, "geometric_")
    pf = float(p)
    return _fill_(self, lambda s, d, c: _g.geometric(s, d, pf, generator), GeometricBackward0)


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *,
                generator=None) -> Tensor:
    """Fill with ``exp(N(mean, std))`` samples."""
    _check_generator(generator, "log_normal_")
    m, s = float(mean), float(std)
    return _fill_(self, lambda sh, d, c: _g.log_normal(sh, d, m, s, generator),
                  LogNormalBackward0)


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *,
            generator=None) -> Tensor:
    """Fill with Cauchy samples."""
    _check_generator(generator, "cauchy_")
    m, s = float(median), float(sigma)
    return _fill_(self, lambda sh, d, c: _g.cauchy(sh, d, m, s, generator), CauchyBackward0)


def random_(self: Tensor, from_=_MISSING, to=_MISSING, *, generator=None, **kwargs) -> Tensor:
    """``random_()``: [0, max] of the dtype (2**mantissa for floats); ``random_(to)``:
    [0, to); ``random_(from, to)``: [from, to), ``to=None`` meaning up to the dtype's max."""
    from_ = kwargs.pop("from", from_)
    _no_extra(kwargs, "random_")
    _check_generator(generator, "random_")
    if from_ is _MISSING and to is _MISSING:
        lo = hi = None
        node = RandomBackward2
    elif to is _MISSING:
        lo, hi = 0, _int_arg(from_, "random_", "to")
        node = RandomBackward1
    else:
        lo = 0 if from_ is _MISSING else _int_arg(from_, "random_", "from")
        hi = None if to is None else _int_arg(to, "random_", "to")
        node = RandomBackward0
    if lo is None:
        sample = lambda s, d, c: _g.random_(s, d, None, None, generator)  # noqa: E731
    else:
        sample = lambda s, d, c: _g.random_(s, d, lo, hi, generator)  # noqa: E731
    if self._data.size == 0:
        sample((0,), self._data.dtype, True)      # validates the bounds, draws nothing
        return self
    return _fill_(self, sample, node)


def _no_extra(kwargs: dict, fname: str) -> None:
    if kwargs:
        name = next(iter(kwargs))
        raise TypeError(f"{fname}() got an unexpected keyword argument '{name}'")


# -- torch.manual_seed & co. (also exported as ember.random.*) ------------------------------
def manual_seed(seed) -> Generator:
    """Seed the default generator (``int(seed)``, any value in [-2**63, 2**64)); returns it."""
    return _g.default_generator.manual_seed(int(seed))


def seed() -> int:
    """Seed the default generator non-deterministically; returns the 64-bit seed."""
    return _g.default_generator.seed()


def initial_seed() -> int:
    """The default generator's initial seed."""
    return _g.default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default generator's state as a uint8 tensor (PyTorch's 5056-byte layout)."""
    return _g.default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default generator's state."""
    _g.default_generator.set_state(new_state)
