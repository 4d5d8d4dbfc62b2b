"""The built-in derivations by stable name, derived and verified on first use."""
from __future__ import annotations

from functools import lru_cache
from typing import Callable

from ..errors import UnknownDerivation
from ..steps import Derivation
from .titles import TITLES

BUILDERS: dict[str, Callable[[], Derivation]] = {}


def register(name: str, builder: Callable[[], Derivation]) -> None:
    BUILDERS[name] = builder


def names() -> tuple[str, ...]:
    return tuple(BUILDERS)


def title(name: str, lang: str = "en") -> str:
    return TITLES[name][lang]


@lru_cache(maxsize=None)
def get(name: str) -> Derivation:
    """The built-in derivation called ``name``, derived and verified (cached per process)."""
    try:
        builder = BUILDERS[name]
    except KeyError:
        raise UnknownDerivation(f"no derivation named {name!r}; known: {', '.join(BUILDERS)}") from None
    return builder()
