"""The maximum-likelihood estimate of a die's probabilities (the supplement series article 002
promises), by a Lagrange multiplier: the estimate is each face's share of the throws, the
log-likelihood is concave so it is the maximum, a coin is the case of two faces, and the
estimate from counts of a die thrown n times."""
from __future__ import annotations

from typing import Sequence

import sympy as sp

from .. import conventions as c
from ..models import counts_model
from ..steps import CheckKind, Derivation
from ..strategies import apply, chain, continue_from, differentiate, exhaust, recall, run
from . import registry
from .titles import TITLES


def dice_mle(classes: int | None = None) -> Derivation:
    """ŷ_j = n_j / n from L = ∏_k y_k^{n_k} subject to Σ_k y_k = 1, with the second-order condition."""
    model = counts_model(classes)
    strategy = chain(
        apply("counts_likelihood", **({"K": classes} if classes else {})),
        apply("take_logarithm"),
        exhaust("log_rules"),
        apply("lagrangian"),
        differentiate(c.y[c.j]),
        apply("algebraic_simplification", required=False),
        differentiate(c.y[c.m]),
        apply("algebraic_simplification", required=False),
        apply("concave_log_likelihood"),
        recall(lambda step: isinstance(step.lhs, sp.Derivative) and len(step.lhs.variables) == 1
               and step.check.how != CheckKind.DIFFERENTIATED),
        apply("stationary_point"),
        apply("eliminate_multiplier"),
        apply("name_total"),
    )
    name = "dice-mle" if classes is None else f"dice-mle-{classes}"
    return run(name, TITLES["dice-mle"], strategy, model)


def bernoulli_mle() -> Derivation:
    """A coin is a die with two faces: p̂ = ŷ_1 = n_1/n, the number of successes over n."""
    strategy = chain(
        continue_from(registry.get("dice-mle"), counts_model(2)),
        apply("substitute_values", values={c.j: sp.Integer(1)}, evaluated=True),
        apply("two_outcomes"),
    )
    return run("bernoulli-mle", TITLES["bernoulli-mle"], strategy, counts_model(2))


EXAMPLE_COUNTS = ("3", "4", "2", "5", "4", "2")  # a die thrown 20 times


def dice_mle_example(counts: Sequence[str] = EXAMPLE_COUNTS, face: int = 1) -> Derivation:
    """The estimate for one face of a die thrown n = Σ n_k times with the given counts."""
    values = {c.counts[face]: sp.Integer(counts[face - 1]), c.total: sp.Integer(sum(int(n) for n in counts))}
    strategy = chain(
        continue_from(registry.get("dice-mle"), counts_model(len(counts))),
        apply("substitute_values", values={c.j: sp.Integer(face)}, evaluated=True),
        apply("substitute_values", values=values, evaluated=True),
        apply("numeric_value"),
    )
    name = "dice-mle-example" if (tuple(counts), face) == (EXAMPLE_COUNTS, 1) else f"dice-mle-example-{face}"
    return run(name, TITLES["dice-mle-example"], strategy, counts_model(len(counts)))
