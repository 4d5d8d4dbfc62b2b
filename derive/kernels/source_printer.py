"""SymPy expressions -> Python source for Numba: the printer the kernel generators share, and the
marker functions the generators put into expressions to choose a primitive (the vectorisable
exp of a non-positive argument, the library-free log1p on (0, 1]): each the same function as the
one it marks, so a marker chooses how a value is computed, never which value."""
from __future__ import annotations

from typing import TypeVar

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from .. import conventions as c
from ..errors import CodegenError
from .spec import Spec


SCRATCH = sp.Symbol("_scratch")  # the gradient row's own slot, holding a value from the last pass


class log1p_unit_(sp.Function):  # noqa: N801
    """``log(1 + u)`` for ``u = e^{x <= 0}`` in (0, 1]: printed as the vectorisable log1p."""

    nargs = 1


class exp_nonpositive_(sp.Function):  # noqa: N801
    """``e^x`` where the stable form guarantees ``x <= 0``: printed as the vectorisable exp."""

    nargs = 1


class difference_(sp.Function):  # noqa: N801
    """``x - m`` for a logit and its row maximum (:mod:`.shift`): printed as the runtime's
    ``difference``, one rounding that the compiler may not regroup with the terms around it."""

    nargs = 2


NUMBA_MATH = {"acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cos", "cosh", "erf", "erfc", "expm1", "gamma", "log1p",
              "loggamma", "hypot", "log10", "log2", "sin", "sinh", "tan", "tanh"}  # math functions Numba compiles


_Printer = TypeVar("_Printer", bound="KernelCodePrinter")


def numba_math_only(printer: type[_Printer]) -> type[_Printer]:
    """A class decorator for a ``PythonCodePrinter``: of the math functions SymPy's printer knows,
    only those Numba compiles print (as ``math.erf(x)``...); the others (factorial, isnan...) are a
    ``CodegenError`` through the class's ``_unknown``, unless the class prints them itself."""
    from sympy.printing.pycode import _known_functions_math

    for name in _known_functions_math:
        if name not in NUMBA_MATH and f"_print_{name}" not in vars(printer):
            setattr(printer, f"_print_{name}", printer._unknown)
    return printer


@numba_math_only
class KernelCodePrinter(PythonCodePrinter):
    """What both kernel printers (the built-ins' and users') print alike: every sum parenthesised,
    so the printed order of operations is the expression's; a two-way Piecewise as a select;
    |x| and min; ``math.erf(x)``... where Numba has the function; anything else a ``CodegenError``
    naming it (never a call Numba would reject)."""

    def __init__(self):
        super().__init__({"fully_qualified_modules": True})

    def p(self, e) -> str:
        return self._print(e)

    def _print_Add(self, e, order=None):
        return "(" + " + ".join(self.p(a) for a in e.args) + ")"

    def _print_Piecewise(self, e):
        if not (len(e.args) == 2 and e.args[1][1] == sp.true and isinstance(e.args[0][1], sp.core.relational.Relational)):
            return self._unknown(e)
        (value, condition), (otherwise, _) = e.args
        return f"({self.p(value)} if {self.p(condition.lhs)} {condition.rel_op} {self.p(condition.rhs)} else {self.p(otherwise)})"

    def _print_Min(self, e):
        return "min(" + ", ".join(self.p(a) for a in e.args) + ")"

    def _print_Abs(self, e):
        return f"abs({self.p(e.args[0])})"

    def _unknown(self, e):
        raise CodegenError(f"no code for {type(e).__name__}: {e}")

    _print_Function = _print_Basic = _print_Relational = _print_Derivative = _print_Product = _unknown

    def emptyPrinter(self, e):  # noqa: N802 (SymPy's name)
        return self._unknown(e)


class Printer(KernelCodePrinter):
    """SymPy expression -> Python/Numba source: SymPy's ``PythonCodePrinter`` with a ``_print_X``
    method per construct the kernels compute.  Every sum and product is parenthesised, so the
    printed order of operations is the expression's; anything without a method here is a
    ``CodegenError`` naming it (never a call Numba would reject)."""

    printmethod = "_derive_kernel"

    def __init__(self, spec: Spec, single: bool = False):
        super().__init__()
        self.spec = spec
        self.single = single  # float32 arithmetic: literals as float32 constants, float32 primitives
        self.constants: dict[float, str] = {}

    def number(self, value: float) -> str:
        if not self.single:
            return repr(value)
        return self.constants.setdefault(value, f"f{len(self.constants)}")

    def declarations(self, indent: str) -> list[str]:
        """The float32 constants the printed code names, defined at the top of the function."""
        return [f"{indent}{name} = np.float32({value!r})" for value, name in self.constants.items()]

    def primitive(self, name: str) -> str:
        return f"{name}_f32" if self.single else name

    def __call__(self, e: sp.Basic) -> str:
        return self.p(e)

    # ----- atoms ---------------------------------------------------------------------------------
    def _print_Symbol(self, e):
        return "row[j]" if e == SCRATCH else e.name

    def _print_Number(self, e):
        return self.number(float(e))

    _print_Integer = _print_Rational = _print_Float = _print_Half = _print_Zero = _print_One = _print_NegativeOne = _print_Number

    def _print_Indexed(self, e):
        return self.indexed(e)

    # ----- arithmetic ----------------------------------------------------------------------------
    def _print_Mul(self, e):
        numerator = [a for a in e.args if not (a.is_Pow and a.exp == -1)]
        denominator = [a.base for a in e.args if a.is_Pow and a.exp == -1]
        top = " * ".join(self.p(a) for a in numerator) or self.number(1.0)
        return f"({top} / {self.p(sp.Mul(*denominator))})" if denominator else f"({top})"

    def _print_Pow(self, e, rational=False):
        if e.exp == -1:
            return f"({self.number(1.0)} / {self.p(e.base)})"
        if e.exp.is_Integer and e.exp > 0:
            return f"({self.p(e.base)} ** {int(e.exp)})"
        return f"({self.p(e.base)} ** {self.p(e.exp)})"

    # ----- functions -----------------------------------------------------------------------------
    def _print_exp(self, e):
        argument = e.args[0]
        if nonpositive(argument):
            return f"{self.primitive('exp_nonpositive')}({self.p(argument)})"
        return f"math.exp({self.p(argument)})"

    def _print_exp_nonpositive_(self, e):
        return f"{self.primitive('exp_nonpositive')}({self.p(e.args[0])})"

    def _print_log(self, e):  # log(1 + x) is log1p(x) where the stable forms wrote it so (log_one_plus_as_log1p)
        return f"math.log({self.p(e.args[0])})"

    def _print_difference_(self, e):
        return f"{self.primitive('difference')}({self.p(e.args[0])}, {self.p(e.args[1])})"

    def _print_log1p_unit_(self, e):
        return f"{self.primitive('log1p_unit')}({self.p(e.args[0])})"

    def _print_log1p(self, e):
        return f"math.log1p({self.p(e.args[0])})"

    def _print_expm1(self, e):
        return f"math.expm1({self.p(e.args[0])})"

    def _print_xlogy(self, e):  # xlogy(x, 1 + y) is xlog1py(x, y) where the stable forms wrote it so
        return f"xlogy({self.p(e.args[0])}, {self.p(e.args[1])})"

    def _print_xlog1py(self, e):
        x, y = (self.p(a) for a in e.args)
        return f"({self.number(0.0)} if {x} == {self.number(0.0)} else {x} * math.log1p({y}))"

    def _print_Max(self, e):
        if len(e.args) == 2:  # a select, which vectorises (builtin max may not)
            a, b = (self.p(x) for x in e.args)
            return f"({a} if {a} > {b} else {b})"
        return "max(" + ", ".join(self.p(a) for a in e.args) + ")"

    def _print_sigmoid(self, e):
        one = self.number(1.0)
        return f"({one} / ({one} + math.exp(-{self.p(e.args[0])})))"

    _print_NumberSymbol = KernelCodePrinter._unknown  # π, e: no kernel of a built-in needs one

    def indexed(self, e: sp.Indexed) -> str:
        index = [self.p(ix) for ix in e.indices]
        if e.base == self.spec.variable:
            return f"X[{', '.join(index)}]"
        if e.base == c.t:
            if self.spec.labels:
                return f"({self.number(1.0)} if {index[-1]} == lab else {self.number(0.0)})"
            return f"T[{', '.join(index)}]"
        kinds = {str(item): kind for item, kind in self.spec.parameters}
        if str(e.base) in kinds:  # a sample's own (c_i), a class's (w_j, w_lab) or an entry's (w_ij)
            kind = kinds[str(e.base)]
            return f"{e.base.label}[{index[0] if kind == 'row' else ', '.join(index) if kind == 'element' else index[-1]}]"
        raise CodegenError(f"unknown array {e.base} in {e}")


def nonpositive(argument: sp.Basic) -> bool:
    """Whether the stable form guarantees ``argument <= 0``: ``-|a|`` or ``min(a, 0)``."""
    if isinstance(argument, sp.Mul) and argument.args[0] == -1 and isinstance(argument.args[1], sp.Abs):
        return True
    return isinstance(argument, sp.Min) and sp.S.Zero in argument.args


def statements(assignments, printer, indent: str) -> list[str]:
    return [f"{indent}{name} = {printer(value)}" for name, value in assignments]



def minus_maximum(argument: sp.Basic, maxima) -> tuple[sp.Basic, sp.Basic] | None:
    """``(x, m)`` for an argument ``x - m`` with ``m`` one of ``maxima`` (a row maximum's name),
    else None: the exponents the stable forms guarantee to be <= 0."""
    terms = sp.Add.make_args(argument)
    if len(terms) != 2:
        return None
    for term, other in (terms, terms[::-1]):
        if -term in maxima:
            return other, -term
    return None


class ClassPassPrinter(Printer):
    """A class pass (the loop over classes) in float32 when ``single``: each ``e^(x - max)`` from
    the exact float32 difference (``exp_difference_f32``, TwoSum), and no other function (a log
    or an expm1 per class would lose the last digits in float32): those raise ``CodegenError``
    and the caller keeps the float64 kernel.  Otherwise the plain printer."""

    def __init__(self, spec: Spec, maxima, single: bool):
        super().__init__(spec, single=single)
        self.maxima = maxima

    def p(self, e) -> str:
        if not self.single or e == SCRATCH:
            return super().p(e)
        if isinstance(e, exp_nonpositive_):
            parts = minus_maximum(e.args[0], self.maxima)
            if parts is None:
                raise CodegenError(f"no exact float32 exponential for e^({e.args[0]})")
            return f"exp_difference_f32({self.p(parts[0])}, {self.p(parts[1])})"
        if isinstance(e, difference_):  # a float32 difference, as PyTorch computes float32
            return super().p(e)
        if isinstance(e, sp.Function) or (isinstance(e, sp.Pow) and not e.exp.is_Integer):
            raise CodegenError(f"no float32 code for {type(e).__name__}: {e}")
        return super().p(e)


def shared_exponentials(expr: sp.Basic) -> sp.Basic:
    """A choice of evaluation, not a rewrite of value: ``e^{min(a, 0)}`` computed as 1 for ``a >= 0``
    and as ``e^{-|a|}`` otherwise, so the stable sigmoid's numerator (catalogue rule ``stable_sigmoid``)
    is the one ``e^{-|a|}`` its denominator computes anyway.  The float is the same for every finite
    ``a``: ``e^0`` is exactly 1, and for ``a < 0``, ``min(a, 0) = a = -|a|`` exactly, so both are one
    exp of the same number.  (No catalogue rule states it: the checker reads no Piecewise.)"""
    def rewrite(e):
        argument = e.args[0]
        if isinstance(argument, sp.Min) and len(argument.args) == 2 and sp.S.Zero in argument.args:
            a = argument.args[0] if argument.args[1] == 0 else argument.args[1]
            return sp.Piecewise((sp.S.One, a >= 0), (sp.exp(-sp.Abs(a)), True))
        return e
    return expr.replace(lambda e: isinstance(e, sp.exp), rewrite)
