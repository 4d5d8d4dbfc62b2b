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


def weighted_specs_of(ir: KernelIR) -> tuple[Spec, Spec]:
    """The options kernels' view of ``ir`` (:mod:`.torch_options`): the loss read as
    ``Σ_i ℓ_i / Σ_i ω_i`` (:func:`.codegen.mean_and_rows`: ω_i each sample's share of the mean's
    denominator, ``c_i w_{ℓ_i}`` for PyTorch's weighted mean, 1 for a mean over N, K for a mean
    over every label of every sample), the gradient that of ``Σ_i ℓ_i``, and what else the kernels
    read (the weights, the mask, ε) from the IR's layout.  Returns the spec of ℓ_i and its gradient
    and the spec of ω_i.  A sample's labels are a row (``categorical``) whatever the model: the
    binary options kernels take the labels of one sample along a row too."""
    from .codegen import mean_and_rows, per_sample_gradient

    if not (isinstance(ir.wrt, sp.Indexed) and ir.wrt.base in ir.layout.arrays):
        raise CodegenError(f"{ir.name}: a row kernel's gradient is by the model's output array, not {ir.wrt}")
    row_loss, row_weight, total = mean_and_rows(ir.loss)
    row_grad = per_sample_gradient(ir.gradient, total)
    parameters = parameters_of(ir)
    spec = Spec(row_loss, row_grad, ir.wrt.base, True, bool(ir.labels), parameters, targets_sum_to_one=ir.targets_sum_to_one)
    return spec, Spec(row_weight, sp.S.Zero, ir.wrt.base, True, bool(ir.labels), parameters, scans_inputs=False)


def parameters_of(ir: KernelIR) -> tuple:
    """What the kernel reads besides the model's output and the targets, sorted by name, each with
    its kind (:attr:`.spec.Spec.parameters`): an array along the samples (``c_i``) a row's, one with
    two axes (``w_ik``) an entry's, any other (``w_k``, ``rho_k``) a class's; a scalar (``epsilon``)."""
    skip = {ir.wrt.base.label.name if isinstance(ir.wrt, sp.Indexed) else str(ir.wrt), c.t.label.name, c.ell.label.name}
    found = {str(base.label): (base, "row" if shape == (c.N,) else "element" if len(shape) == 2 else "class")
             for base, shape in ir.layout.arrays.items() if base.label.name not in skip}
    found.update({str(symbol): (symbol, "scalar") for symbol in ir.layout.scalars if isinstance(symbol, sp.Symbol)})
    return tuple(found[name] for name in sorted(found))
