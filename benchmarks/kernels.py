"""Loss-and-gradient kernels against NumPy, PyTorch CPU and a memory-bandwidth reference, all in
one run, printed as ratios; then JIT compile time and cached load time in fresh processes.

    python benchmarks/kernels.py [--quick]

Every competitor uses the same number of threads (Numba's, which is the core count).  Times are
the best of several runs; ratios are what to read (absolute times depend on the machine).
Against torch and NumPy, derive allocates its gradient array in every call, as they do; against
the bandwidth reference (``np.copyto`` into an existing array) it writes into an existing one too
(``out=``), so both sides move the same bytes and neither pays for fresh pages.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numba
import numpy as np
import torch
import torch.nn.functional as F

from derive.kernels import load

CE_SIZES = [(10**6, 10), (10**5, 1000), (10**4, 32000)]
BCE_SIZES = [10**7]


def best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def numpy_ce(Z, labels):
    """Stable, vectorised: log-softmax by the max shift, gradient softmax - onehot, mean."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    rows = np.arange(Z.shape[0])
    loss = (np.log(total[:, 0]) - shifted[rows, labels]).mean()
    grad = exp / total
    grad[rows, labels] -= 1
    grad /= Z.shape[0]
    return loss, grad


def numpy_bce(z, t):
    loss = (np.maximum(z, 0) - t * z + np.log1p(np.exp(-np.abs(z)))).mean()
    grad = (np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z))) - t) / z.shape[0]
    return loss, grad


def torch_ce(z, labels):
    z.grad = None
    F.cross_entropy(z, labels).backward()


def torch_bce(z, t):
    z.grad = None
    F.binary_cross_entropy_with_logits(z, t).backward()


def row(name, ours, others: dict) -> str:
    parts = [f"{name:28s} derive {ours * 1e3:9.1f} ms"]
    for label, seconds in others.items():
        parts.append(f"{label} {seconds * 1e3:8.1f} ms ({seconds / ours:5.2f}x)")
    return "  ".join(parts)


def fresh_process_times() -> str:
    """First compile (empty cache) and cached load, each in a new process; then the first call
    on many rows of few classes, which compiles the blocked kernel (kernels/blocked.py) too."""
    folder = tempfile.mkdtemp(prefix="derive-bench-cache-")
    script = ("import sys, time, numpy as np\nstart = time.perf_counter()\nimport numba\n"
              "from derive.kernels import load\nk = load('ce-softmax')\nready = time.perf_counter()\n"
              "n, c = int(sys.argv[1]), int(sys.argv[2])\n"
              "k.loss_and_grad(np.zeros((n, c)), np.arange(n) % c)\nend = time.perf_counter()\n"
              "print(f'{ready - start:.3f} {end - ready:.3f}')\n")
    env = {**os.environ, "DERIVE_CACHE_DIR": folder}
    lines = []
    for label, shape in (("first run (derive, generate, JIT)", (4, 3)), ("cached load, fresh process", (4, 3)),
                         ("first call on 4096x10 (blocks: JIT)", (4096, 10)), ("cached, 4096x10", (4096, 10))):
        out = subprocess.run([sys.executable, "-c", script, *map(str, shape)], capture_output=True, text=True, env=env, check=True)
        prepare, call = map(float, out.stdout.split())
        lines.append(f"{label:36s} import+load {prepare:6.3f} s  first call {call:6.3f} s")
    return "\n".join(lines)


COMPILE_SCRIPT = """import sys, time, numpy as np
from derive.kernels import load
name, rows, classes, dtype, targets, call, layout = sys.argv[1:]
k = load(name)
n, c = int(rows), int(classes)
X = np.zeros((n, c) if c else n, dtype)
T = (np.arange(n) % c if targets == "labels" else np.full((n, c), 1.0 / c, dtype)) if c else np.full(n, 0.5, dtype)
start = time.perf_counter()
getattr(k, call)(X, T, **({"layout": layout} if c else {}))
took = time.perf_counter() - start
print(k.kernel_name(X, "labels" if (c and targets == "labels") else "targets", call != "loss", layout if c else None), took)
"""


def every_first_compile() -> str:
    """Every generated function's first call in a fresh process with an empty Numba cache (the
    runtime's exp and log1p compiled too): the worst first compile a user meets."""
    folder = tempfile.mkdtemp(prefix="derive-bench-modules-")
    env = {**os.environ, "DERIVE_CACHE_DIR": folder}
    cases = [("bce-sigmoid", 4096, 0, dtype, "targets", call, "rows") for dtype in ("float64", "float32") for call in ("loss", "loss_and_grad")]
    cases += [("ce-softmax", 4096, 10, dtype, targets, call, layout) for dtype in ("float64", "float32")
              for targets in ("labels", "targets") for call in ("loss", "loss_and_grad") for layout in ("rows", "blocks")]
    times = {}
    for case in cases:
        numba_cache = tempfile.mkdtemp(prefix="derive-bench-numba-")
        out = subprocess.run([sys.executable, "-c", COMPILE_SCRIPT, *map(str, case)], capture_output=True, text=True,
                             env={**env, "NUMBA_CACHE_DIR": numba_cache}, check=True)
        kernel, took = out.stdout.split()
        times[f"{case[0]}.{kernel}"] = max(times.get(f"{case[0]}.{kernel}", 0.0), float(took))
    worst = max(times, key=times.get)
    lines = [f"first compile of every kernel, empty Numba cache: {len(times)} kernels, worst {worst} {times[worst]:.2f} s"]
    for loss in sorted({name.split(".")[0] for name in times}):
        lines.append(f"  {loss}: " + ", ".join(f"{name.split('.')[1]} {took:.2f} s" for name, took in sorted(times.items())
                                              if name.startswith(loss + ".")))
    return "\n".join(lines)


def options_rows(repeat: int, shrink: int) -> list[str]:
    """PyTorch's options on both sides: F.cross_entropy with class weights, ignored labels and label
    smoothing; F.binary_cross_entropy_with_logits with pos_weight over (N, L) labels."""
    rng = np.random.default_rng(1)
    ce, bce = load("ce-softmax"), load("bce-sigmoid")
    lines = []
    for dtype in (np.float32, np.float64):
        for n, k in ((10**6, 10), (10**5, 1000)):
            n = max(n // shrink, 10)
            Z = rng.normal(size=(n, k)).astype(dtype)
            labels = rng.integers(0, k, n)
            labels[rng.random(n) < 0.1] = -100
            weight = rng.uniform(0.5, 2.0, k).astype(dtype)
            options = {"weight": weight, "label_smoothing": 0.1}
            ce.loss_and_grad(Z[:4], labels[:4], **options)
            ours = best(lambda: ce.loss_and_grad(Z, labels, **options), repeat)
            z = torch.from_numpy(Z).requires_grad_()
            target, w = torch.from_numpy(labels), torch.from_numpy(weight)

            def step():
                z.grad = None
                F.cross_entropy(z, target, weight=w, label_smoothing=0.1).backward()
            lines.append(row(f"CE+options {n}x{k} {np.dtype(dtype).name}", ours, {"torch": best(step, repeat)}))
        n, labels_per_sample = max(10**5 // shrink, 10), 100
        X = (4 * rng.normal(size=(n, labels_per_sample))).astype(dtype)
        T = rng.uniform(size=(n, labels_per_sample)).astype(dtype)
        pos_weight = rng.uniform(0.5, 4.0, labels_per_sample).astype(dtype)
        bce.loss_and_grad(X[:4], T[:4], pos_weight=pos_weight)
        ours = best(lambda: bce.loss_and_grad(X, T, pos_weight=pos_weight), repeat)
        x, t, p = torch.from_numpy(X).requires_grad_(), torch.from_numpy(T), torch.from_numpy(pos_weight)

        def binary_step():
            x.grad = None
            F.binary_cross_entropy_with_logits(x, t, pos_weight=p).backward()
        lines.append(row(f"BCE+pos_weight {n}x{labels_per_sample} {np.dtype(dtype).name}", ours, {"torch": best(binary_step, repeat)}))
    return lines


USER_LOSS = r"-\frac{1}{N} \sum_{i=1}^{N} \left(p t_{i} \log \sigma(z_{i}) + (1 - t_{i}) \log(1 - \sigma(z_{i}))\right)"


def user_kernel_row(repeat: int, shrink: int) -> str:
    """A loss written in LaTeX (BCE with a positive weight, as a user types it), its kernel (loss
    and gradient by every z_j, from the stable forms) against PyTorch autograd on the same formula
    written in torch operations, at 10^6 elements, float64."""
    import derive

    kernel = derive.gradient(USER_LOSS, "z_{j}").compile()
    n = max(10**6 // shrink, 10)
    rng = np.random.default_rng(2)
    z, t = 4 * rng.normal(size=n), rng.uniform(size=n)
    kernel.loss_and_grad(z=z[:4], t=t[:4], p=2.0)
    ours = best(lambda: kernel.loss_and_grad(z=z, t=t, p=2.0), repeat)
    zt, tt = torch.from_numpy(z).requires_grad_(), torch.from_numpy(t)

    def autograd():
        zt.grad = None
        s = torch.sigmoid(zt)
        (-(2.0 * tt * torch.log(s) + (1 - tt) * torch.log(1 - s))).mean().backward()
    return row(f"user loss (LaTeX) {n}", ours, {"torch autograd": best(autograd, repeat)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats (a smoke test)")
    args = parser.parse_args()
    threads = numba.config.NUMBA_NUM_THREADS
    torch.set_num_threads(threads)
    repeat = 2 if args.quick else 5
    shrink = 100 if args.quick else 1
    print(f"threads: {threads} (Numba and PyTorch {torch.__version__}); best of {repeat}")
    ce, bce = load("ce-softmax"), load("bce-sigmoid")
    rng = np.random.default_rng(0)

    def compare(name, kernel, X, T, torch_step, numpy_version, torch_target):
        kernel.loss_and_grad(X[:4], T[:4])  # compiled (or loaded from the cache) before timing
        ours = best(lambda: kernel.loss_and_grad(X, T), repeat)  # a new gradient array per call, as torch
        gradient = np.empty_like(X)
        reused = best(lambda: kernel.loss_and_grad(X, T, out=gradient), repeat)  # as np.copyto: no allocation
        x = torch.from_numpy(X).requires_grad_()
        copy_target = np.empty_like(X)
        others = {"torch": best(lambda: torch_step(x, torch_target), repeat),
                  "numpy": best(lambda: numpy_version(X, T), repeat)}
        copy = best(lambda: np.copyto(copy_target, X), repeat)
        print(row(name, ours, others) + f"  | out=: {reused * 1e3:7.1f} ms, copy {copy * 1e3:6.1f} ms "
              f"(derive/copy {reused / copy:5.2f})")

    for dtype in (np.float32, np.float64):
        for n, k in CE_SIZES:
            n = max(n // shrink, 10)
            Z = rng.normal(size=(n, k)).astype(dtype)
            labels = rng.integers(0, k, n)
            compare(f"CE {n}x{k} {np.dtype(dtype).name}", ce, Z, labels, torch_ce, numpy_ce, torch.from_numpy(labels))
            del Z
        for n in BCE_SIZES:
            n = n // shrink
            z = rng.normal(size=n).astype(dtype) * 4
            t = rng.uniform(size=n).astype(dtype)
            compare(f"BCE {n} {np.dtype(dtype).name}", bce, z, t, torch_bce, numpy_bce, torch.from_numpy(t))
    for line in options_rows(repeat, shrink):
        print(line)
    print(user_kernel_row(repeat, shrink))
    print(fresh_process_times())
    print(every_first_compile())


if __name__ == "__main__":
    main()
