"""A bridge into PyTorch training: a derived kernel as a ``torch.autograd.Function``.

    import derive.torch
    from derive.kernels import load

    cross_entropy = derive.torch.function(load("ce-softmax"))
    loss = cross_entropy(logits, labels, reduction="mean")   # like F.cross_entropy
    loss.backward()                                           # the derived gradient

The forward pass runs the kernel's ``loss_and_grad`` on the tensors' memory (CPU tensors; a
contiguous tensor is read in place, no copy) and keeps the gradient it computed in the same pass;
the backward pass only scales it by the incoming gradient.  Options are passed through to the
kernel with PyTorch's keywords.  Needs the optional extra: ``pip install 'derive-steps[torch]'``.
"""
from __future__ import annotations

from typing import Any, Callable

try:
    import torch as _torch
except ImportError as missing:  # the extra is not installed: say how to get it
    raise ImportError("derive.torch needs PyTorch: pip install 'derive-steps[torch]'") from missing


def _as_array(tensor: Any, what: str):
    """The tensor's memory as a NumPy array (no copy for a contiguous CPU tensor)."""
    if not isinstance(tensor, _torch.Tensor):
        raise TypeError(f"{what} must be a torch.Tensor, got {type(tensor).__name__}")
    if tensor.device.type != "cpu":
        raise ValueError(f"{what} is on {tensor.device}; derive's kernels run on the CPU: move it with .cpu()")
    return tensor.detach().numpy()


class _KernelFunction(_torch.autograd.Function):
    """``forward(input, target, kernel, options)``: the loss; ``backward``: the gradient the
    kernel computed with it, times the incoming gradient (per row for ``reduction="none"``)."""

    @staticmethod
    def forward(ctx, input, target, kernel, options):  # noqa: A002 (PyTorch's name)
        X, T = _as_array(input, "input"), _as_array(target, "target")
        if ctx.needs_input_grad[0]:
            loss, gradient = kernel.loss_and_grad(X, T, **options)
            ctx.save_for_backward(_torch.from_numpy(gradient))
        else:
            loss = kernel.loss(X, T, **options)
        ctx.per_row = options.get("reduction", "mean") == "none"
        return _torch.as_tensor(loss, dtype=input.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        (gradient,) = ctx.saved_tensors
        if ctx.per_row:  # the loss of row i depends on row i alone: scale each row by its own
            # (rows (N,) of logits (N, C), or (N, d₁, …) of (N, C, d₁, …): the class axis is 1)
            scale = grad_output.unsqueeze(1) if gradient.dim() > grad_output.dim() else grad_output
        else:
            scale = grad_output
        return gradient * scale, None, None, None


def function(kernel) -> Callable[..., Any]:
    """``f(input, target, **options)``: the kernel's loss as a differentiable PyTorch function.
    ``options`` are the kernel's (``reduction="mean" | "sum" | "none"`` and the rest)."""
    if not (hasattr(kernel, "loss_and_grad") and hasattr(kernel, "loss")):
        raise TypeError(f"function() takes a derive kernel (derive.kernels.load(...) or Derivation.compile()), "
                        f"got {type(kernel).__name__}")

    def loss(input, target, **options):  # noqa: A002
        # an option given as a tensor (weight=torch.tensor(...)) is read as an array, like the inputs
        options = {name: _as_array(value, name) if isinstance(value, _torch.Tensor) else value
                   for name, value in options.items()}
        return _KernelFunction.apply(input, target, kernel, options)

    loss.__name__ = f"derive_{getattr(kernel, 'name', 'kernel').replace('-', '_')}"
    loss.__doc__ = f"The loss of {kernel!r} with its derived gradient, as a PyTorch function."
    return loss
