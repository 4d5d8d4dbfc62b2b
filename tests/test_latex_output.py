"""LaTeX and Markdown output checked by the real tools: KaTeX renders every math block in strict
mode, TeX compiles the fragments and the notes in both languages."""
import json
import re
import subprocess
from pathlib import Path

import pytest

import derive
from derive.printing import render
from derive.printing.derivation_printer import DerivationPrinter
from derive.printing.markdown import MarkdownPrinter

from tools import ROOT, require_katex, require_tex

LANGS = ("en", "ja")


def _katex(blocks: list[dict]) -> dict:
    node = require_katex()
    done = subprocess.run([node, str(ROOT / "tests" / "katex_render.js")], input=json.dumps(blocks),
                          capture_output=True, text=True, cwd=ROOT, timeout=300, check=True)
    return json.loads(done.stdout)


def test_every_markdown_math_block_renders_in_katex():
    blocks = []
    for name in derive.names():
        for lang in LANGS:
            text = render("markdown", [derive.get(name)], lang)
            for number, tex in enumerate(re.findall(r"^\$\$\n(.*?)\n\$\$$", text, re.MULTILINE | re.DOTALL)):
                blocks.append({"id": f"{name}/{lang}/{number}", "tex": tex})
    report = _katex(blocks)
    assert report["rendered"] == len(blocks) > 200
    assert report["failures"] == []


def test_markdown_blocks_follow_katex_rules():
    for name in derive.names():
        for block in MarkdownPrinter().math_blocks(derive.get(name)):
            assert "\\begin{align}" not in block and "\\label" not in block
            assert block.count("\\tag") <= 1


def test_katex_catches_a_broken_block():
    report = _katex([{"id": "eqref", "tex": r"a = b \eqref{x}"},
                     {"id": "label", "tex": r"a = b \label{x}"},
                     {"id": "unclosed", "tex": r"\frac{1}{"},
                     {"id": "fine", "tex": r"\begin{aligned} a &= b \end{aligned} \tag{1}"}])
    assert {failure["id"] for failure in report["failures"]} == {"eqref", "label", "unclosed"}


def equation_tags(derivation, tags: str) -> list:
    return [row.tag for _, row in DerivationPrinter(tags=tags, detail="full").rows(derivation)]


def test_series_tags_and_sequential_numbers():
    assert equation_tags(derive.get("bce"), "series")[-4:] == ["7.1", "7.2", "7.3", "7.4"]
    assert equation_tags(derive.get("ce"), "series") == ["2", "3", "4", "5", "6", "1"]
    assert equation_tags(derive.get("ce"), "sequential") == ["1", "2", "3", "4", "5", "6"]
    assert equation_tags(derive.get("ce"), "none") == [None] * 6


def _compile(tmp_path: Path, body: str, lang: str) -> subprocess.CompletedProcess:
    document = ((r"\documentclass{ltjsarticle}" if lang == "ja" else r"\documentclass{article}")
                + "\n\\usepackage{amsmath,amssymb}\n\\usepackage[margin=1.5cm]{geometry}\n"
                + "\\allowdisplaybreaks\n\\begin{document}\n" + body + "\n\\end{document}\n")
    (tmp_path / "fragment.tex").write_text(document, encoding="utf-8")
    engine = "-lualatex" if lang == "ja" else "-pdf"
    return subprocess.run(["latexmk", engine, "-interaction=nonstopmode", "-halt-on-error", "fragment.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("lang", LANGS)
def test_latex_fragments_compile(tmp_path, lang):
    require_tex("latexmk", "lualatex" if lang == "ja" else "pdflatex")
    body = render("latex", [derive.get(name) for name in derive.names()], lang)
    assert body.count("\\begin{align}") == len(derive.names())
    done = _compile(tmp_path, body, lang)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "fragment.pdf").stat().st_size > 10_000



@pytest.mark.parametrize("tags", ["none", "sequential"])
def test_tags_none_prints_no_number_in_any_format(tmp_path, tags):
    """``--tags none``: no equation number anywhere, LaTeX's own ``align`` numbers included (TeX
    numbers an untagged row); ``sequential`` is the control that the numbers are seen when there."""
    require_tex("latexmk", "pdflatex", "pdftotext")
    derivation = derive.get("ce")
    done = _compile(tmp_path, render("latex", [derivation], "en", tags), "en")
    assert done.returncode == 0, done.stdout[-2000:]
    words = subprocess.run(["pdftotext", str(tmp_path / "fragment.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout
    numbers = set(re.findall(r"\((\d+)\)", words))
    others = [render(fmt, [derivation], "en", tags, detail) for fmt in ("text", "markdown", "html")
              for detail in ("blackboard", "full")]
    steps = json.loads(render("json", [derivation], "en", tags))["derivations"][0]["steps"]
    if tags == "none":
        assert numbers == set()
        assert not any(re.search(r"\(\d\)|\\tag", printed) for printed in others)
        assert [step["tag"] for step in steps] == [None] * len(steps)
    else:
        assert numbers == {str(n) for n in range(1, len(derivation.lines) + 1)}

@pytest.mark.parametrize("lang", LANGS)
def test_notes_compile_to_pdf(tmp_path, lang):
    require_tex("latexmk", "lualatex" if lang == "ja" else "pdflatex", "pdfinfo")
    output = tmp_path / f"notes-{lang}.pdf"
    done = subprocess.run(["python", "-m", "derive", "notes", "--pdf", "--lang", lang, "-o", str(output)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=900,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(output)], capture_output=True,
                                                            text=True, check=True).stdout).group(1))
    assert pages >= 4
    words = subprocess.run(["pdftotext", str(output), "-"], capture_output=True, text=True, check=True).stdout
    assert ("交差エントロピー" if lang == "ja" else "Binary cross-entropy") in words
    from derive.printing.notes_content import SECTIONS
    flat = re.sub(r"\s+", "", words)
    missing = [s.heading(lang) for s in SECTIONS if re.sub(r"\s+", "", s.heading(lang)) not in flat]
    assert missing == []  # every section made it into the PDF
    info = subprocess.run(["pdfinfo", str(output)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    figures = sum(len(s.figures) for s in SECTIONS)  # every figure with its caption, numbered
    assert all(f"{'図' if lang == 'ja' else 'Figure'}{n}" in flat for n in range(1, figures + 1))


def test_a_tex_error_is_one_line_naming_the_line_and_the_kept_log(tmp_path):
    from derive.tex import TexError, compile_pdf
    require_tex("latexmk", "pdflatex")
    broken = "\\documentclass{article}\n\\begin{document}\n$\\fraq{1}{2}$\n\\end{document}\n"
    output = tmp_path / "out" / "notes.pdf"
    with pytest.raises(TexError, match=r"TeX failed at line 3: Undefined control sequence") as caught:
        compile_pdf(broken, output)
    message = str(caught.value)
    assert "\n" not in message and "fraq" in message and not output.exists()
    log, source = tmp_path / "out" / "notes.log", tmp_path / "out" / "notes.tex"
    assert f"the log {log}" in message and "Undefined control sequence" in log.read_text()
    assert source.read_text() == broken  # line 3 of the kept source is the line the message names
    unclosed = "\\documentclass{article}\n\\begin{document}\n$\\frac{1}{$\n\\end{document}\n"
    with pytest.raises(TexError, match=r"at the end of the document: File ended"):
        compile_pdf(unclosed, output)


def test_jupyter_reprs_render_in_katex():
    """A notebook shows a Derivation through _repr_latex_ (one aligned block) or _repr_markdown_."""
    blocks = []
    for name in derive.names():
        derivation = derive.get(name)
        shown = derivation._repr_latex_()
        assert shown.startswith("$$") and shown.endswith("$$") and "\\tag" not in shown
        assert shown.count("\\\\") == len(derivation.steps) - 1
        blocks.append({"id": f"{name}/latex", "tex": shown[2:-2]})
        markdown = derivation._repr_markdown_()
        assert markdown.startswith(f"## {derivation.title['en']}")
        for number, tex in enumerate(re.findall(r"^\$\$\n(.*?)\n\$\$$", markdown, re.MULTILINE | re.DOTALL)):
            blocks.append({"id": f"{name}/markdown/{number}", "tex": tex})
    report = _katex(blocks)
    assert report["failures"] == [] and report["rendered"] == len(blocks)
