"""The JAX backend: the IR (:mod:`.ir`) printed as ``jax.numpy`` (:mod:`.array_printer`), the
derived gradient as a ``jax.custom_vjp``; jit-able (shapes are read, never values, but for the
eager checks of labels and indices, which a trace skips).

The forward computes the loss and the derived gradient together and keeps the gradient as the
residual.  ``symbolic_zeros=True`` tells the forward which inputs are being differentiated: one
with no derived derivative (a target, say) is refused by name, rather than given a zero.
"""
from __future__ import annotations

from functools import cache

from .array_kernels import (BATCH, ArrayKernel, Call, check_names, check_sizes, choose_mode, differentiable, forward, index_extent,
                            no_derivative, refuse_positional, row_axis, scalar_order,
                            weights_of)
from .array_namespaces import JaxNamespace
from .ir import KernelIR, plan_irs
from .user_printer import identifier, parameter_identifier


def _jax():
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        raise ImportError("the jax backend needs JAX: pip install 'derive-steps[jax]'") from None
    return jax, jnp


class JaxKernel(ArrayKernel):
    """``k(**inputs, reduction=None)``: the loss as a JAX array, differentiable (``jax.grad``) by
    the input the gradient was derived by (``k.by``); ``k.source`` is the generated source."""

    backend = "jax"

    def __init__(self, name: str, irs: dict[str, KernelIR]):
        super().__init__(name, irs, JaxNamespace())
        self._function = cache(self._make_function)

    def __call__(self, *positional, reduction=None, **values):
        refuse_positional(self.inputs, positional)
        call, arrays = self._prepare(values, reduction)
        return self._function(call)(*arrays)

    def loss_and_grad(self, *positional, reduction=None, **values):
        """The loss and the derived gradient by ``k.by`` (for ``"none"``: of the sum of the rows)."""
        refuse_positional(self.inputs, positional)
        call, arrays = self._prepare(values, reduction)
        loss, gradient = forward(self._modules[call.kind], call, arrays, with_gradient=True)
        return loss, self._by_shared_scalar(call, values, gradient)

    def loss(self, *positional, reduction=None, **values):
        refuse_positional(self.inputs, positional)
        call, arrays = self._prepare(values, reduction)
        return forward(self._modules[call.kind], call, arrays, with_gradient=False)[0]

    def _prepare(self, values: dict, reduction):
        jax, jnp = _jax()
        first = next(iter(self.irs.values()))
        check_names(first, values)
        kind = self._kind(values)
        ir = self.irs[kind]
        for name, value in values.items():
            if isinstance(value, (str, bytes, bool)) or value is None:
                raise TypeError(f"{name} must be numbers, got {type(value).__name__}")
        converted = {name: jnp.asarray(value) for name, value in values.items()}
        floating = [a.dtype for a in converted.values() if jnp.issubdtype(a.dtype, jnp.floating)]
        real = jnp.result_type(*floating) if floating else jnp.result_type(float)
        arrays, shapes = [], {}
        for base in ir.arrays:
            name = identifier(base)
            array = converted[name]
            if base in ir.labels:
                if not jnp.issubdtype(array.dtype, jnp.integer):
                    raise TypeError(f"{name} must be integer labels, got {array.dtype}")
            elif not jnp.issubdtype(array.dtype, jnp.number) or jnp.issubdtype(array.dtype, jnp.complexfloating):
                raise TypeError(f"{name} must be real numbers, got {array.dtype}")
            else:
                array = array.astype(real)
            arrays.append(array)
            shapes[name] = tuple(array.shape)
        scalars, scalar_shapes = {}, {}
        for symbol in ir.layout.scalars:
            name = parameter_identifier(symbol)
            if not jnp.issubdtype(converted[name].dtype, jnp.number) or converted[name].dtype == bool:
                raise TypeError(f"{name} must be a real number, got {converted[name].dtype}")
            scalars[name] = converted[name].astype(real)
            scalar_shapes[name] = tuple(scalars[name].shape)
        for index in ir.layout.indices:
            name = identifier(index)
            if not jnp.issubdtype(converted[name].dtype, jnp.integer):
                raise TypeError(f"{name} must be a whole number (counted from 1), got {values[name]!r}")
            scalars[name] = converted[name]
            scalar_shapes[name] = tuple(converted[name].shape)
        call = choose_mode(ir, kind, shapes, scalar_shapes, reduction)
        sizes = check_sizes(ir, shapes, call.mode == BATCH)
        concrete = not any(isinstance(a, jax.core.Tracer) for a in converted.values())
        if concrete:  # data checks in eager calls only: a trace has no values
            for base, array in zip(ir.arrays, arrays):
                classes = sizes.get(ir.layout.arrays[base][-1])
                if base in ir.labels and array.size and classes is not None and \
                        (int(array.min()) < 0 or int(array.max()) >= classes):
                    raise ValueError(f"{identifier(base)} holds class labels from 0 to {classes - 1}; got "
                                     f"{int(array.min())} to {int(array.max())}")
            for index in ir.layout.indices:
                name, extent = identifier(index), index_extent(ir, index, sizes)
                value = scalars[name]
                if value.size and (int(value.min()) < 1 or int(value.max()) > extent):
                    raise ValueError(f"{name} must be a whole number from 1 to {extent} (it indexes an axis of that "
                                     f"size; counted from 1, as in the formula), got {value.tolist()!r}")
        if call.mode == BATCH:
            scalars = {name: jnp.broadcast_to(value, (call.rows,)) if value.ndim == 0 else value
                       for name, value in scalars.items()}
        return call, arrays + [scalars[name] for name in scalar_order(ir)]

    def _kind(self, values: dict) -> str:
        _, jnp = _jax()
        if len(self.irs) == 1:
            return next(iter(self.irs))
        labels = next(ir for ir in self.irs.values() if ir.labels)
        (base,) = labels.labels
        integer = bool(jnp.issubdtype(jnp.asarray(values[identifier(base)]).dtype, jnp.integer))
        return next(kind for kind, ir in self.irs.items() if bool(ir.labels) == integer)

    def _make_function(self, call: Call):
        """The ``custom_vjp`` function of one kind, mode and reduction."""
        jax, _ = _jax()
        from jax.custom_derivatives import SymbolicZero

        ir, module = self.irs[call.kind], self._modules[call.kind]
        position = next((number for number, name in enumerate(ir.inputs) if name == ir.by), None)
        rows_axis = row_axis(ir)
        has_gradient = differentiable(ir)

        @jax.custom_vjp
        def loss(*arrays):
            return forward(module, call, arrays, with_gradient=False)[0]

        def loss_forward(*primals):
            for number, primal in enumerate(primals):
                if primal.perturbed and (number != position or not has_gradient):
                    raise ValueError(no_derivative(ir, ir.inputs[number]))
            value, gradient = forward(module, call, [primal.value for primal in primals], with_gradient=True)
            return value, gradient

        def loss_backward(gradient, incoming):
            grads: list = [None] * len(ir.inputs)
            if not isinstance(incoming, SymbolicZero) and position is not None:
                grads[position] = weights_of(incoming, gradient, call.mode, call.reduction, rows_axis, ir.by) * gradient
            return tuple(grads)

        loss.defvjp(loss_forward, loss_backward, symbolic_zeros=True)
        return loss


class JaxBackend:
    """``Derivation.compile(backend="jax")`` (:class:`JaxKernel`)."""

    name = "jax"

    def kernel(self, name: str, model, make_plan):
        return JaxKernel(name, plan_irs(make_plan()))
