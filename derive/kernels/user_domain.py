"""Where a user's kernel is defined: what its inputs must satisfy, read from the expressions the
kernel computes (the verified stable loss and gradient), never from an input's name.

Each logarithm needs its argument positive (``log(1 - y)``: ``1 - y > 0``), each root or power
with a non-integer exponent its base not negative (positive for a symbolic exponent, as the
derivation's model states it: :func:`derive.positivity.stated_by_logs`), each division its
divisor not zero; inside a sum, for every component the sum runs through, and inside a Piecewise
branch, only where that branch is taken.  A requirement SymPy proves for every real input
(``1 + e^{-|z|} > 0``) is dropped.  The others become a generated ``domain`` function that
returns the first requirement broken and the index values where it is, so the error names the
expression and the input entries (``1 - y_{i} > 0 is false at i = 2: y[1] = 1.5``).

Why the kernel's expressions rather than the steps' premises: they are what is evaluated, so a
requirement here is exactly what would make the kernel's numbers wrong (a NaN, an infinity), and
the stable forms' logs are those of the loss as written (log σ and log(1 - σ) become a softplus,
which needs nothing); the derivation's model states the same positivity for the loss as written.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.codegen.cfunctions import log1p

from ..functions import BINDERS, plain, xlog1py, xlogy
from .user_printer import Emitter, identifier, local, parameter_identifier


@dataclass(frozen=True)
class Requirement:
    """``condition`` must hold for every value of ``bound``'s indices (each ``(index, lower,
    upper)``) and of the gradient's free indices in it; ``why``: what needs it, in words."""

    condition: sp.Basic
    subject: sp.Basic  # the expression the condition is about (a log's argument, a divisor)
    why: str
    bound: tuple = ()


def requirements(*expressions: sp.Basic, free: dict | None = None) -> list[Requirement]:
    """What ``expressions`` need of their inputs to be real and finite, innermost first (a
    divisor inside a log's argument is checked before the log), none SymPy proves always true, and
    none twice (a divisor y_{ij} ≠ 0 of the gradient where the loss's log needs every y_{jm} > 0).
    ``free``: each free index of the gradient -> the size it runs to (:func:`index_loops`)."""
    found: list[Requirement] = []
    keys: set = set()

    def need(condition, subject, why, around, guard):
        condition = sp.Or(sp.Not(guard), condition) if guard != sp.true else condition
        requirement = Requirement(condition, subject, why, tuple(limit for limit in around if condition.has(limit[0])))
        loops = index_loops(requirement, free or {})
        if _key(condition, loops) in keys or (isinstance(condition, sp.Ne) and _key(subject > 0, loops) in keys):
            return
        if not _always(condition):
            found.append(requirement)
            keys.add(_key(condition, loops))

    def visit(node: sp.Basic, around: tuple, guard: sp.Basic) -> None:
        if isinstance(node, (sp.Indexed, sp.IndexedBase)) or not node.args:
            return
        if isinstance(node, BINDERS):
            visit(node.function, around + tuple(reversed(node.limits)), guard)
            return
        if isinstance(node, sp.Piecewise):
            taken: sp.Basic = sp.true
            for value, condition in node.args:
                visit(value, around, sp.And(guard, taken, condition))
                taken = sp.And(taken, sp.Not(condition))
            return
        for argument in node.args:
            visit(argument, around, guard)
        if isinstance(node, sp.log):
            need(node.args[0] > 0, node.args[0], "the argument of a logarithm", around, guard)
        elif isinstance(node, log1p):
            need(1 + node.args[0] > 0, 1 + node.args[0], "the argument of a logarithm", around, guard)
        elif isinstance(node, xlogy):
            x, y = node.args
            need(sp.Or(sp.Eq(x, 0), y > 0), y, "the argument of a logarithm (where its factor is not 0)", around, guard)
        elif isinstance(node, xlog1py):
            x, y = node.args
            need(sp.Or(sp.Eq(x, 0), 1 + y > 0), 1 + y, "the argument of a logarithm (where its factor is not 0)", around, guard)
        elif isinstance(node, sp.Pow):
            _power(node, lambda condition, why: need(condition, node.base, why, around, guard))

    for expression in expressions:
        visit(expression, (), sp.true)
    return found


def index_loops(requirement: Requirement, free: dict) -> list:
    """The loops a requirement is checked in, outermost first: its sums' indices, then each free
    index of the gradient (``free``: index -> size) it has."""
    return list(requirement.bound) + [(index, sp.S.One, size) for index, size in free.items()
                                      if requirement.condition.has(index)]


def _key(condition: sp.Basic, loops: list) -> tuple:
    """``condition`` over ``loops`` with its indices named by position: y_{jm} > 0 over j ≤ N, m ≤ K
    is y_{ik} > 0 over i ≤ N, k ≤ K."""
    table = {variable: sp.Symbol(f"position_{n}", integer=True) for n, (variable, _, _) in enumerate(loops)}
    return condition.xreplace(table), tuple((lower.xreplace(table), upper.xreplace(table)) for _, lower, upper in loops)


def _power(node: sp.Pow, need) -> None:
    base, exponent = node.args
    if exponent.is_integer:
        if exponent.is_negative:
            need(sp.Ne(base, 0), "a divisor")
        return
    if exponent.is_number:
        if exponent.is_negative:
            need(base > 0, "the base of a root it divides by")
        else:
            need(base >= 0, "the base of a root (a power with a fractional exponent)")
        return
    need(base > 0, "the base of a power with a symbolic exponent")


def _always(condition: sp.Basic) -> bool:
    """Whether ``condition`` holds for every real value of the inputs (each component a real number)."""
    reals: dict = {}
    for atom in sorted(condition.atoms(sp.Indexed) | condition.free_symbols, key=sp.default_sort_key):
        if isinstance(atom, sp.Indexed) or (isinstance(atom, sp.Symbol) and not atom.is_integer):
            reals[atom] = sp.Dummy(real=True)
    try:
        decided = plain(condition.xreplace(reals))
        return bool(decided == sp.true or sp.simplify(decided) == sp.true)
    except (TypeError, ValueError, AttributeError, NotImplementedError, sp.PolynomialError, RecursionError):
        return False


MOST_INDICES = 3  # index values a broken requirement reports (a component of an array of at most 3 axes)


def domain_source(found: list[Requirement], arrays: dict, arguments: list[str], unpack: list[str],
                  free_loops: dict) -> list[str]:
    """A function ``domain(arguments)``: ``(number, i₁, i₂, i₃)`` of the first requirement broken
    and its index values (the bound indices', then the free ones'), ``(-1, 0, 0, 0)`` where none is.
    ``free_loops``: each free index of the gradient (j of ∂/∂z_j) -> the size it runs to."""
    emitter = Emitter(arrays)
    lines = [f"def domain({', '.join(arguments)}):"] + unpack
    for number, requirement in enumerate(found):
        indent = "    "
        emitter.memo = {}
        loops = index_loops(requirement, free_loops)
        for variable, lower, upper in loops:
            lines.append(f"{indent}for {local(variable)} in range({emitter.integer(lower)}, {emitter.integer(upper)} + 1):")
            indent += "    "
        body: list[str] = []
        value = emitter.statement_value(requirement.condition, body, indent)
        reported = [local(variable) for variable, _, _ in loops][:MOST_INDICES]
        reported += ["0"] * (MOST_INDICES - len(reported))
        lines += body + [f"{indent}if not {value}:", f"{indent}    return {number}, {', '.join(reported)}"]
    lines.append(f"    return -1, {', '.join(['0'] * MOST_INDICES)}")
    return lines


def broken(requirement: Requirement, where: tuple, free_loops: dict, values: dict, row: int | None = None) -> str:
    """The error for ``requirement`` broken at index values ``where``: the expression, what needs
    it, and the input entries it reads there (``y[1] = 1.5``), at ``row`` of a batch."""
    loops = index_loops(requirement, free_loops)
    at = {variable: sp.Integer(value) for (variable, _, _), value in zip(loops, where)}
    subject = requirement.subject.xreplace(at)
    entries = []
    for atom in sorted(subject.atoms(sp.Indexed), key=sp.default_sort_key):
        name = identifier(atom.base)
        if name in values and all(index.is_Integer for index in atom.indices):
            position = tuple(int(index) - 1 for index in atom.indices)
            array = np.asarray(values[name])
            position = ((row,) if row is not None and array.ndim > len(position) else ()) + position
            entries.append(f"{name}[{', '.join(map(str, position))}] = {float(array[position])!r}")
        elif parameter_identifier(atom) in values:
            entries.append(f"{parameter_identifier(atom)} = {_at_row(values[parameter_identifier(atom)], row)!r}")
    labels = {atom.base.label for atom in subject.atoms(sp.Indexed)}
    for symbol in sorted(subject.free_symbols - labels, key=sp.default_sort_key):
        if isinstance(symbol, sp.Symbol) and identifier(symbol) in values and not symbol.is_integer:
            entries.append(f"{identifier(symbol)} = {_at_row(values[identifier(symbol)], row)!r}")
    expected = {sp.StrictGreaterThan: "positive", sp.GreaterThan: "not negative", sp.Unequality: "nonzero"}
    kind = next((words for relation, words in expected.items() if requirement.condition.atoms(relation)), "defined")
    place = ", ".join(f"{variable} = {value}" for (variable, _, _), value in zip(loops, where))
    return (f"{sp.sstr(requirement.subject)} must be {kind} ({requirement.why} in the loss or its gradient), "
            f"and it is not" + (f" at {place}" if place else "") + (f" in row {row} of the batch" if row is not None else "")
            + (f": {', '.join(entries)}" if entries else ""))


def _at_row(value, row: int | None):
    array = np.asarray(value)
    return float(array[row]) if row is not None and array.ndim == 1 else float(array)
