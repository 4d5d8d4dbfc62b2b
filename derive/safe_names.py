"""What a name in a user's loss may be, checked wherever a name comes in.

Why: a name is copied into every output: the LaTeX, the Markdown, the HTML page, the terminal.
A name that held TeX (``^^5cinput{SECRET}``: ``^^5c`` is TeX's backslash), HTML (``<script>``),
Markdown (``![x](y)``) or a control character (ESC) would be markup or a terminal command there,
not the name of a number.  So a name is data of one small grammar, the names the LaTeX reader
produces: letters and digits starting with a letter (``x``, ``lr``, ``w2``), a Greek letter
(``\\alpha``), either under ``\\hat``, ``\\bar`` or ``\\tilde``, with at most one subscript of
letters, digits, Greek letters and commas (``y_{ik}``, ``w_{1,2}``, ``x_{\\alpha}``).  Anything
else is refused where it enters, naming the character (escaped: ``'\\x1b'``), by the reader
(:func:`derive.front_end.from_latex`, a ParseError at that character) and by the API for SymPy
expressions and variables (:func:`check_names`, a DeriveError).  The printers escape a name
outside the grammar all the same (:mod:`derive.printing.inert`), so one that slips past still
prints as text.
"""
from __future__ import annotations

import re
from typing import Iterator

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.latex import greek_letters_set

from .errors import DeriveError, ParseError, shown

GREEK = frozenset(greek_letters_set | {"varepsilon", "vartheta", "varphi", "varrho", "varsigma", "ell"})
ACCENTS = ("hat", "bar", "tilde")
# A function's name (an undefined SymPy function, f(x)): an identifier, as SymPy's own are.
FUNCTION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_SPELLING = _ALNUM | set("\\{}_,")  # what a name may be spelled with; the grammar says in what order
_FUNCTION_SPELLING = _ALNUM | {"_"}
GRAMMAR = (r"a name is letters and digits starting with a letter (lr, w2) or a Greek letter (\alpha), either under "
           r"\hat, \bar or \tilde, with at most one subscript of letters, digits and commas (y_{ik}, w_{1,2})")
SHOWN = 40  # characters of a refused name shown in the message


def is_name(name: str) -> bool:
    """Whether ``name`` is of the grammar: safe to print in every format as it is."""
    return isinstance(name, str) and bool(name) and _wrong_at(name) is None


def is_function_name(name: str) -> bool:
    return isinstance(name, str) and FUNCTION_NAME.fullmatch(name) is not None


def _wrong_at(name: str) -> int | None:
    r"""Where ``name`` leaves the grammar (``len(name)``: it ends too soon), or None.  A scanner
    rather than a regular expression, so that a refusal can point at the character::

        name    := base [ "_" ( alnum+ | "{" part ("," part)* "}" ) ]
        base    := [ "\" ] accent "{" letter "}" | letter   (hat{y}: the reader drops a backslash once)
        letter  := alpha alnum* | "\" greek
        part    := alnum+ | "\" greek | "\text{" alnum+ "}"  (x_{\mathrm{max}} is read as x_{\text{max}})
    """
    try:
        position = _base(name, 0)
        if position < len(name):
            position = _subscript(name, _expect(name, position, "_"))
        if position != len(name):
            raise _Leaves(position)
    except _Leaves as leaves:
        return leaves.at
    return None


class _Leaves(Exception):
    """The name leaves the grammar at ``at``."""

    def __init__(self, at: int):
        super().__init__(at)
        self.at = at


def _expect(name: str, position: int, text: str) -> int:
    if not name.startswith(text, position):
        raise _Leaves(position)
    return position + len(text)


def _alnum(name: str, position: int) -> int:
    end = position
    while end < len(name) and name[end] in _ALNUM:
        end += 1
    if end == position:
        raise _Leaves(position)
    return end


def _letter(name: str, position: int) -> int:
    if name.startswith("\\", position):
        end = position + 1
        while end < len(name) and name[end].isascii() and name[end].isalpha():
            end += 1
        if name[position + 1:end] not in GREEK:
            raise _Leaves(position)
        return end
    if position < len(name) and name[position].isascii() and name[position].isalpha():
        return _alnum(name, position)
    raise _Leaves(position)


def _base(name: str, position: int) -> int:
    start = position + 1 if name.startswith("\\", position) else position
    for accent in ACCENTS:
        if name.startswith(accent + "{", start):
            return _expect(name, _letter(name, start + len(accent) + 1), "}")
    return _letter(name, position)


def _subscript(name: str, position: int) -> int:
    if not name.startswith("{", position):
        return _alnum(name, position)
    position = _part(name, position + 1)
    while name.startswith(",", position):
        position = _part(name, position + 1)
    return _expect(name, position, "}")


def _part(name: str, position: int) -> int:
    if name.startswith("\\text{", position):
        return _expect(name, _alnum(name, position + len("\\text{")), "}")
    if name.startswith("\\", position):
        return _letter(name, position)
    return _alnum(name, position)


def problem(name: str, function: bool = False) -> tuple[str, str] | None:
    """Why ``name`` is refused, and the part of it to point at, from the character the words name
    (the first one a name is never spelled with, else the one where it leaves the grammar; ``""``
    where it ends too soon); ``None`` if it is a name."""
    if (is_function_name if function else is_name)(name):
        return None
    if not name:
        return "an empty name (\\mathrm{} with no letter in it)", ""
    quoted = _shown(name)
    kind = "function's name" if function else "name"
    rule = "a function's name is letters, digits and _ starting with a letter" if function else GRAMMAR
    wrong = next((ch for ch in name if ch not in (_FUNCTION_SPELLING if function else _SPELLING)), None)
    if wrong is not None:
        return f"the {kind} {quoted} holds {_quoted(wrong)}: {rule}", wrong
    at = 0 if function else _wrong_at(name)
    assert at is not None  # for mypy: not a name, yet spelled only with its characters
    if at >= len(name):
        return f"the {kind} {quoted} ends too soon: {rule}", ""
    if at == 0:
        return f"the {kind} {quoted} starts with {_quoted(name[0])}: {rule}", name[0]
    return f"the {kind} {quoted} has {_quoted(name[at])} out of place (after {_quoted(name[:at])}): {rule}", name[at:]


def _shown(name: str) -> str:
    """The name quoted for a message, cut short."""
    return _quoted(name if len(name) <= SHOWN else name[:SHOWN] + "...")


def _quoted(text: str) -> str:
    """``text`` in quotes, each control character escaped (``'\\x1b'``), never raw."""
    return f"'{shown(text)}'"


def names_in(*exprs) -> Iterator[tuple[str, bool]]:
    """Every name in ``exprs`` and whether it is a function's: symbols (and so the labels of indexed
    arrays and of indices), matrix symbols, undefined functions.  A limit's direction (the symbol
    ``+``) is SymPy's, not a name.  Strings are passed over: they are LaTeX, which the reader checks."""
    stack = [e for e in exprs if isinstance(e, sp.Basic)]
    while stack:
        node = stack.pop()
        if isinstance(node, sp.Limit):
            stack.extend(node.args[:3])
            continue
        if isinstance(node, sp.Symbol):
            yield node.name, False
        elif isinstance(node, sp.MatrixSymbol):
            yield str(node.name), False
        elif isinstance(node, AppliedUndef):
            yield node.func.__name__, True
        stack.extend(node.args)


def check_names(*exprs) -> None:
    """Refuse, with a DeriveError naming the character, any name in ``exprs`` (SymPy expressions,
    equations, symbols given to the API) outside the grammar."""
    for name, function in names_in(*exprs):
        refused = problem(name, function)
        if refused:
            raise DeriveError(refused[0])


def check_read_names(expr: sp.Basic, text: str) -> None:
    """Refuse, with a ParseError at the character in ``text``, any name the reader made of ``text``
    outside the grammar (``\\mathrm{<b>}``, ``\\hat{a%b}``, ``\\mathrm{a^^5cb}``)."""
    for name, function in names_in(expr):
        refused = None if function else problem(name)  # an undefined function f(x) the reader refuses by its name
        if refused:
            words, part = refused
            raise ParseError(words, _position(text, name, part))


def _position(text: str, name: str, part: str) -> int:
    """Where in ``text`` the refused ``part`` of ``name`` starts: the longest piece of the name from
    there on that ``text`` holds (the reader may have dropped spaces or braces), else 0."""
    start = name.find(part) if part else 0
    for end in range(len(name), start, -1):
        found = text.find(name[start:end])
        if found >= 0:
            return found
    return 0
