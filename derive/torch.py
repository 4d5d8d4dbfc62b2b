"""A bridge into PyTorch training: a derived kernel as a ``torch.autograd.Function``.

    import derive.torch
    from derive.kernels import load

    cross_entropy = derive.torch.function(load("ce-softmax"))
    loss = cross_entropy(logits, labels, reduction="mean")   # like F.cross_entropy
    loss.backward()                                           # the derived gradient

    bce = derive.torch.function(derive.gradient(latex, "z_{j}").compile())
    bce(z=z, t=t, w=2.0).backward()                          # a user's kernel: its inputs by name

The forward pass runs the kernel's ``loss_and_grad`` on the tensors' memory (CPU tensors; a
contiguous tensor is read in place, no copy) and keeps the gradient it computed in the same pass;
the backward pass only scales it by the incoming gradient.  A kernel holds the derivative by one
input (a built-in's by ``input``, a user's by what it was derived by): an input that requires grad
by which it has none is an error that names it, never a silent ``None``.  Options are passed
through to the kernel with PyTorch's keywords.  Needs the optional extra:
``pip install 'derive-steps[torch]'``.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable

try:
    import torch as _torch
except ImportError as missing:  # the extra is not installed: say how to get it
    raise ImportError("derive.torch needs PyTorch: pip install 'derive-steps[torch]'") from missing


def _on_cpu(tensor: Any, what: str) -> None:
    if tensor.device.type != "cpu":
        raise ValueError(f"{what} is on {tensor.device}; derive's kernels run on the CPU: move it with .cpu()")


def _as_array(tensor: Any, what: str):
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


def _no_derivative(name: str, by: str | None) -> str:
    has = f"its derivative is by {by}" if by else "it has no derivative by any input"
    return (f"{name} requires grad, but the derivation has no derivative by {name} ({has}): derive and "
            f"compile one by {name}, or pass {name}.detach()")


class _BuiltInCall:
    """A built-in kernel's call: ``input`` (the logits or probabilities it is derived by) and
    ``target`` by position, PyTorch's options by keyword."""

    names = ("input", "target")
    by = "input"

    def __init__(self, kernel, options: dict):
        self.kernel, self.options = kernel, options

    def run(self, values: tuple, with_gradient: bool):
        X, T = (_as_array(value, name) for value, name in zip(values, self.names))
        if with_gradient:
            loss, gradient = self.kernel.loss_and_grad(X, T, **self.options)
            return loss, _torch.from_numpy(gradient)
        return self.kernel.loss(X, T, **self.options), None

    def dtype(self, values: tuple):
        return values[0].dtype

    def scaled(self, gradient, grad_output):
        if self.options.get("reduction", "mean") == "none":  # row i's loss depends on row i alone
            # (rows (N,) of logits (N, C), or (N, d₁, …) of (N, C, d₁, …): the class axis is 1)
            return gradient * (grad_output.unsqueeze(1) if gradient.dim() > grad_output.dim() else grad_output)
        return gradient * grad_output


class _UserCall:
    """A user kernel's call (:class:`derive.kernels.user_kernels.UserKernel`): its inputs by name,
    arrays as tensors, scalars as numbers or tensors of no axes; the loss is one number."""

    def __init__(self, kernel, names: tuple):
        self.kernel, self.names = kernel, names
        by: tuple[str, tuple[int, ...] | None] | None = kernel.derivative_by
        self.by: str | None = by[0] if by else None
        self.component: tuple[int, ...] | None = by[1] if by else None

    def run(self, values: tuple, with_gradient: bool):
        inputs = {name: _as_value(value, name) for name, value in zip(self.names, values)}
        if not with_gradient:
            return self.kernel.loss(**inputs), None
        loss, gradient = self.kernel.loss_and_grad(**inputs)
        like = values[self.names.index(self.by)]
        if self.component is not None:  # the derivative by one named component: zero by the others
            full = _torch.zeros(like.shape, dtype=_torch.float64)
            full[self.component] = gradient
            return loss, full.to(like.dtype)
        return loss, _torch.as_tensor(gradient, dtype=_torch.float64).to(like.dtype)

    def dtype(self, values: tuple):
        floating = [v.dtype for v in values if isinstance(v, _torch.Tensor) and v.is_floating_point()]
        dtype = floating[0] if floating else _torch.get_default_dtype()
        for other in floating[1:]:
            dtype = _torch.promote_types(dtype, other)
        return dtype

    def scaled(self, gradient, grad_output):
        return gradient * grad_output


class _KernelFunction(_torch.autograd.Function):
    """``forward(call, with_gradient, *values)``: the loss; ``backward``: the gradient the kernel
    computed with it by ``call.by``, times the incoming gradient."""

    @staticmethod
    def forward(ctx, call, with_gradient, *values):
        loss, gradient = call.run(values, with_gradient=with_gradient)
        ctx.call = call
        if with_gradient:
            ctx.save_for_backward(gradient)
        return _torch.as_tensor(loss, dtype=call.dtype(values))

    @staticmethod
    def backward(ctx, grad_output):
        call = ctx.call
        gradients: list = [None] * (2 + len(call.names))
        if call.by in call.names and ctx.needs_input_grad[2 + call.names.index(call.by)]:
            (gradient,) = ctx.saved_tensors
            gradients[2 + call.names.index(call.by)] = call.scaled(gradient, grad_output)
        return tuple(gradients)


def _requires_grad(value: Any) -> bool:
    """Whether autograd will ask for a derivative by ``value`` (never under ``torch.no_grad()``,
    though a ``Function``'s ``needs_input_grad`` says so there too)."""
    return isinstance(value, _torch.Tensor) and value.requires_grad and _torch.is_grad_enabled()


def _apply(call, values: tuple):
    """The loss of ``values``, with the derivative by ``call.by`` kept where it requires grad; an
    input that requires grad and is not ``call.by`` is an error that names it."""
    for name, value in zip(call.names, values):
        if _requires_grad(value) and name != call.by:
            raise ValueError(_no_derivative(name, call.by))
    with_gradient = any(_requires_grad(value) for value in values)
    return _KernelFunction.apply(call, with_gradient, *values)


def _options_as_arrays(options: dict) -> dict:
    """An option given as a tensor (``weight=torch.tensor(...)``) is read as an array, like the
    inputs; no kernel holds a derivative by an option, so one that requires grad is an error."""
    for name, value in options.items():
        if _requires_grad(value):
            raise ValueError(_no_derivative(name, "input"))
    return {name: _as_array(value, name) if isinstance(value, _torch.Tensor) else value
            for name, value in options.items()}


def function(kernel) -> Callable[..., Any]:
    """The kernel's loss as a differentiable PyTorch function: ``f(input, target, **options)`` for a
    built-in kernel (``options`` are its own: ``reduction="mean" | "sum" | "none"`` and the rest),
    ``f(**inputs)`` for a user's (``Derivation.compile()``: its inputs by name, ``kernel.inputs``)."""
    if not (hasattr(kernel, "loss_and_grad") and hasattr(kernel, "loss")):
        raise TypeError(f"function() takes a derive kernel (derive.kernels.load(...) or Derivation.compile()), "
                        f"got {type(kernel).__name__}")
    name = f"derive_{getattr(kernel, 'name', 'kernel').replace('-', '_')}"

    def built_in(input, target, **options):  # noqa: A002
        return _apply(_BuiltInCall(kernel, _options_as_arrays(options)), (input, target))

    def user(*positional, **inputs):
        if positional:
            raise TypeError(f"a user kernel's function takes its inputs by name: {', '.join(kernel.inputs)} "
                            f"(f({', '.join(f'{n}=...' for n in kernel.inputs)}))")
        return _apply(_UserCall(kernel, tuple(inputs)), tuple(inputs.values()))

    loss = user if hasattr(kernel, "inputs") else built_in
    loss.__name__ = name
    loss.__doc__ = f"The loss of {kernel!r} with its derived gradient, as a PyTorch function."
    return loss
