"""Side conditions of rules, parsed from the catalogue's plain-text form; a form outside this
vocabulary makes the catalogue refuse to load, naming the rule.

On the matched wilds (checked at every match): ``a > 0``, ``a >= 0``, ``a != 0``, ``a != 1``,
``a real``, ``a integer``, ``n concrete``, ``c independent of j``, ``b not the number 1`` (or 0), ``the limit of f as u -> a is positive``.
A restriction (``a != 0 (not at the kink)``): where the result holds, stated and never proved.
On the model (checked at every match against the model's facts and link): one-hot or binary
labels, probabilities summing to one, ``K = 2``, ``y = softmax(z)``.
Declared by the conventions (sizes are positive integers, predictions lie in (0, 1), indices in
range, the arrays' shapes) and statements the rule's own operation checks (a limit exists, the
chain rule's functions, no other rule applies, samples independent through the premise check):
recognised, shown to readers, and true wherever the rule can be applied.
"""
from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass
from typing import AbstractSet, Mapping, Protocol

import sympy as sp

from . import conventions as c
from .errors import CatalogueError

_ON_WILDS: tuple[tuple[str, str], ...] = (
    (r"^(\w+)\s*>\s*0$", "positive"),
    (r"^(\w+)\s*>=\s*0$", "nonnegative"),
    (r"^(\w+)\s*!=\s*0$", "nonzero"),
    (r"^(\w+)\s*!=\s*1$", "not_one"),
    (r"^(\w+) real$", "real"),
    (r"^(\w+) integer$", "integer"),
    (r"^(\w+) concrete$", "concrete"),
    (r"^(\w+) independent of (\w+)$", "independent"),
    (r"^(\w+) not the number 1$", "not_number_one"),
    (r"^(\w+) not the number 0$", "not_number_zero"),
    (r"^the limit of (\w+) as (\w+) -> (\w+) is positive$", "limit_positive"),
)
_FACTS: dict[str, str] = {  # statement -> the model fact it needs
    "t one-hot": "one_hot_labels", "t_i one-hot": "one_hot_labels", "labels sum to one": "labels_sum_to_one",
    "probabilities sum to one": "probabilities_sum_to_one", "sum_k y_k = 1": "probabilities_sum_to_one",
    "sum_k y_ik = 1": "probabilities_sum_to_one", "t_i in {0, 1}": "binary_labels",
}
_LINKS: dict[str, str] = {"y = softmax(z)": "softmax", "Y = softmax(XW) row by row": "softmax"}
_CLASSES = re.compile(r"^K = (\d+)$")
# Where a result holds, stated with it and never proved: the derivative of max(a, 0) exists only
# away from its kink a = 0 (a step using it holds there; the checker reports it as a restriction).
RESTRICTIONS = frozenset({"a != 0 (not at the kink)"})
_DECLARED = {  # true by the conventions of every model, or checked by the rule's own operation
    "m real",  # m, the largest of real logits
    "y_k > 0", "y_ik > 0", "0 < y_i < 1", "1 <= i <= N", "samples independent",
    "y a column vector of length K", "t, y row vectors of length K", "log applied elementwise",
    "X is N x D, W is D x K", "T, Y are N x K, one sample per row", "the gradient has the shape of Z (N x K)",
    "the limit exists", "f one of log, exp, sigma", "g differentiable",
    "no rule of the catalogue applies",
}


@dataclass(frozen=True)
class Condition:
    """One side condition: on the wilds of a match (``predicate``), on the model (``fact``,
    ``link``, ``classes``), or declared (all None: true wherever the rule applies)."""

    text: str
    predicate: str | None = None
    subject: str | None = None
    other: str | None = None
    point: str | None = None  # ``limit_positive``: the wild the limit is taken at
    fact: str | None = None
    link: str | None = None
    classes: int | None = None
    restriction: bool = False  # a restriction the result carries (RESTRICTIONS), not a truth checked at the match


def parse_condition(text: str, wild_names: frozenset[str], rule: str = "?", operation: str = "rewrite") -> Condition:
    """The condition ``text`` of ``rule``, or :class:`CatalogueError` naming both.  A rule applied
    by an operation of its own (not a rewrite) may state a condition on what that operation
    matches (``n concrete``): the operation checks it."""
    for form, predicate in _ON_WILDS:
        match = re.match(form, text)
        if match and match.group(1) not in wild_names and operation != "rewrite":
            return Condition(text)
        if match and match.group(1) in wild_names:
            other = match.group(2) if match.re.groups > 1 else None
            point = match.group(3) if match.re.groups > 2 else None
            for name in (other, point):
                if name is not None and name not in wild_names:
                    raise CatalogueError(f"rule {rule!r}: condition {text!r} names {name!r}, which is not a wild of the rule")
            return Condition(text, predicate, match.group(1), other, point)
    declared = _declared_by_conventions(text)
    if declared is not None:
        return declared
    if text in _FACTS:
        return Condition(text, fact=_FACTS[text])
    if text in _LINKS:
        return Condition(text, link=_LINKS[text])
    classes = _CLASSES.match(text)
    if classes:
        return Condition(text, classes=int(classes.group(1)))
    if text in _DECLARED:
        return Condition(text)
    if text in RESTRICTIONS:
        return Condition(text, restriction=True)
    raise CatalogueError(f"rule {rule!r}: condition {text!r} is not one the engine can check; on the rule's "
                         f"wilds {sorted(wild_names)} write 'a > 0', 'a >= 0', 'a != 0', 'a != 1', 'a real', "
                         "'a integer', 'n concrete', 'c independent of j', 'b not the number 1' or 'b not the number 0'; on the model: "
                         f"{', '.join(repr(t) for t in (*_FACTS, *_LINKS, 'K = 2'))}")


def _declared_by_conventions(text: str) -> Condition | None:
    """``z real`` or ``N > 0`` of an array or size the conventions declare so (checked here, at
    load, against their SymPy assumptions)."""
    match = re.match(r"^(\w+) real$|^(\w+)\s*>\s*0$", text)
    if match is None:
        return None
    name = match.group(1) or match.group(2)
    declared = c.NAMES.get(name)
    if declared is None:
        return None
    assumption = "is_real" if match.group(1) else "is_positive"
    holder = declared.label if isinstance(declared, sp.IndexedBase) else declared
    return Condition(text) if getattr(holder, assumption) else None


class Domain(Hashable, Protocol):
    """What a model knows that conditions ask: positivity, what depends on what, its facts, the
    ranges of indices; read only, and hashable (rules are matched once per rule, part and model)."""

    @property
    def facts(self) -> AbstractSet[str]: ...

    @property
    def link(self) -> str | None: ...

    @property
    def classes(self) -> int | None: ...

    def is_positive(self, expr: sp.Basic) -> bool: ...

    def is_nonnegative(self, expr: sp.Basic) -> bool: ...

    def is_real(self, expr: sp.Basic) -> bool: ...

    def depends_on(self, expr: sp.Basic, variable: sp.Basic) -> bool: ...

    def range_of(self, index: sp.Symbol, expr: sp.Basic) -> sp.Basic: ...

    @property
    def least_sizes(self) -> tuple: ...


_PREDICATES = {
    "positive": lambda value, domain: domain.is_positive(value),
    "nonnegative": lambda value, domain: domain.is_nonnegative(value),
    "nonzero": lambda value, domain: bool(value.is_nonzero) or domain.is_positive(value),
    "not_one": lambda value, domain: sp.simplify(value - 1).is_zero is False,
    "real": lambda value, domain: domain.is_real(value),
    "integer": lambda value, domain: bool(value.is_integer),
    "concrete": lambda value, domain: bool(value.is_Integer),
    "not_number_one": lambda value, domain: value != sp.S.One,  # a power a^b, not a itself (which matches with b = 1)
    "not_number_zero": lambda value, domain: value != sp.S.Zero,  # a weighted sum of two terms, not one term alone (b = 0)
}


def holds(condition: Condition, binding: Mapping[str, sp.Basic], domain: Domain) -> bool:
    """Whether ``condition`` holds for the matched subexpressions in ``binding``, in ``domain``."""
    if condition.fact is not None:
        return condition.fact in domain.facts
    if condition.link is not None:
        return domain.link == condition.link
    if condition.classes is not None:
        return domain.classes == condition.classes
    if condition.predicate is None:
        return True
    assert condition.subject is not None  # for mypy: a predicate is always stated of a wild
    value = binding.get(condition.subject)
    if value is None:
        return True
    if condition.predicate == "independent":
        assert condition.other is not None  # for mypy: "a independent of b" names both
        variable = binding.get(condition.other)
        return variable is None or not domain.depends_on(value, variable)
    if condition.predicate == "limit_positive":
        assert condition.other is not None and condition.point is not None  # for mypy: the form names both
        limit = sp.limit(value, binding[condition.other], binding[condition.point])
        return bool(limit.is_positive) or domain.is_positive(limit)
    return _PREDICATES[condition.predicate](value, domain)
