"""The JSON printer, with the words the HTML page shows beside each row on how it was checked
(:mod:`derive.printing.words`): the page expands a blackboard line to its steps and says, for each,
how it was verified, in the language asked for."""
from __future__ import annotations

from ..printing.derivation_printer import Row
from ..printing.json_format import JsonPrinter
from ..printing.words import line_verification_text, verification_text


class PagePrinter(JsonPrinter):
    """:class:`JsonPrinter`'s document, each step and line with ``checked``: its verification in words."""

    def _print_Step(self, step, row: Row) -> dict:
        printed = super()._print_Step(step, row)
        printed["checked"] = verification_text(step.verification, self.lang)
        return printed

    def _print_Line(self, line, row: Row) -> dict:
        printed = super()._print_Line(line, row)
        steps = row.derivation.steps[line.first:line.last + 1]
        printed["checked"] = line_verification_text(line.verification, steps, self.lang)
        return printed
