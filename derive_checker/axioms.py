"""The axioms every verdict rests on, kept as data (``axioms.json`` beside this module): each with
an id, its statement in LaTeX, English and Japanese text and a reference to look it up in; and the
pins: the SHA-256 of the logical content of each catalogue rule the checker knows, with the axiom
it is (or none: a theorem, which the checker proves itself before any step may use it)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

DECLARED = {  # conditions true by the conventions of every model, or checked by the step's own kind
    "m real", "y_k > 0", "y_ik > 0", "0 < y_i < 1", "1 <= i <= N", "samples independent", "z real", "N > 0",
    "y a column vector of length K", "t, y row vectors of length K", "log applied elementwise",
    "X is N x D, W is D x K", "T, Y are N x K, one sample per row", "the gradient has the shape of Z (N x K)",
    "the limit exists", "f one of log, exp, sigma", "g differentiable", "no rule of the catalogue applies"}


@lru_cache(maxsize=1)
def table() -> dict:
    return json.loads((Path(__file__).with_name("axioms.json")).read_text(encoding="utf-8"))


def axioms() -> list[dict]:
    return table()["axioms"]


def ids() -> set[str]:
    return {a["id"] for a in axioms()}


def status(name: str, digest: str) -> str | None:
    """``axiom`` or ``theorem`` where ``digest`` is the pin of the catalogue's rule ``name``, else None."""
    pinned = table()["rules"].get(name)
    if not pinned or pinned[0] != digest:
        return None
    return "axiom" if pinned[1] else "theorem"


def rule_axiom(name: str) -> str | None:
    pinned = table()["rules"].get(name)
    return pinned[1] if pinned else None
