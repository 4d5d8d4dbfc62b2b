"""A budget of work for one user's derivation, counted in operations rather than seconds, so that
the same loss gives the same result, or the same :class:`~derive.errors.LimitExceeded`, on an idle
machine and on a busy one (issue 33).

The engine charges the budget where it already stops to look at its limits
(:func:`derive.input_limits.checkpoint`): each rule tried, each step checked, each proof attempt
and each point a step is evaluated at costs the operations of the expressions it handles (their
nodes, :func:`operations`), which is what the time of each of those grows with.  A budget is held
in a context variable, so each thread (and each context) counts its own: no global counter, no
signal, no timer.  Budgets nest; every open one is charged.
"""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator

import sympy as sp

from .errors import LimitExceeded

# Operations of work for one derivative of a user's loss, set from measurement (benchmarks/work_budget.py):
# the largest loss of examples/loss_corpus.toml (the soft Tversky loss) uses 51,929, 21% of it; the
# class-balanced focal loss in logits 53,107; a focal loss plus a softmax's entropy 141,780; the fuzz
# campaign's largest 50,832 (tests/fuzz_losses.py, 220 inputs: none past 4 s).  The
# engine does 10,000-20,000 of them a CPU second on these machines, so the budget ends a runaway
# derivation within about 25 CPU seconds, well inside the caller's default time limit
# (input_limits.TIME_LIMIT) even on a busy machine.
MAX_WORK = 250_000

# What each kind of work is called in a message, in the order a message lists them.
KINDS = {"rule": ("rule tried", "rules tried"), "check": ("step checked", "steps checked"),
         "proof": ("proof attempt", "proof attempts"), "point": ("point evaluated", "points evaluated"),
         "certificate": ("certificate checked", "certificates checked")}


@dataclass
class Budget:
    """``limit`` operations for ``what``; ``used`` so far, and how many of each kind of work."""
    limit: int
    what: str
    used: int = 0
    counts: Counter = field(default_factory=Counter)

    def message(self) -> str:
        done = ", ".join(f"{self.counts[kind]:,} {names[self.counts[kind] != 1]}"
                         for kind, names in KINDS.items() if self.counts[kind])
        return (f"{self.what} took more than {self.limit:,} operations of work ({done}): the limit counts work, "
                "not seconds, so the same loss stops here on any machine; differentiate it in parts")


_BUDGETS: ContextVar[tuple[Budget, ...]] = ContextVar("derive_work_budgets", default=())  # outermost first


@contextmanager
def work_budget(limit: int, what: str) -> Iterator[Budget]:
    """Charge the work done inside to a new budget of ``limit`` operations (and to every budget
    already open); past it, :func:`charge` raises :class:`LimitExceeded`.  Yields the budget, so a
    caller can read what the work used."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"a work budget is a whole number of operations of at least 1, not {limit!r}")
    budget = Budget(limit, what)
    token = _BUDGETS.set((*_BUDGETS.get(), budget))
    try:
        yield budget
    finally:
        _BUDGETS.reset(token)


def charge(units: int, kind: str) -> None:
    """Count ``units`` operations of work of ``kind`` (one of :data:`KINDS`) against every open
    budget; raise for the outermost one that is exceeded (cheap where none is open)."""
    budgets = _BUDGETS.get()
    if not budgets:
        return
    over = None
    for budget in budgets:
        budget.used += units
        budget.counts[kind] += 1
        if over is None and budget.used > budget.limit:
            over = budget
    if over is not None:
        raise LimitExceeded(over.message())


def operations(*exprs) -> int:
    """The operations of ``exprs``: the nodes of their trees (a symbol, a number, a sum or a
    product each one), counted once per distinct subtree seen (memoised), so that charging them is
    cheap beside the work they stand for."""
    return sum(_nodes(e) if isinstance(e, sp.Basic) else 1 for e in exprs)


@lru_cache(maxsize=1 << 16)
def _nodes(expr: sp.Basic) -> int:
    return 1 + sum(_nodes(a) if isinstance(a, sp.Basic) else 1 for a in expr.args)
