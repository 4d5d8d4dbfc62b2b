"""Names are data, never markup (issue 28, item 1).

Every payload class (TeX primitives spelled with ``^^``, TeX's specials, HTML, Markdown, control
characters) goes in through every place a name enters (``\\mathrm{...}``, ``\\hat{...}``, a
subscript, the ``--wrt`` name, a sum's array; SymPy names through the API) and out through every
format.  Each case must end in a clean refusal (the CLI: one line on stderr starting
``derive: error:``, exit code 2, no raw control character in it) or in inert output; and the
output that is produced (legitimate names, and hostile names let past the checks on purpose, to
test the printers' own escaping) is read by the real tools: pdflatex compiles the LaTeX and
reads or writes no file, a CommonMark renderer finds no markup in the Markdown, headless
Chromium runs no script of the HTML.  A harness check shows each of those tools does see an
unescaped payload, so none of these assertions passes by looking at nothing."""
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import sympy as sp

import derive
from derive.errors import DeriveError, ParseError
from derive.printing import render
from derive.safe_names import is_name
from tools import ROOT, require, require_katex, require_tex

PAYLOADS = {
    "tex-input": "^^5cinput^^7bSECRET.txt^^7d",
    "tex-input-outside": "^^5cinput^^7b../outside/SECRET.txt^^7d",
    "tex-openout": "^^5cimmediate^^5copenout1=PWNED.tex",
    "tex-write18": "^^5cimmediate^^5cwrite18^^7btouch PWNED^^7d",
    "input": r"\input{SECRET.txt}",
    "openout": r"\immediate\openout1=PWNED.tex",
    "write18": r"\immediate\write18{touch PWNED}",
    "percent": "a%b",
    "hash": "a#b",
    "tilde": "a~b",
    "ampersand": "a&b",
    "dollar": "a$b",
    "braces": "a}{b",
    "tex-brace": "a^^7db",
    "script": "<script>document.title='PWNED'</script>",
    "closing-tag": "</h2><h1>PWNED</h1>",
    "attribute": "<img src=x onerror=\"document.title='PWNED'\">",
    "md-image": "![x](x/onerror=1)",
    "md-link": "[a](javascript:x)",
    "esc": "a\x1b[31mb",
    "esc-alone": "a\x1bb",
    "bel": "a\x07b",
    "nul": "a\x00b",
    "cr": "a\rb",
    "backspace": "a\x08b",
    "rlo": "a\u202eb",
}
# Where a name enters through LaTeX: (loss, --wrt), P standing for the name.
POSITIONS = {
    "mathrm": (r"\mathrm{P} x^{2}", "x"),
    "hat": (r"\hat{P} x^{2}", "x"),
    "subscript": (r"x^{2} w_{P}", "x"),
    "wrt": (r"x^{2}", r"\mathrm{P}"),
    "wrt-bare": (r"x^{2}", "P"),
    "sum-array": (r"\sum_{k=1}^{K} \mathrm{P}_{k} x", "x"),
}
# Legitimate names in the same places: something to compile, render and load.
LEGITIMATE = {
    "mathrm": (r"\mathrm{lr} x^{2}", "x"),
    "hat": (r"\hat{y} x^{2}", r"\hat{y}"),
    "subscript": (r"\alpha x^{2} + w_{\alpha} x", r"\alpha"),
    "wrt": (r"\mathrm{lr} x^{2}", r"\mathrm{lr}"),
    "sum-array": (r"\sum_{k=1}^{K} \hat{p}_{k} x", "x"),
}
FORMATS = ("text", "json", "latex", "markdown", "html")
# What a name must never leave in LaTeX, Markdown or HTML: TeX primitives and HTML.
MARKERS = ("^^", r"\input", r"\openout", r"\write", r"\immediate", "<script", "<img", "onerror=", "<h1>PWNED")
INSIDE, OUTSIDE = "CANARYINSIDE4417", "CANARYOUTSIDE9023"

DRIVER = """
import io, json, sys
from derive.cli import main
results = []
for argv in json.loads(sys.stdin.read()):
    out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    sys.stdout, sys.stderr = out, err
    try:
        code = main(argv)
    except SystemExit as exit:
        code = exit.code
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    out.flush(); err.flush()
    results.append([code, out.buffer.getvalue().decode(), err.buffer.getvalue().decode()])
print(json.dumps(results))
"""


def _raw_controls(text: str, newlines: bool = True) -> list[str]:
    """The characters of ``text`` a console would act on (controls, format characters such as
    U+202E); newlines and tabs of the output's own layout allowed where ``newlines``, and the
    zero-width spaces KaTeX puts between the parts of a formula in HTML."""
    return [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
            and not (newlines and ch in "\n\t\u200b")]


def _clean_refusal(code, stdout: str, stderr: str) -> None:
    assert code == 2, (code, stderr)
    assert stdout == ""
    assert stderr.startswith("derive: error: ") and stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    assert _raw_controls(stderr[:-1], newlines=False) == [], repr(stderr)


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _cases(table: dict, payloads: dict) -> list[tuple[str, str, str, list[str]]]:
    return [(position, payload, fmt, ["grad", loss.replace("P", name) if payload else loss,
                                      "--wrt", wrt.replace("P", name) if payload else wrt, "--format", fmt])
            for position, (loss, wrt) in table.items() for payload, name in payloads.items() for fmt in FORMATS]


@pytest.fixture(scope="module")
def cli_matrix():
    """Every payload in every position in every format, and the legitimate names, through the
    command line's own entry (``derive.cli.main``, what ``python -m derive`` runs) in one process."""
    require_katex()  # --format html renders with KaTeX
    cases = _cases(POSITIONS, PAYLOADS) + _cases(LEGITIMATE, {"": ""})
    done = subprocess.run([sys.executable, "-c", DRIVER], input=json.dumps([argv for *_, argv in cases]),
                          capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    return [(position, payload, fmt, code, stdout, stderr)
            for (position, payload, fmt, _), (code, stdout, stderr) in zip(cases, results)]


def test_every_payload_in_every_position_and_format_is_refused_or_inert(cli_matrix):
    hostile = [case for case in cli_matrix if case[1]]
    assert len(hostile) == len(PAYLOADS) * len(POSITIONS) * len(FORMATS)
    outcomes = {"refused": 0, "produced": 0}
    for position, payload, fmt, code, stdout, stderr in hostile:
        if code != 0:
            _clean_refusal(code, stdout, stderr)
            outcomes["refused"] += 1
            continue
        outcomes["produced"] += 1  # inert output: the payload did not survive as a name
        assert _raw_controls(stdout) == [], (position, payload, fmt)
        if fmt in ("latex", "markdown", "html"):
            assert not any(marker in stdout for marker in MARKERS), (position, payload, fmt)
    print(f"\n{len(hostile)} payload x position x format cases through the CLI: {outcomes}")
    # every payload is refused wherever it is written, but where the LaTeX reads as no such name:
    # a$b as ab (the parser drops '$'), \mathrm{a}{b} as a times b, a CR in w_{a\rb} as a space
    read = {(payload, position) for position, payload, _, code, _, _ in hostile if code == 0}
    assert {payload for payload, _ in read} <= {"dollar", "braces", "cr"}
    assert ("cr", "mathrm") not in read and ("braces", "sum-array") not in read
    assert outcomes["refused"] >= len(hostile) - 3 * len(POSITIONS) * len(FORMATS)


def test_a_refused_name_is_named_by_its_character_escaped(cli_matrix):
    """Where the name itself is refused, the message names the character, escaped: ``'\\x1b'``."""
    messages = {(position, payload): stderr for position, payload, fmt, code, _, stderr in cli_matrix
                if payload and fmt == "text" and code == 2}
    assert "holds '\\x1b'" in messages[("mathrm", "esc-alone")]
    assert messages[("mathrm", "esc-alone")].startswith("derive: error: at position 9: the name 'a\\x1bb'")  # the reader's
    assert "(near 'x^{2} w_{a\\x07b}')" in messages[("subscript", "bel")]  # the parser's words quote it escaped too
    assert "holds '\\u202e'" in messages[("hat", "rlo")]
    assert "holds '\\x00'" in messages[("sum-array", "nul")]
    assert "holds '<'" in messages[("mathrm", "script")]
    assert "holds '^'" in messages[("mathrm", "tex-input")]
    assert "holds '!'" in messages[("hat", "md-image")]
    assert "holds '%'" in messages[("mathrm", "percent")]


def test_legitimate_names_still_come_out_in_every_format(cli_matrix):
    legitimate = [case for case in cli_matrix if not case[1]]
    assert len(legitimate) == len(LEGITIMATE) * len(FORMATS)
    for position, _, fmt, code, stdout, stderr in legitimate:
        assert code == 0, (position, fmt, stderr)
        assert _raw_controls(stdout) == []
    latex = {position: stdout for position, _, fmt, _, stdout, _ in legitimate if fmt == "latex"}
    assert r"\hat{y}" in latex["hat"] and r"w_{\alpha}" in latex["subscript"] and "lr" in latex["mathrm"]
    assert r"\hat{p}_{k}" in latex["sum-array"] and r"\partial lr" in latex["wrt"]


@pytest.mark.parametrize("payload", [name for name in PAYLOADS if name != "nul"])  # argv cannot hold NUL
def test_the_command_itself_refuses_in_one_clean_line(payload):
    """``python -m derive grad`` as a user runs it: exit code 2, one line, no raw control character."""
    fmt = FORMATS[list(PAYLOADS).index(payload) % 4]  # text, json, latex, markdown in turn
    done = subprocess.run([sys.executable, "-m", "derive", "grad", rf"\mathrm{{{PAYLOADS[payload]}}} x^{{2}}",
                           "--wrt", "x", "--format", fmt], capture_output=True, text=True, cwd=ROOT, env=_env(),
                          timeout=300)
    if payload in ("dollar", "braces"):  # \mathrm{a$b} reads as ab (the '$' dropped), \mathrm{a}{b} as a times b
        assert done.returncode == 0 and PAYLOADS[payload] not in done.stdout and _raw_controls(done.stdout) == []
        return
    _clean_refusal(done.returncode, done.stdout, done.stderr)


# ----- the API: SymPy names can hold anything -----------------------------------------------------
x = sp.Symbol("x", real=True)
k = sp.Symbol("k", integer=True)
K = sp.Symbol("K", integer=True, positive=True)


def _api_positions(name: str) -> dict:
    """Each place a SymPy name enters the API, as a call."""
    index = sp.Symbol(name, integer=True)
    return {
        "symbol": lambda: derive.gradient(sp.Symbol(name, real=True) * x**2, x),
        "array": lambda: derive.gradient(sp.Sum(sp.IndexedBase(name)[k], (k, 1, K)) * x, x),
        "index": lambda: derive.gradient(sp.Sum(sp.IndexedBase("p")[index], (index, 1, K)) * x, x),
        "function": lambda: derive.gradient(sp.Function(name)(x) + x**2, x),
        "left-side": lambda: derive.gradient(sp.Eq(sp.Symbol(name), x**2), x),
        "wrt": lambda: derive.gradient(x**2 + sp.Symbol(name, real=True), sp.Symbol(name, real=True)),
        "derivation-wrt": lambda: derive.get("bce").gradient(sp.Symbol(name, real=True)),
        "likelihood": lambda: derive.cross_entropy(likelihood=sp.Symbol(name, positive=True)),
    }


@pytest.mark.parametrize("payload", list(PAYLOADS))
def test_every_payload_through_the_api_is_a_derive_error_naming_the_character(payload):
    name = PAYLOADS[payload]
    for position, call in _api_positions(name).items():
        if position == "function" and "\x00" in name:
            continue  # Python itself refuses a class (SymPy's undefined function) named with NUL
        spelling = "_" if position == "function" else "_{},\\"  # what a (function's) name may be spelled with
        wrong = next((ch for ch in name if not (ch.isascii() and ch.isalnum()) and ch not in spelling), None)
        with pytest.raises(DeriveError) as refused:
            call()
        message = str(refused.value)
        assert _raw_controls(message, newlines=False) == [], (position, message)
        named = repr(wrong)[1:-1] if wrong is not None and not wrong.isprintable() else wrong
        assert f"holds '{named}'" in message if wrong is not None else "out of place" in message, (position, message)


def test_the_api_still_takes_legitimate_sympy_names():
    for name in ("lr", "y_hat", r"\hat{y}", "w_{1,2}", "alpha", "x1"):
        derivation = derive.gradient(sp.Symbol(name, real=True) * x**2, x)
        assert derivation.result.rhs == 2 * sp.Symbol(name, real=True) * x


def test_the_grammar_takes_every_name_the_reader_makes_of_legitimate_latex():
    for text in (r"\hat{y}_{ik}", r"\hat{\theta}", r"\bar{x}", r"\tilde{w}_{k}", r"\mathrm{lr}", r"\alpha_{1,2}",
                 r"\Gamma_{k}", r"\mathrm{x1}", r"x_{\alpha}", r"\mathrm{a}_{\mathrm{b}}", r"\hat{\ell}", r"v_{t}",
                 r"q_{c}", r"m_{\xi}", r"\lim_{h \to 0} \frac{\log(h + x) - \log x}{h}"):
        derive.from_latex(text + " y")  # none refused
    assert all(is_name(n) for n in ("x", "lr", r"\hat{y}", "hat{y}", "v_t", "x_{\\text{max}}", "w_{1,2}", "alpha"))
    assert not any(is_name(n) for n in ("", "1a", "a.b", "a_b_c", r"\input", r"x_{\input}", "é", "a b", "<b>"))


def test_a_parse_error_points_at_the_character_in_the_text():
    with pytest.raises(ParseError) as refused:
        derive.from_latex(r"x^{2} + \mathrm{a%b} x")
    assert refused.value.position == len(r"x^{2} + \mathrm{a")


# ----- what is produced, read by the real tools --------------------------------------------------
def _slipped_past(monkeypatch) -> list:
    """Derivations whose names hold payloads, made with the API's name check switched off: what
    the printers must still print as text (their own escaping, the defence in depth)."""
    import derive.user_losses
    monkeypatch.setattr(derive.user_losses, "check_names", lambda *exprs: None)
    derivations = []
    for payload in ("tex-input", "tex-openout", "tex-write18", "tex-brace", "percent", "script", "attribute",
                    "md-image", "md-link", "esc", "rlo", "cr"):
        name = PAYLOADS[payload]
        index = sp.Symbol(name, integer=True)
        derivations.append(derive.gradient(sp.Symbol(name, real=True) * x**2, x))
        derivations.append(derive.gradient(sp.Sum(sp.IndexedBase(name)[k], (k, 1, K)) * x, x))
        derivations.append(derive.gradient(sp.Sum(sp.IndexedBase("p")[index], (index, 1, K)) * x, x))
    derivations.append(derive.gradient(x**2 + sp.Symbol(PAYLOADS["script"], real=True), sp.Symbol(PAYLOADS["script"], real=True)))
    return derivations


@pytest.fixture(scope="module")
def produced(cli_matrix):
    """Every output produced, by format: the CLI's (legitimate names, and any payload read as a
    harmless name) and the printers' own for names that slipped past the checks."""
    outputs = {fmt: [stdout for *_, fmt_, code, stdout, _ in cli_matrix if fmt_ == fmt and code == 0]
               for fmt in FORMATS}
    with pytest.MonkeyPatch.context() as monkeypatch:
        slipped = _slipped_past(monkeypatch)
    for fmt in FORMATS:
        outputs[fmt].append(render(fmt, slipped, "en", "series", "full"))
    return outputs


def test_text_and_json_hold_no_control_character(produced):
    for fmt in ("text", "json", "latex", "markdown", "html"):
        for output in produced[fmt]:
            assert _raw_controls(output) == [], fmt
    for output in produced["json"]:
        json.loads(output)


def test_latex_and_markdown_hold_no_primitive_or_tag_from_a_name(produced):
    for fmt in ("latex", "markdown", "html"):
        for output in produced[fmt]:
            found = [marker for marker in MARKERS if marker in output]
            assert found == [], (fmt, found)
    assert r"\text{a[U+001B][U+005B]31mb}" in produced["latex"][-1]  # the printers' own escaping at work


def _pdflatex(folder: Path, body: str) -> tuple[subprocess.CompletedProcess, str, set, set]:
    """``body`` in a minimal amsmath document compiled by pdflatex in ``folder/work``, beside a
    canary there (SECRET.txt) and one outside it (``folder/outside/SECRET.txt``), paranoid about
    files and without shell escape: the run, the PDF's text without spaces (math mode spaces out
    what it sets), and the files of each folder after."""
    work, outside = folder / "work", folder / "outside"
    work.mkdir()
    outside.mkdir()
    (work / "SECRET.txt").write_text(INSIDE + "\n")
    (outside / "SECRET.txt").write_text(OUTSIDE + "\n")
    document = ("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\allowdisplaybreaks\n"
                "\\begin{document}\n" + body + "\n\\end{document}\n")
    (work / "doc.tex").write_text(document, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=work, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "openin_any": "p", "openout_any": "p"})
    pdf = work / "doc.pdf"
    words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout if pdf.exists() else ""
    return done, re.sub(r"\s+", "", words), {p.name for p in work.iterdir()}, {p.name for p in outside.iterdir()}


def _require_pdflatex() -> None:
    require_tex("pdflatex")
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils)")


def test_produced_latex_compiles_and_reads_or_writes_no_file(produced, tmp_path):
    _require_pdflatex()
    body = "\n".join(produced["latex"])
    assert body.count(r"\begin{align}") >= len(LEGITIMATE) + 37
    done, words, work, outside = _pdflatex(tmp_path, body)
    assert done.returncode == 0, done.stdout[-3000:]
    assert INSIDE not in words and OUTSIDE not in words
    assert "Themodelwestartfrom." in words and "[U+005E][U+005E]5cinput" in words  # payloads typeset as text
    assert work == {"doc.tex", "doc.aux", "doc.log", "doc.pdf", "SECRET.txt"}
    assert outside == {"SECRET.txt"}
    log = (tmp_path / "work" / "doc.log").read_text(errors="replace")
    assert "runsystem" not in log and "SECRET" not in log and "PWNED" not in log


def test_the_harness_sees_an_unescaped_payload(tmp_path):
    """What the checks above would find if a name were copied verbatim: pdflatex reads the canary
    and writes a file, the Markdown renderer makes elements, Chromium runs the script."""
    _require_pdflatex()
    body = f"$x {PAYLOADS['tex-input']}$ $y {PAYLOADS['tex-openout']} \\immediate\\closeout1$"
    done, words, work, _ = _pdflatex(tmp_path, body)
    assert INSIDE in words and "PWNED.tex" in work
    assert _markdown_markup(f"## Gradient of $E$ by {PAYLOADS['script']} {PAYLOADS['md-image']} [a](x)") \
        == {"html_inline", "image", "link_open"}
    page = f"<!DOCTYPE html><html><head><title>derive</title></head><body>{PAYLOADS['script']}</body></html>"
    title, dom = _chromium(tmp_path, page)
    assert title == "PWNED" and "<script" in dom


def _markdown_markup(text: str) -> set[str]:
    """The kinds of markup a CommonMark renderer (HTML allowed, as CommonMark says) makes of ``text``."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        MarkdownIt = None
    require(MarkdownIt is not None, "markdown-it-py (pip install -e '.[test]')")
    kinds = set()
    for token in MarkdownIt("commonmark").parse(text):
        for each in [token, *(token.children or [])]:
            if each.type in ("html_inline", "html_block", "image", "link_open"):
                kinds.add(each.type)
    return kinds


def test_produced_markdown_has_no_markup_from_a_name(produced):
    from markdown_it import MarkdownIt  # _markdown_markup requires it first

    for output in produced["markdown"]:
        assert _markdown_markup(output) == set()
        rendered = MarkdownIt("commonmark").render(output)
        assert not any(tag in rendered for tag in ("<script", "<img", "<a ", "onerror=")), rendered[:500]


def _chromium(folder: Path, page: str) -> tuple[str, str]:
    """The title and the DOM of ``page`` after headless Chromium loaded it (scripts allowed)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    require(browser is not None, "Chromium (headless; .ci/install-tools installs Debian's chromium)")
    path = folder / f"page{len(list(folder.glob('page*.html')))}.html"
    path.write_text(page, encoding="utf-8")
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--virtual-time-budget=3000", f"--user-data-dir={folder / 'profile'}", "--dump-dom",
                          path.as_uri()], capture_output=True, text=True, timeout=180)
    title = re.search(r"<title>(.*?)</title>", dom.stdout, re.DOTALL)
    assert title is not None, dom.stderr[-2000:]
    return title.group(1), dom.stdout


def test_produced_html_runs_no_script_in_chromium(produced, tmp_path):
    pages = produced["html"]
    assert len(pages) >= len(LEGITIMATE) + 1  # and the payloads read as harmless names (a$b as ab)
    for page in pages:
        title, dom = _chromium(tmp_path, page)
        assert title != "PWNED" and title.startswith("Gradient of")
        assert not any(tag in dom for tag in ("<script", "<img", "onerror=", "<h1>PWNED")), title
        assert dom.count('class="katex"') == page.count('class="katex"') > 0  # every formula as rendered, none added
