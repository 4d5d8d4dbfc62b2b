"""Prove for every size that a likelihood gives each outcome its probability.

Samples are independent, so the likelihood is a product over the samples of one factor each, and
the claim is about that factor with a symbolic sample index: for a categorical model,
``∏_k y_k^{t_k}`` with the label one-hot in a class ``h`` (``t_k = δ(k, h)``, any ``h`` from 1 to
K) is ``y_h``; for a Bernoulli model, ``y^t (1 - y)^{1 - t}`` is ``y`` at ``t = 1`` and ``1 - y``
at ``t = 0``.  The categorical factor is proved through its logarithm (every ``y`` is positive):
``∑_k δ(k, h) log y_k``, whose one term left is ``log y_h``.
"""
from __future__ import annotations

import sympy as sp

from . import conventions as c
from .expression_paths import nested_view
from .symbolic_proofs import inside_ranges


WITH_OPTIONS = "_with_options"  # the suffix of a premise check whose likelihood carries PyTorch's options


def options_off(likelihood: sp.Basic) -> sp.Basic:
    """The likelihood with every option off: each weight and mask 1 (``w``, ``rho``, ``c``) and no
    smoothing (``q`` is the label ``t``)."""
    def off(atom: sp.Indexed) -> sp.Basic:
        return c.t[atom.indices] if atom.base == c.q else sp.S.One
    options = {a: off(a) for a in likelihood.atoms(sp.Indexed) if a.base in (c.w, c.rho, c.c_mask, c.q)}
    return likelihood.xreplace(options)


def likelihood_gives_outcome_probabilities(likelihood: sp.Basic, categorical: bool) -> bool:
    """Whether every factor of ``likelihood`` gives each outcome of its sample its probability,
    for every number of samples and classes."""
    factor = nested_view(likelihood)
    while isinstance(factor, sp.Product) and _over_samples(factor, categorical):
        factor = factor.function
    if categorical:
        return _categorical_factor(factor)
    return _bernoulli_factor(factor)


def _over_samples(product: sp.Product, categorical: bool) -> bool:
    """A product over independent outcomes: for a categorical model, one whose index is a label's
    first of two (the samples); for a Bernoulli model, one whose index is any label's (the samples,
    and the labels of each sample)."""
    (variable, _, _), = product.limits
    labels = [a for a in product.function.atoms(sp.Indexed) if a.base == c.t]
    if not categorical:  # every label its own coin flip (several labels per sample: each flip is independent)
        return any(variable in a.indices for a in labels)
    return any(len(a.indices) == 2 and a.indices[0] == variable for a in labels)


def _categorical_factor(factor: sp.Basic) -> bool:
    if not isinstance(factor, sp.Product):
        return False
    (k, low, high), = factor.limits
    labels = [a for a in factor.function.atoms(sp.Indexed) if a.base == c.t]
    predictions = [a for a in factor.function.atoms(sp.Indexed) if a.base == c.y]
    if not labels or not predictions or any(a.indices[-1] != k for a in labels + predictions):
        return False
    row = labels[0].indices[:-1]
    if any(a.indices[:-1] != row for a in labels + predictions):
        return False
    h = sp.Dummy("h", integer=True)
    logs = sp.expand_log(sp.log(factor.function))  # log y^t = t log y, where y is known positive (never forced)
    onehot = logs.xreplace({a: sp.KroneckerDelta(k, h) for a in labels})
    collapsed = sp.Sum(onehot, (k, low, high)).doit()
    kept = inside_ranges(collapsed, {h: (low, high)})
    return sp.simplify(kept - sp.log(c.y[row + (h,)])) == 0


def _bernoulli_factor(factor: sp.Basic) -> bool:
    labels = {a for a in factor.atoms(sp.Indexed) if a.base == c.t} or ({c.t_scalar} & factor.free_symbols)
    predictions = {a for a in factor.atoms(sp.Indexed) if a.base == c.y} or ({c.y_scalar} & factor.free_symbols)
    if len(labels) != 1 or len(predictions) != 1:
        return False
    (t,), (y,) = labels, predictions
    return sp.simplify(factor.xreplace({t: 1}) - y) == 0 and sp.simplify(factor.xreplace({t: 0}) - (1 - y)) == 0
