"""Greek letters a user's LaTeX names (``\\sigma``, ``\\mu``): parsed as symbols named ``sigma``,
``mu``; printed back as ``\\sigma`` in LaTeX and ``σ`` in text."""
from __future__ import annotations

import re
import unicodedata

LETTERS = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
           "pi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon "
           "Phi Psi Omega").split()


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
    plain = name.replace("var", "")
    case = "CAPITAL" if plain[0].isupper() else "SMALL"
    spelled = {"lambda": "LAMDA"}.get(plain.lower(), plain.upper())
    return unicodedata.lookup(f"GREEK {case} LETTER {spelled}")
