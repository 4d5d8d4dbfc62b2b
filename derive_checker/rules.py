"""Catalogue rules as the checker knows them: each statement pinned by its SHA-256 (so an edited
rules directory changes no axiom and swaps no theorem), its conditions discharged from the declared
domains, and each theorem proved here for every size from its statement (never trusted by a key)."""
import json
import re
from itertools import combinations

import sympy as sp

from . import axioms
from .expressions import Malformed, definitions
from .zero import Refused, proves

_ON_WILDS = {"positive": r"(\w+)\s*>\s*0", "nonnegative": r"(\w+)\s*>=\s*0", "nonzero": r"(\w+)\s*!=\s*0",  # each the whole text
             "not_one": r"(\w+)\s*!=\s*1", "real": r"(\w+) real", "integer": r"(\w+) integer", "concrete": r"(\w+) concrete",
             "independent": r"(\w+) independent of (\w+)", "not_number": r"(\w+) not the number (0|1)",
             "limit_positive": r"the limit of (\w+) as (\w+) -> (\w+) is positive"}
FLAGS = {p: {p: True} for p in ("positive", "real", "nonnegative", "nonzero", "integer")}  # the assumption a condition states (not 1: none)


def pin(statement: dict) -> str:
    logical = ("lhs", "rhs", "to", "defines", "wilds", "conditions", "requires")
    return axioms.digest({key: value for key, value in statement.items() if key in logical})


def known(name, table) -> tuple[dict, str]:
    """The certificate's statement of ``name`` if it is the catalogue's (its pin), and ``axiom`` or ``theorem``."""
    statement = table.get(name) if isinstance(table, dict) and isinstance(name, str) else None
    if not isinstance(statement, dict) or (status := axioms.status(name, pin(statement))) is None:
        raise Refused(f"the certificate states no rule {name!r}, or not as the catalogue does (the SHA-256 the checker pins)")
    return statement, status


def axioms_of(name: str) -> list[str]:
    return [axioms.table()["rules"][name][1]] if (axioms.table()["rules"].get(name) or [0, 0])[1] else []


def _parse(text: str, wilds) -> tuple[str | None, tuple[str, ...]]:
    """The predicate a condition states of a wild of the rule, and the names it mentions; else (None, ())."""
    matches = ((predicate, re.match(f"^{form}$", text)) for predicate, form in _ON_WILDS.items())
    return next(((predicate, m.groups()) for predicate, m in matches if m and m.group(1) in wilds), (None, ()))


def discharge(text, wilds, binding: dict, model) -> str:
    """How the condition ``text`` holds at the match, from the model's declaration; else refuse."""
    predicate, names = _parse(text, wilds) if isinstance(text, str) else ("malformed", ())
    if predicate is None:
        if fact := axioms.table()["conditions"]["facts"].get(text):
            return _require(fact in model.facts, text, f"fact of the model: {fact}")
        if text in ("y = softmax(z)", "Y = softmax(XW) row by row"):
            return _require(bool(model.link) and model.link["kind"] == "softmax", text, "the model's link: softmax")
        if re.match(r"^K = \d+$", text):
            return _require(model.fixed.get("K") == int(text[4:]), text, f"the model fixes {text}")
        if text in (kinds := axioms.table()["conditions"])["declared"] or text in kinds.get("restrictions", ()):  # a kink excluded
            return "a convention of every model" if text in kinds["declared"] else "a restriction the result carries, not proved"
        raise Refused(f"the condition {text!r} is not one the checker can discharge")
    value = binding.get(names[0]) if predicate != "malformed" else None
    if value is None:  # no part of the match: the condition's wild is in no side read from it
        return _require(predicate != "malformed", str(text)[:40], "vacuous: its wild matched nothing")
    value = model.written(value) if predicate in ("positive", "nonnegative", "real", "nonzero", "not_one") else value
    tests = {"concrete": lambda: bool(value.is_Integer), "integer": lambda: bool(value.is_integer),  # else a sign
             "nonzero": lambda: bool(value.is_nonzero) or _sign(value, model, "is_positive"),
             "not_one": lambda: sp.simplify(value - 1).is_zero is False, "not_number": lambda: value != sp.Integer(names[1]),
             "independent": lambda: binding.get(names[1]) is None or not model.depends(value, binding[names[1]]),
             "limit_positive": lambda: bool(sp.limit(value, binding[names[1]], binding[names[2]]).is_positive)}
    what = {"independent": f"independent of {names[-1]}", "not_number": f"not the number {names[-1]}",
            "limit_positive": "a positive limit", "not_one": "not 1", "concrete": "a whole number"}.get(predicate, predicate)
    ground = "declared in the model" if predicate in ("positive", "nonnegative", "nonzero", "real") else "checked"
    holds = tests[predicate]() if predicate in tests else _sign(value, model, f"is_{predicate}")
    return _require(holds, text, f"{what}: {ground}")


def _require(holds: bool, text: str, how: str) -> str:
    if not holds:
        raise Refused(f"the condition {text!r} does not hold at the match")
    return how


def _sign(value, model, sign: str) -> bool:
    """The sign wherever ``value`` is defined in the declared domains: what the model states positive a positive unknown, a
    divisor not 0; each probability s/(1 + s), each label or target u/(1 + u) (s > 0, u ≥ 0) and at 1 (at most 3 of them)."""
    value = value.xreplace({e: sp.Dummy("p", positive=True) for e in sp.preorder_traversal(value) if model.declared_positive(e)})
    value, table = value.xreplace({x: sp.Dummy(x.name, real=True, nonzero=True) for x in value.atoms(sp.Symbol)
                                   if x.is_real and value.has(1 / x)}), {}
    for atom in value.atoms(sp.Indexed, sp.Symbol, sp.KroneckerDelta):  # a one-hot label written as its class's indicator: 0 or 1
        if isinstance(atom, sp.KroneckerDelta) or model.domain(atom) in ("probability", "label", "target"):
            s = sp.Dummy("s", positive=True) if model.domain(atom) == "probability" else sp.Dummy("u", nonnegative=True)
            table[atom] = s / (1 + s)
    ends = [atom for atom in table if model.domain(atom) != "probability"]
    return bool(getattr(value, sign)) or bool(getattr(definitions(value), sign)) or bool(table) and len(ends) <= 3 and all(bool(getattr(sp.factor(sp.together(value.xreplace(
        {**table, **dict.fromkeys(ones, sp.Integer(1))}))), sign)) for n in range(len(ends) + 1) for ones in combinations(ends, n))


def theorem(name: str, statement: dict, status: str, model, cache: dict) -> dict:
    """An axiom rests on itself; a theorem is proved here from its statement for every size, once per model: wilds
    fresh symbols with the assumptions its conditions state, unknown functions of a summed index or a variable."""
    if status == "axiom":
        return {"verdict": "proved", "axioms": axioms_of(name)}
    key = (name, pin(statement), json.dumps(model.raw, sort_keys=True))  # the statement itself, never its name alone
    if key not in cache:
        used: set = set()
        try:
            lhs, rhs = (model.read(statement[side], **_fresh(statement, model)) for side in ("lhs", "rhs"))
            proved = proves(lhs, rhs, model, used)
        except (Malformed, TypeError, ValueError):
            proved = False
        cache[key] = {"verdict": "proved" if proved else "numeric", "axioms": sorted(used) if proved else []}
    return cache[key]


def _fresh(statement: dict, model) -> dict:
    wilds, roles, flags = statement["wilds"], dict[str, str](), dict[str, dict[str, bool]]()
    parsed = [_parse(text, wilds) for text in statement["conditions"]]
    for predicate, names in ((p, n) for p, n in parsed if p is not None):  # a condition on a wild names it
        flags.setdefault(names[0], {}).update(FLAGS.get(predicate, {}))
    wild_roles(statement["lhs"], roles)
    independent = {n[0] for p, n in parsed if p == "independent" and roles.get(n[1]) in ("bound", "variable")}  # of what it varies by
    index, variable = (next((name for name, role in roles.items() if role == want), None) for want in ("bound", "variable"))
    fresh = {n: sp.Symbol(f"_w{n}", **({"real": True, **flags.get(n, {})} if roles[n] == "variable" else {"integer": True}))
             for n in wilds if n in roles}  # an index or a limit an integer, a variable real
    for name in (n for n in wilds if n not in fresh):  # the rest: unknown functions of what they vary by, if anything
        arguments = [fresh[w] for w in (index, variable) if w and name not in independent]
        made = (sp.Function if arguments else sp.Symbol)(f"_w{name}", **flags.get(name, {}))
        fresh[name] = made(*arguments) if arguments else made
    return fresh


_ROLES = {"Limits": (("bound", 0, 1), ("limit", 1, None)), "Indexed": (("index", 1, None),),  # head: (role, its arguments)
          "Derivative": (("variable", 1, 2),), "Limit": (("variable", 1, 2),)}


def wild_roles(tree, roles: dict) -> None:
    """What each wild is in a statement: a summation index, a limit, an array index, a variable (the first role it has)."""
    if isinstance(tree, list) and tree:
        for role, start, stop in _ROLES.get(tree[0], ()):
            for part in tree[1:][start:stop]:
                if isinstance(part, list) and len(part) == 2 and part[0] == "Wild":
                    roles.setdefault(part[1], role)
        for arg in tree[1:]:
            wild_roles(arg, roles)
