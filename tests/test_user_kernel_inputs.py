"""Issue 31, item 5: a user's kernel takes what its loss is defined at (an input is checked only for
what the kernel's verified expressions need, never by its name), prints every condition, compiles a
gradient by a named scalar, and takes ``reduction`` and batches a one-sample loss over rows, as
every backend does.  References: NumPy formulas written here, and PyTorch's own losses."""
from __future__ import annotations

import functools

import numpy as np
import pytest
import sympy as sp

import derive
from derive.kernels.user_printer import Emitter
from tools import require_torch


@functools.cache
def kernel(latex: str, wrt: str):
    return derive.gradient(latex, wrt).compile()


SQUARE = r"\frac{1}{2} (y - t)^{2}"
LOG = r"-\log y"
LOG_COMPLEMENT = r"-\log(1 - y)"
CE = r"-\sum_{k=1}^{K} t_{k} \log y_{k}"
MEAN_BCE_LOGITS = r"-\frac{1}{N}\sum_{i=1}^{N} \lbrack t_{i} \log \sigma(z_{i}) + (1 - t_{i}) \log(1 - \sigma(z_{i})) \rbrack"
SUM_SQUARES = r"\sum_{i=1}^{N} (y_{i} - t_{i})^{2}"
SOFTMAX_CE = r"-\sum_{k=1}^{K} t_{k} \log \operatorname{softmax}(z)_{k}"
LINEAR = r"\frac{1}{2} (w x - t)^{2}"


# --- domain: by what the kernel computes, never by a name ---------------------------------------

def test_y_only_in_a_square_takes_any_real_number():
    k = kernel(SQUARE, "y")
    assert k.loss(y=-3.0, t=1.0) == 0.5 * (-3.0 - 1.0) ** 2
    assert k.grad(y=-3.0, t=1.0) == -3.0 - 1.0
    assert k.requirements == []


def test_a_log_of_y_refuses_a_negative_y_naming_the_expression_and_the_value():
    with pytest.raises(ValueError, match=r"y must be positive \(the argument of a logarithm.*y = -3\.0"):
        kernel(LOG, "y").loss(y=-3.0)
    assert kernel(LOG, "y").loss(y=0.5) == pytest.approx(-np.log(0.5), rel=1e-15)


def test_a_log_of_one_minus_y_refuses_y_above_one():
    k = kernel(LOG_COMPLEMENT, "y")
    with pytest.raises(ValueError, match=r"1 - y must be positive.*y = 1\.5"):
        k.grad(y=1.5)
    assert k.loss(y=-3.0) == pytest.approx(-np.log(4.0), rel=1e-15)  # defined there: accepted


def test_the_error_names_the_component_and_the_entry_where_it_fails():
    k = kernel(CE, "y_{j}")
    with pytest.raises(ValueError, match=r"must be positive.*at k = 2: y\[1\] = -0\.1"):
        k.loss(y=np.array([0.2, -0.1, 0.5]), t=np.array([0.0, 1.0, 0.0]))


def test_a_weight_named_w_may_be_negative_where_no_log_needs_it():
    """The weights of a logistic regression: derive's conventions once made a w positive by its name."""
    k = kernel(r"-\frac{1}{N}\sum_{i=1}^{N} \lbrack t_{i} \log \sigma(w x_{i}) + (1 - t_{i}) \log(1 - \sigma(w x_{i})) \rbrack", "w")
    x, t, w = np.array([1.0, -2.0, 0.5]), np.array([1.0, 0.0, 1.0]), -0.75
    p = 1 / (1 + np.exp(-w * x))
    assert k.loss(x=x, t=t, w=w) == pytest.approx(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)), rel=1e-13)
    assert k.grad(x=x, t=t, w=w) == pytest.approx(np.mean((p - t) * x), rel=1e-13)


def test_a_divisor_must_be_nonzero_and_a_root_it_divides_by_positive():
    with pytest.raises(ValueError, match=r"s must be nonzero \(a divisor"):
        kernel(r"\frac{(y - t)^{2}}{s}", "y").grad(y=1.0, t=0.0, s=0.0)
    charbonnier = kernel(r"\sqrt{(y - t)^{2} + \epsilon^{2}}", "y")
    with pytest.raises(ValueError, match=r"must be positive \(the base of a root it divides by"):
        charbonnier.grad(y=1.0, t=1.0, epsilon=0.0)
    assert charbonnier.grad(y=1.0, t=1.0, epsilon=0.1) == 0.0


def test_a_batch_row_that_breaks_a_requirement_is_named():
    with pytest.raises(ValueError, match=r"1 - y must be positive.*in row 1 of the batch: y = 1\.0"):
        kernel(r"-(t \log y + (1 - t) \log(1 - y))", "y").loss(y=np.array([0.3, 1.0]), t=np.array([1.0, 0.0]))


# --- printing: every relational, And/Or, any Piecewise; a named scalar ------------------------------

def test_conditions_of_any_kind_print_as_python():
    x, y = sp.symbols("x y", real=True)
    cases = sp.Piecewise((x, sp.And(x > 0, y < 1)), (y, sp.Or(sp.Eq(x, -1), sp.Ne(y, 2), x <= -5)), (0, True))
    lines: list[str] = []
    printed = Emitter({}).expression(cases, lines, "")
    assert lines == []
    for vx, vy in [(1.0, 0.0), (1.0, 3.0), (-1.0, 2.0), (-2.0, 2.0), (-6.0, 2.0), (0.5, 2.0)]:
        namespace = {"v_x": vx, "v_y": vy, "math": __import__("math")}
        assert eval(printed, namespace) == float(cases.subs({x: vx, y: vy}))  # the generated code, run as Numba would


def test_a_binary_focal_loss_in_logits_compiles():
    """It failed with 'no code for GreaterThan: z[i] >= 0' (sp.cse takes the sigmoid's sign test out)."""
    torch = require_torch()
    k = kernel(r"-\frac{1}{N}\sum_{i=1}^{N} \lbrack t_{i} (1 - \sigma(z_{i}))^{2} \log \sigma(z_{i}) + (1 - t_{i}) \sigma(z_{i})^{2} \log(1 - \sigma(z_{i})) \rbrack", "z_{j}")
    z = torch.tensor([1.5, -2.0, 3.0, -0.1], dtype=torch.float64, requires_grad=True)
    t = torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=torch.float64)
    p = torch.sigmoid(z)
    loss = -(t * (1 - p) ** 2 * torch.log(p) + (1 - t) * p ** 2 * torch.log(1 - p)).mean()
    loss.backward()
    assert k.loss(z=z.detach().numpy(), t=t.numpy()) == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(k.grad(z=z.detach().numpy(), t=t.numpy()), z.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_a_gradient_by_a_subscripted_scalar_compiles():
    k = kernel(r"(w_{1} x - t)^{2}", "w_{1}")
    assert k.derivative_by == ("w_1", None) and "w_1" in k.inputs
    assert k.grad(w_1=0.5, x=2.0, t=3.0) == 2 * (0.5 * 2.0 - 3.0) * 2.0


def test_bce_of_a_logit_by_a_named_component_compiles():
    k = kernel(r"-(t \log \sigma(z_{2}) + (1 - t) \log(1 - \sigma(z_{2})))", "z_{2}")
    p = 1 / (1 + np.exp(-0.7))
    assert k.grad(t=1.0, z_2=0.7) == pytest.approx(p - 1.0, rel=1e-14)


# --- reduction over the samples ------------------------------------------------------------------

def _bce_rows(z, t):
    return np.maximum(z, 0) - t * z + np.log1p(np.exp(-np.abs(z)))


def test_a_mean_over_samples_reduces_by_its_rows():
    k = kernel(MEAN_BCE_LOGITS, "z_{j}")
    z, t = np.array([2.0, -1.0, 0.25, 40.0]), np.array([1.0, 0.0, 1.0, 0.0])
    rows, g = _bce_rows(z, t), 1 / (1 + np.exp(-z)) - t
    np.testing.assert_allclose(k.loss(z=z, t=t, reduction="none"), rows, rtol=1e-14)
    assert k.loss(z=z, t=t) == pytest.approx(rows.mean(), rel=1e-14)
    assert k.loss(z=z, t=t, reduction="mean") == k.loss(z=z, t=t)
    assert k.loss(z=z, t=t, reduction="sum") == pytest.approx(rows.sum(), rel=1e-14)
    np.testing.assert_allclose(k.grad(z=z, t=t, reduction="mean"), g / 4, rtol=1e-14)
    np.testing.assert_allclose(k.grad(z=z, t=t, reduction="sum"), g, rtol=1e-14)
    loss, gradient = k.loss_and_grad(z=z, t=t, reduction="none")  # the gradient of the sum, as torch's backward
    np.testing.assert_allclose(gradient, g, rtol=1e-14)
    assert loss.shape == (4,)


def test_a_sum_over_samples_reduces_too():
    k = kernel(SUM_SQUARES, "y_{j}")
    y, t = np.array([1.0, 2.0, -4.0]), np.array([0.5, 2.5, 0.0])
    assert k.loss(y=y, t=t) == k.loss(y=y, t=t, reduction="sum") == np.sum((y - t) ** 2)
    assert k.loss(y=y, t=t, reduction="mean") == pytest.approx(np.mean((y - t) ** 2), rel=1e-15)
    np.testing.assert_allclose(k.grad(y=y, t=t, reduction="mean"), 2 * (y - t) / 3, rtol=1e-15)
    with pytest.raises(ValueError, match="no sample"):
        k.loss(y=np.zeros(0), t=np.zeros(0), reduction="mean")
    assert k.loss(y=np.zeros(0), t=np.zeros(0), reduction="sum") == 0.0


def test_reduction_agrees_with_pytorch():
    torch = require_torch()
    k = kernel(MEAN_BCE_LOGITS, "z_{j}")
    rng = np.random.default_rng(5)
    z, t = rng.normal(size=6) * 4, rng.uniform(size=6)
    for reduction in ("mean", "sum", "none"):
        leaf = torch.tensor(z, requires_grad=True)
        expected = torch.nn.functional.binary_cross_entropy_with_logits(leaf, torch.tensor(t), reduction=reduction)
        expected.sum().backward()
        loss, gradient = k.loss_and_grad(z=z, t=t, reduction=reduction)
        np.testing.assert_allclose(loss, expected.detach().numpy(), rtol=1e-13)
        np.testing.assert_allclose(gradient, leaf.grad.numpy(), rtol=1e-13, atol=1e-16)


def test_a_one_sample_loss_at_its_own_shapes_takes_no_reduction():
    with pytest.raises(ValueError, match="reduction='sum' needs samples"):
        kernel(SQUARE, "y").loss(y=1.0, t=0.0, reduction="sum")
    with pytest.raises(ValueError, match="reduction must be None, 'mean', 'sum' or 'none'"):
        kernel(MEAN_BCE_LOGITS, "z_{j}").loss(z=np.zeros(2), t=np.zeros(2), reduction="average")


# --- batching a one-sample loss --------------------------------------------------------------------

def test_a_batch_of_softmax_cross_entropies_agrees_with_pytorch():
    torch = require_torch()
    k = kernel(SOFTMAX_CE, "z_{j}")
    rng = np.random.default_rng(1)
    z = rng.normal(size=(5, 3)) * 3
    t = np.eye(3)[[0, 2, 1, 1, 0]]
    for reduction in (None, "mean", "sum", "none"):
        leaf = torch.tensor(z, requires_grad=True)
        expected = torch.nn.functional.cross_entropy(leaf, torch.tensor(t), reduction=reduction or "mean")
        expected.sum().backward()
        loss, gradient = k.loss_and_grad(z=z, t=t, reduction=reduction)
        np.testing.assert_allclose(loss, expected.detach().numpy(), rtol=1e-13)
        assert gradient.shape == z.shape
        np.testing.assert_allclose(gradient, leaf.grad.numpy(), rtol=1e-13, atol=1e-16)
    one = k.loss(z=z[3], t=t[3])
    assert k.loss(z=z, t=t, reduction="none")[3] == one  # a row of the batch is that sample alone


def test_a_batched_observed_class_is_one_per_row():
    torch = require_torch()
    k = kernel(r"-\log \operatorname{softmax}(z)_{k}", "z_{j}")
    z, labels = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]), np.array([2, 3])
    expected = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(labels - 1), reduction="none")
    np.testing.assert_allclose(k.loss(z=z, k=labels, reduction="none"), expected.numpy(), rtol=1e-14)


def test_a_shared_scalar_gathers_every_row_and_a_batched_one_keeps_its_rows():
    k = kernel(LINEAR, "w")
    x, t = np.array([1.0, 2.0, -1.0]), np.array([0.0, 1.0, 1.0])
    per_row = (0.5 * x - t) * x
    assert k.grad(w=0.5, x=x, t=t) == pytest.approx(per_row.mean(), rel=1e-15)  # one w for every row
    assert k.grad(w=0.5, x=x, t=t, reduction="sum") == pytest.approx(per_row.sum(), rel=1e-15)
    batched = k.grad(w=np.full(3, 0.5), x=x, t=t, reduction="none")
    np.testing.assert_allclose(batched, per_row, rtol=1e-15)
    assert k.loss(w=0.5, x=2.0, t=1.0) == 0.0  # numbers alone: one sample


def test_a_batch_must_be_whole_and_of_one_length():
    with pytest.raises(ValueError, match="of the same length"):
        kernel(SOFTMAX_CE, "z_{j}").loss(z=np.zeros((2, 3)), t=np.zeros(3))
    with pytest.raises(ValueError, match="as many in every input"):
        kernel(LINEAR, "w").loss(w=0.5, x=np.zeros(3), t=np.zeros(2))
    with pytest.raises(ValueError, match="no row"):
        kernel(LINEAR, "w").loss(w=0.5, x=np.zeros(0), t=np.zeros(0))
    with pytest.raises(ValueError, match="sums over its samples"):
        kernel(MEAN_BCE_LOGITS, "z_{j}").loss(z=np.zeros((2, 3)), t=np.zeros((2, 3)))


def test_a_mean_over_no_sample_is_refused_and_a_sum_over_none_is_zero():
    k = kernel(MEAN_BCE_LOGITS, "z_{j}")
    empty = dict(z=np.zeros(0), t=np.zeros(0))
    for reduction in (None, "mean"):
        with pytest.raises(ValueError, match="no sample"):
            k.loss(reduction=reduction, **empty)
    loss, gradient = k.loss_and_grad(reduction="sum", **empty)
    assert loss == 0.0 and gradient.shape == (0,)
    assert k.loss(reduction="none", **empty).shape == (0,)
    by_w = kernel(r"\frac{1}{N}\sum_{i=1}^{N} (w x_{i} - t_{i})^{2}", "w")
    assert by_w.grad(reduction="sum", w=1.0, x=np.zeros(0), t=np.zeros(0)) == 0.0  # not the kernel's 0/0
