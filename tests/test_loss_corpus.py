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
    # in the form a person writes (issue 16): no longer than 1.5 times the loss, plus 10 operations
    assert sympy.count_ops(derivation.result.rhs) <= 1.5 * sympy.count_ops(derivation.steps[0].rhs) + 10
    assert not derivation.result.rhs.has(sympy.Float)  # exact rationals and roots, never 0.5


def test_most_steps_of_the_corpus_are_proved_for_every_size_and_by_the_catalogue():
    steps = [step for entry in CORPUS[:12] for step in derive.gradient(entry["latex"], entry["wrt"]).steps[1:]]
    every = [s for s in steps if s.verification.method == "symbolic" and not s.verification.sizes]
    assert len(every) >= 0.9 * len(steps)
    assert sum(s.rule == "computed_by_sympy" for s in steps) == 0


def _result(latex: str, wrt: str):
    return derive.gradient(latex, wrt)


def test_results_are_written_as_a_person_writes_them():
    from derive.printing.latex_expr import latex
    from derive.printing.unicode import unicode
    huber = _result(r"\delta^{2} (\sqrt{1 + \frac{(y - t)^{2}}{\delta^{2}}} - 1)", "y").result.rhs
    assert unicode(huber) == "(y − t)/√(1 + (y − t)²/δ²)" and r"\sqrt{" in latex(huber) and "0.5" not in latex(huber)
    gaussian = _result(r"\frac{1}{2} \log(2 \pi s) + \frac{(t - \mu)^{2}}{2 s}", "s").result.rhs
    assert unicode(gaussian) == "(1 − (t − μ)²/s)/(2 s)"
    softmax = _result(r"-\sum_{k} t_k \log \operatorname{softmax}(z)_{k}", "z_{j}")
    assert unicode(softmax.result.rhs) == "(∑ₖ₌₁ᴷ tₖ) softmax(z)ⱼ − tⱼ"
    assert softmax.steps[-1].verification.method == "symbolic" and not softmax.steps[-1].verification.sizes
    mean = _result(r"\frac{1}{N}\sum_{i=1}^{N} \frac{(t_i - \mu)^2}{2 s}", r"\mu").result.rhs
    assert "∑ᵢ₌₁ᴺ 1" not in unicode(mean) and not any(total.function == 1 for total in mean.atoms(sympy.Sum))
    focal = _result(r"-(1 - y)^{\gamma} \log y", "y").result.rhs
    powers = [p for p in focal.atoms(sympy.Pow) if p.base == 1 - sympy.Symbol("y", positive=True)]
    assert len({p.exp for p in powers}) <= 2 and "(1 − y)^γ (1 − y)" not in unicode(focal)
    logistic = _result(r"-t \log \frac{1}{1 + e^{-z}} - (1 - t) \log (1 - \frac{1}{1 + e^{-z}})", "z").result.rhs
    assert logistic.has(derive.functions.sigmoid)
