"""Losses with PyTorch's options, each derived from a likelihood of its own: class weights
(``weight``), samples left out (``ignore_index``), smoothed labels (``label_smoothing``), and all
three at once, the loss the options kernel computes (through softmax, its gradient, and their
stable forms in :mod:`.stable`).  The premises are catalogue rules; with every option off each
likelihood is proved to be the categorical one (:mod:`derive.premises`)."""
from __future__ import annotations

from .. import conventions as c
from ..models import BERNOULLI, categorical
from ..steps import Derivation
from ..strategies import apply, chain, exhaust, run
from . import registry
from .gradients import gradient_of, with_link
from .titles import TITLES

CE_OPTIONS = {  # name -> (the likelihood's premise rule, the mean's definition)
    "ce-weighted": ("weighted_categorical_likelihood", "weighted_mean_cross_entropy_definition"),
    "ce-ignore-index": ("masked_categorical_likelihood", "masked_mean_cross_entropy_definition"),
    "ce-label-smoothing": ("smoothed_categorical_likelihood", "mean_cross_entropy_definition"),
    "ce-options": ("categorical_likelihood_with_options", "options_mean_cross_entropy_definition"),
    # target probabilities: PyTorch's mean is then over N whatever the weights
    "ce-soft-options": ("weighted_smoothed_likelihood", "mean_cross_entropy_definition"),
}
KERNEL_LOSSES = ("ce-options", "ce-soft-options")  # compiled (derive.kernels.options), through softmax

BCE_OPTIONS = {  # name -> the likelihood's premise rule; the mean is over every label of every sample
    "bce-multilabel": "multilabel_bernoulli_likelihood",
    "bce-pos-weight": "pos_weighted_bernoulli_likelihood",
    "bce-weighted": "weighted_bernoulli_likelihood",
    "bce-options": "bernoulli_likelihood_with_options",
}


def ce_with_options(name: str) -> Derivation:
    """The likelihood of ``name``'s options, its logarithm by the log rules, and the mean PyTorch takes."""
    premise, mean = CE_OPTIONS[name]
    strategy = chain(apply(premise), apply("take_logarithm"), exhaust("log_rules"), apply(mean))
    return run(name, TITLES[name], strategy, categorical())


def bce_with_options(name: str) -> Derivation:
    """Several labels per sample (K of them) with ``name``'s options: the likelihood, its logarithm,
    PyTorch's mean over the N K labels."""
    strategy = chain(apply(BCE_OPTIONS[name]), apply("take_logarithm"), exhaust("log_rules"),
                     apply("mean_multilabel_binary_cross_entropy_definition"))
    return run(name, TITLES[name], strategy, BERNOULLI)


def sigmoid_of(name: str) -> Derivation:
    return with_link(registry.get(name), "sigmoid", f"{name}-sigmoid")


def sigmoid_gradient_of(name: str) -> Derivation:
    return gradient_of(registry.get(name), c.z[c.i, c.k], BERNOULLI, f"{name}-sigmoid-grad", link="sigmoid")


def softmax_of(name: str) -> Derivation:
    """``name`` (one of ``KERNEL_LOSSES``) written in the logits: ``ce-options-softmax``."""
    return with_link(registry.get(name), "softmax", f"{name}-softmax")


def softmax_gradient_of(name: str) -> Derivation:
    """Differentiated like ce-softmax-grad; a normaliser written twice with other index names
    (a sum over the samples) is then one factor: ``ce-options-softmax-grad``."""
    return gradient_of(registry.get(name), c.z[c.i, c.k], categorical(), f"{name}-softmax-grad",
                       link="softmax", with_sums=True)
