"""Whether a step applying a catalogue rule may say "proved for every size by the rule".

A rule is proved for every size where the record the checker pins (the shipped one) says so for its
logic as written (its words aside).  Where only another record claims it (an edited rules directory's, whose hash anyone
can compute), the claim is not taken: the checker (:mod:`derive_checker`) proves the rule's
statement afresh, once per process, from the statement alone (wilds as fresh symbols with the
assumptions its conditions state, sizes from 1, only the facts the rule requires).  A claim the
checker cannot prove leaves each step applying the rule checked on its own, and at best
"checked numerically" when that check is only at some sizes.

This runs when a step is verified, never when the catalogue loads.
"""
from __future__ import annotations

from functools import lru_cache

from . import catalogue
from .catalogue import Rule
from .certificate import NotCertifiable, rule_statement


def proved_for_every_size(rule: Rule) -> bool:
    return catalogue.proved_for_every_size(rule) or (catalogue.claimed_for_every_size(rule) and rechecked(rule))


@lru_cache(maxsize=None)
def rechecked(rule: Rule) -> bool:
    """Whether the checker proves the rule's statement for every size itself."""
    from derive_checker.expressions import Malformed
    from derive_checker.model import Model
    from derive_checker.rules import theorem
    from derive_checker.zero import Refused

    model = {"sizes": {"N": {"min": 1}, "K": {"min": 2 if rule.requires else 1}},  # as the engine's proof reads it
             "symbols": {"N": "size", "K": "size"}, "facts": sorted(rule.requires)}
    if rule.requires:
        model["arrays"] = {"t": "label", "y": "probability", "z": "real"}
    try:
        verdict = theorem(rule.name, rule_statement(rule), "theorem", Model(model), {})
    except (Malformed, Refused, NotCertifiable, TypeError, ValueError):
        return False
    return verdict["verdict"] == "proved"
