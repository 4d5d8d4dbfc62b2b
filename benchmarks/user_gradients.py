"""Cold timings of users' gradients: every loss of examples/loss_corpus.toml (from the
literature) differentiated by ``derive grad LATEX --wrt VARIABLE``, each in a fresh process with an
empty cache directory (wall and CPU seconds, import included), then each in one process after
the import (what the derivation itself takes).

    python benchmarks/user_gradients.py [--python PATH]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from derivations import byte_compile, timed  # noqa: E402  (the same fresh-process timer)

CORPUS = Path(__file__).parent.parent / "examples" / "loss_corpus.toml"
IN_ONE = """
import time, tomllib, derive
for entry in tomllib.load(open({path!r}, "rb"))["loss"]:
    start = time.perf_counter()
    derive.gradient(entry["latex"], entry["wrt"])
    print(f"{{time.perf_counter() - start:.3f}}")
"""


def _summary(label: str, values: list[float]) -> str:
    ordered = sorted(values)
    return f"{label:44s} median {ordered[len(ordered) // 2]:6.2f}  max {ordered[-1]:6.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    byte_compile(args.python)
    corpus = tomllib.loads(CORPUS.read_text(encoding="utf-8"))["loss"]
    print(f"{'loss':44s} {'wall s':>7s} {'cpu s':>7s}")
    walls, cpus = [], []
    for entry in corpus:
        wall, cpu, code = timed([args.python, "-m", "derive", "grad", entry["latex"], "--wrt", entry["wrt"]])
        walls.append(wall)
        cpus.append(cpu)
        print(f"{entry['name'][:44]:44s} {wall:7.2f} {cpu:7.2f}" + ("" if code == 0 else f"  exit {code}"), flush=True)
    print(_summary("fresh process each (import included), wall", walls))
    done = subprocess.run([args.python, "-c", IN_ONE.format(path=str(CORPUS))], capture_output=True, text=True, check=True)
    print(_summary(f"one process, after the import ({len(corpus)} losses)", [float(x) for x in done.stdout.split()]))


if __name__ == "__main__":
    main()
