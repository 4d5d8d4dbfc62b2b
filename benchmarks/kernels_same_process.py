"""Two trees' generated kernel modules, timed in one process: the plain cross-entropy and BCE row kernels of
benchmarks/kernels.py's cases (full size), called directly on the same arrays, the two trees alternating, one thread,
best of ``ROUNDS`` each.  Run each tree's benchmarks/kernels_one_tree.py first (it writes the modules into its
DERIVE_CACHE_DIR), then:

    NUMBA_NUM_THREADS=1 NUMBA_CACHE_DIR=$(mktemp -d) python benchmarks/kernels_same_process.py BEFORE_CACHE AFTER_CACHE [ROUNDS] [FILTER]

The modules import the installed tree's ``derive.kernels.runtime``: a fair comparison only where the functions the
older module imports are unchanged there.  What this leaves out of benchmarks/kernels_one_tree.py's figures (one
process per tree, two threads, PyTorch beside them) is the noise of the process: memory placement and threads.
"""
import glob
import importlib.util
import sys
import time

import numpy as np

before_dir, after_dir = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 15
only = sys.argv[4] if len(sys.argv) > 4 else ""


def module(folder: str, stem: str, label: str):
    path = glob.glob(f"{folder}/kernels/derive_kernel_{stem}_*.py")[0]
    spec = importlib.util.spec_from_file_location(f"{stem}_{label}", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


rng = np.random.default_rng(0)
cases = []
for dtype in (np.float64, np.float32):
    suffix = "_f32" if dtype == np.float32 else ""
    for n, k in ((10**6, 10), (10**5, 1000), (10**4, 32000)):
        X, labels = rng.normal(size=(n, k)).astype(dtype), rng.integers(0, k, n)
        name = "loss_and_grad_labels" + ("_few" if k <= 24 else "") + suffix  # the layout the kernel picks at these sizes
        cases.append((f"CE {n}x{k} {np.dtype(dtype).name}", "ce_softmax", name, (X, labels, np.empty(n, dtype), np.empty((n, k), dtype), 1.0 / n)))
    n = 10**7
    x, t = (rng.normal(size=n) * 4).astype(dtype), rng.uniform(size=n).astype(dtype)
    cases.append((f"BCE {n} {np.dtype(dtype).name}", "bce_sigmoid", "loss_and_grad_targets" + suffix,
                  (x, t, np.empty(n, dtype), np.empty(n, dtype), 1.0 / n)))
modules = {(label, stem): module(folder, stem, label) for label, folder in (("before", before_dir), ("after", after_dir))
           for stem in ("ce_softmax", "bce_sigmoid")}
print(f"{'case':<28} {'before ms':>10} {'after ms':>10} {'after/before':>13}")
for case, stem, name, arguments in (c for c in cases if only in c[0]):
    kernels = {label: getattr(modules[(label, stem)], name) for label in ("before", "after")}
    for kernel in kernels.values():
        kernel(*arguments)  # compiled before the clock starts
    best = dict.fromkeys(kernels, float("inf"))
    for r in range(rounds):
        for label in (("before", "after") if r % 2 == 0 else ("after", "before")):
            start = time.perf_counter()
            kernels[label](*arguments)
            best[label] = min(best[label], time.perf_counter() - start)
    print(f"{case:<28} {best['before'] * 1e3:10.2f} {best['after'] * 1e3:10.2f} {best['after'] / best['before']:13.3f}", flush=True)
