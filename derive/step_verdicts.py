"""What every check of a step shares: refusing a wrong step with its problem named, and the
numeric second opinion on a step already proved (:mod:`derive.verification` and the checks of
sequences and maxima in :mod:`derive.solution_checks`)."""
from __future__ import annotations

import random

import sympy as sp

from .errors import VerificationError
from .models import Model
from .numeric_check import numeric_opinion
from .steps import Step, Verification


def require(condition: object, step: Step, problem) -> None:
    """Raise, naming the problem (a string, or a function that writes it: formatting expressions
    costs, and is only wanted when the step is wrong)."""
    if not condition:
        raise VerificationError(f"step {step.rule!r} is wrong: {problem() if callable(problem) else problem}")


def second_opinion(before: sp.Basic, after: sp.Basic, model: Model, rng: random.Random, label: str,
                   how: str, proved_by: str = "") -> Verification:
    """A step proved for every size (``how``; by the rule ``proved_by``): check it numerically too,
    at the wide sizes and at the edges (every size at its least, empty ranges: see
    :meth:`Model.wide_size_choices`), which stand in for a small size; at a small size where
    nothing depends on a size."""
    points, worst = numeric_opinion(before, after, model, rng, label, None, 1)
    return Verification("symbolic", (), points, worst, detail=how, proved_by=proved_by)
