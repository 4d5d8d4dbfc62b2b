"""The built-in derivations of the series, each a strategy over the catalogue with a stable name.

Each builder takes the model's parameters (number of classes, a likelihood of the user's own) so a
changed model gives new steps with no new code.  Equation tags are the series' numbers.
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Callable

import sympy as sp

from . import conventions as c
from .errors import UnknownDerivation
from .gradient_checks import cross_check_gradient
from .models import ANY_VALUES, BERNOULLI, Model, categorical
from .steps import Derivation, Equation
from .strategies import Strategy, apply, chain, continue_from, differentiate, exhaust, given, run, use_model

LOG_RULES = ("log_of_finite_product", "log_of_product", "log_of_quotient", "log_of_power")
DICE_FACES = 6


TITLES: dict[str, dict[str, str]] = {
    "ce-one-sample": {"en": "Cross-entropy of one sample from the categorical likelihood",
             "ja": "カテゴリカル分布の尤度から導く交差エントロピー (標本 1 件)"},
    "ce": {"en": "Cross-entropy over N samples from the categorical likelihood",
             "ja": "カテゴリカル分布の尤度から導く交差エントロピー (N 件の標本)"},
    "bce": {"en": "Binary cross-entropy from the two-class categorical model",
             "ja": "2 クラスのカテゴリカル分布から導く二値交差エントロピー"},
    "bce-bernoulli": {"en": "Binary cross-entropy from the Bernoulli likelihood",
             "ja": "ベルヌーイ分布の尤度から導く二値交差エントロピー"},
    "ce-vector": {"en": "Cross-entropy in vector and matrix form",
             "ja": "ベクトルと行列で書く交差エントロピー"},
    "ce-dice-example": {"en": "Worked example: one throw of the die showing a 1",
             "ja": "計算例: サイコロを 1 回投げて 1 の目が出た場合"},
    "bce-titanic-survived": {"en": "Worked example: a Titanic passenger who survived, predicted 0.51",
                             "ja": "計算例: 助かった乗客 (予測値 0.51)"},
    "bce-titanic-died": {"en": "Worked example: a Titanic passenger who did not survive, predicted 0.56",
                         "ja": "計算例: 助からなかった乗客 (予測値 0.56)"},
}


def _premise(rule: str, likelihood: sp.Basic | None, **sizes: int) -> Strategy:
    if likelihood is not None:
        return given(Equation(c.L, likelihood))
    return apply(rule, **sizes)


def _log_likelihood(rule: str, likelihood: sp.Basic | None, tag: str | None = None, **sizes: int) -> Strategy:
    return chain(_premise(rule, likelihood, **sizes), apply("take_logarithm"), exhaust(*LOG_RULES, tag=tag))


def ce_one_sample(classes: int | None = None, likelihood: sp.Basic | None = None) -> Derivation:
    """(4.1)-(4.3): one throw of a K-sided die; without ``classes``, the series' die, then any K."""
    faces = classes or DICE_FACES
    strategy = chain(
        _log_likelihood("categorical_likelihood", likelihood, tag="4.1" if classes is None else None, K=faces),
        apply("generalise_class_count", required=False, tag="4.2") if classes is None else chain(),
        apply("cross_entropy_definition", tag="4.3"),
    )
    return run("ce-one-sample", TITLES["ce-one-sample"], strategy, categorical(classes))


def ce(classes: int | None = None, likelihood: sp.Basic | None = None) -> Derivation:
    """Series eq. (1): N independent samples, the mean negative log-likelihood."""
    strategy = chain(
        _log_likelihood("categorical_likelihood_of_samples", likelihood, **({"K": classes} if classes else {})),
        apply("mean_cross_entropy_definition", tag="1"),
    )
    return run("ce", TITLES["ce"], strategy, categorical(classes))


def _bce_up_to_7_1() -> Strategy:
    return chain(
        _log_likelihood("categorical_likelihood", None, K=2),
        apply("expand_finite_sum"),
        apply("binary_cross_entropy_definition", tag="7.1"),
    )


def bce() -> Derivation:
    """(7.1)-(7.4): the categorical model with K = 2, two-class substitution, then N samples."""
    strategy = chain(
        _bce_up_to_7_1(),
        apply("two_class_substitution", tag="7.2"),
        use_model(BERNOULLI),
        apply("drop_subscript", tag="7.3"),
        apply("mean_over_samples", tag="7.4"),
    )
    return run("bce", TITLES["bce"], strategy, categorical(2))


def bce_bernoulli(likelihood: sp.Basic | None = None) -> Derivation:
    """Binary cross-entropy straight from the Bernoulli likelihood of N samples."""
    strategy = chain(
        _log_likelihood("bernoulli_likelihood", likelihood),
        apply("mean_binary_cross_entropy_definition", tag="7.4"),
    )
    return run("bce-bernoulli", TITLES["bce-bernoulli"], strategy, BERNOULLI)


def ce_vector() -> Derivation:
    """Series article 000: the sum as a row vector times a column vector, then the batch as matrices."""
    strategy = chain(
        _log_likelihood("categorical_likelihood", None),
        apply("cross_entropy_definition", tag="4.3"),
        apply("sum_as_dot_product"),
        apply("stack_samples_as_rows"),
    )
    return run("ce-vector", TITLES["ce-vector"], strategy, categorical())


def _titanic(name: str, labels: tuple[int, int], predictions: tuple[str, str]) -> Derivation:
    values = {c.t[1]: sp.Integer(labels[0]), c.t[2]: sp.Integer(labels[1]),
              c.y[1]: sp.Rational(predictions[0]), c.y[2]: sp.Rational(predictions[1])}
    strategy = chain(
        _bce_up_to_7_1(),
        apply("substitute_values", values=values),
        apply("arithmetic_identities"),
        apply("numeric_value"),
    )
    return run(name, TITLES[name], strategy, categorical(2))


def bce_titanic_survived() -> Derivation:
    return _titanic("bce-titanic-survived", (1, 0), ("0.51", "0.49"))


def bce_titanic_died() -> Derivation:
    return _titanic("bce-titanic-died", (0, 1), ("0.56", "0.44"))


def ce_dice_example() -> Derivation:
    """Series article 002: one throw of the die showing 1, so t = (1, 0, 0, 0, 0, 0)."""
    values = {c.t[j]: sp.Integer(int(j == 1)) for j in range(1, DICE_FACES + 1)}
    strategy = chain(
        _log_likelihood("categorical_likelihood", None, tag="4.1", K=DICE_FACES),
        apply("cross_entropy_definition"),
        apply("expand_finite_sum"),
        apply("substitute_values", values=values),
        apply("arithmetic_identities"),
    )
    return run("ce-dice-example", TITLES["ce-dice-example"], strategy, categorical(DICE_FACES))


BUILDERS: dict[str, Callable[[], Derivation]] = {
    "ce-one-sample": ce_one_sample,
    "ce": ce,
    "bce": bce,
    "bce-bernoulli": bce_bernoulli,
    "ce-vector": ce_vector,
    "ce-dice-example": ce_dice_example,
    "bce-titanic-survived": bce_titanic_survived,
    "bce-titanic-died": bce_titanic_died,
}


def names() -> tuple[str, ...]:
    return tuple(BUILDERS)


def title(name: str, lang: str = "en") -> str:
    return TITLES[name][lang]


@lru_cache(maxsize=None)
def get(name: str) -> Derivation:
    """The built-in derivation called ``name``, derived and verified (cached per process)."""
    try:
        builder = BUILDERS[name]
    except KeyError:
        raise UnknownDerivation(f"no derivation named {name!r}; known: {', '.join(BUILDERS)}") from None
    return builder()


# ----- gradients (issue: gradients step by step) ----------------------------------------------

LINK_RULES = {"softmax": "softmax_definition", "sigmoid": "sigmoid_definition"}
# After y = softmax(z): log of the quotient, then sum-to-one of the labels removes a double sum.
LOG_SOFTMAX_RULES = ("log_of_quotient", "log_of_exp", "distributive_law", "sum_of_sums",
                     "constant_factor_out_of_sum", "labels_sum_to_one_per_sample", "labels_sum_to_one")


def through_link(link: str | None, model: Model) -> Strategy:
    """Make the model output logits: write y through the link and simplify what it gives."""
    if link is None:
        return chain()
    linked = model.with_link(link)
    simplify = exhaust(*LOG_SOFTMAX_RULES) if link == "softmax" else chain()
    return chain(use_model(linked), apply(LINK_RULES[link]), simplify)


def gradient_of(derivation: Derivation, wrt: sp.Basic, model: Model, name: str,
                link: str | None = None, title: dict | None = None) -> Derivation:
    """Differentiate ``derivation``'s result by ``wrt``, through ``link`` if the model outputs logits."""
    strategy = chain(
        continue_from(derivation, model),
        through_link(link, model),
        differentiate(wrt),
        apply("recognise_softmax", required=False) if link == "softmax" else chain(),
        apply("algebraic_simplification", required=False),
    )
    title = title or TITLES[name]
    gradient = run(name, title, strategy, model)
    linked = model.with_link(link) if link else model
    checks = cross_check_gradient(derivation.result, gradient.result, wrt, linked)
    return replace(gradient, cross_checks=checks)


def ce_grad() -> Derivation:
    return gradient_of(get("ce"), c.y[c.i, c.k], categorical(), "ce-grad")


def bce_grad() -> Derivation:
    return gradient_of(get("bce"), c.y[c.i], BERNOULLI, "bce-grad")


def ce_softmax_grad() -> Derivation:
    return gradient_of(get("ce"), c.z[c.i, c.k], categorical(), "ce-softmax-grad", link="softmax")


def bce_sigmoid_grad() -> Derivation:
    return gradient_of(get("bce"), c.z[c.i], BERNOULLI, "bce-sigmoid-grad", link="sigmoid")


def ce_matrix_grad() -> Derivation:
    """The softmax gradient as a matrix, then through a linear layer Z = XW."""
    model = categorical().with_link("softmax")
    loss = get("ce").result
    strategy = chain(
        continue_from(get("ce-softmax-grad"), model),
        apply("gradient_as_matrix", loss=loss),
        use_model(model.with_linear_model()),
        apply("linear_layer_chain_rule", loss=loss),
    )
    return run("ce-matrix-grad", TITLES["ce-matrix-grad"], strategy, model)


def softmax_hessian() -> Derivation:
    """One sample: the gradient y - t by the logits, differentiated again, then as a matrix."""
    model = categorical()
    one_sample = get("ce-one-sample")
    strategy = chain(
        continue_from(one_sample, model),
        through_link("softmax", model),
        differentiate(c.z[c.k]),
        apply("recognise_softmax", required=False),
        apply("algebraic_simplification", required=False),
        differentiate(c.z[c.m]),
        apply("algebraic_simplification", required=False),
        apply("hessian_as_matrix", loss=one_sample.result),
    )
    return run("softmax-hessian", TITLES["softmax-hessian"], strategy, model)


def log_derivative() -> Derivation:
    """Series article 003: d/dx log x = 1/x from the limit definition and e = lim (1 + u)^(1/u)."""
    x, h, u = (sp.Symbol(name, positive=True) for name in ("x", "h", "u"))
    strategy = chain(
        apply("derivative_as_limit", function=sp.log(x), variable=x, step=h),
        apply("difference_of_logs"),
        apply("split_fraction"),
        apply("change_of_limit_variable", old=h, scale=x, new=u),
        apply("constant_out_of_limit"),
        apply("power_into_log"),
        apply("limit_through_log"),
        apply("e_as_limit"),
    )
    return run("log-derivative", TITLES["log-derivative"], strategy, ANY_VALUES)


BUILDERS.update({
    "log-derivative": log_derivative,
    "ce-matrix-grad": ce_matrix_grad,
    "softmax-hessian": softmax_hessian,
    "ce-grad": ce_grad,
    "bce-grad": bce_grad,
    "ce-softmax-grad": ce_softmax_grad,
    "bce-sigmoid-grad": bce_sigmoid_grad,
})
TITLES.update({
    "log-derivative": {"en": "The derivative of log x is 1/x, from the limit definition",
                       "ja": "log x の導関数は 1/x であること (極限の定義から)"},
    "ce-matrix-grad": {"en": "Gradient of cross-entropy in matrix form, and through a linear layer Z = XW",
                       "ja": "行列で書く交差エントロピーの勾配と、線形層 Z = XW を通した勾配"},
    "softmax-hessian": {"en": "Hessian of one-sample cross-entropy by the logits: diag(y) - y y^T",
                        "ja": "ロジットに関する交差エントロピー (1 件) のヘッセ行列: diag(y) - y y^T"},
    "ce-grad": {"en": "Gradient of cross-entropy with respect to the probabilities",
                "ja": "交差エントロピーの確率に関する勾配"},
    "bce-grad": {"en": "Gradient of binary cross-entropy with respect to the probabilities",
                 "ja": "二値交差エントロピーの確率に関する勾配"},
    "ce-softmax-grad": {"en": "Gradient of cross-entropy through softmax: y - t",
                        "ja": "softmax を通した交差エントロピーの勾配: y - t"},
    "bce-sigmoid-grad": {"en": "Gradient of binary cross-entropy through the sigmoid: sigma(z) - t",
                         "ja": "シグモイドを通した二値交差エントロピーの勾配: σ(z) - t"},
})
