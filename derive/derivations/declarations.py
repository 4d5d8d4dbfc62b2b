"""The built-in derivations and the named strategies, read from ``rules/derivations/*.toml``.

A ``[[derivation]]`` declares a built-in: its model, the steps of its strategy (a catalogue rule
applied, rulesets exhausted, a named strategy, a derivation continued from...), its parameters;
with ``rows`` it declares one derivation per row (a family: the row's values are its parameters).
A ``[[strategy]]`` declares a named strategy, with typed parameters, that declarations and the
Python entry points refer to.  Everything is read once per rules directory and checked at load:
an unknown rule, ruleset, derivation, strategy, model or field is refused with the file and the
declaration named (:class:`DeclarationError`).  A rules directory (``$DERIVE_RULES``) without a
``derivations`` folder uses the declarations shipped.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterator, Mapping

import sympy as sp

from ..catalogue import active_directory, read_catalogue, read_rulesets, rules_directory
from ..errors import CatalogueError, PatternError
from ..pattern_parser import parse_pattern
from . import vocabulary as v

FOLDER = "derivations"
REFERENCE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class DeclarationError(CatalogueError):
    """A declaration of ``rules/derivations`` that cannot be run as written."""


@dataclass(frozen=True)
class DerivationDeclaration:
    name: str
    model: Any
    steps: tuple[Mapping[str, Any], ...]
    parameters: Mapping[str, Any]  # each parameter's default; ``None`` for an option (unset unless given)
    symbols: Mapping[str, str]  # symbols of its own: name -> assumption ("real", "positive")
    variant_name: str | None  # its name when built with other parameters
    cross_check: Mapping[str, Any] | None  # a gradient: {loss = derivation differentiated, wrt = ...}
    lemma: bool
    source: str


@dataclass(frozen=True)
class StrategyDeclaration:
    name: str
    parameters: Mapping[str, str]  # name -> "expression" or "text"
    steps: tuple[Mapping[str, Any], ...]
    source: str


@dataclass(frozen=True)
class Declarations:
    derivations: Mapping[str, DerivationDeclaration]
    strategies: Mapping[str, StrategyDeclaration]


def declarations_directory(directory: str | None) -> Path:
    """The declarations of the rules directory ``directory`` (``None``: the one shipped)."""
    if directory is not None and (Path(directory) / FOLDER).is_dir():
        return Path(directory) / FOLDER
    return rules_directory() / FOLDER


def load_declarations() -> Declarations:
    """The declarations of the catalogue in use ($DERIVE_RULES or the one shipped), checked."""
    return read_declarations(active_directory())


@lru_cache(maxsize=None)
def read_declarations(directory: str | None = None) -> Declarations:
    root = declarations_directory(directory)
    derivations: dict[str, DerivationDeclaration] = {}
    strategies: dict[str, StrategyDeclaration] = {}
    for source in sorted(root.glob("*.toml")):
        with source.open("rb") as handle:
            try:
                document = tomllib.load(handle)
            except tomllib.TOMLDecodeError as exc:
                raise DeclarationError(f"{FOLDER}/{source.name}: {exc}") from None
        unknown = set(document) - {"derivation", "strategy"}
        if unknown:
            raise DeclarationError(f"{FOLDER}/{source.name}: unknown tables {sorted(unknown)}; "
                                   "a file declares [[derivation]] and [[strategy]]")
        for entry in document.get("strategy", []):
            strategy = _strategy(entry, source.name)
            _add(strategies, strategy, source.name, "strategy")
        for entry in document.get("derivation", []):
            for derivation in _derivations(entry, source.name):
                _add(derivations, derivation, source.name, "derivation")
    declarations = Declarations(MappingProxyType(derivations), MappingProxyType(strategies))
    _Checker(declarations, directory).check()
    return declarations


def _add(table: dict, declaration, source: str, kind: str) -> None:
    if declaration.name in table:
        raise DeclarationError(f"{FOLDER}/{source}: {kind} {declaration.name!r} is declared twice")
    table[declaration.name] = declaration


def _where(source: str, kind: str, entry: Mapping[str, Any]) -> str:
    return f"{FOLDER}/{source}: {kind} {entry.get('name', '?')!r}"


def _fields(entry: Any, allowed: set[str], where: str, required: tuple[str, ...] = ()) -> None:
    if not isinstance(entry, dict):
        raise DeclarationError(f"{where}: expected a table, not {entry!r}")
    unknown = set(entry) - allowed
    if unknown:
        raise DeclarationError(f"{where}: unknown fields {sorted(unknown)}; known: {', '.join(sorted(allowed))}")
    for field in required:
        if field not in entry:
            raise DeclarationError(f"{where}: the field {field!r} is missing")


def _strategy(entry: Any, source: str) -> StrategyDeclaration:
    where = _where(source, "strategy", entry if isinstance(entry, dict) else {})
    _fields(entry, v.STRATEGY_FIELDS, where, ("name", "steps"))
    parameters = entry.get("parameters", {})
    if not isinstance(parameters, dict) or any(kind not in v.PARAMETER_TYPES for kind in parameters.values()):
        raise DeclarationError(f"{where}: 'parameters' maps each name to one of {', '.join(v.PARAMETER_TYPES)}")
    return StrategyDeclaration(entry["name"], MappingProxyType(dict(parameters)), _steps(entry, where), source)


def _derivations(entry: Any, source: str) -> Iterator[DerivationDeclaration]:
    """One declaration, or, with ``rows``, one per row: the row's values its parameters."""
    where = _where(source, "derivation", entry if isinstance(entry, dict) else {})
    _fields(entry, v.DERIVATION_FIELDS | {"rows"}, where, ("name", "model", "steps"))
    defaults = entry.get("parameters", {})
    options = entry.get("options", [])
    if not isinstance(defaults, dict):
        raise DeclarationError(f"{where}: 'parameters' is a table of each parameter's default")
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise DeclarationError(f"{where}: 'options' is a list of the names of parameters unset by default")
    rows = entry.get("rows", [{}])
    if not isinstance(rows, list) or not rows or not all(isinstance(row, dict) for row in rows):
        raise DeclarationError(f"{where}: 'rows' is a list of tables, one per derivation")
    symbols = entry.get("symbols", {})
    if not isinstance(symbols, dict) or any(a not in v.SYMBOL_ASSUMPTIONS for a in symbols.values()):
        raise DeclarationError(f"{where}: 'symbols' maps each name to one of {', '.join(v.SYMBOL_ASSUMPTIONS)}")
    for name, field in (("variant_name", str), ("lemma", bool)):
        if name in entry and not isinstance(entry[name], field):
            raise DeclarationError(f"{where}: {name!r} must be a {field.__name__}")
    cross_check = entry.get("cross_check")
    if cross_check is not None:
        _fields(cross_check, {"loss", "wrt"}, f"{where}: cross_check", ("loss", "wrt"))
    steps = _steps(entry, where)
    for row in rows:
        parameters = {**{name: None for name in options}, **defaults, **row}
        name = interpolate(entry["name"], parameters, where)
        yield DerivationDeclaration(name, entry["model"], steps, MappingProxyType(parameters),
                                    MappingProxyType(dict(symbols)), entry.get("variant_name"),
                                    MappingProxyType(cross_check) if cross_check else None,
                                    bool(entry.get("lemma", False)), source)


def _steps(entry: Mapping[str, Any], where: str) -> tuple[Mapping[str, Any], ...]:
    steps = entry["steps"]
    if not isinstance(steps, list) or not steps:
        raise DeclarationError(f"{where}: 'steps' is a list of at least one step")
    for number, step in enumerate(steps, start=1):
        if not isinstance(step, dict):
            raise DeclarationError(f"{where}, step {number}: a step is a table, not {step!r}")
        kinds = [kind for kind in v.STEP_KINDS if kind in step]
        if len(kinds) != 1:
            raise DeclarationError(f"{where}, step {number}: a step has exactly one of "
                                   f"{', '.join(v.STEP_KINDS)}; it has {kinds or 'none'}")
        _fields(step, {kinds[0], "when", "unless"} | v.STEP_FIELDS[kinds[0]], f"{where}, step {number}")
    return tuple(MappingProxyType(step) for step in steps)


def interpolate(text: str, parameters: Mapping[str, Any], where: str) -> str:
    """``text`` with each ``$name`` replaced by that parameter's value: a word or a whole number."""
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in parameters:
            raise DeclarationError(f"{where}: {text!r} refers to ${name}, which is not a parameter")
        given = parameters[name]
        if isinstance(given, bool) or not isinstance(given, (str, int)) or not re.fullmatch(r"[\w.\-]+", str(given)):
            raise DeclarationError(f"{where}: {text!r}: ${name} is {given!r}, not a word or a whole number")
        return str(given)
    return REFERENCE.sub(value, text)


def whole_reference(text: Any) -> str | None:
    """``name`` where ``text`` is exactly ``$name`` (the parameter's value itself, of any kind)."""
    match = REFERENCE.fullmatch(text) if isinstance(text, str) else None
    return match.group(1) if match else None


class _Checker:
    """Every name a declaration uses is one the catalogue or the declarations define."""

    def __init__(self, declarations: Declarations, directory: str | None):
        self.declarations = declarations
        self.rules = read_catalogue(directory)
        self.rulesets = read_rulesets(directory)

    def check(self) -> None:
        for strategy in self.declarations.strategies.values():
            where = f"{FOLDER}/{strategy.source}: strategy {strategy.name!r}"
            parameters = {name: None for name in strategy.parameters}
            self.references(strategy.steps, parameters, where)
            self.steps(strategy.steps, parameters, {}, where)
        for derivation in self.declarations.derivations.values():
            where = f"{FOLDER}/{derivation.source}: derivation {derivation.name!r}"
            self.references((derivation.model, derivation.steps, derivation.variant_name, derivation.cross_check),
                            derivation.parameters, where)
            self.model(derivation.model, derivation.parameters, where)
            self.steps(derivation.steps, derivation.parameters, derivation.symbols, where)
            if derivation.cross_check:
                self.derivation(derivation.cross_check["loss"], derivation.parameters, where)
                self.expression(derivation.cross_check["wrt"], derivation.parameters, derivation.symbols, where)
        self.no_cycle()

    def references(self, declared: Any, parameters: Mapping[str, Any], where: str) -> None:
        """Every ``$name`` in what is ``declared`` is a parameter."""
        for text in _strings(declared):
            for name in REFERENCE.findall(text):
                if name not in parameters:
                    raise DeclarationError(f"{where}: {text!r} refers to ${name}, which is not a parameter")

    def name(self, text: Any, parameters: Mapping[str, Any], where: str) -> str | None:
        """The name ``text`` gives with the parameters' defaults; ``None`` where one is unset."""
        if not isinstance(text, str):
            raise DeclarationError(f"{where}: expected a name, not {text!r}")
        for name in REFERENCE.findall(text):
            if name not in parameters:
                raise DeclarationError(f"{where}: {text!r} refers to ${name}, which is not a parameter")
            if parameters[name] is None:
                return None
        return interpolate(text, parameters, where)

    def known(self, text: Any, parameters: Mapping[str, Any], where: str, known: Mapping[str, Any] | tuple,
              what: str) -> None:
        name = self.name(text, parameters, where)
        if name is not None and name not in known:
            raise DeclarationError(f"{where}: no {what} named {name!r}")

    def derivation(self, text: Any, parameters: Mapping[str, Any], where: str) -> None:
        self.known(text, parameters, where, self.declarations.derivations, "derivation")

    def expression(self, text: Any, parameters: Mapping[str, Any], symbols: Mapping[str, str], where: str) -> None:
        if isinstance(text, (bool, int)) or not isinstance(text, str) or "$" in text:
            return
        try:
            parse_pattern(text, names={name: sp.Symbol(name) for name in symbols})
        except PatternError as exc:
            raise DeclarationError(f"{where}: {exc}") from None

    def model(self, spec: Any, parameters: Mapping[str, Any], where: str) -> None:
        where = f"{where}: model"
        if isinstance(spec, str):
            spec = {"family": spec}
        _fields(spec, v.MODEL_FIELDS, where)
        if ("family" in spec) == ("of" in spec):
            raise DeclarationError(f"{where}: a model names its 'family' or the derivation it is 'of', one of them")
        if "family" in spec:
            self.known(spec["family"], parameters, where, v.MODELS, "model")
        if "of" in spec:
            self.derivation(spec["of"], parameters, where)
        if "classes" in spec and spec.get("family") not in v.SIZED_MODELS:
            raise DeclarationError(f"{where}: only {', '.join(sorted(v.SIZED_MODELS))} models take 'classes'")
        if "link" in spec:
            self.known(spec["link"], parameters, where, v.LINK_NAMES, "link")
        if "targets" in spec:
            self.known(spec["targets"], parameters, where, v.TARGETS, "kind of targets")

    def steps(self, steps: tuple[Mapping[str, Any], ...], parameters: Mapping[str, Any],
              symbols: Mapping[str, str], where: str) -> None:
        for number, step in enumerate(steps, start=1):
            at = f"{where}, step {number}"
            for key in ("when", "unless"):
                if key in step:
                    self.condition(step[key], parameters, f"{at}: {key}")
            if "apply" in step:
                self.known(step["apply"], parameters, at, self.rules, "rule")
                self.arguments(step.get("with", {}), parameters, symbols, at)
            elif "exhaust" in step:
                names = step["exhaust"] if isinstance(step["exhaust"], list) else [step["exhaust"]]
                for name in names:
                    self.known(name, parameters, at, self.rulesets, "ruleset")
                self.arguments(step.get("with", {}), parameters, symbols, at)
            elif "strategy" in step:
                self.strategy_call(step, parameters, at)
            elif "continue_from" in step:
                self.derivation(step["continue_from"], parameters, at)
                if "model" in step:
                    self.model(step["model"], parameters, at)
            elif "use_model" in step:
                self.model(step["use_model"], parameters, at)
            elif "use_link" in step:
                self.known(step["use_link"], parameters, at, v.LINK_NAMES, "link")
            elif "recall" in step:
                self.known(step["recall"], parameters, at, v.RECALLABLE, "kind of step to recall")
            elif "check" in step:
                self.known(step["check"], parameters, at, v.CHECKS, "check")
            elif "given" in step:
                _fields(step["given"], {"lhs", "rhs"}, f"{at}: given", ("lhs", "rhs"))
                for side in ("lhs", "rhs"):
                    self.expression(step["given"][side], parameters, symbols, f"{at}: given")

    def strategy_call(self, step: Mapping[str, Any], parameters: Mapping[str, Any], where: str) -> None:
        self.known(step["strategy"], parameters, where, self.declarations.strategies, "strategy")
        name = self.name(step["strategy"], parameters, where)
        arguments = step.get("with", {})
        if name is None or not isinstance(arguments, dict):
            return
        declared = self.declarations.strategies[name].parameters
        unknown = set(arguments) - set(declared)
        if unknown:
            raise DeclarationError(f"{where}: the strategy {name!r} has no parameters {sorted(unknown)}; "
                                   f"it has {', '.join(declared) or 'none'}")

    def arguments(self, arguments: Any, parameters: Mapping[str, Any], symbols: Mapping[str, str], where: str) -> None:
        if not isinstance(arguments, dict):
            raise DeclarationError(f"{where}: 'with' is a table of the rule's arguments")
        for value in arguments.values():
            self.argument(value, parameters, symbols, where)

    def argument(self, value: Any, parameters: Mapping[str, Any], symbols: Mapping[str, str], where: str) -> None:
        if isinstance(value, list):
            for each in value:
                self.argument(each, parameters, symbols, where)
        elif isinstance(value, dict) and set(value) == {"result_of"}:
            self.derivation(value["result_of"], parameters, where)
        elif isinstance(value, dict) and set(value) == {"indices_of"}:
            self.argument(value["indices_of"], parameters, symbols, where)
        elif isinstance(value, dict):
            for key, each in value.items():
                self.expression(key, parameters, symbols, where)
                self.argument(each, parameters, symbols, where)
        elif isinstance(value, str) and re.fullmatch(r"-?\d+\.\d+", value) is None:
            self.expression(value, parameters, symbols, where)

    def condition(self, condition: Any, parameters: Mapping[str, Any], where: str) -> None:
        _fields(condition, set(v.CONDITIONS), where)
        names = condition.get("set", [])
        for name in names if isinstance(names, list) else [names]:
            if name not in parameters:
                raise DeclarationError(f"{where}: {name!r} is not a parameter")
        if "link" in condition and condition["link"] not in v.LINK_NAMES:
            raise DeclarationError(f"{where}: no link named {condition['link']!r}")
        if "equation_has" in condition and condition["equation_has"] not in v.EQUATION_HAS:
            raise DeclarationError(f"{where}: 'equation_has' is one of {', '.join(v.EQUATION_HAS)}")

    def no_cycle(self) -> None:
        """No named strategy runs itself, directly or through others (it would never end)."""
        calls = {name: {step["strategy"] for step in strategy.steps if "strategy" in step}
                 for name, strategy in self.declarations.strategies.items()}

        def visit(name: str, path: tuple[str, ...]) -> None:
            if name in path:
                raise DeclarationError(f"{FOLDER}: the strategies {' -> '.join(path + (name,))} run each other without end")
            for called in calls.get(name, ()):
                visit(called, path + (name,))
        for name in calls:
            visit(name, ())


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, each in value.items():
            yield from _strings(key)
            yield from _strings(each)
    elif isinstance(value, (list, tuple)):
        for each in value:
            yield from _strings(each)
