"""The blackboard view: a derivation's steps grouped into the lines a lecturer writes.

The engine decides the grouping from the kinds of the rules (their ``role`` in the catalogue), not
per derivation: bookkeeping (renaming an index, linearity, constant factors, multiplying out) joins
the line of the idea before it, or, right after the derivation's starting line, the idea after
it; consecutive steps of one idea (logarithm rules, differentiation, Kronecker deltas collapsing,
tidying) make one line, and so does a starting point with the model's link written into it;
differentiating both sides always opens a line (a second derivative shows the first).
Each line is verified twice over: by its steps, each verified, and as an equation between its two ends, checked at random points where its steps are equalities (one of
them may differentiate both sides, or write an expression back in the model's names).
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import sympy as sp

from .catalogue import get_rule
from .models import Model
from .numeric_check import numeric_opinion, shared_points
from .steps import CheckKind, Equation, Step, Verification, weakest

BOOKKEEPING = "bookkeeping"
START = "start"
HEADS = (START, "link")  # lines that state a starting point: bookkeeping after them joins the next line
ENDS_CHECKABLE = {CheckKind.EQUAL, CheckKind.LOCAL, CheckKind.REWRITE, CheckKind.SPECIALISES, CheckKind.DIFFERENTIATED}


@dataclass(frozen=True)
class Line:
    """Steps ``first``..``last`` (0-based, inclusive) of a derivation, read as one line."""

    first: int
    last: int
    role: str
    equation: Equation
    verification: Verification

    @property
    def span(self) -> range:
        return range(self.first, self.last + 1)


def role_of(step: Step) -> str:
    if step.rule == "given":
        return START
    return get_rule(step.rule).role


def group(steps: tuple[Step, ...]) -> list[tuple[int, int, str]]:
    """``(first, last, role)`` of each line."""
    lines: list[list] = []
    pending: int | None = None  # the first of the bookkeeping steps not yet placed
    for n, step in enumerate(steps):
        role = role_of(step)
        if role == BOOKKEEPING:
            if lines and lines[-1][2] not in HEADS:
                lines[-1][1] = n
            elif pending is None:
                pending = n
            continue
        joins_start = role == "link" and lines and lines[-1][2] == START and lines[-1][1] == n - 1
        # differentiating both sides opens a line: a second derivative shows the first on its own line
        opens = step.check.how == CheckKind.DIFFERENTIATED
        if (lines and lines[-1][2] == role and role != START and pending is None and not opens) or joins_start:
            lines[-1][1] = n  # one idea's steps in a row, or a start written through the model's link
        else:
            lines.append([n if pending is None else pending, n, role])
        pending = None
    if pending is not None:
        if lines:
            lines[-1][1] = len(steps) - 1
        else:
            lines.append([pending, len(steps) - 1, BOOKKEEPING])
    return [tuple(line) for line in lines]


def lines_of(derivation) -> tuple[Line, ...]:
    """The lines of a derivation (what :attr:`Derivation.lines` gives, made once)."""
    return blackboard(derivation.steps, derivation.models) if derivation.models else ()


def blackboard(steps: tuple[Step, ...], models: tuple[Model, ...], seed: int = 0) -> tuple[Line, ...]:
    """The lines of a verified chain of steps (``models[n]`` the model step ``n`` was checked in)."""
    lines = []
    with shared_points(seed):
        for first, last, role in group(steps):
            previous = steps[first - 1].equation if first else None
            lines.append(Line(first, last, role, steps[last].equation,
                              _verify_line(previous, steps[first:last + 1], models[last], seed)))
    return tuple(lines)


def _verify_line(previous: Equation | None, steps: tuple[Step, ...], model: Model, seed: int) -> Verification:
    if len(steps) == 1:
        return steps[0].verification
    method = weakest(steps)
    sizes = tuple(s for step in steps for s in step.verification.sizes)
    ends = _ends(previous, steps)
    points, worst = 0, 0.0
    if ends is not None and method != "no":
        before, after = ends
        rng = random.Random(f"{seed}:line:{sp.srepr(after)}")
        small = model.size_choices(sp.Tuple(before, after))[:1]
        points, worst = numeric_opinion(before, after, model, rng, f"line ending in {steps[-1].rule}", small, 1)
    return Verification(method, sizes, points, worst, detail=f"steps:{len(steps)}")


def _ends(previous: Equation | None, steps: tuple[Step, ...]) -> tuple[sp.Basic, sp.Basic] | None:
    """What the line's two ends say is equal, where its steps let that be read off: the right sides
    (the one before a step that differentiates both sides, differentiated; the last written in the
    earlier names where a step wrote it in the model's), else ``None``."""
    if previous is None or any(CheckKind(step.check.how) not in ENDS_CHECKABLE for step in steps):
        return None
    differentiated = [n for n, step in enumerate(steps) if step.check.how == CheckKind.DIFFERENTIATED]
    if len(differentiated) > 1:
        return None
    before = previous.rhs
    if differentiated:  # from just before it: the steps before rename what would clash with its variable
        (n,) = differentiated
        before = sp.Derivative(steps[n - 1].rhs if n else previous.rhs, *steps[n].check.variables)
    after = steps[-1].rhs
    for step in reversed(steps):
        if step.check.how == CheckKind.SPECIALISES:
            after = after.xreplace(dict(step.check.mapping))
    return before, after
