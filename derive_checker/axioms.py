"""The axioms every verdict rests on, kept as data (``axioms.json`` beside this module): each with an
id, its statement in LaTeX and a reference (what it says in words is each language's, in
rules/languages/<code>/axioms.toml: presentation, nothing the checker reads); the conditions the model's facts
discharge (``facts``) or every model's conventions declare (``declared``); and the pins: the SHA-256
of each catalogue rule's logical content, with the axiom it is (null: a theorem the checker proves)."""
import hashlib
import json
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def table() -> dict:
    return json.loads((Path(__file__).with_name("axioms.json")).read_text(encoding="utf-8"))


def digest(document) -> str:
    """SHA-256 of ``document`` as canonical JSON."""
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def axioms() -> list[dict]:
    return table()["axioms"]


def status(name: str, digest: str) -> str | None:
    """``axiom``/``theorem`` where ``digest`` pins the catalogue's ``name``, else None; a rule it lacks (a user's): a ``theorem``."""
    pinned = table()["rules"].get(name)
    return "theorem" if not pinned else None if pinned[0] != digest else "axiom" if pinned[1] else "theorem"
