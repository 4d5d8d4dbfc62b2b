"""The built-in derivations shipped finished, so ``derive show NAME`` in a fresh process searches for
nothing (issue 33): the engine derives each built-in when the package is built (:mod:`.ship`, run as
``PYTHONHASHSEED=0 python -m derive.derivations.ship``), which stores its steps and its certificate; a
process that asks for the built-in loads them and hands the certificate to the checker
(:mod:`derive_checker`), whose verdicts in that process are every ✓ shown, as for a derivation the
engine has just found.  Nothing of the record is trusted but the grouping of its steps:

- each step's equation, rule, check and location are bound to the certificate the checker re-checks
  (the trees written from the loaded steps must be the certificate's own), and so are the models
  (their declarations written afresh from the loaded models), so an edited record is either refused
  by the checker or refused here;
- the independent cross-check of a gradient (``sympy.diff``, central differences) is computed afresh
  when first read (:class:`~derive.deferred.Deferred`): a gradient loaded only to be cited is never
  cross-checked (its citer's result is, and the checker has verified every step of both);
- a record made from other rules than those in use (a fingerprint of the rules directory and of the
  record's format) is not used: the engine derives the built-in as before.  The test
  ``tests/test_shipped.py`` compares the shipped records with what the engine derives now, so a
  change of the engine cannot leave them stale unseen.

The records are pickles written with every SymPy expression rebuilt as it was (no evaluation, no
denesting of sums), and read only from the package's own directory: data of the installation, trusted
as its code is.  ``DERIVE_SHIPPED=0`` derives every built-in with the engine instead.
"""
from __future__ import annotations

import pickle
import re
import zlib
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, Callable

import sympy as sp
from sympy.concrete.expr_with_limits import ExprWithLimits
from sympy.core.parameters import distribute, evaluate

from .. import shipped_rules
from ..deferred import Deferred
from ..errors import VerificationError
from ..shipped_rules import SWITCH  # noqa: F401 (the writer, .ship, reads it from here)
from ..steps import Derivation, Step

DIRECTORY = Path(__file__).resolve().parent / "shipped"
FORMAT = 1
NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")  # a built-in's name, the only kind that names a record
SUFFIX = ".pickle.zlib"  # a pickle, compressed (a sixth of the size in the package and its history)


def fingerprint() -> str:
    """The fingerprint of the rules in use and of this record format (:func:`derive.shipped_rules.fingerprint`)."""
    return shipped_rules.fingerprint(FORMAT)


def wanted() -> bool:
    return shipped_rules.wanted()


# ----- loading ----------------------------------------------------------------------------------

def load(name: str, cite: Callable[[str], Derivation] | None = None) -> Derivation | None:
    """The built-in ``name`` from its shipped record, every step re-checked by the checker here;
    ``None`` where there is no usable record (the engine derives it).  An edited record raises
    :class:`~derive.errors.VerificationError`."""
    return load_anyway(name, cite) if wanted() else None


def available(name: str) -> bool:
    """Whether ``name`` has a shipped record that may be used (a built-in's, made from the rules in use)."""
    return wanted() and isinstance(name, str) and bool(NAME.fullmatch(name)) and (DIRECTORY / f"{name}{SUFFIX}").is_file()


def load_anyway(name: str, cite: Callable[[str], Derivation] | None = None) -> Derivation | None:
    """:func:`load` whatever ``DERIVE_SHIPPED`` says (its test compares the two ways)."""
    if not isinstance(name, str) or not NAME.fullmatch(name):  # a name typed by a user never reaches a path
        return None
    path = DIRECTORY / f"{name}{SUFFIX}"
    if not path.is_file():
        return None
    try:
        record = read_record(path.read_bytes())
    except Exception:  # noqa: BLE001 - a record another SymPy cannot unpickle, or a damaged one: the engine derives it
        return None
    if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("fingerprint") != fingerprint():
        return None
    derivation, document = record["derivation"], record["certificate"]
    if not isinstance(derivation, Derivation) or derivation.name != name or not isinstance(document, dict):
        raise VerificationError(f"the shipped record of {name!r} is not a derivation of that name")
    bind(derivation, document)
    if cite is not None:
        derivation = _citing_the_built_ins(derivation, cite)
    from ..checking import checked_as
    made = checked_as(derivation, document)
    if record["cross_check"] is not None:  # computed afresh, when first read (a cited built-in's never are)
        made = replace(made, cross_checks=Deferred(partial(_cross_checks, record["cross_check"], made.result)))
    return made


def _cross_checks(stored: tuple, result) -> tuple:
    """Made in SymPy's usual settings whatever the reader's (a printer may read them inside ``evaluate(False)``);
    the same settings switch nothing, so no cache is cleared."""
    from ..gradient_checks import cross_check_gradient
    loss, wrt, model = stored
    with evaluate(True), distribute(True):
        return cross_check_gradient(loss, result, wrt, model)


def _citing_the_built_ins(derivation: Derivation, get: Callable[[str], Derivation]) -> Derivation:
    """The loaded built-in with its steps citing the built-ins themselves, as the engine's do: the
    record holds each cited derivation as bare data (its certificate is re-checked nested in the citing
    one's), and a reader of a step asks the cited one for its verified steps, the object ``get(name)``
    (the registry's: ``derive.get``) gives."""
    steps = []
    for step in derivation.steps:
        cited = step.check.derivation
        if cited is not None and available(cited.name):
            built_in = get(cited.name)
            if built_in.result == cited.result:
                step = replace(step, check=replace(step.check, derivation=built_in))
        steps.append(step)
    return replace(derivation, steps=tuple(steps))


def read_record(data: bytes) -> Any:
    """A record as written by :func:`record_of`: read with evaluation off throughout: each switch of it clears every
    SymPy cache, and switched around each node it cost 4 ms a record (0.49 s → 0.27 s for all 59)."""
    with evaluate(False):
        return pickle.loads(zlib.decompress(data))


def bind(derivation: Derivation, document: dict) -> None:
    """Refuse a certificate that is not the derivation's own: each step's equation, rule, check,
    location, mapping and definitions, and each model's declaration, written from the loaded
    derivation must be those the certificate states (what the checker re-checks)."""
    from ..certificate import declared_models, named_dummies

    named = named_dummies(derivation)
    records = document.get("steps")
    problem = ""
    if document.get("name") != derivation.name or dict(document.get("title", {})) != dict(derivation.title):
        problem = "its name or title"
    elif not isinstance(records, list) or len(records) != len(named.steps) or len(named.models) != len(named.steps):
        problem = "its number of steps"
    elif document.get("models") != declared_models(named):
        problem = "its models"
    for number, (step, model, record) in enumerate(zip(named.steps, named.models, records or ()), 1):
        if problem:
            break
        if _written(step, model.name) != {key: record.get(key) for key in _BOUND}:
            problem = f"step {number} ({step.rule})"
        elif step.check.derivation is not None and record.get("derivation", {}).get("name") != step.check.derivation.name:
            problem = f"step {number} ({step.rule}): the derivation it cites"
    if problem:
        raise VerificationError(f"the shipped record of {derivation.name!r} does not match its certificate: {problem}")


_BOUND = ("rule", "check", "model", "lhs", "rhs", "location", "mapping", "definitions", "variables", "name")


def _written(step: Step, model: str) -> dict:
    """The keys of a step's certificate record that say what the step is, written from the step."""
    from ..certificate import substitution_pairs, tree

    how = str(getattr(step.check.how, "value", step.check.how))
    pairs = lambda table: substitution_pairs(table) or None  # noqa: E731  (in the certificate's one order)
    return {"rule": step.rule, "check": how, "model": model, "lhs": tree(step.lhs), "rhs": tree(step.rhs),
            "location": list(step.location) or None, "mapping": pairs(step.check.mapping),
            "definitions": pairs(step.check.definitions) if how != "derivatives" else None,
            "variables": [tree(v) for v in step.check.variables] or None if how != "derivatives" else None,
            "name": str(step.check.name) or None}


def rebuild(cls: type, args: tuple) -> sp.Basic:
    """A SymPy expression made again exactly as it was written: a sum of sums stays nested, nothing evaluates."""
    if issubclass(cls, ExprWithLimits):  # its constructor would merge a nested sum's limits into one
        made = sp.Expr.__new__(cls)
        made._args = args
        made.is_commutative = args[0].is_commutative
        return made
    with evaluate(False):  # already off as read_record reads (no switch, so no cache cleared)
        return cls(*args)
