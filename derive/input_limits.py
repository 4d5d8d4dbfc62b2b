"""The bounds every user's input is held to, so that no loss makes derive hang, exhaust memory or
crash: the size of literal numbers and exponents, powers of numbers inside exponents (a tower such
as ``10^{10^{10}}`` is a number with ten billion digits, which the parser would compute), the
nesting of exp, log and the like, the length of sums written with concrete limits, and the time
one gradient may take (the caller's safety net: the work budget of :mod:`derive.work_budget`
decides, the same on any machine).  Each is checked where it is cheap (the text before parsing, the
expression before deriving) and refused with a :class:`~derive.errors.LimitExceeded` or
:class:`~derive.errors.ParseError` that names the limit.
"""
from __future__ import annotations

import re
import time
from contextlib import contextmanager
from contextvars import ContextVar

import sympy as sp

from .errors import LimitExceeded, ParseError
from .functions import sigmoid
from .work_budget import charge

MAX_DIGITS = 30  # digits of one literal number
MAX_EXPONENT = 100  # magnitude of a literal exponent: (x + 1)^{100} is written out in a proof, not (x + 1)^{100000}
MAX_FUNCTION_NESTING = 5  # exp, log, the sigmoid, trigonometric and hyperbolic functions inside one another
MAX_EXP_NESTING = 2  # e^{e^{x}} (Gumbel) is read; a third exp overflows any number a check can draw
MAX_TERMS = 100  # a sum or product with concrete limits is written out term by term in checks
MAX_INDEX = 1000  # a concrete limit of a sum (from 10^{30} to K would be empty at every size a check draws)
# The caller's safety net, in seconds, for one user's gradient (``time_limit=``, ``--time-limit``): far above
# what any loss within the work budget takes, so that the budget decides, the same on any machine.  The
# budget's 250,000 operations take about 15-25 CPU seconds; on a machine shared by many jobs a derivation
# that ran out of it took 84 s of wall clock for 11 s of CPU, so the net leaves room for more than that.
TIME_LIMIT = 300.0

_NUMBER = re.compile(r"\d+(?:\.\d*)?")
_NUMERIC_BASE = re.compile(r"(?:\d|\\pi)\s*$")  # a number before '^' (e^{e^{x}} is left to the nesting limit)


_LIMITS_BEFORE = re.compile(r"\\(?:sum|prod)\s*_\s*(?:\{[^{}]*\}|[A-Za-z0-9])\s*$")


def check_text(text: str) -> None:
    """Refuse, before the parser sees it, what it would compute at any cost: literal numbers of
    more than ``MAX_DIGITS`` digits, literal exponents past ``MAX_EXPONENT``, and a power of a
    number inside an exponent."""
    for match in _NUMBER.finditer(text):
        digits = len(match.group(0).replace(".", ""))
        if digits > MAX_DIGITS:
            raise ParseError(f"a number with {digits} digits: at most {MAX_DIGITS} are read", match.start())
    for position in (m.start() for m in re.finditer(r"\^", text)):
        if _LIMITS_BEFORE.search(text[:position]):
            continue  # a sum's or product's upper limit (its length is checked once it is read)
        exponent = _exponent_after(text, position + 1)
        if "^" in exponent and any(_NUMERIC_BASE.search(exponent[:m.start()]) for m in re.finditer(r"\^", exponent)):
            raise ParseError("a power of a number inside an exponent (a tower such as 10^{10^{10}}) is "
                             "too large to compute: write the number it stands for, of at most "
                             f"{MAX_DIGITS} digits", position)
        literal = re.fullmatch(r"\s*[-+]?\s*(\d+)\s*", exponent)
        if literal and int(literal.group(1)) > MAX_EXPONENT:
            raise ParseError(f"the exponent {literal.group(1)} is past the limit of {MAX_EXPONENT}", position)
    check_function_nesting(text)


# One token of the text as the function-nesting scan reads it: a function applied to what follows
# (\\sigma only before a bracket, where it is the sigmoid; e^ and \\mathrm{e}^ are exp), a script
# (\\log_{2}, \\log^{2}), a bracket, what a function's argument may begin with (\\left, \\frac,
# spaces), or anything else, which is a function's argument written bare (\\log x).
_FUNCTION_TOKEN = re.compile(
    r"(?P<function>\\(?:exp|log|ln|sinh|cosh|tanh|sin|cos|tan|arctan)(?![A-Za-z])"
    r"|\\operatorname\s*\{\s*(?:softmax|sigmoid|sigma|log|exp)\s*\}|\\sigma(?=\s*(?:\\left\s*)?\()"
    r"|(?<![A-Za-z\\])e\s*\^|\\mathrm\s*\{\s*e\s*\}\s*\^)"
    r"|(?P<script>[_^])|(?P<open>[{(\[])|(?P<close>[})\]])"
    r"|(?P<through>\s+|\\(?:left|right|frac|dfrac|tfrac|sqrt|quad|qquad)(?![A-Za-z])|\\[ ,;!:])"
    r"|(?P<other>\\[A-Za-z]+|.)", re.S)


def check_function_nesting(text: str) -> None:
    """Refuse, in one pass over the text and before the parser sees it, functions nested past
    ``MAX_FUNCTION_NESTING``: the parser's time grows with the nesting (``\\exp(`` thirty deep took
    it seconds, up to 15 on a loaded machine, only for :func:`check_expression` to refuse what it
    read).  The same words as that check, with the position of the first function past the limit.
    A function's argument is the bracket after it, or what is written bare (``\\log \\log x``)."""
    stack: list[tuple[int, int | None]] = []  # per open bracket: the depth inside, and the pending functions a script's bracket keeps
    pending, script, deepest, first = 0, False, 0, None
    for match in _FUNCTION_TOKEN.finditer(text):
        kind = match.lastgroup
        depth = stack[-1][0] if stack else 0
        if kind == "function":
            pending, script = pending + 1, False
            deepest = max(deepest, depth + pending)
            if depth + pending > MAX_FUNCTION_NESTING and first is None:
                first = match.start()
        elif kind == "script" and pending:
            script = True
        elif kind == "open":
            stack.append((depth, pending) if script else (depth + pending, None))
            pending, script = 0, False
        elif kind == "close":
            pending = (stack.pop()[1] if stack else None) or 0
        elif kind != "through":
            pending = pending if script else 0
            script = False
    if first is not None:
        raise ParseError(f"functions nest {deepest} deep (exp, log, sigma, ...): the limit is {MAX_FUNCTION_NESTING}", first)


def _exponent_after(text: str, start: int) -> str:
    """The exponent written at ``start`` (just after '^'): a braced group or one character."""
    position = start
    while position < len(text) and text[position] == " ":
        position += 1
    if position < len(text) and text[position] == "{":
        depth = 0
        for end in range(position, len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                return text[position + 1:end]
        return text[position + 1:]
    return text[position:position + 1]


_NESTING = (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.atan, sp.sinh, sp.cosh, sp.tanh)


def check_expression(expr: sp.Basic) -> None:
    """Refuse an expression that is undefined as written, nests functions past the limits, has a
    sum of concrete length past ``MAX_TERMS`` or an exponent past ``MAX_EXPONENT``."""
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise LimitExceeded("the loss is undefined as written (a division by zero, or a log to base 1)")
    functions = (*_NESTING, sigmoid)
    deepest, deepest_exp = _nesting(expr, functions)
    if deepest > MAX_FUNCTION_NESTING:
        raise LimitExceeded(f"functions nest {deepest} deep (exp, log, sigma, ...): the limit is {MAX_FUNCTION_NESTING}")
    if deepest_exp > MAX_EXP_NESTING:
        raise LimitExceeded(f"exp and powers with a variable exponent nest {deepest_exp} deep (as in "
                            f"x^{{x^{{x^{{x}}}}}}): the limit is {MAX_EXP_NESTING} (a third level overflows every "
                            "number it could be checked at, and its derivative grows past any memory)")
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Sum, sp.Product)):
            for variable, lower, upper in node.limits:
                lower, upper = lower.doit(), upper.doit()  # the parser leaves 10^{3} unevaluated (the text check bounds it)
                if not (lower.is_integer and upper.is_integer):
                    raise ParseError(f"the {'sum' if isinstance(node, sp.Sum) else 'product'} over {variable} runs "
                                     f"from {lower} to {upper}: its limits must be whole numbers or sizes such as N", 0)
                far = next((b for b in (lower, upper) if b.is_Integer and abs(b) > MAX_INDEX), None)
                if far is not None:
                    raise LimitExceeded(f"a {'sum' if isinstance(node, sp.Sum) else 'product'} from {lower} to "
                                        f"{upper}: concrete limits stay within {MAX_INDEX}")
                if (upper - lower).is_Integer and int(upper - lower) + 1 > MAX_TERMS:
                    raise LimitExceeded(f"a {'sum' if isinstance(node, sp.Sum) else 'product'} of "
                                        f"{int(upper - lower) + 1} terms: the limit for concrete limits is "
                                        f"{MAX_TERMS} (write the upper limit as a size such as N)")
        elif isinstance(node, sp.Pow) and node.exp.is_Rational and abs(node.exp) > MAX_EXPONENT:
            raise LimitExceeded(f"the exponent {node.exp} is past the limit of {MAX_EXPONENT}")
        elif isinstance(node, sp.Rational) and max(len(str(abs(node.p))), len(str(node.q))) > MAX_DIGITS:
            raise LimitExceeded(f"a number of more than {MAX_DIGITS} digits")


def _nesting(expr: sp.Basic, functions: tuple) -> tuple[int, int]:
    """How deep ``functions`` nest in ``expr``, and how deep exp alone does."""
    if not expr.args:
        return 0, 0
    inner = [_nesting(arg, functions) for arg in expr.args]
    depth = max(d for d, _ in inner)
    exp_depth = max(e for _, e in inner)
    if isinstance(expr, functions):
        depth += 1
    if isinstance(expr, sp.exp) or (isinstance(expr, sp.Pow) and expr.base is sp.E):
        exp_depth += 1
    elif isinstance(expr, sp.Pow) and not expr.exp.is_number:  # x^{y}: a level as e^{y log x} is
        exp_depth = max(inner[0][1], inner[1][1] + 1)
    return depth, exp_depth


_DEADLINES: ContextVar[tuple] = ContextVar("derive_deadlines", default=())  # (deadline, message, error), outermost first


def checked_time_limit(seconds, name: str = "time_limit") -> float:
    """``seconds`` as a caller's time limit: a positive, finite number of seconds, else a clear error."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"{name} is a number of seconds, not {type(seconds).__name__}")
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{name} is a positive, finite number of seconds, not {seconds!r}")
    return float(seconds)


@contextmanager
def time_limit(seconds: float, what: str, error=LimitExceeded, callers: bool = False):
    """Stop ``what`` past ``seconds``: ``error(message)`` is raised at the next :func:`checkpoint`
    (a :class:`LimitExceeded`, or what the caller reports with).  Limits nest; each thread (and
    each context) has its own.  No signal and no timer: derive never takes over a caller's
    SIGALRM, and the bound is the same in the main thread, a ``threading.Thread`` or a pool.  The
    engine's loops call :func:`checkpoint`, and what SymPy is asked to expand, cancel or simplify
    is first bounded by its size (:mod:`derive.work`), so no single call outlasts a limit by much.
    ``callers``: the limit is the caller's own safety net (``time_limit=``), and the message says so."""
    limit = f"the caller's time limit of {seconds:g} s" if callers else f"{seconds:g} s"
    entry = (time.monotonic() + seconds, f"{what} took longer than {limit}", error)
    token = _DEADLINES.set((*_DEADLINES.get(), entry))
    try:
        yield
    finally:
        _DEADLINES.reset(token)


def checkpoint(work: int = 0, kind: str = "rule") -> None:
    """Charge ``work`` operations of ``kind`` to the open work budgets (:mod:`derive.work_budget`:
    the limit that decides, the same on any machine), then raise the outermost time limit that has
    run out, if any (the caller's safety net; cheap: a clock read where limits are open)."""
    if work:
        charge(work, kind)
    deadlines = _DEADLINES.get()
    if not deadlines:
        return
    now = time.monotonic()
    for deadline, message, error in deadlines:
        if now >= deadline:
            raise error(message)
