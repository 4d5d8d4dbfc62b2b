"""``derive serve``: a web page where a student types a loss and reads its verified derivation.

Needs the ``serve`` extra (``pip install 'derive-steps[serve]'``: Starlette and uvicorn); the
command line imports this package only when ``derive serve`` runs, so ``derive --help`` stays instant.
"""
from __future__ import annotations

import socket
import sys


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int | None = None) -> None:
    """Serve the page and its API until interrupted, bound to ``host`` (this machine alone by default)."""
    try:
        import uvicorn

        from .app import create_app
    except ImportError as error:
        raise ImportError(f"derive serve needs the serve extra ({error.name} is missing): "
                          "pip install 'derive-steps[serve]'") from None
    from .pool import WorkerPool, default_workers
    listening = listen(host, port)  # before the workers start: a port in use is said at once, in one line
    app = create_app(WorkerPool(workers or default_workers()), warm=True)
    where = f"[{host}]" if ":" in host else host
    sys.stderr.write(f"derive serve: http://{where}:{listening.getsockname()[1]}/ (Ctrl+C stops it)\n")
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[listening])


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port``; an OSError naming both where the system refuses."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        listening = socket.socket(family, kind, protocol)
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(address)
    except OSError as error:
        raise OSError(error.errno, f"cannot listen on {host}:{port} ({error.strerror or error})") from None
    return listening
