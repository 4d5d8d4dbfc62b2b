"""The kernels' numeric tests again, with Numba generating code for another x86-64 family than this
machine's: AVX2 (Haswell) and plain SSE2.  Vector widths change how LLVM vectorises a loop, and so
the order of additions; a test that demanded the same bits from two code paths would pass on one
family and fail on another (it did, on AVX-512).  Runs on any x86-64 host, since each family's
instructions are a subset of what later CPUs run."""
import os
import platform
import subprocess
import sys

import pytest

from tools import ROOT

FAMILIES = {"avx2": ("haswell", "+avx2,+fma"), "sse2": ("x86-64", "+sse2")}
NUMERIC = "layouts or bits or pytorch or blocks_agree or float32_rows or extreme or never_cancels or zero_log_zero"


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="x86-64 code generation")
@pytest.mark.parametrize("family", FAMILIES)
def test_kernels_agree_when_compiled_for_another_cpu_family(family):
    name, features = FAMILIES[family]
    env = {**os.environ, "NUMBA_CPU_NAME": name, "NUMBA_CPU_FEATURES": features}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", NUMERIC,
                           "tests/test_kernels.py", "tests/test_threads.py"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in last and "failed" not in last and "error" not in last, last
