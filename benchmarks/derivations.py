"""Cold timings of the built-in derivations: each ``derive show NAME`` in a fresh process with an
empty cache directory (wall and CPU seconds, import included), then every built-in in one process.

    python benchmarks/derivations.py [--python PATH] [--names a,b]

The package is byte-compiled first (as a wheel install leaves it).  ``--python`` runs another installation's interpreter (an older checkout's venv, say), so before and
after are measured by one script in one session.
"""
from __future__ import annotations

import argparse
import os
import resource
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
X = np.zeros((4, 3)) if sys.argv[1].startswith("ce") else np.zeros(4)
T = np.arange(4) % 3 if sys.argv[1].startswith("ce") else np.full(4, 0.5)
kernel.loss_and_grad(X, T)
print(f"{derived - start:.2f} {generated - derived:.2f} {time.perf_counter() - generated:.2f}")
"""


def timed(command: list[str], output: list | None = None) -> tuple[float, float, int]:
    """Wall and CPU seconds of ``command`` in a fresh process with empty derive and Numba caches."""
    with tempfile.TemporaryDirectory(prefix="derive-bench-") as cache:
        env = {**os.environ, "DERIVE_CACHE_DIR": cache, "NUMBA_CACHE_DIR": os.path.join(cache, "numba")}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
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
    subprocess.run([python, "-m", "compileall", "-q", package], capture_output=True, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--names", help="comma-separated names (default: every built-in)")
    args = parser.parse_args()
    byte_compile(args.python)
    names = args.names.split(",") if args.names else subprocess.run(
        [args.python, "-m", "derive", "list"], capture_output=True, text=True, check=True).stdout.split("\n")
    names = [line.split()[0] for line in names if line.strip()]
    print(f"{'derivation':26s} {'wall s':>7s} {'cpu s':>7s}")
    walls = []
    for name in names:
        wall, cpu, code = timed([args.python, "-m", "derive", "show", name])
        walls.append(wall)
        print(f"{name:26s} {wall:7.2f} {cpu:7.2f}" + ("" if code == 0 else f"  exit {code}"), flush=True)
    walls.sort()
    print(f"{'median / max':26s} {walls[len(walls) // 2]:7.2f} {walls[-1]:7.2f}")
    wall, cpu, code = timed([args.python, "-c", ALL_IN_ONE])
    print(f"{'all in one process':26s} {wall:7.2f} {cpu:7.2f}" + ("" if code == 0 else f"  exit {code}"))
    print("\nfirst compile() of each built-in kernel, fresh process, empty caches "
          "(derive = import + derivation; compile = the verified stable forms + the generated module; "
          "first call = Numba's JIT)")
    for name in ("ce-softmax", "ce", "bce-sigmoid", "bce"):
        output: list[str] = []
        wall, cpu, code = timed([args.python, "-c", FIRST_COMPILE, name], output)
        parts = output[0].split() if code == 0 else ["?", "?", "?"]
        print(f"{name:14s} wall {wall:6.2f} cpu {cpu:6.2f}   derive {parts[0]} compile {parts[1]} first call {parts[2]}"
              + ("" if code == 0 else f"  exit {code}"))


if __name__ == "__main__":
    main()
