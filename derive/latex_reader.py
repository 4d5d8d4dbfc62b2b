"""A quick reader for the plain LaTeX most losses are written in: the same SymPy expression that
latex2sympy2-extended builds, in a millisecond instead of its ANTLR parser's 0.1 to 0.6 s (a third
of a user's cold gradient: the ANTLR runtime builds its prediction tables anew in every process).

:func:`read` returns ``None`` for anything outside the subset it knows exactly (letters, numbers,
subscripts and powers, ``+ - \\cdot \\times / ``, brackets, ``|u|``, ``\\frac``, ``\\sqrt``,
``\\log``, ``\\ln``, ``\\exp``, hyperbolic and trigonometric functions, ``\\max``/``\\min``,
``\\sum``/``\\prod`` with limits, Greek letters, accents) and for every spelling on which the full
parser has a quirk of its own (text the parser's normaliser rewrites, ``d x`` read as a
differential, ``2e3``, a run of letters that names one of its commands...): the caller
(:mod:`derive.front_end`) then parses with latex2sympy2-extended as before, so the reader only
ever makes a reading faster, never different; tests/test_latex_reader.py compares the two
readings over the corpus and every LaTeX string of the tests.  It builds SymPy objects only;
nothing is evaluated as code.
"""
from __future__ import annotations

import re

import sympy as sp

# Text the full parser's normaliser would rewrite first (latex2sympy2_extended.math_normalization,
# basic_latex), or that its lexer reads in a way of its own: left to the full parser.
_NOT_PLAIN = re.compile(
    r"\\math(?!rm\{Greek[A-Za-z]+\})|\\text|\\[dtc]frac|\s\.|\{\.|~|\{\s*,\s*\}|(?<![a-zA-Z])(?:and|or)(?![a-zA-Z])"
    r"|(?<!\\)\\\s|inf|ldots|perc|pct|sqrt\s*\[|\$|[\"']|\\displaystyle|\\\\|\)\s*_|\\left|\\right|[^\x20-\x7e\n\t]"
    r"|(?<![\\A-Za-z])(?:[A-Za-z]{3,}|tr(?![A-Za-z]))|\^\s*\{?\s*T|\d\s*[eE](?![A-Za-z])|\d[eE]|e\s*_|!|\.(?!\d)")
# \gamma and a cases environment's slot, as derive.front_end passes them: names in \mathrm
_GREEK_NAME = re.compile(r"\\mathrm\{(?:Greek[A-Za-z]+|casesslot\d+)\}")
_TOKEN = re.compile(r"\s*(?:(\\mathrm\{(?:Greek[A-Za-z]+|casesslot\d+)\})|(\\[A-Za-z]+)|(\d+(?:\.\d+)?)|([A-Za-z])|([-+*/^_=,()\[\]{}|]))")

GREEK = frozenset(("alpha beta delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi rho "
                   "sigma tau upsilon phi varphi chi psi omega Delta Theta Lambda Xi Sigma Upsilon Phi Psi Omega ell").split())
SINGLE = {"log": None, "ln": None, "exp": sp.exp, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
          "sin": sp.sin, "cos": sp.cos, "tan": sp.tan}
ACCENTS = {"hat": "hat", "bar": "bar", "tilde": "tilde"}
_ENDS = {")", "]", "}", "|", "+", "-", "*", "/", "\\cdot", "\\times", ",", "=", "^", "_", None}


class _Unread(Exception):
    """Outside the subset: the full parser reads it."""


def read(text: str) -> sp.Basic | None:
    """``text`` (as :func:`derive.front_end._rewritten` leaves it) read as latex2sympy2-extended
    reads it, or ``None`` where only that parser should read it."""
    if _NOT_PLAIN.search(_GREEK_NAME.sub(r"\\alpha", text)):
        return None
    tokens = _tokens(text)
    if tokens is None or any(a == "d" and (b[:1] == "\\" or b.isalpha()) for a, b in zip(tokens, tokens[1:])):
        return None  # d x, d\theta: the parser's lexer reads a differential
    try:
        reader = _Reader(tokens)
        result = reader.expr()
        if reader.peek() is not None:
            return None
    except (_Unread, IndexError, RecursionError, TypeError, ValueError, ZeroDivisionError):
        return None
    return result if isinstance(result, sp.Expr) else None


def _tokens(text: str) -> list[str] | None:
    tokens, position, end = [], 0, len(text.rstrip())
    while position < end:
        match = _TOKEN.match(text, position)
        if not match:
            return None
        tokens.append(match.group(match.lastindex or 0))
        position = match.end()
    return tokens


class _Reader:
    """Recursive descent over the grammar's shape (additive > mp > unary > postfix > exp > comp),
    building what latex2sympy2-extended's converter builds at each level."""

    def __init__(self, tokens: list[str], abs_depth: int = 0):
        self.tokens, self.at, self.abs_depth = tokens, 0, abs_depth

    def peek(self, ahead: int = 0) -> str | None:
        return self.tokens[self.at + ahead] if self.at + ahead < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise _Unread(expected)
        self.at += 1
        return token

    def expr(self) -> sp.Basic:
        result = self.mp(functions=True)
        while self.peek() in ("+", "-"):
            sign = self.take()
            right = self.mp(functions=True)
            if sign == "-":
                right = -right if right.func.is_Number else _mul(sp.Integer(-1), right)
            result = _add(result, right)
        return result

    def mp(self, functions: bool) -> sp.Basic:
        result = self.unary(functions)
        while self.peek() in ("*", "/", "\\cdot", "\\times"):
            operator = self.take()
            right = self.unary(functions)
            if operator == "/":
                result = (sp.Rational(result, right) if result.is_Integer and right.is_Integer else
                          sp.Mul(result, sp.Pow(right, -1, evaluate=False), evaluate=False))
            else:
                result = _mul(result, right)
        return result

    def unary(self, functions: bool) -> sp.Basic:
        if self.peek() == "+":
            self.take()
            return self.unary(functions)
        if self.peek() == "-":
            self.take()
            inner = self.unary(functions)
            return -inner if inner.is_Number else _mul(sp.Integer(-1), inner)
        items = [self.postfix(functions=True)]  # the first factor may be a function even in a bare argument
        while self.peek() not in _ENDS or (self.peek() == "|" and not self.abs_depth):
            if self.peek() == "|":
                raise _Unread("|")  # a juxtaposed |u| after an operand: the parser pairs bars its own way
            if not functions and (self.peek() in _FUNCTION_STARTS or self.peek() == "e"):
                break  # \log x \log y: a bare argument ends before the next function (e too: e^{u} is one)
            items.append(self.postfix(functions))
        return _product(items)

    def postfix(self, functions: bool) -> sp.Basic:
        base = self.comp(functions)
        while self.peek() == "^":
            if isinstance(base, sp.Symbol):
                raise _Unread("^")  # a name's power is read with the name (self.scripts): a second one
            self.take()
            base = sp.Pow(base, self.exponent(), evaluate=False)
        return base

    def exponent(self) -> sp.Basic:
        token = self.peek()
        if token == "{":
            self.take()
            value = self.expr()
            self.take("}")
            return value
        if token is not None and (token.isdigit() or (len(token) == 1 and token.isalpha() and token not in "eI")):
            self.take()
            return sp.Integer(int(token)) if token.isdigit() else sp.Symbol(token)
        raise _Unread(token)

    def comp(self, functions: bool) -> sp.Basic:
        token = self.peek()
        if token in ("(", "[", "{"):
            self.take()
            inner = self.expr()
            self.take({"(": ")", "[": "]", "{": "}"}[token])
            return inner
        if token == "|":
            self.take()
            nested = _Reader(self.tokens, self.abs_depth + 1)
            nested.at = self.at
            inner = nested.expr()
            self.at = nested.at
            self.take("|")
            return sp.Abs(inner, evaluate=False)
        if token == "\\frac":
            self.take()
            top, bottom = self.braced(), self.braced()
            if top.is_Integer and bottom.is_Integer:
                return sp.Rational(top, bottom)
            return sp.Mul(top, sp.Pow(bottom, -1, evaluate=False), evaluate=False)
        if token in _FUNCTION_STARTS:
            if not functions:
                raise _Unread(token)
            return self.function()
        return self.atom()

    def braced(self) -> sp.Basic:
        self.take("{")
        inner = self.expr()
        self.take("}")
        return inner

    def atom(self) -> sp.Basic:
        token = self.take()
        if token[0].isdigit():
            if self.peek() == "_":
                raise _Unread(token)
            # digits only (the tokeniser's pattern): built directly, never through sympify
            return sp.Integer(int(token)) if token.isdigit() else sp.Float(token)
        if token in ("e", "\\pi", "E") and self.peek() in ("(", "[") and not self._sum_follows():
            raise _Unread(token)  # \\pi [y]: the parser reads a call of a function
        if token == "e":
            if self.peek() == "^":
                self.take()
                return sp.exp(self.exponent())
            return sp.E
        if token == "\\pi":
            if self.peek() in ("_", "^"):
                raise _Unread(token)
            return sp.pi
        if len(token) == 1 and token.isalpha() and token not in "IE":
            name = token
        elif token == "E" and self.peek() not in ("_", "^"):
            return sp.Symbol("E")
        elif token.startswith("\\mathrm{"):
            name = token[len("\\mathrm{"):-1]
        elif token[1:] in GREEK:
            name = token[1:]
        elif token[1:] in ACCENTS:
            self.take("{")
            letter = self.take()
            if not (len(letter) == 1 and letter.isalpha()):
                raise _Unread(letter)
            self.take("}")
            name = f"{ACCENTS[token[1:]]}{{{letter}}}"
        else:
            raise _Unread(token)
        return self.scripts(name)

    def scripts(self, name: str) -> sp.Basic:
        """A name's subscript (part of the name, as the parser spells it) and power, in either order."""
        power = None
        for _ in range(2):
            if self.peek() == "_" and "_" not in name:
                self.take()
                name += _subscript(self._subscript_text())
            elif self.peek() == "^" and power is None:
                self.take()
                power = self.exponent()
            else:
                break
        if self.peek() in ("(", "[") and not self._sum_follows():
            raise _Unread(name)  # x(y), y[k]: the parser reads a call of a function x
        symbol = sp.Symbol(name)
        return symbol if power is None else sp.Pow(symbol, power, evaluate=False)

    def _sum_follows(self) -> bool:
        """Whether the bracket after a name holds a sum or difference at its top level (t (1 - y)):
        then the parser multiplies; a bracket of one atom it reads as a function's arguments."""
        depth = 0
        for token in self.tokens[self.at:]:
            depth += (token in ("(", "[", "{")) - (token in (")", "]", "}"))
            if depth == 0:
                return False
            if depth == 1 and token in ("+", "-"):
                return True
        return False

    def _subscript_text(self) -> str:
        token = self.take()
        if token != "{":
            if len(token) == 1 and token.isalpha() or token.isdigit():
                return token
            raise _Unread(token)
        parts = []
        while self.peek() != "}":
            part = self.take()
            if not (part.isalnum() or part == ","):
                raise _Unread(part)
            parts.append(part)
        self.take("}")
        if not parts or parts[0] == "," or parts[-1] == ",":
            raise _Unread("_")
        return "".join(parts)

    def function(self) -> sp.Basic:
        name = self.take()[1:]
        if name in ("sum", "prod"):
            return self.big_operator(name)
        if name in ("max", "min"):
            return self.extremum(name)
        if name == "sqrt":
            return sp.Pow(self.braced(), sp.S.Half, evaluate=False)
        base = None
        if self.peek() == "_":
            if name != "log":
                raise _Unread(name)
            self.take()
            base = self.braced() if self.peek() == "{" else self.atom()
        if self.peek() == "^":
            raise _Unread("^")  # \log^{2} x: left to the parser
        if self.peek() == "(":
            self.take()
            argument = self.expr()
            self.take(")")
        else:
            argument = self.mp(functions=False)
        if name == "log":
            return sp.log(argument, 10 if base is None else base, evaluate=False)
        if name == "ln":
            return sp.log(argument, sp.E, evaluate=False)
        return SINGLE[name](argument, evaluate=False)

    def big_operator(self, name: str) -> sp.Basic:
        self.take("_")
        self.take("{")
        index = self.take()
        if not (len(index) == 1 and index.isalpha() and index not in "eI"):
            raise _Unread(index)
        self.take("=")
        start = self.expr()
        self.take("}")
        self.take("^")
        end = self.exponent()
        body = self.mp(functions=True)
        limits = (sp.Symbol(index), start, end)
        return sp.Sum(body, limits) if name == "sum" else sp.Product(body, limits)

    def extremum(self, name: str) -> sp.Basic:
        """``\\max(a, b)``: the parser joins the bracket's tokens (without the spaces), splits the
        text at each comma and reads each part anew: so does this reader."""
        self.take("(")
        inside, open_brackets = [], ["("]
        while open_brackets:
            token = self.take()
            if token in _CLOSING:
                if _CLOSING[token] != open_brackets.pop():
                    raise _Unread(token)  # brackets of other kinds: the parser pairs them its own way
            elif token in _CLOSING.values():
                open_brackets.append(token)
            if open_brackets:
                inside.append(token)
        parts = [read(part) for part in "".join(inside).split(",")]
        if any(part is None for part in parts):
            raise _Unread(name)
        return (sp.Max if name == "max" else sp.Min)(*parts, evaluate=False)


_CLOSING = {")": "(", "]": "[", "}": "{"}
_FUNCTION_STARTS = frozenset({"\\" + name for name in SINGLE} | {"\\sum", "\\prod", "\\max", "\\min", "\\sqrt"})


def _subscript(text: str) -> str:
    return f"_{{{text}}}" if len(text) > 1 else f"_{text}"


def _product(items: list[sp.Basic]) -> sp.Basic:
    """Juxtaposed factors as the parser multiplies them: from the right, an integer before a
    positive rational read as a mixed number (``2 \\frac{1}{2}`` is 5/2, as the parser has it)."""
    result = items[-1]
    for item in reversed(items[:-1]):
        if item.is_Integer and result.is_Rational and result.p > 0 and result.q > 0:
            result = sp.Rational(item * result.q + (result.p if item >= 0 else -result.p), result.q)
        else:
            result = _mul(item, result)
    return result


def _mul(left: sp.Basic, right: sp.Basic) -> sp.Basic:
    args = [*(left.args if left.is_Mul else (left,)), *(right.args if right.is_Mul else (right,))]
    return sp.Mul(*args, evaluate=False)


def _add(left: sp.Basic, right: sp.Basic) -> sp.Basic:
    args = [*(left.args if left.is_Add else (left,)), *(right.args if right.is_Add else (right,))]
    return sp.Add(*args, evaluate=False)
