"""Python source for Numba kernels, generated from a derivation's result.

The generator reads a loss ``E = c Σ_i ℓ_i`` and its gradient by the model's output, both as the
stable-form derivations leave them, and writes loops: one pass per level of row reductions
(``Σ_j`` and ``max_j`` over the classes, fused when they are independent of each other), the
per-sample loss, then one pass writing the gradient.  Row-invariant factors are hoisted out of the
inner loops, common subexpressions are computed once, and an exponential the gradient needs again
is kept in the gradient's own row between passes.  With integer labels ``t_ij`` is the indicator
``j == label_i``, and a sample's class ``ℓ_i`` (a label-weighted sum taken at the class in a
verified step, :mod:`.class_index`) is the row's label.
Nothing here is written per loss: a different derivation gives different loops.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import sympy as sp
from sympy.codegen.cfunctions import log1p

from .. import conventions as c
from ..errors import CodegenError
from ..functions import Maximum
from ..symbolic_proofs import canonical_indices
from .class_index import as_label_indicators
from .shift import outer_terms, relative_to_maximum
from .spec import Spec
from .source_printer import (SCRATCH, ClassPassPrinter, Printer, exp_nonpositive_, log1p_unit_, minus_maximum, nonpositive, statements,
                             shared_exponentials)

J = sp.Symbol("j", integer=True)  # the class loop variable of every pass
LAB = sp.Symbol("lab", integer=True)  # the label of the current row
# Added to each sample's loss: 0, or NaN when the row holds a NaN or an infinity.  The caller then
# names the bad entry; the inputs are read for this in a pass the kernel makes anyway.
NONFINITE = "nonfinite"




def per_sample(loss: sp.Basic) -> sp.Basic:
    """``ℓ_i`` with ``loss = (1/N) Σ_i ℓ_i``: sums over the samples fused into one, 1/N taken off."""
    terms = []
    for term in outer_terms(loss):
        coefficient: list[sp.Basic] = []
        sums: list[sp.Basic] = []
        for factor in sp.Mul.make_args(term):
            (sums if isinstance(factor, sp.Sum) else coefficient).append(factor)
        if len(sums) != 1 or sums[0].limits[-1][1:] != (1, c.N):
            raise CodegenError(f"expected a multiple of a sum over the samples, got {term}")
        (total,) = sums
        sample = total.limits[-1][0]
        if sample != c.i:  # the samples' index by its conventional name (a gradient renamed it)
            total = total.xreplace({sample: c.i})
        body = total.function if len(total.limits) == 1 else sp.Sum(total.function, *total.limits[:-1])
        factor = sp.Mul(*coefficient) * c.N
        if factor.has(c.N, c.i):
            raise CodegenError(f"the loss is not a mean over the samples: {term}")
        terms.append(factor * body)
    return sp.Add(*terms)


def per_sample_gradient(gradient: sp.Basic, normaliser: sp.Basic = c.N) -> sp.Basic:
    """The gradient of ``Σ_i ℓ_i``: the derived gradient of the mean, with the mean's denominator
    (``N``, or a weighted total ``Σ_j ω_j``) set to 1."""
    if not isinstance(normaliser, sp.Sum) and normaliser != c.N:  # N K: the mean over every label of every sample
        row = gradient * normaliser
        if row.has(c.N):
            raise CodegenError(f"the gradient depends on N other than through dividing by {normaliser}")
        return row
    divisors = {power: sp.S.One for power in gradient.atoms(sp.Pow)
                if power.exp == -1 and _alike(power.base, normaliser)}
    divided = gradient.xreplace(divisors)
    row = divided.subs(c.N, 1)
    if row.has(c.N) or (isinstance(normaliser, sp.Sum) and _has_alike(divided, normaliser)):
        raise CodegenError(f"the gradient depends on {normaliser} other than through dividing by it")
    return row


def _alike(a: sp.Basic, b: sp.Basic) -> bool:
    return isinstance(a, sp.Sum) and isinstance(b, sp.Sum) and canonical_indices(a) == canonical_indices(b)


def _has_alike(expr: sp.Basic, total: sp.Basic) -> bool:
    return any(_alike(s, total) for s in expr.atoms(sp.Sum))


def mean_and_rows(loss: sp.Basic) -> tuple[sp.Basic, sp.Basic, sp.Basic]:
    """``(ℓ_i, ω_i, Σ_i ω_i)`` for a loss ``Σ_i ℓ_i / Σ_i ω_i``: the per-sample loss, each sample's
    share of the mean's denominator (1 for a plain mean over N; ``c_i Σ_k w_k t_ik`` for PyTorch's
    weighted mean) and the denominator as derived.  Every term must be divided by the same one."""
    totals = {f.base for term in outer_terms(loss) for f in sp.Mul.make_args(term)
              if isinstance(f, sp.Pow) and f.exp == -1 and isinstance(f.base, sp.Sum) and f.base.limits[-1][1:] == (1, c.N)}
    if not totals:  # a mean over N, or over N times a size (every label of every sample: N K)
        row = per_sample(loss)
        _, denominator = sp.fraction(sp.factor_terms(row))
        if denominator.free_symbols - set(c.SIZES) or denominator.has(c.N) or not denominator.is_positive:
            denominator = sp.S.One
        return row * denominator, denominator, c.N * denominator
    first = sorted(totals, key=sp.default_sort_key)[0]
    if not all(_alike(total, first) for total in totals):
        raise CodegenError(f"the loss divides by more than one total over the samples: {', '.join(map(str, totals))}")
    undivided = loss.xreplace({total: sp.S.One for total in totals}) / c.N  # per_sample takes 1/N off
    if _has_alike(undivided, first):
        raise CodegenError(f"the loss depends on {first} other than through dividing by it")
    variable = first.limits[-1][0]
    body = first.function if len(first.limits) == 1 else sp.Sum(first.function, *first.limits[:-1])
    return per_sample(undivided), body.xreplace({variable: c.i}), first


# ----- expressions -> loops -----------------------------------------------------------------
def _canonical(expr: sp.Basic) -> sp.Basic:
    """Every class reduction over the loop variable j, so equal reductions are equal nodes."""
    def rename(node):
        (variable, lower, upper), = node.limits
        return type(node)(node.function.xreplace({variable: J}), (J, lower, upper))
    return expr.replace(lambda e: isinstance(e, (sp.Sum, Maximum)) and len(e.limits) == 1, rename)


def _levels(expressions: list[sp.Basic]) -> tuple[list[list[tuple[sp.Symbol, sp.Basic]]], list[sp.Basic]]:
    """Reductions grouped by level (a level needs only the ones before it), each named r0, r1...;
    and the expressions with the reductions replaced by their names."""
    names = (sp.Symbol(f"r{n}", real=True) for n in itertools.count())
    levels: list[list[tuple[sp.Symbol, sp.Basic]]] = []
    while True:
        found: set[sp.Basic] = set()
        for e in expressions:
            found |= {n for n in sp.preorder_traversal(e) if isinstance(n, (sp.Sum, Maximum))
                      and not n.function.has(sp.Sum, Maximum)}
        if not found:
            return levels, expressions
        level = [(next(names), node) for node in sorted(found, key=sp.default_sort_key)]
        table = {node: name for name, node in level}
        expressions = [e.xreplace(table) for e in expressions]
        levels.append(level)


def hoist(expr: sp.Basic, loop: sp.Symbol, names) -> tuple[list[tuple[sp.Symbol, sp.Basic]], sp.Basic]:
    """Subexpressions that do not change along ``loop`` computed once before it."""
    hoisted: list[tuple[sp.Symbol, sp.Basic]] = []

    def visit(node):
        if not node.args or isinstance(node, sp.Indexed):
            return node
        if not node.has(loop) and not node.has(SCRATCH) and not node.is_Number:
            name = next(names)
            hoisted.append((name, node))
            return name
        return node.func(*[visit(a) for a in node.args])
    return hoisted, visit(expr)


def _log1p_forms(expr: sp.Basic) -> sp.Basic:
    """A printing choice, not a rewrite: ``log1p`` of an exponential the stable form keeps in (0, 1]
    (``log1p(e^{-|a|})``) marked for the library-free log1p that vectorises (:class:`.log1p_unit_`,
    the same function), before common subexpressions name the exponential and hide it.  The forms
    themselves (``log1p``, ``xlog1py``) are the verified stable forms' own: the catalogue's
    ``log_sum_exp_as_log1p``, ``bce_of_logit``, ``softplus_stable``, ``xlogy_of_one_plus_as_xlog1py``."""
    return expr.replace(lambda e: isinstance(e, log1p) and isinstance(e.args[0], sp.exp) and nonpositive(e.args[0].args[0]),
                        lambda e: log1p_unit_(e.args[0]))


def arguments(with_gradient: bool, spec: Spec | None = None) -> str:
    """Every kernel's parameters: the inputs, the per-row losses, and the gradient and its scale;
    then what else the expressions read (``spec.parameters``: the options' weights, mask, epsilon).
    A thread gets the rows it computes as views (threads.run_rows), so every row index counts up
    from 0: a negative index never needs wrapping around, and the loads stay contiguous vectors."""
    fixed = "X, T, out, G, scale" if with_gradient else "X, T, out"
    return ", ".join([fixed] + (spec.parameter_names() if spec is not None else []))


def generate(spec: Spec, function: str, with_gradient: bool, single: bool = False) -> str:
    """The source of one kernel ``function``: ``(X, T, out)`` or ``(X, T, out, G, scale)``.
    ``single``: float32 arithmetic (``scale`` must then be float32) where it keeps the digits:
    throughout for the binary losses, in the class passes for the categorical ones."""
    return (_categorical if spec.categorical else _binary)(spec, function, with_gradient, single)


def _binary(spec: Spec, function: str, with_gradient: bool, single: bool = False) -> str:
    names = (sp.Symbol(f"c{n}") for n in itertools.count())
    outputs = [spec.row_loss] + ([spec.row_grad] if with_gradient else [])
    outputs = [shared_exponentials(_log1p_forms(e.xreplace({spec.variable[c.i]: sp.Symbol("x"), c.t[c.i]: sp.Symbol("t")})))
               for e in outputs]
    temps, reduced = sp.cse(outputs, symbols=names, order="none")
    printer = Printer(spec, single=single)
    body = ["    for i in range(X.shape[0]):", "        x = X[i]", "        t = T[i]"]
    body += statements(temps, printer, "        ")
    # NaN if x or t is NaN or infinite, or t is outside [0, 1]: the caller then names the entry
    zero, one = printer.number(0.0), printer.number(1.0)
    body.append(f"        bad = (x - x) + (t - t) + ({zero} if {zero} <= t <= {one} else nan)")
    body.append(f"        out[i] = {printer(reduced[0])} + bad")
    if with_gradient:
        body.append(f"        G[i] = scaled({printer(reduced[1])}, scale)")  # the entry, then the scale (runtime.scaled)
    nan = ["    nan = np.float32(np.nan)" if single else "    nan = np.nan"]
    return "\n".join([f"def {function}({arguments(with_gradient, spec)}):"] + printer.declarations("    ") + nan + body) + "\n"


@dataclass
class RowPlan:
    """What a categorical kernel computes for one row, whatever its memory layout: the row
    reductions by level (each a list of (name, Sum or Maximum)), the names of the maxima, the
    per-sample loss and gradient in terms of those names, and the exponential (if any) that the
    last reduction pass stores for the gradient (``SCRATCH`` in ``row_grad``)."""

    levels: list
    maxima: set
    row_loss: sp.Basic
    row_grad: sp.Basic
    shared: sp.Basic | None


def plan_rows(spec: Spec, with_gradient: bool) -> RowPlan:
    """With integer labels the stable forms read each row's class ``ℓ_i`` (:mod:`.class_index`):
    the row's label ``lab``, and its indicators ``δ(j, ℓ_i)`` the label indicator ``t_ij``."""
    read = (lambda e: as_label_indicators(e).xreplace({c.ell[c.i]: LAB})) if spec.labels else (lambda e: e)  # noqa: E731
    row_loss = relative_to_maximum(_log1p_forms(_canonical(read(spec.row_loss))), spec.variable, J,
                                   spec.labels or spec.targets_sum_to_one)
    # e^{min(a, 0)} as 1 or e^{-|a|} (the same float): the stored exponential of the binary options' loss pass
    # instead of two more in their gradient pass (BCE with pos_weight, float64: 13.0 -> 8.0 ms a thread, 25000 x 100)
    row_grad = shared_exponentials(_log1p_forms(_canonical(read(spec.row_grad)).xreplace({c.k: J}))) if with_gradient \
        else sp.S.Zero
    levels, (row_loss, row_grad) = _levels([row_loss, row_grad])
    maxima = {name for level in levels for name, node in level if isinstance(node, Maximum)}
    # An exponential both the last pass and the gradient need is stored between the passes.
    last_bodies = [node.function for name, node in levels[-1]] if levels else []
    shared = None
    if with_gradient:
        candidates = [e for e in sp.preorder_traversal(row_grad) if isinstance(e, sp.exp) and e.has(J)
                      and any(body.has(e) for body in last_bodies)]
        shared = candidates[0] if candidates else None
        if shared is not None:
            row_grad = row_grad.xreplace({shared: SCRATCH})
    return RowPlan(levels, maxima, row_loss, row_grad, shared)


def _categorical(spec: Spec, function: str, with_gradient: bool, single: bool = False) -> str:
    """One row at a time.  ``single`` (float32 inputs): the class passes in float32 (8 lanes) with
    each ``e^(x - max)`` from the exact difference, the sums over classes in float32 runs of
    ``CHUNK`` terms joined in float64, the per-row loss in float64 and the gradient in float32;
    ``CodegenError`` where a class pass needs anything else."""
    plan = plan_rows(spec, with_gradient)
    maxima, row_loss, row_grad, shared = plan.maxima, plan.row_loss, plan.row_grad, plan.shared
    levels = _sums_after_maxima(plan.levels)
    printer = ClassPassPrinter(spec, maxima, single)  # the class passes and the gradient
    row_printer = Printer(spec)  # the per-row values: float64
    names = (sp.Symbol(f"c{n}") for n in itertools.count())
    work = "np.float32" if single else "np.float64"
    zero = f"{work}(0.0)" if single else "0.0"
    lowest = f"{work}(-math.inf)" if single else "-math.inf"

    lines = ["    N, K = X.shape"]
    if shared is not None:
        lines.append(f"    row = np.empty(K, {work})  # the shared exponentials of one row, in L1 between passes")
    lines.append("    for i in range(N):")
    indent = "        "
    if spec.labels:
        lines.append(f"{indent}lab = T[i]")
    for number, level in enumerate(levels):
        bodies = [mark_nonpositive(node.function, maxima) for _, node in level]
        extra = [mark_nonpositive(shared, maxima)] if shared is not None and number == len(levels) - 1 else []
        complements = _complements(level, bodies) if spec.labels else {}
        looped = [(entry, body) for entry, body in zip(level, bodies) if entry[0] not in complements]
        for name, node in level:  # maxima in the inputs' precision, sums in float64
            lines.append(f"{indent}{name} = {lowest if isinstance(node, Maximum) else '0.0'}")
        if number == 0:
            lines.append(f"{indent}{NONFINITE} = {zero}")
        sums = [str(name) for (name, node), _ in looped if not isinstance(node, Maximum)] if single else []

        def reduction_pass(bodies, partial, looped=looped, extra=extra, first=number == 0):
            temps, reduced = sp.cse(bodies, symbols=names, order="none")
            body = statements(temps, printer, "")
            if first:  # x - x is 0 unless x is NaN or infinite (no nnan flag lets LLVM fold it)
                body.append(f"{NONFINITE} += X[i, j] - X[i, j]")
            for ((name, node), _), value in zip(looped, reduced):
                if isinstance(node, Maximum):
                    body.append(f"{name} = max({name}, {printer(value)})")
                else:
                    body.append(f"{name}{PARTIAL if partial else ''} += {printer(value)}")
            if extra:
                body.append(f"row[j] = {printer(reduced[-1])}")
            return body
        lines += _class_loop([body for _, body in looped] + extra, reduction_pass, spec.labels, indent, sums, zero)
        for name, (total, term) in complements.items():
            lines += _complement(name, total, term, extra, printer, names, indent)
    if not levels:
        lines.append(f"{indent}{NONFINITE} = {zero}")
        if spec.scans_inputs:
            lines += [f"{indent}for j in range(K):", f"{indent}    {NONFINITE} += X[i, j] - X[i, j]"]
    hoisted, row_loss = hoist(mark_nonpositive(row_loss, maxima), J, names)
    lines += statements(hoisted, row_printer, indent)
    lines.append(f"{indent}out[i] = {row_printer(row_loss)} + {NONFINITE}")
    if with_gradient:
        hoisted, row_grad = hoist(mark_nonpositive(row_grad, maxima), J, names)
        # the gradient's row values: float64, then once to the gradient's precision
        lines += [f"{indent}{name} = {work}({row_printer(value)})" if single else f"{indent}{name} = {row_printer(value)}"
                  for name, value in hoisted]

        def gradient_pass(expressions, partial=False):
            return gradient_entry(expressions[0], printer, names)
        if spec.labels:  # every class as if not the label, then the label's own entry over it
            lines += [f"{indent}for j in range(K):"] + [f"{indent}    {line}" for line in gradient_pass([indicator(row_grad, 0)])]
            lines += [f"{indent}j = lab"] + [f"{indent}{line}" for line in gradient_pass([indicator(row_grad, 1)])]
        else:
            lines += _class_loop([row_grad], gradient_pass, False, indent)
    header = [f"def {function}({arguments(with_gradient, spec)}):"] + printer.declarations("    ")
    return "\n".join(header + lines) + "\n"


def _sums_after_maxima(levels: list) -> list:
    """The levels of a row's reductions, each sum that shares a class pass with a maximum (and that
    the next pass does not read) moved to the next pass.  A pass taking a maximum runs one class at
    a time: ``max`` keeps NaN's semantics, which LLVM vectorises only under the ``nnan`` flag the
    kernels must not have (``x - x`` must stay NaN: ``NONFINITE``).  A sum there is one dependent
    chain, an addition and (``contract`` fusing a term's product into it) a multiply-add per class;
    in the next pass, which vectorises, it costs next to nothing, and the terms it shares with that
    pass's sums are computed once.  CE with PyTorch's options (label smoothing, weights), float64,
    10^4 x 1000, one thread: 27.2 -> 21.3 ms with labels, 37.2 -> 24.5 ms with probabilities (the
    issue's base 118acd6, before the smoothing's verified forms: 25.3 and 27.2).  The same sums of
    the same terms: which pass takes a sum is an evaluation choice, as under ``reassoc`` its order
    is.  The rows-in-blocks kernels (:mod:`.blocked`) vectorise their maxima across the rows and
    keep the levels as planned."""
    levels = [list(level) for level in levels]
    for number in range(len(levels) - 1):
        level, after = levels[number], levels[number + 1]
        if not any(isinstance(node, Maximum) for _, node in level):
            continue
        read = set().union(*(node.free_symbols for _, node in after))
        moving = [(name, node) for name, node in level if not isinstance(node, Maximum) and name not in read]
        levels[number] = [entry for entry in level if entry not in moving]
        levels[number + 1] = moving + after
    return levels


CHUNK = 32  # float32 terms summed in float32 before they join a float64 sum: 4 per lane of an
# unrolled 8-lane loop, a relative error of a few float32 roundings whatever the class count,
# where one float32 sum over 32000 classes would lose 1e-6 (and float64 terms halve the lanes)
PARTIAL = "_run"  # the suffix of a sum's float32 partial over one run of CHUNK classes


def gradient_entry(expression: sp.Basic, printer: Printer, names) -> list[str]:
    """Statements writing ``G[i, j]``: the entry's common subexpressions, then the entry times the
    reduction's scale, by ``runtime.scaled`` (the entry rounded first: under ``reassoc`` LLVM moved
    the scale into BCE's numerator, and the weighted gradient at y = 5e-324 came out 0, not 0.5)."""
    temps, (value,) = sp.cse([expression], symbols=names, order="none")
    return statements(temps, printer, "") + [f"G[i, j] = scaled({printer(value)}, scale)"]


def _complements(level, bodies) -> dict:
    """Sums over the classes other than the label, ``Σ_j b_j (1 - t_ij)``, where the same level
    also sums ``Σ_j b_j``: name -> (the total's name, b).  They are not summed in the loop: with
    :func:`_complement` each row computes one of two verified, equal forms, chosen at run time (an
    evaluation choice, as naming a common subexpression is): the stable form's own
    ``Σ_j (1 - δ(j, ℓ_i)) b_j``, summed over the other classes, or its alternative
    ``Σ_j b_j - b_{ℓ_i}``, the catalogue's rule ``sum_over_other_classes`` (proved for every size;
    ``derive ce --link softmax --stable`` shows it as a step), which no phase of the stable forms
    applies because it cancels where the label's term is most of the sum."""
    totals = {body: name for (name, node), body in zip(level, bodies)
              if not isinstance(node, Maximum) and indicator(body, 0) == body}
    found = {}
    for (name, node), body in zip(level, bodies):
        off = indicator(body, 0)
        if off != body and indicator(body, 1) == 0 and off in totals:
            found[name] = (totals[off], off)
    return found


def _complement(name, total, term, extra, printer, names, indent: str) -> list[str]:
    """``name = total - term(label)`` (the verified alternative form, rule ``sum_over_other_classes``),
    exact unless the label's term is more than half the total (then the difference would cancel):
    in that case the stable form itself, the sum over the other classes term by term, from the row
    buffer where the term is stored there."""
    stored = bool(extra) and term == extra[0]

    def value(at: str) -> tuple[list[str], str]:
        if stored:
            return [], f"row[{at}]"
        temps, (element,) = sp.cse([term.xreplace({J: sp.Symbol(at, integer=True)})], symbols=names, order="none")
        return statements(temps, printer, ""), printer(element)
    temps, label_term = value("lab")
    lines = [f"{indent}{line}" for line in temps]
    lines += [f"{indent}{name} = {total} - {label_term}",
              f"{indent}if not {label_term} <= 0.5 * {total}:  # the label's term dominates: sum the others"]
    inner = indent + "    "
    lines.append(f"{inner}{name} = 0.0")
    temps, each = value("j")
    for run in ("range(lab)", "range(lab + 1, K)"):
        lines.append(f"{inner}for j in {run}:")
        lines += [f"{inner}    {line}" for line in temps] + [f"{inner}    {name} += {each}"]
    return lines


def _class_loop(expressions, body, labels: bool, indent: str, sums=(), zero: str = "0.0") -> list[str]:
    """A loop over the classes ``j`` with ``body(expressions, partial)`` (statements) inside.  With
    integer labels, where the expressions hold the indicator ``t_ij``, the loop is split at the
    label: the indicator is 0 in the two runs around it and 1 at ``j = label``, so no loop compares
    ``j`` with the label.  (A sum over all classes minus the label's term would cancel: the split
    keeps the sum of the other classes exact when the label's probability is near 1.)  ``sums``:
    the names summed in runs of ``CHUNK`` classes (float32 partials, see ``CHUNK``)."""
    if not labels or not any(indicator(e, 0) != e for e in expressions):
        return _classes("0", "K", lambda partial: body(expressions, partial), sums, zero, indent)
    off = [indicator(e, 0) for e in expressions]
    lines = []
    for lo, hi in (("0", "lab"), ("lab + 1", "K")):
        lines += _classes(lo, hi, lambda partial: body(off, partial), sums, zero, indent)
    lines.append(f"{indent}j = lab")
    return lines + [f"{indent}{line}" for line in body([indicator(e, 1) for e in expressions], False)]


def _classes(lo: str, hi: str, body, sums, zero: str, indent: str) -> list[str]:
    """``for j in range(lo, hi)`` with ``body(partial)``; with ``sums``, whole runs of ``CHUNK``
    classes first, each summed into ``name_run`` and added to ``name`` after it, then the rest."""
    every = "range(K)" if (lo, hi) == ("0", "K") else f"range({lo}, {hi})"
    if not sums:
        return [f"{indent}for j in {every}:"] + [f"{indent}    {line}" for line in body(False)]
    inner = indent + "    "
    whole = f"{hi} // {CHUNK} * {CHUNK}" if lo == "0" else f"{lo} + ({hi} - ({lo})) // {CHUNK} * {CHUNK}"
    lines = [f"{indent}whole = {whole}",
             f"{indent}for j0 in range({lo}, whole, {CHUNK}):"]
    lines += [f"{inner}{name}{PARTIAL} = {zero}" for name in sums]
    lines += [f"{inner}for j in range(j0, j0 + {CHUNK}):"] + [f"{inner}    {line}" for line in body(True)]
    lines += [f"{inner}{name} += {name}{PARTIAL}" for name in sums]
    return lines + [f"{indent}for j in range(whole, {hi}):"] + [f"{indent}    {line}" for line in body(False)]


def indicator(expr: sp.Basic, value: int) -> sp.Basic:
    """``expr`` with the integer labels' indicator ``t_ij`` (the class loop's target) set to ``value``."""
    return expr.replace(lambda e: isinstance(e, sp.Indexed) and e.base == c.t and e.indices[-1] == J,
                        lambda e: sp.Integer(value))


def mark_nonpositive(expr: sp.Basic, maxima: set[sp.Symbol]) -> sp.Basic:
    """Tag exponents ``x_j - max_l x_l`` (a row maximum already named) as non-positive."""
    def tag(node):
        return exp_nonpositive_(node.args[0]) if minus_maximum(node.args[0], maxima) else node
    return expr.replace(lambda e: isinstance(e, sp.exp), tag)


def entries_of(row_loss: sp.Basic) -> sp.Basic:
    """``f_j`` for a per-sample loss ``ℓ_i = Σ_j f_j`` whose classes are independent entries (binary
    cross-entropy with several labels per sample): the loss of entry (i, j), for a reduction that
    keeps every entry (PyTorch's ``reduction="none"``).  ``CodegenError`` for anything else."""
    entry = sp.S.Zero
    for term in outer_terms(_canonical(row_loss)):
        sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Sum)]
        rest = sp.Mul(*(f for f in sp.Mul.make_args(term) if not isinstance(f, sp.Sum)))
        if len(sums) != 1 or sums[0].limits != ((J, 1, c.K),) or rest.has(J) or sums[0].function.has(sp.Sum, Maximum):
            raise CodegenError(f"the loss is not a sum of independent entries: {term}")
        entry += rest * sums[0].function
    return entry


def generate_entries(spec: Spec, function: str, single: bool = False) -> str:
    """``function(X, T, out, ...)`` writing each entry's loss ``out[i, j]`` (see :func:`entries_of`)."""
    names = (sp.Symbol(f"c{n}") for n in itertools.count())
    entry = _log1p_forms(entries_of(spec.row_loss))
    temps, (value,) = sp.cse([entry], symbols=names, order="none")
    printer = Printer(spec, single=single)
    body = ["    N, K = X.shape", "    for i in range(N):", "        for j in range(K):"]
    body += statements(temps, printer, "            ") + [f"            out[i, j] = {printer(value)}"]
    header = [f"def {function}({arguments(False, spec)}):"] + printer.declarations("    ")
    return "\n".join(header + body) + "\n"
