"""Compile a LaTeX document to PDF with the TeX installed here; a failure becomes one clear error."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import DeriveError
from .languages import language

TIMEOUT_S = 300


def engine_of(lang: str) -> str:
    """The engine latexmk runs for ``lang`` (``pdf``, ``lualatex``)."""
    return language(lang).setting("tex.engine")


class TexError(DeriveError):
    """TeX could not compile the document; the message names the failing line."""


def require_tex(lang: str = "en") -> None:
    """Refuse at once, before any work, when the TeX that ``compile_pdf`` needs is missing."""
    tex = language(lang).setting("tex")  # which engine and class the language needs (its language.toml)
    missing = [program for program in tex["programs"] if shutil.which(program) is None]
    if missing:
        raise TexError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed; "
                       "install TeX Live (bash .ci/install-tools, see README) to use --pdf")
    if tex["class_file"]:
        found = subprocess.run(["kpsewhich", tex["class_file"]], capture_output=True, text=True, timeout=60)
        if found.returncode != 0 or not found.stdout.strip():
            raise TexError(tex["class_missing"])


def compile_pdf(source: str, output: Path, lang: str = "en", files: dict[str, Path] | None = None,
                seeds: dict[str, str] | None = None) -> Path:
    """Compile ``source`` to ``output``; ``files`` (name -> path: the figures) are copied beside it
    first, and ``seeds`` (file name -> text: a table of contents TeX will rewrite) written there.
    On a failure the TeX source and log are kept beside ``output`` (``notes.tex``, ``notes.log``)
    and the error names them."""
    require_tex(lang)
    engine = engine_of(lang)
    with tempfile.TemporaryDirectory(prefix="derive-tex-") as work:
        for path in (files or {}).values():
            shutil.copyfile(path, Path(work) / path.name)
        for name, text in (seeds or {}).items():
            (Path(work) / name).write_text(text, encoding="utf-8")
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
            log_text = log.read_text(errors="replace") if log.exists() else done.stdout + done.stderr
            output.parent.mkdir(parents=True, exist_ok=True)
            kept_log, kept_source = output.with_suffix(".log"), output.with_suffix(".tex")
            kept_log.write_text(log_text, encoding="utf-8")
            kept_source.write_text(source, encoding="utf-8")
            raise TexError(f"{first_error(log_text, source)}; the source is {kept_source}, the log {kept_log}")
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
