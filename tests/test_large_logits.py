"""The kernels at large logits, against PyTorch, for every shape they take (issue 28).

A (N, C, d) input whose logits were all 1e17 gave a loss of 0 where F.cross_entropy gives
ln C = 1.386 (C = 4): the stable form shifts the log-sum-exp by the row maximum m but kept the
term linear in the logits unshifted, so the loss was m + log Σ e^(z - m) - Σ a_j z_j, a difference
of numbers the size of the logits, which the compiler may also add in any order.  The generator
now writes each such logit as m + (z - m) and the multiples of m cancel symbolically
(kernels/shift.py).  Here: the loss and gradient equal PyTorch's in float64 (to 1e-12 relative)
and in float32 (to float32's precision) at logits of 1e3, 1e17 and 1e300, every row's logits
equal or random, for (N, C) (both layouts), (N, C, d) and (N, C, d1, d2) inputs, labels and
target probabilities, with PyTorch's options; the binary kernel at (N,), (N, L) and (N, d, L)."""
import zlib

import numpy as np
import pytest
import sympy as sp

from derive import conventions as c
from derive.functions import Maximum
from derive.kernels import load
from tools import require_torch


@pytest.fixture(scope="module")
def torch():
    return require_torch()


@pytest.fixture(scope="module")
def ce():
    return load("ce-softmax")


@pytest.fixture(scope="module")
def bce():
    return load("bce-sigmoid")


def _torch_ce(torch, X, T, **options):
    """F.cross_entropy and its gradient, in float64 from the very values the kernel read."""
    weight = options.pop("weight", None)
    logits = torch.from_numpy(X.astype(np.float64)).requires_grad_()
    target = torch.from_numpy(T.astype(np.float64) if T.dtype.kind == "f" else T)
    loss = torch.nn.functional.cross_entropy(logits, target, weight=None if weight is None else
                                             torch.from_numpy(weight.astype(np.float64)), **options)
    (loss.sum() if options.get("reduction") == "none" else loss).backward()
    return loss.detach().numpy(), logits.grad.numpy()


def _logits(rng, shape, scale, equal, dtype):
    """Every logit ``scale`` (the bug's case: each position's loss is ln C) or spread over ±scale."""
    X = np.full(shape, scale) if equal else rng.uniform(-1, 1, shape) * scale
    return X.astype(dtype)


SHAPES = [(6, 4), (2, 4, 3), (2, 2, 4), (3, 5, 2, 2)]
SCALES = {np.float64: [1e3, 1e17, 1e300], np.float32: [1e3, 1e30]}
CASES = [(shape, dtype, scale, equal) for shape in SHAPES for dtype in (np.float64, np.float32)
         for scale in SCALES[dtype] for equal in (True, False)]


@pytest.mark.parametrize("shape, dtype, scale, equal", CASES)
@pytest.mark.parametrize("targets", ["labels", "probabilities", "options"])
def test_cross_entropy_at_large_logits_is_pytorchs(ce, torch, shape, dtype, scale, equal, targets):
    rng = np.random.default_rng(zlib.crc32(repr((shape, dtype.__name__, scale, equal, targets)).encode()))
    X = _logits(rng, shape, scale, equal, dtype)
    classes, positions = shape[1], (shape[0],) + shape[2:]
    options = {}
    if targets == "probabilities":
        T = rng.dirichlet(np.ones(classes), size=positions)
        T = np.ascontiguousarray(np.moveaxis(T, -1, 1)).astype(dtype)
    else:
        T = rng.integers(0, classes, positions)
        if targets == "options":
            T.reshape(-1)[0] = -100  # left out
            options = {"weight": rng.uniform(0.5, 2.0, classes).astype(dtype), "label_smoothing": 0.2}
    for reduction in ("mean", "none"):
        loss, G = ce.loss_and_grad(X, T, reduction=reduction, **options)
        expected_loss, expected_grad = _torch_ce(torch, X, T, reduction=reduction, **dict(options))
        rtol, atol = (1e-12, 1e-14) if dtype == np.float64 else (3e-6, 1e-6)  # atol: a loss of 1e-135 PyTorch rounds to 0
        np.testing.assert_allclose(loss, expected_loss, rtol=rtol, atol=atol)
        np.testing.assert_allclose(G, expected_grad, rtol=rtol, atol=atol)
    if equal and targets == "labels":  # the reported case: ln C at every position, never 0
        np.testing.assert_allclose(ce.loss(X, T, reduction="none"), np.log(classes), rtol=1e-12 if dtype == np.float64 else 1e-6)


@pytest.mark.parametrize("dtype, scale", [(np.float64, 1e17), (np.float64, 1e300), (np.float32, 1e30)])
@pytest.mark.parametrize("targets", ["labels", "probabilities"])
def test_both_layouts_of_the_plain_kernel_at_large_logits(ce, torch, dtype, scale, targets):
    rng = np.random.default_rng(3)
    X = _logits(rng, (2100, 5), scale, False, dtype)
    X[::7] = dtype(scale)  # some rows all equal
    T = rng.integers(0, 5, 2100) if targets == "labels" else rng.dirichlet(np.ones(5), 2100).astype(dtype)
    expected_loss, expected_grad = _torch_ce(torch, X, T, reduction="none")
    for layout in ("rows", "blocks"):
        loss, G = ce.loss_and_grad(X, T, reduction="none", layout=layout)
        rtol, atol = (1e-12, 1e-14) if dtype == np.float64 else (3e-6, 1e-6)
        np.testing.assert_allclose(loss, expected_loss, rtol=rtol, atol=atol)
        np.testing.assert_allclose(G, expected_grad, rtol=rtol, atol=atol)


@pytest.mark.parametrize("shape", [(40,), (8, 5), (3, 4, 5)])
@pytest.mark.parametrize("scale", [1e3, 1e17, 1e300])
def test_binary_cross_entropy_at_large_logits_is_pytorchs(bce, torch, shape, scale):
    rng = np.random.default_rng(int(np.log10(scale)) + len(shape))
    X = _logits(rng, shape, scale, False, np.float64)
    T = rng.random(shape)
    options = {"pos_weight": rng.uniform(0.5, 2.0, shape[-1])} if len(shape) > 1 else {}
    logits = torch.from_numpy(X.copy()).requires_grad_()
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, torch.from_numpy(T), pos_weight=torch.from_numpy(options["pos_weight"]) if options else None)
    expected.backward()
    loss, G = bce.loss_and_grad(X, T, **options)
    np.testing.assert_allclose(loss, expected.item(), rtol=1e-12)
    np.testing.assert_allclose(G, logits.grad.numpy(), rtol=1e-12, atol=1e-16)


def test_the_row_losses_keep_no_maximum_outside_their_exponents():
    """What the kernels compute for each built-in kind of target (the plain kernel's labels and
    probabilities, the options' labels and probabilities): once the logits are written relative to
    the row maximum, it is left only inside the exponents and the differences z - m; a loss that
    kept m + ... - z would cancel again."""
    from derive.derivations import get
    from derive.kernels.codegen import J, _canonical, _log1p_forms, mean_and_rows, per_sample
    from derive.kernels.generated import sums_to_one
    from derive.kernels.torch_options import CE_KINDS
    from derive.derivations.plans import plan_for
    from derive.kernels.shift import relative_to_maximum
    from derive.kernels.source_printer import difference_

    rows = [(per_sample(kind.loss.result.rhs), kind) for kind in plan_for(get("ce-softmax")).kinds]
    rows += [(mean_and_rows(kind.loss.result.rhs)[0], kind)  # the smoothed labels written in by the stable forms
             for kind in (plan_for(get(name), kinds=(name_kind,)).kind(name_kind) for name_kind, (name, _) in CE_KINDS.items())]
    assert len(rows) == 4
    for row, kind in rows:
        before = _log1p_forms(_canonical(row))
        after = relative_to_maximum(before, c.z, J, kind.labels or sums_to_one(kind))
        assert _maxima_outside_exponents(before), before  # the derived form had m + ... - z
        assert not _maxima_outside_exponents(after), after
        assert after.has(difference_)
        sizes = {c.K: 3}
        values = {c.z[c.i, j]: v for j, v in zip(range(1, 4), (0.3, -1.2, 2.0))}
        values |= {c.t[c.i, j]: v for j, v in zip(range(1, 4), (0.2, 0.5, 0.3))}
        values |= {c.w[j]: v for j, v in zip(range(1, 4), (1.5, 0.5, 2.0))} | {c.c_mask[c.i]: 1, c.epsilon: 0.1}
        values |= {c.ell[c.i]: 2}  # the integer labels' stable forms read the sample's class ℓ_i
        assert _value(before, sizes, values) == pytest.approx(_value(after, sizes, values), rel=1e-12)


def _maxima_outside_exponents(expr) -> bool:
    from sympy.codegen.cfunctions import expm1

    from derive.kernels.source_printer import difference_

    hidden = expr.replace(lambda e: isinstance(e, (sp.exp, expm1, difference_)), lambda e: sp.S.One)
    return hidden.has(Maximum)


def _value(expr, sizes, values) -> float:
    """``expr`` at concrete sizes and values, in 30 digits: sums and maxima written out, the kernels'
    functions as what they stand for."""
    from sympy.codegen.cfunctions import expm1, log1p

    from derive.kernels.source_printer import difference_

    written = expr.xreplace(sizes).replace(lambda e: isinstance(e, difference_), lambda e: e.args[0] - e.args[1])
    written = written.replace(lambda e: isinstance(e, (sp.Sum, Maximum)), lambda e: e.doit())
    written = written.replace(lambda e: isinstance(e, log1p), lambda e: sp.log(1 + e.args[0]))
    written = written.replace(lambda e: isinstance(e, expm1), lambda e: sp.exp(e.args[0]) - 1)
    return float(written.xreplace(values).xreplace(values).evalf(30))  # twice: z_{i,ℓ_i} is z_{i,2} after the first
