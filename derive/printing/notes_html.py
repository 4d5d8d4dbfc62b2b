"""The lecture notes as one self-contained HTML page: the content of the PDF (:mod:`.notes_content`,
the same numbering, the same figures as inline SVG), every formula rendered by KaTeX at build time
(:mod:`.html_page`), each derivation's table printed by :class:`~.html_format.HtmlPrinter`."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Callable, Mapping

from ..languages import language
from ..steps import Derivation
from .html_format import HtmlPrinter
from .html_page import Formulas, page, prose_html
from .notes import document_numbers, kernel_listing, today
from .notes_content import SECTIONS, caption
from .notes_content import words as notes_words


def _svg(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text[text.index("<svg"):]


def notes_html(get: Callable[[str], Derivation], rules, lang: str = "en", figures: Mapping[str, Path] | None = None,
               kernel_source: str | None = None, date: str | None = None) -> str:
    """The notes as one page; ``figures``: figure name -> SVG file."""
    words = notes_words(lang)
    reason = html.escape(language(lang).setting("typography.law_reason"))
    figures = figures or {}
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
            body.append(f"<li>{formulas.inline(rule.statement)}{reason}{prose_html(rule.justification[lang], formulas)}</li>")
    body.append("</ul>")
    figure_number = 0
    for number, section in enumerate(SECTIONS, start=2):
        numbers.start(str(number))
        body.append(f'<h2 id="s{number}">{number} {html.escape(section.heading(lang))}</h2>')
        body.append(f"<p>{prose_html(section.intro(lang), formulas)}</p>")
        if section.rules:
            listed = {rule.name: rule for rule in rules}
            body.append("<ul>" + "".join(f"<li>{formulas.inline(listed[name].statement)}{reason}"
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
