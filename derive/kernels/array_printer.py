"""A vectorising printer: SymPy index notation (``Indexed``, ``Sum``, ``Maximum``, ``KroneckerDelta``,
softmax, sigmoid, xlogy, ``Piecewise``...) -> array code that broadcasts, for PyTorch or JAX.

Each sub-expression is printed as an array whose axes stand for its free indices, in one order
fixed for the whole function (so two operands meet by inserting ``None`` axes, never by a
transpose); a ``Sum`` over an index is a reduction along its axis, a ``Maximum`` an ``amax``, a
named component (``z_{2}``) a selection, a free integer input (the observed class ``k``) a
gather.  Each node is printed once into a temporary (a shared maximum is computed once).  The
namespaces differ only in names (``torch.sum(x, dim=)`` against ``jnp.sum(x, axis=)``).  The
expressions printed are the verified stable forms of :mod:`.ir`: the printer adds no rewrite
but the softmax shifted by its row's maximum (as :mod:`.user_printer` prints it for Numba).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from ..errors import CodegenError
from ..functions import PLAIN_FORMS, Maximum, sigmoid, softmax, xlog1py, xlogy
from .ir import KernelIR
from .user_printer import identifier, parameter_identifier, shifted_softmax

BATCH = sp.Dummy("batch", integer=True)  # the axis of rows of a batch of one-sample losses


@dataclass(frozen=True)
class Term:
    """Code for an array (or a number) and the index each of its axes stands for."""

    code: str
    axes: tuple = ()


class Namespace:
    """How one array library spells the operations the printer needs."""

    name = ""
    module = ""  # what the generated source imports
    axis_keyword = ""
    functions: dict[str, str] = {}

    def reduce(self, operation: str, code: str, axes: tuple[int, ...]) -> str:
        return f"{self.module}.{operation}({code}, {self.axis_keyword}={axes!r})"

    def call(self, function: str, *arguments: str) -> str:
        return f"{self.functions[function]}({', '.join(arguments)})"

    def where(self, condition: str, a: str, b: str) -> str:
        return f"{self.module}.where({condition}, {a}, {b})"

    def permute(self, code: str, order: tuple[int, ...]) -> str:
        raise NotImplementedError

    def real(self, mask: str) -> str:
        """A boolean array as numbers of the kernel's floating type (``REAL``)."""
        raise NotImplementedError

    def arange(self, size: str) -> str:
        raise NotImplementedError

    def maximum(self, a: Term, b: Term, which: str) -> str:
        return f"{self.module}.{which}({a.code}, {b.code})"

    def full(self, code: str, shape: str) -> str:
        raise NotImplementedError

    helpers = ""  # source of the module's helpers (pick)

    def prelude(self, first: str | None) -> list[str]:
        """Statements at the top of each function: the floating type (and device) of its arrays."""
        raise NotImplementedError


UNARY = ("exp", "log", "log1p", "expm1", "sqrt", "abs", "sign", "sin", "cos", "tan", "tanh", "sinh", "cosh",
         "asin", "acos", "atan", "erf", "sigmoid")


class TorchNamespace(Namespace):
    name = "torch"
    module = "torch"
    axis_keyword = "dim"
    helpers = '''import torch


def pick(x, dim, index):
    """x's entries at ``index`` (from 0) along ``dim``: a whole number, one index for all rows (a
    0-d tensor), or one for each row (a 1-d tensor along axis 0, the rows)."""
    if not isinstance(index, torch.Tensor):
        return x.select(dim, index)
    if index.dim() == 0:
        return torch.index_select(x, dim, index.reshape(1)).squeeze(dim)
    shape = [1] * x.dim()
    shape[0] = -1
    return torch.take_along_dim(x, index.reshape(shape), dim=dim).squeeze(dim)
'''
    functions = {**{f: f"torch.{f}" for f in UNARY}, "erf": "torch.special.erf", "xlogy": "torch.special.xlogy", "xlog1py": "torch.special.xlog1py",
                 "amax": "torch.amax", "sum": "torch.sum"}

    def permute(self, code, order):
        return f"{code}.permute{order!r}"

    def real(self, mask):
        return f"({mask}).to(REAL)"

    def arange(self, size):
        return f"torch.arange({size}, device=DEVICE)"

    def maximum(self, a, b, which):
        """``torch.maximum`` takes tensors only: against a number it is a clamp."""
        bound = "min" if which == "maximum" else "max"
        if not a.axes and _is_number(a.code):
            a, b = b, a
        if not b.axes and _is_number(b.code):
            return f"torch.clamp({a.code}, {bound}={b.code})"
        return f"torch.{which}({a.code}, {b.code})"

    def where(self, condition, a, b):
        # a branch may be a Python number computed from a size (1.0 / n_N): as a tensor of the inputs' dtype,
        # or torch.where of two numbers gives float32
        return f"torch.where({condition}, {_as_real_tensor(a)}, {_as_real_tensor(b)})"

    def full(self, code, shape):
        return f"torch.broadcast_to(torch.as_tensor({code}, dtype=REAL, device=DEVICE), {shape}).contiguous()"

    def prelude(self, first):
        if first is None:
            return ["    REAL, DEVICE = torch.get_default_dtype(), None"]
        return [f"    REAL, DEVICE = {first}.dtype, {first}.device"]


class JaxNamespace(Namespace):
    name = "jax"
    module = "jnp"
    axis_keyword = "axis"
    helpers = '''import jax
import jax.numpy as jnp
import jax.scipy.special


def pick(x, axis, index):
    """x's entries at ``index`` (from 0) along ``axis``: one index for all rows, or one for each
    row (a 1-d array along axis 0, the rows)."""
    index = jnp.asarray(index)
    if index.ndim == 0:
        return jnp.take(x, index, axis=axis)
    shape = [1] * x.ndim
    shape[0] = -1
    return jnp.squeeze(jnp.take_along_axis(x, index.reshape(shape), axis=axis), axis)
'''
    functions = {**{f: f"jnp.{f}" for f in UNARY}, "erf": "jax.scipy.special.erf", "sigmoid": "jax.nn.sigmoid",
                 "xlogy": "jax.scipy.special.xlogy", "xlog1py": "jax.scipy.special.xlog1py", "amax": "jnp.max", "sum": "jnp.sum"}

    def permute(self, code, order):
        return f"jnp.transpose({code}, {order!r})"

    def real(self, mask):
        return f"({mask}).astype(REAL)"

    def arange(self, size):
        return f"jnp.arange({size})"

    def full(self, code, shape):
        return f"jnp.broadcast_to(jnp.asarray({code}, dtype=REAL), {shape})"

    def prelude(self, first):
        if first is None:
            return ["    REAL = jnp.result_type(float)"]
        return [f"    REAL = {first}.dtype"]


def _is_number(code: str) -> bool:
    try:
        float(code)
    except ValueError:
        return False
    return True


def _as_real_tensor(code: str) -> str:
    return _tensor_if_number(code) if _is_number(code) else f"torch.as_tensor({code}, dtype=REAL, device=DEVICE)"


def _tensor_if_number(code: str) -> str:
    return f"torch.tensor({code}, dtype=REAL, device=DEVICE)" if _is_number(code) else code


def local(symbol: sp.Basic) -> str:
    return f"v_{identifier(symbol)}"


class ArrayPrinter:
    """Prints the expressions of one :class:`.ir.KernelIR` as functions of its inputs.  ``batched``:
    every input carries one leading axis of rows (a batch of one-sample losses)."""

    def __init__(self, ir: KernelIR, namespace: Namespace, batched: bool = False):
        self.ir = ir
        self.ns = namespace
        self.batched = batched
        self.arrays = {base: local(base) for base in ir.arrays}
        self.scalars = {symbol: f"v_{parameter_identifier(symbol)}" for symbol in ir.layout.scalars}
        self.indices = {index: local(index) for index in ir.layout.indices}  # free integer inputs, from 1
        self.labels_at: dict = {}  # an index standing for each row's label (from 0) -> (the labels, their rows)
        self.sizes: dict[sp.Basic, str] = {}
        for base in ir.arrays:
            for axis, size in enumerate(ir.layout.arrays[base]):
                if not size.is_Integer and size not in self.sizes:
                    self.sizes[size] = f"n_{identifier(size)}"
        self.rank: dict[sp.Basic, int] = {BATCH: 0}
        self.reset()

    # the order of axes and the state of one function

    def reset(self) -> None:
        self.lines: list[str] = []
        self.memo: dict = {}
        self.count = 0

    def order(self, *expressions: sp.Basic) -> None:
        """Fix the order of axes: the gradient's indices first (its axes come out as the input's),
        then every other index as first met in an array's indices."""
        wrt = self.ir.wrt
        if self.ir.samples is not None:
            self.rank.setdefault(self.ir.samples.index, len(self.rank))
        for index in (wrt.indices if isinstance(wrt, sp.Indexed) else ()):
            self.rank.setdefault(index, len(self.rank))
        for expression in expressions:
            for node in sp.preorder_traversal(expression):
                if isinstance(node, sp.Indexed):
                    for index in node.indices:
                        if isinstance(index, sp.Symbol):
                            self.rank.setdefault(index, len(self.rank))
                if isinstance(node, (sp.Sum, Maximum)):
                    for limit in node.limits:
                        self.rank.setdefault(limit[0], len(self.rank))

    def canonical(self, axes) -> tuple:
        for axis in axes:
            self.rank.setdefault(axis, len(self.rank))
        return tuple(sorted(set(axes), key=lambda axis: self.rank[axis]))

    def fresh(self, code: str, axes: tuple) -> Term:
        self.count += 1
        name = f"_{self.count}"
        self.lines.append(f"    {name} = {code}")
        return Term(name, axes)

    def align(self, term: Term, axes: tuple) -> str:
        """``term``'s code with ``None`` axes inserted so it broadcasts against arrays of ``axes``."""
        if not term.axes or axes[-len(term.axes):] == term.axes:
            return term.code
        start = axes.index(term.axes[0])
        return f"{term.code}[{', '.join(':' if axis in term.axes else 'None' for axis in axes[start:])}]"

    # the functions' sources

    def parameters(self) -> list[str]:
        return [self.arrays[b] for b in self.ir.arrays] + [self.scalars[s] for s in self.ir.layout.scalars] + \
            [self.indices[i] for i in self.ir.layout.indices]

    def header(self) -> list[str]:
        lines = self.ns.prelude(self.real_input())
        offset = 1 if self.batched else 0
        for size, name in self.sizes.items():  # from an array of numbers first: labels lack the class axis
            readable = sorted(self.ir.arrays, key=lambda b: b in self.ir.labels)
            base, axis = next((b, a) for b in readable for a, s in enumerate(self.ir.layout.arrays[b])
                              if s == size and not (b in self.ir.labels and a == len(self.ir.layout.arrays[b]) - 1))
            lines.append(f"    {name} = {self.arrays[base]}.shape[{axis + offset}]")
        if self.batched:
            lines.append(f"    n_rows = {self._rows_source()}")
        return lines

    def real_input(self) -> str | None:
        """The input whose floating type (and device) the kernel computes in: the one the gradient
        is by where it is an array, else the first array of numbers, else the first scalar."""
        wrt = self.ir.wrt
        if isinstance(wrt, sp.Indexed) and wrt.base in self.arrays:
            return self.arrays[wrt.base]
        numbers = [self.arrays[b] for b in self.ir.arrays if b not in self.ir.labels] + list(self.scalars.values())
        return numbers[0] if numbers else None

    def _rows_source(self) -> str:
        for name in [*self.arrays.values(), *self.scalars.values(), *self.indices.values()]:
            return f"{name}.shape[0]"
        raise CodegenError(f"{self.ir.name} reads no input to take rows from")

    def function(self, name: str, outputs: list[tuple[sp.Basic, tuple]]) -> str:
        """``def name(inputs): return outputs`` where each output is an expression and the axes its
        array must have (missing ones broadcast)."""
        self.reset()
        self.order(*(expression for expression, _ in outputs))
        values = []
        for expression, axes in outputs:
            term = self.term(expression, {})
            values.append(self.shaped(term, axes))
        body = released(self.lines, " ".join(values))
        return "\n".join([f"def {name}({', '.join(self.parameters())}):", *self.header(), *body,
                          f"    return {', '.join(values)}" + ("," if len(values) == 1 else "")]) + "\n"

    def shaped(self, term: Term, axes: tuple) -> str:
        """``term`` as an array of exactly ``axes`` (in that order), broadcast where it lacks one."""
        missing = [axis for axis in term.axes if axis not in axes]
        if missing:
            raise CodegenError(f"{self.ir.name}: the result depends on {', '.join(map(str, missing))}, which it "
                               "should not")
        present = tuple(axis for axis in axes if axis in term.axes)
        code = term.code
        if present != term.axes:
            code = self.ns.permute(code, tuple(term.axes.index(axis) for axis in present))
        if present == tuple(axes) and not _is_number(code):
            return code
        shape = "(" + "".join(f"{self.size_of(axis)}, " for axis in axes) + ")"
        return self.ns.full(self.align(Term(code, present), tuple(axes)), shape)

    def size_of(self, axis: sp.Basic) -> str:
        if axis == BATCH:
            return "n_rows"
        if self.ir.samples is not None and axis == self.ir.samples.index:
            return self.size(self.ir.samples.size)
        wrt = self.ir.wrt
        if isinstance(wrt, sp.Indexed) and axis in wrt.indices:
            return self.size(self.ir.layout.arrays[wrt.base][list(wrt.indices).index(axis)])
        raise CodegenError(f"no size known for the axis {axis}")

    def size(self, size: sp.Basic) -> str:
        if size.is_Integer:
            return str(int(size))
        if size in self.sizes:
            return self.sizes[size]
        raise CodegenError(f"{self.ir.name}: no array has an axis of size {size}")

    # expressions

    def term(self, e: sp.Basic, ranges: dict) -> Term:
        """``e`` as an array over its free indices; ``ranges``: the size each bound index runs to."""
        results = self.axes_of_results()  # a bound index of a result axis's size is that axis: one array
        key = (e, tuple(sorted(((s, ranges[s]) for s in e.free_symbols if s in ranges and results.get(s) != ranges[s]),
                               key=str)))
        if key not in self.memo:
            self.memo[key] = self._term(e, ranges)
        return self.memo[key]

    def _term(self, e: sp.Basic, ranges: dict) -> Term:
        if isinstance(e, sp.Indexed):
            return self.indexed(e, ranges)
        if e.is_Number or e.is_NumberSymbol or not (e.free_symbols or e.atoms(sp.Indexed)):
            return Term(self.number(e))  # log 2, a constant's own value
        if isinstance(e, sp.Symbol):
            return self.symbol(e, ranges)
        if isinstance(e, (sp.Sum, Maximum)):
            return self.reduction(e, ranges)
        if isinstance(e, sp.Mul) and e.args[0] == -1:
            rest = self.term(sp.Mul(*e.args[1:]), ranges)
            return self.fresh(f"-{rest.code}", rest.axes)
        if isinstance(e, sp.Add):
            return self.add(e, ranges)
        if isinstance(e, sp.Mul):
            terms = [self.term(a, ranges) for a in e.args]
            axes = self.canonical(sum((t.axes for t in terms), ()))
            return self.fresh(" * ".join(self.align(t, axes) for t in terms), axes)
        if isinstance(e, sp.Pow):
            return self.power(e, ranges)
        if isinstance(e, softmax):
            parts = shifted_softmax(e)
            return self.term(PLAIN_FORMS[softmax](e) if parts is None else parts[0] / parts[1], ranges)
        if isinstance(e, (sp.Max, sp.Min)):
            which = "maximum" if isinstance(e, sp.Max) else "minimum"
            result = self.term(e.args[0], ranges)
            for argument in e.args[1:]:
                other = self.term(argument, ranges)
                axes = self.canonical(result.axes + other.axes)
                result = self.fresh(self.ns.maximum(Term(self.align(result, axes), result.axes),
                                                    Term(self.align(other, axes), other.axes), which), axes)
            return result
        if isinstance(e, sp.KroneckerDelta):
            a, b = (self.integer_term(argument, ranges) for argument in e.args)
            axes = self.canonical(a.axes + b.axes)
            return self.fresh(self.ns.real(f"{self.align(a, axes)} == {self.align(b, axes)}"), axes)
        if isinstance(e, sp.Piecewise):
            return self.piecewise(e, ranges)
        if isinstance(e, sp.Heaviside):
            x = e.args[0]
            half = e.args[1] if len(e.args) > 1 else sp.S.Half
            return self.term(sp.Piecewise((0, x < 0), (half, sp.Eq(x, 0)), (1, True)), ranges)
        if isinstance(e, (sp.Rel, sp.And, sp.Or, sp.Not)):
            return self.condition(e, ranges)
        if isinstance(e, (xlogy, xlog1py)):
            return self.call(type(e).__name__, e.args, ranges)
        if isinstance(e, (log1p, expm1, sigmoid)):
            return self.call(type(e).__name__, e.args, ranges)
        name = {sp.Abs: "abs", sp.sign: "sign"}.get(type(e), type(e).__name__)
        if isinstance(e, sp.Function) and len(e.args) == 1 and name in self.ns.functions:
            return self.call(name, e.args, ranges)
        raise CodegenError(f"no {self.ns.name} code for {type(e).__name__}: {e}")

    def add(self, e: sp.Add, ranges: dict) -> Term:
        """A sum of terms, a term with a factor -1 subtracted (1 - t is one operation, not two)."""
        signed = []
        for argument in e.args:
            if isinstance(argument, sp.Mul) and argument.args[0] == -1:
                signed.append((" - ", self.term(sp.Mul(*argument.args[1:]), ranges)))
            else:
                signed.append((" + ", self.term(argument, ranges)))
        signed.sort(key=lambda pair: pair[0] == " - ")  # a positive term first where there is one
        axes = self.canonical(sum((term.axes for _, term in signed), ()))
        code = "".join(sign + self.align(term, axes) for sign, term in signed)
        return self.fresh(code[3:] if code.startswith(" + ") else "-" + code[3:], axes)

    def number(self, e: sp.Basic) -> str:
        try:
            return repr(float(e))
        except TypeError:
            raise CodegenError(f"{self.ir.name}: {e} is no real number") from None

    def call(self, function: str, arguments, ranges: dict) -> Term:
        terms = [self.term(a, ranges) for a in arguments]
        axes = self.canonical(sum((t.axes for t in terms), ()))
        codes = [self.align(t, axes) for t in terms]
        if function in ("xlogy", "xlog1py") and self.ns.name == "torch":  # torch's xlogy takes a number first, never second
            codes = [_tensor_if_number(code) if number == 1 else code for number, code in enumerate(codes)]
        return self.fresh(self.ns.call(function, *codes), axes)

    def power(self, e: sp.Pow, ranges: dict) -> Term:
        base = self.term(e.base, ranges)
        if e.exp == sp.S.Half:
            return self.call("sqrt", (e.base,), ranges)
        if e.exp == -1:
            return self.fresh(f"1.0 / {base.code}", base.axes)
        if e.exp.is_Integer:
            return self.fresh(f"{base.code} ** {int(e.exp)}", base.axes)
        exponent = self.term(e.exp, ranges)
        axes = self.canonical(base.axes + exponent.axes)
        return self.fresh(f"{self.align(base, axes)} ** {self.align(exponent, axes)}", axes)

    def symbol(self, e: sp.Symbol, ranges: dict) -> Term:
        if e in self.scalars:
            return Term(self.scalars[e], (BATCH,) if self.batched else ())
        if e in self.indices:
            return Term(self.indices[e], (BATCH,) if self.batched else ())
        if e in self.labels_at:
            labels, rows = self.labels_at[e]
            return self.fresh(f"{labels} + 1", rows)
        if e in ranges or self._gradient_index(e):
            size = self.size(ranges[e]) if e in ranges else self.size_of(e)  # a bound index's own range first
            return self.fresh(f"{self.ns.arange(size)} + 1", (e,))
        if e in self.sizes:
            return Term(self.sizes[e])
        raise CodegenError(f"{self.ir.name}: {e} is no input, size or index of the kernel")

    def _gradient_index(self, e: sp.Basic) -> bool:
        """An index that is an axis of a function's result: the gradient's, or the samples' of ℓ_i."""
        wrt = self.ir.wrt
        return (isinstance(wrt, sp.Indexed) and e in wrt.indices) or \
            (self.ir.samples is not None and e == self.ir.samples.index)

    def integer_term(self, e: sp.Basic, ranges: dict) -> Term:
        """An index's value (counted from 1, as the formula counts)."""
        if e.is_Integer:
            return Term(str(int(e)))
        return self.term(e, ranges)

    def indexed(self, e: sp.Indexed, ranges: dict) -> Term:
        base = e.base
        if base not in self.arrays:
            if all(index.is_Integer for index in e.indices) and e in self.scalars:
                return Term(self.scalars[e], (BATCH,) if self.batched else ())
            raise CodegenError(f"{self.ir.name}: {e} is no input of the kernel")
        if base in self.ir.labels:
            return self.label(e, ranges)
        code = self.arrays[base]
        axes: list = [BATCH] if self.batched else []
        selections = []
        for position, index in enumerate(e.indices):
            if index.is_Integer:
                selections.append((position, str(int(index) - 1)))
            elif index in self.indices:
                selections.append((position, f"{self.indices[index]} - 1"))
            elif index in self.labels_at:
                selections.append((position, self.labels_at[index][0]))
            elif isinstance(index, sp.Symbol) and (index in ranges or self._gradient_index(index)):
                if index in axes:
                    raise CodegenError(f"{self.ir.name}: {e} repeats the index {index} (a diagonal)")
                axes.append(index)
            else:
                raise CodegenError(f"{self.ir.name}: the index {index} of {e} is no whole number, input or "
                                   "index of a sum")
        offset = 1 if self.batched else 0
        dropped = 0
        for position, value in selections:
            dimension = position + offset - dropped
            code = f"pick({code}, {dimension}, {value})"
            dropped += 1
        ordered = self.canonical(axes)
        if tuple(axes) != ordered:
            code = self.ns.permute(code, tuple(axes.index(axis) for axis in ordered))
        if code == self.arrays[base]:
            return Term(code, ordered)
        return self.fresh(code, ordered)

    def label(self, e: sp.Indexed, ranges: dict) -> Term:
        """``t_ik`` of integer labels: 1 where the class ``k`` is row ``i``'s label (counted from 0)."""
        *rows, klass = e.indices
        row_axes = []
        for index in rows:
            if not (isinstance(index, sp.Symbol) and (index in ranges or self._gradient_index(index))):
                raise CodegenError(f"{self.ir.name}: labels are read row by row, not as {e}")
            row_axes.append(index)
        labels = Term(self.arrays[e.base], ((BATCH,) if self.batched else ()) + tuple(row_axes))
        if klass.is_Integer:
            return self.fresh(self.ns.real(f"{labels.code} == {int(klass) - 1}"), labels.axes)
        classes = self.term(klass, ranges)
        axes = self.canonical(labels.axes + classes.axes)
        return self.fresh(self.ns.real(f"{self.align(labels, axes)} == {self.align(classes, axes)} - 1"), axes)

    def axes_of_results(self) -> dict:
        """The indices that are axes of a function's results, with their sizes."""
        found = {}
        wrt = self.ir.wrt
        if isinstance(wrt, sp.Indexed) and wrt.base in self.ir.layout.arrays:
            found.update({index: size for index, size in zip(wrt.indices, self.ir.layout.arrays[wrt.base])
                          if isinstance(index, sp.Symbol)})
        if self.ir.samples is not None:
            found.setdefault(self.ir.samples.index, self.ir.samples.size)
        return found

    def renamed(self, e: sp.Basic) -> sp.Basic:
        """``e`` with each bound index named as a result's axis of the same size that ``e`` does not
        use: Σ_h e^{z_ih - m_i} then shares e^{z_ik - m_i} with the gradient's softmax (one array
        over its free indices, whatever the letter)."""
        used = set(e.atoms(sp.Symbol))
        renames: dict = {}
        for variable, _, upper in e.limits:
            for index, size in self.axes_of_results().items():
                if index not in used and size == upper and index not in renames.values():
                    renames[variable] = index
                    break
        if not renames:
            return e
        limits = [(renames.get(v, v), lower, upper) for v, lower, upper in e.limits]
        return e.func(e.function.xreplace(renames), *limits)

    def label_selected(self, e: sp.Basic, ranges: dict) -> Term | None:
        """Σ_k t_ik X_ik with integer labels t: X at each row's label (a gather, where the one-hot
        product would read every class), as the Numba generator reads it; ``None`` where the sum
        is not one label's weight times a term free of the labels."""
        if not isinstance(e, sp.Sum) or len(e.limits) != 1 or self.batched or not self.ir.labels:
            return None
        ((variable, _, _),) = e.limits
        factors = list(sp.Mul.make_args(e.function))
        for number, factor in enumerate(factors):
            if not (isinstance(factor, sp.Indexed) and factor.base in self.ir.labels and factor.indices[-1] == variable):
                continue
            rest = sp.Mul(*(factors[:number] + factors[number + 1:]))
            rows = tuple(factor.indices[:-1])
            if rest.has(factor.base) or variable in rows or len(rows) > 1 or \
                    not all(isinstance(row, sp.Symbol) and (row in ranges or self._gradient_index(row)) for row in rows):
                return None
            for read in rest.atoms(sp.Indexed):  # a row's label gathers along that row's own axis
                if variable in read.indices and (list(read.indices).count(variable) != 1 or
                                                 (rows and (read.indices[0] != rows[0] or read.indices[0] == variable))):
                    return None
            label = sp.Dummy("label", integer=True)
            self.labels_at[label] = (self.arrays[factor.base], rows)
            return self.term(rest.xreplace({variable: label}), ranges)
        return None

    def reduction(self, e: sp.Basic, ranges: dict) -> Term:
        e = self.renamed(e)
        selected = self.label_selected(e, ranges)
        if selected is not None:
            return selected
        inner = dict(ranges)
        for variable, lower, upper in e.limits:
            if lower != 1:
                raise CodegenError(f"{self.ir.name}: {e} starts at {lower}; sums and maxima compile from 1")
            inner[variable] = upper
        summand = self.term(e.function, inner)
        bound = [limit[0] for limit in e.limits]
        along = tuple(summand.axes.index(v) for v in bound if v in summand.axes)
        axes = tuple(axis for axis in summand.axes if axis not in bound)
        if isinstance(e, Maximum):
            return self.fresh(self.ns.reduce(self.ns.functions["amax"].split(".")[-1], summand.code, along), axes) \
                if along else summand
        code = self.ns.reduce("sum", summand.code, along) if along else summand.code
        for variable, _, upper in e.limits:
            if variable not in summand.axes:  # a term free of the index: that many times itself
                code = f"{code} * {self.size(upper)}"
        return self.fresh(code, axes)

    def piecewise(self, e: sp.Piecewise, ranges: dict) -> Term:
        pieces = list(e.args)
        value, condition = pieces.pop()
        result = self.term(value, ranges) if condition == sp.true else Term("float('nan')")
        if condition != sp.true:
            pieces.append((value, condition))
        for value, condition in reversed(pieces):
            a, c = self.term(value, ranges), self.term(condition, ranges)
            axes = self.canonical(a.axes + c.axes + result.axes)
            result = self.fresh(self.ns.where(self.align(c, axes), self.align(a, axes), self.align(result, axes)), axes)
        return result

    def condition(self, e: sp.Basic, ranges: dict) -> Term:
        if isinstance(e, sp.Not):
            inner = self.term(e.args[0], ranges)
            return self.fresh(f"~({inner.code})", inner.axes)
        if isinstance(e, (sp.And, sp.Or)):
            terms = [self.term(a, ranges) for a in e.args]
            joiner = " & " if isinstance(e, sp.And) else " | "
        else:
            terms = [self.term(e.lhs, ranges), self.term(e.rhs, ranges)]
            joiner = f" {e.rel_op} "
        axes = self.canonical(sum((t.axes for t in terms), ()))
        codes = [f"({self.align(t, axes)})" for t in terms]
        if not axes and all(_is_number(t.code) for t in terms):
            raise CodegenError(f"{self.ir.name}: the condition {e} is a constant")
        return self.fresh(joiner.join(codes), axes)


TEMPORARY = re.compile(r"\b_\d+\b")


def released(lines: list[str], returned: str) -> list[str]:
    """``lines`` with each temporary deleted after the statement that last reads it: an eager
    call then holds a few arrays of the inputs' size at a time, not one for every node."""
    last: dict[str, int] = {}
    for number, line in enumerate(lines):
        for name in TEMPORARY.findall(line.split("=", 1)[1]):
            last[name] = number
    kept = set(TEMPORARY.findall(returned))
    out = []
    for number, line in enumerate(lines):
        out.append(line)
        done = sorted((name for name, at in last.items() if at == number and name not in kept), key=lambda n: int(n[1:]))
        if done:
            out.append(f"    del {', '.join(done)}")
    return out


def gradient_axes(ir: KernelIR, batched: bool) -> tuple:
    """The axes of the gradient's array: the input's indices where it is by every component."""
    axes = tuple(ir.wrt.indices) if ir.by_every_component else ()
    return ((BATCH,) if batched else ()) + axes


def module_source(ir: KernelIR, namespace: Namespace) -> str:
    """The module of a kernel: ``loss`` and ``loss_and_grad`` (the loss as written and its derived
    gradient); for a loss over samples ``rows`` and ``rows_and_grad`` (each sample's loss ℓ_i and
    the gradient of Σ_i ℓ_i: the derived gradient divided by the loss's coefficient); for a
    one-sample loss ``batch`` and ``batch_and_grad`` (every input with a leading axis of rows:
    each row's loss and the gradient of each row's loss by that row's input)."""
    parts = [f'"""Generated by derive for {namespace.name} from the verified stable forms of {ir.name}.\n'
             'Do not edit: derive writes it again from the derivation."""', namespace.helpers, ""]
    printer = ArrayPrinter(ir, namespace)
    parts.append(printer.function("loss", [(ir.loss, ())]))
    parts.append(printer.function("loss_and_grad", [(ir.loss, ()), (ir.gradient, gradient_axes(ir, False))]))
    if ir.samples is not None:
        rows = (ir.samples.term, (ir.samples.index,))
        parts.append(printer.function("rows", [rows]))
        parts.append(printer.function("rows_and_grad", [rows, (ir.gradient / ir.samples.coefficient,
                                                                gradient_axes(ir, False))]))
    else:
        batched = ArrayPrinter(ir, namespace, batched=True)
        parts.append(batched.function("batch", [(ir.loss, (BATCH,))]))
        parts.append(batched.function("batch_and_grad", [(ir.loss, (BATCH,)), (ir.gradient, gradient_axes(ir, True))]))
    return "\n\n".join(parts)
