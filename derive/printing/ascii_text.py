"""Terminal text for a console that cannot show it (cp1252, ASCII): ``∑ᵢ₌₁ᴺ yᵢₖ`` becomes
``sum_{i=1}^{N} y_{ik}``, ``σ`` becomes ``sigma``, ``−`` a hyphen, ``✓`` ``[ok]``."""
from __future__ import annotations

import unicodedata

from ..errors import NotShowable
from .inline_math import SUBSCRIPTS, SUPERSCRIPTS
from .unicode import SUBSCRIPT, SUPERSCRIPT

_ASCII_MINUS = {"−": "-"}
_SUBSCRIPTS = {chr(v): _ASCII_MINUS.get(chr(k), chr(k)) for k, v in SUBSCRIPT.items()}
_SUPERSCRIPTS = {chr(v): _ASCII_MINUS.get(chr(k), chr(k)) for k, v in SUPERSCRIPT.items()} | {"²": "2", "³": "3", "¹": "1", "⁻": "-", "ᵃ": "a",
                                                              "ᵇ": "b", "ˣ": "x", "ᵀ": "T"}
# and the scripts the words' formulas use (eᵘ, βᵗ⁻ⁱ: printing/inline_math.py)
_SUBSCRIPTS |= {script: plain for plain, script in SUBSCRIPTS.items() if plain.isascii() and script not in _SUBSCRIPTS}
_SUPERSCRIPTS |= {script: plain for plain, script in SUPERSCRIPTS.items()
                  if plain.isascii() and script not in _SUPERSCRIPTS}
_SYMBOLS = {"−": "-", "∑": "sum", "∏": "prod", "∂": "d", "∇": "nabla", "·": "*", "×": "x", "→": "->",
            "≤": "<=", "≥": ">=", "≠": "!=", "≈": "~", "√": "sqrt", "∞": "oo", "✓": "[ok]", "✗": "[X]", "◦": "[given]",
            "…": "...", "—": "--", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "δ": "delta", "ℓ": "ell", "′": "'",
            "\u0302": "hat", "\u0304": "bar"}  # combining accents: v̂ as vhat


def _script_run(text: str, start: int, table: dict[str, str], marker: str) -> tuple[str, int]:
    end = start
    while end < len(text) and text[end] in table:
        end += 1
    inner = "".join(table[ch] for ch in text[start:end])
    return (f"{marker}{inner}" if len(inner) == 1 else f"{marker}{{{inner}}}"), end


def _greek(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    if not name.startswith("GREEK ") or " LETTER " not in name:
        return None
    spelled = name.rsplit(" ", 1)[-1].lower().replace("lamda", "lambda")
    return spelled.capitalize() if "CAPITAL" in name else spelled


def transliterate(text: str, encoding: str) -> str:
    """``text`` with every character ``encoding`` cannot show spelled in ASCII; raises
    :class:`NotShowable` naming the first character that has no spelling."""
    def showable(ch: str) -> bool:
        try:
            ch.encode(encoding)
            return True
        except (UnicodeEncodeError, LookupError):
            return False

    parts: list[str] = []
    position = 0
    while position < len(text):
        ch = text[position]
        if ch.isascii() or showable(ch):
            parts.append(ch)
            position += 1
        elif ch in _SUBSCRIPTS or ch in _SUPERSCRIPTS:
            table, marker = (_SUBSCRIPTS, "_") if ch in _SUBSCRIPTS else (_SUPERSCRIPTS, "^")
            spelled, position = _script_run(text, position, table, marker)
            parts.append(spelled)
        else:
            symbol = _SYMBOLS.get(ch) or _greek(ch)
            if symbol is None:
                raise NotShowable(f"the console's encoding ({encoding}) cannot show {ch!r}; "
                                  f"set PYTHONIOENCODING=utf-8" + (" or use --lang en" if ord(ch) > 0x2E80 else ""))
            parts.append(symbol)
            position += 1
    return "".join(parts)
