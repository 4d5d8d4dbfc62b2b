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
from .derivation_printer import DerivationPrinter, Row
from .justifications import justification, line_words
from .latex_expr import latex_equation
from .named_form import named_result_latex
from .reports import document


class JsonPrinter(DerivationPrinter):
    """Every step and every blackboard line, whatever ``detail`` says: a tool picks what it shows."""

    single_document = True

    def _print_list(self, derivations: list) -> str:
        return document("derivations", derivations=[self._print(d) for d in derivations])

    def _print_Derivation(self, derivation: Derivation) -> dict:
        result = derivation.result
        return {
            "name": derivation.name,
            "title": derivation.title[self.lang],
            "steps": [self._print(step, row=row) for step, row in self.step_rows(derivation)],
            "lines": [self._print(line, row=row) for line, row in self.line_rows(derivation)],
            "result": {"lhs": srepr(result.lhs), "rhs": srepr(result.rhs),
                       "latex": latex_equation(result.lhs, result.rhs),
                       "named": named_result_latex(derivation, self.lang)},  # = ..., where p = softmax(z); null where naming saves little
            "cross_checks": [{"method": check.method, "points": check.points, "max_relative_error": check.max_error,
                              "sizes": list(check.sizes)} for check in derivation.cross_checks],
        }

    def _print_Step(self, step: Step, row: Row) -> dict:
        verification = step.verification
        return {
            "rule": step.rule,
            "kind": step.kind,
            "justification": justification(step, row.previous, self.lang) if step.rule != "given" else "",
            "lhs": srepr(step.lhs),
            "rhs": srepr(step.rhs),
            "latex": latex_equation(step.lhs, step.rhs),
            "verified": verification.method,
            "tag": step.tag if self._settings["tags"] != "none" else None,  # the series' tag, unless told none
            "location": list(step.location),
            "checked_at_sizes": [dict(s) for s in verification.sizes],
            "for_every_size": verification.method == "symbolic" and not verification.sizes,
            "proved_by_rule": verification.proved_by or None,
            "random_points": verification.points,
            "series_note": series_note(row.derivation, row.first, self.lang),
        }

    def _print_Line(self, line, row: Row) -> dict:
        """The steps it covers (numbered from 1, both ends included), its words, its equation, and
        how it was checked (by its steps; ``end_to_end_points``: its two ends)."""
        return {
            "steps": [line.first + 1, line.last + 1],
            "role": line.role,
            "justification": line_words(row.derivation, line, self.lang),
            "lhs": srepr(line.equation.lhs),
            "rhs": srepr(line.equation.rhs),
            "latex": latex_equation(line.equation.lhs, line.equation.rhs),
            "verified": line.verification.method,
            "end_to_end_points": line.verification.points if len(line.span) > 1 else 0,
            "series_notes": line_notes(row.derivation, line.first, line.last, self.lang),
        }


def rules_json(rules: Iterable[Rule], lang: str = "en") -> str:
    return document("rules", rules=[{
        "name": rule.name,
        "topic": rule.topic,
        "kind": rule.kind,
        "statement": rule.statement,
        "conditions": [c.text for c in rule.conditions],
        "justification": {language: text for language, text in rule.justification.items()},
    } for rule in rules])
