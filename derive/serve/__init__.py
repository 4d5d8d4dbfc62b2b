"""``derive serve``: a web page where a student types a loss and reads its verified derivation.

Needs the ``serve`` extra (``pip install 'derive-steps[serve]'``: Starlette and uvicorn); the
command line imports this package only when ``derive serve`` runs, so ``derive --help`` stays instant.
"""
from __future__ import annotations


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int | None = None) -> None:
    """Serve the page and its API until interrupted, bound to ``host`` (this machine alone by default)."""
    try:
        import uvicorn

        from .app import create_app
    except ImportError as error:
        raise ImportError(f"derive serve needs the serve extra ({error.name} is missing): "
                          "pip install 'derive-steps[serve]'") from None
    from .pool import WorkerPool, default_workers
    app = create_app(WorkerPool(workers or default_workers()), warm=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
