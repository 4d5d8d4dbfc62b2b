"""One small check per step kind (a kind the checker does not know is a failure).  Each returns a verdict: ``proved`` (for every size,
resting on the axioms it names), ``numeric`` (at random points only), ``stated`` (a definition or premise of the model) or ``given`` (the
user's starting point); it raises :class:`Refused` where the step is wrong."""
from contextlib import contextmanager

import sympy as sp

from . import rules
from .expressions import read, subtree
from .matrices import PLACES, entry, scalar
from .zero import Refused, carried_out_sums, agree as numbers, equal, proves, verdict_of


def _require(condition, problem) -> None:  # problem: the words, or what makes them, only where it fails
    if not condition:
        raise Refused(problem() if callable(problem) else problem)


def _pairs(ctx, key: str) -> dict:
    pairs = ctx.record.get(key) if isinstance(ctx.record.get(key), list) else []
    _require(pairs and all(isinstance(p, list) and len(p) == 2 for p in pairs), lambda: f"it needs its {key} as [old, new] pairs")
    return {ctx.model.read(old): ctx.model.read(new) for old, new in pairs}


def check_rewrite(ctx) -> dict:
    """Replay the rule: its lhs with the match (times ``rest``) is the part at the location, its rhs put there; conditions discharged."""
    statement, status = rules.known(ctx.record.get("rule"), ctx.rules)
    _require(not (missing := set(statement.get("requires", ())) - ctx.model.facts), lambda: f"the rule needs {sorted(missing)}, which the model does not state")
    _require(isinstance(match := ctx.record.get("match"), dict) and set(match) <= set(statement["wilds"]), "its match binds no wilds of the rule")
    binding = {name: ctx.model.read(value) for name, value in match.items()}
    rules.wild_roles(statement.get("lhs"), roles := dict[str, str]())  # an index or a limit of the rule is constant over its sum:
    bound = [binding[n] for n, role in roles.items() if role == "bound" and n in binding]  # its match may not vary with the index
    _require(not any(binding[n].has(*bound) for n, r in roles.items() if r in ("index", "limit") and n in binding), "a wild matched varies with its sum's index")
    part = ctx.model.read(subtree(ctx.prev_rhs_tree, path := ctx.record.get("location", [])))
    rest = ctx.model.read(ctx.record["rest"]) if "rest" in ctx.record else sp.Integer(1)
    lhs, rhs = (ctx.model.read(statement[side], **binding) for side in ("lhs", "rhs"))
    _require(lhs * rest == part or proves(lhs * rest, part, ctx.model, set()),
             lambda: f"the rule's left side with the match is {lhs * rest}, not the part {part} at {path}")
    replaced = read(ctx.prev_rhs_tree, ctx.model.scope, at=path, put=rhs * rest)
    _require(replaced == ctx.rhs or proves(replaced, ctx.rhs, ctx.model, set()),
             lambda: f"replacing the part by the rule's right side gives {replaced}, not {ctx.rhs}")
    with _ranges_around(ctx, path):  # an index bound around the part ranges over its sum's range
        discharged = [rules.discharge(text, statement["wilds"], binding, ctx.model) for text in statement["conditions"]]
    stated = [(c.get("text"), c.get("how")) if isinstance(c, dict) else c for c in listed] if isinstance(listed := ctx.record.get("conditions"), list) else None
    _require(stated == list(zip(statement["conditions"], discharged)),
             lambda: f"its conditions, each with how it is discharged, are {list(zip(statement['conditions'], discharged))}, not {stated}")
    proved = (theorem := rules.theorem(ctx.record["rule"], statement, status, ctx.model, ctx.cache))["verdict"] == "proved"
    return {**verdict_of(proved, set(), ctx.prev_rhs, ctx.rhs, ctx.model, ctx.rng), **theorem, "conditions": discharged,
            "theorems": [ctx.record["rule"]] if status == "theorem" and proved else [],
            "detail": f"{status} {ctx.record['rule']}" + ("" if proved else ", not proved for every size")}


@contextmanager
def _ranges_around(ctx, path):
    """While inside: the model knows the range of each index a sum binds around the part at ``path``."""
    saved, tree, ctx.model.indices = ctx.model.indices, ctx.prev_rhs_tree, dict(ctx.model.indices)
    for position in path:
        if isinstance(tree, list) and tree[0] in ("Sum", "Product", "Maximum") and position == 0:
            variable, lo, hi = (ctx.model.read(t) for t in tree[2][1:])
            ctx.model.indices[variable] = (lo, hi)
        tree = subtree(tree, [position])
    try:
        yield
    finally:
        ctx.model.indices = saved


def check_local(ctx) -> dict:
    """One part, and nothing else, replaced by one proved equal to it (equal parts make equal wholes)."""
    ((old, new),), path = _pairs(ctx, "definitions").items(), ctx.record.get("location", [])
    _require(ctx.model.read(subtree(ctx.prev_rhs_tree, path)) == old, lambda: f"the previous right side has no {old} at {path}")
    replaced = read(ctx.prev_rhs_tree, ctx.model.scope, at=path, put=new)
    _require(replaced == ctx.rhs, lambda: f"replacing {old} by {new} gives {replaced}, not {ctx.rhs}")
    with _ranges_around(ctx, path):
        proved = proves(old, new, ctx.model, used := set[str]())
    return verdict_of(proved, used, ctx.prev_rhs, ctx.rhs, ctx.model, ctx.rng)  # the whole, at random points


def check_implied(ctx) -> dict:
    """The definitions are the rule's own (pinned); the new lhs by them, the old lhs by the old rhs, equals the new rhs."""
    statement, status = rules.known(ctx.record.get("rule"), ctx.rules)
    own = {ctx.model.read(a): ctx.model.read(b) for a, b in statement.get("defines", [])}
    given = _pairs(ctx, "definitions") if ctx.record.get("definitions") else {}
    _require(given == own, lambda: f"its definitions {given} are not those of the rule {ctx.record['rule']}")
    _require(not any(repr(["Symbol", str(name)]) in repr(ctx.earlier) for name in own), "it defines a name an earlier step uses")
    lhs = ctx.lhs.xreplace(given).xreplace({ctx.prev_lhs: ctx.prev_rhs})
    return {**(verdict := equal(lhs, ctx.rhs, ctx.model, ctx.rng)), "axioms": sorted(set(verdict["axioms"]) | set(rules.axioms_of(ctx.record["rule"])))}


def _allowed(old, new, ctx, exact_row: bool, mapping: dict) -> None:
    """What a mapping may put for a symbol: a size a whole number from its least, a number inside its domain, a prediction its
    declared link, logits the declared layer, a scalar its array's component 1, a matrix of the mapped shape, its entries its own."""
    model, name = ctx.model, old.base.label.name if isinstance(old, sp.Indexed) else getattr(old, "name", None)
    row, single = (old, new) if isinstance(old, sp.Indexed) else (new, old)  # a scalar the component 1 of its array
    domain = model.domain(old)
    if isinstance(old, sp.MatrixSymbol):
        sizes = {k: v for k, v in mapping.items() if isinstance(k, sp.Symbol)}
        _require(isinstance(new, sp.MatrixSymbol) and sp.Tuple(*old.shape).xreplace(sizes) == sp.Tuple(*new.shape),
                 lambda: f"the matrix {new} does not have the shape of {old} at the mapped sizes")
        r, c = (sp.Integer(1) if n == 1 else p for n, p in zip(new.shape, PLACES))
        one = lambda e: e.replace(lambda a: isinstance(a, sp.Indexed) and len(a.indices) > 1 and a.indices[0] == 1,  # noqa: E731
                                  lambda a: a.base[a.indices[1:]])  # t_1k as t_k: one sample is row 1 of N
        _require(one(entry(old, r, c, model.entries).xreplace(sizes)) == one(entry(new, r, c, model.entries)),
                 lambda: f"the entries of {new} are not those of {old}")
    elif not isinstance(old, (sp.Symbol, sp.Indexed)):
        raise Refused(f"a mapping may only put values for symbols, not {old}")
    elif isinstance(old, sp.Symbol) and name in model.minimum:
        _require(new.is_Integer and new >= model.minimum[name], lambda: f"the size {old} = {new} is no whole number from {model.minimum[name]}")
    elif isinstance(row, sp.Indexed) and isinstance(single, sp.Symbol) and row.indices == (1,) and row.base.name == single.name:
        return  # a scalar for its array's component 1, or back
    elif new.is_number:
        value = sp.nsimplify(new) if isinstance(new, sp.Float) else new
        ok = {"probability": lambda v: 0 < v < 1, "positive": lambda v: v > 0,
              "label": lambda v: v in (0, 1), "target": lambda v: 0 <= v <= 1}.get(domain, lambda v: v.is_real)
        _require(bool(ok(value)), lambda: f"{old} = {new} is outside its declared domain ({domain})")
    elif (model.link and name == model.link["prediction"]) or (model.linear and name == model.linear["logits"]):
        _require(proves(model.written(old), model.written(new), model, set()),
                 lambda: f"{old} = {new} is not the declared {'link' if model.link else 'linear layer'} of it")
    else:
        _require(domain not in ("probability", "label", "target") and exact_row and bool(new.is_real),
                 lambda: f"{old} = {new} leaves the declared model")


def check_mapped(ctx) -> dict:
    """``instance``: the mapping put into the old equation gives the new; ``specialises``: put into the new, gives back the old."""
    mapping, instance = _pairs(ctx, "mapping"), ctx.record["check"] == "instance"
    for old, new in mapping.items():
        _allowed(old, new, ctx, instance, mapping)
    if instance:
        _require(ctx.lhs in (ctx.prev_lhs, ctx.prev_lhs.xreplace(mapping)), "the left side changed")
        return equal(ctx.prev_rhs.xreplace(mapping), ctx.rhs, ctx.model, ctx.rng)
    _require(ctx.lhs == ctx.prev_lhs or ctx.lhs.xreplace(mapping) == ctx.prev_lhs,
             "specialising the left side does not give back the old one")
    back = ctx.rhs.xreplace(mapping)
    if back.has(sp.Sum):  # a sum of a size now known, written out (and the like, sound for every size), then mapped again
        back = carried_out_sums(back, dict(ctx.model.indices), ctx.model, set()).xreplace(mapping)
    verdict, sized = equal(ctx.prev_rhs, back, ctx.model, ctx.rng), [o for o in mapping if str(o) in ctx.model.minimum]
    mean = sp.Mul(scalar(ctx.rhs, ctx.model.entries), *sized[:1])  # one size to every size: only a mean over N samples is a definition
    mean = -mean if isinstance(-mean, sp.Sum) else mean
    i = mean.limits[-1][0] if isinstance(mean, sp.Sum) and len(sized) == 1 and verdict["verdict"] == "proved" else None  # a mean
    definition = i is not None and isinstance(ctx.lhs, sp.Symbol) and mean.limits[-1][1:] == (1, sized[0]) and not mean.function.replace(
        lambda e: isinstance(e, sp.Indexed) and i in e.indices, lambda e: sp.Dummy()).has(sized[0], i)  # of one sample's loss: i its index only
    premise = next((s for s in ctx.earlier if s["check"] == "premise" and rules.known(s["rule"], ctx.rules)[1] == "axiom"), None)
    if sized and premise and not definition:  # proved afresh from the chain's premise, which holds at every size
        used, (name, value) = set(rules.axioms_of(premise["rule"])), [ctx.model.read(t) for t in ctx.rules[premise["rule"]]["to"]]
        if proves(ctx.lhs.xreplace({name: value}), ctx.rhs, ctx.model, used):
            return {**verdict, "verdict": "proved", "axioms": sorted(used), "detail": f"from {premise['rule']} at every size"}
    return verdict if not sized else {**verdict, "verdict": "stated", "axioms": ["def-cross-entropy"]} if definition else \
        {**verdict, "verdict": "numeric", "axioms": [], "detail": "a generalisation from one size, not proved for every size"}


def check_differentiated(ctx) -> dict:
    variables = [ctx.model.read(v) for v in ctx.record.get("variables", [])]
    _require(len(variables) == 1, "it must name the one variable both sides are differentiated by")
    _require(ctx.lhs == sp.Derivative(ctx.prev_lhs, variables[0]), "the left side is not the derivative of the old one")
    if ctx.rhs != (target := sp.Derivative(ctx.prev_rhs, variables[0])):
        return equal(target, ctx.rhs, ctx.model, ctx.rng)
    return verdict_of(True, {"derivative"}, target, ctx.rhs, ctx.model, ctx.rng)


def check_derivatives(ctx) -> dict:
    """The matrix lays out the previous line's derivatives: its entry at that line's two indices (over its rows, columns) is it."""
    before, matrix = ctx.prev_lhs, ctx.lhs
    _require(isinstance(matrix, sp.MatrixSymbol) and isinstance(before, sp.Derivative)
             and all(isinstance(v, sp.Indexed) for v in before.variables), "it lays out no derivatives as a matrix")
    by = [ix for v in before.variables for ix in v.indices]
    _require(len(by) == 2 and by[0] != by[1] and all(ctx.model.indices.get(ix) == (1, n) for ix, n in zip(by, matrix.shape)),
             lambda: f"the derivatives are not by two indices running over the rows and columns of {matrix}")
    r, c = by
    _require(entry(matrix, r, c, ctx.model.entries) == before and getattr(ctx.rhs, "shape", None) == matrix.shape,
             lambda: f"the entry ({r}, {c}) of {matrix} is not {before}, or the two sides differ in shape")
    verdict = equal(ctx.prev_rhs, entry(ctx.rhs, r, c, ctx.model.entries), ctx.model, ctx.rng)
    return {**verdict, "axioms": sorted({*verdict["axioms"], "def-matrix"}) if verdict["verdict"] == "proved" else []}


def check_premise(ctx) -> dict:
    """The equation is the stated premise (a pinned definitional axiom) at the model's sizes."""
    statement, status = rules.known(ctx.record.get("rule"), ctx.rules)
    _require("to" in statement, lambda: f"{ctx.record.get('rule')} states no premise")
    sizes, found = {*ctx.model.minimum, *ctx.model.fixed}, dict[str, str]()  # the sizes it may put numbers for, and those it did
    _require(isinstance(ctx.lhs, sp.Symbol) and not ctx.lhs.is_integer, lambda: f"the name it defines, {ctx.lhs}, is a size, index or number")
    _require(_instance_of(statement["to"], [ctx.record["lhs"], ctx.record["rhs"]], sizes, found) and all(int(v) == ctx.model.fixed[k]
             if k in ctx.model.fixed else int(v) >= ctx.model.minimum[k] for k, v in found.items()),
             lambda: f"the equation is not the premise {ctx.record['rule']} (at whole-number sizes)")
    return {"verdict": "stated" if status == "axiom" else "given", "axioms": rules.axioms_of(ctx.record["rule"])}  # a user's: assumed


def _instance_of(pattern, tree, sizes, found: dict) -> bool:
    """Whether ``tree`` is ``pattern`` with some sizes put to whole numbers (recorded in ``found``)."""
    if isinstance(pattern, list) and pattern[:1] == ["Symbol"] and pattern[1] in sizes and tree != pattern:
        ok = isinstance(tree, list) and tree[:1] == ["Integer"] and str(found.setdefault(pattern[1], tree[1])) == tree[1]
        return ok and tree[1].isdigit()
    if isinstance(pattern, list) and isinstance(tree, list) and len(pattern) == len(tree):
        return all(_instance_of(p, t, sizes, found) for p, t in zip(pattern, tree))
    return pattern == tree


def check_starts(ctx) -> dict:
    """A derivation's first step may be given (the user's loss) or define a sequence."""
    _require(ctx.number == 1, lambda: f"only the first step may be {ctx.record['check']}")
    pinned = ctx.record["check"] == "defines" and rules.known(ctx.record.get("rule"), ctx.rules)[1] == "axiom" and _instance_of(
        ctx.rules[ctx.record["rule"]].get("to"), [ctx.record["lhs"], ctx.record["rhs"]], set(), {})  # the catalogue's own sequence
    return {"verdict": "stated", "axioms": ["def-sequence"]} if pinned else {"verdict": "given", "axioms": []}


def check_derived(ctx) -> dict:
    """A nested certificate, checked here (by ``ctx.check_nested``, the certificate's checker); its result must be this step's."""
    _require(isinstance(nested := ctx.record.get("derivation"), dict), "it cites a derivation but holds no certificate of it")
    report = ctx.check_nested(nested, ctx.cache, depth=ctx.depth + 1)
    _require(report["ok"], lambda: f"the derivation it cites fails: {report.get('failure')}")
    _require([nested["steps"][-1][side] for side in ("lhs", "rhs")] == [ctx.record["lhs"], ctx.record["rhs"]],
             "its equation is not the result of the derivation it cites")
    weakest = next((v for v in ("numeric", "given") if v in {s["verdict"] for s in report["steps"]}), "proved")
    return {"verdict": weakest, "axioms": report["axioms"], "theorems": report["theorems"], "detail": f"as derived in {nested.get('name')}",
            "conditions": sorted({c for s in report["steps"] for c in s.get("conditions", ()) if "restriction" in c})}  # a kink: carried


def check_recalled(ctx) -> dict:
    earlier = [n for n, s in enumerate(ctx.earlier, 1) if [s["lhs"], s["rhs"], s["model"]] == [ctx.record[k] for k in ("lhs", "rhs", "model")]]
    _require(earlier, "it recalls an equation no earlier step reached")
    return {**{k: v for k, v in ctx.verdicts[earlier[0] - 1].items() if k not in ("n", "rule", "check")}, "detail": f"step {earlier[0]}, recalled"}


def check_induction(ctx) -> dict:
    """It solves the old recurrence: holds at 0 (an empty sum is 0) and, assumed at t - 1, at t; checked at t = 1..5 either way."""
    (t,) = [ctx.model.read(v) for v in ctx.record.get("variables", [])] or [None]
    _require(isinstance(t, sp.Symbol) and bool(t.is_integer) and ctx.lhs == ctx.prev_lhs, "it names no whole-number variable to induct on")
    solution, base, start = ctx.rhs, ctx.rhs.xreplace({t: 0}), ctx.lhs.xreplace({t: 0})
    recurrence = ctx.prev_rhs.xreplace({ctx.lhs.xreplace({t: t - 1}): solution.xreplace({t: t - 1})})
    for a, b in [(base, start)] + [(solution.xreplace({t: n}), recurrence.xreplace({t: n})) for n in range(1, 6)]:
        numbers(a, b, ctx.model, ctx.rng, 1)
    last = lambda s: isinstance(s, sp.Sum) and len(s.limits) == 1 and s.limits[0][2] == t and (t - s.limits[0][1]).is_nonnegative  # noqa
    peeled = solution.replace(last, lambda s: sp.Sum(s.function, (*s.limits[0][:2], t - 1)) + s.function.xreplace({s.limits[0][0]: t}))
    used: set = {"induction"}  # a sum to t is the sum to t - 1 and its last term
    proved = proves(base, start, ctx.model, used) and proves(peeled, recurrence, ctx.model, used)
    return {"verdict": "proved" if proved else "numeric", "axioms": sorted(used) if proved else [], "points": 6}


def check_solves(ctx) -> dict:
    (unknown,) = [ctx.model.read(v) for v in ctx.record.get("variables", [])] or [None]
    hat = lambda e: (e.base.label.name, e.indices) if isinstance(e, sp.Indexed) else (getattr(e, "name", None), ())  # noqa: E731
    _require(unknown is not None and hat(ctx.lhs) in (hat(unknown), (f"\\hat{{{hat(unknown)[0]}}}", hat(unknown)[1])), "it solves for no unknown")
    return {**equal(ctx.prev_rhs.xreplace({unknown: ctx.rhs}), sp.Integer(0), ctx.model, ctx.rng),
            "detail": "a solution of the previous right side set to zero (uniqueness not checked)"}


def check_substituted(ctx) -> dict:
    """``named``: a part written as the name defined for it; ``eliminated``: a multiplier at its value (the sum-to-one unchecked)."""
    ((name, value),) = _pairs(ctx, "definitions").items()
    named = ctx.record["check"] == "named"
    _require(not (named and (value.has(name) or repr(["Symbol", str(name)]) in repr(ctx.earlier))),  # no earlier step writes it
             lambda: f"the name {name} is not new")
    before, after = (ctx.prev_rhs, ctx.rhs.xreplace({name: value})) if named else (ctx.prev_rhs.xreplace({name: value}), ctx.rhs)
    verdict, j = equal(before, after, ctx.model, ctx.rng), (getattr(ctx.lhs, "indices", None) or [None])[-1]
    if not named and not (j and proves(sp.Sum(ctx.rhs, (j, 1, ctx.model.class_count())), sp.Integer(1), ctx.model, set())):
        verdict = {**verdict, "verdict": "numeric", "axioms": []}  # the multiplier's value: the one making the estimates sum to one
    return {**verdict, "axioms": sorted(set(verdict["axioms"]) | ({"def-name"} if named else set()))}


def check_negative_definite(ctx) -> dict:
    _require((ctx.lhs, ctx.rhs) == (ctx.prev_lhs, ctx.prev_rhs), "the equation changed")
    deltas, by = ctx.rhs.atoms(sp.KroneckerDelta), [v.indices[-1] for v in getattr(ctx.lhs, "variables", ()) if isinstance(v, sp.Indexed)]
    _require(len(deltas) == 1 and len(by) == 2 and set(next(iter(deltas)).args) == set(by), "no diagonal matrix in the two indices")
    diagonal = sp.simplify(ctx.rhs / next(iter(deltas)))
    _require(bool(diagonal.is_negative), lambda: f"the diagonal entry {diagonal} is not negative in the declared domains")
    return {"verdict": "proved", "axioms": ["field"]}


KINDS = {"equal": lambda ctx: equal(ctx.prev_rhs, ctx.rhs, ctx.model, ctx.rng), "rewrite": check_rewrite, "local": check_local,
         "holds": lambda ctx: _require(not any(d.expr.has(*{ctx.model.read(s["lhs"]) for s in ctx.earlier}) for d in ctx.lhs.atoms(sp.Derivative)),
                                       "it differentiates a name an earlier step defines") or equal(ctx.model.written(ctx.lhs), ctx.rhs, ctx.model, ctx.rng),
         "implied": check_implied, "instance": check_mapped, "specialises": check_mapped, "derivatives": check_derivatives,
         "differentiated": check_differentiated, "premise": check_premise, "given": check_starts, "defines": check_starts,
         "derived": check_derived, "recalled": check_recalled, "induction": check_induction, "solves": check_solves,
         "named": check_substituted, "eliminated": check_substituted, "negative_definite": check_negative_definite}
NEEDS_PREVIOUS = set(KINDS) - {"premise", "given", "defines", "derived", "holds", "recalled"}
KEEPS_LHS = {"equal", "rewrite", "local", "named", "eliminated"}  # the kinds that change the right side alone


def check_step(ctx) -> dict:
    kind = ctx.record.get("check")
    _require(isinstance(kind, str) and kind in KINDS, lambda: f"the checker knows no step kind {kind!r}")
    _require(kind not in NEEDS_PREVIOUS or ctx.prev_lhs is not None, "it needs a previous equation")
    _require(kind not in KEEPS_LHS or ctx.lhs == ctx.prev_lhs, lambda: f"the left side changed from {ctx.prev_lhs} to {ctx.lhs}")
    _require(kind not in NEEDS_PREVIOUS - {"instance", "specialises"} or ctx.earlier[-1]["model"] == ctx.record["model"],
             "only a mapping's step takes the equation into another model (where what it reads may mean more)")
    try:
        return KINDS[kind](ctx)
    except (ValueError, KeyError, TypeError, AttributeError, NotImplementedError, RecursionError) as error:  # Malformed, or SymPy
        raise Refused(f"malformed step: {error}") from None
