"""Printers: the only code that knows a text format. The core never imports this package."""
from __future__ import annotations

from typing import Iterable

from ..steps import Derivation

DETAILS = ("blackboard", "full")


def render(format: str, derivations: Iterable[Derivation], lang: str = "en", tags: str = "series",
           detail: str = "blackboard") -> str:
    """The derivations in ``format`` (text, json, latex, markdown or html), looked up in a table: as a
    lecturer's lines (``detail="blackboard"``) or every step (``"full"``); JSON always has both."""
    from .json_format import derivations_json
    from .latex_format import derivations_latex
    from .markdown import derivations_markdown
    from .text import derivations_text

    table = {
        "text": lambda ds: derivations_text(ds, lang, detail),
        "json": lambda ds: derivations_json(ds, lang),
        "latex": lambda ds: derivations_latex(ds, lang, tags, detail),
        "markdown": lambda ds: derivations_markdown(ds, lang, tags, detail),
        "html": lambda ds: _html(ds, lang, detail),
    }
    if detail not in DETAILS:
        raise ValueError(f"unknown detail {detail!r}; known: {', '.join(DETAILS)}")
    if format not in table:
        raise ValueError(f"unknown format {format!r}; known: {', '.join(table)}")
    return table[format](list(derivations))


def _html(derivations, lang: str, detail: str) -> str:
    from .notes_html import derivations_html  # KaTeX through Node.js: only when asked for
    return derivations_html(derivations, lang, detail)
