"""The one zero test: is ``before - after`` zero for every size?  Each normalisation rests on a stated axiom, recorded
when it changes something: matrices read as entries, definitions written out, exp of a sum split, derivatives and limits
(of no sum) carried out; sums split by linearity, constants out, a Kronecker delta collapsed only where the other index
provably lies in the range, a constant summed only where the count of terms is ≥ 0, the sums and the last component the
model states used; bound indices renamed.  The rest compared as a rational function of its atoms (each sum one), log laws
for positive arguments, then ``simplify``; by cases on signs, or through the link.  No proof: "checked numerically"."""
import sympy as sp

from .cases import equal_by_cases
from .expressions import OWN, Maximum, definitions
from .matrices import scalar
from .numeric import ROW_FACTS, WORK, Refused, agree

BINDERS = (sp.Sum, sp.Product, Maximum)
SIMPLIFY_OPS = 300  # past this, SymPy's simplify is not asked (it may run for minutes)


def normal(expr: sp.Basic, model, used: set) -> sp.Basic:
    """``expr`` normalised (see the module); the axioms each change rests on join ``used``."""
    step = lambda axiom, new, old: used.update([axiom] if new != old else []) or new  # noqa: E731 - new, the axiom noted
    expr = step("def-matrix", scalar(expr, model.entries), expr)
    used.update(f"def-{name}" for name, function in OWN.items() if expr.has(function))
    expr = definitions(expr)
    expr = step("sum-finite", expr.replace(lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.Product) and e.args[0]
                                           .function.is_positive, lambda e: sp.Sum(sp.log(e.args[0].function), *e.args[0].limits)), expr)
    expr = step("log-laws", sp.expand_log(expr, force=False), expr)  # for positive arguments only
    split = lambda e: (isinstance(e, sp.exp) or e.is_Pow) and e.exp.is_Add and (  # noqa: E731 - a base known positive, or stated so
        isinstance(e, sp.exp) or e.base.is_positive or model.declared_positive(e.base))
    powers = lambda x: step("exp-laws", x.replace(split, lambda e: sp.Mul(*(e.base ** a for a in e.exp.args))), x)  # noqa: E731
    expr = powers(expr)
    smooth = lambda e: isinstance(e, sp.Derivative) and not e.expr.has(sp.Max, sp.Min, sp.Abs, sp.Heaviside)  # noqa: E731 - no kink
    expr = step("derivative", expr.replace(smooth, lambda e: sp.diff(e.expr, *e.variables)), expr)
    expr = step("limit", expr.replace(lambda e: isinstance(e, sp.Limit) and not e.has(*BINDERS), lambda e: e.doit()), expr)
    expr = powers(_row_ends(carried_out_sums(expr, dict(model.indices), model, used), model, used))  # a collapsed index: its range known
    return step("alpha", canonical(expr), expr)


def _row_ends(expr: sp.Basic, model, used: set) -> sp.Basic:
    """With K a whole number, a row the model states sums to one has its K-th component 1 minus the others (that fact)."""
    count, table = model.class_count(), {}
    for a in expr.atoms(sp.Indexed) if count.is_Integer else ():
        fact = ROW_FACTS.get(model.arrays.get(a.base.label.name))
        if fact is not None and fact in model.facts and a.indices[-1] == count:
            table[a] = 1 - sum(a.base[a.indices[:-1] + (k,)] for k in range(1, int(count)))
            used.add("fact-" + fact.replace("_", "-"))
    return expr.xreplace(table)


def carried_out_sums(expr: sp.Basic, ranges: dict, model, used: set) -> sp.Basic:
    if not expr.has(sp.Sum):
        return expr
    if not isinstance(expr, sp.Sum):
        return expr.func(*(carried_out_sums(a, ranges, model, used) for a in expr.args))
    ranges = {**ranges, **{v: (a, b) for v, a, b in expr.limits}}
    total = carried_out_sums(expr.function, ranges, model, used)
    for j, lo, hi in expr.limits:  # the innermost first; a sum left as it is stays (never re-read)
        delta = any(j in d.args for d in total.atoms(sp.KroneckerDelta))  # a delta on j collapses the sum, unwritten
        if (hi - lo).is_Integer and -1 <= hi - lo <= 12 and sp.count_ops(total) * (hi - lo + 1) <= WORK // 2 and not delta:
            used.add("sum-finite")
            total = carried_out_sums(sp.Add(*(total.xreplace({j: lo + n}) for n in range(int(hi - lo) + 1))), ranges, model, used)
            continue
        terms = sp.Add.make_args(_expand(total))
        used.update(["sum-linearity"] if len(terms) > 1 else [])
        total = sp.Add(*(_sum_term(term, j, lo, hi, ranges, model, used) for term in terms))
    return total


def _expand(expr: sp.Basic) -> sp.Basic:
    return sp.expand_mul(expr) if sp.count_ops(expr) < 200 else expr


def _sum_term(term, j, lo, hi, ranges, model, used):
    """``Σ_{j=lo}^{hi} term``: constant factors out, a delta collapsed, a constant summed, a stated sum used."""
    constant, varying = term.as_independent(j, as_Add=False)
    used.update(["sum-linearity"] if constant != 1 else [])
    if varying == 1 and (hi - lo + 1).is_nonnegative and (hi - lo).is_integer:
        used.add("sum-constant")
        return constant * (hi - lo + 1)
    for delta in sorted({f for f in sp.Mul.make_args(varying) if isinstance(f, sp.KroneckerDelta)}, key=sp.default_sort_key):  # a factor
        a, b = delta.args
        other = b if a == j else a if b == j else None
        captured = {j, *getattr(other, "free_symbols", ())} & {v for s in varying.atoms(*BINDERS) for v, *_ in s.limits}  # a name
        if other is not None and not other.has(j) and not captured and provably_inside(other, lo, hi, ranges, model):  # re-bound inside
            used.add("delta-collapse")
            return constant * (varying / delta).xreplace({j: other})
    if (stated := _stated_sum(varying, j, lo, hi, model)) is not None:
        used.add(stated)
        return constant
    return constant * sp.Sum(varying, (j, lo, hi))


def provably_inside(index, lo, hi, ranges, model) -> bool:
    """Whether ``index`` provably lies in ``[lo, hi]`` for every size from its declared least (its range from ``ranges``)."""
    low, high = (index, index) if index.is_Integer else ranges.get(index, ranges.get(getattr(index, "base", None), (None, None)))
    return low is not None and all(bool(sp.expand(gap.xreplace(model.from_least)).is_nonnegative) for gap in (low - lo, hi - high))


def _stated_sum(varying, j, lo, hi, model):
    """A row of labels or probabilities summed over all classes: 1, where the model states it."""
    if not isinstance(varying, sp.Indexed) or varying.indices[-1] != j or any(ix.has(j) for ix in varying.indices[:-1]):
        return None
    fact = ROW_FACTS.get(model.arrays.get(varying.base.label.name))
    ok = fact in model.facts and lo == 1 and sp.expand(hi - model.class_count()) == 0
    return "fact-" + fact.replace("_", "-") if ok else None


def canonical(expr: sp.Basic) -> sp.Basic:
    """Bound indices renamed in order of appearance, so sums differing only in those names agree."""
    names = iter(sp.Symbol(f"_b{n}", integer=True) for n in range(10_000))

    def rename(node):
        if not node.args or isinstance(node, (sp.Indexed, sp.IndexedBase)):
            return node
        if not isinstance(node, BINDERS):
            return node.func(*map(rename, node.args))
        fresh = {variable: next(names) for variable, *_ in node.limits}  # inner binders renamed first (no capture); a limit's
        return node.func(rename(node.function).xreplace(fresh), *((fresh[v], *(rename(x).xreplace(  # ends read outside it (an
            {w: fresh[w] for w, *_ in node.limits[k + 1:]}) for x in b)) for k, (v, *b) in enumerate(node.limits)))  # outer one's)
    return rename(expr)


def _atoms(expr: sp.Basic) -> sp.Basic:
    """Each sum, product, maximum one unknown (alike up to bound names: one), positive or real where its terms are (and it has some)."""
    table, named = dict[sp.Basic, sp.Basic](), dict[sp.Basic, sp.Basic]()
    for node in sp.preorder_traversal(expr):
        if isinstance(node, BINDERS) and node not in table:
            nonempty = all((hi - lo).is_nonnegative for _, lo, hi in node.limits)
            positive = bool(node.function.is_positive) and (nonempty or isinstance(node, sp.Product))
            table[node] = named.setdefault(canonical(node), sp.Dummy("S", positive=positive or None,
                                                                       real=bool(node.function.is_real) or None))
    return expr.xreplace(table)


def proves(before: sp.Basic, after: sp.Basic, model, used: set) -> bool:
    """Whether ``before == after`` for every size: as they stand, else with the model's definitions written out (``def-``), simplify
    tried last; a real x inside |x|, max or min (at most 3 of them) in the two cases x = u and x = -u, u ≥ 0 (``order``)."""
    before, after = both = sp.Tuple(before, after).xreplace({f: sp.Rational(str(f)) for f in sp.Tuple(before, after).atoms(sp.Float)})  # a decimal as written
    free, labels = both.free_symbols, {a.base.label for a in both.atoms(sp.Indexed)}  # never an array's name, a bound index,
    labels |= {v for d in both.atoms(sp.Limit, sp.Derivative) for v in (d.args[1:2] if isinstance(d, sp.Limit) else d.variables)}
    real = sorted({s for f in both.atoms(sp.Abs, sp.Max, sp.Min, sp.Piecewise) for s in f.free_symbols & free - labels if s.is_real
                   and not (s.is_nonnegative or s.is_nonpositive or {*getattr(s, "indices", ())} - free - s.atoms(sp.Integer))},
                  key=sp.default_sort_key)
    if both.has(sp.Piecewise):  # cases: cut where they change, in one of the variables
        return any(equal_by_cases(before - after, x) for x in real[:3]) and not used.update(["order", "field"])
    if 0 < len(real) <= 3:
        u = sp.Dummy("u", nonnegative=True)
        return all(proves(*both.xreplace({real[0]: v}), model, used) for v in (u, -u)) and not used.add("order")  # type: ignore[call-arg]  # *a SymPy Tuple of 2: mypy spreads *Any on every parameter
    sides = [both, *([written] if model.defined and (written := model.written(both)) != both else [])]  # simplify last: after the (def-)
    return any(_proves(*s, model, used, heavy) and not (s is not both and used.update(model.defined)) for heavy in (False, True) for s in sides)  # type: ignore[call-arg]  # definitions written out


def _proves(before: sp.Basic, after: sp.Basic, model, used: set, heavy: bool = True) -> bool:
    try:
        both = sp.Tuple(before, after)
        if both.has(sp.Derivative) and (model.link or model.linear) and model.written(both) != both:
            before, after = model.written(both)  # both sides through the link (or neither)
            used.add("def-link")
        a, b = normal(before, model, used), normal(after, model, used)
        if a == b:
            return True
        difference = _atoms(a - b)
        if difference.has(sp.Sum, sp.Product, Maximum, sp.Derivative, sp.Limit, sp.Piecewise):  # a case: 0 log 0 = 0 (SymPy takes log u finite)
            return False
        used.add("field")
        if _expand(difference) == 0 or sp.cancel(sp.together(_expand(difference))) == 0:
            return True
        logs = sp.expand_log(difference, force=False)
        if logs != difference and sp.cancel(sp.together(_expand(logs))) == 0:
            return not used.add("log-laws")
        return heavy and sp.count_ops(difference) <= SIMPLIFY_OPS and sp.simplify(difference) == 0 and not used.update({"log-laws", "exp-log"})
    except (TypeError, ValueError, NotImplementedError, RecursionError, sp.PolynomialError):
        return False


def equal(before: sp.Basic, after: sp.Basic, model, rng) -> dict:
    """``proved`` (with its axioms) or ``numeric``; random points either way (more without a proof), a disagreement a refusal."""
    return verdict_of(proves(before, after, model, used := set[str]()), used, before, after, model, rng)


def verdict_of(proved: bool, used: set, before: sp.Basic, after: sp.Basic, model, rng) -> dict:
    """A proof's verdict with the axioms it used, else ``numeric``; random points (more without a proof) checked either way."""
    points, worst = agree(before, after, model, rng, 1 if proved else 3)
    return {"verdict": "proved" if proved else "numeric", "axioms": sorted(used) if proved else [], "points": points, "worst": worst}
