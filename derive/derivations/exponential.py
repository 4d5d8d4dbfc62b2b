"""The exponential's rules at work (issue 19): the sigmoid and softmax written through them.

The laws themselves (e^{a+b} = e^a e^b, e^{a-b} = e^a/e^b, (e^a)^b = e^{ab}, e^0 = 1, log e^a = a,
e^{log x} = x) are catalogue rules, each proved for every value; ``exp-derivative`` derives
d/dx e^x = e^x from the limit definition.  Here they rewrite the two links: the sigmoid over
e^x, softmax as a function of differences of logits only, and so its log."""
from __future__ import annotations

import sympy as sp

from .. import conventions as c
from ..models import ANY_VALUES, categorical
from ..steps import Derivation
from ..strategies import apply, chain, exhaust, run, use_model
from .titles import TITLES


def exp_rules(classes: int | None = None) -> Derivation:
    """σ(x) = e^x/(e^x + 1); y_k = 1/Σ_l e^{z_l − z_k} (a shift of every logit changes nothing),
    so log y_k = −log Σ_l e^{z_l − z_k}.  ``classes``: a softmax over that many classes."""
    x = sp.Symbol("x", real=True)
    softmax_model = categorical(classes).with_link("softmax")
    strategy = chain(
        apply("sigmoid_as_exp", at=x),
        apply("sigmoid_numerator_exp"),
        use_model(softmax_model),
        apply("softmax_as_exp", at=c.k),
        apply("exp_over_sum_of_exps"),
        apply("take_logarithm"),
        exhaust("log_rules"),
    )
    name = "exp-rules" if classes is None else f"exp-rules-{classes}"
    return run(name, TITLES["exp-rules"], strategy, ANY_VALUES)
