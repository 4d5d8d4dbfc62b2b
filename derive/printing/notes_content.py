"""What the lecture notes show, apart from their words and from how they are printed (LaTeX for the
PDF, HTML with KaTeX): each section's built-in derivations, the figures drawn from the compiled
kernels (:mod:`derive.figures`), the catalogue rules it lists, as data in ``rules/notes/sections.toml``.  Each section's heading and
introduction, the figures' captions and the notes' fixed words are each language's ``notes.toml``
(:mod:`derive.languages`); inline mathematics in them is written ``$...$`` and set as mathematics
by both printers."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..catalogue import rules_directory
from ..errors import CatalogueError
from ..languages import language


@dataclass(frozen=True)
class Section:
    key: str  # its heading and introduction: notes.toml's [sections.<key>]
    derivations: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()  # names in derive.figures.FIGURES
    kernel: bool = False  # show the generated kernel's source
    rules: tuple[str, ...] = ()  # catalogue rules listed after the introduction (statement, justification)
    appendix: bool = False  # set after the verified trail (appendix A), as appendix B, C...
    listing_names: tuple[tuple[str, str], ...] = ()  # (generated name, the name the listing shows)

    def heading(self, lang: str) -> str:
        return words(lang)["sections"][self.key]["heading"]

    def intro(self, lang: str) -> str:
        return words(lang)["sections"][self.key]["intro"]


def words(lang: str) -> Mapping:
    """The notes' words in ``lang``: ``title``, ``rules``, ``captions``, ``sections``... (its notes.toml)."""
    return language(lang).tables["notes"]


def caption(name: str, lang: str) -> str:
    return words(lang)["captions"][name]


SECTION_FIELDS: dict[str, type] = {"key": str, "derivations": list, "figures": list, "kernel": bool, "rules": list,
                                   "appendix": bool, "listing_names": dict}


def read_sections(path: Path | None = None) -> tuple[Section, ...]:
    """The notes' sections, in order, as ``rules/notes/sections.toml`` declares them: a built-in
    reaches the notes by a line there.  A section with no key, an unknown field, a field of the wrong
    type or a key twice is refused, naming the file, the section and the field."""
    path = path or rules_directory() / "notes" / "sections.toml"
    with path.open("rb") as source:
        data = tomllib.load(source)
    if set(data) != {"section"}:
        raise CatalogueError(f"{path.name}: expected only [[section]] tables, found {sorted(data)}")
    sections: list[Section] = []
    for number, entry in enumerate(data["section"], start=1):
        where = f"{path.name}: section {number}"
        if "key" not in entry:
            raise CatalogueError(f"{where}: no 'key'")
        for field, value in entry.items():
            kind = SECTION_FIELDS.get(field)
            if kind is None:
                raise CatalogueError(f"{where} ({entry['key']!r}): unknown field {field!r}; known: {', '.join(SECTION_FIELDS)}")
            if not isinstance(value, kind) or (isinstance(value, (list, dict)) and not all(isinstance(item, str) for item in
                                                                                   (value if isinstance(value, list) else [*value, *value.values()]))):
                raise CatalogueError(f"{where} ({entry['key']!r}): {field!r} must be "
                                     + ("a list of names" if kind is list else f"a {kind.__name__}"))
        if any(section.key == entry["key"] for section in sections):
            raise CatalogueError(f"{where}: the key {entry['key']!r} twice")
        if entry.get("appendix") and entry.get("derivations"):
            raise CatalogueError(f"{where} ({entry['key']!r}): an appendix shows no derivations (their numbers are the body's)")
        sections.append(Section(entry["key"], tuple(entry.get("derivations", ())), tuple(entry.get("figures", ())),
                                entry.get("kernel", False), tuple(entry.get("rules", ())), entry.get("appendix", False),
                                tuple(entry.get("listing_names", {}).items())))
    return tuple(sections)


SECTIONS: tuple[Section, ...] = read_sections()
BODY: tuple[Section, ...] = tuple(section for section in SECTIONS if not section.appendix)  # numbered 2, 3, ...
APPENDICES: tuple[Section, ...] = tuple(section for section in SECTIONS if section.appendix)  # B, C, ... after the trail A


def appendix_letter(number: int) -> str:
    """The letter of the ``number``-th appendix section (from 0): B, C, ... (A is the trail)."""
    return chr(ord("B") + number)


def derivation_names() -> list[str]:
    return [name for section in SECTIONS for name in section.derivations]
