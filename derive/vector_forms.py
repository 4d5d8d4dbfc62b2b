"""Row vectors and matrices standing for indexed labels and predictions (series article 000).

``t`` and ``y`` as 1 x K row vectors, ``T`` and ``Y`` as N x K matrices (one sample per row), and
the map back to indexed components that verification uses to compare matrix and index forms.
"""
from __future__ import annotations

from typing import Mapping

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from . import conventions as c

_ROW_NAMES = {c.t: "t", c.y: "y", c.z: "z", c.w: "w"}
_STACK_NAMES = {c.t: "T", c.y: "Y", c.z: "Z", c.x: "X", c.W: "W"}
_STACK_SHAPES = {c.x: (c.N, c.D), c.W: (c.D, c.K)}


def row_vector(base: sp.IndexedBase, size: sp.Basic = c.K) -> sp.MatrixSymbol:
    return sp.MatrixSymbol(_ROW_NAMES[base], 1, size)


def stacked(base: sp.IndexedBase, rows: sp.Basic = c.N, size: sp.Basic = c.K) -> sp.MatrixSymbol:
    if base in _STACK_SHAPES:
        rows, size = _STACK_SHAPES[base]
    return sp.MatrixSymbol(_STACK_NAMES[base], rows, size)


def column_vector(base: sp.IndexedBase, size: sp.Basic = c.K) -> sp.MatrixSymbol:
    return sp.MatrixSymbol(_ROW_NAMES[base], size, 1)


def gradient_symbol(variable: str, shape: tuple, of: str = "E") -> sp.MatrixSymbol:
    """``∇_Z E`` as a matrix symbol of the variable's shape (the layout convention of the brief)."""
    return sp.MatrixSymbol(f"nabla_{variable} {of}", *shape)


def hessian_symbol(size: sp.Basic = c.K) -> sp.MatrixSymbol:
    return sp.MatrixSymbol("H", size, size)


def elementwise(function, matrix: sp.MatrixExpr) -> sp.MatrixExpr:
    return ElementwiseApplyFunction(function, matrix)


def indexed_of(symbol: sp.MatrixSymbol) -> tuple[sp.IndexedBase | None, str]:
    """The indexed array a matrix symbol stands for, and how: ``"row"`` (1 x K), ``"column"``
    (K x 1) or ``"stack"`` (one sample per row); ``(None, "")`` for another matrix."""
    rows, cols = symbol.shape
    for base, row_name in _ROW_NAMES.items():
        if symbol.name == row_name and rows == 1:
            return base, "row"
        if symbol.name == row_name and cols == 1:
            return base, "column"
    for base, stack_name in _STACK_NAMES.items():
        if symbol.name == stack_name:
            return base, "stack"
    return None, ""


def _components(symbol: sp.MatrixSymbol) -> sp.Matrix:
    name = symbol.name
    rows, cols = (int(n) for n in symbol.shape)
    for base, row_name in _ROW_NAMES.items():
        if name == row_name and rows == 1:
            return sp.Matrix(1, cols, lambda _, j: base[j + 1])
        if name == row_name and cols == 1:
            return sp.Matrix(rows, 1, lambda j, _: base[j + 1])
    for base, stack_name in _STACK_NAMES.items():
        if name == stack_name:
            return sp.Matrix(rows, cols, lambda r, j: base[r + 1, j + 1])
    raise ValueError(f"no indexed form for the matrix {name}")


def explicit(expr: sp.Basic, sizes: Mapping[sp.Symbol, int]) -> sp.Basic:
    """A matrix expression at concrete sizes, as an explicit matrix of indexed components."""
    sized = expr.xreplace({s: v for s, v in sizes.items() if s in c.SIZES})
    written = sized.xreplace({m: sp.ImmutableMatrix(_components(m)) for m in sized.atoms(sp.MatrixSymbol)})
    value = written.doit()
    return value.as_explicit() if isinstance(value, sp.MatrixExpr) else value


def to_components(expr: sp.Basic, sizes: Mapping[sp.Symbol, int]) -> sp.Basic:
    """Write a matrix expression at concrete sizes in indexed components; 1 x 1 becomes scalar."""
    if not expr.atoms(sp.MatrixSymbol):
        return expr
    value = explicit(expr, sizes)
    if isinstance(value, sp.MatrixBase):
        if value.shape != (1, 1):
            raise ValueError(f"a {value.shape} matrix is not a scalar")
        return value[0, 0]
    return value
