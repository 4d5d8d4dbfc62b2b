"""Integer labels in the stable forms (issue 31, item 1): each one-hot label written as the
indicator of its sample's class, t_ik = δ(k, ℓ_i), and each sum weighted by it taken at that class,
Σ_k δ(k, ℓ_i) X_k = X_{ℓ_i}; steps of the derivation, each proved by the checker, which the kernels
print as they stand (the code generator no longer collapses label-weighted sums itself)."""
import json
import random
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

import derive
from derive import conventions as c
from derive.derivations.plans import built_in_plan
from derive.kernels.class_index import as_label_indicators
from derive.kernels import load
from derive.kernels.codegen import LAB, plan_rows
from derive.kernels.ir import plan_irs
from derive.kernels.row_spec import spec_of
from derive_checker.certificate import check_certificate
from derive_checker.model import Model
from derive_checker.zero import equal, proves

CLASS_RULES = ("one_hot_as_class_index", "sum_at_class")


def _labels_loss():
    return built_in_plan("ce-softmax", kinds=("labels",)).kind("labels").loss


def test_the_class_index_steps_are_in_the_stable_form_and_proved_for_every_size():
    loss = _labels_loss()
    steps = [s for s in loss.steps if s.rule in CLASS_RULES]
    assert [s.rule for s in steps][:2] == list(CLASS_RULES)
    assert all(s.verification.method == "symbolic" for s in steps), [s.verification for s in steps]
    result = loss.result.rhs
    assert result.has(c.z[c.i, c.ell[c.i]])  # the label's logit, read at the label
    assert not result.has(c.t)  # no label left to weigh a sum over every class
    assert not any(isinstance(s, sp.Sum) and any(isinstance(f, sp.KroneckerDelta) for term in sp.Add.make_args(s.function)
                                                 for f in sp.Mul.make_args(term)) for s in result.atoms(sp.Sum))


def test_the_stable_show_prints_the_class_index_steps():
    shown = derive.get("ce-softmax-stable")
    assert [s.rule for s in shown.steps if s.rule in CLASS_RULES][:2] == list(CLASS_RULES)
    done = subprocess.run([sys.executable, "-m", "derive", "show", "ce-softmax-stable"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "δ_(kℓᵢ)" in done.stdout and "z_(iℓᵢ)" in done.stdout  # the indicator, then the logit at the label


def test_target_probabilities_keep_their_labels():
    targets = built_in_plan("ce-softmax", kinds=("targets",)).kind("targets")
    assert not any(s.rule in CLASS_RULES for s in targets.loss.steps + targets.gradient.steps)
    assert targets.loss.result.rhs.has(c.t) and not targets.loss.result.rhs.has(c.ell)


@pytest.mark.parametrize("mutate", ["label index", "sample index"])
def test_a_mutated_collapse_is_refused(mutate):
    document = json.loads(json.dumps(_labels_loss().certificate()))
    number = next(n for n, s in enumerate(document["steps"]) if s["rule"] == "sum_at_class")
    text = json.dumps(document["steps"][number]["rhs"])
    label = '["Indexed", "ell", ["Symbol", "i"]]'
    assert label in text
    wrong = '["Integer", "1"]' if mutate == "label index" else None
    if wrong is None:  # z_{ℓ_i i}: the label and the sample swapped
        text = text.replace('["Indexed", "z", ["Symbol", "i"], ' + label + "]", '["Indexed", "z", ' + label + ', ["Symbol", "i"]]')
    else:
        text = text.replace(label, wrong)
    document["steps"][number]["rhs"] = json.loads(text)
    report = check_certificate(document)
    assert not report["ok"]
    assert f"step {number + 1}" in report["failure"]


def _model(**more):
    return Model({"symbols": {"i": "index", "j": "index", "l": "index"}, "arrays": {"t": "label", "z": "real", "ell": "class"},
                  "sizes": {"N": {"min": 1}, "K": {"min": 2}}, "facts": ["one_hot_labels"],
                  "indices": {"i": [["Integer", "1"], ["Symbol", "N"]], "l": [["Integer", "1"], ["Symbol", "K"]]},
                  "one_hot": {"labels": "t", "classes": "ell"}, **more})


def test_the_checker_collapses_a_sum_at_a_declared_class_and_refuses_a_wrong_one():
    model = _model()
    t, z, ell = (model.scope.array(name) for name in ("t", "z", "ell"))
    i, j = sp.Symbol("i", integer=True), sp.Symbol("j", integer=True)
    K = model.read(["Symbol", "K"])
    weighted = sp.Sum(t[i, j] * z[i, j], (j, 1, K))
    assert proves(weighted, z[i, ell[i]], model, used := set())
    assert {"def-one-hot", "delta-collapse"} <= used
    for wrong in (z[i, ell[i]] + 1, z[i, 1], sp.Sum(z[i, j], (j, 1, K)) - z[i, ell[i]]):
        assert not proves(weighted, wrong, model, set())
        with pytest.raises(Exception, match="differ"):
            equal(weighted, wrong, model, random.Random(0))


def test_a_delta_inside_a_function_is_not_collapsed():
    """Σ_{j=1}^{K} e^{δ_jl} is K − 1 + e, not e: only a delta that multiplies the term collapses the sum."""
    model = _model()
    j, l = sp.Symbol("j", integer=True), sp.Symbol("l", integer=True)
    K = model.read(["Symbol", "K"])
    assert not proves(sp.Sum(sp.exp(sp.KroneckerDelta(j, l)), (j, 1, K)), sp.E, model, set())
    assert proves(sp.Sum(sp.KroneckerDelta(j, l) * sp.exp(sp.KroneckerDelta(j, l)), (j, 1, K)), sp.E, model, set())


def test_the_code_generator_reads_the_verified_form_without_collapsing_sums():
    spec = spec_of(plan_irs(built_in_plan("ce-softmax-grad", kinds=("labels",)))["labels"])
    plan = plan_rows(spec, with_gradient=True)
    rows = [plan.row_loss, plan.row_grad] + [node for level in plan.levels for _, node in level]
    read = [as_label_indicators(e).xreplace({c.ell[c.i]: LAB}) for e in (spec.row_loss, spec.row_grad)]
    assert not any(label_weighted_terms(e) for e in read)  # no sum left that a label weighs: each was taken at the class
    assert any(e.has(LAB) for e in rows)  # the label's own logit, read at the label


def test_the_labels_kernel_agrees_with_the_targets_kernel_and_a_reference():
    kernel = load("ce-softmax")
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(5, 4)) * 3
    labels = rng.integers(0, 4, size=5)
    one_hot = np.eye(4)[labels]
    loss, grad = kernel.loss_and_grad(logits, labels)
    soft_loss, soft_grad = kernel.loss_and_grad(logits, one_hot)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    assert np.isclose(loss, -log_softmax[np.arange(5), labels].mean(), rtol=1e-12)
    assert np.allclose(grad, (np.exp(log_softmax) - one_hot) / 5, rtol=1e-12, atol=1e-15)
    assert np.isclose(loss, soft_loss, rtol=1e-12) and np.allclose(grad, soft_grad, rtol=1e-12, atol=1e-15)


def label_weighted_terms(expr: sp.Basic) -> list:
    """The terms of the sums over the classes in ``expr`` that have a label ``t_ij`` of the summed
    class as a factor (what the code generator once collapsed itself, outside any step)."""
    found = []
    for total in expr.atoms(sp.Sum):
        (variable, _, _), = total.limits[:1]
        found += [term for term in sp.Add.make_args(total.function)
                  if any(isinstance(f, sp.Indexed) and f.base == c.t and f.indices[-1] == variable for f in sp.Mul.make_args(term))]
    return found


def test_the_helper_finds_a_label_weighted_sum():
    """The property above could be false: a sum weighted by the label is found."""
    j = sp.Symbol("j", integer=True)
    assert label_weighted_terms(sp.Sum(c.t[c.i, j] * c.z[c.i, j] + c.z[c.i, j], (j, 1, c.K))) == [c.t[c.i, j] * c.z[c.i, j]]
    assert label_weighted_terms(sp.Sum((1 - c.t[c.i, j]) * sp.exp(c.z[c.i, j]), (j, 1, c.K))) == []
