"""``torch.nn``-style losses that run derive's kernels: drop-in for torch.nn's own.

    criterion = derive.torch.CrossEntropyLoss(weight=w, ignore_index=-100, label_smoothing=0.1)
    criterion(logits, labels).backward()

Each takes the arguments of the torch.nn module of its name, in the same order, registers
``weight`` and ``pos_weight`` as buffers as torch does (so ``state_dict()``, ``.to(dtype)`` and
``.double()`` treat them alike), maps the legacy ``size_average`` and ``reduce`` to a reduction as
torch does (with its warning), and calls :func:`derive.torch_function.function` of a built-in
kernel: ``ce-softmax`` (logits), ``bce-sigmoid`` (logits), ``bce`` (probabilities), ``nll``
(log-probabilities).  The kernel is loaded on the first forward pass, once per process.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable

import torch as _torch

from .kernels import load
from .torch_function import function

REDUCTIONS = ("mean", "sum", "none")


@functools.cache
def _loss_function(kernel: str) -> Callable[..., Any]:
    return function(load(kernel))


def reduction_of(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """The reduction a torch.nn loss uses: ``reduction``, or, where either legacy argument is
    given, what torch maps them to (both default to True; reduce=False: none; size_average=False:
    sum), with torch's warning that they are deprecated."""
    for name, value in (("size_average", size_average), ("reduce", reduce)):
        if value is not None and not isinstance(value, bool):
            raise TypeError(f"{name} must be True, False or None, got {value!r}")
    if size_average is not None or reduce is not None:
        reduce_, average = reduce is not False, size_average is not False
        reduction = ("mean" if average else "sum") if reduce_ else "none"
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
                      stacklevel=3)
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")
    return reduction


def _tensor_or_none(value: Any, name: str) -> Any:
    if value is not None and not isinstance(value, _torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor or None, got {type(value).__name__}")
    return value


class _DerivedLoss(_torch.nn.Module):
    """A loss module: ``forward(input, target)`` calls the kernel ``KERNEL`` with the options
    ``options()`` gives (only those set: a default is the kernel's default)."""

    KERNEL = ""

    def __init__(self, size_average: bool | None, reduce: bool | None, reduction: str) -> None:
        super().__init__()
        self.reduction = reduction_of(size_average, reduce, reduction)

    def options(self) -> dict:
        return {"reduction": self.reduction}

    def forward(self, input: _torch.Tensor, target: _torch.Tensor) -> _torch.Tensor:  # noqa: A002
        return _loss_function(self.KERNEL)(input, target, **self.options())

    def extra_repr(self) -> str:
        return f"kernel={self.KERNEL!r}, reduction={self.reduction!r}"


class _WeightedDerivedLoss(_DerivedLoss):
    """A loss with a ``weight`` buffer, as torch.nn's weighted losses."""

    weight: _torch.Tensor | None

    def __init__(self, weight: _torch.Tensor | None, size_average: bool | None, reduce: bool | None,
                 reduction: str) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _tensor_or_none(weight, "weight"))

    def options(self) -> dict:
        return {**super().options(), **({"weight": self.weight} if self.weight is not None else {})}


class CrossEntropyLoss(_WeightedDerivedLoss):
    """``torch.nn.CrossEntropyLoss`` by the derived kernel of cross-entropy of logits (``ce-softmax``)."""

    KERNEL = "ce-softmax"

    def __init__(self, weight: _torch.Tensor | None = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def options(self) -> dict:
        return {**super().options(), "ignore_index": self.ignore_index, "label_smoothing": self.label_smoothing}


class NLLLoss(_WeightedDerivedLoss):
    """``torch.nn.NLLLoss`` by the derived kernel of the negative log-likelihood of log-probabilities (``nll``)."""

    KERNEL = "nll"

    def __init__(self, weight: _torch.Tensor | None = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def options(self) -> dict:
        return {**super().options(), "ignore_index": self.ignore_index}


class BCELoss(_WeightedDerivedLoss):
    """``torch.nn.BCELoss`` by the derived kernel of binary cross-entropy of probabilities (``bce``)."""

    KERNEL = "bce"

    def __init__(self, weight: _torch.Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)


class BCEWithLogitsLoss(_WeightedDerivedLoss):
    """``torch.nn.BCEWithLogitsLoss`` by the derived kernel of binary cross-entropy of logits (``bce-sigmoid``)."""

    KERNEL = "bce-sigmoid"
    pos_weight: _torch.Tensor | None

    def __init__(self, weight: _torch.Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean", pos_weight: _torch.Tensor | None = None) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", _tensor_or_none(pos_weight, "pos_weight"))

    def options(self) -> dict:
        return {**super().options(), **({"pos_weight": self.pos_weight} if self.pos_weight is not None else {})}
