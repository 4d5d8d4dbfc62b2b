"""A derivation as a blog post in the series' own style: prose between ``$$ ... $$`` blocks.

Every block is valid KaTeX: ``aligned`` (KaTeX has no ``align``), at most one ``\\tag`` per block,
no ``\\label``; words inside a block stay in ``\\text{}``.
"""
from __future__ import annotations

from typing import Iterable

from ..steps import Derivation
from .latex_expr import latex
from .justifications import justification, line_words, with_notes
from .tags import equation_tags, line_tags
from .words import phrase

def math_blocks(derivation: Derivation, tags: str = "series", detail: str = "blackboard") -> list[str]:
    """The display blocks, one per blackboard line (``detail="full"``: per step), in order."""
    blocks = []
    for equation, tag in _equations(derivation, tags, detail):
        body = rf"\begin{{aligned}} {latex(equation.lhs)} &= {latex(equation.rhs)} \end{{aligned}}"
        blocks.append(body + (rf" \tag{{{tag}}}" if tag else ""))
    return blocks


def _equations(derivation: Derivation, tags: str, detail: str):
    if detail == "full" or not derivation.lines:
        return [(step.equation, tag) for step, tag in zip(derivation.steps, equation_tags(derivation, tags))]
    return [(line.equation, tag) for line, tag in zip(derivation.lines, line_tags(derivation, tags))]


def _words(derivation: Derivation, lang: str, detail: str) -> list[str]:
    if detail == "full" or not derivation.lines:
        return [with_notes(justification(step, derivation.steps[n - 1].equation if n else None, lang), derivation, n, n, lang)
                for n, step in enumerate(derivation.steps)]
    return [with_notes(line_words(derivation, line, lang), derivation, line.first, line.last, lang)
            for line in derivation.lines]


def derivation_markdown(derivation: Derivation, lang: str = "en", tags: str = "series",
                        detail: str = "blackboard") -> str:
    parts = [f"## {derivation.title[lang]}", ""]
    for words, block in zip(_words(derivation, lang, detail), math_blocks(derivation, tags, detail)):
        parts += [words, "", "$$", block, "$$", ""]
    result = derivation.result
    parts += [f"**{phrase(lang, 'result')}**", "", "$$", rf"{latex(result.lhs)} = {latex(result.rhs)}", "$$", ""]
    return "\n".join(parts)


def derivations_markdown(derivations: Iterable[Derivation], lang: str = "en", tags: str = "series",
                         detail: str = "blackboard") -> str:
    return "\n".join(derivation_markdown(d, lang, tags, detail) for d in derivations)
