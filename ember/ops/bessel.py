"""The modified Bessel functions of the first kind, orders 0 and 1: ``i0`` (``torch.i0``,
``torch.special.i0``), ``i0e``, ``i1`` and ``i1e`` (``torch.special``), with their backward
nodes.

Each is a Chebyshev expansion on two pieces, as in the Cephes library PyTorch follows:
exp(-x) I(x) (divided by x for order 1) on [0, 8] in t = x / 4 - 1, and exp(-x) sqrt(x) I(x)
on [8, inf) in t = 16 / x - 1. The coefficients were derived for ember with mpmath (40-digit
Chebyshev interpolation at 90 nodes, kept while above 1e-19 of the largest; the tests
re-derive them). float64 and float32 inputs are evaluated in their own precision, as
PyTorch's kernels do (so float32 overflows where PyTorch's does); float16 and bfloat16 in
float32.
"""
from __future__ import annotations

import numpy as np

from .._errstate import QUIET as _QUIET
from .._errstate import quiet_off as _quiet_off
from .._errstate import quiet_on as _quiet_on
from .._tensor import Tensor
from ..autograd import anp
from ..autograd.grad_mode import STATE
from ..autograd.graph import Node, record1
from ._elementwise import _out, _real_fdata, _unary_inplace, _wrap

# exp(-x) I0(x), x = 4 (t + 1) in [0, 8]
I0_SMALL = (
    0.6767952744094761, -0.3046826723431984, 0.17162090152220877, -0.09490109704804764,
    0.04930528423967071, -0.02373741480589947, 0.010546460394594998, -0.004324309995050576,
    0.0016394756169413357, -0.0005763755745385824, 0.00018850288509584165,
    -5.754195010082104e-05, 1.6448448070728896e-05, -4.4167383584587505e-06,
    1.1173875391201037e-06, -2.670793853940612e-07, 6.046995022541919e-08,
    -1.300025009986248e-08, 2.6598237246823866e-09, -5.189795601635263e-10,
    9.675809035373237e-11, -1.726826291441556e-11, 2.95505266312964e-12,
    -4.856446783111929e-13, 7.676185498604936e-14, -1.1685332877993451e-14,
    1.715391285555133e-15, -2.431279846547955e-16, 3.3307945188222384e-17,
    -4.4153416464793395e-18, 5.669178006921496e-19, -7.057100692457294e-20)
# exp(-x) sqrt(x) I0(x), x = 16 / (t + 1) in [8, inf)
I0_LARGE = (
    0.8044904110141088, 0.0033691164782556943, 6.889758346916825e-05, 2.8913705208347567e-06,
    2.0489185894690638e-07, 2.266668990498178e-08, 3.3962320257083865e-09,
    4.94060238822497e-10, 1.1889147107846439e-11, -3.1499165279632416e-11,
    -1.3215811840447713e-11, -1.7941785315068062e-12, 7.180124451383666e-13,
    3.8527783827421426e-13, 1.54008621752141e-14, -4.150569347287222e-14,
    -9.554846698828307e-15, 3.8116806693526224e-15, 1.7725601330565263e-15,
    -3.425485619677219e-16, -2.8276239805165836e-16, 3.461222867697461e-17,
    4.46562142029676e-17, -4.830504485944182e-18, -7.233180487874754e-18,
    9.921475412173699e-19, 1.193650890845982e-18, -2.4887098371508075e-19,
    -1.938426454160906e-19)
# exp(-x) I1(x) / x, x = 4 (t + 1) in [0, 8]
I1_SMALL = (
    0.25258718644363365, -0.17641651835783406, 0.1026436586898471, -0.05294598120809499,
    0.024726449030626516, -0.010564084894626197, 0.004156422944312888,
    -0.0015135724506312532, 0.0005122859561685758, -0.00016176081582589674,
    4.781565107550054e-05, -1.3273163656039436e-05, 3.4702513081376785e-06,
    -8.568720264695455e-07, 2.0032947535521353e-07, -4.445059128796328e-08,
    9.381537386495773e-09, -1.8872497517228294e-09, 3.625590281552117e-10,
    -6.663489723502027e-11, 1.1736186298890901e-11, -1.9839743977649436e-12,
    3.223793365945575e-13, -5.042185504727912e-14, 7.600684294735408e-15,
    -1.1055969477353862e-15, 1.5536319577362005e-16, -2.111421214358166e-17,
    2.7779141127610464e-18, -3.541581772542136e-19, 4.379302756655071e-20)
# exp(-x) sqrt(x) I1(x), x = 16 / (t + 1) in [8, inf)
I1_LARGE = (
    0.7785762350182801, -0.009761097491361469, -0.00011058893876262371,
    -3.882564808877691e-06, -2.512236237870209e-07, -2.6314688468895196e-08,
    -3.835380385964237e-09, -5.589743462196584e-10, -1.8974958123505413e-11,
    3.2526035830154884e-11, 1.4125807436613782e-11, 2.0356285441470896e-12,
    -7.198551776245908e-13, -4.0835511110921974e-13, -2.1015418427726643e-14,
    4.272440016711951e-14, 1.0420276984128802e-14, -3.8144030724370075e-15,
    -1.8803547755107825e-15, 3.3082023109209285e-16, 2.96262899764595e-16,
    -3.209525921993424e-17, -4.6503053684893586e-17, 4.414348323071708e-18,
    7.517296310842105e-18, -9.314178867326884e-19, -1.242193275194891e-18,
    2.4142767194548486e-19, 2.0269443840532852e-19)


def _cheb(coef: tuple, t2: np.ndarray) -> np.ndarray:
    """Clenshaw's sum of ``coef[0] / 2 + sum coef[k] T_k(t)``, given ``t2 = 2 t``, in t2's
    dtype (the coefficients are Python floats, which NumPy rounds to it)."""
    b0 = np.full(t2.shape, coef[-1], t2.dtype)
    b1 = np.zeros_like(b0)
    b2 = b1
    for c in coef[-2::-1]:
        b2 = b1
        b1 = b0
        b0 = t2 * b1 - b2 + c
    return (b0 - b2) / 2


def _pieces(ax: np.ndarray, small: tuple, large: tuple):
    """The two expansions at |x| (each evaluated everywhere on a clamped argument, so that
    NaN stays NaN and no element takes a branch it does not belong to) and the mask of the
    small piece."""
    lo = np.minimum(ax, 8)
    hi = np.maximum(ax, 8)
    return _cheb(small, lo / 2 - 2), _cheb(large, 32 / hi - 2), ax <= 8


def _i0_np(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    a, b, small = _pieces(ax, I0_SMALL, I0_LARGE)
    e = np.exp(ax)
    # exp(|x|) * B / sqrt(|x|): inf / inf is NaN at infinity, as in PyTorch
    return np.where(small, e * a, e * b / np.sqrt(ax))


def _i0e_np(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    a, b, small = _pieces(ax, I0_SMALL, I0_LARGE)
    return np.where(small, a, b / np.sqrt(ax))


def _i1_np(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    a, b, small = _pieces(ax, I1_SMALL, I1_LARGE)
    e = np.exp(ax)
    r = np.where(small, e * ax * a, e * b / np.sqrt(ax))
    return np.where(x < 0, -r, r)


def _i1e_np(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    a, b, small = _pieces(ax, I1_SMALL, I1_LARGE)
    r = np.where(small, a * ax, b / np.sqrt(ax))
    return np.where(x < 0, -r, r)


def _eval(np_fn, d: np.ndarray) -> np.ndarray:
    """``np_fn`` in d's precision (float16 and bfloat16 in float32), back in d's dtype."""
    work = d if d.dtype in (np.float32, np.float64) else d.astype(np.float32)
    tok = _quiet_on(_QUIET)
    try:
        return np.asarray(np_fn(work)).astype(d.dtype, copy=False)
    finally:
        _quiet_off(tok)


def _bessel(input, fname: str, kernel: str, np_fn, node_cls, keep_input: bool, out):
    d = _real_fdata(input, fname, kernel)
    r = _eval(np_fn, d)
    if STATE.enabled and input._rg:
        node = node_cls()
        t = record1(node, r, input)
        if keep_input:
            node.save1(input)
        node.save_result(t)
        return _out(t, out)
    return _out(_wrap(r), out)


def _fn_of(op, np_fn, x):
    """A Bessel function of a backward formula's operand: ``np_fn`` on an array, the
    recorded op on a tensor (double backward)."""
    if anp.is_array(x):
        return _eval(np_fn, np.asarray(x))
    return op(x)


def i0(input: Tensor, *, out=None) -> Tensor:
    """The modified Bessel function of the first kind of order 0, I0."""
    return _bessel(input, "i0", "i0_vml_cpu", _i0_np, I0Backward0, True, out)


class I0Backward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # I0' = I1
        x, = self.saved()
        return grad * _fn_of(i1, _i1_np, x),


def i0e(input: Tensor, *, out=None) -> Tensor:
    """The exponentially scaled I0: ``exp(-|x|) I0(x)``, without overflow."""
    return _bessel(input, "special_i0e", "i0e_cpu", _i0e_np, SpecialI0EBackward0, True, out)


class SpecialI0EBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # i1e(x) - sgn(x) i0e(x)
        x, = self.saved()
        return grad * (_fn_of(i1e, _i1e_np, x) - anp.sign(x) * self.result()),


def i1(input: Tensor, *, out=None) -> Tensor:
    """The modified Bessel function of the first kind of order 1, I1."""
    return _bessel(input, "special_i1", "i1_cpu", _i1_np, SpecialI1Backward0, True, out)


class SpecialI1Backward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # I0(x) - I1(x) / x, its limit 1/2 at 0
        x, = self.saved()
        zero = x == 0
        xs = anp.where(zero, 1.0, x)   # (no 0 / 0 in the unused branch, nor in its gradient)
        d = _fn_of(i0, _i0_np, x) - self.result() / xs
        return grad * anp.where(zero, 0.5, d),


def i1e(input: Tensor, *, out=None) -> Tensor:
    """The exponentially scaled I1: ``exp(-|x|) I1(x)``, without overflow."""
    return _bessel(input, "special_i1e", "i1e_cpu", _i1e_np, SpecialI1EBackward0, True, out)


class SpecialI1EBackward0(Node):
    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad):          # i0e(x) - i1e(x) (sgn(x) + 1 / x), 1/2 at 0
        x, = self.saved()
        zero = x == 0
        xs = anp.where(zero, 1.0, x)
        d = _fn_of(i0e, _i0e_np, x) - self.result() * (anp.sign(x) + 1 / xs)
        return grad * anp.where(zero, 0.5, d),


i0_ = _unary_inplace(i0, "i0_")
