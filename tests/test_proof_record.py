"""Issue 29, item 4: the catalogue loads without proving, and the record of proofs is not trusted by
its key.  Loading imports none of the prover (no import circle runs through the catalogue); a rule
without a proof on record for its logic as written is refused at load, naming the command that proves it;
only the shipped record, pinned by the checker, vouches for a rule; any other record's claim is
proved again by the checker, so an edited rules directory claiming a false rule "symbolic, every
size" makes no step say "proved" (through the API and the command line)."""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys

import pytest
import sympy as sp

import derive
from derive import catalogue, rule_trust
from derive.catalogue import CATALOGUE_VARIABLE, load_catalogue, read_catalogue, read_rulesets, rules_directory
from derive.errors import CatalogueError, DeriveError
from derive.printing.words import verification_text
from derive.proof_record import PROOFS_FILE, pinned_digest, read_record, record_digest, trusted_entries
from tools import ROOT, copy_of_the_catalogue, forge_record, tanh_rule

# What importing and loading the catalogue may import of derive: the rules' text, their patterns
# and conditions, and the record; nothing that proves (rule_proofs, verification, operations...).
LOADING = {"derive", "derive.catalogue", "derive.conditions", "derive.conventions", "derive.errors",
           "derive.functions", "derive.languages", "derive.pattern_parser", "derive.proof_record",
           "derive.rules_location"}  # languages: the rules' words; rules_location: where they lie


@pytest.fixture
def clean_catalogue():
    yield
    for cache in (load_catalogue, read_catalogue, read_rulesets, rule_trust.rechecked):
        cache.cache_clear()


def _derive(*args: str, directory: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, CATALOGUE_VARIABLE: directory} if directory else dict(os.environ)
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=300)


# ----- loading proves nothing, and imports nothing that proves ---------------------------------


def test_importing_and_loading_the_catalogue_imports_only_what_reads_it():
    code = ("import sys, derive.catalogue as c; rules = c.load_catalogue(); c.get_ruleset('differentiation'); "
            "print(len(rules)); print(sorted(m for m in sys.modules if m == 'derive' or m.startswith('derive')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    count, modules = done.stdout.strip().splitlines()
    assert int(count) > 80
    imported = set(eval(modules))  # noqa: S307 - the list printed above
    assert {m for m in imported if not m.startswith("derive_checker")} == LOADING
    assert {m for m in imported if m.startswith("derive_checker")} <= {"derive_checker", "derive_checker.axioms"}


def _module(path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each module of derive and the modules of derive it imports anywhere in its text (at the top
    or inside a function, ``import a.b`` or ``from . import b``)."""
    modules = {_module(path): path for path in (ROOT / "derive").rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(parent + ([node.module] if node.module else []))
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _reached(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for module in graph[todo.pop()] - seen:
            seen.add(module)
            todo.append(module)
    return seen


def test_no_import_cycle_runs_through_the_catalogue():
    graph = import_graph()
    assert "derive.rule_proofs" in _reached(graph, "derive.verification") | _reached(graph, "derive.cli")  # the graph sees lazy imports
    reached = _reached(graph, "derive.catalogue")
    assert "derive.catalogue" not in reached
    assert reached == LOADING - {"derive.catalogue"}
    cycles = sorted(m for m in graph if "derive.catalogue" in _reached(graph, m) and m in reached)
    assert cycles == []


def test_the_catalogue_loads_without_calling_the_prover(monkeypatch, clean_catalogue, tmp_path):
    from derive import rule_proofs
    monkeypatch.setattr(rule_proofs, "prove", lambda rule, seed=0: pytest.fail(f"proved {rule.name} at load"))
    directory = copy_of_the_catalogue(tmp_path)
    assert len(load_catalogue(directory)) == len(read_catalogue(directory))


# ----- a rule without a proof on record is refused at load, naming the command -----------------




def _tanh(rhs: str) -> str:
    return tanh_rule(rhs)


def test_a_rule_without_a_proof_on_record_is_refused_at_load_until_derive_rules_prove(tmp_path, clean_catalogue):
    directory = copy_of_the_catalogue(tmp_path, _tanh("1 - tanh(x)**2"))
    with pytest.raises(CatalogueError, match=r"rule 'derivative_of_tanh' has no proof on record .*'derive rules --prove'"):
        load_catalogue(directory)
    refused = _derive("grad", r"\tanh(x)", "--wrt", "x", directory=directory)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert "derivative_of_tanh" in refused.stderr and f"{CATALOGUE_VARIABLE}={directory}" in refused.stderr
    proved = _derive("rules", "--prove", directory=directory)
    assert proved.returncode == 0 and str(tmp_path / PROOFS_FILE) in proved.stdout, proved.stderr
    assert read_record(tmp_path)["derivative_of_tanh"]["method"] == "symbolic"
    assert (rules_directory() / PROOFS_FILE).read_text(encoding="utf-8") != (tmp_path / PROOFS_FILE).read_text(encoding="utf-8")
    done = _derive("grad", r"\tanh(x)", "--wrt", "x", "--detail", "full", directory=directory)
    assert done.returncode == 0 and "by the rule derivative_of_tanh" in done.stdout, done.stderr


def test_a_rule_edited_keeps_no_proof_of_its_old_text(tmp_path, clean_catalogue):
    def edit(name, text):
        return text.replace('rhs = "(b - a + 1)*c"', 'rhs = "(b - a + 2)*c"') if name.startswith("30_") else text
    directory = copy_of_the_catalogue(tmp_path, edit=edit)  # the record still holds the old text's proof
    with pytest.raises(CatalogueError, match="rule 'sum_of_constant' has no proof on record for its logic as written"):
        load_catalogue(directory)


# ----- only the pinned record vouches; any other claim is proved again by the checker -----------


def test_the_shipped_record_is_the_one_the_checker_pins():
    """After 'derive rules --prove' on the shipped catalogue, refresh_pins() pins the record."""
    assert pinned_digest() == record_digest(read_record(rules_directory()))
    assert trusted_entries(str(rules_directory())) == read_record(rules_directory())
    rules = load_catalogue()
    proved = {name for name, rule in rules.items() if catalogue.proved_for_every_size(rule)}
    claimed = {name for name, entry in read_record(rules_directory()).items()
               if entry["method"] == "symbolic" and not entry["sizes"]}
    assert proved == claimed and len(proved) > 80
    assert not any(catalogue.claimed_for_every_size(rule) for rule in rules.values())  # nothing left to re-check


def test_an_edited_record_vouches_for_nothing(tmp_path, clean_catalogue):
    copy_of_the_catalogue(tmp_path)
    assert trusted_entries(str(tmp_path)) == read_record(rules_directory())
    record = json.loads((tmp_path / PROOFS_FILE).read_text(encoding="utf-8"))
    record["rules"]["numeric_value"]["method"] = "symbolic"  # one flag changed
    (tmp_path / PROOFS_FILE).write_text(json.dumps(record), encoding="utf-8")
    trusted_entries.cache_clear()
    assert trusted_entries(str(tmp_path)) == {}


WRONG_AT_40 = "(b - a + 1)*c*(1 + KroneckerDelta(b, 40))"  # right at every size a check draws


def _sum_of_constant(rhs):
    def edit(name, text):
        return text.replace('rhs = "(b - a + 1)*c"', f'rhs = "{rhs}"') if name.startswith("30_") else text
    return edit


def _steps_by(derivation, rule: str):
    return [step for step in derivation.steps if step.rule == rule]


def _cli_verdicts(done: subprocess.CompletedProcess, rule: str) -> list[str]:
    """The verdict line of each step applying ``rule`` in ``derive ... --detail full``."""
    lines = done.stdout.splitlines()
    return [lines[n + 1] for n, line in enumerate(lines[:-1]) if line.strip().startswith(f"by {rule} (")]


@pytest.mark.parametrize("edit, extra, rule, loss, wrt", [
    (_sum_of_constant(WRONG_AT_40), None, "sum_of_constant", r"\sum_{k=1}^{K} x", "x"),
    (_sum_of_constant("(b - a + 1)*c + KroneckerDelta(b, 1)*c"), None, "sum_of_constant", r"\sum_{k=1}^{K} x", "x"),
    (None, _tanh("1 - tanh(x)**2 + Max(x - 40, 0)"), "derivative_of_tanh", r"\tanh(x)", "x"),  # wrong past x = 40
    (None, _tanh("1 + tanh(x)**2"), "derivative_of_tanh", r"\tanh(x)", "x"),
])
def test_an_edited_record_claiming_a_false_rule_proved_makes_no_step_say_proved(
        tmp_path, clean_catalogue, monkeypatch, edit, extra, rule, loss, wrt):
    directory = copy_of_the_catalogue(tmp_path, extra, edit=edit)
    forge_record(directory, rule)  # "symbolic, every size", under the hash of the false rule's text
    loaded = load_catalogue(directory)
    assert catalogue.claimed_for_every_size(loaded[rule]) and not catalogue.proved_for_every_size(loaded[rule])
    monkeypatch.setenv(CATALOGUE_VARIABLE, directory)
    try:
        derivation = derive.gradient(loss, wrt)
    except DeriveError:  # refused: the step is seen to be wrong
        derivation = None
    if derivation is not None:
        steps = _steps_by(derivation, rule)
        assert steps or rule == "derivative_of_tanh"  # a wrong tanh rule may be refused before it is applied
        for step in steps:
            assert step.verification.proved_by != rule and "proved" not in verification_text(step.verification, "en")
    done = _derive("grad", loss, "--wrt", wrt, "--detail", "full", directory=directory)
    assert "Traceback" not in done.stderr
    if done.returncode == 0:
        verdicts = _cli_verdicts(done, rule)
        assert all("proved" not in verdict for verdict in verdicts), verdicts
        assert f"by the rule {rule}" not in done.stdout
    else:
        assert done.returncode in (1, 2) and done.stderr.strip()


def test_the_false_rule_of_a_forged_record_is_not_proved_by_the_checker(tmp_path, clean_catalogue):
    directory = copy_of_the_catalogue(tmp_path, edit=_sum_of_constant(WRONG_AT_40))
    forge_record(directory, "sum_of_constant")
    rule = load_catalogue(directory)["sum_of_constant"]
    assert not rule_trust.rechecked(rule) and not rule_trust.proved_for_every_size(rule)


def test_a_claim_is_taken_only_where_the_checker_proves_it(tmp_path, clean_catalogue, monkeypatch):
    """A true rule with a forged claim: proved by the checker, so steps applying it are proved by it;
    with the checker made to find no proof, the same claim proves nothing."""
    directory = copy_of_the_catalogue(tmp_path, _tanh("1 - tanh(x)**2"))
    forge_record(directory, "derivative_of_tanh")
    monkeypatch.setenv(CATALOGUE_VARIABLE, directory)
    x = sp.Symbol("x", real=True)
    (step,) = _steps_by(derive.gradient(sp.tanh(x), x), "derivative_of_tanh")
    assert step.verification.proved_by == "derivative_of_tanh"
    import derive_checker.certificate
    import derive_checker.rules
    rule_trust.rechecked.cache_clear()
    monkeypatch.setattr(derive_checker.rules, "theorem", lambda *args: {"verdict": "numeric", "axioms": []})
    monkeypatch.setattr(derive_checker.certificate, "DONE", {})  # the checker's memo of reports, made afresh
    (step,) = _steps_by(derive.gradient(sp.tanh(x), x), "derivative_of_tanh")
    assert step.verification.proved_by != "derivative_of_tanh"


@pytest.mark.parametrize("text", ["not json", '{"rules": []}', '{"rules": {"log_of_one": 3}}', "[]"])
def test_a_record_that_is_not_one_is_a_clear_error(tmp_path, clean_catalogue, text):
    directory = copy_of_the_catalogue(tmp_path)
    (tmp_path / PROOFS_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match="not a record of proofs"):
        load_catalogue(directory)
    done = _derive("ce", directory=directory)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "not a record of proofs" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
