"""compile(backend="jax"): the kernel IR printed as jax.numpy, the derived gradient as a
custom_vjp; against optax's losses in float64 and autograd of the loss as written."""
import random
import tomllib
from pathlib import Path

import numpy as np
import pytest

import derive
from tools import jax_in_float64, require_torch

CORPUS = tomllib.loads((Path(__file__).parent.parent / "examples" / "loss_corpus.toml").read_text(encoding="utf-8"))["loss"]


@pytest.fixture(scope="module")
def jax():
    """JAX with float64 enabled for this module's tests only (the library never changes it)."""
    yield from jax_in_float64()


def _relative(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))) if a.size else 0.0


@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_ce_softmax_equals_optax_softmax_cross_entropy(jax, scale):
    import optax
    jnp = jax.numpy
    k = derive.get("ce-softmax").compile(backend="jax")
    rng = np.random.default_rng(5)
    z = jnp.asarray(scale * rng.normal(size=(6, 5)))
    labels = jnp.asarray(rng.integers(0, 5, size=6))
    probabilities = jax.nn.softmax(jnp.asarray(rng.normal(size=(6, 5))), axis=1)
    for t, dense in ((labels, jax.nn.one_hot(labels, 5, dtype=jnp.float64)), (probabilities, probabilities)):
        mine = k(z=z, t=t)
        theirs = optax.softmax_cross_entropy(z, dense).mean()
        assert z.dtype == mine.dtype == jnp.float64 and np.isfinite(mine)
        assert _relative(mine, theirs) <= 1e-12
        assert _relative(jax.grad(lambda a: k(z=a, t=t))(z), jax.grad(lambda a: optax.softmax_cross_entropy(a, dense).mean())(z)) <= 1e-12
        rows = k(z=z, t=t, reduction="none")
        assert _relative(rows, optax.softmax_cross_entropy(z, dense)) <= 1e-12


@pytest.mark.parametrize("scale", [1.0, 1000.0])
def test_bce_sigmoid_equals_optax_sigmoid_binary_cross_entropy(jax, scale):
    import optax
    jnp = jax.numpy
    k = derive.get("bce-sigmoid").compile(backend="jax")
    rng = np.random.default_rng(6)
    z = jnp.asarray(scale * rng.normal(size=8))
    t = jnp.asarray(rng.uniform(size=8))
    assert _relative(k(z=z, t=t), optax.sigmoid_binary_cross_entropy(z, t).mean()) <= 1e-12
    mine = jax.grad(lambda a: k(z=a, t=t))(z)
    theirs = jax.grad(lambda a: optax.sigmoid_binary_cross_entropy(a, t).mean())(z)
    np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-300)


def test_a_user_loss_is_jit_able_and_jax_grad_runs_the_derived_gradient(jax):
    jnp = jax.numpy
    d = derive.gradient(r"-\frac{1}{N}\sum_{i=1}^{N} [w t_i \log \sigma(z_i) + (1 - t_i) \log(1 - \sigma(z_i))]", "z_{j}")
    k = d.compile(backend="jax")
    assert "jnp." in k.source
    z = jnp.asarray([-2.0, 0.5, 3.0])
    t = jnp.asarray([1.0, 0.0, 1.0])

    def written(a):
        return -jnp.mean(2.0 * t * jnp.log(jax.nn.sigmoid(a)) + (1 - t) * jnp.log(1 - jax.nn.sigmoid(a)))

    assert _relative(jax.jit(lambda a: k(z=a, t=t, w=2.0))(z), written(z)) <= 1e-12
    assert _relative(jax.grad(lambda a: k(z=a, t=t, w=2.0))(z), jax.grad(written)(z)) <= 1e-12
    assert _relative(jax.jit(jax.grad(lambda a: k(z=a, t=t, w=2.0, reduction="sum")))(z), 3 * jax.grad(written)(z)) <= 1e-12


def test_a_gradient_by_an_input_with_no_derived_derivative_is_refused_naming_it(jax):
    jnp = jax.numpy
    k = derive.get("ce-softmax").compile(backend="jax")
    z = jnp.zeros((2, 3))
    t = jnp.full((2, 3), 1 / 3)
    with pytest.raises(ValueError, match="t requires grad, but the loss was derived by z"):
        jax.grad(lambda a: k(z=z, t=a))(t)
    with pytest.raises(ValueError, match="class labels from 0 to 2"):
        k(z=z, t=jnp.asarray([0, 3]))


def test_a_one_sample_loss_batches_under_vmap_and_over_rows(jax):
    import optax
    jnp = jax.numpy
    k = derive.gradient(r"-\log \operatorname{softmax}(z)_{k}", "z_{j}").compile(backend="jax")
    rng = np.random.default_rng(7)
    z = jnp.asarray(rng.normal(size=(4, 5)))
    labels = jnp.asarray(rng.integers(0, 5, size=4))
    reference = optax.softmax_cross_entropy_with_integer_labels(z, labels)
    assert _relative(k(z=z, k=labels + 1, reduction="none"), reference) <= 1e-12
    assert _relative(jax.vmap(lambda a, b: k(z=a, k=b))(z, labels + 1), reference) <= 1e-12


@pytest.mark.parametrize("entry", CORPUS, ids=lambda entry: entry["name"])
def test_every_loss_of_the_corpus_compiles_for_jax_and_agrees_with_autograd(jax, entry):
    from corpus_points import autograd_reference, random_point

    torch = require_torch()
    derivation = derive.gradient(entry["latex"], entry["wrt"])
    kernel = derivation.compile(backend="jax")
    (ir,) = kernel.irs.values()
    rng = random.Random(7)
    for _ in range(2):
        values, integers, atoms = random_point(ir, rng)
        expected, reference = autograd_reference(torch, derivation.steps[0].rhs, ir, integers, atoms)
        inputs = {name: jax.numpy.asarray(v, dtype=jax.numpy.float64) if isinstance(v, (np.ndarray, float)) else v
                  for name, v in values.items()}
        loss, gradient = kernel.loss_and_grad(**inputs)
        assert float(loss) == pytest.approx(expected, rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(np.atleast_1d(np.asarray(gradient)).reshape(-1), reference, rtol=1e-12, atol=1e-12)
        if ir.by_every_component or ir.by in ir.inputs[len(ir.arrays):]:  # jax.grad through the custom_vjp
            name = ir.by
            through = jax.grad(lambda a: kernel(**{**inputs, name: a}))(inputs[name])
            np.testing.assert_allclose(np.atleast_1d(np.asarray(through)).reshape(-1), reference, rtol=1e-12, atol=1e-12)
