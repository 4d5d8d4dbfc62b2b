"""A derivation as Jupyter shows it: one KaTeX/MathJax-safe ``aligned`` block (no ``align``, no
``\\tag`` per row, no ``\\parbox``), the rule's name beside each row."""
from __future__ import annotations

from ..steps import Derivation
from .latex_expr import latex
from .latex_text import text
from .markdown import MarkdownPrinter


def notebook_latex(derivation: Derivation) -> str:
    rows = []
    previous_lhs = None
    for step in derivation.steps:
        lhs = "" if step.lhs == previous_lhs else latex(step.lhs)
        rule = text(step.rule.replace("_", " "))
        rows.append(f"{lhs} &= {latex(step.rhs)} && {rule}")
        previous_lhs = step.lhs
    return "$$\\begin{aligned} " + " \\\\\n".join(rows) + " \\end{aligned}$$"


def notebook_markdown(derivation: Derivation, lang: str = "en") -> str:
    return MarkdownPrinter(lang=lang).doprint(derivation)
