"""Second derivatives of the piecewise losses (issue 32, item 7: "second where every piece has
one"): each piece differentiated twice, every step verified; at a kink the second derivative exists
only where the first does and the one-sided second derivatives agree, and the result takes there
the value PyTorch's double backward takes for the loss written as the kinks' own operations
(torch.where of the cases as written, F.relu, torch.maximum, torch.abs), checked exactly on the kinks.

F.huber_loss's own double backward is not that: on |x − y| = δ it takes the outer side (0), where
torch.where of Huber's cases (|d| ≤ δ) takes the inner one (1/N); the test shows both."""
import random

import numpy as np
import pytest

import derive
from derive.errors import DeriveError
from test_piecewise_losses import CORPUS, DELTA, PIECEWISE, _derived, _points

BY = {"Huber loss": "x", "smooth L1 loss": "x", "hinge loss": "z", "squared hinge loss": "z",
      "pinball loss": "q", "epsilon-insensitive loss": "x"}


def _as_written(torch, name: str, t: dict, values: dict):
    """The loss as the corpus writes it, in the operations its kinks name."""
    F, d = torch.nn.functional, t.get("x", 0) - t.get("y", 0) if "x" in t else None
    return {
        "Huber loss": lambda: torch.where(d.abs() <= values["delta"], d ** 2 / 2,
                                          values["delta"] * (d.abs() - values["delta"] / 2)).mean(),
        "smooth L1 loss": lambda: torch.where(d.abs() < values["beta"], d ** 2 / (2 * values["beta"]),
                                              d.abs() - values["beta"] / 2).mean(),
        "hinge loss": lambda: F.relu(1 - t["y"] * t["z"]).mean(),
        "squared hinge loss": lambda: (F.relu(1 - t["y"] * t["z"]) ** 2).mean(),
        "pinball loss": lambda: torch.maximum(values["tau"] * (t["y"] - t["q"]), (values["tau"] - 1) * (t["y"] - t["q"])).mean(),
        "epsilon-insensitive loss": lambda: F.relu(torch.abs(t["y"] - t["x"]) - values["epsilon"]).mean(),
    }[name]()


def _second(torch, loss_of, name: str, values: dict) -> np.ndarray:
    """The diagonal of PyTorch's Hessian (each sample's term moves with its own component only)."""
    t = {k: torch.tensor(v, dtype=torch.float64) for k, v in values.items() if isinstance(v, list)}
    t[BY[name]].requires_grad_()
    (first,) = torch.autograd.grad(loss_of(t), t[BY[name]], create_graph=True)
    if not first.requires_grad:  # piecewise linear: the first derivative is constant on every piece
        return np.zeros(len(values[BY[name]]))
    (second,) = torch.autograd.grad(first.sum(), t[BY[name]], allow_unused=True)
    return np.zeros(len(values[BY[name]])) if second is None else second.numpy()


@pytest.fixture(scope="module", params=PIECEWISE)
def second(request):
    return request.param, derive.gradient(CORPUS[request.param]["latex"], CORPUS[request.param]["wrt"], order=2)


def test_every_piece_is_differentiated_twice_and_verified(second):
    _, gradient = second
    assert gradient.order == 2 and gradient.verified
    assert [check.method for check in gradient.cross_checks] == ["sympy.diff", "central difference"]


def test_the_second_derivative_equals_pytorch_s_double_backward_kinks_included(second):
    from tools import require_torch
    torch = require_torch()
    name, gradient = second
    for values in _points(name, random.Random(f"{name}:second")):
        reference = _second(torch, lambda t: _as_written(torch, name, t, values), name, values)
        np.testing.assert_allclose(_derived(gradient, values), reference, rtol=1e-12, atol=1e-12)


def test_where_the_first_derivative_does_not_exist_neither_does_the_second(second):
    name, gradient = second
    text = str(gradient)
    if name in ("hinge loss", "pinball loss", "epsilon-insensitive loss"):  # kinks in the first derivative
        assert gradient.kinks and all(not k.below_exists and not k.exists for k in gradient.kinks)
        assert "where the first does not" in text
    else:  # C¹ losses: the first derivative exists everywhere, its own derivative jumps at the kinks
        assert gradient.kinks and all(k.below_exists and not k.exists and k.sides[0] != k.sides[1] for k in gradient.kinks)
        assert "one-sided second derivatives" in text and "where the first does not" not in text


def test_f_huber_loss_s_own_double_backward_takes_the_other_side_on_the_kink():
    from tools import require_torch
    torch = require_torch()
    gradient = derive.hessian(CORPUS["Huber loss"]["latex"], CORPUS["Huber loss"]["wrt"])
    values = {"x": [0.5 + DELTA, 0.0], "y": [0.5, 0.0], "delta": DELTA}  # sample 1 on |x − y| = δ
    ours = _derived(gradient, values)
    where = _second(torch, lambda t: _as_written(torch, "Huber loss", t, values), "Huber loss", values)
    own = _second(torch, lambda t: torch.nn.functional.huber_loss(t["x"], t["y"], delta=DELTA), "Huber loss", values)
    assert ours[0] == where[0] == 0.5 and own[0] == 0.0  # 1/N (N = 2) inside, as torch.where; F.huber_loss: 0


def test_a_second_derivative_is_not_compiled_and_a_third_is_refused():
    gradient = derive.gradient(CORPUS["hinge loss"]["latex"], CORPUS["hinge loss"]["wrt"], order=2)
    with pytest.raises(DeriveError, match="compile the first derivative"):
        gradient.compile("numba")
    with pytest.raises(DeriveError, match="not differentiable everywhere"):
        derive.gradient(CORPUS["hinge loss"]["latex"], CORPUS["hinge loss"]["wrt"], order=3)
