"""Inline mathematics in words: the catalogue's texts and the titles write formulas between dollar
signs in LaTeX (``the sum over $j$``, ``$\\partial y_{k}/\\partial z_{m} = y_{k}(\\delta_{km} - y_{m})$``).
The LaTeX and HTML printers set them as mathematics; the terminal shows them in Unicode
(:func:`unicode_words`: ``∂yₖ/∂zₘ = yₖ(δₖₘ − yₘ)``)."""
from __future__ import annotations

import re

MATH = re.compile(r"\$([^$]+)\$")

SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "eta": "η",
    "theta": "θ", "lambda": "λ", "mu": "μ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ",
    "omega": "ω", "ell": "ℓ", "Delta": "Δ", "Sigma": "Σ", "partial": "∂", "sum": "∑", "prod": "∏", "infty": "∞",
    "to": "→", "in": "∈", "leq": "≤", "geq": "≥", "le": "≤", "ge": "≥", "neq": "≠", "approx": "≈",
    "times": "×", "cdot": "·", "ldots": "…", "cdots": "⋯", "top": "ᵀ", "mid": "|", "quad": " ", "qquad": "  ",
    "iff": "⇔", "log": "log", "exp": "exp", "max": "max", "min": "min", "lim": "lim", "ln": "ln", "nabla": "∇",
    "left": "", "right": "", "big": "", "Big": "", "bigl": "", "bigr": "",
}
RELATIONS = {"to", "in", "leq", "geq", "le", "ge", "neq", "approx", "times", "iff"}
WORDS = {"log", "exp", "max", "min", "lim", "ln"}  # operators set as words: a space before what they apply to
SUBSCRIPTS = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))
SUPERSCRIPTS = dict(zip("0123456789+-=()abcdefghijklmnoprstuvwxyzTᵀ", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᵀᵀ"))
SUBSCRIPTS["−"] = "₋"
SUPERSCRIPTS["−"] = "⁻"


def unicode_math(tex: str) -> str:
    """A short LaTeX formula in Unicode: Greek letters and operators by their characters, scripts
    as sub- and superscript characters where Unicode has them all (else ``_(dk)``), ``\\frac{a}{b}``
    as ``a/b``."""
    out, position = [], 0
    while position < len(tex):
        ch = tex[position]
        if ch == "\\":
            match = re.match(r"\\([A-Za-z]+|.)", tex[position:])
            assert match is not None, f"a backslash ends {tex!r}"
            name = match.group(1)
            position += len(match.group(0))
            if name.isalpha():  # the space after a command's name only ends the name
                spaced = position < len(tex) and tex[position] == " "
                while position < len(tex) and tex[position] == " ":
                    position += 1
                if spaced and position < len(tex) and tex[position] in "=<>+-" and name in SYMBOLS \
                        and name not in RELATIONS and len(SYMBOLS[name]) == 1:
                    position -= 1  # λ = n, β − 1: a letter before a relation or an operator keeps its space
            if name in ("frac", "dfrac", "tfrac"):
                top, position = braced_group(tex, position)
                bottom, position = braced_group(tex, position)
                top, bottom = unicode_math(top), unicode_math(bottom)
                out.append(f"{_wrapped(top)}/{_wrapped(bottom)}")
            elif name in ("mathbf", "mathrm", "operatorname", "text", "mathit", "boldsymbol", "hat", "bar"):
                inner, position = braced_group(tex, position)
                accent = {"hat": "\u0302", "bar": "\u0304"}.get(name, "")
                out.append(unicode_math(inner) + accent)
            elif name in (",", ";", ":", " ", "!"):
                out.append(" " if name != "!" else "")
            elif name in RELATIONS:
                out.append(f" {SYMBOLS[name]} ")  # the space after the name was the command's end
            else:
                out.append(SYMBOLS.get(name, "{" if name == "{" else "}" if name == "}" else name))
                if name in WORDS and position < len(tex) and (tex[position].isalnum() or tex[position] == "\\"):
                    out.append(" ")  # log x, not logx
            continue
        if ch in "_^":
            inner, position = braced_group(tex, position + 1)
            inner = unicode_math(inner)
            table = SUBSCRIPTS if ch == "_" else SUPERSCRIPTS
            if inner and all(c in table for c in inner):
                out.append("".join(table[c] for c in inner))
            else:
                out.append(f"{ch}({inner})" if len(inner) > 1 else f"{ch}{inner}")
            continue
        if ch in "{}":
            position += 1
            continue
        out.append({"-": "−", "'": "′"}.get(ch, ch))
        position += 1
    return re.sub(r"\s+", " ", "".join(out)).strip()


def braced_group(tex: str, position: int) -> tuple[str, int]:
    """The braced group (or the single character or command) at ``position``, and what follows."""
    while position < len(tex) and tex[position] == " ":
        position += 1
    if position >= len(tex):
        return "", position
    if tex[position] == "{":
        depth = 0
        for end in range(position, len(tex)):
            depth += {"{": 1, "}": -1}.get(tex[end], 0)
            if depth == 0:
                return tex[position + 1:end], end + 1
        return tex[position + 1:], len(tex)
    if tex[position] == "\\":
        match = re.match(r"\\([A-Za-z]+|.)", tex[position:])
        assert match is not None, f"a backslash ends {tex!r}"
        return match.group(0), position + len(match.group(0))
    return tex[position], position + 1


def _wrapped(text: str) -> str:
    return f"({text})" if re.search(r"[\s+−]", text) else text


def pieces(words: str) -> list[tuple[str, bool]]:
    """``words`` cut into ``(text, is_formula)`` pieces, each formula without its dollar signs: how
    every printer reads a title or a text (LaTeX keeps the formulas, HTML renders them with KaTeX)."""
    parts = re.split(r"(\$[^$]+\$)", words)
    return [(part[1:-1], True) if len(part) > 2 and part[0] == part[-1] == "$" else (part, False) for part in parts if part]


def unicode_words(words: str) -> str:
    """``words`` with each ``$...$`` in Unicode (the terminal's form)."""
    return MATH.sub(lambda match: unicode_math(match.group(1)), words)


def plain_words(words: str) -> str:
    """``words`` with the dollar signs taken off (what a reader of JSON or of a log sees)."""
    return MATH.sub(lambda match: match.group(1), words)
