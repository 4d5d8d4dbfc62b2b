"""The axioms every verdict rests on, kept as data (``axioms.json`` beside this module): each with
an id, its statement in LaTeX, English and Japanese text and a reference to look it up in; and the
pins: the SHA-256 of the logical content of each catalogue rule the checker knows, with the axiom
it is (or none: a theorem, which the checker proves itself before any step may use it)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

@lru_cache(maxsize=1)
def table() -> dict:
    return json.loads((Path(__file__).with_name("axioms.json")).read_text(encoding="utf-8"))


def conditions() -> dict:
    """The conditions the model's facts discharge (``facts``) and those true by the conventions of
    every model or checked by the step's own kind (``declared``)."""
    return table()["conditions"]


def axioms() -> list[dict]:
    return table()["axioms"]


def status(name: str, digest: str) -> str | None:
    """``axiom`` or ``theorem`` where ``digest`` is the pin of the catalogue's rule ``name``, else None."""
    pinned = table()["rules"].get(name)
    if not pinned or pinned[0] != digest:
        return None
    return "axiom" if pinned[1] else "theorem"


def rule_axiom(name: str) -> str | None:
    pinned = table()["rules"].get(name)
    return pinned[1] if pinned else None
