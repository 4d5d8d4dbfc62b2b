"""Strategy combinators: ways to put together functions from a state to a state (after
``sympy.strategies.core``).

A *strategy* takes a state and returns the next one.  An *attempt* takes a state and returns the
next one or ``None`` where it does not apply.  Nothing here knows what a state holds: no rule,
catalogue, model or verification; :mod:`derive.strategies` binds the primitives to the catalogue.
"""
from __future__ import annotations

from typing import Callable, Iterable, TypeVar

S = TypeVar("S")


def identity(state: S) -> S:
    return state


def chain(*strategies: Callable[[S], S]) -> Callable[[S], S]:
    """Each strategy in turn, the next given what the last returned."""
    def chained(state: S) -> S:
        for strategy in strategies:
            state = strategy(state)
        return state
    return chained


def required(attempt: Callable[[S], S | None], failure: Callable[[S], Exception]) -> Callable[[S], S]:
    """``attempt``, which must apply: where it does not, raise ``failure(state)``."""
    def strategy(state: S) -> S:
        after = attempt(state)
        if after is None:
            raise failure(state)
        return after
    return strategy


def optional(attempt: Callable[[S], S | None]) -> Callable[[S], S]:
    """``attempt`` where it applies, else the state unchanged (``sympy.strategies.tryit``)."""
    def strategy(state: S) -> S:
        after = attempt(state)
        return state if after is None else after
    return strategy


def do_one(attempts: Iterable[Callable[[S], S | None]]) -> Callable[[S], S | None]:
    """The first of ``attempts`` that applies, or ``None`` where none does."""
    listed = tuple(attempts)

    def attempt(state: S) -> S | None:
        for each in listed:
            after = each(state)
            if after is not None:
                return after
        return None
    return attempt


def exhaust(attempt: Callable[[S], S | None], limit: int, too_long: Callable[[S], Exception]) -> Callable[[S], S]:
    """``attempt`` again and again until it no longer applies; past ``limit`` times, raise
    ``too_long(state)`` (a set of rewrites that never ends is an error, not a hang)."""
    def strategy(state: S) -> S:
        for _ in range(limit):
            after = attempt(state)
            if after is None:
                return state
            state = after
        raise too_long(state)
    return strategy


def condition(holds: Callable[[S], bool], strategy: Callable[[S], S]) -> Callable[[S], S]:
    """``strategy`` where ``holds(state)``, else the state unchanged."""
    def conditional(state: S) -> S:
        return strategy(state) if holds(state) else state
    return conditional


def lazy(make: Callable[[], Callable[[S], S]]) -> Callable[[S], S]:
    """The strategy ``make()`` returns, made when first run (so what it reads is read then)."""
    def strategy(state: S) -> S:
        return make()(state)
    return strategy
