"""Normalise what latex2sympy2-extended read (:func:`derive.front_end.from_latex` is the reader).

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
    # a sequence over the steps t (the moving average): t names the labels when read, and an
    # earlier value v_{t - 1} is index arithmetic, which the reader refuses with its own message
    "a sequence over the steps t": ("_{t}", "_{t - 1}", "^{t}"),
    # a die's counts n_k (the maximum-likelihood estimate): read back, n names an index
    "counts named n": ("n_{", "{n}"),
    # the step H(u) of the hinge loss's gradient: read back, H is a factor, not a function
    "the step function H": (r"H\left(",),
    # a component at its sample's class (y_{i,\ell_{i}}, the integer labels' stable forms): a name holds
    # at most one subscript, so a subscript inside a subscript is refused by the reader
    "a component at a sample's class": (r"\ell_{",),
}

_ARRAYS = {"t": c.t, "y": c.y, "z": c.z, "w": c.w, "x": c.x, "W": c.W}
_INDICES = {str(s): s for s in (c.i, c.k, c.d, *c.DUMMY_INDICES)}
_NAMED = {"E": c.E, "L": c.L, "BCE": c.BCE, "N": c.N, "K": c.K, "D": c.D}


def unreadable_construct(latex: str) -> str | None:
    """The name of a construct in ``latex`` that the parser cannot read, if any."""
    for name, markers in UNREADABLE.items():
        if any(marker in latex for marker in markers):
            return name
    return None


def normalise(expr: sp.Basic, scalars: dict[str, sp.Symbol], any_names: bool = False,
              model_names: bool = True) -> sp.Basic:
    """The parser's expression in the engine's conventions.  ``any_names``: a user's own arrays
    (``p_{k}``, ``\\hat{y}_{i}``) become indexed arrays too, and a sum's upper limit a size.
    A name a sum binds is that sum's index wherever it stands (``\\sum_{y=1}^{K} x_{y}``: the same
    integer y in the limit and in the subscript, whatever else y names); a name that is a sum's
    upper limit is that size wherever it stands (the C of ``\\frac{1}{C}\\sum_{c=1}^{C}``).
    ``model_names=False``: y and w are a user's real symbols, not the model's positive predictions
    and weights (a user's loss: what a symbol may be comes from the loss, never from its name)."""
    expr = _natural_logs(expr)
    expr = expr.replace(lambda e: isinstance(e, AppliedUndef) and e.func.__name__ in (r"\sigma", "sigma"),
                        lambda e: sigmoid(*e.args))
    bound = {str(limit[0]) for node in sp.preorder_traversal(expr) if isinstance(node, (sp.Sum, sp.Product))
             for limit in node.limits}
    sized = {str(limit[2]) for node in sp.preorder_traversal(expr) if isinstance(node, (sp.Sum, sp.Product))
             for limit in node.limits if isinstance(limit[2], sp.Symbol)} - bound - set(_NAMED)
    subscripted = {part for symbol in expr.atoms(sp.Symbol) if (match := SUBSCRIPTED_NAME.match(symbol.name))
                   for part in _subscript_parts(match.group(2))}
    table = {}
    for symbol in expr.atoms(sp.Symbol):
        if any_names and symbol.name in bound:  # the index of a sum, however it is spelled
            table[symbol] = sp.Symbol(symbol.name, integer=True)
            continue
        if any_names and symbol.name in sized:  # a size, wherever it stands
            table[symbol] = sp.Symbol(symbol.name, integer=True, positive=True)
            continue
        if any_names and symbol.name in _INDICES and symbol.name not in bound | subscripted:
            # A name is an index only where a sum binds it or it stands in a subscript: a user's
            # k, s, p or d anywhere else is a variable.
            table[symbol] = sp.Symbol(symbol.name, real=True)
            continue
        replacement = _symbol(symbol.name, scalars)
        if replacement is None and any_names:
            replacement = sp.Symbol(symbol.name, integer=True) if symbol.name in bound else _user_symbol(symbol.name, bound)
        if replacement is not None:
            table[symbol] = replacement if model_names else _users(replacement)
    expr = expr.xreplace(table)
    if any_names:
        expr = expr.replace(lambda e: isinstance(e, sp.Sum), _sized)
    return expr


# The model's names that state more than a real number (predictions and weights positive, the
# likelihood positive), as a user's loss reads them: real symbols of the same names.
_USERS = {c.y: sp.IndexedBase("y", real=True), c.w: sp.IndexedBase("w", real=True),
          c.y_scalar: sp.Symbol("y", real=True), c.w_scalar: sp.Symbol("w", real=True), c.L: sp.Symbol("L", real=True)}


def _users(symbol: sp.Basic) -> sp.Basic:
    """``symbol`` as a user's loss reads it: a real number whatever its name."""
    if isinstance(symbol, sp.Indexed) and symbol.base in _USERS:
        return _USERS[symbol.base][symbol.indices]
    return _USERS.get(symbol, symbol)


def _natural_logs(expr: sp.Basic) -> sp.Basic:
    """``log(x, 10)`` (how the parser reads ``\\log x``) and ``log(x, E)`` (``\\ln x``) are the
    natural ``log(x)`` in the series; ``\\log_{2} x`` keeps its base, as ``log(x)/log(2)``; the
    front end's marked ``log(u, 777)`` is the sigmoid.  Rewritten from the top down, so an
    unevaluated log inside is never rebuilt by SymPy into a quotient first."""
    def visit(e: sp.Basic) -> sp.Basic:
        if isinstance(e, sp.log) and len(e.args) == 2:
            argument, base = visit(e.args[0]), e.args[1]
            if base == SIGMOID_MARK:
                return sigmoid(argument)
            return sp.log(argument) if base in (sp.Integer(10), sp.E) else sp.log(argument) / sp.log(base)
        if isinstance(e, sp.Pow) and e.base == sp.Symbol("e"):
            return sp.exp(visit(e.exp))
        if not e.args or isinstance(e, (sp.Indexed, sp.IndexedBase)):
            return e
        args = [visit(a) for a in e.args]
        return e.func(*args) if args != list(e.args) else e
    return visit(expr)


_INDEX_LETTERS = set("ijklmn")
# A name with a subscript as the parser leaves it: y_{ik}, \\hat{y}_i, \\alpha_{1,2}.
SUBSCRIPTED_NAME = re.compile(r"^(\\?[A-Za-z]+(?:\{[A-Za-z]\})?)_\{?([A-Za-z0-9,]+)\}?$")


def _subscript_parts(subscript: str) -> list[str]:
    return subscript.split(",") if "," in subscript else list(subscript)


def subscript_indices(subscript: str) -> tuple[sp.Basic, ...]:
    """``ik`` -> (i, k), ``1,2`` -> (1, 2): digits as numbers, letters as the engine's index symbols."""
    return tuple(sp.Integer(p) if p.isdigit() else _INDICES.get(p, sp.Symbol(p, integer=True))
                 for p in _subscript_parts(subscript))
SIGMOID_MARK = 777  # see derive.front_end: how \\sigma(u) reaches the parser


def _user_symbol(name: str, bound: set[str]) -> sp.Basic | None:
    """A user's own name: ``p_{k}`` (every subscript letter an index: bound by a sum or one of
    i, j, k, l, m, n) is the component of an array ``p``; anything else a real symbol."""
    name = re.sub(r"^Greek", "", name)  # \\gamma, \\Gamma as the front end passes them
    if name.startswith("hat{") or name.startswith("bar{") or name.startswith("tilde{"):
        name = "\\" + name
    match = SUBSCRIPTED_NAME.match(name)
    if match:
        base, subscript = match.groups()
        if all(p.isdigit() or p in bound or p in _INDEX_LETTERS for p in _subscript_parts(subscript)):
            array = _ARRAYS.get(base) or sp.IndexedBase(_greek(base), real=True)
            return array[subscript_indices(subscript)]
    if name in _INDICES:
        return None
    if name in _ARRAYS:  # x, w, W written without a subscript: a plain symbol
        return c.SCALARS.get(_ARRAYS[name], sp.Symbol(name, real=True))
    if name in c.NAMES and name not in c.OPTION_NAMES:
        return None
    return sp.Symbol(_greek(name), real=True)


def _greek(name: str) -> str:
    return name.lstrip("\\") if "{" not in name else name


def _sized(node: sp.Sum) -> sp.Sum:
    """A sum's upper limit that is a plain name (``C``, ``M``) is a size: a positive integer."""
    limits = []
    for variable, lower, upper in node.limits:
        if isinstance(upper, sp.Symbol) and upper not in c.SIZES and not upper.is_integer:
            upper = sp.Symbol(upper.name, integer=True, positive=True)
        limits.append((variable, lower, upper))
    return sp.Sum(node.function, *limits)


def _symbol(name: str, scalars: dict[str, sp.Symbol]) -> sp.Basic | None:
    if re.sub(r"^Greek", "", name) in scalars:  # \gamma reaches here as Greekgamma (derive.front_end)
        return scalars[re.sub(r"^Greek", "", name)]
    if name in _NAMED:
        return _NAMED[name]
    if name in _INDICES:
        return _INDICES[name]
    if name in ("t", "y", "z"):
        return c.SCALARS[_ARRAYS[name]]
    match = SUBSCRIPTED_NAME.match(name)
    if not match:
        return None
    base, subscript = match.groups()
    indices = subscript_indices(subscript)
    if base in (r"\delta", "delta") and len(indices) == 2:
        return sp.KroneckerDelta(*indices)
    if base in _ARRAYS:
        return _ARRAYS[base][indices]
    return None
