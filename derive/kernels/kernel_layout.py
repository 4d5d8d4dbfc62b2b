"""What a kernel reads, read off its loss and gradient (:class:`Layout`): each array with the size
of each of its axes (the upper limit of the sum whose index runs over it), the scalar parameters,
the free indices, and what the gradient is by.  The kernel IR (:mod:`.ir`) holds one; every backend
reads the shapes and names of its inputs from it."""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .. import conventions as c
from ..errors import CodegenError
from .class_index import is_class


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
                elif is_class(index) and shape[axis] is None:  # z_{i ℓ_i}: an axis of the classes
                    shape[axis] = c.K
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
    parameters = {a for a in loss.atoms(sp.Indexed) if a.base not in arrays and not is_class(a)}
    bound = {limit[0] for n in sp.preorder_traversal(loss) if isinstance(n, sp.Sum) for limit in n.limits}
    sizes = {s for shape in arrays.values() for s in shape}
    labels = {b.label for b in sp.Tuple(loss, gradient).atoms(sp.IndexedBase)}  # t read by the gradient alone (the loss at ℓ_i)
    scalars = {s for s in loss.free_symbols | gradient.free_symbols
               if isinstance(s, sp.Symbol) and s not in bound | sizes | labels and not s.is_integer}
    if isinstance(wrt, sp.Indexed) and wrt.base not in arrays and not all(ix.is_Integer for ix in wrt.indices):
        raise CodegenError(f"the gradient is by {wrt}, which no sum runs over")  # w_{1} alone: a parameter, a number
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
    names = {base.label for base in sp.Tuple(loss, gradient).atoms(sp.IndexedBase)}  # ℓ's name is no index
    found = {}
    for symbol in sorted(loss.free_symbols | gradient.free_symbols, key=str):
        if not (isinstance(symbol, sp.Symbol) and symbol.is_integer) or symbol in sizes | by | names:
            continue
        axis_sizes = [arrays[a.base][axis] for a in sp.Tuple(loss, gradient).atoms(sp.Indexed) if a.base in arrays
                      for axis, index in enumerate(a.indices) if index == symbol]
        if not axis_sizes:
            raise CodegenError(f"the index {symbol} indexes no array the kernel reads")
        found[symbol] = axis_sizes[0]
    return found


def gradient_loops(spec: Layout) -> dict:
    """Each free index of a gradient by every component (j of ∂/∂z_j) -> the size it runs to."""
    if not by_every_component(spec.wrt):
        return {}
    return dict(zip(spec.wrt.indices, spec.arrays[spec.wrt.base]))


def by_every_component(wrt: sp.Basic) -> bool:
    """Whether the gradient is by every component of an array (``s_j``: an array ``G`` like ``s``),
    rather than by one named component (``s_1``) or a scalar (one number)."""
    return isinstance(wrt, sp.Indexed) and not all(index.is_Integer for index in wrt.indices)
