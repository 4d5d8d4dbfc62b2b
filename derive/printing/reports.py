"""The listing of built-in derivations and the kernel check's table, as text and JSON.

Every JSON document derive prints names its schema (``"schema": "derive.check/1"``); a change that
renames or removes a key raises the number, a new key does not.
"""
from __future__ import annotations

import json
from typing import Callable, Iterable, Sequence

SCHEMA = "derive.{}/1"


def document(kind: str, **content: object) -> str:
    return json.dumps({"schema": SCHEMA.format(kind), **content}, ensure_ascii=False, indent=2)


def names_text(entries: Iterable[tuple[str, str]]) -> str:
    """One line a derivation, its title's formulas in Unicode (``σ(z) − t``)."""
    from .inline_math import unicode_words
    return "\n".join(f"{name:22s} {unicode_words(title)}" for name, title in entries)


def names_json(entries: Iterable[tuple[str, str]]) -> str:
    return document("list", derivations=[{"name": name, "title": title} for name, title in entries])


_CHECK_COLUMNS = {  # row field -> (English heading, Japanese heading, width)
    "kernel": ("kernel", "カーネル", 12), "layout": ("layout", "ループ順", 7), "dtype": ("dtype", "型", 8),
    "targets": ("targets", "目標値", 14), "classes": ("classes", "クラス数", 7), "points": ("points", "点数", 6),
    "loss_error": ("loss err", "損失誤差", 10), "grad_error": ("grad err", "勾配誤差", 10),
    "difference_error": ("vs diff", "差分比較", 10), "tolerance": ("tolerance", "許容誤差", 9),
}
_STATUS = {"en": ("ok", "FAILED", "{passed} of {total} checks passed"),
           "ja": ("合格", "不合格", "{total} 件中 {passed} 件が合格")}


def _pad(text: str, width: int, right: bool) -> str:
    """Pad to a width counted in terminal cells (a CJK character takes two)."""
    cells = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    space = " " * max(width - cells, 0)
    return space + text if right else text + space


def check_text(rows: Sequence, lang: str = "en") -> str:
    numeric = {"classes", "points", "loss_error", "grad_error", "difference_error", "tolerance"}
    index = 1 if lang == "ja" else 0
    ok, failed, summary = _STATUS[lang]
    heading = " ".join(_pad(spec[index], spec[2], key in numeric) for key, spec in _CHECK_COLUMNS.items())
    lines = [heading + "  " + ("判定" if lang == "ja" else "status")]
    cell: dict[str, Callable] = {"classes": lambda r: str(r.classes or "-"), "points": lambda r: str(r.points),
                                 "loss_error": lambda r: f"{r.loss_error:.2e}", "grad_error": lambda r: f"{r.grad_error:.2e}",
                                 "difference_error": lambda r: f"{r.difference_error:.2e}",
                                 "tolerance": lambda r: f"{r.tolerance:.0e}"}
    for row in rows:
        cells = [_pad(cell[key](row) if key in cell else getattr(row, key), spec[2], key in numeric)
                 for key, spec in _CHECK_COLUMNS.items()]
        lines.append(" ".join(cells) + "  " + (ok if row.passed else failed))
    lines += ["", summary.format(passed=sum(r.passed for r in rows), total=len(rows))]
    return "\n".join(lines)


def check_json(rows: Sequence, lang: str = "en") -> str:
    """``{"schema", "passed", "reference", "kernels": [{kernel, layout, dtype, targets, classes,
    points, loss_error, grad_error, difference_error, tolerance, passed}]}``; the language changes nothing."""
    return document("check", passed=all(r.passed for r in rows),
                    reference="50-digit mpmath evaluation of the derived expressions; gradients also against central differences",
                    kernels=[{key: getattr(row, key) for key in _CHECK_COLUMNS} | {"passed": row.passed} for row in rows])
