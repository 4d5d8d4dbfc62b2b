"""One runner for every declaration: a declared derivation or named strategy made into a strategy
of the primitives (:mod:`derive.strategies`) put together by :mod:`derive.combinators`, then run,
every step checked.  The declarations say which rules; nothing here names one."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

import sympy as sp

from .. import combinators, strategies
from ..errors import ArgumentError, UnknownDerivation
from ..gradient_checks import cross_check_gradient
from ..languages import codes, titles
from ..models import Model, categorical
from ..pattern_parser import parse_pattern
from ..steps import Derivation, Equation
from ..strategies import State, Strategy
from . import registry
from . import vocabulary as v
from .declarations import (DeclarationError, DerivationDeclaration, interpolate, load_declarations,
                           whole_reference)
from .targets import model_for_targets

DECIMAL = re.compile(r"-?\d+(\.\d+)?")


def declared_names() -> tuple[str, ...]:
    return tuple(load_declarations().derivations)


def lemmas() -> tuple[str, ...]:
    """The derivations declared ``lemma = true``, in the order declared (L1, L2, ...)."""
    return tuple(name for name, d in load_declarations().derivations.items() if d.lemma)


def title_of(name: str) -> dict[str, str]:
    """The derivation's title by its name (``titles.toml`` of each language); one without a title is called by its name."""
    return titles(name) or {code: name for code in codes()}


def build(name: str, **given: Any) -> Derivation:
    """The declared derivation ``name``, with the parameters ``given`` in place of its defaults
    (``build("dice-mle", classes=4)``), derived and every step checked.  Not cached: the built-in
    itself is :func:`derive.derivations.get`."""
    declarations = load_declarations().derivations
    if name not in declarations:
        raise UnknownDerivation(f"no derivation named {name!r} is declared; known: {', '.join(declarations)}")
    declaration = declarations[name]
    unknown = set(given) - set(declaration.parameters)
    if unknown:
        raise ArgumentError(f"the derivation {name!r} has no parameters {sorted(unknown)}; "
                            f"it has {', '.join(declaration.parameters) or 'none'}")
    parameters = {**declaration.parameters, **given}
    scope = Scope(parameters, {symbol: sp.Symbol(symbol, **{assumption: True})
                               for symbol, assumption in declaration.symbols.items()},
                  f"derivation {name!r}")
    model = scope.model(declaration.model)
    derivation = strategies.run(_name(declaration, parameters, scope), title_of(name),
                                scope.steps(declaration.steps), model)
    if declaration.cross_check:
        loss, wrt = _cross_check_inputs(declaration.cross_check, scope)
        derivation = replace(derivation, cross_checks=cross_check_gradient(loss, derivation.result, wrt, model))
    return derivation


def _cross_check_inputs(cross_check: Mapping[str, Any], scope: "Scope") -> tuple[Equation, Any]:
    """The loss whose derivative the declared gradient's result is checked against, and what by."""
    return registry.get(scope.name(cross_check["loss"])).result, scope.expression(cross_check["wrt"])


def cross_check_of(name: str) -> tuple[Equation, Any, Model] | None:
    """What the built-in ``name``'s independent cross-check compares (the loss, the variable, the model),
    with its default parameters; ``None`` where it declares none.  A shipped built-in
    (:mod:`.shipped`) carries these, so its cross-check is computed afresh where it is loaded."""
    declaration = load_declarations().derivations[name]
    if not declaration.cross_check:
        return None
    scope = Scope(dict(declaration.parameters), {symbol: sp.Symbol(symbol, **{assumption: True})
                                                 for symbol, assumption in declaration.symbols.items()},
                  f"derivation {name!r}")
    return (*_cross_check_inputs(declaration.cross_check, scope), scope.model(declaration.model))


def _name(declaration: DerivationDeclaration, parameters: Mapping[str, Any], scope: "Scope") -> str:
    """The declared name, or where a parameter differs from its default the variant's name."""
    varied = any(parameters[key] is not declaration.parameters[key] and parameters[key] != declaration.parameters[key]
                 for key in parameters)
    return scope.name(declaration.variant_name) if varied and declaration.variant_name else declaration.name


def named_strategy(name: str, **given: Any) -> Strategy:
    """The named strategy ``name`` (``[[strategy]]`` in ``rules/derivations``) with its parameters
    ``given``: SymPy expressions for an ``expression`` parameter, words for a ``text`` one."""
    strategies_declared = load_declarations().strategies
    if name not in strategies_declared:
        raise DeclarationError(f"no strategy named {name!r} is declared; known: {', '.join(strategies_declared)}")
    declaration = strategies_declared[name]
    unknown = set(given) - set(declaration.parameters)
    if unknown:
        raise ArgumentError(f"the strategy {name!r} has no parameters {sorted(unknown)}")
    scope = Scope({key: given.get(key) for key in declaration.parameters}, {}, f"strategy {name!r}")
    return scope.steps(declaration.steps)


@dataclass(frozen=True)
class Scope:
    """What a declaration's names and expressions mean: its parameters' values and its own symbols."""

    parameters: Mapping[str, Any]
    symbols: Mapping[str, sp.Symbol]
    where: str

    # ----- values ---------------------------------------------------------------------------
    def reference(self, value: Any) -> tuple[bool, Any]:
        """(True, the parameter's value) where ``value`` is ``$name``, else (False, ``value``)."""
        name = whole_reference(value)
        return (True, self.parameters[name]) if name is not None else (False, value)

    def name(self, text: Any) -> Any:
        """A name or word, its parameters put in; ``None`` where it is an unset parameter."""
        referred, value = self.reference(text)
        if referred:
            return value
        return interpolate(text, self.parameters, self.where)

    def expression(self, text: Any) -> Any:
        """A SymPy expression: a parameter's value, a decimal as an exact rational, or parsed
        from the whitelisted syntax of the catalogue's patterns (never evaluated as code)."""
        referred, value = self.reference(text)
        if referred and not isinstance(value, str):
            return sp.Integer(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise DeclarationError(f"{self.where}: {value!r} is not an expression")
        text = interpolate(str(value), self.parameters, self.where)
        if DECIMAL.fullmatch(text):
            return sp.Rational(text)
        return parse_pattern(text, names=self.symbols)

    def argument(self, value: Any) -> Any:
        """A rule's argument: a flag or whole number as written, a list as a tuple, a table of
        values by what they replace, a derivation's result, the indices of a component."""
        referred, value = self.reference(value)
        if referred and not isinstance(value, (str, dict, list)):
            return value
        if isinstance(value, (bool, int)) or value is None:
            return value
        if isinstance(value, list):
            return tuple(self.argument(each) for each in value)
        if isinstance(value, dict) and set(value) == {"result_of"}:
            return registry.get(self.name(value["result_of"])).result
        if isinstance(value, dict) and set(value) == {"indices_of"}:
            component = self.argument(value["indices_of"])
            return tuple(component.indices) if isinstance(component, sp.Indexed) else ()
        if isinstance(value, dict):
            # strict: a number or an expression already read; never a string or an object read through str()
            return {self.expression(key): sp.sympify(self.argument(each), strict=True) for key, each in value.items()}
        return self.expression(value)

    def arguments(self, table: Mapping[str, Any]) -> dict[str, Any]:
        resolved = {key: self.argument(value) for key, value in table.items()}
        return {key: value for key, value in resolved.items() if value is not None}

    def model(self, spec: Any) -> Model:
        """A model by family (``categorical``, with ``classes``) or that a derivation ended in
        (``of``); then through a ``link``, with a linear layer, for ``targets`` probabilities."""
        spec = {"family": spec} if isinstance(spec, str) else spec
        source = None
        if "of" in spec:
            source = registry.get(self.name(spec["of"]))
            model = source.models[-1] if source.models else categorical()
        else:
            family = self.name(spec["family"])
            classes = self.argument(spec["classes"]) if "classes" in spec else None
            model = v.MODELS[family](classes) if family in v.SIZED_MODELS else v.MODELS[family]()
        link = self.name(spec["link"]) if "link" in spec else None
        if link:
            model = model.with_link(link)
        if spec.get("linear_layer"):
            model = model.with_linear_model()
        if "targets" in spec and self.name(spec["targets"]) == "probabilities":
            model = model_for_targets(model, True, source)
        return model

    # ----- steps ----------------------------------------------------------------------------
    def steps(self, steps: tuple[Mapping[str, Any], ...]) -> Strategy:
        return combinators.chain(*(made for made in map(self.step, steps) if made is not None))

    def step(self, step: Mapping[str, Any]) -> Strategy | None:
        """The step's strategy; ``None`` where its condition on the parameters does not hold."""
        if not (self.parameters_hold(step.get("when"), True) and self.parameters_hold(step.get("unless"), False)):
            return None
        strategy = self.primitive(step)
        holds = self.state_condition(step.get("when"), step.get("unless"))
        return combinators.condition(holds, strategy) if holds else strategy

    def parameters_hold(self, condition: Mapping[str, Any] | None, wanted: bool) -> bool:
        if not condition or "set" not in condition:
            return True
        names = condition["set"] if isinstance(condition["set"], list) else [condition["set"]]
        given = [self.parameters[name] is not None for name in names]
        return all(given) if wanted else not any(given)

    def state_condition(self, when: Mapping[str, Any] | None,
                        unless: Mapping[str, Any] | None) -> Callable[[State], bool] | None:
        tests = [(test, True) for test in _state_tests(when or {})] + [(test, False) for test in _state_tests(unless or {})]
        if not tests:
            return None
        return lambda state: all(test(state) == wanted for test, wanted in tests)

    def primitive(self, step: Mapping[str, Any]) -> Strategy:
        if "apply" in step:
            return strategies.apply(self.name(step["apply"]), required=step.get("required", True),
                                    tag=self.name(step["tag"]) if "tag" in step else None,
                                    **self.arguments(step.get("with", {})))
        if "exhaust" in step:
            names = step["exhaust"] if isinstance(step["exhaust"], list) else [step["exhaust"]]
            return strategies.exhaust(*(self.name(name) for name in names),
                                      tag=self.name(step["tag"]) if "tag" in step else None,
                                      **self.arguments(step.get("with", {})))
        if "strategy" in step:
            return self.call(self.name(step["strategy"]), step.get("with", {}))
        if "given" in step:
            return strategies.given(Equation(self.expression(step["given"]["lhs"]),
                                             self.expression(step["given"]["rhs"])))
        if "continue_from" in step:
            source = registry.get(self.name(step["continue_from"]))
            if "model" in step:
                return strategies.continue_from(source, self.model(step["model"]))
            return lambda state: strategies.continue_from(source, state.model)(state)
        if "use_model" in step:
            return strategies.use_model(self.model(step["use_model"]))
        if "use_link" in step:
            link = self.name(step["use_link"])
            return lambda state: strategies.use_model(state.model.with_link(link))(state)
        if "recall" in step:
            return strategies.recall(v.RECALLABLE[self.name(step["recall"])])
        return v.CHECKS[self.name(step["check"])]

    def call(self, name: str, table: Mapping[str, Any]) -> Strategy:
        """A named strategy, each argument read as its parameter's type says."""
        declared = load_declarations().strategies[name].parameters
        given = {key: (self.expression(value) if declared[key] == "expression" else self.name(value))
                 for key, value in table.items()}
        return named_strategy(name, **{key: value for key, value in given.items() if value is not None})


def _state_tests(condition: Mapping[str, Any]) -> list[Callable[[State], bool]]:
    tests: list[Callable[[State], bool]] = []
    if "link" in condition:
        tests.append(lambda state: state.model.link == condition["link"])
    if "equation_has" in condition:  # "sums"
        tests.append(lambda state: state.equation is not None and state.equation.rhs.has(sp.Sum))
    return tests


registry.declare(declared_names, build, title_of)
