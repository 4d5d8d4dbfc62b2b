"""Proofs for every size: catalogue rules with sums proved by induction on the number of terms,
steps that apply a rule (or replace one part) proved by that rule (that part) with symbolic sizes
and indices, and forged or wrong steps of those kinds rejected."""
from dataclasses import replace

import pytest
import sympy as sp

import derive
from derive import conventions as c
from derive import vector_forms as vf
from derive.catalogue import get_rule, proved_for_every_size, read_catalogue
from derive.errors import VerificationError
from derive.induction import prove_by_elimination, prove_by_induction
from derive.models import categorical
from derive.rule_proofs import prove
from derive.steps import Check, Equation, Step
from derive.verification import verify_step

j, a = sp.Symbol("j", integer=True), sp.Symbol("a", integer=True)
n = c.K
f, g = sp.Function("f", positive=True), sp.Function("g", positive=True)


@pytest.mark.parametrize("before, after", [
    (sp.log(sp.Product(f(j), (j, a, n))), sp.Sum(sp.log(f(j)), (j, a, n))),
    (sp.Product(f(j) * g(j), (j, a, n)), sp.Product(f(j), (j, a, n)) * sp.Product(g(j), (j, a, n))),
    (sp.Sum(3 * f(j), (j, a, n)), 3 * sp.Sum(f(j), (j, a, n))),
    (sp.Sum(j, (j, 1, n)), n * (n + 1) / 2),
])
def test_induction_proves_true_identities_for_every_length(before, after):
    assert prove_by_induction(before, after)


@pytest.mark.parametrize("before, after", [
    (sp.Sum(f(j) * g(j), (j, a, n)), sp.Sum(f(j), (j, a, n)) * sp.Sum(g(j), (j, a, n))),  # true for one term
    (sp.Sum(j ** 2, (j, 1, n)), 9 * n - 13),  # true at n = 2 and 3
    (sp.Sum(j, (j, 1, n)), n * (n + 1) / 2 + (n - 1) * (n - 2) * (n - 7)),  # true at n = 1, 2, 7
    (sp.log(sp.Sum(f(j), (j, a, n))), sp.Sum(sp.log(f(j)), (j, a, n))),
])
def test_induction_refuses_what_is_true_only_for_some_lengths(before, after):
    assert not prove_by_induction(before, after)


def test_elimination_uses_only_that_labels_sum_to_one():
    assert prove_by_elimination(sp.Sum(c.t[c.i, j], (j, 1, c.K)), sp.Integer(1))
    assert not prove_by_elimination(sp.Sum(c.t[c.i, j] ** 2, (j, 1, c.K)), sp.Integer(1))  # needs 0/1 labels
    assert not prove_by_elimination(sp.Sum(c.t[c.i, j], (j, 1, c.K)), sp.Integer(2))


@pytest.mark.parametrize("name", ["log_of_finite_product", "constant_factor_out_of_sum", "sum_of_sums",
                                  "product_of_products", "derivative_through_sum", "log_sum_exp_shift",
                                  "softmax_shift", "labels_sum_to_one_per_sample", "probabilities_sum_to_one",
                                  "product_rule", "quotient_rule", "power_rule"])
def test_the_rules_with_sums_and_derivatives_are_proved_for_every_size(name):
    rule = get_rule(name)
    assert proved_for_every_size(rule)
    verification = prove(rule)
    assert verification.method == "symbolic" and verification.sizes == () and verification.points >= 3


FALSE = {  # rules a proof with f, g as constants (derivatives 0) or at K = 2, 3 would let through
    "derivative_of_product_as_product": ("Derivative(f*g, x)", "Derivative(f, x)*Derivative(g, x)", []),
    "derivative_of_sum_doubled": ("Derivative(f + g, x)", "2*Derivative(f, x) + Derivative(g, x)", []),
    "sum_of_products_as_product_of_sums": ("Sum(f*g, (j, a, b))", "Sum(f, (j, a, b))*Sum(g, (j, a, b))", []),
}


@pytest.mark.parametrize("name", sorted(FALSE))
def test_a_false_rule_with_derivatives_or_sums_is_not_proved(tmp_path, name):
    lhs, rhs, conditions = FALSE[name]
    wilds = sorted({w for w in ("f", "g", "x", "j", "a", "b") if w in lhs + rhs})
    (tmp_path / "10_false.toml").write_text(
        f'[[rule]]\nname = "{name}"\nstatement = "x"\nconditions = {conditions}\nwild = {wilds}\n'
        f'lhs = "{lhs}"\nrhs = "{rhs}"\nen = "false"\nja = "false"\n', encoding="utf-8")
    read_catalogue.cache_clear()
    try:
        rule = read_catalogue(str(tmp_path))[name]
        with pytest.raises(VerificationError):
            prove(rule)
    finally:
        read_catalogue.cache_clear()


def _step(name: str, rule: str):
    derivation = derive.get(name)
    number = next(i for i, s in enumerate(derivation.steps) if s.rule == rule)
    return derivation.steps[number - 1].equation, derivation.steps[number], derivation.models[number]


def test_a_rule_application_is_proved_by_the_rule_for_every_size():
    previous, step, model = _step("ce-softmax", "log_of_quotient")
    verification = verify_step(previous, step, model)
    assert verification.proved_by == "log_of_quotient" and verification.sizes == ()
    assert verification.points >= 3  # the numeric second opinion still ran


def test_a_forged_rule_application_is_rejected():
    previous, step, model = _step("ce-softmax", "log_of_quotient")
    wrong = replace(step, equation=Equation(step.lhs, step.rhs + 1))
    with pytest.raises(VerificationError, match="log_of_quotient applied at"):
        verify_step(previous, wrong, model)
    elsewhere = replace(step, location=(0,))
    with pytest.raises(VerificationError):
        verify_step(previous, elsewhere, model)
    other_rule = replace(step, rule="log_of_product")
    with pytest.raises(VerificationError):
        verify_step(previous, other_rule, model)


def test_a_rule_whose_model_fact_is_missing_is_refused():
    previous, step, model = _step("ce-softmax", "labels_sum_to_one_per_sample")
    with pytest.raises(VerificationError, match="needs"):
        verify_step(previous, step, replace(model, facts=frozenset()))


@pytest.mark.parametrize("rule", ["kronecker_delta_collapses_sum", "chain_rule", "derivative_of_component",
                                  "rename_summation_index"])
def test_a_replaced_part_is_proved_with_symbolic_sizes_and_indices(rule):
    previous, step, model = _step("ce-softmax-grad", rule)
    assert step.check.how == "local"
    verification = verify_step(previous, step, model)
    assert verification.method == "symbolic" and verification.sizes == () and verification.points >= 3


def test_a_part_replaced_wrongly_only_for_the_last_sample_is_caught():
    """sum_j delta_ij f_j collapsed to f_i, except that the claim is f_N when i = N is wrong."""
    previous, step, model = _step("ce-softmax-grad", "kronecker_delta_collapses_sum")
    ((old, new),) = step.check.definitions.items()
    wrong_new = new * (1 + sp.KroneckerDelta(c.i, c.N))
    forged = replace(step, equation=Equation(step.lhs, step.rhs.xreplace({new: wrong_new})),
                     check=Check("local", definitions={old: wrong_new}))
    with pytest.raises(VerificationError, match="is wrong"):
        verify_step(previous, forged, model)


def test_a_part_that_is_not_where_the_step_says_is_refused():
    previous, step, model = _step("ce-softmax-grad", "chain_rule")
    ((old, new),) = step.check.definitions.items()
    forged = replace(step, check=Check("local", definitions={old + 1: new + 1}))
    with pytest.raises(VerificationError, match="has no"):
        verify_step(previous, forged, model)


def test_a_local_claim_true_only_at_small_sizes_is_not_proved_for_every_size():
    x = sp.Symbol("x", positive=True)
    old = sp.Sum(c.k ** 2 * x, (c.k, 1, c.K))
    previous = Equation(c.E, old + x)
    step = Step(Equation(c.E, (9 * c.K - 13) * x + x), "sum_of_squares", "equality",
                Check("local", definitions={old: (9 * c.K - 13) * x}), (0,) if previous.rhs.args[0] == old else (1,))
    with pytest.raises(VerificationError, match="is wrong"):
        verify_step(previous, step, categorical())


def test_every_built_in_step_says_how_it_was_proved():
    """Each step of a derivation is proved for every size, or says at which sizes it was."""
    for step in derive.get("ce-softmax-grad").steps:
        verification = step.verification
        assert verification.method == "symbolic"
        assert verification.sizes or verification.detail or verification.proved_by or verification.source


@pytest.mark.parametrize("mapping, words", [
    ({c.y[c.i, c.k]: 2 * c.y[c.i, c.k]}, "no specialisation"),
    ({c.N: sp.Integer(0)}, "not a number of at least 1"),
    ({c.t_scalar: c.t[2]}, "not to its component 1"),
])
def test_a_specialisation_may_not_smuggle_in_a_substitution(mapping, words):
    previous, step, model = _step("bce", "mean_over_samples")
    forged = replace(step, check=Check("specialises", mapping=mapping))
    with pytest.raises(VerificationError, match=words):
        verify_step(previous, forged, model)


def test_a_specialisation_through_something_other_than_the_models_link_is_refused():
    previous, step, model = _step("ce-softmax-grad", "recognise_softmax")
    ((old, new),) = step.check.mapping.items()
    forged = replace(step, check=Check("specialises", mapping={old: new * 2}))
    with pytest.raises(VerificationError, match="not the model's softmax"):
        verify_step(previous, forged, model)


def test_one_hot_identities_are_proved_for_every_class_the_label_can_be_hot_in():
    from derive.one_hot import prove_one_hot
    q = sp.Symbol("q", integer=True)
    total = sp.Sum(sp.exp(c.z[1, j]), (j, 1, c.K))
    assert prove_one_hot(sp.Sum(c.t[1, j] ** 2, (j, 1, c.K)), sp.Integer(1))  # 0 and 1 are their own squares
    assert prove_one_hot(sp.exp(c.z[1, q]) / total - c.t[1, q],
                         ((1 - c.t[1, q]) * sp.exp(c.z[1, q])
                          - c.t[1, q] * sp.Sum((1 - c.t[1, j]) * sp.exp(c.z[1, j]), (j, 1, c.K))) / total)
    # wrong: the label dropped; wrong only when the label is hot in class q; a sum taken as its first term
    assert not prove_one_hot(sp.exp(c.z[1, q]) / total - c.t[1, q], sp.exp(c.z[1, q]) / total)
    assert not prove_one_hot(c.t[1, q] * sp.exp(c.z[1, q]), sp.Integer(0))
    assert not prove_one_hot(sp.Sum(c.t[1, j] * c.z[1, j], (j, 1, c.K)), c.z[1, 1])
    assert get_rule("one_hot_complement") and proved_for_every_size(get_rule("one_hot_complement"))


def test_a_likelihood_is_proved_to_give_each_outcome_its_probability_for_every_size():
    from derive.premises import likelihood_gives_outcome_probabilities as gives
    k, i = c.k, c.i
    assert gives(sp.Product(sp.Product(c.y[i, k] ** c.t[i, k], (k, 1, c.K)), (i, 1, c.N)), True)
    assert gives(sp.Product(c.y[k] ** c.t[k], (k, 1, 6)), True)
    assert gives(sp.Product(c.y[i] ** c.t[i] * (1 - c.y[i]) ** (1 - c.t[i]), (i, 1, c.N)), False)
    # a wrong exponent, a label of another class, the complement swapped: not proved
    assert not gives(sp.Product(c.y[k] ** (2 * c.t[k]), (k, 1, c.K)), True)
    assert not gives(sp.Product(c.y[k] ** c.t[k] * c.y[1] ** c.t[2], (k, 1, c.K)), True)
    assert not gives(sp.Product(c.y[i] ** (1 - c.t[i]) * (1 - c.y[i]) ** c.t[i], (i, 1, c.N)), False)
    for name in ("ce", "ce-one-sample", "bce-bernoulli"):
        premise = derive.get(name).steps[0].verification
        assert premise.method == "symbolic" and premise.sizes == (), name


def test_a_gradient_matrix_is_the_previous_lines_components_and_nothing_else():
    previous, step, model = _step("ce-matrix-grad", "gradient_as_matrix")
    verification = verify_step(previous, step, model)
    assert verification.method == "symbolic" and verification.sizes == ()
    wrong = replace(step, equation=Equation(step.lhs, step.rhs * 2))
    with pytest.raises(VerificationError):
        verify_step(previous, wrong, model)
    from derive import vector_forms as vf
    renamed = replace(step, equation=Equation(vf.gradient_symbol("W", step.lhs.shape), step.rhs))
    with pytest.raises(VerificationError, match="does not name the derivatives"):
        verify_step(previous, renamed, model)


def test_a_definition_step_may_only_use_its_rules_own_definitions():
    previous, step, model = _step("ce", "mean_cross_entropy_definition")
    assert verify_step(previous, step, model).method == "symbolic"
    forged = replace(step, equation=Equation(step.lhs, sp.Integer(0)), check=Check("implied", definitions={step.lhs: 0}))
    with pytest.raises(VerificationError, match="not those of the rule"):
        verify_step(previous, forged, model)


def test_the_weight_gradient_is_derived_in_index_form_then_laid_out_as_a_matrix():
    """Z = XW written into the loss, differentiated by W_dk with the catalogue's rules, then laid
    out as Xᵀ(Y − T)/N: that last step is proved for every size, and a wrong matrix is refused."""
    derivation = derive.get("ce-matrix-grad")
    rules = [s.rule for s in derivation.steps]
    assert rules.index("linear_layer_definition") < rules.index("differentiate_both_sides") < len(rules) - 1
    assert derivation.steps[rules.index("differentiate_both_sides")].lhs == sp.Derivative(c.E, c.W[c.d, c.k])
    previous, step, model = derivation.steps[-2].equation, derivation.steps[-1], derivation.models[-1]
    verification = verify_step(previous, step, model)
    assert verification.method == "symbolic" and verification.sizes == ()
    x, y, t = (vf.stacked(base) for base in (c.x, c.y, c.t))
    for wrong in (2 * step.rhs, x.T * (y + t) / c.N):
        with pytest.raises(VerificationError):
            verify_step(previous, replace(step, equation=Equation(step.lhs, wrong)), model)


def test_shared_points_still_catch_a_step_wrong_only_for_the_last_class():
    """verify_steps shares random points between consecutive steps; a wrong step is still caught."""
    from derive.verification import verify_steps
    derivation = derive.get("ce-softmax-grad")
    last = derivation.steps[-1]
    wrong = last.rhs + sp.KroneckerDelta(c.k, c.K) * c.t[c.i, c.k] / 7
    steps = derivation.steps[:-1] + (replace(last, equation=Equation(last.lhs, wrong)),)
    with pytest.raises(VerificationError, match="is wrong"):
        verify_steps(steps, derivation.models)
    assert [s.verification.method for s in verify_steps(derivation.steps, derivation.models)] == \
        [s.verification.method for s in derivation.steps]
