"""Several kinks per sample (issue 32, item 7): a loss whose |·| sits inside a max(0, ·), or a sum
of two |·|, has more than one boundary point per sample.  Each point is stated as a kink of its own
(x − y = ε and x − y = −ε, not |x − y| = ε once), with its own one-sided derivatives, the value
where they agree, and PyTorch's value where they differ; the assembled result equals torch
autograd of the same loss at random points and exactly on every kink."""
import random

import pytest
import sympy as sp

import derive
from derive.printing.unicode import unicode
from tools import require_torch

# The loss as typed, the variable, and the same loss in PyTorch (of a float64 tensor x).
LOSSES = {
    "two absolute values": (r"|x - 1| + |x + 1|", lambda t, x: t.abs(x - 1) + t.abs(x + 1), (-1.0, 1.0)),
    "a tent": (r"\max(0, 1 - |x|)", lambda t, x: t.nn.functional.relu(1 - t.abs(x)), (-1.0, 0.0, 1.0)),
    "a hinge of an absolute value, plus it": (r"\max(0, |x| - 1) + |x|",
                                              lambda t, x: t.nn.functional.relu(t.abs(x) - 1) + t.abs(x), (-1.0, 0.0, 1.0)),
    "a squared epsilon-insensitive margin": (r"\max(0, |x| - 1)^{2}",
                                             lambda t, x: t.nn.functional.relu(t.abs(x) - 1) ** 2, (-1.0, 1.0)),
}


@pytest.fixture(scope="module", params=sorted(LOSSES))
def derived(request):
    latex, torch_loss, kinks = LOSSES[request.param]
    return request.param, derive.gradient(latex, "x"), torch_loss, kinks


def _torch_derivative(torch, torch_loss, at: float) -> float:
    x = torch.tensor(at, dtype=torch.float64, requires_grad=True)
    return float(torch.autograd.grad(torch_loss(torch, x), x)[0])


def test_every_boundary_point_is_a_kink_of_its_own(derived):
    _, gradient, _, kinks = derived
    x = gradient.variable
    points = sorted(float(sp.solve(kink.boundary, x)[0]) for kink in gradient.kinks)
    assert points == sorted(kinks)
    assert all(kink.decided and len(kink.sides) == 2 and all(s.is_number for s in kink.sides) for kink in gradient.kinks)


def test_the_result_equals_pytorch_at_random_points_and_on_every_kink(derived):
    torch = require_torch()
    _, gradient, torch_loss, kinks = derived
    rng = random.Random(str(gradient.loss))
    for at in [*kinks, *(rng.uniform(-3, 3) for _ in range(12))]:
        ours = float(gradient.result.rhs.xreplace({gradient.variable: sp.Float(at, 30)}))
        assert ours == pytest.approx(_torch_derivative(torch, torch_loss, at), abs=1e-12), at


def test_where_the_sides_agree_the_derivative_is_stated_there_and_where_not_pytorch_s_value(derived):
    name, gradient, torch_loss, _ = derived
    text = str(gradient)
    for kink in gradient.kinks:
        left, right = kink.sides
        if kink.exists:
            assert left == right and f"the derivative exists there and is {unicode(left)}" in text
        else:
            assert left != right and "does not exist at" in text
    assert gradient.continuously_differentiable == (name == "a squared epsilon-insensitive margin")


def test_no_piece_is_empty():
    """|x − 1| + |x + 1| has three pieces, not four: x > 1 and x < −1 holds nowhere."""
    gradient = derive.gradient(LOSSES["two absolute values"][0], "x")
    assert len(gradient.pieces) == 3
    assert "x > 1 and x < −1" not in str(gradient)


def test_an_elementwise_loss_states_both_boundaries_of_its_absolute_value():
    gradient = derive.gradient(r"\frac{1}{N}\sum_{i=1}^{N} \max(0, |y_{i} - x_{i}| - \epsilon)^{2}", "x_{j}")
    boundaries = {str(kink.boundary) for kink in gradient.kinks}
    assert boundaries == {"Eq(x[j] - y[j], epsilon)", "Eq(x[j] - y[j], -epsilon)"}
    assert all(kink.exists and kink.sides == (0, 0) for kink in gradient.kinks)


# --- the cases as one function, where they are one (Huber, smooth L1: a clamp) ----------------------

def test_huber_and_smooth_l1_collapse_into_a_clamp_proved_by_cases():
    import tomllib
    from pathlib import Path
    corpus = {entry["name"]: entry for entry in tomllib.loads(
        (Path(__file__).parent.parent / "examples" / "loss_corpus.toml").read_text(encoding="utf-8"))["loss"]}
    for name, parameter in (("Huber loss", "delta"), ("smooth L1 loss", "beta")):
        gradient = derive.gradient(corpus[name]["latex"], corpus[name]["wrt"])
        collapse = gradient.collapse
        assert collapse is not None and gradient.result.rhs == collapse.form, name
        assert not gradient.result.rhs.has(sp.Piecewise) and gradient.result.rhs.has(sp.Max, sp.Min)
        assert [str(p) for p in collapse.positive] == [parameter] and collapse.holds()
        assert isinstance(gradient.cases, sp.Piecewise) and len(gradient.cases.args) == 3
        text = str(gradient)
        assert "clamped between" in text and f"for {unicode(collapse.positive[0])} > 0" in text
        assert "where |xⱼ − yⱼ|" in text  # the cases are still shown, then the one function
        from derive.printing.piecewise_text import html_block, latex_result
        assert f"<p>= {unicode(collapse.form)}</p>" in html_block(gradient)
        assert r"\end{cases} = " in latex_result(gradient)
        gradient.check_rows()
        from dataclasses import replace
        from derive.steps import Equation
        wrong = replace(collapse, form=2 * collapse.form)
        edited = replace(gradient, collapse=wrong, result=Equation(gradient.result.lhs, wrong.form))
        with pytest.raises(derive.errors.DeriveError, match="not proved equal to the cases"):
            edited.check_rows()
        _the_checker_proves_the_collapse_and_refuses_it_edited(gradient, parameter)


def _the_checker_proves_the_collapse_and_refuses_it_edited(gradient, parameter: str) -> None:
    """The certificate carries the cases and the one form, δ (β) declared positive: derive_checker's own proof by
    cases proves it; the form edited (its negative side cut off), or δ declared only real, is not proved."""
    import json

    from derive_checker.certificate import check_certificate
    document = json.loads(json.dumps(gradient.certificate()[-1]))
    assert document["models"]["cases"]["symbols"][parameter] == "positive"
    assert [s["verdict"] for s in check_certificate(document)["steps"]] == ["given", "proved"]
    edited = json.loads(json.dumps(document))
    edited["steps"][-1]["rhs"] = ["Max", edited["steps"][-1]["rhs"], ["Integer", "0"]]
    widened = json.loads(json.dumps(document))
    widened["models"]["cases"]["symbols"][parameter] = "real"
    for forged in (edited, widened):
        report = check_certificate(forged, listed=False)
        assert not report["ok"] or report["steps"][-1]["verdict"] != "proved"


def test_the_squared_epsilon_insensitive_derivative_collapses_to_x_less_its_clamp():
    """2(x − 1) above 1, 2(x + 1) below −1, 0 between: 2(x − max(−1, min(1, x))), proved by cases by the
    engine and by derive_checker (its certificate); an edited form is refused by both."""
    import json

    from derive_checker.certificate import check_certificate
    x = sp.Symbol("x", real=True)
    gradient = derive.gradient(LOSSES["a squared epsilon-insensitive margin"][0], "x")
    assert gradient.continuously_differentiable and gradient.collapse is not None
    assert not gradient.result.rhs.has(sp.Piecewise) and sp.expand(gradient.result.rhs - 2 * (x - sp.Max(-1, sp.Min(1, x)))) == 0
    gradient.check_rows()
    document = json.loads(json.dumps(gradient.collapse_certificate()))
    assert [s["verdict"] for s in check_certificate(document)["steps"]] == ["given", "proved"]
    document["steps"][-1]["rhs"] = ["Add", document["steps"][-1]["rhs"], ["Max", ["Integer", "0"], ["Symbol", "x"]]]
    report = check_certificate(document, listed=False)
    assert not report["ok"] or report["steps"][-1]["verdict"] != "proved"


def test_a_collapse_the_checker_does_not_prove_is_not_made(monkeypatch):
    """The engine's own proof by cases proposes the one form; derive_checker decides: refused there, the cases stay."""
    import derive.piecewise
    monkeypatch.setattr(derive.piecewise, "_checker_proves", lambda document: False)
    gradient = derive.gradient(LOSSES["a squared epsilon-insensitive margin"][0], "x")
    assert gradient.collapse is None and isinstance(gradient.result.rhs, sp.Piecewise)


def test_cases_that_are_no_clamp_stay_cases():
    gradient = derive.gradient(r"\max(0, |x| - 1)^{2} + \max(0, x)^{2}", "x")
    assert gradient.continuously_differentiable and gradient.collapse is None
    assert isinstance(gradient.result.rhs, sp.Piecewise)


def test_the_proof_by_cases_proves_what_is_true_and_nothing_else():
    from derive.case_proofs import equal_by_cases
    x, c, u = sp.symbols("x c u", real=True)
    cases = sp.Piecewise((u, sp.Abs(u) <= c), (c, u > c), (-c, True))
    assert equal_by_cases(cases, sp.Max(-c, sp.Min(u, c)), u, (c,))
    assert not equal_by_cases(cases, sp.Max(-c, sp.Min(u, 2 * c)), u, (c,))  # wrong above c
    assert not equal_by_cases(cases, sp.Max(-c, sp.Min(u, c)), u)  # c of unknown sign: the points are not ordered
    # |u| < c leaves u = c to the row "c if u > c" (false there) and so to −c: not the clamp at u = c
    assert not equal_by_cases(sp.Piecewise((u, sp.Abs(u) < c), (c, u > c), (-c, True)), sp.Max(-c, sp.Min(u, c)), u, (c,))
    assert equal_by_cases(sp.Abs(x - 1) + sp.Abs(x + 1), sp.Max(2 * sp.Abs(x), 2), x)
    assert not equal_by_cases(sp.Abs(x - 1) + sp.Abs(x + 1), sp.Max(2 * sp.Abs(x), 3), x)
    assert not equal_by_cases(sp.Max(0, x ** 3), x, x)  # a gap of degree 3: not decided, not claimed
