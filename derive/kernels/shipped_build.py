"""Writing the shipped built-in kernels (:mod:`.shipped`) from what the engine derives now: apart from
the reading side, which the compiler imports (this side imports the compiler)."""
from __future__ import annotations

import gzip
import json

from .. import extensions
from . import shipped
from .shipped import FOLDER, SHIPPED, path_of


def bundle(name: str) -> dict:
    """What the engine derives now for the built-in kernel ``name``: its module's source and, for
    each kind of target, the certificates of the loss and the gradient in their stable forms."""
    from ..certificate import certificate
    from .compiler import module_source

    plan = extensions.call("built_in_plan", name)
    from ..shipped_rules import fingerprint

    return {"name": name, "fingerprint": fingerprint(), "source": module_source(plan),
            "kinds": {kind.name: [certificate(kind.loss), certificate(kind.gradient)] for kind in plan.kinds}}


def refresh_shipped_kernels(names: tuple[str, ...] = SHIPPED) -> list[str]:
    """Write the shipped data again from the engine (run it when a built-in kernel's derivation,
    stable forms or generated source changes; the test says when)."""
    FOLDER.mkdir(exist_ok=True)
    written = []
    for name in names:
        text = json.dumps(bundle(name), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        path_of(name).write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))  # mtime=0: the same bytes each time
        written.append(str(path_of(name)))
    shipped._read.cache_clear()  # this process reads what was just written
    return written
