"""Kernels of a loss's derivative by any of its inputs, derived when first asked for.

A kernel holds the derivative by one input (a built-in's by the logits or probabilities, a user's
by what it was derived by).  A bridge into a framework (:mod:`derive.torch`, :mod:`derive.jax`)
that is asked for the derivative by another input (the targets, a weight) gets it here: the
engine differentiates the loss by that input, step by step with every step verified, and compiles
the result like any kernel.  Nothing is written by hand, and nothing comes from autograd.

- A built-in kernel: the derivative by its targets ``t``, from the built-in derivation, taken up
  to the step that first uses that the targets of a row sum to one (a fact of the categorical
  model that holds on the targets, not along a derivative by them), in a model without the facts
  about labels.  Cross-entropy with probability targets and binary cross-entropy get the
  derivative PyTorch's autograd gives (``-log softmax(z)/N``, ``-z/N``...).
- A user kernel: the derivative by any input, from the loss the user wrote where the derivation is
  at hand, else from the kernel's loss (its stable form, proved equal to it step by step).

Each kernel is derived once per kernel and input, and cached with the kernel.
"""
from __future__ import annotations

import weakref
from dataclasses import replace
from typing import Any

import sympy as sp

from . import conventions as c
from . import extensions
from .catalogue import load_catalogue
from .derivations import get as built_in_derivation
from .derivations.gradients import gradient as derivation_gradient
from .derivations.runner import named_strategy
from .errors import DeriveError
from .languages import in_every_language
from .steps import Derivation, Equation
from .strategies import chain, given, run
from .user_losses import user_gradient

LABEL_FACTS = frozenset({"labels_sum_to_one", "one_hot_labels"})  # what holds of the targets, not along them
# free indices of a derivative by every component (l last: the stable forms' row maximum binds an l)
INDEX_LETTERS = (c.j, c.k, c.m, c.n, c.d, c.l)

_derived: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # kernel -> {input: kernel}
_compiled_from: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # kernel -> its derivation


def compile_derivation(derivation: Derivation) -> Any:
    """:func:`derive.kernels.compile_derivation`, imported on first use: a derivation shown or
    derived needs no kernel, and importing the kernels imports NumPy (a tenth of a cold ``derive show``)."""
    from .kernels import compile_derivation as compiled
    return compiled(derivation)


def identifier(base: sp.Basic) -> str:
    """The kernel's name for the array ``base`` (:mod:`derive.kernels.user_printer`), imported on first use."""
    from .kernels.user_printer import identifier as named
    return named(base)


def parameter_identifier(symbol: sp.Basic) -> str:
    """The kernel's name for the scalar or component ``symbol``, imported on first use."""
    from .kernels.user_printer import parameter_identifier as named
    return named(symbol)


def remember_derivation(kernel: Any, derivation: Derivation) -> None:
    """Note that ``kernel`` was compiled from ``derivation`` (``Derivation.compile()`` does), so a
    derivative by another input starts from the loss as written, not from its stable form (whose
    ``max(z, 0)`` and ``|z|`` derive refuses to differentiate by ``z``).  A kernel that cannot
    be weakly referenced is not noted (its bridge starts from the stable form)."""
    try:
        _compiled_from[kernel] = derivation
    except TypeError:
        pass


def derivative_kernel(kernel: Any, name: str, derivation: Derivation | None = None) -> Any:
    """The compiled derivative of ``kernel``'s loss by its input ``name`` (a built-in's
    ``"target"``, a user kernel's input by its name), by every component of an array; derived on
    the first call, then cached with ``kernel``.  ``derivation``: the derivation ``kernel`` was
    compiled from, where it is at hand (a user's loss is then differentiated as written).
    Raises :class:`ValueError` naming the input where derive cannot derive or compile it."""
    found = _derived.setdefault(kernel, {})
    derivation = derivation or _compiled_from.get(kernel)
    if name not in found:
        try:
            found[name] = _derive(kernel, name, derivation)
        except (DeriveError, TypeError, NotImplementedError) as error:
            raise ValueError(f"{name} requires grad, but derive could not derive the loss's derivative by "
                             f"{name}: {error}" + ("" if derivation else " (the kernel's stable form was "
                             "differentiated: pass the Derivation itself to differentiate the loss as written)")) from error
    return found[name]


def _derive(kernel: Any, name: str, derivation: Derivation | None) -> Any:
    if hasattr(kernel, "inputs"):
        return _by_a_users_input(kernel, name, derivation)
    if name != "target":
        raise DeriveError(f"a built-in kernel's inputs are input and target, not {name}")
    return _by_targets(kernel.name)


def for_any_targets(derivation: Derivation) -> Derivation:
    """``derivation`` up to the first step that replaces a sum of the targets by one (a fact of the
    categorical model, true of the targets but not along a derivative by them), in its model less
    the facts about labels: the loss as a function of targets free to vary.  A step that rewrites
    the targets (BCE's ``t₂ = 1 − t₁``) stays, in the model that states it: the loss after it is
    one of the new targets."""
    rules = load_catalogue()
    uses_labels = [number for number, step in enumerate(derivation.steps)
                   if step.rule in rules and set(rules[step.rule].requires) & LABEL_FACTS
                   and rules[step.rule].data.get("rhs") == "1"]
    if not uses_labels:
        return derivation
    models = tuple(replace(model, facts=model.facts - LABEL_FACTS) for model in derivation.models)
    return replace(derivation, steps=derivation.steps[:uses_labels[0]], models=models)


def _by_targets(name: str) -> Any:
    """The built-in ``name``'s loss differentiated by its targets, by every component."""
    derivation = for_any_targets(built_in_derivation(name))
    ranks = {len(a.indices) for a in derivation.result.rhs.atoms(sp.Indexed) if a.base == c.t}
    if len(ranks) != 1:
        raise DeriveError(f"the loss of {name} reads no targets t by which to differentiate")
    (rank,) = ranks
    return compile_derivation(derivation_gradient(derivation, c.t[INDEX_LETTERS[:rank]]))


def _by_a_users_input(kernel: Any, name: str, derivation: Derivation | None) -> Any:
    """A user kernel's loss differentiated by its input ``name``: the loss as the user wrote it
    (``derivation``'s first step) where given, else the kernel's stable form of it."""
    if derivation is not None:
        lhs, rhs = derivation.steps[0].lhs, derivation.steps[0].rhs
    else:
        lhs, rhs = c.E, kernel.expressions[0]
    derived = user_gradient(sp.Eq(lhs, rhs), _variable(rhs, name, kernel))
    if not isinstance(derived, Derivation):  # a loss with kinks compiles its own pieces (derive.piecewise)
        return derived.compile()
    compiled = compile_derivation(derived)
    remember_derivation(compiled, derived)  # a second derivative starts from it
    return compiled


def _variable(rhs: sp.Basic, name: str, kernel: Any) -> sp.Basic:
    """The kernel's input ``name`` as ``rhs`` writes it: an array's every component (indexed by
    letters ``rhs`` does not use), or a scalar."""
    arrays = {identifier(base): base for base in rhs.atoms(sp.IndexedBase)}
    shapes = {identifier(base): shape for base, shape in kernel.layout.arrays.items()}
    scalars = {parameter_identifier(symbol): symbol for symbol in kernel.layout.scalars}
    if name in shapes and name in arrays:
        taken = {symbol.name for symbol in rhs.atoms(sp.Symbol)}
        letters = [letter for letter in INDEX_LETTERS if letter.name not in taken]
        return arrays[name][tuple(letters[:len(shapes[name])])]
    if name in scalars:
        return next((s for s in rhs.free_symbols | rhs.atoms(sp.Indexed) if parameter_identifier(s) == name),
                    scalars[name])
    raise DeriveError(f"the kernel's inputs are {', '.join(kernel.inputs)}; {name} is none of them")


def second_derivative_kernel(kernel: Any, first: str, then: str, derivation: Derivation | None = None) -> tuple:
    """``(k, v)``: ``k`` None where the derivative by ``first`` does not contain ``then`` (the
    second derivative is zero), else the compiled derivative by ``then`` of Σ v ∂E/∂``first`` (v: a new input named
    ``v``, of the shape of ``first``), which is the Hessian of the loss by ``first`` and ``then``
    applied to v, the product a second backward pass needs.  The first derivative is the one
    derived for the kernel (its own, or :func:`derivative_kernel`'s), differentiated again step by
    step (as ``derive grad --order 2`` does, contracted with v first so one kernel serves every
    component).  Derived once per kernel and pair, cached; a :class:`ValueError` names the pair
    where derive cannot derive or compile it (a built-in kernel's second derivative is not here yet)."""
    found = _derived.setdefault(kernel, {})
    key = (first, then)
    if key not in found:
        try:
            found[key] = _second(kernel, first, then, derivation or _compiled_from.get(kernel))
        except (DeriveError, TypeError, NotImplementedError) as error:
            raise ValueError(f"the second derivative by {first} then {then} is not derived: {error}") from error
    return found[key]


def _second(kernel: Any, first: str, then: str, derivation: Derivation | None) -> tuple:
    if not hasattr(kernel, "inputs"):
        return _second_of_a_built_in(kernel, first, then)
    by = kernel.derivative_by
    gradient: Derivation | None
    if derivation is not None and by == (first, None):
        gradient = derivation
    else:
        derivative_kernel(kernel, first, derivation)
        gradient = _compiled_from.get(_derived[kernel][first])
        if gradient is None:
            raise DeriveError(f"the derivation of the derivative by {first} is not at hand")
    wrt = gradient.result.lhs.variables[-1]
    rhs = gradient.result.rhs
    taken = {str(s) for s in rhs.atoms(sp.Symbol)} | {str(b) for b in rhs.atoms(sp.IndexedBase)} | set(kernel.inputs)
    v_name = next(name for name in ("v", "u", "v_1", "v_2", "v_3") if name not in taken)
    if isinstance(wrt, sp.Indexed):
        shape = next(shape for base, shape in kernel.layout.arrays.items() if identifier(base) == first)
        v: sp.Basic = sp.IndexedBase(v_name, real=True)[wrt.indices]
        contracted = sp.Sum(v * rhs, *((index, 1, size) for index, size in zip(wrt.indices, shape)))
    else:
        contracted = sp.Symbol(v_name, real=True) * rhs
    lhs = sp.Symbol("H" if "H" not in taken else "H_v", real=True)
    named = {identifier(b) for b in contracted.atoms(sp.IndexedBase)} | \
        {parameter_identifier(s) for s in contracted.free_symbols | contracted.atoms(sp.Indexed)}
    if then not in named:  # the first derivative does not depend on it: its derivative is zero
        return None, v_name
    derived = user_gradient(sp.Eq(lhs, contracted), _variable(contracted, then, kernel))
    if not isinstance(derived, Derivation):  # a first derivative with kinks: its pieces compile (derive.piecewise)
        return derived.compile(), v_name
    return compile_derivation(derived), v_name


def _second_of_a_built_in(kernel: Any, first: str, then: str) -> tuple:
    """A built-in's second derivative by its input twice: its derivation's gradient (as derived
    for ``derive grad``), contracted with v and differentiated again in the same model (the
    softmax's or the sigmoid's derivative as its lemma gives it); the loss of mean reduction."""
    if (first, then) != ("input", "input"):
        raise DeriveError(f"a built-in kernel's second derivative is derived by its input twice, not by {first} "
                          f"then {then}")
    derivation = built_in_derivation(kernel.name)
    model_variable = next(a.base for a in derivation.result.rhs.atoms(sp.Indexed) if str(a.base) == kernel.variable)
    rank = next(len(a.indices) for a in derivation.result.rhs.atoms(sp.Indexed) if a.base == model_variable)
    gradient = derivation_gradient(derivation, model_variable[INDEX_LETTERS[:rank]])
    wrt, rhs = gradient.result.lhs.variables[-1], gradient.result.rhs
    sizes = (c.N, c.K)[:rank]
    v = sp.IndexedBase("v", real=True)
    contracted = sp.Sum(v[wrt.indices] * rhs, *((index, 1, size) for index, size in zip(wrt.indices, sizes)))
    then_by = model_variable[tuple(letter for letter in INDEX_LETTERS if letter not in wrt.indices)[:rank]]
    title = in_every_language("titles.gradient_by", name=f"{kernel.name}-hessian-vector",
                              wrt=extensions.call("expression_latex", then_by))
    model = gradient.models[-1] if gradient.models else derivation.models[-1]
    strategy = chain(given(Equation(sp.Symbol("H", real=True), contracted)), named_strategy("gradient", wrt=then_by))
    return compile_derivation(run(f"{kernel.name}-hessian-vector", title, strategy, model)), "v"
