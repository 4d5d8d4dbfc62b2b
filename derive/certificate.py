"""Write a derivation as a certificate: a JSON document the checker (:mod:`derive_checker`) re-checks alone.

The schema ``derive-certificate/1`` is documented key by key in ``docs/certificate.md``.  Expressions
are JSON trees (``["Add", a, b]``, ``["Indexed", "y", i, k]``, ``["Sum", f, ["Limits", k, 1, K]]``),
sums with one limit each, nested as the rules see them, so a step's location (child positions)
points into the tree as it points into the expression.  What a symbol may be is written into the
model declaration from the engine's model, never left to a symbol's name.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from . import conventions as c
from . import vector_forms as vf
from . import extensions
from .catalogue import get_rule, load_catalogue, rules_directory
from .errors import CatalogueError, DeriveError
from .expression_paths import replace_at, subexpression_at
from .index_extents import free_indices
from .positivity import statement as positivity_statement
from .proof_record import PIN_KEY, read_record, record_digest
from .rewriting import match_once, parts
from .steps import RESTRICTED, Equation

SCHEMA = "derive-certificate/1"
CATALOGUE_SCHEMA = "derive-catalogue/1"
_OWN = {"sigmoid", "softmax", "xlogy", "xlog1py", "log1p", "expm1"}
_UNARY = {"log", "exp", "Abs", "sin", "cos", "tan", "atan", "sinh", "cosh", "tanh"}


class NotCertifiable(DeriveError):
    """An expression or step the certificate format cannot state."""


_RELATIONS = {sp.Eq: "Eq", sp.Ne: "Ne", sp.Lt: "Lt", sp.Le: "Le", sp.Gt: "Gt", sp.Ge: "Ge"}


def tree(expr, wilds: Mapping[str, str] | None = None) -> list:
    """The JSON tree of ``expr``; a ``sympy.Wild`` (or a symbol named in ``wilds``) is ``["Wild", name]``."""
    expr = sp.Integer(expr) if isinstance(expr, int) else expr
    if isinstance(expr, sp.Wild) or (wilds and isinstance(expr, sp.Symbol) and expr.name in wilds):
        return ["Wild", expr.name]
    if expr.is_Integer:
        return ["Integer", str(int(expr))]
    if expr.is_Rational:
        return ["Rational", str(expr.p), str(expr.q)]
    if isinstance(expr, sp.Float):
        return ["Float", str(expr), expr._prec]
    constants = {sp.E: "Exp1", sp.pi: "Pi", sp.oo: "Infinity", -sp.oo: "NegativeInfinity"}
    if expr in constants:
        return [constants[expr]]
    if isinstance(expr, sp.Dummy):
        raise NotCertifiable(f"a dummy symbol {expr} has no name a certificate can hold")
    if isinstance(expr, sp.Symbol):
        return ["Symbol", expr.name]
    if isinstance(expr, sp.Indexed):
        return ["Indexed", expr.base.label.name, *(tree(ix, wilds) for ix in expr.indices)]
    kids = lambda args: [tree(a, wilds) for a in args]  # noqa: E731
    if isinstance(expr, (sp.Add, sp.Mul, sp.Max, sp.Min, sp.Pow, sp.KroneckerDelta)):
        return [type(expr).__name__, *kids(expr.args)]
    if isinstance(expr, sp.MatrixSymbol):  # its shape and entries: the model's "matrices"
        return ["MatrixSymbol", expr.name]
    if isinstance(expr, (sp.MatMul, sp.MatAdd, sp.Transpose, sp.Trace, sp.DiagMatrix)):
        return [type(expr).__name__, *kids(expr.args)]
    if isinstance(expr, ElementwiseApplyFunction):
        function = expr.function
        if isinstance(function, sp.Lambda) and len(function.variables) == 1:
            function = function.expr.func if function.expr.args == function.variables else None
        if getattr(function, "__name__", None) not in _UNARY:
            raise NotCertifiable(f"a function applied elementwise must be one of {sorted(_UNARY)}")
        return ["Elementwise", function.__name__, tree(expr.expr, wilds)]
    name = type(expr).__name__
    if name in ("Sum", "Product", "Maximum"):
        inner = tree(expr.function, wilds)
        for variable, lower, upper in expr.limits:  # the last limit outermost, as the rules see them
            inner = [name, inner, ["Limits", tree(variable, wilds), tree(lower, wilds), tree(upper, wilds)]]
        return inner
    if isinstance(expr, sp.Derivative):
        return ["Derivative", tree(expr.expr, wilds),
                *(tree(v, wilds) for v, count in expr.variable_count for _ in range(count))]
    if isinstance(expr, sp.Limit):
        if str(expr.args[3]) != "+":
            raise NotCertifiable(f"a limit from the {expr.args[3]} side")
        return ["Limit", *kids(expr.args[:3])]
    if name in _UNARY | _OWN and (isinstance(expr, sp.Function) or isinstance(expr, AppliedUndef)):
        return [name, *kids(expr.args)]
    if isinstance(expr, sp.Piecewise):  # cases: each value with its condition (the checker proves a collapse by cases)
        return ["Piecewise", *(["Case", tree(value, wilds), tree(condition, wilds)] for value, condition in expr.args)]
    if expr is sp.true:
        return ["BooleanTrue"]
    if type(expr) in _RELATIONS or isinstance(expr, (sp.And, sp.Or)):
        return [_RELATIONS.get(type(expr), name), *kids(expr.args)]
    if isinstance(expr, sp.Heaviside):  # the step H(u) with its value at 0 (SymPy's 1/2; a kink excludes u = 0)
        return ["Heaviside", *kids(expr.args)]
    raise NotCertifiable(f"the certificate format has no head for {name} ({expr})")


# ----- the model -------------------------------------------------------------------------------

def _domain(symbol: sp.Basic, model, array: bool) -> str:
    base = symbol
    if base in (c.y, c.y_scalar) or (array and base == c.y.label):
        return "unit" if model.unit_draws else "probability"
    if base in (c.t, c.t_scalar) or (array and base == c.t.label):
        return "label" if {"one_hot_labels", "binary_labels"} & model.facts else "target"
    if base in set(c.SIZES + model.sizes):
        return "size"
    if base == c.ell or (array and base == c.ell.label):  # a sample's class, 1..K: the integer labels' own array
        return "class"
    if getattr(base, "is_integer", False):
        return "index"
    if getattr(base, "is_positive", False):
        return "positive"
    if model.unit_draws and getattr(base, "is_real", False):
        return "unit"
    return "real" if getattr(base, "is_real", False) else "any"


def _symbols_of(exprs) -> tuple[dict, dict]:
    """Every scalar symbol and every array in ``exprs``, by name (two of one name are refused)."""
    scalars: dict[str, sp.Basic] = {}
    arrays: dict[str, sp.Basic] = {}

    def walk(node):
        if isinstance(node, sp.MatrixSymbol):
            nodes = node.shape
        elif isinstance(node, sp.Indexed):
            _one(arrays, node.base.label.name, node.base)
            nodes = node.indices
        elif isinstance(node, sp.Lambda):  # a function applied elementwise: its variable is bound
            nodes = ()
        elif isinstance(node, sp.Symbol):
            _one(scalars, node.name, node)
            nodes = ()
        else:
            nodes = node.args
        for each in nodes:
            walk(each)
    for expr in exprs:
        walk(expr)
    return scalars, arrays


def _one(table: dict, name: str, value) -> None:
    if table.setdefault(name, value) != value:
        raise NotCertifiable(f"two different symbols are named {name!r}: {table[name]!r} and {value!r}")


ROW, COLUMN = sp.Symbol("matrix_row", integer=True), sp.Symbol("matrix_column", integer=True)


def _matrices(exprs, named: Mapping) -> dict:
    """Each matrix symbol's shape and entry (``matrix_row``, ``matrix_column``): a component of the
    array it stands for, or (a gradient's or Hessian's name) the derivative its step names."""
    found: dict = {}
    for expr in exprs:
        for symbol in getattr(expr, "atoms", lambda *_: ())(sp.MatrixSymbol):
            _one(found, symbol.name, symbol)
    entries = {}
    for name, symbol in sorted(found.items()):
        base, how = vf.indexed_of(symbol)
        if name in named:
            entries[name] = (symbol.shape, named[name])
        elif base is not None:  # a row vector's entry is at its column, a column vector's at its row
            entries[name] = (symbol.shape, base[COLUMN] if how == "row" else base[ROW] if how == "column" else base[ROW, COLUMN])
        else:
            raise NotCertifiable(f"the matrix {name} stands for no array and names no derivatives")
    return entries


def model_declaration(model, exprs, named: Mapping | None = None) -> dict:
    """What the checker may assume: each symbol's and array's domain, the sizes (from 1, or fixed),
    the facts the model states, its link and linear layer, each free index's range, and what each
    matrix symbol stands for (``named``: a gradient's name -> the derivative that is its entry)."""
    scalars, arrays = _symbols_of(exprs)
    least = lambda size: {"min": model.least_size(size)}  # noqa: E731 - a categorical K from 2, a size the question bounds
    sizes = {s.name: least(s) for s in scalars.values() if s in set(c.SIZES + model.sizes)}
    if model.classes:
        sizes["K"] = {"fixed": int(model.classes)}
    indices: dict[str, list] = {}
    for expr in exprs:
        for index in free_indices(expr):
            upper = model.range_of(index, expr)
            if indices.setdefault(index.name, tree(upper)) != tree(upper):
                indices[index.name] = ["Symbol", "K"] if tree(upper) == ["Symbol", "K"] else indices[index.name]
    ranges = {json.dumps(upper) for upper in indices.values()}
    for size in sorted(set(c.SIZES + model.sizes), key=str):  # a size only an index's range, the link or the layer speaks of
        spoken = json.dumps(tree(size)) in ranges or (size == c.K and model.link and not model.classes) \
            or (size == c.D and model.linear)
        if spoken and size.name not in sizes:
            sizes[size.name] = least(size)
    matrices = _matrices(exprs, named or {})
    more_scalars, more_arrays = _symbols_of([entry for _, entry in matrices.values()])
    scalars.update((n, s) for n, s in more_scalars.items() if s not in (ROW, COLUMN))
    arrays.update(more_arrays)
    declaration: dict[str, Any] = {
        "symbols": {name: _domain(s, model, False) for name, s in sorted(scalars.items())},
        "arrays": {name: _domain(b, model, True) for name, b in sorted(arrays.items())},
        "sizes": sizes,
        "facts": sorted(model.facts),
        "indices": {name: [["Integer", "1"], upper] for name, upper in sorted(indices.items())},
    }
    if model.positive:  # what the user's loss needs positive to be real: the arguments of its logs
        stated = [positivity_statement(item) for item in model.positive]
        declaration["positive"] = sorted(({"expr": tree(p.pattern), "ranges": [[tree(lo), tree(hi)] for lo, hi in p.ranges]}
                                          for p in stated), key=json.dumps)
    if matrices:
        declaration["symbols"].update({ROW.name: "index", COLUMN.name: "index"})
        declaration["matrices"] = {name: {"shape": [tree(n) for n in shape], "entry": tree(entry)}
                                   for name, (shape, entry) in matrices.items()}
    if c.q.label.name in arrays and model.categorical:  # smoothed labels, q_ik = (1 - epsilon) t_ik + epsilon/K (a user's q is their own)
        declaration["smoothing"] = {"labels": c.q.label.name, "of": c.t.label.name, "by": c.epsilon.name}
        declaration["symbols"].setdefault(c.epsilon.name, _domain(c.epsilon, model, False))
        declaration["arrays"].setdefault(c.t.label.name, _domain(c.t, model, True))
        sizes.setdefault("K", least(c.K))
    if "ell" in arrays and "one_hot_labels" in model.facts:  # the one-hot labels are the indicators of the samples' classes
        declaration["one_hot"] = {"labels": c.t.label.name, "classes": c.ell.label.name}
        sizes.setdefault("K", least(c.K))  # how far each class runs, where no sum over the classes is left
    if model.link:
        declaration["link"] = {"kind": str(model.link), "prediction": "y", "logits": "z",
                               "classes": ["Integer", str(model.classes)] if model.classes else ["Symbol", "K"]}
    if model.linear:
        declaration["linear"] = {"logits": "z", "inputs": "x", "weights": "W", "features": "D"}
    return declaration


# ----- rules -----------------------------------------------------------------------------------

def rule_statement(rule) -> dict:
    """A rule's logical content as trees (its wilds as ``["Wild", name]``): what the checker's pins hash."""
    plain = {name: sp.Symbol(name) for name in rule.wild_names}
    content: dict = {"name": rule.name, "operation": rule.operation, "wilds": list(rule.wild_names),
                     "conditions": [cond.text for cond in rule.conditions], "requires": list(rule.requires)}
    for key in ("lhs", "rhs"):
        if key in rule.data:
            content[key] = tree(rule.pattern(key, plain), plain)
    if "to" in rule.data:
        content["to"] = [tree(side, plain) for side in rule.patterns("to", plain)]
    if "defines" in rule.data:
        content["defines"] = [[tree(a, plain), tree(b, plain)] for a, b in rule.table("defines", plain).items()]
    return content


def pin(statement: Mapping) -> str:
    """SHA-256 of a statement's logical content (the checker keeps a table of these for its axioms)."""
    logical = {key: statement[key] for key in ("lhs", "rhs", "to", "defines", "wilds", "conditions", "requires")
               if key in statement}
    return hashlib.sha256(json.dumps(logical, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def catalogue_certificate() -> dict:
    """Every rule of the catalogue, stated: what ``derive verify --rules`` re-checks."""
    return {"schema": CATALOGUE_SCHEMA, "model": CATALOGUE_MODEL,
            "rules": [rule_statement(rule) for rule in load_catalogue().values()]}


CATALOGUE_MODEL = {"arrays": {"t": "label", "y": "probability", "z": "real", "w": "positive"},  # as the conventions declare
                   "symbols": {"N": "size", "K": "size"}, "sizes": {"N": {"min": 1}, "K": {"min": 2}},
                   "facts": ["labels_sum_to_one", "one_hot_labels", "probabilities_sum_to_one"]}


# ----- steps -----------------------------------------------------------------------------------

def substitution_pairs(table: Mapping) -> list:
    """A substitution table's pairs in one order (the checker replaces them all at once, so the order means
    nothing): the engine's tables come in an order that varies with the hash seed, and one certificate
    written two ways would be checked twice (derive_checker keeps its reports by the certificate's hash)."""
    pairs = [[tree(old), tree(new if not isinstance(new, int) else sp.Integer(new))] for old, new in table.items()]
    return sorted(pairs, key=lambda pair: json.dumps(pair, ensure_ascii=False))


def _rewrite_match(step, previous, model) -> dict:
    """The binding of the rule's wilds that reproduces the step (as the engine's replay finds it)."""
    rule = get_rule(step.rule)
    sub = subexpression_at(previous.rhs, step.location)
    for part, rest in parts(sub, rule.pattern("lhs")):
        binding = match_once(rule, part, model)  # the engine's own match where it made the step
        if binding is None:
            continue
        scope = {name: binding.get(name, w) for name, w in rule.wilds.items()}
        replacement = rule.pattern("rhs", scope)
        if replace_at(previous.rhs, step.location, replacement * rest if rest is not None else replacement) == step.rhs:
            record: dict[str, Any] = {"match": {name: tree(value) for name, value in sorted(binding.items())}}
            if rest is not None:
                record["rest"] = tree(rest)
            return record
    raise NotCertifiable(f"step {step.rule!r}: no match of the rule reproduces it")


def _step(number: int, step, previous, model, rules: dict) -> dict:
    check = step.check
    record: dict[str, Any] = {"n": number, "rule": step.rule, "check": str(check.how.value if hasattr(check.how, "value") else check.how),
              "model": model.name, "lhs": tree(step.lhs), "rhs": tree(step.rhs)}
    if step.location:
        record["location"] = list(step.location)
    try:
        rule = get_rule(step.rule)
    except CatalogueError:
        rule = None
    if rule is not None:
        rules.setdefault(rule.name, rule_statement(rule))
        record["statement"] = rule.statement
    if record["check"] == "rewrite":
        record.update(_rewrite_match(step, previous, model))
        assert rule is not None  # for mypy: a rewrite applies a rule of the catalogue
        record["conditions"] = [{"text": cond.text, "how": _discharge_words(cond, record["match"])}
                                for cond in rule.conditions]
    if check.mapping:
        record["mapping"] = substitution_pairs(check.mapping)
    if record["check"] == "derivatives":  # what the matrix stands for is declared in the model's matrices
        return record
    if check.definitions:
        record["definitions"] = substitution_pairs(check.definitions)
    if check.variables:
        record["variables"] = [tree(v) for v in check.variables]
    if check.name:
        record["name"] = str(check.name)
    if record["check"] == "derived":
        source = check.derivation if check.derivation is not None else extensions.call("built_in", check.name)
        record["derivation"] = certificate(source)
    return record


_SIGNS = {"positive", "nonnegative", "nonzero", "real"}  # from the domains the model declares; the rest checked
_WHAT = {"not_number_one": "not the number 1", "not_number_zero": "not the number 0", "limit_positive": "a positive limit",
         "not_one": "not 1", "concrete": "a whole number"}


def _discharge_words(condition, match: Mapping) -> str:
    """How the engine discharged ``condition`` at the match, in the words the checker re-derives."""
    if condition.fact:
        return f"fact of the model: {condition.fact}"
    if condition.link:
        return f"the model's link: {condition.link}"
    if condition.classes:
        return f"the model fixes K = {condition.classes}"
    if condition.restriction:
        return RESTRICTED
    if not condition.predicate:
        return "a convention of every model"
    if condition.subject not in match:
        return "vacuous: its wild matched nothing"
    what = f"independent of {condition.other}" if condition.predicate == "independent" else \
        _WHAT.get(condition.predicate, condition.predicate)
    return f"{what}: {'declared in the model' if condition.predicate in _SIGNS else 'checked'}"


def _positive_exprs(model) -> list:
    return [e for item in model.positive for p in [positivity_statement(item)] for e in (p.pattern, *sum(p.ranges, ()))]


_WRITTEN: dict = {}  # what a certificate is written from (_written_from) -> (the derivation, kept alive so the ids stay its own; its certificate)


def _written_from(derivation) -> tuple:
    """What the certificate is made of: a derivation copied with other fields changed (the runner adds
    its cross-checks after the checker's verdict) has the same certificate, not one written again."""
    return id(derivation.steps), id(derivation.models), derivation.name


def certificate(derivation) -> dict:
    """``derivation`` as a certificate (a JSON-able dict; see ``docs/certificate.md``), with the
    axioms and theorems the checker finds it resting on.  Written once per derivation (by
    :func:`derive.checking.checked` as it is made): a derivation citing one that cites another holds
    each one's certificate, written before."""
    kept = _WRITTEN.get(_written_from(derivation), (None,))[0]
    if kept is None or kept.steps is not derivation.steps or kept.models is not derivation.models \
            or kept.name != derivation.name or dict(kept.title) != dict(derivation.title):
        document = unlisted(derivation)
        remember(derivation, document, rests_on(document))
    return json.loads(json.dumps(_WRITTEN[_written_from(derivation)][1]))  # a copy the caller may change


def remember(derivation, document: dict, listed: Mapping) -> None:
    """Keep ``document`` (written for ``derivation``, resting on the axioms and theorems ``listed``) as its certificate."""
    if len(_WRITTEN) > 256:  # a bound on memory in a long-lived process, nothing more
        _WRITTEN.clear()
    _WRITTEN[_written_from(derivation)] = (derivation, {**document, "rests_on": {"axioms": listed["axioms"], "theorems": listed["theorems"]}})


_RESERVED = frozenset({"N", "K", "D", "x", "y", "z", "t", "W", ROW.name, COLUMN.name})  # what a declaration may add


def named_dummies(derivation):
    """``derivation`` with each summation index SymPy bound as a Dummy (the derivative of a product
    is a sum over the factor left out) under a readable name no other symbol of the derivation has:
    a certificate holds names, and two symbols of one name would be one.  A Dummy that is not a
    summation index stays, and is refused by :func:`tree`."""
    exprs = lambda step: (step.lhs, step.rhs, *step.check.mapping.keys(), *step.check.mapping.values(),  # noqa: E731
                          *step.check.definitions.keys(), *step.check.definitions.values(), *step.check.variables)
    bound, names = [], set(_RESERVED)
    for step in derivation.steps:
        for expr in exprs(step):
            expr = sp.Integer(expr) if isinstance(expr, int) else expr  # a mapped size may be a plain int
            names |= {str(getattr(a, "name", a)) for a in expr.atoms(sp.Symbol, sp.MatrixSymbol)}
            for node in sp.preorder_traversal(expr):
                if isinstance(node, (sp.Sum, sp.Product)):
                    bound.extend(v for v, *_ in node.limits if isinstance(v, sp.Dummy) and v not in bound)
    if not bound:
        return derivation
    candidates = (str(s) for s in (*c.DUMMY_INDICES, *(f"i{n}" for n in range(1, 10 ** 6))))
    fresh = [next(n for n in candidates if n not in names) for _ in bound]
    renamed = {dummy: sp.Symbol(name, integer=True) for dummy, name in zip(bound, fresh)}
    put = lambda e: e.xreplace(renamed) if isinstance(e, sp.Basic) else e  # noqa: E731
    table = lambda mapping: {put(a): put(b) for a, b in mapping.items()}  # noqa: E731
    from dataclasses import replace
    steps = tuple(replace(step, equation=Equation(put(step.lhs), put(step.rhs)),
                          check=replace(step.check, mapping=table(step.check.mapping), definitions=table(step.check.definitions),
                                        variables=tuple(put(v) for v in step.check.variables)))
                  for step in derivation.steps)
    return replace(derivation, steps=steps)


def unlisted(derivation) -> dict:
    """The certificate of ``derivation`` without its ``rests_on`` list (which only the checker finds)."""
    derivation = named_dummies(derivation)
    rules: dict = {}
    steps = []
    previous = None
    models = declared_models(derivation)
    for number, (step, model) in enumerate(zip(derivation.steps, derivation.models), 1):
        steps.append(_step(number, step, previous, model, rules))
        previous = step.equation
    return {"schema": SCHEMA, "name": derivation.name, "title": dict(derivation.title), "models": models,
            "steps": steps, "rules": rules}


def declared_models(derivation) -> dict:
    """The certificate's model declarations of ``derivation`` (its dummies named): what each symbol may be,
    by model name, written from the engine's models (a shipped certificate is bound to them by this)."""
    models: dict = {}
    by_model: dict = {}
    for step, model in zip(derivation.steps, derivation.models):
        exprs, named = by_model.setdefault(model.name, (model, [], {}))[1:]
        exprs.extend([step.lhs, step.rhs, *step.check.mapping.keys(), *step.check.mapping.values()])
        if str(getattr(step.check.how, "value", step.check.how)) == "derivatives":
            ((loss, _),), bases = step.check.definitions.items(), step.check.variables
            by = [bases[0][ROW, COLUMN]] if len(bases) == 1 else [bases[0][ROW], bases[1][COLUMN]]
            named[step.lhs.name] = sp.Derivative(loss, *by)
    for name, (model, exprs, named) in by_model.items():
        models[name] = model_declaration(model, [*exprs, *_positive_exprs(model)], named)
    return models


def rests_on(document: dict) -> dict:
    """The axioms and theorems the checker finds the certificate resting on (``derive verify``
    refuses a certificate whose list omits or invents one), as Lean's ``#print axioms``."""
    from derive_checker.certificate import check_certificate
    report = check_certificate(json.loads(json.dumps(document)))
    return {"axioms": report["axioms"], "theorems": report["theorems"]}


def axiom_of_rule(rule, axioms: list[dict]) -> str | None:
    """Which of the checker's axioms a catalogue rule is exactly (None: a theorem)."""
    named = {name: a["id"] for a in axioms for name in a.get("rules", ())}
    if rule.name in named:
        return named[rule.name]
    if rule.operation == "premise":
        return "def-likelihood"
    if rule.operation == "state_recurrence":
        return "def-sequence"
    if "defines" in rule.data:
        return "def-cross-entropy" if "entropy" in rule.name else "def-name"
    return None


def refresh_pins() -> str:
    """Rewrite the checker's pins (``derive_checker/axioms.json``) from the catalogue: run it (and
    read the diff) when a rule of the catalogue changes; the checker refuses a statement otherwise."""
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "derive_checker" / "axioms.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["rules"] = {rule.name: [pin(rule_statement(rule)), axiom_of_rule(rule, data["axioms"])]
                     for rule in load_catalogue().values() if {"lhs", "to", "defines"} & set(rule.data)}
    data[PIN_KEY] = record_digest(read_record(rules_directory()))  # the record of proofs loading may trust
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return str(path)
