"""Small numeric primitives the generated kernels call: an exp for non-positive arguments that
the compiler can vectorise, and ``xlogy``.  Hand-checked (tests/test_kernels.py measures the exp
against mpmath over its whole range: below 2e-16 relative, subnormal results included)."""
from __future__ import annotations

import math

import numba
import numpy as np

LOG2E = 1.4426950408889634
LN2_HI = 0.6931471803691238  # ln 2 split in two for an exact reduction x - n ln 2
LN2_LO = 1.9082149292705877e-10
LOWEST = -1100 * 0.6931471805599453  # below this e^x is 0 in float64
POW2 = np.array([2.0 ** (n + 100) for n in range(-1100, 1)])  # 2**(n + 100): normal numbers
UNSCALE = 2.0**-100  # the last multiply rounds once into the subnormal range
C = [1.0 / math.factorial(n) for n in range(14)]  # Taylor to degree 13: |r| <= ln2/2 gives 4e-18
C0, C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13 = C


@numba.njit(fastmath={"contract"}, cache=True)  # not inlined by Numba: keeps its own flags (no reassociation)
def exp_nonpositive(x):
    """e^x for x <= 0 (x is clamped to 0 from above): n = round(x / ln 2), r = x - n ln 2,
    e^r by its Taylor polynomial, times 2**n from a table (a gather, which vectorises), scaled in
    two multiplies so results down to the smallest subnormal round correctly."""
    v = min(max(x, LOWEST), 0.0)
    n = math.floor(v * LOG2E + 0.5)
    r = (v - n * LN2_HI) - n * LN2_LO
    p = C0 + r * (C1 + r * (C2 + r * (C3 + r * (C4 + r * (C5 + r * (C6 + r * (C7 + r * (C8 + r * (
        C9 + r * (C10 + r * (C11 + r * (C12 + r * C13))))))))))))
    return (p * POW2[numba.int32(n) + 1100]) * UNSCALE


ATANH = [1.0 / (2 * n + 1) for n in range(20)]  # 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...)
A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15, A16, A17, A18, A19 = ATANH


@numba.njit(fastmath={"contract"}, cache=True)  # not inlined by Numba: keeps its own flags (no reassociation)
def log1p_unit(u):
    """log(1 + u) for 0 <= u <= 1 without a library call, so a loop around it vectorises:
    log(1 + u) = 2 atanh(s) with s = u / (2 + u) <= 1/3, the series to s^39 (3^-39/39 < 1e-20)."""
    s = u / (2.0 + u)
    q = s * s
    p = A0 + q * (A1 + q * (A2 + q * (A3 + q * (A4 + q * (A5 + q * (A6 + q * (A7 + q * (A8 + q * (A9 + q * (
        A10 + q * (A11 + q * (A12 + q * (A13 + q * (A14 + q * (A15 + q * (A16 + q * (A17 + q * (A18 + q * A19))))))))))))))))))
    return 2.0 * s * p


@numba.njit(inline="always", cache=True)
def xlogy(x, y):
    """x log y with 0 log 0 = 0."""
    return 0.0 if x == 0.0 else x * math.log(y)
