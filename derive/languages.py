"""The words of every language the printers speak, kept apart from the logic they describe.

Each language is a folder ``rules/languages/<code>/`` (the wheel carries it as ``derive/rules``):
``language.toml`` (its name, the language whose words stand in where it has none, its typographic
and typesetting choices), ``rules.toml`` and ``rulesets.toml`` (the catalogue's words, keyed by
rule and ruleset name), ``titles.toml`` (the built-in derivations' titles) and ``phrases.toml``
(the printers' fixed phrases), ``series.toml`` (the notes on equations the series prints
differently), ``notes.toml`` (the lecture notes' prose) and ``axioms.toml`` (what each of the
checker's axioms says).  A rule's proof is keyed by its logic alone, so mending a sentence
here never touches a proof.

English is the reference: every language is checked against it when loaded, a key English has and
it lacks, or one English lacks, refused with the file and key named.  A user adds a language from
files alone: a folder holding ``<code>/`` folders, named by ``$DERIVE_LANGUAGES`` (several joined
by the path separator) or passed as ``extra=``.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

from .errors import DeriveError

REFERENCE = "en"  # every language has each key this one has, and no other
FILES = ("language", "rules", "rulesets", "titles", "phrases", "series", "notes", "axioms", "page")
OPTIONAL = {"language": frozenset({"fallback"})}  # keys a language may leave out (English has no fallback)
EXTRA_VARIABLE = "DERIVE_LANGUAGES"


class LanguageError(DeriveError):
    """A language folder is incomplete or says something English does not."""


@dataclass(frozen=True)
class Language:
    """One language's words and choices, as its files give them."""

    code: str
    name: str
    fallback: str | None
    tables: Mapping[str, Mapping]  # file stem -> its table

    def setting(self, key: str):
        """A choice of ``language.toml`` by its dotted key (``typography.separator``)."""
        value: object = self.tables["language"]
        for part in key.split("."):
            value = value[part]  # type: ignore[index]
        return value

    def labelled(self, label: str, text: str) -> str:
        """``label: text`` with the language's colon (Japanese: the full-width one), for the labels
        the printers put before words or a result."""
        return f"{label}{self.setting('typography.colon')}{text}"

    def aside(self, word: str, remark: str) -> str:
        """``word (remark)`` with the language's brackets (Japanese: the full-width ones)."""
        return word + str(self.setting("typography.aside")).format(remark)

    def phrase(self, key: str, **values: object) -> str:
        """The printers' fixed phrase ``key`` (``phrases.toml``; ``verify.proved`` in a table), its
        ``{names}`` filled in."""
        found: object = self.tables["phrases"]
        for part in key.split("."):
            found = found[part]  # type: ignore[index]
        return str(found).format(**values) if values else str(found)

    def title(self, name: str) -> str | None:
        return self.tables["titles"].get(name)

    def rule(self, name: str) -> Mapping[str, str] | None:
        """A rule's words: ``text``, and where it has them ``at`` and ``brief`` (templates)."""
        return self.tables["rules"].get(name)

    def ruleset(self, name: str) -> str | None:
        entry = self.tables["rulesets"].get(name)
        return None if entry is None else entry["text"]


@lru_cache(maxsize=None)
def shipped_directory() -> Path:
    """The languages shipped: inside the installed package, else beside it in a checkout (found
    once per process: the package does not move, and every word looked up asks for it)."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "rules" / "languages", package.parent / "rules" / "languages"):
        if (candidate / REFERENCE / "language.toml").is_file():
            return candidate
    raise LanguageError(f"no languages found next to {package} (rules/languages/{REFERENCE})")


def extra_directories() -> tuple[str, ...]:
    """The folders ``$DERIVE_LANGUAGES`` names, each holding ``<code>/`` folders."""
    chosen = os.environ.get(EXTRA_VARIABLE, "")
    return tuple(part for part in chosen.split(os.pathsep) if part.strip())


def languages(extra: Iterable[str | Path] = ()) -> Mapping[str, Language]:
    """Every language, English first: the shipped ones, ``$DERIVE_LANGUAGES``'s and ``extra``'s."""
    return _load(str(shipped_directory()), tuple(str(Path(d).resolve()) for d in (*extra_directories(), *extra)))


def codes() -> tuple[str, ...]:
    return tuple(languages())


def language(code: str) -> Language:
    found = languages()
    if code not in found:
        raise LanguageError(f"no language {code!r}; there are {', '.join(found)} "
                            f"(add one as a folder of files, see ${EXTRA_VARIABLE})")
    return found[code]


def chain(code: str) -> tuple[Language, ...]:
    """``code``'s language, then the languages its words fall back to, ending in English."""
    found, seen = languages(), [language(code)]
    following = seen[0].fallback
    while following is not None and following not in [lang.code for lang in seen]:
        seen.append(found[following])
        following = found[following].fallback
    if seen[-1].code != REFERENCE:
        seen.append(found[REFERENCE])
    return tuple(seen)


def phrase(code: str, key: str, **values: object) -> str:
    return language(code).phrase(key, **values)


def page_words() -> dict[str, dict[str, object]]:
    """The words of the ``derive serve`` page (``page.toml``), each language's with its name and
    its fallback's words under its own, so the page never shows a key where a word is missing."""
    return {code: {"name": language(code).name,
                   "words": {key: value for lang in reversed(chain(code)) for key, value in lang.tables["page"].items()}}
            for code in codes()}


def title(name: str, code: str) -> str | None:
    """A built-in derivation's title (``titles.toml``), in ``code`` or the language it falls back to."""
    return next((t for lang in chain(code) if (t := lang.title(name)) is not None), None)


def titles(name: str) -> dict[str, str] | None:
    """A built-in derivation's title in every language, by code; None where English has none."""
    if title(name, REFERENCE) is None:
        return None
    return {code: title(name, code) or name for code in codes()}


def in_every_language(key: str, **values: object) -> dict[str, str]:
    """The phrase ``key`` in every language, by code; a value given by code (a title) is taken in each."""
    return {code: phrase(code, key, **{name: value[code] if isinstance(value, Mapping) else value
                                       for name, value in values.items()}) for code in codes()}


@lru_cache(maxsize=8)
def _load(shipped: str, extra: tuple[str, ...]) -> Mapping[str, Language]:
    folders: dict[str, Path] = {}
    for root in (shipped, *extra):
        if not Path(root).is_dir():
            raise LanguageError(f"${EXTRA_VARIABLE} names {root}, which is not a folder of languages")
        for folder in sorted(Path(root).iterdir()):
            if not (folder / "language.toml").is_file():
                continue
            if folder.name in folders:
                raise LanguageError(f"language {folder.name!r} is defined twice: in {folders[folder.name]} and {folder}")
            folders[folder.name] = folder
    reference = _read(REFERENCE, folders[REFERENCE])
    found = {REFERENCE: reference}
    for code in sorted(set(folders) - {REFERENCE}):
        found[code] = _read(code, folders[code])
        _require_like(found[code], reference, folders[code])
    for lang in found.values():
        if lang.fallback is not None and lang.fallback not in found:
            raise LanguageError(f"language {lang.code!r} falls back to {lang.fallback!r}, which is not a language")
    return MappingProxyType(found)


def _read(code: str, folder: Path) -> Language:
    tables = {}
    for stem in FILES:
        path = folder / f"{stem}.toml"
        if not path.is_file():
            raise LanguageError(f"language {code!r}: {path} is missing")
        try:
            tables[stem] = MappingProxyType(tomllib.loads(path.read_text(encoding="utf-8")))
        except tomllib.TOMLDecodeError as error:
            raise LanguageError(f"language {code!r}: {path} is not TOML ({error})") from None
    unknown = sorted(p.name for p in folder.glob("*.toml") if p.stem not in FILES)
    if unknown:
        raise LanguageError(f"language {code!r}: unknown files {unknown} in {folder}; a language has {', '.join(f + '.toml' for f in FILES)}")
    settings = tables["language"]
    return Language(code, str(settings.get("name", code)), settings.get("fallback"), MappingProxyType(tables))


def _keys(table: Mapping, prefix: str = "") -> dict[str, type]:
    """Every leaf of ``table`` by its dotted key, with its type."""
    keys: dict[str, type] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            keys.update(_keys(value, f"{prefix}{key}."))
        else:
            keys[f"{prefix}{key}"] = type(value)
    return keys


def _require_like(lang: Language, reference: Language, folder: Path) -> None:
    """``lang`` has every key the reference has, of the same type, and no other."""
    for stem in FILES:
        ours, theirs = _keys(lang.tables[stem]), _keys(reference.tables[stem])
        optional = OPTIONAL.get(stem, frozenset())
        where = f"language {lang.code!r} ({folder / (stem + '.toml')})"
        missing = sorted(set(theirs) - set(ours) - optional)
        if missing:
            raise LanguageError(f"{where}: missing key {missing[0]!r}"
                                + (f" and {len(missing) - 1} more" if len(missing) > 1 else "")
                                + f"; {REFERENCE} has it, and every language must")
        unknown = sorted(set(ours) - set(theirs) - optional)
        if unknown:
            raise LanguageError(f"{where}: unknown key {unknown[0]!r}"
                                + (f" and {len(unknown) - 1} more" if len(unknown) > 1 else "")
                                + f"; {REFERENCE} has no such key")
        wrong = sorted(key for key in set(ours) & set(theirs) if ours[key] is not theirs[key])
        if wrong:
            raise LanguageError(f"{where}: {wrong[0]!r} is a {ours[wrong[0]].__name__}, "
                                f"where {REFERENCE} has a {theirs[wrong[0]].__name__}")
