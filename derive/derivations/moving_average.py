"""The exponential moving average of a model's weights (series article 004), derived: the
recurrence unrolled by induction, the bias correction that makes a constant sequence exact, and a
worked example with numbers."""
from __future__ import annotations

from typing import Sequence

import sympy as sp

from .. import conventions as c
from ..models import MOVING_AVERAGE
from ..steps import Derivation
from ..strategies import apply, chain, continue_from, exhaust, run
from . import registry
from .titles import TITLES


def ema() -> Derivation:
    """v_t = β v_{t-1} + (1 − β) θ_t unrolled: v_t = β^t v_0 + (1 − β) Σ_{i=1}^{t} β^{t−i} θ_i."""
    strategy = chain(
        apply("ema_definition"),
        apply("unroll_linear_recurrence"),
        exhaust("constant_factors"),
    )
    return run("ema", TITLES["ema"], strategy, MOVING_AVERAGE)


def ema_bias_correction() -> Derivation:
    """From v_0 = 0 the weights of the θ_i sum to 1 − β^t; dividing by it makes a constant sequence exact."""
    strategy = chain(
        continue_from(registry.get("ema"), MOVING_AVERAGE),
        apply("ema_starts_at_zero"),
        apply("bias_correction"),
        apply("constant_sequence"),
        exhaust("constant_factors"),
        apply("geometric_sum"),
    )
    return run("ema-bias-correction", TITLES["ema-bias-correction"], strategy, MOVING_AVERAGE)


EXAMPLE_BETA = "0.9"
EXAMPLE_WEIGHTS = ("1", "2", "3")  # three steps of one weight


def ema_example(beta: str = EXAMPLE_BETA, weights: Sequence[str] = EXAMPLE_WEIGHTS) -> Derivation:
    """The unrolled average at t = len(weights) steps from v_0 = 0, with β and the θ_i as numbers,
    then corrected: each number put in by a verified step."""
    steps = len(weights)
    values = {c.beta: sp.Rational(beta), **{c.theta[n]: sp.Rational(w) for n, w in enumerate(weights, start=1)}}
    strategy = chain(
        continue_from(registry.get("ema"), MOVING_AVERAGE),
        apply("ema_starts_at_zero"),
        apply("bias_correction"),
        apply("substitute_values", values={c.time: sp.Integer(steps)}, evaluated=True),
        apply("expand_finite_sum"),
        apply("substitute_values", values=values),
        apply("arithmetic_identities"),
        apply("numeric_value"),
    )
    name = "ema-example" if (beta, tuple(weights)) == (EXAMPLE_BETA, EXAMPLE_WEIGHTS) else f"ema-example-{beta}"
    return run(name, TITLES["ema-example"], strategy, MOVING_AVERAGE)
