"""Softmax regression on scikit-learn's bundled digits, trained twice with derive's kernel.

Once in NumPy (the kernel's loss and gradient by the logits, then the chain rule of the linear layer
by hand: dW = Xᵀ G, db = Σᵢ Gᵢ), once in PyTorch through ``derive.torch`` (autograd does the
linear layer, the kernel the cross-entropy).  Both start from zero weights and take the same
full-batch gradient steps, so their loss curves agree to rounding.  Prints the test accuracy of
each and saves the two loss curves as a PNG.

    python examples/train_digits.py [--epochs 100] [--lr 0.5] [--png digits_loss.png]

Needs the extras: pip install '.[torch]' scikit-learn matplotlib
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np


@dataclass
class Data:
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: int


@dataclass
class Run:
    losses: list[float]
    accuracy: float
    weights: np.ndarray


def digits(seed: int = 0, test_share: float = 0.25) -> Data:
    """The 1797 8×8 digits, features standardised on the training part, split at random."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    cut = int(len(y) * (1 - test_share))
    train, test = order[:cut], order[cut:]
    mean, spread = X[train].mean(axis=0), X[train].std(axis=0) + 1e-8
    scale = lambda part: np.ascontiguousarray((X[part] - mean) / spread)  # noqa: E731
    return Data(scale(train), y[train].astype(np.int64), scale(test), y[test].astype(np.int64), int(y.max()) + 1)


def accuracy(W: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(X @ W + b, axis=1) == y))


def train_numpy(kernel, data: Data, epochs: int, lr: float) -> Run:
    """Gradient descent with the kernel's gradient by the logits, pushed through Z = XW + b by hand."""
    features = data.X_train.shape[1]
    W, b = np.zeros((features, data.classes)), np.zeros(data.classes)
    losses = []
    for _ in range(epochs):
        Z = data.X_train @ W + b
        loss, G = kernel.loss_and_grad(Z, data.y_train)  # mean cross-entropy and its gradient by Z
        W -= lr * (data.X_train.T @ G)
        b -= lr * G.sum(axis=0)
        losses.append(float(loss))
    return Run(losses, accuracy(W, b, data.X_test, data.y_test), np.vstack([W, b]))


def train_torch(kernel, data: Data, epochs: int, lr: float) -> Run:
    """The same steps in PyTorch: autograd through the linear layer, the kernel's gradient for the loss."""
    import torch

    import derive.torch

    cross_entropy = derive.torch.function(kernel)
    X, y = torch.from_numpy(data.X_train), torch.from_numpy(data.y_train)
    W = torch.zeros((X.shape[1], data.classes), dtype=torch.float64, requires_grad=True)
    b = torch.zeros(data.classes, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.SGD([W, b], lr=lr)
    losses = []
    for _ in range(epochs):
        optimiser.zero_grad()
        loss = cross_entropy(X @ W + b, y)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    Wn, bn = W.detach().numpy(), b.detach().numpy()
    return Run(losses, accuracy(Wn, bn, data.X_test, data.y_test), np.vstack([Wn, bn]))


def plot(numpy_run: Run, torch_run: Run, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.5), dpi=120)
    axes.plot(numpy_run.losses, label=f"NumPy + derive kernel (test accuracy {numpy_run.accuracy:.3f})", lw=2.5)
    axes.plot(torch_run.losses, "--", label=f"PyTorch + derive.torch (test accuracy {torch_run.accuracy:.3f})", lw=1.5)
    axes.set_xlabel("epoch (full batch)")
    axes.set_ylabel("mean cross-entropy")
    axes.set_yscale("log")
    axes.set_title("Softmax regression on the digits data set")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--png", default="digits_loss.png", help="where to save the loss curves")
    args = parser.parse_args()
    if args.epochs < 1 or not args.lr > 0:
        parser.error("--epochs must be at least 1 and --lr positive")

    from derive.kernels import load

    kernel = load("ce-softmax")
    data = digits()
    numpy_run = train_numpy(kernel, data, args.epochs, args.lr)
    torch_run = train_torch(kernel, data, args.epochs, args.lr)
    gap = max(abs(a - b) for a, b in zip(numpy_run.losses, torch_run.losses))
    print(f"{len(data.y_train)} training and {len(data.y_test)} test images, {data.classes} classes, {args.epochs} epochs")
    print(f"NumPy + derive kernel:   loss {numpy_run.losses[0]:.4f} -> {numpy_run.losses[-1]:.4f}, test accuracy {numpy_run.accuracy:.3f}")
    print(f"PyTorch + derive.torch:  loss {torch_run.losses[0]:.4f} -> {torch_run.losses[-1]:.4f}, test accuracy {torch_run.accuracy:.3f}")
    print(f"largest difference between the two loss curves: {gap:.1e}")
    plot(numpy_run, torch_run, args.png)
    print(f"loss curves: {args.png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
