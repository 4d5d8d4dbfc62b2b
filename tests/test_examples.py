"""The scripts in examples/ run as a user would run them and produce what they promise."""
import os
import re
import subprocess
import sys

from test_latex_output import _katex
from tools import ROOT, require_tex

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def test_blog_post_is_markdown_that_katex_renders(tmp_path):
    post = tmp_path / "post.md"
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "blog_post.py"), "bce-sigmoid-grad",
                           "--lang", "ja", "-o", str(post)], capture_output=True, text=True, env=ENV, timeout=600)
    assert done.returncode == 0, done.stderr
    text = post.read_text(encoding="utf-8")
    assert text.startswith("---\ntitle:") and "検証結果：True" in text
    blocks = re.findall(r"^\$\$\n(.*?)\n\$\$$", text, re.MULTILINE | re.DOTALL)
    lines = int(re.search(r"（(\d+) 行", text).group(1))
    assert len(blocks) == lines + 1  # one per blackboard line and the result
    report = _katex([{"id": str(n), "tex": tex} for n, tex in enumerate(blocks)])
    assert report["failures"] == []


def test_build_notes_writes_both_languages_both_formats_and_the_pictures(tmp_path):
    from tools import require, require_katex
    require_tex("latexmk", "pdflatex", "lualatex", "pdftoppm")
    require_katex()
    import shutil
    require(shutil.which("chromium") is not None, "Chromium")
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "build_notes.py"), str(tmp_path),
                           "--pictures", str(tmp_path / "pictures")],
                          capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stderr
    for name in ("notes.pdf", "notes-ja.pdf"):
        assert (tmp_path / name).read_bytes()[:5] == b"%PDF-"
        assert (tmp_path / name).stat().st_size > 50_000
    for name in ("notes.html", "notes-ja.html"):
        assert (tmp_path / name).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    for name in ("notes-en-pdf.png", "notes-ja-html.png"):
        assert (tmp_path / "pictures" / name).read_bytes()[:4] == b"\x89PNG"
