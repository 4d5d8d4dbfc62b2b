"""Derivations and the rule catalogue as plain text for the terminal (Unicode equations)."""
from __future__ import annotations

import re
from typing import Iterable

from ..catalogue import Rule
from ..steps import Derivation
from .justifications import justification
from .unicode import unicode
from .words import phrase, verification_text


def derivation_text(derivation: Derivation, lang: str = "en") -> str:
    lines = [f"{derivation.name}: {_unicode_title(derivation.title[lang])}", ""]
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
    result = derivation.result
    lines += ["", f"{phrase(lang, 'result')}: {unicode(result.lhs)} = {unicode(result.rhs)}"]
    for check in derivation.cross_checks:
        lines.append(phrase(lang, "cross_check", method=check.method, points=check.points, error=check.max_error))
    return "\n".join(lines)


def _unicode_title(title: str) -> str:
    """A title's inline LaTeX (``Gradient of $E$ by $z_{j}$``, a user's gradient) in Unicode, as
    the equations below it are: ``Gradient of E by zⱼ``."""
    from ..errors import DeriveError
    from ..front_end import from_latex

    def piece(match: re.Match) -> str:
        try:
            return unicode(from_latex(match.group(1)))
        except DeriveError:
            return match.group(1)
    return re.sub(r"\$([^$]+)\$", piece, title)


def derivations_text(derivations: Iterable[Derivation], lang: str = "en") -> str:
    return "\n\n".join(derivation_text(d, lang) for d in derivations)


def rules_text(rules: Iterable[Rule], lang: str = "en") -> str:
    rules = list(rules)
    lines = [phrase(lang, "rules_heading", count=len(rules)), ""]
    for rule in rules:
        conditions = ", ".join(c.text for c in rule.conditions)
        lines.append(f"{rule.name}  [{rule.topic}, {phrase(lang, rule.kind)}]")
        lines.append(f"    {rule.statement}" + (f"    ({phrase(lang, 'conditions')}: {conditions})" if conditions else ""))
        lines.append(f"    {rule.justification[lang]}")
    return "\n".join(lines)
