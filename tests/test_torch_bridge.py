"""derive.torch: a derived kernel as a PyTorch autograd function, and the digits example that
trains with it (both routes, NumPy and PyTorch, must agree)."""
import importlib.util
import sys

import numpy as np
import pytest
import sympy as sp

from derive.kernels import load
from tools import ROOT, require, require_torch

try:
    import torch

    import derive.torch as bridge
    import derive.torch_function as torch_function
    F = torch.nn.functional
except ImportError:  # the autouse fixture below skips, or fails under CI
    torch = bridge = torch_function = F = None


@pytest.fixture(autouse=True)
def _pytorch():
    require_torch()


@pytest.fixture(scope="module")
def cross_entropy():
    require_torch()
    return bridge.function(load("ce-softmax"))


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_through_the_bridge_is_pytorchs(cross_entropy, dtype, reduction):
    generator = torch.Generator().manual_seed(3)
    logits = (5 * torch.randn(64, 9, generator=generator)).to(dtype)
    labels = torch.randint(0, 9, (64,), generator=generator)
    outer = torch.rand(64, generator=generator).to(dtype)  # a weight per row: the backward pass must use it per row
    ours, theirs = logits.clone().requires_grad_(), logits.clone().requires_grad_()
    a, b = cross_entropy(ours, labels, reduction=reduction), F.cross_entropy(theirs, labels, reduction=reduction)
    ((a * outer).sum() if reduction == "none" else 3 * a).backward()
    ((b * outer).sum() if reduction == "none" else 3 * b).backward()
    tolerance = 1e-12 if dtype == torch.float64 else 2e-5
    assert a.dtype == dtype and a.shape == b.shape
    torch.testing.assert_close(a, b, rtol=tolerance, atol=tolerance)
    torch.testing.assert_close(ours.grad, theirs.grad, rtol=tolerance, atol=tolerance)


def test_binary_cross_entropy_through_the_bridge_is_pytorchs():
    bce = bridge.function(load("bce-sigmoid"))
    generator = torch.Generator().manual_seed(4)
    logits = (20 * torch.randn(200, generator=generator, dtype=torch.float64)).requires_grad_()
    targets = torch.rand(200, generator=generator, dtype=torch.float64)
    theirs = logits.detach().clone().requires_grad_()
    bce(logits, targets).backward()
    F.binary_cross_entropy_with_logits(theirs, targets).backward()
    torch.testing.assert_close(logits.grad, theirs.grad, rtol=1e-12, atol=1e-15)


def test_contiguous_input_is_read_in_place_and_no_gradient_is_kept_without_grad(cross_entropy):
    logits = torch.randn(8, 4, dtype=torch.float64)
    assert torch_function.as_array(logits, "input").__array_interface__["data"][0] == logits.data_ptr()
    with torch.no_grad():
        value = cross_entropy(logits, torch.zeros(8, dtype=torch.int64))
    assert not value.requires_grad
    assert float(value) == pytest.approx(float(F.cross_entropy(logits, torch.zeros(8, dtype=torch.int64))), rel=1e-14)


def test_bad_input_is_named(cross_entropy):
    with pytest.raises(TypeError, match="input must be a torch.Tensor"):
        cross_entropy(np.zeros((2, 3)), torch.zeros(2, dtype=torch.int64))
    with pytest.raises(ValueError, match="labels must be in 0..2"):
        cross_entropy(torch.zeros(2, 3, dtype=torch.float64), torch.tensor([0, 3]))
    with pytest.raises(TypeError, match="takes a derive kernel"):
        bridge.function(F.cross_entropy)


def _example():
    spec = importlib.util.spec_from_file_location("train_digits", ROOT / "examples" / "train_digits.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_digits_example_trains_and_both_routes_agree(tmp_path):
    require(importlib.util.find_spec("sklearn") is not None and importlib.util.find_spec("matplotlib") is not None,
            "scikit-learn and matplotlib (the test extra)")
    example = _example()
    data = example.digits()
    kernel = load("ce-softmax")
    numpy_run = example.train_numpy(kernel, data, epochs=12, lr=0.5)
    torch_run = example.train_torch(kernel, data, epochs=12, lr=0.5)
    assert numpy_run.losses[0] == pytest.approx(np.log(data.classes), rel=1e-12)  # zero weights: uniform
    assert numpy_run.losses[-1] < 0.5 * numpy_run.losses[0]
    assert numpy_run.accuracy > 0.9 and torch_run.accuracy == numpy_run.accuracy
    np.testing.assert_allclose(torch_run.losses, numpy_run.losses, rtol=1e-10)
    np.testing.assert_allclose(torch_run.weights, numpy_run.weights, rtol=1e-8, atol=1e-10)
    png = tmp_path / "curves.png"
    example.plot(numpy_run, torch_run, str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_pytorchs_options_pass_through_the_bridge(cross_entropy, reduction):
    generator = torch.Generator().manual_seed(8)
    logits = 4 * torch.randn(16, 5, 3, generator=generator, dtype=torch.float64)  # (N, C, d)
    labels = torch.randint(0, 5, (16, 3), generator=generator)
    labels[::3, 1] = -1  # ignored
    weight = torch.rand(5, generator=generator, dtype=torch.float64) + 0.5
    options = {"weight": weight, "ignore_index": -1, "label_smoothing": 0.2, "reduction": reduction}
    ours, theirs = logits.clone().requires_grad_(), logits.clone().requires_grad_()
    a, b = cross_entropy(ours, labels, **options), F.cross_entropy(theirs, labels, **options)
    outer = torch.rand(a.shape, generator=generator, dtype=torch.float64)
    (a * outer).sum().backward()
    (b * outer).sum().backward()
    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(ours.grad, theirs.grad, rtol=1e-12, atol=1e-14)


# A user's kernel: a binary cross-entropy with a weight w on the positives, written in LaTeX.
WEIGHTED_BCE = r"-\frac{1}{N}\sum_{i=1}^{N} \lbrack w t_i \log \sigma(z_i) + (1 - t_i) \log(1 - \sigma(z_i)) \rbrack"


@pytest.fixture(scope="module")
def weighted_bce():
    """The weighted BCE's kernels by each of its inputs: ``z_{j}``, ``t_{j}`` and ``w``."""
    require_torch()
    import derive
    return {by: bridge.function(derive.gradient(WEIGHTED_BCE, by).compile()) for by in ("z_{j}", "t_{j}", "w")}


def _weighted_bce_in_torch(z, t, w):
    return -(w * t * F.logsigmoid(z) + (1 - t) * F.logsigmoid(-z)).mean()


def _bce_inputs(seed):
    generator = torch.Generator().manual_seed(seed)
    z = 6 * torch.randn(40, generator=generator, dtype=torch.float64)
    t = torch.rand(40, generator=generator, dtype=torch.float64)
    return z, t, torch.tensor(1.7, dtype=torch.float64)


@pytest.mark.parametrize("by, name", [("z_{j}", "z"), ("t_{j}", "t"), ("w", "w")])
def test_user_kernel_through_the_bridge_is_torch_autograd(weighted_bce, by, name):
    """Only the input the kernel was derived by requires grad (for ``t_{j}``: only the target)."""
    ours, theirs = dict(zip("ztw", _bce_inputs(5))), dict(zip("ztw", _bce_inputs(5)))
    ours[name].requires_grad_(), theirs[name].requires_grad_()
    a, b = weighted_bce[by](**ours), _weighted_bce_in_torch(**theirs)
    (3 * a).backward()
    (3 * b).backward()
    assert a.dtype == torch.float64 and a.shape == b.shape == ()
    torch.testing.assert_close(a, b, rtol=1e-10, atol=0)
    torch.testing.assert_close(ours[name].grad, theirs[name].grad, rtol=1e-10, atol=1e-15)
    assert all(ours[other].grad is None for other in "ztw" if other != name)


def test_user_kernel_takes_numbers_and_float32(weighted_bce):
    z, t, _ = _bce_inputs(6)
    ours, theirs = z.float().requires_grad_(), z.float().requires_grad_()
    a, b = weighted_bce["z_{j}"](z=ours, t=t.float(), w=2.0), _weighted_bce_in_torch(theirs, t.float(), 2.0)
    a.backward()
    b.backward()
    assert a.dtype == ours.grad.dtype == torch.float32
    torch.testing.assert_close(a, b, rtol=1e-6, atol=0)
    torch.testing.assert_close(ours.grad, theirs.grad, rtol=1e-5, atol=1e-7)


def test_user_kernel_by_one_named_component_gives_the_whole_derivative():
    """A kernel derived by y_2 alone: the derivative by every component of y is derived for the
    bridge (the loss depends on the others too: a zero by them would be wrong)."""
    import derive
    mse = bridge.function(derive.gradient(r"\frac{1}{N}\sum_{i=1}^{N} (y_i - t_i)^2", "y_{2}").compile())
    generator = torch.Generator().manual_seed(7)
    y, t = torch.rand(6, generator=generator, dtype=torch.float64), torch.rand(6, generator=generator, dtype=torch.float64)
    ours, theirs = y.clone().requires_grad_(), y.clone().requires_grad_()
    mse(y=ours, t=t).backward()
    ((theirs - t) ** 2).mean().backward()
    assert (theirs.grad != 0).all()
    torch.testing.assert_close(ours.grad, theirs.grad, rtol=1e-12, atol=0)


@pytest.mark.parametrize("by", ["z_{j}", "t_{j}", "w"])
def test_every_input_of_a_user_kernel_that_requires_grad_gets_its_derived_derivative(weighted_bce, by):
    """Whatever the kernel was derived by, the derivative by each other input is derived when asked for."""
    ours, theirs = dict(zip("ztw", _bce_inputs(8))), dict(zip("ztw", _bce_inputs(8)))
    for name in "ztw":
        ours[name].requires_grad_(), theirs[name].requires_grad_()
    (2 * weighted_bce[by](**ours)).backward()
    (2 * _weighted_bce_in_torch(**theirs)).backward()
    for name in "ztw":
        torch.testing.assert_close(ours[name].grad, theirs[name].grad, rtol=1e-10, atol=1e-15)


def test_the_derivative_by_another_input_is_derived_once_per_kernel(weighted_bce):
    from derive.input_derivatives import derivative_kernel
    kernel = weighted_bce["z_{j}"].kernel
    assert derivative_kernel(kernel, "t") is derivative_kernel(kernel, "t")
    assert derivative_kernel(kernel, "t").derivative_by == ("t", None)
    with pytest.raises(ValueError, match="q requires grad, but derive could not derive .* q is none of them"):
        derivative_kernel(kernel, "q")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_probability_targets_of_cross_entropy_get_the_derived_derivative(cross_entropy, reduction):
    """By the targets: the built-in derivation up to where it uses that a row of targets sums to
    one, differentiated by t: -log softmax(z)/N, as autograd gives it (the derivative of the
    derived form after that step, -z/N, would differ by log Σ exp z per row)."""
    generator = torch.Generator().manual_seed(11)
    logits = 3 * torch.randn(6, 4, generator=generator, dtype=torch.float64)
    targets = torch.rand(6, 4, generator=generator, dtype=torch.float64)  # rows need not sum to one
    ours = [logits.clone().requires_grad_(), targets.clone().requires_grad_()]
    theirs = [logits.clone().requires_grad_(), targets.clone().requires_grad_()]
    a, b = cross_entropy(*ours, reduction=reduction), F.cross_entropy(*theirs, reduction=reduction)
    outer = torch.rand(a.shape, generator=generator, dtype=torch.float64)
    (a * outer).sum().backward()
    (b * outer).sum().backward()
    torch.testing.assert_close(a, b, rtol=1e-12, atol=0)
    for mine, torchs in zip(ours, theirs):
        torch.testing.assert_close(mine.grad, torchs.grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name, torchs", [("bce-sigmoid", "binary_cross_entropy_with_logits"),
                                          ("bce", "binary_cross_entropy")])
def test_targets_of_binary_cross_entropy_get_the_derived_derivative(name, torchs):
    f = bridge.function(load(name))
    generator = torch.Generator().manual_seed(12)
    inputs = 4 * torch.randn(30, generator=generator, dtype=torch.float64)
    if name == "bce":
        inputs = torch.sigmoid(inputs)
    targets = torch.rand(30, generator=generator, dtype=torch.float64)
    ours = [inputs.clone().requires_grad_(), targets.clone().requires_grad_()]
    theirs = [inputs.clone().requires_grad_(), targets.clone().requires_grad_()]
    (3 * f(*ours)).backward()
    (3 * getattr(F, torchs)(*theirs)).backward()
    for mine, torch_grad in zip(ours, theirs):
        torch.testing.assert_close(mine.grad, torch_grad.grad, rtol=1e-10, atol=1e-14)
    only_target = targets.clone().requires_grad_()  # only the target requires grad: no crash, its derivative
    f(inputs, only_target).backward()
    assert only_target.grad is not None and (only_target.grad != 0).all()


def test_a_target_that_cannot_have_the_derived_derivative_is_named(cross_entropy):
    probabilities = torch.softmax(torch.randn(4, 3, dtype=torch.float64), dim=1).requires_grad_()
    with pytest.raises(ValueError, match="target requires grad, but the derivative by the target is derived for "
                                         "probability targets without options, not with PyTorch's option weight"):
        cross_entropy(torch.randn(4, 3, dtype=torch.float64), probabilities, weight=torch.ones(3, dtype=torch.float64))
    with pytest.raises(ValueError, match="weight requires grad, but the derivation has no derivative by weight"):
        cross_entropy(torch.randn(4, 3, dtype=torch.float64), torch.zeros(4, dtype=torch.int64),
                      weight=torch.ones(3, dtype=torch.float64, requires_grad=True))
    with pytest.raises(RuntimeError, match="floating point"):  # integer labels: torch itself refuses
        torch.zeros(4, dtype=torch.int64).requires_grad_()
    z, t, w = _bce_inputs(8)
    with torch.no_grad():  # no derivative asked for: the loss alone
        value = bridge.function(load("bce-sigmoid"))(z.requires_grad_(), t.requires_grad_())
    assert not value.requires_grad


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_double_backward_of_cross_entropy_is_the_derived_hessian(cross_entropy, reduction):
    """The built-in's gradient derived again through the softmax (its Hessian applied to the
    incoming direction), against PyTorch's double backward; by the incoming gradient too."""
    generator = torch.Generator().manual_seed(22)
    logits = 3 * torch.randn(5, 4, generator=generator, dtype=torch.float64)
    labels = torch.tensor([0, 1, 3, 2, 1])
    scales = torch.rand(5, generator=generator, dtype=torch.float64) + 0.5
    weights = torch.randn(5, 4, generator=generator, dtype=torch.float64)
    results = []
    for loss in (cross_entropy, F.cross_entropy):
        leaf = logits.clone().requires_grad_()
        outer = (scales if reduction == "none" else scales[0]).clone().requires_grad_()
        (first,) = torch.autograd.grad(loss(leaf, labels, reduction=reduction), leaf, grad_outputs=outer,
                                       create_graph=True)
        results.append(torch.autograd.grad(((first * weights) ** 2).sum(), (leaf, outer)))
    for ours, theirs in zip(*results):
        assert (theirs != 0).any()
        torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["bce", "ce", "bce-sigmoid"])
def test_double_backward_of_a_binary_loss_or_of_probabilities_is_its_derived_hessian(name):
    f = bridge.function(load(name))
    generator = torch.Generator().manual_seed(23)
    if name == "bce-sigmoid":  # through the sigmoid, its derivative as the lemma gives it
        x, target, theirs = (4 * torch.randn(8, generator=generator, dtype=torch.float64),
                             torch.rand(8, generator=generator, dtype=torch.float64), F.binary_cross_entropy_with_logits)
    elif name == "bce":
        x, target, theirs = (torch.rand(6, generator=generator, dtype=torch.float64) * 0.8 + 0.1,
                             torch.rand(6, generator=generator, dtype=torch.float64), F.binary_cross_entropy)
    else:
        x, target = torch.softmax(torch.randn(5, 4, generator=generator, dtype=torch.float64), 1), torch.tensor([0, 1, 3, 2, 1])

        def theirs(p, t):
            return F.nll_loss(torch.log(p), t)
    results = []
    for loss in (f, theirs):
        leaf = x.clone().requires_grad_()
        (first,) = torch.autograd.grad(loss(leaf, target), leaf, create_graph=True)
        results.append(torch.autograd.grad((first ** 2).sum(), leaf)[0])
    assert (results[1] != 0).any()  # (-log y by y: zero off the label's class)
    torch.testing.assert_close(results[0], results[1], rtol=1e-10, atol=0)


def test_a_built_in_second_derivative_not_derived_is_a_clear_error(cross_entropy):
    probabilities = torch.softmax(torch.randn(4, 3, dtype=torch.float64), dim=1).requires_grad_()
    (first,) = torch.autograd.grad(cross_entropy(torch.randn(4, 3, dtype=torch.float64), probabilities),
                                   probabilities, create_graph=True)
    with pytest.raises(ValueError, match="the second derivative by target then target is not derived: a built-in "
                                         "kernel's second derivative is derived by its input twice"):
        torch.autograd.grad(first.sum(), probabilities)
    logits = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    (first,) = torch.autograd.grad(cross_entropy(logits, torch.tensor([0, 1, 2, 0]), label_smoothing=0.1), logits,
                                   create_graph=True)
    with pytest.raises(ValueError, match="derived without PyTorch's options, not with label_smoothing"):
        torch.autograd.grad(first.sum(), logits)


# A loss with a log, a power and a scalar weight: every pair of its inputs has a second derivative.
QUARTIC = r"\frac{1}{N}\sum_{i=1}^{N} \lbrack w (y_i - t_i)^4 - t_i \log(y_i) \rbrack"


def _second_derivatives(loss, inputs):
    """The derivatives by each input of a penalty on the first derivatives (create_graph=True):
    Hessian-vector products by every pair of inputs, and the derivative by the first derivatives."""
    leaves = [value.clone().requires_grad_() for value in inputs.values()]
    firsts = torch.autograd.grad(loss(**dict(zip(inputs, leaves))), leaves, create_graph=True)
    penalty = sum(((k + 1) * d ** 2).sum() for k, d in enumerate(firsts)) + 3 * firsts[0][1]
    return torch.autograd.grad(penalty, leaves)


def _formula_in_torch(derivation, size):
    """The loss as the user wrote it, evaluated by torch operations (tests/corpus_torch.py), a
    function of tensors by name: the reference independent of derive's kernels."""
    from corpus_torch import torch_value
    import derive.conventions as c
    rhs = derivation.steps[0].rhs
    bases = {str(base): base for base in rhs.atoms(sp.IndexedBase)}
    scalars = {str(symbol): symbol for symbol in rhs.free_symbols if isinstance(symbol, sp.Symbol)}

    def loss(**values):
        leaves = {}
        for name, value in values.items():
            if name in bases:
                leaves.update({bases[name][n + 1]: value[n] for n in range(size)})
            else:
                leaves[scalars[name]] = value
        return torch_value(torch, rhs, {c.N: sp.Integer(size)}, leaves)
    return loss


def test_double_backward_of_a_user_kernel_is_the_derived_second_derivative():
    """create_graph=True, then differentiate again: by every pair of y, t and w, the derived
    second derivative (the first derivative differentiated again, step by step), against torch
    autograd of the formula."""
    import derive
    derivation = derive.gradient(QUARTIC, "y_{j}")
    f = bridge.function(derivation.compile())
    generator = torch.Generator().manual_seed(21)
    inputs = {"y": torch.rand(6, generator=generator, dtype=torch.float64) + 0.2,
              "t": torch.rand(6, generator=generator, dtype=torch.float64),
              "w": torch.tensor(1.3, dtype=torch.float64)}
    ours, theirs = _second_derivatives(f, inputs), _second_derivatives(_formula_in_torch(derivation, 6), inputs)
    for mine, autograds in zip(ours, theirs):
        assert (autograds != 0).any()
        torch.testing.assert_close(mine, autograds, rtol=1e-10, atol=1e-13)
    leaf = inputs["y"].clone().requires_grad_()
    (first,) = torch.autograd.grad(f(y=leaf, t=inputs["t"], w=inputs["w"]), leaf, create_graph=True)
    (second,) = torch.autograd.grad((first ** 2).sum(), leaf, create_graph=True)
    with pytest.raises(ValueError, match="a third derivative of .* by y is not derived"):
        torch.autograd.grad(second.sum(), leaf)


def test_double_backward_through_a_sigmoid_loss(weighted_bce):
    import derive
    derivation = derive.gradient(WEIGHTED_BCE, "z_{j}")
    z, t, w = _bce_inputs(3)
    inputs = {"z": z[:6], "t": t[:6], "w": w}
    ours = _second_derivatives(bridge.function(derivation), inputs)
    theirs = _second_derivatives(_formula_in_torch(derivation, 6), inputs)
    for mine, autograds in zip(ours, theirs):
        torch.testing.assert_close(mine, autograds, rtol=1e-10, atol=1e-13)


def test_double_backward_of_the_weighted_bce_is_torchs_hessian(weighted_bce):
    z, t, w = _bce_inputs(3)
    leaf = z.clone().requires_grad_()
    (first,) = torch.autograd.grad(weighted_bce["z_{j}"](z=leaf, t=t, w=w), leaf, create_graph=True)
    (second,) = torch.autograd.grad((first ** 2).sum(), leaf)
    expected = torch.autograd.functional.hessian(lambda a: _weighted_bce_in_torch(a, t, w), z) @ (2 * first.detach())
    torch.testing.assert_close(second, expected, rtol=1e-10, atol=1e-13)


def test_user_kernel_errors_are_clear(weighted_bce, cross_entropy):
    z, t, w = _bce_inputs(9)
    f = weighted_bce["z_{j}"]
    with pytest.raises(TypeError, match=r"takes its inputs by name: t, z, w \(f\(t=..., z=..., w=...\)\)"):
        f(z, t, w)
    with pytest.raises(ValueError, match="z is on meta; derive's kernels run on the CPU: move it with .cpu()"):
        f(z=torch.zeros(40, dtype=torch.float64, device="meta"), t=t, w=w)
    with pytest.raises(ValueError, match="input is on meta; derive's kernels run on the CPU"):
        cross_entropy(torch.zeros(4, 3, device="meta"), torch.zeros(4, dtype=torch.int64))
    with pytest.raises(TypeError, match="t must be a torch.Tensor or a number, got ndarray"):
        f(z=z, t=t.numpy(), w=w)
    with pytest.raises(ValueError, match="z has 40 along N, another input has 39"):
        f(z=z.requires_grad_(), t=t[:39], w=w)
    bad = z.detach().clone()
    bad[3] = float("nan")
    with pytest.raises(ValueError, match=r"z contains NaN at index \(3,\)"):
        f(z=bad.requires_grad_(), t=t, w=w)
    with pytest.raises(ValueError, match="missing: w"):
        f(z=z, t=t)


def test_a_kernel_without_its_derivation_differentiates_its_stable_form():
    """A kernel compiled by derive.kernels directly (not Derivation.compile(), which notes its
    derivation): the derivative by t comes from the kernel's stable form; so does the one by z, whose
    stable form has max(z, 0) and |z|: differentiated piece by piece (derive.piecewise), it is
    autograd's, as is the Derivation's own."""
    import derive
    from derive.kernels import compile_derivation
    derivation = derive.gradient(WEIGHTED_BCE, "t_{j}")
    bare = bridge.function(compile_derivation(derivation))
    ours, theirs = dict(zip("ztw", _bce_inputs(10))), dict(zip("ztw", _bce_inputs(10)))
    ours["w"].requires_grad_(), theirs["w"].requires_grad_()
    bare(**ours).backward()
    _weighted_bce_in_torch(**theirs).backward()
    torch.testing.assert_close(ours["w"].grad, theirs["w"].grad, rtol=1e-10, atol=0)
    ours, theirs = dict(zip("ztw", _bce_inputs(10))), dict(zip("ztw", _bce_inputs(10)))
    ours["z"].requires_grad_(), theirs["z"].requires_grad_()
    bare(**ours).backward()
    _weighted_bce_in_torch(**theirs).backward()
    torch.testing.assert_close(ours["z"].grad, theirs["z"].grad, rtol=1e-10, atol=1e-15)
    ours["z"].grad, theirs["z"].grad = None, None
    bridge.function(derivation)(**ours).backward()
    _weighted_bce_in_torch(**theirs).backward()
    torch.testing.assert_close(ours["z"].grad, theirs["z"].grad, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_a_user_kernels_reduction_passes_through_to_every_derivative(weighted_bce, reduction):
    """The kernels by the other inputs are of the same loss: the same reduction of its samples."""
    ours, theirs = dict(zip("ztw", _bce_inputs(14))), dict(zip("ztw", _bce_inputs(14)))
    for name in "ztw":
        ours[name].requires_grad_(), theirs[name].requires_grad_()
    a = weighted_bce["z_{j}"](**ours, reduction=reduction)
    rows = -(theirs["w"] * theirs["t"] * F.logsigmoid(theirs["z"]) + (1 - theirs["t"]) * F.logsigmoid(-theirs["z"]))
    b = getattr(rows, reduction)()
    a.backward()
    b.backward()
    torch.testing.assert_close(a, b, rtol=1e-12, atol=0)
    for name in "ztw":
        torch.testing.assert_close(ours[name].grad, theirs[name].grad, rtol=1e-10, atol=1e-15)


def test_a_user_kernels_rows_are_a_loss_without_a_derivative(weighted_bce):
    z, t, w = _bce_inputs(15)
    rows = weighted_bce["z_{j}"](z=z, t=t, w=w, reduction="none")
    torch.testing.assert_close(rows, -(w * t * F.logsigmoid(z) + (1 - t) * F.logsigmoid(-z)), rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="z requires grad, but with reduction='none' the bridge holds the derivative "
                                         "of the rows' losses summed"):
        weighted_bce["z_{j}"](z=z.requires_grad_(), t=t, w=w, reduction="none")
