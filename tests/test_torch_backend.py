"""compile(backend="torch"): the kernel IR printed as torch operations, the derived gradient as
the backward; against PyTorch's own losses and autograd of the loss as written."""
import random
import tomllib
from pathlib import Path

import numpy as np
import pytest

import derive
from tools import require_torch

CORPUS = tomllib.loads((Path(__file__).parent.parent / "examples" / "loss_corpus.toml").read_text(encoding="utf-8"))["loss"]
BCE_W = r"-\frac{1}{N}\sum_{i=1}^{N} [w t_i \log \sigma(z_i) + (1 - t_i) \log(1 - \sigma(z_i))]"


@pytest.fixture(scope="module")
def torch():
    return require_torch()


@pytest.fixture(scope="module")
def ce(torch):
    return derive.get("ce-softmax").compile(backend="torch")


@pytest.fixture(scope="module")
def bce(torch):
    return derive.get("bce-sigmoid").compile(backend="torch")


def _close(torch, a, b, rtol=1e-12):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("scale", [1.0, 1000.0])
@pytest.mark.parametrize("reduction", [None, "mean", "sum", "none"])
def test_ce_softmax_equals_cross_entropy_with_labels_and_probabilities(torch, ce, scale, reduction):
    F = torch.nn.functional
    generator = torch.Generator().manual_seed(1)
    z = (scale * torch.randn(6, 5, generator=generator, dtype=torch.float64)).requires_grad_()
    labels = torch.randint(0, 5, (6,), generator=generator)
    probabilities = torch.softmax(torch.randn(6, 5, generator=generator, dtype=torch.float64), 1)
    for t in (labels, probabilities):
        loss = ce(z=z, t=t, reduction=reduction)
        reference = F.cross_entropy(z, t, reduction=reduction or "mean")
        assert torch.isfinite(loss).all()  # a raw log(softmax) is NaN at logits of 1000
        _close(torch, loss, reference)
        mine = torch.autograd.grad(loss.sum(), z)[0]
        theirs = torch.autograd.grad(reference.sum(), z)[0]
        _close(torch, mine, theirs)


def test_bce_sigmoid_equals_bce_with_logits_at_ordinary_and_extreme_logits(torch, bce):
    F = torch.nn.functional
    z = torch.tensor([-1000.0, -40.0, -1.5, 0.0, 0.3, 36.0, 1000.0], dtype=torch.float64, requires_grad=True)
    t = torch.tensor([0.0, 1.0, 0.25, 0.5, 1.0, 1.0, 0.0], dtype=torch.float64)
    loss = bce(z=z, t=t)
    reference = F.binary_cross_entropy_with_logits(z, t)
    _close(torch, loss, reference)
    _close(torch, torch.autograd.grad(loss, z)[0], torch.autograd.grad(reference, z)[0])


def test_probability_losses_equal_nll_and_binary_cross_entropy(torch):
    F = torch.nn.functional
    generator = torch.Generator().manual_seed(2)
    y = torch.softmax(torch.randn(4, 3, generator=generator, dtype=torch.float64), 1).requires_grad_()
    labels = torch.randint(0, 3, (4,), generator=generator)
    ce = derive.get("ce").compile(backend="torch")
    _close(torch, ce(y=y, t=labels), F.nll_loss(torch.log(y), labels))
    _close(torch, torch.autograd.grad(ce(y=y, t=labels), y)[0], torch.autograd.grad(F.nll_loss(torch.log(y), labels), y)[0])
    p = torch.rand(5, generator=generator, dtype=torch.float64).clamp(0.05, 0.95).requires_grad_()
    t = torch.rand(5, generator=generator, dtype=torch.float64)
    bce = derive.get("bce").compile(backend="torch")
    _close(torch, bce(y=p, t=t), F.binary_cross_entropy(p, t))
    _close(torch, torch.autograd.grad(bce(y=p, t=t), p)[0], torch.autograd.grad(F.binary_cross_entropy(p, t), p)[0])


def test_a_user_loss_takes_its_inputs_by_name_and_backpropagates_the_derived_gradient(torch):
    k = derive.gradient(BCE_W, "z_{j}").compile(backend="torch")
    assert set(k.inputs) == {"t", "w", "z"} and k.by == "z"
    assert "torch." in k.source and "def rows_and_grad" in k.source
    z = torch.tensor([-2.0, 0.5, 3.0], dtype=torch.float64, requires_grad=True)
    t = torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64)
    loss = k(z=z, t=t, w=2.0)
    loss.backward()
    zz = z.detach().clone().requires_grad_()
    written = -(2.0 * t * torch.log(torch.sigmoid(zz)) + (1 - t) * torch.log(1 - torch.sigmoid(zz))).mean()
    written.backward()
    _close(torch, loss, written)
    _close(torch, z.grad, zz.grad)
    for reduction, scale in (("sum", 3.0), ("mean", 1.0)):
        _close(torch, k(z=z, t=t, w=2.0, reduction=reduction), written * scale)
    rows = k(z=z, t=t, w=2.0, reduction="none")
    assert rows.shape == (3,)
    _close(torch, rows.mean(), written)


def test_a_one_sample_loss_batches_over_a_leading_axis(torch):
    """-log softmax(z)_k with a row of logits and an observed class per row is cross-entropy."""
    F = torch.nn.functional
    k = derive.gradient(r"-\log \operatorname{softmax}(z)_{k}", "z_{j}").compile(backend="torch")
    generator = torch.Generator().manual_seed(3)
    z = torch.randn(4, 5, generator=generator, dtype=torch.float64, requires_grad=True)
    labels = torch.randint(0, 5, (4,), generator=generator)
    one = k(z=z[0], k=int(labels[0]) + 1)
    _close(torch, one, F.cross_entropy(z[0:1], labels[0:1]))
    for reduction in (None, "mean", "sum", "none"):
        loss = k(z=z, k=labels + 1, reduction=reduction)
        reference = F.cross_entropy(z, labels, reduction=reduction or "mean")
        _close(torch, loss, reference)
        _close(torch, torch.autograd.grad(loss.sum(), z)[0], torch.autograd.grad(reference.sum(), z)[0])
    with pytest.raises(ValueError, match="reduction='mean' needs samples"):
        k(z=z[0], k=1, reduction="mean")


def test_a_batched_scalar_loss_shares_a_plain_number(torch):
    k = derive.gradient(r"\frac{1}{2} (y - t)^{2}", "y").compile(backend="torch")
    y = torch.tensor([1.0, 2.0, 4.0], dtype=torch.float64, requires_grad=True)
    loss = k(y=y, t=1.0, reduction="sum")
    loss.backward()
    _close(torch, loss, ((y.detach() - 1) ** 2 / 2).sum())
    _close(torch, y.grad, y.detach() - 1)


def test_bad_input_is_refused_by_name(torch, ce):
    z = torch.randn(3, 4, dtype=torch.float64)
    with pytest.raises(ValueError, match="missing: t"):
        ce(z=z)
    with pytest.raises(ValueError, match="unknown: x"):
        ce(z=z, t=torch.zeros(3, dtype=torch.long), x=1)
    with pytest.raises(ValueError, match="class labels from 0 to 3"):
        ce(z=z, t=torch.tensor([0, 4, 1]))
    with pytest.raises(ValueError, match="has 3 along N, another input has 2"):
        ce(z=z, t=torch.zeros(2, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="reduction must be"):
        ce(z=z, t=torch.zeros(3, dtype=torch.long), reduction="avg")
    with pytest.raises(ValueError, match="unknown backend"):
        derive.get("ce-softmax").compile(backend="tensorflow")


def test_a_gradient_by_an_input_with_no_derived_derivative_is_refused_naming_it(torch, ce):
    z = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    t = torch.softmax(torch.randn(3, 4, dtype=torch.float64), 1).requires_grad_()
    with pytest.raises(ValueError, match="t requires grad, but the loss was derived by z"):
        ce(z=z, t=t).backward()
    named = derive.gradient(r"-\log \operatorname{softmax}(z)_{k}", "z_{2}").compile(backend="torch")
    with pytest.raises(ValueError, match="derived by z\\[2\\] only"):
        named(z=z[0], k=1).backward()


def test_a_second_derivative_is_refused_not_a_silent_zero(torch, ce):
    z = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    with pytest.raises(ValueError, match="no second derivative"):
        torch.autograd.grad(ce(z=z, t=torch.tensor([0, 1, 2])), z, create_graph=True)


def test_torch_func_grad_and_vmap_run_the_derived_backward(torch, ce):
    F = torch.nn.functional
    from torch.func import grad, vmap
    generator = torch.Generator().manual_seed(4)
    z = torch.randn(3, 6, 5, generator=generator, dtype=torch.float64)
    labels = torch.randint(0, 5, (3, 6), generator=generator)
    mine = vmap(grad(lambda a, b: ce(z=a, t=b)))(z, labels)
    theirs = vmap(grad(lambda a, b: F.cross_entropy(a, b)))(z, labels)
    _close(torch, mine, theirs)


def test_torch_compile_traces_the_kernel_in_one_graph(torch, ce):
    """fullgraph=True: no graph break, so Inductor compiles the generated operations themselves."""
    F = torch.nn.functional
    pytest.importorskip("torch._inductor")
    torch._dynamo.reset()
    z = torch.randn(8, 5, dtype=torch.float64, requires_grad=True)
    labels = torch.randint(0, 5, (8,))
    compiled = torch.compile(lambda a, b: ce(z=a, t=b), fullgraph=True)
    loss = compiled(z, labels)
    (mine,) = torch.autograd.grad(loss, z)
    reference = F.cross_entropy(z, labels)
    _close(torch, loss, reference)
    _close(torch, mine, torch.autograd.grad(reference, z)[0])


def test_cuda_tensors_stay_on_the_gpu(torch, ce):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    F = torch.nn.functional
    z = (100 * torch.randn(64, 10, device="cuda", dtype=torch.float64)).requires_grad_()
    labels = torch.randint(0, 10, (64,), device="cuda")
    loss = ce(z=z, t=labels)
    assert loss.device.type == "cuda"
    loss.backward()
    reference = F.cross_entropy(z, labels)
    assert z.grad.device.type == "cuda"
    np.testing.assert_allclose(loss.item(), reference.item(), rtol=1e-12)
    np.testing.assert_allclose(z.grad.cpu().numpy(), torch.autograd.grad(reference, z)[0].cpu().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("entry", CORPUS, ids=lambda entry: entry["name"])
def test_every_loss_of_the_corpus_compiles_for_torch_and_agrees_with_autograd(torch, entry):
    from corpus_points import autograd_reference, random_point

    derivation = derive.gradient(entry["latex"], entry["wrt"])
    kernel = derivation.compile(backend="torch")
    (ir,) = kernel.irs.values()
    rng = random.Random(7)
    for _ in range(2):
        values, integers, atoms = random_point(ir, rng)
        expected, reference = autograd_reference(torch, derivation.steps[0].rhs, ir, integers, atoms)
        inputs = {name: torch.tensor(v, dtype=torch.float64) if isinstance(v, (np.ndarray, float)) else v
                  for name, v in values.items()}
        loss, gradient = kernel.loss_and_grad(**inputs)
        assert loss.item() == pytest.approx(expected, rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(np.atleast_1d(gradient.numpy()).reshape(-1), reference, rtol=1e-12, atol=1e-12)


def test_the_ir_reads_a_loss_over_samples_and_leaves_a_ratio_of_sums_one_sample():
    import sympy as sp

    from derive.kernels.ir import over_samples

    i, N = sp.Symbol("i", integer=True), sp.Symbol("N", integer=True, positive=True)
    y, t = sp.IndexedBase("y"), sp.IndexedBase("t")
    mean = over_samples(-sp.Sum(t[i] * sp.log(y[i]), (i, 1, N)) / N)
    assert mean is not None and mean.coefficient == 1 / N and mean.term == -t[i] * sp.log(y[i])
    total = over_samples(sp.Sum((y[i] - t[i]) ** 2, (i, 1, N)))
    assert total is not None and total.coefficient == 1
    dice = 1 - 2 * sp.Sum(t[i] * y[i], (i, 1, N)) / (sp.Sum(t[i], (i, 1, N)) + sp.Sum(y[i], (i, 1, N)))
    assert over_samples(dice) is None


def test_a_one_sample_built_in_takes_an_integer_label_or_a_row_of_them(torch):
    F = torch.nn.functional
    k = derive.get("ce-one-sample-softmax").compile(backend="torch")
    assert set(k.irs) == {"labels", "targets"}
    generator = torch.Generator().manual_seed(8)
    z = torch.randn(4, 5, generator=generator, dtype=torch.float64)
    labels = torch.randint(0, 5, (4,), generator=generator)
    _close(torch, k(z=z[1], t=labels[1]), F.cross_entropy(z[1:2], labels[1:2]))
    _close(torch, k(z=z, t=labels, reduction="none"), F.cross_entropy(z, labels, reduction="none"))
    with pytest.raises(TypeError, match="by name: t=..., z=..."):
        k(z, labels)
