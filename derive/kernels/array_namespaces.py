"""How each array library spells what the array printer (:mod:`.array_printer`) writes: a
reduction along axes, a call, a select, a transpose, a mask as numbers, a range, an elementwise
maximum and a broadcast (``torch.sum(x, dim=)`` against ``jnp.sum(x, axis=)``), with the helpers
each generated module defines; and :class:`Term`, the printer's array of code and axes."""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

BATCH = sp.Dummy("batch", integer=True)  # the axis of rows of a batch of one-sample losses


@dataclass(frozen=True)
class Term:
    """Code for an array (or a number) and the index each of its axes stands for."""

    code: str
    axes: tuple = ()


class Namespace:
    """How one array library spells the operations the printer needs."""

    name = ""
    module = ""  # what the generated source imports
    axis_keyword = ""
    functions: dict[str, str] = {}

    def reduce(self, operation: str, code: str, axes: tuple[int, ...]) -> str:
        return f"{self.module}.{operation}({code}, {self.axis_keyword}={axes!r})"

    def call(self, function: str, *arguments: str) -> str:
        return f"{self.functions[function]}({', '.join(arguments)})"

    def where(self, condition: str, a: str, b: str) -> str:
        return f"{self.module}.where({condition}, {a}, {b})"

    def permute(self, code: str, order: tuple[int, ...]) -> str:
        raise NotImplementedError

    def real(self, mask: str) -> str:
        """A boolean array as numbers of the kernel's floating type (``REAL``)."""
        raise NotImplementedError

    def arange(self, size: str) -> str:
        raise NotImplementedError

    def maximum(self, a: Term, b: Term, which: str) -> str:
        return f"{self.module}.{which}({a.code}, {b.code})"

    def full(self, code: str, shape: str) -> str:
        raise NotImplementedError

    helpers = ""  # source of the module's helpers (pick)

    def prelude(self, first: str | None) -> list[str]:
        """Statements at the top of each function: the floating type (and device) of its arrays."""
        raise NotImplementedError


UNARY = ("exp", "log", "log1p", "expm1", "sqrt", "abs", "sign", "sin", "cos", "tan", "tanh", "sinh", "cosh",
         "asin", "acos", "atan", "erf", "sigmoid")


class TorchNamespace(Namespace):
    name = "torch"
    module = "torch"
    axis_keyword = "dim"
    helpers = '''import torch


def pick(x, dim, index):
    """x's entries at ``index`` (from 0) along ``dim``: a whole number, one index for all rows (a
    0-d tensor), or one for each row (a 1-d tensor along axis 0, the rows)."""
    if not isinstance(index, torch.Tensor):
        return x.select(dim, index)
    if index.dim() == 0:
        return torch.index_select(x, dim, index.reshape(1)).squeeze(dim)
    shape = [1] * x.dim()
    shape[0] = -1
    return torch.take_along_dim(x, index.reshape(shape), dim=dim).squeeze(dim)
'''
    functions = {**{f: f"torch.{f}" for f in UNARY}, "erf": "torch.special.erf", "xlogy": "torch.special.xlogy", "xlog1py": "torch.special.xlog1py",
                 "amax": "torch.amax", "sum": "torch.sum"}

    def permute(self, code, order):
        return f"{code}.permute{order!r}"

    def real(self, mask):
        return f"({mask}).to(REAL)"

    def arange(self, size):
        return f"torch.arange({size}, device=DEVICE)"

    def maximum(self, a, b, which):
        """``torch.maximum`` takes tensors only: against a number it is a clamp."""
        bound = "min" if which == "maximum" else "max"
        if not a.axes and is_number(a.code):
            a, b = b, a
        if not b.axes and is_number(b.code):
            return f"torch.clamp({a.code}, {bound}={b.code})"
        return f"torch.{which}({a.code}, {b.code})"

    def where(self, condition, a, b):
        # a branch may be a Python number computed from a size (1.0 / n_N): as a tensor of the inputs' dtype,
        # or torch.where of two numbers gives float32
        return f"torch.where({condition}, {as_real_tensor(a)}, {as_real_tensor(b)})"

    def full(self, code, shape):
        return f"torch.broadcast_to(torch.as_tensor({code}, dtype=REAL, device=DEVICE), {shape}).contiguous()"

    def prelude(self, first):
        if first is None:
            return ["    REAL, DEVICE = torch.get_default_dtype(), None"]
        return [f"    REAL, DEVICE = {first}.dtype, {first}.device"]


class JaxNamespace(Namespace):
    name = "jax"
    module = "jnp"
    axis_keyword = "axis"
    helpers = '''import jax
import jax.numpy as jnp
import jax.scipy.special


def pick(x, axis, index):
    """x's entries at ``index`` (from 0) along ``axis``: one index for all rows, or one for each
    row (a 1-d array along axis 0, the rows)."""
    index = jnp.asarray(index)
    if index.ndim == 0:
        return jnp.take(x, index, axis=axis)
    shape = [1] * x.ndim
    shape[0] = -1
    return jnp.squeeze(jnp.take_along_axis(x, index.reshape(shape), axis=axis), axis)
'''
    functions = {**{f: f"jnp.{f}" for f in UNARY}, "erf": "jax.scipy.special.erf", "sigmoid": "jax.nn.sigmoid",
                 "xlogy": "jax.scipy.special.xlogy", "xlog1py": "jax.scipy.special.xlog1py", "amax": "jnp.max", "sum": "jnp.sum"}

    def permute(self, code, order):
        return f"jnp.transpose({code}, {order!r})"

    def real(self, mask):
        return f"({mask}).astype(REAL)"

    def arange(self, size):
        return f"jnp.arange({size})"

    def full(self, code, shape):
        return f"jnp.broadcast_to(jnp.asarray({code}, dtype=REAL), {shape})"

    def prelude(self, first):
        if first is None:
            return ["    REAL = jnp.result_type(float)"]
        return [f"    REAL = {first}.dtype"]


def is_number(code: str) -> bool:
    try:
        float(code)
    except ValueError:
        return False
    return True


def as_real_tensor(code: str) -> str:
    return tensor_if_number(code) if is_number(code) else f"torch.as_tensor({code}, dtype=REAL, device=DEVICE)"


def tensor_if_number(code: str) -> str:
    return f"torch.tensor({code}, dtype=REAL, device=DEVICE)" if is_number(code) else code
