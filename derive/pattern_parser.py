"""Parse the catalogue's pattern strings into SymPy expressions without evaluating code.

Patterns use a small Python-like syntax, read with :mod:`ast` and translated node by node from a
whitelist: numbers, names, ``+ - * / **``, indexing ``y[i, k]``, calls of the functions in
``FUNCTIONS`` and ``(index, lower, upper)`` limits inside ``Sum``/``Product``.  Anything else is a
:class:`PatternError`.  Names listed as wilds become :class:`sympy.Wild`; other names must be
convention symbols (:mod:`derive.conventions`).
"""
from __future__ import annotations

import ast
import operator
from typing import Callable, Iterable, Mapping

import sympy as sp

from . import conventions
from .errors import PatternError
from .functions import Maximum, expm1, log1p, sigmoid, softmax, xlog1py, xlogy

FUNCTIONS = {
    "log": sp.log,
    "exp": sp.exp,
    "Sum": sp.Sum,
    "Product": sp.Product,
    "Max": sp.Max,
    "Heaviside": sp.Heaviside,  # the step function H, the derivative of max(u, 0) away from u = 0
    "Abs": sp.Abs,
    "Min": sp.Min,
    "Maximum": Maximum,
    "log1p": log1p,
    "expm1": expm1,
    "xlogy": xlogy,
    "xlog1py": xlog1py,
    "KroneckerDelta": sp.KroneckerDelta,
    "Derivative": sp.Derivative,
    "Limit": sp.Limit,
    "sigmoid": sigmoid,
    "softmax": softmax,
    # functions of one variable a catalogue may give derivative rules for
    "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "atan": sp.atan,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
}

_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def parse_pattern(text: str, wilds: Mapping[str, sp.Wild] | None = None,
                  names: Mapping[str, sp.Basic] | None = None) -> sp.Basic:
    """Translate ``text`` into a SymPy expression; ``wilds`` and ``names`` bind identifiers."""
    scope = dict(conventions.NAMES)
    scope.update(names or {})
    scope.update(wilds or {})
    return _Translator(text, scope).visit(_tree(text).body)


def check_pattern(text: str, wild_names: Iterable[str] = ()) -> None:
    """Raise the :class:`PatternError` :func:`parse_pattern` would raise for ``text`` (syntax, a
    name, function or operator not allowed), building no SymPy expression: the catalogue checks
    every pattern as it loads, and building them all was a fifth of a cold ``derive show``."""
    scope: dict[str, object] = dict(conventions.NAMES)
    scope.update(dict.fromkeys(wild_names))
    _Checker(text, scope).visit(_tree(text).body)


def _tree(text: str) -> ast.Expression:
    try:
        return ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise PatternError(f"pattern {text!r} is not valid syntax: {exc.msg}") from None


class _Translator:
    """Each allowed node checked, then built by :meth:`make` (the one place an expression is made)."""

    def __init__(self, text: str, scope: Mapping[str, object]):
        self.text = text
        self.scope = scope

    def make(self, function: Callable[..., sp.Basic], *args: sp.Basic) -> sp.Basic:
        return function(*args)

    def fail(self, node: ast.AST, what: str) -> PatternError:
        return PatternError(f"pattern {self.text!r}, column {getattr(node, 'col_offset', 0)}: {what}")

    def visit(self, node: ast.AST):
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            raise self.fail(node, f"{type(node).__name__} is not allowed in a pattern")
        return method(node)

    def visit_Constant(self, node: ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int):
            raise self.fail(node, "only integer constants are allowed (write fractions as a/b)")
        return sp.Integer(node.value)

    def visit_Name(self, node: ast.Name):
        if node.id not in self.scope:
            raise self.fail(node, f"unknown name {node.id!r}; declare it as a wild")
        value = self.scope[node.id]
        if isinstance(value, sp.IndexedBase):
            return conventions.SCALARS[value]
        return value

    def visit_BinOp(self, node: ast.BinOp):
        op = _BINARY.get(type(node.op))
        if op is None:
            raise self.fail(node, f"operator {type(node.op).__name__} is not allowed")
        return self.make(op, self.visit(node.left), self.visit(node.right))

    def visit_UnaryOp(self, node: ast.UnaryOp):
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.USub):
            return self.make(operator.neg, operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        raise self.fail(node, f"unary {type(node.op).__name__} is not allowed")

    def visit_Subscript(self, node: ast.Subscript):
        base = self.scope.get(node.value.id) if isinstance(node.value, ast.Name) else None
        if not isinstance(base, sp.IndexedBase):
            raise self.fail(node, "only indexed symbols (t, y, z, w) can be subscripted")
        index = node.slice
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        return self.make(lambda *indices: base[indices], *(self.visit(p) for p in parts))

    def visit_Call(self, node: ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise self.fail(node, f"unknown function {ast.unparse(node.func)!r}")
        if node.keywords:
            raise self.fail(node, "keyword arguments are not allowed")
        return self.make(FUNCTIONS[node.func.id], *(self.visit(a) for a in node.args))

    def visit_Tuple(self, node: ast.Tuple):
        return self.make(sp.Tuple, *(self.visit(e) for e in node.elts))


class _Checker(_Translator):
    """The translator's checks with nothing built (:func:`check_pattern`)."""

    def make(self, function: Callable[..., sp.Basic], *args: sp.Basic) -> sp.Basic:
        return sp.S.Zero
