"""How a step's verification reads, in each language's fixed phrases (``rules/languages/<code>/phrases.toml``)."""
from __future__ import annotations

from ..languages import language
from ..steps import ASSUMED, DEFINES_SEQUENCE, FROM_GIVEN, RESTRICTED, STATED, Verification
from .citations import cited_place

GIVEN_MARK = "◦"  # a line taken as given (a user's loss): nothing proved, nothing failed; ✓ and ≈ mark the others


def phrase(lang: str, key: str, **values: object) -> str:
    return language(lang).phrase(key, **values)


def verification_text(verification: Verification, lang: str) -> str:
    if verification.source and verification.verified and verification.detail == FROM_GIVEN:
        return phrase(lang, "inherited_from_given", source=cited_place(verification.source))
    if verification.source and verification.verified:
        return phrase(lang, "inherited", source=cited_place(verification.source))
    if verification.method == "symbolic" and verification.detail == DEFINES_SEQUENCE:
        return phrase(lang, "defined_sequence")
    if verification.method == "symbolic" and verification.detail == STATED:
        return phrase(lang, "stated", axioms=", ".join(verification.axioms) or "-")
    if verification.method == "symbolic" and verification.proved_by and verification.detail.endswith(RESTRICTED):
        return phrase(lang, "by_rule_restricted", rule=verification.proved_by, points=verification.points)
    if verification.method == "symbolic" and verification.proved_by:
        return phrase(lang, "by_rule", rule=verification.proved_by, points=verification.points)
    if verification.method == "symbolic":
        sizes = ""
        if verification.sizes:
            values: dict[str, list[int]] = {}
            for combination in verification.sizes:
                for name, value in combination.items():
                    values.setdefault(name, [])
                    if value not in values[name]:
                        values[name].append(value)
            listed = ", ".join(f"{name} = {', '.join(map(str, vs))}" for name, vs in values.items())
            sizes = phrase(lang, "at_sizes", sizes=listed)
            return phrase(lang, "symbolic_at_sizes", sizes=sizes, points=verification.points)
        return phrase(lang, "symbolic", points=verification.points)
    if verification.method == "numeric":
        return phrase(lang, "numeric", points=verification.points)
    if verification.detail == ASSUMED:  # the engine's words for a user's loss, said in the language, marked
        return f"{GIVEN_MARK} " + phrase(lang, "no", detail=phrase(lang, "assumed"))  # as given, not as failed
    return phrase(lang, "no", detail=verification.detail or "-")


def line_verification_text(verification: Verification, steps, lang: str) -> str:
    """How a blackboard line was checked: by its steps (one step: as that step was), and end to end."""
    if len(steps) == 1:
        return verification_text(steps[0].verification, lang)
    key = {"symbolic": "line_at_sizes" if verification.sizes else "line_symbolic",
           "numeric": "line_numeric"}.get(verification.method, "line_no")
    text = phrase(lang, key, count=len(steps))
    if any(RESTRICTED in (s.verification.detail or "") for s in steps):  # a kink excluded: said on the line too
        text += phrase(lang, "line_restricted")
    if verification.points:
        text += phrase(lang, "line_ends", points=verification.points)
    return text
