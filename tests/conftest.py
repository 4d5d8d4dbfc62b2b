"""Shared fixtures: the conventions' symbols and textbook formulas written independently in SymPy."""
from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest
import sympy as sp

# Kernels are generated into a cache of this test session's own (never the user's ~/.cache).
os.environ.setdefault("DERIVE_CACHE_DIR", tempfile.mkdtemp(prefix="derive-test-cache-"))

from derive import conventions as c


def same_value(a: sp.Basic, b: sp.Basic, sizes: dict) -> bool:
    """Equal once sizes are concrete and sums written out (a second opinion for the tests)."""
    difference = (a - b).xreplace(sizes).doit()
    return sp.simplify(sp.expand_log(difference, force=True)) == 0


TEXTBOOK = {
    "ce-one-sample": -sp.Sum(c.t[c.k] * sp.log(c.y[c.k]), (c.k, 1, c.K)),
    "ce": -sp.Sum(c.t[c.i, c.k] * sp.log(c.y[c.i, c.k]), (c.k, 1, c.K), (c.i, 1, c.N)) / c.N,
    "bce": -sp.Sum(c.t[c.i] * sp.log(c.y[c.i]) + (1 - c.t[c.i]) * sp.log(1 - c.y[c.i]), (c.i, 1, c.N)) / c.N,
    "bce-bernoulli": -sp.Sum(c.t[c.i] * sp.log(c.y[c.i]) + (1 - c.t[c.i]) * sp.log(1 - c.y[c.i]), (c.i, 1, c.N)) / c.N,
    "ce-dice-example": -sp.log(c.y[1]),
    "bce-titanic-survived": -sp.log(sp.Rational(51, 100)),
    "bce-titanic-died": -sp.log(sp.Rational(44, 100)),
}


# ----- the slow set (tests/slow_tests.txt) ----------------------------------------------------
SLOW_TESTS = Path(__file__).with_name("slow_tests.txt")


def _slow_entries() -> list[str]:
    entries = []
    for line in SLOW_TESTS.read_text(encoding="utf-8").splitlines():
        entry = line.split("  # ", 1)[0].strip()
        if entry and not entry.startswith("#"):
            entries.append(entry)
    return entries


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: an end-to-end test listed in tests/slow_tests.txt (run with -m slow; CI runs it)")


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect: every collected test is seen
def pytest_collection_modifyitems(config, items):
    """Mark the tests tests/slow_tests.txt lists ``slow``.  An entry naming a test function of a file that
    was collected but no such function is an error: a renamed test must not slip quietly into the quick
    set."""
    entries = _slow_entries()
    collected = {item.nodeid for item in items}
    files = {nodeid.split("::", 1)[0] for nodeid in collected}
    tests = {entry for entry in entries if "::" in entry}
    whole_files = {entry for entry in entries if "::" not in entry}
    # A parametrised test's id may differ between pytest versions (an argument pytest 9 names "loss0" is
    # spelled out by pytest 8): an entry is stale when its file was collected and its test function was not.
    functions = {nodeid.split("[", 1)[0] for nodeid in collected}
    stale = sorted(entry for entry in tests if entry.split("::", 1)[0] in files and entry.split("[", 1)[0] not in functions)
    if stale and not any("::" in arg for arg in config.args):  # a run of named tests collects only those
        raise pytest.UsageError("tests/slow_tests.txt names tests that do not exist: " + ", ".join(stale[:5]))
    for item in items:
        if item.nodeid in tests or item.nodeid.split("::", 1)[0] in whole_files:
            item.add_marker(pytest.mark.slow)


# ----- one worker per piece of shared work (pytest -n 2 --dist loadgroup) -----------------------
@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: a run without it never calls it
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` hands a worker whole groups of tests that share work (:func:`work_group`),
    so that the work is done once per session, not once per worker.  xdist's own loadgroup reads an
    ``xdist_group`` mark through ``item._nodeid``, which pytest 9 no longer reads (the marked tests were
    spread over both workers): the groups are read from the tests' ids here instead."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class WorkGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_group(nodeid)

    return WorkGroupScheduling(config, log)


def work_group(nodeid: str) -> str:
    """The group of the test ``nodeid``: a loss of the corpus for the tests of every module that take it
    (its derivation, its kernels), a built-in for the tests parametrised by its name alone, else the
    test's file (its module fixtures, the kernels its first calls compile)."""
    file, _, rest = nodeid.partition("::")
    parameter = rest[rest.index("[") + 1:-1] if rest.endswith("]") and "[" in rest else None
    if parameter in _corpus_names():
        return "corpus: " + parameter
    if parameter in _built_in_names():
        return "built-in: " + parameter
    return file


@lru_cache(maxsize=None)
def _corpus_names() -> frozenset[str]:
    import tomllib
    corpus = Path(__file__).parent.parent / "examples" / "loss_corpus.toml"
    return frozenset(entry["name"] for entry in tomllib.loads(corpus.read_text(encoding="utf-8"))["loss"])


@lru_cache(maxsize=None)
def _built_in_names() -> frozenset[str]:
    import derive
    return frozenset(derive.names())
