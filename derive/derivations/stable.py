"""Stable forms: each loss and gradient the kernels compute, rewritten by the catalogue's
``stable_forms`` ruleset wherever one of its patterns occurs (rules/85_stable_forms.toml, listed in
rules/95_rulesets.toml), then each sigmoid by the sign of its argument, so floating point neither
overflows, nor makes NaN, nor loses the digits of a tiny loss.  One strategy for every derivation,
built-in or a user's: which rules apply is decided by their patterns and conditions (a rule that
needs one-hot labels does not apply for target probabilities), not by the derivation's name.
Every step is proved equal like any other; the kernels in :mod:`derive.kernels` compute these
results (``derive show NAME --stable``)."""
from __future__ import annotations

from ..models import Model
from ..steps import Derivation
from ..strategies import Strategy, chain, continue_from, exhaust, run
from . import registry
from .titles import TITLES

# the built-in derivations shown in their stable form (``derive list``): name -> (the derivation
# whose result it rewrites, whether the labels are target probabilities rather than one-hot)
STABLE_OF = {
    "ce-stable": ("ce", False),
    "bce-stable": ("bce", False),
    "ce-softmax-stable": ("ce-softmax", False),
    "bce-sigmoid-stable": ("bce-sigmoid", False),
    "ce-softmax-grad-stable": ("ce-softmax-grad", False),
    "ce-softmax-grad-targets-stable": ("ce-softmax-grad", True),
    "bce-sigmoid-grad-stable": ("bce-sigmoid-grad", False),
    "bce-options-sigmoid-stable": ("bce-options-sigmoid", False),
    "bce-options-sigmoid-grad-stable": ("bce-options-sigmoid-grad", False),
    "ce-options-softmax-stable": ("ce-options-softmax", False),
    "ce-options-softmax-grad-stable": ("ce-options-softmax-grad", False),
    "ce-soft-options-softmax-stable": ("ce-soft-options-softmax", True),
    "ce-soft-options-softmax-grad-stable": ("ce-soft-options-softmax-grad", True),
}


def stable_strategy() -> Strategy:
    """The stable-form rules wherever they apply, then every sigmoid in the form that neither
    overflows nor cancels (a phase of its own: written out, a sigmoid would be recognised again)."""
    return chain(exhaust("stable_forms"), exhaust("stable_sigmoid"))


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
        if cited is not None:
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
    model = model or derivation.models[-1]
    return run(name, title, chain(continue_from(derivation, model), stable_strategy()), model)


def built_in(name: str) -> Derivation:
    """The built-in stable form ``name`` (a key of ``STABLE_OF``)."""
    source_name, target_probabilities = STABLE_OF[name]
    source = registry.get(source_name)
    return stable_form(source, name, TITLES[name], model_for_targets(source.models[-1], target_probabilities, source))
