"""Where a document numbers its own equations (the notes), the derivations it cites are named by
where they stand there, not by their internal names: derivation name -> (section, equation number).
A context variable, so each thread that prints sees only its own document's."""
from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Iterator, Mapping

from ..languages import language

_CITATIONS: ContextVar[Mapping[str, tuple[str, str]]] = ContextVar("citations", default=MappingProxyType({}))


@contextmanager
def citing(places: Mapping[str, tuple[str, str]]) -> Iterator[None]:
    """While inside, a derivation the words cite is named by its place: ``§section, eq. (number)``."""
    token = _CITATIONS.set(MappingProxyType(dict(places)))
    try:
        yield
    finally:
        _CITATIONS.reset(token)


def cited(name: str, lang: str) -> str | None:
    """``as derived in §2.1, eq. (2.3)`` where the document places ``name``, else None."""
    place = _CITATIONS.get().get(name)
    return None if place is None else language(lang).phrase("cited_section", section=place[0], number=place[1])


def cited_place(name: str) -> str:
    """The place of ``name`` in the document (``§2.1, (2.3)``), or its name where it has none."""
    place = _CITATIONS.get().get(name)
    return name if place is None else f"§{place[0]}, ({place[1]})"


def placed(words: str) -> str:
    """``words`` with each derivation they name (outside their mathematics) named by where the
    document places it (``§2.1``); unchanged where no document places derivations."""
    places = _CITATIONS.get()
    if not places:
        return words
    names = "|".join(re.escape(name) for name in sorted(places, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w\-.])({names})(?![\w\-])")
    parts = words.split("$")  # even parts are words, odd ones mathematics
    return "$".join(pattern.sub(lambda m: f"§{places[m.group(1)][0]}", part) if n % 2 == 0 else part
                    for n, part in enumerate(parts))
