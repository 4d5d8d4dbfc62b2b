"""Read a certificate, check its schema, walk its steps and report each step's verdict, the axioms and
theorems the whole rests on (which must be those it lists), or the first step that fails and why."""
from types import SimpleNamespace

from . import SCHEMA, rules
from .axioms import digest, table
from .expressions import Malformed, refuse
from .model import Model
from .numeric import Refused, rng_for
from .steps import NEEDS_PREVIOUS, check_step


def _schema(cert) -> None:
    (not isinstance(cert, dict) or cert.get("schema") != SCHEMA) and refuse(f"not a certificate: its schema must be {SCHEMA!r}")
    (not (isinstance(cert.get("models"), dict) and isinstance(cert.get("rules"), dict) and isinstance(cert.get("steps"), list)
          and cert["steps"])) and refuse("a certificate needs 'models' and 'rules' objects and a non-empty list of steps")
    for number, step in enumerate(cert["steps"], 1):
        if not isinstance(step, dict) or not {"check", "lhs", "rhs", "model"} <= set(step) or step["model"] not in list(cert["models"]):
            raise Malformed(f"step {number} needs check, lhs, rhs and a model the certificate declares")


DONE: dict = {}  # reports and theorem proofs, by the SHA-256 of what they are of: a pure function of it


def check_certificate(cert, cache: dict | None = None, depth: int = 0, listed: bool = True) -> dict:
    """The report on ``cert``: ``ok``, a verdict per step, the axioms and theorems the whole rests on, the first failure
    (``step n (rule): why``); ``listed=False``: a document not yet listing what it rests on.  Raises :class:`Malformed`."""
    cache = DONE if cache is None else cache
    (len(cache) > 1000) and cache.clear()  # a bound on memory, nothing more
    depth > 12 and refuse("certificates nested too deep")  # a derivation citing one that cites one... at most this deep
    _schema(cert)
    key = digest({k: v for k, v in cert.items() if k != "rests_on"})  # the list it rests on: checked afresh below
    key in cache or cache.update({key: _steps(cert, key, cache, depth)})  # each certificate checked once a process
    report = {**cache[key], "steps": list(cache[key]["steps"])}
    report["ok"] and listed and _rests_on(cert.get("rests_on"), report)
    return report


def _steps(cert, seed: str, cache: dict, depth: int) -> dict:
    """Each step checked in turn, up to the first that fails."""
    try:
        models = {name: Model(declaration) for name, declaration in cert["models"].items()}
    except (TypeError, KeyError, AttributeError, ValueError) as error:
        raise Malformed(f"a model declaration cannot be read ({type(error).__name__}: {error})") from None
    report: dict = {"name": str(cert.get("name", "")), "ok": True, "steps": [], "axioms": [], "theorems": [], "failure": None}
    for number, record in enumerate(cert["steps"], 1):
        model, previous = models[record["model"]], cert["steps"][number - 2] if number > 1 else None
        ctx = SimpleNamespace(record=record, number=number, model=model, rules=cert["rules"], lhs=model.read(record["lhs"]),
                              rhs=model.read(record["rhs"]), prev_lhs=None, prev_rhs=None, prev_rhs_tree=None,
                              rng=rng_for(seed, str(number)), cache=cache, depth=depth, earlier=cert["steps"][:number - 1],
                              verdicts=report["steps"], check_nested=check_certificate)
        if previous is not None and str(record["check"]) in NEEDS_PREVIOUS:  # the step's before, read in its own model (once, if the same)
            ctx.prev_lhs, ctx.prev_rhs = sides if previous["model"] == record["model"] else (model.read(previous["lhs"]), model.read(previous["rhs"]))
            ctx.prev_rhs_tree = previous["rhs"]
        sides: tuple = (ctx.lhs, ctx.rhs)
        entry = {"n": number, "rule": str(record.get("rule", "")), "check": str(record["check"])}
        try:
            verdict = check_step(ctx)
        except Refused as refusal:
            report.update(ok=False, failure=f"step {number} ({entry['rule']}): {refusal}")
            report["steps"].append({**entry, "verdict": "failed", "axioms": [], "detail": str(refusal)})
            break
        report["steps"].append({**entry, **verdict})
    report.update({kind: sorted({x for s in report["steps"] for x in s.get(kind, ())}) for kind in ("axioms", "theorems")})
    return report


def _rests_on(listed, report: dict) -> None:
    """The axioms and theorems the certificate lists must be exactly those its steps rest on."""
    for kind in ("axioms", "theorems"):
        stated, found = listed.get(kind) if isinstance(listed, dict) else None, set(report[kind])
        stated = set(map(str, stated)) if isinstance(stated, list) else {"(no list)"}
        if stated != found:
            return report.update(ok=False, failure=f"rests_on: its {kind} omit {sorted(found - stated)} and invent {sorted(stated - found)}")


def check_catalogue(document, cache: dict | None = None) -> dict:
    """``derive verify --rules``: each statement must be the pinned one; each theorem proved here, or reported not."""
    (not isinstance(document, dict) or document.get("schema") != "derive-catalogue/1") and refuse("not a catalogue certificate")
    (model := Model(document.get("model"))).fixed and refuse("a catalogue's theorems hold for every size: its model fixes none")
    results = []
    for statement in document.get("rules", []):
        name = statement.get("name") if isinstance(statement, dict) else None
        if not isinstance(name, str) or not {"lhs", "to", "defines"} & set(statement):
            continue
        try:
            _, status = rules.known(name, {name: statement})
            verdict = rules.theorem(name, statement, status, model, DONE if cache is None else cache) if "lhs" in statement \
                else {"verdict": "proved", "axioms": rules.axioms_of(name)} if name in table()["rules"] \
                else {"verdict": "failed", "axioms": [], "detail": "a definition the catalogue does not pin is no theorem"}
            results.append({"rule": name, "status": status, **verdict})
        except Refused as refusal:
            results.append({"rule": name, "status": "refused", "verdict": "failed", "axioms": [], "detail": str(refusal)})
    return {"ok": all(r["verdict"] != "failed" for r in results), "rules": results}
