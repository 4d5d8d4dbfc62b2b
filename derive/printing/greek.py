"""Greek letters a user's LaTeX names (``\\sigma``, ``\\mu``): parsed as symbols named ``sigma``,
``mu``; printed back as ``\\sigma`` in LaTeX and ``σ`` in text, from SymPy's own tables."""
from __future__ import annotations

import re

from sympy.printing.latex import greek_letters_set, tex_greek_dictionary
from sympy.printing.pretty.pretty_symbology import greek_unicode

VARIANTS = ("varepsilon", "vartheta", "varphi", "varrho", "varsigma")  # \var... forms TeX has
LETTERS = tuple(sorted((greek_letters_set | {n for n, tex in tex_greek_dictionary.items() if tex == f"\\{n}"}
                        | set(VARIANTS)) - {"omicron"}))  # TeX has no \omicron


def latex_name(name: str) -> str:
    return f"\\{name}" if name in LETTERS else name


ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303"}  # combining circumflex, macron, tilde
_ACCENTED = re.compile(r"\\?(hat|bar|tilde)\{\\?([A-Za-z]+)\}")


def unicode_name(name: str) -> str:
    accented = _ACCENTED.fullmatch(name)
    if accented:  # \hat{y}: ŷ, \bar{x}: x̄, \hat{\theta}: θ̂
        return unicode_name(accented.group(2)) + ACCENTS[accented.group(1)]
    if name not in LETTERS:
        return name
    return greek_unicode.get(name) or greek_unicode[name.replace("var", "")]
