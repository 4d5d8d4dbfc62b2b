"""What a rule's wilds stand for when its statement is proved or tried on its own: a summation index
an integer, a lower limit and an upper one K, a wild summed over a function of the index.  The
rewriting engine asks :func:`holds_at_empty_range` before applying a rule to a range a size of 1
empties; :mod:`derive.rule_proofs` proves the catalogue with :func:`proof_scope`.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from . import conventions as c
from .catalogue import Rule
from .functions import plain
from .induction import vanishes


@lru_cache(maxsize=None)
def holds_at_empty_range(rule: Rule) -> bool:
    """Whether the rule's statement holds where its sums and products are empty (every sum 0, every
    product 1): all of them run over one range, from ``a`` to ``K``, and at ``K = a - 1`` its two
    sides are equal.  A rule that does may be applied to a range that a size of 1 empties."""
    general = proof_scope(rule, lower=sp.Symbol("a", integer=True))
    sides = tuple(rule.pattern(side, general, evaluate=False) for side in ("lhs", "rhs"))
    ranges = {tuple(limit[1:]) for side in sides for node in sp.preorder_traversal(side)
              if isinstance(node, (sp.Sum, sp.Product)) for limit in node.limits}
    if len(ranges) != 1:
        return False
    ((lower, upper),) = ranges
    if not isinstance(upper, sp.Symbol):
        return False
    empty = [side.xreplace({upper: lower - 1}).doit() for side in sides]
    return vanishes(plain(empty[0] - empty[1]))


def proof_scope(rule: Rule, lower: sp.Basic) -> dict[str, sp.Basic]:
    """What each wild stands for in the proof of the rule's statement: a summation index an
    integer, a lower limit ``lower`` and an upper one K; a wild summed over a function of the index;
    and where the statement differentiates by a wild ``x``, every wild not declared independent of
    ``x`` a function of ``x`` (else its derivative would be 0 and the proof empty)."""
    lhs_plain = rule.pattern("lhs", {name: sp.Wild(name) for name in rule.wild_names})
    bound, limits = _summation_roles(lhs_plain)
    assumptions = {cond.subject: cond.predicate for cond in rule.conditions  # what a wild is (a > 0), not what it is free of
                   if cond.predicate and cond.predicate != "independent"}
    variables = [v.name for d in lhs_plain.atoms(sp.Derivative) for v, _ in d.variable_count if isinstance(v, sp.Wild)]
    scope: dict[str, sp.Basic] = {}
    for name in rule.wild_names:
        if name in bound:
            scope[name] = sp.Symbol(name, integer=True)
        elif name in limits:
            scope[name] = lower if limits[name] == "lower" else c.K
        elif name in variables:
            scope[name] = sp.Symbol(name, **_flags(assumptions.get(name)))
    summed = [b for b in bound if b in _summed_over(lhs_plain)]
    for name in rule.wild_names:
        if name in scope:
            continue
        flags = _flags(assumptions.get(name))
        independent = any(cond.predicate == "independent" and cond.subject == name for cond in rule.conditions)
        arguments = ([scope[summed[0]]] if summed and not independent else []) + \
            ([scope[v] for v in variables] if not independent else [])
        scope[name] = sp.Function(name, **flags)(*arguments) if arguments else sp.Symbol(name, **flags)
    return scope


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
