"""The rule catalogue: complete, bilingual, well-formed, and every rule proved."""
import re
import textwrap

import pytest
import sympy as sp

from derive.catalogue import load_catalogue, read_catalogue, rules_directory
from derive.conditions import RESTRICTIONS
from derive.errors import CatalogueError, PatternError, VerificationError
from derive.operations import automatic
from derive.proof_record import PROOFS_FILE, read_record
from derive import rule_proofs
from derive.rule_proofs import prove
from tools import copy_of_the_catalogue

RULES = list(load_catalogue().values())

REQUIRED = [
    "log_of_one", "log_of_base", "log_of_product", "log_of_quotient", "log_of_power", "change_of_base",
    "log_of_finite_product", "log_of_exp", "exp_of_log", "constant_factor_out_of_sum", "sum_of_sums",
    "labels_sum_to_one", "two_class_substitution",
]


def test_catalogue_has_the_rules_the_series_uses():
    names = {rule.name for rule in RULES}
    assert set(REQUIRED) <= names


def test_topics_are_one_file_each():
    assert {rule.topic for rule in RULES} >= {"logarithms", "exponentials", "sums_products",
                                              "probability_models", "substitutions"}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_is_stated_in_both_languages(rule):
    assert re.fullmatch(r"[a-z][a-z0-9_]*", rule.name)
    assert rule.statement.strip()
    assert rule.justification["en"].strip().endswith(".")
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", rule.justification["ja"])


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_proves_itself(rule):
    verification = prove(rule)
    if rule.operation == "derived_result":  # vouched for by the earlier derivation's own checks
        assert verification.method == "symbolic" and "ce-one-sample" in verification.detail
        return
    if rule.operation == "state_recurrence":  # a definition, checked well founded: nothing to evaluate
        from derive.steps import DEFINES_SEQUENCE
        assert verification.method == "symbolic" and verification.detail == DEFINES_SEQUENCE
        return
    if rule.data.get("check") == "definition":  # a loss defined by its formula (focal, hinge): nothing to evaluate
        assert verification.method == "symbolic" and verification.detail == "a loss defined by its formula"
        return
    # a proof is checked at random points too: at least one per size choice the checker draws for a proved step
    # (every size at its least, then the ends of each free index's range)
    assert verification.points >= 2
    assert verification.max_error < 1e-15
    # Only the rule that rounds a number to a float may be checked numerically alone.
    expected = "numeric" if rule.name == "numeric_value" else "symbolic"
    assert verification.method == expected


def test_rules_sympy_applies_itself_are_not_used_as_rewrites():
    assert automatic(load_catalogue()["exp_of_log"])
    assert not automatic(load_catalogue()["log_of_product"])


def _catalogue_from(tmp_path, text):
    """The rules of one file as written (read, not yet asked for their proofs)."""
    (tmp_path / "10_wrong.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    read_catalogue.cache_clear()
    try:
        return read_catalogue(str(tmp_path))
    finally:
        read_catalogue.cache_clear()


def test_every_rule_has_its_proof_on_record_for_its_exact_text():
    """rules/proofs.json is current: a rule edited without 'derive rules --prove' fails here."""
    record = read_record(rules_directory())
    stale = [rule.name for rule in RULES if record.get(rule.name, {}).get("hash") != rule.digest]
    assert stale == [], f"re-prove with 'derive rules --prove': {stale}"
    assert set(record) == {rule.name for rule in RULES}


def test_a_false_rule_is_refused_when_proved_and_never_loads(tmp_path):
    """Loading proves nothing: the rule without a proof on record is refused, naming the command
    that proves it; that command refuses it as false and records nothing."""
    directory = copy_of_the_catalogue(tmp_path, FALSE_RULE)
    before = (tmp_path / PROOFS_FILE).read_text(encoding="utf-8")
    try:
        with pytest.raises(CatalogueError, match="rule 'log_of_sum' has no proof on record.*'derive rules --prove'"):
            load_catalogue(directory)
        with pytest.raises(CatalogueError, match="rule 'log_of_sum' is false and is refused"):
            rule_proofs.prove_catalogue(directory)
        assert (tmp_path / PROOFS_FILE).read_text(encoding="utf-8") == before
        with pytest.raises(CatalogueError, match="rule 'log_of_sum' has no proof on record"):
            load_catalogue(directory)
    finally:
        load_catalogue.cache_clear()
        read_catalogue.cache_clear()


def test_a_new_true_identity_loads_once_proved(tmp_path, monkeypatch):
    directory = copy_of_the_catalogue(tmp_path, TRUE_RULE)
    try:
        with pytest.raises(CatalogueError, match="rule 'log_of_square' has no proof on record"):
            load_catalogue(directory)
        proved = []
        monkeypatch.setattr(rule_proofs, "prove", lambda rule, seed=0, real=rule_proofs.prove: proved.append(rule.name) or real(rule))
        rule_proofs.prove_catalogue(directory)
        assert proved == ["log_of_square"]  # the others keep the proofs on record for their text
        assert read_record(tmp_path)["log_of_square"]["method"] == "symbolic"
        assert "log_of_square" in load_catalogue(directory)
    finally:
        load_catalogue.cache_clear()
        read_catalogue.cache_clear()


def test_an_operation_rule_edited_without_a_new_proof_is_refused(tmp_path):
    def edit(name, text):  # its logic: what it states (its words are in rules/languages, apart)
        return text.replace(r"\operatorname{softmax}_k(z_i) =", r"\operatorname{softmax}_k(z_i) = \operatorname{softmax}(z_i)_k =") \
            if name.startswith("80_") else text
    directory = copy_of_the_catalogue(tmp_path, edit=edit)
    try:
        with pytest.raises(CatalogueError, match="'softmax_definition' has no proof on record"):
            load_catalogue(directory)
    finally:
        load_catalogue.cache_clear()


def test_loading_never_proves(tmp_path, monkeypatch):
    """prove_catalogue writes the record; a catalogue with it loads without proving anything again."""
    (tmp_path / "10_logarithms.toml").write_text((rules_directory() / "10_logarithms.toml").read_text(encoding="utf-8"),
                                                 encoding="utf-8")
    load_catalogue.cache_clear()
    read_catalogue.cache_clear()
    written = rule_proofs.prove_catalogue(str(tmp_path), every=True)
    assert written == tmp_path / PROOFS_FILE and set(read_record(tmp_path)) == set(read_catalogue(str(tmp_path)))
    monkeypatch.setattr(rule_proofs, "prove", lambda rule, seed=0: pytest.fail(f"proved {rule.name} again"))
    try:
        assert len(load_catalogue(str(tmp_path))) == len(read_catalogue(str(tmp_path)))
        rule_proofs.prove_catalogue(str(tmp_path))  # every rule has a proof on record: nothing to prove
    finally:
        load_catalogue.cache_clear()
        read_catalogue.cache_clear()


FALSE_RULE = """
    [[rule]]
    name = "log_of_sum"
    statement = '\\\\log(a + b) = \\\\log a + \\\\log b'
    conditions = ["a > 0", "b > 0"]
    wild = ["a", "b"]
    lhs = "log(a + b)"
    rhs = "log(a) + log(b)"
    en = "A false rule, to show the proof catches it."
    ja = "誤った規則。"
"""


TRUE_RULE = FALSE_RULE.replace("log_of_sum", "log_of_square").replace('"log(a + b)"', '"log(a**2)"') \
    .replace('"log(a) + log(b)"', '"2*log(a)"').replace('"A false rule', '"A true rule')


def test_a_false_rule_is_rejected(tmp_path):
    rule = _catalogue_from(tmp_path, FALSE_RULE)["log_of_sum"]
    with pytest.raises(VerificationError, match="log_of_sum"):
        prove(rule)


def test_a_rule_with_a_wrong_sign_is_rejected(tmp_path):
    wrong = FALSE_RULE.replace('"log(a + b)"', '"log(a/b)"').replace('"log(a) + log(b)"', '"log(a) + log(b)"')
    rule = _catalogue_from(tmp_path, wrong)["log_of_sum"]
    with pytest.raises(VerificationError):
        prove(rule)


def test_unknown_field_is_a_catalogue_error(tmp_path):
    with pytest.raises(CatalogueError, match="unknown fields"):
        _catalogue_from(tmp_path, FALSE_RULE + 'colour = "red"\n')


def test_code_in_a_pattern_is_refused(tmp_path):
    with pytest.raises(PatternError):
        _catalogue_from(tmp_path, FALSE_RULE.replace('"log(a + b)"', '"__import__(\'os\')"'))


def test_every_condition_is_understood():
    """Each condition is checked at a match (on the wilds or the model), declared by the
    conventions, or stated for an operation that checks it itself; none is free text."""
    from derive import conventions as c
    for rule in RULES:
        for condition in rule.conditions:
            checked = condition.predicate or condition.fact or condition.link or condition.classes
            # a rewrite may only rest on what the conventions declare (z real) or the row maximum m of them
            named = c.NAMES.get(condition.text.split()[0])
            declared = condition.text == "m real" or (condition.text.endswith(" real") and named is not None
                                                      and getattr(named, "label", named).is_real)
            # or where the result holds, stated with it and never proved (max(a, 0) away from its kink)
            restriction = condition.restriction and condition.text in RESTRICTIONS
            assert checked or declared or restriction or rule.operation != "rewrite", (rule.name, condition.text)


@pytest.mark.parametrize("condition, words", [
    ("a is small", "condition 'a is small' is not one the engine can check"),
    ("q > 0", "condition 'q > 0' is not one the engine can check"),  # q is no wild of the rule
    ("a independent of q", "condition 'a independent of q' names 'q', which is not a wild"),
])
def test_a_condition_the_engine_cannot_check_is_refused_naming_the_rule(tmp_path, condition, words):
    with pytest.raises(CatalogueError, match=f"rule 'log_of_sum': {words}"):
        _catalogue_from(tmp_path, FALSE_RULE.replace('conditions = ["a > 0", "b > 0"]', f'conditions = ["{condition}"]'))


def test_conditions_without_spaces_are_read_and_checked(tmp_path):
    rule = _catalogue_from(tmp_path, FALSE_RULE.replace('["a > 0", "b > 0"]', '["a>0", "b!=0"]'))["log_of_sum"]
    assert [(c.predicate, c.subject) for c in rule.conditions] == [("positive", "a"), ("nonzero", "b")]


def test_a_model_fact_condition_is_checked_at_the_match():
    """A rule that needs one-hot labels does not apply in a model without them."""
    from derive.conditions import holds
    from derive.models import BERNOULLI, categorical
    facts = [(rule, c) for rule in RULES for c in rule.conditions if c.fact == "one_hot_labels"]
    assert len(facts) >= 3
    for rule, fact in facts:
        assert holds(fact, {}, categorical()) and not holds(fact, {}, BERNOULLI), rule.name


def test_labels_in_zero_one_make_their_complements_nonnegative_and_nothing_more():
    """zero_log_zero needs its weight a >= 0: t and 1 - t are, t_1 - t_2 and t - 2 are not."""
    from derive import conventions as c
    from derive.models import BERNOULLI
    assert BERNOULLI.is_nonnegative(c.t[c.i]) and BERNOULLI.is_nonnegative(1 - c.t[c.i])
    assert not BERNOULLI.is_nonnegative(c.t[1] - c.t[2]) and not BERNOULLI.is_nonnegative(c.t[1] - 2)


def test_positivity_of_predictions_treats_each_component_on_its_own():
    """1 - y and y(1 - y) are positive for y in (0, 1); y_1/y_2 - 1/2 is not (y_1 = 0.1, y_2 = 0.9),
    which a single stand-in for every component (y_1 = y_2) would have called positive."""
    from derive import conventions as c
    from derive.models import categorical
    model = categorical()
    assert model.is_positive(1 - c.y[1]) and model.is_positive(c.y_scalar * (1 - c.y_scalar))
    assert not model.is_positive(c.y[1] / c.y[2] - sp.Rational(1, 2))
