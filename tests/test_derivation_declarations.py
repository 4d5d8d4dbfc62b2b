"""The built-in derivations are declarations in rules/derivations/*.toml run by one runner: a
built-in added as data alone derives and is checked, a changed model changes the steps with no
code, a declaration that cannot run is refused at load naming what is wrong, the combinators know
nothing of the catalogue, and no Python code names a rule for a built-in."""
import ast
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sympy as sp

import derive
from derive import conventions as c
from derive.catalogue import CATALOGUE_VARIABLE, rules_directory
from derive.derivations import build, names
from derive.derivations.declarations import DeclarationError, read_declarations
from derive.errors import ArgumentError, UnknownDerivation
from tools import copy_of_the_catalogue

PACKAGE = Path(derive.__file__).parent
SHIPPED = rules_directory() / "derivations"


def _rules_with(folder: Path, declarations: str, keep_shipped: bool = True) -> str:
    """A rules directory: the shipped catalogue, its declarations (or only its named strategies),
    and ``declarations`` as one more file."""
    directory = copy_of_the_catalogue(folder)
    target = Path(directory) / "derivations"
    if keep_shipped:
        shutil.copytree(SHIPPED, target)
    else:
        target.mkdir()
        shutil.copy(SHIPPED / "00_strategies.toml", target)
    (target / "90_added.toml").write_text(textwrap.dedent(declarations), encoding="utf-8")
    return directory


THREE_CLASSES = """
[[derivation]]
name = "ce-of-a-die-with-{k}-faces"
model = {{ family = "categorical", classes = {k} }}
steps = [
    {{ apply = "categorical_likelihood", with = {{ K = {k} }} }},
    {{ strategy = "log_likelihood" }},
    {{ apply = "cross_entropy_definition" }},
]
"""


@pytest.fixture
def added(tmp_path, monkeypatch):
    """Declarations added in a rules directory that $DERIVE_RULES names."""
    def add(declarations: str) -> None:
        monkeypatch.setenv(CATALOGUE_VARIABLE, _rules_with(tmp_path, declarations))
    return add


def test_a_built_in_added_by_a_declaration_alone_derives_and_is_checked(added):
    added(THREE_CLASSES.format(k=3))
    assert "ce-of-a-die-with-3-faces" in names() and "ce" in names()  # the shipped ones stay
    derivation = derive.get("ce-of-a-die-with-3-faces")
    assert [s.rule for s in derivation.steps] == ["categorical_likelihood", "take_logarithm", "log_of_finite_product",
                                                  "log_of_power", "cross_entropy_definition"]
    assert all(s.verification.verified for s in derivation.steps)
    assert derivation.result.rhs == -sp.Sum(c.t[c.k] * sp.log(c.y[c.k]), (c.k, 1, 3))
    assert derive.derivations.title("ce-of-a-die-with-3-faces") == "ce-of-a-die-with-3-faces"  # no title: its name


def test_another_number_of_classes_in_the_declaration_changes_the_steps(tmp_path, monkeypatch):
    results = {}
    for k in (3, 4):
        folder = tmp_path / str(k)
        folder.mkdir()
        monkeypatch.setenv(CATALOGUE_VARIABLE, _rules_with(folder, THREE_CLASSES.format(k=k), keep_shipped=False))
        derivation = build(f"ce-of-a-die-with-{k}-faces")
        assert derivation.models[-1].classes == k
        results[k] = derivation.steps[0].rhs
    assert results[3] == sp.Product(c.y[c.k] ** c.t[c.k], (c.k, 1, 3))
    assert results[4] == sp.Product(c.y[c.k] ** c.t[c.k], (c.k, 1, 4))


def test_a_parameter_of_a_declaration_changes_the_steps_and_names_the_variant():
    derivation = build("dice-mle", classes=3)
    assert derivation.name == "dice-mle-3" and derivation.models[-1].classes == 3
    assert not any(s.rhs.has(c.K) for s in derivation.steps)
    assert build("ce", classes=3).name == "ce"  # no variant name declared: the same name
    with pytest.raises(ArgumentError, match="no parameters \\['faces'\\]"):
        build("ce", faces=3)
    with pytest.raises(UnknownDerivation, match="no derivation named 'focal'"):
        build("focal")


def test_a_users_starting_loss_with_class_weights_and_gamma_is_declared_and_differentiated(added):
    """What a focal loss needs: a loss of the user's own as the premise, class weights, a γ of its
    own, softmax written in, differentiated by z_ij."""
    added("""
    [[derivation]]
    name = "weighted-focal-grad"
    model = "categorical"
    symbols = { gamma = "positive" }
    steps = [
        { given = { lhs = "E", rhs = "-Sum(w[k] * t[i, k] * (1 - y[i, k])**gamma * log(y[i, k]), (k, 1, K))" } },
        { strategy = "through_link", with = { link = "softmax" } },
        { strategy = "gradient", with = { wrt = "z[i, j]" } },
    ]
    """)
    derivation = build("weighted-focal-grad")
    gamma = sp.Symbol("gamma", positive=True)
    assert derivation.steps[0].rule == "given" and derivation.steps[0].rhs.has(gamma, c.w[c.k])
    assert "softmax_definition" in [s.rule for s in derivation.steps]
    assert derivation.steps[-1].lhs == sp.Derivative(c.E, c.z[c.i, c.j]) and derivation.models[-1].link == "softmax"
    assert all(s.verification.verified for s in derivation.steps[1:])


def test_the_lemmas_are_numbered_in_the_order_declared():
    from derive.derivations.lemmas import label
    assert [label(n) for n in ("log-derivative", "sigmoid-derivative", "softmax-jacobian", "ce")] == ["L1", "L2", "L3", "ce"]


# ----- refused at load ------------------------------------------------------------------------
GOOD_STEP = '{ apply = "categorical_likelihood" }'


def _declaration(steps: str = GOOD_STEP, extra: str = "", model: str = '"categorical"') -> str:
    return f'[[derivation]]\nname = "bad"\nmodel = {model}\n{extra}\nsteps = [{steps}]\n'


@pytest.mark.parametrize("declarations, refusal", [
    (_declaration('{ apply = "no_such_rule" }'), "step 1: no rule named 'no_such_rule'"),
    (_declaration('{ exhaust = ["log_rules", "spells"] }'), "no ruleset named 'spells'"),
    (_declaration('{ continue_from = "ce-nowhere" }'), "no derivation named 'ce-nowhere'"),
    (_declaration(f'{GOOD_STEP}, {{ strategy = "magic" }}'), "step 2: no strategy named 'magic'"),
    (_declaration(model='"poisson"'), "model: no model named 'poisson'"),
    (_declaration(model='{ family = "bernoulli", classes = 3 }'), "only categorical, counts, sign_labels models take 'classes'"),
    (_declaration(model='{ family = "categorical", link = "tanh" }'), "no link named 'tanh'"),
    (_declaration(extra='colour = "red"'), "derivation 'bad': unknown fields \\['colour'\\]"),
    (_declaration('{ apply = "categorical_likelihood", optional = true }'), "step 1: unknown fields \\['optional'\\]"),
    (_declaration('{ apply = "categorical_likelihood", exhaust = ["log_rules"] }'), "exactly one of"),
    (_declaration('{ apply = "categorical_likelihood", with = { K = "$classes" } }'), "refers to \\$classes, which is not a parameter"),
    (_declaration(f'{GOOD_STEP}, {{ strategy = "log_likelihood", with = {{ tags = "1" }} }}'), "has no parameters \\['tags'\\]"),
    (_declaration('{ apply = "categorical_likelihood", when = { set = "classes" } }'), "'classes' is not a parameter"),
    (_declaration('{ apply = "substitute_values", with = { values = { "t[1]" = "import os" } } }'), "not valid syntax"),
    (_declaration('{ recall = "the_answer" }'), "no kind of step to recall named 'the_answer'"),
    (_declaration() + _declaration(), "derivation 'bad' is declared twice"),
    ('[[strategy]]\nname = "loop"\nsteps = [{ strategy = "loop" }]\n', "loop -> loop run each other without end"),
    ('[[derivation]\nname = "bad"', "90_added.toml"),
    ('[[lemma]]\nname = "bad"\n', "unknown tables \\['lemma'\\]"),
])
def test_a_declaration_that_cannot_run_is_refused_at_load(tmp_path, declarations, refusal):
    directory = _rules_with(tmp_path, declarations, keep_shipped=False)
    with pytest.raises(DeclarationError, match=refusal):
        read_declarations(directory)


def test_a_rules_directory_without_declarations_uses_those_shipped(tmp_path):
    directory = copy_of_the_catalogue(tmp_path)
    assert list(read_declarations(directory).derivations) == list(read_declarations(None).derivations)


def test_the_declarations_shipped_load_and_name_every_built_in():
    shipped = read_declarations(None)
    assert len(shipped.derivations) == 59 and set(shipped.derivations) == set(names())
    assert {"differentiate", "gradient", "through_link", "stable_forms"} <= set(shipped.strategies)


# ----- the layers -------------------------------------------------------------------------------
def test_the_combinators_import_nothing_of_the_catalogue_rules_or_checking():
    source = PACKAGE / "combinators.py"
    imported = {alias.name.split(".")[0] for node in ast.walk(ast.parse(source.read_text())) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(ast.parse(source.read_text()))
                 if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    assert imported <= {"__future__", "typing"}, imported
    assert not any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(ast.parse(source.read_text())))
    # loaded on its own, outside the package: it runs with nothing of derive
    code = ("import importlib.util, sys; spec = importlib.util.spec_from_file_location('combinators', sys.argv[1]); "
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
            "s = m.chain(m.optional(lambda n: None), m.exhaust(lambda n: n + 1 if n < 5 else None, 10, ValueError)); "
            "print(s(0), sorted(k for k in sys.modules if k.startswith('derive')))")
    out = subprocess.run([sys.executable, "-c", code, str(source)], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["5", "[]"]


def test_no_python_code_names_a_rule_for_a_built_in():
    """``apply``/``exhaust`` with a literal rule or ruleset name: only the primitives' own rules
    (a derivation's result cited, an earlier equation recalled) in derive.strategies."""
    named = []
    for source in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("apply", "exhaust")
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                named.append((source.relative_to(PACKAGE).as_posix(), node.args[0].value))
    assert sorted(named) == [("strategies.py", "recall_equation"), ("strategies.py", "result_of_derivation")]
