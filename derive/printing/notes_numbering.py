"""The notes' one numbering, a student can cite: every row of a section numbered (section.n), n
running 1, 2, 3... through the section's derivations, every row of the appendix (A.n) likewise;
the series' own tag is said beside ours in the row's words, never taken as the number.  Each
derivation the notes show is cited by where it stands: its subsection and the number of its last
row (its result), in its section where it has one, else in the appendix."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ..steps import Derivation
from .derivation_printer import DerivationPrinter
from .notes_content import BODY

APPENDIX = "A"


@dataclass
class NotesNumbering:
    """``rows[(detail, name)]``: the numbers of a derivation's rows as the notes print it (``lines``
    in its section, ``steps`` in the appendix); ``citations[name]``: (subsection, equation number)."""

    rows: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    citations: dict[str, tuple[str, str]] = field(default_factory=dict)

    def of(self, detail: str, name: str) -> list[str]:
        return self.rows[(detail, name)]


def notes_numbering(derivations: Mapping[str, Derivation]) -> NotesNumbering:
    """Number every row the notes print, in the order they print them."""
    numbering = NotesNumbering()
    lines, steps = DerivationPrinter(), DerivationPrinter(detail="full")
    for number, section in enumerate(BODY, start=2):
        count = 0
        for sub, name in enumerate(section.derivations, start=1):
            rows = len(lines.rows(derivations[name]))
            tags = [f"{number}.{count + n}" for n in range(1, rows + 1)]
            count += rows
            numbering.rows[("lines", name)] = tags
            numbering.citations.setdefault(name, (f"{number}.{sub}", tags[-1]))
    count = 0
    for name, derivation in derivations.items():
        rows = len(steps.rows(derivation))
        tags = [f"{APPENDIX}.{count + n}" for n in range(1, rows + 1)]
        count += rows
        numbering.rows[("steps", name)] = tags
        numbering.citations.setdefault(name, (APPENDIX, tags[-1]))
    return numbering
