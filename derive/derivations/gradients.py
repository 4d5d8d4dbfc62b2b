"""Gradients step by step: by the probabilities, through softmax and the sigmoid, as matrices,
through a linear layer, and the softmax Hessian.  Each starts from an earlier derivation's result."""
from __future__ import annotations

from dataclasses import replace

import sympy as sp

from .. import conventions as c
from ..gradient_checks import cross_check_gradient
from ..models import BERNOULLI, Model, categorical
from ..steps import Derivation
from ..strategies import Strategy, apply, chain, continue_from, differentiate, exhaust, run, use_model
from . import registry
from .titles import TITLES


LINK_RULES = {"softmax": "softmax_definition", "sigmoid": "sigmoid_definition"}


def through_link(link: str | None, model: Model) -> Strategy:
    """Make the model output logits: write y through the link and simplify what it gives."""
    if link is None:
        return chain()
    linked = model.with_link(link)
    simplify = exhaust("log_softmax") if link == "softmax" else chain()
    return chain(use_model(linked), apply(LINK_RULES[link]), simplify)


def gradient_of(derivation: Derivation, wrt: sp.Basic, model: Model, name: str,
                link: str | None = None, title: dict | None = None, with_sums: bool = False) -> Derivation:
    """Differentiate ``derivation``'s result by ``wrt``, through ``link`` if the model outputs logits.
    Through a link it starts from the loss written in the logits (``ce-softmax`` for ``ce``), citing
    that derivation's result in one step rather than replaying its steps.  ``with_sums``: tidy up
    once more with each sum taken as one quantity."""
    start, linked = (written_in_logits(derivation, link), model.with_link(link)) if link else (derivation, model)
    strategy = chain(
        continue_from(start, linked),
        differentiate(wrt),
        apply("recognise_softmax", required=False) if "softmax" in (link, model.link) else chain(),
        apply("algebraic_simplification", required=False),
        # each sum as one quantity: a normaliser written twice with other index names becomes one factor
        _with_sums_left if with_sums else chain(),
    )
    title = title or TITLES[name]
    gradient = run(name, title, strategy, linked)
    checks = cross_check_gradient(derivation.result, gradient.result, wrt, linked)
    return replace(gradient, cross_checks=checks)


def _with_sums_left(state):
    """Tidy once more with each sum taken as one quantity, where a sum is left to tidy."""
    if not state.equation.rhs.has(sp.Sum):
        return state
    return apply("algebraic_simplification", required=False, with_sums=True)(state)


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
    title = TITLES.get(name) or {"en": f"{derivation.title['en']}, written in the logits through {link}",
                                 "ja": f"{derivation.title['ja']} ({link} を通してロジットで書く)"}
    return run(name, title, chain(continue_from(derivation, model), through_link(link, model)), model)


def gradient(derivation: Derivation, wrt: sp.Basic, link: str | None = None, with_sums: bool = False) -> Derivation:
    """Differentiate any derivation's result by ``wrt`` with the same strategies as the built-ins
    (``with_sums``: as :func:`gradient_of`)."""
    model = derivation.models[-1] if derivation.models else categorical()
    if model.link:  # already written in the logits
        link, model = None, replace(model, link=None, name=model.name.rsplit(":", 1)[0]).with_link(model.link)
    name = f"{derivation.name}-gradient"
    from ..printing.latex_expr import latex
    title = {"en": f"Gradient of {derivation.name} by ${latex(wrt)}$", "ja": f"{derivation.name} の ${latex(wrt)}$ に関する勾配"}
    return gradient_of(derivation, wrt, model, name, link=link, title=title, with_sums=with_sums)


def ce_softmax() -> Derivation:
    return with_link(registry.get("ce"), "softmax", "ce-softmax")


def bce_sigmoid() -> Derivation:
    return with_link(registry.get("bce"), "sigmoid", "bce-sigmoid")


def ce_grad() -> Derivation:
    return gradient_of(registry.get("ce"), c.y[c.i, c.k], categorical(), "ce-grad")


def bce_grad() -> Derivation:
    return gradient_of(registry.get("bce"), c.y[c.i], BERNOULLI, "bce-grad")


def ce_softmax_grad() -> Derivation:
    return gradient_of(registry.get("ce"), c.z[c.i, c.k], categorical(), "ce-softmax-grad", link="softmax")


def bce_sigmoid_grad() -> Derivation:
    return gradient_of(registry.get("bce"), c.z[c.i], BERNOULLI, "bce-sigmoid-grad", link="sigmoid")


def ce_matrix_grad() -> Derivation:
    """The softmax gradient as a matrix; then through a linear layer Z = XW: the loss in the
    logits with z_ik = sum_f x_if W_fk, differentiated by W_dk in index form, then as a matrix."""
    model = categorical().with_link("softmax")
    linear = model.with_linear_model()
    loss = registry.get("ce").result
    strategy = chain(
        continue_from(registry.get("ce-softmax-grad"), model),
        apply("gradient_as_matrix", loss=loss),
        continue_from(registry.get("ce-softmax"), linear),
        apply("linear_layer_definition", avoid=(c.d,)),
        differentiate(c.W[c.d, c.k]),
        exhaust("recognise_links"),
        apply("gradient_as_matrix", loss=loss),
    )
    return run("ce-matrix-grad", TITLES["ce-matrix-grad"], strategy, model)


def ce_one_sample_softmax() -> Derivation:
    return with_link(registry.get("ce-one-sample"), "softmax", "ce-one-sample-softmax")


def softmax_hessian() -> Derivation:
    """One sample: the gradient y - t by the logits, differentiated again, then as a matrix."""
    model = categorical().with_link("softmax")
    one_sample = registry.get("ce-one-sample")
    strategy = chain(
        continue_from(registry.get("ce-one-sample-softmax"), model),
        differentiate(c.z[c.k]),
        apply("recognise_softmax", required=False),
        apply("algebraic_simplification", required=False),
        differentiate(c.z[c.m]),
        apply("algebraic_simplification", required=False),
        apply("hessian_as_matrix", loss=one_sample.result),
    )
    return run("softmax-hessian", TITLES["softmax-hessian"], strategy, model)
