"""Cold timings of users' gradients: every loss of examples/loss_corpus.toml (from the
literature) differentiated by ``derive grad LATEX --wrt VARIABLE``, each in a fresh process with an
empty cache directory (wall and CPU seconds, import included), then each in one process after
the import (what the derivation itself takes).

    python benchmarks/user_gradients.py [--python PATH] [--baseline PATH] [--names a,b] [--compare]

``--baseline`` times another installation's interpreter (an older checkout's venv) beside this one,
interleaved loss by loss (baseline first, then this one), so before and after share the machine's
load; the table gives both, and the summary the medians and maxima of each (wall and CPU seconds:
CPU is the figure that holds on a loaded machine).  The load average is printed before and after.
``--compare`` (with ``--baseline``) also compares what the two print for each loss, word for word: a
change meant to make the engine faster must leave every gradient's text as it was.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from derivations import byte_compile, timed  # noqa: E402  (the same fresh-process timer)

CORPUS = Path(__file__).parent.parent / "examples" / "loss_corpus.toml"
IN_ONE = """
import time, tomllib, derive
for entry in tomllib.load(open({path!r}, "rb"))["loss"]:
    start, cpu = time.perf_counter(), time.process_time()
    derive.gradient(entry["latex"], entry["wrt"])
    print(f"{{time.perf_counter() - start:.3f}} {{time.process_time() - cpu:.3f}}")
"""


def _summary(label: str, values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, (9 * len(ordered)) // 10)]
    return f"{label:44s} median {ordered[len(ordered) // 2]:6.2f}  p90 {p90:6.2f}  max {ordered[-1]:6.2f}"


def _cold(python: str, entry: dict, output: list[str] | None = None) -> tuple[float, float, int]:
    return timed([python, "-m", "derive", "grad", entry["latex"], "--wrt", entry["wrt"]], output)


def _row(entry: dict, runs: list[tuple[float, float, int]]) -> str:
    cells = "".join(f" {wall:7.2f} {cpu:7.2f}" + ("" if code == 0 else f" exit{code}") for wall, cpu, code in runs)
    return f"{entry['name'][:44]:44s}{cells}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--baseline", help="another installation's python, timed beside --python, interleaved")
    parser.add_argument("--names", help="comma-separated loss names (default: the whole corpus)")
    parser.add_argument("--compare", action="store_true", help="with --baseline: name each loss whose printed gradient differs")
    args = parser.parse_args()
    # Run from a folder holding no checkout: ``python -m derive`` puts the working directory first on
    # sys.path, so from a checkout every interpreter (the baseline's too) would import that checkout.
    os.chdir(tempfile.mkdtemp(prefix="derive-bench-cwd-"))
    pythons = [args.baseline, args.python] if args.baseline else [args.python]
    for python in pythons:
        byte_compile(python)
    corpus = tomllib.loads(CORPUS.read_text(encoding="utf-8"))["loss"]
    if args.names:
        corpus = [entry for entry in corpus if entry["name"] in args.names.split(",")]
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    labels = ["before", "after"] if args.baseline else [""]
    print(f"{'loss':44s}" + "".join(f" {label + ' wall':>7s} {label + ' cpu':>7s}" for label in labels))
    runs: list[list[tuple[float, float, int]]] = [[] for _ in pythons]
    differ: list[str] = []
    for entry in corpus:
        printed: list[str] = []
        row = [_cold(python, entry, printed) for python in pythons]
        for column, run in zip(runs, row):
            column.append(run)
        if args.compare and len(set(printed)) > 1:
            differ.append(entry["name"])
        print(_row(entry, row) + ("  PRINTS OTHERWISE" if entry["name"] in differ else ""), flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for label, column in zip(labels, runs):
        failed = sum(code != 0 for _, _, code in column)
        print(_summary(f"{label} fresh process each, wall".strip(), [wall for wall, _, _ in column]))
        print(_summary(f"{label} fresh process each, cpu".strip(), [cpu for _, cpu, _ in column])
              + f"  over 2 s cpu: {sum(cpu > 2 for _, cpu, _ in column)}  failed: {failed}")
    if args.compare and args.baseline:
        print(f"printed gradients that differ before/after: {len(differ)} of {len(corpus)}"
              + (f" ({', '.join(differ)})" if differ else ""))
    for label, python in zip(labels, pythons):
        done = subprocess.run([python, "-c", IN_ONE.format(path=str(CORPUS))], capture_output=True, text=True)
        times = [tuple(map(float, line.split())) for line in done.stdout.splitlines() if line.strip()]
        if times:  # the losses run one after another, not interleaved: on a loaded machine, read the CPU figure
            for index, unit in ((0, "wall"), (1, "cpu")):
                print(_summary(f"{label} one process, after the import, {unit} ({len(times)} losses)".strip(),
                               [row[index] for row in times]))


if __name__ == "__main__":
    main()
