"""Cold time of each derivation issue 19 added (and two older ones to compare): a fresh process per run, empty
DERIVE_CACHE_DIR and NUMBA_CACHE_DIR, the import timed apart.  Run: python benchmarks/derivation_times.py"""
import os, subprocess, sys, tempfile, statistics
names = ["dice-mle", "bernoulli-mle", "dice-mle-example", "ema", "ema-bias-correction", "ema-example",
         "exp-rules", "exp-derivative", "log-derivative", "ce"]
code = ("import time, sys; t = time.perf_counter(); import derive, derive.derivations; i = time.perf_counter() - t; "
        "t = time.perf_counter(); derive.get(sys.argv[1]); print(i, time.perf_counter() - t)")
for name in names:
    runs = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "DERIVE_CACHE_DIR": cache, "NUMBA_CACHE_DIR": cache}
            out = subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True, env=env).stdout.split()
            runs.append(tuple(map(float, out)))
    print(f"{name:22s} derive {statistics.median(r[1] for r in runs):.2f} s, import {statistics.median(r[0] for r in runs):.2f} s (median of 3 cold processes)")
