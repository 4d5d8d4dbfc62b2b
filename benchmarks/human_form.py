"""How close each gradient of the loss corpus (examples/loss_corpus.toml) comes to the form a person
writes: SymPy's ``count_ops`` of the derived gradient against the loss's own, with the bound of
issue 32 (at most 1.2 × the loss's + 6; issue 16's was 1.5 × + 10), and what a textbook would not
leave: a Kronecker delta summed over, an exponential over a sum of exponentials not named the
softmax, two powers of one base multiplied (:mod:`derive.textbook_form`).  Prints one row per
loss and the distribution of the ratio gradient/loss.

    python benchmarks/human_form.py [--corpus FILE] [--time-limit SECONDS]

``--time-limit`` lifts derive's limit on one gradient (8 s) on a machine busy with other work, so
that what is measured is the form of the result, not the load.
"""
from __future__ import annotations

import argparse
import statistics
import tomllib
from pathlib import Path

import sympy as sp

import derive
from derive import user_losses
from derive.front_end import from_latex

CORPUS = Path(__file__).parent.parent / "examples" / "loss_corpus.toml"


def bound(loss_ops: int) -> float:
    """Issue 32's bound on a gradient's operations: 1.2 × the loss's + 6."""
    return 1.2 * loss_ops + 6


def measure(corpus: list[dict]) -> list[tuple[str, int, int | None, str]]:
    """(name, loss ops, gradient ops or None where it failed, what a textbook would not leave or why it failed)."""
    try:
        from derive.textbook_form import shortfalls
    except ImportError:  # an older engine, measured for the table before
        def shortfalls(expr: sp.Basic) -> list[str]:
            return []
    rows: list[tuple[str, int, int | None, str]] = []
    for entry in corpus:
        try:
            derivation = derive.gradient(entry["latex"], entry["wrt"])
        except Exception as failed:  # noqa: BLE001 - a benchmark reports each loss, whatever stops it
            loss = from_latex(entry["latex"], model_names=False)
            rows.append((entry["name"], int(sp.count_ops(getattr(loss, "rhs", loss))), None,
                         f"{type(failed).__name__}: {failed}"[:70]))
            continue
        gradient = derivation.result.rhs
        rows.append((entry["name"], int(sp.count_ops(derivation.steps[0].rhs)), int(sp.count_ops(gradient)),
                     "; ".join(shortfalls(gradient))))
    return rows


def table(rows: list[tuple[str, int, int | None, str]]) -> str:
    lines = [f"{'loss':48s} {'loss ops':>8s} {'grad ops':>8s} {'bound':>6s}  notes"]
    for name, loss, gradient, notes in rows:
        shown = f"{gradient:8d}" if gradient is not None else f"{'failed':>8s}"
        over = "over " if gradient is not None and gradient > bound(loss) else ""
        lines.append(f"{name[:48]:48s} {loss:8d} {shown} {bound(loss):6.1f}  {over}{notes}".rstrip())
    done = [(loss, gradient) for _, loss, gradient, _ in rows if gradient is not None]
    ratios = sorted(gradient / loss for loss, gradient in done)
    over = sum(gradient > bound(loss) for loss, gradient in done)
    old_over = sum(gradient > 1.5 * loss + 10 for loss, gradient in done)
    lines.append(f"{len(rows)} losses, {len(done)} derived; gradient/loss ops: median {statistics.median(ratios):.2f}, "
                 f"90th percentile {ratios[int(0.9 * (len(ratios) - 1))]:.2f}, max {ratios[-1]:.2f}; "
                 f"over 1.2 × + 6: {over}; over 1.5 × + 10: {old_over}; "
                 f"short of a textbook: {sum(bool(notes) for _, _, g, notes in rows if g is not None)}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(CORPUS))
    parser.add_argument("--time-limit", type=float, default=None, help="seconds for one gradient (derive's: 8)")
    args = parser.parse_args()
    if args.time_limit is not None:
        user_losses.TIME_LIMIT = args.time_limit  # type: ignore[misc]  # read at each call
    corpus = tomllib.loads(Path(args.corpus).read_text(encoding="utf-8"))["loss"]
    print(table(measure(corpus)))


if __name__ == "__main__":
    main()
