"""Read LaTeX back into the engine's expressions with latex2sympy2-extended, then normalise.

The parser reads ``\\log`` as base 10 and ``t_{ik}`` as a plain symbol; the engine means the
natural log and the component t[i, k] of an indexed array bound to the sums' indices.  Nothing is
evaluated as code: the parser builds SymPy objects and this module only rewrites them.
"""
from __future__ import annotations

import re

import sympy as sp
from sympy.core.function import AppliedUndef

from . import conventions as c
from .functions import sigmoid

# Constructs this parser cannot read, by name, each with the LaTeX that marks it.
UNREADABLE = {
    "partial derivatives": (r"\partial",),
    "matrix expressions": (r"\top", r"\operatorname{tr}", r"\operatorname{diag}", r"\nabla", r"\mathbf"),
    "sigmoid of a negated argument": (r"\sigma\left(-",),  # read as the product sigma * (-z)
    "stable-form functions": (r"\operatorname{xlogy}", r"\operatorname{log1p}", r"\operatorname{expm1}", r"\max_{"),
}

_SUBSCRIPTED = re.compile(r"^(\\?[A-Za-z]+)_\{?([A-Za-z0-9,]+)\}?$")
_ARRAYS = {"t": c.t, "y": c.y, "z": c.z, "w": c.w, "x": c.x, "W": c.W}
_INDICES = {str(s): s for s in (c.i, c.k, c.d, *c.DUMMY_INDICES)}
_NAMED = {"E": c.E, "L": c.L, "BCE": c.BCE, "N": c.N, "K": c.K, "D": c.D}


def unreadable_construct(latex: str) -> str | None:
    """The name of a construct in ``latex`` that the parser cannot read, if any."""
    for name, markers in UNREADABLE.items():
        if any(marker in latex for marker in markers):
            return name
    return None


def parse(latex: str, scalars: dict[str, sp.Symbol] | None = None) -> sp.Basic:
    """Parse ``latex`` (an expression or ``lhs = rhs``) into the engine's conventions."""
    from latex2sympy2_extended import latex2sympy
    from latex2sympy2_extended.latex2sympy2 import ConversionConfig

    parsed = latex2sympy(latex, conversion_config=ConversionConfig(lowercase_symbols=False))
    return normalise(parsed, scalars or {})


def normalise(expr: sp.Basic, scalars: dict[str, sp.Symbol]) -> sp.Basic:
    expr = _natural_logs(expr)
    expr = expr.replace(lambda e: isinstance(e, AppliedUndef) and e.func.__name__ in (r"\sigma", "sigma"),
                        lambda e: sigmoid(*e.args))
    table = {}
    for symbol in expr.atoms(sp.Symbol):
        replacement = _symbol(symbol.name, scalars)
        if replacement is not None:
            table[symbol] = replacement
    return expr.xreplace(table)


def _natural_logs(expr: sp.Basic) -> sp.Basic:
    """``log(x, 10)`` (how the parser reads ``\\log x``) is the natural ``log(x)`` in the series."""
    expr = expr.replace(lambda e: isinstance(e, sp.log) and len(e.args) == 2, lambda e: sp.log(e.args[0]))
    return expr.xreplace({sp.log(10): sp.S.One}) if expr.has(sp.log(10)) else expr


def _symbol(name: str, scalars: dict[str, sp.Symbol]) -> sp.Basic | None:
    if name in scalars:
        return scalars[name]
    if name in _NAMED:
        return _NAMED[name]
    if name in _INDICES:
        return _INDICES[name]
    if name in ("t", "y", "z"):
        return c.SCALARS[_ARRAYS[name]]
    match = _SUBSCRIPTED.match(name)
    if not match:
        return None
    base, subscript = match.groups()
    parts = subscript.split(",") if "," in subscript else list(subscript)
    indices = [sp.Integer(p) if p.isdigit() else _INDICES.get(p, sp.Symbol(p, integer=True)) for p in parts]
    if base in (r"\delta", "delta") and len(indices) == 2:
        return sp.KroneckerDelta(*indices)
    if base in _ARRAYS:
        return _ARRAYS[base][tuple(indices)]
    return None
