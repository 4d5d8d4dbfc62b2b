"""``derive check``: every kernel against the 50-digit evaluation of the derivations it was
generated from, on random inputs with extreme logits (|z| up to 1e4) and probabilities next to 0
and 1, and its gradient against central differences of the 50-digit loss."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .compiler import Kernel, load
from .reference import reference, relative_error

BUILT_IN = ("ce-softmax", "ce", "bce-sigmoid", "bce")  # the losses of the series, in logits and in probabilities
TOLERANCE = {np.float64: 1e-13, np.float32: 1e-6}


@dataclass(frozen=True)
class Row:
    kernel: str
    layout: str  # rows (one at a time) or blocks (side by side, for few classes)
    dtype: str
    targets: str
    classes: int  # 0 for binary losses
    points: int
    loss_error: float
    grad_error: float
    difference_error: float  # the kernel's gradient against central differences, per row norm
    tolerance: float

    @property
    def passed(self) -> bool:
        return max(self.loss_error, self.grad_error, self.difference_error) <= self.tolerance


def sample_inputs(kernel: Kernel, targets: str, rows: int, classes: int, rng: np.random.Generator):
    """Logits at scales 1, 30 and 1e4 (and rows with one class far ahead), or probabilities near
    0 and 1; integer labels, soft targets, or binary targets 0, 1 and in between."""
    shape = (rows, classes) if kernel.categorical else (rows,)
    if kernel.variable == "z":
        scale = rng.choice([1.0, 30.0, 1e4], size=(rows, 1) if kernel.categorical else rows)
        X = rng.normal(size=shape) * scale
        if kernel.categorical:
            X[::4, 0] += 60.0  # the first class far ahead: its probability is 1 - 1e-26
    elif kernel.categorical:
        X = rng.dirichlet(np.full(classes, 0.2), size=rows)
        X[::3] = np.clip(X[::3], 1e-300, None)
        X /= X.sum(axis=1, keepdims=True)
    else:
        X = rng.choice([1e-12, 1e-3, 0.5, 1 - 1e-3, 1 - 1e-12], size=rows) * rng.uniform(0.9, 1.0, rows)
    if kernel.categorical and targets == "labels":
        T: np.ndarray = rng.integers(0, classes, size=rows)
        if kernel.variable == "z":
            T[::8] = 0  # the labelled class far ahead: a loss of about 1e-26
    elif kernel.categorical:
        T = rng.dirichlet(np.full(classes, 0.5), size=rows)
    else:
        T = rng.choice([0.0, 1.0, 0.25, 0.999], size=rows)
    return X, T


def check_kernel(kernel: Kernel, targets: str, dtype, rows: int = 32, classes: int = 5, seed: int = 0) -> list[Row]:
    """One row of the table per layout of the kernel, all against one reference evaluation."""
    rng = np.random.default_rng(seed)
    X, T = sample_inputs(kernel, targets, rows, classes, rng)
    X = X.astype(dtype)
    if T.dtype.kind == "f":
        T = T.astype(dtype)
        if kernel.categorical:
            T = T / T.sum(axis=1, keepdims=True, dtype=np.float64).astype(dtype)
    exact = reference(kernel, X, T)  # at the very numbers the kernel sees
    floor = gradient_floor(kernel, dtype)
    norm = np.maximum(np.abs(exact.differences).reshape(rows, -1).max(axis=1), max(np.finfo(dtype).tiny, floor))
    results = []
    for layout in kernel.layouts():
        losses, gradients = kernel.loss_and_grad(X, T, reduction="none", layout=layout)
        per_row = np.abs(gradients.astype(np.float64) - exact.differences).reshape(rows, -1).max(axis=1)
        results.append(Row(kernel.name, layout, np.dtype(dtype).name, targets, classes if kernel.categorical else 0, rows,
                           relative_error(losses, exact.losses, dtype), relative_error(gradients, exact.gradients, dtype, floor),
                           float((per_row / norm).max()), TOLERANCE[np.dtype(dtype).type]))
    return results


def gradient_floor(kernel: Kernel, dtype) -> float:
    """What a gradient error is measured against, at least.  The binary logit kernels compute
    float32 inputs in float32 (as PyTorch does): their gradient sigma(z) - t cancels where sigma(z)
    is close to t, leaving an absolute error of a few float32 ulps of the terms, which are at most 1
    (|dl_i/dz_i| <= 1).  So there the error counts relative to max(|exact|, 1); everywhere else
    relative to |exact|."""
    single = np.dtype(dtype) == np.float32 and not kernel.categorical and kernel.variable == "z"
    return 1.0 if single else 0.0


WIDE = (40, 8)  # classes and rows of the second check of every categorical kernel: past a float32
# kernel's runs of 32 classes summed in float32 (codegen.CHUNK), on both sides of the label


def check_all(rows: int = 32, classes: int = 5, seed: int = 0,
              progress: Callable[[int, int, str], None] | None = None) -> list[Row]:
    """Every kernel, both dtypes, each kind of target, at ``classes`` classes and at 40.
    ``progress(done, total, what)`` is called before each check (the CLI shows it on a terminal)."""
    kernels = {name: load(name) for name in BUILT_IN}
    plan = []
    for name, kernel in kernels.items():
        kinds = ("labels", "probabilities") if kernel.categorical else ("targets",)
        sizes = [(classes, rows)] + ([WIDE] if kernel.categorical and classes < WIDE[0] else [])
        plan += [(name, targets, dtype, width, count) for targets in kinds
                 for dtype in (np.float64, np.float32) for width, count in sizes]
    results: list[Row] = []
    for done, (name, targets, dtype, width, count) in enumerate(plan):
        if progress is not None:
            progress(done, len(plan), f"{name} {np.dtype(dtype).name} {targets}")
        results += check_kernel(kernels[name], targets, dtype, count, width, seed)
    return results
