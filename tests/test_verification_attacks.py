"""Deliberately wrong steps that a check at a few small sizes, or a loose numeric check, would let
through: each is rejected.  The numeric second opinion runs at N = K = 7 with free indices at their
last position (k = K, i = N) and at sizes drawn in 4..9 with inner indices; it compares to 50
digits with a relative tolerance; a Float counts as at least 15 digits precise."""
from dataclasses import replace

import pytest
import sympy as sp

import derive
from derive import conventions as c
from derive.errors import VerificationError
from derive.models import BERNOULLI, categorical, free
from derive.steps import Check, Equation, Step
from derive.verification import verify_step

delta = sp.KroneckerDelta


def _last_step_with(name: str, rhs) -> tuple[Equation, Step]:
    derivation = derive.get(name)
    step = derivation.steps[-1]
    return derivation.steps[-2].equation, replace(step, equation=Equation(step.lhs, rhs))


def _model(step):
    base = categorical() if step.model.startswith("categorical") else BERNOULLI
    link = step.model.split(":")[1] if ":" in step.model else None
    return base.with_link(link) if link else base


RIGHT = {name: derive.get(name).result.rhs for name in ("ce", "ce-grad", "ce-softmax-grad", "bce-sigmoid-grad", "bce-grad")}


@pytest.mark.parametrize("name, wrong", [
    # true at K = 2 and K = 3 only
    ("ce", RIGHT["ce"] * ((c.K - 2) * (c.K - 3) + 1)),
    # 1/N replaced by (3 - N)/2: equal at N = 1 and N = 2
    ("ce", RIGHT["ce"] * c.N * (3 - c.N) / 2),
    # wrong only for the last class, and only from K = 4 on
    ("ce-softmax-grad", RIGHT["ce-softmax-grad"] + delta(c.k, c.K) * (c.K - 2) * (c.K - 3) / c.N),
    ("ce-grad", RIGHT["ce-grad"] * (1 + delta(c.k, c.K) * (c.K - 2) * (c.K - 3))),
    # wrong only for the last sample, and only from N = 3 on
    ("bce-sigmoid-grad", RIGHT["bce-sigmoid-grad"] + delta(c.i, c.N) * (c.N - 1) * (c.N - 2)),
    ("bce-grad", RIGHT["bce-grad"] * (1 + delta(c.i, c.N) * (c.N - 1) * (c.N - 2))),
    # wrong only at N = 7
    ("ce", RIGHT["ce"] * (1 + delta(c.N, 7))),
    ("ce-softmax-grad", RIGHT["ce-softmax-grad"] * (1 + delta(c.K, 7) * delta(c.k, c.K))),
    # a term far below the old absolute tolerance of 1e-20
    ("ce-softmax-grad", RIGHT["ce-softmax-grad"] + sp.Rational(1, 10**21)),
    # a factor 2 hidden in a Float of one digit
    ("bce-grad", RIGHT["bce-grad"] * sp.Float(2, 1)),
])
def test_a_step_wrong_only_past_the_small_sizes_is_rejected(name, wrong):
    previous, step = _last_step_with(name, wrong)
    with pytest.raises(VerificationError, match="is wrong"):
        verify_step(previous, step, _model(step))


def test_the_right_steps_still_pass():
    for name in RIGHT:
        previous, step = _last_step_with(name, RIGHT[name])
        assert verify_step(previous, step, _model(step)).verified


def test_sum_of_squares_claimed_as_a_line_through_two_points():
    """sum_{k=1}^{K} k^2 = 9K - 13 holds at K = 2 and 3 only."""
    x = sp.Symbol("x", positive=True)
    square_sum = sp.Sum(c.k ** 2 * x, (c.k, 1, c.K))
    previous = Equation(c.E, square_sum)
    step = Step(Equation(c.E, (9 * c.K - 13) * x), "sum_of_squares", "equality", Check("equal"))
    with pytest.raises(VerificationError, match="is wrong"):
        verify_step(previous, step, categorical())


def test_clipping_a_probability_is_caught_near_zero():
    """log y and log max(y, 1/50) agree wherever y > 0.02: draws near 0 tell them apart."""
    previous = Equation(c.E, -sp.log(c.y_scalar))
    step = Step(Equation(c.E, -sp.log(sp.Max(c.y_scalar, sp.Rational(1, 50)))), "clip", "equality", Check("equal"))
    with pytest.raises(VerificationError, match="is wrong"):
        verify_step(previous, step, BERNOULLI)


def test_a_user_loss_with_a_tiny_added_term_is_rejected():
    x = sp.Symbol("x")
    previous = Equation(c.E, x ** 2)
    step = Step(Equation(c.E, x ** 2 + sp.Float("1e-21", 30)), "nudge", "equality", Check("equal"))
    with pytest.raises(VerificationError, match="is wrong"):
        verify_step(previous, step, free())


def _step_of(name: str, rule: str):
    derivation = derive.get(name)
    index = next(n for n, s in enumerate(derivation.steps) if s.rule == rule)
    previous = derivation.steps[index - 1].equation if index else None
    return previous, derivation.steps[index], derivation.models[index]


def test_a_derived_check_needs_a_derivation_whose_result_it_states():
    _, step, model = _step_of("ce-softmax", "result_of_derivation")
    assert verify_step(None, step, model).source == "ce"
    bare = replace(step, check=Check("derived", name="ce", inherited="symbolic"))  # by name: looked up
    assert verify_step(None, bare, model).verified
    for forged, words in [(Check("derived", name="no-such-derivation", inherited="symbolic"), "there is none"),
                          (Check("derived", name="bce", inherited="symbolic"), "is not the result of bce")]:
        with pytest.raises(VerificationError, match=words):
            verify_step(None, replace(step, check=forged), model)
    wrong = replace(step, equation=Equation(step.lhs, 2 * step.rhs), check=Check("derived", name="ce"))
    with pytest.raises(VerificationError, match="is not the result of ce"):
        verify_step(None, wrong, model)
    given = derive.cross_entropy(batch=False, likelihood=sp.Product(c.y[c.k] ** c.t[c.k], (c.k, 1, c.K)))
    overclaim = replace(step, equation=given.result, check=Check("derived", derivation=given, inherited="symbolic"))
    with pytest.raises(VerificationError, match="weakest step was 'no'"):
        verify_step(None, overclaim, model)


@pytest.mark.parametrize("mapping, words", [
    ({sp.log(c.y[1] ** c.t[1]): c.t[1] * c.y[1]}, "only substitute symbols or array components"),
    ({c.y[1]: 2 * c.y[1]}, "leaves the model"),
    ({c.y[1]: sp.Rational(3, 2)}, "not a probability"),
    ({c.t[1]: sp.Rational(1, 2)}, "not a label"),
    ({c.t[1]: 1, c.t[2]: 1}, "sum to 2"),
    ({c.y[1]: sp.Rational(7, 10), c.y[2]: sp.Rational(7, 10)}, "sum to 7/5"),
])
def test_an_instance_substitutes_components_by_values_inside_the_model(mapping, words):
    previous, step, model = _step_of("bce-titanic-survived", "substitute_values")
    forged = replace(step, equation=Equation(step.lhs, previous.rhs.xreplace(mapping)), check=Check("instance", mapping=mapping))
    with pytest.raises(VerificationError, match=words):
        verify_step(previous, forged, model)
    assert verify_step(previous, step, model).verified  # the real substitution still passes


def test_a_link_instance_must_be_the_models_link():
    previous, step, model = _step_of("ce-softmax", "softmax_definition")
    assert verify_step(previous, step, model).verified
    (prediction, softmax), = step.check.mapping.items()
    wrong = {prediction: softmax ** 2}
    forged = replace(step, equation=Equation(step.lhs, previous.rhs.xreplace(wrong)), check=Check("instance", mapping=wrong))
    with pytest.raises(VerificationError, match="not the model's softmax"):
        verify_step(previous, forged, model)


def test_the_mpmath_walk_agrees_with_sympy_evaluation():
    """The numeric check evaluates by walking the tree in mpmath; at 50 digits it gives SymPy's values,
    complex ones (a log of a negative number) included."""
    import mpmath

    from derive.numeric_check import mpmath_value, to_mpmath
    x, a = sp.Symbol("x"), sp.Symbol("a")
    point = {x: sp.Float("-0.7312", 60), a: sp.Float("2.25", 60), c.y[1]: sp.Float("0.125", 60)}
    expressions = [sp.log(x) * sp.exp(a) / (1 + x ** 2), sp.Max(x, a, 0) - sp.Min(x, -a) + sp.Abs(x),
                   sp.sqrt(x ** 2) + sp.floor(a) * sp.E, sp.log(c.y[1], 2) + sp.pi * sp.tanh(a), x ** sp.Rational(1, 3)]
    for expr in expressions:
        with mpmath.workdps(60):
            numbers = {k: mpmath.mpmathify(v._to_mpmath(mpmath.mp.prec)) for k, v in point.items()}
            walked = mpmath_value(expr, numbers, {})
            exact = to_mpmath(sp.N(expr.xreplace(point), 60))
            assert abs(walked - exact) <= mpmath.mpf("1e-45") * max(1, abs(exact)), expr


def test_a_check_of_no_known_kind_is_refused():
    previous, step, model = _step_of("ce", "log_of_power")
    with pytest.raises(VerificationError, match="unknown check 'trust_me'"):
        verify_step(previous, replace(step, check=Check("trust_me")), model)


@pytest.mark.parametrize("before, after", [
    (sp.sqrt(sp.Symbol("x", real=True) ** 2), sp.Symbol("x", real=True)),
    (sp.log(sp.Symbol("a", real=True) * sp.Symbol("b", real=True)), sp.log(sp.Symbol("a", real=True)) + sp.log(sp.Symbol("b", real=True))),
    (sp.Symbol("x", real=True), sp.Symbol("x", real=True) + sp.floor(sp.Symbol("x", real=True))),
])
def test_a_step_true_only_for_some_real_values_is_rejected_in_the_model_that_assumes_nothing(before, after):
    """A user's own symbols are drawn over the whole real line too (negative, near 0, wide)."""
    step = Step(Equation(c.E, after), "attack", "equality", Check("equal"))
    with pytest.raises(VerificationError, match="is wrong"):
        verify_step(Equation(c.E, before), step, free())


def test_what_the_loss_needs_positive_stays_positive_at_every_point():
    """log(a b) = log a + log b is a true step for a loss that has log a and log b in it."""
    a, b = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
    from derive.models import positive_in
    model = free((), positive_in(sp.log(a) + sp.log(b)))
    step = Step(Equation(c.E, sp.log(a) + sp.log(b)), "log_of_product", "equality", Check("equal"))
    assert verify_step(Equation(c.E, sp.log(a * b)), step, model).verified


def test_a_bump_no_random_point_finds_is_at_least_not_called_verified():
    """exp(-1e10 (y - 1/3)^2) is below any tolerance at every point drawn: no numeric check sees it,
    and no symbolic proof exists, so the step says "checked numerically ... not verified"."""
    from derive.printing.words import verification_text
    y = c.y_scalar
    step = Step(Equation(c.E, -sp.log(y) + sp.exp(-10**10 * (y - sp.Rational(1, 3)) ** 2)), "bump", "equality", Check("equal"))
    verification = verify_step(Equation(c.E, -sp.log(y)), step, BERNOULLI)
    assert verification.method == "numeric"
    text = verification_text(verification, "en")
    assert "checked numerically" in text and "not verified" in text and "✓" not in text
