"""Every loss of the corpus from the literature (examples/loss_corpus.toml) is differentiated step
by step: the user's loss is the only step taken as given, every other step is verified, the result
agrees with sympy.diff and a central difference, and SymPy differentiates only where no rule of the
catalogue applies."""
import tomllib
from pathlib import Path

import pytest
import sympy

import derive

CORPUS = tomllib.loads((Path(__file__).parent.parent / "examples" / "loss_corpus.toml").read_text(encoding="utf-8"))["loss"]


def test_the_corpus_has_forty_losses_with_their_sources():
    assert len(CORPUS) >= 40
    assert all({"name", "source", "latex", "wrt"} <= set(entry) for entry in CORPUS)
    assert len({entry["name"] for entry in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("entry", CORPUS, ids=lambda entry: entry["name"])
def test_every_loss_of_the_corpus_is_differentiated_and_verified(entry):
    derivation = derive.gradient(entry["latex"], entry["wrt"])
    assert derivation.steps[0].verification.method == "no"
    assert all(step.verification.method in ("symbolic", "numeric") for step in derivation.steps[1:])
    assert [check.method for check in derivation.cross_checks] == ["sympy.diff", "central difference"]
    assert not derivation.result.rhs.has(sympy.Derivative)


def test_most_steps_of_the_corpus_are_proved_for_every_size_and_by_the_catalogue():
    steps = [step for entry in CORPUS[:12] for step in derive.gradient(entry["latex"], entry["wrt"]).steps[1:]]
    every = [s for s in steps if s.verification.method == "symbolic" and not s.verification.sizes]
    assert len(every) >= 0.9 * len(steps)
    assert sum(s.rule == "computed_by_sympy" for s in steps) == 0
