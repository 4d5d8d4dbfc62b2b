"""What a framework bridge (:mod:`derive.torch_function`, :mod:`derive.jax`) asks of a kernel, on
NumPy arrays: the loss, and the derivative by each input named, the kernel's own where it has it,
else derived by the engine (:mod:`derive.input_derivatives`).  The frameworks only convert their
arrays and scale a derivative by the incoming cotangent (:func:`per_row`)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .input_derivatives import derivative_kernel, second_derivative_kernel
from .steps import Derivation


class BuiltInCall:
    """A built-in kernel's call: ``input`` (the logits or probabilities it is derived by) and
    ``target``, PyTorch's options by keyword.  The derivative by the target is the engine's
    (derived for the mean, scaled as the reduction scales the loss)."""

    names = ("input", "target")

    def __init__(self, kernel: Any, options: dict):
        self.kernel, self.options = kernel, options
        self.reduction = options.get("reduction", "mean")

    def run(self, arrays: tuple, wanted: tuple) -> tuple[Any, list]:
        """The loss, and the derivative by each input named in ``wanted``."""
        X, T = arrays
        gradients = []
        if "input" in wanted:
            loss, gradient = self.kernel.loss_and_grad(X, T, **self.options)
            gradients.append(gradient)
        else:
            loss = self.kernel.loss(X, T, **self.options)
        if "target" in wanted:
            gradients.append(self._by_target(X, T))
        return loss, gradients

    def _by_target(self, X: np.ndarray, T: np.ndarray) -> np.ndarray:
        beyond = sorted(set(self.options) - {"reduction"})
        if beyond or T.dtype.kind != "f":
            why = f"with PyTorch's option {beyond[0]}" if beyond else "for integer labels"
            raise ValueError(f"target requires grad, but the derivative by the target is derived for probability "
                             f"targets without options, not {why}: pass target.detach()")
        by_target = derivative_kernel(self.kernel, "target")
        gradient = np.asarray(by_target.grad(**{self.kernel.variable: X, "t": T}))
        rows = X.shape[0] if X.ndim else 1
        return gradient * (1 if self.reduction == "mean" else rows)

    def second(self, arrays: tuple, first: str, then: str, direction: np.ndarray) -> Any:
        """The Hessian of the loss by ``first`` and ``then`` applied to ``direction`` (the Hessian of
        the sum of the rows' losses for ``reduction="none"``: each row's block)."""
        beyond = sorted(set(self.options) - {"reduction"})
        if beyond:
            raise ValueError(f"the second derivative of {self.kernel.name} is derived without PyTorch's options, "
                             f"not with {beyond[0]}")
        kernel, v = second_derivative_kernel(self.kernel, first, then)
        X, T = arrays
        if T.dtype.kind in "iu":  # labels: the derivation's targets are one-hot rows
            if T.size and not (0 <= T.min() and T.max() < X.shape[1]):
                raise ValueError(f"labels must be in 0..{X.shape[1] - 1} for a second derivative; got {T.min()}..{T.max()}")
            T = np.eye(X.shape[1])[T]
        rows = X.shape[0] if X.ndim else 1
        gradient = np.asarray(kernel.grad(**{self.kernel.variable: X, "t": T, v: direction}))
        return gradient * (1 if self.reduction == "mean" else rows)

    def loss_shape(self, shape: tuple) -> tuple:
        """The shape of the loss of input of ``shape``: one number, or a row's loss per row
        (the class axis 1 of a categorical loss's (N, C, d₁, …) dropped)."""
        if self.reduction != "none":
            return ()
        return shape[:1] + shape[2:] if self.kernel.categorical else shape

    def cotangent_shape(self, cotangent_shape: tuple, gradient_ndim: int) -> tuple:
        """The incoming cotangent's shape, with the class axis put back where a row's loss has none
        (row i's loss depends on row i alone)."""
        if self.reduction == "none" and len(cotangent_shape) < gradient_ndim:
            return cotangent_shape[:1] + (1,) + cotangent_shape[1:]
        return cotangent_shape


class UserCall:
    """A user kernel's call (:class:`derive.kernels.user_kernels.UserKernel`): its inputs by name,
    arrays and numbers, and its ``reduction`` (None: the loss as written); the loss is one number,
    or with ``reduction="none"`` each row's, whose derivatives the bridge does not hold (the
    kernels give that of their sum)."""

    def __init__(self, kernel: Any, names: tuple, derivation: Derivation | None = None, reduction: str | None = None):
        self.kernel, self.names, self.derivation, self.reduction = kernel, names, derivation, reduction
        self.by_reduction = {} if reduction is None else {"reduction": reduction}
        by = kernel.derivative_by
        # the kernel's own derivative serves where it is by every component of an input (or a scalar)
        self.own: str | None = by[0] if by and by[1] is None else None

    def run(self, values: tuple, wanted: tuple) -> tuple[Any, list]:
        # an array of no axes is a number to the kernel (a scalar input, w or μ)
        inputs = {name: value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value
                  for name, value in zip(self.names, values)}
        if wanted and self.reduction == "none":
            raise ValueError(f"{wanted[0]} requires grad, but with reduction='none' the bridge holds the derivative of "
                             f"the rows' losses summed, not of each: ask for reduction='sum' or 'mean'")
        if self.own in wanted:
            loss, own = self.kernel.loss_and_grad(**inputs, **self.by_reduction)
        else:
            loss, own = self.kernel.loss(**inputs, **self.by_reduction), None
        gradients = []
        for name in wanted:  # the kernels by other inputs are of the same loss: the same reduction
            if name == self.own:
                gradients.append(np.asarray(own))
                continue
            other = derivative_kernel(self.kernel, name, self.derivation)
            gradients.append(np.asarray(other.grad(**{n: v for n, v in inputs.items() if n in other.inputs},
                                                   **self.by_reduction)))
        return loss, gradients

    def second(self, values: tuple, first: str, then: str, direction: np.ndarray) -> Any:
        """The Hessian of the loss by ``first`` and ``then`` applied to ``direction`` (an array like
        ``first``): a derivative like ``then``, zeros where the derivative by ``first`` does not
        contain ``then``."""
        if self.reduction is not None:
            raise ValueError(f"the second derivative by {first} then {then} is derived for the loss as written, not "
                             f"with reduction={self.reduction!r}")
        kernel, v = second_derivative_kernel(self.kernel, first, then, self.derivation)
        if kernel is None:
            return np.zeros(np.shape(values[self.names.index(then)]))
        inputs = {name: value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value
                  for name, value in zip(self.names, values)}
        inputs[v] = direction.item() if direction.ndim == 0 else direction
        return np.asarray(kernel.grad(**{n: x for n, x in inputs.items() if n in kernel.inputs}))

    def loss_shape(self, shape: tuple) -> tuple:
        if self.reduction == "none":
            raise ValueError("derive.jax takes a user kernel's reduction='sum' or 'mean' (its loss one number), "
                             "not 'none'")
        return ()

    def cotangent_shape(self, cotangent_shape: tuple, gradient_ndim: int) -> tuple:
        return cotangent_shape


def compiled(kernel) -> tuple[Any, Derivation | None]:
    """``(kernel, derivation)`` for what a bridge's ``function`` is given: a derive kernel, or a
    :class:`~derive.steps.Derivation` compiled here (its derivation kept, so a derivative by another
    input is derived from the loss as written); anything else is a ``TypeError``."""
    derivation = kernel if isinstance(kernel, Derivation) else None
    if derivation is not None:
        kernel = derivation.compile()
    if not (hasattr(kernel, "loss_and_grad") and hasattr(kernel, "loss")):
        raise TypeError(f"function() takes a derive kernel (derive.kernels.load(...) or Derivation.compile()), "
                        f"got {type(kernel).__name__}")
    return kernel, derivation
