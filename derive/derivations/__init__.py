"""The built-in derivations of the series and the gradients the engine adds, each declared in
``rules/derivations/*.toml`` (:mod:`.declarations`) and run by one runner (:mod:`.runner`), with a
stable name (``derive list``).

Each name is imported on first use: ``derive show NAME`` loads a shipped built-in (:mod:`.shipped`)
through :mod:`.registry` without importing the engine's search (:mod:`.runner`, :mod:`.gradients`)."""
from __future__ import annotations

from functools import partial
from importlib import import_module
from typing import Any

_EXPORTS = {"build": "runner", "get": "registry", "names": "registry", "register": "registry", "title": "registry",
            "gradient": "gradients", "with_link": "gradients"}
_BUILT = {"ce": "ce", "ce_one_sample": "ce-one-sample", "bce_bernoulli": "bce-bernoulli"}

__all__ = ["build", "get", "gradient", "names", "register", "title", "with_link", "ce", "ce_one_sample", "bce_bernoulli"]


def __getattr__(name: str) -> Any:
    if name in _BUILT:
        value: Any = partial(__getattr__("build"), _BUILT[name])
    elif name in _EXPORTS:
        value = getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
