"""``\\begin{cases} ... \\end{cases}`` in a user's LaTeX, read as a SymPy ``Piecewise``.

latex2sympy2-extended does not read a cases environment, and its reading of a relation is not
one the engine can bound, so this module takes the environment apart itself: each row is a value,
``&``, and a condition (``\\text{if } u \\le c``, ``u < c``...) or ``\\text{otherwise}``.  The
values and the two sides of each condition go to the ordinary parser (passed in as ``parse``); the
relation between them is one of ``<, \\le, >, \\ge`` and nothing else.  Nothing is evaluated as
code.  :func:`masked` hides the environment's own markup from the front end's check of commands,
position for position, so every error still points into the text the user typed.
"""
from __future__ import annotations

import re
from collections.abc import Callable

import sympy as sp

from .errors import ParseError

_BEGIN = re.compile(r"\\begin\s*\{\s*([A-Za-z*]*)\s*\}")
_END = re.compile(r"\\end\s*\{\s*cases\s*\}")
# A row's condition, after its value's '&': "\text{if } u < c", "u \le c", "\text{otherwise}".
_IF = re.compile(r"^\s*(?:\\text\s*\{\s*(?:if|for|when)\s*\}|\\(?:text|mathrm)\s*\{\s*if\s+)?\s*")
_OTHERWISE = re.compile(r"^\s*(?:\\text\s*\{\s*(?:otherwise|else)\s*\}|otherwise|else)\s*[.,]?\s*$")
_RELATIONS = ((r"\leq", sp.Le), (r"\le", sp.Le), (r"\geq", sp.Ge), (r"\ge", sp.Ge), (r"\lt", sp.Lt),
              (r"\gt", sp.Gt), ("<", sp.Lt), (">", sp.Gt))
# The environment's markup, hidden from the front end's check of commands (blanked in place).
_MARKUP = re.compile(r"\\begin\s*\{\s*cases\s*\}|\\end\s*\{\s*cases\s*\}|\\\\|&|\\text\s*\{\s*(?:if|for|when|otherwise|else)\s*\}"
                     r"|\\leq?(?![A-Za-z])|\\geq?(?![A-Za-z])|\\lt(?![A-Za-z])|\\gt(?![A-Za-z])")
SLOT = "casesslot"


def masked(text: str) -> str:
    """``text`` with each cases environment's markup (``\\begin{cases}``, ``&``, ``\\\\``,
    ``\\text{if}``, ``\\le``...) blanked, position for position; any other environment refused."""
    for match in _BEGIN.finditer(text):
        if match.group(1) != "cases":
            raise ParseError(f"unknown environment {match.group(1) or '(none)'}: only \\begin{{cases}} ... "
                             "\\end{cases} is read", match.start())
    if len(_BEGIN.findall(text)) != len(_END.findall(text)):
        raise ParseError("\\begin{cases} and \\end{cases} do not pair up", max(0, text.find("\\begin")))
    if "\\begin" not in text and re.search(r"&|\\\\", text):
        raise ParseError("'&' and '\\\\' are read only inside \\begin{cases} ... \\end{cases}",
                         re.search(r"&|\\\\", text).start())  # type: ignore[union-attr]
    return _MARKUP.sub(lambda m: " " * len(m.group(0)), text) if "\\begin" in text else text


def slotted(text: str) -> tuple[str, list[tuple[str, int]]]:
    """``text`` with each cases environment replaced by a slot name the parser reads as a symbol
    (``\\mathrm{casesslot0}``), and each environment's body with its position in ``text``."""
    bodies: list[tuple[str, int]] = []
    out, position = [], 0
    while (begin := _BEGIN.search(text, position)) is not None:
        end = _END.search(text, begin.end())
        if end is None:
            raise ParseError("\\begin{cases} is never closed by \\end{cases}", begin.start())
        if _BEGIN.search(text, begin.end(), end.start()):
            raise ParseError("a cases environment inside another is not read: write the inner one as "
                             "conditions of the outer", begin.end())
        out.append(text[position:begin.start()] + rf"\mathrm{{{SLOT}{len(bodies)}}}")
        bodies.append((text[begin.end():end.start()], begin.end()))
        position = end.end()
    return "".join(out) + text[position:], bodies


def piecewise(body: str, offset: int, parse: Callable[[str, int], sp.Basic]) -> sp.Piecewise:
    """A cases environment's body as a Piecewise: rows ``value & condition`` separated by ``\\\\``,
    the last may be ``\\text{otherwise}``; ``parse(text, offset)`` reads one expression."""
    rows = [row for row in re.split(r"\\\\", body)]
    if rows and not rows[-1].strip():
        rows.pop()
    if len(rows) < 2:
        raise ParseError("a cases environment needs two rows or more (value & condition \\\\ value & "
                         "\\text{otherwise})", offset)
    pairs, at = [], offset
    for number, row in enumerate(rows):
        if row.count("&") != 1:
            raise ParseError(f"row {number + 1} of the cases: expected one '&' between a value and its condition",
                             at)
        value_text, condition_text = row.split("&")
        value = parse(value_text.rstrip().rstrip(","), at)
        condition_at = at + len(value_text) + 1
        if _OTHERWISE.match(condition_text):
            if number != len(rows) - 1:
                raise ParseError("\\text{otherwise} is the last row of the cases", condition_at)
            pairs.append((value, sp.true))
        else:
            pairs.append((value, _condition(condition_text, condition_at, parse)))
        at += len(row) + 2
    if pairs[-1][1] is not sp.true:
        raise ParseError("the cases end without \\text{otherwise}: a loss needs a value everywhere", at)
    return sp.Piecewise(*pairs)


def _condition(text: str, offset: int, parse: Callable[[str, int], sp.Basic]) -> sp.Basic:
    text = _IF.sub("", text, count=1).rstrip().rstrip(",.").rstrip()
    found = [(text.find(sign), sign, relation) for sign, relation in _RELATIONS if _has_relation(text, sign)]
    if not found:
        raise ParseError(f"the condition {text.strip()!r}: expected one of <, \\le, >, \\ge between two "
                         "expressions", offset)
    start, sign, relation = min(found, key=lambda f: (f[0], -len(f[1])))
    left, right = text[:start], text[start + len(sign):]
    if any(_has_relation(right, other) for other, _ in _RELATIONS):
        raise ParseError(f"the condition {text.strip()!r}: one relation per condition (write a < u < b as "
                         "two rows)", offset + start)
    return relation(parse(left, offset), parse(right, offset + start + len(sign)))


def _has_relation(text: str, sign: str) -> bool:
    if sign.startswith("\\"):
        return re.search(re.escape(sign) + r"(?![A-Za-z])", text) is not None
    return sign in text
