"""The checker alone decides a ✓.

The engine (strategies, rules, operations) only proposes steps.  :func:`checked` writes the proposed
chain as a certificate (:mod:`derive.certificate`) and hands it to :mod:`derive_checker`, which
imports nothing of the engine; each step's :class:`~derive.steps.Verification` is then the checker's
verdict on it, word for word, and a step the checker refuses refuses the whole derivation with a
:class:`~derive.errors.VerificationError` naming that step and the checker's reason.
"""
from __future__ import annotations

import json
from dataclasses import replace

from .certificate import NotCertifiable, remember, unlisted
from .errors import VerificationError
from .input_limits import checkpoint
from .work_budget import operations
from .steps import ASSUMED, DEFINES_SEQUENCE, FROM_GIVEN, RESTRICTED, STATED, Derivation, Step, Verification


def checked(derivation: Derivation) -> Derivation:
    """``derivation`` with each step's verification the checker's verdict on its certificate."""
    # the checker sees no limit of derive's: its work (every step re-checked) is charged before it starts, the
    # same whether it keeps a verdict from before or not, and a time limit that ran out while it checked stops below
    checkpoint(sum(operations(*step.equation) for step in derivation.steps), "certificate")
    try:
        document = unlisted(derivation)
    except NotCertifiable as error:
        raise VerificationError(f"derivation {derivation.name!r} cannot be checked: {error}") from None
    return checked_as(derivation, document)


def checked_as(derivation: Derivation, document: dict) -> Derivation:
    """``derivation`` with each step's verification the checker's verdict on ``document``, its certificate
    written before (by :func:`checked`, or shipped with a built-in and bound to it by
    :mod:`derive.derivations.shipped`)."""
    from derive_checker.certificate import check_certificate
    from derive_checker.expressions import Malformed

    try:
        document = json.loads(json.dumps(document, ensure_ascii=False))
        report = check_certificate(document, listed=False)
    except (NotCertifiable, Malformed) as error:
        raise VerificationError(f"derivation {derivation.name!r} cannot be checked: {error}") from None
    checkpoint()
    if not report["ok"]:
        raise VerificationError(f"derivation {derivation.name!r}: the checker refuses {report['failure']}")
    steps = tuple(step.with_verification(_verification(step, verdict))
                  for step, verdict in zip(derivation.steps, report["steps"], strict=True))
    made = replace(derivation, steps=steps)
    remember(made, document, report)  # its certificate, for --format certificate and for a derivation that cites it
    return made


def _verification(step: Step, verdict: dict) -> Verification:
    """The checker's verdict on one step, as the printers show a verification."""
    kind, detail = verdict["verdict"], str(verdict.get("detail", ""))
    points, worst = int(verdict.get("points", 0) or 0), float(verdict.get("worst", 0.0) or 0.0)
    source = ""
    if verdict["check"] == "derived":
        source = step.check.derivation.name if step.check.derivation is not None else str(step.check.name)
    if kind == "given" and verdict["check"] == "derived":  # the cited derivation's only unproved step is its start
        return Verification("symbolic", (), points, worst, detail=FROM_GIVEN, source=source,
                            axioms=tuple(verdict.get("axioms", ())))
    if kind == "given":
        return Verification("no", detail=ASSUMED, source=source)
    if kind == "stated":
        return Verification("symbolic", (), points, worst, source=source,
                            detail=DEFINES_SEQUENCE if verdict["check"] == "defines" else STATED,
                            axioms=tuple(verdict.get("axioms", ())))
    if kind == "proved" and not detail:
        detail = f"proved by the checker from {', '.join(verdict.get('axioms', ())) or 'the expressions as they stand'}"
    if RESTRICTED in verdict.get("conditions", ()):  # holds only where the rule's restriction does (a kink excluded)
        detail = f"{detail}; {RESTRICTED}"
    method = "symbolic" if kind == "proved" else "numeric"
    proved_by = step.rule if kind == "proved" and verdict["check"] == "rewrite" else ""
    return Verification(method, (), points, worst, detail=detail, source=source, proved_by=proved_by,
                        axioms=tuple(verdict.get("axioms", ())))
