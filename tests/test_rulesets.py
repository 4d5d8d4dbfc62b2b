"""Strategies apply named rulesets read from the catalogue: a rule added to a TOML file joins a
ruleset and is used by derivations without any change to the Python code."""
import ast
from pathlib import Path

import pytest
import sympy as sp

import derive
from derive.catalogue import CATALOGUE_VARIABLE, load_catalogue, read_catalogue, read_rulesets
from derive.errors import CatalogueError
from tools import copy_of_the_catalogue, tanh_rule

TANH = tanh_rule("1 - tanh(x)**2")


@pytest.fixture
def catalogue_with_tanh(tmp_path, monkeypatch):
    from derive.rule_proofs import prove_catalogue
    from derive.rule_trust import rechecked
    directory = copy_of_the_catalogue(tmp_path, TANH)
    monkeypatch.setenv(CATALOGUE_VARIABLE, directory)
    prove_catalogue()  # 'derive rules --prove' in the catalogue $DERIVE_RULES names: loading proves nothing
    yield
    for cache in (load_catalogue, read_catalogue, read_rulesets, rechecked):
        cache.cache_clear()


x = sp.Symbol("x", real=True)


def _rules(derivation) -> list[str]:
    return [step.rule for step in derivation.steps]


def test_without_a_rule_for_tanh_sympy_differentiates_it():
    assert "computed_by_sympy" in _rules(derive.gradient(sp.tanh(x), x))


def test_a_rule_added_in_a_toml_file_is_applied_without_any_python_change(catalogue_with_tanh):
    derivation = derive.gradient(sp.tanh(x), x)
    assert "derivative_of_tanh" in _rules(derivation) and "computed_by_sympy" not in _rules(derivation)
    step = next(s for s in derivation.steps if s.rule == "derivative_of_tanh")
    assert step.verification.proved_by == "derivative_of_tanh"  # proved on record, the record's claim proved again by the checker


def test_the_chain_rule_covers_a_function_whose_derivative_rule_was_added(catalogue_with_tanh):
    derivation = derive.gradient(sp.tanh(x ** 2 + 1), x)
    rules = _rules(derivation)
    assert "chain_rule" in rules and "computed_by_sympy" not in rules
    assert all(step.verification.method == "symbolic" for step in derivation.steps[1:])  # the first is the given loss


def test_a_ruleset_naming_a_rule_the_catalogue_lacks_is_refused(tmp_path):
    directory = copy_of_the_catalogue(tmp_path, '[[ruleset]]\nname = "extra"\nrules = ["no_such_rule"]\nen = "x"\nja = "x"\n')
    with pytest.raises(CatalogueError, match="no_such_rule"):
        read_rulesets(directory)


def test_a_rule_joining_an_undeclared_ruleset_is_refused(tmp_path):
    directory = copy_of_the_catalogue(tmp_path, TANH.replace('"differentiation", ', '"no_such_set", '))
    with pytest.raises(CatalogueError, match="no_such_set"):
        read_rulesets(directory)


def test_an_unknown_ruleset_is_refused_by_name():
    from derive.catalogue import get_ruleset
    with pytest.raises(CatalogueError, match="no ruleset named 'spells'"):
        get_ruleset("spells")


def test_every_strategy_names_rulesets_the_catalogue_declares():
    """``exhaust`` is given ruleset names only, in the declarations (rules/derivations) and in
    Python; no list of rule names is kept in Python."""
    from derive.derivations.declarations import load_declarations
    declared = set(read_rulesets())
    package = Path(derive.__file__).parent
    declarations = load_declarations()
    used = {name for d in (*declarations.derivations.values(), *declarations.strategies.values())
            for step in d.steps if "exhaust" in step for name in step["exhaust"]}
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "exhaust":
                names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                used.update(names)
    assert used and used <= declared, sorted(used - declared)
    rule_names = set(read_catalogue())
    assert not (used & rule_names - declared)
