"""Cold timings of the built-in derivations (issue 33, item 1): each ``derive show NAME`` in a fresh
process with empty caches (wall and CPU seconds, import included), the median, the largest and how
many are over 1 s, every built-in in one process, then the first ``compile()`` of each built-in
kernel; one table.

    python benchmarks/derivations.py [--python PATH] [--before PATH] [--names a,b] [--runs N] [--kernels all]

``--names ''`` leaves the shows out; ``--kernels all`` compiles every built-in row kernel.

The package is byte-compiled first (as a wheel install leaves it).  ``--python`` runs another
installation's interpreter; ``--before`` an older checkout's too, each measurement taken for both in
turn (before, after, before, after...), so before and after share the machine's load.  The CPU
seconds (user + system of the process and its children) move less with the load than the wall's.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ALL_IN_ONE = "import derive\nfor name in derive.names():\n    derive.get(name)\n"
FIRST_COMPILE = """import sys, time
start = time.perf_counter()
import numpy as np, derive
derivation = derive.get(sys.argv[1])
derived = time.perf_counter()
kernel = derivation.compile()
generated = time.perf_counter()
y = kernel.variable == "y"  # probabilities: rows that sum to one (the probability kernels check their inputs)
X = (np.full((4, 3), 1 / 3) if y else np.zeros((4, 3))) if kernel.categorical else (np.full(4, 0.5) if y else np.zeros(4))
T = np.arange(4) % 3 if kernel.categorical else np.full(4, 0.5)
kernel.loss_and_grad(X, T)
print(f"{derived - start:.2f} {generated - derived:.2f} {time.perf_counter() - generated:.2f}")
"""
KERNELS = ("ce-softmax", "ce", "bce-sigmoid", "bce")  # the built-in kernels the README loads
# every built-in that compiles to row kernels (derive/kernels/shipped.py): --kernels all.  But bce-multilabel:
# its (N, L) inputs run PyTorch's options kernel, and its row module fails Numba's compile on (N,) inputs
ROW_KERNELS = ("ce-softmax", "ce", "bce-sigmoid", "bce", "bce-bernoulli", "ce-grad", "bce-grad", "ce-softmax-grad",
               "bce-sigmoid-grad")


def timed(command: list[str], output: list | None = None) -> tuple[float, float, int]:
    """Wall and CPU seconds of ``command`` in a fresh process with empty derive and Numba caches."""
    with tempfile.TemporaryDirectory(prefix="derive-bench-") as cache:
        env = {**os.environ, "DERIVE_CACHE_DIR": cache, "NUMBA_CACHE_DIR": os.path.join(cache, "numba")}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        # run from the empty folder: ``python -m derive`` puts the working directory first on sys.path,
        # and a checkout's derive/ there would stand in for the installation measured
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=cache)
        wall = time.perf_counter() - start
        if output is not None:
            output.append(done.stdout)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def byte_compile(python: str) -> None:
    """Write the package's bytecode first, as installing the wheel does (pip compiles it at install):
    the timings are of derive's work, not of Python compiling derive's source in every process."""
    package = subprocess.run([python, "-c", "import derive, os; print(os.path.dirname(derive.__file__))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([python, "-m", "compileall", "-q", package, os.path.join(os.path.dirname(package), "derive_checker")],
                   capture_output=True)


def least(command: list[str], runs: int) -> tuple[float, float, int]:
    """The least wall and least CPU of ``runs`` cold runs (a busy machine only ever adds time)."""
    results = [timed(command) for _ in range(runs)]
    return min(r[0] for r in results), min(r[1] for r in results), max(r[2] for r in results)


def cell(wall: float, cpu: float, code: int) -> str:
    return f"{wall:7.2f} {cpu:7.2f}" + ("" if code == 0 else f" exit{code}")


def summary(label: str, rows: list[tuple[float, float, int]]) -> str:
    walls, cpus = [r[0] for r in rows], [r[1] for r in rows]
    return (f"{label}: median {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s cpu; "
            f"max {max(walls):.2f} s wall, {max(cpus):.2f} s cpu; over 1 s: {sum(w > 1 for w in walls)} by wall, "
            f"{sum(c > 1 for c in cpus)} by cpu, of {len(rows)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the installation measured")
    parser.add_argument("--before", help="an older installation's interpreter, measured in turn with --python")
    parser.add_argument("--names", help="comma-separated names (default: every built-in)")
    parser.add_argument("--kernels", default=",".join(KERNELS),
                        help="the built-in kernels compiled ('' for none, 'all' for every row kernel)")
    parser.add_argument("--runs", type=int, default=1, help="cold runs of each, the least kept")
    args = parser.parse_args()
    os.chdir(tempfile.mkdtemp(prefix="derive-bench-"))  # no checkout's derive/ in the way of the installations measured
    pythons = {"before": args.before, "after": args.python} if args.before else {"after": args.python}
    for python in pythons.values():
        byte_compile(python)
    names = args.names.split(",") if args.names is not None else subprocess.run(
        [args.python, "-m", "derive", "list"], capture_output=True, text=True, check=True).stdout.split("\n")
    names = [line.split()[0] for line in names if line.strip()]
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores; "
          f"least of {args.runs} cold run(s) each")
    print(f"{'derive show NAME':34s}" + "".join(f" {label + ' wall':>9s} {'cpu':>7s}" for label in pythons))
    rows: dict[str, list] = {label: [] for label in pythons}
    for name in names:
        line = f"{name:34s}"
        for label, python in pythons.items():
            result = least([python, "-m", "derive", "show", name], args.runs)
            rows[label].append(result)
            line += f" {cell(*result):>17s}"
        print(line, flush=True)
    if names:  # --names '' measures the kernels alone
        line = f"{'every built-in in one process':34s}"
        for label, python in pythons.items():
            line += f" {cell(*least([python, '-c', ALL_IN_ONE], 1)):>17s}"
        print(line)
        for label in pythons:
            print(summary(label, rows[label]))
    kernels = list(ROW_KERNELS) if args.kernels == "all" else [k for k in args.kernels.split(",") if k]
    if kernels:
        print("\nfirst compile() of each built-in kernel, fresh process, empty caches "
              "(derive = import + derivation; compile = the module: generated from the verified stable forms, or "
              "shipped (derive/kernels/shipped.py); first call = derive_checker re-checking a shipped module's "
              "certificates + Numba's JIT), wall and cpu s")
    for name in kernels:
        for label, python in pythons.items():
            output: list[str] = []
            wall, cpu, code = timed([python, "-c", FIRST_COMPILE, name], output)
            parts = output[0].split() if code == 0 else ["?", "?", "?"]
            print(f"{name:14s} {label:6s} wall {wall:6.2f} cpu {cpu:6.2f}   derive {parts[0]} compile {parts[1]} "
                  f"first call {parts[2]}" + ("" if code == 0 else f"  exit {code}"), flush=True)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
