"""Printers: the only code that knows a text format. The core never imports this package."""
from __future__ import annotations

from importlib import import_module
from typing import Iterable

from ..steps import Derivation

PRINTERS = {  # format -> the derivation printer's class, by dotted name: HTML's Node.js only when asked for
    "text": "derive.printing.text:TextPrinter",
    "json": "derive.printing.json_format:JsonPrinter",
    "latex": "derive.printing.latex_format:LatexPrinter",
    "markdown": "derive.printing.markdown:MarkdownPrinter",
    "html": "derive.printing.html_format:HtmlPrinter",
}


def printer_class(format: str) -> type:
    """The class that prints derivations in ``format`` (text, json, latex, markdown or html)."""
    if format not in PRINTERS:
        raise ValueError(f"unknown format {format!r}; known: {', '.join(PRINTERS)}")
    module, _, name = PRINTERS[format].partition(":")
    return getattr(import_module(module), name)


def render(format: str, derivations: Iterable[Derivation], lang: str = "en", tags: str = "series",
           detail: str = "blackboard") -> str:
    """The derivations in ``format``: as a lecturer's lines (``detail="blackboard"``) or every step
    (``"full"``); JSON always has both."""
    return printer_class(format)(lang=lang, tags=tags, detail=detail).doprint(list(derivations))
