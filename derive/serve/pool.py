"""Worker processes that run the derivations, one request at a time each, so that one hostile
input never blocks the server nor brings it down.

Each worker is a process of its own (started by ``spawn``: a fresh interpreter, not a fork of the
server's threads), its address space capped by ``RLIMIT_AS`` (set inside the worker, never in the
server), and answers one task at a time over a pipe.  The server waits for the answer in a thread,
with a wall-clock limit: a worker that overruns it is killed, one that dies (out of memory, killed
from outside) is found by its closed pipe; either way that request is answered with an error and a
fresh worker takes the dead one's place, while the others go on.  A worker is also replaced after
``max_tasks`` tasks, so that whatever one input left behind in its caches does not stay for ever.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

MIB = 1 << 20


class WorkerFailed(Exception):
    """The worker gave no answer: ``kind`` is "timeout" (killed at the wall-clock limit), "crash"
    (it died: out of memory, or killed) or "busy" (too many requests waiting)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class TaskError(Exception):
    """The task refused its input (the worker is fine): the engine's message, and the position in
    the typed text where it names one."""

    kind: str
    message: str
    position: int | None = None

    def __str__(self) -> str:
        return self.message


def worker_main(connection: Connection, memory_bytes: int, max_tasks: int) -> None:
    """A worker's whole life: cap its memory, load the engine, answer tasks until told to stop or
    until ``max_tasks`` are done."""
    for threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        # one derivation at a time: BLAS threads would only reserve address space (OpenBLAS a buffer
        # per core), which the cap counts, on a machine of many cores
        os.environ.setdefault(threads, "1")
    if memory_bytes:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    from . import tasks
    from ..errors import DeriveError, LimitExceeded, ParseError
    try:
        tasks.prepare()  # the engine loaded before the first request, not while a visitor waits for it
    except Exception:  # noqa: BLE001 - out of memory at load, say: each task then answers why itself
        pass
    for _ in range(max_tasks):
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        name, arguments = message
        try:
            answer: tuple = ("ok", getattr(tasks, name)(*arguments))
        except ParseError as error:
            answer = ("error", "parse", error.problem, error.position)
        except LimitExceeded as error:
            answer = ("error", "limit", str(error), None)
        except (DeriveError, ValueError, TypeError, RecursionError) as error:
            answer = ("error", "input", str(error) or type(error).__name__, None)
        except MemoryError:
            answer = ("error", "memory", "the derivation needed more memory than a worker is given", None)
        except Exception as error:  # noqa: BLE001 - one line for the page, the worker stays up
            answer = ("error", "internal", f"internal error: {type(error).__name__}: {error}", None)
        try:
            connection.send(answer)
        except (OSError, ValueError):
            return


class Worker:
    """One worker process and the server's end of its pipe."""

    def __init__(self, memory_bytes: int, max_tasks: int):
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=worker_main, args=(child, memory_bytes, max_tasks), daemon=True)
        self.process.start()
        child.close()
        self.tasks = 0

    def call(self, name: str, arguments: tuple, timeout: float) -> Any:
        """The task's answer; :class:`TaskError` where it refused the input, :class:`WorkerFailed`
        (the worker killed, or dead) where it gave none."""
        self.tasks += 1
        try:
            self.connection.send((name, arguments))
            if not self.connection.poll(timeout):
                self.kill()
                raise WorkerFailed("timeout", f"no answer within {timeout:g} s: the input takes too long")
            answer = self.connection.recv()
        except (EOFError, OSError, BrokenPipeError):
            self.kill()
            raise WorkerFailed("crash", "the worker running this input stopped (out of memory, or killed); "
                                        "a new one has taken its place") from None
        if answer[0] == "ok":
            return answer[1]
        _, kind, message, position = answer
        raise TaskError(kind, message, position)

    def alive(self) -> bool:
        return self.process.is_alive() and not self.connection.closed

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.connection.close()

    def stop(self) -> None:
        try:
            self.connection.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(2)
        self.kill()


class WorkerPool:
    """``workers`` processes; :meth:`run` gives a task to an idle one (waiting for one, with at most
    ``max_waiting`` requests in line) and returns its answer.  A task asked for ``first`` (a
    built-in: quick, and answered to every visitor from then on) goes ahead of the others in line."""

    def __init__(self, workers: int = 2, memory_mib: int = 3072, max_tasks: int = 500, max_waiting: int = 64):
        if not 1 <= workers <= 64:
            raise ValueError(f"workers must be 1..64, not {workers}")
        self.memory_bytes = memory_mib * MIB
        self.max_tasks = max_tasks
        self.max_waiting = max_waiting
        self.size = workers
        self.workers: list[Worker] = []
        self.replaced = 0
        self._lock = threading.Lock()
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="derive-serve-wait")
        self._idle: list[Worker] | None = None
        self._line: tuple[deque[asyncio.Future], deque[asyncio.Future]] = (deque(), deque())  # first, then the rest

    async def start(self) -> None:
        self._idle = []
        for _ in range(self.size):
            worker = Worker(self.memory_bytes, self.max_tasks)
            self.workers.append(worker)
            self._idle.append(worker)

    @property
    def _waiting(self) -> int:
        return sum(not waiter.done() for lane in self._line for waiter in lane)

    def quiet(self, spare: int = 1) -> bool:
        """Whether a worker is idle with nobody in line for one, and ``spare`` more idle besides:
        the moment for work nobody asked for yet (the built-ins derived ahead), which then never
        makes a visitor wait for a worker (:func:`derive.serve.app.create_app`)."""
        idle = len(self._idle) if self._idle is not None else 0
        return self._waiting == 0 and idle >= 1 + min(spare, self.size - 1)

    def pids(self) -> list[int]:
        return [w.process.pid for w in self.workers if w.process.pid is not None]

    async def run(self, name: str, arguments: tuple, timeout: float, first: bool = False) -> Any:
        if self._idle is None:
            await self.start()
        assert self._idle is not None  # for mypy: start() made it
        worker = await self._take(first)
        loop = asyncio.get_running_loop()

        def call_then_release() -> Any:
            """In a thread: the worker goes back to the idle ones (or a fresh one in its place) when
            it has answered, not when the request does, which a client gone away cancels early."""
            try:
                return worker.call(name, arguments, timeout)
            finally:
                done = worker if worker.alive() and worker.tasks < self.max_tasks else self._replace(worker)
                loop.call_soon_threadsafe(self._give, done)

        return await loop.run_in_executor(self._threads, call_then_release)

    async def _take(self, first: bool) -> Worker:
        """An idle worker, else one when its turn comes: those asked for ``first`` before the rest."""
        assert self._idle is not None  # for mypy: run() started the pool
        if self._idle and self._waiting == 0:
            return self._idle.pop(0)
        if self._waiting >= self.max_waiting:
            raise WorkerFailed("busy", f"{self._waiting} requests are waiting already: try again in a moment")
        waiter = asyncio.get_running_loop().create_future()
        self._line[0 if first else 1].append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # given a worker as it was cancelled: pass it on
                self._give(waiter.result())
            raise

    def _give(self, worker: Worker) -> None:
        """The worker to the first in line (the first lane before the other), else to the idle ones."""
        assert self._idle is not None  # for mypy: only a started pool gives workers back
        for lane in self._line:
            while lane:
                waiter = lane.popleft()
                if not waiter.done():
                    waiter.set_result(worker)
                    return
        self._idle.append(worker)

    def _replace(self, worker: Worker) -> Worker:
        worker.kill()
        fresh = Worker(self.memory_bytes, self.max_tasks)
        with self._lock:
            self.workers = [fresh if w is worker else w for w in self.workers]
            self.replaced += 1
        return fresh

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self._threads.shutdown(wait=False, cancel_futures=True)


def default_workers() -> int:
    """One worker per core, at least one, at most four: a derivation is one core's work."""
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))
