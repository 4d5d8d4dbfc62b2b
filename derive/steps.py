"""Steps and derivations as immutable data: what changed, by which rule, where, and how it was checked.

Nothing here knows a text format; printers in :mod:`derive.printing` turn these into text, and
what a derivation does beyond holding data (print, compile, differentiate) is reached through
:mod:`derive.extensions`, so this module imports nothing above it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from enum import Enum
from typing import Mapping, Sequence

import sympy as sp

from . import extensions

EQUALITY = "equality"
DEFINITION = "definition"


@dataclass(frozen=True)
class Equation:
    """``lhs = rhs``."""

    lhs: sp.Basic
    rhs: sp.Basic

    def __iter__(self):
        return iter((self.lhs, self.rhs))


@dataclass(frozen=True)
class Verification:
    """How a step was checked.

    ``method`` is ``"symbolic"`` (a symbolic proof succeeded and the numeric check agreed),
    ``"numeric"`` (only the numeric check at random points), or ``"no"``.  ``sizes`` lists the
    concrete sizes a symbolic proof was done at (empty for a proof at general sizes);
    ``points`` counts the random points of the numeric check and ``max_error`` the largest
    discrepancy seen there.
    """

    method: str = "no"
    sizes: tuple[Mapping[str, int], ...] = ()
    points: int = 0
    max_error: float = 0.0
    detail: str = ""
    source: str = ""  # a result taken from the derivation of this name, verified there
    proved_by: str = ""  # the catalogue rule, proved for every size, whose application this step is
    axioms: tuple[str, ...] = ()  # the checker's axioms the step rests on (derive_checker/axioms.json)

    @property
    def verified(self) -> bool:
        return self.method in ("symbolic", "numeric")


class CheckKind(str, Enum):
    """The kinds of :class:`Check`; each is its own string, so ``Check("equal")`` still reads."""

    EQUAL = "equal"
    IMPLIED = "implied"
    SPECIALISES = "specialises"
    INSTANCE = "instance"
    PREMISE = "premise"
    DERIVED = "derived"
    GIVEN = "given"
    HOLDS = "holds"
    DIFFERENTIATED = "differentiated"
    DERIVATIVES = "derivatives"
    REWRITE = "rewrite"
    LOCAL = "local"
    INDUCTION = "induction"
    DEFINES = "defines"
    SOLVES = "solves"
    ELIMINATED = "eliminated"
    NAMED = "named"
    RECALLED = "recalled"
    NEGATIVE_DEFINITE = "negative_definite"


@dataclass(frozen=True)
class Check:
    """What verifying a step means, decided by the operation that made it.

    ``equal``: the right sides before and after are equal (under the model's constraints).
    ``implied``: after replacing the new left side by its ``definitions`` and the old left side by
    the old right side, the two sides of the new equation agree.
    ``specialises``: putting ``mapping`` into the new equation gives back the old one.
    ``instance``: putting ``mapping`` into the old equation gives the new one.
    ``premise``: the model's own check named ``name`` (the likelihood gives the outcome's probability).
    ``derived``: the result of ``derivation`` (or of the built-in derivation ``name``), whose every
    step was verified; the check reads how from that derivation's steps, and ``inherited`` must
    agree with it.
    ``rewrite``: the step applies the rewrite rule ``Step.rule`` at ``Step.location``; replaying
    that application (match, conditions, replacement) must give the new right side.
    ``local``: only the part at ``Step.location`` changed, from the single key of ``definitions``
    to its value: proving those two equal proves the step.
    ``given``: an assumption the user supplied; nothing to verify.
    ``holds``: the equation itself is true (its two sides agree), as for a definition by a limit.
    ``defines``: the equation defines a sequence, each value from earlier ones (a recurrence).
    ``induction``: the new equation solves the recurrence the previous one states, for every step.
    ``solves``: the new equation is the one solution of the previous right side set to zero, for
    the unknown ``variables[0]`` (a stationary point).
    ``eliminated``: the multiplier ``definitions`` names, at the one value making the estimates sum to one.
    ``named``: a part of the right side written by the name ``definitions`` gives it.
    ``recalled``: an equation an earlier step of the same derivation reached.
    ``negative_definite``: the second derivatives (the equation, unchanged) form a diagonal matrix
    with negative entries.
    ``differentiated``: both sides of the previous equation differentiated by ``variables[0]``.
    ``derivatives``: each component of the new (matrix) right side is the derivative of the loss in
    ``definitions`` by the matching components of ``variables``, computed afresh by SymPy.
    """

    how: str
    mapping: Mapping[sp.Basic, sp.Basic] = field(default_factory=dict)
    definitions: Mapping[sp.Basic, sp.Basic] = field(default_factory=dict)
    name: str = ""
    inherited: str = ""
    variables: tuple = ()  # ``derivatives``: the arrays each component is a derivative by
    derivation: Derivation | None = None  # ``derived``: the Derivation whose result the step states


@dataclass(frozen=True)
class Step:
    """One application of one rule: the equation after it, and the trail of how it was reached."""

    equation: Equation
    rule: str
    kind: str
    check: Check
    location: tuple[int, ...] = ()
    model: str = ""
    tag: str | None = None
    verification: Verification = Verification()

    @property
    def lhs(self) -> sp.Basic:
        return self.equation.lhs

    @property
    def rhs(self) -> sp.Basic:
        return self.equation.rhs

    def with_verification(self, verification: Verification) -> "Step":
        return replace(self, verification=verification)

    def with_tag(self, tag: str) -> "Step":
        return replace(self, tag=tag)


def weakest(steps) -> str:
    """How the least checked of ``steps`` was: ``"no"``, else ``"numeric"``, else ``"symbolic"``."""
    methods = {step.verification.method for step in steps}
    return "no" if "no" in methods else "numeric" if "numeric" in methods else "symbolic"


DEFINES_SEQUENCE = "a definition"  # the detail of a step that defines a sequence: nothing to prove
RESTRICTED = "a restriction the result carries, not proved"  # a condition the checker reports so: a kink excluded
FROM_GIVEN = "from the loss as given"  # a derived step whose derivation starts from a user's loss, every later step proved
ASSUMED = "an assumption of the model, not derived"  # the detail of a user's loss, the step taken as given
STATED = "stated by the model"  # the detail of a step that is the model's premise (an axiom): nothing to prove

USER_GRADIENT = "gradient"  # the name of a derivation derive.gradient made from a user's loss
USER_DERIVATIVE = "derivative"  # ... and of a higher derivative of it (order 2 and up)


@dataclass(frozen=True, repr=False)
class Derivation:
    """A named chain of steps; the last step's equation is the result.  ``str()`` (and ``print``)
    gives the derivation as ``derive show`` prints it; ``repr()`` one line."""

    name: str
    title: Mapping[str, str]
    steps: tuple[Step, ...]
    cross_checks: Sequence = ()  # independent checks of the result (gradient_checks.CrossCheck): a tuple, or one made when read
    models: tuple = ()  # the model each step was checked in, so a step can be checked again

    @property
    def result(self) -> Equation:
        return self.steps[-1].equation

    @cached_property
    def lines(self) -> tuple:
        """The blackboard view: the steps grouped into a lecturer's lines (:class:`derive.blackboard.Line`),
        each checked end to end; made when first asked for (a derivation another one starts from
        is seldom printed)."""
        return extensions.call("blackboard", self)

    @property
    def verified(self) -> bool:
        return all(step.verification.verified for step in self.steps)

    @property
    def weakest_check(self) -> str:
        """How its least checked step was: ``"no"``, else ``"numeric"``, else ``"symbolic"``."""
        return weakest(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __str__(self) -> str:
        return extensions.call("text", self)

    def __repr__(self) -> str:
        steps = f"{len(self.steps)} step{'s' if len(self.steps) != 1 else ''}"
        return f"<Derivation {self.name!r}: {steps}, {self.result.lhs} = {self.result.rhs}>"

    def _repr_latex_(self) -> str:
        """Jupyter shows the derivation as one aligned block."""
        return extensions.call("latex", self)

    def _repr_markdown_(self) -> str:
        return extensions.call("markdown", self)

    def compile(self, backend: str = "numba"):
        """Kernels for this loss and its gradient, generated from its stable form
        (:mod:`derive.kernels`).  ``backend="numba"`` (CPU): ``k.loss(X, T)``, ``k.grad(X, T)``,
        ``k.loss_and_grad(X, T)``; ``"torch"``: ``k(**inputs, reduction=None)``, a tensor whose
        backward is the derived gradient, on any device and under ``torch.compile``; ``"jax"``:
        the same as a ``jax.custom_vjp`` function, jit-able."""
        return extensions.call("compile", self, backend)

    def certificate(self) -> dict:
        """This derivation as a certificate (``derive-certificate/1``, a JSON-able dict) that
        :mod:`derive_checker` re-checks alone (:mod:`derive.certificate`; docs/certificate.md)."""
        return extensions.call("certificate", self)

    def gradient(self, wrt: sp.Basic, link: str | None = None) -> "Derivation":
        """This result differentiated by ``wrt`` (e.g. ``y[i, k]``; ``z[i, k]`` with ``link="softmax"``),
        step by step with the catalogue's rules, every step verified, the result cross-checked."""
        return extensions.call("gradient", self, wrt, link)
