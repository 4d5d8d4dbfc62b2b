"""The quick LaTeX reader (derive.latex_reader) reads exactly as latex2sympy2-extended does, or
declines and leaves the text to it: from_latex gives the same expression, or the same error, with
the reader and without it.  It reads every loss of the corpus, so a user's gradient imports
neither the ANTLR parser nor numpy."""
from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import sympy as sp

from derive import front_end
from derive.latex_reader import read

CORPUS = tomllib.loads((Path(__file__).parent.parent / "examples" / "loss_corpus.toml").read_text(encoding="utf-8"))["loss"]

# Plain spellings and the full parser's quirks (each either read alike or declined).
SPELLINGS = [
    r"x2", r"xy", r"a d x", r"2e3", r"ab_{i}", r"\log(x) y", r"\log x \log y", r"\log x y", r"\log x / y",
    r"\log x \cdot y", r"\log \log x", r"\exp x y", r"\tanh x + 1", r"\sin x^{2}", r"\log_2 x", r"\ln(1-y)",
    r"\max(0, 1-tz)", r"\max(0, 1 - t \log z)", r"\max(0, 2 3)", r"\max(0, x_{i,k})", r"\max(0, (a]) + 1",
    r"\max(\tau (y_{i} - q_{i}), (\tau - 1) (y_{i} - q_{i}))", r"\min(a,b,c)",
    r"\sum_{k=1}^{K} -x_{k}", r"\sum_{k=1}^{K} x_{k} / N", r"\sum_{t=1}^{T} y_{t}", r"\prod_{k=1}^{K} y_{k}^{t_{k}}",
    r"a|b|", r"|a|+|b|", r"|a||b|", r"|x|^{2}", r"2\frac{1}{2}", r"2 \frac{1}{2} x", r"-2 \frac{1}{2}", r"2(3)", r"2 3",
    r"x^23", r"x^ab", r"x^{2}^{3}", r"x^{T}", r"2^{x}", r"x_{i}^{2}", r"x^{2}_{i}", r"x_{i k}", r"007 x", r"3.5",
    r"x(y)", r"x (y)", r"x(2y)", r"x(1-y)", r"x[y]", r"x^{2}(y)", r"\pi [ \hat{y} ] - t", r"e(1-p)", r"E (y)",
    r"e", r"e_{i}", r"E_{i}", r"\hat y", r"\hat{y}_{ik}", r"\bar{x}_{i} - \tilde{y}_{i}", r"\varepsilon", r"\ell_{i}",
    r"\alpha (1-p)^{\gamma} \log p", r"\frac{d}{dx} x", r"\frac12", r"0/0", r"a - b - c", r"--x", r"x - -y", r"tr",
    r"e^{ \exp 2 0.5 \min( 2   ] }", r"x p \exp x e", r"\exp 2 / \frac{1}{2} e + 0.5", r"\frac{1}{N} \sum_{i=1}^{N} (y_{i} - t_{i})^{2}",
]


def _from_latex(text: str, quick: bool, monkeypatch) -> tuple[str, str]:
    """from_latex's answer (an expression or an error), with the quick reader or without it."""
    monkeypatch.setattr(front_end, "read", read if quick else (lambda text: None))
    front_end._from_latex_once.cache_clear()
    try:
        return "expression", sp.srepr(front_end.from_latex(text, model_names=False))
    except Exception as error:  # the same error, word for word
        return type(error).__name__, str(error)
    finally:
        front_end._from_latex_once.cache_clear()


@pytest.mark.parametrize("text", SPELLINGS + [loss["latex"] for loss in CORPUS[::8]])
def test_the_reader_reads_as_the_parser_does(text, monkeypatch):
    assert _from_latex(text, True, monkeypatch) == _from_latex(text, False, monkeypatch)


def test_the_reader_declines_the_parsers_quirks():
    for quirk in (r"a d x", r"2e3", r"x(y)", r"x[y]", r"x^{T}", r"tr", r"\frac{d}{dx} x", r"\hat y"):
        assert read(front_end._rewritten(quirk)) is None, quirk


def test_every_corpus_loss_is_read_quickly():
    unread = [loss["name"] for loss in CORPUS if read(front_end._rewritten(front_end.slotted(loss["latex"])[0])) is None]
    assert not unread


def test_a_users_gradient_imports_neither_the_parser_nor_numpy(tmp_path):
    script = ("import sys, derive\n"
              "derive.gradient(r'-\\frac{1}{N} \\sum_{i=1}^{N} \\lbrack t_{i} \\log \\sigma(z_{i}) + (1 - t_{i}) "
              "\\log(1 - \\sigma(z_{i})) \\rbrack', 'z_{j}')\n"
              "print(sorted(m for m in ('antlr4', 'latex2sympy2_extended', 'numpy') if m in sys.modules))\n")
    env = {**os.environ, "DERIVE_CACHE_DIR": str(tmp_path), "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
