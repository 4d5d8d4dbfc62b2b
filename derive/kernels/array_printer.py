"""A vectorising printer (the module it writes: :mod:`.array_module`; the libraries' spellings: :mod:`.array_namespaces`): SymPy index notation (``Indexed``, ``Sum``, ``Maximum``, ``KroneckerDelta``,
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

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from ..errors import CodegenError
from ..functions import PLAIN_FORMS, Maximum, sigmoid, softmax, xlog1py, xlogy
from .array_labels import label_selected, label_term, renamed
from .class_index import at_label, is_class
from .array_namespaces import BATCH, Namespace, Term, is_number, tensor_if_number
from .ir import KernelIR
from .user_printer import identifier, parameter_identifier, shifted_softmax


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
        if present == tuple(axes) and not is_number(code):
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
            codes = [tensor_if_number(code) if number == 1 else code for number, code in enumerate(codes)]
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
        if e in ranges or self.gradient_index(e):
            size = self.size(ranges[e]) if e in ranges else self.size_of(e)  # a bound index's own range first
            return self.fresh(f"{self.ns.arange(size)} + 1", (e,))
        if e in self.sizes:
            return Term(self.sizes[e])
        raise CodegenError(f"{self.ir.name}: {e} is no input, size or index of the kernel")

    def gradient_index(self, e: sp.Basic) -> bool:
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
            return label_term(self, e, ranges)
        klass = next((index for index in e.indices if is_class(index)), None)
        if klass is not None and len(self.ir.labels) == 1:  # z_{i ℓ_i}: read through the labels' one-hot rows
            return self.term(at_label(e, klass, next(iter(self.ir.labels))), ranges)
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
            elif isinstance(index, sp.Symbol) and (index in ranges or self.gradient_index(index)):
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

    def reduction(self, e: sp.Basic, ranges: dict) -> Term:
        e = renamed(self, e)
        selected = label_selected(self, e, ranges)
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
        if not axes and all(is_number(t.code) for t in terms):
            raise CodegenError(f"{self.ir.name}: the condition {e} is a constant")
        return self.fresh(joiner.join(codes), axes)
