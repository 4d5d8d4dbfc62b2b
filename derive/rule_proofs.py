"""Every rule proves itself: the catalogue's identities and operations checked like any step.

A rewrite rule's wilds become fresh symbols (with the assumptions its conditions state), a wild
summed over becomes an unknown function of the summation index, and a summation's upper limit
becomes K, so the identity is proved at K = 2, 3 and evaluated at random points.  A rule that names
an operation is applied to the ``example`` its catalogue entry gives, and the resulting step is
verified with the same checks every derivation uses.
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from . import conventions as c
from . import extensions
from .catalogue import Rule, active_directory, get_rule, load_catalogue, proving_catalogue, read_catalogue, rules_directory
from .errors import CatalogueError
from .proof_record import entry_for, new_entry, read_record, trusted_entries, write_record
from .models import ANY_VALUES, BERNOULLI, COUNTS, LINKS, MOVING_AVERAGE, SIGN_LABELS, Model, categorical
from .operations import apply
from .steps import Equation, Step, Verification
from .errors import VerificationError
from .induction import prove_by_elimination, prove_by_induction
from .one_hot import prove_one_hot
from .numeric_check import POINTS_PER_SIZE, numeric_opinion
from .rule_scope import proof_scope
from .symbolic_proofs import proves_zero
from .verification import compare, verify_step



def prove_catalogue(directory: str | None = None, every: bool = False) -> Path:
    """Prove the rules of the catalogue in use (``$DERIVE_RULES``'s, else the one shipped; or
    ``directory``'s) that have no proof on record for their logic as written (with ``every``, every rule)
    and record each proof under the hash of the rule's logic (``proofs.json`` beside the rules).
    A rewrite rule that is false, or proved only at some sizes or only numerically, is refused,
    naming it, and nothing is written: a rule is used only with a proof for every size."""
    directory = directory if directory is not None else active_directory()
    root = Path(directory) if directory else rules_directory()
    earlier = read_record(root)
    shipped = trusted_entries(str(rules_directory()))  # a rule exactly as shipped keeps the shipped proof
    record = {}
    with proving_catalogue():
        for rule in read_catalogue(directory).values():
            entry = None if every else entry_for(earlier, rule.name, rule.digest) or entry_for(shipped, rule.name, rule.digest)
            record[rule.name] = dict(entry) if entry is not None else new_entry(rule.digest, _proof_for_every_size(rule))
    path = write_record(root, record)
    load_catalogue.cache_clear()
    trusted_entries.cache_clear()  # the shipped record may be the one just written
    return path


def _proof_for_every_size(rule: Rule) -> Verification:
    """The rule's proof; a rewrite rule without one for every size is refused (a proof at K = 2, 3
    and a check up to 9 say nothing of K = 10: each step applying it would look proved)."""
    try:
        verification = prove(rule)
    except VerificationError as exc:
        raise CatalogueError(f"rule {rule.name!r} is false and is refused: {exc}") from None
    if rule.operation == "rewrite" and (verification.method != "symbolic" or verification.sizes):
        shown = ", ".join(", ".join(f"{k} = {v}" for k, v in s.items()) for s in verification.sizes)
        how = f"proved only at {shown}" if verification.sizes else "checked only numerically"
        raise CatalogueError(f"rule {rule.name!r} is {how}, not for every size, and is refused: "
                             "a rule is used only with a proof for every size")
    return verification


def prove(rule: Rule, seed: int = 0) -> Verification:
    """Prove ``rule`` or raise :class:`~derive.errors.VerificationError`."""
    if rule.operation == "rewrite":
        return _prove_identity(rule, seed)
    if "proved_in" in rule.data:
        return _prove_in_derivation(rule, str(rule.data["proved_in"]), seed)
    step, previous, model = _example_step(rule)
    return verify_step(previous, step, model, seed)


def _prove_in_derivation(rule: Rule, name: str, seed: int) -> Verification:
    """A rule that needs an earlier result is checked again where a built-in derivation uses it."""
    derivation = extensions.call("built_in", name)  # the built-ins are made of rules
    for number, step in enumerate(derivation.steps):
        if step.rule == rule.name:
            if step.check.how == "recalled":  # checked against the derivation's earlier steps, there
                return step.verification
            previous = derivation.steps[number - 1].equation if number else None
            return verify_step(previous, step, derivation.models[number], seed)
    raise CatalogueError(f"rule {rule.name!r} says it is proved in {name!r}, which does not use it")


def _model(name: str | None) -> Model:
    if name is None or name == "categorical":
        return categorical()
    if name == "bernoulli":
        return BERNOULLI
    if name == "moving_average":
        return MOVING_AVERAGE
    if name == "counts":
        return COUNTS
    if name == "sign_labels":
        return SIGN_LABELS
    base, _, link = name.partition(":")
    if link in LINKS and base in ("categorical", "bernoulli"):  # "categorical:softmax": y is the link of z
        return _model(base).with_link(link)
    if name.startswith("categorical:"):
        return categorical(int(name.split(":", 1)[1]))
    raise CatalogueError(f"unknown example model {name!r}")


def _example_step(rule: Rule) -> tuple[Step, Equation | None, Model]:
    model = _model(rule.data.get("example_model"))
    if rule.operation == "premise":
        previous = None
    elif "example_derivation" in rule.data:
        previous = None
        arguments: dict[str, Any] = {"derivation": extensions.call("built_in", str(rule.data["example_derivation"]))}
        outcome = apply(rule, previous, model, arguments)
        assert outcome is not None  # for mypy: a derivation's result always applies
        step = Step(outcome.equation, rule.name, rule.kind, outcome.check, outcome.location, model.name)
        return step, previous, model
    elif "example_from" in rule.data:
        source = get_rule(str(rule.data["example_from"]))
        earlier, _, model = _example_step(source)
        previous = earlier.equation
    elif "example" in rule.data:
        lhs, rhs = rule.patterns("example", {}, evaluate=not rule.data.get("example_held", False))
        previous = Equation(lhs, rhs)
    else:
        raise CatalogueError(f"rule {rule.name!r} names an operation but gives no example to prove it on")
    arguments = {"values": rule.table("example_values", {})} if "example_values" in rule.data else {}
    if rule.operation == "differentiate_both_sides":
        arguments = {"wrt": c.y[c.i, c.k]}
    if rule.operation == "rename_summation_index":
        arguments = {"avoid": (c.i, c.k)}
    outcome = apply(rule, previous, model, arguments)
    if outcome is None:
        raise CatalogueError(f"rule {rule.name!r} does not apply to its own example")
    step = Step(outcome.equation, rule.name, rule.kind, outcome.check, outcome.location, model.name)
    return step, previous, model


def _prove_identity(rule: Rule, seed: int) -> Verification:
    """Prove a rewrite rule's generic statement: its wilds become symbols and functions with the
    assumptions its conditions state.  A statement with sums or products of symbolic length is
    proved for every length by induction (:mod:`derive.induction`), else (as any step) at K = 2, 3;
    either way it is evaluated at random points as well."""
    before, after = (rule.pattern(side, proof_scope(rule, lower=sp.Integer(1)), evaluate=False) for side in ("lhs", "rhs"))
    model = categorical() if rule.requires else ANY_VALUES
    rng = random.Random(f"{seed}:{rule.name}")
    general = proof_scope(rule, lower=sp.Symbol("a", integer=True))
    general_sides = tuple(rule.pattern(side, general, evaluate=False) for side in ("lhs", "rhs"))
    symbolic_length = any(isinstance(e, (sp.Sum, sp.Product)) and e.free_symbols & set(c.SIZES)
                          for e in sp.preorder_traversal(sp.Tuple(*general_sides)))
    if symbolic_length:
        proved, how = prove_by_induction(*general_sides), "by induction on the number of terms"
    else:
        proved, how = proves_zero((before - after).doit(), model, {}), ""
    if not proved and symbolic_length and rule.requires:
        proved, how = prove_by_elimination(*general_sides), "the last class is one minus the others"
    if not proved and "one_hot_labels" in rule.requires:
        proved, how = prove_one_hot(*general_sides), "for every class the label is hot in"
    functions = _differentiated_functions(before, after)
    if not proved and not functions:
        return compare(before, after, model, rng, rule.name)
    if not proved:
        raise VerificationError(f"step {rule.name!r}: no symbolic proof of its statement was found")
    instance = _with_concrete_functions((before, after), functions, rng)
    small = model.size_choices(sp.Tuple(*instance))
    points, worst = numeric_opinion(instance[0], instance[1], model, rng, rule.name, small, POINTS_PER_SIZE)
    return Verification("symbolic", (), points, worst, detail=how)


def _differentiated_functions(*exprs: sp.Basic) -> set:
    """The unknown functions of a variable the statement differentiates by."""
    variables = {v for e in exprs for d in e.atoms(sp.Derivative) for v, _ in d.variable_count}
    return {f.func for e in exprs for f in e.atoms(AppliedUndef) if set(f.args) & variables}


def _with_concrete_functions(sides: tuple[sp.Basic, ...], functions: set, rng: random.Random) -> tuple[sp.Basic, ...]:
    """The statement for one random smooth function in place of each unknown one (positive where
    it must be), so the numeric check can evaluate derivatives."""
    table = {}
    for function in sorted(functions, key=str):
        coefficients = [sp.Rational(rng.randint(-9, 9), rng.randint(1, 5)) for _ in range(4)]

        def concrete(*args, k=coefficients, positive=bool(function.is_positive)):
            linear = k[0] + sum(k[1] * a for a in args) + sp.sin(k[2] * sum(args)) + k[3] * sum(args) ** 2 / 7
            return sp.exp(linear) if positive else linear
        table[function] = concrete
    result = []
    for side in sides:
        for function, concrete in table.items():
            side = side.replace(function, concrete)
        result.append(side)
    return tuple(result)
