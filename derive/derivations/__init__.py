"""The built-in derivations of the series and the gradients the engine adds, each declared in
``rules/derivations/*.toml`` (:mod:`.declarations`) and run by one runner (:mod:`.runner`), with a
stable name (``derive list``)."""
from __future__ import annotations

from functools import partial

from .gradients import gradient, with_link
from .registry import get, names, register, title
from .runner import build

ce = partial(build, "ce")
ce_one_sample = partial(build, "ce-one-sample")
bce_bernoulli = partial(build, "bce-bernoulli")

__all__ = ["build", "get", "gradient", "names", "register", "title", "with_link", "ce", "ce_one_sample", "bce_bernoulli"]
