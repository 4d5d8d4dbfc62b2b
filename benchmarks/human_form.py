"""How close each gradient of the loss corpus (examples/loss_corpus.toml) comes to the form a person
writes: the operations of the derived gradient against the loss's own, with the bound of
issue 32 (at most 1.2 × the loss's + 6; issue 16's was 1.5 × + 10), and what a textbook would not
leave: a Kronecker delta summed over, an exponential over a sum of exponentials not named the
softmax, two powers of one base multiplied (:mod:`derive.textbook_form`).  Operations are counted
as a textbook writes them, each quantity used more than once named once (``p = softmax(z)``, ``S =
∑ᵢ tᵢ yᵢ``, ``f_k = …``; :func:`derive.named_quantities.operation_count`), the loss and the gradient
alike; ``--count-ops`` counts with SymPy's ``count_ops`` instead (the figures before issue 32's last
stop, where a softmax component was three operations in a gradient and four in a loss).  Prints one
row per loss and the distribution of the ratio gradient/loss.

    python benchmarks/human_form.py [--corpus FILE] [--time-limit SECONDS] [--count-ops]

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


def operations(expr: sp.Basic) -> int:
    """The operations a textbook writes (the repeated quantities named), or, on an engine without
    that count, SymPy's ``count_ops``."""
    try:
        from derive.named_quantities import operation_count
    except ImportError:  # an older engine, measured for the table before
        return int(sp.count_ops(expr))
    return operation_count(expr)


def measure(corpus: list[dict], count=operations) -> list[tuple[str, int, int | None, str]]:
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
            rows.append((entry["name"], count(getattr(loss, "rhs", loss)), None,
                         f"{type(failed).__name__}: {failed}"[:70]))
            continue
        gradient = derivation.result.rhs
        rows.append((entry["name"], count(derivation.steps[0].rhs), count(gradient),
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
    parser.add_argument("--count-ops", action="store_true", help="count with SymPy's count_ops, no quantity named")
    args = parser.parse_args()
    if args.time_limit is not None:
        user_losses.TIME_LIMIT = args.time_limit  # type: ignore[misc]  # read at each call
    corpus = tomllib.loads(Path(args.corpus).read_text(encoding="utf-8"))["loss"]
    print(table(measure(corpus, (lambda expr: int(sp.count_ops(expr))) if args.count_ops else operations)))


if __name__ == "__main__":
    main()
