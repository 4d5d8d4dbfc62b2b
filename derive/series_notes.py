"""Where the series prints an equation differently from the one derived here, a step with that
equation's tag says so in one short sentence.  The series' printed right side is kept as the
LaTeX it prints, parsed, and compared with the step's at random points: the note appears only where
the two really differ."""
from __future__ import annotations

import random
from functools import lru_cache

from .errors import DeriveError, VerificationError

PRINTED: dict[str, dict[str, str]] = {
    "4.3": {
        "latex": r"\sum_{k=1}^{K} t_{k} \log y_{k}",  # article 002: -\log L = \sum_{k=1}^{K} t_{k} \log y_{k}
        "en": "The series prints (4.3) without the minus sign on the right: −log L = ∑ₖ tₖ log yₖ.",
        "ja": "連載の式 (4.3) は右辺のマイナス記号が抜けている (−log L = ∑ₖ tₖ log yₖ と印刷されている)。",
    },
    "7.4": {
        "latex": r"- \sum_{i=1}^{N} \lbrack t_{i} \log y_{i} + (1-t_{i}) \log (1-y_{i}) \rbrack",  # article 001
        "en": "The series prints (7.4) without the 1/N its text asks for, and its line before, "
              "BCE = −∑ᵢ BCEᵢ, has one minus too many (each BCEᵢ carries its own).",
        "ja": "連載の式 (7.4) は本文が求める 1/N を欠き、その前の行 BCE = −∑ᵢ BCEᵢ はマイナスが一つ多い "
              "(BCEᵢ 自身が負号を含む)。",
    },
}


def series_note(derivation, number: int, lang: str) -> str | None:
    """The note for step ``number`` of ``derivation`` where its tag is one the series prints
    differently (checked in the model that step was checked in), else ``None``."""
    step = derivation.steps[number]
    if step.tag not in PRINTED:
        return None
    model = derivation.models[number] if derivation.models else None
    return PRINTED[step.tag][lang] if _differs(step.tag, step.rhs, model) else None


def line_notes(derivation, first: int, last: int, lang: str) -> list[str]:
    """The notes of steps ``first``..``last``."""
    notes = (series_note(derivation, n, lang) for n in range(first, last + 1))
    return [note for note in notes if note]


@lru_cache(maxsize=None)
def _differs(tag: str, derived, model) -> bool:
    from .front_end import from_latex
    from .models import categorical
    from .verification import compare
    try:
        printed = from_latex(PRINTED[tag]["latex"])
    except DeriveError:
        return False
    try:
        compare(printed, derived, model or categorical(), random.Random(tag), f"the series' ({tag})")
    except VerificationError:
        return True
    return False
