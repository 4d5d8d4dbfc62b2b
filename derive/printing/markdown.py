"""A derivation as a blog post in the series' own style: prose between ``$$ ... $$`` blocks.

Every block is valid KaTeX: ``aligned`` (KaTeX has no ``align``), at most one ``\\tag`` per block,
no ``\\label``; words inside a block stay in ``\\text{}``.
"""
from __future__ import annotations

from typing import Iterable

from ..steps import Derivation
from .latex_expr import latex
from .justifications import justification
from .tags import equation_tags

HEADINGS = {"en": "Result", "ja": "結果"}


def math_blocks(derivation: Derivation, tags: str = "series") -> list[str]:
    """The display blocks, one per step, in order."""
    blocks = []
    for step, tag in zip(derivation.steps, equation_tags(derivation, tags)):
        body = rf"\begin{{aligned}} {latex(step.lhs)} &= {latex(step.rhs)} \end{{aligned}}"
        blocks.append(body + (rf" \tag{{{tag}}}" if tag else ""))
    return blocks


def derivation_markdown(derivation: Derivation, lang: str = "en", tags: str = "series") -> str:
    parts = [f"## {derivation.title[lang]}", ""]
    previous = None
    for step, block in zip(derivation.steps, math_blocks(derivation, tags)):
        parts += [justification(step, previous, lang), "", "$$", block, "$$", ""]
        previous = step.equation
    result = derivation.result
    parts += [f"**{HEADINGS[lang]}**", "", "$$", rf"{latex(result.lhs)} = {latex(result.rhs)}", "$$", ""]
    return "\n".join(parts)


def derivations_markdown(derivations: Iterable[Derivation], lang: str = "en", tags: str = "series") -> str:
    return "\n".join(derivation_markdown(d, lang, tags) for d in derivations)
