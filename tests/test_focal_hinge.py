"""The focal and hinge losses, declared as data (rules/derivations/60_focal_hinge.toml): each
derives its gradient by the logits with every step after the loss's definition proved for every
size and re-checked by the small checker; the gradients agree with finite differences of the loss
(the focal loss at gamma = 0, where it is weighted cross-entropy, and at gamma = 2; the hinge loss
away from its kinks, whose condition the derivation states); another gamma or number of classes
changes the steps with no new code; both are shown in English and Japanese, listed, and in the notes."""
import contextlib
import io
import json
import random

import mpmath
import pytest
import sympy as sp

import derive
from derive import conventions as c
from derive.cli import main
from derive.derivations import build
from derive.printing.notes_content import derivation_names
from derive_checker.certificate import check_certificate

GAMMA = c.focusing
N, K = 2, 3  # samples and classes of the numeric checks


def _proved(derivation) -> None:
    """The loss's definition (stated: the checker's axiom def-loss), then every step proved symbolically
    for every size, and so re-checked by the checker."""
    first, *rest = derivation.steps
    assert first.rule.endswith("_loss_definition") and first.verification.verified
    assert rest and all(s.verification.verified and s.verification.method == "symbolic" and not s.verification.sizes
                        for s in rest), [(s.rule, s.verification) for s in rest if s.verification.method != "symbolic"]
    report = check_certificate(json.loads(json.dumps(derivation.certificate())))
    assert report["ok"], report["failure"]
    assert [s["verdict"] for s in report["steps"]] == ["stated"] + ["proved"] * len(rest)
    assert "def-loss" in report["axioms"]


@pytest.fixture(scope="module")
def focal():
    return derive.get("focal-softmax-grad")


@pytest.fixture(scope="module")
def hinge():
    return derive.get("hinge-grad")


def test_both_derive_and_every_step_is_proved(focal, hinge):
    _proved(focal)
    _proved(hinge)
    assert focal.steps[0].rule == "focal_loss_definition" and hinge.steps[0].rule == "hinge_loss_definition"
    assert "softmax_derivative_in_any_row" in {s.rule for s in focal.steps}
    assert focal.steps[-1].lhs == sp.Derivative(c.E, c.z[c.i, c.j])
    assert hinge.result.rhs == -c.t[c.i, c.j] * sp.Heaviside(1 - c.t[c.i, c.j] * c.z[c.i, c.j]) / c.N


def test_the_hinge_derivative_rests_on_the_kink_axiom_and_states_its_condition(hinge):
    from derive.catalogue import get_rule
    rule = get_rule("derivative_of_positive_part")
    assert [cond.text for cond in rule.conditions] == ["a != 0 (not at the kink)"]
    step = next(s for s in hinge.steps if s.rule == "derivative_of_positive_part")
    assert step.rhs.has(sp.Heaviside(1 - c.t[c.m, c.k] * c.z[c.m, c.k]))
    report = check_certificate(json.loads(json.dumps(hinge.certificate())))
    assert "derivative-positive-part" in report["axioms"]
    at_kink = report["steps"][hinge.steps.index(step)]
    assert at_kink["conditions"] == ["a restriction the result carries, not proved"], at_kink
    shown = _show("hinge-grad", "--detail", "full")
    assert "at the kink u = 0 it has no derivative" in shown and "H(1 − tᵢⱼ zᵢⱼ)" in shown
    assert "by the rule derivative_of_positive_part, where its restriction holds (not proved" in shown
    assert "折れ目" in _show("hinge-grad", "--lang", "ja", "--detail", "full")


# ----- numbers -----------------------------------------------------------------------------------
def _softmax(row):
    top = max(row)
    exps = [mpmath.e ** (v - top) for v in row]
    return [e / sum(exps) for e in exps]


def _focal_loss(z, t, w, gamma):
    return -sum(w[k] * t[n][k] * (1 - y) ** gamma * mpmath.log(y)
                for n in range(N) for k, y in enumerate(_softmax(z[n]))) / N


def _hinge_loss(z, t):
    return sum(max(0, 1 - t[n][k] * z[n][k]) for n in range(N) for k in range(K)) / N


def _at(expr, z, t, w, i, j, gamma=None, link=True):
    """The gradient's right side at a point: sizes, the component, y as the softmax of z."""
    expr = expr.xreplace({c.N: N, c.K: K, c.i: i + 1, c.j: j + 1, **({GAMMA: gamma} if gamma is not None else {})}).doit()
    values = {c.z[n + 1, k + 1]: z[n][k] for n in range(N) for k in range(K)}
    values.update({c.t[n + 1, k + 1]: t[n][k] for n in range(N) for k in range(K)})
    values.update({c.w[k + 1]: w[k] for k in range(K)})
    if link:
        values.update({c.y[n + 1, k + 1]: y for n in range(N) for k, y in enumerate(_softmax(z[n]))})
    return mpmath.mpf(str(sp.N(expr.xreplace({a: sp.Float(str(v), 30) for a, v in values.items()}), 30)))


def _difference(loss, z, i, j, h=mpmath.mpf("1e-12")):
    up = [row[:] for row in z]
    down = [row[:] for row in z]
    up[i][j] += h
    down[i][j] -= h
    return (loss(up) - loss(down)) / (2 * h)


@pytest.mark.parametrize("gamma", [0, 2, mpmath.mpf("0.5")])
def test_the_focal_gradient_agrees_with_finite_differences(focal, gamma):
    mpmath.mp.dps = 40
    rng = random.Random(f"focal-{gamma}")
    for _ in range(3):
        z = [[mpmath.mpf(rng.uniform(-3, 3)) for _ in range(K)] for _ in range(N)]
        t = [[1 if k == hot else 0 for k in range(K)] for hot in (rng.randrange(K) for _ in range(N))]
        w = [mpmath.mpf(rng.uniform(0.2, 2)) for _ in range(K)]
        i, j = rng.randrange(N), rng.randrange(K)
        numeric = _difference(lambda zz: _focal_loss(zz, t, w, gamma), z, i, j)
        derived = _at(focal.result.rhs, z, t, w, i, j, gamma=sp.nsimplify(str(gamma)))
        assert abs(derived - numeric) < mpmath.mpf("1e-9") * (1 + abs(numeric)), (gamma, derived, numeric)


def test_the_focal_gradient_at_gamma_0_is_weighted_cross_entropys():
    """(1 - y)^0 = 1: the gradient -(1/N) sum_k w_k t_ik (delta_jk - y_ij), as weighted cross-entropy's."""
    result = build("focal-softmax-grad", gamma=0).result.rhs
    expected = -sp.Sum(c.w[c.k] * c.t[c.i, c.k] * (sp.KroneckerDelta(c.j, c.k) - c.y[c.i, c.j]), (c.k, 1, c.K)) / c.N
    assert sp.simplify(result - expected) == 0


def test_the_hinge_gradient_agrees_with_finite_differences_away_from_the_kinks(hinge):
    mpmath.mp.dps = 40
    rng = random.Random("hinge")
    checked = 0
    while checked < 6:
        z = [[mpmath.mpf(rng.uniform(-2, 2)) for _ in range(K)] for _ in range(N)]
        t = [[rng.choice((-1, 1)) for _ in range(K)] for _ in range(N)]
        i, j = rng.randrange(N), rng.randrange(K)
        if abs(1 - t[i][j] * z[i][j]) < mpmath.mpf("1e-6"):
            continue  # at a kink the derivative does not exist
        numeric = _difference(lambda zz: _hinge_loss(zz, t), z, i, j)
        derived = _at(hinge.result.rhs, z, t, [1] * K, i, j, link=False)
        assert abs(derived - numeric) < mpmath.mpf("1e-20"), (derived, numeric)
        checked += 1


# ----- parameters, not code ---------------------------------------------------------------------
def test_another_gamma_or_number_of_classes_changes_the_steps_without_new_code(focal, hinge):
    """A gamma: the general result at it, one more step (an instance, proved); a number of classes: from the start."""
    zero, two = build("focal-softmax-grad", gamma=0), build("focal-softmax-grad", gamma=2)
    for special in (zero, two):
        assert [s.rule for s in special.steps] == [s.rule for s in focal.steps] + ["substitute_values"]
        assert not special.result.rhs.has(GAMMA)
        _proved(special)
    assert zero.result.rhs != two.result.rhs
    three = build("focal-softmax-grad", classes=3)
    assert three.models[-1].classes == 3
    assert three.steps[0].rhs.has(sp.Sum) and all(limit[2] == 3 for s in three.steps[:1]
                                                 for node in sp.preorder_traversal(s.rhs) if isinstance(node, sp.Sum)
                                                 for limit in node.limits if limit[0] == c.k)
    hinge_three = build("hinge-grad", classes=3)
    assert hinge_three.name == "hinge-grad-3" and hinge_three.models[-1].classes == 3
    assert hinge_three.steps[0].rhs != hinge.steps[0].rhs and hinge_three.result.rhs == hinge.result.rhs


# ----- shown, listed, in the notes ---------------------------------------------------------------
def _show(*arguments: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["show", *arguments])
    assert not code, out.getvalue()
    return out.getvalue()


@pytest.mark.parametrize("name", ["focal-softmax-grad", "hinge-grad"])
def test_shown_in_english_and_japanese(name, focal, hinge):
    english, japanese = _show(name), _show(name, "--lang", "ja")
    assert derive.derivations.title(name) in english or name in english
    assert "Result" in english and "結果" in japanese
    title = "フォーカル損失" if name.startswith("focal") else "ヒンジ損失"
    assert title in japanese
    latex = _show(name, "--format", "latex")
    assert r"\gamma" in latex if name.startswith("focal") else "H\\left(" in latex


def test_listed_and_in_the_notes():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["list"])
    listing = out.getvalue()
    assert "focal-softmax-grad" in listing and "hinge-grad" in listing
    assert {"focal-softmax-grad", "hinge-grad"} <= set(derivation_names())
