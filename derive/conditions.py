"""Side conditions of rules, parsed from the catalogue's plain-text form and checked on a match.

Recognised forms: ``a > 0``, ``a != 1``, ``a real``, ``a integer``, ``n concrete`` and
``c independent of j``.  Any other text is a condition on the model (``t one-hot``) that the
rule's ``requires`` list or its premise check stands for; it is shown to readers but not matched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Protocol

import sympy as sp

_FORMS: tuple[tuple[str, str], ...] = (
    (r"^(\w+) > 0$", "positive"),
    (r"^(\w+) != 1$", "not_one"),
    (r"^(\w+) real$", "real"),
    (r"^(\w+) integer$", "integer"),
    (r"^(\w+) concrete$", "concrete"),
    (r"^(\w+) independent of (\w+)$", "independent"),
)


@dataclass(frozen=True)
class Condition:
    """One side condition on the wilds of a rule."""

    text: str
    predicate: str | None  # None: a statement about the model, not checked on a match
    subject: str | None = None
    other: str | None = None


def parse_condition(text: str, wild_names: frozenset[str]) -> Condition:
    for form, predicate in _FORMS:
        m = re.match(form, text)
        if m and m.group(1) in wild_names:
            other = m.group(2) if m.re.groups > 1 else None
            return Condition(text, predicate, m.group(1), other)
    return Condition(text, None)


class Domain(Protocol):
    """What a model knows that conditions ask: positivity, and what depends on what."""

    def is_positive(self, expr: sp.Basic) -> bool: ...

    def depends_on(self, expr: sp.Basic, variable: sp.Basic) -> bool: ...


def holds(condition: Condition, binding: Mapping[str, sp.Basic], domain: Domain) -> bool:
    """Whether ``condition`` holds for the matched subexpressions in ``binding``."""
    if condition.predicate is None:
        return True
    value = binding.get(condition.subject)
    if value is None:
        return True
    if condition.predicate == "positive":
        return domain.is_positive(value)
    if condition.predicate == "not_one":
        return sp.simplify(value - 1).is_zero is False
    if condition.predicate == "real":
        return bool(value.is_real)
    if condition.predicate == "integer":
        return bool(value.is_integer)
    if condition.predicate == "concrete":
        return value.is_Integer
    if condition.predicate == "independent":
        variable = binding.get(condition.other)
        return variable is None or not domain.depends_on(value, variable)
    raise AssertionError(condition.predicate)
