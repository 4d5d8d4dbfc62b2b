"""The notes' figures, drawn with matplotlib from the compiled kernels, so the plotted numbers are
the checked ones: −log y, binary cross-entropy against the logit with its gradient, the softmax
of three classes along a line in logit space, and a training curve (softmax regression on a small
synthetic set by gradient descent with the cross-entropy kernel)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from .errors import DeriveError

SIZE = (4.2, 2.6)  # inches: half a page wide in the notes
COLOURS = ("#1f5fa8", "#c8501e", "#2e8b3e")


def _neg_log(axes) -> None:
    from .kernels import load

    y = np.linspace(0.004, 1.0, 400)
    rows = load("ce").loss(np.column_stack([y, 1.0 - y]), np.zeros(y.size, dtype=np.int64), reduction="none")
    axes.plot(y, rows, color=COLOURS[0])
    axes.set_xlabel("$y$ (probability of the labelled class)")
    axes.set_ylabel("$-\\log y$")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 5.5)


def _bce_logit(axes) -> None:
    from .kernels import load

    kernel = load("bce-sigmoid")
    z = np.linspace(-6.0, 6.0, 400)
    for colour, t in zip(COLOURS, (0.0, 1.0)):
        targets = np.full(z.size, t)
        loss, grad = kernel.loss_and_grad(z, targets, reduction="none")
        axes.plot(z, loss, color=colour, label=f"loss, $t = {t:g}$")
        axes.plot(z, grad, color=colour, linestyle="--", label=f"gradient, $t = {t:g}$")
    axes.axhline(0.0, color="0.6", linewidth=0.6)
    axes.set_xlabel("logit $z$")
    axes.legend(fontsize=7, frameon=False)


def _softmax_line(axes) -> None:
    from .kernels import load

    s = np.linspace(-6.0, 6.0, 400)
    Z = np.column_stack([s, np.zeros_like(s), -s / 2])
    labels = np.zeros(s.size, dtype=np.int64)
    gradient = load("ce-softmax").grad(Z, labels, reduction="sum")  # softmax minus the one-hot label
    probabilities = gradient + np.eye(3)[labels]
    for k in range(3):
        axes.plot(s, probabilities[:, k], color=COLOURS[k], label=f"$y_{k + 1}$")
    axes.set_xlabel("$s$, with $z = (s, 0, -s/2)$")
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


def _training(axes) -> None:
    losses = training_curve()
    axes.plot(np.arange(1, losses.size + 1), losses, color=COLOURS[0])
    axes.set_xlabel("epoch")
    axes.set_ylabel("mean cross-entropy")
    axes.set_ylim(0, None)


FIGURES: dict[str, Callable] = {"neg_log": _neg_log, "bce_logit": _bce_logit,
                                "softmax_line": _softmax_line, "training": _training}


def draw(names, folder: Path, fmt: str = "pdf") -> dict[str, Path]:
    """Each figure of ``names`` as ``folder/NAME.fmt`` (pdf for the notes, svg for HTML, png)."""
    try:
        import matplotlib
    except ImportError:
        raise DeriveError("the notes' figures need matplotlib: pip install 'derive[notes]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    with matplotlib.rc_context({"font.size": 8, "axes.spines.top": False, "axes.spines.right": False,
                                "svg.fonttype": "path", "pdf.fonttype": 42}):
        for name in names:
            figure, axes = plt.subplots(figsize=SIZE, layout="constrained")
            FIGURES[name](axes)
            path = folder / f"{name}.{fmt}"
            dated: dict[str, Any] = {"metadata": {"CreationDate": None}} if fmt == "pdf" else {}  # a PDF the same each time
            figure.savefig(path, **dated)
            plt.close(figure)
            written[name] = path
    return written


def start_drawing(names, folder: Path, fmt: str):
    """Draw the figures in a process of their own (a second core works while the caller derives);
    ``finish(started)`` waits and returns what :func:`draw` would."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "derive.figures", str(folder), fmt, *names]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), list(names), folder, fmt


def finish(started) -> dict[str, Path]:
    process, names, folder, fmt = started
    out, err = process.communicate()
    if process.returncode != 0:
        lines = err.strip().splitlines()
        raise DeriveError(lines[-1] if lines else f"drawing the figures failed ({process.returncode})")
    return {name: folder / f"{name}.{fmt}" for name in names}


def main(argv: list[str]) -> int:
    folder, fmt, *names = argv
    try:
        draw(names, Path(folder), fmt)
    except DeriveError as error:
        print(error, file=__import__("sys").stderr)
        return 2
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
