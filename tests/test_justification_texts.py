"""The words beside the steps are text with inline mathematics (issue 18): every formula of the
catalogue's texts, templates and the series' notes is LaTeX between dollar signs, never ASCII
pseudo-maths (``a^y = x``, ``y_ik``, ``delta_km``); KaTeX renders each one, the terminal shows it in
Unicode, and a template that cannot be filled in is refused when the catalogue loads."""
import json
import re
import subprocess

import pytest

import derive
from derive.catalogue import TEMPLATE_NAMES, TEMPLATES, read_rulesets
from derive.languages import language
from derive.errors import CatalogueError
from derive.printing.inline_math import pieces, unicode_words
from derive.series_notes import PRINTED

from tools import ROOT, copy_of_the_catalogue, require_katex

SAMPLE_NAMES = {"x": "y_{ik}", "j": "m", "i": "k", "n": "l", "f": r"\log", "a": "z_{j}", "d": r"\delta_{ij}",
                "h": "h", "name": "ce"}
# Outside the formulas: no scripts, no TeX, no relations, no mathematical characters, no Greek
# spelled out, no one-letter variable (the English article and "I" aside).
PSEUDO_MATHS = re.compile(r"[\\^=<>∂∑∏σδρετᵢⱼₖₘₗ⁻ᵀ′−×]|\b[A-Za-z]_|\b(sigma|(?<!Kronecker )deltas?|epsilon|rho|tau|lambda)(?![A-Za-z])|\b(sum_|exp\(|log\()"
                          r"|(?<![\w.'-])(?![aAI]\b)[A-Za-z](?![\w'-])")


def _texts() -> list[tuple[str, str]]:
    """(where, words) for every text a reader sees beside a step, templates filled in."""
    texts = []
    for rule in derive.rules():
        for lang in ("en", "ja"):
            texts.append((f"{rule.name}/{lang}", rule.justification[lang]))
        for lang in ("en", "ja"):
            for key in TEMPLATES:
                if key in rule.words(lang):
                    texts.append((f"{rule.name}/{lang}/{key}", str(rule.words(lang)[key]).format(**SAMPLE_NAMES)))
    for ruleset in read_rulesets().values():
        for lang in ("en", "ja"):
            texts.append((f"ruleset {ruleset.name}/{lang}", ruleset.justification[lang]))
    for tag in PRINTED:
        for lang in ("en", "ja"):
            texts.append((f"series note ({tag})/{lang}", language(lang).tables["series"][tag]))
    return texts


def test_no_text_writes_pseudo_maths_outside_its_formulas():
    texts = _texts()
    assert len(texts) > 300
    offenders = []
    for where, words in texts:
        prose = "".join(part for part, formula in pieces(words) if not formula)
        prose = re.sub(r"\b(one-hot|PyTorch's|PyTorch|SymPy|sympy\.diff|BCE|NaN|ignore_index|pos_weight|label_smoothing|"
                       r"log-derivative|log-likelihood|log-sum-exp|log-of-power)\b", " ", prose)
        found = PSEUDO_MATHS.search(prose)
        if found:
            offenders.append((where, found.group(0), words))
    assert offenders == []


def test_the_check_catches_what_the_issue_quoted():
    """The pattern above is what keeps the catalogue clean: it must fire on the old texts."""
    for old in ("exponent y with a^y = x", "Since z_ik = sum_d x_id W_dk", "y_k delta_km", "T (log Y)^T",
                "weight rho_k", "1 - sigma(z)", "−log L = ∑ₖ tₖ log yₖ", "the sum over k"):
        assert PSEUDO_MATHS.search(old), old
    assert not PSEUDO_MATHS.search("A factor that does not depend on the summation index is taken out of the sum.")


def test_every_formula_of_the_texts_renders_in_katex():
    blocks = [{"id": f"{where}/{n}", "tex": formula} for where, words in _texts()
              for n, (formula, is_formula) in enumerate(pieces(words)) if is_formula]
    assert len(blocks) > 300
    node = require_katex()
    done = subprocess.run([node, str(ROOT / "tests" / "katex_render.js")], input=json.dumps(blocks),
                          capture_output=True, text=True, cwd=ROOT, timeout=300, check=True)
    report = json.loads(done.stdout)
    assert report["rendered"] == len(blocks) and report["failures"] == []


def test_the_terminal_shows_every_text_in_unicode():
    for where, words in _texts():
        shown = unicode_words(words)
        assert not re.search(r"[\\${}]", shown), (where, shown)
    assert unicode_words(r"$\partial y_{k}/\partial z_{m} = y_{k}(\delta_{km} - y_{m})$") == "∂yₖ/∂zₘ = yₖ(δₖₘ − yₘ)"


def test_the_printers_set_the_names_of_a_step_as_mathematics():
    """A filled-in template spells the step's names as the equations print them: LaTeX between
    dollars for LaTeX, Markdown, HTML and JSON, Unicode on the terminal."""
    from derive.printing.justifications import justification
    from derive.printing.latex_format import LatexPrinter
    from derive.printing.text import derivation_text

    jacobian = derive.get("softmax-jacobian")
    steps = jacobian.steps
    component = next(n for n, s in enumerate(steps) if s.rule == "derivative_of_component")
    words = justification(steps[component], steps[component - 1].equation, "en")
    assert words == r"$z_{k}$ depends on $z_{m}$ only where their indices agree: $\partial z_{k}/\partial z_{m} = \delta_{km}$."
    assert "zₖ depends on zₘ only where their indices agree: ∂zₖ/∂zₘ = δₖₘ." in derivation_text(jacobian, detail="full")
    latex = LatexPrinter(detail="full").doprint(jacobian)
    assert r"\parbox[t]{0.3\linewidth}{\raggedright\footnotesize $z_{k}$ depends on $z_{m}$" in latex
    matrix = LatexPrinter(detail="full").doprint(derive.get("ce-matrix-grad"))
    assert "z_ik" not in matrix and "W_dk" not in matrix and r"\_" not in matrix.replace(r"ignore\_index", "")


@pytest.mark.parametrize("text, complaint", [
    ('en_at = "the derivative by ${x}$ of $e^{-x}$"', "double them: {{-x}}"),  # a LaTeX brace not doubled
    ('en_at = "the derivative by ${x}$ of $e^{-x$"', "double a LaTeX brace"),
    ('en_at = "the derivative by ${y}$"', "names ['y']"),
    ('en = "the sum over $k, one dollar"', "unpaired dollar sign"),
])
def test_a_catalogue_whose_words_cannot_be_printed_is_refused_at_load(tmp_path, text, complaint):
    def edit(name: str, source: str) -> str:
        if name != "70_calculus.toml":
            return source
        name_line = 'name = "derivative_of_constant"\n'  # a rule's own words, beside its logic, checked as the shipped words are
        return source.replace(name_line, name_line + text + "\n")
    directory = copy_of_the_catalogue(tmp_path, edit=edit)
    from derive.catalogue import read_catalogue
    try:
        with pytest.raises(CatalogueError, match=re.escape(complaint)) as raised:
            read_catalogue(directory)
    finally:
        read_catalogue.cache_clear()
    assert "derivative_of_constant" in str(raised.value)


def test_template_names_are_what_the_printer_fills_in():
    import inspect
    from derive.printing import justifications
    filled = set(re.findall(r'names\["(\w+)"\]', inspect.getsource(justifications)))
    assert filled == set(TEMPLATE_NAMES)
