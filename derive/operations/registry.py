"""Each operation is registered once, where it is written.

The :func:`operation` decorator, put on the function that carries an operation out, records the
name a catalogue rule's ``operation`` field uses, the kinds of check (:class:`~derive.steps.CheckKind`)
a step it makes may ask for, its statement (the function's docstring: the mathematics it does) and
an :class:`Example` a test applies it to.  Nothing else says which operation a name means, nor which
check its steps need: :func:`derive.operations.apply` refuses a step whose check its operation did
not register.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, TypeVar

from ..errors import DeriveError
from ..models import CATEGORICAL, Model
from ..steps import CheckKind, Equation


class RegistrationError(DeriveError):
    """An operation registered twice under one name, or without its statement, check or example."""


@dataclass(frozen=True)
class Derived:
    """An argument that is the built-in derivation of this name (what ``derived_result`` cites)."""

    name: str


@dataclass(frozen=True)
class Example:
    """A small case of an operation, as data.

    It is applied with the catalogue rule ``rule`` (whose patterns and parameters an operation
    reads) in ``model`` to the equation ``before``: ``"lhs = rhs"`` in the catalogue's pattern
    language, or an :class:`~derive.steps.Equation` where that language cannot write it (a matrix,
    a float); ``None`` where the operation starts a derivation.  The strategy's ``arguments`` are
    read as a strategy passes them: text as a pattern, ``"a = b"`` as an equation, a tuple or a
    table item by item, :class:`Derived` as that derivation.  It must give ``after``, with a step
    asking for the check ``check`` (needed only where the operation registers several).
    ``before_as_written`` reads ``before`` as written, unevaluated (``1*log(2)`` stays a product).
    """

    rule: str
    before: str | Equation | None
    after: str | Equation
    model: Model = CATEGORICAL
    arguments: Mapping[str, Any] = field(default_factory=dict)
    check: CheckKind | None = None
    before_as_written: bool = False


@dataclass(frozen=True)
class Registered:
    """An operation as registered: its name, the function carrying it out, the checks its steps may
    ask for, and its example."""

    name: str
    function: Callable[..., Any]
    checks: frozenset[CheckKind]
    example: Example

    @property
    def statement(self) -> str:
        """What the operation does, as its docstring states it."""
        return inspect.getdoc(self.function) or ""

    @property
    def example_check(self) -> CheckKind:
        """The check the example's step asks for: the one it names, else the operation's only one."""
        if self.example.check is not None:
            return self.example.check
        (only,) = self.checks
        return only


_REGISTERED: dict[str, Registered] = {}

Function = TypeVar("Function", bound=Callable[..., Any])


def operation(name: str, *, checks: CheckKind | Iterable[CheckKind], example: Example) -> Callable[[Function], Function]:
    """Register the decorated function as the operation ``name``, whose steps ask for ``checks``."""
    kinds = frozenset((checks,) if isinstance(checks, CheckKind) else checks)

    def register(function: Function) -> Function:
        where = f"operation {name!r} ({function.__module__}.{function.__qualname__})"
        if name in _REGISTERED:
            earlier = _REGISTERED[name].function
            raise RegistrationError(f"{where} is registered twice: {earlier.__module__}.{earlier.__qualname__} "
                                    "has that name already")
        if not (inspect.getdoc(function) or "").strip():
            raise RegistrationError(f"{where} has no docstring: state what it does")
        if not kinds or not all(isinstance(kind, CheckKind) for kind in kinds):
            raise RegistrationError(f"{where} must name the checks its steps ask for, as CheckKind members")
        if (example.check is None and len(kinds) != 1) or (example.check is not None and example.check not in kinds):
            raise RegistrationError(f"{where}: its example must name one of its checks ({', '.join(sorted(kinds))})")
        _REGISTERED[name] = Registered(name, function, kinds, example)
        return function

    return register


def registered() -> Mapping[str, Registered]:
    """Every operation registered so far, by name (all of them once :mod:`derive.operations` is imported)."""
    return dict(_REGISTERED)


def named(name: str) -> Registered | None:
    """The operation registered as ``name``, if any."""
    return _REGISTERED.get(name)


def unregister(name: str) -> None:
    """Forget the operation ``name`` (a test that registers one of its own cleans up with this)."""
    _REGISTERED.pop(name, None)
