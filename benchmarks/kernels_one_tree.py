"""benchmarks/kernels.py's cases, reduced, for one tree at a time: derive's loss-and-gradient kernels and PyTorch's
in the same process (2 threads each), one line per case: name, derive ms, torch ms (best of ``repeat``).  Used to
compare two trees interleaved on one machine (before, after, after, before...), each with its own caches:

    for tree in before after; do DERIVE_CACHE_DIR=/tmp/c-$tree NUMBA_CACHE_DIR=/tmp/n-$tree \
        PYTHONPATH=/path/to/$tree python benchmarks/kernels_one_tree.py SHRINK REPEAT; done

``SHRINK`` divides benchmarks/kernels.py's sizes (2: half).  The ratios to read are derive/torch within one run
and derive(after)/derive(before) across the interleaved runs.
"""
import sys, time
import numba, numpy as np, torch
import torch.nn.functional as F
import derive
from derive.kernels import load
shrink, repeat = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(numba.config.NUMBA_NUM_THREADS)
def best(f):
    ts = []
    for _ in range(repeat):
        s = time.perf_counter(); f(); ts.append(time.perf_counter() - s)
    return min(ts)
rng = np.random.default_rng(0)
ce, bce = load("ce-softmax"), load("bce-sigmoid")
out = []
def case(name, ours, theirs):
    out.append(f"{name}\t{ours*1e3:.3f}\t{theirs*1e3:.3f}")
for dtype in (np.float32, np.float64):
    for n, k in [(10**6, 10), (10**5, 1000), (10**4, 32000)]:
        n = max(n // shrink, 10)
        Z = rng.normal(size=(n, k)).astype(dtype); labels = rng.integers(0, k, n)
        ce.loss_and_grad(Z[:4], labels[:4])
        ours = best(lambda: ce.loss_and_grad(Z, labels))
        z = torch.from_numpy(Z).requires_grad_(); tl = torch.from_numpy(labels)
        def st():
            z.grad = None; F.cross_entropy(z, tl).backward()
        case(f"CE {n}x{k} {np.dtype(dtype).name}", ours, best(st))
    n = 10**7 // shrink
    x = (rng.normal(size=n) * 4).astype(dtype); t = rng.uniform(size=n).astype(dtype)
    bce.loss_and_grad(x[:4], t[:4]); ours = best(lambda: bce.loss_and_grad(x, t))
    xt = torch.from_numpy(x).requires_grad_(); tt = torch.from_numpy(t)
    def sb():
        xt.grad = None; F.binary_cross_entropy_with_logits(xt, tt).backward()
    case(f"BCE {n} {np.dtype(dtype).name}", ours, best(sb))
    for n, k in ((10**6, 10), (10**5, 1000)):
        n = max(n // shrink, 10)
        Z = rng.normal(size=(n, k)).astype(dtype); labels = rng.integers(0, k, n); labels[rng.random(n) < 0.1] = -100
        weight = rng.uniform(0.5, 2.0, k).astype(dtype); options = {"weight": weight, "label_smoothing": 0.1}
        ce.loss_and_grad(Z[:4], labels[:4], **options); ours = best(lambda: ce.loss_and_grad(Z, labels, **options))
        z = torch.from_numpy(Z).requires_grad_(); tl, w = torch.from_numpy(labels), torch.from_numpy(weight)
        def so():
            z.grad = None; F.cross_entropy(z, tl, weight=w, label_smoothing=0.1).backward()
        case(f"CE+options {n}x{k} {np.dtype(dtype).name}", ours, best(so))
        P = rng.dirichlet(np.ones(k), n).astype(dtype)
        try:
            ce.loss_and_grad(Z[:4], P[:4], **options); ours = best(lambda: ce.loss_and_grad(Z, P, **options))
        except Exception as error:
            print("# probs refused:", type(error).__name__, str(error)[:80]); continue
        tp = torch.from_numpy(P)
        def sp_():
            z.grad = None; F.cross_entropy(z, tp, weight=w, label_smoothing=0.1).backward()
        case(f"CE+options probs {n}x{k} {np.dtype(dtype).name}", ours, best(sp_))
    n, L = max(10**5 // shrink, 10), 100
    X = (4 * rng.normal(size=(n, L))).astype(dtype); T = rng.uniform(size=(n, L)).astype(dtype); pw = rng.uniform(0.5, 4.0, L).astype(dtype)
    bce.loss_and_grad(X[:4], T[:4], pos_weight=pw); ours = best(lambda: bce.loss_and_grad(X, T, pos_weight=pw))
    xx, tt2, p = torch.from_numpy(X).requires_grad_(), torch.from_numpy(T), torch.from_numpy(pw)
    def sbp():
        xx.grad = None; F.binary_cross_entropy_with_logits(xx, tt2, pos_weight=p).backward()
    case(f"BCE+pos_weight {n}x{L} {np.dtype(dtype).name}", ours, best(sbp))
print("# derive from", derive.__file__)
print("\n".join(out))
