"""A derivation as a blog post in the series' own style: prose between ``$$ ... $$`` blocks.

Every block is valid KaTeX: ``aligned`` (KaTeX has no ``align``), at most one ``\\tag`` per block,
no ``\\label``; words inside a block stay in ``\\text{}``.
"""
from __future__ import annotations

from ..steps import Derivation, Equation
from .derivation_printer import DerivationPrinter, Row
from .latex_expr import latex
from .named_form import named_result_latex
from .series_printer import rounded
from .words import phrase


class MarkdownPrinter(DerivationPrinter):
    """The title, then per row its words and its display block, then the result."""

    def _print_Derivation(self, derivation: Derivation) -> str:
        parts = [f"## {derivation.title[self.lang]}", ""]
        parts += [self._print(item, row=row) for item, row in self.rows(derivation)]
        parts += [f"**{phrase(self.lang, 'result')}**", "", "$$", result_latex(derivation), "$$", ""]
        named = named_result_latex(derivation, self.lang)
        if named is not None:  # the result with what it uses twice named once, as a textbook writes it
            parts += ["$$", named, "$$", ""]
        return "\n".join(parts)

    def _row(self, equation: Equation, words: str, row: Row) -> str:
        return "\n".join([words, "", "$$", math_block(equation, row.tag), "$$", ""])

    def math_blocks(self, derivation: Derivation) -> list[str]:
        """The display blocks, one per row, in order."""
        return [math_block(item.equation, row.tag) for item, row in self.rows(derivation)]


def math_block(equation: Equation, tag: str | None) -> str:
    relation = r"\approx" if rounded(equation.rhs) else "="  # a worked answer its printing rounds
    body = rf"\begin{{aligned}} {latex(equation.lhs)} &{relation} {latex(equation.rhs)} \end{{aligned}}"
    return body + (rf" \tag{{{tag}}}" if tag else "")


def result_latex(derivation: Derivation) -> str:
    """The result; a rounded worked answer exact first, then ≈ its digits (−log 0.51 ≈ 0.6733)."""
    result, steps = derivation.result, derivation.steps
    if rounded(result.rhs) and len(steps) > 1 and steps[-2].lhs == result.lhs and not rounded(steps[-2].rhs):
        return rf"{latex(result.lhs)} = {latex(steps[-2].rhs)} \approx {latex(result.rhs)}"
    relation = r"\approx" if rounded(result.rhs) else "="
    return rf"{latex(result.lhs)} {relation} {latex(result.rhs)}"
