"""Built-in kernels shipped in the package: the generated module's source and the certificates of
the stable forms it computes, so the first ``compile()`` of a built-in derives nothing.

Why: a cold first compile of ce-softmax spent most of its time deriving its four stable forms and
the gradient (engine search, then derive_checker on each) and printing the module, every time a
fresh cache met it.  Issue 33 allows precomputed results in the wheel only where the checker
re-checks them within the budget, so nothing here is trusted as it stands: before a kind of target
(``labels``, ``targets``) runs from a shipped module for the first time in a process, derive_checker
re-checks that kind's certificates (the loss in its stable form, and the gradient in its stable
form where the call computes it; each holds the certificates it cites, down to the built-in
derivation) and their lists of the axioms and theorems they rest on; a certificate it refuses
refuses the call with a :class:`~derive.errors.VerificationError`.  Only what the call runs is
re-checked: a first call with integer labels does not pay for the target probabilities' forms, nor a
loss for its gradient's.

The data is written by :func:`.shipped_build.refresh_shipped_kernels` from what the engine derives
now, and ``tests/test_shipped_kernels.py`` fails when it differs from that (never stale silently).
What the checker does not re-check is the module's source: the test holds it equal to what the
generator prints from the certified forms.  A module written to the cache from shipped data loads
from there in later processes like any cached module (a cache makes a second run faster).
"""
from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path

from .. import shipped_rules
from ..errors import VerificationError

# The built-ins that compile to row kernels (compiler.Kernel); every other built-in derives as before.
SHIPPED = ("ce", "bce", "bce-bernoulli", "ce-softmax", "bce-sigmoid", "ce-grad", "bce-grad", "ce-softmax-grad",
           "bce-sigmoid-grad", "bce-multilabel")
FOLDER = Path(__file__).resolve().parent / "shipped_data"
_CHECKED: set[tuple[str, str, int]] = set()  # (kernel, kind, 0 the loss or 1 the gradient) re-checked in this process


def path_of(name: str) -> Path:
    return FOLDER / f"{name}.json.gz"


def read(name: str) -> dict | None:
    """The shipped data of the built-in kernel ``name``, or ``None`` where none is shipped, shipped data
    is switched off (``DERIVE_SHIPPED=0``, a catalogue of one's own) or was made from other rules than
    those in use, as for the shipped derivations (:mod:`derive.shipped_rules`): the engine then
    derives and generates it as before.  (Not to be changed: read once per process, as a first call
    reads it up to three times, 30 ms each.)"""
    if name not in SHIPPED or not path_of(name).is_file() or not shipped_rules.wanted():
        return None
    data = _read(path_of(name))
    return data if data.get("fingerprint") == shipped_rules.fingerprint() else None  # made from other rules: generated as before


@functools.lru_cache(maxsize=len(SHIPPED))
def _read(path: Path) -> dict:
    return json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))


def source(name: str) -> tuple[str, tuple[str, ...]] | None:
    """The shipped module source of ``name`` and its kinds of target, or ``None`` where none is shipped.
    Its kinds run only after :func:`recheck`."""
    data = read(name)
    return None if data is None else (data["source"], tuple(data["kinds"]))


def recheck(name: str, kind: str, with_gradient: bool = True) -> None:
    """Have derive_checker re-check the shipped certificates of ``name``'s ``kind`` (each once per process):
    the stable loss's, and the stable gradient's ``with_gradient``, each resting on exactly the axioms and
    theorems it lists; refuse with a VerificationError otherwise."""
    from derive_checker.certificate import check_certificate
    from derive_checker.expressions import Malformed

    parts = (0, 1) if with_gradient else (0,)  # a loss alone rests on the stable loss only
    if all((name, kind, part) in _CHECKED for part in parts):
        return
    data = read(name)
    certificates = None if data is None else data["kinds"].get(kind)
    if not certificates or len(certificates) != 2:
        raise VerificationError(f"the shipped kernel {name} has no certificates for its {kind}")
    for part in parts:
        document = certificates[part]
        try:
            report = check_certificate(document)
        except Malformed as error:
            raise VerificationError(f"the shipped certificate of {name} ({kind}) cannot be read: {error}") from None
        if not report["ok"]:
            raise VerificationError(f"the shipped certificate {document.get('name')!r} of the kernel {name}: "
                                    f"the checker refuses {report['failure']}")
        _CHECKED.add((name, kind, part))
