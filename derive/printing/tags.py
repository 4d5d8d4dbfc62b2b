"""Equation numbers: the series' own tags where a step has one, sequential (or, in the notes, section) numbers otherwise."""
from __future__ import annotations

MODES = ("series", "sequential", "none")


class SectionNumbers:
    """One numbering for a whole document: the series' own tag where a line is one of its
    equations, (section.n) otherwise, n running through the section and skipping the numbers the
    series' tags in the document take."""

    def __init__(self, taken: set[str]):
        self.taken = set(taken)
        self.section = ""
        self.number = 0

    def start(self, section: str) -> None:
        self.section, self.number = section, 0

    def tags(self, own: list[str | None]) -> list[str]:
        tags = []
        for tag in own:
            if tag:
                tags.append(tag)
                continue
            self.number += 1
            while f"{self.section}.{self.number}" in self.taken:
                self.number += 1
            tags.append(f"{self.section}.{self.number}")
        return tags


def numbered(own: list[str | None], mode: str = "series", start: int = 1) -> list[str | None]:
    """The series' own tags where given (in ``series`` mode), numbers from ``start`` elsewhere."""
    if mode not in MODES:
        raise ValueError(f"tags must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "none":
        return [None] * len(own)
    taken = {tag for tag in own if tag} if mode == "series" else set()
    tags: list[str | None] = []
    number = start
    for tag in own:
        if mode == "series" and tag:
            tags.append(tag)
            continue
        while str(number) in taken:
            number += 1
        tags.append(str(number))
        number += 1
    return tags
