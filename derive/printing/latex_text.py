"""Words inside ``\\text{...}``: their inline formulas (``$...$``, LaTeX) kept as mathematics,
the rest escaped so that TeX and KaTeX (strict) both accept it, and any of the few mathematical
characters plain words may hold (∂, ∑, σ′, subscripts) set as math."""
from __future__ import annotations

from .inline_math import pieces

_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\textasciicircum{}",
    "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$", "~": r"\textasciitilde{}",
}
_MATH = {
    "∂": r"\partial ", "∑": r"\sum ", "σ": r"\sigma ", "δ": r"\delta ", "′": "'", "−": "-",
    "ᵢ": "_i", "ⱼ": "_j", "ₖ": "_k", "ₘ": "_m", "ₗ": "_l", "ᵃ": "^a", "ᵇ": "^b", "ˣ": "^x", "⁻": "^-", "ᵀ": "^{\\top}",
}


def text(words: str) -> str:
    """``\\text{...}`` holding ``words``; amsmath and KaTeX both allow ``$...$`` inside it."""
    return r"\text{" + "".join(f"${part}$" if formula else _escaped(part) for part, formula in pieces(words)) + "}"


def _escaped(words: str) -> str:
    out, math = [], []
    for ch in words + "\0":
        if ch in _MATH:
            math.append(_MATH[ch])
            continue
        if math:
            out.append("$" + _scripts_grouped(math).strip() + "$")
            math = []
        if ch != "\0":
            out.append(_ESCAPES.get(ch, ch))
    return "".join(out)


def _scripts_grouped(tokens: list[str]) -> str:
    """``_k``, ``_m`` in a row as one subscript ``_{km}`` (TeX refuses a double subscript)."""
    out: list[str] = []
    for token in tokens:
        if out and token[:1] in "_^" and len(token) == 2 and out[-1][:1] == token[0]:
            out[-1] = out[-1][0] + "{" + out[-1][1:].strip("{}") + token[1] + "}"
        else:
            out.append(token)
    return "".join(out)
