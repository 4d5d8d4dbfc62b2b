"""The ASGI application of ``derive serve``: the page, its static files (KaTeX among them, served
from the package: nothing is fetched from elsewhere) and the JSON API the page calls.

The server process never imports SymPy nor evaluates what was typed: it checks the shape of each
request (lengths, numbers, a language it knows) and hands the text to a worker
(:mod:`.pool`), whose answer it passes on as JSON.  Every response carries a Content-Security-Policy
that allows no inline script and no source but this server.
"""
from __future__ import annotations

import asyncio
import math
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..languages import codes, page_words
from .pool import TaskError, WorkerFailed, WorkerPool

STATIC = Path(__file__).resolve().parent / "static"
MAX_ORDER = 4  # as derive grad --order; the engine refuses past it in its own words too
MAX_PARAMETER = 2000  # characters of one query parameter
TIMEOUTS = {"builtins": 60.0, "show": 120.0, "derive": 30.0, "plot": 60.0, "plot_builtin": 120.0,
            "certificate": 120.0}  # seconds a worker may take
QUIET_POLL = 0.05  # seconds between looks at the pool while the built-ins wait for a quiet moment
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
STATUS = {"parse": 400, "limit": 400, "input": 400, "memory": 413, "internal": 500,
          "timeout": 504, "crash": 503, "busy": 503}


class BadRequest(Exception):
    """A request whose parameters are missing or malformed, named: answered 400 before any worker runs."""

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.position = position


class SecurityHeaders(BaseHTTPMiddleware):
    """The CSP and its companions on every response."""

    async def dispatch(self, request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        return response


def create_app(pool: WorkerPool | None = None, timeouts: dict[str, float] | None = None,
               warm: bool = False) -> Starlette:
    """The application; ``pool``: the workers (one is made from the defaults where none is given),
    started with the application and stopped with it; ``warm``: derive the built-ins as it starts,
    ``ce`` first (the page opens on it), one at a time and only while the pool is quiet (a worker
    idle beside the one taking it, nobody in line): a visitor never waits behind that batch, and a
    built-in asked for before its turn is derived for that visitor at once, on any free worker."""
    workers = pool or WorkerPool()
    limits = {**TIMEOUTS, **(timeouts or {})}
    # A built-in (in every language) and the list of them are the same for every visitor: derived
    # once by a worker, then answered from here; visitors asking for one being derived wait for
    # that one derivation, not a worker each.
    shared: dict[tuple, asyncio.Future] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette):
        await workers.start()
        warming = asyncio.create_task(warm_up())
        try:
            yield
        finally:
            warming.cancel()
            workers.close()

    async def warm_up() -> None:
        if not warm:
            return
        try:
            names = [entry["name"] for entry in (await answer_of("builtins"))["en"]["derivations"]]
        except (TaskError, WorkerFailed):
            return  # a visitor asking for the list is told why
        for name in sorted(names, key=lambda name: name != "ce"):
            if ("show", name) in shared:  # a visitor asked for it first
                continue
            while not workers.quiet():
                await asyncio.sleep(QUIET_POLL)
            try:
                await answer_of("show", name)
            except (TaskError, WorkerFailed):
                pass  # a visitor asking for this one is told why

    async def answer_of(task: str, *arguments: Any) -> Any:
        if task not in ("show", "builtins"):  # a visitor's own text: derived for that request alone
            return await workers.run(task, arguments, limits[task])
        key = (task, *arguments)
        if key not in shared:  # a built-in goes ahead of the visitors' own losses in line: one derivation serves everyone
            future = asyncio.ensure_future(workers.run(task, arguments, limits[task], first=True))
            shared[key] = future
            future.add_done_callback(lambda done: forget_failure(key, done))
        return await asyncio.shield(shared[key])  # a visitor gone away does not cancel the others' answer

    def forget_failure(key: tuple, done: asyncio.Future) -> None:
        """Keep an answer; forget a failure (asked again, it is tried again)."""
        if done.cancelled() or done.exception() is not None:
            shared.pop(key, None)

    async def run(task: str, *arguments: Any, lang: str | None = None) -> JSONResponse:
        try:
            answer = await answer_of(task, *arguments)
        except TaskError as error:
            return failure(error.kind, error.message, error.position)
        except WorkerFailed as error:
            return failure(error.kind, str(error))
        return JSONResponse(answer if lang is None else answer[lang])

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    async def words(request: Request) -> Response:
        """The page's words in every language (rules/languages/*/page.toml), with each language's name."""
        return JSONResponse(page_words())

    async def builtins(request: Request) -> Response:
        return await run("builtins", lang=language_of(request))

    async def show(request: Request) -> Response:
        return await run("show", parameter(request, "name"), lang=language_of(request))

    async def derive(request: Request) -> Response:
        return await run("derive", parameter(request, "loss"), *variables_and_order(request), language_of(request))

    async def certificate(request: Request) -> Response:
        """The derivation's certificate, as a file to download and re-check with ``derive verify``."""
        if "name" in request.query_params:
            response = await run("certificate", parameter(request, "name"), "", [], 1)
        else:
            response = await run("certificate", None, parameter(request, "loss"), *variables_and_order(request))
        if response.status_code == 200:
            response.headers["Content-Disposition"] = 'attachment; filename="derive-certificate.json"'
        return response

    async def plot(request: Request) -> Response:
        low, high = number(request, "from", 0.02), number(request, "to", 0.98)
        if not low < high:
            raise BadRequest(f"the plot runs from a smaller number to a larger one, not from {low:g} to {high:g}")
        points = whole_number(request, "points", 61, 2, 200)
        if "name" in request.query_params:  # a built-in's kernel
            return await run("plot_builtin", parameter(request, "name"), low, high, points)
        return await run("plot", parameter(request, "loss"), parameter(request, "wrt"), low, high, points)

    async def bad_request(request: Request, error: Exception) -> Response:
        assert isinstance(error, BadRequest)  # for mypy: the handler is registered for BadRequest alone
        return failure("input", str(error), error.position)

    return Starlette(
        routes=[Route("/", index), Route("/api/words", words), Route("/api/builtins", builtins), Route("/api/show", show),
                Route("/api/derive", derive), Route("/api/plot", plot), Route("/api/certificate", certificate),
                Mount("/static", StaticFiles(directory=STATIC), name="static")],
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={BadRequest: bad_request, Exception: internal_error},
        lifespan=lifespan,
    )


async def internal_error(request: Request, error: Exception) -> Response:
    """A fault of the server itself, answered as JSON as the page reads every error (its details
    stay in the server's log)."""
    return failure("internal", f"internal error ({type(error).__name__}): the server's log has the details")


def variables_and_order(request: Request) -> tuple[list[str], int]:
    """The variables to differentiate by (``wrt``, once, or once per derivative) and the order."""
    wrt = [w for w in request.query_params.getlist("wrt") if w.strip()]
    if not wrt:
        raise BadRequest("name the variable to differentiate by (wrt)")
    order = whole_number(request, "order", 1, 1, MAX_ORDER)
    if len(wrt) not in (1, order):
        raise BadRequest(f"give one variable, or one per derivative ({order}), not {len(wrt)}")
    return [short(each, "wrt") for each in wrt], order


def failure(kind: str, message: str, position: int | None = None) -> JSONResponse:
    """An error as the page shows it beside the input: what went wrong and, for the typed text,
    the character where it did (counted from 0)."""
    return JSONResponse({"error": {"kind": kind, "message": message, "position": position}},
                        status_code=STATUS.get(kind, 400))


def short(text: str, name: str) -> str:
    if len(text) > MAX_PARAMETER:
        raise BadRequest(f"{name} has {len(text)} characters: at most {MAX_PARAMETER} are read", MAX_PARAMETER)
    return text


def parameter(request: Request, name: str) -> str:
    text = request.query_params.get(name)
    if text is None or not text.strip():
        raise BadRequest(f"the parameter {name} is missing or empty")
    return short(text, name)


def language_of(request: Request) -> str:
    lang = request.query_params.get("lang", "en")
    if lang not in codes():
        raise BadRequest(f"unknown language {lang[:20]!r}; known: {', '.join(codes())}")
    return lang


def whole_number(request: Request, name: str, default: int, low: int, high: int) -> int:
    text = request.query_params.get(name, str(default))
    if not text.isdigit() or not low <= int(text) <= high:
        raise BadRequest(f"{name} is a whole number from {low} to {high}, not {text[:20]!r}")
    return int(text)


def number(request: Request, name: str, default: float) -> float:
    text = request.query_params.get(name)
    if text is None:
        return default
    try:
        value = float(text[:40])
    except ValueError:
        raise BadRequest(f"{name} is a number, not {text[:20]!r}") from None
    if not math.isfinite(value) or abs(value) > 1e6:
        raise BadRequest(f"{name} is a finite number within ±1e6, not {text[:20]!r}")
    return value
