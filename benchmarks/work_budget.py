"""The work each user's gradient uses, against the work budget (derive.work_budget.MAX_WORK): every
loss of examples/loss_corpus.toml, in one process after the import, with its operations of work
(by kind), its CPU seconds and the share of the limit it uses; then the largest, and the CPU
seconds per million operations (how well the count stands for time on this machine).  With
``--fuzz COUNT``, also the hostile inputs of tests/fuzz_losses.py (each held to ``--seconds`` of
wall clock), to show that those the budget stops are stopped by it, not by the clock.

    python benchmarks/work_budget.py [--fuzz 220] [--seconds 30]
"""
from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def measured(latex: str, wrt: str, seconds: float) -> tuple[str, int, dict, float]:
    """(outcome, operations used, by kind, CPU seconds) of one gradient, under a budget far above the limit."""
    import derive
    from derive.errors import DeriveError
    from derive.work_budget import work_budget

    start = time.process_time()
    with work_budget(10 ** 12, "measuring") as budget:
        try:
            derive.gradient(latex, wrt, time_limit=seconds)
            outcome = "result"
        except DeriveError as error:
            outcome = f"error: {str(error)[:90]}"
    return outcome, budget.used, dict(budget.counts), time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz", type=int, default=0, help="also this many inputs of the fuzz campaign")
    parser.add_argument("--seconds", type=float, default=60.0, help="wall-clock net for each input")
    args = parser.parse_args()
    import derive
    from derive.work_budget import MAX_WORK

    derive.gradient("x^2", "x")  # the import and the first rule loads, outside every figure
    corpus = tomllib.loads((ROOT / "examples" / "loss_corpus.toml").read_text(encoding="utf-8"))["loss"]
    print(f"{'loss':48s} {'operations':>11s} {'of limit':>8s} {'cpu s':>6s}  outcome")
    rows = []
    for entry in corpus:
        outcome, used, _, cpu = measured(entry["latex"], entry["wrt"], args.seconds)
        rows.append((entry["name"], used, cpu, outcome))
        print(f"{entry['name'][:48]:48s} {used:11,d} {used / MAX_WORK:8.1%} {cpu:6.2f}  {outcome}", flush=True)
    name, most, _, _ = max(rows, key=lambda row: row[1])
    total_cpu, total_used = sum(r[2] for r in rows), sum(r[1] for r in rows)
    print(f"largest: {name}, {most:,} operations = {most / MAX_WORK:.1%} of the limit of {MAX_WORK:,}")
    print(f"CPU seconds per million operations over the corpus: {1e6 * total_cpu / total_used:.2f}")
    if args.fuzz:
        from fuzz_losses import inputs
        print(f"\n{'fuzz input':60s} {'operations':>11s} {'cpu s':>6s}  outcome")
        for latex, wrt in inputs(args.fuzz, 15):
            outcome, used, _, cpu = measured(latex, wrt, args.seconds)
            print(f"{(latex + ' / ' + wrt)[:60]:60s} {used:11,d} {cpu:6.2f}  {outcome}", flush=True)


if __name__ == "__main__":
    main()
