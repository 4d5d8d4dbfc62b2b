"""A bridge into JAX: a derived Numba kernel as a JAX function whose gradient is the derived one.

    import derive.jax
    from derive.kernels import load

    cross_entropy = derive.jax.function(load("ce-softmax"))
    jax.grad(lambda z: cross_entropy(z, labels))(logits)        # the derived gradient
    jax.jit(jax.grad(lambda z: cross_entropy(z, labels)))(logits)

    bce = derive.jax.function(derive.gradient(latex, "z_{j}").compile())
    jax.grad(lambda z: bce(z=z, t=t, w=2.0))(z)                  # a user's kernel: inputs by name

The loss and each derivative run on the host through ``jax.pure_callback`` (so under ``jax.jit``
too, and under ``jax.vmap`` one example at a time); ``jax.custom_vjp`` makes ``jax.grad`` take the
derivative by each floating input from the kernel: by the input it was derived by, its own; by any
other (the targets, a user's weight), derived by the engine when first asked for
(:mod:`derive.input_derivatives`).  Under ``jit`` a derivative nobody asks for is never computed.
A Python number given to a user kernel is a constant (no derivative by it); an integer array
(labels) has none.  Differentiated again, the gradient gives the derived second derivative
(:mod:`derive.input_derivatives`), where derive has it, else an error that says so; reverse mode
only (``jax.jacrev(jax.jacrev(f))``, not ``jax.hessian`` or ``jvp``: JAX applies no forward mode to
a ``custom_vjp``, and says so).  The library never changes JAX's configuration: float64 needs the caller's
``jax_enable_x64``.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np

try:
    import jax
    import jax.numpy as jnp
except ImportError as missing:  # not installed: say how to get it
    raise ImportError("derive.jax needs JAX: pip install jax") from missing

from .bridge_calls import BuiltInCall, UserCall, compiled


def _concrete_option(value: Any, name: str) -> Any:
    """An option (``weight=...``) as NumPy: a constant of the call, never traced."""
    if isinstance(value, jax.core.Tracer):
        raise TypeError(f"{name} is traced (an argument of jit or grad); derive's options are constants: "
                        f"pass it as a NumPy array or close over it")
    return np.asarray(value) if isinstance(value, (jax.Array, np.ndarray)) else value


def _primal(value: Any, name: str) -> Any:
    if isinstance(value, (jax.Array, np.ndarray)) or isinstance(value, jax.core.Tracer):
        return jnp.asarray(value)
    raise TypeError(f"{name} must be a JAX or NumPy array, got {type(value).__name__}")


def _differentiable(call: BuiltInCall | UserCall, values: dict, result_dtype: Any) -> Any:
    """``call``'s loss of ``values`` (name -> array, or a Python number: a constant) as a JAX
    value whose derivative by each floating array is the kernel's.  An error of the kernel (bad
    input) is raised as itself where the call is not traced (under ``jit`` JAX reports it)."""
    names = tuple(name for name, value in values.items() if not isinstance(value, numbers.Number))
    failures: list[Exception] = []

    def on_host(primals: tuple, wanted: tuple, dtype: Any) -> np.ndarray:
        given = dict(values, **dict(zip(names, (np.asarray(p) for p in primals))))
        try:
            loss, derivatives = call.run(tuple(given[name] for name in call.names), wanted)
        except Exception as error:  # kept, to be raised as itself (JAX wraps what a callback raises)
            failures.append(error)
            raise
        return np.asarray(derivatives[0] if wanted else loss, dtype=dtype)

    def second_on_host(primals: tuple, first: str, then: str, direction: Any, like: Any) -> np.ndarray:
        given = dict(values, **dict(zip(names, (np.asarray(p) for p in primals))))
        try:
            product = call.second(tuple(given[name] for name in call.names), first, then,
                                  np.asarray(direction, dtype=np.float64))
        except Exception as error:  # kept, to be raised as itself
            failures.append(error)
            raise
        return np.broadcast_to(np.asarray(product, dtype=like.dtype), like.shape)

    def loss_of(*primals):
        shape = call.loss_shape(tuple(primals[0].shape)) if primals else ()
        return jax.pure_callback(lambda *p: on_host(p, (), result_dtype), jax.ShapeDtypeStruct(shape, result_dtype),
                                 *primals, vmap_method="sequential")

    @jax.custom_vjp
    def loss(*primals):
        return loss_of(*primals)

    def forward(*primals):  # the loss itself, so that a derivative of the gradient reaches backward's refusal
        return loss(*primals), primals

    def backward(primals, cotangent):
        derivatives = []
        for name, primal in zip(names, primals):
            if not jnp.issubdtype(primal.dtype, jnp.floating):
                derivatives.append(None)  # labels: no derivative (JAX's zero of an integer input)
                continue
            derivative = _first_derivative(call, name, names, primals, on_host, second_on_host)
            derivatives.append(derivative * cotangent.reshape(call.cotangent_shape(cotangent.shape, derivative.ndim)))
        return tuple(derivatives)

    loss.defvjp(forward, backward)
    try:
        return loss(*(jnp.asarray(values[name]) for name in names))
    except _CALLBACK_ERRORS:
        if failures:
            raise failures[0] from None
        raise


def _first_derivative(call: BuiltInCall | UserCall, name: str, names: tuple, primals: tuple, on_host: Callable,
                      second_on_host: Callable) -> Any:
    """The derivative by ``name`` (a host callback), differentiable once more: its VJP is the
    derived second derivative applied to the incoming direction (:meth:`UserCall.second`,
    :meth:`BuiltInCall.second`), by each floating input; a third derivative is an error that
    says so (to JAX the kernel's value is a number: its derivative would be refused by
    pure_callback or, through a rewrite, taken as zero)."""
    like = primals[names.index(name)]

    @jax.custom_vjp
    def first(*arguments):
        return jax.pure_callback(lambda *q: on_host(q, (name,), like.dtype), jax.ShapeDtypeStruct(like.shape, like.dtype),
                                 *arguments, vmap_method="sequential")

    def backward(arguments, direction):
        products = []
        for then, primal in zip(names, arguments):
            if not jnp.issubdtype(primal.dtype, jnp.floating):
                products.append(None)
                continue
            shape = jax.ShapeDtypeStruct(primal.shape, primal.dtype)
            products.append(_refusing(call, f"a third derivative of {call.kernel!r} by {name} and {then} is not derived: "
                                      "the bridge holds derivatives up to the second",
                                      lambda *q, then=then, shape=shape: jax.pure_callback(
                                          lambda *r: second_on_host(r[:-1], name, then, r[-1], shape), shape, *q,
                                          vmap_method="sequential"), (*arguments, direction)))
        return tuple(products)

    first.defvjp(lambda *arguments: (first(*arguments), arguments), backward)
    return first(*primals)


def _refusing(call: BuiltInCall | UserCall, message: str, compute: Callable, arguments: tuple) -> Any:
    """``compute(*arguments)``, and ``message`` as an error where it is differentiated."""

    @jax.custom_vjp
    def value(*given):
        return compute(*given)

    def refuse(_residual, _cotangent):
        raise ValueError(message)

    value.defvjp(lambda *given: (value(*given), None), refuse)
    return value(*arguments)


_CALLBACK_ERRORS = tuple(error for error in (getattr(jax.errors, "JaxRuntimeError", None),) if error) or (RuntimeError,)


def _result_dtype(values) -> Any:
    floating = [jnp.asarray(v).dtype for v in values if not isinstance(v, numbers.Number)
                and jnp.issubdtype(jnp.asarray(v).dtype, jnp.floating)]
    return jnp.result_type(*floating) if floating else jnp.result_type(float)


def function(kernel) -> Callable[..., Any]:
    """The kernel's loss as a differentiable JAX function: ``f(input, target, **options)`` for a
    built-in kernel (PyTorch's options, as :func:`derive.torch.function` takes them: constants),
    ``f(**inputs)`` for a user's (its inputs by name, ``kernel.inputs``).  ``kernel`` may be the
    :class:`~derive.steps.Derivation` itself (compiled here)."""
    kernel, derivation = compiled(kernel)

    def built_in(input, target, **options):  # noqa: A002
        call = BuiltInCall(kernel, {name: _concrete_option(value, name) for name, value in options.items()})
        values = {"input": _primal(input, "input"), "target": _primal(target, "target")}
        return _differentiable(call, values, values["input"].dtype)

    def user(*positional, reduction: str | None = None, **inputs):
        if positional:
            raise TypeError(f"a user kernel's function takes its inputs by name: {', '.join(kernel.inputs)} "
                            f"(f({', '.join(f'{n}=...' for n in kernel.inputs)}))")
        values = {name: value if isinstance(value, numbers.Real) and not isinstance(value, bool)
                  else _primal(value, name) for name, value in inputs.items()}
        call = UserCall(kernel, tuple(inputs), derivation, reduction)
        return _differentiable(call, values, _result_dtype(values.values()))

    loss = user if hasattr(kernel, "inputs") else built_in
    loss.__name__ = f"derive_{getattr(kernel, 'name', 'kernel').replace('-', '_')}"
    loss.__doc__ = f"The loss of {kernel!r} with its derived gradient, as a JAX function."
    setattr(loss, "kernel", kernel)
    return loss
