"""Words inside ``\\text{...}``: escaped so that TeX and KaTeX (strict) both accept them, and the
few mathematical characters the words use (∂, ∑, σ′, subscripts) set as math inside them."""
from __future__ import annotations

_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\textasciicircum{}",
    "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$", "~": r"\textasciitilde{}",
}
_MATH = {
    "∂": r"\partial ", "∑": r"\sum ", "σ": r"\sigma ", "δ": r"\delta ", "′": "'", "−": "-",
    "ᵢ": "_i", "ⱼ": "_j", "ₖ": "_k", "ₘ": "_m", "ₗ": "_l", "ᵃ": "^a", "ᵇ": "^b", "ˣ": "^x", "⁻": "^-", "ᵀ": "^{\\top}",
}


def text(words: str) -> str:
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
    return r"\text{" + "".join(out) + "}"


def _scripts_grouped(tokens: list[str]) -> str:
    """``_k``, ``_m`` in a row as one subscript ``_{km}`` (TeX refuses a double subscript)."""
    out: list[str] = []
    for token in tokens:
        if out and token[:1] in "_^" and len(token) == 2 and out[-1][:1] == token[0]:
            out[-1] = out[-1][0] + "{" + out[-1][1:].strip("{}") + token[1] + "}"
        else:
            out.append(token)
    return "".join(out)
