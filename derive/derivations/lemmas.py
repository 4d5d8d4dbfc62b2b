"""The lemmas other derivations cite: each a derivation of its own from the definitions, every
step verified, and numbered L1, L2, ... in the order listed here.  A catalogue rule that states a
lemma's result names it (``lemma = "sigmoid-derivative"``), and a step applying that rule (or the
chain rule through it) cites the lemma by its label."""
from __future__ import annotations

import sympy as sp

from .. import conventions as c
from ..models import ANY_VALUES, categorical
from ..steps import Derivation
from ..strategies import apply, chain, differentiate, exhaust, run
from .titles import TITLES

LEMMAS = ("log-derivative", "sigmoid-derivative", "softmax-jacobian")


def label(name: str) -> str:
    """``L1`` for the first lemma; a derivation that is not a lemma is cited by its name."""
    return f"L{LEMMAS.index(name) + 1}" if name in LEMMAS else name


def sigmoid_derivative() -> Derivation:
    """σ'(x) = σ(x)(1 − σ(x)) from σ(x) = 1/(1 + e^{−x})."""
    x = sp.Symbol("x", real=True)
    strategy = chain(
        apply("sigmoid_as_exp", at=x),
        differentiate(x),
        apply("sigmoid_derivative_in_sigmoid"),
    )
    return run("sigmoid-derivative", TITLES["sigmoid-derivative"], strategy, ANY_VALUES)


def softmax_jacobian() -> Derivation:
    """∂y_k/∂z_m = y_k(δ_km − y_m) from y_k = e^{z_k} / Σ_l e^{z_l}."""
    strategy = chain(
        apply("softmax_as_exp", at=c.k),
        differentiate(c.z[c.m]),
        apply("split_fraction"),
        exhaust("recognise_links"),
        apply("algebraic_simplification"),
    )
    return run("softmax-jacobian", TITLES["softmax-jacobian"], strategy, categorical().with_link("softmax"))
