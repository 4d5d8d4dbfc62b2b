"""A fuzz campaign against the user-facing entry point: realistic losses (examples/loss_corpus.toml)
mutated token by token, and hostile forms (towers of powers, huge numbers and sums, deep nesting,
index arithmetic, names that look like indices, unknown commands, stray characters), each fed to
``derive.gradient`` by a variable it names.  Every outcome must be clean: a result or a
:class:`~derive.errors.DeriveError`; any other exception is a bug.

    python tests/fuzz_losses.py [--count 1000] [--seed 0]    # prints the counts (the issue's campaign)

tests/test_hostile_input.py runs a few hundred of these in a process limited to 1 GB.
"""
from __future__ import annotations

import argparse
import random
import re
import resource
import time
import tomllib
from collections import Counter
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "examples" / "loss_corpus.toml"
TOKENS = [r"\frac", r"\sum", r"\prod", r"\log", r"\ln", r"\exp", r"\sigma", r"\sqrt", r"\tanh", r"\cosh", r"\lbrack",
          r"\rbrack", r"\left(", r"\right)", r"\cdot", r"\operatorname{softmax}", r"\mathcal{L}", r"\ell", r"\max",
          r"\foo", r"\gamma", r"\hat{y}", "_", "^", "{", "}", "(", ")", "[", "]", "|", "=", "+", "-", "/", ",", " ",
          "\\", "x", "y_{i}", "t_k", "z_{ik}", "x_{i+1}", "x_{2i}", "N", "K", "0", "1", "2", "10^{10}", "0.5", "e",
          "i", "k", "s", "p", "d", "\u00e9", "\x00"]
HOSTILE = [
    r"\frac{x}{10^{10^{10}}}", r"10^{-10^{10}} x", r"\sqrt{10^{10^{10}}} x", r"x^{-9^{9^{9}}}",
    r"2^{2^{2^{2^{2^{2}}}}} x", r"(x+y)^{10^{6}}", r"(x+1)^{100000}", r"x^{99999999999999999999999999999999999}",
    r"123456789012345678901234567890123456789 x", r"\sum_{i=1}^{100000} x_{i}", r"\prod_{i=1}^{99999} x_{i}",
    "\\log " * 12 + "x", r"e^{e^{e^{e^{e^{e^{x}}}}}}", r"\exp(\exp(\exp(x)))", r"\frac{x}{0}", r"\log_{1} x",
    r"\log_{0} x", r"\sum_{i=1}^{N} i x_{i}", r"\operatorname{softmax}(z)_{kk}", r"\sum_{i=1}^{N} (x_{i+1} - x_{i})^2",
    r"x_{2i}", r"-t \log p - (1-t)\log(1-p)", r"\frac{1}{2}\log(2\pi s^2) + \frac{(x-m)^2}{2 s^2}", r"\cosh x",
    r"\sinh x", r"\tanh x", r"\mathcal{L} = x^2", r"\ell = x^2", r"L(\theta) = \theta^2", r"\sum_{d=1}^{D} w_d x_{id}",
    r"k x^2 + d x", r"\frac{1}{x-x}", r"0^{0} x", r"x^{x^{x^{x}}}", r"(x^{2})^{50}", r"\sum_{k=1}^{K} y_{k}^{100}",
    "(" * 29 + "x" + ")" * 29, r"\sqrt{-1} x", r"\log(-1) x", r"e^{1000} x", r"x^{-100}", r"\frac{1}{0.0} x",
    r"\sum_{k=1}^{10^{5}} y_{k}", r"\sum_{k=0.5}^{K} x_{k}", r"\sum_{k=1}^{K\gamma} (y_{k} - t_{k})^{2}",
    r"-\sum_{k=10^{30}}^{K} y_k \log y_k", r"\sum_{k=1}^{500} y_{k}",
    r"\log(-\sum_{k=1}^{K} ((1 - \epsilon) p_{k} 0.5+ \frac{\epsilon}{K}) \log y_{k})",  # SymPy recursed past the limit
    r"\log(1 + (y - t_k t)^{2})", r"k \sum_{k=1}^{K} y_{k}^{2}",  # one name, two meanings
]
VARIABLES = ["x", "y", "p", "s", "t", "z_{j}", "y_{j}", "x_{j}", "w_{j}", "y_{ik}", r"\theta", "q_{j}"]


def inputs(count: int, seed: int = 0) -> list[tuple[str, str]]:
    """``count`` (latex, wrt) pairs: every hostile form, then mutations of the corpus's losses."""
    rng = random.Random(seed)
    corpus = [(entry["latex"], entry["wrt"]) for entry in tomllib.loads(CORPUS.read_text(encoding="utf-8"))["loss"]]
    cases = [(latex, _variable_in(latex, rng)) for latex in HOSTILE]
    while len(cases) < count:
        latex, wrt = rng.choice(corpus)
        for _ in range(rng.randint(1, 4)):
            latex = _mutated(latex, rng)
        cases.append((latex, wrt if rng.random() < 0.7 else rng.choice(VARIABLES)))
    return cases[:count]


def _variable_in(latex: str, rng: random.Random) -> str:
    for candidate in ("x_{j}" if "x_{i" in latex else "", "x", "p", "s", r"\theta", "y_{j}", "z_{j}", "w_{j}"):
        if candidate and candidate.split("_")[0] in latex:
            return candidate
    return rng.choice(VARIABLES)


def _mutated(latex: str, rng: random.Random) -> str:
    position = rng.randint(0, len(latex))
    action = rng.choice(("delete", "insert", "swap", "hostile", "rename", "number", "wrap"))
    if action == "rename":  # keeps the structure: a name becomes one that may look like an index
        names = list(re.finditer(r"(?<![\\A-Za-z])[a-z](?![a-z])", latex))
        if names:
            match = rng.choice(names)
            return latex[:match.start()] + rng.choice("sprkdijmnuvx") + latex[match.end():]
    if action == "number":
        numbers = list(re.finditer(r"\d+", latex))
        if numbers:
            match = rng.choice(numbers)
            return latex[:match.start()] + rng.choice(["0", "2", "7", "100", "101", "0.001", "10^{30}", "99999"]) + latex[match.end():]
    if action == "wrap":  # the loss inside a function, or raised to a power
        return rng.choice([r"\log({})", r"\exp({})", r"\sigma({})", r"({})^{{2}}", r"\tanh({})", r"\sqrt{{{}}}"]).format(latex)
    token = rng.choice(TOKENS)
    if action == "delete":
        return latex[:position] + latex[position + rng.randint(1, 4):]
    if action == "insert":
        return latex[:position] + token + latex[position:]
    if action == "swap":
        return latex[:position] + token + latex[position + len(token):]
    found = list(re.finditer(r"[a-z]_\{[a-z]+\}|\\log|[a-z]\b", latex))  # put a hostile form in place of a name
    if not found:
        return latex + " + " + rng.choice(HOSTILE)
    match = rng.choice(found)
    return latex[:match.start()] + "(" + rng.choice(HOSTILE).split("=")[-1] + ")" + latex[match.end():]


def run_one(latex: str, wrt: str) -> tuple[str, str, float]:
    """(outcome, message, seconds): outcome ``result``, ``derive error`` or the name of any other exception."""
    import derive
    from derive.errors import DeriveError

    start = time.perf_counter()
    try:
        derive.gradient(latex, wrt)
        outcome, message = "result", ""
    except DeriveError as error:
        outcome, message = "derive error", str(error)
    except Exception as error:  # noqa: BLE001 - what the campaign looks for
        outcome, message = type(error).__name__, str(error)[:200]
    return outcome, message, time.perf_counter() - start


def campaign(count: int, seed: int = 0, report=None) -> dict:
    """Run ``count`` inputs; the counts by outcome (``slow``: a clean outcome past 10 s), the
    inputs that ended otherwise, and the peak memory of the process in MiB."""
    counts: Counter = Counter()
    bad = []
    for latex, wrt in inputs(count, seed):
        outcome, message, seconds = run_one(latex, wrt)
        counts[outcome] += 1
        if seconds > 10:
            counts["slow"] += 1
        if outcome not in ("result", "derive error") or seconds > 10:
            bad.append((latex, wrt, outcome, message, round(seconds, 1)))
        if report:
            report(latex, wrt, outcome, message, seconds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"counts": dict(counts), "bad": bad, "peak_mib": round(peak)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    report = (lambda *row: print(f"{row[4]:5.1f}s {row[2]:14s} {row[0][:70]!r} by {row[1]}: {row[3][:90]}", flush=True)) \
        if args.verbose else None
    summary = campaign(args.count, args.seed, report)
    print(summary["counts"], f"peak {summary['peak_mib']} MiB")
    for row in summary["bad"]:
        print("BAD", row)


if __name__ == "__main__":
    main()
