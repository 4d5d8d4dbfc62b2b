"""Words inside ``\\text{...}``: escaped so that TeX and KaTeX (strict) both accept them."""
from __future__ import annotations

_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\textasciicircum{}",
    "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$", "~": r"\textasciitilde{}",
}


def text(words: str) -> str:
    return r"\text{" + "".join(_ESCAPES.get(ch, ch) for ch in words) + "}"
