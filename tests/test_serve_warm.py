"""derive serve's cold start: the built-ins derived ahead (``warm``) take a worker only while the
pool is quiet, so a visitor never waits in line behind that batch; each worker loads the engine as
it starts.  The pool's bookkeeping is tested with workers that answer at once (no engine), the
loading with a real worker."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import pytest

from derive.serve import pool as pool_module
from derive.serve.pool import WorkerPool
from tools import require

try:  # the serve extra: with CI=true its absence fails every test here (require), else they skip
    from starlette.testclient import TestClient

    from derive.serve.app import create_app
except ImportError:
    TestClient = None

NAMES = ["bce", "ce", "log-derivative", "dice-mle"]


@pytest.fixture(autouse=True, scope="module")
def _the_serve_extra():
    require(TestClient is not None, "Starlette (the serve extra: pip install -e '.[serve]')")


@pytest.fixture
def quick_workers(monkeypatch):
    """Workers that answer each task after ``delay`` seconds, logging (task, arguments, busy workers at its start)."""
    log: list[tuple] = []
    busy, lock = [0], threading.Lock()

    class Quick:
        delay = 0.05

        def __init__(self, memory_bytes: int, max_tasks: int):
            self.tasks, self.process = 0, SimpleNamespace(pid=None, is_alive=lambda: True)

        def call(self, name: str, arguments: tuple, timeout: float):
            with lock:
                busy[0] += 1
                log.append((name, arguments, busy[0]))
            time.sleep(self.delay)
            with lock:
                busy[0] -= 1
            if name == "builtins":
                return {"en": {"derivations": [{"name": n, "title": n} for n in NAMES]}}
            return {"en": {"name": arguments[0]}}

        def alive(self) -> bool:
            return True

        def kill(self) -> None:
            pass

        def stop(self) -> None:
            pass

    monkeypatch.setattr(pool_module, "Worker", Quick)
    return SimpleNamespace(log=log, worker=Quick)


def test_the_pool_is_quiet_only_with_a_worker_to_spare_and_nobody_in_line(quick_workers):
    quick_workers.worker.delay = 0.3

    async def scenario() -> list[bool]:
        pool = WorkerPool(2)
        await pool.start()
        seen = [pool.quiet()]  # both idle
        first = asyncio.ensure_future(pool.run("derive", ("x",), 5))
        await asyncio.sleep(0.05)
        seen += [pool.quiet(), pool.quiet(spare=0)]  # one busy: the other is kept for the next visitor
        second = asyncio.ensure_future(pool.run("derive", ("y",), 5))
        third = asyncio.ensure_future(pool.run("derive", ("z",), 5))
        await asyncio.sleep(0.05)
        seen.append(pool.quiet(spare=0))  # both busy, one request in line
        await asyncio.gather(first, second, third)
        await asyncio.sleep(0.05)
        seen.append(pool.quiet())
        pool.close()
        return seen

    assert asyncio.run(scenario()) == [True, False, True, False, True]


def test_a_built_in_goes_ahead_of_the_losses_in_line(quick_workers):
    """With the worker busy, a built-in asked for (``first``) after two users' losses is answered
    before them: one derivation of it then serves every visitor, while a loss serves one."""
    quick_workers.worker.delay = 0.2

    async def scenario() -> list:
        pool = WorkerPool(1)
        await pool.start()
        busy = asyncio.ensure_future(pool.run("derive", ("busy",), 5))
        await asyncio.sleep(0.05)
        later = [asyncio.ensure_future(pool.run("derive", (loss,), 5)) for loss in ("x", "y")]
        await asyncio.sleep(0.05)
        built_in = asyncio.ensure_future(pool.run("show", ("ce",), 5, first=True))
        await asyncio.gather(busy, built_in, *later)
        pool.close()
        return [arguments[0] for _, arguments, _ in quick_workers.log]

    assert asyncio.run(scenario()) == ["busy", "ce", "x", "y"]


def test_the_built_ins_are_derived_ahead_only_while_the_pool_is_quiet(quick_workers):
    """The warm-up asks the pool before each built-in: while it is not quiet (here: until the test
    says so) visitors are served and no built-in is derived ahead; then each is, ``ce`` first, and
    one a visitor asked for already is not derived again."""
    class Watched(WorkerPool):
        allowed = threading.Event()

        def quiet(self, spare: int = 1) -> bool:
            return self.allowed.is_set() and super().quiet(spare)

    pool = Watched(2)
    with TestClient(create_app(pool, warm=True)) as client:
        visitors = [threading.Thread(target=lambda: client.get("/api/derive", params={"loss": "x^{2}", "wrt": "x"}))
                    for _ in range(6)]
        for visitor in visitors:
            visitor.start()
        for visitor in visitors:
            visitor.join(30)
        assert client.get("/api/show", params={"name": "log-derivative"}).json() == {"name": "log-derivative"}
        time.sleep(0.3)
        assert [entry[0] for entry in quick_workers.log].count("show") == 1  # the visitor's alone
        Watched.allowed.set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and [entry[0] for entry in quick_workers.log].count("show") < len(NAMES):
            time.sleep(0.05)
    shows = [arguments[0] for name, arguments, _ in quick_workers.log if name == "show"]
    assert shows == ["log-derivative", "ce", "bce", "dice-mle"]
    assert [entry[0] for entry in quick_workers.log].count("derive") == 6


def test_a_worker_loads_the_engine_before_its_first_task():
    """A worker told to stop before any task has loaded the engine all the same: the catalogue and the
    list of built-ins are read as it starts, not while its first visitor waits."""
    code = ("import sys; from multiprocessing import Pipe; from derive.serve.pool import worker_main; "
            "server, worker = Pipe(); server.send(None); worker_main(worker, 0, 1); "
            "print('derive.derivations.runner' in sys.modules, 'sympy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]
