"""Evaluate a step's expression at a random point without writing it out at concrete sizes.

The numeric second opinion evaluates both sides of a step at sizes up to 7 and more.  Writing
the sums out term by term as SymPy expressions, resolving the links and differentiating them
symbolically costs far more than the arithmetic: here the expression tree is walked once with
mpmath numbers, a sum is a loop over its index, a prediction through the model's link is computed
from the logits, and a derivative is carried by dual numbers (forward mode: each number carries
its derivative by the one component being differentiated).  What the walk has no rule for
(matrices, limits, a derivative inside a derivative, a user's unknown functions) is refused with
:class:`NotWalkable`, and the caller writes the expression out instead.
"""
from __future__ import annotations

import itertools
from functools import lru_cache
from typing import Iterable, Mapping

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

from . import conventions as c
from .functions import BINDERS, PLAIN_FORMS, plain, sigmoid
from .point_draws import component


_Y, _Z = c.y, c.z


def _is(base: sp.IndexedBase, known: sp.IndexedBase) -> bool:
    """``base == known``, the hashes (cached by SymPy) compared first: asked for every component."""
    return hash(base) == hash(known) and base == known


class NotWalkable(Exception):
    """The expression has a node the walk does not evaluate."""


class Dual:
    """``value + derivative·ε`` with ``ε² = 0``."""

    __slots__ = ("value", "derivative")

    def __init__(self, value, derivative):
        self.value, self.derivative = value, derivative

    def __add__(self, other):
        if isinstance(other, Dual):
            return Dual(self.value + other.value, self.derivative + other.derivative)
        return Dual(self.value + other, self.derivative)

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.value, -self.derivative)

    def __mul__(self, other):
        if isinstance(other, Dual):
            return Dual(self.value * other.value, self.derivative * other.value + self.value * other.derivative)
        return Dual(self.value * other, self.derivative * other)

    __rmul__ = __mul__


def _value(x):
    return x.value if isinstance(x, Dual) else x


def _chain(x, value, slope):
    """``f(x)`` given ``f(x.value)`` and ``f'(x.value)``."""
    return Dual(value, slope * x.derivative) if isinstance(x, Dual) else value


def _power(base, exponent):
    if not isinstance(exponent, Dual):
        if not isinstance(base, Dual):
            return mpmath.power(base, exponent)
        value = mpmath.power(base.value, exponent)
        return Dual(value, exponent * mpmath.power(base.value, exponent - 1) * base.derivative)
    b, e = _value(base), exponent.value
    value = mpmath.power(b, e)
    slope_base = e * mpmath.power(b, e - 1) * (base.derivative if isinstance(base, Dual) else 0)
    return Dual(value, slope_base + value * mpmath.log(b) * exponent.derivative)


def _log(x):
    v = _value(x)
    return _chain(x, mpmath.log(v), 1 / v)


def _exp(x):
    value = mpmath.exp(_value(x))
    return _chain(x, value, value)


def _pick(args, choose):
    return choose(args, key=lambda a: mpmath.re(_value(a)))


def _product(values):
    result = mpmath.mpf(1)
    for value in values:
        result = value * result
    return result


def _sum(values):
    duals = [v for v in values if isinstance(v, Dual)]
    if not duals:
        return mpmath.fsum(values)
    plain_values = [_value(v) for v in values]
    return Dual(mpmath.fsum(plain_values), mpmath.fsum(d.derivative for d in duals))


_RULES = {
    sp.Add: _sum,
    sp.Mul: _product,
    sp.Pow: lambda args: _power(*args),
    sp.log: lambda args: _log(args[0]),
    sp.exp: lambda args: _exp(args[0]),
    sigmoid: lambda args: _chain(args[0], s := 1 / (1 + mpmath.exp(-_value(args[0]))), s * (1 - s)),
    sp.Abs: lambda args: _chain(args[0], abs(_value(args[0])), mpmath.sign(mpmath.re(_value(args[0])))),
    sp.Max: lambda args: _pick(args, max),
    sp.Min: lambda args: _pick(args, min),
    sp.floor: lambda args: mpmath.floor(_value(args[0])),
    sp.sin: lambda args: _chain(args[0], mpmath.sin(_value(args[0])), mpmath.cos(_value(args[0]))),
    sp.cos: lambda args: _chain(args[0], mpmath.cos(_value(args[0])), -mpmath.sin(_value(args[0]))),
    sp.tanh: lambda args: _chain(args[0], t := mpmath.tanh(_value(args[0])), 1 - t * t),
    sp.KroneckerDelta: lambda args: mpmath.mpf(int(_value(args[0]) == _value(args[1]))),
}


_WALKED = tuple(_RULES)  # the functions the walk evaluates itself (those ``plain`` writes out aside)


class Walk:
    """Evaluates expressions at one point: ``numbers`` gives each component and symbol its value,
    ``sizes`` each size and free index its integer."""

    def __init__(self, numbers: Mapping[sp.Basic, object], sizes: Mapping[sp.Symbol, int], model):
        self.numbers = {(a.base, tuple(int(ix) for ix in a.indices)) if isinstance(a, sp.Indexed) else (a, ()): v
                        for a, v in numbers.items()}
        self.sizes = {s: int(v) for s, v in sizes.items()}
        self.model = model
        self.seed: tuple | None = None  # (base, indices) of the component being differentiated by
        self._rows: dict = {}  # softmax rows already computed, by (row, seed)
        self._outside = dict(self.sizes)  # the environment outside every sum
        self._known: dict = {}  # values of parts outside every sum, by (part, seed)
        self._sums: dict = {}  # values of sums, by (sum, seed, values of the indices it depends on)

    def value(self, expr: sp.Basic):
        return self._walk(plain(expr), self._outside)

    def _walk(self, expr: sp.Basic, env: dict):
        if env is not self._outside:
            return self._node(expr, env)
        key = (expr, self.seed)  # outside every sum: the two sides of a step share most parts
        if key not in self._known:
            self._known[key] = self._node(expr, env)
        return self._known[key]

    def _node(self, expr: sp.Basic, env: dict):
        if expr.is_Number:
            return mpmath.mpmathify(expr._to_mpmath(mpmath.mp.prec))
        if expr is sp.E:
            return mpmath.e
        if expr is sp.pi:
            return mpmath.pi
        if isinstance(expr, sp.Symbol):
            return self._symbol(expr, env)
        if isinstance(expr, sp.Indexed):
            return self._component(expr.base, tuple(self._index(ix, env) for ix in expr.indices))
        if isinstance(expr, BINDERS):
            # A sum inside a sum often depends on fewer indices than the loop it stands in (the
            # log-sum-exp of row i in a sum over classes k): computed once per value of its own.
            key = (expr, self.seed, *(env[s] for s in _loop_symbols(expr) if s in env))
            if key not in self._sums:
                self._sums[key] = self._binder(expr, env)
            return self._sums[key]
        if isinstance(expr, sp.Derivative):
            return self._derivative(expr, env)
        rule = _RULES.get(type(expr))
        if rule is None:
            raise NotWalkable(type(expr).__name__)
        return rule([self._walk(arg, env) for arg in expr.args])

    def _symbol(self, symbol: sp.Symbol, env: dict):
        if symbol in env:
            return mpmath.mpf(env[symbol])
        if (symbol, ()) in self.numbers:
            value = self.numbers[(symbol, ())]
            return Dual(value, mpmath.mpf(1)) if self.seed == (symbol, ()) else value
        if self.model.link == "sigmoid" and symbol == c.y_scalar:
            return self._walk(sigmoid(c.z_scalar), env)
        raise NotWalkable(f"no value for {symbol}")

    def _index(self, index: sp.Basic, env: dict) -> int:
        value = _value(self._walk(index, env)) if not (isinstance(index, sp.Symbol) and index in env) else env[index]
        if int(value) != value:
            raise NotWalkable(f"index {index} is not an integer here")
        return int(value)

    def _component(self, base: sp.IndexedBase, indices: tuple[int, ...]):
        if self.model.link and _is(base, _Y):
            return self._linked(indices)
        if self.model.linear and _is(base, _Z):
            features = self.sizes.get(c.D, 2)
            return _sum([self._component(c.x, (indices[0], f)) * self._component(c.W, (f, indices[1]))
                         for f in range(1, features + 1)])
        key = (base, indices)
        if key not in self.numbers:
            raise NotWalkable(f"no value for {base}{list(indices)}")
        value = self.numbers[key]
        return Dual(value, mpmath.mpf(1)) if self.seed == key else value

    def _linked(self, indices: tuple[int, ...]):
        if self.model.link == "sigmoid":
            return _RULES[sigmoid]([self._component(c.z, indices)])
        row = indices[:-1]
        classes = self.model.classes or self.sizes.get(c.K)
        if classes is None:
            raise NotWalkable("no number of classes for the softmax")
        cached = self._rows.get((row, self.seed))
        if cached is None:
            exps = [_exp(self._component(c.z, row + (j,))) for j in range(1, classes + 1)]
            cached = self._rows[(row, self.seed)] = (exps, _power(_sum(exps), -1))
        exps, reciprocal = cached
        return exps[indices[-1] - 1] * reciprocal

    def _binder(self, node: sp.Basic, env: dict):
        function = node.function
        (variable, lower, upper), *rest = node.limits[::-1]  # the outermost range last in SymPy's order
        low, high = self._index(lower, env), self._index(upper, env)
        inner = node.func(function, *rest[::-1]) if rest else function
        terms = [self._walk(inner, {**env, variable: j}) for j in range(low, high + 1)]
        if isinstance(node, sp.Sum):
            return _sum(terms) if terms else mpmath.mpf(0)
        if isinstance(node, sp.Product):
            return _product(terms)
        return _pick(terms, max)  # Maximum

    def _derivative(self, node: sp.Derivative, env: dict):
        if self.seed is not None or len(node.variable_count) != 1 or node.variable_count[0][1] != 1:
            raise NotWalkable("a derivative inside a derivative")
        (variable, _), = node.variable_count
        if isinstance(variable, sp.Indexed):
            seed = (variable.base, tuple(self._index(ix, env) for ix in variable.indices))
        elif isinstance(variable, sp.Symbol):
            seed = (variable, ())
        else:
            raise NotWalkable(f"a derivative by {variable}")
        self.seed = seed
        try:
            result = self._walk(node.expr, env)
        finally:
            self.seed = None
        return result.derivative if isinstance(result, Dual) else mpmath.mpf(0)


@lru_cache(maxsize=4096)
def _loop_symbols(expr: sp.Basic) -> tuple[sp.Symbol, ...]:
    """The symbols a part depends on, in a fixed order (its value is a function of these)."""
    return tuple(sorted(expr.free_symbols, key=str))


@lru_cache(maxsize=2048)
def walkable(expr: sp.Basic) -> bool:
    """Whether :class:`Walk` can evaluate ``expr`` (else it is written out at concrete sizes)."""
    if expr.atoms(sp.MatrixSymbol, AppliedUndef) or expr.has(sp.Limit, sp.Subs, sp.Piecewise, sp.Integral):
        return False
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Derivative):
            if node.expr.has(sp.Derivative) or len(node.variable_count) != 1 or node.variable_count[0][1] != 1:
                return False
        elif isinstance(node, sp.Function) and not isinstance(node, _WALKED) and type(node) not in PLAIN_FORMS:
            return False
    return True




def components(exprs: Iterable[sp.Basic], sizes: Mapping[sp.Symbol, int], model) -> tuple[set, set]:
    """Every component the expressions may read at these sizes (whole arrays: every row of the
    predictions and labels, so a row sums to one), and the components they name outright (a free
    index at its value), which the random point focuses on; plus the user's own symbols."""
    everything: set[sp.Basic] = set()
    named: set[sp.Basic] = set()
    shapes: dict = {}
    at = tuple(sorted(sizes.items(), key=lambda item: str(item[0])))
    for expr in exprs:
        ranks, outright, scalars = _read(expr, at)
        for base, rank in ranks:
            shapes[base] = rank
        named |= outright
        everything |= scalars
    everything -= {base.label for base in shapes}
    if model.link and c.y in shapes:
        shapes.setdefault(c.z, shapes[c.y])
    if model.link == "sigmoid" and any(e.has(c.y_scalar) for e in exprs):
        everything.add(c.z_scalar)
    if model.linear and c.z in shapes:
        shapes.setdefault(c.x, 2)
        shapes.setdefault(c.W, 2)
    if model.categorical and c.y in shapes:
        shapes.setdefault(c.t, shapes[c.y])
    for base, rank in shapes.items():
        everything |= _array(base, tuple(_extent(base, position, rank, sizes, model) for position in range(rank)))
    everything -= {c.y_scalar} if model.link == "sigmoid" else set()
    return everything, named


@lru_cache(maxsize=1024)
def _read(expr: sp.Basic, sizes: tuple) -> tuple[tuple, frozenset, frozenset]:
    """What one expression reads at these sizes: each array with its number of indices, the
    components it names outright, and its real symbols (read once: consecutive steps share lines)."""
    ranks, outright, scalars = _reads(expr)
    values = {s: sp.Integer(v) for s, v in sizes}
    named = set()
    for atom in outright:
        concrete = atom.xreplace(values)
        if all(ix.is_Integer for ix in concrete.indices):
            named.add(concrete)
    return ranks, frozenset(named), scalars


@lru_cache(maxsize=1024)
def _reads(expr: sp.Basic) -> tuple[tuple, tuple, frozenset]:
    """:func:`_read` at any sizes: the arrays with their ranks, the components named outright (with
    sizes or free indices in them still symbols), and the real symbols."""
    expr = plain(expr)
    bound = {limit[0] for node in sp.preorder_traversal(expr) if isinstance(node, BINDERS) for limit in node.limits}
    ranks, outright = {}, []
    for atom in expr.atoms(sp.Indexed):
        ranks[atom.base] = len(atom.indices)
        if not (set(atom.free_symbols) & bound):
            outright.append(atom)
    scalars = frozenset(s for s in expr.free_symbols if isinstance(s, sp.Symbol) and not s.is_integer)
    return tuple(ranks.items()), tuple(outright), scalars


@lru_cache(maxsize=256)
def _array(base: sp.IndexedBase, extents: tuple[int, ...]) -> frozenset:
    """Every component of ``base`` with these extents (made once: SymPy builds each slowly)."""
    return frozenset(component(base, indices) for indices in itertools.product(*(range(1, e + 1) for e in extents)))


def _extent(base: sp.IndexedBase, position: int, rank: int, sizes: Mapping[sp.Symbol, int], model) -> int:
    """How many components of ``base`` at ``position`` the point draws: the length the model gives it."""
    size = model.array_length(base, position, rank)
    if size.is_Integer:
        return int(size)
    if size not in sizes:
        raise NotWalkable(f"no value for the size {size}")
    return int(sizes[size])
