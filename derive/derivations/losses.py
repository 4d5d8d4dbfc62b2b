"""The losses of the series: cross-entropy and binary cross-entropy from their likelihoods.

Each builder takes the model's parameters (number of classes, a likelihood of the user's own) so a
changed model gives new steps with no new code.  Equation tags are the series' numbers.
"""
from __future__ import annotations

import sympy as sp

from .. import conventions as c
from ..models import BERNOULLI, categorical
from ..steps import Derivation, Equation
from ..strategies import Strategy, apply, chain, exhaust, given, run, use_model
from .titles import TITLES

DICE_FACES = 6


def _premise(rule: str, likelihood: sp.Basic | None, **sizes: int) -> Strategy:
    if likelihood is not None:
        return given(Equation(c.L, likelihood))
    return apply(rule, **sizes)


def _log_likelihood(rule: str, likelihood: sp.Basic | None, tag: str | None = None, **sizes: int) -> Strategy:
    return chain(_premise(rule, likelihood, **sizes), apply("take_logarithm"), exhaust("log_rules", tag=tag))


def ce_one_sample(classes: int | None = None, likelihood: sp.Basic | None = None) -> Derivation:
    """(4.1)-(4.3): one throw of a K-sided die; without ``classes``, the series' die, then any K."""
    faces = classes or DICE_FACES
    strategy = chain(
        _log_likelihood("categorical_likelihood", likelihood, tag="4.1" if classes is None else None, K=faces),
        apply("generalise_class_count", required=False, tag="4.2") if classes is None else chain(),
        apply("cross_entropy_definition", tag="4.3"),
    )
    return run("ce-one-sample", TITLES["ce-one-sample"], strategy, categorical(classes))


def ce(classes: int | None = None, likelihood: sp.Basic | None = None) -> Derivation:
    """Series eq. (1): N independent samples, the mean negative log-likelihood."""
    strategy = chain(
        _log_likelihood("categorical_likelihood_of_samples", likelihood, **({"K": classes} if classes else {})),
        apply("mean_cross_entropy_definition", tag="1"),
    )
    return run("ce", TITLES["ce"], strategy, categorical(classes))


def _bce_up_to_7_1() -> Strategy:
    return chain(
        _log_likelihood("categorical_likelihood", None, K=2),
        apply("expand_finite_sum"),
        apply("binary_cross_entropy_definition", tag="7.1"),
    )


def bce() -> Derivation:
    """(7.1)-(7.4): the categorical model with K = 2, two-class substitution, then N samples."""
    strategy = chain(
        _bce_up_to_7_1(),
        apply("two_class_substitution", tag="7.2"),
        use_model(BERNOULLI),
        apply("drop_subscript", tag="7.3"),
        apply("mean_over_samples", tag="7.4"),
    )
    return run("bce", TITLES["bce"], strategy, categorical(2))


def bce_bernoulli(likelihood: sp.Basic | None = None) -> Derivation:
    """Binary cross-entropy straight from the Bernoulli likelihood of N samples."""
    strategy = chain(
        _log_likelihood("bernoulli_likelihood", likelihood),
        apply("mean_binary_cross_entropy_definition", tag="7.4"),
    )
    return run("bce-bernoulli", TITLES["bce-bernoulli"], strategy, BERNOULLI)


def ce_vector() -> Derivation:
    """Series article 000: the sum as a row vector times a column vector, then the batch as matrices."""
    strategy = chain(
        _log_likelihood("categorical_likelihood", None),
        apply("cross_entropy_definition", tag="4.3"),
        apply("sum_as_dot_product"),
        apply("stack_samples_as_rows"),
    )
    return run("ce-vector", TITLES["ce-vector"], strategy, categorical())
