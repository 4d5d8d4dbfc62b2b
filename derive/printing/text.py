"""Derivations and the rule catalogue as plain text for the terminal (Unicode equations)."""
from __future__ import annotations

from typing import Iterable

from ..catalogue import Rule
from ..series_notes import line_notes
from ..steps import Derivation
from .inline_math import unicode_words
from .justifications import justification, line_words
from .unicode import unicode
from .words import line_verification_text, phrase, verification_text


def derivation_text(derivation: Derivation, lang: str = "en", detail: str = "blackboard") -> str:
    """The derivation as a lecturer's lines (``blackboard``), or every step (``full``)."""
    lines = [f"{derivation.name}: {_unicode_title(derivation.title[lang])}", ""]
    if detail == "full" or not derivation.lines:
        lines += _steps_text(derivation, lang)
    else:
        lines += _lines_text(derivation, lang)
    result = derivation.result
    lines += ["", f"{phrase(lang, 'result')}: {unicode(result.lhs)} = {unicode(result.rhs)}"]
    for check in derivation.cross_checks:
        lines.append(phrase(lang, "cross_check", method=check.method, points=check.points, error=check.max_error))
    return "\n".join(lines)


def _steps_text(derivation: Derivation, lang: str) -> list[str]:
    lines = []
    width = len(str(len(derivation.steps)))
    previous = None
    for number, step in enumerate(derivation.steps, 1):
        equation = f"{unicode(step.lhs)} = {unicode(step.rhs)}"
        tag = f"   ({step.tag})" if step.tag else ""
        indent = " " * (width + 2)
        words = justification(step, previous, lang, unicode_names=True) if step.rule != "given" else ""
        previous = step.equation
        lines.append(f"{number:>{width}}. {equation}{tag}")
        lines.append(f"{indent}{phrase(lang, 'by')} {step.rule} ({phrase(lang, step.kind)})"
                     + (f": {words}" if words else ""))
        lines.append(f"{indent}{verification_text(step.verification, lang)}")
        lines += [f"{indent}{phrase(lang, 'series_note')}: {note}" for note in map(unicode_words, line_notes(derivation, number - 1, number - 1, lang))]
    return lines


def _lines_text(derivation: Derivation, lang: str) -> list[str]:
    lines = []
    width = len(str(len(derivation.lines)))
    indent = " " * (width + 2)
    for number, line in enumerate(derivation.lines, 1):
        steps = derivation.steps[line.first:line.last + 1]
        equation = line.equation
        tags = [step.tag for step in steps if step.tag]
        tag = f"   ({tags[-1]})" if tags else ""
        lines.append(f"{number:>{width}}. {unicode(equation.lhs)} = {unicode(equation.rhs)}{tag}")
        lines.append(f"{indent}{_span(line, lang)}: {line_words(derivation, line, lang, True)}")
        lines.append(f"{indent}{line_verification_text(line.verification, steps, lang)}")
        lines += [f"{indent}{phrase(lang, 'series_note')}: {note}" for note in map(unicode_words, line_notes(derivation, line.first, line.last, lang))]
    lines += ["", phrase(lang, "full_trail")]
    return lines


def _span(line, lang: str) -> str:
    """``step 3``, ``steps 2–17``, as the language's phrases ``step`` and ``steps`` say."""
    if line.first == line.last:
        return phrase(lang, "step", first=line.first + 1)
    return phrase(lang, "steps", first=line.first + 1, last=line.last + 1)


def _unicode_title(title: str) -> str:
    """A title's inline LaTeX (``Gradient of $E$ by $z_{j}$``, ``$\\sigma(z) - t$``) in Unicode,
    as the equations below it are: ``Gradient of E by zⱼ``, ``σ(z) − t``."""
    return unicode_words(title)


def derivations_text(derivations: Iterable[Derivation], lang: str = "en", detail: str = "blackboard") -> str:
    return "\n\n".join(derivation_text(d, lang, detail) for d in derivations)


def rules_text(rules: Iterable[Rule], lang: str = "en") -> str:
    rules = list(rules)
    lines = [phrase(lang, "rules_heading", count=len(rules)), ""]
    for rule in rules:
        conditions = ", ".join(c.text for c in rule.conditions)
        lines.append(f"{rule.name}  [{rule.topic}, {phrase(lang, rule.kind)}]")
        lines.append(f"    {rule.statement}" + (f"    ({phrase(lang, 'conditions')}: {conditions})" if conditions else ""))
        lines.append(f"    {unicode_words(rule.words(lang)['text'])}")
    return "\n".join(lines)
