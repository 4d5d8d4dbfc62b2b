"""derive behaves in its caller's process (issue 28, item 2): it installs no signal handler and no
timer, so a caller's own alarm fires when it is due, and a caller's exception from it reaches the
caller; its limits hold the same in the main thread, a ``threading.Thread`` and a thread pool.

The hard input is a softmax's entropy written in logits: it ran past 100 s off the main thread
(SymPy's ``cancel`` multiplying out a K = 7 difference), where the SIGALRM limit did not reach."""
import ast
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import derive
from derive.errors import LimitExceeded

from tools import ROOT

QUICK = ("x^2", "x")
BCE = (r"-\frac{1}{N}\sum_{i=1}^{N} \lbrack t_{i} \log \sigma(z_{i}) + (1-t_{i}) \log(1-\sigma(z_{i})) \rbrack", "z_{j}")
SOFTMAX = r"\frac{e^{z_{k}}}{\sum_{m=1}^{K} e^{z_{m}}}"
ENTROPY = (rf"-\sum_{{k=1}}^{{K}} {SOFTMAX} \log {SOFTMAX}", "z_{j}")


@pytest.fixture(autouse=True)
def checked_afresh():
    """The checker keeps its verdicts by the certificate's digest, so a gradient derived before in this
    process is checked at once; each test here times the work of one that is checked afresh."""
    from derive_checker.certificate import DONE
    DONE.clear()


@pytest.fixture(autouse=True)
def no_alarm_left():
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)


def test_no_module_of_derive_touches_signals_or_timers():
    """Read from the source: no module imports ``signal`` or makes a ``threading.Timer``."""
    offenders = []
    for path in sorted((ROOT / "derive").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name.split(".")[0] == "signal" for name in names):
                offenders.append(f"{path.relative_to(ROOT)} imports signal")
            if isinstance(node, ast.Attribute) and node.attr in ("Timer", "setitimer", "alarm"):
                offenders.append(f"{path.relative_to(ROOT)} uses {node.attr}")
    assert offenders == []


def test_a_gradient_leaves_the_callers_handler_and_timer_as_they_were():
    def callers_handler(signum, frame):
        pass
    signal.signal(signal.SIGALRM, callers_handler)
    signal.setitimer(signal.ITIMER_REAL, 1000)
    derive.gradient(*BCE)
    assert signal.getsignal(signal.SIGALRM) is callers_handler
    remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    assert 900 < remaining <= 1000  # the caller's own timer, still counting down


def test_a_callers_alarm_pending_across_a_quick_gradient_fires_when_due():
    derive.gradient(*QUICK)  # imports and caches: the timed call below is quick
    fired = []
    signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(time.monotonic()))
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    derive.gradient(*QUICK)
    assert fired == []  # not yet due, and not taken by derive
    deadline = time.monotonic() + 30
    while not fired and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(fired) == 1


def test_a_callers_alarm_due_during_a_gradient_fires_during_it():
    fired = []
    signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(time.monotonic()))
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    derive.gradient(*ENTROPY)  # seconds of work
    finished = time.monotonic()
    assert len(fired) == 1 and fired[0] < finished


class CallersTimeout(TimeoutError):
    """What a caller's own alarm handler raises to cut a call short."""


def test_a_callers_timeout_cuts_a_gradient_short_with_the_callers_exception():
    """The alarm fires at 10 ms and repeats every 0.2 s until the caller's exception arrives: a handler's exception is
    dropped by Python when the signal lands inside a garbage-collector callback (hypothesis installs
    one), which is the interpreter's doing, not derive's; derive must not swallow a later one."""
    armed = [True]

    def expire(signum, frame):
        if armed[0]:
            raise CallersTimeout("the caller's own limit")
    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, 0.01, 0.2)  # 10 ms: the entropy takes longer on any machine
    caught = None
    try:
        derive.gradient(*ENTROPY)  # derive's own limits do not stand in for the caller's
    except CallersTimeout as error:
        armed[0] = False
        caught = error
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
    assert isinstance(caught, CallersTimeout)


def _derive_in(run) -> BaseException | object:
    outcome = []

    def task():
        try:
            outcome.append(derive.gradient(*ENTROPY, time_limit=0.01))
        except BaseException as error:  # noqa: BLE001 - what the thread ended with is the finding
            outcome.append(error)
    run(task)
    assert len(outcome) == 1
    return outcome[0]


@pytest.mark.parametrize("where", ["main thread", "threading.Thread", "ThreadPoolExecutor"])
def test_the_time_limit_holds_in_any_thread(where):
    """The same input, the same caller's limit (10 ms, below what the entropy takes on any machine):
    stopped with the same named error wherever it runs; on main it ran past 100 s in a thread, which
    the SIGALRM limit never reached."""
    def in_a_thread(task):
        worker = threading.Thread(target=task)
        worker.start()
        worker.join(600)

    def in_a_pool(task):
        with ThreadPoolExecutor(max_workers=2) as pool:
            pool.submit(task).result(600)
    run = {"main thread": lambda task: task(), "threading.Thread": in_a_thread, "ThreadPoolExecutor": in_a_pool}[where]
    outcome = _derive_in(run)
    assert isinstance(outcome, LimitExceeded), outcome
    assert "deriving the gradient took longer than the caller's time limit of 0.01 s" in str(outcome)


def test_a_hard_input_in_a_thread_finishes_within_the_work_bounds():
    """Without a cut limit the entropy derives in a thread: what SymPy is asked to multiply out
    is bounded by size (derive.work), so no single call runs on for minutes."""
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(derive.gradient(*ENTROPY)))
    worker.start()
    worker.join(600)
    assert not worker.is_alive() and len(outcome) == 1
    assert outcome[0].result.rhs.has(derive.functions.softmax) or outcome[0].result.rhs.has(
        __import__("sympy").exp)


def test_limits_of_two_threads_are_their_own():
    """A limit opened in one thread is not seen by another (each context its own deadlines)."""
    from derive import input_limits
    seen = []
    with input_limits.time_limit(0.0, "the main thread's work"):
        worker = threading.Thread(target=lambda: (input_limits.checkpoint(), seen.append("no limit here")))
        worker.start()
        worker.join(60)
        with pytest.raises(LimitExceeded):
            input_limits.checkpoint()
    assert seen == ["no limit here"]
