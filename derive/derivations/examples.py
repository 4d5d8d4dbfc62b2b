"""The seeds' worked numbers: one throw of a die, and two Titanic passengers."""
from __future__ import annotations

import sympy as sp

from .. import conventions as c
from ..models import categorical
from ..steps import Derivation
from ..strategies import apply, chain, run
from .losses import DICE_FACES, _bce_up_to_7_1, _log_likelihood
from .titles import TITLES


def _titanic(name: str, labels: tuple[int, int], predictions: tuple[str, str]) -> Derivation:
    values = {c.t[1]: sp.Integer(labels[0]), c.t[2]: sp.Integer(labels[1]),
              c.y[1]: sp.Rational(predictions[0]), c.y[2]: sp.Rational(predictions[1])}
    strategy = chain(
        _bce_up_to_7_1(),
        apply("substitute_values", values=values),
        apply("arithmetic_identities"),
        apply("numeric_value"),
    )
    return run(name, TITLES[name], strategy, categorical(2))


def bce_titanic_survived() -> Derivation:
    return _titanic("bce-titanic-survived", (1, 0), ("0.51", "0.49"))


def bce_titanic_died() -> Derivation:
    return _titanic("bce-titanic-died", (0, 1), ("0.56", "0.44"))


def ce_dice_example() -> Derivation:
    """Series article 002: one throw of the die showing 1, so t = (1, 0, 0, 0, 0, 0)."""
    values = {c.t[j]: sp.Integer(int(j == 1)) for j in range(1, DICE_FACES + 1)}
    strategy = chain(
        _log_likelihood("categorical_likelihood", None, tag="4.1", K=DICE_FACES),
        apply("cross_entropy_definition"),
        apply("expand_finite_sum"),
        apply("substitute_values", values=values),
        apply("arithmetic_identities"),
    )
    return run("ce-dice-example", TITLES["ce-dice-example"], strategy, categorical(DICE_FACES))
