"""What a worker process computes for the page: each task takes plain values (text, numbers) and
returns a JSON-ready dict, so that nothing but data crosses the pipe from the server.

The derivations come from the engine as the CLI gets them (:mod:`derive.api`, with the same input
limits and time limit); the formulas and words come from the existing printers (the JSON printer,
plus the verification words the HTML printer shows, and the LaTeX and Markdown printers for the
page's copy buttons): this module writes no formula of its own.
"""
from __future__ import annotations

import json
import math
import random
from typing import Any

from ..errors import DeriveError, ParseError

MAX_LATEX = 2000  # characters of a typed loss: a loss of the series is a line, not a page
MAX_POINTS = 200  # points of one plot
PLOT_RANGE = 1e6  # the plot's ends are numbers of at most this size


def prepare() -> None:
    """Load what every task uses (SymPy, the engine, the catalogue and the list of built-ins), as a
    worker starts: its first visitor then waits for the derivation alone."""
    from .. import api
    api.names()


def builtins() -> dict:
    """The built-in derivations' names and titles, in each language."""
    from .. import api
    from ..derivations import title
    from ..languages import codes
    return {lang: {"derivations": [{"name": name, "title": title(name, lang)} for name in api.names()]}
            for lang in codes()}


def show(name: str) -> dict:
    """One built-in derivation in each language, with its stable form and kernel source where it
    has them (every language at once: the derivation is the work, the printing is not)."""
    from .. import api
    from ..languages import codes
    if name not in api.names():
        raise ValueError(f"unknown derivation {name!r}: the list of built-ins names them")
    derivation = api.get(name)
    stable = [api.get(f"{name}-stable")] if f"{name}-stable" in api.names() else []
    source = _builtin_kernel_source(name)
    return {lang: {**_document(derivation, stable, lang), "kernel_source": source} for lang in codes()}


def derive(latex: str, wrt: list[str], order: int, lang: str) -> dict:
    """A user's loss differentiated ``order`` times by ``wrt`` (one variable, or one per derivative)."""
    from .. import api
    from ..piecewise import PiecewiseGradient
    from ..user_losses import stable_forms
    _check_text("the loss", latex, MAX_LATEX)
    for each in wrt:
        _check_text("the variable", each, 200)
    derivation = api.gradient(latex, wrt if len(wrt) > 1 else wrt[0], order=order)
    if isinstance(derivation, PiecewiseGradient):  # a loss with kinks: each piece's derivation, the cases, the kinks
        from ..printing.piecewise_text import latex_result, printed, result_text, sentences
        first, *rest = derivation.titled_pieces(lang)
        document = _document(first, rest, lang)
        document["pieces"], document["stable_forms"] = document["stable_forms"], []
        document["piecewise"] = {"result": result_text(derivation, lang), "latex": latex_result(derivation, lang),
                                 "kinks": sentences(derivation, lang)}
        document["latex"], document["markdown"] = printed(derivation, "latex", lang), printed(derivation, "markdown", lang)
        return document
    stable = list(stable_forms(derivation)) if order == 1 else []
    return _document(derivation, stable, lang)


def certificate(name: str | None, latex: str, wrt: list[str], order: int) -> dict:
    """The certificate of a built-in (``name``) or of a user's derivation, as ``derive --format
    certificate`` writes it: what ``derive verify`` re-checks with the small checker alone."""
    from .. import api
    from ..certificate import certificate as certificate_of
    if name is not None:
        if name not in api.names():
            raise ValueError(f"unknown derivation {name!r}: the list of built-ins names them")
        return certificate_of(api.get(name))
    _check_text("the loss", latex, MAX_LATEX)
    for each in wrt:
        _check_text("the variable", each, 200)
    return certificate_of(api.gradient(latex, wrt if len(wrt) > 1 else wrt[0], order=order))


def plot(latex: str, wrt: str, low: float, high: float, points: int) -> dict:
    """The loss and its derivative along ``wrt`` from ``low`` to ``high``, computed by the compiled
    kernel (Numba) at ``points`` points; every other input fixed at a random value in (0.05, 0.95)
    (seed 0), as the kernel's own check draws them.  Where a point is outside the loss's domain the
    kernel refuses it, and the plot has a gap (``None``) there."""
    from .. import api
    _check_text("the loss", latex, MAX_LATEX)
    _check_text("the variable", wrt, 200)
    _check_range(low, high, points)
    kernel = api.gradient(latex, wrt).compile()
    along = kernel.derivative_by
    if along is None:
        raise ValueError(f"the loss does not depend on {wrt}: nothing to plot along")
    name, position = along
    values, _ = kernel._random_inputs(random.Random(0))
    xs = [low + (high - low) * n / (points - 1) for n in range(points)]
    losses: list[float | None] = []
    gradients: list[float | None] = []
    for x in xs:
        at = dict(values)
        component = _set_component(at, name, position, x)
        try:
            loss, gradient = kernel.loss_and_grad(**at)
        except ValueError:  # outside the domain (log of a negative number, say): a gap in the curve
            losses.append(None)
            gradients.append(None)
            continue
        losses.append(_finite(float(loss)))
        gradients.append(_finite(_component(gradient, component)))
    return {"variable": wrt, "input": name, "x": xs, "loss": losses, "gradient": gradients,
            "kernel_source": kernel.source}


def plot_builtin(name: str, low: float, high: float, points: int) -> dict:
    """The loss of one sample and its derivative along the first component of the built-in's input
    (a logit or a probability), computed by the built-in's kernel: the target is the first class
    (1 for a binary loss), the other classes' inputs fixed (logits 0.5, -0.5; probabilities 0.3, 0.2)."""
    import numpy as np

    from ..kernels import load
    _check_range(low, high, points)
    try:
        kernel = load(name)
    except (ValueError, DeriveError):
        raise ValueError(f"{name!r} has no kernel to plot: the plot is drawn for a built-in loss with one "
                         "(ce, bce, ce-softmax, bce-sigmoid...) or a loss you type") from None
    xs = [low + (high - low) * n / (points - 1) for n in range(points)]
    losses: list[float | None] = []
    gradients: list[float | None] = []
    for x in xs:
        if kernel.categorical:
            inputs = np.array([[x, 0.5, -0.5] if kernel.variable == "z" else [x, 0.3, 0.2]])
            targets = np.array([0])
        else:
            inputs, targets = np.array([x]), np.array([1.0])
        try:
            loss, gradient = kernel.loss_and_grad(inputs, targets)
        except ValueError:  # outside the domain: a gap
            losses.append(None)
            gradients.append(None)
            continue
        losses.append(_finite(float(loss)))
        gradients.append(_finite(float(np.ravel(gradient)[0])))
    return {"variable": f"{kernel.variable}_1", "input": kernel.variable, "x": xs, "loss": losses,
            "gradient": gradients, "kernel_source": kernel.source}


def _check_range(low: float, high: float, points: int) -> None:
    if not (math.isfinite(low) and math.isfinite(high) and -PLOT_RANGE <= low < high <= PLOT_RANGE):
        raise ValueError(f"the plot's range must be two finite numbers, low < high, within ±{PLOT_RANGE:g}")
    if not 2 <= points <= MAX_POINTS:
        raise ValueError(f"the plot takes 2 to {MAX_POINTS} points, not {points}")


def _document(derivation, stable: list, lang: str) -> dict:
    from ..printing import render
    from .page_printer import PagePrinter
    document = json.loads(PagePrinter(lang=lang).doprint([derivation, *stable]))
    main, *forms = document["derivations"]
    return {"derivation": main, "stable_forms": forms,
            "latex": render("latex", [derivation], lang), "markdown": render("markdown", [derivation], lang)}


def _builtin_kernel_source(name: str) -> str | None:
    """The generated source of the built-in's Numba kernel, where it has one (ce, bce-sigmoid...)."""
    from ..kernels import load
    try:
        return load(name).source
    except (ValueError, DeriveError):
        return None


def _check_text(what: str, text: str, limit: int) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{what} must be text, not {type(text).__name__}")
    if not text.strip():
        raise ParseError(f"{what} is empty", 0)
    if len(text) > limit:
        raise ParseError(f"{what} has {len(text)} characters: at most {limit} are read", limit)


def _set_component(values: dict, name: str, position, x: float):
    """Put ``x`` into the input ``name`` (at ``position``, or at its first component where the
    derivative is by every component); the component the derivative is read at."""
    current = values[name]
    if not hasattr(current, "shape") or current.shape == ():
        values[name] = x
        return ()
    array = current.copy()
    component = position if position is not None else (0,) * array.ndim
    array[component] = x
    values[name] = array
    return component


def _component(gradient: Any, component) -> float | None:
    try:
        return float(gradient[component]) if component else float(gradient)
    except (TypeError, IndexError):
        return None


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
