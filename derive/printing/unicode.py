"""Expressions as one line of Unicode for the terminal: ``E = −(1/N) ∑ᵢ₌₁ᴺ ∑ₖ₌₁ᴷ tᵢₖ log yᵢₖ``."""
from __future__ import annotations

from .greek import unicode_name

import sympy as sp

from . import layout

_SUB = str.maketrans("0123456789+-=()aeijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUP = str.maketrans("0123456789+-=()KNT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᴷᴺᵀ")


def _script(text: str, table: dict, marker: str) -> str:
    converted = text.translate(table)
    if all(ch != orig or ch in " " for ch, orig in zip(converted, text)) and " " not in text:
        return converted
    return f"{marker}({text})" if len(text) > 1 else f"{marker}{text}"


def subscript(text: str) -> str:
    return _script(text, _SUB, "_")


def superscript(text: str) -> str:
    return _script(text, _SUP, "^")


_ADD, _MUL, _POW, _ATOM = 1, 2, 3, 4


class UnicodePrinter:
    """A small precedence printer; each ``_print_X`` returns ``(text, precedence)``."""

    def doprint(self, expr: sp.Basic) -> str:
        return self._print(expr)[0]

    def _print(self, expr: sp.Basic) -> tuple[str, int]:
        for cls in type(expr).__mro__:
            method = getattr(self, "_print_" + cls.__name__, None)
            if method:
                return method(expr)
        return str(expr), _ATOM

    def _wrap(self, expr: sp.Basic, above: int) -> str:
        text, prec = self._print(expr)
        return f"({text})" if prec <= above else text

    def _print_Symbol(self, expr):
        return unicode_name(expr.name), _ATOM

    def _print_Indexed(self, expr):
        indices = "".join(str(i) for i in expr.indices)
        return f"{unicode_name(str(expr.base.label))}{subscript(indices)}", _ATOM

    def _print_Integer(self, expr):
        return (str(expr), _ATOM) if expr >= 0 else (f"−{-expr}", _ADD)

    def _print_Rational(self, expr):
        return f"{expr.p}/{expr.q}".replace("-", "−"), (_MUL if expr > 0 else _ADD)

    def _print_Float(self, expr):
        return sp.sstr(expr, full_prec=False), _ATOM

    def _print_Add(self, expr):
        if layout.all_negative(expr):
            inner = sp.Add(*(layout.negated(a) for a in expr.args), evaluate=False)
            return f"−({self._print_Add(inner)[0]})", _MUL
        parts = []
        for n, term in enumerate(layout.ordered_terms(expr)):
            if term.could_extract_minus_sign():
                text = self._wrap(layout.negated(term), _ADD)
                parts.append(("−" if n == 0 else " − ") + text)
            else:
                parts.append(("" if n == 0 else " + ") + self._wrap(term, _ADD))
        return "".join(parts), _ADD

    def _print_Mul(self, expr):
        negative, numbers, denominators, factors = layout.split_mul(expr)
        if layout.as_fraction(factors, denominators) and not _held(expr):
            numerator = self._wrap(sp.Mul(*numbers, *factors), _ADD)
            if "/" in numerator and not _enclosed(numerator):
                numerator = f"({numerator})"  # t ∂y/∂x/y would read as a chain of divisions
            bottom = sp.Mul(*denominators)
            denominator = self._print(bottom)[0]
            if isinstance(bottom, (sp.Mul, sp.Add)):
                denominator = f"({denominator})"
            return ("−" if negative else "") + f"{numerator}/{denominator}", (_ADD if negative else _MUL)
        parts = [self._wrap(n, _MUL) for n in numbers]
        if denominators:
            parts.append("(1/" + self._wrap(sp.Mul(*denominators), _MUL) + ")")
        for n, factor in enumerate(factors):
            last = n == len(factors) - 1
            big = isinstance(factor, (sp.Sum, sp.Product)) and not last
            if isinstance(factor, sp.log) and not last:  # log y (1 − y) would read as log(y (1 − y))
                parts.append(f"log({self._print(factor.args[0])[0]})")
                continue
            if isinstance(factor, sp.Derivative) and not last:  # ∂/∂z σ (1 − t) would take in (1 − t)
                parts.append(f"({self._print(factor)[0]})")
                continue
            parts.append(f"({self._print(factor)[0]})" if big else self._wrap(factor, _ADD))
        text = "·".join(parts) if len(numbers) > 1 or (numbers and factors and _held(expr)) else " ".join(parts)
        return ("−" + text if negative else text or "1"), (_ADD if negative else _MUL)

    def _print_Pow(self, expr):
        if expr.exp == -1:
            return f"1/{self._wrap(expr.base, _MUL)}", _MUL
        if expr.exp == sp.Rational(1, 2):
            return f"√{self._wrap(expr.base, _POW)}", _POW
        if expr.exp == sp.Rational(-1, 2):
            return f"1/√{self._wrap(expr.base, _POW)}", _MUL
        base = self._wrap(expr.base, _MUL)
        exponent = self._print(expr.exp)[0]
        script = superscript(exponent)
        if not script.startswith("^("):
            return base + script, _POW
        if self._print(expr.exp)[1] == _ATOM:
            return f"{base}^{exponent}", _POW
        return f"{base}^({exponent})", _POW

    def _print_log(self, expr):
        argument = expr.args[0]
        decimal = layout.decimal(argument) if argument.is_Rational and not argument.is_Integer else None
        text, prec = (decimal, _ATOM) if decimal else self._print(argument)  # log 0.51, as the series
        return (f"log {text}", _POW) if prec == _ATOM else (f"log({text})", _ATOM)

    def _print_exp(self, expr):
        return f"exp({self._print(expr.args[0])[0]})", _ATOM

    def _limits(self, symbol: str, expr) -> str:
        parts = []
        for variable, lower, upper in reversed(expr.limits):
            parts.append(f"{symbol}{subscript(f'{variable}={lower}')}{superscript(str(upper))}")
        return " ".join(parts)

    def _print_Sum(self, expr):
        return f"{self._limits('∑', expr)} {self._wrap(expr.function, _ADD)}", _MUL

    def _print_Product(self, expr):
        return f"{self._limits('∏', expr)} {self._wrap(expr.function, _ADD)}", _MUL

    def _print_MatrixSymbol(self, expr):
        if expr.name.startswith("nabla_"):
            variable, of = expr.name[len("nabla_"):].split()
            return f"∇_{variable} {of}", _ATOM
        return expr.name, _ATOM

    def _print_DiagMatrix(self, expr):
        return f"diag({self._print(expr.args[0])[0]})", _ATOM

    def _print_MatMul(self, expr):
        coefficient, matrices = expr.as_coeff_matrices()
        text = " ".join(self._wrap(m, _MUL) for m in matrices)
        if coefficient.is_Rational is False or (coefficient.is_Pow and coefficient.exp == -1):
            return f"{text}/{self._wrap(coefficient.base if coefficient.is_Pow else coefficient, _MUL)}", _MUL
        if coefficient == -1:
            return "−" + text, _ADD
        return (f"{self._wrap(coefficient, _MUL)} {text}" if coefficient != 1 else text), _MUL

    def _print_Transpose(self, expr):
        return f"{self._wrap(expr.arg, _POW)}ᵀ", _POW

    def _print_ElementwiseApplyFunction(self, expr):
        name = self._print(expr.function(sp.Symbol("x")))[0].split()[0].split("(")[0]
        if isinstance(expr.expr, sp.Transpose):  # SymPy writes (log y)ᵀ as log(yᵀ)
            return f"({name} {self._wrap(expr.expr.arg, _POW)})ᵀ", _POW
        return f"{name} {self._wrap(expr.expr, _POW)}", _MUL

    def _print_Derivative(self, expr):
        order = len(expr.variables)
        mark = "d" if layout.ordinary_derivative(expr) else "∂"
        below = "".join(f"{mark}{self._print(v)[0]}" for v in reversed(expr.variables))
        top = mark + (superscript(str(order)) if order > 1 else "")
        if isinstance(expr.expr, (sp.Symbol, sp.Indexed)):
            return f"{top}{self._print(expr.expr)[0]}/{below}", _ATOM
        return f"{top}/{below} {self._wrap(expr.expr, _MUL)}", _MUL

    def _print_KroneckerDelta(self, expr):
        return "δ" + subscript("".join(str(a) for a in expr.args)), _ATOM

    def _print_sigmoid(self, expr):
        return f"σ({self._print(expr.args[0])[0]})", _ATOM

    def _print_softmax(self, expr):
        component = expr.args[0]
        row, last = component.indices[:-1], component.indices[-1]
        base = unicode_name(str(component.base.label)) + (subscript("".join(map(str, row))) if row else "")
        return f"softmax({base}){subscript(str(last))}", _ATOM

    def _call(self, name: str, expr):
        return f"{name}({', '.join(self._print(a)[0] for a in sorted(expr.args, key=_zero_last))})", _ATOM

    def _print_log1p(self, expr):
        return self._call("log1p", expr)

    def _print_expm1(self, expr):
        return self._call("expm1", expr)

    def _print_xlogy(self, expr):
        return f"xlogy({self._print(expr.args[0])[0]}, {self._print(expr.args[1])[0]})", _ATOM

    def _print_Max(self, expr):
        return self._call("max", expr)

    def _print_Min(self, expr):
        return self._call("min", expr)

    def _print_Abs(self, expr):
        return f"|{self._print(expr.args[0])[0]}|", _ATOM

    def _print_Maximum(self, expr):
        (variable, _, _), = expr.limits
        return f"max{subscript(str(variable))} {self._wrap(expr.function, _MUL)}", _MUL

    def _print_Limit(self, expr):
        expression, variable, point = expr.args[:3]
        return f"lim_({self._print(variable)[0]}→{self._print(point)[0]}) {self._wrap(expression, _ADD)}", _MUL

    def _print_Exp1(self, expr):
        return "e", _ATOM

    def _print_Pi(self, expr):
        return "π", _ATOM

    def _print_Trace(self, expr):
        return f"tr({self._print(expr.arg)[0]})", _ATOM


def _enclosed(text: str) -> bool:
    """Whether ``text`` is one parenthesised group, "(…)", its first bracket closed by its last."""
    depth = 0
    for position, character in enumerate(text):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0:
            return position == len(text) - 1 and text.startswith("(")
    return False


def _held(expr: sp.Mul) -> bool:
    return layout._held(expr)


def unicode(expr: sp.Basic) -> str:
    return UnicodePrinter().doprint(expr)


def _zero_last(argument: sp.Basic) -> bool:
    """``max(z, 0)`` as a lecturer writes it, the variable first."""
    return argument == 0
