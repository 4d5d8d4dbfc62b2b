"""Probability models: what their labels and predictions may be, for checking steps.

A :class:`Model` knows the facts a rule may require (``one_hot_labels``...), which concrete sizes
to check general formulas at, how to draw random points that satisfy its constraints (predictions
on the simplex, one-hot labels), how to eliminate constrained components symbolically, and how to
check a likelihood premise against the probability of the observed outcome.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, replace
from functools import lru_cache
from enum import Enum
from typing import Iterable, Mapping

import sympy as sp

from . import conventions as c
from .functions import BINDERS, sigmoid

class Link(str, Enum):
    """How a model turns logits z into predictions y (each is its own string: ``Link("softmax")``)."""

    SOFTMAX = "softmax"
    SIGMOID = "sigmoid"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


LINKS = tuple(link.value for link in Link)
DRAW_DIGITS = 60  # random points are this precise, so constraints (sum to one) hold far past the check's digits


@dataclass(frozen=True)
class Model:
    """A family of label/prediction constraints; ``classes`` fixes K when the model does."""

    name: str
    facts: frozenset[str]
    categorical: bool
    classes: int | None = None
    link: Link | None = None  # y = softmax(z) or y = sigmoid(z): predictions are functions of logits
    linear: bool = False  # z = XW: logits are a linear function of inputs x and weights W
    sizes: tuple[sp.Symbol, ...] = ()  # a user's own sizes (sums up to C, M...) besides N, K, D
    unit_draws: bool = False  # a user's own symbols: in (0.05, 0.95), then anywhere the loss stays real
    positive: frozenset = frozenset()  # what the loss itself needs positive: the arguments of its logs
    nonzero: frozenset = frozenset()  # the user's symbols the loss divides by

    @property
    def class_size(self) -> sp.Basic:
        """The number of classes as the model writes it: its fixed K, else the symbol K."""
        return sp.Integer(self.classes) if self.classes else c.K

    @property
    def written_sizes(self) -> dict[sp.Symbol, sp.Basic]:
        """What a rule's general K becomes in this model: its number, where the model fixes one."""
        return {c.K: sp.Integer(self.classes)} if self.classes else {}

    def with_linear_model(self) -> "Model":
        return replace(self, name=f"{self.name}:linear", linear=True)

    def with_link(self, link: str) -> "Model":
        if link not in LINKS:
            raise ValueError(f"unknown link {link!r}; known: {', '.join(LINKS)}")
        return replace(self, name=f"{self.name}:{Link(link).value}", link=Link(link))

    def with_target_probabilities(self, summing_to_one: bool) -> "Model":
        """Labels that are target probabilities, not one-hot (summing to one over the classes if
        ``summing_to_one``): a rule that needs one-hot labels (or labels summing to one) does not apply."""
        dropped = {"one_hot_labels"} | (set() if summing_to_one else {"labels_sum_to_one"})
        return replace(self, name=f"{self.name}:targets{'' if summing_to_one else ':any'}", facts=self.facts - dropped)

    # ----- dependence ----------------------------------------------------------------------
    def depends_on(self, expr: sp.Basic, variable: sp.Basic) -> bool:
        """Whether ``expr`` changes with ``variable`` (a component depends on its whole array)."""
        bases = {variable.base} if isinstance(variable, sp.Indexed) else {variable}
        if self.linear and bases & {c.W, c.x}:
            bases |= {c.z}
        if self.link and bases & {c.z, c.z_scalar}:
            bases |= {c.y, c.y_scalar}
        return any(expr.has(b) for b in bases)

    def resolve_links(self, expr: sp.Basic, classes: int | None, features: int | None = None) -> sp.Basic:
        """Write each prediction as the link of the logits (and logits as XW), for evaluation."""
        linked = self._resolve_link(expr, classes)
        if not self.linear:
            return linked
        logits = {a: sum(c.x[a.indices[0], f] * c.W[f, a.indices[1]] for f in range(1, (features or 2) + 1))
                  for a in linked.atoms(sp.Indexed) if a.base == c.z}
        return linked.xreplace(logits)

    def _resolve_link(self, expr: sp.Basic, classes: int | None) -> sp.Basic:
        if self.link is None:
            return expr
        count = classes or self.class_count({}, expr.atoms(sp.Indexed))
        replacement = {atom: _LINKED[self.link](atom, count) for atom in expr.atoms(sp.Indexed) if atom.base == c.y}
        if self.link is Link.SIGMOID and expr.has(c.y_scalar):
            replacement[c.y_scalar] = sigmoid(c.z_scalar)
        return expr.xreplace(replacement)
    # ----- sizes ---------------------------------------------------------------------------
    def size_choices(self, expr: sp.Basic) -> list[dict[sp.Symbol, int]]:
        """Concrete sizes to check at (at most 4), with a value in range for each free index."""
        free = free_indices(expr)
        present = [s for s in c.SIZES + self.sizes if expr.has(s) or any(self.range_of(ix, expr) == s for ix in free)]
        options = {c.N: (1, 2, 3), c.K: (self.classes,) if self.classes else (2, 3), c.D: (2,),
                   **{s: (2, 3) for s in self.sizes}}
        if free:  # a free index needs room: check at the larger sizes
            options = {c.N: (2, 3), c.K: (self.classes,) if self.classes else (3, 2), c.D: (2,),
                       **{s: (3, 2) for s in self.sizes}}
        combos = [dict(zip(present, values))
                  for values in itertools.product(*(options[s] for s in present))][:4] or [{}]
        for number, combo in enumerate(combos):
            for position, index in enumerate(sorted(free, key=str)):
                size_symbol = self.range_of(index, expr)
                size = combo.get(size_symbol) or self.classes or 2
                combo[index] = 1 + (number + position) % size
        return combos

    def wide_size_choices(self, expr: sp.Basic, rng: random.Random) -> list[dict[sp.Symbol, int]]:
        """Sizes for the numeric second opinion beyond the small ones a symbolic check expands:
        every size 7 with each free index at its last position (k = K, i = N), and sizes drawn in
        4..9 with each free index at an inner position (the features D at most 4).  A step wrong only for the last class, or
        only from N = 4 on, is caught here."""
        free = sorted(free_indices(expr), key=str)
        present = [s for s in c.SIZES + self.sizes if expr.has(s) or any(self.range_of(ix, expr) == s for ix in free)]
        if not present and not free:
            return []
        combos = []
        for wide in (lambda: 7, lambda: rng.randint(4, 9)):
            combo: dict[sp.Symbol, int] = {s: wide() for s in present}
            if self.classes and c.K in combo:
                combo[c.K] = self.classes
            if c.D in combo:  # features: a linear layer's sum sits inside the sums over samples and classes
                combo[c.D] = min(combo[c.D], 4)
            combos.append(combo)
        for combo, position in zip(combos, ("last", "inner")):
            for index in free:
                bound = next(iter(_paired_limits(index, expr)), None)  # j in sum_{k=1}^{K} delta_jk runs to K (or to 3)
                size = int(bound) if bound is not None and bound.is_Integer else \
                    combo.get(bound) or combo.get(self.range_of(index, expr)) or self.classes or 7
                inner = max(size - 1, 1)  # an inner position: 2..size-1, or 1 when there are only two
                combo[index] = size if position == "last" else rng.randint(min(2, inner), inner)
        return combos

    def range_of(self, index: sp.Symbol, expr: sp.Basic) -> sp.Symbol:
        """Which size an index runs up to: as far as a sum runs the same position of the same
        array (a user's sum over c to C), else N for samples, K for classes (by its position)."""
        return _range_of(index, expr, self.categorical)

    def class_count(self, sizes: Mapping[sp.Symbol, int], atoms: Iterable[sp.Indexed]) -> int:
        if self.classes:
            return self.classes
        if c.K in sizes:
            return sizes[c.K]
        return max((int(a.indices[-1]) for a in atoms if a.indices[-1].is_Integer), default=1)

    # ----- positivity ----------------------------------------------------------------------
    def is_positive(self, expr: sp.Basic) -> bool:
        """Decide ``expr > 0`` for every prediction in (0, 1) and weight > 0, and for what the
        loss needs positive to be real (``positive``: log's arguments, any component alike)."""
        if expr.is_positive:
            return True
        if self.positive and _any_component(expr) in self.positive:
            return True
        if isinstance(expr, (sp.Product, sp.Sum)):
            return self.is_positive(expr.function)
        if isinstance(expr, (sp.Mul, sp.Add)) and all(self.is_positive(a) for a in expr.args):
            return True
        if isinstance(expr, sp.Pow) and expr.exp.is_real and self.is_positive(expr.base):
            return True
        if isinstance(expr, sp.exp) and self.is_real(expr.args[0]):  # real, knowing what the loss divides by is not 0
            return True
        return _sign_through_unit_interval(expr, (c.y, c.y_scalar), "is_positive", {"positive": True}, sigmoids=True)

    def is_real(self, expr: sp.Basic) -> bool:
        """Decide that ``expr`` is real, knowing that what the loss divides by is not 0."""
        if expr.is_real:
            return True
        divisors = {s: sp.Dummy(s.name, real=True, nonzero=True) for s in self.nonzero if s.is_real and expr.has(s)}
        return bool(divisors) and bool(expr.xreplace(divisors).is_real)

    def is_nonnegative(self, expr: sp.Basic) -> bool:
        """Decide ``expr >= 0`` where every label lies in [0, 1] (one-hot, binary, or a target), as
        in every model: each label t becomes u/(1 + u) for its own u >= 0 (so 1 - t is 1/(1 + u))."""
        if expr.is_nonnegative or self.is_positive(expr):
            return True
        return _sign_through_unit_interval(expr, (c.t, c.t_scalar), "is_nonnegative", {"nonnegative": True})

    # ----- symbolic constraints --------------------------------------------------------------
    def eliminate(self, expr: sp.Basic, sizes: Mapping[sp.Symbol, int]) -> sp.Basic:
        """Replace the last class's prediction and label by one minus the others (sum to one)."""
        if not self.categorical:
            return expr
        atoms = [a for a in expr.atoms(sp.Indexed) if a.base in (c.y, c.t) and a.indices[-1].is_Integer]
        classes = self.class_count(sizes, atoms)
        rows = {(a.base, a.indices[:-1]) for a in atoms}
        replacement = {}
        for base, row in rows:
            last = base[row + (classes,)]
            others = sum((base[row + (j,)] for j in range(1, classes)), sp.Integer(0))
            replacement[last] = 1 - others
        return expr.xreplace(replacement)

    # ----- random points ---------------------------------------------------------------------
    def sample(self, atoms: Iterable[sp.Basic], sizes: Mapping[sp.Symbol, int],
               rng: random.Random, point: int = 0, focus: Iterable[sp.Basic] | None = None) -> dict[sp.Basic, sp.Basic]:
        """Values for every atom, drawn inside the model's domain.  ``point`` cycles through the
        regions of the domain: probabilities in the interior, then some next to 0, then next to 1;
        and on every other point each row's one-hot label falls on a class the expression names
        outright (the component a gradient is taken at, or those in ``focus``), where a wrong
        gradient shows."""
        atoms = list(atoms)
        focused = [a for a in (atoms if focus is None else focus) if isinstance(a, sp.Indexed)]
        region = REGIONS[point % len(REGIONS)]
        values: dict[sp.Basic, sp.Basic] = {}
        indexed = [a for a in atoms if isinstance(a, sp.Indexed)]
        if self.categorical:
            classes = self.class_count(sizes, indexed)
            rows = {a.indices[:-1] for a in indexed if a.base in (c.y, c.t)}
            for row in rows:
                shape = 0.15 if region != "interior" else 1.0  # a small shape puts shares next to 0 and 1
                weights = [sp.Float(rng.gammavariate(shape, 1.0) + 1e-12, DRAW_DIGITS) for _ in range(classes)]
                total = sum(weights)
                shares = [weight / total for weight in weights[:-1]]
                shares.append(1 - sum(shares))  # one to 60 digits
                named = sorted({int(a.indices[-1]) for a in focused if a.base == c.t and a.indices[:-1] == row
                                and a.indices[-1].is_Integer})
                hot = (rng.choice(named) - 1) if named and point % 2 == 0 else rng.randrange(classes)
                for j in range(classes):
                    values[component(c.y, row + (j + 1,))] = shares[j]
                    values[component(c.t, row + (j + 1,))] = sp.Integer(int(j == hot))
        own = [atom for atom in atoms if atom not in values]
        for atom in own:
            values[atom] = _draw(atom, rng, self.categorical, self.unit_draws, region)
        if self.unit_draws and region != "interior":  # a user's symbols over their whole domain
            own = [atom for atom in own if _is_users(atom)]
            for _ in range(20):
                trial = {**values, **{atom: _draw_anywhere(atom, rng, region) for atom in own}}
                if self._inside(trial):
                    return trial
        return values

    def _inside(self, values: Mapping[sp.Basic, sp.Basic]) -> bool:
        """Whether the point keeps positive what the loss needs positive (log's arguments)."""
        indices = {ix for atom in values if isinstance(atom, sp.Indexed) for ix in atom.indices if ix.is_Integer}
        for needed in self.positive:
            for instance in ([needed.xreplace({_COMPONENT: ix}) for ix in indices] if needed.has(_COMPONENT) else [needed]):
                if instance.has(sp.Sum, sp.Product):
                    continue  # a sum of symbolic length: not at this point's sizes
                at_point = instance.xreplace(values)
                if at_point.free_symbols or at_point.atoms(sp.Indexed):
                    continue  # names something this point does not draw
                value = sp.N(at_point, 20)
                if not (value.is_real and value > 0):
                    return False
        return True

    # ----- premises ------------------------------------------------------------------------
    def label_assignments(self, rhs: sp.Basic, sizes: Mapping[sp.Symbol, int],
                          rng: random.Random, count: int = 3):
        """Concrete labels (one-hot or binary) with the probability each outcome should have."""
        from .at_sizes import write_out_sums  # at_sizes builds on this module
        expanded = write_out_sums(rhs.xreplace(sizes)).doit()  # written out first: doit would look for a closed form
        labels = [a for a in expanded.atoms(sp.Indexed) if a.base == c.t]
        if self.categorical:
            classes = self.class_count(sizes, labels)
            rows = sorted({a.indices[:-1] for a in labels}, key=str)
            for _ in range(count):
                hot = {row: rng.randrange(classes) + 1 for row in rows}
                assignment = {c.t[row + (j,)]: sp.Integer(int(j == hot[row]))
                              for row in rows for j in range(1, classes + 1)}
                probability = sp.Mul(*(c.y[row + (hot[row],)] for row in rows))
                yield expanded, assignment, probability
        else:
            for _ in range(count):
                assignment = {a: sp.Integer(rng.randrange(2)) for a in labels}
                probability = sp.Mul(*(c.y[a.indices] if assignment[a] else 1 - c.y[a.indices]
                                       for a in labels))
                yield expanded, assignment, probability


REGIONS = ("interior", "near_zero", "near_one")


@lru_cache(maxsize=8192)
def component(base: sp.IndexedBase, indices: tuple) -> sp.Indexed:
    """``base[indices]``, made once (SymPy builds an Indexed slowly, and points are drawn often)."""
    return base[indices]


def _draw(atom: sp.Basic, rng: random.Random, categorical: bool, unit: bool = False,
          region: str = "interior") -> sp.Basic:
    base = atom.base if isinstance(atom, sp.Indexed) else atom
    if base in (c.y, c.y_scalar):
        if region == "interior":
            return sp.Float(rng.uniform(0.02, 0.98), DRAW_DIGITS)
        edge = sp.Float(10, DRAW_DIGITS) ** -rng.uniform(2, 9)  # 1e-9 .. 1e-2 from the edge
        return edge if region == "near_zero" else 1 - edge
    if base in (c.t, c.t_scalar):
        return sp.Integer(rng.randrange(2)) if categorical else sp.Float(rng.uniform(0.01, 0.99), DRAW_DIGITS)
    if unit:
        return sp.Float(rng.uniform(0.05, 0.95), DRAW_DIGITS)
    if getattr(base, "is_positive", False) or getattr(atom, "is_positive", False):
        return sp.Float(rng.uniform(0.5, 2.0), DRAW_DIGITS)
    return sp.Float(rng.gauss(0.0, 1.5), DRAW_DIGITS)


def _softmax_written_out(prediction: sp.Indexed, classes: int) -> sp.Basic:
    row = prediction.indices[:-1]
    return sp.exp(c.z[prediction.indices]) / sum(sp.exp(c.z[row + (j,)]) for j in range(1, classes + 1))


_LINKED = {  # a prediction written through the link, at a concrete number of classes
    Link.SIGMOID: lambda prediction, classes: sigmoid(c.z[prediction.indices]),
    Link.SOFTMAX: _softmax_written_out,
}


def _sign_through_unit_interval(expr: sp.Basic, names: tuple, sign: str, assumptions: dict,
                                sigmoids: bool = False) -> bool:
    """The sign ``sign`` of ``expr`` for every value in (0, 1) (or [0, 1)) of the components named
    (and, with ``sigmoids``, of each sigmoid of a real number, which lies in (0, 1) too): each gets
    its own s >= 0 (or > 0) and becomes s/(1 + s), which runs over exactly that interval."""
    components = [a for a in expr.atoms(sp.Indexed) if a.base in names]
    components += [s for s in expr.free_symbols if s in names]
    if sigmoids:
        components += [f for f in expr.atoms(sigmoid) if f.args[0].is_real]
    if not components:
        return False
    mapped = expr.xreplace({a: (s := sp.Dummy("s", **assumptions)) / (1 + s) for a in components})
    return bool(getattr(sp.factor(sp.together(mapped)), sign))


def _is_users(atom: sp.Basic) -> bool:
    """A symbol of the user's own (not a label, a prediction, or declared positive)."""
    base = atom.base if isinstance(atom, sp.Indexed) else atom
    return base not in (c.y, c.y_scalar, c.t, c.t_scalar) and not (
        getattr(base, "is_positive", False) or getattr(atom, "is_positive", False))


def _draw_anywhere(atom: sp.Basic, rng: random.Random, region: str) -> sp.Basic:
    """Anywhere on the real line: next to 0 on either side, or spread wide (negative values included)."""
    if region == "near_zero":
        return sp.Float(rng.choice((-1, 1)) * 10 ** -rng.uniform(1, 4), DRAW_DIGITS)
    return sp.Float(rng.gauss(0.0, 3.0), DRAW_DIGITS)


_COMPONENT = sp.Symbol("component_index", integer=True)


def _any_component(expr: sp.Basic) -> sp.Basic:
    """``expr`` with the index of its arrays made one placeholder, so that log(y_i) summed over i
    makes every y_j positive.  Expressions with two different indices keep them."""
    indices = free_indices(expr)  # a summation index stays bound
    return expr.xreplace({next(iter(indices)): _COMPONENT}) if len(indices) == 1 else expr


def positive_in(loss: sp.Basic) -> frozenset:
    """What ``loss`` needs positive to be a real number: the argument of every logarithm in it."""
    return frozenset(_any_component(node.args[0]) for node in loss.atoms(sp.log))


def divisors_in(loss: sp.Basic) -> frozenset:
    """The user's symbols ``loss`` divides by: not 0 wherever the loss is defined."""
    return frozenset(node.base for node in sp.preorder_traversal(loss)
                     if isinstance(node, sp.Pow) and node.exp.is_negative and isinstance(node.base, sp.Symbol)
                     and not node.base.is_integer)


@lru_cache(maxsize=4096)
def _range_of(index: sp.Symbol, expr: sp.Basic, categorical: bool) -> sp.Symbol:
    """:meth:`Model.range_of`, once per index and expression (each step's lines are asked often)."""
    places = {(atom.base, atom.indices.index(index)) for atom in expr.atoms(sp.Indexed) if index in atom.indices}
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Sum) and len(node.limits) == 1:
            variable, _, upper = node.limits[0]
            if any((a.base, a.indices.index(variable)) in places for a in node.function.atoms(sp.Indexed)
                   if variable in a.indices):
                return upper
    for atom in expr.atoms(sp.Indexed):
        if index in atom.indices:
            position = atom.indices.index(index)
            if atom.base in c.SHAPES and len(atom.indices) == len(c.SHAPES[atom.base]):
                return c.SHAPES[atom.base][position]
            if len(atom.indices) == 2:
                return c.N if position == 0 else c.K
            return c.K if categorical else c.N
    # Only in a Kronecker delta: it runs over the same range as the index it is paired with.
    sizes = [limit for limit in _paired_limits(index, expr) if limit in c.SIZES]
    return sizes[0] if sizes else (c.K if categorical else c.N)


@lru_cache(maxsize=4096)
def _paired_limits(index: sp.Symbol, expr: sp.Basic) -> tuple[sp.Basic, ...]:
    """The upper limits of the summation indices Kronecker deltas pair ``index`` with."""
    limits = {limit[0]: limit[2] for node in sp.preorder_traversal(expr)
              if isinstance(node, BINDERS) for limit in node.limits}
    paired = []
    for delta in expr.atoms(sp.KroneckerDelta):
        if index in delta.args:
            partner = delta.args[1] if delta.args[0] == index else delta.args[0]
            if partner in limits:
                paired.append(limits[partner])
    return tuple(paired)


@lru_cache(maxsize=4096)
def free_indices(expr: sp.Basic) -> frozenset[sp.Symbol]:
    """Integer symbols used as array indices and not bound by a sum: the component's indices."""
    used = {ix for atom in expr.atoms(sp.Indexed) for ix in atom.indices if isinstance(ix, sp.Symbol)}
    used |= {a for delta in expr.atoms(sp.KroneckerDelta) for a in delta.args if isinstance(a, sp.Symbol)}
    bound = {limit[0] for node in sp.preorder_traversal(expr) if isinstance(node, BINDERS)
             for limit in node.limits}
    return frozenset(s for s in used - bound if s.is_integer and s not in c.SIZES)


ANY_VALUES = Model("real numbers", frozenset({"one_hot_labels", "labels_sum_to_one", "probabilities_sum_to_one", "binary_labels"}), False)
CATEGORICAL = Model("categorical", frozenset({"one_hot_labels", "labels_sum_to_one", "probabilities_sum_to_one"}), True)
BERNOULLI = Model("bernoulli", frozenset({"binary_labels"}), False)


def free(sizes: tuple[sp.Symbol, ...] = (), positive: frozenset = frozenset(), nonzero: frozenset = frozenset()) -> Model:
    """A user's own loss: no facts about labels or predictions, symbols drawn in (0.05, 0.95) and
    over the whole real line where ``positive`` stays positive;
    ``positive``: what the loss needs positive to be real (:func:`positive_in`);
    ``nonzero``: the symbols it divides by (:func:`divisors_in`)."""
    return Model("any values", frozenset(), False, sizes=sizes, unit_draws=True, positive=positive, nonzero=nonzero)


# The exponential moving average (series article 004): its number of steps t is a size, and its
# rate beta lies in (0, 1), drawn there at random points.
MOVING_AVERAGE = Model("moving average", frozenset(), False, sizes=(c.time,), unit_draws=True,
                       positive=frozenset({c.beta}))


# Counts of the faces of a die (maximum likelihood): the probabilities sum to one; the counts are
# any positive numbers, not labels.
COUNTS = Model("counts", frozenset({"probabilities_sum_to_one"}), True, sizes=(c.total,))


def counts_model(classes: int | None = None) -> Model:
    return COUNTS if classes is None else replace(COUNTS, name=f"counts(K={classes})", classes=classes)


def categorical(classes: int | None = None) -> Model:
    if classes is None:
        return CATEGORICAL
    return Model(f"categorical(K={classes})", CATEGORICAL.facts, True, classes)
