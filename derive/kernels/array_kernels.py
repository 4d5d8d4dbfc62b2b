"""What the PyTorch and JAX kernels share: the generated module loaded from its source text, the
inputs checked by name and shape against the IR (:mod:`.ir`), the mode a call runs in (the loss
as written, a loss over samples reduced, or a batch of one-sample losses), and the reduction of
the rows with the gradient scaled to match.  A backend supplies only its array library's calls.
"""
from __future__ import annotations

import hashlib
import types
from dataclasses import dataclass

import sympy as sp

from .array_module import module_source
from .generated import load_module
from .ir import KernelIR
from .kernel_calls import check_names as check_input_names, checked_reduction
from .user_printer import identifier, parameter_identifier

WRITTEN, ROWS, BATCH = "written", "rows", "batch"  # the modes of a call


def load_source(source: str, backend: str) -> types.ModuleType:
    """The generated source as a real module in the kernel cache (:mod:`.generated`), named by
    its hash: importable by name, as ``torch.compile`` needs to trace it, and readable as a file."""
    stem = f"{backend}_" + hashlib.sha256(source.encode()).hexdigest()[:16]
    return load_module(stem, lambda: source)


def row_axis(ir: KernelIR) -> int | None:
    """The axis of the gradient's array that runs over the samples, where each sample's loss ℓ_i
    reads only its own row of the input differentiated by (then the gradient of Σ_i v_i ℓ_i is
    the derived one with row i scaled by v_i: ``reduction="none"``'s backward)."""
    samples, wrt = ir.samples, ir.wrt
    if samples is None or not ir.by_every_component:
        return None
    shape = ir.layout.arrays[wrt.base]
    axes = [axis for axis, size in enumerate(shape) if size == samples.size]
    if len(axes) != 1:
        return None
    (axis,) = axes
    reads = [a for a in samples.term.atoms(sp.Indexed) if a.base == wrt.base]
    return axis if all(a.indices[axis] == samples.index for a in reads) else None


@dataclass(frozen=True)
class Call:
    """One call's plan: the kind of target, the mode, the reduction, and the rows of a batch."""

    kind: str
    mode: str
    reduction: str | None
    rows: int | None = None  # the batch's rows (mode BATCH)


def check_names(ir: KernelIR, values: dict) -> None:
    check_input_names(ir.inputs, values)


def refuse_positional(inputs: tuple[str, ...], positional: tuple) -> None:
    if positional:
        raise TypeError(f"the kernel takes its inputs by name: {', '.join(f'{name}=...' for name in inputs)} "
                        "(and reduction=...)")


def check_reduction(reduction) -> None:
    checked_reduction(reduction, written=True)


def expected_axes(ir: KernelIR, base: sp.IndexedBase) -> int:
    """How many axes an array input has (labels: one fewer than the targets they stand for)."""
    return len(ir.layout.arrays[base]) - (1 if base in ir.labels else 0)


def choose_mode(ir: KernelIR, kind: str, shapes: dict, scalar_shapes: dict, reduction) -> Call:
    """The mode from the inputs' shapes (``shapes``: array name -> shape; ``scalar_shapes``: scalar
    and index name -> shape): a one-sample loss given every array with one more leading axis (a
    scalar as a 1-d array) is a batch of rows."""
    check_reduction(reduction)
    extra = {name: len(shape) - expected_axes(ir, base) for base in ir.arrays
             for name, shape in [(identifier(base), shapes[identifier(base)])]}
    batched_scalars = {name for name, shape in scalar_shapes.items() if len(shape) == 1}
    for name, shape in scalar_shapes.items():
        if len(shape) > 1:
            raise ValueError(f"{name} must be a number (or, for a batch of rows, a 1-d array of one per row); "
                             f"got shape {tuple(shape)}")
    if ir.samples is None and ((extra and all(e == 1 for e in extra.values()))
                               or (not extra and batched_scalars)):
        lengths = {shapes[name][0] for name in extra} | {scalar_shapes[name][0] for name in batched_scalars}
        if len(lengths) != 1:
            raise ValueError(f"a batch needs one number of rows along every input's first axis; got {sorted(lengths)}")
        return Call(kind, BATCH, "mean" if reduction is None else reduction, lengths.pop())
    for base in ir.arrays:
        name = identifier(base)
        if extra[name] != 0:
            axes = expected_axes(ir, base)
            raise ValueError(f"{name} must have {axes} axes ({', '.join(map(str, ir.layout.arrays[base][:axes]))})"
                             + ("" if ir.samples is not None else ", or one more in front for a batch of rows with "
                                "every array batched") + f"; got shape {tuple(shapes[name])}")
    if batched_scalars:
        raise ValueError(f"{sorted(batched_scalars)[0]} is an array of rows, but the arrays carry no axis of rows")
    if ir.samples is None:
        if reduction is not None:
            raise ValueError(f"reduction={reduction!r} needs samples: this loss is one sample (no sum over i = 1..N); "
                             "give every input a leading axis of rows for a batch, or leave reduction None")
        return Call(kind, WRITTEN, None)
    return Call(kind, WRITTEN if reduction is None else ROWS, reduction)


def check_sizes(ir: KernelIR, shapes: dict, batched: bool) -> dict:
    """Every size symbol one length across the inputs, concrete sizes as the loss's sums run, named
    components present; the sizes found (symbol -> length)."""
    sizes: dict = {}
    offset = 1 if batched else 0
    for base in ir.arrays:
        name, shape = identifier(base), tuple(shapes[identifier(base)])[offset:]
        for axis, length in enumerate(shape):
            size = ir.layout.arrays[base][axis]
            if getattr(size, "is_Integer", False) and int(size) != length:
                raise ValueError(f"{name} must have {int(size)} entries along axis {axis + offset} (the loss's sums run "
                                 f"to {int(size)}); got shape {tuple(shapes[name])}")
            least = ir.layout.reaches.get(base, (0,) * len(shape))[axis]
            if length < max(least, 1):
                raise ValueError(f"{name} must have at least {max(least, 1)} entries along axis {axis + offset}; "
                                 f"got shape {tuple(shapes[name])}")
            if sizes.setdefault(size, length) != length:
                raise ValueError(f"{name} has {length} along {size}, another input has {sizes[size]}")
    return sizes


def index_extent(ir: KernelIR, index: sp.Basic, sizes: dict) -> int:
    size = ir.layout.indices[index]
    return int(size) if getattr(size, "is_Integer", False) else int(sizes.get(size, 0))


def scalar_names(ir: KernelIR) -> list[str]:
    return [parameter_identifier(s) for s in ir.layout.scalars] + [identifier(i) for i in ir.layout.indices]


def no_derivative(ir: KernelIR, name: str) -> str:
    """Why the backward refuses a gradient for the input ``name``."""
    if name == ir.by:
        return (f"{name}: the gradient was derived by {ir.wrt} only, not by every component of {name}; derive it by "
                f"{name} with a letter for each index to differentiate by the whole array")
    return (f"{name} requires grad, but the loss was derived by {ir.wrt} only: there is no derived derivative by "
            f"{name} (derive.gradient(..., '{name}...') derives one); detach {name} or derive by it")


def scalar_order(ir: KernelIR) -> list[str]:
    """The scalars' and free indices' names, in the order the generated functions take them."""
    return [parameter_identifier(s) for s in ir.layout.scalars] + [identifier(i) for i in ir.layout.indices]


def shared_scalars(ir: KernelIR, values: dict) -> set[str]:
    """The scalars given as one number for every row of a batch (not a 1-d array of rows)."""
    return {name for name in scalar_order(ir) if len(getattr(values[name], "shape", ())) != 1}


def differentiable(ir: KernelIR) -> bool:
    """Whether the derived gradient is a whole input's (every component of an array, or a scalar),
    not one named component's (``z_{2}``)."""
    return ir.by_every_component or (ir.by is not None and ir.by in scalar_order(ir))


def forward(module, call: Call, tensors, with_gradient: bool):
    """The loss of ``call`` and (``with_gradient``) the gradient of that very loss by the derived
    input (for ``"none"``: of the sum of the rows)."""
    return reduced(module, call.mode, call.reduction, call.rows, tensors, with_gradient)


def reduced(module, mode: str, reduction: str | None, batch_rows: int | None, tensors, with_gradient: bool):
    """:func:`forward` with the call's fields as plain values (what ``torch.compile`` traces)."""
    if mode == WRITTEN:
        if with_gradient:
            return module.loss_and_grad(*tensors)
        return module.loss(*tensors)[0], None
    if mode == ROWS:
        rows, gradient = module.rows_and_grad(*tensors) if with_gradient else (module.rows(*tensors)[0], None)
        count = rows.shape[0]
    else:
        rows, gradient = module.batch_and_grad(*tensors) if with_gradient else (module.batch(*tensors)[0], None)
        count = batch_rows
    if reduction == "none":
        return rows, gradient
    if reduction == "sum":
        return rows.sum(), gradient
    return rows.sum() / count, (None if gradient is None else gradient / count)




def weights_of(incoming, gradient, mode: str, reduction: str | None, rows_axis: int | None, by: str | None):
    """The incoming gradient shaped to scale the derived one: a number, or for ``"none"`` one
    weight per row along the gradient's axis of rows."""
    if reduction != "none" or incoming.ndim != 1:
        return incoming
    if mode == BATCH:
        return incoming.reshape((-1,) + (1,) * (gradient.ndim - 1))
    if rows_axis is None:
        raise ValueError(f"reduction='none': the derived gradient by {by} is that of the sum of the rows' losses, and "
                         "the rows do not each read their own row of it: backpropagate through a sum or a mean")
    shape = [1] * gradient.ndim
    shape[rows_axis] = -1
    return incoming.reshape(tuple(shape))


class ArrayKernel:
    """What a kernel of an array library (PyTorch, JAX) holds: for each kind of target its IR, the
    source printed from it in the library's ``namespace`` and the module loaded from that source;
    the inputs by name and the input the gradient is by."""

    backend = ""  # the library's name: "torch", "jax"

    def __init__(self, name: str, irs: dict[str, KernelIR], namespace):
        self.name = name
        self.irs = irs
        first = next(iter(irs.values()))
        self.inputs = first.inputs
        self.by = first.by
        self.sources = {kind: module_source(ir, namespace) for kind, ir in irs.items()}
        self.source = "\n\n".join(self.sources.values())
        self._modules = {kind: load_source(source, self.backend) for kind, source in self.sources.items()}

    def __repr__(self) -> str:
        return f"<derive {self.backend} kernel {self.name}: inputs {', '.join(self.inputs)}>"

    def grad(self, *positional, reduction=None, **values):
        refuse_positional(self.inputs, positional)
        return self.loss_and_grad(reduction=reduction, **values)[1]

    def loss_and_grad(self, *positional, reduction=None, **values):
        raise NotImplementedError

    def _by_shared_scalar(self, call, values: dict, gradient):
        """The gradient by a plain number every row of a batch shares: the rows' derivatives summed."""
        ir = self.irs[call.kind]
        return gradient.sum(0) if call.mode == BATCH and ir.by in shared_scalars(ir, values) else gradient
