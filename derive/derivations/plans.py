"""What a kernel computes, read from any derivation: the loss and its gradient, each in its stable
form (the catalogue's ``stable_forms`` ruleset: :func:`derive.derivations.stable.stable_form`), for
each kind of target the kernel takes.

A derivation whose result is a loss is differentiated here by the engine (the model's prediction
or logit component, with the same strategy as every gradient); a derivation whose result is a
gradient (it has a step differentiating both sides) brings its own, and its loss is the equation it
differentiated.  Nothing is looked up by the derivation's name and no step is taken by its position.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import sympy as sp

from .. import conventions as c
from ..errors import CodegenError
from ..languages import in_every_language
from ..models import Model, row_model
from ..steps import Derivation
from . import registry
from .gradients import gradient
from .stable import stable_form
from .targets import model_for_targets

DIFFERENTIATED = "differentiate_both_sides"  # the step that starts a gradient


@dataclass(frozen=True)
class Kind:
    """One kind of target: ``labels`` (integer class labels: one-hot), ``targets`` (probabilities
    for each class, or binary targets in [0, 1]); the loss and gradient in their stable forms
    under the model of those targets."""

    name: str
    labels: bool
    loss: Derivation
    gradient: Derivation


@dataclass(frozen=True)
class Plan:
    name: str  # the kernel's name (and its module's)
    model: Model
    wrt: sp.Basic  # the component the gradient is by
    loss: Derivation  # the loss as derived
    gradient: Derivation  # the gradient as derived
    kinds: tuple[Kind, ...]

    @property
    def categorical(self) -> bool:
        return self.model.categorical

    @property
    def variable(self) -> str:
        """``z`` (logits) or ``y`` (probabilities): the array the gradient is by."""
        return str(self.wrt.base) if isinstance(self.wrt, sp.Indexed) else str(self.wrt)

    def kind(self, name: str) -> Kind:
        return next(kind for kind in self.kinds if kind.name == name)

    def digest(self) -> str:
        """A hash of what the kernel computes (its stable loss and gradient for each kind)."""
        text = "|".join(f"{k.name}:{k.loss.result.rhs}:{k.gradient.result.rhs}" for k in self.kinds)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def model_variable(model: Model, loss: sp.Basic) -> sp.Basic:
    """The component a loss of ``model`` is differentiated by: the logit where the model has a
    link, else the prediction; (i, k) where the loss indexes it by sample and class (categorical,
    multi-label), i where by sample only."""
    base = c.z if model.link else c.y
    axes = {len(atom.indices) for atom in loss.atoms(sp.Indexed) if atom.base == base}
    if not axes:
        raise CodegenError(f"the loss has no {base}: nothing to differentiate by")
    return base[c.i, c.k] if max(axes) == 2 else base[c.i]


def loss_and_gradient(derivation: Derivation) -> tuple[Derivation, Derivation, sp.Basic]:
    """``(loss, gradient, wrt)``: the derivation's own differentiation where it has one (its loss:
    its steps up to the equation it differentiated), else its result differentiated by the model's
    component."""
    differentiated = [number for number, step in enumerate(derivation.steps) if step.rule == DIFFERENTIATED]
    if len(differentiated) > 1:
        raise CodegenError(f"{derivation.name} differentiates {len(differentiated)} times; a kernel computes a "
                           "loss and its gradient (compile the derivation of the loss or of its gradient)")
    if differentiated:
        number = differentiated[0]
        if number == 0:
            raise CodegenError(f"{derivation.name} starts by differentiating: its loss is not among its steps")
        loss = replace(derivation, name=f"{derivation.name}-loss", steps=derivation.steps[:number],
                       models=derivation.models[:number], cross_checks=())
        return loss, derivation, derivation.steps[number].check.variables[0]
    model = derivation.models[-1] if derivation.models else None
    if model is None or not row_model(model):
        raise CodegenError(f"{derivation.name} is a loss of no model with samples in rows; differentiate it "
                           "(derive.gradient) and compile the gradient")
    if derivation.result.rhs.has(sp.Derivative) or not isinstance(derivation.result.lhs, sp.Symbol):
        raise CodegenError(f"{derivation.name} ends in {derivation.result}, which is not a loss")
    wrt = model_variable(model, derivation.result.rhs)
    return derivation, gradient(derivation, wrt, with_sums=True), wrt


def kinds_of(model: Model) -> tuple[tuple[str, bool], ...]:
    """The kinds of target a model's kernel takes: a categorical model's integer labels and target
    probabilities, a binary model's targets; a user's loss has one (its own arrays)."""
    if model.categorical:
        return ("labels", True), ("targets", False)
    return (("targets", False),)


def plan_for(derivation: Derivation, name: str | None = None, kinds: tuple[str, ...] | None = None) -> Plan:
    """The plan of the kernel for ``derivation`` (a loss, or a loss's gradient): for each kind of
    target (all the model takes, or ``kinds``), the loss and the gradient in their stable forms."""
    loss, differentiated, wrt = loss_and_gradient(derivation)
    model = differentiated.models[-1]
    planned = []
    for kind, labels in kinds_of(model):
        if kinds is not None and kind not in kinds:
            continue
        kind_model = model_for_targets(model, model.categorical and not labels, differentiated)
        title = in_every_language("titles.of_kind", title=derivation.title, kind=kind)
        suffix = "" if kind == kinds_of(model)[0][0] else f"-{kind}"  # the first kind's names are plain
        stable_loss = stable_form(loss, f"{derivation.name}-loss-stable{suffix}", title, kind_model)
        stable_gradient = stable_form(differentiated, f"{derivation.name}-gradient-stable{suffix}", title, kind_model)
        planned.append(Kind(kind, labels, stable_loss, stable_gradient))
    return Plan(name or derivation.name, model, wrt, loss, differentiated, tuple(planned))


def built_in_plan(name: str, kinds: tuple[str, ...] | None = None) -> Plan:
    """The plan of the built-in derivation ``name`` (:class:`~derive.errors.UnknownDerivation` if none)."""
    return plan_for(registry.get(name), kinds=kinds)


def kernel_name(derivation: Derivation, make_plan) -> str:
    """The kernel's name: the built-in's own where ``derivation`` is that built-in or another route
    to its result, else the derivation's name with the digest of its plan (``make_plan()``)."""
    built_in = derivation.name in registry.names() and registry.get(derivation.name).result == derivation.result
    return derivation.name if built_in else f"{derivation.name}_{make_plan().digest()}"
