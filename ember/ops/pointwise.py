"""Elementwise ops, the public face of their rooms (as torch's namespace is of ATen's files):

- ``ember.ops.arithmetic``: + - * /, remainder, fmod, neg, abs, sign, powers, rounding, lerp,
  addcmul/addcdiv, fills, copies and casts
- ``ember.ops.transcendental``: sqrt, exp, log, trigonometric and hyperbolic functions, atan2,
  hypot, logaddexp
- ``ember.ops.special``: erf, erfc, erfinv, sigmoid, logit, xlogy, lgamma, digamma, polygamma,
  mvlgamma
- ``ember.ops.comparison``: comparisons, maximum/minimum, clamp, relu, where, logical and
  bitwise ops, predicates, nan_to_num
- ``ember.ops._elementwise``: what they share (dtype names, promotion, ``out=``, in-place)

Each forward function is followed by its backward node in its room. Results follow PyTorch's
dtype rules (``sqrt`` of an int tensor is float32, ``floor`` of one stays int, comparisons
give bool) and its gradients at special points (``abs`` at 0 is 0, ``maximum`` splits ties in
half, ``clamp`` passes the gradient at its boundaries).
"""
from ._elementwise import _out
from .arithmetic import (CloneBackward0, FillBackward3, abs, abs_, absolute, absolute_, add, add_,
                         addcdiv, addcdiv_, addcmul, addcmul_, ceil, ceil_, clone, conj, copysign,
                         copysign_, div, div_, divide, divide_, fill, fill_, fix, fix_, float_power,
                         float_power_, floor, floor_, floor_divide, floor_divide_, fmod, fmod_,
                         frac, frac_, lerp, lerp_, mul, mul_, multiply, multiply_, neg, neg_,
                         negative, negative_, positive, pow, pow_, rdiv, reciprocal, reciprocal_,
                         remainder, remainder_, rfloordiv, round, round_, rremainder, rsub, sgn,
                         sgn_, sign, sign_, square, square_, sub, sub_, subtract, subtract_,
                         true_divide, true_divide_, trunc, trunc_, zero_, _rpow, _to_dtype)
from .arithmetic import frexp, ldexp, ldexp_, nextafter, nextafter_
from .transcendental import (acos, acos_, acosh, acosh_, arccos, arccos_, arccosh, arccosh_, arcsin,
                             arcsin_, arcsinh, arcsinh_, arctan, arctan2, arctan2_, arctan_,
                             arctanh, arctanh_, asin, asin_, asinh, asinh_, atan, atan2, atan2_,
                             atan_, atanh, atanh_, cos, cos_, cosh, cosh_, deg2rad, deg2rad_, exp,
                             exp2, exp2_, exp_, expm1, expm1_, hypot, hypot_, log, log10, log10_,
                             log1p, log1p_, log2, log2_, log_, logaddexp, logaddexp2, rad2deg,
                             rad2deg_, rsqrt, rsqrt_, sin, sin_, sinc, sinc_, sinh, sinh_, sqrt,
                             sqrt_, tan, tan_, tanh, tanh_)
from .special import (digamma, digamma_, erf, erf_, erfc, erfc_, erfinv, erfinv_, lgamma,
                      lgamma_, logit, logit_, mvlgamma, mvlgamma_, polygamma, polygamma_,
                      polygamma_method, sigmoid, sigmoid_, xlogy, xlogy_)
from .comparison import (allclose, bitwise_and, bitwise_and_, bitwise_left_shift,
                         bitwise_left_shift_, bitwise_not, bitwise_not_, bitwise_or, bitwise_or_,
                         bitwise_right_shift, bitwise_right_shift_, bitwise_xor, bitwise_xor_,
                         clamp, clamp_, clamp_max, clamp_max_, clamp_min, clamp_min_, clip, clip_,
                         eq, eq_, equal, fmax, fmin, ge, ge_, greater, greater_equal, gt, gt_,
                         heaviside, heaviside_, isclose, isfinite, isinf, isnan, isneginf, isposinf,
                         isreal, le, le_, less, less_equal, logical_and, logical_and_, logical_not,
                         logical_not_, logical_or, logical_or_, logical_xor, logical_xor_, lt, lt_,
                         maximum, minimum, nan_to_num, nan_to_num_, ne, ne_, not_equal, relu, relu_,
                         signbit, where, __and__, __eq__, __ge__, __gt__, __le__, __lshift__,
                         __lt__, __ne__, __or__, __rand__, __rlshift__, __ror__, __rrshift__,
                         __rshift__, __rxor__, __xor__)
from .comparison import gcd, gcd_, lcm, lcm_
