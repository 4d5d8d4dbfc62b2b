"""``sympy.srepr`` strings that ``from sympy import *`` alone rebuilds.

Our own functions (``sigmoid``) are written in SymPy built-ins. SymPy's own srepr names two classes the top-level namespace lacks: ``Str`` (a matrix symbol's
name) and ``ElementwiseApplyFunction`` (``log`` of a vector); this writes them as a plain string and
as ``X.applyfunc(log)``.
"""
from __future__ import annotations

import sympy as sp
from sympy.printing.repr import ReprPrinter

from ..functions import as_builtins


class _Printer(ReprPrinter):
    def _print_Str(self, expr):
        return repr(expr.name)

    def _print_ElementwiseApplyFunction(self, expr):
        function = expr.function
        if isinstance(function, sp.Lambda) and len(function.variables) == 1:
            (variable,) = function.variables
            body = function.expr
            if body.args == (variable,):
                function = body.func
        name = function.__name__ if isinstance(function, type) else self._print(function)
        return f"{self._print(expr.expr)}.applyfunc({name})"


def srepr(expr: sp.Basic) -> str:
    return _Printer().doprint(as_builtins(expr))
