"""Powers of one base merged where SymPy leaves them apart: a factor ``a`` beside ``a^{b}`` (the
``1 − σ`` the sigmoid lemma brings beside ``(1 − σ)^{γ−1}``), and the powers of one base in
different terms of a sum (``(1 − s)^{γ} − γ s log s (1 − s)^{γ−1}``), the lowest power factored
out.  Both need the base positive (``0 · 0^{−1}`` is no ``0^{0}``); the model says where it is."""
from __future__ import annotations

import sympy as sp

from ..expression_paths import enclosing_limits
from ..steps import CheckKind
from ..symbolic_proofs import canonical_indices
from .base import rewrite_rhs
from .registry import Example, operation


def _base_and_exponent(factor: sp.Basic) -> tuple[sp.Basic, sp.Basic]:
    return (factor.base, factor.exp) if isinstance(factor, sp.Pow) else (factor, sp.S.One)


def _without(term: sp.Basic, factor: sp.Basic) -> sp.Basic:
    """``term`` with its factor ``factor`` taken out (not divided: SymPy would keep ``a a^{b} a^{−b}``)."""
    factors = list(sp.Mul.make_args(term))
    factors.remove(factor)
    return sp.Mul(*factors)


def _symbolic(exponent: sp.Basic) -> bool:
    """An exponent SymPy does not merge by itself (``γ``, ``γ − 1``; not ``2`` nor ``−1``)."""
    return not exponent.is_number


@operation("merge_powers_of_one_base", checks=CheckKind.LOCAL, example=Example(
    rule="power_times_its_base", before="E = t*(1 - sigmoid(z))*(1 - sigmoid(z))**(gamma - 1)",
    after="E = t*(1 - sigmoid(z))**gamma"))
def _merge_powers_of_one_base(rule, equation, model, arguments):
    """``d a a^{b} = d a^{b+1}`` and ``d a^{b} a^{c} = d a^{b+c}`` for a positive ``a`` (the model's:
    a probability's complement, a log's argument), one exponent symbolic; bases compared up to the
    names of their summation indices."""
    def accept(path, sub):
        if not isinstance(sub, sp.Mul):
            return None
        factors = list(sp.Mul.make_args(sub))
        seen: dict = {}
        for position, factor in enumerate(factors):
            base, exponent = _base_and_exponent(factor)
            if base.is_number:
                continue
            key = canonical_indices(base)
            if key not in seen:
                seen[key] = position
                continue
            first = factors[seen[key]]
            first_exponent = _base_and_exponent(first)[1]
            if not (_symbolic(exponent) or _symbolic(first_exponent)):
                continue
            if not model.is_positive(base, enclosing_limits(equation.rhs, path)):
                continue
            merged = sp.Pow(_base_and_exponent(first)[0], first_exponent + exponent)
            rest = [f for p, f in enumerate(factors) if p not in (seen[key], position)]
            return sp.Mul(merged, *rest)
        return None

    return rewrite_rhs(equation, accept, with_path=True)


@operation("factor_lowest_power", checks=CheckKind.LOCAL, example=Example(
    rule="lowest_power_factored", before="E = (1 - sigmoid(z))**gamma - gamma*(1 - sigmoid(z))**(gamma - 1)",
    after="E = (1 - sigmoid(z))**(gamma - 1)*(1 - gamma - sigmoid(z))"))
def _factor_lowest_power(rule, equation, model, arguments):
    """``c a^{b+n} + d a^{b} = a^{b} (c a^{n} + d)`` for a positive ``a`` and a whole ``n`` ≥ 1, ``b``
    symbolic: each term holding a power of ``a`` whose exponent differs from the lowest by a whole
    number; bases compared up to the names of their summation indices."""
    def accept(path, sub):
        if not isinstance(sub, sp.Add):
            return None
        terms = sp.Add.make_args(sub)
        powers: dict = {}
        for term in terms:
            for factor in sp.Mul.make_args(term):
                base, exponent = _base_and_exponent(factor)
                if not base.is_number:
                    powers.setdefault(canonical_indices(base), []).append((term, factor, base, exponent))
        for found in powers.values():
            if [term for term, *_ in found] != list(terms) or not any(_symbolic(e) for *_, e in found):
                continue  # each term holds the base once (a a^{b} merges first), and some exponent is symbolic
            differences = [e - found[0][3] for *_, e in found]
            if not all(d.is_Integer for d in differences) or len(set(differences)) == 1:
                continue  # one power in every term: SymPy factors that itself
            lowest = found[0][3] + min(differences)
            base = found[0][2]
            if not model.is_positive(base, enclosing_limits(equation.rhs, path)):
                continue
            inner = sp.Add(*(_without(term, factor) * base ** (e - lowest) for term, factor, _, e in found))
            return sp.Mul(sp.Pow(base, lowest), inner)
        return None

    return rewrite_rhs(equation, accept, with_path=True)
