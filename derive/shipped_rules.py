"""Whether data shipped in the package (the built-ins' finished derivations, :mod:`derive.derivations.shipped`,
and their kernels, :mod:`derive.kernels.shipped`) may be used: not switched off, the shipped catalogue
in use, and made from the very rules in use (their fingerprint).  Shared by both, so the two kinds of
shipped data are used, or not, alike."""
from __future__ import annotations

import hashlib
import os

SWITCH = "DERIVE_SHIPPED"  # "0": derive every built-in with the engine (what the writers and their tests do)


def fingerprint(version: int = 1) -> str:
    """SHA-256 of what shipped data is made from: the rules directory in use (catalogue, declarations,
    languages, proofs) and the data's format ``version`` (a change of the engine's code is the tests' to see)."""
    from .rules_location import rules_directory

    digest = hashlib.sha256(f"{version}".encode())
    root = rules_directory()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".toml", ".json") and p.is_file()):  # no stray file counts
        digest.update(b"\x00" + path.relative_to(root).as_posix().encode() + b"\x00" + path.read_bytes())
    return digest.hexdigest()


def wanted() -> bool:
    """Whether shipped data may be used: not switched off, the shipped catalogue in use, and the
    shipped languages alone (a record holds its titles in those; a language added from files is
    printed from what the engine derives)."""
    from .rules_location import CATALOGUE_VARIABLE
    from .languages import EXTRA_VARIABLE
    return os.environ.get(SWITCH, "1") != "0" and not os.environ.get(CATALOGUE_VARIABLE) and not os.environ.get(EXTRA_VARIABLE)
