"""The gradient of any derivation and any loss written in the logits, by the named strategies the
built-ins use (``gradient``, ``gradient_with_sums``, ``through_link`` in
rules/derivations/00_strategies.toml).  The built-in gradients are declared in
rules/derivations/20_gradients.toml."""
from __future__ import annotations

from dataclasses import replace

import sympy as sp

from .. import extensions
from ..gradient_checks import cross_check_gradient
from ..languages import in_every_language, titles
from ..models import Model, categorical
from ..steps import Derivation
from ..strategies import chain, continue_from, run
from . import registry
from .runner import named_strategy, title_of


def gradient_of(derivation: Derivation, wrt: sp.Basic, model: Model, name: str,
                link: str | None = None, title: dict | None = None, with_sums: bool = False) -> Derivation:
    """Differentiate ``derivation``'s result by ``wrt``, through ``link`` if the model outputs logits.
    Through a link it starts from the loss written in the logits (``ce-softmax`` for ``ce``), citing
    that derivation's result in one step rather than replaying its steps.  ``with_sums``: tidy up
    once more with each sum taken as one quantity."""
    start, linked = (written_in_logits(derivation, link), model.with_link(link)) if link else (derivation, model)
    strategy = chain(continue_from(start, linked),
                     named_strategy("gradient_with_sums" if with_sums else "gradient", wrt=wrt))
    gradient = run(name, title or title_of(name), strategy, linked)
    checks = cross_check_gradient(derivation.result, gradient.result, wrt, linked)
    return replace(gradient, cross_checks=checks)


def written_in_logits(derivation: Derivation, link: str) -> Derivation:
    """``derivation`` continued through ``link``: the built-in of that name (``ce`` through softmax
    is ``ce-softmax``) where it continues this very derivation, else derived here."""
    name = f"{derivation.name}-{link}"
    if name in registry.names():
        built_in = registry.get(name)
        if built_in.steps[0].check.derivation is derivation:
            return built_in
    return with_link(derivation, link, name)


def with_link(derivation: Derivation, link: str, name: str) -> Derivation:
    """The loss written in the logits: continue ``derivation`` through softmax or the sigmoid."""
    model = derivation.models[-1] if derivation.models else categorical()
    title = titles(name) or in_every_language("titles.through_link", title=derivation.title, link=link)
    strategy = chain(continue_from(derivation, model), named_strategy("through_link", link=link))
    return run(name, title, strategy, model)


def gradient(derivation: Derivation, wrt: sp.Basic, link: str | None = None, with_sums: bool = False) -> Derivation:
    """Differentiate any derivation's result by ``wrt`` with the same strategies as the built-ins
    (``with_sums``: as :func:`gradient_of`)."""
    model = derivation.models[-1] if derivation.models else categorical()
    if model.link:  # already written in the logits
        link, model = None, replace(model, link=None, name=model.name.rsplit(":", 1)[0]).with_link(model.link)
    name = f"{derivation.name}-gradient"
    wrt_latex = extensions.call("expression_latex", wrt)  # the printers' notation, reached by registration
    title = in_every_language("titles.gradient_by", name=derivation.name, wrt=wrt_latex)
    return gradient_of(derivation, wrt, model, name, link=link, title=title, with_sums=with_sums)
