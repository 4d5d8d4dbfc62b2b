"""Write the shipped records of the built-ins (:mod:`.shipped`), at build time, with the engine:

    PYTHONHASHSEED=0 python -m derive.derivations.ship

(the hash seed fixed so that the order SymPy's sets give some steps is the one a test re-derives).
Kept apart from :mod:`.shipped`, which loads a record and imports nothing of the engine's search."""
from __future__ import annotations

import io
import os
import pickle
import zlib
from dataclasses import replace
from typing import Any

import sympy as sp

from ..errors import VerificationError
from ..steps import Derivation, Step, Verification
from . import registry
from .runner import cross_check_of, declared_names
from .shipped import DIRECTORY, FORMAT, SUFFIX, SWITCH, rebuild, fingerprint, read_record


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, sp.Basic) and not obj.is_Atom and not isinstance(obj, (sp.IndexedBase,)):
            return rebuild, (type(obj), obj.args)
        return NotImplemented


def _bare(derivation: Derivation) -> Derivation:
    """``derivation`` as data: no verification of the engine's kept (the checker gives them where it is loaded),
    no cross-check (computed afresh), and each derivation it cites bare too."""
    def step(each: Step) -> Step:
        cited = each.check.derivation
        check = replace(each.check, derivation=_bare(cited)) if cited is not None else each.check
        return replace(each, check=check, verification=Verification())
    return Derivation(derivation.name, dict(derivation.title), tuple(map(step, derivation.steps)),
                      models=derivation.models)


def record_of(name: str) -> bytes:
    """The shipped record of the built-in ``name``, derived by the engine now (``DERIVE_SHIPPED=0``)."""
    from ..certificate import unlisted

    derivation = registry.get(name)
    bare = _bare(derivation)
    cross_check = cross_check_of(name) if name in declared_names() else None
    record = {"format": FORMAT, "fingerprint": fingerprint(), "derivation": bare, "certificate": unlisted(bare),
              "cross_check": cross_check}
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(record)
    data = zlib.compress(buffer.getvalue(), 9)
    again = read_record(data)["derivation"]
    if [sp.srepr(e) for e in _expressions(again)] != [sp.srepr(e) for e in _expressions(bare)]:
        raise VerificationError(f"the record of {name!r} does not read back as written")
    return data


def _expressions(derivation: Derivation) -> list:
    out: list = []
    for step in derivation.steps:
        out += [step.lhs, step.rhs, *step.check.mapping, *step.check.mapping.values(),
                *step.check.definitions, *step.check.definitions.values(), *step.check.variables]
        if step.check.derivation is not None:
            out += _expressions(step.check.derivation)
    return [sp.sympify(e, strict=True) if isinstance(e, int) else e for e in out]


def write(names: tuple[str, ...] | None = None) -> list[str]:
    """Derive each built-in with the engine and write its record into the package (every one by default)."""
    if os.environ.get(SWITCH) != "0":
        raise VerificationError(f"write the shipped records with {SWITCH}=0: they are made by the engine, not read back")
    DIRECTORY.mkdir(exist_ok=True)
    written = []
    for name in names or registry.names():
        (DIRECTORY / f"{name}{SUFFIX}").write_bytes(record_of(name))
        written.append(name)
    return written


if __name__ == "__main__":  # the records must name this module by its own name, never __main__
    os.environ[SWITCH] = "0"
    from derive.derivations import ship
    print(f"wrote {len(ship.write())} records into {DIRECTORY}")
