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
taken from autograd.  With ``create_graph=True`` the first derivatives are themselves a function
(:class:`_FirstDerivatives`) whose backward is the derived second derivative applied to the
incoming direction; where derive has none, differentiating is an error that says so, never a
silent zero.  Options are passed through to the kernel with PyTorch's keywords.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable

import torch as _torch

from .bridge_calls import BuiltInCall, UserCall, compiled


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
        self.call, self.names, self.kernel, self.as_input = call, call.names, call.kernel, as_input

    def run(self, values: tuple, wanted: tuple) -> tuple:
        arrays = tuple(self.as_input(value, name) for value, name in zip(values, self.names))
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
        ctx.values = values  # for a second derivative (create_graph=True) only
        ctx.save_for_backward(*gradients)
        return _torch.as_tensor(loss, dtype=call.dtype(values))

    @staticmethod
    def backward(ctx, grad_output):
        call = ctx.call
        gradients: list = [None] * (2 + len(call.names))
        if _torch.is_grad_enabled():  # create_graph=True: a graph to differentiate again, by the derived
            # second derivative
            firsts = _FirstDerivatives.apply(call, ctx.wanted, ctx.saved_tensors, grad_output, *ctx.values)
        else:
            firsts = tuple(call.scaled(name, gradient, grad_output) for name, gradient in zip(ctx.wanted, ctx.saved_tensors))
        for name, first in zip(ctx.wanted, firsts):
            position = 2 + call.names.index(name)
            if ctx.needs_input_grad[position]:
                gradients[position] = first
        return tuple(gradients)


class _FirstDerivatives(_torch.autograd.Function):
    """``forward(call, wanted, derivatives, grad_output, *values)``: the first derivatives by the
    inputs named in ``wanted`` times ``grad_output``, as a function of ``grad_output`` and the
    inputs; ``backward``: by ``grad_output`` the derivatives themselves, by each input the derived
    second derivative applied to the incoming directions (:meth:`derive.bridge_calls.UserCall.second`)."""

    @staticmethod
    def forward(ctx, call, wanted, derivatives, grad_output, *values):
        ctx.call, ctx.wanted, ctx.derivatives, ctx.values = call, wanted, derivatives, values
        ctx.save_for_backward(grad_output)
        return tuple(call.scaled(name, derivative, grad_output) for name, derivative in zip(wanted, derivatives))

    @staticmethod
    def backward(ctx, *directions):
        call, values = ctx.call, ctx.values
        (grad_output,) = ctx.saved_tensors
        result: list = [None] * (4 + len(values))
        given = [(name, d, g) for name, d, g in zip(ctx.wanted, directions, ctx.derivatives) if d is not None]
        if ctx.needs_input_grad[3]:  # the first derivatives are linear in grad_output
            result[3] = sum((_summed_to(d * g, call.call.cotangent_shape(tuple(grad_output.shape), g.dim()))
                             for _, d, g in given), _torch.zeros((), dtype=grad_output.dtype)).reshape(grad_output.shape)
        arrays = tuple(call.as_input(value, name) for value, name in zip(values, call.names))
        for position, (then, value) in enumerate(zip(call.names, values)):
            if ctx.needs_input_grad[4 + position]:
                parts = []
                for first, d, g in given:  # the Hessian is linear in the direction: grad_output goes into it
                    direction = d * grad_output.reshape(call.call.cotangent_shape(tuple(grad_output.shape), d.dim()))
                    parts.append(_like(call.call.second(arrays, first, then, direction.detach().to(_torch.float64)
                                                        .numpy()), value))
                result[4 + position] = sum(parts, _torch.zeros_like(value))
        if _torch.is_grad_enabled():
            result = list(_refused_beyond(call, ctx.wanted, 3, tuple(result), values))
        return tuple(result)


def _summed_to(product, shape: tuple):
    """``product`` summed over the axes that ``shape`` does not have (of size 1 there, or all)."""
    if not shape:
        return product.sum()
    axes = tuple(axis for axis, size in enumerate(shape) if size == 1 and product.shape[axis] != 1)
    return product.sum(dim=axes, keepdim=True) if axes else product


def _refused_beyond(call, wanted: tuple, order: int, derivatives: tuple, values: tuple) -> tuple:
    """``derivatives`` as they are, and an error where they are differentiated again (the values
    go in too, so that a derivative by them reaches :class:`_NoHigherDerivative`)."""
    inputs = tuple(value for value in values if isinstance(value, _torch.Tensor) and value.requires_grad)
    return _NoHigherDerivative.apply(call, wanted, order, len(derivatives), *derivatives, *inputs)


class _NoHigherDerivative(_torch.autograd.Function):
    """Derivatives as they are; differentiated again, an error that says so (the kernel's
    derivative is a number, not a graph: autograd would silently take its derivative as zero)."""

    ORDINALS = {2: "second", 3: "third"}

    @staticmethod
    def forward(ctx, call, wanted, order, count, *derivatives_and_inputs):
        ctx.call, ctx.wanted, ctx.order = call, wanted, order
        return tuple(d.clone() if isinstance(d, _torch.Tensor) else d for d in derivatives_and_inputs[:count])

    @staticmethod
    def backward(ctx, *grad_outputs):
        held = "first derivatives" if ctx.order == 2 else "derivatives up to the second"
        raise ValueError(f"a {_NoHigherDerivative.ORDINALS.get(ctx.order, f'order-{ctx.order}')} derivative of "
                         f"{ctx.call.kernel!r} by {', '.join(ctx.wanted)} is not derived: the bridge holds {held}")


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
    ``f(**inputs, reduction=None)`` for a user's (``Derivation.compile()``: its inputs by name,
    ``kernel.inputs``; ``reduction`` as the kernel takes it).
    ``kernel`` may be the :class:`~derive.steps.Derivation` itself: it is compiled, and a derivative
    by another input is then derived from the loss as written rather than from its stable form."""
    kernel, derivation = compiled(kernel)
    name = f"derive_{getattr(kernel, 'name', 'kernel').replace('-', '_')}"

    def built_in(input, target, **options):  # noqa: A002
        return _apply(_Call(BuiltInCall(kernel, _options_as_arrays(options)), as_array), (input, target))

    def user(*positional, reduction: str | None = None, **inputs):
        if positional:
            raise TypeError(f"a user kernel's function takes its inputs by name: {', '.join(kernel.inputs)} "
                            f"(f({', '.join(f'{n}=...' for n in kernel.inputs)}))")
        call = UserCall(kernel, tuple(inputs), derivation, reduction)
        return _apply(_Call(call, _as_value), tuple(inputs.values()))

    loss = user if hasattr(kernel, "inputs") else built_in
    loss.__name__ = name
    loss.__doc__ = f"The loss of {kernel!r} with its derived gradient, as a PyTorch function."
    setattr(loss, "kernel", kernel)  # what it runs (f.kernel.inputs: the names a user kernel takes)
    return loss
