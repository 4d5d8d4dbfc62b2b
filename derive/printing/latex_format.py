"""A derivation as a LaTeX ``align`` fragment: one row per blackboard line (or step), the
justification beside it, a ``\\tag`` per row.  It compiles inside any document that loads amsmath
and amssymb (and, for Japanese, the ltjsarticle class)."""
from __future__ import annotations

import sympy as sp

from ..steps import Derivation, Equation
from .derivation_printer import DerivationPrinter, Row
from .formula_width import BESIDE, width
from .latex_expr import latex
from .latex_text import text
from .named_form import named_result_latex
from .series_printer import SeriesPrinter, rounded  # noqa: F401 (rounded: imported from here before)

JUSTIFICATION_WIDTH = r"0.3\linewidth"
WORDS_BELOW_WIDTH = r"0.6\linewidth"


class AlignRow(str):
    """An ``align`` row; ``alone``: too wide for its words beside it, so set in an ``align`` of its
    own with its words below (the row's two lines); ``notes``: its footnotes' texts, set just above
    the row (a ``\\footnote`` inside an ``align`` is lost), each at its mark's number."""

    alone = False
    notes: tuple[str, ...] = ()


class LatexPrinter(DerivationPrinter):
    """``lhs &= rhs && words \\tag{n}``, a row whose left side is the one above leaving it blank.
    ``words_below_wide`` (the notes): a row too wide to leave room for its words beside it
    (:mod:`.formula_width`) is set in an ``align`` of its own with its words below, so it pushes
    neither its tag nor the other rows' words off the page."""

    _default_settings = {**DerivationPrinter._default_settings, "words_below_wide": False}

    def _print_Derivation(self, derivation: Derivation, numbers: list[str] | None = None) -> str:
        """One ``align`` (more, where a wide row stands alone); ``numbers``: the tags to print instead."""
        header = f"% {derivation.name}: {derivation.title[self.lang]}\n"
        blocks: list[list[str]] = [[]]
        for item, row in self.rows(derivation, numbers):
            printed = self._print(item, row=row)
            if getattr(printed, "alone", False):
                blocks += [[printed], []]
            else:
                blocks[-1].append(printed)
        named = None if self._settings["words_below_wide"] else named_result_latex(derivation, self.lang)
        if named is not None:  # the result again, what it uses twice named once (not in the notes: their pages are laid out)
            blocks[-1].append(AlignRow(f"&{named} \\notag"))  # "&= written, where p = …": aligned at its "="
        return header + "".join(_align(block) for block in blocks if block)

    def _row(self, equation: Equation, words: str, row: Row) -> AlignRow:
        lhs = "" if row.previous is not None and equation.lhs == row.previous.lhs else latex(equation.lhs)
        rhs = latex(equation.rhs)
        # a paragraph box, so long words wrap beside the equation: not inside \text, which typesets
        # its argument once per math style (four times, Japanese line breaking and all)
        words = text(words)[len(r"\text{"):-1]
        notes, self.footnotes = tuple(self.footnotes), []
        words += r"\footnotemark" * len(notes)
        tag = rf" \tag{{{row.tag}}}" if row.tag else r" \notag"  # no tag (--tags none): no number, not align's own
        relation = r"\approx" if rounded(equation.rhs) else "="
        if not self._settings["words_below_wide"] or width(f"{lhs} = {rhs}") <= BESIDE:
            printed = AlignRow(f"{lhs} &{relation} {rhs} && {_boxed(words, JUSTIFICATION_WIDTH)}{tag}")
        else:  # \\* : no page break between the row and its words (they were left at the top of the next page)
            printed = AlignRow(f"{lhs} &{relation} {rhs}{tag} \\\\*\n&\\qquad {_boxed(words, WORDS_BELOW_WIDTH)} \\notag")
            printed.alone = True
        printed.notes = notes
        return printed


def _boxed(words: str, width: str) -> str:
    return r"\parbox[t]{" + width + r"}{\raggedright\footnotesize " + words + "}"


def _footnote_texts(row) -> str:
    """The texts of the footnotes marked in ``row``, set just above it (``\\noalign``, tied to it
    both ways: ``\\*`` before, ``\\nobreak`` after) so they sit on the page of their marks (set
    after the ``align`` they fell on the next page when the ``align`` ended a page).  The marks
    come after, so the counter is stepped to each note's number and taken back."""
    notes = getattr(row, "notes", ())
    texts = "".join(r"\stepcounter{footnote}\footnotetext{" + text(note)[len(r"\text{"):-1] + "}" for note in notes)
    return rf"\noalign{{{texts}\addtocounter{{footnote}}{{-{len(notes)}}}\nobreak}}" + "\n"


def _align(rows: list[str]) -> str:
    body = []
    for number, row in enumerate(rows):
        noted = bool(getattr(row, "notes", ()))
        if number:
            body.append(" \\\\*\n" if noted else " \\\\\n")
        body.append((_footnote_texts(row) if noted else "") + row)
    return "\\begin{align}\n" + "".join(body) + "\n\\end{align}\n"
