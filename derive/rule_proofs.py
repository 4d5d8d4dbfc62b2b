"""Every rule proves itself: the catalogue's identities and operations checked like any step.

A rewrite rule's wilds become fresh symbols (with the assumptions its conditions state), a wild
summed over becomes an unknown function of the summation index, and a summation's upper limit
becomes K, so the identity is proved at K = 2, 3 and evaluated at random points.  A rule that names
an operation is applied to the ``example`` its catalogue entry gives, and the resulting step is
verified with the same checks every derivation uses.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import sympy as sp

from . import conventions as c
from .catalogue import PROOFS_FILE, Rule, get_rule, load_catalogue, proving_catalogue, read_catalogue, rules_directory
from .errors import CatalogueError
from .models import ANY_VALUES, BERNOULLI, LINKS, Model, categorical
from .operations import apply
from .steps import Equation, Step, Verification
from .verification import compare, verify_step



def prove_catalogue(directory: str | None = None) -> Path:
    """Prove every rule of the catalogue and record each proof under the hash of the rule's text
    (``proofs.json`` beside the rules); raises on the first false rule, naming it."""
    root = Path(directory) if directory else rules_directory()
    record = {}
    with proving_catalogue():
        for rule in read_catalogue(directory).values():
            verification = prove(rule)
            record[rule.name] = {"hash": rule.digest, "method": verification.method,
                                 "sizes": [dict(s) for s in verification.sizes], "points": verification.points}
    path = root / PROOFS_FILE
    try:
        path.write_text(json.dumps({"rules": record}, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(f"cannot write the record of proofs to {path}: {exc.strerror}") from None
    load_catalogue.cache_clear()
    return path


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
    from .derivations import get  # the built-ins are made of rules: import them only here

    derivation = get(name)
    for number, step in enumerate(derivation.steps):
        if step.rule == rule.name:
            previous = derivation.steps[number - 1].equation if number else None
            return verify_step(previous, step, derivation.models[number], seed)
    raise CatalogueError(f"rule {rule.name!r} says it is proved in {name!r}, which does not use it")


def _model(name: str | None) -> Model:
    if name is None or name == "categorical":
        return categorical()
    if name == "bernoulli":
        return BERNOULLI
    base, _, link = name.partition(":")
    if link in LINKS and base in ("categorical", "bernoulli"):  # "categorical:softmax": y is the link of z
        return _model(base).with_link(link)
    if name.startswith("categorical:"):
        return categorical(int(name.split(":", 1)[1]))
    raise CatalogueError(f"unknown example model {name!r}")


def _example_step(rule: Rule) -> tuple[Step, Equation | None, Model]:
    model = _model(rule.data.get("example_model"))  # type: ignore[arg-type]
    if rule.operation == "premise":
        previous = None
    elif "example_derivation" in rule.data:
        from .derivations import get  # the built-ins are made of rules: import them only here
        previous = None
        arguments = {"derivation": get(str(rule.data["example_derivation"]))}
        outcome = apply(rule, previous, model, arguments)
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
    lhs_plain = rule.pattern("lhs", {name: sp.Wild(name) for name in rule.wild_names})
    bound, limits = _summation_roles(lhs_plain)
    assumptions = {cond.subject: cond.predicate for cond in rule.conditions if cond.predicate}
    scope: dict[str, sp.Basic] = {}
    for name in rule.wild_names:
        if name in bound:
            scope[name] = sp.Symbol(name, integer=True)
        elif name in limits:
            scope[name] = sp.Integer(1) if limits[name] == "lower" else c.K
    for name in rule.wild_names:
        if name in scope:
            continue
        flags = _flags(assumptions.get(name))
        independent = any(cond.predicate == "independent" and cond.subject == name for cond in rule.conditions)
        summed = [b for b in bound if b in _summed_over(lhs_plain)]
        if summed and not independent:
            index = scope[summed[0]]
            scope[name] = sp.Function(name, **flags)(index)
        else:
            scope[name] = sp.Symbol(name, **flags)
    before = rule.pattern("lhs", scope, evaluate=False)
    after = rule.pattern("rhs", scope, evaluate=False)
    model = categorical() if rule.requires else ANY_VALUES
    return compare(before, after, model, random.Random(f"{seed}:{rule.name}"), rule.name)


def _flags(predicate: str | None) -> dict[str, bool]:
    return {"positive": {"positive": True}, "real": {"real": True}, "not_one": {"positive": True},
            "integer": {"integer": True}}.get(predicate or "", {})


def _summed_over(pattern: sp.Basic) -> set[str]:
    return {v.name for node in sp.preorder_traversal(pattern) if isinstance(node, (sp.Sum, sp.Product))
            for v, *_ in node.limits if isinstance(v, sp.Wild)}


def _summation_roles(pattern: sp.Basic) -> tuple[list[str], dict[str, str]]:
    bound: list[str] = []
    limits: dict[str, str] = {}
    for node in sp.preorder_traversal(pattern):
        if isinstance(node, sp.Indexed):  # an index such as the sample i in t[i, k] is an integer
            bound += [ix.name for ix in node.indices if isinstance(ix, sp.Wild) and ix.name not in bound]
        if isinstance(node, (sp.Sum, sp.Product)):
            for variable, lower, upper in node.limits:
                if isinstance(variable, sp.Wild):
                    bound.append(variable.name)
                for role, value in (("lower", lower), ("upper", upper)):
                    if isinstance(value, sp.Wild):
                        limits[value.name] = role
    return bound, limits
