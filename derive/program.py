"""The ``derive`` program, its console script and ``python -m derive``: :func:`derive.cli.main`, then the
process's end.  Only the program does what follows; :func:`~derive.cli.main` and the library leave their
caller's collector and shutdown alone."""
from __future__ import annotations

import os
import sys
from typing import NoReturn

from .cli import main


def run() -> NoReturn:
    """The ``derive`` program (its console script and ``python -m derive``): :func:`main`, then the
    process ends with its exit code (:func:`_end`).

    The cyclic collector looks at the young objects every 200,000 allocations, not every 700 (the
    setting mypy's command uses): importing SymPy and the engine makes a million objects that live
    as long as the process, and the collector went through them some 170 times in a cold ``derive
    grad`` (0.04 s of its 0.5); most of what a derivation makes is freed as it goes, by counting."""
    import gc

    gc.set_threshold(200_000, 30, 30)
    _end(main())


def _end(code: int) -> NoReturn:
    """End the process with ``code`` once what it wrote is flushed, without Python's shutdown: that
    frees, one by one, every object SymPy and the command made (0.05-0.1 s of CPU after a gradient,
    a sixth of a cold ``derive grad``), in a process about to end.  Where something asked to run at
    exit (an ``atexit`` hook: Numba's, after ``--compile``) or another thread still runs, or the
    flush fails, Python shuts down as it always does."""
    import atexit
    import threading

    if threading.active_count() == 1 and not getattr(atexit, "_ncallbacks", lambda: 1)():  # (CPython's; elsewhere: shut down)
        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:  # started with it closed (derive list >&-)
                    stream.flush()
        except (OSError, ValueError):
            pass  # Python's own exit reports it, or finds it closed
        else:
            os._exit(code)
    sys.exit(code)
