"""Kernels for a user's own loss and its derived gradient (``derive grad ... --compile``).

The loss and the gradient component are read as they were derived: each ``Sum`` becomes a loop
(math indices run from 1, arrays from 0), each free index of the gradient a loop filling ``G``.
Arrays are keyword arguments named after the loss's arrays (``y``, ``t``, ``hat_y``...), sizes are
read from their shapes, scalars (``mu``, ``sigma``) are keyword arguments too.  The source is
written to the kernel cache like the built-ins' and compiled by Numba; :meth:`UserKernel.check`
compares it with 30-digit evaluation of the same expressions.  The expressions are the loss's and
the gradient's stable forms (:func:`derive.user_losses.stable_forms`: catalogue rules, each step
verified), and a softmax is computed shifted by its row's largest exponent.
"""
from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from ..errors import CodegenError
from ..functions import BINDERS, PLAIN_FORMS, Maximum, sigmoid
from .cache import repairing
from .compiler import DECORATOR
from .source_printer import nonpositive, numba_math_only

def identifier(base: sp.Basic) -> str:
    """A Python name for a symbol or array: ``\\hat{y}`` -> ``hat_y``, ``\\mu`` -> ``mu``."""
    name = str(base.label if isinstance(base, sp.IndexedBase) else base)
    name = re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_") or "v"
    return name if not name[0].isdigit() else f"v_{name}"


def local(base: sp.Basic) -> str:
    """The name in the generated source: ``v_`` + ``identifier``, so no name a user writes
    (``\\lambda``, ``G``, ``math``) can be a keyword or meet the kernel's own names."""
    return f"v_{identifier(base)}"


@dataclass(frozen=True)
class Layout:
    """What a kernel reads: arrays with the size symbol of each axis, and scalar parameters."""

    arrays: dict  # IndexedBase -> tuple of size symbols (one per axis)
    scalars: tuple  # plain symbols
    wrt: sp.Basic
    reaches: dict = field(default_factory=dict)  # IndexedBase -> the least extent of each axis its named components need
    indices: dict = field(default_factory=dict)  # a free index (the observed class k of -log softmax(z)_k) -> its size


def layout(loss: sp.Basic, gradient: sp.Basic, wrt: sp.Basic) -> Layout:
    axes: dict = {}

    def visit(e, ranges):
        if isinstance(e, sp.Sum):
            inner = dict(ranges)
            for variable, lower, upper in e.limits:
                if lower != 1:
                    raise CodegenError(f"sums must start at 1 to compile; {e} starts at {lower}")
                inner[variable] = upper
            visit(e.function, inner)
            return
        if isinstance(e, sp.Indexed):
            shape = axes.setdefault(e.base, [None] * len(e.indices))
            if len(shape) != len(e.indices):
                raise CodegenError(f"{e.base} is used with {len(shape)} and {len(e.indices)} indices")
            for axis, index in enumerate(e.indices):
                if index in ranges and shape[axis] is None:
                    shape[axis] = ranges[index]
            return
        for a in e.args:
            visit(a, ranges)
    visit(loss, {})
    for base, shape in axes.items():
        if any(s is None for s in shape):
            if all(all(ix.is_Integer for ix in a.indices) for a in loss.atoms(sp.Indexed) if a.base == base):
                continue  # w_0, w_1: separate parameters
            raise CodegenError(f"the axes of {base} must each run over a sum's index to compile")
    arrays = {b: tuple(s) for b, s in axes.items() if all(x is not None for x in s)}
    parameters = {a for a in loss.atoms(sp.Indexed) if a.base not in arrays}
    bound = {limit[0] for n in sp.preorder_traversal(loss) if isinstance(n, sp.Sum) for limit in n.limits}
    sizes = {s for shape in arrays.values() for s in shape}
    labels = {b.label for b in loss.atoms(sp.IndexedBase)}
    scalars = {s for s in loss.free_symbols | gradient.free_symbols
               if isinstance(s, sp.Symbol) and s not in bound | sizes | labels and not s.is_integer}
    if isinstance(wrt, sp.Indexed) and wrt.base not in arrays:
        raise CodegenError(f"the gradient is by {wrt}, which no sum runs over")
    if isinstance(wrt, sp.Indexed) and 0 < sum(index.is_Integer for index in wrt.indices) < len(wrt.indices):
        raise CodegenError(f"the gradient is by {wrt}, part named and part free: compile it by every "
                           f"component ({wrt.base} with every index a letter) or by one (every index a number)")
    components = sp.Tuple(loss, gradient).atoms(sp.Indexed)  # not loss + gradient: terms could cancel
    reaches = {base: tuple(max([int(a.indices[axis]) for a in components
                                if a.base == base and a.indices[axis].is_Integer], default=0)
                           for axis in range(len(shape)))
               for base, shape in arrays.items()}
    return Layout(arrays, tuple(sorted(scalars | parameters, key=str)), wrt, reaches,
                  _free_indices(loss, gradient, wrt, arrays))


def _free_indices(loss: sp.Basic, gradient: sp.Basic, wrt: sp.Basic, arrays: dict) -> dict:
    """Indices no sum binds and the gradient is not by (``k`` in ``-log softmax(z)_k``): the kernel
    takes each as an integer, checked against the size of an axis it indexes."""
    sizes = {size for shape in arrays.values() for size in shape}
    by = set(getattr(wrt, "indices", ()))
    found = {}
    for symbol in sorted(loss.free_symbols | gradient.free_symbols, key=str):
        if not (isinstance(symbol, sp.Symbol) and symbol.is_integer) or symbol in sizes or symbol in by:
            continue
        axis_sizes = [arrays[a.base][axis] for a in sp.Tuple(loss, gradient).atoms(sp.Indexed) if a.base in arrays
                      for axis, index in enumerate(a.indices) if index == symbol]
        if not axis_sizes:
            raise CodegenError(f"the index {symbol} indexes no array the kernel reads")
        found[symbol] = axis_sizes[0]
    return found


def _sigmoid_by_sign(node: sp.Basic) -> sp.Basic:
    """σ(a) as 1/(1 + e) for a >= 0 and e/(1 + e) otherwise, e = e^{-|a|}: no exponential overflows."""
    a = node.args[0]
    small = sp.exp(-sp.Abs(a))
    return sp.Piecewise((1 / (1 + small), a >= 0), (small / (1 + small), True))


_SHIFT = sp.Symbol("l_shift", integer=True)  # the index of a softmax's largest exponent, in its own loop


@numba_math_only
class _Emitter(PythonCodePrinter):
    """Statements and an expression string for ``expr`` (SymPy's ``PythonCodePrinter`` with a
    ``_print_X`` method per construct): each Sum is a loop written before the statement that
    uses it; indices are whole numbers counted from 1 in the formula, from 0 in the arrays.
    Anything without a method here is a ``CodegenError`` naming it."""

    printmethod = "_derive_user_kernel"

    def __init__(self, arrays):
        super().__init__({"fully_qualified_modules": True})
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

    def p(self, e: sp.Basic) -> str:
        return self._print(e)

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
        return name

    def statement_value(self, e: sp.Basic, lines: list[str], indent: str) -> str:
        """``e`` printed after statements for its common subexpressions (the e^{-|z|} that a
        softplus and each sigmoid of ±z share, computed once), each sigmoid in the form that
        vectorises: e^{-|a|} by the library-free exp, then 1/(1 + e) or e/(1 + e) by the sign of a."""
        e = e.replace(lambda node: isinstance(node, sigmoid), _sigmoid_by_sign)
        # a sum or a maximum is one opaque term here: nothing inside it is taken out of its loop
        opaque = {node: sp.Dummy() for node in sp.preorder_traversal(e) if isinstance(node, BINDERS)}
        back = {dummy: node for node, dummy in opaque.items()}
        temps, (value,) = sp.cse([e.xreplace(opaque)], symbols=sp.numbered_symbols(f"cse{self.fresh('_')}_"), order="none")
        temps, value = [(name, temp.xreplace(back)) for name, temp in temps], value.xreplace(back)
        for name, temp in temps:
            lines.append(f"{indent}{local(name)} = {self.expression(temp, lines, indent)}")
        return self.expression(value, lines, indent)

    def _print_Piecewise(self, e):
        (value, condition), (otherwise, default) = e.args
        if default != sp.true or not isinstance(condition, sp.core.relational.Relational):
            return self._unknown(e)
        return f"({self.p(value)} if {self.p(condition.lhs)} {condition.rel_op} {self.p(condition.rhs)} else {self.p(otherwise)})"

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
            return f"v_{_parameter(e)}"
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

    def _print_Add(self, e, order=None):
        return "(" + " + ".join(self.p(a) for a in e.args) + ")"

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
        component, total = e.args
        if not (isinstance(total, sp.Sum) and len(total.limits) == 1 and isinstance(total.function, sp.exp)):
            return self.p(PLAIN_FORMS[type(e)](e))
        (index, lower, upper), = total.limits
        exponent = total.function.args[0]
        largest = Maximum(exponent.xreplace({index: _SHIFT}), (_SHIFT, lower, upper))
        return self.p(sp.exp(component - largest) / sp.Sum(sp.exp(exponent - largest), *total.limits))

    def _print_KroneckerDelta(self, e):
        return f"(1.0 if {self.integer(e.args[0])} == {self.integer(e.args[1])} else 0.0)"

    def _print_log(self, e):
        argument = e.args[0]
        if isinstance(argument, sp.Add) and sp.S.One in argument.args:  # log(1 + x): log1p keeps a tiny x's digits
            return f"math.log1p({self.p(argument - 1)})"
        return f"math.log({self.p(argument)})"

    def _print_exp(self, e):
        if nonpositive(e.args[0]):  # e^{-|a|}, e^{min(a, 0)}: the runtime's exp, which vectorises
            return f"exp_nonpositive({self.p(e.args[0])})"
        return f"math.exp({self.p(e.args[0])})"

    def _print_log1p(self, e):
        argument = e.args[0]
        if isinstance(argument, sp.exp) and nonpositive(argument.args[0]):  # log(1 + u), u in (0, 1]
            return f"log1p_unit({self.p(argument)})"
        return f"math.log1p({self.p(argument)})"

    def _print_Abs(self, e):
        return f"abs({self.p(e.args[0])})"

    def _print_Max(self, e):
        return "max(" + ", ".join(self.p(a) for a in e.args) + ")"

    def _print_Min(self, e):
        return "min(" + ", ".join(self.p(a) for a in e.args) + ")"

    def _unknown(self, e):
        raise CodegenError(f"no code for {type(e).__name__} in {e}")

    _print_Function = _print_Basic = _print_Relational = _print_Derivative = _print_Product = _unknown

    def emptyPrinter(self, e):  # noqa: N802 (SymPy's name)
        return self._unknown(e)


def kernel_source(loss: sp.Basic, gradient: sp.Basic, spec: Layout) -> str:
    arrays = sorted(spec.arrays, key=str)
    arguments = [local(b) for b in arrays] + [f"v_{_parameter(s)}" for s in spec.scalars] + \
        [local(index) for index in spec.indices]
    sizes = sorted({s for shape in spec.arrays.values() for s in shape}, key=str)
    unpack = []
    for size in sizes:
        base, axis = next((b, a) for b in arrays for a, s in enumerate(spec.arrays[b]) if s == size)
        unpack.append(f"    {local(size)} = {local(base)}.shape[{axis}]")
    emitter = _Emitter(spec.arrays)
    lines = ['"""Generated by derive from a verified gradient derivation.  Do not edit."""',
             "import math", "", "import numba", "",
             "from derive.kernels.noalias import NoAliasCompiler",
             "from derive.kernels.runtime import exp_nonpositive, log1p_unit", "", "",
             DECORATOR, f"def loss({', '.join(arguments)}):"] + unpack
    body: list[str] = []
    value = emitter.statement_value(loss, body, "    ")
    lines += body + [f"    return {value}", "", "", DECORATOR, f"def grad({', '.join(arguments + ['G'])}):"] + unpack
    indent = "    "
    emitter.memo = {}  # another function: nothing computed in the loss is defined here
    if by_every_component(spec.wrt):
        free = set(spec.wrt.indices)
        for node in sp.preorder_traversal(gradient):  # a maximum free of the gradient's indices: once, before their loops
            if isinstance(node, Maximum) and not (node.free_symbols & free):
                emitter.expression(node, lines, indent)
        for axis, index in enumerate(spec.wrt.indices):
            lines.append(f"{indent}for {local(index)} in range(1, G.shape[{axis}] + 1):")
            indent += "    "
        target = f"G[{', '.join(f'{local(ix)} - 1' for ix in spec.wrt.indices)}]"
    else:
        target = "G[0]"
    body = []
    value = emitter.statement_value(gradient, body, indent)
    lines += body + [f"{indent}{target} = {value}", ""]
    return "\n".join(lines)


def by_every_component(wrt: sp.Basic) -> bool:
    """Whether the gradient is by every component of an array (``s_j``: an array ``G`` like ``s``),
    rather than by one named component (``s_1``) or a scalar (one number)."""
    return isinstance(wrt, sp.Indexed) and not all(index.is_Integer for index in wrt.indices)


def _require_domain(item: sp.Basic, values: np.ndarray, name: str) -> None:
    """What the derivation assumed of an input holds of its values: positive (``y``, ``w`` as
    derive names them: probabilities, weights) or not negative.  Its steps hold only there."""
    assumed = item.base if isinstance(item, sp.Indexed) else item
    if getattr(assumed, "is_positive", False) and not (values > 0).all():
        raise ValueError(f"{name} must be positive (the derivation assumed {name} > 0, as derive names it); "
                         f"got {values.min()!r}")
    if getattr(assumed, "is_nonnegative", False) and not (values >= 0).all():
        raise ValueError(f"{name} must not be negative (the derivation assumed {name} >= 0); got {values.min()!r}")


def _parameter(symbol: sp.Basic) -> str:
    if isinstance(symbol, sp.Indexed):
        return identifier(sp.Symbol(f"{symbol.base}_{'_'.join(map(str, symbol.indices))}"))
    return identifier(symbol)


class UserKernel:
    """``k.loss(**inputs)``, ``k.grad(**inputs)`` and ``k.loss_and_grad(**inputs)``: arrays and scalars by their names
    (``k.inputs``); the gradient has the shape of the array differentiated by (a float for a scalar)."""

    def __init__(self, loss: sp.Basic, gradient: sp.Basic, wrt: sp.Basic):
        from .compiler import load_module

        self.expressions = (loss, gradient, wrt)
        self.layout = layout(loss, gradient, wrt)
        source = kernel_source(loss, gradient, self.layout)
        stem = "user_" + hashlib.sha256(source.encode()).hexdigest()[:12]
        self._module = load_module(stem, lambda: source)
        self.source = source
        self.inputs = tuple(identifier(b) for b in sorted(self.layout.arrays, key=str)) + \
            tuple(_parameter(s) for s in self.layout.scalars) + tuple(identifier(ix) for ix in self.layout.indices)

    def _arguments(self, values: dict) -> list:
        unknown = set(values) - set(self.inputs)
        missing = [name for name in self.inputs if name not in values]
        if unknown or missing:
            raise ValueError(f"the kernel takes {', '.join(self.inputs)}"
                             + (f"; unknown: {', '.join(sorted(unknown))}" if unknown else "")
                             + (f"; missing: {', '.join(missing)}" if missing else ""))
        arguments, sizes = [], {}
        for base in sorted(self.layout.arrays, key=str):
            name, shape = identifier(base), self.layout.arrays[base]
            array = np.asarray(values[name])
            if array.dtype.kind not in "fiub":
                raise ValueError(f"{name} must be numeric, got dtype {array.dtype}")
            array = np.ascontiguousarray(array, dtype=np.float64)
            if array.ndim != len(shape):
                raise ValueError(f"{name} must have {len(shape)} axes ({', '.join(map(str, shape))}); got shape {array.shape}")
            for axis, size in enumerate(shape):
                if getattr(size, "is_Integer", False) and int(size) != array.shape[axis]:
                    raise ValueError(f"{name} must have {int(size)} entries along axis {axis} (the loss's sums run "
                                     f"to {int(size)}); got shape {array.shape}")
                least = self.layout.reaches.get(base, (0,) * len(shape))[axis]
                if array.shape[axis] < least:
                    raise ValueError(f"{name} must have at least {least} entries along axis {axis} (the loss names "
                                     f"its component {least}); got shape {array.shape}")
                if sizes.setdefault(size, array.shape[axis]) != array.shape[axis]:
                    raise ValueError(f"{name} has {array.shape[axis]} along {size}, another input has {sizes[size]}")
            if not np.isfinite(array).all():
                where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
                raise ValueError(f"{name} contains {'NaN' if np.isnan(array[where]) else 'infinity'} at index {where}")
            _require_domain(base, array, name)
            arguments.append(array)
        for symbol in self.layout.scalars:
            name = _parameter(symbol)
            value = values[name]
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
                    or not np.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
            _require_domain(symbol, np.asarray(float(value)), name)
            arguments.append(float(value))
        for index, size in self.layout.indices.items():
            name, value = identifier(index), values[identifier(index)]
            extent = int(size) if getattr(size, "is_Integer", False) else sizes.get(size)
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
                    or not 1 <= value <= (extent or 0):
                raise ValueError(f"{name} must be a whole number from 1 to {extent} (it indexes an axis of that "
                                 f"size; counted from 1, as in the formula), got {value!r}")
            arguments.append(int(value))
        return arguments

    def loss(self, **values) -> float:
        arguments = self._arguments(values)
        return float(repairing(lambda: self._module.loss(*arguments), self._module))

    def grad(self, **values):
        return self._gradient(self._arguments(values))

    def loss_and_grad(self, **values):
        """Both, the inputs checked once; on large inputs the gradient runs on a second thread while
        this one computes the loss (both kernels release the GIL)."""
        from .threads import MIN_ENTRIES_PER_THREAD, _executor, thread_count

        arguments = self._arguments(values)
        entries = sum(a.size for a in arguments if isinstance(a, np.ndarray))
        if thread_count() < 2 or entries < MIN_ENTRIES_PER_THREAD:
            return float(repairing(lambda: self._module.loss(*arguments), self._module)), self._gradient(arguments)
        gradient = _executor(1).submit(self._gradient, arguments)
        loss = float(repairing(lambda: self._module.loss(*arguments), self._module))
        return loss, gradient.result()

    def _gradient(self, arguments: list):
        wrt = self.layout.wrt
        if by_every_component(wrt):
            G = np.empty_like(arguments[sorted(self.layout.arrays, key=str).index(wrt.base)])
            repairing(lambda: self._module.grad(*arguments, G), self._module)
            return G
        G = np.empty(1)
        repairing(lambda: self._module.grad(*arguments, G), self._module)
        return float(G[0])

    def check(self, samples: int = 3, seed: int = 0) -> float:
        """The largest relative difference between the kernel and 30-digit evaluation of the derived
        loss and gradient, at random inputs in (0.05, 0.95) with every size 3; raise if over 1e-10."""
        loss, gradient, wrt = self.expressions
        rng = random.Random(seed)
        worst = 0.0
        for _ in range(samples):
            values, symbols = self._random_inputs(rng)
            exact_loss = sp.N(_evaluate(loss, symbols), 30)
            worst = max(worst, _relative(self.loss(**values), exact_loss))
            got = np.atleast_1d(self.grad(**values))
            positions = np.ndindex(got.shape) if by_every_component(wrt) else [()]
            for position in positions:
                at = {ix: sp.Integer(p + 1) for ix, p in zip(getattr(wrt, "indices", ()), position)}
                exact = sp.N(_evaluate(gradient.xreplace(at), symbols), 30)
                worst = max(worst, _relative(got[position] if position else got[0], exact))
        if not worst <= 1e-10:
            raise CodegenError(f"the kernel disagrees with 30-digit evaluation: relative error {worst:.2e}")
        return worst

    def _random_inputs(self, rng: random.Random):
        values, symbols = {}, {}
        extents = {}  # 3 along each size, or what a sum's concrete limit or a named component needs
        for base, shape in self.layout.arrays.items():
            for size, least in zip(shape, self.layout.reaches.get(base, (0,) * len(shape))):
                extents[size] = int(size) if getattr(size, "is_Integer", False) else max(extents.get(size, 3), least)
        for base, shape in self.layout.arrays.items():
            extent = tuple(extents[size] for size in shape)
            array = np.array([rng.uniform(0.05, 0.95) for _ in range(int(np.prod(extent)))]).reshape(extent)
            values[identifier(base)] = array
            for position in np.ndindex(array.shape):
                symbols[base[tuple(sp.Integer(p + 1) for p in position)]] = sp.Float(array[position], 30)
            for size in shape:
                symbols[size] = sp.Integer(extents[size])
        for symbol in self.layout.scalars:
            value = rng.uniform(0.05, 0.95)
            values[_parameter(symbol)] = value
            symbols[symbol] = sp.Float(value, 30)
        for index, size in self.layout.indices.items():
            value = rng.randint(1, extents.get(size, int(size) if getattr(size, "is_Integer", False) else 3))
            values[identifier(index)] = value
            symbols[index] = sp.Integer(value)
        return values, symbols


def _evaluate(expr: sp.Basic, symbols: dict) -> sp.Basic:
    from ..at_sizes import write_out_sums
    from ..functions import plain

    from ..at_sizes import carry_out_maxima

    sized = expr.xreplace({s: v for s, v in symbols.items() if isinstance(s, sp.Symbol) and s.is_integer})
    return plain(carry_out_maxima(write_out_sums(sized))).xreplace(symbols)


def _relative(value: float, exact: sp.Basic) -> float:
    exact = float(exact)
    return abs(value - exact) / max(1.0, abs(exact))
