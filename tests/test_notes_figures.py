"""The notes' figures speak the notes' language (issue 32, item 2): their words come from the
language's files and are drawn in its font, and what drawing needs is said before any work."""
import re
import shutil
import subprocess

import pytest

from derive.errors import DeriveError
from derive.languages import language
from tools import require


def _texts(lang: str, tmp_path) -> dict:
    """Each figure's words as a PDF reader reads them (pdftotext): drawn as text, in a font
    that has their glyphs, or pdftotext would not read them back."""
    pytest.importorskip("matplotlib")
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils)")
    from derive.figures import FIGURES, draw

    written = draw(FIGURES, tmp_path / lang, "pdf", lang)
    return {name: subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
            for name, path in written.items()}


def _words(text: str) -> list[str]:
    """The words of a label outside its mathematics (between dollar signs) and its {fields}."""
    plain = re.sub(r"\$[^$]*\$|\{[a-z]+\}", " ", text)
    return [w for w in re.split(r"[\s(),、（）：]+", plain) if w]


def test_japanese_figures_have_japanese_words_and_no_english_ones(tmp_path):
    texts = "\n".join(_texts("ja", tmp_path).values())
    japanese = language("ja").tables["notes"]["figures"]
    english = language("en").tables["notes"]["figures"]
    expected = [w for value in japanese.values() for w in _words(value)]
    assert expected and all(re.search("[\u3040-\u30ff\u4e00-\u9fff]", w) for w in expected)
    missing = [w for w in expected if w not in texts]
    assert not missing, missing
    leaked = [w for value in english.values() for w in _words(value) if w.isalpha() and len(w) > 2 and w in texts]
    assert not leaked, leaked


def test_english_figures_keep_their_english_words(tmp_path):
    texts = "\n".join(_texts("en", tmp_path).values())
    for value in language("en").tables["notes"]["figures"].values():
        assert all(w in texts for w in _words(value)), value


def test_a_missing_matplotlib_is_said_before_any_work_with_this_projects_name(monkeypatch, tmp_path):
    import importlib.util

    from derive import figures

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    spawned = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: spawned.append(a))
    with pytest.raises(DeriveError, match=re.escape("pip install 'derive-steps[notes]'")):
        figures.start_drawing(list(figures.FIGURES), tmp_path, "pdf", "en")
    assert not spawned  # refused before the drawing process (and the caller's deriving) starts


def test_a_missing_font_is_named_with_where_it_comes_from(monkeypatch):
    pytest.importorskip("matplotlib")
    from derive import figures

    class Absent:
        name = "Test"

        def setting(self, key):
            return {"notes.figure_font": "No Such Font Family 7", "notes.figure_font_package": "fonts-none"}[key]

    monkeypatch.setattr(figures, "language", lambda code: Absent())
    with pytest.raises(DeriveError, match="need the font No Such Font Family 7: install fonts-none"):
        figures.require_drawing("ja")


def test_a_font_installed_after_matplotlib_cached_its_list_is_found(monkeypatch):
    """matplotlib reads its font list from a cache written the first time it ran and never looks again: the
    Japanese font, installed afterwards as the error says to, was still 'missing' (a machine whose matplotlib
    had run before the font was installed failed every Japanese notes test).  The system's fonts the list
    lacks are added before the font is said to be missing."""
    pytest.importorskip("matplotlib")
    from matplotlib import font_manager

    from derive import figures

    family = str(language("ja").setting("notes.figure_font"))
    installed = shutil.which("fc-list") and subprocess.run(["fc-list", f":family={family}"], capture_output=True, text=True).stdout.strip()
    require(bool(installed), f"the font {family} ({language('ja').setting('notes.figure_font_package')})")
    stale = [entry for entry in font_manager.fontManager.ttflist if entry.name != family]  # the list as cached before the font
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    font_manager.fontManager._findfont_cached.cache_clear()
    assert not figures._has_font(font_manager, family)
    assert figures.require_drawing("ja") == family
    assert figures._has_font(font_manager, family)
    font_manager.fontManager._findfont_cached.cache_clear()  # the list restored by monkeypatch: no answer of the stale one kept
