"""derive.jax: a derived kernel as a JAX function whose gradient (jax.grad, under jit and vmap)
is the kernel's, compared with optax's losses and JAX's autodiff of the same formula in float64."""
import importlib.util

import numpy as np
import pytest

from derive.kernels import load
from tools import require

HAVE_JAX = importlib.util.find_spec("jax") is not None and importlib.util.find_spec("optax") is not None
if HAVE_JAX:
    import jax
    import jax.numpy as jnp
    import optax

    import derive.jax as bridge


@pytest.fixture(autouse=True)
def _float64():
    """JAX and optax, in float64 for this test only (the library never changes JAX's configuration)."""
    require(HAVE_JAX, "JAX and optax (pip install jax optax)")
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", before)


@pytest.fixture(scope="module")
def cross_entropy():
    require(HAVE_JAX, "JAX and optax (pip install jax optax)")
    return bridge.function(load("ce-softmax"))


def _logits(seed, shape=(8, 5), scale=4.0):
    return jnp.asarray(scale * np.random.default_rng(seed).standard_normal(shape))


def _close(a, b, rtol=1e-12, atol=1e-15):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)


def test_cross_entropy_and_its_gradient_are_optaxs_under_jit(cross_entropy):
    logits, labels = _logits(1), jnp.asarray(np.random.default_rng(2).integers(0, 5, 8))

    def theirs(z):
        return optax.softmax_cross_entropy_with_integer_labels(z, labels).mean()

    def ours(z):
        return cross_entropy(z, labels)

    assert ours(logits).dtype == jnp.float64
    _close(ours(logits), theirs(logits))
    _close(jax.grad(ours)(logits), jax.grad(theirs)(logits))
    _close(jax.jit(jax.grad(ours))(logits), jax.grad(theirs)(logits))
    _close(jax.jit(ours)(logits), theirs(logits))


def test_probability_targets_get_the_derived_derivative_by_them(cross_entropy):
    logits = _logits(3)
    targets = jax.nn.softmax(_logits(4, scale=1.0))
    ours = jax.grad(lambda z, t: cross_entropy(z, t, reduction="sum"), argnums=(0, 1))(logits, targets)
    theirs = jax.grad(lambda z, t: optax.softmax_cross_entropy(z, t).sum(), argnums=(0, 1))(logits, targets)
    for mine, optaxs in zip(ours, theirs):
        _close(mine, optaxs)
    assert not np.allclose(ours[1], -logits)  # not the derivative of the form that used Σ t = 1


def test_binary_cross_entropy_by_logits_and_targets_is_optaxs():
    bce = bridge.function(load("bce-sigmoid"))
    logits, targets = _logits(5, (20,), 8.0), jnp.asarray(np.random.default_rng(6).random(20))
    ours = jax.jit(jax.grad(lambda z, t: bce(z, t), argnums=(0, 1)))(logits, targets)
    theirs = jax.grad(lambda z, t: optax.sigmoid_binary_cross_entropy(z, t).mean(), argnums=(0, 1))(logits, targets)
    for mine, optaxs in zip(ours, theirs):
        _close(mine, optaxs)


def test_a_loss_per_row_takes_its_cotangent_per_row(cross_entropy):
    logits, labels = _logits(7), jnp.asarray(np.random.default_rng(8).integers(0, 5, 8))
    outer = jnp.asarray(np.random.default_rng(9).random(8))
    ours, vjp = jax.vjp(lambda z: cross_entropy(z, labels, reduction="none"), logits)
    theirs, their_vjp = jax.vjp(lambda z: optax.softmax_cross_entropy_with_integer_labels(z, labels), logits)
    assert ours.shape == (8,)
    _close(ours, theirs)
    _close(vjp(outer)[0], their_vjp(outer)[0])


def test_vmap_runs_one_example_at_a_time(cross_entropy):
    batch, labels = _logits(10, (3, 8, 5)), jnp.asarray(np.random.default_rng(11).integers(0, 5, 8))
    mapped = jax.vmap(jax.grad(lambda z: cross_entropy(z, labels)))(batch)
    for example, gradient in zip(batch, mapped):
        _close(gradient, jax.grad(lambda z: cross_entropy(z, labels))(example))


WEIGHTED_BCE = r"-\frac{1}{N}\sum_{i=1}^{N} \lbrack w t_i \log \sigma(z_i) + (1 - t_i) \log(1 - \sigma(z_i)) \rbrack"


def test_a_user_kernel_by_every_input_is_jax_autodiff_of_the_formula():
    import derive

    f = bridge.function(derive.gradient(WEIGHTED_BCE, "z_{j}").compile())
    z, t, w = _logits(12, (30,), 6.0), jnp.asarray(np.random.default_rng(13).random(30)), jnp.asarray(1.7)

    def formula(z, t, w):
        return -jnp.mean(w * t * jax.nn.log_sigmoid(z) + (1 - t) * jax.nn.log_sigmoid(-z))

    _close(f(z=z, t=t, w=w), formula(z, t, w), rtol=1e-10)
    ours = jax.jit(jax.grad(lambda z, t, w: f(z=z, t=t, w=w), argnums=(0, 1, 2)))(z, t, w)
    theirs = jax.grad(formula, argnums=(0, 1, 2))(z, t, w)
    for mine, autodiff in zip(ours, theirs):
        _close(mine, autodiff, rtol=1e-10)
    summed = jax.grad(lambda z, t: f(z=z, t=t, w=w, reduction="sum"), argnums=(0, 1))(z, t)
    for mine, autodiff in zip(summed, theirs[:2]):
        _close(mine, 30 * autodiff, rtol=1e-10)  # the sum of 30 rows: 30 times their mean's
    # a Python number is a constant of the call
    _close(jax.grad(lambda z: f(z=z, t=t, w=2.0))(z), jax.grad(formula)(z, t, 2.0), rtol=1e-10)


def test_the_second_derivative_is_the_derived_hessian(cross_entropy):
    """jacrev of jacrev (reverse mode twice): the built-in's derived Hessian through the softmax,
    and a user kernel's by every pair of inputs, against JAX's autodiff of the formula."""
    logits, labels = _logits(16, (4, 3)), jnp.asarray([0, 2, 1, 2])
    ours = jax.jit(jax.jacrev(jax.jacrev(lambda z: cross_entropy(z, labels, reduction="sum"))))(logits)
    theirs = jax.hessian(lambda z: optax.softmax_cross_entropy_with_integer_labels(z, labels).sum())(logits)
    _close(ours, theirs, atol=1e-14)
    import derive
    f = bridge.function(derive.gradient(r"\frac{1}{N}\sum_{i=1}^{N} \lbrack w (y_i - t_i)^4 - t_i \log(y_i) \rbrack",
                                        "y_{j}").compile())
    generator = np.random.default_rng(17)
    y, t, w = jnp.asarray(generator.random(5) + 0.2), jnp.asarray(generator.random(5)), jnp.asarray(1.3)

    def formula(y, t, w):
        return jnp.mean(w * (y - t) ** 4 - t * jnp.log(y))

    every = (0, 1, 2)
    ours = jax.jacrev(jax.jacrev(lambda y, t, w: f(y=y, t=t, w=w), argnums=every), argnums=every)(y, t, w)
    theirs = jax.hessian(formula, argnums=every)(y, t, w)
    for our_row, their_row in zip(ours, theirs):
        for mine, autodiff in zip(our_row, their_row):
            _close(mine, autodiff, rtol=1e-10, atol=1e-13)


def test_what_the_bridge_cannot_do_is_said(cross_entropy):
    logits, labels = _logits(14), jnp.asarray(np.random.default_rng(15).integers(0, 5, 8))
    gradient_of_penalty = jax.grad(lambda z: (jax.grad(lambda y: cross_entropy(y, labels))(z) ** 2).sum())
    with pytest.raises(ValueError, match="a third derivative of .*ce-softmax.* by input and input is not derived"):
        jax.grad(lambda z: gradient_of_penalty(z).sum())(logits)
    with pytest.raises(TypeError, match="forward-mode"):  # JAX's own refusal, said in derive.jax's docstring
        jax.hessian(lambda z: cross_entropy(z, labels))(logits)
    with pytest.raises(ValueError, match="labels must be in 0..4 for 5 classes; found 7"):
        cross_entropy(logits, labels.at[2].set(7))
    with pytest.raises(TypeError, match="weight is traced .* derive's options are constants"):
        jax.jit(lambda w: cross_entropy(logits, labels, weight=w))(jnp.ones(5))
    with pytest.raises(TypeError, match="input must be a JAX or NumPy array, got list"):
        cross_entropy([[0.0, 1.0]], labels)
    with pytest.raises(TypeError, match="takes a derive kernel"):
        bridge.function(optax.softmax_cross_entropy)
