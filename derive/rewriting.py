"""Find where a rewrite rule matches in an expression and replace that subexpression.

Matching is SymPy's :meth:`~sympy.core.basic.Basic.match` against the rule's pattern, tried on
subexpressions in pre-order (outermost, then leftmost first).  A match counts only if the rule's
side conditions hold for what the wilds matched and the replacement differs from the original.
"""
from __future__ import annotations

import itertools

from functools import lru_cache
from typing import Mapping

import sympy as sp

from .catalogue import Rule
from .conditions import Domain, holds
from .functions import Maximum
from .expression_paths import all_subexpressions, replace_at
from .ranges import never_backwards, nonempty
from .rule_scope import holds_at_empty_range
from .symbolic_proofs import index_ranges


def match_rule(rule: Rule, expr: sp.Basic, domain: Domain) -> dict[str, sp.Basic] | None:
    """Bind the rule's wilds to parts of ``expr`` so that every side condition holds."""
    wilds = rule.wilds
    binding = _match(rule.pattern("lhs", wilds), expr, wilds)
    if binding is None:
        return None
    independent = [c for c in rule.conditions if c.predicate == "independent"]
    if independent:
        # Re-match with each constant wild told to avoid what it must not depend on.
        wilds = dict(wilds)
        for condition in independent:
            assert condition.subject is not None and condition.other is not None  # for mypy: "a independent of b"
            variable = binding.get(condition.other)
            if variable is not None:
                identities = wilds[condition.subject].properties
                wilds[condition.subject] = sp.Wild(condition.subject, properties=[
                    *identities, lambda e, v=variable: not domain.depends_on(e, v)])
        binding = _match(rule.pattern("lhs", wilds), expr, wilds)
        if binding is None:
            return None
    if all(holds(condition, binding, domain) for condition in rule.conditions) and _ranges_allow(rule, binding, expr, domain):
        return binding
    return None


def _ranges_allow(rule: Rule, binding: Mapping[str, sp.Basic], expr: sp.Basic, domain: Domain) -> bool:
    """A rule about sums or products holds where each range it matched never runs backwards (at
    every size), and, unless its statement holds at the empty range, where each has a term:
    ``∑_{c=3}^{C} a = (C - 2) a`` is false at C = 1, where the sum is empty (derive.ranges)."""
    ranges, made = _pattern_ranges(rule, "lhs"), _pattern_ranges(rule, "rhs")
    if not ranges and not made:
        return True
    values = {sp.Symbol(f"_wild_{name}"): value for name, value in binding.items()}
    known = index_ranges(expr, domain)
    empty_allowed = None
    for lower, upper in ranges:
        lower, upper = lower.xreplace(values), upper.xreplace(values)
        if nonempty(lower, upper, known):
            continue
        if not never_backwards(lower, upper, known):
            return False
        if empty_allowed is None:
            empty_allowed = holds_at_empty_range(rule)
        if not empty_allowed:
            return False
    # What the rule writes never runs backwards either (∑_{j=a+2}^{b} at b = a is empty here,
    # -f(a + 1) to SymPy, whose reading the rule's proof may have used).
    return all(never_backwards(lower.xreplace(values), upper.xreplace(values), known) for lower, upper in made)


@lru_cache(maxsize=None)
def _pattern_ranges(rule: Rule, side: str) -> tuple[tuple[sp.Basic, sp.Basic], ...]:
    """The ranges of the sums and products of one side of the rule, each wild a placeholder."""
    placeholders = {name: sp.Symbol(f"_wild_{name}") for name in rule.wild_names}
    pattern = rule.pattern(side, placeholders, evaluate=False)
    return tuple((lower, upper) for node in sp.preorder_traversal(pattern) if isinstance(node, (sp.Sum, sp.Product))
                 for _, lower, upper in node.limits)


def match_equation(patterns: tuple[sp.Basic, sp.Basic], lhs: sp.Basic, rhs: sp.Basic,
                   wilds: Mapping[str, sp.Wild]) -> dict[str, sp.Basic] | None:
    """Bind wilds so that ``patterns`` become ``(lhs, rhs)``; a wild bound on the left stays bound."""
    left = _match(patterns[0], lhs, wilds)
    if left is None:
        return None
    bound = {wilds[name]: value for name, value in left.items()}
    right = _match(patterns[1].xreplace(bound), rhs, wilds)
    if right is None:
        return None
    return {**left, **right}


_HEADS = (sp.Function, sp.Sum, sp.Product, sp.Derivative, sp.Limit)  # a pattern with one of these at its top matches only its own kind


def _match(pattern: sp.Basic, expr: sp.Basic, wilds: Mapping[str, sp.Wild]) -> dict[str, sp.Basic] | None:
    if isinstance(pattern, _HEADS) and type(expr) is not type(pattern):
        return None  # far cheaper than SymPy's match, which tries rewrites first
    if not _functions_in(pattern) <= _functions_in(expr):
        return None  # a match binds wilds to parts: it never makes a log or a sum where there is none
    if _needs_sum_factor(pattern) and not (isinstance(expr, sp.Mul) and any(isinstance(a, sp.Add) for a in expr.args)):
        return None  # a(b + c) against a product with no sum in it binds b or c to 0: no rewrite
    found = expr.match(pattern)
    if found is None or _inverted(pattern, found):
        return None
    return {name: found[w] for name, w in wilds.items() if w in found}


def _inverted(pattern: sp.Basic, found: Mapping[sp.Wild, sp.Basic]) -> bool:
    """Whether a wild the pattern divides by was bound to a fraction: ``f/g`` against
    ``e^{z} log s / S`` binds ``g = 1/log s``, a denominator the expression never had, undefined
    where ``log s = 0`` (SymPy writes a real quotient ``f/(a/b)`` as ``f b/a``, so a bound ``g``
    with a denominator of its own is always such an inversion)."""
    for node in _divided_wilds(pattern):
        value = found.get(node)
        if value is not None and sp.fraction(value)[1] != 1:
            return True
    return False


@lru_cache(maxsize=512)
def _divided_wilds(pattern: sp.Basic) -> tuple[sp.Wild, ...]:
    return tuple(node.base for node in sp.preorder_traversal(pattern)
                 if isinstance(node, sp.Pow) and isinstance(node.base, sp.Wild) and node.exp.is_negative)


@lru_cache(maxsize=8192)
def _functions_in(expr: sp.Basic) -> frozenset[type]:
    """The kinds of function, sum and product applied anywhere in ``expr``."""
    own = {type(expr)} if isinstance(expr, (sp.Function, sp.Sum, sp.Product, sp.Derivative)) else set()
    return frozenset(own.union(*(_functions_in(a) for a in expr.args)))


@lru_cache(maxsize=512)
def _needs_sum_factor(pattern: sp.Basic) -> bool:
    return isinstance(pattern, sp.Mul) and any(isinstance(a, sp.Add) for a in pattern.args)


@lru_cache(maxsize=8192)
def match_once(rule: Rule, sub: sp.Basic, domain: Domain) -> dict[str, sp.Basic] | None:
    """:func:`match_rule`, once per rule, part and model: a strategy tries every rule of its ruleset
    on the unchanged parts of each new line again, and the certificate asks again for the match that
    made each rewrite step (:func:`derive.certificate._rewrite_match`).  The binding is shared: read it,
    never change it."""
    return match_rule(rule, sub, domain)


def rewrite_once(rule: Rule, expr: sp.Basic, domain: Domain) -> tuple[sp.Basic, tuple[int, ...]] | None:
    """Apply ``rule`` at the first place it matches; ``None`` where it matches nowhere."""
    pattern = rule.pattern("lhs")
    head = type(pattern) if isinstance(pattern, _HEADS) else None
    shared = _shares_a_base(pattern)
    for path, sub in all_subexpressions(expr):
        if head is not None and type(sub) is not head:
            continue
        for part, rest in parts(sub, pattern):
            if shared and not _two_factors_share_a_base(part):
                continue  # a^b a^c written as a^{b+c} changes nothing here (see below)
            binding = match_once(rule, part, domain)
            if binding is None:
                continue
            if _captures(rule, binding):
                continue
            scope = {name: binding.get(name, w) for name, w in rule.wilds.items()}
            replacement = rule.pattern("rhs", scope)
            if replacement == part:
                continue
            return replace_at(expr, path, replacement * rest if rest is not None else replacement), path
    return None


@lru_cache(maxsize=512)
def _shares_a_base(pattern: sp.Basic) -> bool:
    """Whether the pattern is a product holding two powers of one wild base, ``a^b a^c`` (the
    ``product_of_powers`` rules): SymPy's match tries every way of pairing such a product's
    factors with the pattern's, milliseconds each on a long product, and almost always finds none."""
    if not isinstance(pattern, sp.Mul):
        return False
    bases = [a.base for a in pattern.args if isinstance(a, sp.Pow) and isinstance(a.base, sp.Wild)]
    return len(bases) != len(set(bases))


@lru_cache(maxsize=8192)
def _two_factors_share_a_base(part: sp.Basic) -> bool:
    """Whether two factors of ``part`` may be powers of one base (``x``, ``x^2``; ``e^u``, ``e^v``;
    ``2``, ``2^x``, the coefficient's numerator and denominator each a factor, as SymPy's match
    splits them; any factor whose base is itself a product, which a group of other factors may
    equal).  Where none can be, ``a^b a^c`` binds one factor and a zero or empty power, and the rule
    writes ``part`` back unchanged: it is not tried there."""
    if not isinstance(part, sp.Expr):
        return True  # a sum's limits (a Tuple), a relation: SymPy's match decides
    bases: list[sp.Basic] = []
    for factor in sp.Mul.make_args(part):
        if isinstance(factor, sp.Rational):
            bases.extend(sp.Integer(n) for n in (abs(factor.p), factor.q) if n != 1)
            continue
        base = factor.as_base_exp()[0]
        if isinstance(base, sp.Mul) or isinstance(base.as_base_exp()[0], sp.Mul):
            return True
        bases.append(base)
    return len(bases) != len(set(bases))


def _captures(rule: Rule, binding: Mapping[str, sp.Basic]) -> bool:
    """Whether an index the rule's right side binds of its own (``l`` in ``max_l z_{r l}``) is held
    free by what the wilds matched: bound as written, it would capture that index (``max_l z_{l l}``,
    the diagonal's maximum, where the row's was meant).  Such a match is not taken; a rule or
    operation that picks a fresh index (``shift_log_sum_exp``) does the rewrite instead."""
    held = {str(symbol) for value in binding.values() for symbol in value.free_symbols}
    return any(name in held for name in _introduced_indices(rule))


@lru_cache(maxsize=None)
def _introduced_indices(rule: Rule) -> tuple[str, ...]:
    """The names of the indices the rule's right side binds (sums, products, maxima) that are no wild."""
    rhs = rule.pattern("rhs")
    binders = rhs.atoms(sp.Sum, sp.Product) | {node for node in sp.preorder_traversal(rhs) if isinstance(node, Maximum)}
    return tuple(sorted({str(limit[0]) for binder in binders for limit in binder.limits
                         if not isinstance(limit[0], sp.Wild)} - set(rule.wilds)))


SUBPRODUCT_FACTORS = 8  # a product with more factors is matched whole only


def parts(sub: sp.Basic, pattern: sp.Basic):
    """``(sub, None)``, then, where the pattern is a product of fewer factors than ``sub``, each
    product of that many of ``sub``'s factors with the product of the others (factors commute:
    ``e^{z_k} S / Σ e^{z_j}`` holds the softmax ``e^{z_k}/Σ e^{z_j}``)."""
    yield sub, None
    if not (isinstance(pattern, sp.Mul) and isinstance(sub, sp.Mul)):
        return
    size = len(pattern.args)
    if not size < len(sub.args) <= SUBPRODUCT_FACTORS:
        return
    for chosen in itertools.combinations(range(len(sub.args)), size):
        yield (sp.Mul(*(sub.args[n] for n in chosen)),
               sp.Mul(*(a for n, a in enumerate(sub.args) if n not in chosen)))
