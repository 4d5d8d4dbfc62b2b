"""A derivation as a blog post in the series' own style: prose between ``$$ ... $$`` blocks.

Every block is valid KaTeX: ``aligned`` (KaTeX has no ``align``), at most one ``\\tag`` per block,
no ``\\label``; words inside a block stay in ``\\text{}``.
"""
from __future__ import annotations

from ..steps import Derivation, Equation
from .derivation_printer import DerivationPrinter, Row
from .latex_expr import latex
from .words import phrase


class MarkdownPrinter(DerivationPrinter):
    """The title, then per row its words and its display block, then the result."""

    def _print_Derivation(self, derivation: Derivation) -> str:
        parts = [f"## {derivation.title[self.lang]}", ""]
        parts += [self._print(item, row=row) for item, row in self.rows(derivation)]
        result = derivation.result
        parts += [f"**{phrase(self.lang, 'result')}**", "", "$$", rf"{latex(result.lhs)} = {latex(result.rhs)}", "$$", ""]
        return "\n".join(parts)

    def _row(self, equation: Equation, words: str, row: Row) -> str:
        return "\n".join([words, "", "$$", math_block(equation, row.tag), "$$", ""])

    def math_blocks(self, derivation: Derivation) -> list[str]:
        """The display blocks, one per row, in order."""
        return [math_block(item.equation, row.tag) for item, row in self.rows(derivation)]


def math_block(equation: Equation, tag: str | None) -> str:
    body = rf"\begin{{aligned}} {latex(equation.lhs)} &= {latex(equation.rhs)} \end{{aligned}}"
    return body + (rf" \tag{{{tag}}}" if tag else "")
