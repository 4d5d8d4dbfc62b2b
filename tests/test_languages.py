"""Words apart from logic: a rule's proof is keyed by its logic alone; every language's words live in
rules/languages/<code>/, checked against English at load; a language is added from files alone."""
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from derive import languages
from derive.catalogue import load_catalogue, read_catalogue, rule_digest, rules_directory
from derive.errors import CatalogueError
from derive.languages import EXTRA_VARIABLE, LanguageError, shipped_directory
from tools import copy_of_the_catalogue

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
PACKAGE = Path(languages.__file__).resolve().parent


def _entry(name: str) -> tuple[dict, str]:
    for source in sorted(rules_directory().glob("*.toml")):
        for entry in tomllib.loads(source.read_text(encoding="utf-8")).get("rule", []):
            if entry["name"] == name:
                return entry, source.stem.split("_", 1)[-1]
    raise AssertionError(name)


def test_a_rules_digest_is_its_logic_alone():
    entry, topic = _entry("log_of_product")
    digest = rule_digest(entry, topic)
    assert digest == load_catalogue()["log_of_product"].digest
    worded = {**entry, "en": "Other words.", "ja": "別の言葉。", "brief_en": "other", "en_at": "at {x}"}
    assert rule_digest(worded, topic) == digest
    for key, value in (("lhs", "log(a*b*a)"), ("rhs", "log(a) - log(b)"), ("conditions", ["a > 0"]),
                       ("kind", "definition"), ("statement", r"\log(ab) = \log b + \log a"), ("wild", ["a"])):
        assert rule_digest({**entry, key: value}, topic) != digest, key


def test_no_rule_file_holds_words():
    for source in rules_directory().glob("*.toml"):
        document = tomllib.loads(source.read_text(encoding="utf-8"))
        for entry in document.get("rule", []) + document.get("ruleset", []):
            assert not set(entry) & {"en", "ja", "en_at", "ja_at", "brief_en", "brief_ja"}, entry["name"]
        assert not JAPANESE.search(source.read_text(encoding="utf-8")), source.name


def _languages_copy(tmp_path: Path, edit) -> Path:
    """The shipped languages copied, ``edit(code, stem, text)`` applied to each file."""
    target = tmp_path / "languages"
    for folder in shipped_directory().iterdir():
        (target / folder.name).mkdir(parents=True)
        for path in folder.glob("*.toml"):
            (target / folder.name / path.name).write_text(edit(folder.name, path.stem, path.read_text(encoding="utf-8")),
                                                          encoding="utf-8")
    return target


def test_mending_a_sentence_keeps_every_proof(tmp_path, monkeypatch):
    """The shipped words edited, in English and Japanese: the catalogue loads on the proofs on record."""
    def edit(code, stem, text):
        return text.replace("積の対数は対数の和に等しい。", "積の対数は、対数の和に等しい。") \
            .replace("The logarithm of a product is the sum of the logarithms.", "The log of a product is the sum of the logs.")
    mended = _languages_copy(tmp_path, edit)
    monkeypatch.setattr(languages, "shipped_directory", lambda: mended)
    for cache in (load_catalogue, read_catalogue):
        cache.cache_clear()
    try:
        rule = load_catalogue()["log_of_product"]  # no proof asked for again: the record is keyed by the logic
        assert rule.words("en")["text"] == "The log of a product is the sum of the logs."
        assert rule.words("ja")["text"] == "積の対数は、対数の和に等しい。"
    finally:
        for cache in (load_catalogue, read_catalogue):
            cache.cache_clear()


def test_a_users_rule_may_carry_its_words_and_falls_back_to_english(tmp_path):
    directory = copy_of_the_catalogue(tmp_path, edit=lambda name, text: text.replace(
        'name = "log_of_product"\n', 'name = "log_of_product"\nen = "Inline words."\n'))
    try:
        rule = load_catalogue(directory)["log_of_product"]  # inline words: the same logic, the same proof
        assert rule.words("en")["text"] == "Inline words."
        assert rule.digest == load_catalogue()["log_of_product"].digest
    finally:
        load_catalogue.cache_clear()
        read_catalogue.cache_clear()


def test_shipped_python_holds_no_language_branch_and_no_japanese():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""lang(uage)? *[!=]= *["']""", text), path
        assert not JAPANESE.search(text), path  # Japanese lives in rules/languages/ja


def _language_xx(tmp_path: Path, drop: str | None = None, add: str | None = None) -> Path:
    """A language "xx" from files alone: English's files with changed words; ``drop`` a key of
    rules.toml left out, ``add`` a line added to phrases.toml."""
    root = tmp_path / "more"
    shutil.copytree(shipped_directory() / "en", root / "xx")
    folder = root / "xx"
    language = (folder / "language.toml").read_text(encoding="utf-8")
    language = language.replace('name = "English"', 'name = "Xish"\nfallback = "en"') \
        .replace('separator = "; "', 'separator = " ~ "')
    (folder / "language.toml").write_text(language, encoding="utf-8")
    phrases = (folder / "phrases.toml").read_text(encoding="utf-8")
    phrases = phrases.replace("result = 'Result'", "result = 'Xresult'") \
        .replace("full_trail = 'Every step", "full_trail = 'Xevery step")
    if add:
        phrases = add + "\n" + phrases
    (folder / "phrases.toml").write_text(phrases, encoding="utf-8")
    titles = (folder / "titles.toml").read_text(encoding="utf-8")
    (folder / "titles.toml").write_text(re.sub(r"^([\w-]+) = (['\"])", r"\1 = \2Xtitle ", titles, flags=re.M),
                                        encoding="utf-8")
    rules = (folder / "rules.toml").read_text(encoding="utf-8")
    rules = re.sub(r"^text = (['\"])", r"text = \1Xwords ", rules, flags=re.M)
    rules = re.sub(r"^brief = (['\"])", r"brief = \1xbrief ", rules, flags=re.M)
    if drop:
        rules = re.sub(rf"^\[{drop}\]\ntext = .*\n", f"[{drop}]\n", rules, flags=re.M)
    (folder / "rules.toml").write_text(rules, encoding="utf-8")
    return root


def _derive(*args: str, extra: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, EXTRA_VARIABLE: str(extra)})


def test_a_language_added_from_files_alone_prints_a_built_in(tmp_path):
    root = _language_xx(tmp_path)
    assert set(languages.languages(extra=[root])) == {"en", "ja", "xx"}
    text = _derive("show", "bce-bernoulli", "--lang", "xx", extra=root)
    assert text.returncode == 0, text.stderr
    assert "Xtitle Binary cross-entropy" in text.stdout and "Xevery step" in text.stdout
    assert "xbrief " in text.stdout and " ~ " in text.stdout  # a rule's brief words, the language's separator
    full = _derive("show", "bce-bernoulli", "--lang", "xx", "--detail", "full", extra=root)
    assert full.returncode == 0 and "Xwords " in full.stdout
    latex = _derive("show", "bce-bernoulli", "--lang", "xx", "--format", "latex", extra=root)
    assert latex.returncode == 0, latex.stderr
    assert "Xtitle Binary cross-entropy" in latex.stdout and "xbrief " in latex.stdout
    markdown = _derive("show", "bce-bernoulli", "--lang", "xx", "--format", "markdown", extra=root)
    assert "**Xresult**" in markdown.stdout
    english = _derive("show", "bce-bernoulli", extra=root)
    assert "Xtitle" not in english.stdout and "xbrief" not in english.stdout
    rules = _derive("rules", "--lang", "xx", extra=root)
    assert rules.returncode == 0 and "Xwords The logarithm of a product" in rules.stdout


def test_lang_choices_are_the_languages_found(tmp_path):
    refused = subprocess.run([sys.executable, "-m", "derive", "show", "bce-bernoulli", "--lang", "xx"],
                             capture_output=True, text=True, timeout=120,
                             env={k: v for k, v in os.environ.items() if k != EXTRA_VARIABLE})
    assert refused.returncode == 2 and "'en', 'ja'" in refused.stderr


def test_a_missing_key_is_refused_naming_it(tmp_path):
    root = _language_xx(tmp_path, drop="log_of_product")
    with pytest.raises(LanguageError, match=r"language 'xx' .*rules\.toml\): missing key 'log_of_product\.text'"):
        languages.languages(extra=[root])


def test_an_unknown_key_is_refused_naming_it(tmp_path):
    root = _language_xx(tmp_path, add="no_such_phrase = 'x'")
    with pytest.raises(LanguageError, match=r"phrases\.toml\): unknown key 'no_such_phrase'"):
        languages.languages(extra=[root])


def test_a_language_defined_twice_is_refused(tmp_path):
    root = tmp_path / "more"
    shutil.copytree(shipped_directory() / "ja", root / "ja")
    with pytest.raises(LanguageError, match="'ja' is defined twice"):
        languages.languages(extra=[root])


def test_every_shipped_language_is_complete():
    found = languages.languages()
    assert list(found)[:2] == ["en", "ja"] and found["ja"].fallback == "en"
    for name in load_catalogue():
        assert found["ja"].rule(name)["text"] and found["en"].rule(name)["text"], name


LOG_OF_SQUARE = """
        [[rule]]
        name = "log_of_square"
        statement = '\\log a^2 = 2 \\log a'
        conditions = ["a > 0"]
        wild = ["a"]
        lhs = "log(a**2)"
        rhs = "2*log(a)"
"""


def test_a_rule_with_no_words_anywhere_is_refused(tmp_path):
    directory = copy_of_the_catalogue(tmp_path, LOG_OF_SQUARE)
    try:
        with pytest.raises(CatalogueError, match="'log_of_square': missing field 'en'"):
            read_catalogue(directory)
    finally:
        read_catalogue.cache_clear()


def test_a_users_rule_in_english_alone_speaks_english_in_every_language(tmp_path):
    directory = copy_of_the_catalogue(tmp_path, LOG_OF_SQUARE + '        en = "Twice the log."\n')
    try:
        rule = read_catalogue(directory)["log_of_square"]
        assert rule.words("ja")["text"] == rule.justification["ja"] == "Twice the log."  # ja falls back to en
    finally:
        read_catalogue.cache_clear()
