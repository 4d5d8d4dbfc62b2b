"""Derivations as one HTML page (``--format html``): per derivation a heading and a table of its
rows (equation, words, tag), every formula rendered by KaTeX (:mod:`.html_page`)."""
from __future__ import annotations

import html

from ..steps import Derivation, Equation
from .derivation_printer import DerivationPrinter, Row
from .html_page import Formulas, page, prose_html
from .inline_math import plain_words
from .latex_expr import latex
from .named_form import named_result_latex
from .series_printer import rounded
from .words import GIVEN_MARK, line_verification_text, verification_text


class HtmlPrinter(DerivationPrinter):
    """Each derivation as a heading and a table (equation, words, tag) on one page; ``formulas``:
    the collector its formulas go to, where the page is written by another (the notes)."""

    _default_settings = {**DerivationPrinter._default_settings, "formulas": None}
    single_document = True

    def __init__(self, settings: dict | None = None, **more):
        super().__init__(settings, **more)
        self.formulas = self._settings["formulas"] or Formulas()
        self.notes_shown: list[str] = []  # with ``footnotes``: the notes marked so far on the page, numbered from 1
        self._table_notes: list[tuple[int, str]] = []  # those of the table being printed

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
        self._table_notes = []
        rows = "".join(self._print(item, row=row) for item, row in self.rows(derivation, numbers))
        named = named_result_latex(derivation, self.lang) if self._settings["formulas"] is None else None
        if named is not None:  # the result again, what it uses twice named once (a row of its own, as in LaTeX)
            rows += (f'<tr class="named"><td class="lhs"></td><td class="equation">{self._formula("{} " + named)}</td>'
                     '<td class="words"></td><td class="tag"></td></tr>')
        notes = "".join(f'<p class="footnote" id="note-{n}"><sup>{n}</sup> {prose_html(note, self.formulas)}</p>'
                        for n, note in self._table_notes)
        return '<table class="derivation">' + rows + "</table>" + notes

    def _print_Step(self, step, row: Row) -> str:
        self._checked = verification_text(step.verification, self.lang)
        return super()._print_Step(step, row)

    def _print_Line(self, line, row: Row) -> str:
        steps = row.derivation.steps[line.first:line.last + 1]
        self._checked = line_verification_text(line.verification, steps, self.lang)
        return super()._print_Line(line, row)

    def _formula(self, tex: str) -> str:
        """A display-style formula set inline, which the browser wraps after a relation or an
        operator where the page is too narrow, instead of drawing a scroll bar beside it."""
        return '<span class="wrapping">' + self.formulas.inline(r"\displaystyle " + tex) + "</span>"

    def _mark(self) -> str:
        """How the row was checked: its mark, the words on demand (a ``details`` element, no script)."""
        checked = getattr(self, "_checked", "")
        if not checked:
            return ""
        mark, _, rest = checked.partition(" ")
        if mark not in ("✓", "≈", GIVEN_MARK):
            mark, rest = "✗", checked
        kind = {"✓": "proved", "≈": "numeric", GIVEN_MARK: "given"}.get(mark, "unverified")
        return (f'<details class="check {kind}"><summary title="{html.escape(rest, quote=True)}">{mark}</summary>'
                f"{html.escape(rest)}</details>")

    def _row(self, equation: Equation, words: str, row: Row) -> str:
        lhs = "" if row.previous is not None and equation.lhs == row.previous.lhs else latex(equation.lhs)
        left = self.formulas.inline(r"\displaystyle " + lhs) if lhs else ""  # the sides apart: continuation signs align
        relation = r"\approx" if rounded(equation.rhs) else "="  # a worked answer its printing rounds, as in LaTeX
        shown = self._formula(f"{{}} {relation} {latex(equation.rhs)}")
        marks = ""
        for note in self.footnotes:  # set below the table, each marked here by its number on the page
            self.notes_shown.append(note)
            self._table_notes.append((len(self.notes_shown), note))
            marks += f'<sup><a href="#note-{len(self.notes_shown)}">{len(self.notes_shown)}</a></sup>'
        self.footnotes = []
        return (f'<tr><td class="lhs">{left}</td><td class="equation">{shown}</td>'
                f'<td class="words">{prose_html(words, self.formulas)}{marks}{self._mark()}</td>'
                f'<td class="tag">{f"({html.escape(row.tag)})" if row.tag else ""}</td></tr>')
