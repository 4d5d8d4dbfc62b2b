"""Load on ``derive serve``: concurrent clients sending a mix of built-ins, users' losses and hostile
inputs, as a class would.  Prints the requests, how each kind was answered, the errors (a request
with no answer, or a server error), and p50/p95 latency by kind.

    python benchmarks/serve_load.py                      # 8 clients, 400 requests, a server of its own
    python benchmarks/serve_load.py --url http://127.0.0.1:8000/   # against a running one

What is asserted lives in tests/test_serve_load.py (every request answered, the server up after);
the latency is measured here and reported, never asserted on (it depends on the machine's load).
"""
from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

BUILTINS = ["ce", "bce", "ce-softmax-grad", "bce-sigmoid-grad", "sigmoid-derivative", "ce-stable", "log-derivative",
            "dice-mle"]
LOSSES = [(r"-t\log y - (1-t)\log(1-y)", "y"), (r"x^{2} + 3x", "x"), (r"-\sum_{k} t_{k} \log y_{k}", "y_{k}"),
          (r"\log(1 + e^{-z})", "z"), (r"\frac{1}{2}(y - t)^{2}", "y")]
HOSTILE = [(r"x^{100000}", "x"), (r"10^{10^{10}} x", "x"), ("(" * 300 + "x" + ")" * 300, "x"),
           (r"\input{/etc/passwd}", "x"), (r"-t\log y", "<script>alert(1)</script>"), ("\\exp(" * 30 + "x" + ")" * 30, "x"),
           ("x+" * 1500 + "x", "x")]
KINDS = ("builtin", "user", "hostile")


def requests(count: int, seed: int = 0) -> list[tuple[str, str]]:
    """``count`` (kind, path) pairs: half built-ins, a third users' losses, the rest hostile, shuffled."""
    rng = random.Random(seed)
    made = []
    for n in range(count):
        kind = "builtin" if n % 6 < 3 else "user" if n % 6 < 5 else "hostile"
        lang = rng.choice(["en", "ja"])
        if kind == "builtin":
            query = {"name": rng.choice(BUILTINS), "lang": lang}
            made.append((kind, "api/show?" + urllib.parse.urlencode(query)))
            continue
        loss, wrt = rng.choice(LOSSES if kind == "user" else HOSTILE)
        made.append((kind, "api/derive?" + urllib.parse.urlencode({"loss": loss, "wrt": wrt, "lang": lang})))
    rng.shuffle(made)
    return made


def one(base: str, kind: str, path: str, timeout: float) -> dict:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(base + path, timeout=timeout) as response:
            status = response.status
            json.load(response)
    except urllib.error.HTTPError as error:  # an answer all the same: a refusal (4xx) or a server error (5xx)
        status = error.code
        try:
            json.load(error)
        except ValueError:  # not the API's JSON: a failure of the server, not an answer
            return {"kind": kind, "status": status, "seconds": time.perf_counter() - started, "problem": "not JSON"}
    except (OSError, ValueError) as error:
        return {"kind": kind, "status": None, "seconds": time.perf_counter() - started, "problem": str(error)}
    return {"kind": kind, "status": status, "seconds": time.perf_counter() - started}


def run_load(base: str, count: int, clients: int, timeout: float = 180.0) -> list[dict]:
    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(lambda pair: one(base, pair[0], pair[1], timeout), requests(count)))


def summary(results: list[dict]) -> dict:
    """Per kind: requests, answers by status, errors (no answer or a 5xx), p50 and p95 latency."""
    table = {}
    for kind in KINDS:
        mine = [r for r in results if r["kind"] == kind]
        seconds = sorted(r["seconds"] for r in mine)
        statuses: dict[str, int] = {}
        for r in mine:
            statuses[str(r["status"])] = statuses.get(str(r["status"]), 0) + 1
        table[kind] = {
            "requests": len(mine), "statuses": statuses,
            "errors": sum(1 for r in mine if r["status"] is None or (r["status"] >= 500 and r["status"] != 504)
                          or "problem" in r),
            "timeouts": sum(1 for r in mine if r["status"] == 504),
            "p50_s": statistics.median(seconds) if seconds else None,
            "p95_s": seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))] if seconds else None,
        }
    return table


def start_server(workers: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "derive", "serve", "--port", str(port), "--workers", str(workers)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"derive serve exited: {server.stderr.read() if server.stderr else ''}")
        try:
            with urllib.request.urlopen(base + "api/builtins", timeout=60) as response:
                if response.status == 200:
                    return server, base
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("derive serve did not start within 120 s")


def up(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "api/derive?loss=x%5E%7B2%7D&wrt=x", timeout=60) as response:
            return response.status == 200
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="the started server's workers")
    parser.add_argument("--cold", action="store_true",
                        help="start timing at once (default: first wait for the built-ins the server derives as it starts)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    server = None
    base = args.url
    if base is None:
        server, base = start_server(args.workers)
    base = base if base.endswith("/") else base + "/"
    try:
        warm_up = 0.0
        if not args.cold:  # the built-ins of the mix, each asked for once (the server derives them as it starts)
            started = time.perf_counter()
            for name in BUILTINS:
                one(base, "warm", "api/show?" + urllib.parse.urlencode({"name": name}), 600)
            warm_up = time.perf_counter() - started
        started = time.perf_counter()
        results = run_load(base, args.requests, args.clients)
        elapsed = time.perf_counter() - started
        still_up = up(base)
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
    table = summary(results)
    report = {"requests": len(results), "clients": args.clients, "seconds": elapsed, "server_up_after": still_up,
              "warm_up_seconds": warm_up, "timeouts": sum(t["timeouts"] for t in table.values()),
              "unanswered": sum(1 for r in results if r["status"] is None),
              "errors": sum(t["errors"] for t in table.values()), "by_kind": table}
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(f"{report['requests']} requests from {args.clients} clients in {elapsed:.1f} s "
          f"({'cold' if args.cold else f'after {warm_up:.1f} s waiting for the built-ins'}); "
          f"errors (no answer, or a 5xx other than 504): {report['errors']}; stopped at the time limit (504): "
          f"{report['timeouts']}; unanswered: {report['unanswered']}; server up after: {still_up}")
    print(f"{'kind':8s} {'requests':>8s} {'errors':>6s} {'504':>4s} {'p50 s':>7s} {'p95 s':>7s}  statuses")
    for kind, row in table.items():
        p50 = f"{row['p50_s']:.3f}" if row["p50_s"] is not None else "-"
        p95 = f"{row['p95_s']:.3f}" if row["p95_s"] is not None else "-"
        print(f"{kind:8s} {row['requests']:8d} {row['errors']:6d} {row['timeouts']:4d} {p50:>7s} {p95:>7s}  {row['statuses']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
