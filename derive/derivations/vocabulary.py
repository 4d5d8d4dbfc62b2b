"""The words a declaration in ``rules/derivations/*.toml`` may use besides the catalogue's rules,
rulesets and the derivations and strategies declared: the models, the links, the steps ``recall``
may take up, the checks, the fields of each table.  Nothing here names a catalogue rule."""
from __future__ import annotations

from typing import Callable

import sympy as sp

from ..models import ANY_VALUES, BERNOULLI, LINKS, MOVING_AVERAGE, Model, categorical, counts_model, sign_labels
from ..steps import CheckKind, Step
from ..strategies import State, no_derivative_left

# a model by name; those that take a number of classes take it as ``classes``
MODELS: dict[str, Callable[..., Model]] = {
    "categorical": categorical,
    "counts": counts_model,
    "bernoulli": lambda: BERNOULLI,
    "moving_average": lambda: MOVING_AVERAGE,
    "any_values": lambda: ANY_VALUES,
    "sign_labels": sign_labels,
}
SIZED_MODELS = frozenset({"categorical", "counts", "sign_labels"})
LINK_NAMES = tuple(LINKS)
TARGETS = ("probabilities",)  # labels that are target probabilities rather than one-hot


def _stated_first_derivative(step: Step) -> bool:
    """A first derivative set equal to something, stated by a rule rather than by differentiating."""
    return (isinstance(step.lhs, sp.Derivative) and len(step.lhs.variables) == 1
            and step.check.how != CheckKind.DIFFERENTIATED)


# the earlier steps ``recall`` may take up again, by name
RECALLABLE: dict[str, Callable[[Step], bool]] = {"stated_first_derivative": _stated_first_derivative}
CHECKS: dict[str, Callable[[State], State]] = {"no_derivative_left": no_derivative_left}  # checks between steps
PARAMETER_TYPES = ("expression", "text")  # a named strategy's parameters: parsed, or a word as written
CONDITIONS = ("set", "link", "equation_has")  # ``when``/``unless``: a parameter given, the model's link, ...
EQUATION_HAS = ("sums",)

STEP_KINDS = ("apply", "exhaust", "strategy", "given", "continue_from", "use_model", "use_link", "recall", "check")
STEP_FIELDS = {  # besides its kind, each step may have ``when`` and ``unless``
    "apply": {"with", "required", "tag"},
    "exhaust": {"with", "tag"},
    "strategy": {"with"},
    "given": set(),
    "continue_from": {"model"},
    "use_model": set(),
    "use_link": set(),
    "recall": set(),
    "check": set(),
}
DERIVATION_FIELDS = {"name", "model", "steps", "parameters", "options", "symbols", "variant_name",
                     "cross_check", "lemma"}
STRATEGY_FIELDS = {"name", "parameters", "steps"}
FAMILY_FIELDS = {"rows", "derivation"}
MODEL_FIELDS = {"family", "of", "classes", "link", "linear_layer", "targets"}
SYMBOL_ASSUMPTIONS = ("real", "positive")
