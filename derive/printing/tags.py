"""Equation numbers: the series' own tags where a step has one, sequential numbers otherwise (the notes number their rows themselves: notes_numbering)."""
from __future__ import annotations

MODES = ("series", "sequential", "none")


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
