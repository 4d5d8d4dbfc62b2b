"""PyTorch's options on the cross-entropy kernel (weight, ignore_index, label_smoothing, reduction,
inputs (N, C, d₁, …)), compiled from the derivations ce-options-… and ce-soft-options-…: the same
numbers as F.cross_entropy over a grid of option combinations, and clear errors."""
import itertools

import numpy as np
import pytest
import sympy as sp

from derive import conventions as c
from derive.errors import CodegenError
from derive.kernels import load
from derive.kernels.codegen import mean_and_rows, per_sample_gradient
from tools import require_torch


@pytest.fixture(scope="module")
def kernel():
    return load("ce-softmax")


@pytest.fixture(scope="module")
def torch():
    return require_torch()


def _case(rng, dtype, spatial, soft, ignored, scale=20.0, classes=5, rows=37):
    shape = (rows, classes, 3) if spatial else (rows, classes)
    X = rng.normal(0, scale, shape).astype(dtype)
    if soft:
        T = rng.dirichlet(np.ones(classes), size=(rows, 3) if spatial else rows)
        T = np.ascontiguousarray(np.moveaxis(T, -1, 1)) if spatial else T
    else:
        T = rng.integers(0, classes, (rows, 3) if spatial else rows)
        if ignored:
            T[rng.random(T.shape) < 0.3] = -100
    return X, T


def _pytorch(torch, X, T, **options):
    F = torch.nn.functional
    weight = options.pop("weight", None)
    logits = torch.from_numpy(X.copy()).requires_grad_()
    loss = F.cross_entropy(logits, torch.from_numpy(T), weight=None if weight is None else torch.from_numpy(weight),
                           **options)
    (loss.sum() if options.get("reduction") == "none" else loss).backward()
    return loss.detach().numpy(), logits.grad.numpy()


GRID = [case for case in itertools.product(["mean", "sum", "none"], [False, True], [False, True], [0.0, 0.3, 1.0],
                                           [False, True], [False, True])
        if not (case[5] and case[2])]  # ignore_index applies to labels only


@pytest.mark.parametrize("reduction, weighted, ignored, smoothing, spatial, soft", GRID)
def test_options_give_pytorchs_numbers_in_float64(kernel, torch, reduction, weighted, ignored, smoothing, spatial, soft):
    rng = np.random.default_rng(hash((reduction, weighted, ignored, smoothing, spatial, soft)) % 2**32)
    X, T = _case(rng, np.float64, spatial, soft, ignored)
    options = {"reduction": reduction, "label_smoothing": smoothing}
    if weighted:
        options["weight"] = rng.uniform(0.1, 3.0, X.shape[1])
    loss, G = kernel.loss_and_grad(X, T, **options)
    expected_loss, expected_grad = _pytorch(torch, X, T, **options)
    assert np.shape(loss) == expected_loss.shape
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(G, expected_grad, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(kernel.loss(X, T, **options), expected_loss, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_options_in_float32_compute_in_float32_and_agree(kernel, torch, reduction):
    rng = np.random.default_rng(7)
    X, T = _case(rng, np.float32, False, False, True, classes=40, rows=300)
    options = {"reduction": reduction, "label_smoothing": 0.1, "weight": rng.uniform(0.5, 2.0, 40).astype(np.float32)}
    loss, G = kernel.loss_and_grad(X, T, **options)
    expected_loss, expected_grad = _pytorch(torch, X, T, **options)
    assert G.dtype == np.float32 and np.asarray(loss).dtype == np.float32
    np.testing.assert_allclose(loss, expected_loss, rtol=2e-5, atol=1e-5)
    np.testing.assert_allclose(G, expected_grad, rtol=2e-4, atol=1e-6)


@pytest.mark.parametrize("scale", [50.0, 1000.0])
def test_options_stay_finite_at_extreme_logits(kernel, torch, scale):
    rng = np.random.default_rng(11)
    X, T = _case(rng, np.float64, False, False, True, scale=scale, classes=7, rows=50)
    options = {"weight": rng.uniform(0.1, 3.0, 7), "label_smoothing": 0.2}
    loss, G = kernel.loss_and_grad(X, T, **options)
    expected_loss, expected_grad = _pytorch(torch, X, T, **options)
    assert np.isfinite(loss) and np.isfinite(G).all()
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-12)
    np.testing.assert_allclose(G, expected_grad, rtol=1e-12, atol=1e-14)


def test_ignored_samples_contribute_nothing(kernel):
    rng = np.random.default_rng(5)
    X, T = _case(rng, np.float64, False, False, False)
    T2 = T.copy()
    T2[::2] = 3  # ignore_index 3: a real class, named as the one to leave out
    rows = kernel.loss(X, T2, reduction="none", ignore_index=3)
    assert (rows[T2 == 3] == 0).all()
    G = kernel.grad(X, T2, reduction="sum", ignore_index=3)
    assert (G[T2 == 3] == 0).all() and (G[T2 != 3] != 0).any()
    kept = T2 != 3
    assert kernel.loss(X, T2, ignore_index=3) == pytest.approx(kernel.loss(X[kept], T2[kept]), rel=1e-13)


def test_bad_options_are_named(kernel):
    X, T = np.zeros((4, 3)), np.array([0, 1, 2, 0])
    with pytest.raises(ValueError, match="weight must be 3 numbers"):
        kernel.loss(X, T, weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="weight contains NaN at index 1"):
        kernel.loss(X, T, weight=[1.0, np.nan, 1.0])
    with pytest.raises(ValueError, match="label_smoothing must be a number from 0 to 1"):
        kernel.loss(X, T, label_smoothing=1.5)
    with pytest.raises(ValueError, match="ignore_index must be a whole number"):
        kernel.loss(X, T, ignore_index=0.5)
    with pytest.raises(ValueError, match="the mean divides by 0"):
        kernel.loss(X, np.full(4, -100))
    with pytest.raises(ValueError, match=r"labels must be in 0..2 for 3 classes; found -3"):
        kernel.loss(X, np.array([0, -3, -100, 1]))
    with pytest.raises(TypeError, match="unknown option 'pos_weight'"):
        kernel.loss(X, T, pos_weight=2.0)
    with pytest.raises(ValueError, match="targets for logits of shape"):
        kernel.loss(np.zeros((4, 3, 2)), np.zeros((4, 3), dtype=np.int64))
    with pytest.raises(TypeError, match="PyTorch.s options are for the losses of logits"):
        load("ce").loss(np.full((4, 3), 1 / 3), T, weight=np.ones(3))


def test_inputs_of_more_axes_name_their_problems_in_their_own_shape(kernel):
    """(N, C, d₁, …) inputs are computed as rows, but an error names the entry as the caller wrote
    it; a label out of range, or negative and not ignore_index, is refused as in two dimensions."""
    from derive.errors import KernelInputError

    X = np.zeros((3, 4, 2, 2))
    X[1, 2, 0, 1] = np.nan
    labels = np.zeros((3, 2, 2), dtype=np.int64)
    with pytest.raises(ValueError, match=r"logits contains NaN at index \(1, 2, 0, 1\)"):
        kernel.loss(X, labels)
    X[1, 2, 0, 1] = -np.inf
    with pytest.raises(ValueError, match=r"logits contains infinity at index \(1, 2, 0, 1\)"):
        kernel.loss_and_grad(X, labels, label_smoothing=0.1)
    for bad in (4, -5):
        labels[2, 1, 0] = bad
        with pytest.raises(KernelInputError, match=f"labels must be in 0..3 for 4 classes; found {bad}"):
            kernel.loss(np.zeros((3, 4, 2, 2)), labels)
    assert kernel.loss(np.zeros((3, 4, 2, 2)), labels, ignore_index=-5) == pytest.approx(np.log(4), rel=1e-12)


def test_a_loss_is_read_as_rows_over_the_mean_denominator():
    """The generator reads Σᵢ ℓᵢ / Σⱼ ωⱼ from the derived expression (whatever the denominator's
    index is named), and refuses a loss it cannot so read."""
    a, b = sp.IndexedBase("a"), sp.IndexedBase("b")
    j, N = c.j, c.N
    denominator = sp.Sum(b[j], (j, 1, N))
    loss = sp.Sum(a[c.i] ** 2, (c.i, 1, N)) / denominator - sp.Sum(a[c.i], (c.i, 1, N)) / denominator.xreplace({j: c.m})
    row, share, total = mean_and_rows(loss)
    assert sp.expand(row - (a[c.i] ** 2 - a[c.i])) == 0 and share == b[c.i]
    assert per_sample_gradient(2 * a[c.i] / denominator.xreplace({j: c.n}), total) == 2 * a[c.i]
    with pytest.raises(CodegenError, match="more than one total"):
        mean_and_rows(sp.Sum(a[c.i], (c.i, 1, N)) / denominator + sp.Sum(a[c.i], (c.i, 1, N)) / sp.Sum(a[j], (j, 1, N)))
    with pytest.raises(CodegenError, match="other than through dividing by it"):
        per_sample_gradient(a[c.i] / denominator + denominator, total)
    assert mean_and_rows(sp.Sum(a[c.i], (c.i, 1, N)) / N)[1:] == (1, N)


def test_the_options_kernel_is_generated_from_the_derivations(kernel):
    """The kernel's arguments are the arrays and scalars the derived formulas name, and its row
    weights are the derived denominator's terms (c_i w_label, with labels)."""
    kernel.loss(np.zeros((2, 3)), np.array([0, 1]), label_smoothing=0.1)
    source = kernel._options().source
    assert "def loss_and_grad_labels(X, T, out, G, scale, c, epsilon, w):" in source
    assert "def loss_and_grad_targets(X, T, out, G, scale, epsilon, w):" in source  # no mask: nothing is ignored
    assert "(c[i] * w[lab])" in source
    # every exponential is the shifted one, by the library-free exp: never e^z e^(-max) (which
    # overflows unless the compiler folds it back, and calls the library twice per entry)
    assert "math.exp(" not in source and "exp_nonpositive(((-1.0 * r0) + X[i, j]))" in source
    assert "ce-options-softmax-gradient-stable" in source.splitlines()[1] + source.splitlines()[0]
    # integer labels sum to one: the loss keeps its digits near 0 by log1p (a rule needing that
    # fact); target probabilities need not sum to one in PyTorch, so it does not apply to them
    labels, targets = (source.split(f"def loss_{kind}(")[1].split("\n\n\n")[0] for kind in ("labels", "targets"))
    assert "math.log1p(" in labels and "math.log1p(" not in targets


def test_the_pass_taking_the_row_maximum_takes_nothing_else(kernel):
    """The class pass with ``max`` cannot vectorise (NaN's semantics), so a sum in it is a serial
    chain: the smoothing's sums over the classes are taken in the next pass, every kernel of the
    options module, float64 and float32 (codegen._sums_after_maxima).  Their numbers: the grid above."""
    kernel.loss(np.zeros((2, 3)), np.array([0, 1]), label_smoothing=0.1)
    lines = kernel._options().source.splitlines()
    passes = 0
    for number, line in enumerate(lines):
        if "= max(r0," not in line:
            continue
        depth = len(line) - len(line.lstrip())
        start = number
        while len(lines[start - 1]) - len(lines[start - 1].lstrip()) == depth:
            start -= 1
        end = number
        while end + 1 < len(lines) and len(lines[end + 1]) - len(lines[end + 1].lstrip()) == depth:
            end += 1
        body = [text.strip() for text in lines[start:end + 1]]
        assert all(text.startswith(("nonfinite += X[i, j] - X[i, j]", "r0 = max(r0, X[i, j])")) for text in body), body
        passes += 1
    assert passes >= 8  # loss and loss_and_grad, labels and targets, float64 and float32


# ----- binary cross-entropy: F.binary_cross_entropy_with_logits(input, target, weight, pos_weight=...) -----
WEIGHTS = {"none": lambda rng, shape: None, "entry": lambda rng, shape: rng.uniform(0.1, 3.0, shape),
           "label": lambda rng, shape: rng.uniform(0.1, 3.0, shape[-1:]),
           "sample": lambda rng, shape: rng.uniform(0.1, 3.0, shape[:1] + (1,) * (len(shape) - 1))}
BINARY_GRID = list(itertools.product(["mean", "sum", "none"], [(40,), (30, 4), (6, 5, 3)], list(WEIGHTS), [False, True]))


def _binary_pytorch(torch, X, T, **options):
    F = torch.nn.functional
    logits = torch.from_numpy(X.copy()).requires_grad_()
    tensors = {name: torch.from_numpy(np.asarray(value)) for name, value in options.items() if name != "reduction"}
    loss = F.binary_cross_entropy_with_logits(logits, torch.from_numpy(T), reduction=options.get("reduction", "mean"),
                                              **tensors)
    (loss.sum() if options.get("reduction") == "none" else loss).backward()
    return loss.detach().numpy(), logits.grad.numpy()


@pytest.fixture(scope="module")
def binary():
    return load("bce-sigmoid")


@pytest.mark.parametrize("reduction, shape, weighted, positive", BINARY_GRID)
def test_binary_options_give_pytorchs_numbers_in_float64(binary, torch, reduction, shape, weighted, positive):
    rng = np.random.default_rng(hash((reduction, shape, weighted, positive)) % 2**32)
    X, T = rng.normal(0, 20, shape), rng.random(shape)
    options = {"reduction": reduction}
    if WEIGHTS[weighted](rng, shape) is not None:
        options["weight"] = WEIGHTS[weighted](rng, shape)
    if positive:
        options["pos_weight"] = rng.uniform(0.5, 4.0, shape[-1:])  # one per label (per entry for (N,))
    loss, G = binary.loss_and_grad(X, T, **options)
    expected_loss, expected_grad = _binary_pytorch(torch, X, T, **options)
    assert np.shape(loss) == expected_loss.shape and G.shape == X.shape
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(G, expected_grad, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(binary.loss(X, T, **options), expected_loss, rtol=1e-12, atol=1e-12)


def test_binary_options_at_extreme_logits_and_targets(binary, torch):
    """Logits of ±50 and ±1000, targets 1e-12 from 0 and 1: finite and PyTorch's to 1e-12."""
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.choice([-50.0, 50.0, -1000.0, 1000.0], (8, 6)), rng.normal(0, 5, (8, 6))])
    T = np.concatenate([rng.choice([1e-12, 1 - 1e-12, 0.0, 1.0], (8, 6)), rng.random((8, 6))])
    options = {"weight": rng.uniform(0.1, 3.0, 6), "pos_weight": rng.uniform(0.5, 4.0, 6)}
    loss, G = binary.loss_and_grad(X, T, **options)
    expected_loss, expected_grad = _binary_pytorch(torch, X, T, **options)
    assert np.isfinite(loss) and np.isfinite(G).all()
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-12)
    np.testing.assert_allclose(G, expected_grad, rtol=1e-12, atol=1e-16)


def test_binary_options_in_float32(binary, torch):
    rng = np.random.default_rng(9)
    X, T = rng.normal(0, 5, (200, 7)).astype(np.float32), rng.random((200, 7)).astype(np.float32)
    options = {"pos_weight": rng.uniform(0.5, 4.0, 7).astype(np.float32), "reduction": "none"}
    loss, G = binary.loss_and_grad(X, T, **options)
    expected_loss, expected_grad = _binary_pytorch(torch, X, T, **options)
    assert loss.dtype == np.float32 and G.dtype == np.float32
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(G, expected_grad, rtol=1e-5, atol=1e-6)


def test_the_binary_options_gradient_reuses_the_stored_exponential(binary):
    """e^{min(z, 0)} and e^{min(-z, 0)} in the gradient are 1 or the e^{-|z|} the loss pass stored
    (source_printer.shared_exponentials, as in the bce-sigmoid kernel): no exponential of its own,
    the same floats (e^0 is exactly 1, and min(z, 0) = -|z| for z < 0)."""
    binary.loss(np.zeros((2, 3)), np.full((2, 3), 0.5), pos_weight=np.ones(3))
    source = binary._options().source
    gradient = source.split("def loss_and_grad_targets(")[1].split("\n\n\n")[0]
    assert gradient.count("exp_nonpositive(") == 1 and "row[j] = " in gradient and "else row[j])" in gradient


def test_bad_binary_options_are_named(binary):
    X, T = np.zeros((4, 3)), np.full((4, 3), 0.5)
    with pytest.raises(ValueError, match=r"pos_weight must be broadcastable to the logits' shape \(4, 3\); got shape \(2,\)"):
        binary.loss(X, T, pos_weight=[1.0, 2.0])
    with pytest.raises(ValueError, match="weight contains NaN"):
        binary.loss(X, T, weight=[1.0, np.nan, 1.0])
    with pytest.raises(ValueError, match="targets must be numbers of the logits' shape"):
        binary.loss(X, np.full((4,), 0.5), weight=np.ones(3))
    with pytest.raises(ValueError, match="targets must lie in"):
        binary.loss(X, np.full((4, 3), 1.5))
    with pytest.raises(TypeError, match="unknown option 'label_smoothing' for bce-sigmoid"):
        binary.loss(X, T, label_smoothing=0.1)
    with pytest.raises(ValueError, match="logits contains NaN"):
        binary.loss(np.where(np.eye(4, 3) > 0, np.nan, 0.0), T, reduction="none")


# ----- issue 31, item 6: PyTorch parity --------------------------------------------------------
def _exact(function, *arguments):
    import mpmath

    with mpmath.workdps(60):
        return float(function(*[mpmath.mpf(a) for a in arguments]))


def test_a_tiny_cross_entropy_with_options_keeps_its_digits(kernel):
    """The label's logit ahead by 20: log(1 + 2e^-20), 4.1e-9, to its last digits (the options
    kernel once summed every class and took the label's term off: 7 digits left; PyTorch's own
    log-sum-exp keeps 8)."""
    import mpmath

    X, T = np.array([[20.0, 0.0, 0.0], [0.0, 36.0, 0.0]]), np.array([0, 1])
    exact = [_exact(lambda a: mpmath.log1p(2 * mpmath.exp(-a)), a) for a in (20, 36)]
    for options in ({"weight": np.ones(3)}, {"weight": np.array([0.5, 2.0, 1.0])}, {"ignore_index": 2}):
        rows = kernel.loss(X, T, reduction="none", **options)
        weights = options.get("weight", np.ones(3))[T]
        np.testing.assert_allclose(rows, weights * np.array(exact), rtol=4e-16)
    np.testing.assert_allclose(kernel.loss(X, T, reduction="none"), exact, rtol=4e-16)  # the plain kernel, as before


@pytest.mark.parametrize("z", [20.0, 36.0, 50.0, 700.0])
def test_a_tiny_binary_loss_with_options_keeps_its_digits(binary, z):
    """BCE with logits at z, t = 1 is log(1 + e^-z): kept to its last digit with options (at z = 20
    it kept 6 digits and from z = 36 it was 0, the compiler having regrouped 1 - t), and at -z, t = 0."""
    import mpmath

    exact = _exact(lambda a: mpmath.log1p(mpmath.exp(-a)), z)
    for options in ({"weight": np.ones((2, 1))}, {"pos_weight": np.ones(1)},
                    {"weight": np.full((2, 1), 3.0), "pos_weight": np.full(1, 2.0)}):
        scale = options.get("weight", np.ones((2, 1)))[0, 0]
        Z, T = np.array([[z], [-z]]), np.array([[1.0], [0.0]])
        loss = binary.loss(Z, T, reduction="none", **options)
        np.testing.assert_allclose(loss[:, 0], scale * exact * np.array([options.get("pos_weight", [1.0])[0], 1.0]), rtol=4e-16)
        assert binary.loss(Z, T, reduction="sum", **options) > 0


def test_ignore_index_with_target_probabilities_is_refused_as_pytorch_refuses(kernel, torch):
    X = np.zeros((2, 3))
    P = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    with pytest.raises(RuntimeError):
        torch.nn.functional.cross_entropy(torch.tensor(X), torch.tensor(P), ignore_index=1)
    with pytest.raises(ValueError, match="ignore_index 1 names a class"):
        kernel.loss(X, P, ignore_index=1)
    # a negative ignore_index is no class: PyTorch computes, and so does derive
    assert kernel.loss(X, P, ignore_index=-1) == pytest.approx(
        torch.nn.functional.cross_entropy(torch.tensor(X), torch.tensor(P), ignore_index=-1).item(), rel=1e-15)


@pytest.mark.parametrize("options", [{}, {"weight": np.array([0.5, 1.0, 2.0])}, {"label_smoothing": 0.2}])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_one_sample_unbatched_as_pytorch_takes_it(kernel, torch, options, reduction):
    rng = np.random.default_rng(4)
    z = rng.normal(size=3)
    for target in (np.array(2), rng.dirichlet(np.ones(3))):
        loss, grad = kernel.loss_and_grad(z, target, reduction=reduction, **options)
        expected, expected_grad = _pytorch(torch, z, target, reduction=reduction, **options)
        assert np.shape(loss) == np.shape(expected) and grad.shape == z.shape
        np.testing.assert_allclose(loss, expected, rtol=1e-13)
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("options", [{}, {"weight": np.array([0.5, 1.0, 2.0, 1.0])}, {"label_smoothing": 0.1}])
def test_target_probabilities_not_summing_to_one_give_pytorchs_numbers(kernel, torch, options):
    rng = np.random.default_rng(5)
    X, T = rng.normal(size=(6, 4)), rng.uniform(0, 1, size=(6, 4))  # rows summing to anything in (0, 4)
    for reduction in ("mean", "sum", "none"):
        loss, grad = kernel.loss_and_grad(X, T, reduction=reduction, **options)
        expected, expected_grad = _pytorch(torch, X, T, reduction=reduction, **options)
        np.testing.assert_allclose(loss, expected, rtol=1e-13)
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-15)


def test_a_mean_over_no_sample_is_refused_saying_why(kernel, binary):
    with pytest.raises(ValueError, match="mean over no sample is undefined"):
        kernel.loss(np.zeros((0, 3)), np.zeros(0, dtype=np.int64))
    with pytest.raises(ValueError, match="mean over no sample is undefined"):
        binary.loss(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match="the mean divides by 0"):
        kernel.loss(np.zeros((2, 3)), np.array([1, 1]), ignore_index=1)


@pytest.mark.parametrize("shape", [(), (7,), (4, 3), (2, 3, 2)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_of_probabilities_with_weight(torch, shape, reduction):
    """load("bce") takes F.binary_cross_entropy's weight (generated from bce-weighted), any shape."""
    rng = np.random.default_rng(6)
    Y, T, W = rng.uniform(0.01, 0.99, shape), rng.uniform(0, 1, shape), rng.uniform(0, 2, shape)
    for weight in (None, W, W[..., :1] if len(shape) else None):
        loss, grad = load("bce").loss_and_grad(Y, T, reduction=reduction, weight=weight)
        y = torch.tensor(Y, requires_grad=True)
        out = torch.nn.functional.binary_cross_entropy(y, torch.tensor(T), reduction=reduction,
                                                       weight=None if weight is None else torch.tensor(weight))
        (expected_grad,) = torch.autograd.grad(out.sum(), y)
        assert np.shape(loss) == tuple(out.shape)
        np.testing.assert_allclose(loss, out.detach().numpy(), rtol=1e-13)
        np.testing.assert_allclose(grad, expected_grad.numpy(), rtol=1e-12, atol=1e-15)


def test_binary_cross_entropy_of_probabilities_names_bad_input():
    k = load("bce")
    with pytest.raises(ValueError, match=r"probabilities must lie in \[0, 1\]"):
        k.loss(np.array([0.5, 1.5]), np.array([0.0, 1.0]), weight=np.ones(2))
    with pytest.raises(ValueError, match="weight must be broadcastable"):
        k.loss(np.array([0.5, 0.5]), np.array([0.0, 1.0]), weight=np.ones(3))
    with pytest.raises(TypeError, match="unknown option 'pos_weight'"):
        k.loss(np.array([0.5, 0.5]), np.array([0.0, 1.0]), pos_weight=np.ones(1))


@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 2), (4,)])
@pytest.mark.parametrize("options", [{}, {"weight": np.array([0.5, 1.0, 2.0, 1.5])}, {"ignore_index": 1},
                                     {"weight": np.array([0.5, 1.0, 2.0, 1.5]), "ignore_index": 2}])
def test_nll_loss_of_log_probabilities(torch, shape, options):
    """load("nll") is F.nll_loss (from the derivation nll: ce-options of log-probabilities), with its
    options and shapes: (N, C), (N, C, d₁, d₂), one sample (C,) with a label ()."""
    rng = np.random.default_rng(7)
    Z = rng.normal(size=shape)
    labels = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    T = rng.integers(0, shape[1] if len(shape) > 1 else shape[0], labels)
    T.flat[0] = 0  # a sample the ignore_index (1 or 2) keeps
    for reduction in ("mean", "sum", "none"):
        loss, grad = load("nll").loss_and_grad(Z, T, reduction=reduction, **options)
        z = torch.tensor(Z, requires_grad=True)
        out = torch.nn.functional.nll_loss(z, torch.tensor(T), reduction=reduction,
                                           **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in options.items()})
        (expected_grad,) = torch.autograd.grad(out.sum(), z)
        assert np.shape(loss) == tuple(out.shape)
        np.testing.assert_allclose(loss, out.detach().numpy(), rtol=1e-14)
        np.testing.assert_allclose(grad, expected_grad.numpy(), rtol=1e-14)


def test_nll_loss_refuses_what_pytorch_refuses(torch):
    Z = np.zeros((2, 3))
    with pytest.raises(RuntimeError):
        torch.nn.functional.nll_loss(torch.tensor(Z), torch.tensor([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]))
    with pytest.raises(TypeError, match="integer labels"):
        load("nll").loss(Z, np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]))
    with pytest.raises(ValueError, match="labels must be in 0..2"):
        load("nll").loss(Z, np.array([0, 3]))
    with pytest.raises(TypeError, match="unknown option .label_smoothing. for nll"):
        load("nll").loss(Z, np.array([0, 1]), label_smoothing=0.1)
