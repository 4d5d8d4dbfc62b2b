"""Derivations and the catalogue as JSON, the contract other tools read.

``lhs``/``rhs`` are ``sympy.srepr`` strings that SymPy alone rebuilds; ``verified`` is
``"symbolic"``, ``"numeric"`` or ``"no"``.
"""
from __future__ import annotations

from typing import Iterable

from .srepr import srepr

from ..catalogue import Rule
from ..series_notes import line_notes, series_note
from ..steps import Derivation, Step
from .justifications import justification, line_words
from .latex_expr import latex_equation
from .reports import document


def _step(step: Step, previous, lang: str) -> dict:
    verification = step.verification
    return {
        "rule": step.rule,
        "kind": step.kind,
        "justification": justification(step, previous, lang) if step.rule != "given" else "",
        "lhs": srepr(step.lhs),
        "rhs": srepr(step.rhs),
        "latex": latex_equation(step.lhs, step.rhs),
        "verified": verification.method,
        "tag": step.tag,
        "location": list(step.location),
        "checked_at_sizes": [dict(s) for s in verification.sizes],
        "for_every_size": verification.method == "symbolic" and not verification.sizes,
        "proved_by_rule": verification.proved_by or None,
        "random_points": verification.points,
    }


def _line(derivation: Derivation, line, lang: str) -> dict:
    """A blackboard line: the steps it covers (numbered from 1, both ends included), its words,
    its equation, and how it was checked (by its steps; ``end_to_end_points``: its two ends)."""
    steps = len(line.span)
    return {
        "steps": [line.first + 1, line.last + 1],
        "role": line.role,
        "justification": line_words(derivation, line, lang),
        "lhs": srepr(line.equation.lhs),
        "rhs": srepr(line.equation.rhs),
        "latex": latex_equation(line.equation.lhs, line.equation.rhs),
        "verified": line.verification.method,
        "end_to_end_points": line.verification.points if steps > 1 else 0,
        "series_notes": line_notes(derivation, line.first, line.last, lang),
    }


def derivation_dict(derivation: Derivation, lang: str = "en") -> dict:
    result = derivation.result
    return {
        "name": derivation.name,
        "title": derivation.title[lang],
        "steps": [{**_step(step, derivation.steps[n - 1].equation if n else None, lang),
                   "series_note": series_note(derivation, n, lang)}
                  for n, step in enumerate(derivation.steps)],
        "lines": [_line(derivation, line, lang) for line in derivation.lines],
        "result": {"lhs": srepr(result.lhs), "rhs": srepr(result.rhs),
                   "latex": latex_equation(result.lhs, result.rhs)},
        "cross_checks": [{"method": check.method, "points": check.points, "max_relative_error": check.max_error,
                          "sizes": list(check.sizes)} for check in derivation.cross_checks],
    }


def derivations_json(derivations: Iterable[Derivation], lang: str = "en") -> str:
    return document("derivations", derivations=[derivation_dict(d, lang) for d in derivations])


def rules_json(rules: Iterable[Rule], lang: str = "en") -> str:
    return document("rules", rules=[{
        "name": rule.name,
        "topic": rule.topic,
        "kind": rule.kind,
        "statement": rule.statement,
        "conditions": [c.text for c in rule.conditions],
        "justification": {language: text for language, text in rule.justification.items()},
    } for rule in rules])
