"""The built-in derivations by stable name, derived and verified on first use: those declared in
``rules/derivations/*.toml`` (the runner, :mod:`.runner`, enters them here when it loads), then any
registered from Python.  A built-in is made of others (``continue_from``, ``result_of``), so the
runner looks them up here while it builds one: this table sits below it."""
from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from typing import Callable

from ..errors import UnknownDerivation
from ..steps import Derivation

BUILDERS: dict[str, Callable[[], Derivation]] = {}
DECLARED: dict[str, Callable] = {}  # "names", "build", "title": the runner's, entered by declare()


def register(name: str, builder: Callable[[], Derivation]) -> None:
    """A built-in made by ``builder`` rather than declared (one declared of that name gives way)."""
    BUILDERS[name] = builder


def declare(names: Callable[[], tuple[str, ...]], build: Callable[[str], Derivation],
            title: Callable[[str], dict[str, str]]) -> None:
    """The declared built-ins: how to list them, build one by name and title one (the runner's)."""
    DECLARED.update(names=names, build=build, title=title)


def _declared() -> dict[str, Callable]:
    """The runner's entries, the runner imported first where nothing has yet (it enters them as it loads;
    by name, since it imports this table: a shipped built-in is shown without importing it at all)."""
    if not DECLARED:
        import_module(f"{__package__}.runner")
    return DECLARED


def names() -> tuple[str, ...]:
    return tuple(dict.fromkeys((*_declared()["names"](), *BUILDERS)))


def title(name: str, lang: str = "en") -> str:
    return _declared()["title"](name)[lang]


@lru_cache(maxsize=None)
def get(name: str) -> Derivation:
    """The built-in derivation called ``name``, derived and verified (cached per process): loaded from its
    shipped record and re-checked where there is one (:mod:`.shipped`), else derived by the engine."""
    if name in BUILDERS:
        return BUILDERS[name]()
    from .shipped import load  # finished at build time, every step re-checked by the checker as it loads
    shipped = load(name, cite=get)  # a record there is of a declared built-in (made from the declarations in use), citing them
    if shipped is not None:
        return shipped
    if name not in _declared()["names"]():
        raise UnknownDerivation(f"no derivation named {name!r}; known: {', '.join(names())}")
    return DECLARED["build"](name)
