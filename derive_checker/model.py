"""A certificate's model declaration, read: the scope its expressions are read in, its sizes,
facts and index ranges, and the definitions it states (a link y = softmax(z), a sigmoid)."""
import itertools

import sympy as sp

from .expressions import DEFINITIONS, Malformed, Scope, definitions, refuse, read
from .matrices import PLACES

FACTS = {"one_hot_labels", "binary_labels", "labels_sum_to_one", "probabilities_sum_to_one"}


class Model:
    """What a step may assume, from the declaration alone (never from a symbol's name)."""

    def __init__(self, declaration: dict):
        self.raw, sizes = declaration, declaration.get("sizes", {}) if isinstance(declaration, dict) else None
        if not isinstance(sizes, dict) or not all(isinstance(v, dict) for v in sizes.values()):
            raise Malformed("a model declaration is an object, its sizes each {'min': n} or {'fixed': n}")
        self.fixed = {n: _whole(v["fixed"]) for n, v in sizes.items() if "fixed" in v}
        self.minimum = {n: _whole(v.get("min", 1)) for n, v in sizes.items() if "fixed" not in v}
        self.from_least = {sp.Symbol(n, integer=True, positive=True): sp.Dummy(n, integer=True, nonnegative=True) + least
                           for n, least in self.minimum.items() if least > 1}  # N from 2: N' + 2, N' ≥ 0
        matrices, declared = declaration.get("matrices", {}), declaration.get("symbols", {})
        symbols = {**declared, **{name: "size" for name in self.minimum}, **({p.name: "index" for p in PLACES} if matrices else {})}
        for name in (n for n in (*self.fixed, *symbols) if declared.get(n, symbols.get(n, "size")) != symbols.get(n, "size")):
            refuse(f"{name} is declared {declared[name]!r} but read as a size or an index: what a name is comes from one place")
        self.scope = Scope(symbols, declaration.get("arrays", {}), self.fixed)
        self.scope.shapes = {name: tuple(self.read(n) for n in m["shape"]) for name, m in matrices.items()}
        if not all(len(s) == 2 and n.is_integer and n.is_positive for s in self.scope.shapes.values() for n in s):
            raise Malformed("a matrix's shape is two sizes or whole numbers from 1")
        self.entries = {name: self.read(m["entry"]) for name, m in matrices.items()}  # at matrix_row, matrix_column
        self.facts, self.arrays = set(declaration.get("facts", ())), dict(self.scope.arrays)
        (not self.facts <= FACTS) and refuse(f"unknown facts {sorted(self.facts - FACTS)}")
        self.link, self.linear, self.smoothing, self.one_hot = map(declaration.get, ("link", "linear", "smoothing", "one_hot"))
        ("probabilities_sum_to_one" in self.facts and ((c := self.class_count()).is_Integer and c < 2 or c.is_Symbol and
                                                        self.minimum.get(c.name, 2) < 2)) and refuse("one class: a probability of 1")
        self.positive = [(self.read(p["expr"]), [(self.read(lo), self.read(hi)) for lo, hi in p["ranges"]]) for p in declaration.get("positive", ())]
        self.indices = {sp.Symbol(name, integer=True): (self.read(lo), self.read(hi)) for name, (lo, hi) in declaration.get("indices", {}).items()}
        (self.one_hot and self.arrays.get(self.one_hot.get("classes")) != "class") and refuse("one-hot labels name no class array")
        self.indices.update({self.scope.array(n): (sp.Integer(1), self.class_count()) for n, d in self.arrays.items() if d == "class"})
        (s := self.smoothing) and (not isinstance(s, dict) or self.arrays.get(s.get("of")) not in ("label", "target") or self.arrays.get(s.get("labels")) != "real"
                                   or s["labels"] in [*(self.link or {}).values(), *(self.linear or {}).values()]) and refuse("smoothed labels of no label array, or not their own")
        self.defined = [a for a, on in (("def-label-smoothing", self.smoothing), ("def-one-hot", self.one_hot), ("def-link", self.link)) if on]

    def read(self, tree, **wilds) -> sp.Basic:
        s = self.scope  # a statement's wilds bound to the match
        return read(tree, Scope(s.symbols, s.arrays, s.fixed, wilds, s.shapes) if wilds else s)

    def class_count(self) -> sp.Basic:
        return self.read(self.link.get("classes", ["Symbol", "K"]) if self.link else ["Symbol", "K"])

    def written(self, expr: sp.Basic) -> sp.Basic:
        """``expr`` with smoothed labels, one-hot labels, predictions through the declared link, logits through the declared linear
        layer z_ab = Σ_{g=1}^{D} x_ag W_gb (``def-link``) written by their definitions, but for an array ``expr`` differentiates by."""
        by = {v.base.label.name for d in expr.atoms(sp.Derivative) for v in d.variables if isinstance(v, sp.Indexed)}
        if self.smoothing and self.smoothing["labels"] not in by:  # def-label-smoothing: q_{..k} = (1 - ε) t_{..k} + ε/K
            (q, t), e = (self.scope.array(self.smoothing[role]) for role in ("labels", "of")), self.scope.symbol(self.smoothing["by"])
            expr = expr.xreplace({a: (1 - e) * t[a.indices] + e / self.class_count() for a in expr.atoms(sp.Indexed) if a.base == q})
        if self.one_hot and self.one_hot["labels"] not in by:  # def-one-hot: each label the indicator of its row's class
            t, ell = (self.scope.array(self.one_hot[role]) for role in ("labels", "classes"))
            expr = expr.xreplace({a: sp.KroneckerDelta(a.indices[-1], ell[a.indices[:-1]]) for a in expr.atoms(sp.Indexed) if a.base == t})
        if self.link and self.link["prediction"] not in by:
            (y, z), h = (self.scope.array(self.link[role]) for role in ("prediction", "logits")), sp.Dummy("h", integer=True)
            kinds = {"softmax": lambda ix: sp.exp(z[ix]) / sp.Sum(sp.exp(z[ix[:-1] + (h,)]), (h, 1, self.class_count())),
                     "sigmoid": lambda ix: DEFINITIONS["sigmoid"](z[ix]), "exp": lambda ix: sp.exp(z[ix])}  # exp: z = log y
            table = {a: kinds[self.link["kind"]](a.indices) for a in expr.atoms(sp.Indexed) if a.base == y}
            if self.link["kind"] == "sigmoid":  # a scalar prediction too
                table[self.scope.symbol(self.link["prediction"])] = DEFINITIONS["sigmoid"](self.scope.symbol(self.link["logits"]))
            expr = expr.xreplace(table)
        if self.linear and self.linear["logits"] not in by:
            x, w, z = (self.scope.array(self.linear[role]) for role in ("inputs", "weights", "logits"))
            g, features = sp.Dummy("g", integer=True), self.scope.symbol(self.linear["features"])
            expr = expr.xreplace({a: sp.Sum(x[a.indices[0], g] * w[g, a.indices[1]], (g, 1, features)) for a in expr.atoms(sp.Indexed) if a.base == z and len(a.indices) == 2})
        return expr

    def domain(self, atom: sp.Basic) -> str:
        """What the declaration says a component or scalar may be."""
        return self.arrays.get(atom.base.label.name, "any") if isinstance(atom, sp.Indexed) else self.scope.symbols.get(getattr(atom, "name", None), "any")

    def declared_positive(self, expr: sp.Basic) -> bool:
        """Whether a statement of the model (``component_index_n`` at indices inside its ranges) is ``expr`` > 0."""
        from .zero import canonical, provably_inside  # alike up to bound names, own functions by their definitions (def-)
        indices, expr = sorted({ix for a in expr.atoms(sp.Indexed) for ix in a.indices}, key=sp.default_sort_key)[:6], canonical(definitions(expr))
        for pattern, ranges in self.positive:
            holders = [sp.Symbol(f"component_index_{n}", integer=True) for n in range(len(ranges))]
            for values in itertools.product(indices, repeat=len(ranges)):
                table = dict(zip(holders, values))
                if canonical(definitions(pattern.xreplace(table))) == expr and all(
                        provably_inside(v, lo.xreplace(table), hi.xreplace(table), self.indices, self) for v, (lo, hi) in zip(values, ranges)):
                    return True
        return False

    def depends(self, expr: sp.Basic, variable: sp.Basic) -> bool:
        """Whether ``expr`` may change with ``variable`` (a component with its whole array), its link written."""
        return self.written(expr).has(variable.base if isinstance(variable, sp.Indexed) else variable)  # a component: its array


def _whole(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10_000 else refuse(f"a size is a whole number from 1, not {value!r}")
