"""Expressions as one line of Unicode for the terminal: ``E = −(1/N) ∑ᵢ₌₁ᴺ ∑ₖ₌₁ᴷ tᵢₖ log yᵢₖ``.

A SymPy :class:`~sympy.printing.str.StrPrinter` with the series' layout
(:mod:`derive.printing.series_printer`), in Unicode: sub- and superscripts, ∑, ∂, √, −.
"""
from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

from .greek import unicode_name
from .inert import terminal_text
from .latex_expr import repeated
from .layout import ordinary_derivative
from .series_printer import ADD, ATOM, MUL, POW, Printed, SeriesPrinter

SUBSCRIPT = str.maketrans("0123456789+-−=()aeijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
SUPERSCRIPT = str.maketrans("0123456789+-−=()KNTit", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᴷᴺᵀⁱᵗ")


def _script(text: str, table: dict, marker: str) -> str:
    """``text`` in sub- or superscript characters where Unicode has them all (``t - 1`` as ``ₜ₋₁``),
    else ``_(text)``."""
    tight = text.replace(" ", "")
    converted = tight.translate(table)
    if all(ch != orig for ch, orig in zip(converted, tight)):
        return converted
    return f"{marker}({text})" if len(text) > 1 else f"{marker}{text}"


def subscript(text: str) -> str:
    return _script(text, SUBSCRIPT, "_")


def superscript(text: str) -> str:
    return _script(text, SUPERSCRIPT, "^")


class UnicodePrinter(SeriesPrinter, StrPrinter):
    """The series' notation on one line: ``(t ∂y/∂x)/y``, ``∑ᵢ₌₁ᴺ``, ``√(1 + x)``, ``−``."""

    MINUS = "−"
    SUM, PRODUCT = "∑", "∏"
    printmethod = "_derive_unicode"  # no class defines it: SymPy's own str methods (Indexed._sympystr) stay out

    def fraction(self, top, bottom):
        numerator = self.wrap(top, ADD)
        if "/" in numerator and not _enclosed(numerator):
            numerator = f"({numerator})"  # t ∂y/∂x/y would read as a chain of divisions
        denominator = self._print(bottom)
        if isinstance(bottom, (sp.Mul, sp.Add)):
            denominator = f"({denominator})"
        return f"{numerator}/{denominator}"

    def reciprocal(self, bottom):
        return "(1/" + self.wrap(bottom, MUL) + ")"

    def limits(self, symbol, expr):
        return " ".join(f"{symbol}{subscript(f'{variable}={lower}')}{superscript(str(upper))}"
                        for variable, lower, upper in reversed(expr.limits))

    def rational(self, expr):
        return f"{expr.p}/{expr.q}".replace("-", "−")

    def closes_derivative(self, factor):
        return True  # ∂/∂z σ (1 − t) and ∂y/∂x (1 − t) alike would take in what follows

    def _print_Symbol(self, expr):
        return Printed(unicode_name(expr.name), ATOM)

    def _print_Indexed(self, expr):
        indices = "".join(str(self._print(i)) if isinstance(i, sp.Indexed) else str(i) for i in expr.indices)  # z at ℓᵢ
        return Printed(f"{unicode_name(str(expr.base.label))}{subscript(indices)}", ATOM)

    def _print_Integer(self, expr):
        return Printed(str(expr), ATOM) if expr >= 0 else Printed(f"−{-expr}", ADD)

    def one_over(self, denominator, base):
        return f"1/{self.wrap(base, MUL) if base is not None else denominator}"

    def root(self, base):
        return Printed(f"√{self.wrap(base, POW)}", POW)

    def power(self, base, exponent):
        printed = self.wrap(base, MUL)
        exponent = self._print(exponent)
        script = superscript(exponent)
        if not script.startswith("^("):
            return Printed(printed + script, POW)
        if exponent.precedence == ATOM:
            return Printed(f"{printed}^{exponent}", POW)
        return Printed(f"{printed}^({exponent})", POW)

    def _print_exp(self, expr):
        return Printed(f"exp({self._print(expr.args[0])})", ATOM)

    def _print_MatrixSymbol(self, expr):
        if expr.name.startswith("nabla_"):
            variable, of = expr.name[len("nabla_"):].split()
            return Printed(f"∇_{variable} {of}", ATOM)
        return Printed(expr.name, ATOM)

    def _print_DiagMatrix(self, expr):
        return Printed(f"diag({self._print(expr.args[0])})", ATOM)

    def scaled(self, coefficient, matrices):
        if coefficient.is_Rational is False or (coefficient.is_Pow and coefficient.exp == -1):
            return f"{matrices}/{self.wrap(coefficient.base if coefficient.is_Pow else coefficient, MUL)}"
        return super().scaled(coefficient, matrices)

    def _print_Transpose(self, expr):
        return Printed(f"{self.wrap(expr.arg, POW)}ᵀ", POW)

    def _print_ElementwiseApplyFunction(self, expr):
        name = self._print(expr.function(sp.Symbol("x"))).split()[0].split("(")[0]
        if isinstance(expr.expr, sp.Transpose):  # SymPy writes (log y)ᵀ as log(yᵀ)
            return Printed(f"({name} {self.wrap(expr.expr.arg, POW)})ᵀ", POW)
        return Printed(f"{name} {self.wrap(expr.expr, POW)}", MUL)

    def _print_Derivative(self, expr):
        order = len(expr.variables)
        mark = "d" if ordinary_derivative(expr) else "∂"
        below = "".join(f"{mark}{self.wrap(v, POW)}" + (superscript(str(count)) if count > 1 else "")
                        for v, count in repeated(reversed(expr.variables)))
        top = mark + (superscript(str(order)) if order > 1 else "")
        if isinstance(expr.expr, (sp.Symbol, sp.Indexed)):
            return Printed(f"{top}{self._print(expr.expr)}/{below}", ATOM)
        return Printed(f"{top}/{below} {self.wrap(expr.expr, MUL)}", MUL)

    def _print_KroneckerDelta(self, expr):
        return Printed("δ" + subscript("".join(str(self._print(a)) if isinstance(a, sp.Indexed) else str(a) for a in expr.args)), ATOM)

    def _print_sigmoid(self, expr):
        return Printed(f"σ({self._print(expr.args[0])})", ATOM)

    def _print_softmax(self, expr):
        component = expr.args[0]
        if not isinstance(component, sp.Indexed):  # softmax((z − m t)/T)_k
            parts = expr.vector_and_component()
            if parts is None:
                return self._print(sp.exp(component) / expr.args[1])
            return Printed(f"softmax({self._print(parts[0])}){subscript(str(parts[1]))}", ATOM)
        row, last = component.indices[:-1], component.indices[-1]
        base = unicode_name(str(component.base.label)) + (subscript("".join(map(str, row))) if row else "")
        return Printed(f"softmax({base}){subscript(str(last))}", ATOM)

    def _print_Abs(self, expr):
        return Printed(f"|{self._print(expr.args[0])}|", ATOM)

    def _print_Maximum(self, expr):
        (variable, _, _), = expr.limits
        return Printed(f"max{subscript(str(variable))} {self.wrap(expr.function, MUL)}", MUL)

    def _print_Limit(self, expr):
        expression, variable, point = expr.args[:3]
        return Printed(f"lim_({self._print(variable)}→{self._print(point)}) {self.wrap(expression, ADD)}", MUL)

    def _print_Exp1(self, expr):
        return Printed("e", ATOM)

    def _print_Pi(self, expr):
        return Printed("π", ATOM)

    def _print_Trace(self, expr):
        return Printed(f"tr({self._print(expr.arg)})", ATOM)


def _enclosed(text: str) -> bool:
    """Whether ``text`` is one parenthesised group, "(…)", its first bracket closed by its last."""
    depth = 0
    for position, character in enumerate(text):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0:
            return position == len(text) - 1 and text.startswith("(")
    return False


def unicode(expr: sp.Basic) -> str:
    """``expr`` on one line; any control character a name holds escaped (:mod:`.inert`)."""
    return terminal_text(UnicodePrinter().doprint(expr))
