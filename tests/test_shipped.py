"""The built-ins shipped finished (derive.derivations.shipped, issue 33 item 1): each record is what the
engine derives now, every ✓ of a loaded one is the checker's verdict in this process, and an edited
record is refused, by the checker or by the binding of the record to its certificate."""
from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import subprocess
import sys
import zlib
from dataclasses import replace

import pytest
import sympy as sp

from derive.certificate import tree
from derive.cli import main
from derive.derivations import registry, ship, shipped
from derive.errors import VerificationError
from derive.steps import Equation

SMALL = "ce"  # a built-in whose record loads in a fraction of a second


def _record(name: str = SMALL) -> dict:
    return shipped.read_record((shipped.DIRECTORY / f"{name}{shipped.SUFFIX}").read_bytes())


def _ship(tmp_path, monkeypatch, record: dict, name: str = SMALL) -> None:
    """``record`` shipped in place of the package's, for this test only."""
    buffer = io.BytesIO()
    ship._Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(record)
    (tmp_path / f"{name}{shipped.SUFFIX}").write_bytes(zlib.compress(buffer.getvalue()))
    monkeypatch.setattr(shipped, "DIRECTORY", tmp_path)
    monkeypatch.delenv(shipped.SWITCH, raising=False)
    registry.get.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_registry():
    registry.get.cache_clear()
    yield
    registry.get.cache_clear()


def test_every_built_in_ships_a_record_made_from_the_rules_in_use():
    names = registry.names()
    assert sorted(p.name.removesuffix(shipped.SUFFIX) for p in shipped.DIRECTORY.iterdir()) == sorted(names)
    assert {_record(name)["fingerprint"] for name in ("ce", "hinge-grad")} == {shipped.fingerprint()}


def test_a_loaded_built_in_is_verified_by_the_checker_here(monkeypatch):
    record = _record()
    assert all(step.verification.method == "no" for step in record["derivation"].steps)  # nothing kept of the engine's
    checked = []
    import derive.checking as checking
    real = checking.checked_as
    monkeypatch.setattr(checking, "checked_as", lambda d, doc: checked.append(d.name) or real(d, doc))
    loaded = shipped.load(SMALL)
    assert checked == [SMALL] and loaded is not None
    assert all(step.verification.verified for step in loaded.steps)


def test_an_edited_step_is_refused_by_the_checker(tmp_path, monkeypatch):
    record = _record()
    derivation, document = record["derivation"], record["certificate"]
    last = derivation.steps[-1]
    wrong = 2 * last.rhs  # the last step now claims twice its value, in the steps and in the certificate alike
    steps = (*derivation.steps[:-1], replace(last, equation=Equation(last.lhs, wrong)))
    document["steps"][-1]["rhs"] = tree(wrong)
    _ship(tmp_path, monkeypatch, {**record, "derivation": replace(derivation, steps=steps), "certificate": document})
    with pytest.raises(VerificationError, match="the checker refuses step"):
        shipped.load(SMALL)
    assert main(["show", SMALL]) == 2  # derive show refuses it, with the checker's reason on stderr


@pytest.mark.parametrize("edit", ["steps", "certificate", "models"])
def test_a_record_whose_steps_and_certificate_disagree_is_refused(tmp_path, monkeypatch, edit):
    record = _record()
    derivation, document = record["derivation"], record["certificate"]
    if edit == "steps":  # what is printed is not what the checker checks
        first = derivation.steps[0]
        derivation = replace(derivation, steps=(replace(first, equation=Equation(first.lhs, first.rhs + 1)), *derivation.steps[1:]))
    elif edit == "certificate":
        document["steps"][0]["rhs"] = tree(sp.Integer(0))
    else:  # the checker told another model than the one the steps were derived in
        declared = next(iter(document["models"].values()))
        declared["facts"] = [*declared.get("facts", []), "probabilities_sum_to_one"][::-1] + ["labels_sum_to_one"]
    _ship(tmp_path, monkeypatch, {**record, "derivation": derivation, "certificate": document})
    with pytest.raises(VerificationError, match="does not match its certificate"):
        shipped.load(SMALL)


def test_a_record_that_cannot_be_read_is_not_used(tmp_path, monkeypatch):
    """Damaged, or pickled by a SymPy the installed one cannot read (sympy has no upper bound): the engine
    derives the built-in instead of the built-in failing."""
    (tmp_path / f"{SMALL}{shipped.SUFFIX}").write_bytes(b"not a pickle")
    monkeypatch.setattr(shipped, "DIRECTORY", tmp_path)
    assert shipped.load(SMALL) is None


def test_a_record_of_other_rules_is_not_used(monkeypatch):
    monkeypatch.setattr(shipped, "fingerprint", lambda: "rules edited since")
    assert shipped.load(SMALL) is None
    monkeypatch.undo()
    monkeypatch.setenv(shipped.SWITCH, "0")
    assert shipped.load(SMALL) is None


def test_the_records_are_written_by_the_engine_only(monkeypatch):
    monkeypatch.delenv(shipped.SWITCH, raising=False)
    with pytest.raises(VerificationError, match="DERIVE_SHIPPED=0"):
        ship.write((SMALL,))


COMPARE = """
import json, re
import sympy as sp
from derive.derivations import registry, ship, shipped

def norm(text):  # a Dummy known by where it first appears: SymPy numbers them afresh in each process
    seen = {}
    return re.sub(r"dummy_index=(\\d+)", lambda m: "dummy=%d" % seen.setdefault(m.group(1), len(seen)), text)

def shape(derivation):  # what a derivation says
    steps = [(s.rule, s.kind, s.location, s.model, s.tag, str(s.check.how), s.check.name, s.check.inherited) for s in derivation.steps]
    return norm(" ".join(sp.srepr(e) for e in ship._expressions(derivation))), steps, derivation.models

cross = lambda c: c and (norm(sp.srepr(sp.Tuple(*c[0], c[1]))), c[2])
differ = []
for name in registry.names():
    kept = shipped.read_record((shipped.DIRECTORY / f"{name}{shipped.SUFFIX}").read_bytes())
    now = shipped.read_record(ship.record_of(name))
    if kept["fingerprint"] != now["fingerprint"] or kept["certificate"] != now["certificate"] \\
            or shape(kept["derivation"]) != shape(now["derivation"]) or cross(kept["cross_check"]) != cross(now["cross_check"]):
        differ.append(name)
    engine, loaded = registry.get(name), shipped.load_anyway(name)
    if shape(loaded) != shape(engine) or [s.verification for s in loaded.steps] != [s.verification for s in engine.steps] \\
            or loaded.cross_checks != engine.cross_checks:
        differ.append(name + " (as loaded)")
print(json.dumps(differ))
"""


def test_every_shipped_record_is_what_the_engine_derives_now():
    """The guard against a stale record: every built-in derived by the engine now (DERIVE_SHIPPED=0, in a
    process of its own, hash seed 0 as the records were written) is the record shipped, and the record
    loaded and re-checked gives the engine's steps, verdicts and cross-checks.  Refresh the records with
    ``PYTHONHASHSEED=0 python -m derive.derivations.ship``."""
    env = {**os.environ, shipped.SWITCH: "0", "PYTHONHASHSEED": "0"}
    done = subprocess.run([sys.executable, "-c", COMPARE], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_a_cited_gradients_cross_checks_are_made_when_read_and_a_shown_gradients_are_printed():
    """A built-in loaded to be cited is shown by its citer: its cross-checks (sympy.diff, central differences, 0.1-0.25 s)
    are made only when something reads them, and then they are the engine's (issue 33)."""
    code = """import json, derive
from derive.deferred import Deferred
citer = derive.get("bce-sigmoid-grad-stable")
cited = [s.check.derivation for s in citer.steps if s.check.derivation is not None and s.check.derivation.name == "bce-sigmoid-grad"]
pending = [isinstance(c.cross_checks, Deferred) and not c.cross_checks.made for c in cited]
made = [[check.method for check in c.cross_checks] for c in cited]
print(json.dumps([pending, made, [c.cross_checks.made for c in cited]]))
"""
    from derive.languages import EXTRA_VARIABLE
    from derive.rules_location import CATALOGUE_VARIABLE
    environment = {k: v for k, v in os.environ.items() if k not in (shipped.SWITCH, CATALOGUE_VARIABLE, EXTRA_VARIABLE)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=environment)
    assert done.returncode == 0, done.stderr
    pending, made, after = json.loads(done.stdout)
    assert pending and all(pending)  # cited, not yet read: not made
    assert made == [["sympy.diff", "central difference"]] * len(pending) and all(after)
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        assert main(["show", "bce-sigmoid-grad"]) == 0
    assert "sympy.diff" in shown.getvalue()


def test_a_deferred_tuple_that_fails_raises_at_every_read_never_reads_as_empty():
    """Sequence's own iteration ends at an IndexError: a cross-check that failed so must not read as none."""
    from derive.deferred import Deferred

    calls = []

    def failing():
        calls.append(1)
        raise IndexError("a failure inside the cross-check")
    checks = Deferred(failing)
    for read in (list, len, lambda c: 0 in c, lambda c: c == ()):
        with pytest.raises(IndexError, match="inside the cross-check"):
            read(checks)
    assert calls == [1] and not checks.made
    made = Deferred(lambda: [1, 2])
    assert list(made) == [1, 2] and made == (1, 2) and 2 in made and made.made and pickle.loads(pickle.dumps(made)) == (1, 2)
