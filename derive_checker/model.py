"""A certificate's model declaration, read: the scope its expressions are read in, its sizes,
facts and index ranges, and the definitions it states (a link y = softmax(z), a sigmoid)."""
from __future__ import annotations

import itertools

import sympy as sp

from .expressions import Malformed, Scope, read

FACTS = {"one_hot_labels", "binary_labels", "labels_sum_to_one", "probabilities_sum_to_one"}


class Model:
    """What a step may assume, from the declaration alone (never from a symbol's name)."""

    def __init__(self, declaration: dict):
        if not isinstance(declaration, dict):
            raise Malformed("a model declaration must be an object")
        self.raw = declaration
        sizes = declaration.get("sizes", {})
        if not isinstance(sizes, dict) or not all(isinstance(v, dict) for v in sizes.values()):
            raise Malformed("sizes must map each size to {'min': n} or {'fixed': n}")
        self.fixed = {n: _whole(v["fixed"]) for n, v in sizes.items() if "fixed" in v}
        self.minimum = {n: _whole(v.get("min", 1)) for n, v in sizes.items() if "fixed" not in v}
        symbols = dict(declaration.get("symbols", {}))
        symbols.update({name: "size" for name in self.minimum})
        self.scope = Scope(symbols, declaration.get("arrays", {}), self.fixed)
        self.facts = set(declaration.get("facts", ()))
        if not self.facts <= FACTS:
            raise Malformed(f"unknown facts {sorted(self.facts - FACTS)}")
        self.arrays = dict(self.scope.arrays)
        self.link = declaration.get("link")
        if declaration.get("linear"):
            raise Malformed("the checker knows no linear layer z = XW (matrix forms are not certified)")
        self.positive = [(self.read(p["expr"]), [(self.read(lo), self.read(hi)) for lo, hi in p["ranges"]])
                         for p in declaration.get("positive", ())]  # what the loss needs positive, over ranges
        self.indices = {sp.Symbol(name, integer=True): (self.read(lo), self.read(hi))
                        for name, (lo, hi) in declaration.get("indices", {}).items()}

    def read(self, tree, **wilds) -> sp.Basic:
        return read(tree, self.scope.with_wilds(wilds) if wilds else self.scope)

    def sizes(self) -> list[sp.Symbol]:
        return [sp.Symbol(name, integer=True, positive=True) for name in sorted(self.minimum)]

    def class_count(self) -> sp.Basic:
        classes = self.link.get("classes", ["Symbol", "K"]) if self.link else ["Symbol", "K"]
        return self.read(classes)

    def written(self, expr: sp.Basic) -> sp.Basic:
        """``expr`` with each prediction written through the declared link of the logits (``def-link``)."""
        if self.link and not any(isinstance(v, sp.Indexed) and v.base.label.name == self.link["prediction"]
                                 for d in expr.atoms(sp.Derivative) for v in d.variables):
            y, z = self.scope.array(self.link["prediction"]), self.scope.array(self.link["logits"])
            table = {}
            for atom in expr.atoms(sp.Indexed):
                if atom.base == y and self.link["kind"] == "softmax":
                    h = sp.Dummy("h", integer=True)
                    table[atom] = sp.exp(z[atom.indices]) / sp.Sum(sp.exp(z[atom.indices[:-1] + (h,)]), (h, 1, self.class_count()))
                elif atom.base == y:
                    table[atom] = 1 / (1 + sp.exp(-z[atom.indices]))
            scalar_y = self.scope.symbol(self.link["prediction"])
            if self.link["kind"] == "sigmoid" and expr.has(scalar_y):
                table[scalar_y] = 1 / (1 + sp.exp(-self.scope.symbol(self.link["logits"])))
            expr = expr.xreplace(table)
        return expr

    def domain(self, atom: sp.Basic) -> str:
        """What the declaration says a component or scalar may be."""
        if isinstance(atom, sp.Indexed):
            return self.arrays.get(atom.base.label.name, "any")
        return self.scope.symbols.get(atom.name, "any") if isinstance(atom, sp.Symbol) else "any"

    def declared_positive(self, expr: sp.Basic) -> bool:
        """Whether the model states ``expr`` positive: a statement's expression at index values
        (``component_index_n`` its placeholders) provably inside the statement's ranges."""
        from .zero import _inside
        indices = sorted({ix for a in expr.atoms(sp.Indexed) for ix in a.indices}, key=sp.default_sort_key)[:6]
        for pattern, ranges in self.positive:
            holders = [sp.Symbol(f"component_index_{n}", integer=True) for n in range(len(ranges))]
            for values in itertools.product(indices, repeat=len(ranges)):
                table = dict(zip(holders, values))
                if pattern.xreplace(table) == expr and all(
                        _inside(v, lo.xreplace(table), hi.xreplace(table), self.indices) for v, (lo, hi) in zip(values, ranges)):
                    return True
        return False

    def depends(self, expr: sp.Basic, variable: sp.Basic) -> bool:
        """Whether ``expr`` may change with ``variable`` (a component with its whole array; a
        prediction with the logits its declared link makes it of)."""
        expr = self.written(expr)
        base = variable.base if isinstance(variable, sp.Indexed) else variable
        return expr.has(base) or expr.has(variable)


def _whole(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10_000:
        raise Malformed(f"a size is a whole number from 1, not {value!r}")
    return value
