"""The Python entry points: build, look up and list derivations and rules."""
from __future__ import annotations

import sympy as sp

from . import derivations
from .catalogue import Rule, load_catalogue
from .steps import Derivation

ROUTES = ("categorical", "bernoulli")


def cross_entropy(batch: bool = True, classes: int | None = None,
                  likelihood: sp.Basic | None = None) -> Derivation:
    """Cross-entropy derived from a categorical likelihood.

    ``batch``: N samples (series eq. 1) or one sample ((4.1)-(4.3)); ``classes``: a concrete K
    instead of the general one; ``likelihood``: the right side of ``L = ...`` for a model of your
    own (taken as given, so its first step is marked not verified).
    """
    if classes is not None and (not isinstance(classes, int) or isinstance(classes, bool) or classes < 2):
        raise ValueError(f"classes must be an integer of at least 2, not {classes!r}")
    if likelihood is not None and not isinstance(likelihood, sp.Basic):
        raise TypeError("likelihood must be a SymPy expression (the right side of L = ...)")
    if batch:
        return derivations.ce(classes=classes, likelihood=likelihood)
    return derivations.ce_one_sample(classes=classes, likelihood=likelihood)


def binary_cross_entropy(route: str = "categorical") -> Derivation:
    """Binary cross-entropy from the two-class categorical model ((7.1)-(7.4)) or from Bernoulli."""
    if route not in ROUTES:
        raise ValueError(f"route must be one of {', '.join(ROUTES)}, not {route!r}")
    return get("bce" if route == "categorical" else "bce-bernoulli")


def get(name: str) -> Derivation:
    """A built-in derivation by its stable name (see :func:`names`)."""
    return derivations.get(name)


def names() -> tuple[str, ...]:
    return derivations.names()


def rules() -> list[Rule]:
    """The whole rule catalogue, in catalogue order."""
    return list(load_catalogue().values())
