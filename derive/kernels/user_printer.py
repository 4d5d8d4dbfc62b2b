"""The printer of users' kernels: a SymPy expression of a loss or gradient -> Python statements
and an expression for Numba (``_print_X`` per construct; sums and maxima as loops written before
the statement that uses them), and the names the generated source gives the user's symbols."""
from __future__ import annotations

import re

import sympy as sp

from ..errors import CodegenError
from ..functions import BINDERS, PLAIN_FORMS, Maximum
from ..functions import softmax as softmax_function
from .source_printer import KernelCodePrinter, nonpositive, shared_exponentials


def identifier(base: sp.Basic) -> str:
    """A Python name for a symbol or array: ``\\hat{y}`` -> ``hat_y``, ``\\mu`` -> ``mu``."""
    name = str(base.label if isinstance(base, sp.IndexedBase) else base)
    name = re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_") or "v"
    return name if not name[0].isdigit() else f"v_{name}"


def local(base: sp.Basic) -> str:
    """The name in the generated source: ``v_`` + ``identifier``, so no name a user writes
    (``\\lambda``, ``G``, ``math``) can be a keyword or meet the kernel's own names."""
    return f"v_{identifier(base)}"


def parameter_identifier(symbol: sp.Basic) -> str:
    if isinstance(symbol, sp.Indexed):
        return identifier(sp.Symbol(f"{symbol.base}_{'_'.join(map(str, symbol.indices))}"))
    return identifier(symbol)


_SHIFT = sp.Symbol("l_shift", integer=True)  # the index of a softmax's largest exponent, in its own loop


def shifted_softmax(e: sp.Basic):
    """softmax(z)_j as ``(e^{z_j - m}, Σ_k e^{z_k - m})`` with m the row's largest exponent (a
    :class:`Maximum`), or ``None`` where its total is no sum of exponentials."""
    component, total = e.args
    if not (isinstance(total, sp.Sum) and len(total.limits) == 1 and isinstance(total.function, sp.exp)):
        return None
    (index, lower, upper), = total.limits
    exponent = total.function.args[0]
    largest = Maximum(exponent.xreplace({index: _SHIFT}), (_SHIFT, lower, upper))
    return sp.exp(component - largest), sp.Sum(sp.exp(exponent - largest), *total.limits)


def loop_invariants(expr: sp.Basic, indices: set) -> list[sp.Basic]:
    """The outermost sums and maxima of ``expr`` (a softmax's shifted total among them) that depend
    on none of ``indices``: a gradient by every component computes each once, before its loops over
    those indices, not once per component (a log-sum-exp's gradient over 70,000 classes was 4.9e9
    terms).  ``expr`` is taken as :meth:`Emitter.statement_value` rewrites it, so the printed
    nodes are these very ones."""
    found = []

    def visit(e: sp.Basic) -> None:
        if isinstance(e, BINDERS):
            if not (e.free_symbols & indices):
                found.append(e)
            return
        if isinstance(e, softmax_function) and shifted_softmax(e) is not None:
            numerator, total = shifted_softmax(e)  # printed so (_print_softmax), never its plain total
            if not (total.free_symbols & indices):
                found.append(total)
            visit(e.args[0])
            return
        for argument in e.args:
            visit(argument)
    visit(shared_exponentials(expr))
    return found


class Emitter(KernelCodePrinter):
    """Statements and an expression string for ``expr`` (SymPy's ``PythonCodePrinter`` with a
    ``_print_X`` method per construct): each Sum is a loop written before the statement that
    uses it; indices are whole numbers counted from 1 in the formula, from 0 in the arrays.
    Anything without a method here is a ``CodegenError`` naming it."""

    printmethod = "_derive_user_kernel"

    def __init__(self, arrays):
        super().__init__()
        self.count = 0
        self.arrays = arrays  # the arrays the kernel takes; other indexed names are parameters
        self.lines: list[str] = []
        self.indent = ""
        self.integers = False  # inside an index: whole numbers, never floats
        self.memo: dict = {}  # a maximum already computed in the current block -> (its name, its indentation)

    def fresh(self, stem: str) -> str:
        self.count += 1
        return f"{stem}{self.count}"

    def expression(self, e: sp.Basic, lines: list[str], indent: str) -> str:
        saved = self.lines, self.indent
        self.lines, self.indent = lines, indent
        try:
            return self._print(e)
        finally:
            self.lines, self.indent = saved

    def index(self, e: sp.Basic) -> str:
        """An index expression, zero-based: ``j - 1``, ``1`` for the formula's 2, in whole numbers."""
        if e.is_Integer:
            return str(int(e) - 1)
        saved, self.integers = self.integers, True
        try:
            return f"{self.p(e)} - 1"
        finally:
            self.integers = saved

    def _print_Sum(self, e):
        if e in self.memo:  # computed already in this block, or before the gradient's loops (loop_invariants)
            return self.memo[e][0]
        bound = {variable for variable, _, _ in e.limits}
        for node in sp.preorder_traversal(e.function):  # a maximum free of the sum's indices: once, before its loop
            if isinstance(node, Maximum) and not (node.free_symbols & bound):
                self.p(node)
        name = self.fresh("s")
        self.lines.append(f"{self.indent}{name} = 0.0")
        inner = self.indent
        for variable, lower, upper in reversed(e.limits):
            self.lines.append(f"{inner}for {local(variable)} in range({self.integer(lower)}, {self.integer(upper)} + 1):")
            inner += "    "
        body: list[str] = []
        value = self.statement_value(e.function, body, inner)
        self.lines.extend(body)
        self.lines.append(f"{inner}{name} += {value}")
        self._forget_inside(inner)
        self.memo[e] = (name, self.indent)
        return name

    def statement_value(self, e: sp.Basic, lines: list[str], indent: str) -> str:
        """``e`` printed after statements for its common subexpressions (the e^{-|z|} that a
        softplus and each sigmoid of ±z share, computed once).  Each sigmoid arrives as the verified
        stable form wrote it (``stable_sigmoid``: e^{min(a, 0)}/(1 + e^{-|a|})); its numerator is then
        computed as 1 or the e^{-|a|} its denominator computes anyway, the same number
        (:func:`.source_printer.shared_exponentials`, a choice of evaluation, not of value)."""
        e = shared_exponentials(e)
        # a sum or a maximum is one opaque term here: nothing inside it is taken out of its loop
        opaque = {node: sp.Dummy() for node in sp.preorder_traversal(e) if isinstance(node, BINDERS)}
        back = {dummy: node for node, dummy in opaque.items()}
        temps, (value,) = sp.cse([e.xreplace(opaque)], symbols=sp.numbered_symbols(f"cse{self.fresh('_')}_"), order="none")
        temps, value = [(name, temp.xreplace(back)) for name, temp in temps], value.xreplace(back)
        for name, temp in temps:
            lines.append(f"{indent}{local(name)} = {self.expression(temp, lines, indent)}")
        return self.expression(value, lines, indent)

    def _print_Maximum(self, e):
        """The largest term (the log-sum-exp shift's m): a loop of its own, computed once per block."""
        if e in self.memo:
            return self.memo[e][0]
        name = self.fresh("m")
        (variable, lower, upper), = e.limits
        inner = self.indent + "    "
        self.lines += [f"{self.indent}{name} = -math.inf",
                       f"{self.indent}for {local(variable)} in range({self.integer(lower)}, {self.integer(upper)} + 1):"]
        body: list[str] = []
        value = self.expression(e.function, body, inner)
        self.lines.extend(body)
        self.lines.append(f"{inner}{name} = max({name}, {value})")
        self._forget_inside(inner)
        self.memo[e] = (name, self.indent)
        return name

    def _forget_inside(self, indent: str) -> None:
        """A value computed inside a loop that has ended is not the value outside it."""
        self.memo = {node: (name, at) for node, (name, at) in self.memo.items() if len(at) < len(indent)}

    def integer(self, e: sp.Basic) -> str:
        saved, self.integers = self.integers, True
        try:
            return self.p(e)
        finally:
            self.integers = saved

    def _print_Indexed(self, e):
        if all(ix.is_Integer for ix in e.indices) and e.base not in self.arrays:
            return f"v_{parameter_identifier(e)}"
        return f"{local(e.base)}[{', '.join(self.index(ix) for ix in e.indices)}]"

    def _print_Symbol(self, e):
        return local(e)

    def _print_Number(self, e):
        if self.integers and e.is_Integer:
            return str(int(e))
        if self.integers:
            raise CodegenError(f"an index must be a whole number, not {e}")
        return repr(float(e))

    _print_Integer = _print_Rational = _print_Float = _print_Half = _print_Zero = _print_One = _print_NegativeOne = _print_Number

    def _print_NumberSymbol(self, e):
        return repr(float(e))

    _print_Exp1 = _print_Pi = _print_NumberSymbol

    def _print_Mul(self, e):
        return "(" + " * ".join(self.p(a) for a in e.args) + ")"

    def _print_Pow(self, e, rational=False):
        if e.exp == -1:
            return f"(1.0 / {self.p(e.base)})"
        if e.exp == sp.Rational(1, 2):
            return f"math.sqrt({self.p(e.base)})"
        return f"({self.p(e.base)} ** {self.p(e.exp)})"

    def _print_softmax(self, e):
        """softmax(z)_j: e^{z_j} over its row's sum, both shifted by the row's largest exponent
        (as the sigmoid helper computes σ: no exponential overflows)."""
        parts = shifted_softmax(e)
        if parts is None:
            return self.p(PLAIN_FORMS[type(e)](e))
        numerator, total = parts
        return self.p(numerator / total)

    def _print_KroneckerDelta(self, e):
        return f"(1.0 if {self.integer(e.args[0])} == {self.integer(e.args[1])} else 0.0)"

    def _print_log(self, e):  # log(1 + x) is log1p(x) where the stable forms wrote it so (log_one_plus_as_log1p)
        return f"math.log({self.p(e.args[0])})"

    def _print_sigmoid(self, e):  # by its definition: the stable forms wrote each sigmoid of a real argument stably (stable_sigmoid)
        return f"(1.0 / (1.0 + math.exp(-{self.p(e.args[0])})))"

    def _print_exp(self, e):
        if nonpositive(e.args[0]):  # e^{-|a|}, e^{min(a, 0)}: the runtime's exp, which vectorises
            return f"exp_nonpositive({self.p(e.args[0])})"
        return f"math.exp({self.p(e.args[0])})"

    def _print_xlogy(self, e):  # x log y, 0 where x = 0 (even at y = 0): the runtime's
        return f"xlogy({self.p(e.args[0])}, {self.p(e.args[1])})"

    def _print_xlog1py(self, e):  # x log(1 + y), 0 where x = 0 (even at y = -1): the stable forms' xlog1py
        x, y = self.p(e.args[0]), self.p(e.args[1])
        return f"(0.0 if {x} == 0.0 else {x} * math.log1p({y}))"

    def _print_log1p(self, e):
        argument = e.args[0]
        if isinstance(argument, sp.exp) and nonpositive(argument.args[0]):  # log(1 + u), u in (0, 1]
            return f"log1p_unit({self.p(argument)})"
        return f"math.log1p({self.p(argument)})"

    def _print_Max(self, e):
        return "max(" + ", ".join(self.p(a) for a in e.args) + ")"

    # Conditions: a Piecewise's (the sigmoid by its sign, a focal loss's), which ``sp.cse`` may also
    # take out as a value of their own (``cse_0 = z[i] >= 0``), and the domain checks' (user_domain).
    def _print_Relational(self, e):
        return f"({self.p(e.lhs)} {e.rel_op} {self.p(e.rhs)})"

    def _print_And(self, e):
        return "(" + " and ".join(self.p(a) for a in e.args) + ")"

    def _print_Or(self, e):
        return "(" + " or ".join(self.p(a) for a in e.args) + ")"

    def _print_Not(self, e):
        return f"(not {self.p(e.args[0])})"

    def _print_BooleanTrue(self, e):
        return "True"

    def _print_BooleanFalse(self, e):
        return "False"

    def _print_Piecewise(self, e):
        """Any Piecewise, its branches in order as nested selects; NaN where no condition holds (a
        Piecewise with no ``True`` branch is undefined there)."""
        printed = "math.nan"
        for value, condition in reversed(e.args):
            printed = self.p(value) if condition == sp.true else \
                f"({self.p(value)} if {self.p(condition)} else {printed})"
        return printed
