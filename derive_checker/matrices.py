"""Matrices read as their entries (axiom ``def-matrix``): a matrix symbol's entry at (``matrix_row``,
``matrix_column``) is what the model declares; (AB)_rc = Σ_s A_rs B_sc, (A + B)_rc = A_rc + B_rc, (Aᵀ)_rc =
A_cr, diag(v)_rc = δ_rc v_r, f(A)_rc = f(A_rc), tr A = Σ_s A_ss; a 1 x 1 matrix is its one entry."""
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from .expressions import Malformed, refuse

PLACES = (sp.Symbol("matrix_row", integer=True), sp.Symbol("matrix_column", integer=True))


def entry(m: sp.Basic, r: sp.Basic, c: sp.Basic, entries: dict) -> sp.Basic:
    """The entry (r, c) of the matrix expression ``m``, its matrix symbols' entries from ``entries``."""
    if isinstance(m, sp.MatrixSymbol) and m.name in entries:
        return entries[m.name].xreplace(dict(zip(PLACES, (r, c))))
    if isinstance(m, sp.MatAdd) and len({a.shape for a in m.args}) == 1:
        return sp.Add(*(entry(a, r, c, entries) for a in m.args))
    if isinstance(m, sp.MatMul):
        scalar = sp.Mul(*(a for a in m.args if not a.is_Matrix))
        first, *rest = [a for a in m.args if a.is_Matrix]
        if not rest:
            return scalar * entry(first, r, c, entries)
        later = rest[0] if len(rest) == 1 else sp.MatMul(*rest)
        (first.shape[1] != later.shape[0]) and refuse(f"a product of a {first.shape} and a {later.shape} matrix")
        s = sp.Dummy("s", integer=True)
        return scalar * sp.Sum(entry(first, r, s, entries) * entry(later, s, c, entries), (s, 1, first.shape[1]))
    if isinstance(m, sp.Transpose):
        return entry(m.arg, c, r, entries)
    if isinstance(m, sp.DiagMatrix) and 1 in m.args[0].shape:
        column = m.args[0].shape[1] == 1
        return sp.KroneckerDelta(r, c) * entry(m.args[0], r if column else 1, 1 if column else r, entries)
    if isinstance(m, ElementwiseApplyFunction):
        return m.function(entry(m.expr, r, c, entries))
    raise Malformed(f"the checker knows no entries of {m}")


def scalar(expr: sp.Basic, entries: dict) -> sp.Basic:
    """``expr`` with each trace its sum over the diagonal, a 1 x 1 matrix its entry."""
    def trace(t):
        (t.arg.shape[0] != t.arg.shape[1]) and refuse(f"the trace of a {t.arg.shape} matrix")
        return sp.Sum(entry(t.arg, s := sp.Dummy("s", integer=True), s, entries), (s, 1, t.arg.shape[0]))
    expr = expr.replace(lambda e: isinstance(e, sp.Trace), trace)
    if getattr(expr, "is_Matrix", False):
        (expr.shape != (1, 1)) and refuse(f"a {expr.shape} matrix where a number belongs")
        return entry(expr, sp.Integer(1), sp.Integer(1), entries)
    return expr
