"""Rows shared among threads.  Every generated kernel runs with the GIL released (``nogil``);
``run_rows`` cuts the rows into one range per thread and runs the kernel on each range's views of
the arrays side by side, the calling thread taking the first.

This replaces Numba's ``parallel=True``: its parallel-loop passes took longer to compile than the
kernel itself (the blocked kernel: 2.5 s against 1.1 s for the same loops without them), and a
plain kernel whose arrays are marked as not overlapping (``noalias.py``) runs as fast per thread."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# Below this many entries per thread a thread's hand-off costs more than the work it takes over.
MIN_ENTRIES_PER_THREAD = 1 << 15

_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()


def thread_count() -> int:
    """Numba's thread count (the core count unless ``NUMBA_NUM_THREADS`` says otherwise)."""
    from numba import config

    return max(1, int(config.NUMBA_NUM_THREADS))


def split(rows: int, parts: int, step: int = 1) -> list[tuple[int, int]]:
    """At most ``parts`` contiguous, non-empty ranges covering ``range(rows)``, every range but
    the last a whole number of ``step`` rows, as even as that allows."""
    units = -(-rows // step)
    parts = max(1, min(parts, units))
    bounds = [min(rows, units * p // parts * step) for p in range(parts + 1)]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if a < b]


def executor(workers: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size < workers:
            _pool, _pool_size = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="derive-kernel"), workers
        return _pool


def rows_of(arguments: tuple, start: int, stop: int, whole: frozenset = frozenset()) -> tuple:
    """The arguments for rows ``start:stop``: arrays as views of those rows, scalars and the
    arrays at the positions ``whole`` (one entry per class, say) as they are."""
    return tuple(a[start:stop] if isinstance(a, np.ndarray) and n not in whole else a for n, a in enumerate(arguments))


def run_rows(kernel, arguments: tuple, rows: int, entries_per_row: int = 1, step: int = 1,
             whole: frozenset = frozenset()) -> None:
    """``kernel(*arguments)`` with every array argument's ``rows`` rows (but those at the positions
    ``whole``) shared among as many threads as pay (``entries_per_row`` entries each: at least
    ``MIN_ENTRIES_PER_THREAD`` a thread)."""
    wanted = max(1, rows * entries_per_row // MIN_ENTRIES_PER_THREAD)
    ranges = split(rows, min(thread_count(), wanted), step)
    if len(ranges) <= 1:
        if ranges:
            kernel(*arguments)
        return
    pool = executor(len(ranges) - 1)
    others = [pool.submit(kernel, *rows_of(arguments, start, stop, whole)) for start, stop in ranges[1:]]
    try:
        kernel(*rows_of(arguments, *ranges[0], whole))
    finally:
        for future in others:
            future.result()
