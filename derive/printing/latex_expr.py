"""Expressions as LaTeX in the series' notation: ``-\\frac{1}{N} \\sum_{i=1}^{N} \\sum_{k=1}^{K} t_{ik} \\log y_{ik}``.

Only constructs that both TeX (amsmath) and KaTeX accept are emitted.
"""
from __future__ import annotations

import sympy as sp

from . import layout
from .greek import latex_name

_ADD, _MUL, _POW, _ATOM = 1, 2, 3, 4
_NAMES = {"BCE": r"\mathrm{BCE}"}
_VECTORS = {"t": r"\mathbf{t}", "y": r"\mathbf{y}", "z": r"\mathbf{z}", "w": r"\mathbf{w}"}


class LatexPrinter:
    """A small precedence printer; each ``_print_X`` returns ``(latex, precedence)``."""

    def doprint(self, expr: sp.Basic) -> str:
        return self._print(expr)[0]

    def _print(self, expr: sp.Basic) -> tuple[str, int]:
        for cls in type(expr).__mro__:
            method = getattr(self, "_print_" + cls.__name__, None)
            if method:
                return method(expr)
        return sp.latex(expr), _ATOM

    def _wrap(self, expr: sp.Basic, above: int) -> str:
        text, prec = self._print(expr)
        return rf"\left({text}\right)" if prec <= above else text

    def _print_Symbol(self, expr):
        return _NAMES.get(expr.name, latex_name(expr.name)), _ATOM

    def _print_Dummy(self, expr):
        return expr.name, _ATOM

    def _print_Indexed(self, expr):
        indices = [self._print(i)[0] for i in expr.indices]
        joined = "".join(indices) if all(len(i) == 1 for i in indices) else ",".join(indices)
        return f"{latex_name(str(expr.base.label))}_{{{joined}}}", _ATOM

    def _print_Integer(self, expr):
        return (str(expr), _ATOM) if expr >= 0 else (str(expr), _ADD)

    def _print_Rational(self, expr):
        sign = "-" if expr < 0 else ""
        return rf"{sign}\frac{{{abs(expr.p)}}}{{{expr.q}}}", (_ADD if sign else _MUL)

    def _print_Float(self, expr):
        return sp.sstr(expr, full_prec=False), _ATOM

    def _print_Add(self, expr):
        if layout.all_negative(expr):
            inner = sp.Add(*(layout.negated(a) for a in expr.args), evaluate=False)
            return rf"-\left({self._print_Add(inner)[0]}\right)", _MUL
        parts = []
        for n, term in enumerate(layout.ordered_terms(expr)):
            if term.could_extract_minus_sign():
                parts.append(("-" if n == 0 else " - ") + self._wrap(layout.negated(term), _ADD))
            else:
                parts.append(("" if n == 0 else " + ") + self._wrap(term, _ADD))
        return "".join(parts), _ADD

    def _print_Mul(self, expr):
        negative, numbers, denominators, factors = layout.split_mul(expr)
        if layout.as_fraction(factors, denominators) and not layout._held(expr):
            numerator = self._print(sp.Mul(*numbers, *factors))[0]
            denominator = self._print(sp.Mul(*denominators))[0]
            return ("-" if negative else "") + rf"\frac{{{numerator}}}{{{denominator}}}", (_ADD if negative else _MUL)
        parts = [self._wrap(n, _MUL) for n in numbers]
        if denominators:
            parts.append(r"\frac{1}{" + self._print(sp.Mul(*denominators))[0] + "}")
        for n, factor in enumerate(factors):
            big = isinstance(factor, (sp.Sum, sp.Product)) and n < len(factors) - 1
            if isinstance(factor, sp.log) and n < len(factors) - 1:  # \log y (1-y) would read as log(y(1-y))
                parts.append(rf"\log\left({self._print(factor.args[0])[0]}\right)")
                continue
            operator = isinstance(factor, sp.Derivative) and not isinstance(factor.expr, (sp.Symbol, sp.Indexed))
            if operator and n < len(factors) - 1:  # \frac{d}{dx} e^{-x} (1 + e^{-x}) would take in what follows
                big = True
            parts.append(rf"\left({self._print(factor)[0]}\right)" if big else self._wrap(factor, _ADD))
        held = layout._held(expr)
        text = r" \cdot ".join(parts) if len(numbers) > 1 or (numbers and factors and held) else " ".join(parts)
        return ("-" + text if negative else text or "1"), (_ADD if negative else _MUL)

    def _print_Pow(self, expr):
        if expr.exp == -1:
            return rf"\frac{{1}}{{{self._print(expr.base)[0]}}}", _MUL
        if expr.exp == sp.Rational(1, 2):
            return rf"\sqrt{{{self._print(expr.base)[0]}}}", _ATOM
        if expr.exp == sp.Rational(-1, 2):
            return rf"\frac{{1}}{{\sqrt{{{self._print(expr.base)[0]}}}}}", _MUL
        base = self._wrap(expr.base, _MUL) if not isinstance(expr.base, sp.Indexed) else self._print(expr.base)[0]
        return f"{base}^{{{self._print(expr.exp)[0]}}}", _POW

    def _print_log(self, expr):
        argument = expr.args[0]
        decimal = layout.decimal(argument) if argument.is_Rational and not argument.is_Integer else None
        text, prec = (decimal, _ATOM) if decimal else self._print(argument)  # \log 0.51, as the series
        return (rf"\log {text}", _POW) if prec == _ATOM else (rf"\log\left({text}\right)", _ATOM)

    def _print_exp(self, expr):
        return rf"e^{{{self._print(expr.args[0])[0]}}}", _POW

    def _limits(self, command: str, expr) -> str:
        return " ".join(rf"{command}_{{{self._print(v)[0]}={self._print(lo)[0]}}}^{{{self._print(hi)[0]}}}"
                        for v, lo, hi in reversed(expr.limits))

    def _print_Sum(self, expr):
        return self._limits(r"\sum", expr) + " " + self._wrap(expr.function, _ADD), _MUL

    def _print_Product(self, expr):
        return self._limits(r"\prod", expr) + " " + self._wrap(expr.function, _ADD), _MUL

    def _print_MatrixSymbol(self, expr):
        if expr.name.startswith("nabla_"):
            variable, of = expr.name[len("nabla_"):].split()
            return rf"\nabla_{{{variable}}} {self._print(sp.Symbol(of))[0]}", _ATOM
        is_vector = 1 in expr.shape
        return (_VECTORS.get(expr.name, expr.name) if is_vector else expr.name), _ATOM

    def _print_DiagMatrix(self, expr):
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])[0]}\right)", _ATOM

    def _print_MatMul(self, expr):
        coefficient, matrices = expr.as_coeff_matrices()
        text = " ".join(self._wrap(m, _MUL) for m in matrices)
        if coefficient.is_Pow and coefficient.exp == -1:
            return rf"\frac{{1}}{{{self._print(coefficient.base)[0]}}} {text}", _MUL
        if coefficient == -1:
            return "-" + text, _ADD
        return (f"{self._wrap(coefficient, _MUL)} {text}" if coefficient != 1 else text), _MUL

    def _print_Transpose(self, expr):
        return rf"{self._wrap(expr.arg, _POW)}^{{\top}}", _POW

    def _print_ElementwiseApplyFunction(self, expr):
        if isinstance(expr.expr, sp.Transpose):  # SymPy writes (log y)^T as log(y^T)
            return rf"\left(\log {self._wrap(expr.expr.arg, _POW)}\right)^{{\top}}", _POW
        return rf"\log {self._wrap(expr.expr, _POW)}", _MUL

    def _print_Derivative(self, expr):
        order = len(expr.variables)
        mark = "d" if layout.ordinary_derivative(expr) else r"\partial"
        below = " ".join(rf"{mark} {self._print(v)[0]}" for v in reversed(expr.variables))
        top = mark + (f"^{{{order}}}" if order > 1 else "")
        if isinstance(expr.expr, (sp.Symbol, sp.Indexed)):
            return rf"\frac{{{top} {self._print(expr.expr)[0]}}}{{{below}}}", _ATOM
        return rf"\frac{{{top}}}{{{below}}} {self._wrap(expr.expr, _MUL)}", _MUL

    def _print_KroneckerDelta(self, expr):
        indices = [self._print(a)[0] for a in expr.args]
        return rf"\delta_{{{''.join(indices) if all(len(i) == 1 for i in indices) else ','.join(indices)}}}", _ATOM

    def _print_sigmoid(self, expr):
        return rf"\sigma\left({self._print(expr.args[0])[0]}\right)", _ATOM

    def _print_softmax(self, expr):
        component = expr.args[0]
        row, last = component.indices[:-1], component.indices[-1]
        base = latex_name(str(component.base.label)) + (f"_{{{''.join(self._print(i)[0] for i in row)}}}" if row else "")
        return rf"\operatorname{{softmax}}\left({base}\right)_{{{self._print(last)[0]}}}", _ATOM

    def _call(self, name: str, expr):
        return rf"\operatorname{{{name}}}\left({', '.join(self._print(a)[0] for a in expr.args)}\right)", _ATOM

    def _print_log1p(self, expr):
        return self._call("log1p", expr)

    def _print_expm1(self, expr):
        return self._call("expm1", expr)

    def _print_xlogy(self, expr):
        return self._call("xlogy", expr)

    def _print_Max(self, expr):
        return rf"\max\left({', '.join(self._print(a)[0] for a in sorted(expr.args, key=_zero_last))}\right)", _ATOM

    def _print_Min(self, expr):
        return rf"\min\left({', '.join(self._print(a)[0] for a in sorted(expr.args, key=_zero_last))}\right)", _ATOM

    def _print_Abs(self, expr):
        return rf"\left|{self._print(expr.args[0])[0]}\right|", _ATOM

    def _print_Maximum(self, expr):
        (variable, _, _), = expr.limits
        return rf"\max_{{{self._print(variable)[0]}}} {self._wrap(expr.function, _MUL)}", _MUL

    def _print_Limit(self, expr):
        expression, variable, point = expr.args[:3]
        return rf"\lim_{{{self._print(variable)[0]} \to {self._print(point)[0]}}} {self._wrap(expression, _ADD)}", _MUL

    def _print_Exp1(self, expr):
        return "e", _ATOM

    def _print_Trace(self, expr):
        return rf"\operatorname{{tr}}\left({self._print(expr.arg)[0]}\right)", _ATOM


def latex(expr: sp.Basic) -> str:
    return LatexPrinter().doprint(expr)


def latex_equation(lhs: sp.Basic, rhs: sp.Basic) -> str:
    return f"{latex(lhs)} = {latex(rhs)}"


def _zero_last(argument: sp.Basic) -> bool:
    """``max(z, 0)`` as a lecturer writes it, the variable first."""
    return argument == 0
