"""Each operation is registered once, where it is written: its name, the checks its steps ask for,
its statement (docstring) and an example that applied gives the result it states."""
import importlib
import os
import pkgutil
import subprocess
import sys

import pytest

import derive.operations as operations
from derive import conventions as c
from derive.catalogue import Rule, get_rule, load_catalogue, read_catalogue, registered_operations
from derive.errors import CatalogueError, DeriveError
from derive.models import CATEGORICAL
from derive.operations import apply, operation_names, registered
from derive.operations.base import Outcome
from derive.operations.examples import applied, expected, written_alike
from derive.operations.registry import Example, RegistrationError, operation, unregister
from derive.steps import Check, CheckKind, Equation
from tools import ROOT, copy_of_the_catalogue

REGISTERED = list(registered().values())


def test_every_operation_the_catalogue_names_is_registered_and_each_is_used():
    named = {rule.operation for rule in load_catalogue().values()}
    assert named == operation_names()
    assert {"rewrite", "unroll_recurrence", "gradient_as_matrix"} <= operation_names()


@pytest.mark.parametrize("known", REGISTERED, ids=lambda known: known.name)
def test_an_operation_states_what_it_does(known):
    assert known.statement.strip()
    assert known.function.__doc__ and known.function.__doc__.strip()


@pytest.mark.parametrize("known", REGISTERED, ids=lambda known: known.name)
def test_an_operation_names_the_checks_its_steps_ask_for(known):
    assert known.checks and all(isinstance(kind, CheckKind) for kind in known.checks)
    assert known.example_check in known.checks


@pytest.mark.parametrize("known", REGISTERED, ids=lambda known: known.name)
def test_an_operation_gives_its_example_with_the_check_it_states(known):
    assert get_rule(known.example.rule).operation == known.name
    outcome = applied(known)
    assert outcome is not None, f"{known.name} does not apply to its own example"
    assert written_alike(outcome.equation, expected(known)), (outcome.equation, expected(known))
    assert CheckKind(outcome.check.how) == known.example_check


def test_an_example_compared_with_another_result_fails():
    """The comparison the examples rest on can fail: a result is not written alike another one."""
    chain_rule = registered()["chain_rule"]
    outcome = applied(chain_rule)
    wrong = Equation(outcome.equation.lhs, outcome.equation.rhs * 2)
    assert not written_alike(outcome.equation, wrong)
    assert not written_alike(outcome.equation, Equation(outcome.equation.rhs, outcome.equation.lhs))


def test_no_operation_module_keeps_a_table():
    modules = [importlib.import_module(f"derive.operations.{info.name}")
               for info in pkgutil.iter_modules(operations.__path__)]
    assert {"calculus", "equations", "links", "matrices", "optimisation", "sequences", "registry"} <= {
        module.__name__.rsplit(".", 1)[1] for module in modules}
    assert [module.__name__ for module in [operations, *modules] if hasattr(module, "TABLE")] == []
    assert not hasattr(operations, "OPERATIONS")


def _example() -> Example:
    return Example(rule="computed_by_sympy", before="E = y[k]", after="E = y[k]")


def test_a_name_is_registered_once():
    first = registered()["chain_rule"]
    with pytest.raises(RegistrationError, match="'chain_rule'.* registered twice"):
        @operation("chain_rule", checks=CheckKind.LOCAL, example=_example())
        def another_chain_rule(rule, equation, model, arguments):
            """A second function under a name already taken."""
    assert registered()["chain_rule"] is first


def test_an_operation_without_a_statement_or_with_an_unknown_check_is_refused():
    try:
        with pytest.raises(RegistrationError, match="no docstring"):
            @operation("undocumented_for_a_test", checks=CheckKind.EQUAL, example=_example())
            def undocumented(rule, equation, model, arguments):
                return None
        with pytest.raises(RegistrationError, match="CheckKind"):
            @operation("unchecked_for_a_test", checks=("equal",), example=_example())
            def unchecked(rule, equation, model, arguments):
                """Its check named by a bare string, not a CheckKind."""
        with pytest.raises(RegistrationError, match="its example must name one of its checks"):
            @operation("two_checks_for_a_test", checks=(CheckKind.EQUAL, CheckKind.LOCAL), example=_example())
            def two_checks(rule, equation, model, arguments):
                """Two checks, and an example naming neither."""
        assert not {"undocumented_for_a_test", "unchecked_for_a_test", "two_checks_for_a_test"} & operation_names()
    finally:
        for name in ("undocumented_for_a_test", "unchecked_for_a_test", "two_checks_for_a_test"):
            unregister(name)


def test_a_step_asking_for_a_check_its_operation_did_not_register_is_refused():
    @operation("says_equal_makes_local_for_a_test", checks=CheckKind.EQUAL, example=_example())
    def says_equal_makes_local(rule, equation, model, arguments):
        """Registers ``equal`` but makes a step asking for ``local``."""
        return Outcome(equation, Check("local", definitions={equation.rhs: equation.rhs}))

    rule = Rule(name="mislabelled", topic="tests", statement="x = x", conditions=(),
                operation="says_equal_makes_local_for_a_test")
    try:
        with pytest.raises(DeriveError, match="'says_equal_makes_local_for_a_test'.*check 'local'.*equal"):
            apply(rule, Equation(c.E, c.y[c.k]), CATEGORICAL)
    finally:
        unregister("says_equal_makes_local_for_a_test")


def test_a_rule_naming_an_unknown_operation_is_refused_naming_it_and_the_known_ones(tmp_path, monkeypatch):
    def misspell(name, text):
        return text.replace('operation = "unroll_recurrence"', 'operation = "unroll_recurence"')
    directory = copy_of_the_catalogue(tmp_path, edit=misspell)
    words = r"rule 'unroll_linear_recurrence'.*operation 'unroll_recurence' is not registered.*unroll_recurrence"
    try:
        with pytest.raises(CatalogueError, match=words):
            read_catalogue(directory)
        monkeypatch.setenv("DERIVE_RULES", directory)
        with pytest.raises(CatalogueError, match=words):
            get_rule("unroll_linear_recurrence")
    finally:
        load_catalogue.cache_clear()
        read_catalogue.cache_clear()


def test_the_catalogue_knows_the_registered_operations_without_importing_them():
    """The catalogue sits below the engine: it reads the names where they are registered."""
    assert registered_operations() == operation_names()
    code = ("import sys, derive.catalogue as catalogue; catalogue.read_catalogue(); "
            "assert not [m for m in sys.modules if m.startswith('derive.operations')], sorted(sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
