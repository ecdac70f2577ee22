"""PyTorch's CPU random number generator, bit for bit, and the sampling kernels built on it.

``Generator`` is PyTorch 2.13's ``CPUGeneratorImpl``: a 32-bit Mersenne Twister (mt19937)
seeded with the low 32 bits of the seed, plus the cached second Box-Muller sample of the
scalar normal sampler. Its state round-trips with ``torch.Generator.get_state()`` (the same
5056-byte layout). The twister itself runs inside NumPy's MT19937 bit generator (the same
algorithm; we set its key and position), so drawing millions of words is one C call.

A new ``Generator()`` starts from PyTorch's default seed 67280421310721; the process-wide
``default_generator`` is seeded from the OS at import, as PyTorch's is, so unseeded scripts
differ from run to run until ``manual_seed``.

Every kernel below returns a NumPy array (C order, values in the order PyTorch's
TensorIterator fills a contiguous tensor) and advances the generator exactly as PyTorch does,
so the next draw matches too. ``generator=None`` means ``default_generator``.

Kernels (``shape`` is a tuple of ints, ``dtype`` a NumPy dtype):

- ``uniform(shape, dtype, low=0., high=1., generator)``: ``rand``/``uniform_``.
- ``normal(shape, dtype, mean=0., std=1., generator, contiguous=True)``: ``randn``/
  ``normal_``. PyTorch takes a 16-at-a-time Box-Muller path for contiguous tensors of 16 or
  more elements and a scalar path (double math, with a cached second sample) otherwise; pass
  ``contiguous=False`` for an in-place fill of a non-contiguous tensor.
- ``normal_tensor(mean, std, dtype, generator)``: ``torch.normal`` with array mean and/or std
  (either may be a float): standard normals of the broadcast shape, then ``*std + mean``.
- ``random_(shape, dtype, low=None, high=None, generator)``: ``random_()`` (``low`` and
  ``high`` None), ``random_(to)`` / ``random_(from, to)`` (``high`` may be None: up to the
  dtype's maximum), including the full 64-bit range ``random_(-2**63, None)``.
- ``randint(shape, low, high, dtype=int64, generator)``: ``torch.randint``.
- ``randperm(n, dtype=int64, generator)``: ``torch.randperm``.
- ``bernoulli(p, shape, dtype, generator)``: ``bernoulli_(p)`` with a float ``p``, or with an
  array ``p`` (broadcast to ``shape``; its dtype picks PyTorch's float or double path).
- ``exponential``, ``geometric``, ``log_normal``, ``cauchy`` (``(shape, dtype, params...,
  generator)``): the in-place samplers of the same names.
- ``multinomial(probs, num_samples, replacement=False, generator)``: 1-D or 2-D ``probs``.
- ``poisson(rates, generator)``.

The transcendental functions PyTorch calls are reproduced exactly: the float32 Box-Muller
path uses the AVX2 Cephes polynomials that PyTorch 2.13 runs on x86-64 (with the fused
multiply-adds GCC emits), emulated in float64 NumPy arithmetic; double-precision paths call
the C library's log/log1p/sin/cos/tan/exp through Python's ``math`` module, which is what
PyTorch's kernels call.

Notes for the code built on these kernels (checked against torch/utils/data and torch/nn):

- ``Dropout``/``F.dropout`` (training, p in (0, 1)): ``mask = bernoulli(1 - p, x.shape,
  x.dtype)``, then ``x * (mask / (1 - p))`` computed as ``mask.div_(1 - p)`` in x's dtype and
  ``x * mask``. p == 1 gives zeros, p == 0 returns x; neither draws. The mask is
  ``empty_like(x)``: for a non-contiguous x it has x's layout and is filled in memory order
  (``Tensor.bernoulli_`` in ember/ops/random.py does that for an ember tensor).
- ``RandomSampler`` without a generator: ``seed = random_((), int64)`` from the default
  generator (``torch.empty((), dtype=torch.int64).random_()``), then a fresh
  ``Generator().manual_seed(seed)``; each pass then uses ``randperm(n, generator=g)``
  (``replacement=True``: ``randint((32,), 0, n, generator=g)`` chunks of 32, then the rest).
  The seed is drawn lazily, when the sampler's iterator is first advanced.
- ``DataLoader``: every ``iter(loader)`` first draws ``_base_seed = random_((), int64,
  generator=loader.generator)`` (default generator if None), then the sampler draws as
  above; ``shuffle=True`` builds ``RandomSampler(dataset, generator=loader.generator)``.
- ``SubsetRandomSampler``: ``randperm(len(indices), generator=self.generator)``.
- ``WeightedRandomSampler``: ``multinomial(weights as float64, num_samples, replacement,
  generator)``.
- ``random_split(dataset, lengths, generator=default_generator)``:
  ``randperm(sum(lengths), generator=generator)``.
- ``nn.init``: ``uniform_``/``normal_`` kernels on the parameter (contiguous), e.g.
  ``kaiming_uniform_`` is ``uniform(shape, dtype, -bound, bound)``.
"""
from __future__ import annotations

import math
import os

import numpy as np

from . import _dtype
from ._dtype import kind as _kind

__all__ = ["Generator", "default_generator", "uniform", "normal", "normal_tensor", "random_",
           "randint", "randperm", "bernoulli", "exponential", "geometric", "log_normal",
           "cauchy", "multinomial", "poisson"]

_N = 624
_U32 = np.uint32
_U64 = np.uint64
_F32 = np.float32
_F64 = np.float64
_BF16 = _dtype.BF16      # refreshed when ml_dtypes is loaded (_dtype.on_bf16_load)
_I64 = np.int64
_TWO32 = 1 << 32
_DEFAULT_SEED = 67280421310721
# sizeof(CPUGeneratorImplState): the legacy THGenerator POD plus the float normal cache.
STATE_SIZE = 5056


def _seed_key(seed: int) -> np.ndarray:
    """mt19937's init_genrand: the 624-word key for a 32-bit seed (sequential by nature)."""
    s = seed & 0xFFFFFFFF
    key = [s]
    append = key.append
    for j in range(1, _N):
        s = (1812433253 * (s ^ (s >> 30)) + j) & 0xFFFFFFFF
        append(s)
    return np.array(key, dtype=_U32)


def _has_legacy_seeding() -> bool:
    try:
        bg = np.random.MT19937()
        bg._legacy_seeding(5489)
        st = bg.state["state"]
        return st["pos"] == _N and np.array_equal(st["key"], _seed_key(5489))
    except (AttributeError, TypeError, ValueError):
        return False


_LEGACY_SEEDING: list = []     # [bool] once numpy.random is first needed


def _temper(y: np.ndarray) -> np.ndarray:
    y = y ^ (y >> _U32(11))
    y ^= (y << _U32(7)) & _U32(0x9D2C5680)
    y ^= (y << _U32(15)) & _U32(0xEFC60000)
    return y ^ (y >> _U32(18))


def _to_uint64(seed, what: str) -> int:
    # THPUtils_unpackUInt64 semantics: negative seeds wrap to two's complement.
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise RuntimeError(f"{what} expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if seed < -(1 << 63) or seed >= (1 << 64):
        raise ValueError("Overflow when unpacking long long")
    return seed & 0xFFFFFFFFFFFFFFFF


class Generator:
    """``torch.Generator`` for the CPU: a seeded mt19937 stream identical to PyTorch's."""

    __slots__ = ("_bg", "_ng", "_seed", "_head", "_head_used", "_head_next", "_normal_d",
                 "_normal_f", "__weakref__")

    def __init__(self, device="cpu") -> None:
        if device is not None and str(device) != "cpu":
            from ._size import check_device
            check_device(device)
        self._reseed(_DEFAULT_SEED)

    def __getattr__(self, name: str):
        # Reached only while the slots _bg/_ng are unset: NumPy's engine (and numpy.random,
        # which "import ember" then need not load) is built at the generator's first draw.
        if name == "_bg" or name == "_ng":
            bg = np.random.MT19937()
            self._bg = bg
            self._ng = np.random.Generator(bg)
            self._seed_engine(bg, self._seed)
            return getattr(self, name)
        raise AttributeError(f"'torch._C.Generator' object has no attribute '{name}'")

    # -- seeding -----------------------------------------------------------------------------
    def _reseed(self, seed: int) -> None:
        self._seed = seed
        try:
            bg = object.__getattribute__(self, "_bg")
        except AttributeError:      # no engine yet: it is seeded from _seed when built
            bg = None
        if bg is not None:
            self._seed_engine(bg, seed)
        # A fresh engine reports left=1, next=0 until its first draw regenerates the key.
        self._head = _EMPTY_U32
        self._head_used = 0
        self._head_next = 0
        self._normal_d = None
        self._normal_f = None

    @staticmethod
    def _seed_engine(bg, seed: int) -> None:
        if not _LEGACY_SEEDING:
            _LEGACY_SEEDING.append(_has_legacy_seeding())
        if _LEGACY_SEEDING[0]:
            # NumPy's C init_genrand (RandomState's seeding) leaves exactly this key, pos 624.
            bg._legacy_seeding(seed & 0xFFFFFFFF)
        else:
            bg.state = {"bit_generator": "MT19937",
                        "state": {"key": _seed_key(seed), "pos": _N}}

    def manual_seed(self, seed) -> "Generator":
        """Seed the generator (any int in [-2**63, 2**64)); returns ``self``."""
        self._reseed(_to_uint64(seed, "manual_seed"))
        return self

    def seed(self) -> int:
        """Reseed from a non-deterministic source; returns the new 64-bit seed."""
        s = int.from_bytes(os.urandom(8), "little")
        self._reseed(s)
        return s

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._seed

    @property
    def device(self):
        from ._size import CPU
        return CPU

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {id(self):#x}>"

    # -- raw draws ---------------------------------------------------------------------------
    def _u32(self, n: int) -> np.ndarray:
        """The next ``n`` 32-bit outputs of the engine, as uint32."""
        head = self._head
        if head is not None:
            used = self._head_used
            avail = head.shape[0] - used
            if n <= avail:
                self._head_used = used + n
                return head[used:used + n].copy()
            first = head[used:]
            self._head = None
            rest = self._ng.integers(0, _TWO32, size=n - avail, dtype=_U32)
            return np.concatenate((first, rest)) if avail else rest
        return self._ng.integers(0, _TWO32, size=n, dtype=_U32)

    def _u64(self, n: int) -> np.ndarray:
        """``n`` values of PyTorch's random64(): two draws, the first in the high half."""
        # Little-endian pairs read as uint64 put the first word low: swap the halves.
        v = self._u32(2 * n).view(_U64)
        r = v >> _U64(32)
        v <<= _U64(32)
        r |= v
        return r

    def _random(self) -> int:
        return int(self._u32(1)[0])

    # -- state -------------------------------------------------------------------------------
    def _state_bytes(self) -> np.ndarray:
        st = self._bg.state["state"]
        key = st["key"]
        if self._head is not None:
            left = self._head.shape[0] - self._head_used + 1
            nxt = self._head_next + self._head_used
        else:
            nxt = st["pos"]
            left = _N + 1 - nxt
        buf = np.zeros(STATE_SIZE, np.uint8)
        buf[0:8].view(_U64)[0] = self._seed
        buf[8:12].view(np.int32)[0] = left
        buf[12:16].view(np.int32)[0] = 1
        buf[16:24].view(_U64)[0] = nxt
        buf[24:24 + 8 * _N].view(_U64)[:] = key
        if self._normal_d is not None:
            buf[5024:5032].view(_F64)[0] = self._normal_d
            buf[5040:5044].view(np.int32)[0] = 1
        if self._normal_f is not None:
            buf[5048:5052].view(_F32)[0] = self._normal_f
            buf[5052] = 1
        return buf

    def _set_state_bytes(self, buf: np.ndarray) -> None:
        if buf.shape[0] != STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_SIZE} but found "
                               f"the input RNG state size to be {buf.shape[0]}")
        buf = np.ascontiguousarray(buf)
        seed = int(buf[0:8].view(_U64)[0])
        left = int(buf[8:12].view(np.int32)[0])
        seeded = int(buf[12:16].view(np.int32)[0])
        nxt = int(buf[16:24].view(_U64)[0]) & 0xFFFFFFFF
        if not (seeded and 0 < left <= _N and nxt <= _N):
            raise RuntimeError("Invalid mt19937 state")
        key = (buf[24:24 + 8 * _N].view(_U64) & _U64(0xFFFFFFFF)).astype(_U32)
        if nxt + left - 1 > _N:
            raise RuntimeError("Invalid mt19937 state")
        self._seed = seed
        if left == _N + 1 - nxt and left > 1:
            # The usual case: part-way through a block, exactly where NumPy's engine would be.
            self._bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": nxt}}
            self._head = None
        else:
            # Any other valid state hands out key[next:next+left-1] (tempered), then
            # regenerates: serve those first, with NumPy's engine parked at a block's end.
            self._bg.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": _N}}
            self._head = _temper(key[nxt:nxt + left - 1])
            self._head_used = 0
            self._head_next = nxt
        self._normal_d = (float(buf[5024:5032].view(_F64)[0])
                          if buf[5040:5044].view(np.int32)[0] else None)
        self._normal_f = (float(buf[5048:5052].view(_F32)[0]) if buf[5052] else None)

    def get_state(self):
        """The generator state as a uint8 tensor (PyTorch's byte layout)."""
        from ._tensor import Tensor
        return Tensor._wrap(self._state_bytes())

    def set_state(self, new_state) -> "Generator":
        """Restore a state from ``get_state()`` (ember's or PyTorch's bytes)."""
        from ._tensor import Tensor
        if not isinstance(new_state, Tensor):
            raise TypeError("expected a torch.ByteTensor, but got "
                            f"{type(new_state).__name__}")
        data = new_state._data
        if data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        self._set_state_bytes(data.reshape(-1))
        return self

    def get_offset(self) -> int:
        raise RuntimeError("CPU Generator does not use offset")

    def set_offset(self, offset: int) -> "Generator":
        raise RuntimeError("CPU Generator does not use offset")

    def clone_state(self) -> "Generator":
        """A new generator in the same state (PyTorch's ``clone_state``)."""
        g = Generator()
        g._set_state_bytes(self._state_bytes())
        return g

    def __getstate__(self):
        return self._state_bytes().tobytes()

    def __setstate__(self, state) -> None:
        self._bg = np.random.MT19937()
        self._ng = np.random.Generator(self._bg)
        self._set_state_bytes(np.frombuffer(state, np.uint8).copy())


_EMPTY_U32 = np.empty(0, _U32)


default_generator = Generator()
# PyTorch seeds its default CPU generator from a non-deterministic source at start-up.
default_generator.seed()


# == exact floating-point building blocks ======================================================
# float32 values are carried in float64 arrays: a product of two float32 values is exact
# there, and rounding a float64 result to float32 is a single correct rounding, except for a
# fused multiply-add, whose float64 sum may already be rounded. A float64 value whose low 29
# mantissa bits read 0x10000000 sits exactly on a float32 rounding midpoint; only such values
# can round differently from the exact result, and they are recomputed with round-to-odd.
_LOW29 = np.int64(0x1FFFFFFF)
_MID29 = np.int64(0x10000000)
_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitting constant


def _round32(x: np.ndarray) -> np.ndarray:
    """Round float64 values to float32 precision, kept as float64."""
    return x.astype(_F32).astype(_F64)


def _on_midpoint(s: np.ndarray) -> bool:
    return bool(np.any((s.view(_I64) & _LOW29) == _MID29))


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _round_odd_sum(a, b) -> np.ndarray:
    """a + b rounded to odd in float64 (the neighbour with an odd last bit when inexact)."""
    s, err = _two_sum(np.asarray(a, _F64), np.asarray(b, _F64))
    s = np.array(s, _F64, ndmin=1)
    err = np.broadcast_to(err, s.shape)
    sv = s.view(_I64)
    fix = (err != 0) & ((sv & 1) == 0)
    if fix.any():
        # Step one ulp in magnitude towards the exact value; the neighbour is odd.
        away = (err > 0) == (s > 0)
        sv[fix & away] += 1
        sv[fix & ~away] -= 1
    return s


def _fma32(a, b, c) -> np.ndarray:
    """float32 fused multiply-add of float32-valued float64 inputs, rounded once."""
    s = np.multiply(a, b, dtype=_F64)
    s += c
    if _on_midpoint(s):
        s = _round_odd_sum(np.multiply(a, b, dtype=_F64), c).reshape(s.shape)
    return _round32(s)


def _two_prod(a, b):
    p = a * b
    t = _SPLIT * a
    ah = t - (t - a)
    al = a - ah
    t = _SPLIT * b
    bh = t - (t - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _fma64(a, b, c) -> np.ndarray:
    """float64 fused multiply-add, correctly rounded (Boldo-Melquiond three-term sum)."""
    a = np.asarray(a, _F64)
    p, e = _two_prod(a, np.asarray(b, _F64))
    uh, ul = _two_sum(e, np.broadcast_to(np.asarray(c, _F64), np.shape(e)))
    th, tl = _two_sum(p, uh)
    return np.asarray(th + _round_odd_sum(tl, ul).reshape(np.shape(th)), _F64)


def _libm(fn, x: np.ndarray) -> np.ndarray:
    """The C library's ``fn`` on each element (what PyTorch's scalar kernels call)."""
    flat = x.ravel().tolist()
    return np.fromiter(map(fn, flat), _F64, len(flat)).reshape(x.shape)


def _libm_near32(y: np.ndarray, fn, x: np.ndarray) -> np.ndarray:
    """Fix NumPy's ``y = f(x)`` where it may round to float32 unlike the C library would.

    NumPy's double results are within a few ulps of glibc's, so they round to the same float32
    unless they lie within 64 ulps of a float32 rounding midpoint; those few get ``fn``.
    """
    d = (y.view(_I64) & _LOW29) - _MID29
    risky = (np.abs(d) <= 64) | ~np.isfinite(y) | (np.abs(y) < 1.2e-38)
    if risky.any():
        y = y.copy()
        y[risky] = _libm(fn, x[risky])
    return y


# == uniform words to floats ===================================================================
def _unit_f32(g: Generator, n: int) -> np.ndarray:
    """uniform_real_distribution<float>(0, 1): 24 random bits times 2**-24 (as float32)."""
    u = g._u32(n)
    u &= _U32(0xFFFFFF)
    x = u.astype(_F32)
    x *= _F32(2.0 ** -24)
    return x


def _unit_f64(g: Generator, n: int) -> np.ndarray:
    """uniform_real_distribution<double>(0, 1): 53 random bits of random64() times 2**-53."""
    w = g._u32(2 * n)
    # (hi << 32 | lo) & (2**53 - 1), assembled exactly in float64.
    x = (w[0::2] & _U32(0x1FFFFF)).astype(_F64)
    x *= 4294967296.0
    x += w[1::2]
    x *= 2.0 ** -53
    return x


# The randomness modes of the torch.func.vmap calls now running, innermost last: a random
# draw under any "error" level raises PyTorch's error (see ember/func/_transforms.py).
VMAP_RANDOMNESS: list = []


def _gen(generator) -> Generator:
    if VMAP_RANDOMNESS and "error" in VMAP_RANDOMNESS:
        raise RuntimeError("vmap: called random operation while in randomness error mode. "
                           "Please either use the 'same' or 'different' randomness flags on "
                           "vmap or perform the randomness operation out of vmap")
    return default_generator if generator is None else generator


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _bf16_loaded() -> None:
    global _BF16
    _BF16 = _dtype.BF16


_dtype.on_bf16_load(_bf16_loaded)


def _float_info(dtype):
    if dtype == _BF16:
        import ml_dtypes
        fi = ml_dtypes.finfo(dtype)
    else:
        fi = np.finfo(dtype)
    return float(fi.min), float(fi.max)


# == uniform ===================================================================================
def uniform(shape, dtype, low: float = 0.0, high: float = 1.0, generator=None) -> np.ndarray:
    """``uniform_(low, high)`` / ``rand``: values in [low, high) (floating dtypes)."""
    dtype = _require_float("check_uniform_bounds", dtype)
    lo_lim, hi_lim = _float_info(dtype)
    low = float(low)
    high = float(high)
    _check_uniform_bounds(low, high, lo_lim, hi_lim, dtype)
    low = min(max(low, lo_lim), hi_lim)
    high = max(min(high, hi_lim), lo_lim)
    n = _numel(shape)
    g = _gen(generator)
    if dtype == _F64:
        x = _unit_f64(g, n)
        if low != 0.0 or high != 1.0:
            # GCC fuses x * (to - from) + from into one fma.
            x = _fma64(x, high - low, low)
    else:
        x = _unit_f32(g, n)
        if low != 0.0 or high != 1.0:
            lo32 = float(_F32(low))
            x = _fma32(x, float(_F32(_F32(high) - _F32(lo32))), lo32).astype(_F32)
    out = x.astype(dtype, copy=False)
    if n and (low != 0.0 or high != 1.0 or dtype not in (_F32, _F64)):
        # A value that rounds up to `to` is replaced by `from`, as PyTorch's kernel does.
        to = dtype.type(high)
        hit = out == to
        if hit.any():
            out[hit] = dtype.type(low)
    return out.reshape(shape)


def _check_uniform_bounds(low, high, lo_lim, hi_lim, dtype) -> None:
    name = _CPP_NAMES.get(dtype.name, dtype.name)
    if not lo_lim <= low <= hi_lim:
        raise RuntimeError(f"from is out of bounds for {name}")
    if not lo_lim <= high <= hi_lim:
        raise RuntimeError(f"to is out of bounds for {name}")
    if not low <= high:
        raise RuntimeError("uniform_ expects to return a [from, to) range, but found "
                           f"from={_fmt(low)} > to={_fmt(high)}")
    if not high - low <= hi_lim:
        kind = {"float32": "Float", "float64": "Double", "float16": "Half"}.get(dtype.name)
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{kind}>::max(), "
                           f"but found to={_fmt(high)} and from={_fmt(low)} which result in "
                           "to-from to exceed the limit")


def _fmt(v: float) -> str:
    # c10's stream formatting of a double: up to 6 significant digits, like %g.
    return f"{v:g}"



# == normal ====================================================================================
# PyTorch 2.13 runs its float Box-Muller through the AVX2 kernel (normal is kept off AVX-512),
# whose log and sincos are Cephes polynomials in float32 arithmetic; GCC fuses each
# multiply feeding an add into an fma. The constants are the float32 roundings below.
def _c32(v: float) -> float:
    return float(_F32(v))


_SQRTHF = _c32(0.707106781186547524)
_LOG_P = [_c32(v) for v in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1,
                             -1.2420140846E-1, 1.4249322787E-1, -1.6668057665E-1,
                             2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1)]
_LOG_Q1 = _c32(-2.12194440e-4)
_LOG_Q2 = _c32(0.693359375)
_FOPI = _c32(1.27323954473516)
_DP1 = _c32(-0.78515625)
_DP2 = _c32(-2.4187564849853515625e-4)
_DP3 = _c32(-3.77489497744594108e-8)
_SIN_P = [_c32(v) for v in (-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1)]
_COS_P = [_c32(v) for v in (2.443315711809948E-005, -1.388731625493765E-003,
                            4.166664568298827E-002)]
_TWO_PI_F = _c32(2.0 * math.pi)


class _Fma32:
    """float32 fused multiply-adds over float64 arrays, in exact (round-to-odd) mode."""

    __slots__ = ()

    def __call__(self, a, b, c) -> np.ndarray:
        s = np.multiply(a, b, dtype=_F64)
        return _round32(_round_odd_sum(s, c).reshape(s.shape))


def _log_cephes(m: np.ndarray, fma) -> np.ndarray:
    """log256_ps of u = m * 2**-24 for integers m in [1, 2**24] (float32 values in float64)."""
    x, e = np.frexp(m)
    e = (e - 24).astype(_F64)
    small = x < _SQRTHF
    # x - 1 and then + x are exact here (x in [0.5, 1)), as they are in float32.
    x -= 1.0
    x[small] += x[small] + 1.0
    e[small] -= 1.0
    z = _round32(x * x)
    y = fma(_LOG_P[0], x, _LOG_P[1])
    for p in _LOG_P[2:]:
        y = fma(y, x, p)
    y = _round32(y * x)
    y = fma(y, z, _round32(e * _LOG_Q1))
    y = _round32(y - z * 0.5)
    x = _round32(x + y)
    # e * Q2 is exact in float32, so this fma is a plain (exactly rounded) add.
    return _round32(e * _LOG_Q2 + x)


def _sincos_cephes(theta: np.ndarray, fma):
    """sincos256_ps for theta in [0, 2*pi) (float32 values in float64)."""
    j = (_round32(theta * _FOPI)).astype(np.int32)
    j += 1
    j &= ~1
    y = j.astype(_F64)
    # Cody-Waite reduction: each step is exact in float64, so rounding once is the fma.
    x = _round32(theta + y * _DP1)
    x = _round32(x + y * _DP2)
    x = _round32(x + y * _DP3)
    z = _round32(x * x)
    yc = fma(z, _COS_P[0], _COS_P[1])
    yc = fma(yc, z, _COS_P[2])
    yc = _round32(yc * z)
    yc = fma(yc, z, -0.5 * z)
    yc = _round32(yc + 1.0)
    ys = fma(z, _SIN_P[0], _SIN_P[1])
    ys = fma(ys, z, _SIN_P[2])
    ys = _round32(ys * z)
    ys = fma(ys, x, x)
    poly = (j & 2) == 0
    # Adding the masked-out +0 turns a -0 into +0, as the kernel's and/add sequence does.
    s = np.where(poly, ys, yc) + 0.0
    c = np.where(poly, yc, ys) + 0.0
    np.negative(s, out=s, where=(j & 4) != 0)
    np.negative(c, out=c, where=((j - 2) & 4) == 0)
    return s, c


def _box_muller16_exact(k: np.ndarray, mean: float, std: float) -> np.ndarray:
    """NormalFill16 on rows of 16 uniform integers k (u = k * 2**-24), exactly, -> float32.

    The reference implementation: every fma is rounded to odd in float64 first, so it is
    always the float32 fma. ``_box_muller16_f32`` is the fast version of the same steps.
    """
    fma = _Fma32()
    m = (16777216 - k[:, :8]).astype(_F64)          # (1 - u1) * 2**24
    lg = _log_cephes(m, fma)
    radius = _round32(np.sqrt(-2.0 * lg))
    theta = _round32(k[:, 8:].astype(_F64) * (_TWO_PI_F * 2.0 ** -24))
    s, c = _sincos_cephes(theta, fma)
    n = np.empty(k.shape, _F64)
    np.multiply(radius, c, out=n[:, :8])
    np.multiply(radius, s, out=n[:, 8:])
    n = _round32(n)
    if std == 1.0 and mean == 0.0:
        n += 0.0
    else:
        n = fma(n, std, mean)
    return n.astype(_F32)


class _FastBoxMuller:
    """The same steps as ``_box_muller16_exact``, in place over cache-sized buffers.

    Plain float32 operations run in float32 (NumPy's are IEEE, like the kernel's). An fma is
    a float64 multiply (exact for float32 inputs) and add, rounded to float32: the add may
    itself round, and that double rounding can only err when the sum lands exactly on a
    float32 midpoint. Each fma's sums are checked for that bit pattern and the rows where it
    shows are recomputed by the exact version.
    """

    __slots__ = ("x", "y", "z", "e", "w", "t", "X", "Y", "Z", "W", "T", "bits", "flag",
                 "ints", "hits", "base")

    def __init__(self, rows: int) -> None:
        n = rows * 8
        self.x, self.y, self.z, self.e, self.w, self.t = (np.empty(n, _F32) for _ in range(6))
        self.X, self.Y, self.Z, self.W, self.T = (np.empty(n, _F64) for _ in range(5))
        self.bits = np.empty(n, _I64)
        self.flag = np.empty(n, np.bool_)
        self.ints = np.empty(n, np.int32)
        self.hits = []
        self.base = 0

    def _check(self, t: np.ndarray) -> None:
        n = t.shape[0]
        bits = self.bits[:n]
        flag = self.flag[:n]
        np.bitwise_and(t.view(_I64), _LOW29, out=bits)
        np.equal(bits, _MID29, out=flag)
        if flag.any():
            self.hits.append(np.flatnonzero(flag) // 8 + self.base)

    def run(self, k: np.ndarray, out: np.ndarray, mean: float, std: float) -> None:
        """Fill ``out`` (rows x 16 float32) from ``k`` (rows x 16 uint32, 24-bit values)."""
        n = k.shape[0] * 8
        x, y, z, e, w, t = (a[:n] for a in (self.x, self.y, self.z, self.e, self.w, self.t))
        X, Y, Z, W, T = (a[:n] for a in (self.X, self.Y, self.Z, self.W, self.T))
        ints = self.ints[:n]
        small = self.flag[:n]
        check = self._check
        mul, add, copy = np.multiply, np.add, np.copyto
        # -- radius = sqrt(-2 log(1 - u1)), log by Cephes on frexp(1 - u1) ------------------
        np.subtract(16777216, k[:, :8], out=ints.reshape(-1, 8), casting="unsafe")
        copy(t, ints)                                      # (1 - u1) * 2**24, exact
        np.frexp(t, out=(x, ints))
        np.less(x, _SQRTHF, out=small)
        np.subtract(ints, 24, out=ints)
        np.subtract(ints, small, out=ints, casting="unsafe")
        copy(e, ints)
        mul(x, small, out=w)
        np.subtract(x, 1.0, out=x)
        add(x, w, out=x)                                   # 2x - 1 or x - 1, exact
        mul(x, x, out=z)
        copy(X, x)
        copy(Z, z)
        mul(X, _LOG_P[0], out=T)
        add(T, _LOG_P[1], out=T)
        check(T)
        for p in _LOG_P[2:]:
            copy(y, T, casting="same_kind")
            copy(Y, y)
            mul(Y, X, out=T)
            add(T, p, out=T)
            check(T)
        copy(y, T, casting="same_kind")
        mul(y, x, out=y)
        copy(Y, y)
        mul(e, _LOG_Q1, out=w)
        copy(W, w)
        mul(Y, Z, out=T)
        add(T, W, out=T)
        check(T)
        copy(y, T, casting="same_kind")
        mul(z, -0.5, out=w)
        add(y, w, out=y)
        add(x, y, out=x)
        mul(e, _LOG_Q2, out=w)                             # exact in float32
        add(w, x, out=x)
        mul(x, -2.0, out=x)
        np.sqrt(x, out=x)                                  # x = radius
        # -- sincos(2 pi u2) ----------------------------------------------------------------
        th = e
        copy(th.reshape(-1, 8), k[:, 8:], casting="unsafe")
        mul(th, _TWO_PI_F * 2.0 ** -24, out=th)
        mul(th, _FOPI, out=w)
        copy(ints, w, casting="unsafe")                    # truncation toward zero
        add(ints, 1, out=ints)
        np.bitwise_and(ints, ~1, out=ints)
        copy(w, ints)                                      # the even octant, as a float
        # Cody-Waite: the first two products are exact in float32, the third in float64.
        mul(w, _DP1, out=t)
        add(th, t, out=th)
        mul(w, _DP2, out=t)
        add(th, t, out=th)
        copy(W, w)
        mul(W, _DP3, out=T)
        copy(X, th)
        add(T, X, out=T)
        copy(th, T, casting="same_kind")                   # th = reduced argument
        copy(X, th)
        mul(th, th, out=z)
        copy(Z, z)
        mul(Z, _COS_P[0], out=T)
        add(T, _COS_P[1], out=T)
        check(T)
        copy(y, T, casting="same_kind")
        copy(Y, y)
        mul(Y, Z, out=T)
        add(T, _COS_P[2], out=T)
        check(T)
        copy(y, T, casting="same_kind")
        mul(y, z, out=y)
        copy(Y, y)
        mul(Z, -0.5, out=W)
        mul(Y, Z, out=T)
        add(T, W, out=T)
        check(T)
        copy(y, T, casting="same_kind")
        add(y, 1.0, out=y)                                 # y = cos polynomial
        mul(Z, _SIN_P[0], out=T)
        add(T, _SIN_P[1], out=T)
        check(T)
        copy(w, T, casting="same_kind")
        copy(W, w)
        mul(W, Z, out=T)
        add(T, _SIN_P[2], out=T)
        check(T)
        copy(w, T, casting="same_kind")
        mul(w, z, out=w)
        copy(W, w)
        mul(W, X, out=T)
        add(T, X, out=T)
        check(T)
        copy(w, T, casting="same_kind")                    # w = sin polynomial
        # Select the polynomials and flip signs with the kernel's own bit operations
        # (where= masks are an order of magnitude slower in NumPy).
        i32 = np.int32
        tmp = self.bits[:n].view(i32)[:n]
        msk = self.bits[:n].view(i32)[n:]
        np.bitwise_and(ints, 2, out=msk)
        np.right_shift(msk, 1, out=msk)
        np.subtract(msk, 1, out=msk)                       # all ones where j & 2 == 0
        yb, wb = y.view(i32), w.view(i32)
        sin, cos = th, z
        sb, cb = sin.view(i32), cos.view(i32)
        np.bitwise_and(wb, msk, out=sb)
        np.bitwise_and(yb, msk, out=cb)
        np.invert(msk, out=msk)
        np.bitwise_and(yb, msk, out=tmp)
        np.bitwise_or(sb, tmp, out=sb)                     # sin = poly ? sin_p : cos_p
        np.bitwise_and(wb, msk, out=tmp)
        np.bitwise_or(cb, tmp, out=cb)                     # cos = poly ? cos_p : sin_p
        # Adding the masked-out +0 turns a -0 into +0, as the kernel's and/add sequence does.
        add(sin, 0.0, out=sin)
        add(cos, 0.0, out=cos)
        np.bitwise_and(ints, 4, out=tmp)
        np.left_shift(tmp, 29, out=tmp)
        np.bitwise_xor(sb, tmp, out=sb)
        np.subtract(ints, 2, out=tmp)
        np.invert(tmp, out=tmp)
        np.bitwise_and(tmp, 4, out=tmp)
        np.left_shift(tmp, 29, out=tmp)
        np.bitwise_xor(cb, tmp, out=cb)
        # -- outputs: fma(radius * cos/sin, std, mean) --------------------------------------
        out2 = out.reshape(-1, 16)
        for half, trig in ((out2[:, :8], cos), (out2[:, 8:], sin)):
            mul(x, trig, out=t)
            if std == 1.0 and mean == 0.0:
                add(t, 0.0, out=t)
            else:
                copy(T, t)
                mul(T, std, out=T)
                add(T, mean, out=T)
                check(T)
                copy(t, T, casting="same_kind")
            copy(half, t.reshape(-1, 8))


_BM_ROWS = 2048         # rows of 16 per pass: the working buffers stay in L2


def _normal_rows_f32(g: Generator, rows: int, mean: float, std: float) -> np.ndarray:
    """``rows`` Box-Muller blocks of 16 float32 normals, drawing 16 words per row."""
    out = np.empty((rows, 16), _F32)
    k = g._u32(rows * 16).reshape(rows, 16)
    k &= _U32(0xFFFFFF)
    fast = _FastBoxMuller(min(rows, _BM_ROWS))
    for r0 in range(0, rows, _BM_ROWS):
        fast.base = r0
        fast.run(k[r0:r0 + _BM_ROWS], out[r0:r0 + _BM_ROWS], mean, std)
    if fast.hits:
        redo = np.unique(np.concatenate(fast.hits))
        out[redo] = _box_muller16_exact(k[redo], mean, std)
    return out


def _normal_fill_f32(g: Generator, n: int, mean: float, std: float,
                     half: bool = False) -> np.ndarray:
    """normal_fill in float32 (n >= 16): full rows of 16, then 16 fresh draws for the tail.

    ``half``: float16's kernel draws block by block into a float32 buffer, so it does not
    draw (and discard) the partial block's uniforms first.
    """
    mean = float(_F32(mean))
    std = float(_F32(std))
    rows = n // 16
    out = _normal_rows_f32(g, rows, mean, std).reshape(-1)
    if n % 16:
        # The kernel filled all n with uniforms first; the partial block's are overwritten by
        # 16 fresh draws for a last block that overlaps the previous one.
        if not half:
            g._u32(n % 16)
        out = np.concatenate((out, np.empty(n % 16, _F32)))
        out[n - 16:] = _normal_rows_f32(g, 1, mean, std).reshape(-1)
    return out


def _normal_fill_f64(g: Generator, n: int, mean: float, std: float) -> np.ndarray:
    """normal_fill for float64 (n >= 16): the generic NormalFill16 with the C library's math."""
    u = _unit_f64(g, n if n % 16 == 0 else n + 16)
    rows = n // 16
    blocks = u[:rows * 16].reshape(rows, 16)
    if n % 16:
        # Draws n + 16: the tail block's 16 come after all n (see _normal_fill_f32).
        blocks = np.concatenate((blocks, u[n:].reshape(1, 16)))
    lg = _libm(math.log, 1.0 - blocks[:, :8])
    radius = np.sqrt(-2.0 * lg)
    theta = (2.0 * math.pi) * blocks[:, 8:]
    res = np.empty(blocks.shape, _F64)
    np.multiply(radius, np.cos(theta), out=res[:, :8])
    np.multiply(radius, np.sin(theta), out=res[:, 8:])
    if std == 1.0 and mean == 0.0:
        res += 0.0
    else:
        res = _fma64(res, std, mean)
    out = np.empty(n, _F64)
    out[:rows * 16] = res[:rows].reshape(-1)
    if n % 16:
        out[n - 16:] = res[rows]
    return out


def _normal_scalar(g: Generator, n: int, mean: float, std: float) -> np.ndarray:
    """at::normal_distribution<double>: Box-Muller pairs, the second sample cached in ``g``."""
    out = np.empty(n, _F64)
    i = 0
    if n and g._normal_d is not None:
        out[0] = g._normal_d
        g._normal_d = None
        i = 1
    pairs = (n - i + 1) // 2
    if pairs:
        u = _unit_f64(g, 2 * pairs)
        u1 = u[0::2]
        u2 = u[1::2]
        r = np.sqrt(-2.0 * _libm(math.log1p, -u2))
        theta = (2.0 * math.pi) * u1
        c = r * _libm(math.cos, theta)
        s_ = r * _libm(math.sin, theta)
        vals = np.empty(2 * pairs, _F64)
        vals[0::2] = c
        vals[1::2] = s_
        out[i:] = vals[:n - i]
        if (n - i) % 2:
            g._normal_d = float(s_[-1])
    if std == 1.0 and mean == 0.0:
        out += 0.0
    else:
        out = _fma64(out, std, mean)
    return out


def normal(shape, dtype, mean: float = 0.0, std: float = 1.0, generator=None,
           contiguous: bool = True) -> np.ndarray:
    """``normal_(mean, std)`` / ``randn``: Gaussian values of the given shape and dtype."""
    dtype = _require_float("normal_kernel_cpu", dtype)
    mean = float(mean)
    std = float(std)
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")
    n = _numel(shape)
    g = _gen(generator)
    if n == 0:
        return np.empty(shape, dtype)
    if n >= 16 and contiguous:
        if dtype == _F64:
            out = _normal_fill_f64(g, n, mean, std)
        else:
            # float16 computes in float32 blocks of 16 too (same draws), then converts.
            out = _normal_fill_f32(g, n, mean, std, dtype != _F32)
    else:
        out = _from_double(_normal_scalar(g, n, mean, std), dtype)
    return out.astype(dtype, copy=False).reshape(shape)


# == dtype facts ===============================================================================
# PyTorch's two spellings of a dtype in its messages: ScalarType ("Long") and the C++ type
# name a TypeMeta prints ("long int").
_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half",
                 "bfloat16": "BFloat16", "int64": "Long",
                 "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                 "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16",
              "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool"}


def _scalar_name(dtype) -> str:
    return _SCALAR_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)


def _not_implemented(kernel: str, dtype) -> NotImplementedError:
    return NotImplementedError(f'"{kernel}" not implemented for \'{_scalar_name(dtype)}\'')


def _require_float(kernel: str, dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if _kind(dtype) != "f" and dtype != _BF16:
        raise _not_implemented(kernel, dtype)
    return dtype


def _from_double(v: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """static_cast<scalar_t>(double): c10::Half converts through float."""
    with np.errstate(over="ignore", invalid="ignore"):
        if dtype == np.float16 or dtype == _BF16:
            return v.astype(_F32).astype(dtype)
        return v.astype(dtype, copy=False)


# == random_ / randint / randperm ==============================================================
_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1


def _int_limits(dtype: np.dtype):
    if dtype == np.bool_:
        return 0, 1
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def _digits(dtype: np.dtype) -> int:
    return {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}[dtype.name]


def _float_to_int64(v) -> int:
    # static_cast<int64_t> of a non-finite or huge float gives INT64_MIN on x86-64.
    v = float(v)
    if not math.isfinite(v) or not -9.223372036854775808e18 <= v < 9.223372036854775808e18:
        return _INT64_MIN
    return int(v)


def _update_from(frm: int, dtype: np.dtype) -> int:
    # PyTorch nudges `from` up when from + 1 is not representable in the float dtype.
    with np.errstate(over="ignore"):
        plus1 = _float_to_int64(dtype.type(frm + 1))
    if plus1 < frm:
        f = abs(frm + 1)
        n = f.bit_length() - 1 if f else 0
        frm = plus1 + (1 << (n - _digits(dtype) + 1))
    return frm


def _update_to(to: int, dtype: np.dtype) -> int:
    with np.errstate(over="ignore"):
        minus1 = _float_to_int64(dtype.type(to - 1))
    if minus1 >= to:
        f = abs(to - 1)
        n = f.bit_length() - 1 if f else 0
        to = minus1 - (1 << (n - _digits(dtype) + 1))
    return to


def _check_from_to(frm: int, to_inc: int, dtype: np.dtype) -> None:
    name = _CPP_NAMES.get(dtype.name, dtype.name)
    if _kind(dtype) == "f":
        fi = np.finfo(dtype)
        lo, hi = float(fi.min), float(fi.max)
    else:
        lo, hi = _int_limits(dtype)
    if not lo <= frm <= hi:
        raise RuntimeError(f"from is out of bounds for {name}")
    if not lo <= to_inc <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {name}")
    if _kind(dtype) == "f":
        import warnings
        d = _digits(dtype)
        for v, what in ((frm, "from"), (to_inc, "to - 1")):
            if v < -(1 << d) or v > (1 << d):
                warnings.warn(
                    f"{what} is out of bounds [-(2^{d}), 2^{d}]. Due to precision limitations "
                    f"{name} can support discrete uniform distribution only within this range. "
                    "This warning will become an error in version 1.7 release, please fix the "
                    "code in advance", UserWarning, stacklevel=4)


def _from_range(g: Generator, n: int, rng: int, base: int, dtype: np.dtype) -> np.ndarray:
    """uniform_int_from_to_distribution: (word % range) + base, in 64-bit arithmetic."""
    if rng >= (1 << 28):
        w = g._u64(n)
        w %= _U64(rng)
        w += _U64(base & 0xFFFFFFFFFFFFFFFF)   # wraps mod 2**64, as the C++ does
        return _cast_int64(w.view(_I64), dtype)
    w = g._u32(n)
    w %= _U32(rng)
    # base + (word % range) lies in [from, to), so plain int64 arithmetic is exact here.
    v = w.astype(_I64)
    v += base
    return _cast_int64(v, dtype)


def _cast_int64(v: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if dtype == np.bool_:
        return v != 0
    return v.astype(dtype)


def random_(shape, dtype, low=None, high=None, generator=None) -> np.ndarray:
    """``Tensor.random_``: no bounds, ``[low, high)``, or ``[low, dtype max]`` (high None).

    ``random_()`` is ``low=None, high=None``; ``random_(to)`` is ``low=0, high=to``.
    """
    dtype = np.dtype(dtype)
    if _kind(dtype) not in "biuf":
        raise _not_implemented("random_", dtype)
    n = _numel(shape)
    g = _gen(generator)
    if low is None and high is None:
        if n == 0:
            return np.empty(shape, dtype)
        out = _random_plain(g, n, dtype)
        return out.reshape(shape)
    frm = int(low) if low is not None else 0
    if high is not None:
        to = int(high)
        if not frm < to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={frm} >= to={to}")
        if _kind(dtype) == "f":
            frm = _update_from(frm, dtype)
            to = _update_to(to, dtype)
            if not frm < to:
                raise RuntimeError("random_ expects 'from' casted to dtype to be less than "
                                   f"'to' casted to dtype, but got from={frm} >= to={to}")
        _check_from_to(frm, to - 1, dtype)
        if n == 0:
            return np.empty(shape, dtype)
        return _from_range(g, n, to - frm, frm, dtype).reshape(shape)
    if frm != _INT64_MIN:
        if _kind(dtype) == "f":
            to_inc = 1 << _digits(dtype)
            frm = _update_from(frm, dtype)
            if not frm < to_inc:
                raise RuntimeError("random_ expects 'from' casted to dtype to be less than or "
                                   f"equal to 'to_inc' casted to dtype, but got from={frm} > "
                                   f"to_inc={to_inc}")
        else:
            to_inc = _int_limits(dtype)[1]
        _check_from_to(frm, to_inc, dtype)
        if n == 0:
            return np.empty(shape, dtype)
        return _from_range(g, n, to_inc - frm + 1, frm, dtype).reshape(shape)
    if dtype == np.bool_ or dtype == np.float16:
        raise _not_implemented("random_full_64_bits_range_kernel_cpu", dtype)
    if dtype not in (_I64, _F32, _F64, _BF16):
        raise RuntimeError("random_full_64_bits_range_kernel_cpu handles only int64, double, "
                           "float and bfloat16")
    if n == 0:
        return np.empty(shape, dtype)
    return g._u64(n).view(_I64).astype(dtype, copy=False).reshape(shape)


def _random_plain(g: Generator, n: int, dtype: np.dtype) -> np.ndarray:
    """uniform_int_distribution: [0, max] for integers, [0, 2**digits] for floats."""
    if dtype == np.bool_:
        return (g._u32(n) & _U32(1)).astype(np.bool_)
    if dtype == _I64:
        return (g._u64(n) & _U64(_INT64_MAX)).view(_I64)
    if dtype == _F64:
        return (g._u64(n) % _U64((1 << 53) + 1)).astype(_F64)
    if _kind(dtype) == "f":
        return (g._u32(n) % _U32((1 << _digits(dtype)) + 1)).astype(dtype)
    hi = _int_limits(dtype)[1]
    return (g._u32(n).astype(_U64) % _U64(hi + 1)).astype(dtype)


def randint(shape, low: int, high: int, dtype=_I64, generator=None) -> np.ndarray:
    """``torch.randint``: ``random_(low, high)`` on a fresh tensor."""
    return random_(shape, dtype, low, high, generator)


_RANDPERM_SMALL = 0xFFFFFFFF // 20


def randperm(n: int, dtype=_I64, generator=None) -> np.ndarray:
    """``torch.randperm``: PyTorch's Fisher-Yates shuffle of ``arange(n)``.

    The swaps are inherently sequential; their random positions are drawn in one vectorised
    step and the swaps run over a Python list (about 0.1 us each).
    """
    dtype = np.dtype(dtype)
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    if dtype == np.bool_ or _kind(dtype) not in "iuf":
        raise _not_implemented("randperm", dtype)
    if _kind(dtype) == "f":
        lim = 1 << _digits(dtype)
        if n > lim + 1:
            kind = _scalar_name(dtype)
            raise RuntimeError(f"n cannot be greater than {lim + 1} for {kind} type.")
    else:
        lim = _int_limits(dtype)[1]
        if n > lim + 1:
            raise RuntimeError(f"n cannot be greater than {lim + 1} for "
                               f"{_scalar_name(dtype)} type.")
    g = _gen(generator)
    if n < _RANDPERM_SMALL:
        if n < 2:
            return np.arange(n, dtype=dtype)
        # Step i swaps positions i and j_i = i + word % (n - i).
        j = g._u32(n - 1).astype(_I64)
        idx = np.arange(n - 1, dtype=_I64)
        j %= n - idx
        j += idx
        if n <= 256:
            perm = list(range(n))
            for i, t in enumerate(j.tolist()):
                perm[i], perm[t] = perm[t], perm[i]
            return np.array(perm, dtype=dtype)
        return _fisher_yates(j, n).astype(dtype, copy=False)
    # "Inside-out" Fisher-Yates with 64-bit draws, PyTorch's path for huge n.
    r = (g._u64(n) % (np.arange(n, dtype=_U64) + _U64(1))).tolist()
    perm = [0] * n
    for i, t in enumerate(r):
        perm[i] = perm[t]
        perm[t] = i
    return np.array(perm, dtype=dtype)


def _fisher_yates(j: np.ndarray, n: int) -> np.ndarray:
    """The permutation that the swaps (i, j[i]), i = 0 .. n-2 in order, make of arange(n).

    Vectorised: position i ends with the value position j[i] held just before step i. That is
    the value the latest earlier step aiming at j[i] moved there, or j[i] itself if none did;
    and the value a step k moves is what position k held before step k. Following those
    links back to an untouched position (pointer jumping) resolves every chain at once.
    """
    m = n - 1
    k = np.arange(m, dtype=_I64)
    order = np.argsort(j * n + k)                  # by target, then by step (keys distinct)
    tgt = j[order]
    same = tgt[1:] == tgt[:-1]
    prev_same = np.full(m, -1, _I64)               # the previous step with the same target
    prev_same[order[1:]] = np.where(same, order[:-1], -1)
    last = np.full(n, -1, _I64)                    # the last step aiming at each position
    ends = np.ones(m, np.bool_)
    ends[:-1] = ~same
    last[tgt[ends]] = order[ends]
    # Before step i, position i holds what the last step aiming at it (other than i) moved.
    selfhit = j == k
    src = last
    src[:m][selfhit] = prev_same[selfhit]
    root = np.where(src >= 0, src, np.arange(n, dtype=_I64))
    while True:
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    res = np.empty(n, _I64)
    r = np.where(prev_same >= 0, root[np.maximum(prev_same, 0)], j)
    r[selfhit] = root[:m][selfhit]
    res[:m] = r
    res[m] = root[m]
    return res


# == bernoulli =================================================================================
def bernoulli(p, shape, dtype, generator=None) -> np.ndarray:
    """``bernoulli_(p)``: 1 where a uniform draw is below ``p``, as ``dtype``.

    A float ``p`` compares 53-bit doubles; an array ``p`` (broadcast to ``shape``) compares
    doubles when it is float64 and 24-bit floats otherwise, one draw per element.
    """
    dtype = np.dtype(dtype)
    if _kind(dtype) not in "biuf":
        raise _not_implemented("bernoulli_scalar_cpu_", dtype)
    g = _gen(generator)
    n = _numel(shape)
    if not isinstance(p, np.ndarray):
        p = float(p)
        if not 0.0 <= p <= 1.0:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt(p)}")
        if n == 0:
            return np.empty(shape, dtype)
        return (_unit_f64(g, n) < p).astype(dtype).reshape(shape)
    if _kind(p.dtype) != "f":
        raise _not_implemented("bernoulli_tensor_cpu_p_", p.dtype)
    if n == 0:
        return np.empty(shape, dtype)
    try:
        pb = np.broadcast_to(p, shape)
    except ValueError:
        raise RuntimeError(_expand_message(tuple(shape), p.shape)) from None
    if not np.all((pb >= 0) & (pb <= 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  "
                           "(Could this error message be improved?  If so, please report an "
                           "enhancement request to PyTorch.)")
    if p.dtype == _F64:
        u = _unit_f64(g, n).reshape(shape)
    else:
        u = _unit_f32(g, n).reshape(shape)
        pb = pb.astype(_F32, copy=False)
    return (u < pb).astype(dtype)


def _expand_message(target, sizes) -> str:
    nt, ns = len(target), len(sizes)
    for i in range(1, ns + 1):
        t, s = target[nt - i] if i <= nt else None, sizes[ns - i]
        if t is not None and s != 1 and s != t:
            dim = nt - i
            return (f"The expanded size of the tensor ({t}) must match the existing size ({s}) "
                    f"at non-singleton dimension {dim}.  Target sizes: {list(target)}.  "
                    f"Tensor sizes: {list(sizes)}")
    return (f"expand: the requested shape has too few dimensions: target {list(target)}, "
            f"tensor {list(sizes)}")


# == continuous samplers on uniform doubles ====================================================
def exponential(shape, dtype, lambd: float = 1.0, generator=None) -> np.ndarray:
    """``exponential_(lambd)``: ``-1/lambd * log1p(-u)`` for uniform doubles u."""
    dtype = np.dtype(dtype)
    if _kind(dtype) != "f":
        raise RuntimeError("Exponential distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{_scalar_name(dtype)}")
    lambd = float(lambd)
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_fmt(lambd)}")
    n = _numel(shape)
    if n == 0:
        return np.empty(shape, dtype)
    u = _unit_f64(_gen(generator), n)
    c = -1.0 / lambd
    if dtype == _F64:
        v = c * _libm(math.log1p, -u)
    else:
        v = _libm_near32(c * np.log1p(-u), lambda x: c * math.log1p(-x), u)
    return _from_double(v, dtype).reshape(shape)


def geometric(shape, dtype, p: float, generator=None) -> np.ndarray:
    """``geometric_(p)``: ``ceil(log(u) / log1p(-p))`` for uniform doubles u."""
    dtype = np.dtype(dtype)
    if _kind(dtype) not in "iuf":
        raise _not_implemented("geometric_cpu", dtype)
    p = float(p)
    if not 0.0 < p < 1.0:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_fmt(p)}")
    n = _numel(shape)
    if n == 0:
        return np.empty(shape, dtype)
    u = _unit_f64(_gen(generator), n)
    zero = u == 0.0
    lg = _libm(math.log, np.where(zero, 1.0, u))
    lg[zero] = -math.inf
    v = np.ceil(lg / math.log1p(-p))
    return _from_double(v, dtype).reshape(shape)


def log_normal(shape, dtype, mean: float = 1.0, std: float = 2.0,
               generator=None) -> np.ndarray:
    """``log_normal_(mean, std)``: exp of the scalar (cached) normal sampler's draws."""
    dtype = _require_float("log_normal_cpu", dtype)
    mean = float(mean)
    std = float(std)
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_fmt(std)}")
    n = _numel(shape)
    if n == 0:
        return np.empty(shape, dtype)
    x = _normal_scalar(_gen(generator), n, mean, std)
    big = x > 709.0
    v = _libm(math.exp, np.where(big, 0.0, x))
    if big.any():
        v[big] = np.exp(x[big])      # beyond exp's double range only inf and the edge remain
    return _from_double(v, dtype).reshape(shape)


def cauchy(shape, dtype, median: float = 0.0, sigma: float = 1.0,
           generator=None) -> np.ndarray:
    """``cauchy_(median, sigma)``: ``median + sigma * tan(pi * (u - 0.5))``."""
    dtype = np.dtype(dtype)
    median = float(median)
    sigma = float(sigma)
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_fmt(sigma)}")
    if _kind(dtype) != "f":
        raise RuntimeError("Cauchy distribution is a continuous probability distribution. "
                           "dtype must be a floating point but you specified "
                           f"{_CPP_NAMES.get(dtype.name, dtype.name)}")
    n = _numel(shape)
    if n == 0:
        return np.empty(shape, dtype)
    u = _unit_f64(_gen(generator), n)
    t = _libm(math.tan, math.pi * (u - 0.5))
    v = _fma64(t, sigma, median)
    return _from_double(v, dtype).reshape(shape)


# == multinomial ===============================================================================
def multinomial(probs: np.ndarray, num_samples: int, replacement: bool = False,
                generator=None) -> np.ndarray:
    """``torch.multinomial`` on a 1-D or 2-D array of (unnormalised) probabilities -> int64."""
    probs = np.asarray(probs)
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if _kind(probs.dtype) != "f":
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           f"{_scalar_name(probs.dtype)}")
    num_samples = int(num_samples)
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    ncat = probs.shape[-1]
    if not replacement and num_samples > ncat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if ncat > (1 << 24):
        raise RuntimeError("number of categories cannot exceed 2^24")
    if probs.dtype == np.float16:
        raise RuntimeError("multinomial is not implemented for half on CPU")
    out_shape = (num_samples,) if probs.ndim == 1 else (probs.shape[0], num_samples)
    if _numel(out_shape) == 0:
        return np.empty(out_shape, _I64)
    g = _gen(generator)
    if not (probs.max() < math.inf and probs.min() >= 0):      # NaN fails both
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = probs.reshape(-1, ncat)
    sums = rows.sum(axis=1)
    if np.any(sums == 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement or num_samples == 1:
        # Gumbel-max in exponential form: the top-k of p / q for q ~ Exp(1) (PyTorch's path
        # for one sample too, with or without replacement).
        q = exponential(rows.shape, rows.dtype, 1.0, g)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = rows / q
        if num_samples == 1:
            res = np.argmax(q, axis=1).reshape(-1, 1)
        else:
            res = np.stack([_topk_largest(r, num_samples) for r in q])
        return np.ascontiguousarray(res, dtype=_I64).reshape(out_shape)
    res = np.empty((rows.shape[0], num_samples), _I64)
    for i in range(rows.shape[0]):
        cum = np.cumsum(rows[i], dtype=rows.dtype)
        total = cum[-1]
        cum = cum / total
        cum[-1] = 1
        u = _unit_f64(g, num_samples)
        res[i] = np.searchsorted(cum.astype(_F64), u, side="left")
    return res.reshape(out_shape)


# == poisson ===================================================================================
def _c_lgamma():
    # std::lgamma is the C library's (ember/_libm.py)
    from . import _libm
    return _libm.lgamma()


_lgamma = None


def poisson(rates: np.ndarray, generator=None) -> np.ndarray:
    """``torch.poisson``: PyTorch's sampler (multiplication method below 10, Hoermann's
    transformed rejection above), one element after another, in the rates' dtype."""
    global _lgamma
    rates = np.asarray(rates)
    if _kind(rates.dtype) != "f" or rates.dtype == np.float16:
        raise _not_implemented("poisson_cpu", rates.dtype)
    g = _gen(generator)
    flat = rates.ravel().tolist()
    out = np.empty(len(flat), _F64)
    log, sqrt, floor, exp = math.log, math.sqrt, math.floor, math.exp
    for idx, lam in enumerate(flat):
        if not lam >= 0:
            raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
        if lam >= 10:
            if _lgamma is None:
                _lgamma = _c_lgamma()
            slam = sqrt(lam)
            loglam = log(lam)
            b = 0.931 + 2.53 * slam
            a = -0.059 + 0.02483 * b
            invalpha = 1.1239 + 1.1328 / (b - 3.4)
            vr = 0.9277 - 3.6224 / (b - 2)
            while True:
                uv = _unit_f64(g, 2)
                U = float(uv[0]) - 0.5
                V = float(uv[1])
                us = 0.5 - abs(U)
                k = floor((2 * a / us + b) * U + lam + 0.43)
                if us >= 0.07 and V <= vr:
                    break
                if k < 0 or (us < 0.013 and V > us):
                    continue
                lhs = (log(V) if V > 0 else -math.inf) + log(invalpha) - log(a / (us * us) + b)
                if lhs <= -lam + k * loglam - _lgamma(k + 1.0):
                    break
            out[idx] = k
        elif lam == 0:
            out[idx] = 0
        else:
            enlam = exp(-lam)
            x = 0
            prod = 1.0
            while True:
                prod *= float(_unit_f64(g, 1)[0])
                if prod > enlam:
                    x += 1
                else:
                    break
            out[idx] = x
    return out.astype(rates.dtype).reshape(rates.shape)


# == normal with tensor mean / std =============================================================
def normal_tensor(mean, std, dtype, generator=None) -> np.ndarray:
    """``torch.normal(mean, std)`` with an array mean and/or std (the other may be a float).

    PyTorch draws standard normals of the broadcast shape (``std`` itself when only mean is
    an array), then multiplies by ``std`` and adds ``mean`` in the output dtype.
    """
    dtype = np.dtype(dtype)
    m_arr = isinstance(mean, np.ndarray)
    s_arr = isinstance(std, np.ndarray)
    if s_arr:
        if std.size and not np.all(std >= 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif not float(std) >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(float(std))}")
    if m_arr and s_arr:
        shape = _broadcast_shape(mean.shape, std.shape)
    else:
        shape = mean.shape if m_arr else std.shape
    # In-place mul_/add_ compute in the promoted dtype and store in the output's.
    if not s_arr:
        out = normal(shape, dtype, 0.0, float(std), generator)
        return (out + mean).astype(dtype, copy=False)
    out = normal(shape, dtype, 0.0, 1.0, generator)
    out = (out * std).astype(dtype, copy=False)
    if m_arr:
        return (out + mean).astype(dtype, copy=False)
    return out + dtype.type(mean)


def _broadcast_shape(a, b):
    na, nb = len(a), len(b)
    res = []
    for i in range(1, max(na, nb) + 1):
        x = a[na - i] if i <= na else 1
        y = b[nb - i] if i <= nb else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {max(na, nb) - i}")
        res.append(y if x == 1 else x)
    return tuple(reversed(res))


# == topk's order among equal values ===========================================================
# multinomial without replacement ranks p / q with topk, whose CPU kernel orders a row with
# libstdc++'s partial_sort (k * 64 <= n) or nth_element then sort of the first k - 1. Equal
# values (zero probabilities) come out in the order those algorithms leave them, so the rows
# where ties reach the top k are ranked by the same algorithms, step for step.
def _topk_largest(row: np.ndarray, k: int) -> np.ndarray:
    """Indices of torch.topk(row, k) (largest, sorted) for a 1-D float row."""
    order = np.argsort(-row, kind="stable")
    top = row[order[:k + 1]]
    if not np.isnan(row).any() and not np.any(top[1:] == top[:-1]):
        return order[:k]
    q = list(zip(row.tolist(), range(row.shape[0])))

    def comp(x, y):
        return (x[0] != x[0] and y[0] == y[0]) or x[0] > y[0]

    n = len(q)
    if k * 64 <= n:
        _heap_select(q, 0, k, n, comp)
        _sort_heap(q, 0, k, comp)
    else:
        _nth_element(q, 0, k - 1, n, comp)
        _std_sort(q, 0, k - 1, comp)
    return np.array([i for _, i in q[:k]], _I64)


def _adjust_heap(q, first, hole, length, value, comp) -> None:
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if comp(q[first + child], q[first + child - 1]):
            child -= 1
        q[first + hole] = q[first + child]
        hole = child
    if length & 1 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        q[first + hole] = q[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and comp(q[first + parent], value):
        q[first + hole] = q[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    q[first + hole] = value


def _make_heap(q, first, last, comp) -> None:
    length = last - first
    if length < 2:
        return
    parent = (length - 2) // 2
    while True:
        _adjust_heap(q, first, parent, length, q[first + parent], comp)
        if parent == 0:
            return
        parent -= 1


def _pop_heap(q, first, last, result, comp) -> None:
    value = q[result]
    q[result] = q[first]
    _adjust_heap(q, first, 0, last - first, value, comp)


def _heap_select(q, first, middle, last, comp) -> None:
    _make_heap(q, first, middle, comp)
    for i in range(middle, last):
        if comp(q[i], q[first]):
            _pop_heap(q, first, middle, i, comp)


def _sort_heap(q, first, last, comp) -> None:
    while last - first > 1:
        last -= 1
        _pop_heap(q, first, last, last, comp)


def _partition_pivot(q, first, last, comp) -> int:
    mid = first + (last - first) // 2
    a, b, c = first + 1, mid, last - 1
    if comp(q[a], q[b]):
        pick = b if comp(q[b], q[c]) else (c if comp(q[a], q[c]) else a)
    elif comp(q[a], q[c]):
        pick = a
    else:
        pick = c if comp(q[b], q[c]) else b
    q[first], q[pick] = q[pick], q[first]
    pivot = q[first]
    lo, hi = first + 1, last
    while True:
        while comp(q[lo], pivot):
            lo += 1
        hi -= 1
        while comp(pivot, q[hi]):
            hi -= 1
        if not lo < hi:
            return lo
        q[lo], q[hi] = q[hi], q[lo]
        lo += 1


def _insertion_sort(q, first, last, comp) -> None:
    if first == last:
        return
    for i in range(first + 1, last):
        val = q[i]
        if comp(val, q[first]):
            q[first + 1:i + 1] = q[first:i]
            q[first] = val
        else:
            _linear_insert(q, i, comp)


def _linear_insert(q, last, comp) -> None:
    val = q[last]
    nxt = last - 1
    while comp(val, q[nxt]):
        q[last] = q[nxt]
        last = nxt
        nxt -= 1
    q[last] = val


def _std_sort(q, first, last, comp) -> None:
    if last - first < 2:
        return
    _introsort(q, first, last, ((last - first).bit_length() - 1) * 2, comp)
    if last - first > 16:
        _insertion_sort(q, first, first + 16, comp)
        for i in range(first + 16, last):
            _linear_insert(q, i, comp)
    else:
        _insertion_sort(q, first, last, comp)


def _introsort(q, first, last, depth, comp) -> None:
    while last - first > 16:
        if depth == 0:
            _heap_select(q, first, last, last, comp)
            _sort_heap(q, first, last, comp)
            return
        depth -= 1
        cut = _partition_pivot(q, first, last, comp)
        _introsort(q, cut, last, depth, comp)
        last = cut


def _nth_element(q, first, nth, last, comp) -> None:
    if first == last or nth == last:
        return
    depth = ((last - first).bit_length() - 1) * 2
    while last - first > 3:
        if depth == 0:
            _heap_select(q, first, nth + 1, last, comp)
            q[first], q[nth] = q[nth], q[first]
            return
        depth -= 1
        cut = _partition_pivot(q, first, last, comp)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(q, first, last, comp)
