"""How the kernels read the stable forms of integer labels.  Those forms end with the catalogue's
``class_index`` phase (rules/85_stable_forms.toml, each step proved by the checker): each one-hot
label written as ``t_ik = δ(k, ℓ_i)`` and each sum weighted by it taken at the sample's class,
``Σ_k δ(k, ℓ_i) X_k = X_{ℓ_i}``.  Nothing here rewrites a value: ``δ(k, ℓ_i)`` is printed as the
label indicator ``t_ik`` that the integer-label printers read as ``k == label_i`` (the definition
``def-one-hot`` the checker states), and ``ℓ_i`` is the row's label itself: the Numba loops read
``X[i, lab]``; the array printers read ``z_{i ℓ_i}`` as ``Σ_k t_ik z_ik`` (:func:`at_label`, the
verified collapse read back), which they print as a gather at each row's label, or, rows in a
batch, as the one-hot product."""
from __future__ import annotations

import sympy as sp

from .. import conventions as c


def is_class(index: sp.Basic) -> bool:
    """Whether ``index`` is a sample's class ``ℓ_i`` (an integer label)."""
    return isinstance(index, sp.Indexed) and index.base == c.ell


def as_label_indicators(expr: sp.Basic) -> sp.Basic:
    """``expr`` with each ``δ(k, ℓ_i)`` printed as the integer label's indicator ``t_ik``."""
    def indicator(delta: sp.KroneckerDelta) -> sp.Basic:
        klass, other = (delta.args[0], delta.args[1]) if is_class(delta.args[0]) else (delta.args[1], delta.args[0])
        return c.t[klass.indices + (other,)]
    return expr.replace(lambda e: isinstance(e, sp.KroneckerDelta) and any(is_class(a) for a in e.args), indicator)


def reads_classes(expr: sp.Basic) -> bool:
    return any(is_class(a) for a in expr.atoms(sp.Indexed))


def at_label(component: sp.Indexed, klass: sp.Indexed, labels: sp.IndexedBase) -> sp.Basic:
    """``z_{i ℓ_i}`` as ``Σ_k t_ik z_ik`` (``t`` the integer ``labels``): the same number."""
    k = sp.Dummy("k", integer=True)
    return sp.Sum(labels[klass.indices + (k,)] * component.xreplace({klass: k}), (k, 1, c.K))
