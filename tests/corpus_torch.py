"""The loss as the user wrote it, evaluated by PyTorch autograd (a reference independent of derive's
derivation and kernels): a SymPy expression at concrete sizes turned into torch operations."""
from __future__ import annotations

import sympy as sp

from derive.at_sizes import write_out_sums
from derive.functions import PLAIN_FORMS, plain, sigmoid


_RELATIONS = {"StrictLessThan": "lt", "LessThan": "le", "StrictGreaterThan": "gt", "GreaterThan": "ge"}


def torch_value(torch, expr: sp.Basic, integers: dict, leaves: dict):
    """``expr`` at the sizes and indices ``integers`` (symbol -> Integer), its sums written out and
    its other atoms in ``leaves`` (SymPy atom -> 0-d tensor), as a tensor."""
    def walk(e):
        if e in leaves:
            return leaves[e]
        if e.is_Number or e.is_NumberSymbol:
            return torch.tensor(float(e), dtype=torch.float64)
        if isinstance(e, sp.Add):
            return sum((walk(a) for a in e.args[1:]), walk(e.args[0]))
        if isinstance(e, sp.Mul):
            out = walk(e.args[0])
            for a in e.args[1:]:
                out = out * walk(a)
            return out
        if isinstance(e, sp.Pow):
            return walk(e.base) ** walk(e.exp)
        if isinstance(e, sigmoid):
            return torch.sigmoid(walk(e.args[0]))
        if type(e) in PLAIN_FORMS:
            return walk(PLAIN_FORMS[type(e)](e))
        if isinstance(e, sp.KroneckerDelta):
            return torch.tensor(float(e.args[0] == e.args[1]), dtype=torch.float64)
        if isinstance(e, sp.Abs):
            return torch.abs(walk(e.args[0]))
        if isinstance(e, (sp.Max, sp.Min)):
            pick = torch.maximum if isinstance(e, sp.Max) else torch.minimum
            out = walk(e.args[0])
            for a in e.args[1:]:
                out = pick(out, walk(a))
            return out
        if isinstance(e, sp.Piecewise):  # a loss's cases, as torch.where (the last row: otherwise)
            out = walk(e.args[-1][0])
            for value, condition in reversed(e.args[:-1]):
                out = torch.where(walk(condition), walk(value), out)
            return out
        if isinstance(e, sp.core.relational.Relational) and type(e).__name__ in _RELATIONS:
            return getattr(torch, _RELATIONS[type(e).__name__])(walk(e.lhs), walk(e.rhs))
        function = getattr(torch, type(e).__name__, None)
        if isinstance(e, sp.Function) and function is not None and len(e.args) == 1:
            return function(walk(e.args[0]))
        raise NotImplementedError(f"no torch form for {type(e).__name__}: {e}")
    return walk(plain(write_out_sums(expr.xreplace(integers))))
