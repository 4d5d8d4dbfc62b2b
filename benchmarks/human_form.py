"""How close each gradient of the loss corpus (examples/loss_corpus.toml) comes to the form a person
writes: SymPy's ``count_ops`` of the derived gradient against the loss's own, with the bound of
issue 16 (at most 1.5 × the loss's + 10).  Prints one row per loss and the distribution of the
ratio gradient/loss.

    python benchmarks/human_form.py [--corpus FILE]
"""
from __future__ import annotations

import argparse
import statistics
import tomllib
from pathlib import Path

import sympy as sp

import derive

CORPUS = Path(__file__).parent.parent / "examples" / "loss_corpus.toml"


def measure(corpus: list[dict]) -> list[tuple[str, int, int]]:
    rows = []
    for entry in corpus:
        derivation = derive.gradient(entry["latex"], entry["wrt"])
        rows.append((entry["name"], sp.count_ops(derivation.steps[0].rhs), sp.count_ops(derivation.result.rhs)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(CORPUS))
    args = parser.parse_args()
    corpus = tomllib.loads(Path(args.corpus).read_text(encoding="utf-8"))["loss"]
    rows = measure(corpus)
    print(f"{'loss':48s} {'loss ops':>8s} {'grad ops':>8s} {'bound':>6s}")
    for name, loss, gradient in rows:
        bound = 1.5 * loss + 10
        print(f"{name[:48]:48s} {loss:8d} {gradient:8d} {bound:6.1f}" + ("" if gradient <= bound else "  over"))
    ratios = sorted(gradient / loss for _, loss, gradient in rows)
    over = sum(gradient > 1.5 * loss + 10 for _, loss, gradient in rows)
    print(f"{len(rows)} losses; gradient/loss ops: median {statistics.median(ratios):.2f}, "
          f"90th percentile {ratios[int(0.9 * (len(ratios) - 1))]:.2f}, max {ratios[-1]:.2f}; over the bound: {over}")


if __name__ == "__main__":
    main()
