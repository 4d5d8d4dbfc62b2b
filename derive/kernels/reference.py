"""High-precision reference values: the same derived expressions a kernel was generated from,
evaluated with mpmath at 50 digits row by row, and the gradient by central differences of that
loss.  ``derive check`` and the tests compare every kernel with these."""
from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from .. import conventions as c
from ..at_sizes import write_out_sums
from ..functions import Maximum
from .codegen import per_sample, per_sample_gradient

DIGITS = 50
DIFFERENCE_DIGITS = 100  # a loss of 1e-29 next to terms of 1e2: differences need the extra digits
_FUNCTIONS = {"xlogy": lambda x, y: mpmath.mpf(0) if x == 0 else x * mpmath.log(y),
              "xlog1py": lambda x, y: mpmath.mpf(0) if x == 0 else x * mpmath.log1p(y),
              "log1p": mpmath.log1p, "expm1": mpmath.expm1, "Max": max, "Min": min, "RowMax": max}


class RowMax(sp.Function):
    """The maximum over a row's concrete classes, evaluated by mpmath (``max``).  SymPy's own Max
    compares its arguments pairwise under assumptions every time it is rebuilt: minutes at 20
    classes."""


def _row_max(node: Maximum) -> sp.Basic:
    (variable, lower, upper), = node.limits
    return RowMax(*[node.function.xreplace({variable: sp.Integer(v)}) for v in range(int(lower), int(upper) + 1)])


_ROW_FUNCTIONS: dict = {}


def row_functions(kernel, classes: int):
    """``(loss(x_row, t_row), gradient(x_row, t_row))`` for one sample at ``classes`` classes
    (cross-entropy) or one scalar sample (BCE), from the verified stable derivations the kernel's
    plan holds for target probabilities (valid for one-hot labels too)."""
    key = (kernel.name, kernel.source, classes)
    if key not in _ROW_FUNCTIONS:
        _ROW_FUNCTIONS[key] = _row_functions(kernel.plan.kind("targets"), kernel.variable, kernel.categorical, classes)
    return _ROW_FUNCTIONS[key]


def _row_functions(kind, variable_name: str, categorical: bool, classes: int):
    loss = per_sample(kind.loss.result.rhs)
    gradient = per_sample_gradient(kind.gradient.result.rhs)
    variable = getattr(c, variable_name)
    if categorical:
        xs = [variable[c.i, j] for j in range(1, classes + 1)]
        ts = [c.t[c.i, j] for j in range(1, classes + 1)]
        sizes = {c.K: classes}
        grads = [gradient.xreplace({c.k: j}) for j in range(1, classes + 1)]
    else:
        xs, ts, sizes, grads = [variable[c.i]], [c.t[c.i]], {}, [gradient]

    def concrete(expr):
        expr = write_out_sums(expr.xreplace(sizes))
        return expr.replace(lambda e: isinstance(e, Maximum), _row_max)

    symbols = sp.symbols(f"x0:{len(xs)}"), sp.symbols(f"t0:{len(ts)}")
    table = dict(zip(xs, symbols[0])) | dict(zip(ts, symbols[1]))
    modules = [_FUNCTIONS, "mpmath"]
    as_function = lambda e: sp.lambdify(symbols, concrete(e).xreplace(table), modules=modules, cse=True)  # noqa: E731  cse: the row maximum once, not at every use
    return as_function(loss), [as_function(g) for g in grads]


@dataclass(frozen=True)
class Reference:
    losses: np.ndarray  # float64 of the 50-digit values, per sample
    gradients: np.ndarray  # of the sum of per-sample losses
    differences: np.ndarray  # the same by central differences of the 50-digit loss


def _stable_value(function, x, t, digits: int = DIGITS) -> tuple[mpmath.mpf, int]:
    """``function(x, t)`` to at least 30 correct digits: evaluated at 50 digits, then again at
    twice the precision until two agree.  A loss of 1e-156 next to terms of 1e3 cancels to 0 at
    50 digits; a value still 0 at 800 digits is below anything float64 holds."""
    with mpmath.workdps(digits):
        value = function(x, t)
    while digits < 40_000:
        digits *= 2
        with mpmath.workdps(digits):
            again = function([mpmath.mpf(v) for v in x], t)
        if again != 0 and abs(value - again) <= abs(again) * mpmath.mpf(10) ** -30:
            return again, digits
        if again == 0 and value == 0 and digits >= 800:  # zero below anything float64 can hold
            return again, digits
        value = again
    raise ArithmeticError("the reference value did not settle below 40000 digits")


def reference(kernel, X: np.ndarray, T: np.ndarray) -> Reference:
    """Per-sample losses and gradients at 50 digits or more, rounded to float64 at the end."""
    categorical = kernel.categorical
    classes = X.shape[1] if categorical else 1
    loss, grads = row_functions(kernel, classes)
    losses, gradients, differences = [], [], []
    for row in range(X.shape[0]):
        x = [mpmath.mpf(float(v)) for v in np.atleast_1d(X[row])]
        if categorical and T.ndim == 1:
            t = [mpmath.mpf(int(j == T[row])) for j in range(classes)]
        else:
            t = [mpmath.mpf(float(v)) for v in np.atleast_1d(T[row])]
        value, digits = _stable_value(loss, x, t)
        losses.append(float(value))
        gradients.append([float(_stable_value(g, x, t)[0]) for g in grads])
        with mpmath.workdps(digits + DIFFERENCE_DIGITS):
            step = mpmath.mpf(10) ** -(DIFFERENCE_DIGITS // 3)
            central = []
            for j in range(len(x)):
                up, down = list(x), list(x)
                up[j] += step * max(1, abs(x[j]))
                down[j] -= step * max(1, abs(x[j]))
                central.append(float((loss(up, t) - loss(down, t)) / (up[j] - down[j])))
        differences.append(central)
    shape = X.shape
    return Reference(np.array(losses), np.array(gradients).reshape(shape), np.array(differences).reshape(shape))


def relative_error(got: np.ndarray, exact: np.ndarray, dtype=np.float64, floor: float = 0.0) -> float:
    """Largest ``|got - exact| / |exact|``; the smallest normal number of ``dtype`` stands in for
    an exact value below it (what the format can hold there is not a relative precision), and
    ``floor`` for one below that (see ``check.gradient_floor``)."""
    got, exact = np.asarray(got, dtype=np.float64), np.asarray(exact, dtype=np.float64)
    scale = np.maximum(np.abs(exact), max(np.finfo(dtype).tiny, floor))
    return float(np.max(np.abs(got - exact) / scale)) if exact.size else 0.0
