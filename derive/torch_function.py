"""A derived kernel as a ``torch.autograd.Function`` (:mod:`derive.torch` is where a user finds it).

    import derive.torch
    from derive.kernels import load

    cross_entropy = derive.torch.function(load("ce-softmax"))
    loss = cross_entropy(logits, labels, reduction="mean")   # like F.cross_entropy
    loss.backward()                                           # the derived gradient

    bce = derive.torch.function(derive.gradient(latex, "z_{j}").compile())
    bce(z=z, t=t, w=2.0).backward()                          # a user's kernel: its inputs by name

The forward pass runs the kernel on the tensors' memory (CPU tensors; a contiguous tensor is read
in place, no copy) and computes, in the same pass, the derivative by every input that requires
grad; the backward pass only scales them by the incoming gradient.  The derivative by the input a
kernel was derived by is the kernel's own; by any other (the targets, a user's weight) it is
derived by the engine and compiled when first asked for (:mod:`derive.input_derivatives`), never
taken from autograd.  A second derivative (``create_graph=True``, then differentiating again) is
refused with an error saying so, never a silent zero.  Options are passed through to the kernel
with PyTorch's keywords.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable

import torch as _torch

from .bridge_calls import BuiltInCall, UserCall
from .steps import Derivation


def _on_cpu(tensor: Any, what: str) -> None:
    if tensor.device.type != "cpu":
        raise ValueError(f"{what} is on {tensor.device}; derive's kernels run on the CPU: move it with .cpu()")


def as_array(tensor: Any, what: str):
    """The tensor's memory as a NumPy array (no copy for a contiguous CPU tensor)."""
    if not isinstance(tensor, _torch.Tensor):
        raise TypeError(f"{what} must be a torch.Tensor, got {type(tensor).__name__}")
    _on_cpu(tensor, what)
    return tensor.detach().numpy()


def _as_value(value: Any, what: str):
    """A user kernel's input: a tensor's memory (a number for a tensor of no axes), or a number."""
    if isinstance(value, _torch.Tensor):
        _on_cpu(value, what)
        return value.detach().item() if value.dim() == 0 else value.detach().numpy()
    if isinstance(value, numbers.Real) and not isinstance(value, bool):  # NumPy's numbers too
        return value
    raise TypeError(f"{what} must be a torch.Tensor or a number, got {type(value).__name__}")


def _like(gradient: Any, value: Any):
    """A derivative (an array, or a number for a scalar input) as a tensor like ``value`` (the
    kernel's own array, no copy, where it is of ``value``'s dtype already)."""
    return _torch.as_tensor(gradient).reshape(value.shape).to(value.dtype)


class _Call:
    """A kernel's call on tensors: :mod:`derive.bridge_calls` on their memory, the derivatives
    made tensors like the inputs they are by."""

    def __init__(self, call: BuiltInCall | UserCall, as_input: Callable[[Any, str], Any]):
        self.call, self.names, self.kernel, self._as_input = call, call.names, call.kernel, as_input

    def run(self, values: tuple, wanted: tuple) -> tuple:
        arrays = tuple(self._as_input(value, name) for value, name in zip(values, self.names))
        loss, gradients = self.call.run(arrays, wanted)
        return loss, [_like(gradient, values[self.names.index(name)]) for name, gradient in zip(wanted, gradients)]

    def dtype(self, values: tuple):
        if isinstance(self.call, BuiltInCall):
            return values[0].dtype
        floating = [v.dtype for v in values if isinstance(v, _torch.Tensor) and v.is_floating_point()]
        dtype = floating[0] if floating else _torch.get_default_dtype()
        for other in floating[1:]:
            dtype = _torch.promote_types(dtype, other)
        return dtype

    def scaled(self, name: str, gradient, grad_output):
        return gradient * grad_output.reshape(self.call.cotangent_shape(tuple(grad_output.shape), gradient.dim()))


class _KernelFunction(_torch.autograd.Function):
    """``forward(call, wanted, *values)``: the loss, and the derivatives by the inputs named in
    ``wanted``; ``backward``: those derivatives times the incoming gradient."""

    @staticmethod
    def forward(ctx, call, wanted, *values):
        loss, gradients = call.run(values, wanted)
        ctx.call, ctx.wanted = call, wanted
        ctx.inputs = tuple(value for value in values if isinstance(value, _torch.Tensor) and value.requires_grad)
        ctx.save_for_backward(*gradients)
        return _torch.as_tensor(loss, dtype=call.dtype(values))

    @staticmethod
    def backward(ctx, grad_output):
        call = ctx.call
        gradients: list = [None] * (2 + len(call.names))
        for name, gradient in zip(ctx.wanted, ctx.saved_tensors):
            position = 2 + call.names.index(name)
            if ctx.needs_input_grad[position]:
                gradients[position] = call.scaled(name, gradient, grad_output)
        if _torch.is_grad_enabled():  # create_graph=True: a derivative of these would be taken next
            # (the inputs go in too, so that a derivative by them reaches this function and its error)
            gradients = list(_NoSecondDerivative.apply(call, ctx.wanted, len(gradients), *gradients, *ctx.inputs))
        return tuple(gradients)


class _NoSecondDerivative(_torch.autograd.Function):
    """The first derivatives as they are; differentiated again, an error that says so (the kernel's
    derivative is a number, not a graph: autograd would silently take its derivative as zero)."""

    @staticmethod
    def forward(ctx, call, wanted, count, *gradients_and_inputs):
        ctx.call, ctx.wanted = call, wanted
        return tuple(g.clone() if isinstance(g, _torch.Tensor) else g for g in gradients_and_inputs[:count])

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise ValueError(f"a second derivative of {ctx.call.kernel!r} by {', '.join(ctx.wanted)} is not derived: "
                         f"the bridge holds first derivatives only (compute the gradient without create_graph=True)")


def _requires_grad(value: Any) -> bool:
    """Whether autograd will ask for a derivative by ``value`` (never under ``torch.no_grad()``,
    though a ``Function``'s ``needs_input_grad`` says so there too)."""
    return isinstance(value, _torch.Tensor) and value.requires_grad and _torch.is_grad_enabled()


def _apply(call, values: tuple):
    """The loss of ``values``, with the derivative by each input that requires grad."""
    wanted = tuple(name for name, value in zip(call.names, values) if _requires_grad(value))
    return _KernelFunction.apply(call, wanted, *values)


def _options_as_arrays(options: dict) -> dict:
    """An option given as a tensor (``weight=torch.tensor(...)``) is read as an array, like the
    inputs; no kernel holds a derivative by an option, so one that requires grad is an error."""
    for name, value in options.items():
        if _requires_grad(value):
            raise ValueError(f"{name} requires grad, but the derivation has no derivative by {name} (a built-in "
                             f"kernel's are by input and target): pass {name}.detach()")
    return {name: as_array(value, name) if isinstance(value, _torch.Tensor) else value
            for name, value in options.items()}


def function(kernel) -> Callable[..., Any]:
    """The kernel's loss as a differentiable PyTorch function: ``f(input, target, **options)`` for a
    built-in kernel (``options`` are its own: ``reduction="mean" | "sum" | "none"`` and the rest),
    ``f(**inputs)`` for a user's (``Derivation.compile()``: its inputs by name, ``kernel.inputs``).
    ``kernel`` may be the :class:`~derive.steps.Derivation` itself: it is compiled, and a derivative
    by another input is then derived from the loss as written rather than from its stable form."""
    derivation = kernel if isinstance(kernel, Derivation) else None
    if derivation is not None:
        kernel = derivation.compile()
    if not (hasattr(kernel, "loss_and_grad") and hasattr(kernel, "loss")):
        raise TypeError(f"function() takes a derive kernel (derive.kernels.load(...) or Derivation.compile()), "
                        f"got {type(kernel).__name__}")
    name = f"derive_{getattr(kernel, 'name', 'kernel').replace('-', '_')}"

    def built_in(input, target, **options):  # noqa: A002
        return _apply(_Call(BuiltInCall(kernel, _options_as_arrays(options)), as_array), (input, target))

    def user(*positional, **inputs):
        if positional:
            raise TypeError(f"a user kernel's function takes its inputs by name: {', '.join(kernel.inputs)} "
                            f"(f({', '.join(f'{n}=...' for n in kernel.inputs)}))")
        return _apply(_Call(UserCall(kernel, tuple(inputs), derivation), _as_value), tuple(inputs.values()))

    loss = user if hasattr(kernel, "inputs") else built_in
    loss.__name__ = name
    loss.__doc__ = f"The loss of {kernel!r} with its derived gradient, as a PyTorch function."
    setattr(loss, "kernel", kernel)  # what it runs (f.kernel.inputs: the names a user kernel takes)
    return loss
