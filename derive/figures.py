"""The notes' figures, drawn with matplotlib from the compiled kernels, so the plotted numbers are
the checked ones: −log y, binary cross-entropy against the logit with its gradient, the softmax
of three classes along a line in logit space, and a training curve (softmax regression on a small
synthetic set by gradient descent with the cross-entropy kernel).  Their words are the language's
(``notes.toml``'s ``figures``), drawn in its font (``language.toml``'s ``notes.figure_font``)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from .errors import DeriveError
from .languages import language

SIZE = (4.2, 2.6)  # inches: half a page wide in the notes
COLOURS = ("#1f5fa8", "#c8501e", "#2e8b3e")


class Words:
    """The figures' words in one language: ``words(key, **values)``."""

    def __init__(self, lang: str):
        self.table = language(lang).tables["notes"]["figures"]

    def __call__(self, key: str, **values: str) -> str:
        text = str(self.table[key])
        return text.format(**values) if values else text


def _neg_log(axes, words: Words) -> None:
    from .kernels import load

    y = np.linspace(0.004, 1.0, 400)
    rows = load("ce").loss(np.column_stack([y, 1.0 - y]), np.zeros(y.size, dtype=np.int64), reduction="none")
    axes.plot(y, rows, color=COLOURS[0])
    axes.set_xlabel(words("neg_log_x"))
    axes.set_ylabel(words("neg_log_y"))
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 5.5)


def _bce_logit(axes, words: Words) -> None:
    from .kernels import load

    kernel = load("bce-sigmoid")
    z = np.linspace(-6.0, 6.0, 400)
    for colour, t in zip(COLOURS, (0.0, 1.0)):
        targets = np.full(z.size, t)
        loss, grad = kernel.loss_and_grad(z, targets, reduction="none")
        axes.plot(z, loss, color=colour, label=words("bce_logit_loss", t=f"{t:g}"))
        axes.plot(z, grad, color=colour, linestyle="--", label=words("bce_logit_gradient", t=f"{t:g}"))
    axes.axhline(0.0, color="0.6", linewidth=0.6)
    axes.set_xlabel(words("bce_logit_x"))
    axes.legend(fontsize=7, frameon=False)


def _softmax_line(axes, words: Words) -> None:
    from .kernels import load

    s = np.linspace(-6.0, 6.0, 400)
    Z = np.column_stack([s, np.zeros_like(s), -s / 2])
    labels = np.zeros(s.size, dtype=np.int64)
    gradient = load("ce-softmax").grad(Z, labels, reduction="sum")  # softmax minus the one-hot label
    probabilities = gradient + np.eye(3)[labels]
    for k in range(3):
        axes.plot(s, probabilities[:, k], color=COLOURS[k], label=f"$y_{k + 1}$")
    axes.set_xlabel(words("softmax_line_x"))
    axes.set_ylim(-0.02, 1.02)
    axes.legend(fontsize=7, frameon=False)


def training_curve(epochs: int = 60, seed: int = 0) -> np.ndarray:
    """Mean cross-entropy per epoch of softmax regression (with a bias) on three Gaussian blobs in
    the plane, full-batch gradient descent with the compiled kernel."""
    from .kernels import load

    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 2.0], [-1.8, -1.0], [1.8, -1.0]])
    labels = np.repeat(np.arange(3), 100)
    X = np.column_stack([centres[labels] + rng.normal(scale=1.0, size=(labels.size, 2)), np.ones(labels.size)])
    W = np.zeros((3, 3))
    kernel = load("ce-softmax")
    losses = []
    for _ in range(epochs):
        loss, G = kernel.loss_and_grad(X @ W, labels)
        W -= 0.5 * (X.T @ G)
        losses.append(loss)
    return np.array(losses)


def _training(axes, words: Words) -> None:
    losses = training_curve()
    axes.plot(np.arange(1, losses.size + 1), losses, color=COLOURS[0])
    axes.set_xlabel(words("training_x"))
    axes.set_ylabel(words("training_y"))
    axes.set_ylim(0, None)


FIGURES: dict[str, Callable] = {"neg_log": _neg_log, "bce_logit": _bce_logit,
                                "softmax_line": _softmax_line, "training": _training}


def require_drawing(lang: str) -> str:
    """What drawing the figures in ``lang`` needs is here: matplotlib, and the language's font
    (the Japanese words need one with their glyphs; matplotlib's own would draw empty boxes).
    Asked before any deriving, so a missing one is said at once.  Returns the font family, "" for
    matplotlib's own."""
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        raise DeriveError("the notes' figures need matplotlib: pip install 'derive-steps[notes]'")
    chosen = language(lang)
    family = str(chosen.setting("notes.figure_font"))
    if family:
        from matplotlib import font_manager

        if not _has_font(font_manager, family):
            _add_fonts_installed_since(font_manager)
            if not _has_font(font_manager, family):
                raise DeriveError(f"the {chosen.name} notes' figures need the font {family}: install "
                                  f"{chosen.setting('notes.figure_font_package')}")
    return family


def _has_font(font_manager, family: str) -> bool:
    try:
        font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    except ValueError:
        return False
    return True


def _add_fonts_installed_since(font_manager) -> None:
    """The system's fonts that matplotlib's cached list lacks (installed after it was written, as the
    error's own advice says to do), added to it: matplotlib reads its cache and never looks again."""
    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in known:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # a file matplotlib cannot read: as before, not there
                pass


def draw(names, folder: Path, fmt: str = "pdf", lang: str = "en") -> dict[str, Path]:
    """Each figure of ``names`` as ``folder/NAME.fmt`` (pdf for the notes, svg for HTML, png), its
    words in ``lang``."""
    family = require_drawing(lang)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    words = Words(lang)
    # the language's font for words (matplotlib's own stays for the mathematics)
    with matplotlib.rc_context({"font.size": 8, "axes.spines.top": False, "axes.spines.right": False,
                                "svg.fonttype": "path", "pdf.fonttype": 42}), \
            matplotlib.rc_context({"font.family": [family, *plt.rcParams["font.family"]]} if family else None):
        for name in names:
            figure, axes = plt.subplots(figsize=SIZE, layout="constrained")
            FIGURES[name](axes, words)
            path = folder / f"{name}.{fmt}"
            dated: dict[str, Any] = {"metadata": {"CreationDate": None}} if fmt == "pdf" else {}  # a PDF the same each time
            figure.savefig(path, **dated)
            plt.close(figure)
            written[name] = path
    return written


def start_drawing(names, folder: Path, fmt: str, lang: str = "en"):
    """Draw the figures in a process of their own (a second core works while the caller derives);
    ``finish(started)`` waits and returns what :func:`draw` would.  What drawing needs is checked
    here first (:func:`require_drawing`), so it is said before the caller's work, not after."""
    import subprocess
    import sys

    require_drawing(lang)
    command = [sys.executable, "-m", "derive.figures", str(folder), fmt, lang, *names]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), list(names), folder, fmt


def finish(started) -> dict[str, Path]:
    process, names, folder, fmt = started
    out, err = process.communicate()
    if process.returncode != 0:
        lines = err.strip().splitlines()
        raise DeriveError(lines[-1] if lines else f"drawing the figures failed ({process.returncode})")
    return {name: folder / f"{name}.{fmt}" for name in names}


def main(argv: list[str]) -> int:
    folder, fmt, lang, *names = argv
    try:
        draw(names, Path(folder), fmt, lang)
    except DeriveError as error:
        print(error, file=__import__("sys").stderr)
        return 2
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
