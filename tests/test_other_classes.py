"""The sum over the classes other than the sample's (issue 31, item 2): the stable form keeps
Σ_k (1 − δ(k, ℓ_i)) X_k; its alternative Σ_k X_k − X_{ℓ_i}, which the kernels may compute row by row
where it does not cancel, is the catalogue rule sum_over_other_classes, a verified step that
--stable shows."""
import json

import numpy as np
import sympy as sp

import derive
from derive import conventions as c
from derive.derivations.stable import other_classes_form
from derive.functions import Maximum
from derive.catalogue import get_rule
from derive.kernels import load
from derive.rule_proofs import prove
from derive_checker.certificate import check_certificate


def test_the_alternative_form_is_a_verified_step_of_the_labels_stable_form():
    alternative = other_classes_form(derive.get("ce-softmax-stable"))
    assert alternative is not None
    (step,) = [s for s in alternative.steps if s.rule == "sum_over_other_classes"]
    assert step.verification.method == "symbolic"
    result = alternative.result.rhs
    assert not any(isinstance(s, sp.Sum) and s.function.has(sp.KroneckerDelta) for s in result.atoms(sp.Sum))
    assert result.has(sp.exp(c.z[c.i, c.ell[c.i]] - next(iter(result.atoms(Maximum)))))
    report = check_certificate(alternative.certificate())
    assert report["ok"], report["failure"]


def test_a_form_with_no_sum_over_the_other_classes_has_no_alternative():
    assert other_classes_form(derive.get("bce-sigmoid-stable")) is None


def test_a_mutated_alternative_is_refused():
    alternative = other_classes_form(derive.get("ce-softmax-stable"))
    document = json.loads(json.dumps(alternative.certificate()))
    number = next(n for n, s in enumerate(document["steps"]) if s["rule"] == "sum_over_other_classes")
    text = json.dumps(document["steps"][number]["rhs"])
    at_class = '["Indexed", "z", ["Symbol", "i"], ["Indexed", "ell", ["Symbol", "i"]]]'
    assert at_class in text
    document["steps"][number]["rhs"] = json.loads(text.replace(at_class, '["Indexed", "z", ["Symbol", "i"], ["Integer", "1"]]'))
    report = check_certificate(document)
    assert not report["ok"]
    assert f"step {number + 1}" in report["failure"]


def test_the_kernel_keeps_the_digits_where_the_label_dominates_and_where_it_does_not():
    """Both run-time choices give the reference: a label far ahead (the other classes summed) and a
    label behind (total less the label's term)."""
    kernel = load("ce-softmax")
    X = np.array([[40.0, 0.0, -1.0, 0.5], [0.0, 3.0, 2.0, 1.0]])
    labels = np.array([0, 0])
    loss, grad = kernel.loss_and_grad(X, labels, reduction="none")
    shifted = X - X.max(axis=1, keepdims=True)
    others = np.array([np.exp(shifted[0, 1:]).sum(), np.exp(shifted[1, 1:] - 0).sum()])
    expected = np.array([np.log1p(others[0]), -shifted[1, 0] + np.log(np.exp(shifted[1]).sum())])
    assert np.allclose(loss, expected, rtol=1e-14, atol=0)
    assert loss[0] < 1e-16 and loss[0] > 0  # a tiny loss kept, not 0


def test_the_rule_is_proved_for_every_size():
    verification = prove(get_rule("sum_over_other_classes"))
    assert verification.method == "symbolic" and not verification.sizes


def test_stable_shows_the_alternative_form(capsys):
    from derive.cli import main

    assert main(["ce", "--link", "softmax", "--stable"]) == 0
    shown = capsys.readouterr().out
    assert "ce-softmax-stable-other-classes" in shown
    assert "The sum over the classes other than the sample's" in shown
