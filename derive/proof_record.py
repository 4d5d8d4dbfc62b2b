"""The record of the catalogue's proofs (``proofs.json`` beside the rules), and how far it is trusted.

``derive rules --prove`` writes the record: each rule's proof (how, at which sizes) under a hash of
the rule's logic (its file but its words).  Anyone who can edit a rules directory can compute that hash and write any
"proof" beside it, so the hash says only which text an entry is about, never that it was proved.
What is trusted is the record shipped with the package, pinned by the SHA-256 of its content in the
checker's data (``derive_checker/axioms.json``, key ``record``, written by
:func:`derive.certificate.refresh_pins`): an entry of it holds for a rule of any directory whose
text is exactly the shipped rule's.  Any other entry is a claim that the checker must prove again
before a step may say "proved" (:mod:`derive.rule_trust`).

Nothing here proves anything, and it imports nothing of the engine: loading the catalogue reads
the record, it never proves.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from .errors import CatalogueError

PROOFS_FILE = "proofs.json"  # beside the rules: each rule's proof, keyed by the hash of its logic
PIN_KEY = "record"  # the checker's pin of the shipped record, in derive_checker/axioms.json


def read_record(root: Path) -> dict[str, dict]:
    """The entries of the record in ``root`` by rule name ({} where there is no record)."""
    path = Path(root) / PROOFS_FILE
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["rules"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise CatalogueError(f"{path}: not a record of proofs ({exc})") from None
    if not isinstance(entries, dict) or not all(isinstance(e, dict) for e in entries.values()):
        raise CatalogueError(f"{path}: not a record of proofs (its 'rules' must map each rule to its proof)")
    return dict(entries)


def record_digest(entries: Mapping[str, Mapping]) -> str:
    """SHA-256 of a record's content (not its layout): what the checker pins."""
    return hashlib.sha256(json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode("utf-8")).hexdigest()


def pinned_digest() -> str | None:
    """The digest the checker pins for the shipped record (None: it pins none)."""
    from derive_checker.axioms import table  # the checker's data; imports only the standard library
    pinned = table().get(PIN_KEY)
    return pinned if isinstance(pinned, str) else None


@lru_cache(maxsize=None)
def trusted_entries(shipped_root: str) -> Mapping[str, Mapping]:
    """The shipped record's entries if its content is the one the checker pins, else none at all
    (an edited shipped record vouches for nothing)."""
    entries = read_record(Path(shipped_root))
    return entries if entries and record_digest(entries) == pinned_digest() else {}


def entry_for(entries: Mapping[str, Mapping], name: str, digest: str) -> Mapping | None:
    """The entry about the rule ``name`` as written now (its logic's hash ``digest``), if any."""
    entry = entries.get(name)
    return entry if isinstance(entry, Mapping) and entry.get("hash") == digest else None


def for_every_size(entry: Mapping | None) -> bool:
    """Whether an entry claims a symbolic proof with symbolic sizes (not at some sizes only)."""
    return bool(entry and entry.get("method") == "symbolic" and entry.get("sizes") == [])


def new_entry(digest: str, verification) -> dict:
    """What the record says of a rule's proof: its logic's hash, how it was proved, at which sizes
    (none: for every size), at how many points the second opinion agreed."""
    return {"hash": digest, "method": verification.method,
            "sizes": [dict(s) for s in verification.sizes], "points": verification.points}


def write_record(root: Path, entries: Mapping[str, Mapping]) -> Path:
    path = Path(root) / PROOFS_FILE
    try:
        path.write_text(json.dumps({"rules": dict(entries)}, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(f"cannot write the record of proofs to {path}: {exc.strerror}") from None
    return path
