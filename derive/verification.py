"""Check that each step follows from the one before: a symbolic proof, then random points.

The symbolic proof simplifies the difference of the two sides to zero, at general sizes where the
difference has no sum or product of symbolic length, else at concrete sizes (recorded in the
result).  The numeric check evaluates both sides to 30 digits at random points inside the model's
domain.  A numeric disagreement rejects the step with :class:`VerificationError`, whatever the
symbolic attempt said; a step that passes only the numeric check is marked ``"numeric"``.
"""
from __future__ import annotations

import itertools
import random
from typing import Mapping

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

from . import conventions as c
from .errors import VerificationError
from .functions import BINDERS, Maximum, plain
from .models import Model
from .steps import CheckKind, Equation, Step, Verification
from .rewriting import merged
from .vector_forms import explicit, to_components

POINTS_PER_SIZE = 3
DIGITS = 50  # the numeric check evaluates both sides to this many digits
RETRY_DIGITS = 200  # and where they differ, again to this many, before calling the step wrong
TOLERANCE = sp.Float("1e-40", DIGITS)  # relative: exact inputs agree far closer than this
INDUCTION_OPERATIONS = 80  # past this an induction proof (solving for a sum) is not tried: too slow
FLOAT_DIGITS = 15  # a Float in a step counts as at least this precise (a 1-digit 2.0 is 2, not 2 +- 10)


def verify_step(previous: Equation | None, step: Step, model: Model, seed: int = 0) -> Verification:
    """Return how ``step`` was verified, or raise :class:`VerificationError` if it is wrong."""
    rng = random.Random(f"{seed}:{step.rule}:{sp.srepr(step.rhs)}")
    try:
        how = CheckKind(step.check.how)
    except ValueError:
        raise VerificationError(f"step {step.rule!r}: unknown check {step.check.how!r}") from None
    if how in NEEDS_PREVIOUS and previous is None:
        raise VerificationError(f"step {step.rule!r} needs a previous equation to be checked against")
    return _CHECKS[how](previous, step, model, rng)


def _check_equal(previous: Equation, step: Step, model: Model, rng: random.Random) -> Verification:
    _require(step.lhs == previous.lhs, step, f"the left side changed from {previous.lhs} to {step.lhs}")
    return compare(previous.rhs, step.rhs, model, rng, step.rule)


def _check_implied(previous: Equation, step: Step, model: Model, rng: random.Random) -> Verification:
    """The new left side, written by the definitions of the rule the step names (and the old left
    side by the old right side), equals the new right side.  The definitions must be that rule's
    own: a step cannot bring definitions of its own making."""
    from .catalogue import get_rule  # the catalogue is read only for the rule's definitions

    definitions = dict(step.check.definitions)
    _require(definitions == get_rule(step.rule).table("defines"), step,
             f"its definitions {definitions} are not those of the rule {step.rule}")
    lhs = step.lhs.xreplace(definitions).xreplace({previous.lhs: previous.rhs})
    return compare(lhs, step.rhs, model, rng, step.rule)


def _check_specialises(previous: Equation, step: Step, model: Model, rng: random.Random) -> Verification:
    mapping = dict(step.check.mapping)
    for old, new in mapping.items():
        _require_specialisation(old, new, model, step)
    back_lhs = _specialise(step.lhs, mapping)
    _require(back_lhs == previous.lhs, step, f"specialising the left side gives {back_lhs}, not {previous.lhs}")
    back = _specialise(step.rhs, mapping)
    if canonical_indices(merged(back)) == canonical_indices(merged(previous.rhs)):
        return _second_opinion(previous.rhs, back, model, rng, step.rule,
                               "the previous line, with what the model defines written by its name")
    return compare(previous.rhs, back, model, rng, step.rule)


def _require_specialisation(old: sp.Basic, new: sp.Basic, model: Model, step: Step) -> None:
    """What a general line may be specialised by: a size set to a number of at least 1, one
    sample's scalar written as component 1 of its array (or back), a stacked matrix as its row,
    or a prediction written through the model's own link."""
    scalars = {scalar: base for base, scalar in c.SCALARS.items()}
    if old in c.SIZES + model.sizes:
        _require(new.is_Integer and new >= 1, step, f"a size is specialised to {new}, not a number of at least 1")
    elif old in scalars:
        _require(new == scalars[old][1], step, f"{old} is specialised to {new}, not to its component 1")
    elif isinstance(old, sp.Indexed) and old.indices == (1,) and old.base in c.SCALARS and new == c.SCALARS[old.base]:
        pass
    elif isinstance(old, sp.MatrixSymbol):
        _require(str(new).lower() == old.name.lower(), step, f"the matrix {old} is specialised to {new}, not its row")
    elif isinstance(old, sp.Indexed) and old.base == c.y and model.link:
        from .operations.links import is_link_of  # operations sit above verification
        _require(is_link_of(new, old, model.link, model.classes or c.K), step,
                 f"{old} = {new} is not the model's {model.link} of the logits")
    else:
        _require(False, step, f"{old} = {new} is no specialisation: a size, a sample's scalar, a stacked "
                              "matrix or a prediction through the model's link")


def _check_differentiated(previous: Equation, step: Step, model: Model, rng: random.Random) -> Verification:
    (variable,) = step.check.variables
    _require(step.lhs == sp.Derivative(previous.lhs, variable), step, "the left side is not the derivative of the previous one")
    if step.rhs == sp.Derivative(previous.rhs, variable):  # equal functions have equal derivatives
        return _second_opinion(sp.Derivative(previous.rhs, variable), step.rhs, model, rng,
                               step.rule, "both sides of an equation that holds differentiated")
    return compare(sp.Derivative(previous.rhs, variable), step.rhs, model, rng, step.rule)


def _check_rewrite(previous: Equation, step: Step, model: Model, rng: random.Random) -> Verification:
    """The step applies the catalogue rule it names at its location: the rule, matched there afresh
    with its conditions checked, must give exactly the new right side.  A rule whose generic
    statement is proved for every size then proves the step for every size, and the numeric check
    is the second opinion; a rule proved only at some sizes leaves the step to :func:`compare`."""
    from .catalogue import get_rule, proved_for_every_size  # the catalogue is read only when a rule is replayed
    from .rewriting import match_rule, merged, replace_at, subexpression_at

    rule = get_rule(step.rule)
    _require(rule.operation == "rewrite", step, f"{rule.name} is not a rewrite rule")
    _require(step.lhs == previous.lhs, step, "the left side changed")
    missing = set(rule.requires) - model.facts
    _require(not missing, step, f"{rule.name} needs {sorted(missing)}, which the model does not give")
    sub = subexpression_at(previous.rhs, step.location)
    _require(sub is not None, step, f"the previous right side has no part at {step.location}")
    binding = match_rule(rule, sub, model)
    _require(binding is not None, step, f"{rule.name} does not match {sub}, or its conditions do not hold there")
    scope = {name: binding.get(name, w) for name, w in rule.wilds.items()}
    rebuilt = merged(rule.pattern("lhs", scope))
    _require(rebuilt == merged(sub) or sp.expand(rebuilt) == sp.expand(merged(sub)), step,
             f"{rule.name}'s left side does not give back {sub}")
    rhs = replace_at(previous.rhs, step.location, rule.pattern("rhs", scope))
    _require(rhs == step.rhs, step, f"{rule.name} applied at {sub} gives {rhs}, not {step.rhs}")
    if not proved_for_every_size(rule):
        return compare(previous.rhs, step.rhs, model, rng, step.rule)
    small = model.size_choices(sp.Tuple(previous.rhs, step.rhs))[:1]
    points, worst = numeric_opinion(previous.rhs, step.rhs, model, rng, step.rule, small, 1)
    return Verification("symbolic", (), points, worst, detail="its conditions hold at the match",
                        proved_by=rule.name)


def _check_local(previous: Equation, step: Step, model: Model, rng: random.Random) -> Verification:
    """One part of the right side was replaced: that part, and nothing else, must have changed.
    Equal parts make equal wholes, so a proof that the part equals its replacement with symbolic
    sizes and indices (an index bound outside it taken as any integer) proves the step for every
    size; where there is none, the whole step is compared as any other."""
    from .models import _free_indices
    from .rewriting import enclosing_limits, replace_at, subexpression_at

    _require(step.lhs == previous.lhs, step, "the left side changed")
    ((old, new),) = step.check.definitions.items()
    _require(subexpression_at(previous.rhs, step.location) == old, step,
             f"the previous right side has no {old} at {step.location}")
    _require(replace_at(previous.rhs, step.location, new) == step.rhs, step,
             f"replacing {old} by {new} does not give {step.rhs}")
    ranges = enclosing_limits(previous.rhs, step.location)
    ranges.update({ix: (sp.Integer(1), model._range_of(ix, previous.rhs)) for ix in _free_indices(previous.rhs)})
    how = proves_for_every_size(old, new, model, ranges)
    if not how:
        return compare(previous.rhs, step.rhs, model, rng, step.rule)
    return _second_opinion(previous.rhs, step.rhs, model, rng, step.rule, how)


def _second_opinion(before: sp.Basic, after: sp.Basic, model: Model, rng: random.Random, label: str,
                    how: str) -> Verification:
    """A step proved for every size by how it was made: check it numerically as well."""
    small = model.size_choices(sp.Tuple(before, after))[:1]
    points, worst = numeric_opinion(before, after, model, rng, label, small, POINTS_PER_SIZE)
    return Verification("symbolic", (), points, worst, detail=how)


def proves_for_every_size(before: sp.Basic, after: sp.Basic, model: Model,
                          ranges: Mapping[sp.Symbol, tuple[sp.Basic, sp.Basic]] | None = None) -> str:
    """How ``before == after`` is proved with symbolic sizes and indices, or ``""`` where it is not:
    the same expression up to the names of summation indices; else derivatives carried out and
    sums of Kronecker deltas collapsed (each index inside its ``ranges``), a difference that
    vanishes; else by induction on the number of terms."""
    if canonical_indices(merged(before)) == canonical_indices(merged(after)):
        return "the same expression with a summation index renamed"
    if before.atoms(sp.MatrixSymbol) or after.atoms(sp.MatrixSymbol):
        return ""
    if model.link and sp.Tuple(before, after).has(sp.Derivative):
        # a prediction is a function of the logits, which the part does not show: write it out
        from .operations.links import _link_table  # operations sit above verification
        if any(v.has(c.y, c.y_scalar) for d in sp.Tuple(before, after).atoms(sp.Derivative) for v in d.variables):
            return ""  # a derivative by a prediction itself: not a function of the logits here
        table = _link_table(sp.Tuple(before, after), model.link, model.classes or c.K)
        before, after = before.xreplace(table), after.xreplace(table)
    done = [_inside_ranges(_collapse_deltas(_doit_derivatives(side)), ranges or {}) for side in (before, after)]
    difference = done[0] - done[1]
    if difference == 0 or canonical_indices(merged(done[0])) == canonical_indices(merged(done[1])):
        return "proved with symbolic sizes and indices"
    if _no_symbolic_length(difference) and proves_zero(difference, model, {}):
        return "proved with symbolic sizes and indices"
    from .induction import prove_by_induction  # only where the sums stay symbolic
    if sp.count_ops(difference) <= INDUCTION_OPERATIONS and prove_by_induction(*done):
        return "proved for every number of terms, by induction"
    if "one_hot_labels" in model.facts and difference.has(c.t):
        from .one_hot import prove_one_hot
        if prove_one_hot(*done):
            return "proved for every class each label can be hot in, for every number of classes"
    return ""


def _collapse_deltas(expr: sp.Basic) -> sp.Basic:
    """Carry out the sums that hold a Kronecker delta (SymPy picks out the one term)."""
    if not expr.has(sp.KroneckerDelta):
        return expr
    return expr.replace(lambda e: isinstance(e, sp.Sum) and e.function.has(sp.KroneckerDelta),
                        lambda e: e.doit(deep=False))


def _inside_ranges(expr: sp.Basic, ranges: Mapping[sp.Symbol, tuple[sp.Basic, sp.Basic]]) -> sp.Basic:
    """Take the branch of each ``Piecewise`` whose condition says only that indices lie inside
    their ranges (as a collapsed sum leaves: ``f_i if 1 <= i <= N``)."""
    def holds(relation: sp.Basic) -> bool:
        if relation is sp.true:
            return True
        if isinstance(relation, sp.And):
            return all(holds(r) for r in relation.args)
        if isinstance(relation, (sp.GreaterThan, sp.LessThan)):
            big, small = (relation.lhs, relation.rhs) if isinstance(relation, sp.GreaterThan) else (relation.rhs, relation.lhs)
            if small in ranges and big == ranges[small][1]:
                return True
            if big in ranges and (small == ranges[big][0] or (small - ranges[big][0]).is_nonpositive):
                return True
            if small in ranges and big in ranges:
                return False
            return bool((big - small).is_nonnegative)
        return False

    def branch(piecewise: sp.Piecewise) -> sp.Basic:
        value, condition = piecewise.args[0]
        return value if holds(condition) else piecewise

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), branch) if expr.has(sp.Piecewise) else expr


def _no_symbolic_length(expr: sp.Basic) -> bool:
    return not any(isinstance(e, BINDERS) and e.free_symbols & set(c.SIZES) for e in sp.preorder_traversal(expr))


def canonical_indices(expr: sp.Basic) -> sp.Basic:
    """``expr`` with every summation index renamed in order of appearance, so two expressions that
    differ only in the names of their bound indices become the same."""
    names = iter(sp.numbered_symbols("_bound", integer=True))

    def rename(node: sp.Basic) -> sp.Basic:
        if not node.args or isinstance(node, (sp.Indexed, sp.IndexedBase)):
            return node
        if isinstance(node, BINDERS):
            function = node.function
            limits = []
            for variable, *bounds in node.limits:
                fresh = next(names)
                function = function.xreplace({variable: fresh})
                limits.append((fresh, *(rename(b) for b in bounds)))
            return node.func(rename(function), *limits)
        return node.func(*(rename(a) for a in node.args))

    return rename(expr)


def _check_instance(previous: Equation, step: Step, model: Model, rng: random.Random) -> Verification:
    _require(step.lhs == previous.lhs, step, "the left side changed")
    mapping = {old: sp.Integer(new) if isinstance(new, int) else new for old, new in step.check.mapping.items()}
    for old, new in mapping.items():
        _require_inside_model(old, new, mapping, model, step)
    if previous.rhs.xreplace(mapping) == step.rhs:  # an identity holds at every point inside the model
        return _second_opinion(previous.rhs.xreplace(mapping), step.rhs, model, rng, step.rule,
                               "the previous line at values inside the model")
    return compare(previous.rhs.xreplace(mapping), step.rhs, model, rng, step.rule)


NEEDS_PREVIOUS = {CheckKind.REWRITE, CheckKind.LOCAL, CheckKind.EQUAL, CheckKind.IMPLIED, CheckKind.SPECIALISES, CheckKind.DIFFERENTIATED, CheckKind.INSTANCE}
_CHECKS = {  # what verifying a step means, by the kind of check its operation asked for
    CheckKind.PREMISE: lambda previous, step, model, rng: _verify_premise(step, model, rng),
    CheckKind.GIVEN: lambda previous, step, model, rng: Verification("no", detail="an assumption of the model, not derived"),
    CheckKind.DERIVED: lambda previous, step, model, rng: _verify_derived(step),
    CheckKind.HOLDS: lambda previous, step, model, rng: compare(step.lhs, step.rhs, model, rng, step.rule),
    CheckKind.DERIVATIVES: lambda previous, step, model, rng: _verify_derivatives(previous, step, model, rng),
    CheckKind.EQUAL: _check_equal,
    CheckKind.IMPLIED: _check_implied,
    CheckKind.SPECIALISES: _check_specialises,
    CheckKind.DIFFERENTIATED: _check_differentiated,
    CheckKind.INSTANCE: _check_instance,
    CheckKind.REWRITE: _check_rewrite,
    CheckKind.LOCAL: _check_local,
}


def _verify_derived(step: Step) -> Verification:
    """The step states the result of a derivation: that derivation must exist, its result must be
    the step's equation, and the step is as verified as that derivation's weakest step."""
    source = step.check.derivation
    if source is None:
        from .derivations import get, names  # the built-ins sit above this module
        _require(step.check.name in names(), step,
                 f"it claims the result of a derivation {step.check.name!r}, and there is none of that name")
        source = get(step.check.name)
    _require(source.result == step.equation, step,
             f"{step.equation.lhs} = {step.equation.rhs} is not the result of {source.name} "
             f"({source.result.lhs} = {source.result.rhs})")
    weakest = source.weakest_check
    _require(step.check.inherited in ("", weakest), step,
             f"it claims {source.name} was verified {step.check.inherited!r}; its weakest step was {weakest!r}")
    return Verification(weakest, detail=f"the verified result of {source.name}", source=source.name)


def _require_inside_model(old: sp.Basic, new: sp.Basic, mapping, model: Model, step: Step) -> None:
    """An instance substitutes a symbol or an array component, by a value the model allows there:
    a label 0 or 1 (one-hot rows), a probability in (0, 1) (a row's sum at most 1, exactly 1 when
    all of it is given), or the model's own link of the logits."""
    _require(isinstance(old, (sp.Symbol, sp.Indexed)), step,
             f"an instance may only substitute symbols or array components, not {old}")
    base = old.base if isinstance(old, sp.Indexed) else old
    if new.is_number:
        value = sp.nsimplify(new) if isinstance(new, sp.Float) else new
        if base in (c.t, c.t_scalar) and ({"one_hot_labels", "binary_labels"} & model.facts):
            _require(value in (0, 1), step, f"{old} = {new} is not a label (0 or 1)")
        elif base in (c.t, c.t_scalar):
            _require(bool(0 <= value <= 1), step, f"{old} = {new} is not a target in [0, 1]")
        elif base in (c.y, c.y_scalar):
            _require(bool(0 < value < 1), step, f"{old} = {new} is not a probability in (0, 1)")
        if isinstance(old, sp.Indexed) and model.categorical and base in (c.y, c.t):
            row = [v for k, v in mapping.items() if isinstance(k, sp.Indexed) and k.base == base
                   and k.indices[:-1] == old.indices[:-1] and v.is_number]
            total = sum(sp.nsimplify(v) if isinstance(v, sp.Float) else v for v in row)
            complete = model.classes is not None and len(row) == model.classes
            _require(bool(total == 1) if complete else bool(total <= 1), step,
                     f"the values given for the row of {old} sum to {total}, outside the model")
        return
    if base in (c.y, c.y_scalar) and model.link:
        from .operations.links import is_link_of  # operations sit above verification
        _require(is_link_of(new, old, model.link, model.classes or c.K), step,
                 f"{old} = {new} is not the model's {model.link} of the logits")
        return
    _require(False, step, f"{old} = {new} leaves the model: an instance gives labels and predictions "
                          "values inside it, or writes a prediction through the model's link")


def _require(condition: bool, step: Step, problem: str) -> None:
    if not condition:
        raise VerificationError(f"step {step.rule!r} is wrong: {problem}")


def _specialise(expr: sp.Basic, mapping: Mapping[sp.Basic, sp.Basic]) -> sp.Basic:
    once = expr.xreplace(mapping)
    if once.has(sp.Sum, sp.Product) or once.atoms(sp.MatrixSymbol):
        once = _doit_sums(once).xreplace(mapping)
    return once


def _doit_sums(expr: sp.Basic) -> sp.Basic:
    """Write out sums and products of concrete length term by term (SymPy's ``doit`` would first
    search for a closed form, which is slow and not needed), leaving the rest alone."""
    if not expr.has(sp.Sum, sp.Product):
        return expr
    args = [_doit_sums(a) for a in expr.args]
    if isinstance(expr, (sp.Sum, sp.Product)):
        function, limits = args[0], expr.limits
        if all(bound.is_Integer for _, *bounds in limits for bound in bounds):
            for variable, lower, upper in limits:
                terms = [function.xreplace({variable: sp.Integer(v)}) for v in range(int(lower), int(upper) + 1)]
                function = sp.Add(*terms) if isinstance(expr, sp.Sum) else sp.Mul(*terms)
            return function
        return type(expr)(function, *limits)
    return expr.func(*args) if args != list(expr.args) else expr


def compare(before: sp.Basic, after: sp.Basic, model: Model, rng: random.Random, label: str) -> Verification:
    """Check ``before == after`` symbolically and at random points; raise if they differ.  The
    proof is tried with symbolic sizes and indices first (:func:`proves_for_every_size`), then at
    the small concrete sizes, where it says so."""
    difference_sizes = model.size_choices(sp.Tuple(before, after))
    points, worst = numeric_opinion(before, after, model, rng, label, difference_sizes, POINTS_PER_SIZE)
    how = proves_for_every_size(before, after, model)
    if how:
        return Verification("symbolic", (), points, worst, detail=how)
    if all(proves_zero(concrete(before, s, model) - concrete(after, s, model), model, s)
           for s in difference_sizes):
        named = tuple({str(k): int(v) for k, v in s.items()} for s in difference_sizes if s)
        return Verification("symbolic", named, points, worst)
    return Verification("numeric", (), points, worst, detail="no symbolic proof found")


def numeric_opinion(before: sp.Basic, after: sp.Basic, model: Model, rng: random.Random, label: str,
                    small: list, per_size: int) -> tuple[int, float]:
    """Evaluate both sides at ``per_size`` random points for each of the ``small`` sizes, then once
    at each wide size (every size 7, indices last; sizes 4..9, indices inner); raise where they
    differ.  Returns how many points were checked and the largest relative difference."""
    worst, points = 0.0, 0
    wide = [s for s in model.wide_size_choices(sp.Tuple(before, after), rng) if s not in small]
    for sizes, count, first in [*((s, per_size, 0) for s in small), *((s, 1, 2 * n) for n, s in enumerate(wide))]:
        evaluate = _evaluator(before, after, model, sizes)
        for point in range(first, first + count):
            worst = max(worst, evaluate(rng, label, point))
            points += 1
    return points, worst


def _evaluator(before: sp.Basic, after: sp.Basic, model: Model, sizes):
    """How to evaluate both sides at random points at these sizes: walking the tree (sums as loops,
    derivatives as dual numbers), or, where the walk has no rule, writing them out first."""
    from .numeric_walk import NotWalkable, Walk, components, walkable

    if walkable(before) and walkable(after):
        try:
            needed, named = components((before, after), sizes, model)
        except NotWalkable:
            needed = None
        if needed is not None:
            def walked(rng, label, point):
                values = model.sample(needed, sizes, rng, point, focus=named)
                with mpmath.workdps(DIGITS + 10):
                    numbers = {atom: mpmath.mpmathify(value._to_mpmath(mpmath.mp.prec)) for atom, value in values.items()}
                    walk = Walk(numbers, sizes, model)
                    try:
                        va, vb = walk.value(before), walk.value(after)
                    except NotWalkable:
                        a, b = concrete(before, sizes, model), concrete(after, sizes, model)
                        return _numeric_error(a, b, model, sizes, rng, label, point)
                def again():
                    with mpmath.workdps(RETRY_DIGITS + 10):
                        precise = Walk({atom: mpmath.mpmathify(value._to_mpmath(mpmath.mp.prec))
                                        for atom, value in values.items()}, sizes, model)
                        return precise.value(before), precise.value(after)
                return _judge(va, vb, _tolerance(before, after), values, label, again)
            return walked
    a, b = concrete(before, sizes, model), concrete(after, sizes, model)
    return lambda rng, label, point: _numeric_error(a, b, model, sizes, rng, label, point)


def _has_matrices(*exprs: sp.Basic) -> bool:
    return any(e.atoms(sp.MatrixSymbol) for e in exprs)


def concrete(expr: sp.Basic, sizes: Mapping[sp.Symbol, int], model: Model) -> sp.Basic:
    """``expr`` at concrete sizes and indices, predictions written through the link, sums and
    derivatives carried out: what the numeric check evaluates and the symbolic check simplifies."""
    sized = to_components(expr, sizes) if expr.atoms(sp.MatrixSymbol) else _assign(expr, sizes)
    summed = _doit_sums(sized)
    linked = model.resolve_links(summed, sizes.get(c.K), sizes.get(c.D))
    return plain(_doit_maxima(_doit_derivatives(_doit_sums(linked))))


def _doit_maxima(expr: sp.Basic) -> sp.Basic:
    if not expr.has(Maximum):
        return expr
    return expr.replace(lambda e: isinstance(e, Maximum), lambda e: _doit_sums(e.doit()))


def _assign(expr: sp.Basic, values: Mapping[sp.Symbol, int]) -> sp.Basic:
    """Put in sizes, and values for the free indices only: a summation index stays bound."""
    bound = {limit[0] for node in sp.preorder_traversal(expr) if isinstance(node, BINDERS)
             for limit in node.limits}
    return expr.xreplace({s: v for s, v in values.items() if s not in bound})


def _doit_derivatives(expr: sp.Basic) -> sp.Basic:
    if not expr.has(sp.Derivative, sp.Limit, sp.Subs):
        return expr
    return expr.replace(lambda e: isinstance(e, (sp.Derivative, sp.Limit, sp.Subs)), lambda e: e.doit())


def proves_zero(difference: sp.Basic, model: Model, sizes: Mapping[sp.Symbol, int]) -> bool:
    difference = plain(difference)
    if difference == 0:
        return True
    if difference.has(sp.Max, sp.Min, sp.Abs):
        return _proves_zero_piecewise(difference, model, sizes)
    return _proves_zero_smooth(difference, model, sizes) or _proves_zero_one_hot(difference, model, sizes)


def _proves_zero_one_hot(difference: sp.Basic, model: Model, sizes: Mapping[sp.Symbol, int]) -> bool:
    """With one-hot labels and concrete sizes there are finitely many labels: prove each case
    (every row of labels hot in each class in turn)."""
    labels = sorted((a for a in difference.atoms(sp.Indexed) if a.base == c.t and all(ix.is_Integer for ix in a.indices)),
                    key=sp.default_sort_key)
    if "one_hot_labels" not in model.facts or not labels or any(len(a.indices) != 2 for a in labels):
        return False
    rows = sorted({a.indices[0] for a in labels})
    classes = model.class_count(sizes, labels)
    if len(rows) > 2 or classes > 4:
        return False
    for hot in itertools.product(range(1, classes + 1), repeat=len(rows)):
        case = {c.t[row, k]: int(k == h) for row, h in zip(rows, hot) for k in range(1, classes + 1)}
        if not _proves_zero_smooth(difference.xreplace(case), model, sizes):
            return False
    return True


def _proves_zero_piecewise(difference: sp.Basic, model: Model, sizes: Mapping[sp.Symbol, int]) -> bool:
    """A maximum over a row of logits is some real number m, and an identity true for every real m
    is true for the maximum: try that first.  Otherwise ``max``, ``min`` and ``|.|`` of single
    variables are settled by cases: each such variable positive, then negative."""
    rows = {e for e in sp.preorder_traversal(difference) if isinstance(e, sp.Max) and sp.S.Zero not in e.args}
    if rows:
        shifted = difference.xreplace({r: sp.Dummy("m", real=True) for r in rows})
        if _proves_zero_smooth(shifted, model, sizes) or _proves_zero_one_hot(shifted, model, sizes):
            return True
    kinks = {e for e in sp.preorder_traversal(difference) if isinstance(e, (sp.Max, sp.Min, sp.Abs))}
    variables = set()
    for kink in kinks:
        arguments = [a for a in kink.args if a != 0]
        if len(arguments) != 1:
            return False
        variable = next((v for v in (arguments[0], -arguments[0]) if isinstance(v, (sp.Indexed, sp.Symbol))), None)
        if variable is None:
            return False
        variables.add(variable)
    if not 0 < len(variables) <= 3:
        return False
    for signs in itertools.product((1, -1), repeat=len(variables)):
        case = difference.xreplace({v: sign * sp.Dummy("p", positive=True) for v, sign in zip(variables, signs)})
        if not _proves_zero_smooth(case, model, sizes, force_logs=True):
            return False
    return True


def _proves_zero_smooth(difference: sp.Basic, model: Model, sizes: Mapping[sp.Symbol, int],
                        force_logs: bool = False) -> bool:
    if difference == 0:
        return True
    # First without the model's constraints, then with the last class eliminated (sum to one);
    # first putting each over one denominator (cheap), then with simplify.
    # (An identity is still one once the last class is eliminated: cancelling tries only that.)
    candidates = [candidate.doit() for candidate in (difference, model.eliminate(difference, sizes))]
    forms = [form for candidate in candidates
             for form in (candidate, sp.expand_log(_complements_as_symbols(candidate), force=force_logs))]
    for attempt, tried in ((_cancels, forms[2:]), (lambda form: sp.simplify(form) == 0, forms)):
        for form in tried:
            try:
                if attempt(form):
                    return True
            except (TypeError, ValueError, RecursionError, sp.PolynomialError):
                continue
    return False


def _cancels(expr: sp.Basic) -> bool:
    """A rational function of its atoms (exp(z), logs, components) that is zero once put over one
    denominator: far cheaper than ``simplify``, which is tried next."""
    if expr.has(sp.Sum, sp.Product, sp.Max, sp.Min, sp.Abs, sp.Piecewise):
        return False
    return sp.cancel(sp.together(sp.expand(_exponentials_split(expr)))) == 0


def _exponentials_split(expr: sp.Basic) -> sp.Basic:
    """``exp(2a - b)`` as ``exp(a)**2 / exp(b)``, so each exponential is one generator of the
    rational function and ``cancel`` sees ``exp(2a) = exp(a)**2``."""
    def split(e: sp.exp) -> sp.Basic:
        factors = []
        for term in sp.Add.make_args(sp.expand(e.args[0])):
            coefficient, rest = term.as_coeff_Mul()
            if coefficient.is_Integer and rest != 1:
                factors.append(sp.exp(rest) ** coefficient)
            else:
                factors.append(sp.exp(term))
        return sp.Mul(*factors)
    return expr.replace(lambda e: isinstance(e, sp.exp), split) if expr.has(sp.exp) else expr


def _is_prediction(expr: sp.Basic) -> bool:
    return (isinstance(expr, sp.Indexed) and expr.base == c.y) or expr == c.y_scalar


def _is_complement(expr: sp.Basic) -> bool:
    """``1 - y_a - y_b - ...``: positive for predictions inside the simplex."""
    if not isinstance(expr, sp.Add) or sp.S.One not in expr.args:
        return False
    rest = [a for a in expr.args if a != sp.S.One]
    return all(isinstance(a, sp.Mul) and a.args[0] == -1 and len(a.args) == 2 and _is_prediction(a.args[1])
               for a in rest)


def _complements_as_symbols(expr: sp.Basic) -> sp.Basic:
    """Inside logarithms, write each ``1 - y`` as a positive symbol, so log rules see what the
    model knows (0 < y < 1)."""
    complements = {e for e in sp.preorder_traversal(expr) if _is_complement(e)}
    table = {e: sp.Dummy(f"({e})", positive=True) for e in complements}
    return expr.replace(lambda e: isinstance(e, sp.log), lambda e: e.xreplace(table))


def _numeric_error(a: sp.Basic, b: sp.Basic, model: Model, sizes, rng, label: str, point: int = 0) -> float:
    values = model.sample(atoms(a) | atoms(b), sizes, rng, point)
    va, vb = _evaluate(a, b, values)
    if va is None:
        left = sorted(map(str, (a - b).xreplace(values).free_symbols))
        raise VerificationError(f"step {label!r} could not be evaluated at a random point (left over: {left})")
    return _judge(va, vb, _tolerance(a, b), values, label,
                  again=lambda: _evaluate(a, b, values, RETRY_DIGITS))


def _judge(va, vb, tolerance: sp.Float, values: Mapping[sp.Basic, sp.Basic], label: str, again=None) -> float:
    """The relative difference of the two sides' values; raise where it is past ``tolerance``.
    Where they differ, ``again()`` evaluates both at ``RETRY_DIGITS`` digits: sides that agree
    there only lost digits cancelling large terms (1 - y next to y = 1) and are not wrong."""
    with mpmath.workdps(DIGITS):
        error = abs(va - vb)
        scale = max(abs(va), abs(vb), mpmath.mpf("1e-30"))  # relative, but two values of 1e-45 agree
        agree = bool(error <= mpmath.mpf(str(tolerance)) * scale)
        relative = float(error / scale) if agree else 0.0
    if not agree and again is not None:
        precise = again()
        if precise[0] is not None:
            return _judge(*precise, tolerance, values, label)
    if not agree:
        shown = {str(k): float(v) for k, v in list(values.items())[:6]}
        raise VerificationError(f"step {label!r} is wrong: at {shown} the sides differ "
                                f"({_shown(va)} before, {_shown(vb)} after)")
    return relative


def _evaluate(a: sp.Basic, b: sp.Basic, values: Mapping[sp.Basic, sp.Basic], digits: int = DIGITS):
    """Both sides at the point, to ``digits`` digits, as mpmath numbers (``None, None`` when a
    side keeps a symbol).  The tree is walked with mpmath (:func:`mpmath_value`); substituting into
    the SymPy tree instead would rebuild and re-simplify every node at every point."""
    with mpmath.workdps(digits + 10):
        numbers = {atom: mpmath.mpmathify(value._to_mpmath(mpmath.mp.prec)) for atom, value in values.items()}
        try:
            return mpmath_value(a, numbers, {}), mpmath_value(b, numbers, {})
        except _NoMpmathForm:
            pass
    va, vb = (sp.N(e.xreplace(values), digits) for e in (a, b))
    if not (va.is_number and vb.is_number):
        return None, None
    return to_mpmath(va), to_mpmath(vb)


def to_mpmath(number: sp.Basic):
    """A SymPy number as an mpmath one, every digit kept (``complex()`` would round to doubles)."""
    real, imaginary = number.as_real_imag()
    with mpmath.workdps(DIGITS + 10):
        value = mpmath.mpf(sp.N(real, DIGITS + 10)._to_mpmath(mpmath.mp.prec))
        if imaginary != 0:
            value = mpmath.mpc(value, sp.N(imaginary, DIGITS + 10)._to_mpmath(mpmath.mp.prec))
    return value


class _NoMpmathForm(Exception):
    """A node :func:`mpmath_value` has no rule for: evaluate by substitution instead."""


def _product(values):
    result = mpmath.mpf(1)
    for value in values:
        result *= value
    return result


_MPMATH = {  # SymPy node -> its value from its arguments' values
    sp.Add: lambda args: mpmath.fsum(args),
    sp.Mul: _product,
    sp.Pow: lambda args: mpmath.power(args[0], args[1]),
    sp.log: lambda args: mpmath.log(args[0]) if len(args) == 1 else mpmath.log(args[0]) / mpmath.log(args[1]),
    sp.exp: lambda args: mpmath.exp(args[0]),
    sp.Abs: lambda args: abs(args[0]),
    sp.Max: lambda args: max(args, key=lambda v: mpmath.re(v)),
    sp.Min: lambda args: min(args, key=lambda v: mpmath.re(v)),
    sp.floor: lambda args: mpmath.floor(args[0]),
    sp.sqrt: lambda args: mpmath.sqrt(args[0]),
    sp.sin: lambda args: mpmath.sin(args[0]),
    sp.cos: lambda args: mpmath.cos(args[0]),
    sp.tanh: lambda args: mpmath.tanh(args[0]),
    sp.tan: lambda args: mpmath.tan(args[0]),
    sp.atan: lambda args: mpmath.atan(args[0]),
    sp.sinh: lambda args: mpmath.sinh(args[0]),
    sp.cosh: lambda args: mpmath.cosh(args[0]),
}


def mpmath_value(expr: sp.Basic, numbers: Mapping[sp.Basic, object], seen: dict):
    """``expr`` evaluated in mpmath at the current precision, atoms looked up in ``numbers``."""
    if expr in numbers:
        return numbers[expr]
    if expr in seen:
        return seen[expr]
    if expr.is_Number or expr in (sp.E, sp.pi):
        value = mpmath.mpmathify(expr._to_mpmath(mpmath.mp.prec)) if expr.is_Number else \
            (mpmath.e if expr == sp.E else mpmath.pi)
    else:
        rule = _MPMATH.get(type(expr))
        if rule is None:
            raise _NoMpmathForm(type(expr).__name__)
        value = rule([mpmath_value(arg, numbers, seen) for arg in expr.args])
    seen[expr] = value
    return value


def _shown(value) -> str:
    return mpmath.nstr(value, 12)


def _tolerance(*exprs: sp.Basic) -> sp.Float:
    """Exact expressions must agree to 40 digits; a rounded number to its own precision, but never
    to fewer than 13 digits (a Float of one digit does not make 2x equal to x)."""
    digits = [max(FLOAT_DIGITS, f._prec * 0.30103) for e in exprs for f in e.atoms(sp.Float)]
    if not digits:
        return TOLERANCE
    return max(TOLERANCE, sp.Float(10) ** (2 - int(min(digits))))


def atoms(expr: sp.Basic) -> set[sp.Basic]:
    found: set[sp.Basic] = set(expr.atoms(sp.Indexed))
    bases = {a.base.label for a in found} | {a.base for a in found}
    indices = {ix for a in found for ix in a.indices}
    # Integer symbols are indices or sizes: they get concrete values from the sizes, never random ones.
    found |= {s for s in expr.free_symbols if isinstance(s, sp.Symbol) and s not in bases
              and s not in indices and not s.is_integer}
    found |= set(expr.atoms(AppliedUndef))
    return found


def _verify_premise(step: Step, model: Model, rng: random.Random) -> Verification:
    """The likelihood, at concrete labels, must be the probability of exactly that outcome: proved
    for every size where each sample's factor is (:mod:`derive.premises`), else at the small
    sizes; checked by numbers at a small size and past it either way."""
    from .premises import likelihood_gives_outcome_probabilities

    proved = likelihood_gives_outcome_probabilities(step.rhs, model.categorical)
    sizes_list = model.size_choices(step.rhs)
    small = 1 if proved else len(sizes_list)
    sizes_list = sizes_list[:small] + [s for s in model.wide_size_choices(step.rhs, rng) if s not in sizes_list]
    points = 0
    worst = 0.0
    for number, sizes in enumerate(sizes_list):
        for expanded, labels, probability in model.label_assignments(step.rhs, sizes, rng):
            value = expanded.xreplace(labels)
            if not proved and number < small:
                value = sp.simplify(value)
                _require(sp.simplify(value - probability) == 0, step,
                         f"with labels {dict((str(k), int(v)) for k, v in labels.items())} the likelihood "
                         f"is {value}, not the probability {probability} of that outcome")
            worst = max(worst, _numeric_error(value, probability, model, sizes, rng, step.rule))
            points += 1
    detail = "likelihood equals the outcome's probability"
    if proved:
        return Verification("symbolic", (), points, worst, detail=detail + ", for every size")
    named = tuple({str(k): int(v) for k, v in s.items()} for s in sizes_list[:small] if s)
    return Verification("symbolic", named, points, worst, detail=detail)


def _verify_derivatives(previous: Equation | None, step: Step, model: Model, rng: random.Random) -> Verification:
    """Every component of the matrix on the right is SymPy's derivative of the loss by the matching
    components of the variables, at concrete sizes and random points.  Where the previous line is
    that derivative with symbolic indices, and the matrix's component at those indices is the
    previous line's right side, the matrix is proved for every size (the previous line was)."""
    ((loss_symbol, loss),) = step.check.definitions.items()
    _require(step.lhs == _gradient_name(step.check.variables, loss_symbol), step,
             f"{step.lhs} does not name the derivatives of {loss_symbol} by {', '.join(map(str, step.check.variables))}")
    general = _matrix_of_previous_line(previous, step.lhs, step.rhs)
    if general:
        points, worst = _derivative_numbers(step, loss, model, rng)
        return Verification("symbolic", (), points, worst, detail=general)
    variables = step.check.variables
    choices = model.size_choices(sp.Tuple(step.rhs, loss))[:2]
    worst, points, named, proved = 0.0, 0, [], True
    for sizes in choices:
        sizes = {**{s: 2 for s in c.SIZES if s not in sizes}, **sizes}
        matrix = explicit(step.rhs, sizes)
        loss_here = concrete(loss, sizes, model)
        for a in range(matrix.shape[0]):
            for b in range(matrix.shape[1]):
                if len(variables) == 2:
                    reference = sp.diff(loss_here, variables[0][a + 1], variables[1][b + 1])
                else:
                    reference = sp.diff(loss_here, variables[0][a + 1, b + 1])
                claimed = concrete(matrix[a, b], sizes, model)
                worst = max(worst, _numeric_error(claimed, reference, model, sizes, rng, step.rule))
                points += 1
                proved = proved and proves_zero(claimed - reference, model, sizes)
        named.append({str(k): int(v) for k, v in sizes.items()})
    detail = "each component is sympy.diff of the loss"
    if proved:
        return Verification("symbolic", tuple(named), points, worst, detail=detail)
    return Verification("numeric", (), points, worst, detail=detail + " (numerically)")


def _derivative_numbers(step: Step, loss: sp.Basic, model: Model, rng: random.Random) -> tuple[int, float]:
    """The matrix's components against sympy.diff of the loss, by numbers only, at two sizes."""
    variables = step.check.variables
    worst, points = 0.0, 0
    for choice in model.size_choices(sp.Tuple(step.rhs, loss))[:2]:
        sizes = {**{s: 2 for s in c.SIZES}, **choice}
        matrix, loss_here = explicit(step.rhs, sizes), concrete(loss, sizes, model)
        for a in range(matrix.shape[0]):
            for b in range(matrix.shape[1]):
                by = (variables[0][a + 1], variables[1][b + 1]) if len(variables) == 2 else (variables[0][a + 1, b + 1],)
                reference = sp.diff(loss_here, *by)
                worst = max(worst, _numeric_error(concrete(matrix[a, b], sizes, model), reference, model, sizes, rng, step.rule))
                points += 1
    return points, worst


def _gradient_name(bases: tuple, loss: sp.Basic) -> sp.Basic | None:
    """∇_Z E for the derivatives of E by one array's components, H for the second derivatives."""
    from . import vector_forms as vf

    if len(bases) == 1:
        stack = vf.stacked(bases[0])
        return vf.gradient_symbol(stack.name, stack.shape, str(loss))
    return vf.hessian_symbol() if len(bases) == 2 and bases[0] == bases[1] else None


def _matrix_of_previous_line(previous: Equation | None, name: sp.Basic, matrix: sp.Basic) -> str:
    """Whether ``name = matrix`` is the previous line's derivatives ∂E/∂z_ik (∂²E/∂z_k∂z_m)
    laid out as a matrix: ``name`` is ∇_Z E (H), and the component of ``matrix`` at the symbolic
    indices is the previous right side."""
    if previous is None or not isinstance(previous.lhs, sp.Derivative) or not hasattr(matrix, "shape"):
        return ""
    variables = [v for v, count in previous.lhs.variable_count for _ in range(count)]
    if not all(isinstance(v, sp.Indexed) for v in variables):
        return ""
    if name != _gradient_name(tuple(v.base for v in variables), previous.lhs.expr) or name.shape != matrix.shape:
        return ""
    indices = [ix for v in variables for ix in v.indices] if len(variables) == 2 else list(variables[0].indices)
    if len(indices) != 2 or not all(isinstance(ix, sp.Symbol) for ix in indices):
        return ""
    row, col = indices
    component = matrix[row - 1, col - 1]
    component = component.replace(lambda e: isinstance(e, sp.matrices.expressions.matexpr.MatrixElement),
                                  _indexed_component)
    if component is None or component.has(sp.matrices.expressions.matexpr.MatrixElement):
        return ""
    def deltas(expr: sp.Basic) -> sp.Basic:  # δ(k - 1, m - 1) and δ(k, m) alike
        return expr.replace(lambda e: isinstance(e, sp.KroneckerDelta),
                            lambda e: sp.KroneckerDelta(sp.expand(e.args[0] - e.args[1]), 0))
    if sp.expand(deltas(component) - deltas(previous.rhs)) == 0:
        return "the previous line's components laid out as a matrix"
    return ""


def _indexed_component(element) -> sp.Basic:
    """``Y[i - 1, k - 1]`` (a matrix symbol's element) as the component ``y[i, k]``."""
    from .vector_forms import indexed_of
    base, shape = indexed_of(element.parent)
    if base is None:
        return element
    row, col = element.i + 1, element.j + 1
    if shape == "row":
        return base[col]
    if shape == "column":
        return base[row]
    return base[row, col]


def verify_steps(steps: tuple[Step, ...], models: tuple[Model, ...], seed: int = 0) -> tuple[Step, ...]:
    """Verify a chain; ``models[n]`` is the model step ``n`` is checked in."""
    checked = []
    previous = None
    for step, model in zip(steps, models):
        checked.append(step.with_verification(verify_step(previous, step, model, seed)))
        previous = step.equation
    return tuple(checked)
