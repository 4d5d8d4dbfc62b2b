"""The listing of built-in derivations and the kernel check's table, as text and JSON.

Every JSON document derive prints names its schema (``"schema": "derive.check/1"``); a change that
renames or removes a key raises the number, a new key does not.
"""
from __future__ import annotations

import json
from typing import Callable, Iterable, Sequence
from .inline_math import unicode_words

from ..languages import language

SCHEMA = "derive.{}/1"


def document(kind: str, **content: object) -> str:
    return json.dumps({"schema": SCHEMA.format(kind), **content}, ensure_ascii=False, indent=2)


def names_text(entries: Iterable[tuple[str, str]]) -> str:
    """One line a derivation, its title's formulas in Unicode (``σ(z) − t``), the titles in one
    column as wide as the longest name needs."""
    entries = list(entries)
    width = max((len(name) for name, _ in entries), default=0)
    return "\n".join(f"{name:{width}s}  {unicode_words(title)}" for name, title in entries)


def names_json(entries: Iterable[tuple[str, str]]) -> str:
    return document("list", derivations=[{"name": name, "title": title} for name, title in entries])


_CHECK_COLUMNS = {  # row field -> width (its heading: the phrase check.columns.<field>)
    "kernel": 12, "layout": 7, "dtype": 8, "targets": 14, "classes": 7, "points": 6,
    "loss_error": 10, "grad_error": 10, "difference_error": 10, "tolerance": 9,
}


def _pad(text: str, width: int, right: bool) -> str:
    """Pad to a width counted in terminal cells (a CJK character takes two)."""
    cells = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    space = " " * max(width - cells, 0)
    return space + text if right else text + space


def check_text(rows: Sequence, lang: str = "en") -> str:
    numeric = {"classes", "points", "loss_error", "grad_error", "difference_error", "tolerance"}
    words = language(lang)
    ok, failed = words.phrase("check.ok"), words.phrase("check.failed")
    heading = " ".join(_pad(words.phrase(f"check.columns.{key}"), width, key in numeric) for key, width in _CHECK_COLUMNS.items())
    lines = [heading + "  " + words.phrase("check.status")]
    cell: dict[str, Callable] = {"classes": lambda r: str(r.classes or "-"), "points": lambda r: str(r.points),
                                 "loss_error": lambda r: f"{r.loss_error:.2e}", "grad_error": lambda r: f"{r.grad_error:.2e}",
                                 "difference_error": lambda r: f"{r.difference_error:.2e}",
                                 "tolerance": lambda r: f"{r.tolerance:.0e}"}
    for row in rows:
        cells = [_pad(cell[key](row) if key in cell else getattr(row, key), width, key in numeric)
                 for key, width in _CHECK_COLUMNS.items()]
        lines.append(" ".join(cells) + "  " + (ok if row.passed else failed))
    lines += ["", words.phrase("check.summary", passed=sum(r.passed for r in rows), total=len(rows))]
    return "\n".join(lines)


def check_json(rows: Sequence, lang: str = "en") -> str:
    """``{"schema", "passed", "reference", "kernels": [{kernel, layout, dtype, targets, classes,
    points, loss_error, grad_error, difference_error, tolerance, passed}]}``; the language changes nothing."""
    return document("check", passed=all(r.passed for r in rows),
                    reference="50-digit mpmath evaluation of the derived expressions; gradients also against central differences",
                    kernels=[{key: getattr(row, key) for key in _CHECK_COLUMNS} | {"passed": row.passed} for row in rows])
