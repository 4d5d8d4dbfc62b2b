"""What a kernel generator is asked for: the per-sample loss and gradient, the model's output
array, the kind of targets and the parameters the kernel reads besides (:class:`Spec`); for the
built-in row kernels read from the kernel IR every backend prints (:func:`.row_spec.spec_of`)."""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp



@dataclass(frozen=True)
class Spec:
    """What to generate: the per-sample loss and the per-sample gradient (both without the 1/N),
    the model output's array (``z`` logits or ``y`` probabilities), and the kind of targets."""

    row_loss: sp.Basic
    row_grad: sp.Basic
    variable: sp.IndexedBase
    categorical: bool
    labels: bool  # integer labels (categorical only) rather than target probabilities
    # what else the kernel reads, after its fixed arguments: (IndexedBase or Symbol, "row" | "class" |
    # "scalar"): a sample's mask c_i, class weights w_k, the smoothing epsilon...
    parameters: tuple = ()
    scans_inputs: bool = True  # flag a NaN or infinity in X (the loss does; the mean's row shares need not read X)
    targets_sum_to_one: bool = False  # target probabilities the loss was derived for sum to one (one-hot labels do)

    def parameter_names(self) -> list[str]:
        return [parameter_name(item) for item, _ in self.parameters]


def parameter_name(item: sp.Basic) -> str:
    """The kernel's argument for a parameter: its name as the formula writes it (``w``, ``c``, ``epsilon``)."""
    return str(item.label if isinstance(item, sp.IndexedBase) else item)

