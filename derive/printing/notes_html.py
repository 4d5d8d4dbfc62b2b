"""The lecture notes as one self-contained HTML page: the content of the PDF (:mod:`.notes_content`,
the same numbering, the same figures as inline SVG), every formula rendered by KaTeX at build time
(:mod:`.html_page`), each derivation's table printed by :class:`~.html_format.HtmlPrinter`."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Callable, Mapping

from ..languages import language
from ..steps import Derivation
from .html_format import HtmlPrinter
from .html_page import Formulas, page, prose_html
from .citations import citing, placed
from .notes import section_listing, today
from .notes_numbering import notes_numbering
from .notes_content import APPENDICES, BODY, SECTIONS, appendix_letter, caption
from .notes_content import words as notes_words


def _svg(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text[text.index("<svg"):]


def notes_html(get: Callable[[str], Derivation], rules, lang: str = "en", figures: Mapping[str, Path] | None = None,
               kernel_source: str | None = None, date: str | None = None) -> str:
    """The notes as one page; ``figures``: figure name -> SVG file."""
    words = notes_words(lang)
    figures = figures or {}
    formulas = Formulas()
    said: set[str] = set()  # the notes on the series' slips, each said once on the page
    notes: dict[str, Any] = {"series_beside": True, "notes_said": said, "footnotes": True}
    lines = HtmlPrinter(lang=lang, formulas=formulas, **notes)
    steps = HtmlPrinter(lang=lang, detail="full", formulas=formulas, **notes)
    derivations = {name: get(name) for section in SECTIONS for name in section.derivations}
    numbers = notes_numbering(derivations)
    with citing(numbers.citations):
        body = _body(derivations, numbers, rules, lang, figures, kernel_source, date, formulas, lines, steps)
    return page(words["title"], lang, "\n".join(body), formulas)


def _contents(headings: list[str], subsections: list[list[str]], appendices: list[str]) -> str:
    """The contents: each section by its number, under it its numbered subsections (their titles
    already HTML), then the appendices A (the trail), B, ..."""
    items = []
    for n, heading in enumerate(headings, start=1):
        subs = subsections[n - 1]
        nested = "".join(f'<li><a href="#s{n}-{m}">{n}.{m} {sub}</a></li>' for m, sub in enumerate(subs, start=1))
        items.append(f'<li><a href="#s{n}">{n} {html.escape(heading)}</a>' + (f"<ol>{nested}</ol>" if nested else "") + "</li>")
    for letter, heading in zip("ABCDEFGH", appendices):
        items.append(f'<li><a href="#s{letter}">{letter} {html.escape(heading)}</a></li>')
    return "<ol>" + "".join(items) + "</ol>"


def _body(derivations, numbers, rules, lang, figures, kernel_source, date, formulas, lines, steps) -> list[str]:
    words = notes_words(lang)
    reason = html.escape(language(lang).setting("typography.law_reason"))
    headings = [words["rules"]] + [section.heading(lang) for section in BODY]
    subsections: list[list[str]] = [[]] + [[prose_html(derivations[name].title[lang], formulas) for name in section.derivations]
                                           for section in BODY]
    appendices = [words["trail"]] + [section.heading(lang) for section in APPENDICES]
    body = [f'<h1>{html.escape(words["title"])}</h1>', f'<div class="subtitle">{html.escape(words["subtitle"])}</div>',
            f'<div class="date">{html.escape(words["generated"])} {date or today()}</div>',
            f'<nav><h2>{html.escape(words["contents"])}</h2>{_contents(headings, subsections, appendices)}</nav>',
            f'<h2 id="s1">1 {html.escape(words["rules"])}</h2><p>{html.escape(words["rules_intro"])}</p><ul>']
    for rule in rules:
        if rule.topic == "logarithms" and rule.operation == "rewrite":
            body.append(f"<li>{formulas.inline(rule.statement)}{reason}{prose_html(placed(rule.justification[lang]), formulas)}</li>")
    body.append("</ul>")
    figure_number = 0
    for number, section in enumerate(BODY, start=2):
        body.append(f'<h2 id="s{number}">{number} {html.escape(section.heading(lang))}</h2>')
        body.append(f"<p>{prose_html(section.intro(lang), formulas)}</p>")
        if section.rules:
            listed = {rule.name: rule for rule in rules}
            body.append("<ul>" + "".join(f"<li>{formulas.inline(listed[name].statement)}{reason}"
                                         f"{prose_html(placed(listed[name].justification[lang]), formulas)}</li>"
                                         for name in section.rules) + "</ul>")
        for name in section.figures if figures else ():
            figure_number += 1
            body.append(f'<figure id="figure-{name}">{_svg(figures[name])}<figcaption>{html.escape(words["figure"])} '
                        f"{figure_number}: {prose_html(caption(name, lang), formulas)}</figcaption></figure>")
        for sub, name in enumerate(section.derivations, start=1):
            body.append(f'<h3 id="s{number}-{sub}">{number}.{sub} {subsections[number - 1][sub - 1]}</h3>')
            body.append(lines.table(derivations[name], numbers.of("lines", name)))
        if section.kernel and kernel_source:
            body.append(f"<pre><code>{html.escape(section_listing(section, lang, kernel_source))}</code></pre>")
    body.append(f'<h2 id="sA">A {html.escape(words["trail"])}</h2><p>{html.escape(words["trail_intro"])}</p>')
    for name, derivation in derivations.items():
        body.append(f"<h3>{prose_html(derivation.title[lang], formulas)}</h3>")
        body.append(steps.table(derivation, numbers.of("steps", name)))
    for number, section in enumerate(APPENDICES):
        letter = appendix_letter(number)
        body.append(f'<h2 id="s{letter}">{letter} {html.escape(section.heading(lang))}</h2>')
        body.append(f"<p>{prose_html(section.intro(lang), formulas)}</p>")
        if section.kernel and kernel_source:
            body.append(f"<pre><code>{html.escape(section_listing(section, lang, kernel_source))}</code></pre>")
    return body
