"""A user's loss written in LaTeX, read into the engine's expressions: ``from_latex``.

The text is checked first (length, nesting, every command known), lightly rewritten into what
latex2sympy2-extended reads (``\\lbrack``, ``\\left(``, ``\\operatorname{softmax}``, sums without
limits), parsed by it under a time limit, then normalised by :mod:`derive.latex_input` (natural
logs, subscripts bound to the sums' indices as indexed arrays, the sigmoid).  Nothing the user types
is evaluated as code.  Every failure is a :class:`~derive.errors.ParseError` naming the position.
"""
from __future__ import annotations

import re
from functools import lru_cache

import sympy as sp
from sympy.core.function import AppliedUndef

from . import conventions as c
from .cases_input import SLOT, masked, piecewise, slotted
from .errors import LimitExceeded, ParseError
from .input_limits import check_expression, check_text, time_limit
from .latex_input import normalise
from .latex_reader import read
from .safe_names import check_read_names

MAX_CHARACTERS = 2000
MAX_NESTING = 30
PARSE_SECONDS = 5.0

GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
         "pi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon "
         "Phi Psi Omega").split()
COMMANDS = set(GREEK) | {
    "frac", "dfrac", "tfrac", "sum", "prod", "lim", "to", "log", "ln", "exp", "left", "right", "cdot", "times", "lbrack",
    "rbrack", "sqrt", "hat", "bar", "tilde", "operatorname", "mathrm", "max", "min", "lvert", "rvert",
    "quad", "qquad", "tag", "lbrace", "rbrace", "sinh", "cosh", "tanh", "sin", "cos", "tan", "arctan", "mathcal", "ell", "{", "}", ",", ";", "!", " ", ":", "|",
}
OPERATOR_NAMES = {"softmax", "sigmoid", "sigma", "log", "exp"}
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")


def from_latex(text: str, scalars: dict[str, sp.Symbol] | None = None, *, model_names: bool = True) -> sp.Basic:
    """The expression in ``text`` (or ``sp.Eq(lhs, rhs)`` for ``lhs = rhs``) in the engine's
    conventions.  ``\\log`` and ``\\ln`` are natural logs; ``t_{k}``, ``y_{ik}`` are components of
    indexed arrays; ``\\sum_{i}^{N}`` runs from 1; ``\\sigma(z)`` is the sigmoid.  ``scalars`` names
    symbols to read as given (``{"x": Symbol("x", positive=True)}``).  The one reader of LaTeX: the
    CLI, the API and the tests that read printed steps back all come through here.  A text read
    before is not parsed again (the parser is a quarter of a user's gradient; ``z_{j}`` recurs).
    ``model_names=False`` reads y and w as a user's real symbols, not the model's positive
    predictions and weights: how a user's own loss is read (what a symbol may be comes from the
    loss, never from its name)."""
    if scalars:
        return _from_latex(text, scalars, model_names)
    if not isinstance(text, str):
        return _from_latex(text, None, model_names)  # _checked says what is wrong with it
    return _from_latex_once(text, model_names)


@lru_cache(maxsize=256)
def _from_latex_once(text: str, model_names: bool = True) -> sp.Basic:
    return _from_latex(text, None, model_names)


def _from_latex(text: str, scalars: dict[str, sp.Symbol] | None, model_names: bool = True) -> sp.Basic:
    text = _checked(text)
    lhs_text, rhs_text = _split_equation(text)
    rhs = normalise(_parsed_with_cases(rhs_text, len(text) - len(rhs_text)), scalars or {}, any_names=True,
                    model_names=model_names)
    rhs = _arithmetic_carried_out(rhs)
    for symbol in rhs.atoms(sp.Symbol):
        arithmetic = re.search(r"_\{([^{}]*[-+*/][^{}]*)\}", symbol.name)
        if arithmetic:
            raise ParseError(f"the subscript {arithmetic.group(1)} of {symbol.name}: index arithmetic (i+1, i-1) is "
                             "not read; write the shifted term with an index of its own", max(0, text.find(arithmetic.group(1))))
    check_read_names(rhs, text)  # a name is data in every output (derive.safe_names); _left_side reads letters only
    _require_consistent_names(rhs, text)
    unknown = sorted(str(f.func) for f in rhs.atoms(AppliedUndef))
    if unknown:
        name = unknown[0].replace("\\text{", "").rstrip("}").replace("Greek", "\\")
        raise ParseError(f"unknown function {name}: expected \\log, \\exp, \\sigma or \\operatorname{{softmax}}",
                         max(0, text.find(name.lstrip("\\"))))
    check_expression(rhs)
    if lhs_text is None:
        return rhs
    return sp.Eq(_left_side(lhs_text), rhs, evaluate=False)


def _parsed_with_cases(text: str, offset: int) -> sp.Basic:
    """``text`` parsed, each ``\\begin{cases}`` in it read as a Piecewise (:mod:`derive.cases_input`)
    and put in its place before the names are normalised, so a sum outside binds the indices inside."""
    slotted_text, bodies = slotted(text)
    parsed = _parse(_rewritten(slotted_text), offset=offset)
    if not bodies:
        return parsed
    def parse(part: str, at: int) -> sp.Basic:
        return _parse(_rewritten(part), offset=offset + at)
    return parsed.xreplace({sp.Symbol(f"{SLOT}{number}"): piecewise(body, at, parse)
                            for number, (body, at) in enumerate(bodies)})


def _arithmetic_carried_out(expr: sp.Basic) -> sp.Basic:
    """The parser leaves some arithmetic as written (``\\frac{x}{1-1}``, ``\\log(x + 0)``): each
    sum, product and power built again as SymPy builds any expression, so ``1 - 1`` is 0 (and a
    division by it is seen as undefined) and ``x + 0`` is ``x``.  Sums and the like are rebuilt
    around their parts, never carried out."""
    if not expr.args or isinstance(expr, (sp.Indexed, sp.IndexedBase, sp.Idx)):
        return expr
    args = tuple(_arithmetic_carried_out(a) for a in expr.args)
    if isinstance(expr, (sp.Add, sp.Mul, sp.Pow)):
        return expr.func(*args)
    return expr if args == expr.args else expr.func(*args)


def _require_consistent_names(expr: sp.Basic, text: str) -> None:
    """One name, one meaning: ``t`` is not both an array (``t_{k}``) and a number (``t``), a name not
    two symbols (a sum's index and a number, a size and a number: ``\\sum_{N=1}^{K}`` beside
    ``\\frac{1}{N}``), and ``k`` not both a sum's index and an index (or a number) outside that sum."""
    arrays = {str(base.label) for base in expr.atoms(sp.IndexedBase)}
    symbols = _plain_symbols(expr)
    numbers = {s.name for s in symbols if not s.is_integer}
    for name in sorted(arrays & numbers):
        raise ParseError(f"{name} is used both as an array ({name}_{{...}}) and as a number ({name}): "
                         "give one of them another name", max(0, text.find(name)))
    for name in sorted(arrays & {s.name for s in symbols}):
        raise ParseError(f"{name} is used both as an array ({name}_{{...}}) and as an index or a size: "
                         "give one of them another name", max(0, text.find(name)))
    meanings: dict[str, set] = {}
    for symbol in symbols:
        meanings.setdefault(symbol.name, set()).add(symbol)
    for name, found in sorted(meanings.items()):
        if len(found) > 1:
            kinds = sorted({_kind(s) for s in found})
            raise ParseError(f"{name} stands for {' and '.join(kinds) if len(kinds) > 1 else 'two different things'} "
                             "here: give one of them another name", max(0, text.find(name)))
    bound = {limit[0] for node in sp.preorder_traversal(expr) if isinstance(node, (sp.Sum, sp.Product))
             for limit in node.limits}
    for index in sorted(_outside_sums(expr) & bound, key=str):
        raise ParseError(f"{index} is the index of a sum and is also used outside it: give the one "
                         "outside another name", max(0, text.find(str(index))))


def _kind(symbol: sp.Symbol) -> str:
    if symbol.is_integer and symbol.is_positive:
        return "a size (a sum's upper limit)"
    if symbol.is_integer:
        return "an index"
    return "a number"


def _plain_symbols(expr: sp.Basic) -> set:
    """Symbols standing for themselves (not the label of an array)."""
    if isinstance(expr, sp.Symbol):
        return {expr}
    if isinstance(expr, sp.IndexedBase):
        return set()
    return set().union(*(_plain_symbols(arg) for arg in expr.args))


def _outside_sums(expr: sp.Basic, bound: frozenset = frozenset()) -> set:
    """Integer symbols that stand outside every sum binding them (free indices, and misplaced ones)."""
    if isinstance(expr, (sp.Sum, sp.Product)):
        inside = bound | {limit[0] for limit in expr.limits}
        limits = set().union(*(_outside_sums(b, bound) for limit in expr.limits for b in limit[1:]))
        return _outside_sums(expr.function, inside) | limits
    if isinstance(expr, sp.Symbol):
        return {expr} if expr.is_integer and expr not in bound and expr not in c.SIZES else set()
    if isinstance(expr, sp.IndexedBase):
        return set()
    return set().union(*(_outside_sums(arg, bound) for arg in expr.args))


def _checked(text) -> str:
    if not isinstance(text, str):
        raise ParseError(f"expected LaTeX as a string, got {type(text).__name__}", 0)
    if SLOT in text:
        raise ParseError(f"the name {SLOT} is reserved", text.find(SLOT))
    if len(text) > MAX_CHARACTERS:
        raise ParseError(f"the input has {len(text)} characters; at most {MAX_CHARACTERS} are read", MAX_CHARACTERS)
    if not text.strip():
        raise ParseError("the input is empty: expected a LaTeX expression such as -\\sum_k t_k \\log y_k", 0)
    depth = 0
    closing = {"}": "{", ")": "(", "]": "["}
    stack: list[tuple[str, int]] = []
    for position, character in enumerate(text):
        if character in "{([":
            stack.append((character, position))
            depth = max(depth, len(stack))
            if depth > MAX_NESTING:
                raise ParseError(f"brackets nest deeper than {MAX_NESTING} levels", position)
        elif character in closing:
            if not stack or (character == "}" and stack[-1][0] != "{"):
                raise ParseError(f"unmatched '{character}'", position)
            if stack[-1][0] == closing[character]:
                stack.pop()
            elif character == "}":
                raise ParseError(f"'{stack[-1][0]}' opened at {stack[-1][1]} is not closed before this '}}'", position)
            else:  # \left( ... \right] and the like: brackets of other kinds may pair loosely
                stack.pop()
    if stack:
        raise ParseError(f"'{stack[-1][0]}' is never closed", stack[-1][1])
    for match in _COMMAND.finditer(masked(text)):
        name = match.group(1)
        if name not in COMMANDS:
            raise ParseError(f"unknown command \\{name}: expected one of \\frac, \\sum, \\log, \\ln, \\exp, "
                             f"\\sigma, \\cdot, \\left(, \\lbrack, \\operatorname{{softmax}}, Greek letters",
                             match.start())
        if name == "mathcal" and not re.match(r"\s*\{\s*[A-Za-z]\s*\}", text[match.end():]):
            raise ParseError("\\mathcal takes one letter, as in \\mathcal{L}", match.start())
        if name == "operatorname":
            argument = re.match(r"\s*\{([^{}]*)\}", text[match.end():])
            if not argument or argument.group(1).strip() not in OPERATOR_NAMES:
                found = argument.group(1) if argument else text[match.end():match.end() + 10]
                raise ParseError(f"unknown operator \\operatorname{{{found}}}: expected one of "
                                 f"{', '.join(sorted(OPERATOR_NAMES))}", match.start())
    check_text(text)
    numbered = _SUBSCRIPTED_NUMBER.search(text)
    if numbered:
        raise ParseError(f"a subscript on the number {numbered.group(1)}: only a name takes a subscript "
                         "(a digit group such as 1_000 is not read; write 1000)", numbered.start(1))
    product = re.search(r"_\s*\{\s*(\d+\s*[A-Za-z][^{}]*)\}", text)
    if product:
        raise ParseError(f"the subscript {product.group(1)}: index arithmetic such as 2i is not read; for row "
                         f"{product.group(1)[0]} and a second index write a comma, as in y_{{1,k}}", product.start(1))
    return text


# A number (not the digits ending a name such as x1, nor a subscript's own digits) with a subscript.
_SUBSCRIPTED_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])(\d+(?:\.\d*)?)\s*_")


def _split_equation(text: str) -> tuple[str | None, str]:
    """``lhs = rhs`` at the one '=' that is not a sum's lower limit (``\\sum_{i=1}``, ``\\sum_i=1``)."""
    cases = [(m.start(), m.end()) for m in re.finditer(r"\\begin\s*\{\s*cases\s*\}.*?\\end\s*\{\s*cases\s*\}", text, re.S)]
    signs = [m.start() for m in re.finditer("=", text)
             if not _inside_braces(text, m.start()) and not re.search(r"_\s*[A-Za-z]\s*$", text[:m.start()])
             and not any(start < m.start() < end for start, end in cases)]  # a condition's '=' is the cases' own
    if len(signs) > 1:
        raise ParseError("more than one '=' outside sum limits: expected an expression or lhs = rhs", signs[-1])
    if not signs:
        return None, text
    return text[:signs[0]], text[signs[0] + 1:]


def _inside_braces(text: str, position: int) -> bool:
    return text[:position].count("{") > text[:position].count("}")


def _left_side(text: str) -> sp.Basic:
    name = re.sub(r"\\tag\{[^}]*\}|\\[ ,;!]|\s", "", text)
    name = re.sub(r"\\mathcal\{([A-Za-z])\}", r"\1", name)  # \mathcal{L}: the name L
    name = re.sub(r"^\\(?:mathrm|operatorname)\{([A-Za-z]+)\}$", r"\1", name)  # \mathrm{BCE}: the name BCE
    name = re.sub(r"^\\ell$", "L", name)  # \ell, the loss of one sample
    name = re.sub(r"^([A-Za-z]+)(?:\\left)?\((?:[^()]*)(?:\\right)?\)$", r"\1", name)  # L(\theta) = ...: the name L
    known = {"E": c.E, "L": c.L, "BCE": c.BCE, "CE": c.E}
    if name in known:
        return known[name]
    if not re.fullmatch(r"\\?[A-Za-z]+(\{[A-Za-z]*\})?", name or "-"):
        raise ParseError(f"the left side {text.strip()!r} is not a name such as E, L or BCE", 0)
    return sp.Symbol(name.lstrip("\\"), real=True)


_REWRITES = [
    (re.compile(r"\\tag\{[^}]*\}"), ""),
    (re.compile(r"\\(?:quad|qquad|[ ,;!:])"), " "),
    (re.compile(r"\\lbrack"), "["), (re.compile(r"\\rbrack"), "]"),
    (re.compile(r"\\lbrace"), "("), (re.compile(r"\\rbrace"), ")"),
    (re.compile(r"\\lvert"), "|"), (re.compile(r"\\rvert"), "|"),
    (re.compile(r"\\(?:left|right)\s*(?=[()\[\]|.])"), ""),
    (re.compile(r"\\(?:dfrac|tfrac)"), r"\\frac"),
    (re.compile(r"\\operatorname\s*\{\s*(?:sigmoid|sigma)\s*\}"), r"\\sigma"),
    (re.compile(r"\\operatorname\s*\{\s*(log|exp)\s*\}"), r"\\\1"),
    (re.compile(r"\\mathrm\s*\{\s*e\s*\}"), "e"),
    (re.compile(r"\\mathcal\s*\{\s*([A-Za-z])\s*\}"), r"\1"),  # \mathcal{L}: the letter
    # The parser reads \gamma and \Gamma as Euler's constant or not at all: pass them as names.
    (re.compile(r"\\(gamma|Gamma)(?![A-Za-z])"), r"\\mathrm{Greek\1}"),
]
# softmax(z)_k is the k-th component: e^{z_k} / sum_j e^{z_j} over the K classes; softmax(z_i)_k,
# the softmax of row i, its k-th: e^{z_{ik}} / sum_j e^{z_{ij}}.
_SOFTMAX = re.compile(r"\\operatorname\s*\{\s*softmax\s*\}\s*\(\s*([A-Za-z])(?:\s*_\s*(?:\{\s*([A-Za-z])\s*\}|([A-Za-z])))?\s*\)"
                      r"\s*_\s*\{?\s*([A-Za-z0-9]+)\s*\}?")
_SUM_LIMITS = re.compile(r"\\sum\s*_\s*(?:\{\s*([A-Za-z])\s*\}|([A-Za-z]))(?!\s*=)(\s*\^\s*(?:\{[^{}]*\}|[A-Za-z0-9]))?")


_BARE_SUBSCRIPT = re.compile(r"_\s*([A-Za-z0-9])")  # w_d x: braced, or the parser reads "d x" as a differential
SIGMOID_MARK = 777  # \\sigma(u) is passed to the parser as \\log_{777}(u), the one form it reads with any u


def _rewritten(text: str) -> str:
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    if f"_{{{SIGMOID_MARK}}}" in text or f"_{SIGMOID_MARK}" in text:
        raise ParseError(f"a subscript {SIGMOID_MARK} is reserved", text.find(str(SIGMOID_MARK)))
    text = _sigmoid_calls(text)
    text = _SOFTMAX.sub(_softmax_component, text)
    if "softmax" in text:
        raise ParseError("\\operatorname{softmax} is read as a component: write \\operatorname{softmax}(z)_{k}",
                         text.find("softmax"))
    text = _SUM_LIMITS.sub(_sum_from_one, text)
    return _BARE_SUBSCRIPT.sub(r"_{\1}", text)


def _sigmoid_calls(text: str) -> str:
    """``\\sigma(u)`` for any ``u`` (the parser reads it as a function only of a single symbol)."""
    out, position = [], 0
    for match in re.finditer(r"\\sigma\s*\(", text):
        if match.start() < position:
            continue
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        out.append(text[position:match.start()] + rf"\log_{{{SIGMOID_MARK}}}(" + _sigmoid_calls(text[match.end():end]) + ")")
        position = end + 1
    return "".join(out) + text[position:]


def _softmax_component(match: re.Match) -> str:
    array, braced_row, bare_row, index = match.groups()
    row = braced_row or bare_row or ""
    if not (index.isdigit() or len(index) == 1):
        raise ParseError(f"\\operatorname{{softmax}}({array})_{{{index}}}: a softmax's component has one "
                         "index (a letter or a number)", match.start(4))
    if row and (row == index or not index.isalpha()):
        raise ParseError(f"\\operatorname{{softmax}}({array}_{{{row}}})_{{{index}}}: the row's softmax takes a "
                         f"class index other than the row's {row}, a letter", match.start(4))
    other = next(letter for letter in "jmlnp" if letter not in (index, row))
    return rf"\frac{{e^{{{array}_{{{row}{index}}}}}}}{{\sum_{{{other}=1}}^{{K}} e^{{{array}_{{{row}{other}}}}}}}"


def _sum_from_one(match: re.Match) -> str:
    """``\\sum_{i}^{N}`` (the series' notation) and ``\\sum_k``: from 1, to N for the sample index
    i and to K for any other index when no upper limit is written."""
    index = match.group(1) or match.group(2)
    upper = match.group(3) or ("^{N}" if index == "i" else "^{K}")
    return rf"\sum_{{{index}=1}}{upper}"


def _parse(text: str, offset: int) -> sp.Basic:
    quick = read(text)  # plain LaTeX in a millisecond, read as the parser reads it (derive.latex_reader)
    if quick is not None:
        return quick
    from latex2sympy2_extended import latex2sympy
    from latex2sympy2_extended.latex2sympy2 import ConversionConfig

    try:
        with time_limit(PARSE_SECONDS, "parsing", error=lambda message: ParseError(message, 0)):
            parsed = latex2sympy(text, conversion_config=ConversionConfig(lowercase_symbols=False))
    except (ParseError, LimitExceeded):  # LimitExceeded: an outer time limit ran out during the parse
        raise
    except RecursionError:
        raise ParseError("the expression nests too deeply to read", offset) from None
    except Exception as error:  # the parser reports with a message and a caret line
        raise _parser_error(str(error), text, offset) from None
    if isinstance(parsed, (list, tuple, set, sp.Tuple)) or not isinstance(parsed, sp.Expr):
        raise ParseError(f"expected one expression, read {type(parsed).__name__}", offset)
    return parsed


def _parser_error(message: str, text: str, offset: int) -> ParseError:
    lines = message.splitlines()
    caret = next((line for line in lines if line.rstrip().endswith("^")), None)
    position = len(caret.rstrip()) - 1 if caret else 0
    what = lines[0].strip() if lines else "unreadable"
    what = {"I expected something else here": "expected an operand or a closing bracket here",
            "I don't understand this": "unrecognised LaTeX here"}.get(what, what)
    context = text[max(0, position - 15):position + 15].strip()
    return ParseError(f"{what} (near '{context}')", offset + position)
