"""Where the series prints an equation differently from the one derived here, a step with that
equation's tag says so in one short sentence.  The series' printed right side is kept as the
LaTeX it prints and as a pattern (what a test checks the LaTeX reads back as), and compared with the
step's at random points: the note appears only where the two really differ."""
from __future__ import annotations

import random
from functools import lru_cache

from .errors import VerificationError
from .languages import language
from .models import categorical
from .numeric_check import numeric_opinion
from .pattern_parser import parse_pattern

PRINTED: dict[str, dict[str, str]] = {  # each note's words: series.toml of each language, by the tag
    "4.3": {
        "latex": r"\sum_{k=1}^{K} t_{k} \log y_{k}",  # article 002: -\log L = \sum_{k=1}^{K} t_{k} \log y_{k}
        "pattern": "Sum(t[k]*log(y[k]), (k, 1, K))",
    },
    "7.4": {
        "latex": r"- \sum_{i=1}^{N} \lbrack t_{i} \log y_{i} + (1-t_{i}) \log (1-y_{i}) \rbrack",  # article 001
        "pattern": "-Sum(t[i]*log(y[i]) + (1 - t[i])*log(1 - y[i]), (i, 1, N))",
    },
}


def series_note(derivation, number: int, lang: str) -> str | None:
    """The note for step ``number`` of ``derivation`` where its tag is one the series prints
    differently (checked in the model that step was checked in), else ``None``."""
    step = derivation.steps[number]
    if step.tag not in PRINTED:
        return None
    model = derivation.models[number] if derivation.models else None
    return language(lang).tables["series"][step.tag] if _differs(step.tag, step.rhs, model) else None


def line_notes(derivation, first: int, last: int, lang: str) -> list[str]:
    """The notes of steps ``first``..``last``."""
    notes = (series_note(derivation, n, lang) for n in range(first, last + 1))
    return [note for note in notes if note]


@lru_cache(maxsize=None)
def _differs(tag: str, derived, model) -> bool:
    printed = parse_pattern(PRINTED[tag]["pattern"], {})  # the series' LaTeX, as the pattern parser reads it
    model = model or categorical()
    small = model.size_choices(derived)[:1]
    try:  # numbers suffice to tell two expressions apart
        numeric_opinion(printed, derived, model, random.Random(tag), f"the series' ({tag})", small, 1)
    except VerificationError:
        return True
    return False
