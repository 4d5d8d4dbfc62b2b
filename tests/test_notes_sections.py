"""The notes' sections are data (rules/notes/sections.toml): a built-in reaches the notes by a line
there, with no Python; what a section names must exist, and a malformed file is refused at load."""
import pytest

from derive import api
from derive.catalogue import load_catalogue, rules_directory
from derive.errors import CatalogueError
from derive.figures import FIGURES
from derive.languages import languages
from derive.printing.notes_content import SECTIONS, read_sections


def test_the_shipped_sections_name_only_what_exists():
    built_ins, rules = set(api.names()), set(load_catalogue())
    for section in SECTIONS:
        assert set(section.derivations) <= built_ins, section
        assert set(section.figures) <= set(FIGURES), section
        assert set(section.rules) <= rules, section
    assert sum(section.kernel for section in SECTIONS) == 1


def test_every_section_has_a_heading_and_an_introduction_in_every_language():
    for code in languages():
        for section in SECTIONS:
            assert section.heading(code).strip() and section.intro(code).strip(), (code, section.key)


def test_a_section_added_in_the_file_alone_is_read_in_its_place(tmp_path):
    text = (rules_directory() / "notes" / "sections.toml").read_text(encoding="utf-8")
    path = tmp_path / "sections.toml"
    path.write_text(text + '\n[[section]]\nkey = "more"\nderivations = ["ce-grad", "hinge-grad"]\n', encoding="utf-8")
    sections = read_sections(path)
    assert [s.key for s in sections[:-1]] == [s.key for s in SECTIONS]
    assert sections[-1].derivations == ("ce-grad", "hinge-grad") and not sections[-1].kernel


@pytest.mark.parametrize("entry, complaint", [
    ('derivations = ["ce"]', "no 'key'"),
    ('key = "x"\nderivation = ["ce"]', "unknown field 'derivation'"),
    ('key = "x"\nderivations = "ce"', "'derivations' must be a list of names"),
    ('key = "x"\nderivations = [1]', "'derivations' must be a list of names"),
    ('key = "x"\nkernel = "yes"', "'kernel' must be a bool"),
    ('key = "lemmas"', "the key 'lemmas' twice"),
])
def test_a_malformed_section_is_refused_naming_it(tmp_path, entry, complaint):
    path = tmp_path / "sections.toml"
    path.write_text('[[section]]\nkey = "lemmas"\n\n[[section]]\n' + entry + "\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="section 2") as refused:
        read_sections(path)
    assert complaint in str(refused.value)


def test_anything_but_sections_is_refused(tmp_path):
    path = tmp_path / "sections.toml"
    path.write_text('title = "x"\n[[section]]\nkey = "a"\n', encoding="utf-8")
    with pytest.raises(CatalogueError, match="only \\[\\[section\\]\\]"):
        read_sections(path)
