"""The Python entry points: build, look up and list derivations and rules."""
from __future__ import annotations

import sympy as sp

from . import derivations
from .catalogue import Rule, load_catalogue
from .errors import ArgumentError, ArgumentTypeError
from .input_limits import checked_time_limit, time_limit as within_seconds
from .safe_names import check_names
from .piecewise import PiecewiseGradient
from .steps import Derivation
from .user_losses import named_variable, user_gradient, variables_in_turn

ROUTES = ("categorical", "bernoulli")


def cross_entropy(batch: bool = True, classes: int | None = None,
                  likelihood: sp.Basic | None = None, link: str | None = None) -> Derivation:
    """Cross-entropy derived from a categorical likelihood.

    ``batch``: N samples (series eq. 1) or one sample ((4.1)-(4.3)); ``classes``: a concrete K
    instead of the general one; ``likelihood``: the right side of ``L = ...`` for a model of your
    own (taken as given, so its first step is marked not verified); ``link="softmax"``: the model
    outputs logits z and y = softmax(z).
    """
    if link not in (None, "softmax"):
        raise ArgumentError(f"cross-entropy takes link='softmax' or no link, not {link!r}")
    if link:
        if not batch or classes or likelihood is not None:
            return derivations.with_link(cross_entropy(batch, classes, likelihood), link, "ce-softmax")
        return get("ce-softmax")
    if classes is not None and (not isinstance(classes, int) or isinstance(classes, bool) or classes < 2):
        raise ArgumentError(f"classes must be an integer of at least 2, not {classes!r}")
    if likelihood is not None and not isinstance(likelihood, sp.Basic):
        raise ArgumentTypeError("likelihood must be a SymPy expression (the right side of L = ...)")
    check_names(likelihood)  # its names are printed in every format: data, never markup (derive.safe_names)
    if likelihood is not None:
        _require_a_likelihood(likelihood, batch)
    if batch:
        return derivations.ce(classes=classes, likelihood=likelihood)
    return derivations.ce_one_sample(classes=classes, likelihood=likelihood)


def _require_a_likelihood(likelihood: sp.Basic, batch: bool) -> None:
    """What the derivation will need of a user's likelihood, said before it starts: a product over
    the samples i = 1..N where ``batch`` (else its mean would be titled over N samples with no sum
    over them), and powers whose logarithm is b log a: a positive base, a real exponent, as the
    symbols' own assumptions say (a name says nothing: a plain ``IndexedBase('w')`` may be complex)."""
    from . import conventions as c

    over_samples = any(upper == c.N for product in likelihood.atoms(sp.Product) for _, _, upper in product.limits)
    if batch and not over_samples:
        raise ArgumentError("the likelihood is of one sample (no product over i = 1..N): pass batch=False, or "
                            "write the product over the samples, Product(..., (i, 1, N))")
    for power in sorted(likelihood.atoms(sp.Pow), key=sp.default_sort_key):
        labels = {atom.label for atom in power.exp.atoms(sp.IndexedBase)}
        unknown = [str(atom) for atom in sorted(power.exp.atoms(sp.Symbol, sp.Indexed), key=sp.default_sort_key)
                   if atom.is_real is not True and atom.is_integer is not True and atom not in labels]
        if power.exp.is_real is not True and unknown:
            raise ArgumentError(f"the likelihood's power {power} has an exponent not known to be real ({', '.join(unknown)}), "
                                "so its logarithm is not b log a: declare it real, e.g. IndexedBase('w', real=True)")
        if power.base.is_positive is not True:
            raise ArgumentError(f"the likelihood's power {power} has a base not known to be positive, so it has no "
                                "logarithm: declare it positive (the model's y is)")


def binary_cross_entropy(route: str = "categorical", link: str | None = None) -> Derivation:
    """Binary cross-entropy from the two-class categorical model ((7.1)-(7.4)) or from Bernoulli;
    ``link="sigmoid"``: the model outputs a logit z and y = sigmoid(z)."""
    if route not in ROUTES:
        raise ArgumentError(f"route must be one of {', '.join(ROUTES)}, not {route!r}")
    if link not in (None, "sigmoid"):
        raise ArgumentError(f"binary cross-entropy takes link='sigmoid' or no link, not {link!r}")
    loss = get("bce" if route == "categorical" else "bce-bernoulli")
    return derivations.with_link(loss, link, "bce-sigmoid") if link else loss


def gradient(loss, wrt, link: str | None = None, order: int = 1, time_limit: float | None = None) -> Derivation | PiecewiseGradient:
    """The gradient of ``loss`` by ``wrt``, step by step, every step verified.

    ``loss``: a derivation (its result is differentiated, see :meth:`Derivation.gradient`), LaTeX
    text such as ``r"-\\sum_k t_k \\log y_k"``, or a SymPy expression or ``Eq``.  ``wrt``: LaTeX
    (``"y_{j}"``, ``"\\sigma"``) or a SymPy symbol or indexed component.  ``order``: differentiate
    that many times, by ``wrt`` each time or by each of a list of ``order`` variables in turn (see
    :func:`hessian`); each derivative is differentiated again step by step, every step verified.
    A loss in LaTeX or SymPy is derived within a budget of work (:mod:`derive.work_budget`: the same
    result, or the same :class:`~derive.errors.LimitExceeded`, on an idle machine and a busy one);
    ``time_limit``: the caller's safety net in seconds (for such a loss by default
    :data:`~derive.input_limits.TIME_LIMIT` per derivative, far above any loss within the budget; a
    derivation's gradient, built from the catalogue's own derivations, has none unless given)."""
    if isinstance(loss, Derivation):
        variables = variables_in_turn(wrt, order)
        if time_limit is None:
            return _gradients_of_derivation(loss, variables, link)
        with within_seconds(checked_time_limit(time_limit), "deriving the gradient", callers=True):
            return _gradients_of_derivation(loss, variables, link)
    if link is not None:
        raise ArgumentError("link applies to a derivation; write the link into the LaTeX, e.g. \\sigma(z)")
    return user_gradient(loss, wrt, order, time_limit)


def _gradients_of_derivation(derivation: Derivation, variables: list, link: str | None) -> Derivation:
    """``derivation``'s result differentiated by each of ``variables`` in turn (named as in its result)."""
    named_in = derivation.result.rhs
    for each in variables:
        variable = named_variable(each, named_in) if isinstance(each, str) else each
        derivation = _gradient_of_derivation(derivation, variable, link)
        link = None  # the first derivative is written in the logits already
    return derivation


def hessian(loss, wrt) -> Derivation | PiecewiseGradient:
    """The second derivative of ``loss``: by ``wrt`` twice, or, for ``wrt=[a, b]``, the mixed
    ``∂²E/∂a∂b`` (by ``a``, then by ``b``).  Derived as :func:`gradient` derives the first, by
    differentiating its result again, and cross-checked against ``sympy.diff`` and a second
    central difference; a loss with kinks by pieces (where the first derivative exists too)."""
    return gradient(loss, wrt, order=2)


def _gradient_of_derivation(derivation: Derivation, wrt: sp.Basic, link: str | None = None) -> Derivation:
    """What :meth:`Derivation.gradient` does (registered in :mod:`derive.extensions`)."""
    check_names(wrt)  # a SymPy variable's name is printed in every format (derive.safe_names)
    return derivations.gradient(derivation, wrt, link)


def _compile_derivation(derivation: Derivation, backend: str = "numba"):
    """What :meth:`Derivation.compile` does: a kernel of the loss and its gradient, each in its
    stable form, by one path for a built-in and a user's gradient (:mod:`derive.kernels`), for
    the ``backend`` named (numba, torch, jax)."""
    from .input_derivatives import remember_derivation  # the bridges' derivatives: only a kernel needs them
    from .kernels import compile_derivation
    kernel = compile_derivation(derivation, backend)
    remember_derivation(kernel, derivation)  # a bridge asked for a derivative by another input starts from it
    return kernel


def get(name: str) -> Derivation:
    """A built-in derivation by its stable name (see :func:`names`)."""
    return derivations.get(name)


def names() -> tuple[str, ...]:
    return derivations.names()


def rules() -> list[Rule]:
    """The whole rule catalogue, in catalogue order."""
    return list(load_catalogue().values())
