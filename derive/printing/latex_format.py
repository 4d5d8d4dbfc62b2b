"""A derivation as a LaTeX ``align`` fragment: one row per step, the justification beside it,
a ``\\tag`` per row.  It compiles inside any document that loads amsmath and amssymb (and, for
Japanese, the ltjsarticle class)."""
from __future__ import annotations

from typing import Iterable

from ..steps import Derivation
from .justifications import justification, line_words, with_notes
from .latex_expr import latex
from .formula_width import BESIDE, width
from .latex_text import text
from .tags import equation_tags, line_tags

JUSTIFICATION_WIDTH = r"0.3\linewidth"


def rows(derivation: Derivation, lang: str, tags: str, boxed_words: bool, detail: str = "blackboard",
         numbers: list[str] | None = None) -> list[str]:
    """``lhs &= rhs && words \\tag{n}``, one row per blackboard line (``detail="full"``: per step);
    a row whose left side is the one above leaves it blank.  ``numbers``: the tags to use instead."""
    return [_row(*parts) for parts in _row_parts(derivation, lang, tags, boxed_words, detail, numbers)]


def _row_parts(derivation: Derivation, lang: str, tags: str, boxed_words: bool, detail: str,
               numbers: list[str] | None):
    """``(lhs, rhs, words, tag)`` of each row, each in LaTeX (the words boxed or in ``\\text``)."""
    previous_lhs = None
    for row, (equation, words, tag) in enumerate(_rows(derivation, lang, tags, detail)):
        tag = numbers[row] if numbers is not None else tag
        lhs = "" if equation.lhs == previous_lhs else latex(equation.lhs)
        words = text(words)
        if boxed_words:  # a paragraph box, so long words wrap beside the equation: not inside \text,
            # which typesets its argument once per math style (four times, Japanese line breaking and all)
            words = _boxed(words[len(r"\text{"):-1], JUSTIFICATION_WIDTH)
        yield lhs, latex(equation.rhs), words, tag
        previous_lhs = equation.lhs


def _boxed(words: str, width: str) -> str:
    return r"\parbox[t]{" + width + r"}{\raggedright\footnotesize " + words + "}"


def _row(lhs: str, rhs: str, words: str, tag: str | None) -> str:
    return f"{lhs} &= {rhs} && {words}" + (rf" \tag{{{tag}}}" if tag else "")


def _rows(derivation: Derivation, lang: str, tags: str, detail: str):
    """``(equation, words, tag)`` per row."""
    if detail == "full" or not derivation.lines:
        previous = None
        for number, (step, tag) in enumerate(zip(derivation.steps, equation_tags(derivation, tags))):
            yield step.equation, with_notes(justification(step, previous, lang), derivation, number, number, lang), tag
            previous = step.equation
        return
    for line, tag in zip(derivation.lines, line_tags(derivation, tags)):
        words = line_words(derivation, line, lang)
        yield line.equation, with_notes(words, derivation, line.first, line.last, lang), tag


def row_parts(derivation: Derivation, lang: str, detail: str = "blackboard"):
    """``(equation, words, series tag or number)`` per row, as :func:`rows` prints them (for
    printers of other formats: the HTML notes)."""
    return list(_rows(derivation, lang, "series", detail))


def derivation_latex(derivation: Derivation, lang: str = "en", tags: str = "series", detail: str = "blackboard",
                     numbers: list[str] | None = None, words_below_wide: bool = False) -> str:
    """One ``align`` environment, words beside each line; ``words_below_wide`` (the notes): a line
    too wide to leave room for its words beside it (:mod:`.formula_width`) is set in an ``align`` of
    its own with its words below, so it pushes neither its tag nor the other lines' words off the page."""
    header = f"% {derivation.name}: {derivation.title[lang]}\n"
    parts = list(_row_parts(derivation, lang, tags, True, detail, numbers))
    if not words_below_wide:
        return header + _align([_row(*row) for row in parts])
    blocks: list[list[str]] = [[]]
    for lhs, rhs, words, tag in parts:
        if width(f"{lhs} = {rhs}") <= BESIDE:
            blocks[-1].append(_row(lhs, rhs, words, tag))
            continue
        words = words.replace(JUSTIFICATION_WIDTH, WORDS_BELOW_WIDTH, 1)
        blocks += [[f"{lhs} &= {rhs}" + (rf" \tag{{{tag}}}" if tag else ""), rf"&\qquad {words} \notag"], []]
    return header + "".join(_align(block) for block in blocks if block)


WORDS_BELOW_WIDTH = r"0.6\linewidth"


def _align(rows: list[str]) -> str:
    return "\\begin{align}\n" + " \\\\\n".join(rows) + "\n\\end{align}\n"


def derivations_latex(derivations: Iterable[Derivation], lang: str = "en", tags: str = "series",
                      detail: str = "blackboard") -> str:
    return "\n".join(derivation_latex(d, lang, tags, detail) for d in derivations)
