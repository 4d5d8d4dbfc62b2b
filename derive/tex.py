"""Compile a LaTeX document to PDF with the TeX installed here; a failure becomes one clear error."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import DeriveError

ENGINES = {"en": "pdf", "ja": "lualatex"}  # Japanese needs LuaTeX for ltjsarticle
TIMEOUT_S = 300


class TexError(DeriveError):
    """TeX could not compile the document; the message names the failing line."""


def compile_pdf(source: str, output: Path, lang: str = "en") -> Path:
    if shutil.which("latexmk") is None:
        raise TexError("latexmk is not installed; install TeX Live (see README) to use --pdf")
    engine = ENGINES[lang]
    with tempfile.TemporaryDirectory(prefix="derive-tex-") as work:
        tex = Path(work) / "notes.tex"
        tex.write_text(source, encoding="utf-8")
        command = ["latexmk", f"-{engine}", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
                   tex.name]
        try:
            done = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise TexError(f"TeX did not finish within {TIMEOUT_S} s") from None
        pdf = tex.with_suffix(".pdf")
        if done.returncode != 0 or not pdf.exists():
            log = tex.with_suffix(".log")
            raise TexError(first_error(log.read_text(errors="replace") if log.exists() else done.stdout, source))
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pdf, output)
    return output


def first_error(log: str, source: str) -> str:
    """``TeX failed at line N: <message> (<the line>)`` from a TeX log."""
    match = re.search(r"^(?:\./)?notes\.tex:(\d+): (.*)$", log, re.MULTILINE)
    if match is None:
        bang = re.search(r"^! (.*)$", log, re.MULTILINE)
        line = re.search(r"^l\.(\d+)", log, re.MULTILINE)
        if bang is None:
            return "TeX failed without an error message; see its log"
        number, message = (int(line.group(1)) if line else 0), bang.group(1)
    else:
        number, message = int(match.group(1)), match.group(2)
    lines = source.splitlines()
    if not 0 < number <= len(lines):  # e.g. a brace left open until the end of the file
        return f"TeX failed at the end of the document: {message.strip()}"
    text = lines[number - 1].strip()
    shown = (text[:60] + "...") if len(text) > 60 else text
    return f"TeX failed at line {number}: {message.strip()}" + (f" (in: {shown})" if shown else "")
