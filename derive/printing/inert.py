"""A name outside the grammar of :mod:`derive.safe_names`, printed as inert text all the same.

Why: the reader and the API refuse such names, so none should reach a printer; but a printer must
not trust that.  A name is copied into LaTeX, Markdown, HTML (through KaTeX) and the terminal, and
in each some characters are commands: ``\\``, ``%``, ``#``, ``^^5c`` in TeX, ``<``, ``&`` in HTML,
``![x](y)`` in Markdown, ESC on a console.  So in LaTeX such a name is set in ``\\text{...}`` with
its letters and digits as they are and every other character as its code point (``[U+003C]``),
which is text in every one of those formats at once; on the terminal its control characters are
escaped as Python writes them (``\\x1b``).
"""
from __future__ import annotations

from ..errors import shown

_KEPT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def latex_text(name: str) -> str:
    """``name`` as LaTeX that is text in TeX, KaTeX and a Markdown renderer alike:
    ``<b>`` as ``\\text{[U+003C]b[U+003E]}``."""
    return r"\text{" + "".join(ch if ch in _KEPT else f"[U+{ord(ch):04X}]" for ch in name) + "}"


def terminal_text(text: str) -> str:
    """``text`` with every character a console acts on (ESC, NUL, CR, U+202E) escaped."""
    return shown(text)
