"""A row's loss in its logits' differences from the row maximum, so no two terms of the size of
the logits are left to cancel.

The stable forms shift the log-sum-exp by the row maximum m (``m + log Σ_j e^{z_j - m}``) but
leave the term linear in the logits as it was derived (``- Σ_j a_j z_j``, with ``Σ_j a_j`` the
multiple of m: 1 for one-hot labels, ``c_i Σ_j w_j q_ij`` with PyTorch's options).  Computed so,
the loss is the difference of two numbers as large as the logits: at logits of 1e17 all its
digits are gone (a loss of ln 4 came out 0), and with the compiler free to reassociate a sum
(the kernels' ``reassoc`` flag) it may add them in any order.  Written with ``z_j = m + (z_j - m)``
the multiples of m cancel exactly, symbolically, and what is left is a sum of terms the size of
the loss, each difference ``z_j - m`` computed once (:class:`.source_printer.difference_`, one
rounding the compiler may not regroup).  Where m does not cancel symbolically but the targets sum
to one (one-hot labels, or target probabilities the derivation assumed to sum to one, as the
kernels check), its multiple ``1 - Σ_j t_ij`` is that fact's zero.  Anything else is left as it was.
"""
from __future__ import annotations

import itertools

import sympy as sp

from .. import conventions as c
from ..functions import Maximum
from .source_printer import difference_


def relative_to_maximum(row_loss: sp.Basic, variable: sp.IndexedBase, index: sp.Symbol,
                        targets_sum_to_one: bool) -> sp.Basic:
    """``row_loss`` (sums over the classes by ``index``, as :func:`.codegen._canonical` writes
    them) with each logit outside its exponentials written as ``m + (z - m)`` and the multiples of
    the row maximum ``m`` cancelled; unchanged where they do not cancel."""
    entry = variable[c.i, index]
    maximum = Maximum(entry, (index, 1, c.K))
    if not row_loss.has(maximum):
        return row_loss
    m = sp.Dummy("m", real=True)
    shifted = sp.IndexedBase(sp.Dummy("shifted"))  # z - m already in the derivation (the exponents)
    apart = sp.IndexedBase(sp.Dummy("apart"))  # z - m written here
    entries = {a for a in row_loss.atoms(sp.Indexed) if a.base == variable} | {entry}  # z_ij, and z at the row's label
    expr = row_loss.xreplace({a - maximum: shifted[a.indices] for a in entries}).xreplace({maximum: m})
    expr = expr.xreplace({a: m + apart[a.indices] for a in entries})  # the logits outside the exponents

    def split(total: sp.Sum) -> sp.Basic:
        """``Σ_j (a_j m + b_j) = m Σ_j a_j + Σ_j b_j`` for a sum linear in m (else as it was)."""
        multiples = [term / m for term in outer_terms(total.function) if term.has(m)]
        others = [term for term in outer_terms(total.function) if not term.has(m)]
        if not multiples or any(multiple.has(m) for multiple in multiples):
            return total
        return m * sp.Sum(sp.Add(*multiples), *total.limits) + sp.Sum(sp.Add(*others), *total.limits)

    expr = sp.Add(*outer_terms(expr.replace(lambda e: isinstance(e, sp.Sum) and e.has(m), split)))
    multiple = sp.Add(*(term / m for term in sp.Add.make_args(expr) if term.has(m)))
    if multiple != 0 and targets_sum_to_one:
        multiple = multiple.xreplace({sp.Sum(c.t[c.i, index], (index, 1, c.K)): sp.S.One})
    rest = sp.Add(*(term for term in sp.Add.make_args(expr) if not term.has(m)))
    if multiple != 0 or rest.has(m) or rest.has(variable):
        return row_loss
    return rest.replace(lambda e: isinstance(e, sp.Indexed) and e.base in (shifted, apart),
                        lambda e: (variable[e.indices] - maximum if e.base == shifted
                                   else difference_(variable[e.indices], maximum)))


def outer_terms(expr: sp.Basic) -> list[sp.Basic]:
    """The additive terms, multiplying out products with a sum of terms (not inside a Sum)."""
    if isinstance(expr, sp.Add):
        return [t for a in expr.args for t in outer_terms(a)]
    if isinstance(expr, sp.Mul):
        factors = [(outer_terms(f) if isinstance(f, sp.Add) else [f]) for f in expr.args]
        return [sp.Mul(*combo) for combo in itertools.product(*factors)]
    return [expr]
