"""Derivations and the rule catalogue as plain text for the terminal (Unicode equations)."""
from __future__ import annotations

import unicodedata
from typing import Iterable

from ..catalogue import Rule
from ..languages import language
from ..series_notes import line_notes
from ..steps import Derivation, Step
from .derivation_printer import DerivationPrinter, Row
from .inline_math import unicode_words
from .justifications import justification, line_words
from .named_form import named_result
from .series_printer import rounded
from .unicode import unicode
from .words import line_verification_text, phrase, verification_text


class TextPrinter(DerivationPrinter):
    """A derivation for the terminal: each row its equation in Unicode, the words that justify it,
    how it was verified and any series note; then the result and the cross-checks."""

    separator = "\n\n"

    def _print_Derivation(self, derivation: Derivation) -> str:
        lang = self.lang
        lines = [f"{derivation.name}: {unicode_words(derivation.title[lang])}", ""]  # an identifier, then its title
        lines += [self._print(item, row=row) for item, row in self.rows(derivation)]
        if self.shows_lines(derivation):
            lines += ["", phrase(lang, "full_trail")]
        lines += ["", language(lang).labelled(phrase(lang, "result"), result_text(derivation))]
        named = named_result(derivation, lang)
        if named is not None:  # the result with what it uses twice named once, as a textbook writes it
            head = language(lang).labelled(phrase(lang, "result"), unicode(derivation.result.lhs))
            lines.append(" " * (columns(head) + 1) + named)  # its = under the result's
        for check in derivation.cross_checks:
            lines.append(phrase(lang, "cross_check", method=check.method, points=check.points, error=check.max_error))
        return "\n".join(lines)

    def _print_Step(self, step: Step, row: Row) -> str:
        lang = self.lang
        tag = f"   ({step.tag})" if step.tag and self._settings["tags"] != "none" else ""
        words = justification(step, row.previous, lang, unicode_names=True) if step.rule != "given" else ""
        by = language(lang).aside(f"{phrase(lang, 'by')} {step.rule}", phrase(lang, step.kind))
        by = language(lang).labelled(by, words) if words else by
        return self._numbered(row, f"{unicode(step.lhs)} {relation(step.rhs)} {unicode(step.rhs)}{tag}", by,
                              verification_text(step.verification, lang))

    def _print_Line(self, line, row: Row) -> str:
        lang = self.lang
        steps = row.derivation.steps[line.first:line.last + 1]
        tag = f"   ({row.own_tag})" if row.own_tag and self._settings["tags"] != "none" else ""
        return self._numbered(row, f"{unicode(line.equation.lhs)} {relation(line.equation.rhs)} {unicode(line.equation.rhs)}{tag}",
                              language(lang).labelled(_span(line, lang), line_words(row.derivation, line, lang, True)),
                              line_verification_text(line.verification, steps, lang))

    def _numbered(self, row: Row, equation: str, *below: str) -> str:
        """The row's number and equation, then what is said below it and any series notes, indented."""
        width = len(str(row.count))
        notes = [language(self.lang).labelled(phrase(self.lang, "series_note"), unicode_words(note))
                 for note in line_notes(row.derivation, row.first, row.last, self.lang)]
        indent = " " * (width + 2)
        return "\n".join([f"{row.number:>{width}}. {equation}", *(indent + words for words in [*below, *notes])])


def relation(rhs) -> str:
    """``≈`` before a worked answer its printing rounds (0.6733 for −log 0.51), as LaTeX's ``\\approx``."""
    return "≈" if rounded(rhs) else "="


def columns(text: str) -> int:
    """The columns ``text`` takes in a terminal: a full-width (East Asian wide) character two, a combining mark none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def result_text(derivation: Derivation) -> str:
    """The result; a rounded worked answer exact first, then ≈ its digits (BCE = −log 0.51 ≈ 0.6733)."""
    result = derivation.result
    if rounded(result.rhs) and len(derivation.steps) > 1 and derivation.steps[-2].lhs == result.lhs \
            and not rounded(derivation.steps[-2].rhs):
        return f"{unicode(result.lhs)} = {unicode(derivation.steps[-2].rhs)} ≈ {unicode(result.rhs)}"
    return f"{unicode(result.lhs)} {relation(result.rhs)} {unicode(result.rhs)}"


def _span(line, lang: str) -> str:
    """``step 3``, ``steps 2–17``, as the language's phrases ``step`` and ``steps`` say."""
    if line.first == line.last:
        return phrase(lang, "step", first=line.first + 1)
    return phrase(lang, "steps", first=line.first + 1, last=line.last + 1)


def derivation_text(derivation: Derivation, lang: str = "en", detail: str = "blackboard") -> str:
    """What ``str(derivation)`` shows (registered in :mod:`derive.extensions`)."""
    return TextPrinter(lang=lang, detail=detail).doprint(derivation)


def rules_text(rules: Iterable[Rule], lang: str = "en") -> str:
    rules = list(rules)
    lines = [phrase(lang, "rules_heading", count=len(rules)), ""]
    for rule in rules:
        conditions = ", ".join(c.text for c in rule.conditions)
        lines.append(f"{rule.name}  [{rule.topic}, {phrase(lang, rule.kind)}]")
        statement = f"    {rule.statement}"
        lines.append(language(lang).aside(statement + "   ", language(lang).labelled(phrase(lang, "conditions"), conditions))
                     if conditions else statement)
        lines.append(f"    {unicode_words(rule.words(lang)['text'])}")
    return "\n".join(lines)
