"""Stable forms: each loss and gradient the kernels compute, rewritten by the catalogue's
stable-form rules (rules/85_stable_forms.toml) so floating point neither overflows, nor makes NaN,
nor loses the digits of a tiny loss.  Every step is proved equal like any other; the kernels in
:mod:`derive.kernels` are generated from these results (``derive show NAME --stable``)."""
from __future__ import annotations

from ..steps import Derivation
from ..strategies import apply, chain, continue_from, exhaust, run
from . import registry
from .titles import TITLES

STABLE_OF = {  # the derivation whose result each stable form rewrites
    "ce-stable": "ce",
    "bce-stable": "bce",
    "ce-softmax-stable": "ce-softmax",
    "bce-sigmoid-stable": "bce-sigmoid",
    "ce-softmax-grad-stable": "ce-softmax-grad",
    "ce-softmax-grad-targets-stable": "ce-softmax-grad",
    "bce-sigmoid-grad-stable": "bce-sigmoid-grad",
    "bce-options-sigmoid-stable": "bce-options-sigmoid",
    "bce-options-sigmoid-grad-stable": "bce-options-sigmoid-grad",
    **{f"{name}-softmax-stable": f"{name}-softmax" for name in ("ce-options", "ce-soft-options")},
    **{f"{name}-softmax-grad-stable": f"{name}-softmax-grad" for name in ("ce-options", "ce-soft-options")},
}


def _from(name: str):
    source = registry.get(STABLE_OF[name])
    return source, continue_from(source, source.models[-1])


def ce_stable() -> Derivation:
    """0 log 0 = 0: a class with label 0 contributes nothing, even with y = 0."""
    source, start = _from("ce-stable")
    return run("ce-stable", TITLES["ce-stable"], chain(start, exhaust("zero_log_zero")), source.models[-1])


def bce_stable() -> Derivation:
    source, start = _from("bce-stable")
    return run("bce-stable", TITLES["bce-stable"], chain(start, exhaust("zero_log_zero")), source.models[-1])


def ce_softmax_stable() -> Derivation:
    """The log-sum-exp shift by the row maximum, then log1p/expm1 for a loss next to 0."""
    source, start = _from("ce-softmax-stable")
    strategy = chain(start, apply("log_sum_exp_shift"), apply("log_sum_exp_as_log1p"))
    return run("ce-softmax-stable", TITLES["ce-softmax-stable"], strategy, source.models[-1])


def bce_sigmoid_stable() -> Derivation:
    source, start = _from("bce-sigmoid-stable")
    strategy = chain(start, apply("bce_of_logit"), exhaust("constant_factors"))
    return run("bce-sigmoid-stable", TITLES["bce-sigmoid-stable"], strategy, source.models[-1])


def ce_softmax_grad_stable() -> Derivation:
    """softmax written out and shifted by the row maximum; then, for one-hot labels, the labelled
    class's y - 1 as minus the other classes' probability (the last step needs one-hot labels:
    soft targets stop one step earlier)."""
    source, start = _from("ce-softmax-grad-stable")
    strategy = chain(start, apply("softmax_definition"), apply("softmax_shift"), apply("one_hot_complement"))
    return run("ce-softmax-grad-stable", TITLES["ce-softmax-grad-stable"], strategy, source.models[-1])


def ce_softmax_grad_targets_stable() -> Derivation:
    """For target probabilities (soft labels): softmax written out and shifted by the row maximum,
    and no more (the one-hot complement needs one-hot labels)."""
    source, start = _from("ce-softmax-grad-targets-stable")
    strategy = chain(start, apply("softmax_definition"), apply("softmax_shift"))
    return run("ce-softmax-grad-targets-stable", TITLES["ce-softmax-grad-targets-stable"], strategy, source.models[-1])


def bce_sigmoid_grad_stable() -> Derivation:
    source, start = _from("bce-sigmoid-grad-stable")
    strategy = chain(start, apply("sigmoid_minus_target"), exhaust("stable_sigmoid"))
    return run("bce-sigmoid-grad-stable", TITLES["bce-sigmoid-grad-stable"], strategy, source.models[-1])


def options_softmax_stable(name: str) -> Derivation:
    """``name`` (``ce-options-softmax-stable``...): the log-sum-exp shift by the row maximum (no
    log1p form: weighted or smoothed labels need not sum to one)."""
    source, start = _from(name)
    return run(name, TITLES[name], chain(start, apply("log_sum_exp_shift")), source.models[-1])


def options_softmax_grad_stable(name: str) -> Derivation:
    """``name`` (``ce-options-softmax-grad-stable``...): softmax written out and shifted by the row maximum."""
    source, start = _from(name)
    strategy = chain(start, apply("softmax_definition"), apply("softmax_shift"))
    return run(name, TITLES[name], strategy, source.models[-1])


def bce_options_sigmoid_stable() -> Derivation:
    """Each log of a sigmoid as minus a softplus (max(a, 0) + log(1 + e^{-|a|}))."""
    source, start = _from("bce-options-sigmoid-stable")
    strategy = chain(start, exhaust("stable_log_sigmoid"))
    return run("bce-options-sigmoid-stable", TITLES["bce-options-sigmoid-stable"], strategy, source.models[-1])


def bce_options_sigmoid_grad_stable() -> Derivation:
    """1 - sigma(z) as sigma(-z), then each sigmoid in the form that neither overflows nor cancels."""
    source, start = _from("bce-options-sigmoid-grad-stable")
    strategy = chain(start, exhaust("one_minus_sigmoid"), exhaust("stable_sigmoid"))
    return run("bce-options-sigmoid-grad-stable", TITLES["bce-options-sigmoid-grad-stable"], strategy, source.models[-1])
