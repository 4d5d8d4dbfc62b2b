"""The lecture notes as one self-contained HTML page: the content of the PDF (:mod:`.notes_content`,
the same numbering, the same figures as inline SVG), every formula rendered to HTML at build time
by the ``katex`` npm package through Node.js, KaTeX's stylesheet and fonts inlined, so the page
opens offline with no script.  Also any list of derivations as such a page (``--format html``)."""
from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Callable, Mapping

from ..errors import DeriveError
from ..steps import Derivation, Equation, Step
from .derivation_printer import DerivationPrinter, Row
from .inline_math import pieces, plain_words
from .latex_expr import latex
from .notes import document_numbers, kernel_listing, today
from .notes_content import SECTIONS, caption
from .notes_content import words as notes_words

PRERENDER = Path(__file__).with_name("katex_prerender.js")
TIMEOUT_S = 120
STYLE = """
body { font-family: "Noto Serif", Georgia, "Noto Serif CJK JP", "IPAexMincho", "Hiragino Mincho ProN", "Yu Mincho", serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1.2rem; line-height: 1.55; color: #1a1a1a; }
h1 { font-size: 1.9rem; margin-bottom: 0.2rem; } .subtitle { font-size: 1.1rem; color: #444; }
.date { color: #666; margin-bottom: 2rem; } h2 { margin-top: 2.4rem; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.05rem; margin-top: 1.6rem; }
table.derivation { border-collapse: collapse; width: 100%; margin: 0.6rem 0 1.2rem; }
table.derivation td { vertical-align: middle; padding: 0.15rem 0.4rem; }
td.equation { overflow-x: auto; max-width: 36rem; } td.words { font-size: 0.85rem; color: #333; width: 34%; }
td.tag { white-space: nowrap; color: #555; text-align: right; }
.katex-display { margin: 0.2rem 0; text-align: left; } .katex-display > .katex { text-align: left; }
figure { margin: 1rem auto; text-align: center; } figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: #333; } pre { font-size: 0.72rem; background: #f6f6f6; padding: 0.8rem;
overflow-x: auto; } nav ol { line-height: 1.4; }
"""


class Formulas:
    """Formulas collected while the page is written, rendered together by one Node process."""

    def __init__(self):
        self.blocks: list[dict] = []

    def inline(self, tex: str) -> str:
        return self._add(tex, False)

    def display(self, tex: str) -> str:
        return self._add(tex, True)

    def _add(self, tex: str, display: bool) -> str:
        self.blocks.append({"tex": tex, "display": display})
        return f"\x00{len(self.blocks) - 1}\x00"

    def render(self, page: str) -> str:
        rendered, css = render_katex(self.blocks)
        page = re.sub("\x00(\\d+)\x00", lambda match: rendered[int(match.group(1))], page)
        return page.replace("/*KATEX*/", inline_fonts(css))


def render_katex(blocks: list[dict]) -> tuple[list[str], Path]:
    """Each block's HTML, and the stylesheet's path; a formula KaTeX refuses is a DeriveError."""
    node = shutil.which("node")
    if node is None:
        raise DeriveError("HTML output renders its formulas with KaTeX through Node.js: install node and "
                          "the katex package (npm install katex)")
    # katex from the working directory's node_modules (npm install katex), or wherever NODE_PATH says
    paths = [str(Path.cwd() / "node_modules")] + [p for p in os.environ.get("NODE_PATH", "").split(os.pathsep) if p]
    try:
        done = subprocess.run([node, str(PRERENDER)], input=json.dumps(blocks), capture_output=True, text=True,
                              timeout=TIMEOUT_S, env={**os.environ, "NODE_PATH": os.pathsep.join(paths)})
    except subprocess.TimeoutExpired:
        raise DeriveError(f"KaTeX did not finish within {TIMEOUT_S} s") from None
    if done.returncode != 0:
        missing = "Cannot find module 'katex'" in done.stderr
        raise DeriveError("HTML output needs the katex npm package here (npm install katex)" if missing
                          else f"KaTeX failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    result = json.loads(done.stdout)
    if result["failures"]:
        first = result["failures"][0]
        raise DeriveError(f"KaTeX cannot render {blocks[first['index']]['tex'][:80]!r}: {first['error']}")
    return result["html"], Path(result["css"])


def inline_fonts(css_path: Path) -> str:
    """KaTeX's stylesheet with each font as a data URI (woff2 only: every browser that renders
    KaTeX reads it), so the page needs no other file."""
    css = css_path.read_text(encoding="utf-8")
    fonts = css_path.parent / "fonts"

    def font_face(match: re.Match) -> str:
        sources = re.findall(r"url\(fonts/([^)]+\.woff2)\)", match.group(0))
        if not sources:
            return match.group(0)
        data = base64.b64encode((fonts / sources[0]).read_bytes()).decode()
        return re.sub(r"src:[^;}]+", f"src:url(data:font/woff2;base64,{data}) format(\"woff2\")", match.group(0))
    return re.sub(r"@font-face\{[^}]*\}", font_face, css)


def prose_html(words: str, formulas: Formulas) -> str:
    return "".join(formulas.inline(text) if formula else html.escape(text) for text, formula in pieces(words))


class HtmlPrinter(DerivationPrinter):
    """Each derivation as a heading and a table (equation, words, tag) on one page; ``formulas``:
    the collector its formulas go to, where the page is written by another (the notes)."""

    _default_settings = {**DerivationPrinter._default_settings, "formulas": None}
    single_document = True

    def __init__(self, settings: dict | None = None, **more):
        super().__init__(settings, **more)
        self.formulas = self._settings["formulas"] or Formulas()

    def _print_list(self, derivations: list) -> str:
        if self._settings["formulas"] is None:
            self.formulas = Formulas()  # each page its own formulas
        body = "\n".join(self._print(derivation) for derivation in derivations)
        title = plain_words(derivations[0].title[self.lang]) if derivations else "derive"
        return page(title, self.lang, body, self.formulas)

    def _print_Derivation(self, derivation: Derivation) -> str:
        return f"<h2>{prose_html(derivation.title[self.lang], self.formulas)}</h2>\n{self.table(derivation)}"

    def table(self, derivation: Derivation, numbers: list[str] | None = None) -> str:
        """The rows alone; ``numbers``: the tags to print instead."""
        rows = "".join(self._print(item, row=row) for item, row in self.rows(derivation, numbers))
        return '<table class="derivation">' + rows + "</table>"

    def _print_Step(self, step: Step, row: Row) -> str:
        return self._row(step.equation, self.step_words(step, row), row)

    def _print_Line(self, line, row: Row) -> str:
        return self._row(line.equation, self.line_words(line, row), row)

    def _row(self, equation: Equation, words: str, row: Row) -> str:
        lhs = "" if row.previous is not None and equation.lhs == row.previous.lhs else latex(equation.lhs)
        shown = self.formulas.display(f"{lhs} = {latex(equation.rhs)}")
        return (f'<tr><td class="equation">{shown}</td><td class="words">{prose_html(words, self.formulas)}</td>'
                f'<td class="tag">{f"({html.escape(row.tag)})" if row.tag else ""}</td></tr>')


def _svg(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text[text.index("<svg"):]


def page(title: str, lang: str, body: str, formulas: Formulas) -> str:
    document = (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{html.escape(title)}</title>\n'
                f"<style>/*KATEX*/</style>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")
    return formulas.render(document)


def notes_html(get: Callable[[str], Derivation], rules, lang: str = "en", figures: Mapping[str, Path] | None = None,
               kernel_source: str | None = None, date: str | None = None) -> str:
    """The notes as one page; ``figures``: figure name -> SVG file."""
    words = notes_words(lang)
    formulas = Formulas()
    lines = HtmlPrinter(lang=lang, formulas=formulas)
    steps = HtmlPrinter(lang=lang, detail="full", formulas=formulas)
    derivations = {name: get(name) for section in SECTIONS for name in section.derivations}
    numbers = document_numbers(derivations)
    headings = [words["rules"]] + [section.heading(lang) for section in SECTIONS] + [words["trail"]]
    body = [f'<h1>{html.escape(words["title"])}</h1>', f'<div class="subtitle">{html.escape(words["subtitle"])}</div>',
            f'<div class="date">{html.escape(words["generated"])} {date or today()}</div>',
            f'<nav><h2>{html.escape(words["contents"])}</h2><ol>'
            + "".join(f'<li><a href="#s{n}">{html.escape(h)}</a></li>' for n, h in enumerate(headings, start=1))
            + "</ol></nav>",
            f'<h2 id="s1">1 {html.escape(words["rules"])}</h2><p>{html.escape(words["rules_intro"])}</p><ul>']
    for rule in rules:
        if rule.topic == "logarithms" and rule.operation == "rewrite":
            body.append(f"<li>{formulas.inline(rule.statement)} — {prose_html(rule.justification[lang], formulas)}</li>")
    body.append("</ul>")
    figure_number = 0
    for number, section in enumerate(SECTIONS, start=2):
        numbers.start(str(number))
        body.append(f'<h2 id="s{number}">{number} {html.escape(section.heading(lang))}</h2>')
        body.append(f"<p>{prose_html(section.intro(lang), formulas)}</p>")
        if section.rules:
            listed = {rule.name: rule for rule in rules}
            body.append("<ul>" + "".join(f"<li>{formulas.inline(listed[name].statement)} — "
                                         f"{prose_html(listed[name].justification[lang], formulas)}</li>"
                                         for name in section.rules) + "</ul>")
        for name in section.figures if figures else ():
            figure_number += 1
            body.append(f'<figure id="figure-{name}">{_svg(figures[name])}<figcaption>{html.escape(words["figure"])} '
                        f"{figure_number}: {prose_html(caption(name, lang), formulas)}</figcaption></figure>")
        for name in section.derivations:
            derivation = derivations[name]
            body.append(f"<h3>{prose_html(derivation.title[lang], formulas)}</h3>")
            body.append(lines.table(derivation, numbers.tags(lines.own_tags(derivation))))
        if section.kernel and kernel_source:
            body.append(f"<pre><code>{html.escape(kernel_listing(kernel_source))}</code></pre>")
    appendix = len(SECTIONS) + 2
    body.append(f'<h2 id="s{appendix}">A {html.escape(words["trail"])}</h2><p>{html.escape(words["trail_intro"])}</p>')
    numbers.start("A")
    for derivation in derivations.values():
        body.append(f"<h3>{prose_html(derivation.title[lang], formulas)}</h3>")
        body.append(steps.table(derivation, numbers.tags(steps.own_tags(derivation))))
    return page(words["title"], lang, "\n".join(body), formulas)
