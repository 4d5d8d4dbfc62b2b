"""Read a certificate, check its schema, walk its steps, and report: each step's verdict and the
axioms it rests on, or the first step that fails (and why)."""
from __future__ import annotations

import hashlib
import json
from types import SimpleNamespace

from . import SCHEMA
from .expressions import Malformed
from .model import Model
from .numeric import rng_for
from .steps import check_step
from .zero import Refused

MAX_DEPTH = 12  # certificates nested (a derivation citing one that cites one...) at most this deep


def digest(document) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _schema(cert) -> None:
    if not isinstance(cert, dict) or cert.get("schema") != SCHEMA:
        raise Malformed(f"not a certificate: its schema must be {SCHEMA!r}")
    if not (isinstance(cert.get("models"), dict) and isinstance(cert.get("rules"), dict) and cert.get("steps")
            and isinstance(cert["steps"], list)):
        raise Malformed("a certificate needs 'models' and 'rules' objects and a non-empty list of steps")
    for number, step in enumerate(cert["steps"], 1):
        if not isinstance(step, dict) or not {"check", "lhs", "rhs", "model"} <= set(step):
            raise Malformed(f"step {number} needs check, lhs, rhs and model")
        if step["model"] not in cert["models"]:
            raise Malformed(f"step {number} names a model the certificate does not declare")


def check_certificate(cert, cache: dict | None = None, depth: int = 0) -> dict:
    """The report on ``cert``: ``ok``, one entry per step, the axioms the whole rests on, and the
    first failure (``step n (rule): why``).  Raises :class:`Malformed` for a malformed document."""
    cache = {} if cache is None else cache
    if depth > MAX_DEPTH:
        raise Malformed("certificates nested too deep")
    _schema(cert)
    key = digest(cert)
    if key in cache:
        return cache[key]
    models = {name: Model(declaration) for name, declaration in cert["models"].items()}
    report = {"name": str(cert.get("name", "")), "ok": True, "steps": [], "axioms": set(), "failure": None}
    previous = None
    for number, record in enumerate(cert["steps"], 1):
        model = models[record["model"]]
        lhs, rhs = model.read(record["lhs"]), model.read(record["rhs"])
        ctx = SimpleNamespace(record=record, number=number, model=model, rules=cert["rules"], lhs=lhs, rhs=rhs,
                              prev_lhs=None, prev_rhs=None, prev_rhs_tree=None, rng=rng_for(key, str(number)),
                              cache=cache, depth=depth, earlier=cert["steps"][:number - 1],
                              verdicts=report["steps"])
        if previous is not None:
            ctx.prev_lhs, ctx.prev_rhs = model.read(previous["lhs"]), model.read(previous["rhs"])
            ctx.prev_rhs_tree = previous["rhs"]
        entry = {"n": number, "rule": str(record.get("rule", "")), "check": str(record["check"])}
        try:
            verdict = check_step(ctx)
        except Refused as refusal:
            report.update(ok=False, failure=f"step {number} ({entry['rule']}): {refusal}")
            report["steps"].append({**entry, "verdict": "failed", "axioms": [], "detail": str(refusal)})
            break
        report["steps"].append({**entry, **verdict})
        report["axioms"].update(verdict.get("axioms", ()))
        previous = record
    report["axioms"] = sorted(report["axioms"])
    cache[key] = report
    return report


def check_catalogue(document, cache: dict | None = None) -> dict:
    """``derive verify --rules``: each rule's statement must be the pinned one; each theorem is
    proved here for every size (in a model stating every fact), else reported as not proved."""
    from . import rules
    if not isinstance(document, dict) or document.get("schema") != "derive-catalogue/1":
        raise Malformed("not a catalogue certificate (schema derive-catalogue/1)")
    model = Model(document.get("model"))  # what the catalogue's symbols are, declared by the document
    results = []
    for statement in document.get("rules", []):
        name = statement.get("name") if isinstance(statement, dict) else None
        if not isinstance(name, str) or not {"lhs", "to", "defines"} & set(statement):
            continue
        try:
            _, status = rules.known(name, {name: statement})
            verdict = rules.theorem(name, statement, status, model, cache if cache is not None else {}) \
                if "lhs" in statement else {"verdict": "proved", "axioms": rules.axioms_of(name)}
            results.append({"rule": name, "status": status, **verdict})
        except Refused as refusal:
            results.append({"rule": name, "status": "refused", "verdict": "failed", "axioms": [], "detail": str(refusal)})
    return {"ok": all(r["verdict"] != "failed" for r in results), "rules": results}
