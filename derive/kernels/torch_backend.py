"""The PyTorch backend: the IR (:mod:`.ir`) printed as torch operations (:mod:`.array_printer`),
the derived gradient as the backward of a ``torch.autograd.Function``.

Why an ``autograd.Function`` and not ``torch.library.custom_op``: Dynamo traces into the
Function's forward and backward, so under ``torch.compile`` Inductor sees the generated torch
operations and fuses them (a custom op is opaque to Inductor: it runs as one call it cannot fuse
with anything).  ``generate_vmap_rule = True`` lets ``torch.func.vmap`` and ``torch.func.grad``
run it.  The forward computes the loss and the derived gradient together (they share the row
maxima and exponentials) and keeps the gradient for the backward, as fused cross-entropy kernels
do; with no input requiring grad only the loss is computed.  The operations run where the
tensors are (CPU, CUDA, any device torch has).
"""
from __future__ import annotations

from typing import Any

import sympy as sp

from .array_kernels import (BATCH, ArrayKernel, check_names, check_sizes, choose_mode, differentiable, expected_axes, forward,
                            index_extent, no_derivative, reduced, refuse_positional, row_axis, scalar_order,
                            weights_of)
from .array_namespaces import TorchNamespace
from .ir import KernelIR, plan_irs
from .user_printer import identifier, parameter_identifier


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError("the torch backend needs PyTorch: pip install 'derive-steps[torch]'") from None
    return torch


def _traced(torch, tensors) -> bool:
    """Under ``torch.compile`` or a ``torch.func`` transform: no values to check (a data check is a
    host sync, which a trace cannot make); eager calls check, as torch's own losses do."""
    return bool(torch.compiler.is_compiling()) or any(torch._C._functorch.is_functorch_wrapped_tensor(t) for t in tensors)


class TorchKernel(ArrayKernel):
    """``k(**inputs, reduction=None)``: the loss as a tensor on the inputs' device and in their
    floating type, differentiable by the input the gradient was derived by (``k.by``).
    ``k.inputs`` names the inputs; ``k.source`` is the generated source.  A kernel of a built-in
    categorical loss takes ``t`` as integer labels (N,) or target probabilities (N, K)."""

    backend = "torch"

    def __init__(self, name: str, irs: dict[str, KernelIR]):
        super().__init__(name, irs, TorchNamespace())
        self._functions = {kind: _autograd_function(ir, self._modules[kind]) for kind, ir in irs.items()}

    def __call__(self, *positional, reduction=None, **values):
        refuse_positional(self.inputs, positional)
        torch = _torch()
        call, tensors = self._prepare(torch, values, reduction)
        ir = self.irs[call.kind]
        if torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
            return self._functions[call.kind].apply(call.mode, call.reduction, call.rows, *tensors)[0]
        return forward(self._modules[call.kind], call, tensors, with_gradient=False)[0]

    def loss(self, *positional, reduction=None, **values):
        """The loss alone, outside autograd."""
        refuse_positional(self.inputs, positional)
        torch = _torch()
        call, tensors = self._prepare(torch, values, reduction)
        with torch.no_grad():
            return forward(self._modules[call.kind], call, tensors, with_gradient=False)[0]

    def loss_and_grad(self, *positional, reduction=None, **values):
        """The loss and the derived gradient by ``k.by`` (of the chosen reduction; for ``"none"`` of
        the sum of the rows' losses), outside autograd."""
        refuse_positional(self.inputs, positional)
        torch = _torch()
        call, tensors = self._prepare(torch, values, reduction)
        with torch.no_grad():
            loss, gradient = forward(self._modules[call.kind], call, tensors, with_gradient=True)
        return loss, self._by_shared_scalar(call, values, gradient)

    def _prepare(self, torch, values: dict, reduction):
        ir = next(iter(self.irs.values()))
        check_names(ir, values)
        kind = self._kind(torch, values)
        ir = self.irs[kind]
        tensors = [value for value in values.values() if isinstance(value, torch.Tensor)]
        devices = {t.device for t in tensors}
        if len(devices) > 1:
            raise ValueError(f"the inputs are on different devices: {', '.join(sorted(map(str, devices)))}")
        device = devices.pop() if devices else None
        floating = [t.dtype for t in tensors if t.is_floating_point()]
        real = floating[0] if floating else torch.get_default_dtype()
        for dtype in floating[1:]:
            real = torch.promote_types(real, dtype)
        arrays, shapes = {}, {}
        for base in ir.arrays:
            name = identifier(base)
            array = _as_tensor(torch, values[name], name, device)
            if base in ir.labels:
                if array.dtype.is_floating_point or array.dtype == torch.bool:
                    raise TypeError(f"{name} must be integer labels, got {array.dtype}")
                array = array.long()
            elif not (array.dtype.is_floating_point or array.dtype.is_complex):
                array = array.to(real)
            elif array.dtype != real:
                array = array.to(real)
            if array.dtype.is_complex:
                raise TypeError(f"{name} must be real, got {array.dtype}")
            arrays[name], shapes[name] = array, tuple(array.shape)
        scalars, scalar_shapes = {}, {}
        for symbol in ir.layout.scalars:
            name = parameter_identifier(symbol)
            scalars[name] = _as_scalar(torch, values[name], name, device, real)
            scalar_shapes[name] = tuple(scalars[name].shape)
        for index in ir.layout.indices:
            name = identifier(index)
            scalars[name] = _as_index(torch, values[name], name, device)
            scalar_shapes[name] = tuple(scalars[name].shape)
        call = choose_mode(ir, kind, shapes, scalar_shapes, reduction)
        sizes = check_sizes(ir, shapes, call.mode == BATCH)
        if not _traced(torch, [*arrays.values(), *scalars.values()]):
            for base in ir.labels:
                _check_labels(torch, arrays[identifier(base)], identifier(base), sizes.get(ir.layout.arrays[base][-1]))
            for index in ir.layout.indices:
                name, extent = identifier(index), index_extent(ir, index, sizes)
                value = scalars[name]
                if value.numel() and (int(value.min()) < 1 or int(value.max()) > extent):
                    raise ValueError(f"{name} must be a whole number from 1 to {extent} (it indexes an axis of that size; "
                                     f"counted from 1, as in the formula), got {value.tolist()!r}")
        if call.mode == BATCH:
            scalars = {name: value.expand(call.rows) if value.dim() == 0 else value for name, value in scalars.items()}
        ordered = [arrays[identifier(b)] for b in ir.arrays] + [scalars[name] for name in scalar_order(ir)]
        return call, ordered

    def _kind(self, torch, values: dict) -> str:
        """Integer labels or target probabilities, from ``t``'s type (a built-in categorical loss)."""
        if len(self.irs) == 1:
            return next(iter(self.irs))
        labels = next(ir for ir in self.irs.values() if ir.labels)
        (base,) = labels.labels
        value = values[identifier(base)]
        dtype = value.dtype if isinstance(value, torch.Tensor) else torch.as_tensor(value).dtype
        integer = not (dtype.is_floating_point or dtype.is_complex or dtype == torch.bool)
        return next(kind for kind, ir in self.irs.items() if bool(ir.labels) == integer)


def _as_tensor(torch, value, name: str, device):
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}")
    try:
        tensor = value if isinstance(value, torch.Tensor) else torch.as_tensor(value, device=device)
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(f"{name} must be an array of numbers: {error}") from None
    if device is not None and tensor.device != device:
        tensor = tensor.to(device)
    return tensor


def _as_scalar(torch, value, name: str, device, real):
    if isinstance(value, (bool,)) or (isinstance(value, torch.Tensor) and value.dtype == torch.bool):
        raise TypeError(f"{name} must be a real number, not a bool")
    tensor = _as_tensor(torch, value, name, device)
    return tensor.to(real) if tensor.dtype != real else tensor


def _as_index(torch, value, name: str, device):
    if isinstance(value, bool) or (isinstance(value, torch.Tensor) and (value.dtype.is_floating_point or value.dtype == torch.bool)):
        raise TypeError(f"{name} must be a whole number (counted from 1), got {value!r}")
    tensor = _as_tensor(torch, value, name, device)
    if tensor.dtype.is_floating_point or tensor.dtype.is_complex:
        raise TypeError(f"{name} must be a whole number (counted from 1), got {value!r}")
    return tensor.long()


def _check_labels(torch, labels, name: str, classes: int | None) -> None:
    if labels.numel() and classes is not None and (int(labels.min()) < 0 or int(labels.max()) >= classes):
        raise ValueError(f"{name} holds class labels from 0 to {classes - 1}; got {int(labels.min())} to {int(labels.max())}")


def _autograd_function(ir: KernelIR, module):
    """The ``torch.autograd.Function`` of one kind: forward computes loss and derived gradient,
    backward scales the gradient by the incoming one.  It closes over plain values only (numbers,
    strings): what Dynamo can trace."""
    torch = _torch()
    position = next((number for number, name in enumerate(ir.inputs) if name == ir.by), -1)
    rows_axis = row_axis(ir)
    has_gradient = differentiable(ir)
    refusals = tuple(no_derivative(ir, name) for name in ir.inputs)
    by = ir.by
    second = (f"no second derivative: the backward is the derived gradient by {by}, and the derivation has none of "
              "it (create_graph=True would differentiate it as a constant: zero); derive the gradient of that gradient")

    function: Any = torch.autograd.Function  # torch is imported when a kernel is made

    class DerivedLoss(function):
        generate_vmap_rule = True

        @staticmethod
        def forward(mode, reduction, rows, *tensors):
            return reduced(module, mode, reduction, rows, tensors, True)

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.mode, ctx.reduction = inputs[0], inputs[1]
            ctx.mark_non_differentiable(output[1])
            ctx.save_for_backward(output[1])

        @staticmethod
        def backward(ctx, incoming, _):
            (gradient,) = ctx.saved_tensors
            if torch.is_grad_enabled() and not _traced(torch, [incoming]):  # create_graph=True: a graph of a constant
                raise ValueError(second)
            wanted = ctx.needs_input_grad[3:]
            for number, needs in enumerate(wanted):
                if needs and (number != position or not has_gradient):
                    raise ValueError(refusals[number])
            grads = [None] * len(wanted)
            if position >= 0 and wanted[position]:
                grads[position] = weights_of(incoming, gradient, ctx.mode, ctx.reduction, rows_axis, by) * gradient
            return (None, None, None, *grads)

    DerivedLoss.__name__ = DerivedLoss.__qualname__ = f"Derived_{identifier(sp.Symbol(ir.name))}"
    return DerivedLoss


class TorchBackend:
    """``Derivation.compile(backend="torch")``: every derivation the Numba backend compiles, as
    torch operations (:class:`TorchKernel`)."""

    name = "torch"

    def kernel(self, name: str, model, make_plan):
        return TorchKernel(name, plan_irs(make_plan()))


def expected(ir: KernelIR) -> dict[str, int]:
    """The number of axes of each array input (for messages and tests)."""
    return {identifier(b): expected_axes(ir, b) for b in ir.arrays}
