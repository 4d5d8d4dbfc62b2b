"""What a derivation relied on of its model, and the model for target probabilities that keeps
exactly that: the stable forms and the kernels for soft targets are derived under it."""
from __future__ import annotations

from ..catalogue import active_directory, load_catalogue
from ..models import Model
from ..steps import Derivation
from . import registry


def facts_relied_on(derivation: Derivation) -> frozenset[str]:
    """The model's facts the derivation's steps used (a rule's ``requires`` and the facts its
    conditions name), through every derivation it continues from."""
    catalogue = load_catalogue(active_directory())
    facts: set[str] = set()
    for step in derivation.steps:
        rule = catalogue.get(step.rule)
        if rule is not None:
            facts |= set(rule.requires) | {condition.fact for condition in rule.conditions if condition.fact}
        cited = step.check.derivation
        if cited is None and step.check.name in registry.names():
            cited = registry.get(step.check.name)
        if isinstance(cited, Derivation):
            facts |= facts_relied_on(cited)
    return frozenset(facts)


def model_for_targets(model: Model, target_probabilities: bool, derivation: Derivation | None = None) -> Model:
    """``model``, or for target probabilities the same model without one-hot labels (so the rules
    that need them, such as the one-hot complement, do not apply), and without labels summing to
    one unless ``derivation`` relied on that (then its result holds only for such targets, and the
    stable forms may use it too: log1p of the log-sum-exp)."""
    if not target_probabilities:
        return model
    summing = derivation is None or "labels_sum_to_one" in facts_relied_on(derivation)
    return model.with_target_probabilities(summing)
