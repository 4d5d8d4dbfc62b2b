"""The notes' pages as a lecturer turns them (issue 32, item 3): both PDFs built with TeX as
``derive notes --pdf`` builds them, each page's text read with poppler (``pdftotext -f n -l n``),
and four checks, each shown to catch a deliberately bad page in a small document built here.

- **No page of floats alone**: no page but the title holds figures and their captions and nothing
  else (the text of a figure is its axis labels, legends and tick numbers: the language's
  ``[figures]`` words and numbers).
- **No page left short**: a page's fill is how far down its text block its lowest line of text
  reaches (``pdftotext -bbox``; the page number at the foot left out), as a share of the lowest any
  page of the document reaches.  No page may be filled less than a third, except the document's
  last page, or a page followed by one that starts with a heading (a section or subsection) whose
  first block (the heading down to the end of the first text line below it) is taller than the
  space the short page left: the heading TeX could not fit.
- **No line into the margin**: no ``Overfull \\hbox`` in the log wider than ``OVERFULL_PT``.
- **No English left in the Japanese notes**, checked where it is honest to check: the section and
  subsection titles (read in the contents, where every one is listed with its page) and the figure
  captions of the Japanese PDF carry no ASCII word but the mathematics' function names and the names
  Japanese keeps as they are (``KEPT``).
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tools import require_tex

OVERFULL_PT = 1.0
FOOT_PT = 70.0  # the page number sits this close to the foot of an A4 page (842 pt), below the text block
KEPT = {  # ASCII words a Japanese title may hold: mathematics' names, and the names Japanese keeps
    "log", "exp", "max", "min", "diag", "lim", "tr",
    "log-sum-exp", "log1p", "expm1", "one-vs-rest", "one-hot", "PyTorch", "Numba", "derive", "Adam",
}
CAPTION = {"en": r"Figure \d+:", "ja": r"図\s*\d+"}


# ----- reading pages -------------------------------------------------------------------------

def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def page_text(pdf: Path, number: int) -> str:
    """Page ``number``'s text as poppler lays it out (``pdftotext -layout``)."""
    return subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def page_lines(pdf: Path, number: int) -> list[tuple[float, float, str]]:
    """Page ``number``'s words as (top, bottom, word) in points from the top, the page number at
    the foot left out (``pdftotext -bbox``)."""
    out = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), "-bbox", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', out).group(1))
    words = [(float(top), float(bottom), word) for top, bottom, word in
             re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', out)]
    return [word for word in words if word[1] < height - FOOT_PT]


def float_only_pages(pdf: Path, lang: str, figure_words: list[str]) -> list[int]:
    """The pages (but the first) whose text is only figures: captions (and the lines that continue
    one), numbers and the figures' own words.  A page without a caption is not one."""
    known = {token for words in figure_words for token in _tokens(words)}
    found = []
    for number in range(2, page_count(pdf) + 1):
        lines = [line.strip() for line in page_text(pdf, number).splitlines()]
        captions, body, in_caption = 0, [], False
        for line in lines:
            if not line:
                in_caption = False
            elif re.match(CAPTION[lang], line):
                captions, in_caption = captions + 1, True
            elif not in_caption and not re.fullmatch(r"\d+", line) and not set(_tokens(line)) <= known:
                body.append(line)
        if captions and not body:
            found.append(number)
    return found


def _tokens(text: str) -> list[str]:
    """Words (ASCII runs, or single CJK characters: a rotated axis label reads one a line)."""
    return re.findall(r"[A-Za-z]{2,}|[\u3040-\u30ff\u4e00-\u9fff]", text)


def short_pages(pdf: Path) -> list[tuple[int, float]]:
    """(page, fill) of each page filled less than a third that the module's docstring does not
    excuse.  Headings are read as a line starting with a section number (``3``, ``4.2``, ``B``)."""
    count = page_count(pdf)
    words = {number: page_lines(pdf, number) for number in range(1, count + 1)}
    top = min(word[0] for page in words.values() for word in page)
    bottom = max(word[1] for page in words.values() for word in page)
    found = []
    for number in range(1, count):  # the last page is let be
        page = words[number]
        fill = (max(word[1] for word in page) - top) / (bottom - top) if page else 0.0
        if fill >= 1 / 3:
            continue
        first = _heading_block(pdf, number + 1, words[number + 1])
        space_left = bottom - max((word[1] for word in page), default=top)
        if first is not None and first > space_left:
            continue  # a heading TeX could not fit
        found.append((number, round(fill, 2)))
    return found


def _heading_block(pdf: Path, number: int, words) -> float | None:
    """The height of page ``number``'s first block where the page starts with a heading, else None."""
    lines = [line for line in page_text(pdf, number).splitlines() if line.strip()]
    if not lines or not re.match(r"^\s*(\d+(\.\d+)*|[A-Z]|付録\s*[A-Z])\s+\S", lines[0]):
        return None
    rows = sorted({round(word[1]) for word in words})
    return (rows[1] if len(rows) > 1 else rows[0]) - min(word[0] for word in words)


def overfull(log: str) -> list[float]:
    return [float(width) for width in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)
            if float(width) > OVERFULL_PT]


def english_in_titles(text: str) -> list[str]:
    """ASCII words, not kept (``KEPT``), in the titles the contents lists (a line: number, title,
    page) and in the captions (``図 n``) of a Japanese page's text."""
    titles = re.findall(r"^[ \t]*(?:\d+(?:\.\d+)*|付録[ \t]*[A-Z]|[A-Z])[ \t]+(\S.*?)[ \t.]{2,}\d+[ \t]*$", text, re.MULTILINE)
    captions = re.findall(r"^[ \t]*図[ \t]*\d+[ \t]+(.*)$", text, re.MULTILINE)
    words = [word for line in titles + captions
             for word in re.findall(r"[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*", line)]
    return [word for word in words if len(word) > 2 and word not in KEPT]


_JAPANESE = "\u3040-\u30ff\u4e00-\u9fff"  # kana and kanji


def ascii_punctuation_in_japanese(text: str) -> list[str]:
    """ASCII ( ) : touching Japanese (before or after, a space between allowed), each with a little
    of its context.  A parenthesis after Japanese counts where what it opens holds Japanese or a
    colon (a remark): "(4.3)", an equation's number, and "(1 + u)", mathematics, are not remarks."""
    pattern = (rf"[{_JAPANESE}] ?\((?=[^()]*[{_JAPANESE}:])|[{_JAPANESE}] ?[):]|\( ?[{_JAPANESE}]")
    return [text[max(0, m.start() - 12):m.end() + 12] for m in re.finditer(pattern, text)]


# ----- building ------------------------------------------------------------------------------

def build_notes(lang: str, folder: Path) -> tuple[Path, str]:
    """The notes as ``derive notes --pdf`` builds them (the figures, the contents' seed, latexmk
    with the language's engine), in ``folder``; the PDF and TeX's log."""
    import derive
    from derive.figures import FIGURES, draw
    from derive.kernels import load
    from derive.printing.notes import notes_latex, toc_seed

    figures = draw(list(FIGURES), folder, "pdf", lang)
    source = notes_latex(derive.get, derive.rules(), lang, {name: path.name for name, path in figures.items()},
                         load("ce-softmax").source, date="2026-12-07")
    (folder / "notes.toc").write_text(toc_seed(derive.get, lang), encoding="utf-8")
    return compile_tex(source, folder, lang)


def compile_tex(source: str, folder: Path, lang: str = "en") -> tuple[Path, str]:
    from derive.tex import engine_of

    engine = engine_of(lang)
    require_tex("latexmk", "lualatex" if engine == "lualatex" else "pdflatex", "pdftotext", "pdfinfo")
    (folder / "notes.tex").write_text(source, encoding="utf-8")
    done = subprocess.run(["latexmk", f"-{engine}", "-interaction=nonstopmode", "-halt-on-error", "notes.tex"],
                          cwd=folder, capture_output=True, text=True, timeout=600)
    log = (folder / "notes.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, log[-2000:]
    return folder / "notes.pdf", log


def figure_words(lang: str) -> list[str]:
    from derive.languages import language

    return [str(words).replace("$", "") for words in language(lang).tables["notes"]["figures"].values()]


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    """``notes(lang)``: (PDF, log) of the notes in ``lang``, built once for the module."""
    done: dict[str, tuple[Path, str]] = {}

    def built(lang: str) -> tuple[Path, str]:
        if lang not in done:
            done[lang] = build_notes(lang, tmp_path_factory.mktemp(f"notes-{lang}"))
        return done[lang]
    return built


@pytest.fixture(params=["en", "ja"])
def built(request, notes):
    return (request.param, *notes(request.param))


# ----- the notes -----------------------------------------------------------------------------

def test_no_page_holds_floats_alone(built):
    lang, pdf, _ = built
    assert page_count(pdf) > 20  # the whole notes, read
    assert float_only_pages(pdf, lang, figure_words(lang)) == []


def test_no_page_is_left_short_before_what_could_have_started_there(built):
    _, pdf, _ = built
    assert short_pages(pdf) == []


def test_no_line_runs_into_the_margin(built):
    _, _, log = built
    assert "Overfull" not in log or overfull(log) == []
    assert "Output written" in log  # the log read is TeX's whole log


def test_the_japanese_titles_and_captions_are_japanese(notes):
    pdf, _ = notes("ja")
    text = "\n".join(page_text(pdf, number) for number in range(1, page_count(pdf) + 1))
    assert len(re.findall(r"^\s*図\s*\d+", text, re.MULTILINE)) >= 4  # the captions were read
    assert len(re.findall(r"^\s*\d+\.\d+\s+\S.*\d+\s*$", text, re.MULTILINE)) >= 20  # so were the contents' titles
    assert english_in_titles(text) == []


def test_the_japanese_body_text_uses_japanese_punctuation(notes):
    """Japanese prose brackets and colons are full-width（…）and：, not ASCII ( ) and : (issue 32,
    item 3); an equation's number keeps its ASCII parentheses, as every equation's tag does."""
    pdf, _ = notes("ja")
    text = "\n".join(page_text(pdf, number) for number in range(1, page_count(pdf) + 1))
    assert text.count("（") >= 20 and text.count("：") >= 10  # the full-width forms were read
    assert ascii_punctuation_in_japanese(text) == []


def test_the_japanese_words_the_notes_print_use_japanese_punctuation():
    """The source of that text, checked without TeX: every Japanese string of rules/languages/ja,
    its mathematics ($…$) left out."""
    import tomllib

    def strings(value):
        if isinstance(value, dict):
            return [s for v in value.values() for s in strings(v)]
        return [value] if isinstance(value, str) else []
    folder = Path(__file__).resolve().parents[1] / "rules" / "languages" / "ja"
    found = {path.name: [hit for text in strings(tomllib.loads(path.read_text(encoding="utf-8")))
                         for hit in ascii_punctuation_in_japanese(re.sub(r"\$[^$]*\$", "M", text))]
             for path in sorted(folder.glob("*.toml"))}
    assert sum(len(strings(tomllib.loads(path.read_text(encoding="utf-8")))) for path in folder.glob("*.toml")) > 300
    assert {name: hits for name, hits in found.items() if hits} == {}


@pytest.mark.parametrize("format", ["text", "markdown", "latex"])
def test_the_japanese_words_the_printers_build_in_code_use_japanese_punctuation(format):
    """Labels and remarks the printers put together in code (結果：…, 規則 x（定義）：…, 注：…,
    ステップ 2-5：…) take the language's full-width punctuation too, not only the words of the
    language files; an equation's number (7.4) and the mathematics keep ASCII."""
    from derive import api
    from derive.printing import render

    text = "\n".join(render(format, [api.get(name)], "ja", "series", detail)
                     for name in ("bce", "sigmoid-derivative") for detail in ("blackboard", "full"))
    text = re.sub(r"\$[^$]*\$", "M", text)  # inline mathematics, as the language files' check leaves it out
    assert "注：" in text and "（7.4）" not in text  # the series' note was printed, its equation number kept ASCII
    if format == "text":
        assert "結果：" in text and "（定義）：" in text and "（等式変形）：" in text  # the code-built labels were read
    assert ascii_punctuation_in_japanese(text) == []


def test_a_users_loss_taken_as_given_is_said_in_japanese():
    """The first step of a user's gradient is the loss as given; its verification's words came from
    the engine in English (未検証：an assumption of the model, …) and are the language's now."""
    import derive
    from derive.printing.text import derivation_text

    gradient = derive.gradient(r"-\sum_{k} t_k \log y_k", "y_{j}")
    japanese, english = derivation_text(gradient, "ja", "full"), derivation_text(gradient, "en", "full")
    assert "未検証：モデルの仮定であり、導出したものではない" in japanese and "assumption" not in japanese
    assert "not verified: an assumption of the model, not derived" in english


def test_the_japanese_rule_catalogue_brackets_its_conditions_full_width():
    from derive import api
    from derive.printing.text import rules_text

    text = rules_text(api.rules(), "ja")
    assert "（条件：" in text and ascii_punctuation_in_japanese(text) == []
    assert "(conditions: " in rules_text(api.rules(), "en")  # English keeps its own


def test_worked_answers_give_the_exact_value_then_four_digits_approximately(built):
    """A worked answer reads as the exact value then its 4 digits, ``≈`` where they round it."""
    _, pdf, _ = built
    text = "\n".join(page_text(pdf, number) for number in range(1, 16))
    assert re.search(r"561\s*\n.*\n\s*271", text) and "≈ 2.070" in text  # EMA: the fraction, then 4 digits
    assert "≈ 0.8210" in text and "≈ 0.6733" in text  # Titanic: − log 0.44, then 4 digits
    assert re.search(r"= 0\.15\b", text) and "≈ 0.15" not in text  # 3/20 is 0.15 exactly


def test_a_footnote_sits_on_the_page_of_its_mark(notes):
    """The series' slips are said once, as footnotes on the first row citing the series' tag; the
    footnote's text is on that row's page (set after its ``align``, (7.4)'s fell on the next page)."""
    pdf, _ = notes("en")
    pages = [page_text(pdf, number) for number in range(1, page_count(pdf) + 1)]
    for tag in ("4.3", "7.4"):
        note = [number for number, text in enumerate(pages) if re.search(rf"^\s*\d+\s*The series prints \({tag}\)", text, re.MULTILINE)]
        mark = [number for number, text in enumerate(pages) if f"({tag}) in the series" in text]
        assert len(note) == 1 and note[0] == mark[0], (tag, note, mark[:1])


# ----- each check catches a bad page --------------------------------------------------------

BAD = r"""\documentclass[a4paper,10pt]{article}
\usepackage[a4paper,margin=2cm]{geometry}
\begin{document}
\section{One}
%(body)s
\end{document}
"""
LINE = "A line of text that a lecturer would read on the page. " * 3


def small_document(tmp_path: Path, body: str) -> tuple[Path, str]:
    return compile_tex(BAD % {"body": body}, tmp_path)


def test_a_float_forced_to_a_page_of_its_own_is_caught(tmp_path):
    body = (LINE + "\n\n") * 3 + r"\begin{figure}[p]\centering\rule{4cm}{3cm}\caption{A box.}\end{figure}" + \
        (LINE + "\n\n") * 3
    pdf, _ = small_document(tmp_path, body)
    assert float_only_pages(pdf, "en", []) == [2]


def test_a_page_cut_short_before_text_that_would_have_fitted_is_caught(tmp_path):
    """Five lines, a page break, more text: page 1 is short; a section heading after it that did not
    fit would be excused, but text that fitted is not."""
    pdf, _ = small_document(tmp_path, (LINE + "\n\n") * 5 + r"\clearpage" + "\n" + (LINE + "\n\n") * 80)
    assert page_count(pdf) >= 3
    assert [page for page, _ in short_pages(pdf)] == [1]


def test_a_line_into_the_margin_is_caught(tmp_path):
    _, log = small_document(tmp_path, r"\noindent\hbox{" + "x" * 200 + "}")
    assert overfull(log) and overfull(log)[0] > 100


def test_ascii_punctuation_in_japanese_is_caught():
    page = "連鎖律 (L1: (log x)′ = 1/x)、連載の式 (4.3) は（全角）で、講義ノート: 検証 (定義)"
    hits = ascii_punctuation_in_japanese(page)
    assert len(hits) == 4 and "律 (L1" in hits[0] and "ノート:" in hits[1] and "証 (定" in hits[2] and "定義)" in hits[3]
    assert ascii_punctuation_in_japanese("連載の式 (4.3) は f(x) = (1 + u)^{1/u}（全角）：よい") == []


def test_english_left_in_a_japanese_title_or_caption_is_caught():
    page = "9.3   softmax を通した交差エントロピーの勾配：y − t . . . . . . 11\n" \
           "   図 2  three classes along a line\n" \
           "11.1  ロジットの交差エントロピーの安定な形：log-sum-exp のシフトと log1p . . . 13\n"
    assert english_in_titles(page) == ["softmax", "three", "classes", "along", "line"]


def test_a_piecewise_gradient_is_said_in_japanese_with_its_punctuation():
    """The pieces of a loss with a kink: each title's colon and the words of a constant piece were
    built in code in English (… の区間で: 0 does not move with z); the language's now, and the
    piece's derivation printed in the language too (it was str()'s English)."""
    import derive
    from derive.printing.piecewise_text import text

    hinge = derive.gradient(r"\max(0, 1 - z)", "z")
    japanese, english = text(hinge, "ja"), text(hinge, "en")
    assert "の区間で：" in japanese and "微分は 0 である" in japanese and "ステップ 1：" in japanese
    assert "does not move" not in japanese and ascii_punctuation_in_japanese(japanese) == []
    assert "On the piece where z < 1:\n" in english and "does not move with z; its derivative is 0." in english
