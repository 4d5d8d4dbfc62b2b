"""Label smoothing in the stable forms (issue 31, item 1): each smoothed label written by its
definition, q_ik = (1 − ε) t_ik + ε/K (def-label-smoothing, declared to the checker by the model),
and each sum over the classes holding ε multiplied out, as verified steps; the options kernels read
the result through the one kernel IR (item 3), with nothing left for the generator to rewrite."""
import json
import random
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

from derive import conventions as c
from derive.catalogue import get_rule
from derive.derivations.plans import built_in_plan
from derive.kernels import load
from derive.kernels.ir import plan_irs
from derive.kernels.row_spec import weighted_specs_of
from derive.rule_proofs import prove
from derive_checker.certificate import check_certificate
from derive_checker.expressions import Malformed
from derive_checker.model import Model
from derive_checker.zero import equal, proves

SMOOTHING_RULES = ("smoothed_labels_definition", "smoothing_multiplied_out")


def _kind(name: str, kind: str):
    return built_in_plan(name, kinds=(kind,)).kind(kind)


@pytest.mark.parametrize("name, kind", [("ce-options-softmax", "labels"), ("ce-soft-options-softmax", "targets")])
def test_the_smoothing_steps_are_in_the_options_stable_forms_and_proved(name, kind):
    planned = _kind(name, kind)
    for derivation in (planned.loss, planned.gradient):
        steps = [s for s in derivation.steps if s.rule in SMOOTHING_RULES]
        assert [s.rule for s in steps] == list(SMOOTHING_RULES)
        assert all(s.verification.method == "symbolic" for s in steps), [s.verification for s in steps]
        result = derivation.result.rhs
        assert not result.has(c.q) and result.has(c.epsilon)  # the definition written in, epsilon kept
        report = check_certificate(derivation.certificate())
        assert report["ok"], report["failure"]
        assert "def-label-smoothing" in report["axioms"]


def test_with_integer_labels_no_sum_is_left_weighted_by_a_label():
    """The smoothed labels' sums are taken at the sample's class by the class-index steps: no term of
    a sum over the classes keeps the label's indicator as a factor (what the generator once
    collapsed outside any step)."""
    result = _kind("ce-options-softmax", "labels").loss.result.rhs
    weighted = [term for total in result.atoms(sp.Sum) for term in sp.Add.make_args(total.function)
                if any(isinstance(f, sp.KroneckerDelta) or (isinstance(f, sp.Indexed) and f.base == c.t) for f in sp.Mul.make_args(term))]
    assert weighted == []
    assert result.has(c.z[c.i, c.ell[c.i]])


def _model(**more):
    return Model({"symbols": {"i": "index", "j": "index", "epsilon": "real"}, "arrays": {"t": "label", "z": "real", "q": "real"},
                  "sizes": {"N": {"min": 1}, "K": {"min": 2}}, "facts": ["one_hot_labels"],
                  "indices": {"i": [["Integer", "1"], ["Symbol", "N"]]}, **more})


def test_the_checker_writes_a_smoothed_label_by_its_declared_definition_and_refuses_a_wrong_one():
    model = _model(smoothing={"labels": "q", "of": "t", "by": "epsilon"})
    t, z, q = (model.scope.array(name) for name in ("t", "z", "q"))
    i, j, K, epsilon = (model.read(["Symbol", name]) for name in ("i", "j", "K", "epsilon"))
    smoothed = sp.Sum(q[i, j] * z[i, j], (j, 1, K))
    defined = sp.Sum(((1 - epsilon) * t[i, j] + epsilon / K) * z[i, j], (j, 1, K))
    assert proves(smoothed, defined, model, used := set())
    assert "def-label-smoothing" in used
    for wrong in (sp.Sum(((1 - epsilon) * t[i, j] + epsilon) * z[i, j], (j, 1, K)),  # no 1/K
                  sp.Sum((t[i, j] + epsilon / K) * z[i, j], (j, 1, K))):  # the label's share not shrunk
        assert not proves(smoothed, wrong, model, set())
        with pytest.raises(Exception, match="differ"):
            equal(smoothed, wrong, model, random.Random(0))
    undeclared = _model()
    assert not proves(smoothed.xreplace({q: undeclared.scope.array("q")}), defined, undeclared, set())


def test_a_definition_step_is_proved_before_simplify_is_asked_and_simplify_still_proves_what_needs_it(monkeypatch):
    """The zero test tries both sides as they stand and with the model's definitions written out before it asks SymPy's
    simplify of either (issue 33: simplify of the unwritten sides cost 0.2-0.4 s a step, and importing sympy.physics)."""
    model = _model(smoothing={"labels": "q", "of": "t", "by": "epsilon"}, symbols={"i": "index", "j": "index", "epsilon": "real", "x": "real"})
    t, z, q = (model.scope.array(name) for name in ("t", "z", "q"))
    i, j, K, epsilon, x = (model.read(["Symbol", name]) for name in ("i", "j", "K", "epsilon", "x"))
    smoothed, defined = sp.Sum(q[i, j] * z[i, j], (j, 1, K)), sp.Sum(((1 - epsilon) * t[i, j] + epsilon / K) * z[i, j], (j, 1, K))
    asked = []
    simplify = sp.simplify
    monkeypatch.setattr(sp, "simplify", lambda *a, **k: asked.append(a) or simplify(*a, **k))
    assert proves(smoothed, defined, model, used := set()) and "def-label-smoothing" in used
    assert asked == []
    trigonometric = q[i, j] * (sp.sin(x) ** 2 + sp.cos(x) ** 2)  # equal to q_ij only by simplify, with no definition written
    assert proves(trigonometric, q[i, j], model, used := set()) and "def-label-smoothing" not in used
    assert asked


def test_a_mutated_definition_step_is_refused():
    document = json.loads(json.dumps(_kind("ce-options-softmax", "labels").loss.certificate()))
    number = next(n for n, s in enumerate(document["steps"]) if s["rule"] == "smoothed_labels_definition")
    text = json.dumps(document["steps"][number]["rhs"])
    one_over_classes = '["Pow", ["Symbol", "K"], ["Integer", "-1"]]'
    assert one_over_classes in text
    document["steps"][number]["rhs"] = json.loads(text.replace(one_over_classes, '["Integer", "1"]'))  # q = (1 - ε) t + ε
    report = check_certificate(document)
    assert not report["ok"]
    assert f"step {number + 1}" in report["failure"]


def test_the_options_kernels_read_their_arguments_and_shares_from_the_kernel_ir():
    spec, weights = weighted_specs_of(plan_irs(built_in_plan("ce-options-softmax", kinds=("labels",)))["labels"])
    assert [(str(p), kind) for p, kind in spec.parameters] == [("c", "row"), ("epsilon", "scalar"), ("w", "class")]
    assert weights.row_loss == c.c_mask[c.i] * c.w[c.ell[c.i]]  # PyTorch's weighted mean: each sample's share
    assert spec.labels and spec.categorical and not weights.scans_inputs
    spec, weights = weighted_specs_of(plan_irs(built_in_plan("bce-options-sigmoid", kinds=("targets",)))["targets"])
    assert [(str(p), kind) for p, kind in spec.parameters] == [("rho", "class"), ("w", "element")]
    assert weights.row_loss == c.K  # the mean over every label of every sample: K labels a sample


def test_smoothed_weighted_ignored_labels_agree_with_a_reference():
    """F.cross_entropy(weight, ignore_index, label_smoothing)'s formula, written with NumPy."""
    rng = np.random.default_rng(7)
    X, labels = rng.normal(0, 3, (6, 4)), rng.integers(0, 4, 6)
    labels[2] = -100
    weight, epsilon = rng.uniform(0.5, 2.0, 4), 0.2
    loss, grad = load("ce-softmax").loss_and_grad(X, labels, weight=weight, label_smoothing=epsilon)
    keep = labels != -100
    shifted = X - X.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    smoothed = (1 - epsilon) * np.eye(4)[np.where(keep, labels, 0)] + epsilon / 4
    rows = -(weight * smoothed * log_softmax).sum(axis=1) * keep
    total = (weight[np.where(keep, labels, 0)] * keep).sum()
    expected = ((weight * smoothed).sum(axis=1, keepdims=True) * np.exp(log_softmax) - weight * smoothed) * keep[:, None] / total
    assert np.isclose(loss, rows.sum() / total, rtol=1e-12)
    assert np.allclose(grad, expected, rtol=1e-11, atol=1e-15)
    assert not np.isclose(loss, load("ce-softmax").loss(X, labels, weight=weight), rtol=1e-6)  # the smoothing counts


def test_derive_show_prints_the_smoothing_steps():
    done = subprocess.run([sys.executable, "-m", "derive", "show", "ce-options-softmax-stable"], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert "qᵢₖ = (1 − ε) tᵢₖ + ε/K" in done.stdout  # the definition step's words
    assert "Multiply out the products" in done.stdout


def test_the_rules_prove_themselves_for_every_size():
    for name in SMOOTHING_RULES:
        verification = prove(get_rule(name))
        assert verification.method == "symbolic" and not verification.sizes, name


def test_the_engine_proves_sums_equal_once_their_terms_are_multiplied_out_and_no_more():
    from derive.models import categorical
    from derive.symbolic_proofs import proves_for_every_size

    k, K, e = c.k, c.K, c.epsilon
    before = sp.Sum(((1 - e) * c.t[c.i, k] + e / K) * c.z[c.i, k], (k, 1, K))
    assert proves_for_every_size(before, sp.Sum(c.t[c.i, k] * c.z[c.i, k] - e * c.t[c.i, k] * c.z[c.i, k] + e * c.z[c.i, k] / K, (k, 1, K)),
                                 categorical())
    assert not proves_for_every_size(before, sp.Sum(c.t[c.i, k] * c.z[c.i, k] + e * c.z[c.i, k] / K, (k, 1, K)), categorical())


@pytest.mark.parametrize("declared", [5, {"labels": "z", "of": "t", "by": "epsilon"}, {"labels": "q", "of": "z", "by": "epsilon"}])
def test_a_smoothing_that_names_no_label_array_or_an_array_of_another_role_is_refused(declared):
    """A certificate cannot declare the logits (or any array but one of its own) the smoothing of
    something, nor smooth what is not a label, and so prove what is false of them."""
    link = {"kind": "softmax", "prediction": "y", "logits": "z", "classes": ["Symbol", "K"]}  # z: the logits
    with pytest.raises(Malformed, match="smoothed labels"):
        _model(smoothing=declared, link=link)
    assert _model(smoothing={"labels": "q", "of": "t", "by": "epsilon"}, link=link).defined == ["def-label-smoothing", "def-link"]


def test_a_users_q_is_their_own_not_a_smoothed_label():
    """q in a user's loss is the user's array: no smoothing is declared for it, and its gradient checks."""
    import derive
    from derive.certificate import certificate

    derivation = derive.gradient(r"-\sum_{c=1}^{C} q_{c} \log p_{c}", "p_{j}")
    document = certificate(derivation)
    assert not any("smoothing" in model for model in document["models"].values())
    assert check_certificate(json.loads(json.dumps(document)))["ok"]


def test_a_users_epsilon_in_a_sum_keeps_its_stable_form():
    """The label-smoothing phase is the options models' own: a user's label-smoothed loss (the
    corpus's, with ε and t in one sum) is not multiplied out."""
    import derive
    from derive.user_losses import stable_forms

    derivation = derive.gradient(r"-\sum_{k=1}^{K} ((1 - \epsilon) t_{k} + \frac{\epsilon}{K}) \log y_{k}", "y_{j}")
    for stable in stable_forms(derivation):
        assert not any(step.rule in SMOOTHING_RULES for step in stable.steps)
