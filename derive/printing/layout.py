"""Layout decisions shared by the expression printers: the series' way of writing its formulas.

Labels before logarithms (``t_k log y_k``), ``-(a + b)`` when every term is negative, ``1/N`` in
front of what it scales, decimals for the seeds' probabilities inside a logarithm (``log 0.51``, not
``log(51/100)``; elsewhere a rational stays a fraction, ``1/2``, and a half power a root), and
terms without a complement ``(1 - y)`` first.
"""
from __future__ import annotations

import sympy as sp

from .. import conventions as c

LABEL_BASES = (c.t, c.w)
LABEL_SYMBOLS = (c.t_scalar, c.w_scalar)


def is_label(expr: sp.Basic) -> bool:
    if isinstance(expr, sp.Indexed):
        return expr.base in LABEL_BASES
    return expr in LABEL_SYMBOLS


def decimal(expr: sp.Rational) -> str | None:
    """``51/100`` as ``0.51`` when the denominator divides a power of ten (up to 10^6)."""
    q = int(expr.q)
    for digits in range(1, 7):
        if (10**digits) % q == 0:
            scaled = abs(int(expr.p)) * (10**digits // q)
            text = f"{scaled // 10**digits}.{scaled % 10**digits:0{digits}d}".rstrip("0")
            return ("-" if expr < 0 else "") + text
    return None


def split_mul(expr: sp.Mul) -> tuple[bool, list[sp.Basic], list[sp.Basic], list[sp.Basic]]:
    """``(negative, numbers, denominators, factors)`` in the order the series writes them."""
    negative = False
    numbers: list[sp.Basic] = []
    denominators: list[sp.Basic] = []
    labels: list[sp.Basic] = []
    others: list[sp.Basic] = []
    for factor in expr.args:
        if factor == sp.S.NegativeOne:
            negative = not negative
        elif factor.is_Number and factor.is_negative and not _held(expr):
            negative = not negative
            _number(-factor, numbers, denominators)
        elif factor.is_Number and not _held(expr):
            _number(factor, numbers, denominators)
        elif factor.is_Number:
            numbers.append(factor)
        elif isinstance(factor, sp.Pow) and factor.exp == -1 and not factor.base.is_Number:
            denominators.append(factor.base)
        elif (isinstance(factor, sp.Pow) and factor.exp.is_Rational and factor.exp < 0
              and not factor.base.is_Number):  # (1 + e^{-x})^{-2} is written 1/(1 + e^{-x})^2, x^{-1/2} 1/√x
            denominators.append(sp.Pow(factor.base, -factor.exp))
        elif is_label(factor):
            labels.append(factor)
        else:
            others.append(factor)
    numbers = [n for n in numbers if n != 1 or _held(expr)]
    return negative, numbers, denominators, labels + sorted(others, key=_complement_last)


def _number(value: sp.Number, numbers: list, denominators: list) -> None:
    """``1/2`` in a product as a numerator 1 and a denominator 2: ``(t − μ)²/(2 s²)``, not ``((1/2)(t − μ)²)/s²``."""
    if value.is_Rational and not value.is_Integer:
        if value.p != 1:
            numbers.append(sp.Integer(value.p))
        denominators.append(sp.Integer(value.q))
    else:
        numbers.append(value)


def _held(expr: sp.Mul) -> bool:
    """A product SymPy was told not to evaluate (``1 * log 0.51``): its ones are shown."""
    return sum(1 for a in expr.args if a.is_Number) > 1 or sp.S.One in expr.args or sp.S.Zero in expr.args


def _complement_last(expr: sp.Basic) -> int:
    return sum(1 for e in sp.preorder_traversal(expr) if isinstance(e, sp.Add))


def ordered_terms(expr: sp.Add) -> list[sp.Basic]:
    """Terms in SymPy's printing order, positive ones and those without ``(1 - ...)`` first."""
    if any(isinstance(term, sp.Mul) and _held(term) for term in expr.args):
        return list(expr.args)  # values put in as the series writes them (0·log 0.56 + 1·log 0.44): its order
    terms = list(expr.as_ordered_terms())
    return sorted(terms, key=lambda term: (term.could_extract_minus_sign(), _complement_last(term)))


def ordinary_derivative(expr: sp.Derivative) -> bool:
    """``d/dx`` rather than ``∂/∂x``: one plain variable, and nothing else the expression depends on."""
    (variable, *rest) = expr.variables
    return not rest and isinstance(variable, sp.Symbol) and expr.expr.free_symbols <= {variable}


def as_fraction(factors: list[sp.Basic], denominators: list[sp.Basic]) -> bool:
    """``num/den`` rather than ``(1/den) num``: when no sum or product stands in the numerator, nor
    a limit or a derivative (a fraction of its own: ∂y/∂y over y, a lim in a numerator, read badly)."""
    return bool(denominators) and not any(f.has(sp.Sum, sp.Product, sp.Limit, sp.Derivative) for f in factors)


def all_negative(expr: sp.Add) -> bool:
    return len(expr.args) > 1 and all(reads_negative(term) for term in expr.args)


def negative_factor(term: sp.Basic) -> int | None:
    """The position of a factor ``-(a + b)`` of a product (whose sign the product reads as its own), else None."""
    if isinstance(term, sp.Mul) and not term.could_extract_minus_sign():
        for n, factor in enumerate(term.args):
            if isinstance(factor, sp.Add) and all_negative(factor):
                return n
    return None


def reads_negative(term: sp.Basic) -> bool:
    """A term written with a minus in front: a negative coefficient, or a factor ``-(a + b)``."""
    return term.could_extract_minus_sign() or negative_factor(term) is not None


def negated(term: sp.Basic) -> sp.Basic:
    """``-term`` without letting SymPy re-evaluate a held product (or its factor ``-(a + b)``)."""
    position = negative_factor(term)
    if position is not None:
        factors = list(term.args)
        factors[position] = sp.Add(*(negated(a) for a in factors[position].args), evaluate=False)
        return sp.Mul(*factors, evaluate=False)
    if isinstance(term, sp.Mul) and sp.S.NegativeOne in term.args:
        rest = list(term.args)
        rest.remove(sp.S.NegativeOne)
        return rest[0] if len(rest) == 1 else sp.Mul(*rest, evaluate=False)
    return -term
