"""Series article 003: the derivative of the logarithm from the limit definition."""
from __future__ import annotations

import sympy as sp

from ..models import ANY_VALUES
from ..steps import Derivation
from ..strategies import apply, chain, run
from .titles import TITLES


def log_derivative() -> Derivation:
    """Series article 003: d/dx log x = 1/x from the limit definition and e = lim (1 + u)^(1/u)."""
    x, h, u = (sp.Symbol(name, positive=True) for name in ("x", "h", "u"))
    strategy = chain(
        apply("derivative_as_limit", function=sp.log(x), variable=x, step=h),
        apply("difference_of_logs"),
        apply("split_fraction"),
        apply("change_of_limit_variable", old=h, scale=x, new=u),
        apply("constant_out_of_limit"),
        apply("power_into_log"),
        apply("limit_through_log"),
        apply("e_as_limit"),
    )
    return run("log-derivative", TITLES["log-derivative"], strategy, ANY_VALUES)


def exp_derivative() -> Derivation:
    """d/dx e^x = e^x from the limit definition: e^{x+h} = e^x e^h, the common factor e^x out of
    the limit, and lim (e^u − 1)/u = 1 (from the limit that defines e, as log-derivative uses it)."""
    x, h = (sp.Symbol(name, real=True) for name in ("x", "h"))
    strategy = chain(
        apply("derivative_as_limit", function=sp.exp(x), variable=x, step=h),
        apply("exp_of_sum"),
        apply("common_factor"),
        apply("constant_out_of_limit"),
        apply("exp_limit_at_zero"),
    )
    return run("exp-derivative", TITLES["exp-derivative"], strategy, ANY_VALUES)
