"""Small numeric primitives the generated kernels call: an exp for non-positive arguments that
the compiler can vectorise, log1p and expm1 without a library call (so a loop over rows around
them vectorises too), and ``xlogy``.
Hand-checked: tests/test_kernels.py measures each against mpmath over its whole range (exp
below 2.5e-16 relative, subnormal results included; the log1p and expm1 below 5e-16)."""
from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from .numba_cache import judge_numba_cache

judge_numba_cache()  # before the decorators below give Numba a place for their cache files

LOG2E = 1.4426950408889634
LN2_HI = 0.6931471803691238  # ln 2 split in two for an exact reduction x - n ln 2
LN2_LO = 1.9082149292705877e-10
LOWEST = -1100 * 0.6931471805599453  # below this e^x is 0 in float64
ROUNDER = 6755399441055744.0  # 1.5 * 2**52: x + ROUNDER - ROUNDER rounds x to an integer ...
ROUNDER_BITS = 0x4338000000000000  # ... and the bits of x + ROUNDER minus these are that integer
C = [1.0 / math.factorial(n) for n in range(14)]  # Taylor to degree 13: |r| <= ln2/2 gives 4e-18
C0, C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13 = C


def _njit(**options):
    """``numba.njit`` with Numba's cache where it has a place for it; where it has none (no writable
    folder beside the package or in NUMBA_CACHE_DIR: "no locator available"), compiled in each
    process instead of failing the import."""
    def decorate(function):
        try:
            return numba.njit(cache=True, **options)(function)
        except RuntimeError as problem:
            if "locator" not in str(problem):
                raise
            return numba.njit(cache=False, **options)(function)
    return decorate


def _bitcast(source, target, llvm_target):
    """An intrinsic reinterpreting the bits of a ``source`` value as ``target`` (a free register
    move, vectorisable): float <-> int of the same width."""
    @intrinsic
    def cast(typingctx, value):
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], llvm_target)
        return target(source), codegen
    return cast


_bits_as_float = _bitcast(types.int64, types.float64, ir.DoubleType())
_float_bits = _bitcast(types.float64, types.int64, ir.IntType(64))


@_njit(fastmath={"contract"}, error_model="numpy")  # not inlined by Numba: keeps its own flags (no reassociation)
def exp_nonpositive(x):
    """e^x for x <= 0 (x is clamped to 0 from above): n = round(x / ln 2) by the 1.5 * 2**52
    trick, r = x - n ln 2 exactly, e^r by its Taylor polynomial, times 2**n built from exponent
    bits in two halves so results down to the smallest subnormal round once, correctly.  No
    table and no float-to-int conversion: every operation has an AVX2 vector form."""
    v = min(max(x, LOWEST), 0.0)
    t = v * LOG2E + ROUNDER
    n = t - ROUNDER
    r = (v - n * LN2_HI) - n * LN2_LO
    p = C0 + r * (C1 + r * (C2 + r * (C3 + r * (C4 + r * (C5 + r * (C6 + r * (C7 + r * (C8 + r * (
        C9 + r * (C10 + r * (C11 + r * (C12 + r * C13))))))))))))
    k = _float_bits(t) - ROUNDER_BITS  # n as an integer, -1100 <= n <= 0
    half = k >> 1
    return (p * _bits_as_float((half + 1023) << 52)) * _bits_as_float((k - half + 1023) << 52)


ATANH = [1.0 / (2 * n + 1) for n in range(20)]  # 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...)
A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15, A16, A17, A18, A19 = ATANH


@_njit(fastmath={"contract"}, error_model="numpy")  # not inlined by Numba: keeps its own flags (no reassociation)
def log1p_unit(u):
    """log(1 + u) for 0 <= u <= 1 without a library call, so a loop around it vectorises:
    log(1 + u) = 2 atanh(s) with s = u / (2 + u) <= 1/3, the series to s^39 (3^-39/39 < 1e-20)."""
    s = u / (2.0 + u)
    q = s * s
    p = A0 + q * (A1 + q * (A2 + q * (A3 + q * (A4 + q * (A5 + q * (A6 + q * (A7 + q * (A8 + q * (A9 + q * (
        A10 + q * (A11 + q * (A12 + q * (A13 + q * (A14 + q * (A15 + q * (A16 + q * (A17 + q * (A18 + q * A19))))))))))))))))))
    return 2.0 * s * p


SQRT_HALF_BITS = 0x3FE6A09E667F3BCD  # the bits of sqrt(1/2)
L0, L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11 = ATANH[:12]


@_njit(fastmath={"contract"}, error_model="numpy")
def log1p_any(a):
    """log(1 + a) for any a > -1 without a library call.  u = 1 + a rounded; c = a - (u - 1) is
    what the rounding lost, exactly, and adds c / u.  u = 2**k f with f in [sqrt(1/2), sqrt(2))
    read off the bits; log f = 2 atanh(s), s = (f - 1) / (f + 1) with |s| <= 0.172, the series to
    s^23 (0.0295^11 / 23 < 1e-18); k ln 2 in two parts so that k * LN2_HI is exact."""
    u = 1.0 + a
    c = (a - (u - 1.0)) / u
    bits = _float_bits(u)
    k = (bits - SQRT_HALF_BITS) >> 52
    f = _bits_as_float(bits - (k << 52))
    s = (f - 1.0) / (f + 1.0)
    q = s * s
    p = L0 + q * (L1 + q * (L2 + q * (L3 + q * (L4 + q * (L5 + q * (L6 + q * (L7 + q * (L8 + q * (L9 + q * (L10 + q * L11))))))))))
    n = float(k)
    return n * LN2_HI + (2.0 * s * p + (n * LN2_LO + c))


HALF_LN2 = 0.34657359027997264
M0, M1, M2, M3, M4, M5, M6, M7, M8, M9, M10, M11, M12, M13 = (1.0 / math.factorial(n + 1) for n in range(14))


@_njit(fastmath={"contract"}, error_model="numpy")
def expm1_nonpositive(x):
    """e^x - 1 for x <= 0 without a library call: the Taylor series x (1 + x/2 + ... + x^13/14!)
    where |x| <= ln2/2 (0.347^13/14! < 2e-17), else exp_nonpositive(x) - 1, which is at most
    -0.29 there and so keeps its digits.  Both are computed and one is selected: no branch."""
    v = min(max(x, LOWEST), 0.0)
    series = v * (M0 + v * (M1 + v * (M2 + v * (M3 + v * (M4 + v * (M5 + v * (M6 + v * (M7 + v * (M8 + v * (
        M9 + v * (M10 + v * (M11 + v * (M12 + v * M13)))))))))))))
    shifted = exp_nonpositive(v) - 1.0
    return series if v > -HALF_LN2 else shifted


@_njit(fastmath={"arcp"}, error_model="numpy")  # a flag it must have (inert: no division): with none it took a reassoc caller's,
def difference(a, b):  # difference(x s, y s) became (x - y) s; contract fused x s into it (an FMA) (tests/test_campaign_findings.py)
    """a - b in float64 (exact for two float32 values), for a logit and its row maximum: the
    kernels write a loss in these differences (kernels/shift.py), and this one rounding is kept
    apart from the sum around it, which the kernels' ``reassoc`` flag would otherwise let LLVM
    regroup into m + ... - z, a difference of two numbers the size of the logits."""
    return np.float64(a) - np.float64(b)


@_njit(fastmath={"arcp"}, error_model="numpy")  # as ``difference``
def difference_f32(a, b):
    """``difference`` in float32, for a float32 class pass."""
    return a - b


@_njit(fastmath={"contract"}, error_model="numpy")  # not inlined by Numba: keeps its own flags (no reassociation)
def scaled(value, scale):
    """A gradient entry times the reduction's scale (1/N for a mean), the entry rounded first.  Under
    the kernels' ``reassoc`` flag LLVM moved the scale into the gradient's numerator of BCE in
    probabilities, (scale (y - t)) / (y (1 - y)), which underflows where the entry does not: at
    y = 5e-324, t = 0 the gradient came out 0 instead of 1/N.  Apart, the product keeps its place
    and the rest of the kernel keeps the flag.  A flag it must have: a function compiled with none
    took the kernel's (the product regrouped as before); with ``contract`` alone (inert on a product
    nothing adds to) it did not."""
    return value * scale


@_njit(inline="always")
def xlogy(x, y):
    """x log y with 0 log 0 = 0."""
    return 0.0 if x == 0.0 else x * math.log(y)


# ----- float32: the same two functions in single precision, so a float32 loop runs 8 lanes wide -----
F32 = np.float32
LOG2E_F32 = F32(LOG2E)
LN2_HI_F32 = F32(0.693145751953125)  # ln 2 with 12 trailing zero bits: n * LN2_HI_F32 is exact
LN2_LO_F32 = F32(0.6931471805599453 - 0.693145751953125)
LOWEST_F32 = F32(-160 * 0.6931471805599453)  # e^x is 0 in float32 below -150 ln 2; 2**-160 rounds to 0, not up
ROUNDER_F32 = F32(12582912.0)  # 1.5 * 2**23
ROUNDER_BITS_F32 = 0x4B400000
E0, E1, E2, E3, E4, E5, E6, E7 = (F32(1.0 / math.factorial(n)) for n in range(8))  # |r| <= ln2/2: 5e-9
B0, B1, B2, B3, B4, B5, B6, B7 = (F32(1.0 / (2 * n + 1)) for n in range(8))  # (1/9)^8/17 < 2e-9
ZERO_F32, TWO_F32 = F32(0.0), F32(2.0)


_bits_as_float32 = _bitcast(types.int32, types.float32, ir.FloatType())
_float32_bits = _bitcast(types.float32, types.int32, ir.IntType(32))


@_njit(fastmath={"contract"}, error_model="numpy")
def _exp_f32(x, err):
    """e^(x + err) for float32 x <= 0 and |err| a rounding error of x: the reduction of
    ``exp_nonpositive`` in float32, err joining the reduced argument, a degree-7 polynomial, 2**n
    from bits."""
    v = min(max(x, LOWEST_F32), ZERO_F32)
    t = v * LOG2E_F32 + ROUNDER_F32
    n = t - ROUNDER_F32
    r = ((v - n * LN2_HI_F32) - n * LN2_LO_F32) + err
    p = E0 + r * (E1 + r * (E2 + r * (E3 + r * (E4 + r * (E5 + r * (E6 + r * E7))))))
    k = _float32_bits(t) - numba.int32(ROUNDER_BITS_F32)  # -160 <= n <= 0
    half = k >> 1
    return (p * _bits_as_float32((half + numba.int32(127)) << 23)) * _bits_as_float32((k - half + numba.int32(127)) << 23)


@_njit(fastmath={"contract"}, error_model="numpy")
def exp_nonpositive_f32(x):
    """``exp_nonpositive`` in float32."""
    return _exp_f32(x, ZERO_F32)


@_njit(fastmath={"contract"}, error_model="numpy")
def log1p_unit_f32(u):
    """``log1p_unit`` in float32: 2 atanh(u / (2 + u)), the series to s^15."""
    s = u / (TWO_F32 + u)
    q = s * s
    p = B0 + q * (B1 + q * (B2 + q * (B3 + q * (B4 + q * (B5 + q * (B6 + q * B7))))))
    return TWO_F32 * s * p


@_njit(fastmath={"contract"}, error_model="numpy")
def exp_difference_f32(a, b):
    """e^(a - b) for float32 a <= b, in float32: a - b rounded, and its rounding error (TwoSum,
    exact) added to the reduced argument, so the result is as accurate for a - b = -80 as for
    -0.5 (an exp of the rounded difference would be off by |a - b| float32 ulps)."""
    d = a - b
    back = d - a
    err = (a - (d - back)) + (-b - back)
    # Past float32's range (2e38 - -2e38) d is -inf and err NaN: e^d is 0 whatever err was.
    return _exp_f32(d, err if d > LOWEST_F32 else ZERO_F32)
