"""One path for every kernel (derive/derivations/plans.py): the gradient found by the engine, the stable
forms by the catalogue's rules under the model of each kind of target, then the backend's
generator; nothing looked up by a derivation's name."""
import numpy as np
import pytest

import derive
from derive.catalogue import get_ruleset
from derive.errors import CodegenError
from derive.kernels import compile_derivation, load

STABLE_RULES = {rule.name for name in ("stable_forms", "stable_sigmoid", "class_index") for rule in get_ruleset(name)}


@pytest.mark.parametrize("name", ["ce-softmax", "ce", "bce-sigmoid", "bce"])
def test_a_built_in_kernel_is_planned_by_rules_not_by_name(name):
    """Every step of every stable form the kernel computes is a rule of the stable-form rulesets,
    verified; the gradient is the engine's (a step differentiating both sides)."""
    plan = load(name).plan
    assert plan.name == name
    assert any(step.rule == "differentiate_both_sides" for step in plan.gradient.steps)
    for kind in plan.kinds:
        for stable in (kind.loss, kind.gradient):
            assert stable.verified
            assert {step.rule for step in stable.steps[1:]} <= STABLE_RULES


def test_target_probabilities_get_no_rule_that_needs_one_hot_labels():
    """The one-hot complement (y_k - 1 as minus the other classes) needs one-hot labels: the kernel
    for integer labels uses it, the one for target probabilities is planned without it."""
    plan = load("ce-softmax").plan
    labels, targets = plan.kind("labels"), plan.kind("targets")
    assert "one_hot_complement" in [step.rule for step in labels.gradient.steps]
    assert "one_hot_complement" not in [step.rule for step in targets.gradient.steps]
    # ce-softmax relied on its labels summing to one, so its soft targets must too: log1p may stay
    assert "log_sum_exp_as_log1p" in [step.rule for step in targets.loss.steps]


def test_another_number_of_classes_compiles_without_new_code_and_refuses_other_widths():
    """K = 3 written into the model: another derivation (its labels' sum is not removed), the same
    path, the same numbers as the general kernel at K = 3; and an X of four classes is refused."""
    derivation = derive.cross_entropy(classes=3, link="softmax")
    kernel = derivation.compile()
    assert kernel.name != "ce-softmax"  # its own kernel: another result
    rng = np.random.default_rng(4)
    X, T = rng.normal(size=(7, 3)) * 30, rng.integers(0, 3, size=7)
    loss, grad = kernel.loss_and_grad(X, T)
    expected_loss, expected_grad = load("ce-softmax").loss_and_grad(X, T)
    assert loss == pytest.approx(expected_loss, rel=1e-13)
    # (its labelled class's y - 1 is not written by the one-hot complement: the rule's pattern sums
    # to a symbolic K, so near y = 1 it keeps the digits of the row's scale 1/N, not of y - 1's)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-16)
    with pytest.raises(ValueError, match="derived for K = 3 classes"):
        kernel.loss(rng.normal(size=(7, 4)), T)


def test_a_loss_with_arrays_of_its_own_compiles_with_them_by_name():
    """ce-weighted reads class weights w besides y and t: the same path, the generator that takes
    every array by its name."""
    kernel = derive.get("ce-weighted").compile()
    assert set(kernel.inputs) == {"t", "w", "y"}
    rng = np.random.default_rng(8)
    Y = rng.dirichlet(np.ones(4), size=6)
    T = np.eye(4)[rng.integers(0, 4, size=6)]
    W = rng.uniform(0.5, 2.0, size=4)
    expected = -(T * W * np.log(Y)).sum() / (T * W).sum()
    assert kernel.loss(y=Y, t=T, w=W) == pytest.approx(expected, rel=1e-13)
    numeric = np.zeros_like(Y)
    for index in np.ndindex(Y.shape):  # central differences of the loss as the kernel computes it
        step = np.zeros_like(Y)
        step[index] = 1e-6
        numeric[index] = (kernel.loss(y=Y + step, t=T, w=W) - kernel.loss(y=Y - step, t=T, w=W)) / 2e-6
    np.testing.assert_allclose(kernel.grad(y=Y, t=T, w=W), numeric, rtol=1e-6, atol=1e-9)


def test_only_known_backends_and_only_losses_or_first_gradients():
    with pytest.raises(ValueError, match="unknown backend 'cuda'; known: numba"):
        compile_derivation(derive.get("ce-softmax"), backend="cuda")
    with pytest.raises(CodegenError, match="differentiates 2 times"):
        derive.get("softmax-hessian").compile()
    with pytest.raises(CodegenError, match="not a loss"):
        derive.get("log-derivative").compile()
