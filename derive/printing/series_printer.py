"""What the LaTeX and the terminal printers share: the series' way of laying out a formula (labels
before logarithms, ``-(a + b)``, ``1/N`` in front, a fraction or not, when a factor needs
parentheses), written once over a few notation hooks that each printer fills in.

Both printers are SymPy printers (:class:`sympy.printing.latex.LatexPrinter`,
:class:`sympy.printing.str.StrPrinter`) with ``_print_X`` methods; each method returns a
:class:`Printed`, a string that also carries how tightly it binds, so a parent knows when to put it
in parentheses.  What neither printer handles itself, SymPy's printer prints (binding as an atom).
"""
from __future__ import annotations

import sympy as sp

from . import layout

ADD, MUL, POW, ATOM = 1, 2, 3, 4


class Printed(str):
    """Printed text and its precedence (``ADD`` binds loosest, ``ATOM`` tightest)."""

    precedence: int

    def __new__(cls, text: str, precedence: int = ATOM) -> "Printed":
        printed = super().__new__(cls, text)
        printed.precedence = precedence
        return printed


def rounded(rhs) -> bool:
    """Whether ``rhs`` is a decimal number that its printing (:attr:`SeriesPrinter.SIGNIFICANT`
    digits) rounds: that row says ≈ in every format (``= 0.6733`` under ``= −log 0.51`` is not an
    equality); a decimal printed whole (``0.15`` for 3/20) keeps ``=``."""
    if not isinstance(rhs, sp.Float):
        return False
    return f"{float(rhs):.15g}" != f"{float(rhs):.{SeriesPrinter.SIGNIFICANT}g}"


class SeriesPrinter:
    """The layout both printers share; a subclass names its notation in the hooks below."""

    MINUS = "-"
    HELD_TIMES = "·"  # between the factors of a product SymPy was told not to evaluate (1·log 0.51)

    SIGNIFICANT = 4  # a decimal number (a worked answer) is shown to this many significant digits

    # ----- notation hooks ------------------------------------------------------------------
    def group(self, text: str) -> str:
        return f"({text})"

    def function_name(self, name: str) -> str:
        return name

    def fraction(self, top: sp.Basic, bottom: sp.Basic) -> str:
        """``top/bottom`` for a product that reads as a fraction."""
        raise NotImplementedError

    def reciprocal(self, bottom: sp.Basic) -> str:
        """``1/bottom`` in front of the factors of a product that does not read as a fraction."""
        raise NotImplementedError

    def limits(self, symbol: str, expr) -> str:
        """The ``∑ᵢ₌₁ᴺ`` (``\\sum_{i=1}^{N}``) in front of a sum or product."""
        raise NotImplementedError

    def rational(self, expr: sp.Rational) -> str:
        raise NotImplementedError

    def closes_derivative(self, factor: sp.Derivative) -> bool:
        """Whether a derivative followed by more factors is put in parentheses."""
        return not isinstance(factor.expr, (sp.Symbol, sp.Indexed))

    def log_of(self, argument: Printed) -> Printed:
        name = self.function_name("log")
        if argument.precedence == ATOM:
            return Printed(f"{name} {argument}", POW)
        return Printed(f"{name}{self.group(argument)}", ATOM)

    # ----- the shared layout ---------------------------------------------------------------
    def _print(self, expr, **kwargs) -> Printed:
        printed = super()._print(expr)  # type: ignore[misc]  # a mixin: the SymPy printer after it in the MRO; SymPy's own methods may pass options (exp=...) the series' layout ignores
        return printed if isinstance(printed, Printed) else Printed(printed, ATOM)

    def doprint(self, expr) -> str:
        return str(self._print(expr))

    def wrap(self, expr: sp.Basic, above: int) -> str:
        printed = self._print(expr)
        return self.group(printed) if printed.precedence <= above else printed

    def _print_Float(self, expr):
        """A decimal number to ``SIGNIFICANT`` digits (the step holds it, and is checked, at 15):
        ``0.6733``, not ``0.673344553263766``; a rounded one keeps its trailing zeros (``0.8210``,
        ``2.070``: four digits, as a worked answer promises), one printed whole stays ``0.15``."""
        short = sp.sstr(sp.Float(expr, self.SIGNIFICANT), full_prec=False)
        padded = f"{float(expr):#.{self.SIGNIFICANT}g}"
        if f"{float(expr):.15g}" != f"{float(expr):.{self.SIGNIFICANT}g}" and "e" not in padded:
            short = padded
        return Printed(short, ATOM)

    def _print_Rational(self, expr):
        return Printed(self.rational(expr), MUL if expr > 0 else ADD)

    def _print_Add(self, expr):
        if layout.all_negative(expr):
            inner = sp.Add(*(layout.negated(a) for a in expr.args), evaluate=False)
            return Printed(self.MINUS + self.group(self._print_Add(inner)), MUL)
        parts = []
        for n, term in enumerate(layout.ordered_terms(expr)):
            if layout.reads_negative(term):
                parts.append((self.MINUS if n == 0 else f" {self.MINUS} ") + self.wrap(layout.negated(term), ADD))
            else:
                parts.append(("" if n == 0 else " + ") + self.wrap(term, ADD))
        return Printed("".join(parts), ADD)

    def _print_Mul(self, expr):
        negative, numbers, denominators, factors = layout.split_mul(expr)
        for n, factor in enumerate(factors):  # a factor -(a + b) gives its sign to the product: never "x -(a + b)"
            if isinstance(factor, sp.Add) and layout.all_negative(factor):
                factors[n] = sp.Add(*(layout.negated(a) for a in factor.args), evaluate=False)
                negative = not negative
        held = layout._held(expr)
        sign = self.MINUS if negative else ""
        if layout.as_fraction(factors, denominators) and not held:
            text = self.fraction(sp.Mul(*numbers, *factors), sp.Mul(*denominators))
            return Printed(sign + text, ADD if negative else MUL)
        parts = [self.wrap(n, MUL) for n in numbers]
        if denominators:
            parts.append(self.reciprocal(sp.Mul(*denominators)))
        for n, factor in enumerate(factors):
            parts.append(self.factor(factor, last=n == len(factors) - 1))
        joined = self.HELD_TIMES.join(parts) if len(numbers) > 1 or (numbers and factors and held) else " ".join(parts)
        return Printed(sign + joined if negative else joined or "1", ADD if negative else MUL)

    def factor(self, factor: sp.Basic, last: bool) -> str:
        """One factor of a product: a sum or product, a log or a derivative operator followed by more
        factors is closed off, so it cannot take in what follows (``log(y) (1 − y)``)."""
        if isinstance(factor, sp.log) and not last:
            return self.function_name("log") + self.group(self._print(factor.args[0]))
        operator = isinstance(factor, sp.Derivative) and self.closes_derivative(factor)
        if (isinstance(factor, (sp.Sum, sp.Product)) or operator) and not last:
            return self.group(self._print(factor))
        return self.wrap(factor, ADD)

    def _print_log(self, expr):
        argument = expr.args[0]
        decimal = layout.decimal(argument) if argument.is_Rational and not argument.is_Integer else None
        return self.log_of(Printed(decimal, ATOM) if decimal else self._print(argument))  # log 0.51, as the series

    def _print_Sum(self, expr):
        return Printed(f"{self.limits(self.SUM, expr)} {self.wrap(expr.function, ADD)}", MUL)

    def _print_Product(self, expr):
        return Printed(f"{self.limits(self.PRODUCT, expr)} {self.wrap(expr.function, ADD)}", MUL)

    def _print_Pow(self, expr, rational=False):
        if expr.exp == -1:
            return Printed(self.one_over(self._print(expr.base), expr.base), MUL)
        if expr.exp == sp.Rational(1, 2):
            return self.root(expr.base)
        if expr.exp == sp.Rational(-1, 2):
            return Printed(self.one_over(self.root(expr.base), None), MUL)
        return self.power(expr.base, expr.exp)

    def one_over(self, denominator: Printed, base: sp.Basic | None) -> str:
        raise NotImplementedError

    def root(self, base: sp.Basic) -> Printed:
        raise NotImplementedError

    def power(self, base: sp.Basic, exponent: sp.Basic) -> Printed:
        raise NotImplementedError

    def _print_MatMul(self, expr):
        coefficient, matrices = expr.as_coeff_matrices()
        text = " ".join(self.wrap(m, MUL) for m in matrices)
        if coefficient == -1:
            return Printed(self.MINUS + text, ADD)
        return Printed(self.scaled(coefficient, text) if coefficient != 1 else text, MUL)

    def scaled(self, coefficient: sp.Basic, matrices: str) -> str:
        """A product of matrices times a scalar: ``Xᵀ (Y − T)/N``."""
        return f"{self.wrap(coefficient, MUL)} {matrices}"

    def call(self, name: str, arguments) -> Printed:
        return Printed(f"{self.function_name(name)}{self.group(', '.join(self._print(a) for a in arguments))}", ATOM)

    def _print_log1p(self, expr):
        return self.call("log1p", expr.args)

    def _print_expm1(self, expr):
        return self.call("expm1", expr.args)

    def _print_xlogy(self, expr):
        return self.call("xlogy", expr.args)

    def _print_xlog1py(self, expr):
        return self.call("xlog1py", expr.args)

    def _print_Max(self, expr):
        return self.call("max", sorted(expr.args, key=_zero_last))

    def _print_Heaviside(self, expr):
        """The step H(u), as the derivative of max(u, 0) is written (its value at 0, SymPy's second argument, unused: a kink)."""
        return self.call("H", expr.args[:1])

    def _print_Min(self, expr):
        return self.call("min", sorted(expr.args, key=_zero_last))


def _zero_last(argument: sp.Basic) -> bool:
    """``max(z, 0)`` as a lecturer writes it, the variable first."""
    return argument == 0
