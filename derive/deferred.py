"""A tuple computed when first read: a built-in's cross-checks (``sympy.diff``, central differences) are
computed afresh when it loads from its shipped record, but a built-in loaded to be cited by another is
shown by its citer and its own checks are never read (0.1-0.25 s a cited gradient, issue 33)."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any


class Deferred(Sequence):
    """The tuple ``make()`` returns, made once, on first use, in whichever thread reads it first; what
    ``make()`` raised is raised again at each read (never an empty tuple in its place)."""

    __slots__ = ("_make", "_items", "_error", "_lock")

    def __init__(self, make: Callable[[], Sequence]):
        self._make: Callable[[], Sequence] | None = make
        self._items: tuple | None = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()

    @property
    def made(self) -> bool:
        """Whether the tuple has been made (something read it)."""
        return self._make is None

    def _made(self) -> tuple:
        with self._lock:
            if self._make is not None and self._error is None:
                try:
                    self._items, self._make = tuple(self._make()), None
                except Exception as error:  # kept: each later read says the same
                    self._error = error
        if self._error is not None:
            raise self._error
        assert self._items is not None
        return self._items

    def __getitem__(self, index: Any) -> Any:
        return self._made()[index]

    def __len__(self) -> int:
        return len(self._made())

    def __iter__(self) -> Iterator:  # Sequence's own would end at an IndexError raised by make()
        return iter(self._made())

    def __contains__(self, item: object) -> bool:
        return item in self._made()

    def __reversed__(self) -> Iterator:
        return reversed(self._made())

    def __eq__(self, other: object) -> bool:
        return self._made() == (tuple(other) if isinstance(other, Deferred) else other)

    def __hash__(self) -> int:
        return hash(self._made())

    def __repr__(self) -> str:
        return repr(self._made())

    def __reduce__(self):  # pickled as the tuple it is
        return tuple, (self._made(),)
