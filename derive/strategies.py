"""Strategies: ways of applying catalogue rules that produce steps (after ``sympy.strategies``).

A strategy is a function from a :class:`State` (the steps so far and the model in force) to a new
State.  ``apply`` uses one rule once, ``exhaust`` keeps using a set of rules until none matches,
``chain`` runs strategies in order, ``use_model`` changes the model later steps are checked in.
Every step comes from applying a rule; none is written by hand.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

import sympy as sp

from .catalogue import get_rule, get_ruleset
from .errors import DeriveError, RuleDidNotApply
from .limits import checkpoint
from .models import Model
from .operations import apply as apply_operation
from .steps import Check, DEFINITION, Derivation, Equation, Step
from .checking import checked

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


def _attempt(state: State, rule_name: str, arguments: Mapping[str, Any], tag: str | None) -> State | None:
    checkpoint()  # each rule tried: where a caller's time limit is seen (no signal, any thread)
    rule = get_rule(rule_name)
    outcome = apply_operation(rule, state.equation, state.model, arguments)
    if outcome is None:
        return None
    step = Step(outcome.equation, rule.name, rule.kind, outcome.check, outcome.location,
                state.model.name, tag)
    return state.add(step)


def apply(rule_name: str, *, required: bool = True, tag: str | None = None, **arguments: Any) -> Strategy:
    """Use ``rule_name`` once; if it applies nowhere, fail when ``required``, else do nothing."""
    def strategy(state: State) -> State:
        after = _attempt(state, rule_name, arguments, tag)
        if after is None:
            if required:
                raise RuleDidNotApply(f"rule {rule_name!r} does not apply to {state.equation}")
            return state
        return after
    return strategy


def exhaust(*rulesets: str, tag: str | None = None, **arguments: Any) -> Strategy:
    """Use the first rule of the named rulesets (in order) that applies, again and again, until
    none does; tag the last step.  The rulesets are read from the catalogue when the strategy runs,
    so a rule added to one in a TOML file is used without any change here."""
    def strategy(state: State) -> State:
        rule_names = [rule.name for name in rulesets for rule in get_ruleset(name)]
        start = len(state.steps)
        for _ in range(MAX_APPLICATIONS):
            for name in rule_names:
                after = _attempt(state, name, arguments, None)
                if after is not None:
                    state = after
                    break
            else:
                if tag and len(state.steps) > start:
                    state = replace(state, steps=state.steps[:-1] + (state.steps[-1].with_tag(tag),))
                return state
        raise DeriveError(f"the rulesets {', '.join(rulesets)} kept applying after {MAX_APPLICATIONS} steps")
    return strategy


def given(equation: Equation, rule: str = "given") -> Strategy:
    """Start from an equation the user supplies: an assumption, so it is not marked verified."""
    def strategy(state: State) -> State:
        return state.add(Step(equation, rule, DEFINITION, Check("given"), (), state.model.name))
    return strategy


def continue_from(derivation: Derivation, model: Model) -> Strategy:
    """Start from another derivation's result, which was verified there."""
    return chain(use_model(model), apply("result_of_derivation", derivation=derivation))


def differentiate(wrt) -> Strategy:
    """Differentiate the current equation by ``wrt`` with the catalogue's ``differentiation``
    ruleset; only where none of its rules applies anywhere does SymPy carry out one derivative (the
    ``sympy_fallback`` ruleset), in a step that says so.  Built-in and users' losses alike."""
    indices = tuple(wrt.indices) if hasattr(wrt, "indices") else ()
    return chain(
        exhaust("summation_indices", avoid=indices),
        apply("differentiate_both_sides", wrt=wrt),
        exhaust("differentiation"),
        exhaust("differentiation", "sympy_fallback"),
        _no_derivative_left,
    )


def _no_derivative_left(state: State) -> State:
    left = [d for d in state.equation.rhs.atoms(sp.Derivative)]
    if left:
        raise RuleDidNotApply(f"no rule in the catalogue differentiates {left[0]}")
    return state


def recall(which: Callable[[Step], bool]) -> Strategy:
    """Take up again the latest equation this derivation reached whose step satisfies ``which``
    (rule ``recall_equation``): a lecturer's "recall (4)"."""
    def strategy(state: State) -> State:
        earlier = next((step for step in reversed(state.steps) if which(step)), None)
        if earlier is None:
            raise RuleDidNotApply("no earlier equation of this derivation to recall")
        return apply("recall_equation", equation=earlier.equation)(state)
    return strategy


def use_model(model: Model) -> Strategy:
    def strategy(state: State) -> State:
        return replace(state, model=model)
    return strategy


def chain(*strategies: Strategy) -> Strategy:
    def strategy(state: State) -> State:
        for each in strategies:
            state = each(state)
        return state
    return strategy


def run(name: str, title: Mapping[str, str], strategy: Strategy, model: Model, seed: int = 0) -> Derivation:
    """Apply ``strategy`` from nothing, verify every step it produced, and return the derivation."""
    state = strategy(State((), (), model))
    if not state.steps:
        raise DeriveError(f"derivation {name!r} produced no steps")
    return checked(Derivation(name, dict(title), state.steps, models=state.models))
