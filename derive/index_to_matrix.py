"""Read a component formula with free indices (a, b) as a matrix expression.

Handles what gradients and Hessians of these losses produce: components of N x K arrays
(``y_ik - t_ik`` is ``Y - T``), ``v_a δ_ab`` (``diag(v)``) and ``v_a u_b`` (``v uᵀ``), each term times a
scalar.  Anything else is a :class:`DeriveError` naming the term.
"""
from __future__ import annotations

import sympy as sp

from . import vector_forms as vf
from .errors import DeriveError


def to_matrix(expr: sp.Basic, row: sp.Symbol, col: sp.Symbol) -> sp.MatrixExpr:
    terms = [_term(term, row, col) for term in sp.Add.make_args(sp.expand(expr))]
    coefficients = {abs(coefficient) for coefficient, _ in terms}
    if len(coefficients) == 1:  # a common factor in front: (Y - T)/N rather than Y/N - T/N
        (common,) = coefficients
        signed = sp.MatAdd(*(sp.sign(coefficient) * matrix for coefficient, matrix in terms))
        return signed if common == 1 else sp.MatMul(common, signed)
    return sp.MatAdd(*(coefficient * matrix for coefficient, matrix in terms))


def _term(term: sp.Basic, row: sp.Symbol, col: sp.Symbol) -> tuple[sp.Basic, sp.MatrixExpr]:
    scalars, at_row, at_col, whole, delta = [], [], [], [], False
    for factor in sp.Mul.make_args(term):
        if isinstance(factor, sp.KroneckerDelta) and set(factor.args) == {row, col}:
            delta = True
        elif isinstance(factor, sp.Indexed) and factor.indices == (row, col):
            whole.append(factor.base)
        elif isinstance(factor, sp.Indexed) and factor.indices == (row,):
            at_row.append(factor.base)
        elif isinstance(factor, sp.Indexed) and factor.indices == (col,):
            at_col.append(factor.base)
        elif not factor.has(row) and not factor.has(col):
            scalars.append(factor)
        else:
            raise DeriveError(f"cannot write the term {term} as a matrix")
    coefficient = sp.Mul(*scalars)
    if whole and not (at_row or at_col or delta) and len(whole) == 1:
        return coefficient, vf.stacked(whole[0])
    if len(at_row) == 1 and delta and not (at_col or whole):
        return coefficient, sp.DiagMatrix(vf.column_vector(at_row[0]))
    if len(at_row) == 1 and len(at_col) == 1 and not (delta or whole):
        return coefficient, vf.column_vector(at_row[0]) * vf.column_vector(at_col[0]).T
    raise DeriveError(f"cannot write the term {term} as a matrix")
