"""``derive verify``: re-check a certificate with the checker alone (this module imports only
:mod:`derive_checker`, never the engine) and print one line per step.

Exit 0 when every step is proved (or stated, or given), 3 when every step passes but some only at
random points (marked ≈, "not proved": a sceptical reader's script must not read it as proved), 1
naming the first step that fails, 2 (one line on stderr) for a file that cannot be read or is no
certificate.  Names from the file are data: printed with every control character escaped."""
from __future__ import annotations

import json
import sys

from derive_checker.axioms import table as axiom_table
from derive_checker.certificate import check_catalogue, check_certificate
from derive_checker.expressions import Malformed

from .languages import language



def shown(text) -> str:
    """``text`` with every character a terminal would act on written as an escape."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(text))


MARKS = {"failed": "✗", "numeric": "≈"}  # a step checked at random points only is not marked proved
NOT_PROVED = 3  # the exit status where every step passes but some are only checked numerically


def _exit(verdicts: list[str]) -> int:
    return 1 if "failed" in verdicts else NOT_PROVED if "numeric" in verdicts else 0


def _lines(report: dict, lang: str) -> list[str]:
    words = language(lang).tables["phrases"]["verify"]
    lines = [f"certificate {shown(report['name'])}"]
    for step in report["steps"]:
        marker = MARKS.get(step["verdict"], "✓")
        detail = f": {shown(step['detail'])}" if step.get("detail") and step["verdict"] == "failed" else ""
        points = f", {step['points']} random points" if step.get("points") else ""
        carried = "".join(f"; {shown(c)}" for c in step.get("conditions", ()) if "restriction" in str(c))  # holds only there
        lines.append(f"  {marker} step {step['n']} {shown(step['rule'])} ({shown(step['check'])}): "
                     f"{words[step['verdict']]}{carried}{points}{detail}")
    unproved = [str(step["n"]) for step in report["steps"] if step["verdict"] == "numeric"]
    if unproved:
        lines.append(f"  ≈ {words['not_proved'].format(steps=', '.join(unproved))}")
    lines.append(f"  {words['rests']}: {', '.join(report['axioms']) or '-'}")
    lines.append(f"  {words['theorems']}: {', '.join(report.get('theorems', ())) or '-'}")
    if report["failure"]:
        lines.append(f"  first failure: {shown(report['failure'])}")
    return lines


def verify(path: str | None, catalogue: dict | None, fmt: str = "text", lang: str = "en") -> int:
    """Check the certificate at ``path`` ('-': standard input), or the ``catalogue``'s statements."""
    rules = catalogue is not None
    try:
        if rules:
            document = catalogue
        elif path == "-":
            document = json.load(sys.stdin)
        else:
            assert path is not None  # for mypy: a path where no catalogue is given
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        sys.stderr.write(shown(f"derive verify: error: cannot read {path}: {error}") + "\n")
        return 2
    try:
        if rules:
            result = check_catalogue(document)
        else:
            reports = [check_certificate(c) for c in (document if isinstance(document, list) and document else [document])]
    except (Malformed, RecursionError) as error:
        sys.stderr.write(shown(f"derive verify: error: {path}: {error}") + "\n")
        return 2
    if rules:
        if fmt == "json":
            print(json.dumps(result, ensure_ascii=False, indent=1))
        else:
            for r in result["rules"]:
                words = language(lang).tables["phrases"]["verify"]
                verdict = words["unproved"] if r["verdict"] == "numeric" else words[r["verdict"]]
                print(f"{MARKS.get(r['verdict'], '✓')} {shown(r['rule'])}: {r['status']}, "
                      f"{verdict}; {', '.join(r['axioms']) or '-'}")
        return _exit([r["verdict"] for r in result["rules"]])
    if fmt == "json":
        print(json.dumps(reports if isinstance(document, list) else reports[0], ensure_ascii=False, indent=1))
    else:
        print("\n".join(line for report in reports for line in _lines(report, lang)))
    return 1 if not all(r["ok"] for r in reports) else _exit([s["verdict"] for r in reports for s in r["steps"]])


def list_axioms(fmt: str = "text", lang: str = "en", only=None) -> str:
    said = language(lang).tables["axioms"]  # what each axiom says in words: the checker keeps only its statement
    chosen = [a for a in axiom_table()["axioms"] if only is None or a["id"] in only]
    if fmt == "json":
        return json.dumps({"axioms": [{"id": a["id"], "statement": a["statement"], lang: said[a["id"]],
                                       "reference": a["reference"]} for a in chosen]}, ensure_ascii=False, indent=1)
    return "\n".join(f"{a['id']}: {said[a['id']]}\n    {a['statement']}\n    ({a['reference']})" for a in chosen)
