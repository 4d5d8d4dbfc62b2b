"""Load the rule catalogue from the TOML files in ``rules/`` into :class:`Rule` objects.

The wheel carries the catalogue as ``derive/rules``; a source checkout reads ``rules/`` beside the
package.  Each rule is either a rewrite (``lhs`` → ``rhs`` with wilds and side conditions) or names
an equation-level ``operation`` (see :mod:`derive.operations`).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import sympy as sp

from .conditions import Condition, parse_condition
from .errors import CatalogueError
from .languages import REFERENCE, chain, codes
from .pattern_parser import check_pattern, parse_pattern
from .proof_record import PROOFS_FILE, entry_for, for_every_size, read_record, trusted_entries
from .rules_location import CATALOGUE_VARIABLE, rules_directory

KINDS = ("equality", "definition", "transformation")  # transformation: both sides (log, d/dx)


@dataclass(frozen=True, eq=False)
class Rule:
    """One identity or definition of the catalogue, as a lecturer would state it."""

    name: str
    topic: str
    statement: str
    conditions: tuple[Condition, ...]
    kind: str = "equality"
    operation: str = "rewrite"
    wild_names: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)  # as read from TOML
    requires: tuple[str, ...] = ()
    digest: str = ""  # a hash of the rule's logic (its words left out): its proof is on record under it
    inline_words: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # a user's rule may carry its words

    def words(self, lang: str) -> Mapping[str, str]:
        """The rule's words in ``lang`` (:mod:`derive.languages`), else in the language it falls back
        to: ``text`` its justification, and where given ``at`` and ``brief``, templates a step fills in."""
        return _words_of(self.name, self.inline_words, lang, "rule")

    @property
    def justification(self) -> Mapping[str, str]:
        """The justification in each language, by code."""
        return MappingProxyType({code: self.words(code)["text"] for code in codes()})

    @property
    def wilds(self) -> dict[str, sp.Wild]:
        """The rule's wilds; an operand of +, * or ** never stands for 0 or 1, so that ``log(a/b)``
        does not match ``log x`` as ``log(1/(1/x))``."""
        return dict(_wilds_of(self))

    def pattern(self, key: str, wilds: Mapping[str, sp.Basic] | None = None,
                evaluate: bool = True) -> sp.Basic:
        """Parse the pattern stored under ``key`` (``lhs``, ``rhs``) with ``wilds`` bound."""
        return _parsed(str(self.data[key]), _scope(self.wilds if wilds is None else wilds), evaluate)

    def patterns(self, key: str, wilds: Mapping[str, sp.Basic] | None = None,
                 evaluate: bool = True) -> tuple[sp.Basic, ...]:
        """Parse a list of patterns (``from``, ``to``, ``example``)."""
        scope = _scope(self.wilds if wilds is None else wilds)
        return tuple(_parsed(str(text), scope, evaluate) for text in self.data[key])

    def table(self, key: str, wilds: Mapping[str, sp.Basic] | None = None) -> dict[sp.Basic, sp.Basic]:
        """Parse a table of patterns (``replace``, ``defines``)."""
        scope = _scope(self.wilds if wilds is None else wilds)
        raw = self.data.get(key, {})
        return {_parsed(a, scope, True): _parsed(b, scope, True) for a, b in raw.items()}

    @property
    def role(self) -> str:
        """What the rule does in a lecturer's line (:mod:`derive.blackboard`): ``bookkeeping``
        (renaming, linearity, constant factors), ``start``, or the idea it is (``logarithms``,
        ``differentiation``...); a rule that names none is an idea of its own."""
        return str(self.data.get("role", self.name))

    @property
    def lemma(self) -> str | None:
        """The derivation that proves this rule from the definitions, which a step applying it cites."""
        return str(self.data["lemma"]) if "lemma" in self.data else None

    def parameter(self, key: str) -> str:
        return str(self.data["parameters"][key])


def _scope(wilds: Mapping[str, sp.Basic]) -> tuple[tuple[str, sp.Basic], ...]:
    return tuple(sorted(wilds.items(), key=lambda item: item[0]))


@lru_cache(maxsize=4096)
def _parsed(text: str, scope: tuple[tuple[str, sp.Basic], ...], evaluate: bool) -> sp.Basic:
    """A pattern parsed once per text, bindings and evaluation (rules are applied thousands of times)."""
    with sp.evaluate(evaluate):
        return parse_pattern(text, dict(scope))


def _not_zero(expr: sp.Basic) -> bool:
    return expr != sp.S.Zero


def _not_one(expr: sp.Basic) -> bool:
    return expr != sp.S.One


def _no_number_term(expr: sp.Basic) -> bool:
    return not any(term.is_Number for term in sp.Add.make_args(expr))


NUMBER_TERM = sp.Symbol("a number term")  # what the operand of ``1 + b`` must not hold: the 1 is the expression's own
_IDENTITY_TESTS = {sp.S.Zero: _not_zero, sp.S.One: _not_one, NUMBER_TERM: _no_number_term}


def make_wild(name: str, identities: tuple[sp.Basic, ...] = ()) -> sp.Wild:
    """A wild that never stands for the given identity elements (0 in a sum, 1 in a product)."""
    return sp.Wild(name, properties=[_IDENTITY_TESTS[e] for e in identities])


@lru_cache(maxsize=None)
def _wilds_of(rule: "Rule") -> tuple[tuple[str, sp.Wild], ...]:
    identities = _operand_wilds(rule)
    return tuple((name, make_wild(name, identities=identities.get(name, ()))) for name in rule.wild_names)


@lru_cache(maxsize=None)
def _operand_wilds(rule: "Rule") -> dict[str, tuple[sp.Basic, ...]]:
    """Which identity each operand wild must avoid, so ``log(a/b)`` cannot match ``log x`` as
    ``log(1/(1/x))``: a term is never 0, a factor never 1, an exponent neither; and a term beside a
    number (``b`` of ``1 + b``) holds no number of its own, so ``log(1 + b)`` cannot match ``log y``
    as ``log(1 + (y - 1))``: a rule about a complement applies where the expression has one."""
    plain = {name: sp.Wild(name) for name in rule.wild_names}
    sources = [rule.data["lhs"]] if "lhs" in rule.data else list(rule.data.get("from", ()))
    found: dict[str, set[sp.Basic]] = {}
    for text in sources:
        for node in sp.preorder_traversal(parse_pattern(str(text), plain)):
            avoid = {sp.Add: (sp.S.Zero,), sp.Mul: (sp.S.One,), sp.Pow: (sp.S.Zero, sp.S.One)}.get(type(node), ())
            if isinstance(node, sp.Add) and any(arg.is_Number for arg in node.args):
                avoid = (sp.S.Zero, NUMBER_TERM)
            for arg in node.args if avoid else ():
                if isinstance(arg, sp.Wild):
                    found.setdefault(arg.name, set()).update(avoid)
    return {name: tuple(sorted(values, key=str)) for name, values in found.items()}


_FIELDS = {"name", "statement", "conditions", "wild", "kind", "operation",
           "lhs", "rhs", "from", "to", "defines", "replace", "parameters", "check", "requires",
           "example", "example_model", "example_values", "example_from", "example_held", "example_derivation", "proved_in",
           "rulesets", "role", "lemma"}  # the logic: a rule's words are in rules/languages/<code>/rules.toml
_RULESET_FIELDS = {"name", "rules"}


def _words_of(name: str, inline: Mapping[str, Mapping[str, str]], lang: str, kind: str) -> Mapping[str, str]:
    for language in chain(lang):
        found = inline.get(language.code) or (language.rule(name) if kind == "rule" else
                                              {"text": text} if (text := language.ruleset(name)) is not None else None)
        if found:
            return found
    return {"text": ""}


def _inline_words(entry: Mapping[str, object]) -> dict[str, dict[str, str]]:
    """Words a user's rule file gives beside the logic (``en``, ``en_at``, ``brief_en`` for each
    language's code): the shipped catalogue keeps its words in rules/languages instead."""
    words: dict[str, dict[str, str]] = {}
    for code in codes():
        for key, part in ((code, "text"), (f"{code}_at", "at"), (f"brief_{code}", "brief")):
            if key in entry:
                words.setdefault(code, {})[part] = entry[key]  # type: ignore[assignment]
    return words


def _word_fields() -> set[str]:
    return {key for code in codes() for key in (code, f"{code}_at", f"brief_{code}")}


def active_directory() -> str | None:
    """The catalogue in use: the directory ``$DERIVE_RULES`` names, else the one shipped (``None``)."""
    chosen = os.environ.get(CATALOGUE_VARIABLE, "").strip()
    if not chosen:
        return None
    if not Path(chosen).is_dir():
        raise CatalogueError(f"${CATALOGUE_VARIABLE} names {chosen}, which is not a directory of rule files")
    return str(Path(chosen).resolve())


def _rule_from_table(entry: dict, topic: str, source: Path) -> Rule:
    where = f"{source.name}: rule {entry.get('name', '?')!r}"
    unknown = set(entry) - _FIELDS - _word_fields()
    if unknown:
        raise CatalogueError(f"{where}: unknown fields {sorted(unknown)}")
    for required in ("name", "statement", "conditions"):
        if required not in entry:
            raise CatalogueError(f"{where}: missing field {required!r}")
    operation = entry.get("operation", "rewrite")
    _require_registered(operation, where)
    if operation == "rewrite" and not ("lhs" in entry and "rhs" in entry):
        raise CatalogueError(f"{where}: a rewrite rule needs lhs and rhs")
    kind = entry.get("kind", "equality")
    if kind not in KINDS:
        raise CatalogueError(f"{where}: kind must be one of {KINDS}")
    inline = _inline_words(entry)
    if not inline and not chain(REFERENCE)[0].rule(entry["name"]):
        raise CatalogueError(f"{where}: missing field {REFERENCE!r}: it has no words, neither in the rule nor in "
                             f"rules/languages/{REFERENCE}/rules.toml")
    for code, words in inline.items():
        check_words(words, f"{where} ({code})")
    wild_names = tuple(entry.get("wild", ()))
    conditions = tuple(parse_condition(c, frozenset(wild_names), entry["name"], operation) for c in entry["conditions"])
    data = {key: entry[key] for key in ("lhs", "rhs", "from", "to", "defines", "replace", "parameters",
                                         "check", "example", "example_model", "example_values",
                                         "example_from", "example_held", "example_derivation",
                                         "proved_in", "rulesets", "role", "lemma") if key in entry}
    rule = Rule(
        name=entry["name"], topic=topic, statement=entry["statement"], conditions=conditions,
        kind=kind, operation=operation, wild_names=wild_names,
        data=MappingProxyType(data), requires=tuple(entry.get("requires", ())), digest=rule_digest(entry, topic),
        inline_words=MappingProxyType({code: MappingProxyType(w) for code, w in inline.items()}),
    )
    # fail at load time, naming the rule, if a pattern is malformed; each is built when first applied
    for key in ("lhs", "rhs", "from", "to"):
        for text in ([data[key]] if key in ("lhs", "rhs") else data[key]) if key in data else ():
            check_pattern(str(text), wild_names)
    return rule


OPERATIONS_SOURCE = Path(__file__).resolve().parent / "operations"  # where each operation is registered
REGISTRATION = "operation"  # the decorator that registers one (derive.operations.registry.operation)


# ``@operation("name", ...)`` where a function is decorated: the name, read from the source text (a
# regular expression: parsing the sources took 30 ms of every process; the registry's test compares
# the names read here with those the decorators register)
_REGISTRATION_PATTERN = re.compile(r'^[ \t]*@' + REGISTRATION + r'\(\s*(["\'])([^"\'\\]+)\1', re.MULTILINE)


@lru_cache(maxsize=None)
def registered_operations() -> frozenset[str]:
    """The names :mod:`derive.operations` registers, read from the source where each is registered
    (``@operation("name", ...)`` on its function), not imported: the catalogue sits below the
    engine, and loading it imports nothing that applies or proves a rule."""
    return frozenset(match.group(2) for source in sorted(OPERATIONS_SOURCE.glob("*.py"))
                     for match in _REGISTRATION_PATTERN.finditer(source.read_text(encoding="utf-8")))


def _require_registered(operation: object, where: str) -> None:
    """A rule's ``operation`` names an operation registered where it is written (:mod:`derive.operations`)."""
    known = registered_operations()
    if not isinstance(operation, str) or operation not in known:
        raise CatalogueError(f"{where}: operation {operation!r} is not registered; "
                             f"the registered operations are {', '.join(sorted(known))}")


# What a rule's templates (``at``, ``brief``) may name, filled in from the step:
# printing/justifications.py says what each is.
TEMPLATE_NAMES = frozenset({"x", "j", "i", "n", "f", "a", "d", "h", "name"})
TEMPLATES = ("at", "brief")


def check_words(words: Mapping[str, object], where: str) -> None:
    """A rule's words write their formulas between dollar signs (LaTeX), paired; a template names
    only what a step can fill in, its LaTeX braces doubled, so a slip fails at load time, not
    silently in a printer."""
    import string
    for key in ("text",) + TEMPLATES:
        text = words.get(key)
        if text is None:
            continue
        if not isinstance(text, str):
            raise CatalogueError(f"{where}: {key} must be text")
        if text.count("$") % 2:
            raise CatalogueError(f"{where}: {key} has an unpaired dollar sign (formulas go between two)")
        if key in TEMPLATES:
            try:
                named = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
            except ValueError as error:
                raise CatalogueError(f"{where}: {key} is not a template ({error}); double a LaTeX brace: {{{{ }}}}") from None
            unknown = named - TEMPLATE_NAMES
            braced = sorted(name for name in unknown if not name.isidentifier())
            if braced:
                raise CatalogueError(f"{where}: {key} has LaTeX braces around {braced[0]!r} that a template reads as "
                                     f"a name to fill in; double them: {{{{{braced[0]}}}}}")
            if unknown:
                raise CatalogueError(f"{where}: {key} names {sorted(unknown)}; a template may name only "
                                     f"{', '.join(sorted(TEMPLATE_NAMES))}")


_PROVING = False  # while the catalogue is being proved, its rules are used before their proofs exist


@contextmanager
def proving_catalogue():
    """Use the rules before their proofs are on record: only to make that record."""
    global _PROVING
    _PROVING = True
    load_catalogue.cache_clear()
    try:
        yield
    finally:
        _PROVING = False
        load_catalogue.cache_clear()


def rule_digest(entry: Mapping[str, object], topic: str) -> str:
    """A hash of the rule's logic: everything its file says but its words (a user's rule may carry
    them inline), so mending a sentence in any language keeps its proof and any change to its
    pattern, result, conditions or kind loses it."""
    logic = {key: value for key, value in entry.items() if key in _FIELDS}
    text = json.dumps({"topic": topic, **logic}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _require_records(rules: Mapping[str, Rule], root: Path, directory: str | None) -> None:
    """No rule is used unless a proof is on record for its logic as written (its words aside), in the record beside it or
    in the shipped one; loading proves nothing (``derive rules --prove`` does, and records it).
    An entry is trusted only where it is the shipped record's and that record is the one the
    checker pins; any other is a claim, which :mod:`derive.rule_trust` has the checker prove again."""
    if _PROVING:
        return
    record = read_record(root)
    trusted = trusted_entries(str(rules_directory()))
    for rule in rules.values():
        pinned = entry_for(trusted, rule.name, rule.digest)
        entry = entry_for(record, rule.name, rule.digest) or pinned
        if entry is None:
            where = f" (with ${CATALOGUE_VARIABLE}={root})" if directory else ""
            raise CatalogueError(f"rule {rule.name!r} has no proof on record for its logic as written (its words aside) in {root / PROOFS_FILE}; "
                                 f"prove it with 'derive rules --prove'{where}: loading the catalogue proves nothing")
        _RECORDED[rule.digest] = entry
        if pinned is not None:
            _PINNED[rule.digest] = pinned


_RECORDED: dict[str, Mapping] = {}  # what the record in use says of each rule, by the hash of its logic
_PINNED: dict[str, Mapping] = {}  # what the shipped record, pinned by the checker, says of it


def proved_for_every_size(rule: Rule) -> bool:
    """Whether the rule's generic statement is proved symbolically with symbolic sizes and indices
    by the record the checker pins (so a step applying it, with its conditions holding at the
    match, is proved for every size)."""
    return for_every_size(_PINNED.get(rule.digest))


def claimed_for_every_size(rule: Rule) -> bool:
    """Whether a record the checker does not pin (an edited rules directory's) claims a proof of the
    rule for every size: a claim only, which the checker must prove again (:mod:`derive.rule_trust`)."""
    return not proved_for_every_size(rule) and for_every_size(_RECORDED.get(rule.digest))


@lru_cache(maxsize=None)
def load_catalogue(directory: str | None = None) -> Mapping[str, Rule]:
    """All rules by name, in file order; a file ``10_logarithms.toml`` holds the topic ``logarithms``.
    Every rule has a proof on record for its logic as written, or the catalogue is refused, naming it."""
    rules = read_catalogue(directory)
    _require_records(rules, Path(directory) if directory else rules_directory(), directory)
    return rules


@lru_cache(maxsize=None)
def read_catalogue(directory: str | None = None) -> Mapping[str, Rule]:
    """The rules as written, before any proof is asked for (what ``derive rules --prove`` proves)."""
    root = Path(directory) if directory else rules_directory()
    rules: dict[str, Rule] = {}
    for source, document in _documents(root):
        for entry in document.get("rule", []):
            rule = _rule_from_table(entry, source.stem.split("_", 1)[-1] if source.stem[:2].isdigit() else source.stem, source)
            if rule.name in rules:
                raise CatalogueError(f"{source.name}: rule {rule.name!r} is defined twice")
            rules[rule.name] = rule
    _check_language_words()
    return MappingProxyType(rules)


def _documents(root: Path) -> tuple[tuple[Path, dict[str, Any]], ...]:
    """The catalogue's files in ``root``, each read as TOML once for the rules and the rulesets
    (a file changed since, by its size and time, is read again)."""
    sources = sorted(root.glob("*.toml"))
    return _read_documents(tuple((source, source.stat().st_mtime_ns, source.stat().st_size) for source in sources))


@lru_cache(maxsize=8)
def _read_documents(sources: tuple[tuple[Path, int, int], ...]) -> tuple[tuple[Path, dict[str, Any]], ...]:
    documents = []
    for source, _, _ in sources:
        with source.open("rb") as handle:
            try:
                documents.append((source, tomllib.load(handle)))
            except tomllib.TOMLDecodeError as exc:
                raise CatalogueError(f"{source.name}: {exc}") from None
    return tuple(documents)


def _check_language_words() -> None:
    """Each language's words for the rules are checked as a rule's own are, naming the file and rule."""
    for code in codes():
        for name, words in chain(code)[0].tables["rules"].items():
            check_words(words, f"rules/languages/{code}/rules.toml: rule {name!r}")


def get_rule(name: str) -> Rule:
    try:
        return load_catalogue(active_directory())[name]
    except KeyError:
        raise CatalogueError(f"no rule named {name!r} in the catalogue") from None


@dataclass(frozen=True)
class Ruleset:
    """A named, ordered set of rules that strategies apply together (as egglog's rulesets): those
    the ``[[ruleset]]`` table lists, then every rule that names the set in its ``rulesets`` field."""

    name: str
    rules: tuple[str, ...]
    inline_words: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def justification(self) -> Mapping[str, str]:
        """What the ruleset does, in each language, by code."""
        return MappingProxyType({code: _words_of(self.name, self.inline_words, code, "ruleset")["text"] for code in codes()})


@lru_cache(maxsize=None)
def read_rulesets(directory: str | None = None) -> Mapping[str, Ruleset]:
    """Every ruleset of the catalogue; a ruleset naming a rule the catalogue lacks is refused."""
    root = Path(directory) if directory else rules_directory()
    rules = read_catalogue(directory)
    listed: dict[str, dict] = {}
    for source, document in _documents(root):
        for entry in document.get("ruleset", []):
            where = f"{source.name}: ruleset {entry.get('name', '?')!r}"
            unknown = set(entry) - _RULESET_FIELDS - set(codes())
            if unknown:
                raise CatalogueError(f"{where}: unknown fields {sorted(unknown)}")
            if not isinstance(entry.get("rules"), list) or not all(isinstance(r, str) for r in entry["rules"]):
                raise CatalogueError(f"{where}: 'rules' must be a list of rule names")
            if entry.get("name") in listed:
                raise CatalogueError(f"{where} is defined twice")
            missing = [r for r in entry["rules"] if r not in rules]
            if missing:
                raise CatalogueError(f"{where} names rules the catalogue does not have: {', '.join(missing)}")
            listed[entry["name"]] = entry
    members: dict[str, list[str]] = {name: list(entry["rules"]) for name, entry in listed.items()}
    for rule in rules.values():
        for name in rule.data.get("rulesets", ()):
            if name not in members:
                raise CatalogueError(f"rule {rule.name!r} joins a ruleset {name!r} that no [[ruleset]] declares")
            if rule.name not in members[name]:
                members[name].append(rule.name)
    return MappingProxyType({name: Ruleset(name, tuple(members[name]),
                                           MappingProxyType({code: {"text": str(listed[name][code])}
                                                             for code in codes() if code in listed[name]}))
                             for name in listed})


def get_ruleset(name: str) -> tuple[Rule, ...]:
    """The rules of the ruleset ``name``, in order, from the catalogue in use."""
    directory = active_directory()
    sets = read_rulesets(directory)
    if name not in sets:
        raise CatalogueError(f"no ruleset named {name!r} in the catalogue; there are {', '.join(sorted(sets))}")
    rules = load_catalogue(directory)
    return tuple(rules[rule] for rule in sets[name].rules)
