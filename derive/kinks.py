"""The kinks of a loss (``max``, ``min``, ``|u|``, a two-way cases) and the branches on each side.

Each kink touching the variable has two branches, each a smooth expression with the condition
under which the kink takes it, and a signed gap whose zero is the boundary.  Which side's
derivative PyTorch's autograd takes on the boundary is a property of the operation PyTorch
computes the kink with, found by running it (tests/test_piecewise_losses.py checks each):

* ``max(0, u)`` is ``F.relu(u)``: at u = 0 autograd takes the 0 branch (derivative 0);
  ``min(0, u)`` likewise (``-F.relu(-u)``);
* ``max(a, b)``/``min(a, b)`` otherwise are ``torch.maximum``/``torch.minimum``: at a = b autograd
  gives each argument half the gradient, the mean of the two sides;
* ``|u|`` is ``torch.abs``: at u = 0 the gradient is sign(0) = 0, again the mean of the two sides;
* a cases ``a if c else b`` is ``torch.where(c, a, b)``: on the boundary the branch whose condition
  holds there (``\\le`` includes it, ``<`` does not).

Inside a sum over samples the kink of sample i is the kink of the variable's own sample j (the
only one the variable moves): its conditions are stated with the variable's indices.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .errors import DeriveError

KINKS = (sp.Max, sp.Min, sp.Abs, sp.Piecewise)
_CLOSED = {sp.Gt: sp.Ge, sp.Lt: sp.Le, sp.Ge: sp.Ge, sp.Le: sp.Le}
_NEGATED = {sp.Lt: sp.Ge, sp.Le: sp.Gt, sp.Gt: sp.Le, sp.Ge: sp.Lt}
_FLIPPED = {sp.Gt: sp.Lt, sp.Lt: sp.Gt, sp.Ge: sp.Le, sp.Le: sp.Ge, sp.Eq: sp.Eq}


@dataclass(frozen=True)
class Branch:
    """One side of a kink: ``value`` replaces ``node`` in the loss on it (both as the loss writes
    them); ``condition``, ``gap``, ``mapped_node`` and ``mapped_value`` are stated with the
    variable's own indices.  ``torch_side``: which side PyTorch takes on the boundary ("first",
    "second" or "mean" of the branches 0 and 1); ``torch_rule`` names the operation."""

    node: sp.Basic
    index: int
    value: sp.Basic
    condition: sp.Basic
    gap: sp.Basic
    mapped_node: sp.Basic
    mapped_value: sp.Basic
    torch_side: str
    torch_rule: str


def nested_two_way(expr: sp.Basic) -> sp.Basic:
    """Every Piecewise of more than two rows as two-way ones nested in the last row."""
    def split(piecewise: sp.Piecewise) -> sp.Basic:
        (value, condition), *rest = piecewise.args
        if not rest:
            return value
        if len(rest) == 1 and rest[0][1] == sp.true:
            return piecewise
        return sp.Piecewise((value, condition), (split(sp.Piecewise(*rest)), True))
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), split) if expr.has(sp.Piecewise) else expr


def _depends(expr: sp.Basic, variable: sp.Basic) -> bool:
    return expr.has(variable) or (isinstance(variable, sp.Indexed) and expr.has(variable.base))


def first_kink(expr: sp.Basic, variable: sp.Basic) -> sp.Basic | None:
    """The outermost kink of ``expr`` that moves with ``variable``, if any."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, KINKS) and _depends(node, variable):
            return node
    return None


def relaxed(condition: sp.Basic) -> sp.Basic:
    """A condition with its boundary included (its closure): < as ≤, > as ≥."""
    if isinstance(condition, sp.And):
        return sp.And(*(relaxed(part) for part in condition.args))
    if type(condition) in _CLOSED:
        return _CLOSED[type(condition)](*condition.args)
    return condition


def branches_of(node: sp.Basic, variable: sp.Basic) -> tuple[Branch, Branch]:
    """The two branches of ``node`` (a Max, Min, Abs or two-way Piecewise)."""
    mapping = _index_mapping(node, variable)
    mapped = node.xreplace(mapping)
    stray = {s for s in mapped.free_symbols if s.is_integer and not s.is_positive} - set(getattr(variable, "indices", ()))
    if stray:
        raise DeriveError(f"the kink {node} moves with {variable} in every term of a sum over "
                          f"{', '.join(sorted(map(str, stray)))}: derive splits a kink of one sample at a time "
                          "(an elementwise loss), where one piece holds per component")
    if isinstance(node, (sp.Max, sp.Min)):
        if len(node.args) != 2:
            raise DeriveError(f"{'max' if isinstance(node, sp.Max) else 'min'} of {len(node.args)} arguments: "
                              "write it as nested maxima of two")
        a, b = node.args
        side = "first" if a == 0 else "second" if b == 0 else "mean"
        name = ("F.relu" if isinstance(node, sp.Max) else "-F.relu(-u)") if side != "mean" else \
            ("torch.maximum" if isinstance(node, sp.Max) else "torch.minimum")
        gap = sp.expand((a - b).xreplace(mapping))
        above, below = (sp.Gt, sp.Lt) if isinstance(node, sp.Max) else (sp.Lt, sp.Gt)
        first = (_CLOSED[above] if side == "first" else above)
        second = (_CLOSED[below] if side == "second" else below)
        return (Branch(node, 0, a, readable(first, gap, variable), gap, mapped, a.xreplace(mapping), side, name),
                Branch(node, 1, b, readable(second, gap, variable), gap, mapped, b.xreplace(mapping), side, name))
    if isinstance(node, sp.Abs):
        u = node.args[0]
        gap = u.xreplace(mapping)
        return (Branch(node, 0, u, readable(sp.Gt, gap, variable), gap, mapped, gap, "mean", "torch.abs"),
                Branch(node, 1, -u, readable(sp.Lt, gap, variable), gap, mapped, -gap, "mean", "torch.abs"))
    if isinstance(node, sp.Piecewise):
        (first_value, condition), (second_value, _) = node.args
        if type(condition) not in _CLOSED:
            raise DeriveError(f"the condition {condition} of a cases: expected one relation <, ≤, >, ≥")
        side = "first" if isinstance(condition, (sp.Le, sp.Ge)) else "second"
        holds = condition.xreplace(mapping)
        gap = sp.expand(holds.lhs - holds.rhs)
        # as a person writes it (SymPy's Piecewise turns |d| ≤ δ round into δ ≥ |d|)
        return (Branch(node, 0, first_value, readable(type(holds), gap, variable), gap, mapped,
                       first_value.xreplace(mapping), side, "torch.where"),
                Branch(node, 1, second_value, readable(_NEGATED[type(holds)], gap, variable), gap, mapped,
                       second_value.xreplace(mapping), side, "torch.where"))
    raise DeriveError(f"{node} is not a kink derive splits")


def readable(relation, gap: sp.Basic, variable: sp.Basic) -> sp.Basic:
    """``relation(gap, 0)`` written as a person does: the terms that move with the variable on the
    left, the others on the right, the left without a leading minus (y z ≥ 1, |d| ≤ ε)."""
    moving = [term for term in sp.Add.make_args(gap) if _depends(term, variable)]
    left, right = sp.Add(*moving), -sp.Add(*(term for term in sp.Add.make_args(gap) if not _depends(term, variable)))
    if left.could_extract_minus_sign():
        return _FLIPPED[relation](-left, -right)
    return relation(left, right)


def _index_mapping(node: sp.Basic, variable: sp.Basic) -> dict:
    """The kink of sample i stated for the variable's sample j: {i: j}, or {} for a plain variable.
    A kink the variable moves through more than one component is refused."""
    if not isinstance(variable, sp.Indexed):
        return {}
    components = {atom for atom in node.atoms(sp.Indexed) if atom.base == variable.base}
    if len(components) != 1:
        raise DeriveError(f"the kink {node} moves with {len(components)} components of {variable.base}: derive "
                          "splits a kink of one component at a time (an elementwise loss)")
    component = components.pop()
    # an index a sum binds (i) becomes the variable's (j); a fixed component (z_1) stays as written
    return {a: b for a, b in zip(component.indices, variable.indices) if a != b and isinstance(a, sp.Symbol)}
