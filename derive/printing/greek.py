"""Greek letters a user's LaTeX names (``\\sigma``, ``\\mu``): parsed as symbols named ``sigma``,
``mu``; printed back as ``\\sigma`` in LaTeX and ``σ`` in text, from SymPy's own tables."""
from __future__ import annotations

import re

from sympy.printing.latex import greek_letters_set, tex_greek_dictionary
from sympy.printing.pretty.pretty_symbology import greek_unicode

from ..safe_names import is_name
from .inert import latex_text

VARIANTS = ("varepsilon", "vartheta", "varphi", "varrho", "varsigma")  # \var... forms TeX has
LETTERS = tuple(sorted((greek_letters_set | {n for n, tex in tex_greek_dictionary.items() if tex == f"\\{n}"}
                        | set(VARIANTS)) - {"omicron"}))  # TeX has no \omicron


LETTER_LIKE = {"ell": ("\\ell", "ℓ")}  # the integer labels' classes ℓ_i (derive.conventions.ell)


def latex_name(name: str) -> str:
    """``name`` in LaTeX: a Greek letter as its command, a name of the grammar as it is, anything
    else as inert text (:mod:`.inert`): a name is data, never markup."""
    if name in LETTER_LIKE:
        return LETTER_LIKE[name][0]
    if name in LETTERS:
        return f"\\{name}"
    return name if is_name(name) else latex_text(name)


ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303"}  # combining circumflex, macron, tilde
_ACCENTED = re.compile(r"\\?(hat|bar|tilde)\{\\?([A-Za-z]+)\}")


def unicode_name(name: str) -> str:
    accented = _ACCENTED.fullmatch(name)
    if accented:  # \hat{y}: ŷ, \bar{x}: x̄, \hat{\theta}: θ̂
        return unicode_name(accented.group(2)) + ACCENTS[accented.group(1)]
    if name in LETTER_LIKE:
        return LETTER_LIKE[name][1]
    if name not in LETTERS:
        return name
    return greek_unicode.get(name) or greek_unicode[name.replace("var", "")]
