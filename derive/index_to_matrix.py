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
        left, matrices = _common_left_factor([matrix for _, matrix in terms])
        signed = sp.MatAdd(*(sp.sign(coefficient) * matrix for (coefficient, _), matrix in zip(terms, matrices)))
        factors = [f for f in (common, left) if f is not None and f != 1]
        return sp.MatMul(*factors, signed) if factors else signed
    return sp.MatAdd(*(coefficient * matrix for coefficient, matrix in terms))


def _common_left_factor(matrices: list) -> tuple:
    """``Xᵀ Y - Xᵀ T`` as ``Xᵀ`` and ``[Y, T]``: the factor every product starts with, if any."""
    if len(matrices) < 2 or not all(isinstance(m, sp.MatMul) and len(m.args) == 2 for m in matrices):
        return None, matrices
    left = matrices[0].args[0]
    if not all(m.args[0] == left for m in matrices):
        return None, matrices
    return left, [m.args[1] for m in matrices]


def _term(term: sp.Basic, row: sp.Symbol, col: sp.Symbol) -> tuple[sp.Basic, sp.MatrixExpr]:
    scalars, at_row, at_col, whole, delta = [], [], [], [], False
    for factor in sp.Mul.make_args(term):
        if isinstance(factor, sp.Sum) and (factor.has(row) or factor.has(col)):
            product = _product_over(factor, row, col)
            if product is None:
                raise DeriveError(f"cannot write the term {term} as a matrix")
            coefficient = sp.Mul(*(f for f in sp.Mul.make_args(term) if f is not factor))
            if coefficient.has(row) or coefficient.has(col):
                raise DeriveError(f"cannot write the term {term} as a matrix")
            return coefficient, product
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


def _product_over(total: sp.Sum, row: sp.Symbol, col: sp.Symbol) -> sp.MatrixExpr | None:
    """``∑_s a_{s row} b_{s col}`` (each of the two arrays indexed either way round) as the matrix
    product ``Aᵀ B``, ``A B``, ``A Bᵀ`` or ``Aᵀ Bᵀ``."""
    if len(total.limits) != 1:
        return None
    index = total.limits[0][0]
    factors = sp.Mul.make_args(total.function)
    arrays = [f for f in factors if isinstance(f, sp.Indexed) and len(f.indices) == 2]
    if len(arrays) != 2 or len(factors) != 2:
        return None
    first = next((a for a in arrays if row in a.indices and index in a.indices), None)
    second = next((a for a in arrays if a is not first and col in a.indices and index in a.indices), None)
    if first is None or second is None:
        return None
    left = vf.stacked(first.base) if first.indices == (row, index) else vf.stacked(first.base).T
    right = vf.stacked(second.base) if second.indices == (index, col) else vf.stacked(second.base).T
    return left * right
