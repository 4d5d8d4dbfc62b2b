"""The built-in derivations of the series and the gradients the engine adds, each a strategy
over the rule catalogue with a stable name (``derive list``)."""
from __future__ import annotations

from functools import partial

from . import examples, exponential, gradients, lemmas, limits, losses, maximum_likelihood, moving_average, options, stable
from .gradients import gradient, with_link
from .registry import get, names, register, title

for _name, _builder in {
    "ce-one-sample": losses.ce_one_sample,
    "ce": losses.ce,
    "bce": losses.bce,
    "bce-bernoulli": losses.bce_bernoulli,
    "ce-vector": losses.ce_vector,
    "ce-dice-example": examples.ce_dice_example,
    "bce-titanic-survived": examples.bce_titanic_survived,
    "bce-titanic-died": examples.bce_titanic_died,
    "ce-softmax": gradients.ce_softmax,
    "ce-one-sample-softmax": gradients.ce_one_sample_softmax,
    "bce-sigmoid": gradients.bce_sigmoid,
    "ce-grad": gradients.ce_grad,
    "bce-grad": gradients.bce_grad,
    "ce-softmax-grad": gradients.ce_softmax_grad,
    "bce-sigmoid-grad": gradients.bce_sigmoid_grad,
    "ce-matrix-grad": gradients.ce_matrix_grad,
    "softmax-hessian": gradients.softmax_hessian,
    "log-derivative": limits.log_derivative,
    "dice-mle": maximum_likelihood.dice_mle,
    "bernoulli-mle": maximum_likelihood.bernoulli_mle,
    "dice-mle-example": maximum_likelihood.dice_mle_example,
    "ema": moving_average.ema,
    "ema-bias-correction": moving_average.ema_bias_correction,
    "ema-example": moving_average.ema_example,
    "exp-rules": exponential.exp_rules,
    "exp-derivative": limits.exp_derivative,
    "sigmoid-derivative": lemmas.sigmoid_derivative,
    "softmax-jacobian": lemmas.softmax_jacobian,
    "ce-stable": partial(stable.built_in, "ce-stable"),
    "bce-stable": partial(stable.built_in, "bce-stable"),
    "ce-softmax-stable": partial(stable.built_in, "ce-softmax-stable"),
    "bce-sigmoid-stable": partial(stable.built_in, "bce-sigmoid-stable"),
    "ce-softmax-grad-stable": partial(stable.built_in, "ce-softmax-grad-stable"),
    "ce-softmax-grad-targets-stable": partial(stable.built_in, "ce-softmax-grad-targets-stable"),
    "bce-sigmoid-grad-stable": partial(stable.built_in, "bce-sigmoid-grad-stable"),
    **{name: partial(options.ce_with_options, name) for name in options.CE_OPTIONS},
    **{name: partial(options.bce_with_options, name) for name in options.BCE_OPTIONS},
    "bce-options-sigmoid": partial(options.sigmoid_of, "bce-options"),
    "bce-options-sigmoid-grad": partial(options.sigmoid_gradient_of, "bce-options"),
    "bce-options-sigmoid-stable": partial(stable.built_in, "bce-options-sigmoid-stable"),
    "bce-options-sigmoid-grad-stable": partial(stable.built_in, "bce-options-sigmoid-grad-stable"),
    **{f"{name}-softmax": partial(options.softmax_of, name) for name in options.KERNEL_LOSSES},
    **{f"{name}-softmax-grad": partial(options.softmax_gradient_of, name) for name in options.KERNEL_LOSSES},
    **{f"{name}-softmax-stable": partial(stable.built_in, f"{name}-softmax-stable")
       for name in options.KERNEL_LOSSES},
    **{f"{name}-softmax-grad-stable": partial(stable.built_in, f"{name}-softmax-grad-stable")
       for name in options.KERNEL_LOSSES},
}.items():
    register(_name, _builder)

ce, ce_one_sample, bce_bernoulli = losses.ce, losses.ce_one_sample, losses.bce_bernoulli

__all__ = ["get", "gradient", "names", "register", "title", "with_link", "ce", "ce_one_sample", "bce_bernoulli"]
