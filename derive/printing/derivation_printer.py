"""The base of every whole-derivation printer: its settings (``lang``, ``tags``, ``detail``), checked
once, and the one choice between a lecturer's blackboard lines and every step of the trail.

Each format subclasses :class:`DerivationPrinter` and writes ``_print_Derivation``, ``_print_Line``
(a blackboard line) and ``_print_Step`` (one step); SymPy's :class:`~sympy.printing.printer.Printer`
dispatches on the class name, as it does for expressions.  ``doprint`` takes one derivation or a list
of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sympy.printing.printer import Printer

from ..languages import codes, language
from ..series_notes import line_notes
from ..steps import Derivation, Equation
from .justifications import justification, line_words, with_notes
from .tags import MODES, numbered

DETAILS = ("blackboard", "full")


@dataclass(frozen=True)
class Row:
    """Where a line or step stands in what is printed: its place among the rows (``number`` from 1,
    of ``count``), the steps it covers (``first``..``last``, 0-based), the row above's equation, the
    series' own tag and the tag printed beside it."""

    derivation: Derivation
    number: int
    count: int
    first: int
    last: int
    previous: Equation | None
    own_tag: str | None
    tag: str | None


class DerivationPrinter(Printer):
    """Settings checked once; ``rows`` decides between lines and steps for every format."""

    printmethod = None
    # series_beside: a row that is one of the series' equations says so in its words ("(4.3) in the
    # series") where its own number is another (the notes number every row themselves);
    # notes_said: a set shared by a document's printers, so a note on the series is said once in it;
    # footnotes: the notes go to ``self.footnotes`` for the format to set as footnotes, not inline.
    _default_settings: dict[str, Any] = {"lang": "en", "tags": "series", "detail": "blackboard",
                                         "series_beside": False, "notes_said": None, "footnotes": False}
    single_document = False  # True: one document (JSON, an HTML page), a lone derivation a list of one
    separator = "\n"

    def __init__(self, settings: dict | None = None, **more: Any):
        super().__init__({**(settings or {}), **more})
        self.footnotes: list[str] = []  # the notes of the row being printed, with ``footnotes``
        choices_of = {"lang": codes(), "tags": MODES, "detail": DETAILS}  # a language may be added at run time
        for name, choices in choices_of.items():
            if self._settings[name] not in choices:
                raise ValueError(f"unknown {name} {self._settings[name]!r}; known: {', '.join(choices)}")

    @property
    def lang(self) -> str:
        return self._settings["lang"]

    def doprint(self, expr, **context: Any):
        """One derivation, or a list of them (``context``: what ``_print_Derivation`` takes beyond it)."""
        if isinstance(expr, Derivation) and self.single_document:
            expr = [expr]
        elif not isinstance(expr, Derivation):
            expr = list(expr)
        return self._print(expr, **context)

    def _print_list(self, derivations: list) -> str:
        return self.separator.join(self._print(derivation) for derivation in derivations)

    def shows_lines(self, derivation: Derivation) -> bool:
        """Whether ``derivation`` is printed as blackboard lines (else as every step): the one place
        the ``detail`` setting is read."""
        return self._settings["detail"] == "blackboard" and bool(derivation.lines)

    def rows(self, derivation: Derivation, numbers: list[str] | None = None) -> list[tuple[Any, Row]]:
        """``(line or step, row)`` of each row printed; ``numbers``: the tags to print instead."""
        if self.shows_lines(derivation):
            return self.line_rows(derivation, numbers)
        return self.step_rows(derivation, numbers)

    def step_rows(self, derivation: Derivation, numbers: list[str] | None = None) -> list[tuple[Any, Row]]:
        spans = [(n, n, step.tag) for n, step in enumerate(derivation.steps)]
        return self._rows(derivation, derivation.steps, spans, numbers)

    def line_rows(self, derivation: Derivation, numbers: list[str] | None = None) -> list[tuple[Any, Row]]:
        spans = [(line.first, line.last, _last_tag(derivation, line.first, line.last)) for line in derivation.lines]
        return self._rows(derivation, derivation.lines, spans, numbers)

    def _rows(self, derivation: Derivation, items, spans, numbers) -> list[tuple[Any, Row]]:
        tags = numbers if numbers is not None else numbered([own for _, _, own in spans], self._settings["tags"])
        rows, previous = [], None
        for number, (item, (first, last, own), tag) in enumerate(zip(items, spans, tags), 1):
            rows.append((item, Row(derivation, number, len(spans), first, last, previous, own, tag)))
            previous = item.equation
        return rows

    def own_tags(self, derivation: Derivation) -> list[str | None]:
        """The series' own tag of each row (None where it has none)."""
        return [row.own_tag for _, row in self.rows(derivation)]

    def _print_Step(self, step, row: Row):
        """One step of the trail: by default its equation and its words, set by the format's ``_row``."""
        return self._row(step.equation, self.step_words(step, row), row)

    def _print_Line(self, line, row: Row):
        """One blackboard line: by default its equation and its steps' words, set by ``_row``."""
        return self._row(line.equation, self.line_words(line, row), row)

    def _row(self, equation: Equation, words: str, row: Row):
        """A row of the format with ``equation`` and ``words``; a format that lays out steps and lines
        alike writes this, one that tells them apart overrides ``_print_Step`` and ``_print_Line``."""
        raise NotImplementedError(f"{type(self).__name__} prints no rows")

    def step_words(self, step, row: Row) -> str:
        """What justifies a step, then the note of a step the series prints differently."""
        return self._noted(justification(step, row.previous, self.lang), row)

    def line_words(self, line, row: Row) -> str:
        """The briefs of a line's steps, then the notes of any the series prints differently."""
        return self._noted(line_words(row.derivation, line, self.lang), row)

    def _noted(self, words: str, row: Row) -> str:
        """``words`` with what the settings add: the series' own tag beside ours, and the notes on
        the series' slips (inline, or each once in a document, or as footnotes)."""
        settings = self._settings
        if settings["series_beside"] and row.own_tag and row.own_tag != row.tag:
            separator = language(self.lang).setting("typography.separator")
            words = language(self.lang).phrase("in_series", tag=row.own_tag) + separator + words
        if settings["notes_said"] is None and not settings["footnotes"]:
            return with_notes(words, row.derivation, row.first, row.last, self.lang)
        notes = line_notes(row.derivation, row.first, row.last, self.lang)
        if settings["notes_said"] is not None:
            notes = [note for note in notes if note not in settings["notes_said"]]
            settings["notes_said"].update(notes)
        if settings["footnotes"]:
            self.footnotes.extend(notes)
            return words
        said = language(self.lang)
        return " ".join([words, *(said.labelled(said.phrase("series_note"), note) for note in notes)])


def _last_tag(derivation: Derivation, first: int, last: int) -> str | None:
    tags = [step.tag for step in derivation.steps[first:last + 1] if step.tag]
    return tags[-1] if tags else None
