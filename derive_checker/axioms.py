"""The axioms every verdict rests on, kept as data (``axioms.json`` beside this module): each with an id, its statement
in LaTeX and a reference (its words are each language's, rules/languages/<code>/axioms.toml, nothing the checker reads);
the conditions the model's facts discharge (``facts``), every model's conventions declare (``declared``) or a result
carries unproved (``restrictions``: a kink); the pins: each catalogue rule's logical content's SHA-256, with its axiom."""
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


def status(name: str, digest: str) -> str | None:
    """``axiom``/``theorem`` where ``digest`` pins the catalogue's ``name``, else None; a rule it lacks (a user's): a ``theorem``."""
    pinned = table()["rules"].get(name)
    return "theorem" if not pinned else None if pinned[0] != digest else "axiom" if pinned[1] else "theorem"
