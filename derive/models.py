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
from enum import Enum
from typing import Iterable, Mapping

import sympy as sp

from . import conventions as c
from .edge_sizes import edge_size_choices
from .functions import sigmoid, softmax
from .positivity import instances, stated_by_logs, stated_positive, statement
from . import index_extents
from .index_extents import free_indices
from .point_draws import (DRAW_DIGITS, REGIONS, at_class, component, draw_anywhere, draw_order, draw_value, is_users,
                          sign_through_unit_interval)
from .ranges import nonempty

class Link(str, Enum):
    """How a model turns logits z into predictions y (each is its own string: ``Link("softmax")``)."""

    SOFTMAX = "softmax"
    SIGMOID = "sigmoid"
    EXP = "exp"  # the model gives log-probabilities z = log y (PyTorch's nll_loss takes a log_softmax's output)

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


LINKS = tuple(link.value for link in Link)


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
    positive: frozenset = frozenset()  # what the loss itself needs positive: the arguments of its logs (derive.positivity)
    nonzero: frozenset = frozenset()  # the user's symbols the loss divides by
    # Labels t lie in [0, 1] and predictions y in (0, 1): true of the model's own t and y, never of
    # a user's symbols that happen to share their names.
    labels_and_predictions: bool = True
    extents: tuple = ()  # ((array, position), length) the model states, besides the conventions' (a user's x_k to C)
    index_extents: tuple = ()  # (index, length): how far a free index runs (j of --wrt x_j: as far as x does)
    least_sizes: tuple = ()  # (size, least): a size the question states at least this (--wrt z_2 of z_1..z_N: N >= 2)

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
        free = sorted(free_indices(expr), key=sp.default_sort_key)
        present = [s for s in c.SIZES + self.sizes if expr.has(s) or any(self.range_of(ix, expr) == s for ix in free)]
        options = {c.N: (1, 2, 3), c.K: (self.classes,) if self.classes else (2, 3), c.D: (2,),
                   **{s: (2, 3) for s in self.sizes}}
        if free:  # a free index needs room: check at the larger sizes
            options = {c.N: (2, 3), c.K: (self.classes,) if self.classes else (3, 2), c.D: (2,),
                       **{s: (3, 2) for s in self.sizes}}
        allowed: dict[sp.Symbol, tuple[int, ...]] = {  # none below a size's least (N >= 2 where --wrt names z_2)
            s: tuple(v for v in values if v >= self.least_size(s)) or (self.least_size(s),) for s, values in options.items()}
        combos = [dict(zip(present, values))
                  for values in itertools.product(*(allowed[s] for s in present))][:4] or [{}]
        for number, combo in enumerate(combos):
            for position, index in enumerate(free):
                size_symbol = self.range_of(index, expr)
                size = int(size_symbol) if size_symbol.is_Integer else combo.get(size_symbol) or self.classes or 2
                combo[index] = 1 + (number + position) % size
        return combos

    def wide_size_choices(self, expr: sp.Basic, rng: random.Random) -> list[dict[sp.Symbol, int]]:
        """Sizes for the numeric second opinion beyond the small ones a symbolic check expands:
        every size 7 with each free index at its last position (k = K, i = N), sizes drawn in
        4..9 with each free index at an inner position (the features D at most 4), and the sizes at
        the edges (:mod:`derive.edge_sizes`): every size at its least (N = 1) with each index at 1,
        the sizes that empty a range, the sizes the expression names.  A step wrong only for the
        last class, for one sample, at an empty range or only from N = 4 on is caught here."""
        free = sorted(free_indices(expr), key=sp.default_sort_key)
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
        fixed = {c.K: self.classes} if self.classes else {}
        edges = edge_size_choices(expr, present, {s: self.least_size(s) for s in present}, fixed, combos)
        positions = ["last", "inner"] + ["last"] * len(edges)
        combos += edges
        for combo, position in zip(combos, positions):
            for index in free:
                length = self.range_of(index, expr)  # as far as the model runs it, whatever sum it meets
                size = int(length) if length.is_Integer else combo.get(length) or self.classes or 7
                inner = max(size - 1, 1)  # an inner position: 2..size-1, or 1 when there are only two
                combo[index] = size if position == "last" else rng.randint(min(2, inner), inner)
        return combos

    def least_size(self, size: sp.Symbol) -> int:
        """The least value a size takes in this model: 1, but 2 classes in a categorical model (a
        probability over one class is certain) and the model's own K where it fixes one."""
        if size == c.K and self.classes:
            return self.classes
        stated = dict(self.least_sizes).get(size, 1)
        return max(stated, 2 if size == c.K and self.categorical else 1)

    def range_of(self, index: sp.Symbol, expr: sp.Basic) -> sp.Basic:
        """Which size an index free in ``expr`` runs up to: the length the model gives the array
        it indexes, at that position (``extents``, else the conventions: N for samples, K for
        classes), never the range of some sum that happens to run over the same array."""
        length = index_extents.range_of(index, expr, self.categorical, self.extents, self.index_extents)
        return sp.Integer(self.classes) if self.classes and length == c.K else length

    def array_length(self, base: sp.IndexedBase, position: int, rank: int) -> sp.Basic:
        """How many components the model gives ``base`` at ``position`` (of ``rank`` indices)."""
        length = index_extents.array_length(base, position, rank, self.categorical, self.extents)
        return sp.Integer(self.classes) if self.classes and length == c.K else length

    def class_count(self, sizes: Mapping[sp.Symbol, int], atoms: Iterable[sp.Indexed]) -> int:
        if self.classes:
            return self.classes
        if c.K in sizes:
            return sizes[c.K]
        return max((int(a.indices[-1]) for a in atoms if a.indices[-1].is_Integer), default=1)

    # ----- positivity ----------------------------------------------------------------------
    def is_positive(self, expr: sp.Basic, known: Mapping[sp.Symbol, tuple] | None = None) -> bool:
        """Decide ``expr > 0`` for every prediction in (0, 1) and weight > 0, and for what the
        loss needs positive to be real (``positive``: log's arguments, over the components their
        sums run through: :mod:`derive.positivity`).  ``known``: the ranges of indices bound
        around ``expr``; a free index runs through its array's length."""
        if expr.is_positive:
            return True
        known = known or {}
        if self.positive and stated_positive(expr, map(statement, self.positive), known,
                                             lambda index: self.range_of(index, expr)):
            return True
        if isinstance(expr, (sp.Product, sp.Sum)):
            inside = {**known, **{v: (lo, hi) for v, lo, hi in expr.limits}}
            if isinstance(expr, sp.Sum) and not all(nonempty(lo, hi, known) for _, lo, hi in expr.limits):
                return False  # an empty sum is 0
            return self.is_positive(expr.function, inside)
        if isinstance(expr, (sp.Mul, sp.Add)) and all(self.is_positive(a, known) for a in expr.args):
            return True
        if isinstance(expr, sp.Pow) and expr.exp.is_real and self.is_positive(expr.base, known):
            return True
        if isinstance(expr, (sp.exp, softmax)) and self.is_real(expr.args[0]):  # real, knowing what the loss divides by is not 0
            return True  # (a softmax of real logits, e^{a_k}/Σ e^{a_m}, too: softmax((z − m t)/T)_k with T ≠ 0)
        predictions = (c.y, c.y_scalar) if self.labels_and_predictions else ()
        return sign_through_unit_interval(expr, predictions, "is_positive", {"positive": True}, sigmoids=True)

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
        if not self.labels_and_predictions:
            return False  # a user's t is any number
        return sign_through_unit_interval(expr, (c.t, c.t_scalar), "is_nonnegative", {"nonnegative": True})

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
        atoms = sorted(atoms, key=draw_order)  # drawn in one order whatever the hash seed
        focused = [a for a in (atoms if focus is None else focus) if isinstance(a, sp.Indexed)]
        region = REGIONS[point % len(REGIONS)]
        values: dict[sp.Basic, sp.Basic] = {}
        indexed = [a for a in atoms if isinstance(a, sp.Indexed)]
        if self.categorical:
            classes = self.class_count(sizes, indexed)
            rows = sorted({a.indices[:-1] for a in indexed if a.base in (c.y, c.t)} | {a.indices for a in indexed if a.base == c.ell},
                          key=draw_order)
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
                if row:  # the row's class: t_ik = δ(k, ℓ_i)
                    values[component(c.ell, row)] = sp.Integer(hot + 1)
        own = [atom for atom in atoms if atom not in values]
        has_named = self.labels_and_predictions
        at_classes = [atom for atom in own if at_class(atom)]
        for atom in own:
            if atom not in at_classes:
                values[atom] = draw_value(atom, rng, self.categorical, self.unit_draws, region, has_named)
        for atom in at_classes:  # z_{i ℓ_i}: the very component z_ik at the row's class k, drawn once
            at = component(atom.base, tuple(values.get(ix, ix) for ix in atom.indices))
            values[atom] = values[at] if at in values else values.setdefault(at, draw_value(at, rng, self.categorical, self.unit_draws,
                                                                                      region, has_named))
        for atom in [a for a in own if isinstance(a, sp.Indexed) and a.base == c.q and self.categorical]:
            label = component(c.t, atom.indices)  # a smoothed label beside its own label and epsilon: by its definition
            if label in values and c.epsilon in values:
                values[atom] = (1 - values[c.epsilon]) * values[label] + values[c.epsilon] / self.class_count(sizes, indexed)
        if self.unit_draws and region != "interior":  # a user's symbols over their whole domain
            own = [atom for atom in own if is_users(atom, has_named)]
            for _ in range(20):
                trial = {**values, **{atom: draw_anywhere(atom, rng, region) for atom in own}}
                if self._inside(trial, sizes):
                    return trial
        return values

    def _inside(self, values: Mapping[sp.Basic, sp.Basic], sizes: Mapping[sp.Symbol, int]) -> bool:
        """Whether the point keeps positive what the loss needs positive (log's arguments, for the
        components their sums run through at these sizes, and no others)."""
        for needed in self.positive:
            for instance in instances(statement(needed), sizes):
                at_point = instance.xreplace(values)
                if at_point.free_symbols or at_point.atoms(sp.Indexed):
                    continue  # names something this point does not draw
                value = sp.N(at_point, 20)
                if not (value.is_real and value > 0):
                    return False
        return True



def _softmax_written_out(prediction: sp.Indexed, classes: int) -> sp.Basic:
    row = prediction.indices[:-1]
    return sp.exp(c.z[prediction.indices]) / sum(sp.exp(c.z[row + (j,)]) for j in range(1, classes + 1))


_LINKED = {  # a prediction written through the link, at a concrete number of classes
    Link.SIGMOID: lambda prediction, classes: sigmoid(c.z[prediction.indices]),
    Link.SOFTMAX: _softmax_written_out,
    Link.EXP: lambda prediction, classes: sp.exp(c.z[prediction.indices]),
}


def positive_in(loss: sp.Basic) -> frozenset:
    """What ``loss`` needs positive to be a real number: the argument of every logarithm in it,
    for the components the sums around it run through (:mod:`derive.positivity`)."""
    return stated_by_logs(loss)


def divisors_in(loss: sp.Basic) -> frozenset:
    """The user's symbols ``loss`` divides by: not 0 wherever the loss is defined."""
    return frozenset(node.base for node in sp.preorder_traversal(loss)
                     if isinstance(node, sp.Pow) and node.exp.is_negative and isinstance(node.base, sp.Symbol)
                     and not node.base.is_integer)


ANY_VALUES = Model("real numbers", frozenset({"one_hot_labels", "labels_sum_to_one", "probabilities_sum_to_one", "binary_labels"}), False)
CATEGORICAL = Model("categorical", frozenset({"one_hot_labels", "labels_sum_to_one", "probabilities_sum_to_one"}), True)
BERNOULLI = Model("bernoulli", frozenset({"binary_labels"}), False)
# Labels of +1 or -1 against real scores z (a hinge loss, one-vs-rest): no fact of a probability
# model holds (labels are not one-hot, nothing sums to one), so none is declared; the scores are the
# logits z, one row of K per sample (so a number of classes may be given), and the gradients by
# them hold for any real labels, the draws' labels among them.
SIGN_LABELS = Model("sign labels", frozenset(), True)


def sign_labels(classes: int | None = None) -> Model:
    return SIGN_LABELS if classes is None else replace(SIGN_LABELS, name=f"sign labels(K={classes})", classes=classes)


def free(sizes: tuple[sp.Symbol, ...] = (), positive: frozenset = frozenset(), nonzero: frozenset = frozenset(),
         extents: tuple = ()) -> Model:
    """A user's own loss: no facts about labels or predictions (a t or y of the user's is any
    number, whatever its name), symbols drawn in (0.05, 0.95) and over the whole real line where
    ``positive`` stays positive;
    ``positive``: what the loss needs positive to be real (:func:`positive_in`);
    ``nonzero``: the symbols it divides by (:func:`divisors_in`);
    ``extents``: the length of each array the loss sums over (:func:`array_extents`)."""
    return Model("any values", frozenset(), False, sizes=sizes, unit_draws=True, positive=positive, nonzero=nonzero,
                 labels_and_predictions=False, extents=extents)


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


def row_model(model: Model | None) -> bool:
    """Whether the model is one of samples in rows (categorical, or Bernoulli with binary labels):
    its kernels take the model's output X and the targets T row by row."""
    return model is not None and (model.categorical or "binary_labels" in model.facts)
