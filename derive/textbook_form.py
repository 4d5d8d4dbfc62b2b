"""What a textbook would not leave in a derived gradient (issue 32): a Kronecker delta summed over
one of its indices (``∑ᵢ fᵢ δᵢⱼ`` is ``fⱼ``), an exponential over a sum of exponentials that is a
softmax left unnamed (``e^{z_k}/∑ₘ e^{z_m}`` is ``softmax(z)_k``), two powers of one base
multiplied (``a^{p} a^{q}`` is ``a^{p+q}``), and powers of one base a whole number apart in separate
terms of a sum (``a^{b+1} + c a^{b}`` is ``a^{b} (a + c)``).  The corpus's test and benchmarks/human_form.py
report each; the rules that remove them are the catalogue's (the ``human_form`` ruleset, the
softmax named before it is differentiated)."""
from __future__ import annotations

import sympy as sp

from .functions import BINDERS
from .symbolic_proofs import canonical_indices


def shortfalls(expr: sp.Basic) -> list[str]:
    """Each thing a textbook would not leave in ``expr``, in words (empty: none)."""
    found = []
    if uncollapsed_deltas(expr):
        found.append("a Kronecker delta summed over")
    if unnamed_softmaxes(expr):
        found.append("a softmax left as exp over a sum")
    if unmerged_powers(expr):
        found.append("two powers of one base multiplied")
    if unfactored_powers(expr):
        found.append("powers of one base in separate terms")
    return found


def uncollapsed_deltas(expr: sp.Basic) -> list[sp.Basic]:
    """The sums (and products) over an index that a Kronecker delta inside them carries."""
    return [node for node in sp.preorder_traversal(expr) if isinstance(node, BINDERS)
            and any(variable in delta.args for delta in node.function.atoms(sp.KroneckerDelta)
                    for variable, *_ in node.limits)]


def unnamed_softmaxes(expr: sp.Basic) -> list[sp.Basic]:
    """The products holding ``e^{a_k}`` over ``(∑ₘ e^{a_m})ⁿ``: the numerator's exponent one term of
    the sum's, so the quotient (or a power of it) is a component of a softmax."""
    found = []
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, sp.Mul):
            continue
        factors = sp.Mul.make_args(node)
        totals = [(f.base, -f.exp) for f in factors if isinstance(f, sp.Pow) and is_sum_of_exponentials(f.base)
                  and (f.exp.is_negative or f.exp.could_extract_minus_sign())]  # 1/S, 1/S^q
        exponents = [f.args[0] for f in factors if isinstance(f, sp.exp)]
        # e^{q a_k}/(∑ₘ e^{a_m})^q is softmax(a)_k^q; e^{a_k} e^{a_l}/(∑ₘ e^{a_m})² two components
        if any(is_term_of(a, total) or is_term_of(a / power, total) for total, power in totals for a in exponents):
            found.append(node)
    return found


def unmerged_powers(expr: sp.Basic) -> list[sp.Basic]:
    """The products with two factors of one base (``a^{p} a^{q}``, ``a a^{q}``), bases compared up to
    the names of their summation indices (SymPy merges only bases written alike)."""
    found = []
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, sp.Mul):
            continue
        bases = [canonical_indices(f.base if isinstance(f, sp.Pow) else f) for f in sp.Mul.make_args(node)
                 if not f.is_number]
        if len(bases) != len(set(bases)):
            found.append(node)
    return found


def unfactored_powers(expr: sp.Basic) -> list[sp.Basic]:
    """The sums whose terms hold powers of one base with symbolic exponents a whole number apart
    (``(1 − s)^{γ} − γ s log s (1 − s)^{γ−1}``): the lowest power is a common factor."""
    found = []
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, sp.Add):
            continue
        exponents: dict = {}
        for term in node.args:
            for factor in sp.Mul.make_args(term):
                base, exponent = (factor.base, factor.exp) if isinstance(factor, sp.Pow) else (factor, sp.S.One)
                if not base.is_number:
                    exponents.setdefault(canonical_indices(base), set()).add(exponent)
        if any(len(seen) > 1 and any(not e.is_number for e in seen)
               and all((e - min_e).is_Integer for e in seen for min_e in seen) for seen in exponents.values()):
            found.append(node)
    return found


def is_sum_of_exponentials(total: sp.Basic) -> bool:
    """``total`` is ``∑ₘ e^{a_m}``, one sum over exponentials of its index."""
    return (isinstance(total, sp.Sum) and len(total.limits) == 1 and isinstance(total.function, sp.exp)
            and total.function.has(total.limits[0][0]))


def is_term_of(exponent: sp.Basic, total: sp.Sum) -> bool:
    """``exponent`` is ``a_k`` for some ``k`` where ``total`` sums ``e^{a_m}``: the sum's own exponent
    with its index replaced by one value (an index, or a number), the rest unchanged."""
    index = total.limits[0][0]
    value = sp.Wild("value", properties=[lambda v: v.is_integer is True and not v.has(index)])
    found = exponent.match(total.function.args[0].xreplace({index: value}))
    return bool(found) and value in found
