"""Derivations as one HTML page (``--format html``): per derivation a heading and a table of its
rows (equation, words, tag), every formula rendered by KaTeX (:mod:`.html_page`)."""
from __future__ import annotations

import html

from ..steps import Derivation, Equation
from .derivation_printer import DerivationPrinter, Row
from .html_page import Formulas, page, prose_html
from .inline_math import plain_words
from .latex_expr import latex


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

    def _row(self, equation: Equation, words: str, row: Row) -> str:
        lhs = "" if row.previous is not None and equation.lhs == row.previous.lhs else latex(equation.lhs)
        shown = self.formulas.display(f"{lhs} = {latex(equation.rhs)}")
        return (f'<tr><td class="equation">{shown}</td><td class="words">{prose_html(words, self.formulas)}</td>'
                f'<td class="tag">{f"({html.escape(row.tag)})" if row.tag else ""}</td></tr>')
