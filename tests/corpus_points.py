"""Random points of a compiled kernel's inputs (by its IR's layout), with the same values as SymPy
atoms, for comparing an array backend with PyTorch autograd of the loss as written."""
from __future__ import annotations

import random

import numpy as np
import sympy as sp

from derive.kernels.user_printer import identifier, parameter_identifier


def random_point(ir, rng: random.Random):
    """``(values, integers, atoms)``: inputs by name (arrays of size 3 along each size, or what a
    sum's concrete limit or a named component needs; values in (0.05, 0.95)), the sizes and free
    indices as SymPy integers, and every array component and scalar as a float."""
    layout = ir.layout
    values: dict = {}
    integers: dict = {}
    atoms: dict = {}
    extents: dict = {}
    for base, shape in layout.arrays.items():
        for size, least in zip(shape, layout.reaches.get(base, (0,) * len(shape))):
            extents[size] = int(size) if size.is_Integer else max(extents.get(size, 3), least)
    for base, shape in layout.arrays.items():
        extent = tuple(extents[size] for size in shape)
        array = np.array([rng.uniform(0.05, 0.95) for _ in range(int(np.prod(extent)))]).reshape(extent)
        values[identifier(base)] = array
        for position in np.ndindex(array.shape):
            atoms[base[tuple(sp.Integer(p + 1) for p in position)]] = float(array[position])
        for size in shape:
            if not size.is_Integer:
                integers[size] = sp.Integer(extents[size])
    for symbol in layout.scalars:
        value = rng.uniform(0.05, 0.95)
        values[parameter_identifier(symbol)] = value
        atoms[symbol] = value
    for index, size in layout.indices.items():
        value = rng.randint(1, extents.get(size, int(size) if size.is_Integer else 3))
        values[identifier(index)] = value
        integers[index] = sp.Integer(value)
    return values, integers, atoms


def autograd_reference(torch, loss, ir, integers: dict, atoms: dict):
    """PyTorch autograd of ``loss`` as written at the point: its value and its gradient entries by
    the kernel's input (every component in order, or the one named)."""
    from corpus_torch import torch_value

    leaves = {atom: torch.tensor(value, dtype=torch.float64, requires_grad=True) for atom, value in atoms.items()}
    value = torch_value(torch, loss, integers, leaves)
    wrt = ir.wrt
    if ir.by_every_component:
        shape = tuple(int(size.xreplace(integers)) for size in ir.layout.arrays[wrt.base])
        variables = [wrt.base[tuple(sp.Integer(p + 1) for p in position)] for position in np.ndindex(shape)]
    else:
        variables = [wrt.xreplace(integers)]
    gradients = torch.autograd.grad(value, [leaves[v] for v in variables], allow_unused=True)
    return value.item(), np.array([0.0 if g is None else g.item() for g in gradients])
