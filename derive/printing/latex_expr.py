"""Expressions as LaTeX in the series' notation: ``-\\frac{1}{N} \\sum_{i=1}^{N} \\sum_{k=1}^{K} t_{ik} \\log y_{ik}``.

A SymPy :class:`~sympy.printing.latex.LatexPrinter` with the series' layout
(:mod:`derive.printing.series_printer`); only constructs that both TeX (amsmath) and KaTeX accept
are emitted.
"""
from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter as SympyLatexPrinter

from ..safe_names import is_function_name
from .greek import latex_name
from .inert import latex_text
from .layout import ordinary_derivative
from .series_printer import ADD, ATOM, MUL, POW, Printed, SeriesPrinter

_NAMES = {"BCE": r"\mathrm{BCE}"}
_VECTORS = {"t": r"\mathbf{t}", "y": r"\mathbf{y}", "z": r"\mathbf{z}", "w": r"\mathbf{w}"}
_NAMED_FUNCTIONS = {"max": r"\max", "min": r"\min", "log": r"\log", "H": "H"}


class LatexPrinter(SeriesPrinter, SympyLatexPrinter):
    """The series' LaTeX: ``\\frac``, ``\\left( \\right)``, ``\\sum_{i=1}^{N}``."""

    HELD_TIMES = r" \cdot "
    SUM, PRODUCT = r"\sum", r"\prod"

    def group(self, text: str) -> str:
        return rf"\left({text}\right)"

    def function_name(self, name: str) -> str:
        return _NAMED_FUNCTIONS.get(name, rf"\operatorname{{{name}}}")

    def fraction(self, top, bottom):
        """``\\frac{top}{bottom}``, a fraction written in either in display style: TeX would set it a
        size smaller, hard to read (``(t/y - (1 - t)/(1 - y))/N``)."""
        return rf"\frac{{{_display_fractions(self._print(top))}}}{{{_display_fractions(self._print(bottom))}}}"

    def reciprocal(self, bottom):
        return rf"\frac{{1}}{{{self._print(bottom)}}}"

    def limits(self, symbol, expr):
        return " ".join(rf"{symbol}_{{{self._print(v)}={self._print(lo)}}}^{{{self._print(hi)}}}"
                        for v, lo, hi in reversed(expr.limits))

    def rational(self, expr):
        return ("-" if expr < 0 else "") + rf"\frac{{{abs(expr.p)}}}{{{expr.q}}}"

    def _print_Symbol(self, expr, style="plain"):
        return Printed(_NAMES.get(expr.name, latex_name(expr.name)), ATOM)

    def _print_Dummy(self, expr):
        return Printed(latex_name(expr.name), ATOM)

    def _hprint_Function(self, func: str) -> str:
        """An undefined function's name (``f``, ``\\operatorname{g}``) as SymPy writes it, or inert text."""
        return super()._hprint_Function(func) if is_function_name(func) else latex_text(func)

    def _print_Indexed(self, expr):
        indices = [self._print(i) for i in expr.indices]
        joined = "".join(indices) if all(len(i) == 1 for i in indices) else ",".join(indices)
        return Printed(f"{latex_name(str(expr.base.label))}_{{{joined}}}", ATOM)

    def _print_Integer(self, expr):
        return Printed(str(expr), ATOM if expr >= 0 else ADD)

    def one_over(self, denominator, base):
        return rf"\frac{{1}}{{{denominator}}}"

    def root(self, base):
        return Printed(rf"\sqrt{{{self._print(base)}}}", ATOM)

    def power(self, base, exponent):
        printed = self.wrap(base, MUL) if not isinstance(base, sp.Indexed) else self._print(base)
        return Printed(f"{printed}^{{{self._print(exponent)}}}", POW)

    def _print_exp(self, expr, exp=None):
        return Printed(rf"e^{{{self._print(expr.args[0])}}}", POW)

    def _print_MatrixSymbol(self, expr):
        if expr.name.startswith("nabla_"):
            variable, of = expr.name[len("nabla_"):].split()
            return Printed(rf"\nabla_{{{variable}}} {self._print(sp.Symbol(of))}", ATOM)
        is_vector = 1 in expr.shape
        return Printed(_VECTORS.get(expr.name, latex_name(expr.name)) if is_vector else latex_name(expr.name), ATOM)

    def _print_DiagMatrix(self, expr):
        return Printed(rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)", ATOM)

    def scaled(self, coefficient, matrices):
        if coefficient.is_Pow and coefficient.exp == -1:
            return rf"\frac{{1}}{{{self._print(coefficient.base)}}} {matrices}"
        return super().scaled(coefficient, matrices)

    def _print_Transpose(self, expr):
        return Printed(rf"{self.wrap(expr.arg, POW)}^{{\top}}", POW)

    def _print_ElementwiseApplyFunction(self, expr):
        if isinstance(expr.expr, sp.Transpose):  # SymPy writes (log y)^T as log(y^T)
            return Printed(rf"\left(\log {self.wrap(expr.expr.arg, POW)}\right)^{{\top}}", POW)
        return Printed(rf"\log {self.wrap(expr.expr, POW)}", MUL)

    def _print_Derivative(self, expr):
        order = len(expr.variables)
        mark = "d" if _ordinary(expr) else r"\partial"
        below = " ".join(rf"{mark} {self.wrap(v, POW)}" + (f"^{{{count}}}" if count > 1 else "")
                         for v, count in repeated(reversed(expr.variables)))
        top = mark + (f"^{{{order}}}" if order > 1 else "")
        if isinstance(expr.expr, (sp.Symbol, sp.Indexed)):
            return Printed(rf"\frac{{{top} {self._print(expr.expr)}}}{{{below}}}", ATOM)
        return Printed(rf"\frac{{{top}}}{{{below}}} {self.wrap(expr.expr, MUL)}", MUL)

    def _print_KroneckerDelta(self, expr, exp=None):
        indices = [self._print(a) for a in expr.args]
        return Printed(rf"\delta_{{{''.join(indices) if all(len(i) == 1 for i in indices) else ','.join(indices)}}}", ATOM)

    def _print_sigmoid(self, expr):
        return Printed(rf"\sigma\left({self._print(expr.args[0])}\right)", ATOM)

    def _print_softmax(self, expr):
        component = expr.args[0]
        if not isinstance(component, sp.Indexed):  # softmax((z − m t)/T)_k
            parts = expr.vector_and_component()
            if parts is None:
                return self._print(sp.exp(component) / expr.args[1])
            return Printed(rf"\operatorname{{softmax}}\left({self._print(parts[0])}\right)_{{{self._print(parts[1])}}}", ATOM)
        row, last = component.indices[:-1], component.indices[-1]
        base = latex_name(str(component.base.label)) + (f"_{{{''.join(self._print(i) for i in row)}}}" if row else "")
        return Printed(rf"\operatorname{{softmax}}\left({base}\right)_{{{self._print(last)}}}", ATOM)

    def _print_Abs(self, expr, exp=None):
        return Printed(rf"\left|{self._print(expr.args[0])}\right|", ATOM)

    def _print_Maximum(self, expr):
        (variable, _, _), = expr.limits
        return Printed(rf"\max_{{{self._print(variable)}}} {self.wrap(expr.function, MUL)}", MUL)

    def _print_Limit(self, expr):
        expression, variable, point = expr.args[:3]
        return Printed(rf"\lim_{{{self._print(variable)} \to {self._print(point)}}} {self.wrap(expression, ADD)}", MUL)

    def _print_Exp1(self, expr, exp=None):
        return Printed("e", ATOM)

    def _print_Trace(self, expr):
        return Printed(rf"\operatorname{{tr}}\left({self._print(expr.arg)}\right)", ATOM)


def repeated(variables) -> list[tuple[sp.Basic, int]]:
    """Runs of one variable, as a derivative's denominator writes them: ``∂x²`` for ``∂x ∂x``."""
    runs: list[list] = []
    for variable in variables:
        if runs and runs[-1][0] == variable:
            runs[-1][1] += 1
        else:
            runs.append([variable, 1])
    return [(variable, count) for variable, count in runs]


def _ordinary(expr: sp.Derivative) -> bool:
    return ordinary_derivative(expr)


def latex(expr: sp.Basic) -> str:
    return LatexPrinter().doprint(expr)


def latex_equation(lhs: sp.Basic, rhs: sp.Basic) -> str:
    return f"{latex(lhs)} = {latex(rhs)}"


def _display_fractions(tex: str) -> str:
    """Each ``\\frac`` of ``tex`` that stands at its top level (not inside a script's or another
    command's braces, which set their own size) as ``\\dfrac``."""
    out, depth, position = [], 0, 0
    while position < len(tex):
        if tex.startswith(r"\frac", position) and depth == 0:
            out.append(r"\dfrac")
            position += len(r"\frac")
            continue
        if tex.startswith("\\", position):  # a command or an escaped character: copied whole
            out.append(tex[position:position + 2])
            position += 2
            continue
        depth += {"{": 1, "}": -1}.get(tex[position], 0)
        out.append(tex[position])
        position += 1
    return "".join(out)
