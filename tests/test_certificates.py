"""Certificates round trip: every built-in derivation and every loss of the corpus, written as a
certificate (``Derivation.certificate()``, ``--format certificate``), is re-checked by the checker
alone (``derive verify``), which imports none of the engine."""
import json
import subprocess
import sys
import tomllib

import pytest

import derive
from derive_checker.certificate import check_catalogue, check_certificate
from tools import ROOT

CORPUS = tomllib.loads((ROOT / "examples" / "loss_corpus.toml").read_text(encoding="utf-8"))["loss"]


def _round_trip(derivation) -> dict:
    document = json.loads(json.dumps(derivation.certificate()))
    assert document["schema"] == "derive-certificate/1"
    report = check_certificate(document)
    assert report["ok"], report["failure"]
    assert len(report["steps"]) == len(derivation.steps)
    return report


MATRIX_FORMS = ("ce-vector", "ce-matrix-grad", "softmax-hessian")  # matrix heads, a linear layer Z = XW


@pytest.mark.parametrize("name", derive.names())
def test_every_built_in_certificate_is_verified_by_the_checker(name):
    report = _round_trip(derive.get(name))
    assert report["axioms"]  # every verdict says what it rests on


@pytest.mark.parametrize("name", MATRIX_FORMS)
def test_the_matrix_forms_are_checked_entry_by_entry(name):
    document = json.loads(json.dumps(derive.get(name).certificate()))
    report = check_certificate(document)
    assert report["ok"], report["failure"]
    assert "def-matrix" in report["axioms"]
    last = report["steps"][-1]
    # the matrix form itself, for every size; ce-vector's last step stacks one sample's loss into the loss over N
    # samples, their mean: a definition (def-cross-entropy), not a consequence of the one-sample line
    assert last["verdict"] == ("stated" if name == "ce-vector" else "proved"), last
    assert name != "ce-vector" or "def-cross-entropy" in last["axioms"]
    assert any(m.get("matrices") for m in document["models"].values())


def test_every_loss_of_the_corpus_certificate_is_verified_by_the_checker():
    for entry in CORPUS:
        derived = derive.gradient(entry["latex"], entry["wrt"])
        for derivation in getattr(derived, "derivations", (derived,)):  # a loss with kinks: each piece's
            report = _round_trip(derivation)
            assert report["steps"][0]["verdict"] == "given"


def test_the_catalogue_is_re_checked_axioms_by_their_pins_theorems_proved_afresh():
    from derive.certificate import catalogue_certificate
    result = check_catalogue(catalogue_certificate())
    assert result["ok"]
    statuses = {r["status"] for r in result["rules"]}
    assert statuses == {"axiom", "theorem"}
    assert sum(r["verdict"] == "proved" for r in result["rules"] if r["status"] == "theorem") >= 10


def test_the_pins_are_the_catalogue_s():
    """The checker's table of SHA-256 pins is the catalogue's own (derive.certificate.refresh_pins)."""
    from derive.catalogue import load_catalogue
    from derive.certificate import pin, rule_statement
    from derive_checker.axioms import table
    pinned = table()["rules"]
    for rule in load_catalogue().values():
        if {"lhs", "to", "defines"} & set(rule.data):
            assert pinned[rule.name][0] == pin(rule_statement(rule)), rule.name


def _derive(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, **kwargs)


def test_derive_verify_uses_the_checker_alone(tmp_path):
    path = tmp_path / "bce-sigmoid-grad.json"
    path.write_text(json.dumps(derive.get("bce-sigmoid-grad").certificate()), encoding="utf-8")
    code = ("import sys; from derive.cli import main; code = main(['verify', sys.argv[1]]); "
            "engine = sorted(m for m in sys.modules if m.startswith(('derive.', 'numpy', 'numba')) and m not in "
            "('derive.cli', 'derive.terminal', 'derive.errors', 'derive.verify_report', 'derive.languages')); "  # languages: the report's words, no engine
            "print('MODULES', engine); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "MODULES []" in done.stdout
    assert done.stdout.count("✓ step") == len(derive.get("bce-sigmoid-grad").steps)


def test_derive_verify_names_the_first_failing_step_and_exits_1(tmp_path):
    document = derive.get("ce").certificate()
    document["steps"][4]["rhs"] = ["Integer", "0"]
    path = tmp_path / "ce.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    done = _derive("verify", str(path))
    assert done.returncode == 1
    assert "first failure: step 5 (log_of_power)" in done.stdout


@pytest.mark.parametrize("text", ["{", '{"schema": "derive-certificate/1"}', "[1, 2]",
                                  '{"schema": "derive-certificate/1", "models": {}, "rules": {}, "steps": '
                                  '[{"check": "equal", "lhs": ["eval", "1"], "rhs": ["Integer", "1"], "model": "m"}]}'])
def test_a_malformed_certificate_is_one_line_on_stderr_and_exit_2(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    done = _derive("verify", str(path))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_head_is_refused_with_a_clear_error():
    from derive_checker.expressions import Malformed, Scope, read
    with pytest.raises(Malformed, match="unknown head '__import__'"):
        read(["__import__", ["Symbol", "os"]], Scope())


def test_format_certificate_and_axioms_on_the_command_line():
    shown = _derive("show", "ce", "--format", "certificate")
    assert shown.returncode == 0 and json.loads(shown.stdout)["schema"] == "derive-certificate/1"
    axioms = _derive("show", "ce", "--axioms", "--format", "json")
    assert "def-likelihood" in json.loads(axioms.stdout)["axioms"]
    listed = _derive("axioms", "--lang", "ja")
    assert listed.returncode == 0 and "Concrete Mathematics" in listed.stdout


def test_derive_verify_passes_a_matrix_form_on_the_command_line(tmp_path):
    path = tmp_path / "ce-vector.json"
    shown = _derive("show", "ce-vector", "--format", "certificate")
    assert shown.returncode == 0, shown.stderr
    path.write_text(shown.stdout, encoding="utf-8")
    done = _derive("verify", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sum_as_dot_product (equal): proved for every size" in done.stdout
    assert "def-matrix" in done.stdout


def test_show_axioms_agrees_with_the_list_in_the_certificate():
    for name in ("ce", "softmax-hessian"):
        listed = derive.get(name).certificate()["rests_on"]
        shown = _derive("show", name, "--axioms", "--format", "json")
        assert shown.returncode == 0, shown.stderr
        found = json.loads(shown.stdout)
        assert found["verified"] and {"axioms": found["axioms"], "theorems": found["theorems"]} == listed
    assert "log_of_quotient" in listed["theorems"]  # softmax-hessian applies a theorem the checker proves


def test_each_rewrite_step_says_how_each_condition_was_discharged():
    document = derive.get("ce").certificate()
    hows = {c["how"] for s in document["steps"] if s["check"] == "rewrite" for c in s["conditions"]}
    assert "positive: declared in the model" in hows and "real: declared in the model" in hows
    grad = derive.get("bce-grad").certificate()
    assert any(c["how"].startswith("independent of") and c["how"].endswith(": checked")
               for s in grad["steps"] if s["check"] == "rewrite" for c in s["conditions"])


def test_a_summation_index_sympy_binds_is_certified_under_a_name_no_other_symbol_has():
    """SymPy's derivative of a product is a sum over a Dummy index (the factor left out); the
    certificate names it afresh (not m, which the loss used and dropped, nor j) and the checker checks it."""
    import sympy as sp
    derivation = derive.gradient(r"m + \prod_{i=1}^{3} x_{i}", "x_{j}")
    step = next(s for s in derivation.steps if s.rule == "computed_by_sympy")
    assert len(step.rhs.atoms(sp.Dummy)) == 1
    assert all(s.verification.verified for s in derivation.steps[1:]) and step.verification.method == "symbolic"
    document = derivation.certificate()
    (model,) = document["models"].values()
    fresh = set(model["symbols"]) - {"E", "i", "j", "m"}
    assert len(fresh) == 1 and model["symbols"][fresh.pop()] == "index" and "Dummy" not in json.dumps(document)
