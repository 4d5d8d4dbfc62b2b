"""The one description of a kernel that every array backend prints (:mod:`.array_printer`):
what it reads, the loss and the gradient in their verified stable forms, what the gradient is by,
and, where the loss is a multiple of a sum over samples, that sum's per-sample term.

It is read from a plan (:func:`derive.derivations.plans.plan_for`, reached here through the plan's
own attributes: the kernels' layer does not import the derivations'): nothing is written per
loss, and no rewrite is made that a verified step did not make.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .. import conventions as c
from .class_index import as_label_indicators, reads_classes
from .shift import outer_terms
from .generated import sums_to_one
from .kernel_layout import Layout, layout
from .user_printer import identifier, parameter_identifier

SAMPLES = "N"  # the size a loss over samples sums to: Σ_{i=1}^{N} (derive.conventions.N, or a user's N)


@dataclass(frozen=True)
class Samples:
    """``loss = coefficient · Σ_{index=1}^{size} term``: the loss's sum over samples, ``coefficient``
    the power of N in front (1/N, or 1).  ``term`` is ℓ_index, the per-sample loss the reductions ``"mean"``, ``"sum"`` and ``"none"`` are made of
    (as :func:`derive.kernels.codegen.per_sample` takes 1/N off)."""

    index: sp.Symbol
    size: sp.Symbol
    coefficient: sp.Basic
    term: sp.Basic


@dataclass(frozen=True)
class KernelIR:
    """One kernel: ``labels`` names the arrays given as integer class labels (the last axis of
    such an array is one-hot: ``t_ik`` is 1 where ``k`` is the label of row ``i``).

    What the built-in row generators read besides (:func:`.row_spec.spec_of` reads it here, so
    the data is in one place): ``categorical`` (classes along a row, a categorical model's, or one
    entry per sample) and ``targets_sum_to_one`` (a fact the stable loss was derived under, which
    the row kernels check of their inputs)."""

    name: str
    loss: sp.Basic
    gradient: sp.Basic
    layout: Layout
    labels: frozenset = frozenset()
    samples: Samples | None = None
    categorical: bool = False
    targets_sum_to_one: bool = False

    @property
    def wrt(self) -> sp.Basic:
        return self.layout.wrt

    @property
    def arrays(self) -> list[sp.IndexedBase]:
        return sorted(self.layout.arrays, key=str)

    @property
    def inputs(self) -> tuple[str, ...]:
        """The keyword names the kernel takes, as :class:`.user_kernels.UserKernel` names them."""
        return tuple(identifier(b) for b in self.arrays) + \
            tuple(parameter_identifier(s) for s in self.layout.scalars) + \
            tuple(identifier(ix) for ix in self.layout.indices)

    @property
    def by(self) -> str | None:
        """The input the derived gradient is by (``None``: by nothing the kernel reads)."""
        wrt = self.wrt
        if isinstance(wrt, sp.Indexed) and wrt.base in self.layout.arrays:
            return identifier(wrt.base)
        if wrt in self.layout.scalars:
            return parameter_identifier(wrt)
        return None

    @property
    def by_every_component(self) -> bool:
        """The gradient is an array like the input it is by (``z_j``), not one named component
        (``z_{2}``) nor a scalar."""
        wrt = self.wrt
        return isinstance(wrt, sp.Indexed) and not all(index.is_Integer for index in wrt.indices)


def kernel_ir(name: str, loss: sp.Basic, gradient: sp.Basic, wrt: sp.Basic, labels: bool = False,
              categorical: bool = False, targets_sum_to_one: bool = False) -> KernelIR | None:
    """The IR of a loss and its derived gradient (both stable forms).  ``labels``: the loss is a
    categorical one whose targets ``t`` come as integer labels (a plan's ``labels`` kind): ``None``
    where it reads no targets ``t`` with a class axis (its kernel of target probabilities is the one).
    The stable forms of integer labels read each sample's class ``ℓ_i`` (:mod:`.class_index`): its
    indicators ``δ(k, ℓ_i)`` are the labels ``t_ik``, and the labels are an input like the outputs'."""
    classes = labels and (reads_classes(loss) or reads_classes(gradient))
    if classes:
        loss, gradient = as_label_indicators(loss), as_label_indicators(gradient)
    arrays = layout(loss, gradient, wrt)
    if classes and isinstance(wrt, sp.Indexed) and wrt.base in arrays.arrays:  # t_ik for every class k, read or not
        arrays.arrays.setdefault(next((b for b in arrays.arrays if str(b) == "t"), c.t), arrays.arrays[wrt.base])
    labelled = frozenset(base for base in arrays.arrays if labels and str(base) == "t" and len(arrays.arrays[base]) >= 1)
    if labels and not labelled:
        return None
    samples = over_samples(loss)
    if samples is not None and isinstance(wrt, sp.Indexed) and samples.index in wrt.indices and \
            arrays.arrays.get(wrt.base, ())[list(wrt.indices).index(samples.index)] != samples.size:
        index = sp.Dummy("i", integer=True)  # the samples' letter is the gradient's for another axis
        samples = Samples(index, samples.size, samples.coefficient, samples.term.xreplace({samples.index: index}))
    return KernelIR(name, loss, gradient, arrays, labelled, samples, categorical, targets_sum_to_one)


def numba_ir(plan) -> KernelIR:
    """The IR the Numba backend prints as loops (:mod:`.loop_printer`) for a plan that the row
    kernels do not take: its first kind's, with every array read as numbers (a categorical
    built-in's one-hot targets included), as :func:`plan_irs` gives it for a user's loss.  Read as
    numbers, one-hot targets are rows of t: each stable form is taken before it reads the samples'
    classes ℓ_i (the last of its verified steps that does not)."""
    kind = plan.kinds[0]
    ir = plan_irs(plan).get(kind.name)
    if ir is None or ir.labels:
        loss, gradient = (_before_classes(derivation) for derivation in (kind.loss, kind.gradient))
        ir = kernel_ir(f"{plan.name}-{kind.name}", loss, gradient, plan.wrt,
                       categorical=plan.categorical, targets_sum_to_one=sums_to_one(kind))
    assert ir is not None  # no labels asked for: an IR always
    return ir


def _before_classes(derivation) -> sp.Basic:
    """The right side of the last step of ``derivation`` that reads no sample's class ℓ_i."""
    return next(step.equation.rhs for step in reversed(derivation.steps) if not reads_classes(step.equation.rhs))


def plan_irs(plan) -> dict[str, KernelIR]:
    """The IR of each kind of target of a plan (``labels``, ``targets``), by the kind's name."""
    irs = {kind.name: kernel_ir(f"{plan.name}-{kind.name}", kind.loss.result.rhs, kind.gradient.result.rhs,
                                plan.wrt, kind.labels, plan.categorical, sums_to_one(kind))
           for kind in plan.kinds}
    return {name: ir for name, ir in irs.items() if ir is not None}


def over_samples(loss: sp.Basic) -> Samples | None:
    """The loss as ``c · Σ_{i=1}^{N} ℓ_i`` where every additive term is a multiple (free of ``i``;
    the terms' multiples differing by no power of ``N``) of a sum whose outermost index runs from 1
    to ``N``; ``None`` where it is not (a one-sample loss, a Dice loss's ratio of sums)."""
    index = None
    size = None
    parts = []
    for term in outer_terms(loss):
        sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Sum)]
        if len(sums) != 1:
            return None
        (total,) = sums
        variable, lower, upper = total.limits[-1]
        if lower != 1 or not (isinstance(upper, sp.Symbol) and upper.name == SAMPLES):
            return None
        if size is not None and upper != size:
            return None
        size = upper
        coefficient = term / total
        if coefficient.has(variable):
            return None
        inner = total.function if len(total.limits) == 1 else sp.Sum(total.function, *total.limits[:-1])
        index = index or variable
        parts.append((coefficient, inner.xreplace({variable: index})))
    if size is None:
        return None
    first = parts[0][0].as_independent(size, as_Add=False)[1]  # 1/N (or 1): a sign or a weight stays in ℓ_i
    ratios = [sp.simplify(factor / first) for factor, _ in parts]
    if any(ratio.has(size) for ratio in ratios):  # 1/N Σ a + Σ b: no one per-sample term
        return None
    return Samples(index, size, first, sp.Add(*[ratio * inner for ratio, (_, inner) in zip(ratios, parts)]))
