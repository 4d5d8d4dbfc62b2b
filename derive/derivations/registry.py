"""The built-in derivations by stable name, derived and verified on first use: those declared in
``rules/derivations/*.toml`` (:mod:`.declarations`), then any registered from Python."""
from __future__ import annotations

from functools import lru_cache
from typing import Callable

from ..errors import UnknownDerivation
from ..steps import Derivation

BUILDERS: dict[str, Callable[[], Derivation]] = {}


def register(name: str, builder: Callable[[], Derivation]) -> None:
    """A built-in made by ``builder`` rather than declared (one declared of that name gives way)."""
    BUILDERS[name] = builder


def names() -> tuple[str, ...]:
    from .runner import declared_names

    return tuple(dict.fromkeys((*declared_names(), *BUILDERS)))


def title(name: str, lang: str = "en") -> str:
    from .runner import title_of

    return title_of(name)[lang]


@lru_cache(maxsize=None)
def get(name: str) -> Derivation:
    """The built-in derivation called ``name``, derived and verified (cached per process)."""
    from .runner import build, declared_names

    if name in BUILDERS:
        return BUILDERS[name]()
    if name not in declared_names():
        raise UnknownDerivation(f"no derivation named {name!r}; known: {', '.join(names())}")
    return build(name)
