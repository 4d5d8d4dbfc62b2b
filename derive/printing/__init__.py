"""Printers: the only code that knows a text format. The core never imports this package."""
from __future__ import annotations

from typing import Iterable

from ..steps import Derivation


def render(format: str, derivations: Iterable[Derivation], lang: str = "en", tags: str = "series") -> str:
    """The derivations in ``format`` (text, json, latex or markdown), looked up in a table."""
    from .json_format import derivations_json
    from .latex_format import derivations_latex
    from .markdown import derivations_markdown
    from .text import derivations_text

    table = {
        "text": lambda ds: derivations_text(ds, lang),
        "json": lambda ds: derivations_json(ds, lang),
        "latex": lambda ds: derivations_latex(ds, lang, tags),
        "markdown": lambda ds: derivations_markdown(ds, lang, tags),
    }
    if format not in table:
        raise ValueError(f"unknown format {format!r}; known: {', '.join(table)}")
    return table[format](list(derivations))
