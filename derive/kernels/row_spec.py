"""The built-in row kernels' :class:`.spec.Spec`, read from the kernel IR (:mod:`.ir`) that the
torch, JAX and Numba user backends print too: the row generators (:mod:`.codegen`,
:mod:`.blocked`) print the same object, through the view they were tuned on."""
from __future__ import annotations

import sympy as sp

from .. import conventions as c
from ..errors import CodegenError
from .ir import KernelIR
from .spec import Spec


def spec_of(ir: KernelIR) -> Spec:
    """The row generators' view of ``ir`` (:mod:`.codegen`, :mod:`.blocked`): ℓ_i is the IR's
    per-sample term with its index named ``i`` (as the generators' loops read it), the gradient is
    the IR's without the 1/N in front (that of Σ_i ℓ_i), the model's output is the array the
    gradient is by.  Nothing is derived or rewritten here: the IR holds it all."""
    samples = ir.samples
    if samples is None or samples.coefficient != 1 / samples.size:
        raise CodegenError(f"{ir.name}: expected a mean over the samples, (1/N) Σ_i ℓ_i; got {ir.loss}")
    row_gradient = ir.gradient / samples.coefficient
    if row_gradient.has(samples.size):
        raise CodegenError(f"{ir.name}: the gradient depends on {samples.size} other than through dividing by it")
    if not (isinstance(ir.wrt, sp.Indexed) and ir.wrt.base in ir.layout.arrays):
        raise CodegenError(f"{ir.name}: a row kernel's gradient is by the model's output array, not {ir.wrt}")
    return Spec(samples.term.xreplace({samples.index: c.i}), row_gradient, ir.wrt.base, ir.categorical,
                bool(ir.labels), targets_sum_to_one=ir.targets_sum_to_one)
