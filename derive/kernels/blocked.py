"""Kernels for few classes: a block of rows side by side.

With K classes a row's class loop runs K times.  At K = 10 a vector step (8 lanes, unrolled)
never fills: every row pays a scalar remainder and its own library log1p and expm1.  Here a
block of ``ROWS`` rows is copied into a buffer with the classes along its first axis,
``xt[j, r]``, and every loop runs over the rows of the block, a constant count the compiler
vectorises: the row reductions, the exponentials, then per row the loss (with library-free
log1p and expm1) and the gradient's row values; the gradient is written back row by row.
The loops come from the same :class:`~derive.kernels.codegen.RowPlan` as the one-row-at-a-time
kernels: only the memory layout differs.

``single``: the class passes and the gradient in float32 (8 lanes), with each exponential
``e^(x - max)`` computed from the exact float32 difference (TwoSum), the sums over at most
``compiler.FEW_CLASSES`` terms in float32, and the per-row loss in float64.  Where a pass needs anything
else (a log, an expm1 per class), float32 is refused with a ``CodegenError`` and the caller
keeps the float64 kernel.
"""
from __future__ import annotations

import itertools

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from .. import conventions as c
from ..errors import CodegenError
from ..functions import Maximum
from .codegen import J, NONFINITE, arguments, gradient_entry, hoist, indicator, mark_nonpositive, plan_rows
from .generated import BLOCK_ROWS as ROWS
from .source_printer import SCRATCH, ClassPassPrinter, minus_maximum, statements
from .spec import Spec



class _BlockPrinter(ClassPassPrinter):
    """Per-row names print as ``name[r]``.  In a class pass (``mode == "pass"``: classes outer,
    rows inner) the row's entries are ``xt[j, r]`` and ``tt[j, r]``; elsewhere ``i`` is the row."""

    def __init__(self, spec: Spec, rowwise: set[str], maxima: set[sp.Symbol], single: bool):
        super().__init__(spec, maxima, single)
        self.rowwise = rowwise
        self.mode = "pass"

    def p(self, e) -> str:
        if e == SCRATCH:
            return "row[j, r]"
        if isinstance(e, sp.Symbol) and e.name in self.rowwise:
            return f"{e.name}[r]"
        if not self.single and isinstance(e, log1p):
            return f"log1p_any({self.p(e.args[0])})"
        if not self.single and isinstance(e, expm1) and minus_maximum(e.args[0], self.maxima) is not None:
            return f"expm1_nonpositive({self.p(e.args[0])})"
        return super().p(e)

    def indexed(self, e: sp.Indexed) -> str:
        if self.mode != "pass":
            return super().indexed(e)
        column = self.p(e.indices[-1])
        if e.base == self.spec.variable:
            return f"xt[{column}, r]"
        if e.base == c.t and self.spec.labels:
            one, zero = self.number(1.0), self.number(0.0)
            return f"({one} if jf == labf[r] else {zero})"
        if e.base == c.t:
            return f"tt[{column}, r]"
        return super().indexed(e)


def generate_blocked(spec: Spec, function: str, with_gradient: bool, single: bool = False) -> str:
    """The source of ``function(X, T, out[, G, scale])`` for a categorical loss, rows in blocks."""
    if not spec.categorical:
        raise CodegenError("blocked kernels are for categorical losses")
    plan = plan_rows(spec, with_gradient)
    maxima = plan.maxima
    names = (sp.Symbol(f"c{n}") for n in itertools.count())
    work = "np.float32" if single else "np.float64"
    reductions = [(name, node) for level in plan.levels for name, node in level]
    rowwise = {str(name) for name, _ in reductions} | {NONFINITE, "lab"}
    printer = _BlockPrinter(spec, rowwise, maxima, single)

    loss_hoisted, row_loss = hoist(mark_nonpositive(plan.row_loss, maxima), J, names)
    grad_hoisted, row_grad = hoist(mark_nonpositive(plan.row_grad, maxima), J, names) if with_gradient else ([], None)
    rowwise |= {str(name) for name, _ in grad_hoisted}
    uses_targets = not spec.labels and any(node.function.has(c.t) for _, node in reductions)

    task = "    "
    body = ["    N, K = X.shape", f"{task}xt = np.empty((K, {ROWS}), {work})  # the block's entries, classes by rows"]
    if uses_targets:
        body.append(f"{task}tt = np.empty((K, {ROWS}), {work})")
    if plan.shared is not None:
        body.append(f"{task}row = np.empty((K, {ROWS}), {work})  # the shared exponentials, between passes")
    if spec.labels:
        body += [f"{task}lab = np.empty({ROWS}, np.int64)", f"{task}labf = np.empty({ROWS}, {work})  # labels as floats: a vector compare"]
    for name in sorted(rowwise - {"lab"}):
        body.append(f"{task}{name} = np.empty({ROWS}, {work})")
    block = task + "    "
    body += [f"{task}for i0 in range(0, N, {ROWS}):",
             f"{block}n = min({ROWS}, N - i0)",
             f"{block}for r in range({ROWS}):  # past the last row: copies of it, computed and never written",
             f"{block}    i = min(i0 + r, N - 1)",
             f"{block}    for j in range(K):",
             f"{block}        xt[j, r] = X[i, j]"]
    if uses_targets:
        body.append(f"{block}        tt[j, r] = T[i, j]")
    if spec.labels:
        body += [f"{block}    lab[r] = T[i]", f"{block}    labf[r] = T[i]"]
    body.append(f"{block}for r in range({ROWS}):")
    body += [f"{block}    {name}[r] = {'-math.inf' if isinstance(node, Maximum) else '0.0'}" for name, node in reductions]
    body.append(f"{block}    {NONFINITE}[r] = 0.0")

    levels = plan.levels or [[]]
    for number, level in enumerate(levels):
        bodies = [mark_nonpositive(node.function, maxima) for _, node in level]
        store_shared = plan.shared is not None and number == len(levels) - 1
        if store_shared:
            bodies.append(mark_nonpositive(plan.shared, maxima))
        temps, reduced = sp.cse(bodies, symbols=names, order="none") if bodies else ([], [])
        printer.mode = "pass"
        inner = statements(temps, printer, "")
        if number == 0:  # x - x is 0 unless x is NaN or infinite
            inner.append(f"{NONFINITE}[r] += xt[j, r] - xt[j, r]")
        for (name, node), value in zip(level, reduced):
            if isinstance(node, Maximum):  # np.maximum: a plain vector max (a select would become a masked store)
                inner.append(f"{name}[r] = np.maximum({name}[r], {printer(value)})")
            else:
                inner.append(f"{name}[r] += {printer(value)}")
        if store_shared:
            inner.append(f"row[j, r] = {printer(reduced[-1])}")
        body.append(f"{block}for j in range(K):")
        if any("jf" in line for line in inner):
            body.append(f"{block}    jf = {work}(j)")
        body.append(f"{block}    for r in range({ROWS}):")
        body += [f"{block}        {line}" for line in inner]

    # per row: the loss and the gradient's row values, float64 arithmetic
    printer.mode, printer.single = "row", False
    body += [f"{block}for r in range(n):", f"{block}    i = i0 + r"]
    body += statements(loss_hoisted, printer, block + "    ")
    body.append(f"{block}    out[i] = {printer(row_loss)} + {NONFINITE}[r]")
    body += [f"{block}    {name}[r] = {printer(value)}" for name, value in grad_hoisted]
    printer.single = single

    if with_gradient:
        printer.mode = "store"

        body += [f"{block}for r in range(n):", f"{block}    i = i0 + r", f"{block}    for j in range(K):"]
        if spec.labels:  # every class as if not the label, then the label's own entry over it
            body += [f"{block}        {line}" for line in gradient_entry(indicator(row_grad, 0), printer, names)]
            body.append(f"{block}    j = lab[r]")
            body += [f"{block}    {line}" for line in gradient_entry(indicator(row_grad, 1), printer, names)]
        else:
            body += [f"{block}        {line}" for line in gradient_entry(row_grad, printer, names)]
    header = [f"def {function}({arguments(with_gradient, spec)}):"] + printer.declarations("    ")
    return "\n".join(header + body) + "\n"
