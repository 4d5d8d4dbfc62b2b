"""Equation numbers: the series' own tags where a step has one, sequential numbers otherwise."""
from __future__ import annotations

from ..steps import Derivation

MODES = ("series", "sequential", "none")


def equation_tags(derivation: Derivation, mode: str = "series", start: int = 1) -> list[str | None]:
    """One tag per step. In ``series`` mode, numbers that the series' tags use are skipped."""
    if mode not in MODES:
        raise ValueError(f"tags must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "none":
        return [None] * len(derivation.steps)
    taken = {step.tag for step in derivation.steps if step.tag} if mode == "series" else set()
    tags: list[str | None] = []
    number = start
    for step in derivation.steps:
        if mode == "series" and step.tag:
            tags.append(step.tag)
            continue
        while str(number) in taken:
            number += 1
        tags.append(str(number))
        number += 1
    return tags
