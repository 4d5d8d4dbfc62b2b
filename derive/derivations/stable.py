"""Stable forms for any derivation, built-in or a user's: its result rewritten by the named
strategy ``stable_forms`` (rules/derivations/00_strategies.toml: the catalogue's ``stable_forms``
ruleset wherever one of its patterns occurs, then each sigmoid by the sign of its argument), so
floating point neither overflows, nor makes NaN, nor loses the digits of a tiny loss.  Which rules
apply is decided by their patterns and conditions (a rule that needs one-hot labels does not apply
for target probabilities), not by the derivation's name.  The built-in stable forms are declared
in rules/derivations/40_stable.toml; the kernels in :mod:`derive.kernels` compute these results."""
from __future__ import annotations

from ..languages import in_every_language
from ..models import Model
from ..steps import Derivation
from ..strategies import chain, continue_from, run
from .runner import named_strategy


def stable_form(derivation: Derivation, name: str, title: dict, model: Model | None = None) -> Derivation:
    """``derivation``'s result in its stable form: a derivation of its own, every step verified."""
    model = model or derivation.models[-1]
    return run(name, title, chain(continue_from(derivation, model), named_strategy("stable_forms")), model)


def other_classes_form(derivation: Derivation) -> Derivation | None:
    """``derivation`` (a stable form) continued with each sum over the classes other than the
    sample's written as the sum over every class less the sample's term (the catalogue's rule
    ``sum_over_other_classes``, proved for every size): the alternative form ``--stable`` shows and
    the kernels may compute instead, row by row at run time, where the sample's term is at most half
    the sum (there it cannot cancel).  ``None`` where no such sum is left."""
    model = derivation.models[-1]
    title = in_every_language("titles.other_classes", title=derivation.title)
    alternative = run(f"{derivation.name}-other-classes", title, chain(continue_from(derivation, model), named_strategy("other_classes")), model)
    return alternative if len(alternative.steps) > 1 else None
