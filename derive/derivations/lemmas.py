"""The lemmas other derivations cite: each a derivation of its own from the definitions, every
step verified, declared ``lemma = true`` in rules/derivations and numbered L1, L2, ... in the
order declared.  A catalogue rule that states a lemma's result names it (``lemma =
"sigmoid-derivative"``), and a step applying that rule (or the chain rule through it) cites the
lemma by its label."""
from __future__ import annotations

from .runner import lemmas


def label(name: str) -> str:
    """``L1`` for the first lemma; a derivation that is not a lemma is cited by its name."""
    declared = lemmas()
    return f"L{declared.index(name) + 1}" if name in declared else name
