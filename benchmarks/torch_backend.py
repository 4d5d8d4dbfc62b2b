"""Cross-entropy of logits with integer labels, forward + backward, on the CPU with 2 threads:
derive's torch backend (``compile(backend="torch")``) eager and under ``torch.compile``, the Numba
kernel in autograd (``derive.torch.function(load("ce-softmax"))``), against ``F.cross_entropy``
eager and compiled, all in one run; ratios to ``F.cross_entropy`` eager (lower is faster).

    python benchmarks/torch_backend.py            # the issue's shapes with a tenth of the rows
    python benchmarks/torch_backend.py --full     # 10⁶×10, 10⁵×1000, 10⁴×32000

Times are the best of ``--repeat`` rounds after a warm-up (which compiles), the competitors taking
turns in each round; float32.
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "2")  # before numba is imported: every competitor on 2 threads

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import derive  # noqa: E402
import derive.torch  # noqa: E402
from derive.kernels import load  # noqa: E402

FULL = [(10**6, 10), (10**5, 1000), (10**4, 32000)]


def best_interleaved(steps: dict, repeat: int) -> dict:
    """The best time of each step over ``repeat`` rounds, the steps taking turns within a round
    (on a shared machine a burst of load then falls on every competitor, not on one)."""
    for step in steps.values():
        step()  # warm-up: compiles
    times: dict = {name: [] for name in steps}
    for _ in range(repeat):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return {name: min(measured) for name, measured in times.items()}


def forward_backward(loss_of, z, labels):
    def step():
        z.grad = None
        loss_of(z, labels).backward()
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the issue's shapes (memory: about 10 GB at 10⁴×32000)")
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    torch.set_num_threads(2)
    sizes = FULL if arguments.full else [(n // 10, k) for n, k in FULL]
    kernel = derive.get("ce-softmax").compile(backend="torch")
    numba_function = derive.torch.function(load("ce-softmax"))
    competitors = {
        "F.cross_entropy": lambda z, t: F.cross_entropy(z, t),
        "F.cross_entropy compiled": torch.compile(lambda z, t: F.cross_entropy(z, t), dynamic=False),
        "derive torch": lambda z, t: kernel(z=z, t=t),
        "derive torch compiled": torch.compile(lambda z, t: kernel(z=z, t=t), dynamic=False),
        "derive numba": lambda z, t: numba_function(z, t),
    }
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, float32, forward + backward; "
          f"best of {arguments.repeat} interleaved rounds; load average {os.getloadavg()[0]:.1f}")
    header = f"{'N x K':>14} | " + " | ".join(f"{name:>24}" for name in competitors)
    print(header)
    print("-" * len(header))
    for n, k in sizes:
        generator = torch.Generator().manual_seed(0)
        z = torch.randn(n, k, generator=generator).requires_grad_()
        labels = torch.randint(0, k, (n,), generator=generator)
        times = best_interleaved({name: forward_backward(loss_of, z, labels) for name, loss_of in competitors.items()},
                                 arguments.repeat)
        reference = times["F.cross_entropy"]
        cells = [f"{times[name] * 1e3:9.1f} ms ({times[name] / reference:5.2f}x)" for name in competitors]
        print(f"{n:>7} x {k:<5} | " + " | ".join(f"{cell:>24}" for cell in cells), flush=True)


if __name__ == "__main__":
    main()
