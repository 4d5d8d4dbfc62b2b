"""Stable forms for any derivation, built-in or a user's: its result rewritten by the named
strategy ``stable_forms`` (rules/derivations/00_strategies.toml: the catalogue's ``stable_forms``
ruleset wherever one of its patterns occurs, then each sigmoid by the sign of its argument), so
floating point neither overflows, nor makes NaN, nor loses the digits of a tiny loss.  Which rules
apply is decided by their patterns and conditions (a rule that needs one-hot labels does not apply
for target probabilities), not by the derivation's name.  The built-in stable forms are declared
in rules/derivations/40_stable.toml; the kernels in :mod:`derive.kernels` compute these results."""
from __future__ import annotations

from ..models import Model
from ..steps import Derivation
from ..strategies import chain, continue_from, run
from . import registry


def facts_relied_on(derivation: Derivation) -> frozenset[str]:
    """The model's facts the derivation's steps used (a rule's ``requires`` and the facts its
    conditions name), through every derivation it continues from."""
    from ..catalogue import active_directory, load_catalogue

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


def stable_form(derivation: Derivation, name: str, title: dict, model: Model | None = None) -> Derivation:
    """``derivation``'s result in its stable form: a derivation of its own, every step verified."""
    from .runner import named_strategy

    model = model or derivation.models[-1]
    return run(name, title, chain(continue_from(derivation, model), named_strategy("stable_forms")), model)
