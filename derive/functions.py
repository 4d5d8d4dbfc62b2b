"""Functions SymPy lacks. Each knows its derivative and rewrites itself into SymPy built-ins
(JSON export and numeric evaluation use that form)."""
from __future__ import annotations

import sympy as sp


class sigmoid(sp.Function):  # noqa: N801 - named as written in the series
    """The logistic sigmoid ``σ(z) = 1 / (1 + e^{-z})``."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Basic:
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_evalf(self, prec):
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)


OWN_FUNCTIONS = (sigmoid,)


def as_builtins(expr: sp.Basic) -> sp.Basic:
    """The same expression written with SymPy's built-in functions only."""
    return expr.replace(lambda e: isinstance(e, sigmoid), lambda e: e.rewrite(sp.exp))
