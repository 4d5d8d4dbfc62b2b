"""What a kernel's call does around its compiled function, written once for every kernel that
takes ``reduction=``: the built-in row kernels (:class:`.compiler.Kernel`), PyTorch's options
kernels (:mod:`.torch_options`), a user's kernels (:class:`.user_kernels.UserKernel`) and the
torch and JAX kernels (:mod:`.array_kernels`).  Each used to write out its own: the reduction's
check (with four wordings), the inputs' names checked (twice), the rows' losses reduced (three ways
of summing), the gradient's scale and PyTorch's unbatched input computed as a batch of one.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .generated import REDUCTIONS as ROW_REDUCTIONS

WRITTEN_REDUCTIONS = (None, *ROW_REDUCTIONS)  # a user's and the array kernels': None is the loss as written


def checked_reduction(reduction, written: bool = False):
    """``reduction`` where it is one the kernel takes (``written``: ``None`` too, the loss as the
    formula writes it), else a ValueError naming what was given."""
    if written:
        if reduction not in WRITTEN_REDUCTIONS:
            raise ValueError(f"reduction must be None, 'mean', 'sum' or 'none', got {reduction!r}")
    elif reduction not in ROW_REDUCTIONS:
        raise ValueError(f"reduction must be one of {', '.join(ROW_REDUCTIONS)}, got {reduction!r}")
    return reduction


def check_names(inputs: tuple[str, ...], values: dict) -> None:
    """A kernel that takes its inputs by name (a user's, the torch and JAX kernels): every one of
    ``inputs`` given, and nothing else, or a ValueError listing what it takes, what is unknown and
    what is missing."""
    unknown = set(values) - set(inputs)
    missing = [name for name in inputs if name not in values]
    if unknown or missing:
        raise ValueError(f"the kernel takes {', '.join(inputs)}"
                         + (f"; unknown: {', '.join(sorted(unknown))}" if unknown else "")
                         + (f"; missing: {', '.join(missing)}" if missing else ""))


def gradient_scale(dtype: np.dtype, total, reduction: str):
    """The factor the row kernels multiply each gradient entry by: 1/total for a mean, else 1, in
    the inputs' floating type (a float32 kernel computes in float32)."""
    return dtype.type(1.0 / total if reduction == "mean" else 1.0)


def reduced(rows: np.ndarray, total, reduction: str):
    """The loss of ``reduction`` from the rows' losses: the rows themselves for ``"none"``, else
    their sum (accumulated in float64, whatever the rows' type) or that sum over ``total`` (the
    mean's denominator: the rows' number, or PyTorch's total weight), in the rows' type."""
    if reduction == "none":
        return rows
    summed = rows.sum(dtype=np.float64)
    return rows.dtype.type(summed / total if reduction == "mean" else summed)


def as_batch_of_one(run: Callable, one: tuple, shape: tuple, reduction: str, out):
    """PyTorch's unbatched input (one sample: logits (C,) with a label ()): ``run(X1, T1, out1)``
    computes ``one`` (the input with a leading axis of one row), and the loss and gradient come
    back in the input's own ``shape``."""
    out1 = out[None] if isinstance(out, np.ndarray) and out.shape == shape else out
    loss, G = run(*one, out1)
    return (loss.reshape(()) if reduction == "none" else loss), (None if G is None else G.reshape(shape))
