"""A derivation as a LaTeX ``align`` fragment: one row per step, the justification beside it,
a ``\\tag`` per row.  It compiles inside any document that loads amsmath and amssymb (and, for
Japanese, the ltjsarticle class)."""
from __future__ import annotations

from typing import Iterable

from ..steps import Derivation
from .justifications import justification
from .latex_expr import latex
from .latex_text import text
from .tags import equation_tags

JUSTIFICATION_WIDTH = r"0.3\linewidth"


def rows(derivation: Derivation, lang: str, tags: str, boxed_words: bool) -> list[str]:
    """``lhs &= rhs && words \\tag{n}``; an equality step leaves its unchanged left side blank."""
    out = []
    previous_lhs, previous = None, None
    for step, tag in zip(derivation.steps, equation_tags(derivation, tags)):
        lhs = "" if step.lhs == previous_lhs else latex(step.lhs)
        words = text(justification(step, previous, lang))
        previous = step.equation
        if boxed_words:  # a paragraph box inside \text, so long words wrap beside the equation
            inner = words[len(r"\text{"):-1]
            words = r"\text{\parbox[t]{" + JUSTIFICATION_WIDTH + r"}{\raggedright\footnotesize " + inner + "}}"
        row = f"{lhs} &= {latex(step.rhs)} && {words}"
        out.append(row + (rf" \tag{{{tag}}}" if tag else ""))
        previous_lhs = step.lhs
    return out


def derivation_latex(derivation: Derivation, lang: str = "en", tags: str = "series") -> str:
    body = " \\\\\n".join(rows(derivation, lang, tags, boxed_words=True))
    return (f"% {derivation.name}: {derivation.title[lang]}\n"
            "\\begin{align}\n" + body + "\n\\end{align}\n")


def derivations_latex(derivations: Iterable[Derivation], lang: str = "en", tags: str = "series") -> str:
    return "\n".join(derivation_latex(d, lang, tags) for d in derivations)
