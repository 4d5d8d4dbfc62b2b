"""Integer labels in the array printer (:mod:`.array_printer`): ``t_ik`` read as ``label_i == k``,
a label-weighted sum Σ_k t_ik X_ik read as X at each row's label (a gather, as the Numba generator
reads it), and the renaming of a bound index to a result's axis so equal arrays are printed once."""
from __future__ import annotations

from typing import Any

import sympy as sp

from ..errors import CodegenError
from .array_namespaces import BATCH, Term

ArrayPrinter = Any  # each function's printer: the :class:`.array_printer.ArrayPrinter` that calls it (which imports this module)


def label_term(printer: ArrayPrinter, e: sp.Indexed, ranges: dict) -> Term:
    """``t_ik`` of integer labels: 1 where the class ``k`` is row ``i``'s label (counted from 0)."""
    *rows, klass = e.indices
    row_axes = []
    for index in rows:
        if not (isinstance(index, sp.Symbol) and (index in ranges or printer.gradient_index(index))):
            raise CodegenError(f"{printer.ir.name}: labels are read row by row, not as {e}")
        row_axes.append(index)
    labels = Term(printer.arrays[e.base], ((BATCH,) if printer.batched else ()) + tuple(row_axes))
    if klass.is_Integer:
        return printer.fresh(printer.ns.real(f"{labels.code} == {int(klass) - 1}"), labels.axes)
    classes = printer.term(klass, ranges)
    axes = printer.canonical(labels.axes + classes.axes)
    return printer.fresh(printer.ns.real(f"{printer.align(labels, axes)} == {printer.align(classes, axes)} - 1"), axes)


def renamed(printer: ArrayPrinter, e: sp.Basic) -> sp.Basic:
    """``e`` with each bound index named as a result's axis of the same size that ``e`` does not
    use: Σ_h e^{z_ih - m_i} then shares e^{z_ik - m_i} with the gradient's softmax (one array
    over its free indices, whatever the letter)."""
    used = set(e.atoms(sp.Symbol))
    renames: dict = {}
    for variable, _, upper in e.limits:
        for index, size in printer.axes_of_results().items():
            if index not in used and size == upper and index not in renames.values():
                renames[variable] = index
                break
    if not renames:
        return e
    limits = [(renames.get(v, v), lower, upper) for v, lower, upper in e.limits]
    return e.func(e.function.xreplace(renames), *limits)


def label_selected(printer: ArrayPrinter, e: sp.Basic, ranges: dict) -> Term | None:
    """Σ_k t_ik X_ik with integer labels t: X at each row's label (a gather, where the one-hot
    product would read every class), as the Numba generator reads it; ``None`` where the sum
    is not one label's weight times a term free of the labels."""
    if not isinstance(e, sp.Sum) or len(e.limits) != 1 or printer.batched or not printer.ir.labels:
        return None
    ((variable, _, _),) = e.limits
    factors = list(sp.Mul.make_args(e.function))
    for number, factor in enumerate(factors):
        if not (isinstance(factor, sp.Indexed) and factor.base in printer.ir.labels and factor.indices[-1] == variable):
            continue
        rest = sp.Mul(*(factors[:number] + factors[number + 1:]))
        rows = tuple(factor.indices[:-1])
        if rest.has(factor.base) or variable in rows or len(rows) > 1 or \
                not all(isinstance(row, sp.Symbol) and (row in ranges or printer.gradient_index(row)) for row in rows):
            return None
        for read in rest.atoms(sp.Indexed):  # a row's label gathers along that row's own axis
            if variable in read.indices and (list(read.indices).count(variable) != 1 or
                                             (rows and (read.indices[0] != rows[0] or read.indices[0] == variable))):
                return None
        label = sp.Dummy("label", integer=True)
        printer.labels_at[label] = (printer.arrays[factor.base], rows)
        return printer.term(rest.xreplace({variable: label}), ranges)
    return None
