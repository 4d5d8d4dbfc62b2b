"""Checks of the steps that define and unroll a sequence and that solve a constrained maximum (the
moving average, the maximum-likelihood estimate): each proves its step for every size where it can,
and gives a numeric second opinion, as :mod:`derive.verification` does for the rest."""
from __future__ import annotations

import random

import sympy as sp

from . import conventions as c
from .induction import vanishes
from .models import Model
from .numeric_check import POINTS_PER_SIZE
from .operations.optimisation import ESTIMATES, factored_sum
from .recurrences import iterate_error, proves_unrolled, sums_as_quantities
from .step_verdicts import require, second_opinion
from .steps import DEFINES_SEQUENCE, Equation, Step, Verification


def check_induction(previous: Equation, step: Step, rng: random.Random) -> Verification:
    """The new equation solves the recurrence the previous one states: proved for every t by
    induction (:mod:`derive.recurrences`), and checked by iterating the recurrence itself."""
    (t,) = step.check.variables
    require(proves_unrolled(previous, step.equation, t), step,
            lambda: f"{step.rhs} does not solve the recurrence {previous.lhs} = {previous.rhs} for every {t} "
            f"(no proof by induction on {t})")
    error = iterate_error(previous, step.equation, t, rng)
    require(error < INDUCTION_TOLERANCE, step,
            lambda: f"it differs from the recurrence iterated step by step (relative error {error:.1e})")
    return Verification("symbolic", (), 18, error, detail=f"by induction on {t}, and by iterating the recurrence")


INDUCTION_TOLERANCE = 1e-25  # 40-digit arithmetic


def check_solves(previous: Equation, step: Step, model: Model, rng: random.Random) -> Verification:
    """A stationary point: the previous line is ``∂F/∂u = g``; ``g = 0`` has exactly one solution
    for ``u``, and it is the new right side (written as the estimate û)."""
    (unknown,) = step.check.variables
    require(isinstance(previous.lhs, sp.Derivative) and previous.lhs.variables == (unknown,), step,
            lambda: f"the previous line is no derivative by {unknown} to set to zero")
    require(step.lhs == ESTIMATES[unknown.base][unknown.indices], step, lambda: f"{step.lhs} is not the estimate of {unknown}")
    solutions = sp.solve(previous.rhs, unknown)
    require(len(solutions) == 1 and vanishes(solutions[0] - step.rhs), step,
            lambda: f"{previous.rhs} = 0 gives {unknown} = {solutions}, not {step.rhs} alone")
    return second_opinion(previous.rhs.xreplace({unknown: step.rhs}), sp.Integer(0), model, rng, step.rule,
                          f"the one solution of {previous.rhs} = 0 for {unknown}")


def check_eliminated(previous: Equation, step: Step, model: Model, rng: random.Random) -> Verification:
    """The multiplier at the value that makes the estimates sum to one: put in, and the sum is 1."""
    ((multiplier, value),) = step.check.definitions.items()
    require(step.lhs == previous.lhs and step.rhs == previous.rhs.xreplace({multiplier: value}), step,
            lambda: f"the new line is not the previous one with {multiplier} = {value}")
    (index,) = step.lhs.indices
    size = model.class_size
    total = sp.Sum(step.rhs, (index, 1, size))
    require(vanishes(sums_as_quantities(factored_sum(total) - 1)), step,
            lambda: f"with {multiplier} = {value} the estimates do not sum to one")
    return second_opinion(total, sp.Integer(1), model, rng, step.rule,
                          f"the estimates sum to one at {multiplier} = {value}")


def check_named(previous: Equation, step: Step, model: Model, rng: random.Random) -> Verification:
    ((name, meaning),) = step.check.definitions.items()
    require(name == c.total and isinstance(meaning, sp.Sum) and meaning.function == c.counts[meaning.limits[0][0]],
            step, lambda: f"{name} = {meaning} is not the number of throws, the sum of the counts")
    require(step.lhs == previous.lhs and step.rhs.xreplace({name: meaning}) == previous.rhs, step,
            lambda: f"writing {name} back as {meaning} does not give the previous line")
    return second_opinion(previous.rhs, step.rhs.xreplace({name: meaning}), model, rng, step.rule,
                          f"{name} names {meaning}")


def check_negative_definite(previous: Equation, step: Step) -> Verification:
    """The second derivatives by ``u_j`` and ``u_m`` are ``δ_jm g``, every ``g < 0``: a diagonal
    Hessian with negative entries, negative definite (so the function is concave)."""
    require(step.equation == previous, step, "the claim restates the second derivatives it is about")
    first, second = (v.indices[-1] for v in step.check.variables)
    deltas = [f for f in sp.Mul.make_args(step.rhs) if isinstance(f, sp.KroneckerDelta)]
    require(len(deltas) == 1 and set(deltas[0].args) == {first, second}, step,
            lambda: f"{step.rhs} is not diagonal: no single Kronecker delta of {first} and {second}")
    entry = sp.Mul(*(f for f in sp.Mul.make_args(step.rhs) if not isinstance(f, sp.KroneckerDelta)))
    require(entry.is_negative is True, step, lambda: f"the diagonal entry {entry} is not negative")
    rng = random.Random(f"negative definite:{entry}")
    points = 0
    for _ in range(POINTS_PER_SIZE):  # the second opinion: the entry at random positive values
        value = sp.N(entry.xreplace({a: sp.Float(rng.uniform(0.05, 3.0), 30) for a in entry.atoms(sp.Indexed, sp.Symbol)}), 30)
        require(value.is_negative is True, step, lambda: f"the diagonal entry {entry} is {value} at a random point")
        points += 1
    return Verification("symbolic", (), points, 0.0, detail="a diagonal Hessian with negative entries")


def check_defines(step: Step) -> Verification:
    """A sequence defined step by step: ``x_t`` is given by values at earlier steps only, so the
    definition is well founded (from a starting value) and there is nothing to prove."""
    lhs = step.lhs
    require(isinstance(lhs, sp.Indexed) and len(lhs.indices) == 1 and isinstance(lhs.indices[0], sp.Symbol),
            step, lambda: f"{lhs} is not one value x_t of a sequence")
    t = lhs.indices[0]
    uses = [a for a in step.rhs.atoms(sp.Indexed) if a.base == lhs.base]
    earlier = all(((t - a.indices[0]).is_Integer and (t - a.indices[0]) > 0) for a in uses)
    require(bool(uses) and earlier, step,
            lambda: f"the definition of {lhs} must use {lhs.base} at earlier steps only, and does not")
    return Verification("symbolic", (), 0, 0.0, detail=DEFINES_SEQUENCE)


def verify_counts_premise(step: Step, model: Model, rng: random.Random) -> Verification:
    """The likelihood of counts must be the probability of any sequence of throws with those counts:
    for random sequences (K faces, n throws, n = 7 among them) the product of each throw's
    probability equals the likelihood at the sequence's counts, exactly."""
    product = step.rhs
    require(isinstance(product, sp.Product) and len(product.limits) == 1, step,
            lambda: f"{product} is no product over the faces")
    face, _, faces = product.limits[0]
    sizes, points = [], 0
    for classes in ([int(faces)] if faces.is_Integer else [2, 3, 6]):
        for throws in (1, 2, 7, rng.randint(3, 9)):
            outcomes = [rng.randint(1, classes) for _ in range(throws)]
            counts = {c.counts[k]: sp.Integer(outcomes.count(k)) for k in range(1, classes + 1)}
            at_counts = product.xreplace({c.K: classes}).doit().xreplace(counts)
            by_throws = sp.Mul(*(c.y[o] for o in outcomes))
            require(sp.expand(at_counts - by_throws) == 0, step,
                    lambda: f"for the throws {outcomes} it gives {at_counts}, not their probability {by_throws}")
            points += 1
        sizes.append({"K": classes})
    return Verification("symbolic", tuple(sizes), points, 0.0,
                        detail="the probability of any sequence of throws with these counts")
