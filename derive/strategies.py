"""The primitives of a strategy, bound to the rule catalogue (after ``sympy.strategies``).

A strategy is a function from a :class:`State` (the steps so far and the model in force) to a new
State; :mod:`derive.combinators` puts strategies together and knows nothing of rules.  Here are the
primitives: ``apply`` uses one catalogue rule once, ``exhaust`` keeps using the rules of named
rulesets until none matches, ``given`` starts from an assumption, ``continue_from`` from another
derivation's result, ``recall`` takes up an earlier equation, ``use_model`` changes the model later
steps are checked in; ``run`` checks every step (:func:`derive.checking.checked`).  Which rules a
built-in applies is data: ``rules/derivations/*.toml`` (:mod:`derive.derivations.runner`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

import sympy as sp

from . import combinators
from .catalogue import get_rule, get_ruleset
from .checking import checked
from .errors import DeriveError, RuleDidNotApply
from .input_limits import checkpoint
from .work_budget import operations
from .models import Model
from .operations import apply as apply_operation
from .steps import Check, DEFINITION, Derivation, Equation, Step

MAX_APPLICATIONS = 200


@dataclass(frozen=True)
class State:
    steps: tuple[Step, ...]
    models: tuple[Model, ...]
    model: Model

    @property
    def equation(self) -> Equation | None:
        return self.steps[-1].equation if self.steps else None

    def add(self, step: Step) -> "State":
        return replace(self, steps=self.steps + (step,), models=self.models + (self.model,))


Strategy = Callable[[State], State]
chain = combinators.chain
condition = combinators.condition


def _attempt(rule_name: str, arguments: Mapping[str, Any], tag: str | None) -> Callable[[State], State | None]:
    """Use ``rule_name`` once where it applies: the state with its step added, else ``None``."""
    def attempt(state: State) -> State | None:
        # each rule tried costs the operations it is tried on (derive.work_budget); a caller's time limit is seen here
        checkpoint(operations(*state.equation) if state.equation is not None else 1, "rule")
        rule = get_rule(rule_name)
        outcome = apply_operation(rule, state.equation, state.model, arguments)
        if outcome is None:
            return None
        return state.add(Step(outcome.equation, rule.name, rule.kind, outcome.check, outcome.location,
                              state.model.name, tag))
    return attempt


def apply(rule_name: str, *, required: bool = True, tag: str | None = None, **arguments: Any) -> Strategy:
    """Use ``rule_name`` once; if it applies nowhere, fail when ``required``, else do nothing."""
    attempt = _attempt(rule_name, arguments, tag)
    if not required:
        return combinators.optional(attempt)

    def failure(state: State) -> Exception:
        return RuleDidNotApply(f"rule {rule_name!r} does not apply to {state.equation}")
    return combinators.required(attempt, failure)


def exhaust(*rulesets: str, tag: str | None = None, **arguments: Any) -> Strategy:
    """Use the first rule of the named rulesets (in order) that applies, again and again, until
    none does; tag the last step.  The rulesets are read from the catalogue when the strategy runs,
    so a rule added to one in a TOML file is used without any change here."""
    def make() -> Strategy:
        rules = combinators.do_one(_attempt(rule.name, arguments, None)
                                   for name in rulesets for rule in get_ruleset(name))
        def too_long(state: State) -> Exception:
            return DeriveError(f"the rulesets {', '.join(rulesets)} kept applying after {MAX_APPLICATIONS} steps")
        return combinators.exhaust(rules, MAX_APPLICATIONS, too_long)

    def strategy(state: State) -> State:
        start = len(state.steps)
        state = combinators.lazy(make)(state)
        if tag and len(state.steps) > start:
            state = replace(state, steps=state.steps[:-1] + (state.steps[-1].with_tag(tag),))
        return state
    return strategy


def given(equation: Equation, rule: str = "given") -> Strategy:
    """Start from an equation the user supplies: an assumption, so it is not marked verified."""
    def strategy(state: State) -> State:
        return state.add(Step(equation, rule, DEFINITION, Check("given"), (), state.model.name))
    return strategy


def continue_from(derivation: Derivation, model: Model) -> Strategy:
    """Start from another derivation's result, which was verified there."""
    return chain(use_model(model), apply("result_of_derivation", derivation=derivation))


def recall(which: Callable[[Step], bool]) -> Strategy:
    """Take up again the latest equation this derivation reached whose step satisfies ``which``
    (rule ``recall_equation``): a lecturer's "recall (4)"."""
    def strategy(state: State) -> State:
        earlier = next((step for step in reversed(state.steps) if which(step)), None)
        if earlier is None:
            raise RuleDidNotApply("no earlier equation of this derivation to recall")
        return apply("recall_equation", equation=earlier.equation)(state)
    return strategy


def no_derivative_left(state: State) -> State:
    """Fail where a derivative is left on the right side: no rule of the catalogue carried it out."""
    left = [d for d in state.equation.rhs.atoms(sp.Derivative)] if state.equation else []
    if left:
        raise RuleDidNotApply(f"no rule in the catalogue differentiates {left[0]}")
    return state


def use_model(model: Model) -> Strategy:
    def strategy(state: State) -> State:
        return replace(state, model=model)
    return strategy


def run(name: str, title: Mapping[str, str], strategy: Strategy, model: Model, seed: int = 0) -> Derivation:
    """Apply ``strategy`` from nothing, verify every step it produced, and return the derivation."""
    state = strategy(State((), (), model))
    if not state.steps:
        raise DeriveError(f"derivation {name!r} produced no steps")
    return checked(Derivation(name, dict(title), state.steps, models=state.models))
