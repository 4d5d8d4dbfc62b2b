"""One kernel IR (derive/kernels/ir.py), printed by every backend (issue 31, item 1): Numba prints
it as loops, torch and JAX as array operations.  The three kernels of one derivation are built
from equal IRs, and an IR edited by hand changes what each backend computes."""
import dataclasses
import hashlib

import numpy as np
import pytest
import sympy as sp

import derive
from tools import jax_in_float64, require_torch

WEIGHTED_BCE = r"-\frac{1}{N}\sum_{i=1}^{N} [w t_i \log \sigma(z_i) + (1 - t_i) \log(1 - \sigma(z_i))]"
Z = np.array([0.3, -1.2, 2.0, -0.4])
T = np.array([1.0, 0.0, 1.0, 0.0])


@pytest.fixture(scope="module")
def derivation():
    return derive.gradient(WEIGHTED_BCE, "z_{j}")


@pytest.fixture(scope="module")
def jax():
    """JAX with float64 for this module's tests only (the library never changes it)."""
    yield from jax_in_float64()


def _doubled(ir):
    """The IR with its loss, gradient and per-sample term each twice what was derived: an edit by
    hand that no derivation made, so only a backend that reads the IR can follow it."""
    samples = dataclasses.replace(ir.samples, term=2 * ir.samples.term)
    return dataclasses.replace(ir, loss=2 * ir.loss, gradient=2 * ir.gradient, samples=samples)


def test_the_numba_torch_and_jax_kernels_of_one_derivation_are_built_from_one_ir(derivation):
    require_torch()
    numba_kernel = derivation.compile()
    torch_kernel = derivation.compile(backend="torch")
    (torch_ir,) = torch_kernel.irs.values()
    assert numba_kernel.ir == torch_ir
    assert numba_kernel.inputs == torch_kernel.inputs == torch_ir.inputs == ("t", "z", "w")
    assert numba_kernel.source != torch_kernel.source  # loops, and torch operations: two printers of it


def test_the_jax_kernel_is_built_from_the_same_ir(derivation, jax):
    (jax_ir,) = derivation.compile(backend="jax").irs.values()
    assert jax_ir == derivation.compile().ir


def test_an_ir_edited_by_hand_changes_what_the_numba_kernel_computes(derivation):
    from derive.kernels.user_kernels import UserKernel

    ir = derivation.compile().ir
    plain, doubled = UserKernel(ir), UserKernel(_doubled(ir))
    assert doubled.source != plain.source
    for reduction in (None, "sum", "none"):
        np.testing.assert_allclose(doubled.loss(z=Z, t=T, w=2.0, reduction=reduction),
                                   2 * np.asarray(plain.loss(z=Z, t=T, w=2.0, reduction=reduction)), rtol=1e-14)
        np.testing.assert_allclose(doubled.grad(z=Z, t=T, w=2.0, reduction=reduction),
                                   2 * plain.grad(z=Z, t=T, w=2.0, reduction=reduction), rtol=1e-14)


def test_an_ir_edited_by_hand_changes_what_the_torch_kernel_computes(derivation):
    torch = require_torch()
    from derive.kernels.torch_backend import TorchKernel

    (kind, ir), = derivation.compile(backend="torch").irs.items()
    numba_kernel = derivation.compile()
    doubled = TorchKernel("doubled", {kind: _doubled(ir)})
    z = torch.tensor(Z, requires_grad=True)
    loss = doubled(z=z, t=torch.tensor(T), w=2.0)
    loss.backward()
    assert loss.item() == pytest.approx(2 * numba_kernel.loss(z=Z, t=T, w=2.0), rel=1e-13)
    np.testing.assert_allclose(z.grad.numpy(), 2 * numba_kernel.grad(z=Z, t=T, w=2.0), rtol=1e-13)


def test_an_ir_edited_by_hand_changes_what_the_jax_kernel_computes(derivation, jax):
    from derive.kernels.jax_backend import JaxKernel

    (kind, ir), = derivation.compile(backend="jax").irs.items()
    numba_kernel = derivation.compile()
    doubled = JaxKernel("doubled", {kind: _doubled(ir)})
    t = jax.numpy.asarray(T)
    assert float(doubled(z=jax.numpy.asarray(Z), t=t, w=2.0)) == pytest.approx(2 * numba_kernel.loss(z=Z, t=T, w=2.0), rel=1e-13)
    gradient = jax.grad(lambda a: doubled(z=a, t=t, w=2.0))(jax.numpy.asarray(Z))
    np.testing.assert_allclose(np.asarray(gradient), 2 * numba_kernel.grad(z=Z, t=T, w=2.0), rtol=1e-13)


def test_the_numba_kernel_of_a_loss_over_samples_reads_its_rows_from_the_ir(derivation):
    """ℓ_i of reduction="none" is the IR's per-sample term: replace it, and only the rows change."""
    from derive.kernels.user_kernels import UserKernel

    ir = derivation.compile().ir
    z = sp.IndexedBase("z")
    squared = dataclasses.replace(ir, samples=dataclasses.replace(ir.samples, term=z[ir.samples.index] ** 2))
    kernel = UserKernel(squared)
    np.testing.assert_allclose(kernel.loss(z=Z, t=T, w=2.0, reduction="none"), Z ** 2, rtol=1e-15)
    assert kernel.loss(z=Z, t=T, w=2.0) == pytest.approx(UserKernel(ir).loss(z=Z, t=T, w=2.0), rel=1e-15)


@pytest.fixture(scope="module")
def bce_sigmoid_plan():
    from derive.derivations.plans import built_in_plan
    return built_in_plan("bce-sigmoid")


def test_the_built_in_row_generators_read_the_per_sample_loss_and_gradient_from_the_ir(bce_sigmoid_plan):
    """spec_of(ir) is what the row generators were given before the IR was shared: ℓ_i by taking 1/N
    off the stable loss (codegen.per_sample), the gradient of Σ_i ℓ_i by setting N to 1 in the
    derived one (codegen.per_sample_gradient): two routes to one Spec."""
    from derive import conventions as c
    from derive.kernels.codegen import per_sample, per_sample_gradient
    from derive.kernels.generated import sums_to_one
    from derive.kernels.ir import plan_irs
    from derive.kernels.row_spec import spec_of
    from derive.kernels.spec import Spec

    plan = bce_sigmoid_plan
    irs = plan_irs(plan)
    for kind in plan.kinds:
        loss, gradient = kind.loss.result.rhs, kind.gradient.result.rhs
        before = Spec(per_sample(loss), per_sample_gradient(gradient), getattr(c, plan.variable), plan.categorical,
                      kind.labels, targets_sum_to_one=sums_to_one(kind))
        assert spec_of(irs[kind.name]) == before


def test_an_ir_edited_by_hand_changes_what_the_built_in_row_kernel_computes(bce_sigmoid_plan):
    from derive.kernels.compiler import module_source
    from derive.kernels.generated import load_module
    from derive.kernels.ir import plan_irs

    plan = bce_sigmoid_plan
    irs = plan_irs(plan)
    doubled = {kind: _doubled(ir) for kind, ir in irs.items()}
    sources = [module_source(plan, chosen) for chosen in (irs, doubled)]
    assert sources[0] != sources[1]
    modules = [load_module("test_ir_" + hashlib.sha256(source.encode()).hexdigest()[:12], lambda source=source: source)
               for source in sources]
    results = []
    for module in modules:
        rows, G = np.empty(len(Z)), np.empty(len(Z))
        module.loss_and_grad_targets(Z, T, rows, G, 1.0 / len(Z))
        results.append((rows, G))
    (rows, G), (rows2, G2) = results
    np.testing.assert_allclose(rows2, 2 * rows, rtol=1e-14)
    np.testing.assert_allclose(G2, 2 * G, rtol=1e-14)
    expected = np.logaddexp(0, -Z) * T + np.logaddexp(0, Z) * (1 - T)  # BCE of logits, independently of derive
    np.testing.assert_allclose(rows, expected, rtol=1e-13)


def test_every_kernel_refuses_an_unknown_reduction_in_the_one_wrapper_s_words(derivation):
    """The built-in row kernels, PyTorch's options kernels (nll) and a user's kernel check
    ``reduction=`` in one place (kernel_calls): the same words for the same mistake."""
    from derive.kernels import load

    row_words = "reduction must be one of mean, sum, none, got 'avg'"
    with pytest.raises(ValueError, match=row_words):
        load("bce-sigmoid").loss(Z, T, reduction="avg")
    with pytest.raises(ValueError, match=row_words):
        load("nll").loss(np.log(np.full((2, 3), 1 / 3)), np.array([0, 2]), reduction="avg")
    with pytest.raises(ValueError, match="reduction must be None, 'mean', 'sum' or 'none', got 'avg'"):
        derivation.compile().loss(z=Z, t=T, w=2.0, reduction="avg")


def test_the_rows_are_reduced_in_float64_and_given_back_in_their_own_type():
    from derive.kernels.kernel_calls import reduced

    rows = np.full(3, np.float32(0.1), dtype=np.float32)
    total = reduced(rows, 3, "sum")
    assert total.dtype == np.float32 and total == np.float32(3 * np.float64(np.float32(0.1)))
    assert reduced(rows, 4, "mean") == np.float32(3 * np.float64(np.float32(0.1)) / 4)
    assert reduced(rows, 3, "none") is rows


def test_an_unbatched_sample_is_computed_as_a_batch_of_one_and_given_back_in_its_shape():
    """Logits (C,) with a label (): as F.cross_entropy takes one sample, for the row kernel and nll alike."""
    from derive.kernels import load

    z = np.array([0.5, -1.0, 2.0])
    for kernel, x in ((load("ce-softmax"), z), (load("nll"), z - np.log(np.exp(z).sum()))):
        loss, G = kernel.loss_and_grad(x, np.array(2), reduction="none")
        batch_loss, batch_G = kernel.loss_and_grad(x[None], np.array([2]), reduction="none")
        assert loss.shape == () and G.shape == (3,)
        assert loss == batch_loss[0] and np.array_equal(G, batch_G[0])
        assert loss == pytest.approx(-np.log(np.exp(z[2]) / np.exp(z).sum()), rel=1e-13)


def test_the_numba_and_torch_kernels_check_their_inputs_names_in_the_same_words(derivation):
    require_torch()
    numba_kernel, torch_kernel = derivation.compile(), derivation.compile(backend="torch")
    for kernel in (numba_kernel, torch_kernel):
        with pytest.raises(ValueError, match=r"^the kernel takes t, z, w; unknown: x; missing: w$"):
            kernel(z=Z, t=T, x=1.0)
