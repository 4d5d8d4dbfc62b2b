"""Shared fixtures: the conventions' symbols and textbook formulas written independently in SymPy."""
from __future__ import annotations

import os
import tempfile

import sympy as sp

# Kernels are generated into a cache of this test session's own (never the user's ~/.cache).
os.environ.setdefault("DERIVE_CACHE_DIR", tempfile.mkdtemp(prefix="derive-test-cache-"))

from derive import conventions as c


def same_value(a: sp.Basic, b: sp.Basic, sizes: dict) -> bool:
    """Equal once sizes are concrete and sums written out (a second opinion for the tests)."""
    difference = (a - b).xreplace(sizes).doit()
    return sp.simplify(sp.expand_log(difference, force=True)) == 0


TEXTBOOK = {
    "ce-one-sample": -sp.Sum(c.t[c.k] * sp.log(c.y[c.k]), (c.k, 1, c.K)),
    "ce": -sp.Sum(c.t[c.i, c.k] * sp.log(c.y[c.i, c.k]), (c.k, 1, c.K), (c.i, 1, c.N)) / c.N,
    "bce": -sp.Sum(c.t[c.i] * sp.log(c.y[c.i]) + (1 - c.t[c.i]) * sp.log(1 - c.y[c.i]), (c.i, 1, c.N)) / c.N,
    "bce-bernoulli": -sp.Sum(c.t[c.i] * sp.log(c.y[c.i]) + (1 - c.t[c.i]) * sp.log(1 - c.y[c.i]), (c.i, 1, c.N)) / c.N,
    "ce-dice-example": -sp.log(c.y[1]),
    "bce-titanic-survived": -sp.log(sp.Rational(51, 100)),
    "bce-titanic-died": -sp.log(sp.Rational(44, 100)),
}
