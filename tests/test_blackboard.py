"""The blackboard view: the steps grouped into a lecturer's lines by the kinds of their rules, each
line checked end to end; lemmas derived and cited; a gradient through a link cites the loss in the
logits instead of replaying it."""
import json
import subprocess
import sys
from dataclasses import replace

import pytest
import sympy as sp

import derive
from derive import blackboard as board
from derive import conventions as c
from derive.errors import VerificationError
from derive.functions import sigmoid
from derive.printing import render
from derive.printing.text import derivation_text
from derive.steps import Equation

TARGETS = {"ce-grad": 5, "bce-sigmoid-grad": 5, "ce-softmax-grad": 7, "softmax-hessian": 6, "ce-matrix-grad": 7}


@pytest.mark.parametrize("name, most", sorted(TARGETS.items()))
def test_the_gradients_read_in_as_many_lines_as_a_lecturer_writes(name, most):
    derivation = derive.get(name)
    assert len(derivation.lines) <= most
    assert derivation_text(derivation).count("✓") == len(derivation.lines)


@pytest.mark.parametrize("name", derive.names())
def test_lines_cover_the_steps_in_order_and_end_where_their_last_step_ends(name):
    derivation = derive.get(name)
    covered = [n for line in derivation.lines for n in line.span]
    assert covered == list(range(len(derivation.steps)))
    for line in derivation.lines:
        assert line.equation == derivation.steps[line.last].equation
        assert line.verification.verified == all(s.verification.verified for s in derivation.steps[line.first:line.last + 1])
    assert derivation.lines[-1].equation == derivation.result


def test_a_line_of_several_equalities_is_checked_end_to_end():
    lines = [line for line in derive.get("ce-softmax-grad").lines if len(line.span) > 1]
    assert lines and all(line.verification.points >= 3 for line in lines)


def test_a_line_wrong_only_for_the_last_class_is_caught_end_to_end():
    """Each step of a line verified, then the line's last equation swapped for one wrong only where
    k = K: the check of the line's two ends catches it."""
    derivation = derive.get("ce-grad")
    line = next(line for line in derivation.lines if line.role == "collapse")
    steps = list(derivation.steps)
    last = steps[line.last]
    wrong = last.rhs * (1 + sp.KroneckerDelta(c.k, c.K))
    steps[line.last] = replace(last, equation=Equation(last.lhs, wrong))
    with pytest.raises(VerificationError):
        board.blackboard(tuple(steps), derivation.models)


def test_the_grouping_follows_the_rules_roles_not_the_derivation(monkeypatch):
    """Call a Kronecker-delta collapse part of differentiating and ce-grad's collapse line joins the
    differentiation line: the lines come from the catalogue's roles."""
    derivation = derive.get("ce-grad")
    before = board.group(derivation.steps)
    original = board.role_of
    monkeypatch.setattr(board, "role_of", lambda step: "differentiation" if step.rule == "kronecker_delta_collapses_sum"
                        else original(step))
    after = board.group(derivation.steps)
    assert len(after) == len(before) - 1 and after[-1][2] == "differentiation"


def test_a_users_gradient_gets_lines_too_and_they_follow_a_changed_model():
    """Another exponent, another class count: the same kinds of lines, no new code."""
    for loss in (r"-\sum_{k=1}^{K} t_k \log y_k", r"-\sum_{k=1}^{5} t_k \log y_k^{3}"):
        derivation = derive.gradient(loss, "y_{j}")
        roles = [line.role for line in derivation.lines]
        assert roles[0] == "start" and "differentiation" in roles and roles[-1] in ("collapse", "tidy")
        assert len(derivation.lines) < len(derivation.steps)


def test_lemmas_are_derived_from_the_definitions_and_cited_by_label():
    x = sp.Symbol("x", real=True)
    sig = derive.get("sigmoid-derivative")
    assert sig.verified and sig.steps[0].rule == "sigmoid_as_exp"
    assert sp.simplify(sig.result.rhs - sigmoid(x) * (1 - sigmoid(x))) == 0
    jac = derive.get("softmax-jacobian")
    assert jac.verified and jac.result.rhs == c.y[c.k] * (sp.KroneckerDelta(c.k, c.m) - c.y[c.m])
    assert all(s.verification.method == "symbolic" and not s.verification.sizes for s in jac.steps)
    text = derivation_text(derive.get("bce-sigmoid-grad"))
    assert "σ′ = σ(1 − σ) (L2)" in text and "(log x)′ = 1/x (L1)" in text
    assert "∂yₖ/∂zₘ = yₖ(δₖₘ − yₘ) (L3)" in derivation_text(derive.get("softmax-hessian"))
    assert "（L2：σ′ = σ(1 − σ)）" in derivation_text(derive.get("bce-sigmoid-grad"), "ja")


def test_a_gradient_through_a_link_cites_the_loss_in_the_logits_in_one_step():
    for name, source in (("ce-softmax-grad", "ce-softmax"), ("bce-sigmoid-grad", "bce-sigmoid"),
                         ("softmax-hessian", "ce-one-sample-softmax")):
        first = derive.get(name).steps[0]
        assert first.rule == "result_of_derivation" and first.check.derivation is derive.get(source)
        assert not any(s.rule in ("softmax_definition", "sigmoid_definition") for s in derive.get(name).steps)
    assert "step 1: as derived in ce-softmax\n" in derivation_text(derive.get("ce-softmax-grad"))


def test_json_carries_the_full_trail_and_the_lines_with_their_step_ranges():
    document = json.loads(render("json", [derive.get("bce-sigmoid-grad")]))
    entry = document["derivations"][0]
    assert len(entry["steps"]) == len(derive.get("bce-sigmoid-grad").steps)
    ranges = [line["steps"] for line in entry["lines"]]
    assert ranges[0][0] == 1 and ranges[-1][1] == len(entry["steps"])
    assert all(b[0] == a[1] + 1 for a, b in zip(ranges, ranges[1:]))
    assert all(line["verified"] == "symbolic" and line["justification"] for line in entry["lines"])


def test_the_cli_shows_the_blackboard_and_the_full_trail_on_demand():
    def run(*args):
        return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, text=True, timeout=300)
    short, full = run("show", "bce-sigmoid-grad"), run("show", "bce-sigmoid-grad", "--detail", "full")
    assert short.returncode == full.returncode == 0
    steps = len(derive.get("bce-sigmoid-grad").steps)
    assert f"\n{steps}. " in full.stdout and f"\n{steps}. " not in short.stdout
    assert "--detail full" in short.stdout and "by chain_rule" in full.stdout


def test_the_readme_shows_the_blackboard_view_derive_prints():
    from tools import ROOT
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("$ derive bce --gradient --link sigmoid"):].split("```")[0]
    shown = [line for line in block.splitlines()[1:] if line.strip() and line.strip() != "..."]
    printed = derivation_text(derive.get("bce-sigmoid-grad")).splitlines()
    assert len(shown) >= 14 and all(line in printed for line in shown)


def test_every_templated_justification_of_the_built_ins_is_filled_in_from_its_step_in_both_languages():
    from derive.catalogue import get_rule
    from derive.printing.justifications import justification
    generic = []
    for name in derive.names():
        previous = None
        for step in derive.get(name).steps:
            rule = get_rule(step.rule)
            for lang in ("en", "ja"):
                if rule.words(lang).get("at") and justification(step, previous, lang) == rule.justification[lang]:
                    generic.append((name, step.rule, lang))
            previous = step.equation
    assert generic == []


def test_justifications_name_the_function_the_component_and_the_renamed_index():
    full = derivation_text(derive.get("bce-sigmoid-grad"), detail="full")
    assert "Chain rule: the derivative of σ at its argument, times the derivative of the argument by zᵢ." in full
    assert "zⱼ depends on zᵢ only where their indices agree: ∂zⱼ/∂zᵢ = δᵢⱼ." in full
    assert "i is renamed j" in full and "Differentiate both sides by zᵢ." in full
    japanese = derivation_text(derive.get("ce-grad"), "ja", detail="full")
    assert "紛れないよう i を j に改める" in japanese and "紛れないよう k を m に改める" in japanese
    assert "連鎖律：log の導関数に引数を入れ、引数の yᵢₖ による微分を掛ける。" in japanese


def test_the_japanese_reads_as_a_textbook_and_taking_logs_is_no_definition():
    from derive.api import rules
    texts = [rule.justification["ja"] for rule in rules()] + [str(rule.words("ja").get("at", "")) for rule in rules()]
    assert not any("1 対 1 で変化" in t or "和の有限和" in t or "段" in t for t in texts)
    full = derivation_text(derive.get("ce"), "ja", detail="full")
    assert "規則 take_logarithm（両辺の変形）" in full and "（定義）" in full
