"""Check that each step follows from the one before: a proof, then random points.

What checking a step means is decided by the kind of its :class:`~derive.steps.Check` (a table of
small check functions).  The proof is for every size where one is found (the catalogue rule the
step applies, proved for symbolic sizes; or SymPy with symbolic sizes and indices:
:mod:`derive.symbolic_proofs`), else at the small concrete sizes, and says which; the numeric
second opinion (:mod:`derive.numeric_check`) runs either way.  A numeric disagreement rejects the
step with :class:`VerificationError`, whatever the symbolic attempt said; a step that passes only
the numeric check is marked ``"numeric"``.
"""
from __future__ import annotations

import random
from dataclasses import replace
from typing import Any, Callable, Mapping

import sympy as sp

from . import conventions as c
from . import vector_forms as vf
from . import extensions, solution_checks
from .at_sizes import concrete, label_assignments, write_out_sums
from .catalogue import get_rule
from .errors import VerificationError
from .expression_paths import enclosing_limits, merged, replace_at, subexpression_at
from .input_limits import checkpoint
from .work_budget import operations
from .link_functions import is_linear_layer_of, is_link_of
from .models import Model
from .numeric_check import POINTS_PER_SIZE, error_at, more_points, numeric_error, numeric_opinion, shared_points
from .premises import WITH_OPTIONS, likelihood_gives_outcome_probabilities, options_off
from .rewriting import match_rule, parts
from .rule_trust import proved_for_every_size
from .step_verdicts import require, second_opinion
from .steps import ASSUMED, CheckKind, Equation, Step, Verification
from .symbolic_proofs import canonical_indices, index_ranges, proves_for_every_size, proves_zero
from .vector_forms import explicit, indexed_of


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
    require(step.lhs == previous.lhs, step, lambda: f"the left side changed from {previous.lhs} to {step.lhs}")
    return compare(previous.rhs, step.rhs, model, rng, step.rule)


def _check_implied(previous: Equation, step: Step, model: Model, rng: random.Random) -> Verification:
    """The new left side, written by the definitions of the rule the step names (and the old left
    side by the old right side), equals the new right side.  The definitions must be that rule's
    own: a step cannot bring definitions of its own making."""
    definitions = dict(step.check.definitions)
    sizes = model.written_sizes  # the rule's K, where the model fixes it
    own = {old.xreplace(sizes): new.xreplace(sizes) for old, new in get_rule(step.rule).table("defines").items()}
    require(definitions == own, step,
            lambda: f"its definitions {definitions} are not those of the rule {step.rule}")
    lhs = step.lhs.xreplace(definitions).xreplace({previous.lhs: previous.rhs})
    return compare(lhs, step.rhs, model, rng, step.rule)


def _check_specialises(previous: Equation, step: Step, model: Model, rng: random.Random) -> Verification:
    mapping = dict(step.check.mapping)
    for old, new in mapping.items():
        _require_specialisation(old, new, model, step)
    back_lhs = step.lhs if step.lhs == previous.lhs else _specialise(step.lhs, mapping)  # unchanged, or written back
    require(back_lhs == previous.lhs, step, lambda: f"specialising the left side gives {back_lhs}, not {previous.lhs}")
    back = _specialise(step.rhs, mapping)
    written_out = canonical_indices(merged(back))  # the model's names written by their definitions, on both sides
    if written_out in (canonical_indices(merged(previous.rhs)),
                       canonical_indices(merged(_specialise(previous.rhs, mapping)))):
        return second_opinion(previous.rhs, back, model, rng, step.rule,
                              "the previous line, with what the model defines written by its name")
    return compare(previous.rhs, back, model, rng, step.rule)


def _require_specialisation(old: sp.Basic, new: sp.Basic, model: Model, step: Step) -> None:
    """What a general line may be specialised by: a size set to a number of at least 1, one
    sample's scalar written as component 1 of its array (or back), a stacked matrix as its row,
    or a prediction written through the model's own link."""
    scalars = {scalar: base for base, scalar in c.SCALARS.items()}
    if old in c.SIZES + model.sizes:
        require(new.is_Integer and new >= 1, step, lambda: f"a size is specialised to {new}, not a number of at least 1")
    elif old in scalars:
        require(new == scalars[old][1], step, lambda: f"{old} is specialised to {new}, not to its component 1")
    elif isinstance(old, sp.Indexed) and old.indices == (1,) and old.base in c.SCALARS and new == c.SCALARS[old.base]:
        pass
    elif isinstance(old, sp.MatrixSymbol):
        require(str(new).lower() == old.name.lower(), step, lambda: f"the matrix {old} is specialised to {new}, not its row")
    elif isinstance(old, sp.Indexed) and old.base == c.y and model.link:
        require(is_link_of(new, old, model.link, model.classes or c.K), step,
                lambda: f"{old} = {new} is not the model's {model.link} of the logits")
    elif isinstance(old, sp.Indexed) and old.base == c.z and model.linear:
        require(is_linear_layer_of(new, old), step, lambda: f"{old} = {new} is not the model's layer Z = XW")
    else:
        require(False, step, lambda: f"{old} = {new} is no specialisation: a size, a sample's scalar, a stacked "
                              "matrix or a prediction through the model's link")


def _check_differentiated(previous: Equation, step: Step, model: Model, rng: random.Random) -> Verification:
    (variable,) = step.check.variables
    require(step.lhs == sp.Derivative(previous.lhs, variable), step, "the left side is not the derivative of the previous one")
    if step.rhs == sp.Derivative(previous.rhs, variable):  # equal functions have equal derivatives
        return second_opinion(sp.Derivative(previous.rhs, variable), step.rhs, model, rng,
                              step.rule, "both sides of an equation that holds differentiated")
    return compare(sp.Derivative(previous.rhs, variable), step.rhs, model, rng, step.rule)


def _check_rewrite(previous: Equation, step: Step, model: Model, rng: random.Random) -> Verification:
    """The step applies the catalogue rule it names at its location: the rule, matched there afresh
    with its conditions checked, must give exactly the new right side.  A rule whose generic
    statement is proved for every size then proves the step for every size, and the numeric check
    is the second opinion; a rule proved only at some sizes leaves the step to :func:`compare`."""
    rule = get_rule(step.rule)
    require(rule.operation == "rewrite", step, lambda: f"{rule.name} is not a rewrite rule")
    require(step.lhs == previous.lhs, step, "the left side changed")
    missing = set(rule.requires) - model.facts
    require(not missing, step, lambda: f"{rule.name} needs {sorted(missing)}, which the model does not give")
    sub = subexpression_at(previous.rhs, step.location)
    require(sub is not None, step, lambda: f"the previous right side has no part at {step.location}")
    # the rule matches the part, or some of the part's factors (the others multiply its right side)
    tried = [(part, rest, match_rule(rule, part, model)) for part, rest in parts(sub, rule.pattern("lhs"))]
    matches = [(part, rest, binding) for part, rest, binding in tried if binding is not None]
    require(matches, step, lambda: f"{rule.name} does not match {sub}, or its conditions do not hold there")
    rhs = None
    for part, rest, binding in matches:
        scope = {name: binding.get(name, w) for name, w in rule.wilds.items()}
        rebuilt = merged(rule.pattern("lhs", scope))
        require(rebuilt == merged(part) or sp.expand(rebuilt) == sp.expand(merged(part)), step,
                lambda: f"{rule.name}'s left side does not give back {part}")
        replacement = rule.pattern("rhs", scope)
        rhs = replace_at(previous.rhs, step.location, replacement * rest if rest is not None else replacement)
        if rhs == step.rhs:
            break
    require(rhs == step.rhs, step, lambda: f"{rule.name} applied at {sub} gives {rhs}, not {step.rhs}")
    if not proved_for_every_size(rule):
        # The rule's own proof says nothing for every size: the step stands on its own proof, and a
        # proof at a few sizes of a step that applies such a rule is only a numeric check.
        verification = compare(previous.rhs, step.rhs, model, rng, step.rule)
        if verification.method == "symbolic" and verification.sizes:
            return replace(verification, method="numeric", sizes=(),
                           detail=f"the rule {rule.name} has no proof for every size")
        return verification
    return second_opinion(previous.rhs, step.rhs, model, rng, step.rule, "its conditions hold at the match",
                          proved_by=rule.name)


def _check_local(previous: Equation, step: Step, model: Model, rng: random.Random) -> Verification:
    """One part of the right side was replaced: that part, and nothing else, must have changed.
    Equal parts make equal wholes, so a proof that the part equals its replacement with symbolic
    sizes and indices (an index bound outside it, or free, taken anywhere in its range) proves the
    step for every size; where there is none, the whole step is compared as any other."""
    require(step.lhs == previous.lhs, step, "the left side changed")
    ((old, new),) = step.check.definitions.items()
    require(subexpression_at(previous.rhs, step.location) == old, step,
            lambda: f"the previous right side has no {old} at {step.location}")
    require(replace_at(previous.rhs, step.location, new) == step.rhs, step,
            lambda: f"replacing {old} by {new} does not give {step.rhs}")
    ranges = enclosing_limits(previous.rhs, step.location)
    ranges.update(index_ranges(sp.Tuple(previous.lhs, previous.rhs), model))  # a free index: as far as the model runs it
    how = proves_for_every_size(old, new, model, ranges)
    if not how:
        return compare(previous.rhs, step.rhs, model, rng, step.rule)
    return second_opinion(previous.rhs, step.rhs, model, rng, step.rule, how)


def _check_instance(previous: Equation, step: Step, model: Model, rng: random.Random) -> Verification:
    mapping = {old: sp.Integer(new) if isinstance(new, int) else new for old, new in step.check.mapping.items()}
    require(step.lhs in (previous.lhs, previous.lhs.xreplace(mapping)), step, "the left side changed")
    for old, new in mapping.items():
        _require_inside_model(old, new, mapping, model, step)
    if previous.rhs.xreplace(mapping) == step.rhs:  # an identity holds at every point inside the model
        return second_opinion(previous.rhs.xreplace(mapping), step.rhs, model, rng, step.rule,
                              "the previous line at values inside the model")
    return compare(previous.rhs.xreplace(mapping), step.rhs, model, rng, step.rule)


NEEDS_PREVIOUS = {CheckKind.SOLVES, CheckKind.ELIMINATED, CheckKind.NAMED, CheckKind.NEGATIVE_DEFINITE, CheckKind.INDUCTION, CheckKind.REWRITE, CheckKind.LOCAL, CheckKind.EQUAL, CheckKind.IMPLIED, CheckKind.SPECIALISES, CheckKind.DIFFERENTIATED, CheckKind.INSTANCE}
_CHECKS: dict[CheckKind, Callable[..., Any]] = {  # what verifying a step means, by the kind of check asked for
    CheckKind.PREMISE: lambda previous, step, model, rng: _verify_premise(step, model, rng),
    CheckKind.GIVEN: lambda previous, step, model, rng: Verification("no", detail=ASSUMED),
    CheckKind.DERIVED: lambda previous, step, model, rng: _verify_derived(step),
    CheckKind.HOLDS: lambda previous, step, model, rng: _check_holds(step, model, rng),
    CheckKind.DERIVATIVES: lambda previous, step, model, rng: _verify_derivatives(previous, step, model, rng),
    CheckKind.EQUAL: _check_equal,
    CheckKind.IMPLIED: _check_implied,
    CheckKind.SPECIALISES: _check_specialises,
    CheckKind.DIFFERENTIATED: _check_differentiated,
    CheckKind.INSTANCE: _check_instance,
    CheckKind.REWRITE: _check_rewrite,
    CheckKind.LOCAL: _check_local,
    # sequences and constrained maxima (derive/solution_checks.py, which builds on this module)
    CheckKind.INDUCTION: lambda previous, step, model, rng: solution_checks.check_induction(previous, step, rng),
    CheckKind.DEFINES: lambda previous, step, model, rng: solution_checks.check_defines(step),
    CheckKind.SOLVES: lambda previous, step, model, rng: solution_checks.check_solves(previous, step, model, rng),
    CheckKind.ELIMINATED: lambda previous, step, model, rng: solution_checks.check_eliminated(previous, step, model, rng),
    CheckKind.NAMED: lambda previous, step, model, rng: solution_checks.check_named(previous, step, model, rng),
    CheckKind.NEGATIVE_DEFINITE: lambda previous, step, model, rng: solution_checks.check_negative_definite(previous, step),
    CheckKind.RECALLED: lambda previous, step, model, rng: require(
        False, step, "a recalled equation is checked against the earlier steps of its derivation (verify_steps)"),
}


def _check_holds(step: Step, model: Model, rng: random.Random) -> Verification:
    """The equation is true: a prediction of a model with a link equal to that link of the logits is
    the model's own definition; anything else is compared as any two expressions."""
    if isinstance(step.lhs, sp.Indexed) and step.lhs.base == c.y and model.link:
        if is_link_of(step.rhs, step.lhs, model.link, model.classes or c.K):
            return second_opinion(step.lhs, step.rhs, model, rng, step.rule, f"the model's definition of {step.lhs.base}")
    return compare(step.lhs, step.rhs, model, rng, step.rule)


def _verify_derived(step: Step) -> Verification:
    """The step states the result of a derivation: that derivation must exist, its result must be
    the step's equation, and the step is as verified as that derivation's weakest step."""
    source = step.check.derivation
    if source is None:
        require(step.check.name in extensions.call("built_in_names"), step,
                lambda: f"it claims the result of a derivation {step.check.name!r}, and there is none of that name")
        source = extensions.call("built_in", step.check.name)
    require(source.result == step.equation, step,
            lambda: f"{step.equation.lhs} = {step.equation.rhs} is not the result of {source.name} "
            f"({source.result.lhs} = {source.result.rhs})")
    weakest = source.weakest_check
    require(step.check.inherited in ("", weakest), step,
            lambda: f"it claims {source.name} was verified {step.check.inherited!r}; its weakest step was {weakest!r}")
    return Verification(weakest, detail=f"the verified result of {source.name}", source=source.name)


_CONSTRAINED = (c.t, c.t_scalar, c.y, c.y_scalar, c.z, c.x, c.W)  # what a model's facts, link or layer speak of


def _require_inside_model(old: sp.Basic, new: sp.Basic, mapping, model: Model, step: Step) -> None:
    """An instance substitutes a symbol or an array component, by a value the model allows there:
    a label 0 or 1 (one-hot rows), a probability in (0, 1) (a row's sum at most 1, exactly 1 when
    all of it is given), or the model's own link of the logits."""
    require(isinstance(old, (sp.Symbol, sp.Indexed)), step,
            lambda: f"an instance may only substitute symbols or array components, not {old}")
    base = old.base if isinstance(old, sp.Indexed) else old
    if old in c.SIZES + model.sizes:
        require(bool(new.is_Integer and new >= 1), step, lambda: f"the size {old} = {new} is not a number of at least 1")
        return
    if new.is_number:
        value = sp.nsimplify(new) if isinstance(new, sp.Float) else new
        if base in (c.t, c.t_scalar) and ({"one_hot_labels", "binary_labels"} & model.facts):
            require(value in (0, 1), step, lambda: f"{old} = {new} is not a label (0 or 1)")
        elif base in (c.t, c.t_scalar):
            require(bool(0 <= value <= 1), step, lambda: f"{old} = {new} is not a target in [0, 1]")
        elif base in (c.y, c.y_scalar):
            require(bool(0 < value < 1), step, lambda: f"{old} = {new} is not a probability in (0, 1)")
        if isinstance(old, sp.Indexed) and model.categorical and base in (c.y, c.t):
            row = [v for k, v in mapping.items() if isinstance(k, sp.Indexed) and k.base == base
                   and k.indices[:-1] == old.indices[:-1] and v.is_number]
            total = sum(sp.nsimplify(v) if isinstance(v, sp.Float) else v for v in row)
            complete = model.classes is not None and len(row) == model.classes
            require(bool(total == 1) if complete else bool(total <= 1), step,
                    lambda: f"the values given for the row of {old} sum to {total}, outside the model")
        return
    if base in (c.y, c.y_scalar) and model.link:
        require(is_link_of(new, old, model.link, model.classes or c.K), step,
                lambda: f"{old} = {new} is not the model's {model.link} of the logits")
        return
    if isinstance(old, sp.Indexed) and old.base == c.z and model.linear:
        require(is_linear_layer_of(new, old), step, lambda: f"{old} = {new} is not the model's layer Z = XW")
        return
    if base not in _CONSTRAINED and new.is_real:  # an array no model constrains (the moving average's weights)
        return
    require(False, step, lambda: f"{old} = {new} leaves the model: an instance gives labels and predictions "
                          "values inside it, or writes a prediction through the model's link or its layer")


def _specialise(expr: sp.Basic, mapping: Mapping[sp.Basic, sp.Basic]) -> sp.Basic:
    once = expr.xreplace(mapping)
    if once.has(sp.Sum, sp.Product) or once.atoms(sp.MatrixSymbol):
        once = write_out_sums(once).xreplace(mapping)
    return once


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
    more, worse = more_points(before, after, model, rng, label, difference_sizes)  # the numbers are all there is
    return Verification("numeric", (), points + more, max(worst, worse), detail="no symbolic proof found")


DEFINED_LOSS = "definition"  # the premise check of a loss that is a definition, not a likelihood


def _verify_premise(step: Step, model: Model, rng: random.Random) -> Verification:
    """The likelihood, at concrete labels, must be the probability of exactly that outcome: proved
    for every size where each sample's factor is (:mod:`derive.premises`), else at the small
    sizes; checked by numbers at a small size and past it either way."""
    if step.check.name == "counts":
        return solution_checks.verify_counts_premise(step, model, rng)
    if step.check.name == DEFINED_LOSS:  # a loss defined by its formula (focal, hinge): nothing to prove
        return Verification("symbolic", (), 0, 0.0, detail="a loss defined by its formula")

    # A likelihood with PyTorch's options (weights, a mask, smoothed labels) is no probability: with
    # every option off it must be the model's likelihood.
    with_options = str(step.check.name).endswith(WITH_OPTIONS)
    likelihood = options_off(step.rhs) if with_options else step.rhs
    require(not with_options or likelihood != step.rhs, step, "it claims options its likelihood does not have")
    proved = likelihood_gives_outcome_probabilities(likelihood, model.categorical)
    sizes_list = model.size_choices(likelihood)
    small = 1 if proved else len(sizes_list)
    sizes_list = sizes_list[:small] + [s for s in model.wide_size_choices(likelihood, rng) if s not in sizes_list]
    points = 0
    worst = 0.0
    for number, sizes in enumerate(sizes_list):
        for expanded, labels, probability in label_assignments(model, likelihood, sizes, rng):
            value = expanded.xreplace(labels)
            if not proved and number < small:
                value = sp.simplify(value)
                require(sp.simplify(value - probability) == 0, step,
                        lambda: f"with labels {dict((str(k), int(v)) for k, v in labels.items())} the likelihood "
                        f"is {value}, not the probability {probability} of that outcome")
            worst = max(worst, numeric_error(value, probability, model, sizes, rng, step.rule))
            points += 1
    detail = "likelihood equals the outcome's probability"
    if with_options:
        detail = "with every weight 1, no sample ignored and no smoothing, the " + detail
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
    require(step.lhs == _gradient_name(step.check.variables, loss_symbol), step,
            lambda: f"{step.lhs} does not name the derivatives of {loss_symbol} by {', '.join(map(str, step.check.variables))}")
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
                worst = max(worst, numeric_error(claimed, reference, model, sizes, rng, step.rule))
                points += 1
                proved = proved and proves_zero(claimed - reference, model, sizes)
        named.append({str(k): int(v) for k, v in sizes.items()})
    detail = "each component is sympy.diff of the loss"
    if proved:
        return Verification("symbolic", tuple(named), points, worst, detail=detail)
    return Verification("numeric", (), points, worst, detail=detail + " (numerically)")


def _derivative_numbers(step: Step, loss: sp.Basic, model: Model, rng: random.Random) -> tuple[int, float]:
    """The matrix's components against sympy.diff of the loss, by numbers only, at the second of
    the small sizes (K = 3: enough components to make at least three points)."""
    variables = step.check.variables
    worst, points = 0.0, 0
    for choice in model.size_choices(sp.Tuple(step.rhs, loss))[:2][-1:]:
        sizes = {**{s: 2 for s in c.SIZES}, **choice}
        matrix = explicit(step.rhs, sizes)
        for a in range(matrix.shape[0]):
            for b in range(matrix.shape[1]):
                by = (variables[0][a + 1], variables[1][b + 1]) if len(variables) == 2 else (variables[0][a + 1, b + 1],)
                reference = sp.Derivative(loss, *by)  # by dual numbers where one variable, else sympy.diff
                worst = max(worst, error_at(matrix[a, b], reference, model, sizes, rng, step.rule, points))
                points += 1
    return points, worst


def _gradient_name(bases: tuple, loss: sp.Basic) -> sp.Basic | None:
    """∇_Z E for the derivatives of E by one array's components, H for the second derivatives."""
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
    if _terms_summed(_sums_from_one(component)) == _terms_summed(previous.rhs):  # a product's sum over a shared index
        return "the previous line's components laid out as a matrix (a product's entry is its sum over the shared index)"
    return ""


def _terms_summed(expr: sp.Basic) -> sp.Basic:
    """``∑ᵢ (a + b)`` as ``∑ᵢ a + ∑ᵢ b`` (constant factors out of each), multiplied out, in canonical
    index names: two forms of one sum of products compare equal."""
    def split(total: sp.Sum) -> sp.Basic:
        indices = [limit[0] for limit in total.limits]
        parts = []
        for term in sp.Add.make_args(sp.expand(total.function)):
            constant, varying = term.as_independent(*indices, as_Add=False)
            parts.append(constant * sp.Sum(varying, *total.limits))
        return sp.Add(*parts)
    split_up = sp.expand(expr.replace(lambda e: isinstance(e, sp.Sum), split))
    return canonical_indices(merged(split_up))


def _sums_from_one(expr: sp.Basic) -> sp.Basic:
    """A matrix product's entry sums from 0 to n - 1 (SymPy's element indices): sum from 1 to n."""
    def shifted(total: sp.Sum) -> sp.Basic:
        (index, lower, upper), = total.limits
        return sp.Sum(total.function.xreplace({index: index - 1}), (index, 1, upper + 1)) if lower == 0 else total
    return expr.replace(lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1, shifted)


def _indexed_component(element) -> sp.Basic:
    """``Y[i - 1, k - 1]`` (a matrix symbol's element) as the component ``y[i, k]``."""
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
    checked: list[Step] = []
    previous = None
    with shared_points(seed):  # a step's new line is the next one's old line: evaluated once per point
        for step, model in zip(steps, models):
            checkpoint(operations(*step.equation), "check")
            if step.check.how == CheckKind.RECALLED:  # an equation reached before, in this derivation
                earlier = next((n for n, done in enumerate(checked) if done.equation == step.equation), None)
                require(earlier is not None, step, "it recalls an equation no earlier step reached")
                assert earlier is not None  # for mypy: require raised otherwise
                verification = replace(checked[earlier].verification, detail=f"step {earlier + 1}, recalled")
            else:
                verification = verify_step(previous, step, model, seed)
            checked.append(step.with_verification(verification))
            previous = step.equation
    return tuple(checked)
