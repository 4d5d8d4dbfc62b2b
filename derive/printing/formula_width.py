"""How wide a formula sets, roughly, in units of a digit's width at the text size: enough to tell
a line of the notes that leaves room for its words beside it from one that does not (TeX sets the
words below that one).  Fractions count their wider part, scripts most of theirs, a sum or a limit
its operator or its limits, whichever is wider."""
from __future__ import annotations

import re

from .inline_math import braced_group

SCRIPT = 0.7  # a sub- or superscript's size
BESIDE = 45.0  # wider than this, a notes line sets its words below it (A4, words in 0.3 of the line)
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_SPACES = {",": 0.2, ";": 0.3, ":": 0.25, " ": 0.3, "!": 0.0, "quad": 1.0, "qquad": 2.0}
_IGNORED = {"left", "right", "displaystyle", "limits", "nolimits", "big", "Big", "bigl", "bigr"}
_WORDS = {"operatorname", "mathrm", "text"}
_WRAPPERS = {"mathbf", "hat", "bar", "tilde", "mathit", "boldsymbol"}
_OPERATORS = {"sum": 1.6, "prod": 1.6, "max": 1.8, "min": 1.8, "lim": 1.6}


def width(tex: str) -> float:
    total, position = 0.0, 0
    while position < len(tex):
        ch = tex[position]
        if ch == "\\":
            command = _COMMAND.match(tex, position)
            assert command is not None, f"a backslash ends {tex!r}"
            name = command.group(1)
            position += len(name) + 1
            if name in _IGNORED:
                continue
            if name in _SPACES:
                total += _SPACES[name]
            elif name in ("frac", "dfrac", "tfrac"):
                top, position = braced_group(tex, position)
                bottom, position = braced_group(tex, position)
                total += max(width(top), width(bottom)) * (0.8 if name == "frac" else 1.0) + 0.4
            elif name in _WORDS:
                word, position = braced_group(tex, position)
                total += 0.9 * len(word)
            elif name in _WRAPPERS:
                inner, position = braced_group(tex, position)
                total += width(inner)
            elif name in _OPERATORS:
                limits = {"_": 0.0, "^": 0.0}
                while position < len(tex) and tex[position] in "_^":
                    inner, after = braced_group(tex, position + 1)
                    limits[tex[position]] = SCRIPT * width(inner)
                    position = after
                total += max(_OPERATORS[name], *limits.values()) + 0.3
            else:
                total += 1.6 if name in ("log", "exp") else 1.0
        elif ch in "_^":
            inner, position = braced_group(tex, position + 1)
            total += SCRIPT * width(inner)
        elif ch in "{} ":
            position += 1
        else:
            total += 1.8 if ch in "+-=<>" else 1.0
            position += 1
    return total
